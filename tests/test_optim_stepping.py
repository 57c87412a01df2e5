"""snippets/tools/stepping.py: ``step()`` runs torch.optim's step hooks and profiler label as
torch's own optimizers do, and under ``torch.compile`` costs no compiled frame.
"""
import functools
import threading
import warnings

import pytest
import torch
from torch._dynamo.utils import counters
from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

from snippets.optim import Adam, Yogi
from snippets.tools import stepping


def _params():
    torch.manual_seed(0)
    params = [torch.nn.Parameter(torch.randn(3, 2)), torch.nn.Parameter(torch.randn(2))]
    for p in params:
        p.grad = torch.randn_like(p)
    return params


def _hook_log(make):
    """The order in which an optimizer made by ``make`` calls every kind of step hook, what the
    hooks see, and that a pre-hook's (args, kwargs) reach the step."""
    log = []
    opt = make(_params())
    handles = [
        register_optimizer_step_pre_hook(lambda o, args, kwargs: log.append(("global pre", len(args), sorted(kwargs)))),
        register_optimizer_step_post_hook(lambda o, args, kwargs: log.append(("global post", len(args), sorted(kwargs)))),
    ]

    def closure():
        log.append("closure")
        return torch.tensor(1.5)

    def replace_args(o, args, kwargs):
        log.append(("pre", o is opt, len(args), sorted(kwargs)))
        return (o,), {"closure": closure}

    opt.register_step_pre_hook(replace_args)
    opt.register_step_post_hook(lambda o, args, kwargs: log.append(("post", o is opt, len(args), sorted(kwargs))))
    try:
        loss = opt.step()
    finally:
        for handle in handles:
            handle.remove()
    return log, loss


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_step_hooks_run_as_in_torch(cls):
    ours, our_loss = _hook_log(cls)
    theirs, their_loss = _hook_log(torch.optim.Adam)
    assert ours == theirs
    assert ours[0][0] == "global pre" and ours[1][0] == "pre" and ours[2] == "closure"
    assert [entry[0] for entry in ours[3:]] == ["post", "global post"]
    assert our_loss.item() == their_loss.item() == 1.5


def test_a_pre_hook_returning_something_else_is_an_error_naming_it():
    opt = Yogi(_params())
    opt.register_step_pre_hook(lambda o, args, kwargs: "not a pair")
    with pytest.raises(RuntimeError, match="must return None or a tuple of \\(new_args, new_kwargs\\), but got not a pair"):
        opt.step()


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_profiler_shows_the_step_label_torch_uses(cls):
    opt = cls(_params())
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        opt.step()
    names = {event.name for event in prof.events()}
    assert f"Optimizer.step#{cls.__name__}.step" in names


def test_torch_does_not_wrap_the_step_again():
    step = Adam.step
    opt = Yogi(_params())
    torch.optim.Adam(_params())  # torch's own optimizers keep their wrapper
    assert type(opt).step is Adam.step is step and step.hooked
    assert step.__code__.co_filename.endswith("stepping.py")  # ours, not torch's profile_hook_step
    assert step.__wrapped__.__name__ == "step"  # the page's step, under functools.wraps


def test_lr_scheduler_sees_step_called_first():
    opt = Yogi(_params(), lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        scheduler.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.05)


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_compiled_step_compiles_no_frame_and_breaks_no_graph(cls):
    """torch.compile(opt.step): dynamo runs the method as written (it cannot trace the kernels, so
    there is nothing to compile) — no compiled frame, no guards to check, no graph break."""
    torch._dynamo.reset()
    counters.clear()
    opt = cls(_params())
    step = torch.compile(opt.step)
    for _ in range(4):
        step()
    assert counters["frames"]["total"] == 0 and not counters["graph_break"]
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 4
    torch._dynamo.reset()


