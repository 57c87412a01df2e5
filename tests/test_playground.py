"""The playground's JavaScript (docs/assets/javascripts/playground/) computes the numbers of the
tested Python code: its update rules run in Node and are compared, in float64, with
snippets/counterexample.py, snippets/moments.py and snippets.optim.Adam/Yogi.
Also here: the hook that publishes the spike stream and loads the widget, and the claims of the
pages' "Try it" paragraphs.

    .venv/bin/python tests/test_playground.py   # prints the largest JS-vs-Python differences
"""
import inspect
import ast
import itertools
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from snippets import counterexample, moments, optim  # noqa: E402

PLAYGROUND = ROOT / "docs" / "assets" / "javascripts" / "playground"
NODE = shutil.which("node")
TOLERANCE = 1e-12  # relative, float64
needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed (.ci/setup installs it for npm ci)")

# Reads the cases as JSON on stdin; prints, for each, the run's arrays or the error it raised.
RUNNER = """
import { run } from "%s";
import { CONTROLS, PRESETS, VALUES } from "%s";
import { update } from "%s";
import { power } from "%s";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const plain = (r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, ArrayBuffer.isView(v) ? Array.from(v) : plain(v)]));
const out = JSON.parse(input).map(({ options, stream }) => {
  if (options === "settings") return { CONTROLS, PRESETS, VALUES };
  if (options === "power") return stream.map(([beta, t]) => power(beta, t));
  if (options === "update") return stream.steps.map(({ state, g, t }) => update(stream.method, state, g, t, stream.hyper));
  try { return plain(run(options, stream)); } catch (error) { return { error: error.message }; }
});
process.stdout.write(JSON.stringify(out));
""" % tuple((PLAYGROUND / name).as_uri() for name in ("run.js", "settings.js", "rosenbrock.js", "power.js"))


