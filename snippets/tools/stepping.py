"""How ``step()`` meets torch.optim's step hooks, the profiler and ``torch.compile`` (private).

``torch.optim.Optimizer`` wraps a subclass's ``step`` on first use (``profile_hook_step``): a
profiler label ``Optimizer.step#<class>.step`` around the step hooks (global and per optimizer,
pre and post), ``_optimizer_step_code()`` for the profiler's Python tracer, and the step. Under
``torch.compile`` that wrapper is traced: dynamo drops the label, traces the hook loops, breaks the
graph at our step (which it cannot trace: the C kernel is called through ctypes) and resumes in a
second compiled frame for the code after it. At 6 parameters those frames cost more than the
label saves: ``torch.compile(opt.step)`` took 1.11× the eager step (same optimizer, interleaved).

:func:`entry` makes ``Adam.step`` do the same work, arranged for the one graph break it needs.
Eager, as torch does: the label around one function that runs the hooks and the step (dynamo
skips it, ``torch.compiler.disable``). Traced by dynamo: no label (as for torch's optimizers),
the question whether any step hook is registered answered once and guarded, and the step (or,
with hooks, the hooked step) returned directly — a graph break right before ``return`` needs no
second frame. A compiled step is then the eager step less the label and the empty hook loops,
plus ``torch.compile``'s own entry: about as fast as eager (0.95–1.05× in the benchmark's runs,
against 1.10–1.15× at 6 parameters with torch's wrapper). A subclass that defines its own ``step``
gets torch's wrapper around it; when that calls ``super().step()``, only the step runs here.
"""
import functools
import itertools

import torch
from torch.optim import optimizer as torch_optimizer


def entry(step):
    """``step(self, closure=None)`` as an ``Optimizer.step`` that runs torch's step hooks and
    profiler label itself (marked ``hooked``, so torch does not wrap it again)."""
    run = step if getattr(step, "_torchdynamo_disable", False) else torch.compiler.disable(step)
    step = getattr(step, "_torchdynamo_orig_callable", step)  # one disable below is enough

    @torch.compiler.disable  # dynamo cannot trace the kernels; the hooks run with the step
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
        if type(self).step is not method:  # a subclass's own step (torch wrapped it: hooks and
            return run(*args, **kwargs)  # label ran there) called super().step(): only the step
        if torch.compiler.is_compiling():  # traced: no label (dynamo drops torch's too), and
            # whether any step hook is registered is decided here, once, and guarded (on len():
            # the truth of an OrderedDict gets no guard in torch 2.13, so a later hook was missed)
            if (len(torch_optimizer._global_optimizer_pre_hooks) or len(self._optimizer_step_pre_hooks)
                    or len(self._optimizer_step_post_hooks) or len(torch_optimizer._global_optimizer_post_hooks)):
                return hooked_step(self, args, kwargs)
            return run(*args, **kwargs)  # the graph breaks here, right before return
        with torch.autograd.profiler.record_function(f"Optimizer.step#{type(self).__name__}.step"):
            return hooked_step(self, args, kwargs)

    method.hooked = True  # torch.optim.Optimizer._patch_step_function: already wrapped
    return method
