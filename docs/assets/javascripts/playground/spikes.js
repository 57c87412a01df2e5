// The spiky gradient stream of the Yogi chapter and the second moments over it, line for line as
// `spiky_gradients` and `second_moments` in snippets/moments.py. The stream itself is the one the
// build drew with torch (spikes.json, written by hooks/playground.py): the page's figure, exactly.
import { buffer } from "./buffers.js";
import * as check from "./check.js";

export const DEFAULTS = { spike: 20.0, beta2: 0.99, s0: 1.0, lr: 1e-3, eps: 1e-8 };

const sign = (x) => (x > 0) - (x < 0); // sign(0) = 0

/** The stream with spikes of size `spike`: g_t of the build, |g_t| = spike at the spike indices
 * (keeping the noise's sign, as spiky_gradients does). */
export function gradients(stream, spike, out) {
  const g = buffer(out, "g", stream.g.length);
  g.set(stream.g);
  for (const i of stream.spikes) g[i] = g[i] >= 0 ? spike : -spike; // a rare, large gradient
  return g;
}

/** One method's s_t and effective step η/(√s_t + ε) over the stream, t = 1..T (no bias correction:
 * s starts at s0, as in the chapter's experiment); AMSGrad's s is the running maximum of Adam's.
 * The arrays of `out` are refilled when it has them. */
export function spikes(method, stream, given = {}, out = {}) {
  check.method(method);
  const { spike, beta2, s0, lr, eps } = check.options("spikes", given, DEFAULTS);
  check.number("spike", spike, { low: 0, lowOpen: true, what: "a finite number > 0" });
  check.beta("beta2", beta2);
  check.number("s0", s0, { low: 0, what: "a finite number ≥ 0" });
  check.number("learning rate", lr, { low: 0, lowOpen: true, what: "a finite number > 0" });
  check.number("epsilon value", eps, { low: 0, what: "a finite number ≥ 0" });
  const g = gradients(stream, spike, out);
  const s = buffer(out, "s", g.length), step = buffer(out, "step", g.length);
  let a = s0, y = s0, m = s0;
  for (let t = 0; t < g.length; t++) {
    const g2 = g[t] * g[t];
    if (method === "yogi") {
      y = y + (1 - beta2) * sign(g2 - y) * g2; // Yogi: s_t = s_{t−1} + (1−β2)·sign(g_t² − s_{t−1})·g_t²
      s[t] = y;
    } else {
      a = beta2 * a + (1 - beta2) * g2; // Adam: s_t = β2·s_{t−1} + (1−β2)·g_t²
      m = Math.max(m, a); // AMSGrad: s_t^max = max(s_{t−1}^max, s_t)
      s[t] = method === "amsgrad" ? m : a;
    }
    step[t] = lr / (Math.sqrt(s[t]) + eps); // the effective step η/(√s_t + ε)
  }
  return { g, s, step };
}
