// What the reader can set: for each problem its controls (each an index into a list of exact
// values, so that a preset and the Python defaults are the same float64 numbers) and the presets.

const list = (...values) => values.map(Number);
const range = (from, to, by, digits) => {
  const out = [];
  for (let k = 0; from + k * by <= to + by / 2; k++) out.push(Number((from + k * by).toFixed(digits)));
  return out;
};
const oneTwoFive = (fromExp, toExp) => {
  const out = [];
  for (let e = fromExp; e <= toExp; e++) for (const m of [1, 2, 5]) out.push(Number(`${m}e${e}`));
  return out;
};

export const VALUES = {
  lr: oneTwoFive(-4, -1).concat([1]),
  alpha: list(0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 2, 5),
  beta1: range(0, 0.99, 0.01, 2),
  beta2: list(0.5, 0.8, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9999),
  eps: list(1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1),
  s0: list(0, 1e-8, 1e-6, 1e-4, 1e-2, 0.1, 0.5, 1, 2, 5, 10, 100),
  spike: list(1, 2, 3, 5, 10, 15, 20, 30, 50, 100),
  C: range(2.05, 5, 0.01, 2),
  steps: range(500, 30000, 500, 0),
};

// Each control: the run's option it sets, the list of values, the label's key in text.js.
export const CONTROLS = {
  spikes: [
    { key: "beta2", values: VALUES.beta2, label: "beta2" },
    { key: "s0", values: VALUES.s0, label: "s0" },
    { key: "spike", values: VALUES.spike, label: "spike" },
    { key: "lr", values: VALUES.lr, label: "lr" },
    { key: "eps", values: VALUES.eps, label: "eps" },
  ],
  counterexample: [
    { key: "C", values: VALUES.C, label: "C" },
    { key: "lr", values: VALUES.alpha, label: "alpha" },
    { key: "eps", values: VALUES.eps, label: "eps" },
    { key: "steps", values: VALUES.steps, label: "steps" },
  ],
  rosenbrock: [
    { key: "lr", values: VALUES.lr, label: "lr" },
    { key: "beta1", values: VALUES.beta1, label: "beta1" },
    { key: "beta2", values: VALUES.beta2, label: "beta2" },
    { key: "eps", values: VALUES.eps, label: "eps" },
    { key: "s0", values: VALUES.s0, label: "s0Yogi" },
    { key: "steps", values: VALUES.steps, label: "steps" },
  ],
};

// The pages' own runs (snippets/runs.py: spikes(), counterexample()) and a few more.
export const PRESETS = {
  "spikes-0.99": { problem: "spikes", spike: 20, beta2: 0.99, s0: 1, lr: 1e-3, eps: 1e-8 },
  "spikes-0.999": { problem: "spikes", spike: 20, beta2: 0.999, s0: 1, lr: 1e-3, eps: 1e-8 },
  "counterexample-3": { problem: "counterexample", C: 3, lr: 0.5, eps: 1e-8, steps: 3000 },
  "counterexample-2.3": { problem: "counterexample", C: 2.3, lr: 0.5, eps: 1e-8, steps: 3000 },
  "rosenbrock-0.999": { problem: "rosenbrock", lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, s0: 1e-6, steps: 3000 },
  // the Yogi chapter's "Try it" quotes this run: 1000 steps (tests/test_playground.py)
  "rosenbrock-0.99": { problem: "rosenbrock", lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, s0: 1e-6, steps: 1000 },
};

// The preset that is the figure next to the widget, by the page's data-playground value.
export const PAGE_FIGURE = { spikes: "spikes-0.99", counterexample: "counterexample-3" };

/** The position of `value` in `values` (the nearest one when it is not in the list). */
export function indexOf(values, value) {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (Math.abs(values[i] - value) < Math.abs(values[best] - value)) best = i;
  return best;
}
