// Every box that scrolls sideways can be scrolled with the keyboard: it takes the focus
// (tabindex="0") while its content overflows. Material does this for its code blocks only on
// devices with a mouse and takes it back elsewhere; notebook cells, their outputs and the
// tables Material wraps get nothing. Wide display formulas are made focusable by the build
// already (hooks/mathjax_typeset.mjs); this covers the rest, and any formula wider on this
// reader's fonts than the build expected.
(function () {
  var SCROLLERS = [
    ".md-typeset pre > code",
    ".md-typeset__scrollwrap",
    ".md-typeset mjx-container[display]",
    ".jupyter-wrapper .highlight-ipynb",
    ".jupyter-wrapper .jp-OutputArea-output",
    ".jupyter-wrapper .jp-OutputArea-output pre",
  ].join(",");

  function update(el) {
    var style = getComputedStyle(el);
    var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
    if (/auto|scroll/.test(style.overflowX + style.overflowY) && overflows && el.getAttribute("tabindex") !== "0") {
      el.setAttribute("tabindex", "0");
    }
  }

  var watched = new WeakSet();
  var resized = new ResizeObserver(function (entries) {
    entries.forEach(function (entry) { update(entry.target); });
  });
  // Material removes the tabindex of a code block on touch screens; it comes back.
  var changed = new MutationObserver(function (records) {
    records.forEach(function (record) { update(record.target); });
  });
  function scan() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      if (watched.has(el)) return;
      watched.add(el);
      resized.observe(el);
      changed.observe(el, { attributes: true, attributeFilter: ["tabindex"] });
    });
  }
  // Material wraps tables in their scrolling box once the page has started: look again when
  // the content changes (at most once a frame).
  var pending = false;
  new MutationObserver(function () {
    if (pending) return;
    pending = true;
    requestAnimationFrame(function () { pending = false; scan(); });
  }).observe(document.querySelector(".md-content") || document.body, { childList: true, subtree: true });
  scan();
})();
