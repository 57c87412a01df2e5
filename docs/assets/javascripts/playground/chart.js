// Line charts and a contour plot as SVG markup, for the playground. Colors and fonts come from
// playground.css (classes pg-adam, pg-amsgrad, pg-yogi; currentColor), so both color schemes work.
// A series of thousands of points is reduced to the lowest and highest value per column of the
// plot (one column = half a unit of the viewBox), which draws the same picture with ≤ 2 points
// per column.

export const BOX = { width: 340, height: 180, left: 44, right: 8, top: 8, bottom: 26 };
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
const TINY = 1e-300; // log axes: zeros sit at the bottom edge

function linearScale(lo, hi, a, b) {
  const k = (b - a) / (hi - lo || 1);
  return (v) => a + (v - lo) * k;
}

function logScale(lo, hi, a, b) {
  const l = Math.log10(lo), k = (b - a) / (Math.log10(hi) - l || 1);
  return (v) => a + (Math.log10(Math.max(v, TINY)) - l) * k;
}

function pow10Label(e) {
  if (e === 0) return "1";
  if (e === 1) return "10";
  return "10" + String(e).split("").map((c) => SUPERSCRIPT[c]).join("");
}

function trim(v) {
  const s = Math.abs(v) < 1e-12 ? "0" : String(Number(v.toPrecision(6)));
  return s.replace("-", "−");
}

/** Ticks at 1, 2 or 5 × 10^k, about `n` of them, inside [lo, hi]. */
export function linearTicks(lo, hi, n = 4) {
  const raw = (hi - lo) / n, mag = 10 ** Math.floor(Math.log10(raw || 1));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) || mag;
  const ticks = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks.map((v) => ({ value: v, label: trim(v) }));
}

/** Ticks at powers of ten (every few decades when the range is wide; 2 and 5 too when narrow),
 * labelled as decimals when every tick lies in [0.001, 10⁴], else as powers of ten. */
export function logTicks(lo, hi) {
  const a = Math.floor(Math.log10(lo)), b = Math.ceil(Math.log10(hi));
  const every = Math.max(1, Math.ceil((b - a) / 5));
  let ticks = [];
  for (let e = a; e <= b; e++) {
    if ((e - a) % every === 0 && 10 ** e >= lo * 0.999 && 10 ** e <= hi * 1.001) ticks.push({ e, m: 1 });
  }
  if (ticks.length < 2) {
    ticks = [];
    for (let e = a; e <= b; e++) {
      for (const m of [1, 2, 5]) if (m * 10 ** e >= lo && m * 10 ** e <= hi) ticks.push({ e, m });
    }
  }
  const values = ticks.map(({ e, m }) => Number(`${m}e${e}`));
  const plain = values.every((v) => v >= 1e-3 && v <= 1e4);
  return ticks.map(({ e, m }, i) => ({
    value: values[i],
    label: plain ? trim(values[i]) : (m === 1 ? "" : `${m}×`) + pow10Label(e),
  }));
}

/** The domain that holds every finite value of every series (positive ones for a log axis). */
export function extent(arrays, log) {
  let lo = Infinity, hi = -Infinity;
  for (const values of arrays) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v) || (log && v <= 0)) continue;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (lo > hi) return log ? [1e-3, 1] : [0, 1];
  if (log) {
    if (hi / lo < 1.5) return [lo / 1.25, hi * 1.25];
    return [lo / 1.15, hi * 1.15];
  }
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
  return [lo - pad, hi + pad];
}

/** Path data for values[i] at x = X(first + i): per column of the plot, the lowest and highest value
 * in the order they occur. */
export function linePath(values, X, Y, first = 1) {
  let d = "", column = NaN, lo = 0, hi = 0, loX = 0, hiX = 0, loI = 0, hiI = 0;
  const emit = () => {
    const [first, second] = loI <= hiI ? [[loX, lo], [hiX, hi]] : [[hiX, hi], [loX, lo]];
    d += (d ? "L" : "M") + first[0].toFixed(1) + " " + first[1].toFixed(1);
    if (loI !== hiI) d += "L" + second[0].toFixed(1) + " " + second[1].toFixed(1);
  };
  for (let i = 0; i < values.length; i++) {
    const x = X(first + i), y = Y(values[i]);
    if (!Number.isFinite(y)) continue;
    const c = Math.round(x * 2);
    if (c !== column) {
      if (column === column) emit();
      column = c; lo = hi = y; loX = hiX = x; loI = hiI = i;
    } else if (y > lo) { lo = y; loX = x; loI = i; } // SVG y grows downward: "lo" is the lowest on screen
    else if (y < hi) { hi = y; hiX = x; hiI = i; }
  }
  if (column === column) emit();
  return d;
}

