// The playground on a page: controls, presets and charts in the block the page marks with
// data-playground, drawn from run.js. No framework: the DOM is built once, and every redraw
// recomputes the three runs and repaints the charts' canvases.
import { Chart, contourSegments, readStyle } from "./canvas.js";
import { METHODS } from "./check.js";
import { loss as rosenbrockLoss } from "./rosenbrock.js";
import { PROBLEMS, run } from "./run.js";
import { CONTROLS, PAGE_FIGURE, PRESETS, indexOf } from "./settings.js";
import { NAMES, text } from "./text.js";

import { BOX, PLANE } from "./scales.js";

const PLANE_DOMAIN = [[-2, 2], [-1, 3]];
const SUMMARY_DELAY = 250; // ms
const LAST = 30; // steps of the counterexample's s_t and step charts
const LEVELS = [0.1, 0.3, 1, 3, 10, 30, 100, 300, 1000, 3000];

function element(tag, attributes = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (key === "text") node.textContent = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

const format = (v) => {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const s = a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : String(Number(v.toPrecision(3)));
  return s.replace("-", "−").replace("e−", "e-");
};
const signed = (v) => (v >= 0 ? "+" : "−") + Math.abs(v).toFixed(3);

export class Playground {
  constructor(root, stream) {
    this.root = root;
    this.stream = stream; // a promise of the spike data
    this.data = null;
    this.t = text(document.documentElement.lang);
    const page = root.dataset.playground;
    if (!(page in PAGE_FIGURE)) throw new RangeError(`Invalid data-playground: ${JSON.stringify(page)} (expected one of ${Object.keys(PAGE_FIGURE).join(", ")})`);
    this.pagePreset = PAGE_FIGURE[page];
    this.params = {};
    for (const [name, preset] of Object.entries(PRESETS)) {
      if (!(preset.problem in this.params)) this.params[preset.problem] = { ...preset };
    }
    this.coordinate = 0;
    this.preset = null;
    this.pending = 0;
    this.contour = null; // the contour lines, computed once
    this.buffers = new Map(); // the runs' arrays, refilled by every redraw
    this.build();
    this.style = readStyle(this.root);
    // The colors follow the color scheme (Material sets data-md-color-scheme on <body>).
    new MutationObserver(() => { this.style = readStyle(this.root); this.schedule(); })
      .observe(document.body, { attributes: true, attributeFilter: ["data-md-color-scheme"] });
    // Each canvas learns its CSS width here, so that drawing never asks for layout.
    this.resize = new ResizeObserver((entries) => {
      for (const entry of entries) {
        const slot = this.charts.find((c) => c.canvas === entry.target);
        if (slot && Math.abs(slot.chart.width - entry.contentRect.width) > 0.5) {
          slot.chart.width = entry.contentRect.width;
          this.schedule();
        }
      }
    });
    for (const slot of this.charts) this.resize.observe(slot.canvas);
  }

  async start() {
    this.data = await this.stream;
    this.root.hidden = false; // before the first drawing, so that the canvases have their widths
    this.apply(PRESETS[this.pagePreset]);
    this.preset = this.pagePreset;
    this.showPreset();
  }

  // --- the DOM -------------------------------------------------------------------------------

  build() {
    const t = this.t;
    this.select = element("select", { id: "pg-problem" },
      PROBLEMS.map((p) => element("option", { value: p, text: t.problems[p] })));
    this.select.addEventListener("change", () => this.apply({ problem: this.select.value }));
    this.presetButtons = Object.keys(PRESETS).map((name) => {
      const label = name === this.pagePreset ? t.figureAbove(t.preset[name]) : t.preset[name];
      const button = element("button", { type: "button", class: "md-button", "data-preset": name, "aria-pressed": "false", text: label });
      button.addEventListener("click", () => { this.apply(PRESETS[name]); this.preset = name; this.showPreset(); });
      return button;
    });
    this.sliders = element("div", { class: "pg-sliders" });
    this.coordinateSelect = element("select", { id: "pg-coordinate" },
      ["x₁", "x₂"].map((name, i) => element("option", { value: String(i), text: name })));
    this.coordinateSelect.addEventListener("change", () => { this.coordinate = Number(this.coordinateSelect.value); this.schedule(); });
    this.coordinateRow = element("div", { class: "pg-row" }, [
      element("label", { for: "pg-coordinate", text: t.control.coordinate }), this.coordinateSelect]);
    this.note = element("p", { class: "pg-note" });
    this.legend = element("ul", { class: "pg-legend" }, METHODS.map((m) =>
      element("li", { class: `pg-${m}` }, [element("span", { class: "pg-swatch", "aria-hidden": "true" }), NAMES[m]])));
    this.charts = [0, 1, 2, 3].map(() => {
      const caption = element("figcaption");
      const canvas = element("canvas", { role: "img" });
      const figure = element("figure", { class: "pg-chart" }, [caption, canvas]);
      return { figure, caption, canvas, chart: new Chart(canvas) };
    });
    this.summary = element("p", { class: "pg-summary", "aria-live": "polite" });
    const presets = element("div", { class: "pg-presets", role: "group", "aria-labelledby": "pg-presets-label" },
      [element("span", { id: "pg-presets-label", class: "pg-heading", text: t.presets }), ...this.presetButtons]);
    this.root.append(element("div", { class: "pg-widget", role: "region", "aria-label": t.widget }, [
      element("div", { class: "pg-row" }, [element("label", { for: "pg-problem", text: t.problem }), this.select]),
      presets, this.sliders, this.coordinateRow, this.note, this.legend,
      element("div", { class: "pg-charts" }, this.charts.map((c) => c.figure)), this.summary,
    ]));
  }

  buildSliders(problem) {
    const t = this.t;
    this.sliders.replaceChildren();
    this.inputs = {};
    for (const control of CONTROLS[problem]) {
      const id = `pg-${control.key}`;
      const input = element("input", { type: "range", id, min: "0", max: String(control.values.length - 1), step: "1" });
      const output = element("output", { for: id });
      input.addEventListener("input", () => {
        this.params[this.problem][control.key] = control.values[Number(input.value)];
        this.preset = null;
        this.showPreset();
        this.showValue(control.key);
        this.schedule();
      });
      this.inputs[control.key] = { input, output, control };
      this.sliders.append(element("div", { class: "pg-slider" }, [
        element("label", { for: id, text: t.control[control.label] }), input, output]));
    }
  }

  showValue(key) {
    const { input, output, control } = this.inputs[key];
    const value = this.params[this.problem][key];
    const index = String(indexOf(control.values, value)), shown = format(value);
    if (input.value !== index) input.value = index;
    if (output.textContent !== shown) {
      output.textContent = shown;
      input.setAttribute("aria-valuetext", shown);
    }
  }

  showPreset() {
    for (const b of this.presetButtons) {
      const pressed = String(b.dataset.preset === this.preset);
      if (b.getAttribute("aria-pressed") !== pressed) b.setAttribute("aria-pressed", pressed);
    }
  }

  /** Switch to `options.problem` (default: the current one) and set the options it names. */
  apply(options) {
    const { problem = this.problem, ...rest } = options;
    if (!PROBLEMS.includes(problem)) throw new RangeError(`Invalid problem: ${JSON.stringify(problem)} (expected one of ${PROBLEMS.join(", ")})`);
    const known = CONTROLS[problem].map((c) => c.key);
    for (const key of Object.keys(rest)) {
      if (!known.includes(key)) throw new RangeError(`Unknown option for ${problem}: '${key}' (known: ${known.join(", ")})`);
    }
    const changed = problem !== this.problem;
    Object.assign(this.params[problem], rest);
    this.preset = null;
    this.showPreset();
    if (changed) {
      this.problem = problem;
      this.select.value = problem;
      this.buildSliders(problem);
      this.coordinateRow.hidden = problem !== "rosenbrock";
      this.note.textContent = this.t.note[problem];
    }
    for (const key of known) this.showValue(key);
    this.redraw();
  }

  schedule() {
    if (!this.pending) this.pending = requestAnimationFrame(() => { this.pending = 0; this.redraw(); });
  }

  // --- drawing ------------------------------------------------------------------------------

  options() {
    return { problem: this.problem, ...this.params[this.problem] };
  }

  run(options) {
    return run(options, this.data); // fresh arrays, for window.playground.run
  }

  /** Recompute the three runs and draw them; returns the runs. */
  redraw() {
    const { problem, ...options } = this.options();
    const runs = run({ problem, ...options }, this.data, this.buffers); // refills the last redraw's arrays
    const c = this.t.chart;
    const xLabel = c.step;
    const series = (key) => METHODS.map((m) => ({ method: m, values: runs[m][key] }));
    let charts; // [caption, draw(chart)], one per canvas
    const line = (spec) => (chart) => chart.line(spec, this.style);
    if (problem === "spikes") {
      charts = [
        [c.g, line({ series: [{ method: "g", values: runs.adam.g }], xLabel })],
        [c.s, line({ series: series("s"), yLog: true, xLabel })],
        [c.stepSpikes, line({ series: series("step"), yLog: true, xLabel })],
      ];
    } else if (problem === "counterexample") {
      // s_t and the step repeat with period 3: the last 30 steps show one method's pattern clearly.
      const n = runs.adam.s.length, k = Math.min(LAST, n), first = n - k + 1;
      const last = (key) => METHODS.map((m) => ({ method: m, values: runs[m][key].subarray(n - k) }));
      charts = [
        [c.x, line({ series: series("xs"), yDomain: [-1.1, 1.1], marks: [-1], xLabel })],
        [c.regret, line({ series: series("avgRegret"), xLog: true, marks: [0], xLabel })],
        [c.sLast, line({ series: last("s"), yLog: true, xLabel, first })],
        [c.stepCounter, line({ series: last("step"), yLog: true, xLabel, first })],
      ];
    } else {
      const k = this.coordinate + 1;
      if (this.contour === null) this.contour = contourSegments(rosenbrockLoss, PLANE_DOMAIN, LEVELS);
      const trajectories = Object.fromEntries(METHODS.map((m) => [m, runs[m]]));
      charts = [
        [c.path, (chart) => chart.plane({ domain: PLANE_DOMAIN, contours: this.contour, trajectories, goal: [1, 1] }, this.style), PLANE],
        [c.loss, line({ series: series("loss"), yLog: true, xLabel })],
        [c.sHat, line({ series: series(`s${k}`), yLog: true, xLabel })],
        [c.stepRosen, line({ series: series(`step${k}`), yLog: true, xLabel })],
      ];
    }
    this.charts.forEach((slot, i) => {
      const shown = i < charts.length;
      if (slot.figure.hidden === shown) slot.figure.hidden = !shown;
      if (!shown) return;
      const [caption, draw, box = BOX] = charts[i];
      if (slot.caption.textContent !== caption) { // unchanged text and attributes are left alone
        slot.caption.textContent = caption;
        slot.canvas.setAttribute("aria-label", caption);
        slot.canvas.style.aspectRatio = `${box.width} / ${box.height}`;
      }
      if (!slot.chart.width) slot.chart.width = slot.canvas.getBoundingClientRect().width; // once shown
      draw(slot.chart);
    });
    // The final values, in words (a live region): written once the reader pauses, not on every
    // frame of a drag, so that a screen reader announces the result rather than each step.
    const summary = METHODS.map((m) => this.t.summary[problem](NAMES[m], this.finals(problem, runs[m]))).join(this.t.join);
    clearTimeout(this.summaryTimer);
    this.summaryTimer = setTimeout(() => { this.summary.textContent = summary; }, SUMMARY_DELAY);
    return runs;
  }

  finals(problem, r) {
    const last = (a) => a[a.length - 1];
    if (problem === "spikes") return { s: format(last(r.s)), step: format(last(r.step)) };
    if (problem === "counterexample") return { x: signed(last(r.xs)), regret: format(last(r.avgRegret)) };
    return { x1: format(last(r.x1)), x2: format(last(r.x2)), loss: format(last(r.loss)) };
  }
}
