// Typesets the math of HTML pages with MathJax 4 (TeX in, CommonHTML out, assistive MathML for
// screen readers), for hooks/mathjax.py. One process serves a whole build: it reads one JSON
// request per line on stdin and writes one JSON reply per line on stdout.
//
//   {"op": "page", "html": "<p>…\\(x\\)…</p>"}
//       -> {"html": "…<mjx-container …>…", "errors": [{"tex", "message"}], "messages": [...]}
//   {"op": "stylesheet"}
//       -> {"css": "…", "messages": [...]}   the CSS every page typeset so far needs
//
// MathJax runs as in the browser (the same TeX components: ams, newcommand, autoload, …), with
// the configuration the pages used when they typeset themselves, so formulas come out the same.
// Anything MathJax prints (an "Invalid option" warning, a failed extension) comes back in
// "messages", and hooks/mathjax.py fails the build on it.
import readline from "node:readline";

const messages = [];
for (const level of ["log", "info", "warn", "error", "debug"]) {
  console[level] = (...args) => messages.push(args.map(String).join(" "));
}

// Parsing a page decodes its named entities (&para;, &nbsp;…); loading every table up front keeps
// the parser synchronous (it would otherwise fetch the table of each first letter on demand).
await import("@mathjax/src/js/util/entities/all.js");
const { default: MathJax } = await import("@mathjax/src/source");

// The text column of Material's desktop layout (688 px at 1280 px wide; the column grows with the
// root font size on wider screens) holds about 33 em of the math font (a math em is about 20 px:
// the formulas match the x-height of the 16 px text): a display formula wider than this is
// broken into lines at build time (the Yogi chapter's comparison of Yogi and Adam is 35 em). Inline
// formulas are never broken (linebreaks.inline: false): each one is a single unbreakable box, so
// that a line never ends inside "(1 − β₂)".
const LINE_WIDTH_EM = 32;

let errors = [];
await MathJax.init({
  loader: { load: ["input/tex", "output/chtml", "a11y/assistive-mml"] },
  tex: {
    // pymdownx.arithmatex (generic) writes \( \) and \[ \]; notebook Markdown cells use $ and $$.
    inlineMath: [["\\(", "\\)"], ["$", "$"]],
    displayMath: [["\\[", "\\]"], ["$$", "$$"]],
    processEscapes: true,
    processEnvironments: true,
    formatError(jax, error) {
      errors.push({ tex: jax.latex, message: error.message });
      return jax.formatError(error);
    },
  },
  chtml: {
    // The style sheet sits in assets/mathjax/, the fonts beside it in woff2/.
    fontURL: "woff2",
    // In the browser MathJax scaled each formula so that its x-height matched the text around
    // it; the pages' CSS does that now (font-size: calc(1ex / x-height), extra.css), so the
    // output carries no measured size of this machine's fonts.
    matchFontHeight: false,
    // Wide display formulas scroll in their own box (made focusable below); one too wide for the
    // widest text column is broken into lines first (page(): overflow="linebreak"), at most
    // LINE_WIDTH_EM wide, at the places MathJax's line breaker prefers (relations, commas).
    displayOverflow: "scroll",
    linebreaks: { inline: false, width: `${LINE_WIDTH_EM}em` },
  },
  startup: { typeset: false },
});

const adaptor = MathJax.startup.adaptor;
const output = MathJax.startup.output;
const X_HEIGHT = output.font.params.x_height;

// A display formula wider than this (in em of the math font) may not fit the narrowest screen the
// site supports (320 px: 288 px of text column, a math em about 20.3 px: 1.27 times the 16 px
// text, whose x-height it matches); it gets tabindex="0" so that keyboard users can scroll it.
const SCROLL_WIDTH_EM = 288 / 21;

function clean(node) {
  if (adaptor.kind(node).startsWith("#")) return;
  for (const { name } of adaptor.allAttributes(node)) {
    // The TeX source of every node would double the size of the page for nothing a reader sees.
    if (name === "data-latex" || name === "data-latex-item") adaptor.removeAttribute(node, name);
  }
  for (const child of adaptor.childNodes(node)) clean(child);
}

// Every rule any page needed, in the order first seen (a rule is its full text: the same selector
// may come twice on purpose, e.g. once more inside @media (prefers-color-scheme: dark)).
const rules = new Set();

function topLevelRules(css) {
  const found = [];
  let depth = 0, start = 0;
  for (let i = 0; i < css.length; i++) {
    if (css[i] === "{") depth++;
    else if (css[i] === "}" && --depth === 0) {
      found.push(css.slice(start, i + 1).trim().replace(/\s*\n\s*/g, " "));
      start = i + 1;
    }
  }
  if (depth !== 0 || css.slice(start).trim()) throw new Error("unbalanced CSS from MathJax");
  return found;
}

function collectStyles(doc) {
  for (const rule of topLevelRules(adaptor.textContent(output.styleSheet(doc)))) rules.add(rule);
}

// A display holding several formulas side by side ("…  (Yogi),  |s_t − s_{t−1}| = …  (Adam).")
// breaks where a reader would break it: after the comma that separates them, at the wide space
// that follows (\quad or more); MathJax's own line breaker prefers a relation inside one of them.
function breakBetweenFormulas(math) {
  const row = math.childNodes[0];
  const children = row && row.isInferred ? row.childNodes : [];
  children.forEach((node, i) => {
    const before = children[i - 1];
    if (node.isKind("mspace") && before && before.isKind("mo") && before.getText() === ","
        && parseFloat(node.attributes.get("width")) >= 1) {
      node.attributes.set("linebreak", "newline");
    }
  });
}

async function page(html) {
  errors = [];
  const source = `<!DOCTYPE html><html><head></head><body>${html}</body></html>`;
  let doc = MathJax.startup.getDocument(source);
  await doc.renderPromise();
  // A display formula too wide for the desktop column is typeset again, broken into lines (its
  // width is known only once it is typeset: MathJax measures text, e.g. Chinese, as it typesets).
  const wide = new Set([...doc.math].flatMap((item, i) => item.display && output.getBBox(item, doc).w > LINE_WIDTH_EM ? [i] : []));
  if (wide.size) {
    errors = [];
    doc = MathJax.startup.getDocument(source);
    doc.findMath().compile();
    [...doc.math].forEach((item, i) => {
      if (!wide.has(i)) return;
      item.root.attributes.set("overflow", "linebreak");
      breakBetweenFormulas(item.root);
    });
    await doc.renderPromise();
  }
  let math = 0;
  for (const item of doc.math) {
    math++;
    const container = item.typesetRoot;
    clean(container);
    if (item.display && output.getBBox(item, doc).w > SCROLL_WIDTH_EM) {
      adaptor.setAttribute(container, "tabindex", "0");
    }
  }
  if (math) collectStyles(doc);
  return { html: adaptor.innerHTML(adaptor.body(doc.document)), math, errors };
}

function stylesheet() {
  return { css: [...rules].join("\n") + "\n", x_height: X_HEIGHT };
}

const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  let reply;
  try {
    const request = JSON.parse(line);
    if (request.op === "page") reply = await page(request.html);
    else if (request.op === "stylesheet") reply = stylesheet();
    else throw new Error(`unknown request ${JSON.stringify(request.op)}`);
  } catch (error) {
    reply = { failure: String(error && error.stack || error) };
  }
  reply.messages = messages.splice(0);
  process.stdout.write(JSON.stringify(reply) + "\n");
}
