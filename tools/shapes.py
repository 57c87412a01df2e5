"""Parameter lists of real models, as shapes, for the benchmarks (plumbing no page shows).

``gpt2_small()`` is the one home of the GPT-2-like list the speed floors name: GPT-2 small
(Radford et al., 2019: 12 layers, width 768, 3072-wide MLP, 50257-token vocabulary, 1024
positions), in the order and shapes of Hugging Face's ``GPT2Model`` parameters (Conv1D weights
stored as (in, out)), with the output layer tied to the token embedding as in the published
model: 148 tensors, 124,439,808 parameters.
"""

GPT2_SMALL = dict(layers=12, width=768, mlp=3072, vocab=50257, positions=1024)


def gpt2_small(layers=GPT2_SMALL["layers"], width=GPT2_SMALL["width"], mlp=GPT2_SMALL["mlp"],
               vocab=GPT2_SMALL["vocab"], positions=GPT2_SMALL["positions"]):
    """The parameter shapes of GPT-2 small (or of a GPT-2 of other sizes), in model order."""
    shapes = [(vocab, width), (positions, width)]  # token and position embeddings
    for _ in range(layers):
        shapes += [
            (width,), (width,),  # ln_1 weight, bias
            (width, 3 * width), (3 * width,),  # attention: query/key/value projection
            (width, width), (width,),  # attention: output projection
            (width,), (width,),  # ln_2
            (width, mlp), (mlp,),  # MLP in
            (mlp, width), (width,),  # MLP out
        ]
    shapes += [(width,), (width,)]  # ln_f
    return shapes
