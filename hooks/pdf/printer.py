"""Prints the PDFs of a build with Chromium, through Playwright:
``python -I printer.py FOLDER`` (run as a child of the build, hooks/pdf/download.py).

Chromium starts at once, while the build goes on; then the printer waits for ``FOLDER/go``, a
JSON list of ``{"html": ..., "pdf": ...}`` the build writes (whole) once the pages and their
style sheets are written, and prints every document side by side, one tab each. It uses the
Chromium that .ci/setup installs (``chromium`` on PATH), never a browser of Playwright's own.
Before printing it waits for the web fonts (MathJax's) and checks that every image loaded: a
font or image that did not load fails, naming it, instead of printing a blank. Each PDF gets an
outline of the headings (the reader's bookmarks), tags, and page numbers in the footer.
Chromium 156 sometimes gives a heading's bookmark its title twice ("AdamAdam"); those titles are
mended in place (:func:`untwinned`).
Standard library and Playwright only: it runs in a ``python -I``, outside the build. The build
ends it when the build ends, however it ends (hooks/build/guard.py)."""
import asyncio
import json
import re
import shutil
import sys
from pathlib import Path

from playwright.async_api import async_playwright

ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu"]
FOOTER = ('<div style="width: 100%; font-size: 8pt; color: #777; text-align: center;">'
          '<span class="pageNumber"></span> / <span class="totalPages"></span></div>')
CHECK = """async () => {
  await document.fonts.ready;
  const fonts = [...document.fonts].filter(f => f.status === "error").map(f => f.family);
  const images = [...document.images].filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  return {fonts, images};
}"""


HEADINGS = """() => [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(h => h.textContent.trim())"""
# An outline entry's title as Chromium writes it, in an uncompressed object: UTF-16 in hex, or
# ASCII as a literal string.
TITLE = re.compile(rb"/Title <FEFF([0-9A-F]*)>")
LITERAL_TITLE = re.compile(rb"/Title \(([ -'*-\[\]-~]*)\)")  # printable ASCII, no parentheses or backslash


class NotPrinted(Exception):
    pass


def untwinned(pdf: bytes, headings: set[str]) -> bytes:
    """The PDF with each bookmark titled twice over ("AdamAdam", where the document has a heading
    "Adam" and none "AdamAdam") titled once, without moving a byte (the PDF's cross-reference
    table stays right): a hex title's second half becomes white space, which a hex string
    ignores; a literal title "(AdamAdam)" becomes the hex string of "Adam", "<4164616D>", which is
    as long."""
    def twin(title: str) -> bool:
        return title in headings and title * 2 not in headings

    def mend_literal(match):
        text = match.group(1)
        half = len(text) // 2
        if len(text) % 2 or text[:half] != text[half:] or not twin(text[:half].decode("ascii")):
            return match.group(0)
        return b"/Title <" + text[:half].hex().upper().encode("ascii") + b">"

    def mend(match):
        digits = match.group(1)
        half = len(digits) // 2
        if len(digits) % 8 or digits[:half] != digits[half:]:
            return match.group(0)
        title = bytes.fromhex(digits[:half].decode("ascii")).decode("utf-16-be", errors="replace")
        if not twin(title):
            return match.group(0)
        return b"/Title <FEFF" + digits[:half] + b" " * half + b">"

    return LITERAL_TITLE.sub(mend_literal, TITLE.sub(mend, pdf))


async def print_one(browser, document: str, out: str) -> None:
    page = await browser.new_page()
    try:
        await page.goto(Path(document).resolve().as_uri(), wait_until="load")
        broken = await page.evaluate(CHECK)
        if broken["fonts"] or broken["images"]:
            raise NotPrinted(f"{Path(out).name}: fonts that did not load: {broken['fonts'] or 'none'}; "
                             f"images that did not load: {broken['images'] or 'none'}")
        headings = set(await page.evaluate(HEADINGS))
        await page.emulate_media(media="print")
        pdf = await page.pdf(format="A4", print_background=True, prefer_css_page_size=True, outline=True,
                             tagged=True, display_header_footer=True, header_template="<span></span>",
                             footer_template=FOOTER)
        Path(out).write_bytes(untwinned(pdf, headings))
    finally:
        await page.close()


async def main(folder: Path) -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("the PDFs are printed by Chromium, and `chromium` is not on PATH: run `bash .ci/setup`", file=sys.stderr)
        return 2
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            go = folder / "go"
            while not go.is_file():  # the build writes it whole (a rename), or ends this process
                await asyncio.sleep(0.05)
            jobs = json.loads(go.read_text(encoding="utf-8"))
            await asyncio.gather(*(print_one(browser, job["html"], job["pdf"]) for job in jobs))
        except NotPrinted as error:
            print(error, file=sys.stderr)
            return 1
        finally:
            await browser.close()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -I printer.py FOLDER")
    sys.exit(asyncio.run(main(Path(sys.argv[1]))))
