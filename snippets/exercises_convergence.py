"""Solutions to the exercises of "When Adam does not converge" (docs/*/convergence.md).

The sections use ``play``, ``gradient`` and ``Trajectory``, which the chapter's
code defines earlier on the page (``snippets/counterexample.py``); this module
imports them from there, outside the sections. Each ``*-run`` section is what
the page runs and shows under the solution; ``python -m
snippets.exercises_convergence`` prints the same.

1. ``amsgrad-period``: once the large gradient has been seen, AMSGrad's
   running maximum sits at s* = (1−β2)(C² + β2 + β2²)/(1−β2³) (8.207 at
   C = 3), and the period starting at t = 3k+1 moves x by
   −(C·α_t − α_{t+1} − α_{t+2})/√s*, always downward, until the projection
   clamps x at −1 (first at t = 44 for C = 3, α = 0.5).
2. ``bias-correction``: Adam on the counterexample with any β1, β2, with or
   without bias correction. At β2 = 0.999 the uncorrected s is about
   (1 − β2ᵗ) times too small early on, the first steps are far too long and
   x is thrown between the bounds; corrected, the first step is α.
3. ``theorem-2``: the page's problem with β1 = 0.9, β2 = 0.999 (bias
   correction on, as torch.optim.Adam does it): Adam reaches −1.
"""
from snippets.counterexample import Trajectory, gradient, play

# --8<-- [start:amsgrad-period]
import math


def amsgrad_periods(C=3.0, lr=0.5, periods=16):
    """AMSGrad's move x_{t+3} − x_t over each period t = 3k+1, next to
    −(C·α_t − α_{t+1} − α_{t+2})/√s*, s* the repeating maximum of s."""
    beta2 = 1 / (1 + C**2)
    # s at a large gradient once the pattern repeats:
    # s* = β2³·s* + (1−β2)·(β2² + β2 + C²)
    s_star = (1 - beta2) * (C**2 + beta2 + beta2**2) / (1 - beta2**3)
    xs = play("amsgrad", C=C, steps=3 * periods + 1, lr=lr).xs
    rows = []
    for t in range(1, 3 * periods, 3):
        a = [lr / math.sqrt(t + i) for i in range(3)]  # α_t, α_t+1, α_t+2
        predicted = -(C * a[0] - a[1] - a[2]) / math.sqrt(s_star)
        rows.append((t, xs[t - 1], xs[t + 2] - xs[t - 1], predicted))
    return s_star, rows
# --8<-- [end:amsgrad-period]


# --8<-- [start:bias-correction]
import math


def play_adam(C=3.0, steps=3000, lr=0.5, beta1=0.0, beta2=None,
              bias_correction=False, eps=1e-8):
    """Adam on the counterexample with any β1, β2 (default β2 = 1/(1+C²)),
    with or without bias correction; x_1 = 0, α_t = lr/√t."""
    beta2 = 1 / (1 + C**2) if beta2 is None else beta2
    x, v, s, regret = 0.0, 0.0, 0.0, 0.0
    xs, avg_regret = [], []
    for t in range(1, steps + 1):
        g = gradient(t, C)
        xs.append(x)
        regret += g * (x + 1)  # f_t(x_t) − f_t(−1)
        avg_regret.append(regret / t)
        v = beta1 * v + (1 - beta1) * g  # v_t = β1·v_{t−1} + (1−β1)·g_t
        s = beta2 * s + (1 - beta2) * g * g  # s_t = β2·s_{t−1} + (1−β2)·g_t²
        if bias_correction:
            v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
        else:
            v_hat, s_hat = v, s
        x = x - lr / math.sqrt(t) * v_hat / (math.sqrt(s_hat) + eps)
        x = min(1.0, max(-1.0, x))  # project onto [−1, 1]
    return Trajectory(xs, avg_regret)
# --8<-- [end:bias-correction]


if __name__ == "__main__":
    # --8<-- [start:amsgrad-period-run]
    s_star, rows = amsgrad_periods(C=3.0, lr=0.5, periods=16)
    print(f"s* = {s_star:.3f}")
    print("   t     x_t      move  predicted")
    for row in rows[:4] + [None] + rows[-4:]:  # None: the rows between
        print(" ..." if row is None else "{:4d} {:+7.4f} {:+9.5f} {:+10.5f}"
              .format(*row))
    # --8<-- [end:amsgrad-period-run]

    # --8<-- [start:bias-correction-run]
    for beta2, name in ((None, "1/(1+C²)"), (0.999, "0.999")):
        for correct in (False, True):
            xs = play_adam(beta2=beta2, bias_correction=correct).xs
            label = "corrected" if correct else "uncorrected"
            print(f"β2 = {name:8} {label:11} x_2..x_7 ="
                  f" {' '.join(f'{x:+.2f}' for x in xs[1:7])}"
                  f"   x_T = {xs[-1]:+.4f}")
    # --8<-- [end:bias-correction-run]

    # --8<-- [start:theorem-2-run]
    for C in (3.0, 10.0, 100.0):
        run = play_adam(C=C, steps=3000, beta1=0.9, beta2=0.999,
                        bias_correction=True)
        print(f"C = {C:5}: x_T = {run.xs[-1]:+.4f}, "
              f"R_T/T = {run.avg_regret[-1]:.4f}, "
              f"2(C − 2)/3 = {2 * (C - 2) / 3:.3f}")
    # --8<-- [end:theorem-2-run]
