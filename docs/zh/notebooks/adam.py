# %% [markdown]
# # Adam 配套笔记本
#
# 本笔记本按页面上的顺序收录 [Adam 一章](../../adam/) 的全部代码，并把各个实验从头到尾运行一遍：
# 矩估计的偏差校正，从零开始实现的 Adam，以及 `torch.optim.Adam` 的简洁实现，后两者都在 airfoil
# 数据上训练线性回归。有 GPU 时训练在 GPU 上进行。
#
# 偏差校正：$\hat{v}_t = v_t / (1 - \beta_1^t)$，$\hat{s}_t = s_t / (1 - \beta_2^t)$。
