// A 2-D problem: Rosenbrock's valley f(x₁, x₂) = (1 − x₁)² + 100·(x₂ − x₁²)², minimum f(1, 1) = 0.
// The updates are those of snippets.optim.Adam (amsgrad=False/True) and snippets.optim.Yogi on
// its reference path, one coordinate at a time, same operations in the same order: bias-corrected
// v̂, ŝ; AMSGrad takes the maximum of the raw s, then corrects it; Yogi starts s at s0. (The same
// operations give the same float64 numbers where both round correctly: JavaScript's Math.sqrt does,
// torch.sqrt on CPU does not always; see tests/test_playground.py.)
import { buffer } from "./buffers.js";
import * as check from "./check.js";
import { power, powerTable } from "./power.js";

export const DEFAULTS = { steps: 3000, lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, s0: 1e-6, x0: [-1.5, 2.0] };

const sign = (x) => (x > 0) - (x < 0); // sign(0) = 0, as torch.sign

export function loss(x1, x2) {
  const a = 1 - x1, b = x2 - x1 * x1;
  return a * a + 100 * (b * b); // f = (1 − x₁)² + 100·(x₂ − x₁²)²
}

export function gradient(x1, x2, out = [0, 0]) {
  const b = x2 - x1 * x1;
  out[0] = -2 * (1 - x1) - 400 * x1 * b; // ∂f/∂x₁ = −2(1 − x₁) − 400·x₁(x₂ − x₁²)
  out[1] = 200 * b; // ∂f/∂x₂ = 200(x₂ − x₁²)
  return out;
}

/** One step t (1, 2, …) of `method` with gradient g, in place on state = {p, v, s, sMax} (each
 * [coordinate 1, coordinate 2]); state.sHat gets the ŝ_t the step divided by. `powers` =
 * [β1ᵗ, β2ᵗ] when the caller has them. */
export function update(method, state, g, t, { lr, beta1, beta2, eps }, powers = [power(beta1, t), power(beta2, t)]) {
  const { p, v, s, sMax } = state;
  const [beta1t, beta2t] = powers;
  if (!state.sHat) state.sHat = [0, 0];
  for (let i = 0; i < 2; i++) {
    v[i] = beta1 * v[i] + (1 - beta1) * g[i]; // v ← β1·v + (1−β1)·g
    const g2 = g[i] * g[i];
    if (method === "yogi") {
      s[i] = s[i] + (1 - beta2) * sign(g2 - s[i]) * g2; // s ← s + (1−β2)·sign(g² − s)·g²
    } else {
      s[i] = beta2 * s[i] + (1 - beta2) * g2; // s ← β2·s + (1−β2)·g²
    }
    let d = s[i];
    if (method === "amsgrad") d = sMax[i] = Math.max(sMax[i], s[i]); // s ← max(s_max, s)
    const vHat = v[i] / (1 - beta1t); // v̂ ← v / (1−β1ᵗ)
    const sHat = d / (1 - beta2t); // ŝ ← s / (1−β2ᵗ)
    p[i] -= lr * vHat / (Math.sqrt(sHat) + eps); // p ← p − η·v̂/(√ŝ + ε)
    state.sHat[i] = sHat;
  }
  return state;
}

/** One method's run: the point x_t where step t's gradient is taken, f(x_t), and per coordinate
 * ŝ_t and the effective learning rate η/(√ŝ_t + ε), for t = 1..T, as Float64Arrays (those of `out`
 * refilled, when it has them). `s0` is Yogi's initial accumulator (Adam and AMSGrad start at 0,
 * as snippets.optim.Adam does). */
export function rosenbrock(method, given = {}, out = {}) {
  check.method(method);
  const o = check.options("rosenbrock", given, DEFAULTS);
  const { steps, lr, eps } = o;
  check.count("steps", steps);
  check.number("learning rate", lr, { low: 0, what: "a finite number ≥ 0" });
  check.beta("beta1", o.beta1);
  check.beta("beta2", o.beta2);
  check.number("epsilon value", eps, { low: 0, what: "a finite number ≥ 0" });
  check.number("initial_accumulator value", o.s0, { low: 0, what: "a finite number ≥ 0" });
  if (!Array.isArray(o.x0) || o.x0.length !== 2) throw new RangeError(`Invalid x0: ${o.x0} (a point [x1, x2])`);
  o.x0.forEach((c, i) => check.number(`x0[${i}]`, c, { what: "a finite number" }));
  for (const key of ["x1", "x2", "loss", "s1", "s2", "step1", "step2"]) buffer(out, key, steps);
  const s0 = method === "yogi" ? o.s0 : 0.0; // s₀ = 0 (Yogi: initial_accumulator)
  const state = { p: [o.x0[0], o.x0[1]], v: [0, 0], s: [s0, s0], sMax: [0, 0] }; // v₀ = 0
  const beta1ts = powerTable(o.beta1, steps), beta2ts = powerTable(o.beta2, steps), powers = [0, 0], g = [0, 0];
  for (let t = 1; t <= steps; t++) {
    powers[0] = beta1ts[t - 1];
    powers[1] = beta2ts[t - 1];
    const [x1, x2] = state.p;
    out.x1[t - 1] = x1;
    out.x2[t - 1] = x2;
    out.loss[t - 1] = loss(x1, x2);
    update(method, state, gradient(x1, x2, g), t, o, powers);
    out.s1[t - 1] = state.sHat[0];
    out.s2[t - 1] = state.sHat[1];
    out.step1[t - 1] = lr / (Math.sqrt(state.sHat[0]) + eps); // η/(√ŝ + ε)
    out.step2[t - 1] = lr / (Math.sqrt(state.sHat[1]) + eps);
  }
  return out;
}
