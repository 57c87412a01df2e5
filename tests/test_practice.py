"""The practitioner page (docs/*/practice.md) and its code, snippets/practice.py.

Each section runs as the page shows it, alone and in page order; and each claim the page makes
about ``torch_yogi.Yogi`` is checked here: the one-line swap and the arguments, the table of
which implementation runs (the CPU column here, the CUDA column where a GPU is present),
torch.compile (one graph, learning-rate schedules), GradScaler, checkpoints with torch's Adam and
AdamW, and the C kernel's cache and what happens without a compiler. The distributed sections
(snippets/distributed.py) run in two processes in tests/test_distributed.py.
"""
import contextlib
import hashlib
import inspect
import io
import os
import re
import subprocess
import sys
import textwrap

import pytest
import torch
from torch_yogi import Yogi

from site_pages import DOCS, LANGUAGES, ROOT, chapters_hook

chapters = chapters_hook()
YOGI_MODULE = sys.modules["torch_yogi.yogi"]
PATHS = {"_single_tensor_yogi": "for-loop", "_multi_tensor_yogi": "foreach", "_fused_yogi": "fused"}
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available on this machine")


def section(name):
    return chapters.section(f"snippets/practice.py:{name}")


def run_section(name):
    """(namespace, what it printed) of one section, run as the page shows it."""
    namespace, out = {"__name__": "__main__"}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(section(name), f"practice.py:{name}", "exec"), namespace)
    return namespace, out.getvalue()


def page(lang):
    return (DOCS / lang / "practice.md").read_text(encoding="utf-8")


def page_section(lang, anchor):
    """The text of one section of the page, from its heading to the next."""
    text = page(lang)
    start = text.index(f"{{ #{anchor} }}")
    end = text.find("\n## ", start)
    return text[start:] if end < 0 else text[start:end]


@pytest.fixture
def paths(monkeypatch):
    """The list of torch_yogi's implementations that ran, in order, as the table names them."""
    called = []
    for function, path in PATHS.items():
        def spy(*args, _run=getattr(YOGI_MODULE, function), _path=path, **kwargs):
            called.append(_path)
            return _run(*args, **kwargs)
        monkeypatch.setattr(YOGI_MODULE, function, spy)
    return called


def one_step(dtype=torch.float32, device="cpu", n=2, **options):
    p = torch.nn.Parameter(torch.randn(n, 3, dtype=dtype, device=device))
    p.grad = torch.randn(n, 3, dtype=dtype, device=device)
    Yogi([p], **options).step()
    return p


# --- the page -------------------------------------------------------------------------------


def test_the_page_comes_after_yogi_in_the_nav_with_its_chinese_title():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = config[config.index("\nnav:"):]
    assert nav.index("convergence.md") < nav.index("yogi.md") < nav.index("practice.md")
    assert "Yogi in your training code: 在训练代码中使用 Yogi" in config
    assert page("en").startswith("# Yogi in your training code { #practice }")
    assert page("zh").startswith("# 在训练代码中使用 Yogi { #practice }")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_benchmark_table_is_on_this_page_once_and_on_no_other(lang):
    marker = re.compile(r"^<!-- benchmark -->$", re.M)
    found = {p.name: len(marker.findall(p.read_text(encoding="utf-8"))) for p in (DOCS / lang).glob("*.md")}
    assert {name: n for name, n in found.items() if n} == {"practice.md": 1}


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("rel", ["practice.md", "index.md"])
def test_the_wheel_is_offered_on_a_line_of_its_own_outside_code(lang, rel):
    items = chapters.parse((DOCS / lang / rel).read_text(encoding="utf-8"))
    assert [i.kind for i in items].count("package-download") == 1


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_table_of_paths_names_every_argument_of_yogi(lang):
    table = page_section(lang, "paths")
    names = [n for n in inspect.signature(Yogi).parameters if n != "params"]
    missing = [n for n in names if n not in ("lr", "betas", "eps") and f"`{n}" not in table]
    assert missing == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_page_names_code_that_no_longer_exists(lang):
    gone = ("_fast", "_second_moment", "Adam._update", "Adam._init_state", "_impl", "snippets.tools",
            "SNIPPETS_", "adam-yogi-snippets", "yogi-dropin")
    for path in (DOCS / lang).rglob("*"):
        if path.suffix in (".md", ".py"):
            text = path.read_text(encoding="utf-8")
            assert [g for g in gone if g in text] == [], path


