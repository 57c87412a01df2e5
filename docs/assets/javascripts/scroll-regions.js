// Every box that scrolls sideways can be scrolled with the keyboard: it takes the focus
// (tabindex="0") while its content overflows. Material does this for its code blocks only on
// devices with a mouse and takes it back elsewhere; notebook cells, their outputs and the
// tables Material wraps get nothing. Wide display formulas are made focusable by the build
// already (hooks/math/typeset.mjs: their box scrolls inside div.arithmatex); this covers the
// rest, and any formula wider on this reader's fonts than the build expected. A box with
// something focusable inside is reachable already and gets no tab stop of its own.
(function () {
  var SCROLLERS = [
    ".md-typeset pre > code",
    ".md-typeset__scrollwrap",
    ".md-typeset div.arithmatex",
    ".md-typeset mjx-container[display]",
    ".jupyter-wrapper .highlight-ipynb",
    ".jupyter-wrapper .jp-OutputArea-output",
    ".jupyter-wrapper .jp-OutputArea-output pre",
  ].join(",");

  var FOCUSABLE = '[tabindex="0"], a[href], button, input, select, textarea';

  // All reads first, then all writes: a tabindex set between two reads would make the browser
  // lay the long page out again for the next one.
  function update(elements) {
    var scrolling = elements.filter(function (el) {
      if (el.getAttribute("tabindex") === "0" || el.querySelector(FOCUSABLE)) return false;
      var style = getComputedStyle(el);
      var overflows = el.scrollWidth > el.clientWidth + 1 || el.scrollHeight > el.clientHeight + 1;
      return overflows && /auto|scroll/.test(style.overflowX + style.overflowY);
    });
    scrolling.forEach(function (el) { el.setAttribute("tabindex", "0"); });
  }

  // A box overflows when its content grows as well as when it shrinks (a table whose formulas'
  // fonts arrive after the first layout, at the box's width): both are watched.
  var watched = new WeakSet();
  var boxOf = new WeakMap();
  var resized = new ResizeObserver(function (entries) {
    update(entries.map(function (entry) { return boxOf.get(entry.target) || entry.target; }));
  });
  // Material removes the tabindex of a code block on touch screens; it comes back.
  var changed = new MutationObserver(function (records) {
    update(records.map(function (record) { return record.target; }));
  });
  function scan() {
    document.querySelectorAll(SCROLLERS).forEach(function (el) {
      if (watched.has(el)) return;
      watched.add(el);
      resized.observe(el);
      if (el.firstElementChild) {
        boxOf.set(el.firstElementChild, el);
        resized.observe(el.firstElementChild);
      }
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
  // Material sets up a code block only once it comes into view (content.lazy), and lays out
  // no block the browser skips (content-visibility): until then a code block, which overflows
  // on most screens (79 columns), can take the focus anyway. Material takes the tab stop back
  // once it finds the block does not scroll.
  document.querySelectorAll(".md-typeset pre > code").forEach(function (code) {
    if (!code.hasAttribute("tabindex")) code.setAttribute("tabindex", "0");
  });
  scan();
})();