def node(cases):
    """Run each {options, stream} case through run.js in Node; returns the results in order."""
    proc = subprocess.run(
        [NODE, "--no-warnings", "--input-type=module", "-e", RUNNER],
        input=json.dumps(cases), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def max_relative(js, py):
    """The largest |js − py| / max(|py|, tiny) over two equal-length sequences."""
    assert len(js) == len(py)
    worst = 0.0
    for a, b in zip(js, py):
        if a != b:
            worst = max(worst, abs(a - b) / max(abs(b), 1e-300))
    return worst


@pytest.fixture(scope="module")
def settings():
    """The sliders' values and the presets, as settings.js defines them."""
    if NODE is None:
        pytest.skip("node is not installed")
    return node([{"options": "settings"}])[0]


DIFFERENCES = {}  # what the comparisons found, printed by `python tests/test_playground.py`


def assert_close(name, js, py):
    worst = max_relative(js, py)
    DIFFERENCES[name] = max(worst, DIFFERENCES.get(name, 0.0))
    assert worst <= TOLERANCE, f"{name}: JS and Python differ by {worst:.3g} (relative)"


# --- the counterexample: snippets.counterexample.run ------------------------------------------

COUNTER_CASES = [
    dict(C=C, steps=3000, lr=0.5, eps=1e-8) for C in (2.05, 2.3, 2.44, 2.45, 3.0, 5.0)
] + [
    dict(C=3.0, steps=500, lr=0.1, eps=0.0, x0=0.5),
    dict(C=2.7, steps=10000, lr=2.0, eps=1e-3, x0=-1.0),
]


def _s_reference(method, C, steps):
    """The s each method divides by, from the recurrences of the module's docstring (the module
    does not return it): Adam and AMSGrad's EMA (AMSGrad: its running maximum), Yogi's additive s."""
    beta2 = 1 / (1 + C**2)
    s, s_max, out = 0.0, 0.0, []
    for t in range(1, steps + 1):
        g = counterexample.gradient(t, C)
        if method == "yogi":
            s = s + (1 - beta2) * counterexample.sign(g * g - s) * g * g
        else:
            s = beta2 * s + (1 - beta2) * g * g
        s_max = max(s_max, s)
        out.append(s_max if method == "amsgrad" else s)
    return out


@needs_node
def test_counterexample_matches_the_python_module():
    cases = [(m, kw) for kw in COUNTER_CASES for m in counterexample.METHODS]
    results = node([{"options": {"problem": "counterexample", "method": m, **kw}} for m, kw in cases])
    for (method, kw), js in zip(cases, results):
        py = counterexample.run(method, **kw)
        assert_close("counterexample x_t", js["xs"], py.xs)
        assert_close("counterexample R_t/t", js["avgRegret"], py.avg_regret)
        s = _s_reference(method, kw["C"], kw["steps"])
        assert_close("counterexample s_t", js["s"], s)
        steps = [kw["lr"] / math.sqrt(t) / (math.sqrt(v) + kw["eps"]) for t, v in enumerate(s, 1)]
        assert_close("counterexample α_t/(√s_t + ε)", js["step"], steps)


BAD_COUNTER = [
    {"C": 2}, {"C": 1.5}, {"steps": 0}, {"steps": 2.5}, {"lr": -1},
    {"lr": 0}, {"x0": 2}, {"eps": -1},
]


@needs_node
def test_bad_counterexample_arguments_get_the_python_message():
    cases = [("adam", kw) for kw in BAD_COUNTER] + [("sgd", {})]
    results = node([{"options": {"problem": "counterexample", "method": m, **kw}} for m, kw in cases])
    for (method, kw), js in zip(cases, results):
        with pytest.raises(ValueError) as error:
            counterexample.run(method, **kw)
        assert js == {"error": str(error.value)}


@needs_node
def test_every_C_of_the_slider_gives_the_python_beta2(settings):
    """β2 = 1/(1 + C²) from `C ** 2` in both languages: the first steps agree exactly."""
    Cs = settings["VALUES"]["C"]
    results = node([{"options": {"problem": "counterexample", "method": "yogi", "C": C, "steps": 30}} for C in Cs])
    for C, js in zip(Cs, results):
        assert js["xs"] == counterexample.run("yogi", C=C, steps=30).xs, C


@needs_node
def test_unknown_options_and_problems_are_errors_naming_them():
    results = node([
        {"options": {"problem": "counterexample", "method": "adam", "beta2": 0.9}},
        {"options": {"problem": "rosenbrock", "method": "yogi", "C": 3}},
        {"options": {"problem": "spikes", "method": "adam"}},
        {"options": {"problem": "sphere"}},
        {"options": {"problem": "rosenbrock", "method": "adam", "beta1": 1.0}},
        {"options": {"problem": "spikes", "method": "adam", "beta2": -0.1}, "stream": {"g": [1.0], "spikes": []}},
    ])
    assert results[0]["error"].startswith("Unknown option for counterexample: 'beta2'")
    assert results[1]["error"].startswith("Unknown option for rosenbrock: 'C'")
    assert results[2]["error"].startswith("The spike stream is not loaded yet")
    assert results[3]["error"].startswith('Invalid problem: "sphere"')
    assert results[4]["error"] == "Invalid beta1: 1 (a number in [0, 1))"
    assert results[5]["error"] == "Invalid beta2: -0.1 (a number in [0, 1))"


# --- the spikes: snippets.moments.spiky_gradients and second_moments ---------------------------

PAGE_SPIKES = dict(steps=1000, spikes=(150, 450, 750), std=1.0, seed=0)  # snippets/run_yogi.py:spikes


def page_block(target):
    """(the constants a page block assigns, the keyword arguments of its calls): read from the
    block's code as the page shows it, the way hooks/runs/playground.py reads it."""
    from hooks.pages import chapters
    from hooks.runs import playground

    code = chapters.section(target)
    constants = {}
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Tuple) and isinstance(node.value, ast.Tuple):
            for name, value in zip(node.targets[0].elts, node.value.elts):
                constants[name.id] = ast.literal_eval(value)
    return constants, playground.calls(code)