def test_only_the_package_is_called_a_drop_in_replacement():
    for path in (DOCS / "en").rglob("*"):
        if path.suffix in (".md", ".py"):
            for line in path.read_text(encoding="utf-8").splitlines():
                if "drop-in" in line:
                    assert path.name == "index.md" and "`torch-yogi` is a drop-in replacement for `torch.optim.Adam`" in line


# --- the sections, as copied -------------------------------------------------------------------


def _run_fresh(code, tmp_path, env=None):
    """Run ``code`` in a fresh ``python -I`` outside the repository; its stdout."""
    script = tmp_path / "copied.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={k: v for k, v in {**os.environ, **(env or {})}.items()
                                            if k != "PYTHONPATH"})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


@pytest.mark.slow
@pytest.mark.parametrize("name", ["practice.py:swap", "practice.py:compiled-step", "practice.py:amp",
                                  "practice.py:checkpoint", "distributed.py:ddp", "distributed.py:fsdp2"])
def test_each_section_runs_on_its_own_as_copied(name, tmp_path):
    _run_fresh(chapters.section(f"snippets/{name}"), tmp_path)


@pytest.mark.slow
def test_the_page_in_page_order_compiles_nothing(tmp_path):
    """What the build runs stays cheap: no block calls a torch.compile'd function. (torch's own
    Optimizer imports the compiler on first use, Adam's as Yogi's; compiling is what costs.)"""
    blocks = [chapters.section(i.value) for i in chapters.page("en", "practice") if i.kind == "code"]
    assert len(blocks) == 6
    out = _run_fresh("\n".join(blocks) + "\nimport torch._dynamo.utils\n"
                     "print('frames compiled:', sum(torch._dynamo.utils.counters['frames'].values()))\n", tmp_path)
    lines = out.splitlines()
    assert lines[-1] == "frames compiled: 0" and len(lines) == 4  # and the page's three outputs


# --- from torch.optim.Adam to Yogi -----------------------------------------------------------


def test_the_swap_trains_the_regression_to_its_noise():
    namespace, printed = run_section("swap")
    assert printed.startswith("loss after 200 steps: ")
    assert float(printed.split(": ")[1]) < 0.02  # the noise's variance is 0.01
    assert isinstance(namespace["optimizer"], Yogi)


def test_yogi_takes_torch_adams_arguments_in_order_plus_initial_accumulator():
    adam = inspect.signature(torch.optim.Adam).parameters
    ours = inspect.signature(Yogi).parameters
    assert [(n, p.kind) for n, p in adam.items()] == [(n, p.kind) for n, p in ours.items() if n != "initial_accumulator"]
    assert ours["initial_accumulator"].kind is inspect.Parameter.KEYWORD_ONLY
    assert (ours["lr"].default, ours["betas"].default, ours["eps"].default, ours["initial_accumulator"].default) == (
        1e-2, (0.9, 0.999), 1e-3, 1e-6)


def test_groups_schedulers_and_step_hooks_work_as_with_adam():
    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 1))
    optimizer = Yogi([{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.1}], lr=0.01)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    seen = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: seen.append(opt.param_groups[1]["lr"]))
    for _ in range(2):
        optimizer.zero_grad()
        model(torch.randn(8, 3)).pow(2).mean().backward()
        optimizer.step()
        scheduler.step()
    assert seen == [0.1, 0.05] and optimizer.param_groups[0]["lr"] == 0.0025


# --- which implementation runs (the CPU column) ------------------------------------------------


