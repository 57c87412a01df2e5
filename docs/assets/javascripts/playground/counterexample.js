// The Reddi–Kale–Kumar counterexample, line for line as `play` in snippets/counterexample.py
// (same operations in the same order, so the same float64 numbers): on x ∈ [−1, 1] the loss is
// f_t(x) = C·x when t mod 3 = 1, else −x; β1 = 0, β2 = 1/(1 + C²), α_t = α/√t, s₀ = 0, no bias
// correction, x projected onto [−1, 1] after each step.
import { buffer } from "./buffers.js";
import * as check from "./check.js";

export const DEFAULTS = { C: 3.0, steps: 3000, lr: 0.5, x0: 0.0, eps: 1e-8 };

const sign = (x) => (x > 0) - (x < 0); // sign(0) = 0, as torch.sign

/** One method's run: x_t, R_t/t, the s it divides by (AMSGrad: the running maximum) and its step
 * α_t/(√s + ε), for t = 1..T, as Float64Arrays (those of `out` refilled, when it has them). */
export function counterexample(method, given = {}, out = {}) {
  check.method(method);
  const { C, steps, lr, x0, eps } = check.options("counterexample", given, DEFAULTS);
  check.number("C", C, { low: 2, lowOpen: true, what: "the counterexample needs a finite C > 2" });
  check.count("steps", steps);
  check.number("learning rate", lr, { low: 0, lowOpen: true, what: "a finite number > 0" });
  check.number("x0", x0, { low: -1, high: 1, what: "a starting point in [-1, 1]" });
  check.number("epsilon value", eps, { low: 0, what: "a finite number ≥ 0" });
  const xs = buffer(out, "xs", steps), avgRegret = buffer(out, "avgRegret", steps);
  const seen = buffer(out, "s", steps), step = buffer(out, "step", steps);
  const beta2 = 1 / (1 + C ** 2); // β2 = 1/(1 + C²); β1 = 0, so v_t = g_t
  let x = x0, s = 0.0, sMax = 0.0, regret = 0.0;
  for (let t = 1; t <= steps; t++) {
    const g = t % 3 === 1 ? C : -1.0; // g_t = ∇f_t(x_t)
    xs[t - 1] = x;
    regret += g * (x + 1); // R_t = Σ_τ f_τ(x_τ) − f_τ(−1), and f_t(x) − f_t(−1) = g_t·(x + 1)
    avgRegret[t - 1] = regret / t; // R_t / t
    if (method === "yogi") {
      s = s + (1 - beta2) * sign(g * g - s) * g * g; // s_t = s_{t−1} + (1−β2)·sign(g_t² − s_{t−1})·g_t²
    } else {
      s = beta2 * s + (1 - beta2) * g * g; // s_t = β2·s_{t−1} + (1−β2)·g_t²
    }
    sMax = Math.max(sMax, s); // AMSGrad: s_t^max = max(s_{t−1}^max, s_t)
    const denominator = method === "amsgrad" ? sMax : s;
    const alphaT = lr / Math.sqrt(t); // α_t = α/√t
    seen[t - 1] = denominator;
    step[t - 1] = alphaT / (Math.sqrt(denominator) + eps); // the effective step α_t/(√s_t + ε)
    x = x - alphaT * g / (Math.sqrt(denominator) + eps); // x_{t+1} = x_t − α_t·g_t/(√s_t + ε)
    x = Math.min(1.0, Math.max(-1.0, x)); // project onto [−1, 1]
  }
  return { xs, avgRegret, s: seen, step };
}
