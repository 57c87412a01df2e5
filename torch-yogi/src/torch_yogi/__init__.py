"""torch-yogi: the Yogi optimizer (Zaheer et al., NeurIPS 2018) for PyTorch, with the arguments,
state and checkpoints of ``torch.optim.Adam`` and fused kernels for CPU (C) and CUDA (Triton)."""
from .yogi import Yogi, yogi

__all__ = ["Yogi", "yogi"]
__version__ = "0.1.0"
