"""The fixtures of torch_yogi's tests: the device matrix, one thread, the slow marker."""
import pytest
import torch

from yogi_support import CUDA


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=CUDA)])
def device(request):
    return torch.device(request.param)


@pytest.fixture(autouse=True)
def one_thread():
    """Numbers, not speed: one thread (idle OpenMP threads spinning slowed the tests on 2 cores)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds")
