# %% [markdown]
# # Adam companion notebook
#
# This notebook runs the experiments of the [Adam chapter](../../adam/) end to end: Adam from
# scratch and the concise `torch.optim.Adam`, both training linear regression on the airfoil data.
# The device comes from the environment variable `ADAM_YOGI_DEVICE` (`auto`, `cpu` or `cuda`;
# `auto` uses CUDA when a GPU is present).
#
# Bias correction: $\hat{v}_t = v_t / (1 - \beta_1^t)$, $\hat{s}_t = s_t / (1 - \beta_2^t)$.


# %%
import matplotlib.pyplot as plt

from snippets import runs, train
from snippets.data import load_airfoil

device = train.resolve_device(None)
data = load_airfoil(allow_synthetic=True)
print(f"device: {train.describe_device(device)}, data: {data.source}")

# %%
adam_run = runs.adam_from_scratch(data, device)
torch_run = runs.adam_concise(data, device)
print(adam_run.summary)
print(torch_run.summary)

# %%
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(adam_run.epochs, adam_run.losses, label="scratch.adam")
ax.plot(torch_run.epochs, torch_run.losses, label="torch.optim.Adam")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax.legend()
plt.show()