@pytest.mark.parametrize("options, dtype, path", [
    ({}, torch.float32, "fused"), ({}, torch.float64, "fused"),
    ({}, torch.bfloat16, "for-loop"), ({}, torch.float16, "for-loop"), ({}, torch.complex64, "for-loop"),
    (dict(foreach=True), torch.float32, "foreach"), (dict(foreach=True), torch.complex64, "foreach"),
    (dict(foreach=False), torch.float32, "for-loop"), (dict(fused=False), torch.float32, "for-loop"),
    (dict(fused=True), torch.float32, "fused"), (dict(fused=True), torch.float64, "fused"),
    (dict(fused=True), torch.bfloat16, "fused"), (dict(fused=True), torch.float16, "fused"),
], ids=str)
def test_the_cpu_column(paths, options, dtype, path):
    one_step(dtype, **options)
    assert paths == [path]


def test_one_parameter_the_kernel_does_not_take_sends_its_group_to_the_for_loop(paths):
    a, b = torch.nn.Parameter(torch.randn(3)), torch.nn.Parameter(torch.randn(3, dtype=torch.bfloat16))
    a.grad, b.grad = torch.randn(3), torch.randn(3, dtype=torch.bfloat16)
    Yogi([{"params": [a, b]}, {"params": [torch.nn.Parameter(torch.randn(2))]}]).step()
    assert paths == ["for-loop"]  # the second group has no gradient: nothing to run


def test_differentiable_takes_the_for_loop_and_refuses_the_others(paths):
    p = torch.randn(3)  # differentiable=True runs the step under autograd: not a leaf that needs grad
    p.grad = torch.randn(3)
    Yogi([p], differentiable=True).step()
    assert paths == ["for-loop"]
    with pytest.raises(RuntimeError, match="_foreach ops don't support autograd"):
        Yogi([p], differentiable=True, foreach=True).step()
    with pytest.raises(RuntimeError, match="`fused` does not support `differentiable`"):
        Yogi([p], differentiable=True, fused=True)


@pytest.mark.parametrize("options, error, message", [
    (dict(fused=True, foreach=True), RuntimeError, "`fused` and `foreach` cannot be `True` together"),
    (dict(capturable=True), AssertionError, "capturable=True"),
    (dict(fused=True, capturable=True), AssertionError, "capturable=True"),
], ids=str)
def test_what_the_cpu_refuses(options, error, message):
    with pytest.raises(error, match=message):
        one_step(**options)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_fused_on_cpu_takes_half_precision_through_float32_copies_rounded_back(paths, dtype):
    low = torch.nn.Parameter(torch.randn(4, 3).to(dtype))
    wide = torch.nn.Parameter(low.detach().float())
    low.grad = torch.randn(4, 3).to(dtype)
    wide.grad = low.grad.float()
    Yogi([low], fused=True).step()
    Yogi([wide], fused=True).step()
    assert paths == ["fused", "fused"] and low.dtype == dtype
    assert torch.equal(low, wide.to(dtype))  # the same float32 step, rounded once


def test_fused_on_cpu_refuses_complex_parameters_saying_why():
    with pytest.raises(RuntimeError, match="cpu takes float16, bfloat16, float32 and float64, but torch.complex64"):
        one_step(torch.complex64, fused=True)


def test_sparse_gradients_are_refused():
    p = torch.nn.Parameter(torch.randn(4))
    p.grad = torch.randn(4).to_sparse()
    with pytest.raises(RuntimeError, match="sparse"):
        Yogi([p]).step()


@pytest.mark.parametrize("options", [dict(amsgrad=True), dict(maximize=True), dict(weight_decay=0.1),
                                     dict(weight_decay=0.1, decoupled_weight_decay=True),
                                     dict(initial_accumulator=0.5), {}], ids=str)
def test_every_path_takes_every_option_and_they_agree_up_to_rounding(options):
    results = []
    for path in (dict(fused=True), dict(foreach=True), dict(foreach=False)):
        torch.manual_seed(0)
        p = torch.nn.Parameter(torch.randn(50, dtype=torch.float64))
        optimizer = Yogi([p], lr=0.05, **options, **path)
        for _ in range(5):
            p.grad = torch.randn(50, dtype=torch.float64)
            optimizer.step()
        results.append(p.detach().clone())
    assert all(torch.allclose(results[0], r, rtol=1e-12, atol=1e-14) for r in results[1:])