def page_stream():
    """The stream the Yogi page's block draws (the build publishes what its run kept of it)."""
    from hooks.runs import playground

    code = __import__("hooks.pages.chapters", fromlist=["section"]).section(playground.SPIKES)
    _, calls = page_block(playground.SPIKES)
    g = moments.spiky_gradients(**calls["spiky_gradients"])
    fake_results = {"yogi": {"exports": {playground.SPIKES: {"g": g.tolist()}}}}
    return playground, playground.spike_stream(fake_results, code)


@needs_node
def test_spikes_match_the_python_module():
    _, stream = page_stream()
    settings = [dict(spike=spike, beta2=beta2, s0=s0, lr=lr, eps=eps)
                for spike, beta2, s0, lr, eps in [(20.0, 0.99, 1.0, 1e-3, 1e-8), (20.0, 0.999, 1.0, 1e-3, 1e-8),
                                                  (5.0, 0.9, 0.0, 0.01, 1e-3), (100.0, 0.99, 1e-6, 1.0, 0.0)]]
    cases = [(m, kw) for kw in settings for m in counterexample.METHODS]
    results = node([{"options": {"problem": "spikes", "method": m, **kw}, "stream": stream} for m, kw in cases])
    for (method, kw), js in zip(cases, results):
        g = moments.spiky_gradients(spike=kw["spike"], **PAGE_SPIKES)
        s_adam, s_yogi = moments.second_moments(g, kw["beta2"], kw["s0"])
        s_amsgrad = list(itertools.accumulate([kw["s0"]] + s_adam, max))[1:]  # s_t^max = max(s_{t−1}^max, s_t), s_0^max = s_0
        s = {"adam": s_adam, "amsgrad": s_amsgrad, "yogi": s_yogi}[method]
        assert_close("spikes g_t", js["g"], g.tolist())
        assert_close("spikes s_t", js["s"], s)
        assert_close("spikes η/(√s_t + ε)", js["step"], [kw["lr"] / (math.sqrt(v) + kw["eps"]) for v in s])


def test_the_published_stream_is_the_pages_run():
    playground, stream = page_stream()
    g = moments.spiky_gradients(spike=20.0, **PAGE_SPIKES)  # the page's call, written out
    assert stream["g"] == g.tolist() and stream["spikes"] == list(PAGE_SPIKES["spikes"])
    namespace, calls = page_block(playground.SPIKES)
    assert calls["spiky_gradients"] == {"spike": 20.0, **PAGE_SPIKES}, "the page's run changed: update PAGE_SPIKES"
    assert json.loads(json.dumps(stream)) == stream  # JSON carries every float64 exactly


# --- the 2-D problem: snippets.optim.Adam (amsgrad) and Yogi on their reference path -----------
# The same operations give the same float64 numbers only where each is correctly rounded. JavaScript's
# Math.sqrt is; torch.sqrt on CPU float64 is not always (on the AVX-512 machine these tests were
# written on, about 1.4% of square roots of random numbers were one unit in the last place away
# from math.sqrt), and neither is C's pow behind Python's `beta**t` (power.js gives the correctly
# rounded β^t, which agrees with it far more often than Math.pow). Where the run is not sensitive,
# such 1-ulp differences stay near 1e-16 and whole trajectories agree; where it is (β1 = 0 with a
# large η: Adam bounces chaotically in the valley), they grow to order 1 within a few hundred steps,
# so there the update rule is compared one step at a time, from torch's state.

