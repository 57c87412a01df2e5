# %% [markdown]
# # Adam notebook
#
# Bias correction: $\hat{v}_t = v_t / (1 - \beta_1^t)$.

# %%
import torch

torch.manual_seed(0)
print(torch.__version__)