def test_dtensor_parameters_take_the_for_loop_on_cpu_and_fused_refuses_them_by_name(tmp_path, paths):
    import torch.distributed as dist
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.tensor import Shard, distribute_tensor

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        mesh = init_device_mesh("cpu", (1,))
        p = torch.nn.Parameter(distribute_tensor(torch.randn(4, 3), mesh, [Shard(0)]))
        p.grad = distribute_tensor(torch.randn(4, 3), mesh, [Shard(0)])
        Yogi([p]).step()
        assert paths == ["for-loop"]
        with pytest.raises(RuntimeError, match=r"params\[0\] is a DTensor"):
            Yogi([p], fused=True).step()
    finally:
        dist.destroy_process_group()


# --- the CUDA column --------------------------------------------------------------------------


@CUDA
@pytest.mark.parametrize("options, dtype, path", [
    ({}, torch.float32, "foreach"), ({}, torch.bfloat16, "foreach"),
    (dict(lr=torch.tensor(0.01)), torch.float32, "for-loop"),
    (dict(foreach=True), torch.float32, "foreach"), (dict(foreach=False), torch.float32, "for-loop"),
    (dict(fused=True), torch.float16, "fused"), (dict(fused=True), torch.bfloat16, "fused"),
    (dict(fused=True), torch.float32, "fused"), (dict(fused=True), torch.float64, "fused"),
], ids=str)
def test_the_cuda_column(paths, options, dtype, path):
    one_step(dtype, device="cuda", **options)
    assert paths == [path]


@CUDA
@pytest.mark.parametrize("path", [dict(fused=True), dict(foreach=True), dict(foreach=False)], ids=str)
def test_capturable_keeps_the_step_counts_on_the_gpu(path):
    p = torch.nn.Parameter(torch.randn(5, device="cuda"))
    p.grad = torch.randn(5, device="cuda")
    optimizer = Yogi([p], capturable=True, **path)
    optimizer.step()
    assert optimizer.state[p]["step"].device.type == "cuda"


# --- torch.compile ----------------------------------------------------------------------------


def _regression(seed=0):
    torch.manual_seed(seed)
    return torch.nn.Linear(5, 1), torch.randn(10, 5), torch.randn(10, 1)


def _train_eagerly(model, optimizer, X, y, steps):
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = torch.nn.functional.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


@pytest.mark.slow
def test_the_compiled_training_step_equals_the_eager_one():
    torch._dynamo.reset()
    namespace, _ = run_section("compiled-step")
    model, X, y = _regression()
    optimizer = Yogi(model.parameters(), lr=0.05)
    train_step = namespace["compiled_training_step"](model, optimizer)
    compiled = [train_step(X, y).item() for _ in range(4)]
    eager_model, X, y = _regression()
    eager = _train_eagerly(eager_model, Yogi(eager_model.parameters(), lr=0.05), X, y, 4)
    assert compiled == pytest.approx(eager, rel=1e-5)
    for a, b in zip(model.parameters(), eager_model.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-7)


class Graphs:
    """A torch.compile backend that keeps each graph it is given and runs it as it is."""

    def __init__(self):
        self.graphs = []

    def __call__(self, gm, example_inputs):
        self.graphs.append(gm)
        return gm.forward

    def operators(self):
        return [str(n.target) for g in self.graphs for n in g.graph.nodes if n.op == "call_function"]


@pytest.mark.slow
def test_yogis_whole_step_is_one_graph_calling_the_fused_operator():
    torch._dynamo.reset()
    model, X, y = _regression()
    optimizer = Yogi(model.parameters())
    torch.nn.functional.mse_loss(model(X), y).backward()
    backend = Graphs()
    torch.compile(optimizer.step, backend=backend, fullgraph=True)()
    assert len(backend.graphs) == 1 and backend.operators().count("torch_yogi.fused_yogi_cpu_") == 1


