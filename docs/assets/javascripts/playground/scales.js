// Scales, ticks and domains of the playground's charts, in chart units (a chart is BOX.width units
// wide, about as many CSS pixels). Pure functions: canvas.js draws with them.

export const BOX = { width: 340, height: 180, left: 44, right: 8, top: 8, bottom: 26 };
export const PLANE = { width: 340, height: 322, left: 44, right: 8, top: 8, bottom: 26 }; // a square plot
const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
export const TINY = 1e-300; // log axes: zeros sit at the bottom edge

// A scale maps a value to chart units; its fields let canvas.js do the same arithmetic inline.
export function linearScale(lo, hi, a, b) {
  const k = (b - a) / (hi - lo || 1);
  return Object.assign((v) => a + (v - lo) * k, { a, k, lo, log: false });
}

export function logScale(lo, hi, a, b) {
  const l = Math.log10(lo), k = (b - a) / (Math.log10(hi) - l || 1);
  return Object.assign((v) => a + (Math.log10(Math.max(v, TINY)) - l) * k, { a, k, lo: l, log: true });
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
  // Snapped outward to a grid (tenths of a decade; halves of a tick step), so that the axes stay
  // put while a slider moves the data a little and only the lines have to be redrawn.
  if (log) {
    const a = Math.floor(Math.log10(lo / 1.05) * 10) / 10, b = Math.ceil(Math.log10(hi * 1.05) * 10) / 10;
    return [10 ** a, 10 ** b];
  }
  const pad = (hi - lo) * 0.05 || Math.abs(hi) * 0.1 || 1;
  const raw = (hi - lo + 2 * pad) / 4, mag = 10 ** Math.floor(Math.log10(raw));
  const grid = ([1, 2, 5, 10].map((m) => m * mag).find((g) => g >= raw) || mag) / 2;
  return [Math.floor((lo - pad) / grid) * grid, Math.ceil((hi + pad) / grid) * grid];
}

