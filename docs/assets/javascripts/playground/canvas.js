// The playground's charts, drawn on canvas: a redraw repaints pixels and touches no layout, which
// keeps it within a frame (tests/measure_playground.py). A chart is drawn in chart units (BOX or
// PLANE from scales.js) scaled to the canvas's pixels; colors and the font come from the page's
// CSS (playground.css), passed in as `style`, so both color schemes work.
// A series of thousands of points is reduced to the lowest and highest value per column of the
// plot (one column = one chart unit, about a CSS pixel), which draws the same picture with ≤ 2
// points per column.
import { BOX, PLANE, TINY, extent, linearScale, linearTicks, logScale, logTicks } from "./scales.js";

const DASH = { amsgrad: [5, 3] }; // AMSGrad dashed, as in the legend

/** The style a chart draws with, read from the CSS custom properties on `root`. */
export function readStyle(root) {
  const css = getComputedStyle(root);
  const get = (name) => css.getPropertyValue(name).trim();
  return {
    fg: css.color, font: css.fontFamily, grid: get("--pg-grid"), contour: get("--pg-contour"),
    line: { adam: get("--pg-adam"), amsgrad: get("--pg-amsgrad"), yogi: get("--pg-yogi"), g: get("--pg-g") },
  };
}

/** Trace values[i] at x = X(first + i) into the current path: per column, the lowest and highest
 * value in the order they occur. (The hot loop of a redraw: the scales' arithmetic is inline.) */
export function traceLine(ctx, values, X, Y, first = 1) {
  let column = NaN, lo = 0, hi = 0, loX = 0, hiX = 0, loI = 0, hiI = 0, started = false;
  const to = (x, y) => {
    if (started) ctx.lineTo(x, y);
    else { ctx.moveTo(x, y); started = true; }
  };
  const emit = () => {
    if (loI <= hiI) { to(loX, lo); if (loI < hiI) to(hiX, hi); }
    else { to(hiX, hi); to(loX, lo); }
  };
  const { a: xa, k: xk, lo: xlo, log: xlog } = X, { a: ya, k: yk, lo: ylo, log: ylog } = Y;
  for (let i = 0; i < values.length; i++) {
    const t = first + i, v = values[i];
    const x = xa + ((xlog ? Math.log10(t) : t) - xlo) * xk;
    const y = ya + ((ylog ? Math.log10(v > TINY ? v : TINY) : v) - ylo) * yk;
    if (!(y === y) || y === Infinity || y === -Infinity) continue;
    const c = Math.round(x);
    if (c !== column) {
      if (column === column) emit();
      column = c; lo = hi = y; loX = hiX = x; loI = hiI = i;
    } else if (y > lo) { lo = y; loX = x; loI = i; } // canvas y grows downward: "lo" is lowest on screen
    else if (y < hi) { hi = y; hiX = x; hiI = i; }
  }
  if (column === column) emit();
}

