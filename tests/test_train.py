"""snippets/train.py (the harness and its CLI) and tools/train_benchmark.py; plus one check over
all of this suite's snippet files: every page section names only what it defines or imports."""
import hashlib
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from snippets import data as data_module
from snippets import optim, scratch
from snippets.data import Airfoil, synthetic_airfoil
from test_snippet_sections import sections
from snippets.train import Run, describe_device, main, resolve_device, run_optimizer, train_scratch, train_torch

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
LOSS_LINE = re.compile(r"^loss: \d+\.\d{3}, \d+\.\d{3} sec/epoch$")


@pytest.fixture(scope="module")
def airfoil():
    features, labels = synthetic_airfoil()
    return Airfoil(features, labels, "synthetic", None)


def sgd(lr):
    """A from-scratch SGD step in the scratch functions' calling convention (zeroes the gradients)."""

    def step(params, states, hyperparams):
        with torch.no_grad():
            for p in params:
                p.add_(p.grad, alpha=-lr)  # p ← p − η·g, the op torch.optim.SGD uses
                p.grad.zero_()

    return step


# --- devices ------------------------------------------------------------------------------------


def test_resolve_device(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    with pytest.raises(ValueError, match="'cuda'.*CUDA is not available"):
        resolve_device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda") == torch.device("cuda")
    for bad in ("tpu", "cuda:0", ""):
        with pytest.raises(ValueError, match=f"Invalid device: {bad!r}"):
            resolve_device(bad)


def test_resolve_device_reads_the_environment_for_its_default(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.delenv("ADAM_YOGI_DEVICE", raising=False)
    assert resolve_device(None) == torch.device("cuda")  # unset: auto
    monkeypatch.setenv("ADAM_YOGI_DEVICE", "cpu")
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("auto") == torch.device("cuda")  # an explicit name wins
    monkeypatch.setenv("ADAM_YOGI_DEVICE", "gpu")
    with pytest.raises(ValueError, match="Invalid device: 'gpu'"):
        resolve_device(None)


def test_describe_device_names_the_torch_version():
    assert describe_device("cpu") == f"cpu (torch {torch.__version__})"


# --- the harness ------------------------------------------------------------------------------


def test_same_seed_same_numbers_and_the_global_rng_is_left_alone(airfoil, device):
    state = torch.get_rng_state()
    runs = [train_scratch(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, device=device)
            for _ in range(2)]
    assert torch.equal(state, torch.get_rng_state())
    assert runs[0].epochs == runs[1].epochs and runs[0].losses == runs[1].losses
    hyperparams = {"lr": 0.01, "t": 1}  # one dict can start several runs: the harness advances a copy
    again = [train_scratch(scratch.adam, scratch.init_adam_states(5), hyperparams, airfoil, num_epochs=1, device=device)
             for _ in range(2)]
    assert hyperparams == {"lr": 0.01, "t": 1} and again[0].losses == again[1].losses
    other = train_scratch(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, device=device, seed=1)
    assert other.losses != runs[0].losses
    torch_runs = [train_torch(optim.Yogi, {"lr": 0.01}, airfoil, num_epochs=2, device=device) for _ in range(2)]
    assert torch_runs[0].losses == torch_runs[1].losses
    assert runs[0].device == str(device) and runs[0].sec_per_epoch > 0


def test_loss_recorded_every_200_examples_with_epochs_on_the_x_axis(airfoil):
    run = train_scratch(sgd(0.01), None, {}, airfoil, num_epochs=2, batch_size=10)
    assert run.epochs == pytest.approx([k * 200 / 1500 for k in range(1, 16)])
    # a batch size that does not divide 200 still gets a point each time 200 more examples are seen
    run = train_scratch(sgd(0.01), None, {}, airfoil, num_epochs=2, batch_size=7)
    assert len(run.epochs) == 15 and run.epochs[-1] == 2.0


def test_recorded_loss_is_the_full_data_mean_of_half_squared_error(airfoil):
    seed = 3
    frozen = train_scratch(sgd(0.0), None, {}, airfoil, num_epochs=1, seed=seed)  # w, b never move
    w = torch.normal(0.0, 0.01, size=(5, 1), generator=torch.Generator().manual_seed(seed))  # w ~ N(0, 0.01²), b = 0
    X, y = airfoil.features.double(), airfoil.labels.double()
    expected = (0.5 * (X @ w.double() - y[:, None]) ** 2).mean().item()  # (1/n)·Σ ½·(ŷ − y)²
    assert frozen.losses == pytest.approx([expected] * 7, rel=1e-6)


def test_gradient_is_what_autograd_gives_for_the_batch_mean(airfoil):
    grads = []

    def capture(params, states, hyperparams):
        grads.append([p.grad.clone() for p in params])

    train_scratch(capture, None, {}, airfoil, num_epochs=1, batch_size=1500, seed=5)
    w = torch.normal(0.0, 0.01, size=(5, 1), generator=torch.Generator().manual_seed(5)).double().requires_grad_()
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    X, y = airfoil.features.double(), airfoil.labels.double()
    loss = ((X @ w + b - y.reshape(-1, 1)) ** 2 / 2).mean()  # the book: loss(net(X), y).mean()
    loss.backward()
    assert torch.allclose(grads[0][0].double(), w.grad, rtol=1e-5, atol=1e-7)
    assert torch.allclose(grads[0][1].double(), b.grad, rtol=1e-5, atol=1e-7)


def test_scratch_and_torch_paths_share_model_loss_and_order(airfoil):
    by_hand = train_scratch(sgd(0.05), None, {}, airfoil, num_epochs=2)
    by_torch = train_torch(torch.optim.SGD, {"lr": 0.05}, airfoil, num_epochs=2)
    assert by_hand.epochs == by_torch.epochs
    assert by_hand.losses == pytest.approx(by_torch.losses, rel=1e-6)


def test_scratch_adam_and_torch_adam_give_the_same_curve(airfoil, device):
    mine = train_scratch(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, device=device)
    theirs = train_torch(torch.optim.Adam, {"lr": 0.01, "eps": 1e-6}, airfoil, num_epochs=2, device=device)
    assert mine.losses == pytest.approx(theirs.losses, rel=1e-4)
    ours = train_torch(optim.Adam, {"lr": 0.01, "eps": 1e-6}, airfoil, num_epochs=2, device=device)
    assert ours.losses == pytest.approx(theirs.losses, rel=1e-6)


def test_scratch_yogi_and_optim_yogi_give_the_same_curve(airfoil, device):
    mine = train_scratch(scratch.yogi, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, device=device)
    theirs = train_torch(optim.Yogi, {"lr": 0.01, "eps": 1e-3, "initial_accumulator": 0.0}, airfoil, num_epochs=2,
                         device=device)
    assert mine.losses == pytest.approx(theirs.losses, rel=1e-4)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(num_epochs=0), "Invalid num_epochs: 0"),
        (dict(num_epochs=1.5), "Invalid num_epochs: 1.5"),
        (dict(batch_size=0), "Invalid batch_size: 0"),
        (dict(batch_size=1501), "Invalid batch_size: 1501"),
        (dict(num_epochs=1, data=(torch.zeros(100, 5), torch.zeros(100))), "never reach the 200"),
        (dict(lr=-1), "Invalid learning rate: -1 (a finite number > 0)"),
        (dict(lr=0.0), "Invalid learning rate: 0.0"),
        (dict(lr=float("nan")), "Invalid learning rate: nan"),
        (dict(lr=float("inf")), "Invalid learning rate: inf"),
        (dict(lr="0.01"), "Invalid learning rate: '0.01'"),
        (dict(seed=-1), "Invalid seed: -1 (an integer from 0 to 2**63 - 1)"),
        (dict(seed=2**63), f"Invalid seed: {2**63}"),
        (dict(seed=1.0), "Invalid seed: 1.0"),
        (dict(seed=True), "Invalid seed: True"),
        (dict(device="tpu"), "Invalid device: 'tpu'"),
        (dict(device="cuda:0"), "Invalid device: 'cuda:0'"),
        (dict(device=torch.device("meta")), "Invalid device"),
    ],
)
def test_harness_arguments_are_checked(airfoil, kwargs, message):
    data = kwargs.pop("data", airfoil)
    lr = kwargs.pop("lr", 0.01)
    with pytest.raises(ValueError, match=re.escape(message)):
        train_scratch(sgd(0.01), None, {"lr": lr}, data, **kwargs)
    with pytest.raises(ValueError, match=re.escape(message)):
        train_torch(torch.optim.SGD, {"lr": lr}, data, **kwargs)
    if data is airfoil:
        for name in ("adam", "optim-yogi"):
            with pytest.raises(ValueError, match=re.escape(message)):
                run_optimizer(name, data, lr=lr, **kwargs)