@pytest.mark.slow
def test_torch_adams_step_cannot_be_compiled_as_one_graph():
    torch._dynamo.reset()
    model, X, y = _regression()
    adam = torch.optim.Adam(model.parameters(), fused=True)
    torch.nn.functional.mse_loss(model(X), y).backward()
    with pytest.raises(torch._dynamo.exc.Unsupported, match="graph_break"):
        torch.compile(adam.step, backend="eager", fullgraph=True)()


def _scheduled(optimizer, step, model, X, y, steps):
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.9)
    for _ in range(steps):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(X), y).backward()
        step()
        scheduler.step()


@pytest.mark.slow
def test_a_float_lr_changed_by_a_scheduler_recompiles_until_fullgraph_fails():
    torch._dynamo.reset()
    model, X, y = _regression()
    optimizer = Yogi(model.parameters())
    backend = Graphs()
    step = torch.compile(optimizer.step, backend=backend, fullgraph=True)
    limit = torch._dynamo.config.recompile_limit
    assert limit == 8
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):
        with pytest.raises(torch._dynamo.exc.FailOnRecompileLimitHit):
            _scheduled(optimizer, step, model, X, y, 20)
    assert len(backend.graphs) == limit  # one compilation per learning rate


@pytest.mark.slow
def test_a_tensor_lr_with_foreach_false_compiles_once_for_every_learning_rate():
    torch._dynamo.reset()
    model, X, y = _regression()
    optimizer = Yogi(model.parameters(), lr=torch.tensor(0.01), foreach=False)
    backend = Graphs()
    step = torch.compile(optimizer.step, backend=backend, fullgraph=True)
    with pytest.warns(UserWarning, match="before `optimizer.step\\(\\)`"):  # the wrong warning, once
        _scheduled(optimizer, step, model, X, y, 12)
    assert len(backend.graphs) == 2  # the first step (it creates the state) and every later one
    eager_model, X, y = _regression()
    eager = Yogi(eager_model.parameters(), lr=torch.tensor(0.01), foreach=False)
    _scheduled(eager, eager.step, eager_model, X, y, 12)
    for a, b in zip(model.parameters(), eager_model.parameters()):
        assert torch.allclose(a, b, rtol=1e-5, atol=1e-7)


@pytest.mark.slow
def test_a_scheduler_made_before_compiling_hides_the_step_from_the_compiler():
    torch._dynamo.reset()
    model, X, y = _regression()
    optimizer = Yogi(model.parameters())
    torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    torch.nn.functional.mse_loss(model(X), y).backward()
    with pytest.raises(torch._dynamo.exc.Unsupported, match="skipped"):
        torch.compile(optimizer.step, backend="eager", fullgraph=True)()


# --- mixed precision -------------------------------------------------------------------------


def test_the_amp_section_trains_on_this_machine():
    _, printed = run_section("amp")
    device, loss = printed.strip().split(": loss ")
    assert device == ("cuda" if torch.cuda.is_available() else "cpu") and float(loss) > 0


def _scaled_run(options, inf_at=None, steps=3):
    model, X, y = _regression()
    optimizer = Yogi(model.parameters(), **options)
    scaler = torch.amp.GradScaler("cpu", init_scale=256.0)
    for i in range(steps):
        optimizer.zero_grad()
        scaler.scale(torch.nn.functional.mse_loss(model(X), y)).backward()
        if i == inf_at:
            model.weight.grad[0, 0] = float("inf")
        scaler.step(optimizer)
        scaler.update()
    return model, optimizer, scaler


@pytest.mark.parametrize("options", [dict(fused=True), dict(foreach=True), dict(foreach=False)], ids=str)
def test_gradscaler_gives_unscaled_training_on_every_path(options):
    model, optimizer, _ = _scaled_run(options)
    plain, X, y = _regression()
    _train_eagerly(plain, Yogi(plain.parameters(), **options), X, y, 3)
    for a, b in zip(model.parameters(), plain.parameters()):
        assert torch.allclose(a, b, rtol=1e-6, atol=1e-8)
    assert model.weight.grad.abs().max() < 10  # unscaled, not 256 times the gradient


