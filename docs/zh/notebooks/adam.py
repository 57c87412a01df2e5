# %% [markdown]
# # Adam 配套笔记本
#
# 本笔记本把 [Adam 一章](../../adam/) 的实验从头到尾运行一遍：矩估计的偏差校正，从零开始实现的 Adam，
# 以及 `torch.optim.Adam` 的简洁实现，后两者都在 airfoil 数据上训练线性回归。
# 运行设备由环境变量 `ADAM_YOGI_DEVICE` 决定（`auto`、`cpu` 或 `cuda`；`auto` 在有 GPU 时用 CUDA）。
#
# 偏差校正：$\hat{v}_t = v_t / (1 - \beta_1^t)$，$\hat{s}_t = s_t / (1 - \beta_2^t)$。


# %%
import matplotlib.pyplot as plt

from snippets import runs, train
from snippets.data import load_airfoil

device = train.resolve_device(None)
data = load_airfoil(allow_synthetic=True)
print(f"device: {train.describe_device(device)}, data: {data.source}")

# %%
means = runs.bias_correction_means()  # 1000 streams of g ~ N(1, 1), averaged per step
fig, (ax_v, ax_s) = plt.subplots(1, 2, figsize=(8, 3.2))
ax_v.plot(means["t"], means["v"], color="#9e9e9e", label="v_t")
ax_v.plot(means["t"], means["v_hat"], color="#3f51b5", label="v_hat_t")
ax_v.axhline(means["mean_g"], color="black", linestyle=":", linewidth=0.8, label="E[g]")
ax_s.plot(means["t"], means["s"], color="#9e9e9e", label="s_t")
ax_s.plot(means["t"], means["s_hat"], color="#3f51b5", label="s_hat_t")
ax_s.axhline(means["mean_g2"], color="black", linestyle=":", linewidth=0.8, label="E[g^2]")
for ax in (ax_v, ax_s):
    ax.set_xlabel("step t")
    ax.legend(fontsize=7)
ax_v.set_title("first moment", fontsize=9)
ax_s.set_title("second moment", fontsize=9)
plt.show()

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