ROSEN_CASES = [  # the presets first; measured not to be sensitive
    dict(steps=3000, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8, s0=1e-6),
    dict(steps=1000, lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8, s0=1e-6),
    dict(steps=3000, lr=0.001, beta1=0.9, beta2=0.999, eps=1e-8, s0=1e-6),
    dict(steps=1000, lr=0.002, beta1=0.0, beta2=0.9999, eps=0.0, s0=0.0),
]
CHAOTIC_CASES = [  # x_t drifts apart by 1e-16 → 1e-13 (the first), up to order 1 (the others)
    dict(steps=2000, lr=0.1, beta1=0.9, beta2=0.9, eps=1e-3, s0=1.0),
    dict(steps=3000, lr=0.1, beta1=0.0, beta2=0.99, eps=1e-8, s0=1e-6),
    dict(steps=3000, lr=0.3, beta1=0.5, beta2=0.999, eps=1e-8, s0=1e-6),
]


def rosenbrock_loss(x1, x2):
    """f = (1 − x₁)² + 100·(x₂ − x₁²)², squares as products (C's pow(x, 2) is not always x·x)."""
    a, b = 1 - x1, x2 - x1 * x1
    return a * a + 100 * (b * b)


def rosenbrock_gradient(x1, x2):
    """∂f/∂x of f = (1 − x₁)² + 100·(x₂ − x₁²)², in the order rosenbrock.js computes it."""
    b = x2 - x1 * x1
    return [-2 * (1 - x1) - 400 * x1 * b, 200 * b]


def rosenbrock_torch(method, steps, lr, beta1, beta2, eps, s0, x0=(-1.5, 2.0), states=None):
    """The run with snippets.optim on a float64 2-D parameter. Returns x_t, f(x_t),
    and per coordinate ŝ_t = s_t/(1 − β2ᵗ) (AMSGrad: the maximum of the raw s, then corrected).
    With ``states`` (a list), appends (state before, gradient, t, state after) for every step."""
    p = torch.tensor(x0, dtype=torch.float64)
    if method == "yogi":
        opt = optim.Yogi([p], lr=lr, betas=(beta1, beta2), eps=eps, initial_accumulator=s0)
    else:
        opt = optim.Adam([p], lr=lr, betas=(beta1, beta2), eps=eps, amsgrad=method == "amsgrad")
    out = {"x1": [], "x2": [], "loss": [], "s1": [], "s2": []}

    def snapshot():
        state = opt.state[p]
        zeros = [0.0, 0.0]
        s_start = [s0, s0] if method == "yogi" else zeros
        return {"p": p.tolist(), "v": state["exp_avg"].tolist() if state else zeros,
                "s": state["exp_avg_sq"].tolist() if state else s_start,
                "sMax": state["max_exp_avg_sq"].tolist() if state and method == "amsgrad" else zeros}

    for t in range(1, steps + 1):
        x1, x2 = p.tolist()
        out["x1"].append(x1)
        out["x2"].append(x2)
        out["loss"].append(rosenbrock_loss(x1, x2))
        g = rosenbrock_gradient(x1, x2)
        before = snapshot() if states is not None else None
        p.grad = torch.tensor(g, dtype=torch.float64)
        opt.step()
        state = opt.state[p]
        s = state["max_exp_avg_sq"] if method == "amsgrad" else state["exp_avg_sq"]
        s1, s2 = (s / (1 - beta2**t)).tolist()
        out["s1"].append(s1)
        out["s2"].append(s2)
        if states is not None:
            states.append((before, g, t, snapshot()))
    return out


