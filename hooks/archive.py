"""MkDocs hook: the whole code as one download.

The build writes ``adam-yogi-code.zip`` at the site's root: the ``snippets`` package (every
``.py`` file under ``snippets/``), a README written for the archive (``hooks/archive/README.md``)
and a ``requirements.txt`` naming torch and matplotlib with the versions this build tested
(from the pins in requirements.txt). The archive is reproducible: its entries are sorted, and
their timestamps, permissions and compression are fixed, so the same sources give the same bytes.

The home page's ``<!-- code-download -->`` becomes the link to it, with the source repository's
URL when ``repo_url`` is set in mkdocs.yml.
"""
from __future__ import annotations

import io
import os
import posixpath
import sys
import tempfile
import zipfile
from pathlib import Path

from mkdocs.exceptions import PluginError

HOOKS = Path(__file__).resolve().parent
ROOT = HOOKS.parent
if str(ROOT) not in sys.path:  # `import hooks.chapters` (and `import snippets`) in this process
    sys.path.insert(0, str(ROOT))
from hooks import fresh  # noqa: E402
ARCHIVE = "adam-yogi-code.zip"
TOP = "adam-yogi"  # the folder the archive unpacks into
MARKER = "<!-- code-download -->"
TIMESTAMP = (2018, 2, 22, 0, 0, 0)  # any fixed date: the archive does not change with the clock


chapters, labels = fresh("chapters", "labels")


def members() -> dict[str, bytes]:
    """{name in the archive: content}, in the order they are written."""
    versions = chapters.tested_versions()
    requirements = (
        "# What the code needs; the site was built and tested with these versions.\n"
        f"torch=={versions['torch']}\nmatplotlib=={versions['matplotlib']}\n"
    )
    found = {
        f"{TOP}/README.md": (HOOKS / "archive" / "README.md").read_bytes(),
        f"{TOP}/requirements.txt": requirements.encode(),
    }
    for path in sorted((ROOT / "snippets").rglob("*.py")):
        if "__pycache__" not in path.parts:
            found[f"{TOP}/{path.relative_to(ROOT).as_posix()}"] = path.read_bytes()
    return found


def archive_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members().items():
            info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it, so the permissions below apply
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def on_config(config):
    global chapters, labels
    chapters, labels = fresh("chapters", "labels")
    return config


def on_page_markdown(markdown, page, config, files):
    """The home page links the archive (and the repository, when mkdocs.yml names one)."""
    if MARKER not in markdown:
        return markdown
    lang = page.file.src_uri.split("/", 1)[0]
    here = posixpath.dirname(page.url.rstrip("/") + "/index.html") if page.url else ""
    link = posixpath.relpath(ARCHIVE, here or ".")  # the archive sits at the site's root
    text = labels.TEXT[lang]
    sentence = text["code_download"].format(archive=link, name=ARCHIVE)
    if config.repo_url:
        sentence += " " + text["repo"].format(url=config.repo_url)
    return markdown.replace(MARKER, sentence, 1)


def on_post_build(config):
    """Write the archive once, in the top-level build (i18n's nested builds share site_dir)."""
    if config.plugins["i18n"].building:
        return
    target = Path(config.site_dir) / ARCHIVE
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as tmp:
        tmp.write(archive_bytes())
    os.chmod(tmp.name, 0o644)  # a temporary file is private; the site's files are not
    os.replace(tmp.name, target)
    if not zipfile.is_zipfile(target):
        raise PluginError(f"{target} is not a valid zip archive")