/** Trace a trajectory, leaving out points closer than `gap` chart units to the last one drawn. */
export function traceTrajectory(ctx, xs, ys, X, Y, gap = 0.75) {
  let px = NaN, py = NaN;
  const last = xs.length - 1;
  for (let i = 0; i <= last; i++) {
    const x = X(xs[i]), y = Y(ys[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) break;
    if (i !== last && Math.abs(x - px) < gap && Math.abs(y - py) < gap) continue;
    if (px === px) ctx.lineTo(x, y);
    else ctx.moveTo(x, y);
    px = x; py = y;
  }
}

/** Segments [x0, y0, x1, y1, …] (in the problem's coordinates) of the level sets f = c for every c
 * in `levels`, by marching squares on an n × n grid over `domain`. */
export function contourSegments(f, domain, levels, n = 64) {
  const [[ax, bx], [ay, by]] = domain;
  const hx = (bx - ax) / n, hy = (by - ay) / n;
  const z = new Float64Array((n + 1) * (n + 1));
  for (let j = 0; j <= n; j++) for (let i = 0; i <= n; i++) z[j * (n + 1) + i] = f(ax + i * hx, ay + j * hy);
  const out = [];
  const corner = [[0, 0], [1, 0], [1, 1], [0, 1]];
  for (const c of levels) {
    for (let j = 0; j < n; j++) {
      for (let i = 0; i < n; i++) {
        const k = j * (n + 1) + i;
        const values = [z[k], z[k + 1], z[k + n + 2], z[k + n + 1]]; // (i,j) (i+1,j) (i+1,j+1) (i,j+1)
        const cut = [];
        for (let e = 0; e < 4; e++) {
          const p = values[e], q = values[(e + 1) % 4];
          if ((p < c) !== (q < c)) {
            const w = (c - p) / (q - p), [pi, pj] = corner[e], [qi, qj] = corner[(e + 1) % 4];
            cut.push(ax + (i + pi + w * (qi - pi)) * hx, ay + (j + pj + w * (qj - pj)) * hy);
          }
        }
        for (let e = 0; e + 3 < cut.length; e += 4) out.push(cut[e], cut[e + 1], cut[e + 2], cut[e + 3]);
      }
    }
  }
  return out;
}

// The tick labels are at least this many CSS pixels high, however narrow the chart is drawn.
export const LABEL_PX = 11;

function axes(ctx, X, Y, xTicks, yTicks, box, xLabel, style, fontSize = LABEL_PX) {
  const { width, height, left, right, top, bottom } = box;
  const x0 = left, x1 = width - right, y0 = height - bottom, y1 = top;
  ctx.lineWidth = 0.8;
  ctx.strokeStyle = style.grid;
  ctx.beginPath();
  for (const t of yTicks) { ctx.moveTo(x0, Y(t.value)); ctx.lineTo(x1, Y(t.value)); }
  for (const t of xTicks) { ctx.moveTo(X(t.value), y0); ctx.lineTo(X(t.value), y1); }
  ctx.stroke();
  ctx.strokeStyle = style.fg;
  ctx.globalAlpha = 0.6;
  ctx.beginPath();
  ctx.moveTo(x0, y1); ctx.lineTo(x0, y0); ctx.lineTo(x1, y0);
  ctx.stroke();
  ctx.globalAlpha = 1;
  ctx.fillStyle = style.fg;
  ctx.font = `${fontSize}px ${style.font}`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "right";
  for (const t of yTicks) ctx.fillText(t.label, x0 - 4, Y(t.value));
  ctx.textBaseline = "top";
  for (const t of xTicks) {
    ctx.textAlign = X(t.value) > x1 - 12 ? "right" : "center"; // the last label stays inside
    ctx.fillText(t.label, X(t.value), y0 + 3);
  }
  if (xLabel) {
    ctx.textAlign = "right";
    ctx.textBaseline = "bottom";
    ctx.fillText(xLabel, x1, height);
  }
}

/** Save the context and clip it to the plot area of `box` (until the matching restore). */
function clipToPlot(ctx, { width, height, left, right, top, bottom }) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width - left - right, height - top - bottom);
  ctx.clip();
}

/** One canvas of the playground. `width` is its CSS width, kept by the caller (a ResizeObserver),
 * so that drawing never has to ask the page for layout. */
