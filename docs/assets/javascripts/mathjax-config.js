// MathJax 4 configuration. MathJax itself is served from this site (assets/mathjax/, copied
// from the npm package at build time), and so is its font: nothing is fetched from a CDN.
window.MathJax = {
  loader: {
    // Without this, MathJax 4 fetches the mathjax-newcm font from cdn.jsdelivr.net.
    paths: { fonts: "[mathjax]/fonts" },
    // Only what the site uses (about 0.6 MB, against 1 MB for the combined tex-chtml.js):
    // TeX in, CommonHTML out, and MathML for screen readers. The font loads with the output.
    load: ["input/tex", "output/chtml", "a11y/assistive-mml"],
  },
  tex: {
    // pymdownx.arithmatex (generic) writes \( \) and \[ \]; notebook cells use $ and $$.
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
  },
  options: {
    // No semantic enrichment or speech generation: on a chapter with ~200 formulas they kept
    // MathJax busy for ~3 s after the page loaded (typesetting alone ends before the load
    // event). Screen readers still get every formula as MathML (assistive MathML stays on).
    enableEnrichment: false,
    enableSpeech: false,
    enableBraille: false,
    enableExplorer: false,
    menuOptions: { settings: { enrich: false, speech: false, braille: false } },
    // Typeset everything except what is marked to be ignored. (An ignore pattern of ".*|"
    // would skip the Markdown cells of notebook pages, which carry no arithmatex class.)
    ignoreHtmlClass: "tex2jax_ignore|mathjax_ignore",
    processHtmlClass: "tex2jax_process|mathjax_process|arithmatex",
  },
  startup: {
    typeset: false, // typeset once the page is ready, below
  },
};

// Typeset each page when Material announces it (also after instant navigation). MathJax 4
// keeps its font data in the output cache: clearing it (startup.output.clearCache()) breaks
// the rendering of fractions and roots, so only the per-document state is reset here.
document$.subscribe(() => {
  MathJax.startup.promise = MathJax.startup.promise.then(() => {
    MathJax.typesetClear();
    MathJax.texReset();
    return MathJax.typesetPromise();
  }).then(() => {
    window.mathjaxDoneAt = performance.now(); // ms since navigation started
    document.documentElement.dataset.mathjax = "done"; // read by the browser tests
  });
});
