"""The runs of the Yogi chapter (docs/*/yogi.md), in page order.

``python -m snippets.run_yogi`` prints the chapter's result lines. Each section is a code block
of the page; it uses the names that the blocks shown before it on the page define, imported
here from their files (outside the sections, so the page never shows an import of this package).
The page's ``Yogi`` is the class its code blocks define, ``snippets.optim.Yogi``, the one
imported here. (``dropin_run`` keeps its name: the figure's plotting cell, snippets/plots.py,
reads it.)
"""
from snippets.data import load_airfoil
from snippets.moments import second_moments, spiky_gradients
from snippets.optim import Yogi
from snippets.scratch import adam, init_adam_states, yogi
from snippets.train import train_ch11, train_concise_ch11

if __name__ == "__main__":
    import argparse  # it takes no options: --help explains, anything else is an error

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    # --8<-- [start:spikes]
    g = spiky_gradients(steps=1000, spikes=(150, 450, 750), spike=20.0,
                        std=1.0, seed=0)
    s_adam, s_yogi = second_moments(g, beta2=0.99, s0=1.0)
    # --8<-- [end:spikes]

    # --8<-- [start:yogi-scratch]
    data = load_airfoil()
    yogi_run = train_ch11(yogi, init_adam_states(5), {"lr": 0.01, "t": 1},
                          data, num_epochs=2, batch_size=10)
    print(yogi_run)
    # --8<-- [end:yogi-scratch]

    # --8<-- [start:yogi-concise]
    dropin_run = train_concise_ch11(Yogi, {"lr": 0.01}, data, num_epochs=2,
                                    batch_size=10)
    print(dropin_run)
    # --8<-- [end:yogi-concise]

    # --8<-- [start:adam-scratch]
    adam_run = train_ch11(adam, init_adam_states(5), {"lr": 0.01, "t": 1},
                          data, num_epochs=2, batch_size=10)
    print(adam_run)
    # --8<-- [end:adam-scratch]
