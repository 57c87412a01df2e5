# %% [markdown]
# # Adam companion notebook
#
# This notebook holds all the code of the [Adam chapter](../../adam/), in page order, and runs its
# experiments end to end: the bias correction of the moment estimates, then Adam from scratch and
# the concise `torch.optim.Adam`, both training linear regression on the airfoil data. Training
# runs on a GPU when there is one.
#
# Bias correction: $\hat{v}_t = v_t / (1 - \beta_1^t)$, $\hat{s}_t = s_t / (1 - \beta_2^t)$.
