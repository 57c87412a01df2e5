# %% [markdown]
# # Counterexample companion notebook
#
# This notebook holds the code of [When Adam does not converge](../../convergence/) and runs its
# counterexample (Reddi, Kale & Kumar, ICLR 2018): online losses $f_t(x) = C x$ when
# $t \bmod 3 = 1$, else $-x$, on $x \in [-1, 1]$, with the optimum at $x = -1$. It compares the
# iterates $x_t$ and the average regret $R_t / t$ of Adam, AMSGrad and Yogi.
