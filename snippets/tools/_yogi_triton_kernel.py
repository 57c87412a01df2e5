"""The Triton source of the one-pass Yogi step (private to ``yogi_triton.py``, which loads it).

This file imports triton at its top and is never imported the ordinary way:
``yogi_triton._kernel`` loads it with ``importlib`` once per flavor, compiled (CUDA) or
interpreted (CPU tensors, ``TRITON_INTERPRET=1``), because ``@triton.jit`` picks its flavor when
it runs, and the tests need both in one process.

One program updates one block of ``BLOCK`` elements of one tensor. Which tensor and which block
it reads from ``blocks`` (int32 pairs: tensor index, block index); the tensor's pointers and
size from ``table`` (one int64 row of ``ROW`` entries per tensor, laid out by
``yogi_triton._table``). A block that lies wholly inside its tensor loads and stores without a
mask, so the compiler can use 16-byte vector loads (``ALIGNED``: the host checked every pointer);
the last block of a tensor is masked.

The math is the reference path of ``snippets/optim.py`` (``Adam._update`` with Yogi's
``_second_moment``), one line per equation, in float32 whatever the storage dtype:
bfloat16 goes through its bit pattern, rounded to nearest-even on store (the interpreter's own
float32 → bfloat16 cast truncates, so the kernel does not use it).
"""
import triton
import triton.language as tl


@triton.jit
def _load(ptr, offs, mask, MASKED: tl.constexpr, BF16: tl.constexpr):
    """Load a block and widen it to float32."""
    if MASKED:
        x = tl.load(ptr + offs, mask=mask, other=0)
    else:
        x = tl.load(ptr + offs)
    if BF16:  # bfloat16 is the top half of a float32: widen exactly through the bits
        x = (x.to(tl.uint32) << 16).to(tl.float32, bitcast=True)
    else:
        x = x.to(tl.float32)
    return x


@triton.jit
def _store(ptr, offs, mask, x, MASKED: tl.constexpr, BF16: tl.constexpr):
    """Round a float32 block to the storage dtype (nearest-even) and store it."""
    if BF16:
        bits = x.to(tl.uint32, bitcast=True)
        lsb = (bits >> 16) & 1
        rounded = ((bits + 0x7FFF + lsb) >> 16).to(tl.uint16)  # round half to even
        y = tl.where(x != x, tl.full(x.shape, 0x7FC0, tl.uint16), rounded)  # NaN stays NaN
    else:
        y = x.to(ptr.dtype.element_ty)
    if MASKED:
        tl.store(ptr + offs, y, mask=mask)
    else:
        tl.store(ptr + offs, y)


@triton.jit
def _update(p_ptr, g_ptr, v_ptr, s_ptr, m_ptr, offs, n, lr, b1, c1, c2, eps, weight_decay, decay, bc1, bc2,
            MASKED: tl.constexpr, BF16: tl.constexpr, WD_MODE: tl.constexpr, MAXIMIZE: tl.constexpr,
            AMSGRAD: tl.constexpr):
    """One block of the Yogi step, in the order of the equations."""
    mask = offs < n
    p = _load(p_ptr, offs, mask, MASKED, BF16)
    g = _load(g_ptr, offs, mask, MASKED, BF16)
    v = _load(v_ptr, offs, mask, MASKED, BF16)
    s = _load(s_ptr, offs, mask, MASKED, BF16)
    if MAXIMIZE:
        g = -g  # g ← −g
    if WD_MODE == 1:
        g = g + weight_decay * p  # g ← g + λ·p (L2)
    if WD_MODE == 2:
        p = p * decay  # p ← p·(1 − ηλ) (decoupled, as AdamW)
    v = b1 * v + c1 * g  # v ← β1·v + (1−β1)·g
    g2 = g * g
    d = g2 - s
    sign = tl.where(d > 0, 1.0, tl.where(d < 0, -1.0, d))  # sign(g² − s): 0 at 0, NaN at NaN
    s = s + c2 * sign * g2  # s ← s + (1−β2)·sign(g² − s)·g²
    s_den = s
    if AMSGRAD:
        m = _load(m_ptr, offs, mask, MASKED, BF16)
        m = tl.maximum(m, s, propagate_nan=tl.PropagateNan.ALL)  # s_max ← max(s_max, s)
        _store(m_ptr, offs, mask, m, MASKED, BF16)
        s_den = m
    v_hat = tl.div_rn(v, bc1)  # v̂ ← v / (1−β1ᵗ)
    s_hat = tl.div_rn(s_den, bc2)  # ŝ ← s / (1−β2ᵗ)
    p = p - tl.div_rn(lr * v_hat, tl.sqrt_rn(s_hat) + eps)  # p ← p − η·v̂/(√ŝ + ε)
    _store(p_ptr, offs, mask, p, MASKED, BF16)
    _store(v_ptr, offs, mask, v, MASKED, BF16)
    _store(s_ptr, offs, mask, s, MASKED, BF16)


