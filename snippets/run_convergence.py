"""The run of the chapter "When Adam does not converge" (docs/*/convergence.md).

``python -m snippets.run_convergence`` prints the chapter's result lines. The section is a code
block of the page; it uses ``play``, which the block before it on the page defines, imported
here from its file (outside the section, so the page never shows an import of this package).
"""
from snippets.counterexample import play

if __name__ == "__main__":
    import argparse  # it takes no options: --help explains, anything else is an error

    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()

    # --8<-- [start:counterexample]
    C, steps, lr = 3.0, 3000, 0.5  # C > 2; α_t = lr/√t
    trajectories = {method: play(method, C=C, steps=steps, lr=lr)
                    for method in ("adam", "amsgrad", "yogi")}
    for method, trajectory in trajectories.items():
        print(f"{method:8s} x_T = {trajectory.xs[-1]:+.3f}   "
              f"R_T/T = {trajectory.avg_regret[-1]:.3f}")
    # a player that sits at +1 pays 2(C − 2) per period of three steps
    print(f"x_t ≡ +1:  R_T/T → 2(C − 2)/3 = {2 * (C - 2) / 3:.3f}")
    # --8<-- [end:counterexample]
