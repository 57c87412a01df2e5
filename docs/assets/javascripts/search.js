// The page's side of Material's search (overrides/main.html loads it before Material's bundle).
//
// 1. Each language has its own index (hooks/search_index.py); Material asks for
//    search/search_index.json under the site root, and this points that request at the page's
//    language. The request is held back until the reader opens search (focuses the search box,
//    presses its key, taps its button), or until a page opened from a result (?h=…) highlights
//    the words it was found by: no page downloads the index just by being read.
// 2. Material reads the query on "keyup"; a query entered with an input method (Chinese), pasted
//    or dictated fires no key events. Any finished input now counts as a keystroke.
(function () {
  var script = document.currentScript;
  var config = JSON.parse(document.getElementById("__config").textContent);
  var base = new URL(config.base, location.href);
  var requested = new URL("search/search_index.json", base).href;
  var ours = new URL(script.dataset.index, location.href).href;

  var opened = false, waiting = [];
  function open() {
    if (opened) return;
    opened = true;
    waiting.splice(0).forEach(function (send) { send(); });
  }
  var params = new URLSearchParams(location.search);
  if (params.has("h") || params.has("q")) opened = true;

  var xhrOpen = XMLHttpRequest.prototype.open, xhrSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.open = function (method, url) {
    var args = Array.prototype.slice.call(arguments);
    this.adamYogiIndex = new URL(url, location.href).href === requested;
    if (this.adamYogiIndex) args[1] = ours;
    return xhrOpen.apply(this, args);
  };
  XMLHttpRequest.prototype.send = function () {
    var request = this, args = arguments;
    if (!request.adamYogiIndex || opened) return xhrSend.apply(request, args);
    waiting.push(function () { xhrSend.apply(request, args); });
  };

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector(".md-search");
    var toggle = document.getElementById("__search");
    if (form) form.addEventListener("focusin", open);
    if (toggle) toggle.addEventListener("change", function () { if (toggle.checked) open(); });
    var query = document.querySelector("input.md-search__input");
    if (!query) return;
    function asKeystroke(event) {
      if (!event.isComposing) query.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }
    query.addEventListener("input", asKeystroke);
    query.addEventListener("compositionend", asKeystroke);
  });
})();