@pytest.mark.parametrize("cls", [Adam, Yogi])
def test_in_a_compiled_training_step_the_step_is_one_graph_break_that_says_why(cls):
    torch._dynamo.reset()
    counters.clear()
    torch.manual_seed(0)
    net = torch.nn.Linear(5, 1)
    opt = cls(net.parameters(), lr=0.1)

    def train_step(x):
        loss = net(x).square().mean()
        opt.step()  # the gradients of the previous call
        return loss

    x = torch.randn(10, 5)
    for p in net.parameters():
        p.grad = torch.ones_like(p)
    compiled = torch.compile(train_step)
    for _ in range(3):
        compiled(x)
    reasons = [reason for reason, count in counters["graph_break"].items() for _ in range(count)]
    assert len(reasons) == 1 and stepping.REASON in reasons[0]
    assert opt.state[net.weight]["step"] == 3
    torch._dynamo.reset()


@pytest.mark.parametrize("make", [Yogi, lambda params: torch.optim.Adam(params, fused=True)],
                         ids=["ours", "torch"])
def test_a_compiled_step_has_no_profiler_label_as_torchs_has_none(make):
    """Inside torch.compile the label is left out, as dynamo leaves it out of torch's step."""
    torch._dynamo.reset()
    opt = make(_params())
    step = torch.compile(opt.step)
    step()
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        step()
    assert not [event.name for event in prof.events() if event.name.startswith("Optimizer.step#")]
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        opt.step()  # eager: the label, as in test_profiler_shows_the_step_label_torch_uses
    assert [event.name for event in prof.events() if event.name.startswith("Optimizer.step#")]
    torch._dynamo.reset()


def test_hooks_registered_after_compiling_still_run():
    """Inside torch.compile a step still looks for step hooks on every call: a hook added (or
    removed) after the first compiled call runs (or stops) at once — never skipped."""
    torch._dynamo.reset()
    opt = Yogi(_params())
    step = torch.compile(opt.step)
    step()
    seen = []
    handles = [opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre")),
               register_optimizer_step_post_hook(lambda o, args, kwargs: seen.append("global post"))]
    step()
    assert seen == ["pre", "global post"]
    for handle in handles:
        handle.remove()
    step()
    assert seen == ["pre", "global post"]
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 3
    torch._dynamo.reset()


@pytest.mark.parametrize("base_made_first", [False, True])
def test_a_subclass_step_calling_super_runs_the_hooks_and_label_once(base_made_first):
    """torch wraps a subclass's own step (hooks and label); its super().step() must not run them
    again, whether or not a plain Yogi was made first."""

    class Clipped(Yogi):
        def step(self, closure=None):
            for group in self.param_groups:
                torch.nn.utils.clip_grad_norm_(group["params"], 1.0)
            return super().step(closure)

    if base_made_first:
        Yogi(_params())
    seen = []
    opt = Clipped(_params())
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    opt.register_step_post_hook(lambda o, args, kwargs: seen.append("post"))
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        opt.step()
    assert seen == ["pre", "post"]
    assert sum(event.name == "Optimizer.step#Clipped.step" for event in prof.events()) == 1
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 1


def test_a_compiled_subclass_step_calling_super_steps_once_and_runs_its_hooks_once():
    torch._dynamo.reset()

    class Scaled(Yogi):
        def step(self, closure=None):
            for p in self.param_groups[0]["params"]:
                p.grad.mul_(0.5)
            return super().step(closure)

    seen = []
    opt = Scaled(_params())
    opt.register_step_pre_hook(lambda o, args, kwargs: seen.append("pre"))
    step = torch.compile(opt.step)
    step()
    step()
    assert seen == ["pre", "pre"]
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 2
    torch._dynamo.reset()


