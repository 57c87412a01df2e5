// One entry point for every run the playground draws: run({problem, method, ...}) →
// the arrays of one method, or {adam, amsgrad, yogi} when no method is given.
import * as check from "./check.js";
import { counterexample } from "./counterexample.js";
import { rosenbrock } from "./rosenbrock.js";
import { spikes } from "./spikes.js";

export const PROBLEMS = ["spikes", "counterexample", "rosenbrock"];

/** `stream` is the spike data ({g, spikes}); only the spikes problem needs it. `buffers`, when
 * given, keeps each method's output arrays for the next run of the same problem and length to
 * refill (the results then live only until that run). */
export function run(options, stream, buffers) {
  if (options === null || typeof options !== "object") throw new TypeError(`Invalid options: ${options} (an object)`);
  const { problem, method, ...rest } = options;
  if (!PROBLEMS.includes(problem)) {
    throw new RangeError(`Invalid problem: ${JSON.stringify(problem)} (expected one of ${PROBLEMS.join(", ")})`);
  }
  if (problem === "spikes" && !stream) throw new Error("The spike stream is not loaded yet (await playground.ready)");
  const one = (m) => {
    let out;
    if (buffers) {
      const key = `${problem} ${m}`;
      if (!buffers.has(key)) buffers.set(key, {});
      out = buffers.get(key);
    }
    if (problem === "spikes") return spikes(m, stream, rest, out);
    if (problem === "counterexample") return counterexample(m, rest, out);
    return rosenbrock(m, rest, out);
  };
  if (method !== undefined) return one(check.method(method));
  return Object.fromEntries(check.METHODS.map((m) => [m, one(m)]));
}
