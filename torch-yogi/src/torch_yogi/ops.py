"""The fused Yogi step as torch operators, so that ``torch.compile`` traces it like any other op.

``torch_yogi::fused_yogi_cpu_`` is defined with ``torch.library`` (a fake implementation for the
compiler, the C kernel of :mod:`torch_yogi.cpu_kernel` for CPU tensors). ``torch_yogi::
fused_yogi_triton_`` is a ``torch.library.triton_op``: the compiler sees its Triton kernel
(:mod:`torch_yogi.triton_kernel`) through ``wrap_triton``. Both mutate the parameters, the state
and the step counts in place and return nothing; their schemas name what they write.
"""
import torch

from . import cpu_kernel

CPU_OP = "torch_yogi::fused_yogi_cpu_"
_SCHEMA = ("(Tensor(a!)[] params, Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, Tensor(d!)[] exp_avg_sqs, "
           "Tensor(e!)[] max_exp_avg_sqs, Tensor(f!)[] state_steps, float lr, float beta1, float beta2, "
           "float weight_decay, float eps, bool amsgrad, bool maximize, bool decoupled_weight_decay, "
           "Tensor? grad_scale=None, Tensor? found_inf=None) -> ()")
CPU_DTYPES = (torch.float16, torch.bfloat16, *cpu_kernel.DTYPES)  # fused=True on CPU
_ready = {}  # "cpu" → whether the C kernel loads here (decided once, outside any compiled code)

torch.library.define(CPU_OP, _SCHEMA)


@torch.library.impl(CPU_OP, "cpu")
def _fused_cpu(*args):
    cpu_kernel.step(*args)


@torch.library.register_fake(CPU_OP)
def _fused_fake(*args, **kwargs):
    return None


def _is_dtensor(t):
    try:
        from torch.distributed.tensor import DTensor
    except ImportError:  # a torch built without distributed has none
        return False
    return isinstance(t, DTensor)


def cpu_kernel_ready():
    """Whether the C kernel is built and loads (the first call builds it)."""
    if "cpu" not in _ready:
        _ready["cpu"] = cpu_kernel.available()
    return _ready["cpu"]


def check_fused(p):
    """Raise as torch does for a parameter no fused kernel takes."""
    from . import triton_kernel

    if p.device.type == "cpu":
        if p.dtype not in CPU_DTYPES:
            raise RuntimeError(f"`fused=True` requires all the params to be floating point Tensors of supported "
                               f"devices: cpu takes float16, bfloat16, float32 and float64, but {p.dtype}")
        cpu_kernel.load()  # raises with the reason where the kernel cannot be built
    elif p.device.type == "cuda":
        if p.dtype not in triton_kernel.DTYPES:
            raise RuntimeError(f"`fused=True` requires all the params to be floating point Tensors of supported "
                               f"devices: cuda takes float16, bfloat16, float32 and float64, but {p.dtype}")
        triton_kernel.check_available()
    else:
        raise RuntimeError(f"`fused=True` requires all the params to be floating point Tensors of supported "
                           f"devices: ['cpu', 'cuda'] but {p.dtype} and {p.device.type}")


def fused_step(P, G, V, S, M, T, *, lr, beta1, beta2, weight_decay, eps, amsgrad, maximize,
               decoupled_weight_decay, capturable, grad_scale, found_inf):
    """One fused step of tensors on one device and of one dtype."""
    device = P[0].device
    if device.type == "cpu":
        if capturable and not torch.compiler.is_compiling():
            raise AssertionError("If capturable=True, params and state_steps must be on supported devices: "
                                 "['cuda'] (fused=True on CPU keeps nothing to capture)")
        if torch.is_tensor(lr):
            if torch.compiler.is_compiling():
                raise RuntimeError("fused=True on CPU reads lr on the host: under torch.compile pass lr as a "
                                   "float, or use foreach=False with a Tensor lr")
            lr = lr.item()
        # Traced code, and tensors of a subclass (FakeTensor, say), go through the operator; an eager
        # step of plain tensors calls its implementation directly, since the dispatcher converts
        # each list of tensors twice (1.9 ms of a 2,000-tensor step).
        through_op = torch.compiler.is_compiling() or type(P[0]) not in (torch.Tensor, torch.nn.Parameter)
        if through_op and not torch.compiler.is_compiling() and _is_dtensor(P[0]):
            raise RuntimeError("params[0] is a DTensor; the fused CPU kernel takes plain tensors (without "
                               "fused=True, DTensors take the for-loop)")
        fn = torch.ops.torch_yogi.fused_yogi_cpu_ if through_op else cpu_kernel.step
        low = P[0].dtype in (torch.float16, torch.bfloat16)
        if low:  # the kernel computes in float32: float32 copies in, the results rounded back (as torch)
            lists = (P, G, V, S, M)
            P, G, V, S, M = ([t.float() for t in tensors] for tensors in lists)
        fn(P, G, V, S, M, T, float(lr), float(beta1), float(beta2), float(weight_decay), float(eps), amsgrad,
           maximize, decoupled_weight_decay, grad_scale, found_inf)
        if low:
            for originals, copies in zip(lists, (P, G, V, S, M)):
                for original, copy in zip(originals, copies):
                    original.copy_(copy)
    elif device.type == "cuda":
        from . import triton_kernel

        triton_kernel.fused_step(P, G, V, S, M, T, lr=lr, beta1=beta1, beta2=beta2, weight_decay=weight_decay,
                                 eps=eps, amsgrad=amsgrad, maximize=maximize,
                                 decoupled_weight_decay=decoupled_weight_decay, capturable=capturable,
                                 grad_scale=grad_scale, found_inf=found_inf)
    else:
        raise RuntimeError(f"fused=True: no Yogi kernel for {device.type} tensors (cpu and cuda have one)")
