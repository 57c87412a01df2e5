"""The torch-yogi wheel the site offers: what it holds, and a new user's path with it — a fresh
virtual environment holding only torch==2.13.0, the wheel (or `pip install ./torch-yogi` from the
checkout), and a training run from a folder outside the repository."""
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WHEEL = "torch_yogi-0.1.0-py3-none-any.whl"
TRAIN = textwrap.dedent("""
    import torch
    from torch_yogi import Yogi
    torch.manual_seed(0)
    X = torch.randn(256, 5)
    y = X @ torch.tensor([[2.0], [-3.4], [1.5], [0.5], [-1.0]]) + 4.2
    net = torch.nn.Linear(5, 1)
    opt = Yogi(net.parameters(), lr=0.1)
    first = None
    for _ in range(300):
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(net(X), y)
        loss.backward()
        opt.step()
        first = first or loss.item()
    import torch_yogi
    print(torch_yogi.__file__)
    print(first, loss.item(), torch_yogi.ops.cpu_kernel_ready(), type(opt.state[net.weight]["step"]).__name__)
""")


@pytest.mark.slow
def test_the_wheel_holds_the_package_and_nothing_of_the_site(built_site):
    wheels = sorted(p.name for p in built_site.rglob("*.whl"))
    assert wheels == [WHEEL]
    with zipfile.ZipFile(built_site / WHEEL) as z:
        names = z.namelist()
        metadata = z.read("torch_yogi-0.1.0.dist-info/METADATA").decode()
    assert {n.split("/")[0] for n in names} == {"torch_yogi", "torch_yogi-0.1.0.dist-info"}
    assert "torch_yogi/yogi_cpu.c" in names and not any("test" in n or "benchmark" in n for n in names)
    assert "License-Expression: MIT" in metadata and "Requires-Dist: torch>=2.6" in metadata
    assert "drop-in replacement for `torch.optim.Adam`" in metadata  # the package's README


def _fresh_venv(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "torch==2.13.0"], check=True, timeout=900)
    return python


def _train(python, tmp_path):
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    done = subprocess.run([str(python), "-I", "-c", TRAIN], cwd=work, capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "TORCH_YOGI_CACHE": str(tmp_path / "c")})
    assert done.returncode == 0, done.stderr[-2000:]
    where, numbers = done.stdout.strip().splitlines()
    first, last, kernel, step = numbers.split()
    assert not where.startswith(str(ROOT)) and "venv" in where
    assert float(last) < 1e-3 < float(first) and kernel == "True" and step == "Tensor"


@pytest.mark.slow
def test_the_wheel_installs_beside_torch_alone_and_trains_outside_the_repository(built_site, tmp_path):
    python = _fresh_venv(tmp_path)
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(built_site / WHEEL)], check=True, timeout=300)
    freeze = subprocess.run([str(python), "-m", "pip", "freeze"], capture_output=True, text=True).stdout
    assert "torch-yogi @ file" in freeze or "torch_yogi @ file" in freeze
    _train(python, tmp_path)
    # `pip install ./torch-yogi`, as the README says, from a copy (setuptools builds in the folder)
    copy = tmp_path / "clone" / "torch-yogi"
    shutil.copytree(ROOT / "torch-yogi", copy, ignore=shutil.ignore_patterns("*.egg-info", "build", "__pycache__"))
    source = subprocess.run([str(python), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", "./torch-yogi"],
                            cwd=copy.parent, capture_output=True, text=True, timeout=600)
    assert source.returncode == 0, source.stderr[-2000:]
    _train(python, tmp_path)
