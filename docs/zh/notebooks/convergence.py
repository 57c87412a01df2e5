# %% [markdown]
# # 反例配套笔记本
#
# 本笔记本收录 [Adam 何时不收敛](../../convergence/) 一页的代码，运行其中的反例（Reddi、Kale 与
# Kumar，ICLR 2018）：在线损失 $f_t(x) = C x$（当 $t \bmod 3 = 1$）或 $-x$，$x \in [-1, 1]$，
# 最优解是 $x = -1$。比较 Adam、AMSGrad 与 Yogi 的轨迹 $x_t$ 和平均遗憾 $R_t / t$。