def test_the_fused_step_is_handed_the_scale_and_the_inf_check():
    _, optimizer, _ = _scaled_run(dict(fused=True), steps=0)
    assert getattr(optimizer, "_step_supports_amp_scaling") is True  # what GradScaler reads
    assert not getattr(Yogi([torch.nn.Parameter(torch.zeros(1))]), "_step_supports_amp_scaling", False)


@pytest.mark.parametrize("options", [dict(fused=True), dict(foreach=False)], ids=str)
def test_an_inf_changes_nothing_not_even_the_step_count_and_lowers_the_scale(options):
    model, optimizer, scaler = _scaled_run(options, inf_at=0, steps=1)
    start, _, _ = _regression()
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), start.parameters()))
    assert all(not s or s["step"].item() == 0 for s in optimizer.state.values())
    assert scaler.get_scale() == 128.0


# --- checkpoints ------------------------------------------------------------------------------


def test_the_checkpoint_section_ends_with_torchs_keys_and_the_step_count():
    namespace, printed = run_section("checkpoint")
    assert printed.strip() == "['exp_avg', 'exp_avg_sq', 'step'] tensor(10.)"
    assert namespace["adamw"].param_groups[0]["lr"] == 1e-2  # Yogi's, set after loading Adam's


def test_loading_adams_checkpoint_brings_adams_hyperparameters():
    model, X, y = _regression()
    adam = torch.optim.Adam(model.parameters(), lr=1e-3)
    _train_eagerly(model, adam, X, y, 2)
    yogi = Yogi(model.parameters())
    yogi.load_state_dict(adam.state_dict())
    assert (yogi.param_groups[0]["lr"], yogi.param_groups[0]["eps"]) == (1e-3, 1e-8)


@pytest.mark.parametrize("amsgrad", [False, True])
def test_the_state_has_torch_adams_keys_and_types(amsgrad):
    states = []
    for cls in (torch.optim.Adam, Yogi):
        model, X, y = _regression()
        optimizer = cls(model.parameters(), amsgrad=amsgrad)
        _train_eagerly(model, optimizer, X, y, 1)
        states.append({k: (type(v), v.dtype, v.shape, v.device) for k, v in optimizer.state[model.weight].items()})
    assert states[0] == states[1]
    assert states[1]["step"][2] == torch.Size([])


@pytest.mark.parametrize("torch_cls", [torch.optim.Adam, torch.optim.AdamW])
def test_checkpoints_go_both_ways_through_a_file_and_keep_moments_and_steps(torch_cls, tmp_path):
    model, X, y = _regression()
    theirs = torch_cls(model.parameters())
    _train_eagerly(model, theirs, X, y, 3)
    torch.save(theirs.state_dict(), tmp_path / "theirs.pt")
    yogi = Yogi(model.parameters())
    yogi.load_state_dict(torch.load(tmp_path / "theirs.pt"))  # torch.load's default: weights_only
    for key in ("exp_avg", "exp_avg_sq", "step"):
        assert torch.equal(yogi.state[model.weight][key], theirs.state[model.weight][key])
    _train_eagerly(model, yogi, X, y, 2)
    torch.save(yogi.state_dict(), tmp_path / "yogi.pt")
    back = torch_cls(model.parameters())
    back.load_state_dict(torch.load(tmp_path / "yogi.pt"))
    _train_eagerly(model, back, X, y, 1)
    assert back.state[model.weight]["step"].item() == 6


# --- the kernel and its cache (fresh processes: a process loads the kernel once) ---------------

PROBE = textwrap.dedent("""
    import sys, torch
    from torch_yogi import Yogi
    module = sys.modules["torch_yogi.yogi"]
    called = []
    for name, path in {"_single_tensor_yogi": "for-loop", "_multi_tensor_yogi": "foreach", "_fused_yogi": "fused"}.items():
        def spy(*a, _run=getattr(module, name), _path=path, **k):
            called.append(_path)
            return _run(*a, **k)
        setattr(module, name, spy)
    p = torch.nn.Parameter(torch.zeros(3))
    p.grad = torch.ones(3)
    optimizer = Yogi([p], fused=True)
    print("constructed")
    Yogi([p]).step()
    print("default:", called[-1])
    try:
        optimizer.step()
        print("fused: ran")
    except RuntimeError as error:
        print("fused:", error)
""")


