# %% [markdown]
# # 反例配套笔记本
#
# 本笔记本运行 [Adam 何时不收敛](../../convergence/) 一页的反例（Reddi、Kale 与 Kumar，ICLR 2018）：
# 在线损失 $f_t(x) = C x$（当 $t \bmod 3 = 1$）或 $-x$，$x \in [-1, 1]$，最优解是 $x = -1$。
# 比较 Adam、AMSGrad 与 Yogi 的轨迹 $x_t$ 和平均遗憾 $R_t / t$。


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
