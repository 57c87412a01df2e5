# %% [markdown]
# # Yogi companion notebook
#
# This notebook holds all the code of the [Yogi chapter](../../yogi/), in page order, and runs its
# experiments: Adam's and Yogi's second moments under spiky gradients, Yogi from scratch, and the
# optimizer class `Yogi`, Adam with one method changed. Training runs on a GPU when there is one.
#
# Yogi's second moment: $s_t = s_{t-1} + (1 - \beta_2)\,\operatorname{sign}(g_t^2 - s_{t-1})\,g_t^2$.
