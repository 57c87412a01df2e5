// The playground's entry point (loaded by hooks/runs/playground.py on the pages that mark a block
// with data-playground). A classic script, as is what it loads: a page opened from file:// (the
// offline copy) may load no module script. Without JavaScript that block stays hidden and the
// page keeps its build-time figure. With it, nothing more loads until the reader scrolls near the
// block (or a script reads playground.ready): then the widget (bundle.js: the modules beside this
// file, joined by the build with the spike stream) and its stylesheet are added, and the block
// shows the widget. window.playground exposes the runs:
//   await playground.ready;   // mounts the widget now if it is not yet
//   playground.run({problem: "counterexample", method: "yogi", C: 2.3, steps: 3000, lr: 0.5, eps: 1e-8})
//   → {xs, avgRegret, s, step} as plain arrays (the same numbers snippets/counterexample.py gives).
(function () {
  "use strict";
  var NEAR = "800px 0px"; // how close to the viewport the block is when the widget loads
  var HERE = document.currentScript.src; // the addresses below are relative to this script's

  function plain(result) {
    return Object.fromEntries(Object.entries(result).map(function (entry) {
      var value = entry[1];
      return [entry[0], ArrayBuffer.isView(value) ? Array.from(value) : plain(value)];
    }));
  }

  /** An element added to the head, once it has loaded (the page itself never waits for it). */
  function load(tag, attributes) {
    return new Promise(function (resolve, reject) {
      var node = Object.assign(document.createElement(tag), attributes);
      node.onload = resolve;
      node.onerror = function () { reject(new Error((node.href || node.src) + ": not loaded")); };
      document.head.append(node);
    });
  }

  var root = document.querySelector("[data-playground]");
  if (!root) return;
  var notYet = function () { throw new Error("The playground is not loaded yet: await playground.ready first"); };
  var mounting = null;
  var api = {
    get ready() { return mount(); },
    run: notYet, apply: notYet, redraw: notYet, drawn: notYet, options: notYet,
  };
  function mount() {
    if (mounting) return mounting;
    mounting = Promise.all([
      load("script", { src: new URL("bundle.js", HERE).href }),
      load("link", { rel: "stylesheet", href: new URL("../../stylesheets/playground.css", HERE).href }),
    ]).then(function () {
      var loaded = window.adamYogiPlayground;
      var widget = new loaded.Playground(root, loaded.stream);
      return widget.start().then(function () {
        Object.assign(api, {
          run: function (options) { return plain(widget.run(options)); },
          apply: function (options) { widget.apply(options); },
          redraw: function () { widget.redraw(); }, // for timing: recompute and draw, return nothing
          drawn: function () { return plain(widget.redraw()); }, // the arrays the charts show now
          options: function () { return widget.options(); },
        });
      });
    });
    return mounting;
  }
  window.playground = api;
  var anchor = root.previousElementSibling || root.parentElement; // the hidden block has no box
  if (typeof IntersectionObserver !== "function") {
    mount();
  } else {
    var observer = new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) {
        observer.disconnect();
        mount();
      }
    }, { rootMargin: NEAR });
    observer.observe(anchor);
  }
})();
