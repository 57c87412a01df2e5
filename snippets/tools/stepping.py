"""How ``step()`` meets torch.optim's step hooks, the profiler and ``torch.compile`` (private).

``torch.optim.Optimizer`` wraps a subclass's ``step`` on first use (``profile_hook_step``): a
profiler label ``Optimizer.step#<class>.step`` around the step hooks (global and per optimizer,
pre and post), ``_optimizer_step_code()`` for the profiler's Python tracer, and the step. Under
``torch.compile`` dynamo traced that wrapper, broke the graph at our step (it cannot trace the C
kernel, called through ctypes) and resumed in a second compiled frame: at 6 parameters
``torch.compile(opt.step)`` took 1.10–1.15× the eager step (same optimizer, interleaved).

:func:`entry` makes ``Adam.step`` do the same work itself, and tells dynamo never to trace it
(``torch._dynamo.decorators.skip``: the frame runs as written, nested frames are still seen).
Called eagerly, as torch does: the label around one function that runs the hooks and the step.
Called inside ``torch.compile`` (dynamo's frame callback is set): no label, as dynamo leaves it
out of torch's own compiled step, and the hooks looked up on every call. ``torch.compile(opt.step)``
then compiles no frame and checks no guards: it costs torch.compile's entry (3.5 µs here) instead
of the label (6.6 µs), and measured 0.79–0.86× the eager step at 6 parameters (five runs). In a
compiled training step, ``opt.step()`` is one graph break whose reason says why; ``fullgraph=True``
is refused before the step runs (torch would run it, then fail). A subclass that defines its own
``step`` gets torch's wrapper around it; when that calls ``super().step()``, only the step runs (a
subclass whose ``step`` is some other wrapper around this one gets the hooks and label here).
"""
import functools
import itertools

import torch
from torch._C._dynamo.eval_frame import get_eval_frame_callback
from torch._dynamo.decorators import skip as dynamo_skip
from torch.optim import optimizer as torch_optimizer

REASON = ("snippets.optim's step runs eagerly: dynamo cannot trace its kernels "
          "(C through ctypes, Triton, torch's fused Adam)")
# the code of torch's wrapper around a subclass's own step (one code object for every wrapper)
TORCH_WRAPPER = torch_optimizer.Optimizer.profile_hook_step(lambda self: None).__code__


def entry(step):
    """``step(self, closure=None)`` as an ``Optimizer.step`` that runs torch's step hooks and
    profiler label itself (marked ``hooked``, so torch does not wrap it again)."""
    run = step if getattr(step, "_torchdynamo_disable", False) else torch.compiler.disable(step)
    step = getattr(step, "_torchdynamo_orig_callable", step)  # one disable below is enough

    @torch.compiler.disable  # the hooks run with the step, outside dynamo
    def hooked_step(self, args, kwargs):
        for pre_hook in itertools.chain(torch_optimizer._global_optimizer_pre_hooks.values(),
                                        self._optimizer_step_pre_hooks.values()):
            result = pre_hook(self, args, kwargs)
            if result is not None:
                if not (isinstance(result, tuple) and len(result) == 2):
                    raise RuntimeError(f"{step} must return None or a tuple of (new_args, new_kwargs), "
                                       f"but got {result}.")
                args, kwargs = result
        out = step(*args, **kwargs)
        self._optimizer_step_code()  # where torch's profiler reads the optimizer (Python tracing)
        for post_hook in itertools.chain(self._optimizer_step_post_hooks.values(),
                                         torch_optimizer._global_optimizer_post_hooks.values()):
            post_hook(self, args, kwargs)
        return out

    @functools.wraps(step)
    def method(*args, **kwargs):
        self = args[0]
        if getattr(type(self).step, "__code__", None) is TORCH_WRAPPER:  # a subclass's own step,
            return run(*args, **kwargs)  # wrapped by torch (hooks and label ran there): only the step
        callback = get_eval_frame_callback()  # this thread's; None: eager, False: torch's run-only
        if callback is not None and callback is not False:  # inside torch.compile: no label
            # fullgraph=True (its callback says so, in torch's default stance): torch would run the
            # step and only then fail, so refuse before it runs
            if getattr(callback, "_one_graph", False) is True:
                raise RuntimeError(f"torch.compile(fullgraph=True) cannot compile {type(self).__name__}.step: "
                                   f"{REASON}. Compile without fullgraph=True, or call step() outside the "
                                   "compiled function")
            # the hooks are looked up on every call: one registered after compiling runs at once
            if (torch_optimizer._global_optimizer_pre_hooks or self._optimizer_step_pre_hooks
                    or self._optimizer_step_post_hooks or torch_optimizer._global_optimizer_post_hooks):
                return hooked_step(self, args, kwargs)
            return run(*args, **kwargs)
        with torch.autograd.profiler.record_function(f"Optimizer.step#{type(self).__name__}.step"):
            return hooked_step(self, args, kwargs)

    dynamo_skip(method)  # never traced: this frame runs as written, inside torch.compile too
    method._torchdynamo_disable_msg = REASON  # the graph break's reason in dynamo's logs
    method.hooked = True  # torch.optim.Optimizer._patch_step_function: already wrapped
    return method
