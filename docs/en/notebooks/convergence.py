# %% [markdown]
# # Adam notebook
#
# Bias correction: $\hat{v}_t = v_t / (1 - \beta_1^t)$.

# %%
import matplotlib.pyplot as plt
import torch

t = torch.arange(1, 51)
plt.plot(t, 1 - 0.9**t)
plt.xlabel("t")
print(torch.__version__)