export class Chart {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.width = 0;
    this.background = null; // the plane's axes and contour lines, drawn once per size and style
  }

  /** The font size, in units of `box`, of at least LABEL_PX CSS pixels (the chart is drawn at
   * its CSS width: a narrow one shrinks the units). After fit(box): from the canvas's pixels. */
  fontSize(box) {
    const ratio = globalThis.devicePixelRatio || 1;
    // rounded up: the context keeps a font's size to a few digits
    return Math.ceil(100 * LABEL_PX * Math.max(1, (box.width * ratio) / this.canvas.width)) / 100;
  }

  /** Size the canvas for `box` at the screen's pixel density; units → pixels from here on. */
  fit(box) {
    const ratio = globalThis.devicePixelRatio || 1;
    const w = Math.max(1, Math.round((this.width || box.width) * ratio));
    const h = Math.round((w * box.height) / box.width);
    if (this.canvas.width !== w || this.canvas.height !== h) {
      this.canvas.width = w;
      this.canvas.height = h;
      this.background = null;
    }
    this.ctx.setTransform(w / box.width, 0, 0, w / box.width, 0, 0);
    this.ctx.clearRect(0, 0, box.width, box.height);
  }

  /** A line chart of series over t = first..first + n − 1: series = [{values, method}], marks =
   * the heights of dotted horizontal lines. */
  line({ series, yLog = false, xLog = false, yDomain, xLabel = "", marks = [], first = 1 }, style, box = BOX) {
    this.fit(box);
    const ctx = this.ctx;
    const n = first - 1 + Math.max(...series.map((s) => s.values.length));
    const { width, height, left, right, top, bottom } = box;
    const [ylo, yhi] = yDomain || extent(series.map((s) => s.values), yLog);
    const X = (xLog ? logScale : linearScale)(first, n, left, width - right);
    const Y = (yLog ? logScale : linearScale)(ylo, yhi, height - bottom, top);
    const xTicks = (xLog ? logTicks(first, n) : linearTicks(first === 1 ? 0 : first, n))
      .filter((t) => t.value >= (first === 1 && !xLog ? 0 : first) && t.value <= n);
    axes(ctx, X, Y, xTicks, yLog ? logTicks(ylo, yhi) : linearTicks(ylo, yhi), box, xLabel, style, this.fontSize(box));
    clipToPlot(ctx, box);
    ctx.strokeStyle = style.fg;
    ctx.lineWidth = 0.8;
    ctx.setLineDash([2, 3]);
    ctx.beginPath();
    for (const v of marks) { ctx.moveTo(left, Y(v)); ctx.lineTo(width - right, Y(v)); }
    ctx.stroke();
    ctx.lineJoin = "round";
    for (const s of series) {
      ctx.strokeStyle = style.line[s.method];
      ctx.lineWidth = s.method === "g" ? 0.7 : 1.4;
      ctx.setLineDash(DASH[s.method] || []);
      ctx.beginPath();
      traceLine(ctx, s.values, X, Y, first);
      ctx.stroke();
    }
    ctx.restore();
  }

  /** Trajectories {method: {x1, x2}} over contour lines (`contours`: segments in the problem's
   * coordinates), from the start (a dot) to x_T (a dot in the method's color); + marks `goal`. */
  plane({ domain, contours, trajectories, goal }, style, box = PLANE) {
    this.fit(box);
    const ctx = this.ctx;
    const [[ax, bx], [ay, by]] = domain;
    const { width, height, left, right, top, bottom } = box;
    const X = linearScale(ax, bx, left, width - right), Y = linearScale(ay, by, height - bottom, top);
    if (this.background === null || this.background.style !== style) {
      // An ImageBitmap (from an OffscreenCanvas where there is one) is drawn without the copy
      // a canvas element needs each time it is drawn from.
      const { width: w, height: h } = this.canvas;
      const layer = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(w, h)
        : Object.assign(document.createElement("canvas"), { width: w, height: h });
      const lc = layer.getContext("2d");
      lc.setTransform(this.ctx.getTransform());
      axes(lc, X, Y, linearTicks(ax, bx), linearTicks(ay, by), box, "x₁", style, this.fontSize(box));
      lc.strokeStyle = style.contour;
      lc.lineWidth = 0.8;
      lc.lineCap = "round";
      lc.beginPath();
      for (let i = 0; i < contours.length; i += 4) {
        lc.moveTo(X(contours[i]), Y(contours[i + 1]));
        lc.lineTo(X(contours[i + 2]), Y(contours[i + 3]));
      }
      lc.stroke();
      this.background = { layer: layer.transferToImageBitmap ? layer.transferToImageBitmap() : layer, style };
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.background.layer, 0, 0);
    ctx.restore();
    clipToPlot(ctx, box);
    ctx.strokeStyle = style.fg;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(X(goal[0]) - 4, Y(goal[1])); ctx.lineTo(X(goal[0]) + 4, Y(goal[1]));
    ctx.moveTo(X(goal[0]), Y(goal[1]) - 4); ctx.lineTo(X(goal[0]), Y(goal[1]) + 4);
    ctx.stroke();
    ctx.lineJoin = "round";
    const dot = (x, y, r, color) => {
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(X(x), Y(y), r, 0, 2 * Math.PI);
      ctx.fill();
    };
    const entries = Object.entries(trajectories);
    for (const [method, { x1, x2 }] of entries) {
      ctx.strokeStyle = style.line[method];
      ctx.lineWidth = 1.4;
      ctx.setLineDash(DASH[method] || []);
      ctx.beginPath();
      traceTrajectory(ctx, x1, x2, X, Y);
      ctx.stroke();
    }
    ctx.setLineDash([]);
    const [, start] = entries[0];
    dot(start.x1[0], start.x2[0], 3, style.fg);
    for (const [method, { x1, x2 }] of entries) dot(x1[x1.length - 1], x2[x2.length - 1], 2.5, style.line[method]);
    ctx.restore();
  }
}