def test_fullgraph_is_refused_with_the_reason_never_ignored():
    """fullgraph=True asks for no graph break; the step cannot be traced, so torch.compile must
    say so rather than quietly run it eagerly."""
    torch._dynamo.reset()
    opt = Yogi(_params())
    with pytest.raises(RuntimeError, match=r"fullgraph=True\) cannot compile Yogi.step: .*through ctypes"):
        torch.compile(opt.step, fullgraph=True)()
    assert not opt.state  # refused before the step ran (torch itself would fail only after it)
    torch.compile(opt.step)()  # the same optimizer, without fullgraph: steps
    opt.step()
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 2
    net = torch.nn.Linear(2, 1)
    opt = Yogi(net.parameters())
    for p in net.parameters():
        p.grad = torch.ones_like(p)

    def train_step(x):
        opt.step()
        return net(x)

    with pytest.raises(torch._dynamo.exc.Unsupported, match="dynamo cannot trace its kernels"):
        torch.compile(train_step, fullgraph=True)(torch.ones(3, 2))
    assert not opt.state  # refused before any step ran
    torch._dynamo.reset()


def test_a_fullgraph_compile_in_another_thread_does_not_refuse_this_threads_step():
    """What says fullgraph=True is this thread's dynamo callback, not process-wide state: while
    another thread is inside a fullgraph compile (held in its backend), a compiled step here runs."""
    torch._dynamo.reset()
    inside, release = threading.Event(), threading.Event()

    def holding_backend(gm, example_inputs):
        inside.set()
        release.wait(30)
        return gm.forward

    other = threading.Thread(target=torch.compile(lambda x: x + 1, fullgraph=True, backend=holding_backend),
                             args=(torch.ones(2),))
    other.start()
    try:
        assert inside.wait(30)
        opt = Yogi(_params())
        torch.compile(opt.step)()
    finally:
        release.set()
        other.join(30)
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 1
    torch._dynamo.reset()


@pytest.mark.parametrize("stance", ["eager_on_recompile", "fail_on_recompile"])
def test_fullgraph_under_a_stance_that_runs_eagerly_steps_as_torch_does(stance):
    """torch refuses a fullgraph call that compiled nothing only in its default stance; in these
    the step runs (and in eager_on_recompile it is eager, label included, as for torch's Adam)."""
    torch._dynamo.reset()
    labels = {}
    # torch's Adam is compared in eager_on_recompile only: fail_on_recompile fails its first compile
    makers = (Yogi, lambda params: torch.optim.Adam(params, fused=True))[:2 if stance == "eager_on_recompile" else 1]
    for make in makers:
        opt = make(_params())
        with torch.compiler.set_stance(stance):
            step = torch.compile(opt.step, fullgraph=True)
            with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
                step()
        assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 1
        labels[type(opt).__name__] = any(e.name.startswith("Optimizer.step#") for e in prof.events())
        torch._dynamo.reset()
    if stance == "eager_on_recompile":
        assert labels == {"Yogi": True, "Adam": True}
    else:
        assert labels == {"Yogi": False}  # inside torch.compile, as in the default stance


def test_a_subclass_wrapping_the_inherited_step_runs_the_hooks_and_label_once_as_torch():
    """``step = some_decorator(Yogi.step)`` with functools.wraps copies ``hooked`` onto the
    wrapper, so torch does not wrap it; the hooks and label then run in the inherited step, once,
    as they do for the same subclass of torch's Adam."""
    def counted(f):
        @functools.wraps(f)
        def wrapper(*args, **kwargs):
            return f(*args, **kwargs)
        return wrapper

    torch.optim.Adam(_params())  # torch's Adam.step is now its own hooked wrapper
    seen = {}
    for base in (Yogi, torch.optim.Adam):
        cls = type(f"Counted{base.__name__}", (base,), {"step": counted(base.step)})
        opt = cls(_params())
        log = seen.setdefault(base.__name__, [])
        opt.register_step_pre_hook(lambda o, args, kwargs, log=log: log.append("pre"))
        opt.register_step_post_hook(lambda o, args, kwargs, log=log: log.append("post"))
        with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
            opt.step()
        log.append(sum(e.name == f"Optimizer.step#{cls.__name__}.step" for e in prof.events()))
        assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 1
    assert seen == {"Yogi": ["pre", "post", 1], "Adam": ["pre", "post", 1]}