def test_cuda_without_cuda_is_a_clear_error(airfoil, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for device in ("cuda", torch.device("cuda"), torch.device("cuda:0")):
        with pytest.raises(ValueError, match="CUDA is not available"):
            train_scratch(sgd(0.01), None, {}, airfoil, device=device)
        with pytest.raises(ValueError, match="CUDA is not available"):
            train_torch(torch.optim.SGD, {"lr": 0.01}, airfoil, device=device)
        with pytest.raises(ValueError, match="CUDA is not available"):
            run_optimizer("yogi", airfoil, device=device)


def test_device_names_and_torch_devices_are_resolved(airfoil, monkeypatch):
    runs = [train_scratch(sgd(0.01), None, {}, airfoil, num_epochs=1, device=d)
            for d in ("cpu", " CPU ", torch.device("cpu"))]
    assert {r.device for r in runs} == {"cpu"} and runs[0].losses == runs[1].losses == runs[2].losses
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train_torch(torch.optim.SGD, {"lr": 0.01}, airfoil, num_epochs=1, device="auto").device == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)
    assert resolve_device(torch.device("cuda:1")) == torch.device("cuda:1")  # one GPU of several
    with pytest.raises(ValueError, match=re.escape("Invalid device: 'cuda:2' (this machine has 2 CUDA devices)")):
        resolve_device(torch.device("cuda:2"))


