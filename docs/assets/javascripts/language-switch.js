// The language switch keeps the reader's place (overrides/partials/alternate.html loads this
// file, a classic deferred script, so it runs from file:// too; without it the links still lead
// to the top of the other language's page).
//
// 1. As a link to the other language is followed (click, Enter), the heading of the section the
//    reader is in (the last one whose top has passed under the header; above the first section,
//    the address's #fragment if what it names is on screen) is put on the link as its #fragment.
//    Both languages give a section the same id; where a heading has none on the other page, the
//    nearest heading above it that has one is used: the link lists the other page's heading ids
//    (data-anchors, from hooks/theme/language_links.py) when the build knew them as it wrote
//    this page.
// 2. A page opened at a #fragment it has no element for, from the other language (whose ids
//    this page's own link to it lists), scrolls to the nearest heading above that one that it
//    has, and its address says so.
(function () {
  // a page's sections (its h1 is its title: above the first section is the top of the page)
  var HEADINGS = "article h2[id], article h3[id], article h4[id], article h5[id], article h6[id]";
  var ALL_HEADINGS = "article h1[id], " + HEADINGS;

  function headings(selector) {
    return Array.prototype.slice.call(document.querySelectorAll(selector || HEADINGS));
  }

  function ids(list) {
    return list.map(function (heading) { return heading.id; });
  }

  function fragment() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch (error) {
      return location.hash.slice(1);
    }
  }

  // The address's #fragment, if what it names is on screen (above the first section).
  function shownFragment() {
    var target = fragment() && document.getElementById(fragment());
    if (!target) return null;
    var box = target.getBoundingClientRect();
    return box.bottom > 0 && box.top < innerHeight ? target.id : null;
  }

  // The section the reader is in: the last heading whose top has reached the place a link to it
  // scrolls it to (its scroll-margin-top, below Material's header), or passed it.
  function current(list) {
    var header = document.querySelector(".md-header");
    var below = header ? Math.max(header.getBoundingClientRect().bottom, 0) : 0;
    var found = null;
    for (var i = 0; i < list.length; i++) {
      var margin = parseFloat(getComputedStyle(list[i]).scrollMarginTop) || 0;
      if (list[i].getBoundingClientRect().top > Math.max(margin, below) + 2) break;
      found = list[i];
    }
    return found;
  }

  // The nearest id at or above `id` in the order of `order` that `wanted` holds (null: none).
  function nearestShared(id, order, wanted) {
    for (var i = order.indexOf(id); i >= 0; i--) {
      if (wanted.indexOf(order[i]) !== -1) return order[i];
    }
    return null;
  }

  function anchorsOf(link) {
    var anchors = link.getAttribute("data-anchors");
    return anchors === null ? null : anchors.split(" ").filter(Boolean);
  }

  function keepPlace(link) {
    if (!link.hasAttribute("data-href")) link.setAttribute("data-href", link.getAttribute("href"));
    var url = new URL(link.getAttribute("data-href"), location.href);
    var list = headings();
    var heading = current(list);
    var id = heading ? heading.id : shownFragment();
    var theirs = anchorsOf(link);
    if (id && theirs && theirs.indexOf(id) === -1) {
      id = nearestShared(id, ids(list), theirs);
    }
    url.hash = id ? "#" + encodeURIComponent(id) : "";
    link.href = url.href;
  }

  function otherLanguageLinks() {
    var own = document.documentElement.lang;
    return Array.prototype.slice.call(document.querySelectorAll("a.md-select__link[hreflang]"))
      .filter(function (link) { return link.getAttribute("hreflang") !== own; });
  }

  // Arrived from the other language at a heading this page has no id for.
  function arrive(links) {
    var id = fragment();
    if (!id || document.getElementById(id)) return;
    var mine = ids(headings(ALL_HEADINGS));
    for (var i = 0; i < links.length; i++) {
      var theirs = anchorsOf(links[i]);
      if (!theirs || theirs.indexOf(id) === -1) continue;
      var shared = nearestShared(id, theirs, mine);
      history.replaceState(history.state, "", shared ? "#" + encodeURIComponent(shared) : location.pathname + location.search);
      if (shared) document.getElementById(shared).scrollIntoView();
      return;
    }
  }

  function start() {
    var links = otherLanguageLinks();
    links.forEach(function (link) {
      link.addEventListener("click", function () { keepPlace(link); });
      link.addEventListener("auxclick", function () { keepPlace(link); });
      link.addEventListener("contextmenu", function () { keepPlace(link); });
    });
    arrive(links);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