def _probe(tmp_path, **env):
    clean = {k: v for k, v in os.environ.items() if k not in ("TORCH_YOGI_CACHE", "XDG_CACHE_HOME", "CC",
                                                               "TORCH_YOGI_NO_KERNEL", "PYTHONPATH")}
    proc = subprocess.run([sys.executable, "-I", "-c", PROBE], cwd=tmp_path, capture_output=True, text=True,
                          timeout=300, env={**clean, **env})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()


def _libraries(folder):
    return sorted(p.name for p in folder.glob("yogi-*"))


@pytest.mark.slow
def test_the_first_yogi_builds_the_kernel_into_the_cache_and_later_processes_load_it(tmp_path):
    cache = tmp_path / "cache"
    assert _probe(tmp_path, TORCH_YOGI_CACHE=str(cache)) == ["constructed", "default: fused", "fused: ran"]
    built = _libraries(cache)
    assert [name.rsplit(".", 1)[1] for name in built] == ["sha256", "so"]
    library = next(cache.glob("yogi-*.so"))
    stamp = library.stat().st_mtime_ns
    assert _probe(tmp_path, TORCH_YOGI_CACHE=str(cache))[1] == "default: fused"
    assert library.stat().st_mtime_ns == stamp  # loaded, not built again


@pytest.mark.slow
def test_the_cache_folder_is_under_home_or_xdg_cache_home(tmp_path):
    _probe(tmp_path, HOME=str(tmp_path / "home"))
    assert _libraries(tmp_path / "home" / ".cache" / "torch-yogi")
    _probe(tmp_path, HOME=str(tmp_path / "home2"), XDG_CACHE_HOME=str(tmp_path / "xdg"))
    assert _libraries(tmp_path / "xdg" / "torch-yogi") and not (tmp_path / "home2" / ".cache").exists()


@pytest.mark.slow
def test_cc_may_name_a_compiler_with_options(tmp_path):
    assert _probe(tmp_path, TORCH_YOGI_CACHE=str(tmp_path / "c"), CC="cc -DTORCH_YOGI_TEST=1")[1] == "default: fused"


@pytest.mark.slow
def test_a_folder_others_may_write_is_refused(tmp_path):
    cache = tmp_path / "shared"
    cache.mkdir()
    cache.chmod(0o777)
    lines = _probe(tmp_path, TORCH_YOGI_CACHE=str(cache))
    assert lines[1] == "default: for-loop" and "writable by no one else" in lines[2]


@pytest.mark.slow
def test_a_library_that_does_not_match_its_digest_is_built_again(tmp_path):
    cache = tmp_path / "cache"
    _probe(tmp_path, TORCH_YOGI_CACHE=str(cache))
    library = next(cache.glob("yogi-*.so"))
    good = library.read_bytes()
    library.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
    bad = library.read_bytes()
    assert _probe(tmp_path, TORCH_YOGI_CACHE=str(cache))[1] == "default: fused"
    rebuilt = library.read_bytes()
    assert rebuilt != bad and (cache / library.name.replace(".so", ".sha256")).read_text().strip() == (
        hashlib.sha256(rebuilt).hexdigest())


@pytest.mark.slow
@pytest.mark.parametrize("env, why", [
    ({"CC": "/nonexistent/cc"}, "the Yogi CPU kernel is unavailable: no C compiler: /nonexistent/cc: "),
    ({"TORCH_YOGI_NO_KERNEL": "1"}, "the Yogi CPU kernel is unavailable: TORCH_YOGI_NO_KERNEL is set"),
], ids=["no compiler", "TORCH_YOGI_NO_KERNEL"])
def test_without_the_kernel_the_default_takes_the_for_loop_and_only_fused_raises_at_its_first_step(
        tmp_path, env, why):
    lines = _probe(tmp_path, TORCH_YOGI_CACHE=str(tmp_path / "cache"), **env)
    assert lines[:2] == ["constructed", "default: for-loop"]  # nothing fails until fused=True steps
    assert lines[2].startswith(f"fused: {why}")
