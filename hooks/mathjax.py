"""MkDocs hook: MathJax (from the npm package) is copied into the built site, fonts included,
so that no request leaves the site's own host."""
from __future__ import annotations

import shutil
from pathlib import Path, PurePosixPath

from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[1]
MATHJAX = ROOT / "node_modules" / "mathjax"
MATHJAX_FONT = ROOT / "node_modules" / "@mathjax" / "mathjax-newcm-font"
# The loader, the core and the components mathjax-config.js loads (with what they load on demand).
MATHJAX_PARTS = ("startup.js", "core.js", "a11y", "input", "output", "ui")
MATHJAX_DEST = PurePosixPath("assets/mathjax")


def on_config(config):
    if not (MATHJAX / "startup.js").is_file() or not MATHJAX_FONT.is_dir():
        raise PluginError(
            f"MathJax is missing from {MATHJAX.parent}: run `npm ci` in {ROOT} first "
            "(package-lock.json pins the mathjax package the site serves)."
        )
    return config


def on_post_build(config):
    """Copy MathJax and its font into the site (every language shares /assets/)."""
    site = Path(config.site_dir)
    dest = site / MATHJAX_DEST
    for part in MATHJAX_PARTS:
        src = MATHJAX / part
        target = dest / part
        if src.is_dir():
            shutil.copytree(src, target, dirs_exist_ok=True)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target)
    # The loader looks for the font under [mathjax]/fonts (set in mathjax-config.js).
    font_dest = dest / "fonts" / MATHJAX_FONT.name
    for part in ("chtml", "chtml.js", "package.json"):
        src = MATHJAX_FONT / part
        if src.is_dir():
            shutil.copytree(src, font_dest / part, dirs_exist_ok=True)
        elif src.is_file():
            font_dest.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, font_dest / part)
