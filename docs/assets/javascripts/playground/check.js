// Argument checks for the playground's runs: a bad value is an error that names it, in the
// words of the Python code the run mirrors (snippets/counterexample.py, snippets/optim.py).

export const METHODS = ["adam", "amsgrad", "yogi"];

const show = (value) => (typeof value === "string" ? `'${value}'` : String(value));

export function method(value) {
  if (!METHODS.includes(value)) {
    throw new RangeError(`Invalid method: ${show(value)} (expected one of ${METHODS.join(", ")})`);
  }
  return value;
}

export function number(name, value, { low = -Infinity, high = Infinity, lowOpen = false, highOpen = false, what }) {
  const ok = typeof value === "number" && Number.isFinite(value)
    && (lowOpen ? value > low : value >= low) && (highOpen ? value < high : value <= high);
  if (!ok) throw new RangeError(`Invalid ${name}: ${show(value)} (${what})`);
  return value;
}

export function count(name, value, minimum = 1) {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`Invalid ${name}: ${show(value)} (an integer ≥ ${minimum})`);
  }
  return value;
}

export const beta = (name, value) => number(name, value, { low: 0, high: 1, highOpen: true, what: "a number in [0, 1)" });

/** The options with every key known to this run; an option it cannot honour is an error. */
export function options(problem, given, defaults) {
  if (given === null || typeof given !== "object") throw new TypeError(`Invalid options: ${show(given)} (an object)`);
  for (const key of Object.keys(given)) {
    if (!(key in defaults) && key !== "problem" && key !== "method") {
      throw new RangeError(`Unknown option for ${problem}: ${show(key)} (known: ${Object.keys(defaults).join(", ")})`);
    }
  }
  return { ...defaults, ...given };
}
