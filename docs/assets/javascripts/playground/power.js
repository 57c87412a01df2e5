// β^t for an integer t ≥ 0, rounded once from a double-double (about 106-bit) product: the correctly
// rounded value (for results above about 1e-290; below, 1 − β^t is 1 anyway), which is what
// Python's `beta**t` (C's pow) gives in the bias corrections of snippets.optim in all but
// rare cases. Math.pow is one unit in the last place away far more often, and on a problem like
// Rosenbrock's such a difference can grow along the run until the trajectories visibly part.

const SPLIT = 134217729; // 2^27 + 1 (Dekker's splitting constant)

function twoProduct(a, b) {
  const p = a * b;
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return [p, ((ah * bh - p) + ah * bl + al * bh) + al * bl]; // a·b = p + e exactly
}

function multiply([ah, al], [bh, bl]) {
  const [p, e] = twoProduct(ah, bh);
  const lo = e + (ah * bl + al * bh);
  const hi = p + lo;
  return [hi, lo - (hi - p)];
}

export function power(beta, t) {
  let result = [1, 0], base = [beta, 0];
  for (let n = t; n > 0; n = Math.floor(n / 2)) {
    if (n % 2 === 1) result = multiply(result, base);
    base = multiply(base, base);
  }
  return result[0] + result[1];
}

const TABLES = new Map(); // β → [β¹, β², …], grown as longer runs ask for more

/** β^t from a table kept per β, so that a run asks `power` once per step and β, not per coordinate
 * and method. */
export function powerTable(beta, steps) {
  let table = TABLES.get(beta);
  if (!table || table.length < steps) {
    const longer = new Float64Array(Math.max(steps, 2 * (table ? table.length : 0)));
    if (table) longer.set(table);
    for (let t = table ? table.length + 1 : 1; t <= longer.length; t++) longer[t - 1] = power(beta, t);
    if (TABLES.size > 32) TABLES.clear(); // a slider visits a few dozen values at most
    TABLES.set(beta, table = longer);
  }
  return table;
}
