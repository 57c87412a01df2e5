# %% [markdown]
# # Yogi 配套笔记本
#
# 本笔记本按页面上的顺序收录 [Yogi 一章](../../yogi/) 的全部代码并运行其中的实验：尖峰梯度下
# Adam 与 Yogi 的二阶矩，从零开始实现的 Yogi，以及只改了 Adam 一个方法的优化器类 `Yogi`。
# 有 GPU 时训练在 GPU 上进行。
#
# Yogi 的二阶矩：$s_t = s_{t-1} + (1 - \beta_2)\,\operatorname{sign}(g_t^2 - s_{t-1})\,g_t^2$。
