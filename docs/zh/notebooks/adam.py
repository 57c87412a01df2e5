# %% [markdown]
# # Adam 笔记本
#
# 偏差校正：$\hat{v}_t = v_t / (1 - \beta_1^t)$。

# %%
import torch

torch.manual_seed(0)
print(torch.__version__)
