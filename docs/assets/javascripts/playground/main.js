// The playground's entry point (loaded as a module by hooks/playground.py on the pages that mark a
// block with data-playground). Without JavaScript that block stays hidden and the page keeps its
// build-time figure; with it, the block shows the widget, and window.playground exposes the runs:
//   await playground.ready;
//   playground.run({problem: "counterexample", method: "yogi", C: 2.3, steps: 3000, lr: 0.5, eps: 1e-8})
//   → {xs, avgRegret, s, step} as plain arrays (the same numbers snippets/counterexample.py gives).
import { Playground } from "./widget.js";

const plain = (result) => Object.fromEntries(Object.entries(result).map(([key, value]) =>
  [key, ArrayBuffer.isView(value) ? Array.from(value) : plain(value)]));

async function loadStream() {
  const response = await fetch(new URL("spikes.json", import.meta.url));
  if (!response.ok) throw new Error(`spikes.json: HTTP ${response.status}`);
  return response.json();
}

const root = document.querySelector("[data-playground]");
if (root) {
  const widget = new Playground(root, loadStream());
  window.playground = {
    ready: widget.start(),
    run: (options) => plain(widget.run(options)),
    apply: (options) => { widget.apply(options); },
    redraw: () => { widget.redraw(); }, // for timing: recompute and draw, return nothing
    drawn: () => plain(widget.redraw()), // the arrays the charts show now
    options: () => widget.options(),
  };
}
