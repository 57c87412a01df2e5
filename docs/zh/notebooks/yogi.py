# %% [markdown]
# # Yogi 配套笔记本
#
# 本笔记本运行 [Yogi 一章](../../yogi/) 的实验：尖峰梯度下 Adam 与 Yogi 的二阶矩，
# 从零开始实现的 Yogi，以及可直接替换的 `snippets.optim.Yogi`。
# 运行设备由环境变量 `ADAM_YOGI_DEVICE` 决定。
#
# Yogi 的二阶矩：$s_t = s_{t-1} + (1 - \beta_2)\,\operatorname{sign}(g_t^2 - s_{t-1})\,g_t^2$。


# %%
import matplotlib.pyplot as plt

from snippets import runs, train
from snippets.data import load_airfoil

device = train.resolve_device(None)
data = load_airfoil(allow_synthetic=True)
print(f"device: {train.describe_device(device)}, data: {data.source}")

# %%
traces = runs.spikes()
t = range(1, len(traces.s_adam) + 1)  # steps t = 1..T
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(t, traces.s_adam, label="Adam s_t")
ax.plot(t, traces.s_yogi, label="Yogi s_t")
ax.set_yscale("log")
ax.set_xlabel("step t")
ax.legend()
plt.show()

# %%
yogi_run = runs.yogi_from_scratch(data, device)
dropin_run = runs.yogi_dropin(data, device)
print(yogi_run.summary)
print(dropin_run.summary)

# %%
fig, ax = plt.subplots(figsize=(6, 3.4))
ax.plot(yogi_run.epochs, yogi_run.losses, label="scratch.yogi")
ax.plot(dropin_run.epochs, dropin_run.losses, "--", label="snippets.optim.Yogi")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax.legend()
plt.show()