@triton.jit
def _bias_correction(beta, t):
    """1 − βᵗ in float64 for β in [0, 1) and t ≥ 1 (the log is taken only where β > 0)."""
    positive = beta > 0
    safe = tl.where(positive, beta, 0.5)
    return tl.where(positive, 1.0 - tl.exp(t * tl.log(safe)), 1.0)


@triton.jit
def yogi_kernel(table, blocks, lr, beta1, beta1_lo, c1, beta2, beta2_lo, c2, eps, weight_decay, decay, bc1, bc2,
                t_host, ELEM: tl.constexpr, BF16: tl.constexpr, STEP_ELEM: tl.constexpr, STEP_MODE: tl.constexpr,
                LR_PTR: tl.constexpr, BETA1_PTR: tl.constexpr, BETA2_PTR: tl.constexpr, WD_MODE: tl.constexpr,
                MAXIMIZE: tl.constexpr, AMSGRAD: tl.constexpr, ALIGNED: tl.constexpr, ROW: tl.constexpr,
                BLOCK: tl.constexpr):
    """One block of one tensor of the list.

    Scalars: ``lr``, ``beta1``, ``beta2`` are float32 values, or pointers to 0-dim tensors when
    ``LR_PTR``/``BETA1_PTR``/``BETA2_PTR``. For float betas, ``beta*_lo`` is β − float32(β), so
    β is known to float64 for the bias corrections, and ``c1``, ``c2`` are 1 − β1, 1 − β2 rounded
    once from float64. ``decay`` = 1 − ηλ (decoupled weight decay, float ``lr``).
    ``STEP_MODE``: 0 — ``bc1``, ``bc2`` are the bias corrections, computed by the host; 1 — the
    kernel computes them from t = ``t_host``; 2 — from the tensor's own step tensor (pointer in the
    table, dtype ``STEP_ELEM``), so nothing is read on the host (``capturable``).
    """
    pid = tl.program_id(0)
    k = tl.load(blocks + 2 * pid).to(tl.int64)
    start = tl.load(blocks + 2 * pid + 1).to(tl.int64) * BLOCK
    row = table + k * ROW  # p, g, v, s, s_max, step, numel
    n = tl.load(row + 6)
    p_ptr = tl.load(row + 0).to(tl.pointer_type(ELEM))
    g_ptr = tl.load(row + 1).to(tl.pointer_type(ELEM))
    v_ptr = tl.load(row + 2).to(tl.pointer_type(ELEM))
    s_ptr = tl.load(row + 3).to(tl.pointer_type(ELEM))
    m_ptr = tl.load(row + 4).to(tl.pointer_type(ELEM))
    if ALIGNED:  # every pointer of the call is 16-byte aligned (checked by the host)
        p_ptr = tl.multiple_of(p_ptr, 16)
        g_ptr = tl.multiple_of(g_ptr, 16)
        v_ptr = tl.multiple_of(v_ptr, 16)
        s_ptr = tl.multiple_of(s_ptr, 16)
        m_ptr = tl.multiple_of(m_ptr, 16)

    if LR_PTR:
        lr_v = tl.load(lr).to(tl.float32)
    else:
        lr_v = lr
    if BETA1_PTR:
        beta1_t = tl.load(beta1)
        b1 = beta1_t.to(tl.float32)
        c1_v = 1.0 - b1
        beta1_64 = beta1_t.to(tl.float64)
    else:
        b1 = beta1
        c1_v = c1
        beta1_64 = tl.cast(beta1, tl.float64) + tl.cast(beta1_lo, tl.float64)  # β1 to ~48 bits
    if BETA2_PTR:
        beta2_t = tl.load(beta2)
        c2_v = 1.0 - beta2_t.to(tl.float32)
        beta2_64 = beta2_t.to(tl.float64)
    else:
        c2_v = c2
        beta2_64 = tl.cast(beta2, tl.float64) + tl.cast(beta2_lo, tl.float64)
    if WD_MODE == 2 and LR_PTR:
        decay_v = 1.0 - lr_v * weight_decay
    else:
        decay_v = decay
    if STEP_MODE == 0:
        bc1_v = bc1
        bc2_v = bc2
    else:
        if STEP_MODE == 1:
            t = tl.cast(t_host, tl.float64)
        else:
            t = tl.load(tl.load(row + 5).to(tl.pointer_type(STEP_ELEM))).to(tl.float64)
        bc1_v = _bias_correction(beta1_64, t).to(tl.float32)  # 1 − β1ᵗ
        bc2_v = _bias_correction(beta2_64, t).to(tl.float32)  # 1 − β2ᵗ

    offs = start + tl.arange(0, BLOCK)
    if start + BLOCK <= n:
        _update(p_ptr, g_ptr, v_ptr, s_ptr, m_ptr, offs, n, lr_v, b1, c1_v, c2_v, eps, weight_decay, decay_v,
                bc1_v, bc2_v, False, BF16, WD_MODE, MAXIMIZE, AMSGRAD)
    else:
        _update(p_ptr, g_ptr, v_ptr, s_ptr, m_ptr, offs, n, lr_v, b1, c1_v, c2_v, eps, weight_decay, decay_v,
                bc1_v, bc2_v, True, BF16, WD_MODE, MAXIMIZE, AMSGRAD)