def test_run_prints_the_books_line():
    run = Run(epochs=[1.0, 2.0], losses=[0.5, 0.24349], sec_per_epoch=0.01234, device="cpu")
    assert str(run) == "loss: 0.243, 0.012 sec/epoch"
    assert f"{run}" == str(run) and run.losses[-1] == 0.24349


def test_default_epochs_are_the_books(airfoil):
    assert run_optimizer("adam", airfoil).epochs[-1] == 2.0
    assert run_optimizer("torch-adam", airfoil).epochs[-1] == 4.0
    with pytest.raises(ValueError, match="Invalid optimizer: 'sgd'"):
        run_optimizer("sgd", airfoil)


@pytest.mark.skipif(not (REAL_DIR / "airfoil_self_noise.dat").is_file(), reason=f"no real data file in {REAL_DIR}")
@pytest.mark.parametrize("name", ["adam", "yogi", "torch-adam", "optim-yogi"])
def test_on_the_real_data_every_optimizer_reaches_the_books_loss(name):
    airfoil = data_module.load_airfoil(REAL_DIR)
    run = run_optimizer(name, airfoil)
    assert 0.23 < run.losses[-1] < 0.26  # the book prints 0.243–0.245 for these runs
    assert min(run.losses) > 0.2415  # never below the least-squares optimum, ½·MSE = 0.24169


