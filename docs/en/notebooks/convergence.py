# %% [markdown]
# # Counterexample companion notebook
#
# This notebook runs the counterexample of [When Adam does not converge](../../convergence/)
# (Reddi, Kale & Kumar, ICLR 2018): online losses $f_t(x) = C x$ when $t \bmod 3 = 1$, else $-x$,
# on $x \in [-1, 1]$, with the optimum at $x = -1$. It compares the iterates $x_t$ and the average
# regret $R_t / t$ of Adam, AMSGrad and Yogi.


# %%
import matplotlib.pyplot as plt

from snippets import runs

trajectories = runs.counterexample()
for method, trajectory in trajectories.items():
    print(f"{method:8s} x_T = {trajectory.xs[-1]:+.3f}   R_T/T = {trajectory.avg_regret[-1]:.3f}")

# %%
fig, (ax_x, ax_r) = plt.subplots(1, 2, figsize=(8, 3.2))
for method, trajectory in trajectories.items():
    t = range(1, len(trajectory.xs) + 1)  # steps t = 1..T: the log axis keeps the first one
    ax_x.plot(t, trajectory.xs, label=method, linewidth=1)
    ax_r.plot(t, trajectory.avg_regret, label=method, linewidth=1)
ax_x.set(xlabel="step t", ylabel="x_t")
ax_r.set(xlabel="step t", ylabel="R_t / t", xscale="log")
ax_x.legend()
plt.show()
