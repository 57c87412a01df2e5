"""The runs of the Adam chapter (docs/*/adam.md), in page order.

``python -m snippets.run_adam`` prints the chapter's result lines. Each section is a code block
of the page; it uses the names that the blocks shown before it on the page define, imported
here from their files (outside the sections, so the page never shows an import of this package).
"""
import torch

from snippets.data import load_airfoil
from snippets.moments import moment_estimates
from snippets.scratch import adam, init_adam_states
from snippets.train import train_ch11, train_concise_ch11

if __name__ == "__main__":
    import argparse  # it takes no options: --help explains, anything else is an error

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    # --8<-- [start:bias-correction]
    mu, sigma = 1.0, 1.0  # g ~ N(μ, σ²): E[g] = μ, E[g²] = μ² + σ²
    generator = torch.Generator().manual_seed(0)
    g = mu + sigma * torch.randn(1000, 50, generator=generator,
                                 dtype=torch.float64)  # 1000 streams, T = 50
    v, s, v_hat, s_hat = moment_estimates(g, beta1=0.9, beta2=0.999)
    # --8<-- [end:bias-correction]

    # --8<-- [start:adam-scratch]
    data = load_airfoil()
    adam_run = train_ch11(adam, init_adam_states(5), {"lr": 0.01, "t": 1},
                          data, num_epochs=2, batch_size=10)
    print(adam_run)
    # --8<-- [end:adam-scratch]

    # --8<-- [start:adam-concise]
    torch_run = train_concise_ch11(torch.optim.Adam, {"lr": 0.01}, data,
                                   num_epochs=4, batch_size=10)
    print(torch_run)
    # --8<-- [end:adam-concise]
