"""snippets/tools/stepping.py: ``step()`` runs torch.optim's step hooks and profiler label as
torch's own optimizers do, and under ``torch.compile`` costs one compiled frame (no resume frame).
"""
import warnings

import pytest
import torch
from torch._dynamo.utils import counters
from torch.optim.optimizer import register_optimizer_step_post_hook, register_optimizer_step_pre_hook

from snippets.optim import Adam, Yogi


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
def test_compiled_step_is_one_frame_and_one_graph_break(cls):
    """torch.compile(opt.step): dynamo compiles the method's frame once and breaks the graph at the
    step, right before ``return``: no second (resume) frame, no recompile on later steps."""
    torch._dynamo.reset()
    counters.clear()
    opt = cls(_params())
    step = torch.compile(opt.step)
    for _ in range(4):
        step()
    assert counters["frames"]["total"] == 1 and counters["frames"]["ok"] == 1
    assert sum(counters["graph_break"].values()) == 1
    assert opt.state[opt.param_groups[0]["params"][0]]["step"] == 4
    torch._dynamo.reset()


def test_hooks_registered_after_compiling_still_run():
    """The compiled frame decides once whether any step hook is registered, and guards that: a
    hook added (or removed) later sends it through the hooks (or back) — never skipped."""
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