# --- the CLI -------------------------------------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A 1503-row airfoil-shaped file the loader is told to trust."""
    features, labels = synthetic_airfoil(n=1503)
    raw = torch.cat([features, labels[:, None]], 1).double() * 3 + 10
    path = tmp_path / "airfoil_self_noise.dat"
    path.write_bytes("".join("\t".join(f"{x:.6g}" for x in row) + "\r\n" for row in raw.tolist()).encode())
    monkeypatch.setattr(data_module, "SHA1", hashlib.sha1(path.read_bytes()).hexdigest())
    monkeypatch.delenv("ADAM_YOGI_DEVICE", raising=False)
    return tmp_path


@pytest.mark.parametrize("name", ["adam", "yogi", "torch-adam", "optim-yogi"])
def test_cli_prints_the_loss_line_then_device_and_data(name, data_dir, capsys):
    assert main(["--optimizer", name, "--data-dir", str(data_dir), "--device", "cpu"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert LOSS_LINE.match(lines[0]), lines[0]
    assert lines[1] == f"device: cpu (torch {torch.__version__}), data: airfoil ({data_dir / 'airfoil_self_noise.dat'})"


def test_cli_same_seed_same_loss(data_dir, capsys):
    losses = []
    for _ in range(2):
        main(["--optimizer", "yogi", "--data-dir", str(data_dir), "--epochs", "1", "--seed", "7", "--lr", "0.02"])
        losses.append(capsys.readouterr().out.split(",")[0])
    assert losses[0] == losses[1]


def test_cli_synthetic_fallback_says_so(tmp_path, capsys):
    main(["--optimizer", "torch-adam", "--epochs", "1", "--data-dir", str(tmp_path), "--allow-synthetic", "--device", "cpu"])
    out = capsys.readouterr().out.splitlines()
    assert LOSS_LINE.match(out[0]) and out[1].endswith("data: synthetic (the airfoil file was not available)")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--optimizer", "sgd"], "invalid choice: 'sgd'"),
        (["--optimizer", "adam", "--epochs", "0"], "argument --epochs: expected an integer ≥ 1, got 0"),
        (["--optimizer", "adam", "--epochs", "two"], "argument --epochs: expected an integer ≥ 1, got 'two'"),
        (["--optimizer", "adam", "--lr", "-0.1"], "argument --lr: expected a finite number > 0, got '-0.1'"),
        (["--optimizer", "adam", "--lr", "nan"], "argument --lr: expected a finite number > 0, got 'nan'"),
        (["--optimizer", "adam", "--lr", "0"], "argument --lr: expected a finite number > 0, got '0'"),
        (["--optimizer", "adam", "--batch-size", "0"], "argument --batch-size: expected an integer ≥ 1, got 0"),
        (["--optimizer", "adam", "--batch-size", "2000"], "argument --batch-size: at most 1500 (the number of examples), got 2000"),
        (["--optimizer", "adam", "--seed", "-1"], "argument --seed: expected an integer from 0 to 2**63 - 1, got -1"),
        (["--optimizer", "adam", "--device", "tpu"], "argument --device: invalid choice: 'tpu'"),
    ],
)
def test_cli_rejects_bad_values_with_a_clear_message(args, message, data_dir, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--data-dir", str(data_dir)])
    assert exit_.value.code == 2
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has CUDA; the error is for machines without it")
def test_cli_cuda_without_cuda(data_dir, capsys, monkeypatch):
    with pytest.raises(SystemExit) as exit_:
        main(["--optimizer", "adam", "--device", "cuda", "--data-dir", str(data_dir)])
    assert exit_.value.code == 2 and "CUDA is not available" in capsys.readouterr().err
    monkeypatch.setenv("ADAM_YOGI_DEVICE", "tpu")
    with pytest.raises(SystemExit):
        main(["--optimizer", "adam", "--data-dir", str(data_dir)])
    assert "Invalid device: 'tpu'" in capsys.readouterr().err


def test_cli_missing_data_is_one_line_naming_the_folder(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--optimizer", "adam", "--data-dir", str(tmp_path)])
    err = capsys.readouterr().err
    assert exit_.value.code == 1
    assert err.count("\n") == 1 and str(tmp_path) in err and "ADAM_YOGI_DATA_DIR" in err


@pytest.mark.skipif(not (REAL_DIR / "airfoil_self_noise.dat").is_file(), reason=f"no real data file in {REAL_DIR}")
@pytest.mark.slow  # a long run: the full suite runs it, the quick loop does not
def test_python_dash_m_on_the_real_file():
    out = subprocess.run(
        [sys.executable, "-m", "snippets.train", "--optimizer", "torch-adam", "--epochs", "1", "--device", "cpu"],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin", "ADAM_YOGI_DATA_DIR": str(REAL_DIR)}, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stderr
    first, second = out.stdout.splitlines()
    assert LOSS_LINE.match(first)
    assert second == f"device: cpu (torch {torch.__version__}), data: airfoil ({REAL_DIR / 'airfoil_self_noise.dat'})"


# --- the benchmark ------------------------------------------------------------------------------


def test_book_style_loop_trains_and_the_benchmark_prints_its_rows(airfoil, capsys, monkeypatch):
    from tools import train_benchmark

    _, sec = train_benchmark.book_train(train_benchmark.book_adam, train_benchmark._zero_states(5), {"lr": 0.01, "t": 1},
                                        airfoil.features, airfoil.labels, num_epochs=1,
                                        generator=torch.Generator().manual_seed(0))
    assert sec > 0
    monkeypatch.setattr(train_benchmark, "measure", lambda data, **kw: {
        "harness + scratch.adam": [0.01] * 5, "harness + book adam": [0.02] * 5, "book loop + book adam": [0.04] * 5})
    monkeypatch.setenv("ADAM_YOGI_DATA_DIR", str(ROOT / "no-such-folder"))
    train_benchmark.main(["--repeats", "5"])
    out, err = capsys.readouterr()
    assert err.startswith("airfoil data unavailable: ") and err.count("\n") == 1  # then the synthetic set
    assert "harness + scratch.adam   0.0100 sec/epoch" in out and "0.25×" in out
    assert "harness / book loop: 0.25× (floor ≤ 0.6×: met); median of per-round ratios 0.25×, best / best 0.25×" in out


def test_book_adam_is_the_same_update_as_scratch_adam(airfoil):
    from tools.train_benchmark import _zero_states, book_adam

    book = train_scratch(book_adam, _zero_states(5), {"lr": 0.01, "t": 1}, airfoil)
    ours = train_scratch(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil)
    assert book.losses == pytest.approx(ours.losses, rel=1e-5)


# --- the harness section, copied alone, trains ---------------------------------------------------


def test_harness_section_runs_on_its_own(airfoil):
    namespace = {}
    exec(sections(ROOT / "snippets" / "train.py")["harness"], namespace)
    w = torch.zeros(5, 1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)

    def update():
        sgd(0.05)([w, b], None, None)

    run = namespace["train_loop"](update, [w, b], airfoil.features, airfoil.labels, num_epochs=1,
                                  batch_size=10, generator=torch.Generator().manual_seed(0), device="cpu")
    assert len(run.losses) == 7 and run.losses[-1] < run.losses[0] and run.sec_per_epoch > 0
    assert str(run) == f"loss: {run.losses[-1]:.3f}, {run.sec_per_epoch:.3f} sec/epoch"


def test_train_ch11_defaults_to_the_gpu_when_there_is_one(airfoil, monkeypatch):
    from snippets.train import train_ch11

    run = train_ch11(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, num_epochs=1)
    assert run.device == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    run = train_ch11(scratch.adam, scratch.init_adam_states(5), {"lr": 0.01, "t": 1}, airfoil, num_epochs=1)
    assert run.device == "cpu"