function axes(X, Y, xTicks, yTicks, box, xLabel) {
  const { width, height, left, right, top, bottom } = box;
  const x0 = left, x1 = width - right, y0 = height - bottom, y1 = top;
  let m = `<g class="pg-grid">`;
  for (const t of yTicks) m += `<line x1="${x0}" x2="${x1}" y1="${Y(t.value).toFixed(1)}" y2="${Y(t.value).toFixed(1)}"/>`;
  for (const t of xTicks) m += `<line y1="${y0}" y2="${y1}" x1="${X(t.value).toFixed(1)}" x2="${X(t.value).toFixed(1)}"/>`;
  m += `</g><g class="pg-axis"><path d="M${x0} ${y1}V${y0}H${x1}"/>`;
  for (const t of yTicks) m += `<text x="${x0 - 4}" y="${(Y(t.value) + 3.5).toFixed(1)}" text-anchor="end">${t.label}</text>`;
  for (const t of xTicks) m += `<text x="${X(t.value).toFixed(1)}" y="${y0 + 12}" text-anchor="middle">${t.label}</text>`;
  if (xLabel) m += `<text x="${x1}" y="${height - 2}" text-anchor="end">${xLabel}</text>`;
  return m + "</g>";
}

/** A chart of series over t = first..first + n − 1: `series` = [{values, method}], `marks` =
 * horizontal lines. */
export function lineChart({ series, yLog = false, xLog = false, yDomain, xLabel = "", marks = [], first = 1 }, box = BOX) {
  const n = first - 1 + Math.max(...series.map((s) => s.values.length));
  const { width, height, left, right, top, bottom } = box;
  const [ylo, yhi] = yDomain || extent(series.map((s) => s.values), yLog);
  const X = (xLog ? logScale : linearScale)(first, n, left, width - right);
  const Y = (yLog ? logScale : linearScale)(ylo, yhi, height - bottom, top);
  const xTicks = xLog ? logTicks(first, n) : linearTicks(first === 1 ? 0 : first, n);
  const yTicks = yLog ? logTicks(ylo, yhi) : linearTicks(ylo, yhi);
  let m = axes(X, Y, xTicks.filter((t) => t.value >= (first === 1 && !xLog ? 0 : first) && t.value <= n), yTicks, box, xLabel);
  for (const v of marks) m += `<line class="pg-mark" x1="${left}" x2="${width - right}" y1="${Y(v).toFixed(1)}" y2="${Y(v).toFixed(1)}"/>`;
  for (const s of series) m += `<path class="pg-line pg-${s.method}" d="${linePath(s.values, X, Y, first)}"/>`;
  return m;
}

// --- contours (marching squares), drawn once per problem -------------------------------------

/** Path data of the level sets f = c for every c in `levels`, on an n × n grid over `domain`. */
export function contourPath(f, domain, levels, X, Y, n = 64) {
  const [[ax, bx], [ay, by]] = domain;
  const hx = (bx - ax) / n, hy = (by - ay) / n;
  const z = new Float64Array((n + 1) * (n + 1));
  for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) z[j * (n + 1) + i] = f(ax + i * hx, ay + j * hy);
  let d = "";
  const point = (x, y) => X(x).toFixed(1) + " " + Y(y).toFixed(1);
  for (const c of levels) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const k = j * (n + 1) + i;
        const corners = [z[k], z[k + 1], z[k + n + 2], z[k + n + 1]]; // (i,j) (i+1,j) (i+1,j+1) (i,j+1)
        const xy = [[i, j], [i + 1, j], [i + 1, j + 1], [i, j + 1]];
        const cut = [];
        for (let e = 0; e < 4; e++) {
          const p = corners[e], q = corners[(e + 1) % 4];
          if ((p < c) !== (q < c)) {
            const w = (c - p) / (q - p), [pi, pj] = xy[e], [qi, qj] = xy[(e + 1) % 4];
            cut.push([ax + (pi + w * (qi - pi)) * hx, ay + (pj + w * (qj - pj)) * hy]);
          }
        }
        for (let e = 0; e + 1 < cut.length; e += 2) d += "M" + point(...cut[e]) + "L" + point(...cut[e + 1]);
      }
    }
  }
  return d;
}

/** Path data of a trajectory, leaving out points closer than `gap` viewBox units to the last one. */
export function trajectoryPath(xs, ys, X, Y, gap = 0.75) {
  let d = "", px = NaN, py = NaN;
  const last = xs.length - 1;
  for (let i = 0; i <= last; i++) {
    const x = X(xs[i]), y = Y(ys[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) break;
    if (i !== last && Math.abs(x - px) < gap && Math.abs(y - py) < gap) continue;
    d += (d ? "L" : "M") + x.toFixed(1) + " " + y.toFixed(1);
    px = x; py = y;
  }
  return d;
}

export function planeAxes(domain, box) {
  const [[ax, bx], [ay, by]] = domain;
  const X = linearScale(ax, bx, box.left, box.width - box.right);
  const Y = linearScale(ay, by, box.height - box.bottom, box.top);
  return { X, Y, markup: axes(X, Y, linearTicks(ax, bx), linearTicks(ay, by), box, "x₁") };
}
