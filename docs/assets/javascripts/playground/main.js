// The playground's entry point (loaded as a module by hooks/playground.py on the pages that mark a
// block with data-playground). Without JavaScript that block stays hidden and the page keeps its
// build-time figure. With it, nothing more loads until the reader scrolls near the block (or a
// script reads playground.ready): then the widget's modules, its stylesheet and the spike stream
// are fetched, and the block shows the widget. window.playground exposes the runs:
//   await playground.ready;   // mounts the widget now if it is not yet
//   playground.run({problem: "counterexample", method: "yogi", C: 2.3, steps: 3000, lr: 0.5, eps: 1e-8})
//   → {xs, avgRegret, s, step} as plain arrays (the same numbers snippets/counterexample.py gives).

const NEAR = "800px 0px"; // how close to the viewport the block is when the widget loads

const plain = (result) => Object.fromEntries(Object.entries(result).map(([key, value]) =>
  [key, ArrayBuffer.isView(value) ? Array.from(value) : plain(value)]));

/** The widget's stylesheet, added when the widget loads (the page itself never waits for it). */
function loadStylesheet() {
  return new Promise((resolve, reject) => {
    const link = Object.assign(document.createElement("link"), {
      rel: "stylesheet", href: new URL("../../stylesheets/playground.css", import.meta.url).href,
    });
    link.onload = resolve;
    link.onerror = () => reject(new Error(`${link.href}: not loaded`));
    document.head.append(link);
  });
}

async function loadStream() {
  const response = await fetch(new URL("spikes.json", import.meta.url));
  if (!response.ok) throw new Error(`spikes.json: HTTP ${response.status}`);
  return response.json();
}

const root = document.querySelector("[data-playground]");
if (root) {
  const notYet = () => { throw new Error("The playground is not loaded yet: await playground.ready first"); };
  let mounting = null;
  const api = {
    get ready() { return mount(); },
    run: notYet, apply: notYet, redraw: notYet, drawn: notYet, options: notYet,
  };
  const mount = () => mounting || (mounting = (async () => {
    const [{ Playground }, stream] = await Promise.all([import("./widget.js"), loadStream(), loadStylesheet()]);
    const widget = new Playground(root, stream);
    await widget.start();
    Object.assign(api, {
      run: (options) => plain(widget.run(options)),
      apply: (options) => { widget.apply(options); },
      redraw: () => { widget.redraw(); }, // for timing: recompute and draw, return nothing
      drawn: () => plain(widget.redraw()), // the arrays the charts show now
      options: () => widget.options(),
    });
  })());
  window.playground = api;
  const anchor = root.previousElementSibling || root.parentElement; // the hidden block has no box
  if (typeof IntersectionObserver !== "function") {
    mount();
  } else {
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        observer.disconnect();
        mount();
      }
    }, { rootMargin: NEAR });
    observer.observe(anchor);
  }
}