def test_the_gradient_is_the_one_autograd_computes():
    for x1, x2 in [(-1.5, 2.0), (0.3, -0.7), (1.0, 1.0), (1.9, 2.9)]:
        p = torch.tensor([x1, x2], dtype=torch.float64, requires_grad=True)
        ((1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2).backward()
        assert rosenbrock_gradient(x1, x2) == pytest.approx(p.grad.tolist(), rel=1e-14, abs=1e-14)


@needs_node
def test_power_is_correctly_rounded(settings):
    """power.js's β^t is the float64 nearest to the exact power (60-digit decimal arithmetic), down
    to 1e-290 (a double-double product loses digits among the subnormal numbers; 1 − β^t is 1 there
    anyway); below that 1 − β^t is still the same."""
    from decimal import Decimal, localcontext

    pairs = [(b, t) for b in settings["VALUES"]["beta2"] + settings["VALUES"]["beta1"][::7] for t in range(1, 3001, 3)]
    js = node([{"options": "power", "stream": pairs}])[0]
    with localcontext() as ctx:
        ctx.prec = 60
        exact = [float(Decimal(b) ** t) for b, t in pairs]
    assert [v for v, e in zip(js, exact) if e > 1e-290] == [e for e in exact if e > 1e-290]
    assert [1 - v for v in js] == [1 - e for e in exact]


@needs_node
def test_rosenbrock_matches_snippets_optim():
    cases = [(m, kw) for kw in ROSEN_CASES for m in counterexample.METHODS]
    results = node([{"options": {"problem": "rosenbrock", "method": m, **kw}} for m, kw in cases])
    for (method, kw), js in zip(cases, results):
        py = rosenbrock_torch(method, **kw)
        for key in ("x1", "x2", "s1", "s2"):
            assert_close(f"rosenbrock {key}", js[key], py[key])
        # f is ill-conditioned near its minimum (1 − x₁ → 0), so the loss is checked at JS's own x_t
        assert js["loss"] == [rosenbrock_loss(a, b) for a, b in zip(js["x1"], js["x2"])]
        for k in ("1", "2"):
            steps = [kw["lr"] / (math.sqrt(v) + kw["eps"]) for v in py["s" + k]]
            assert_close("rosenbrock η/(√ŝ_t + ε)", js["step" + k], steps)


@needs_node
@pytest.mark.parametrize("kw", CHAOTIC_CASES, ids=lambda kw: f"lr={kw['lr']},beta1={kw['beta1']},beta2={kw['beta2']}")
def test_rosenbrock_update_matches_snippets_optim_step_by_step(kw):
    for method in counterexample.METHODS:
        states = []
        rosenbrock_torch(method, **kw, states=states)
        hyper = {k: kw[k] for k in ("lr", "beta1", "beta2", "eps")}
        steps = [{"state": before, "g": g, "t": t} for before, g, t, _ in states]
        js = node([{"options": "update", "stream": {"method": method, "hyper": hyper, "steps": steps}}])[0]
        for after_js, (_, _, _, after) in zip(js, states):
            for key in ("p", "v", "s", "sMax"):
                assert_close(f"rosenbrock one step: {key}", after_js[key], after[key])


# --- the presets and sliders -------------------------------------------------------------------


def test_the_page_presets_are_the_pages_runs(settings):
    """The presets marked as the pages' figures use the arguments the pages' own blocks use."""
    playground, _ = page_stream()
    presets = settings["PRESETS"]
    namespace, calls = page_block(playground.SPIKES)
    figure = presets["spikes-0.99"]
    moments_call = calls["second_moments"]
    assert figure["beta2"] == moments_call["beta2"] and figure["s0"] == moments_call["s0"]
    assert figure["spike"] == calls["spiky_gradients"]["spike"]
    namespace, _ = page_block(playground.COUNTEREXAMPLE)
    run_defaults = {k: v.default for k, v in inspect.signature(counterexample.run).parameters.items()}
    figure = presets["counterexample-3"]
    assert (figure["C"], figure["steps"], figure["lr"], figure["eps"]) == (
        namespace["C"], namespace["steps"], namespace["lr"], run_defaults["eps"])


def test_every_preset_value_is_a_slider_position(settings):
    for name, preset in settings["PRESETS"].items():
        controls = {c["key"]: c["values"] for c in settings["CONTROLS"][preset["problem"]]}
        assert set(preset) - {"problem"} == set(controls), name
        for key, value in preset.items():
            if key != "problem":
                assert value in controls[key], f"{name}: {key} = {value} is not on its slider"


# --- the claims of the "Try it" paragraphs (docs/*/yogi.md, docs/*/convergence.md) -------------


def test_yogi_page_claims_about_the_effective_learning_rate():
    g = moments.spiky_gradients(spike=20.0, **PAGE_SPIKES)
    ratio = lambda s: 1 / (math.sqrt(s) + 1e-8)  # noqa: E731  (η/(√s + ε)) / η
    adam, yogi = moments.second_moments(g, 0.99, 1.0)
    first, before_next = 150, 449  # the first spike (t = 151) and the step before the second
    assert round(ratio(adam[first]), 2) == 0.45 and round(ratio(adam[before_next]), 2) == 0.91
    assert round(ratio(yogi[first]), 2) == 0.42 and round(ratio(yogi[before_next]), 2) == 0.50
    assert round(ratio(adam[-1]) / ratio(yogi[-1]), 1) == 2.4  # at step 1000, β2 = 0.99 ...
    adam, yogi = moments.second_moments(g, 0.999, 1.0)
    assert round(ratio(adam[before_next]), 2) == 0.88
    assert round(ratio(adam[-1]) / ratio(yogi[-1]), 1) == 1.2  # ... and β2 = 0.999


def test_yogi_page_claims_about_rosenbrock():
    kw = dict(steps=1001, lr=0.01, beta1=0.9, beta2=0.99, eps=1e-8, s0=1e-6)
    loss = {m: rosenbrock_torch(m, **kw)["loss"][1000] for m in counterexample.METHODS}  # after 1000 steps
    assert loss["adam"] < 1e-5
    assert 3.5 < loss["amsgrad"] < 3.7 and 3.5 < loss["yogi"] < 3.7


@needs_node
def test_the_rosenbrock_preset_is_the_run_the_yogi_page_quotes(settings):
    """The Yogi page's "Try it" quotes a Rosenbrock run with β₂ = 0.99 after 1000 steps: the
    preset "rosenbrock-0.99" is that run, and the playground draws the numbers the page quotes."""
    preset = settings["PRESETS"]["rosenbrock-0.99"]
    assert (preset["beta2"], preset["steps"]) == (0.99, 1000)
    for lang, quoted in (("en", "after 1000 steps"), ("zh", "1000 步后")):
        text = (ROOT / "docs" / lang / "yogi.md").read_text(encoding="utf-8")
        paragraph = next(p for p in text.split("\n\n") if "Rosenbrock" in p)
        assert quoted in paragraph and r"\beta_2 = 0.99" in paragraph, (lang, paragraph[-300:])
    runs = node([{"options": {**preset, "method": m}} for m in counterexample.METHODS])
    loss = {m: run["loss"][-1] for m, run in zip(counterexample.METHODS, runs)}
    assert len(runs[0]["loss"]) == 1000
    assert loss["adam"] < 1e-5, loss  # "Adam is close to the minimum (loss below 10⁻⁵)"
    assert 3.55 <= loss["amsgrad"] < 3.65 and 3.55 <= loss["yogi"] < 3.65, loss  # "loss about 3.6"


@needs_node
def test_convergence_page_claims_about_s_and_the_effective_learning_rate():
    adam, amsgrad = node([{"options": {"problem": "counterexample", "method": m, "C": 3.0}} for m in ("adam", "amsgrad")])
    s = adam["s"][-30:]
    assert round(max(s)) == 8 and round(min(s)) == 1  # "falls from about 8 to about 1"
    large, small1, small2 = adam["step"][-30:-27]  # t = 2971 (t mod 3 = 1), 2972, 2973
    assert round(small1 / large, 1) == 2.2 and round(small2 / large, 1) == 2.8  # "about 2.2 and 2.8 times"
    assert round(amsgrad["s"][-1], 1) == 8.2 and amsgrad["s"][-1] == max(amsgrad["s"])


@pytest.mark.slow
def test_convergence_page_claims_about_C(settings):
    slider = settings["VALUES"]["C"]
    assert slider[0] == 2.05 and 2.44 in slider and 2.45 in slider
    for C in slider:
        x_yogi = counterexample.run("yogi", C=C, steps=30000).xs[-1]
        assert (x_yogi < -0.9) if C >= 2.45 else (x_yogi > 0.9), (C, x_yogi)
        x_amsgrad = counterexample.run("amsgrad", C=C, steps=3000).xs[-1]
        assert (x_amsgrad > -0.9) if C == 2.05 else (x_amsgrad < -0.9), (C, x_amsgrad)
    assert counterexample.run("yogi", C=2.3, steps=3000).xs[-1] > 0.9  # the preset shows it in 3000 steps


# --- the hook: the widget's script, only where a page has one ---------------------


def test_hook_loads_the_widget_with_a_relative_link_only_on_its_pages():
    playground, _ = page_stream()
    from mkdocs.exceptions import PluginError

    page = SimpleNamespace(url="en/yogi/", file=SimpleNamespace(src_uri="en/yogi.md"))
    html = "<html><head></head><body><div data-playground=\"spikes\"></div><pre></body></pre></body></html>"
    out = playground.with_script(html, page)
    # a classic script: a page opened from file:// (the offline copy) runs no module script
    assert out.endswith('<script defer src="../../assets/javascripts/playground/main.js"></script>\n</body></html>')
    plain = "<html><head></head><body><p>no widget</p></body></html>"
    assert playground.with_script(plain, page) == plain
    with pytest.raises(PluginError, match="en/yogi.md"):
        playground.with_script("<div data-playground=\"x\"></div>", page)


def test_hook_publishes_the_stream_atomically(tmp_path):
    playground, stream = page_stream()
    playground.publish(stream, tmp_path)
    path = tmp_path / "assets" / "javascripts" / "playground" / "spikes.json"
    assert json.loads(path.read_text()) == stream
    assert oct(path.stat().st_mode & 0o777) == "0o644"
    assert sorted(p.name for p in path.parent.iterdir()) == ["bundle.js", "spikes.json"]  # no temporary file left


@needs_node
def test_the_bundle_is_the_modules_as_one_classic_script():
    """bundle.js runs as a classic script (no import, export or import.meta left), defines the
    widget and the stream, and computes what the modules compute."""
    playground, stream = page_stream()
    script = playground.bundle(stream)
    assert not playground.MODULE_SYNTAX.search(script)
    probe = script + """
const { Playground, stream } = window.adamYogiPlayground;
process.stdout.write(JSON.stringify({ widget: typeof Playground, g: stream.g.length, spikes: stream.spikes }));
"""
    proc = subprocess.run([NODE, "-e", "globalThis.window = globalThis;\n" + probe],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"widget": "function", "g": len(stream["g"]), "spikes": stream["spikes"]}


def test_the_bundler_refuses_what_it_cannot_join(tmp_path):
    playground, _ = page_stream()
    from mkdocs.exceptions import PluginError

    (tmp_path / "widget.js").write_text('import { a } from "./a.js";\nexport class Playground {}\n')
    (tmp_path / "a.js").write_text('export const a = 1;\nconst b = await import("./b.js");\n')
    with pytest.raises(PluginError, match=r"a\.js:2: module syntax"):
        playground.bundle({}, tmp_path)
    (tmp_path / "a.js").write_text('import { Playground } from "./widget.js";\nexport const a = 1;\n')
    with pytest.raises(PluginError, match="in a circle: widget.js -> a.js -> widget.js"):
        playground.bundle({}, tmp_path)
    (tmp_path / "a.js").write_text('import { c } from "./missing.js";\nexport const a = 1;\n')
    with pytest.raises(PluginError, match="imports missing.js"):
        playground.bundle({}, tmp_path)


if __name__ == "__main__":
    test_counterexample_matches_the_python_module()
    test_spikes_match_the_python_module()
    test_rosenbrock_matches_snippets_optim()
    for case in CHAOTIC_CASES:
        test_rosenbrock_update_matches_snippets_optim_step_by_step(case)
    for name, worst in DIFFERENCES.items():
        print(f"{name:32s} largest relative difference {worst:.3g}")
