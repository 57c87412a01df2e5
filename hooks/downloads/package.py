"""The torch-yogi package as a wheel, built by this build and offered by the site.

The wheel is built from ``torch-yogi/`` with pip and setuptools (the package's own
``pyproject.toml``; no build isolation, so no network) in a temporary copy of the folder, so the
checkout gets no ``build/`` or ``egg-info``; ``SOURCE_DATE_EPOCH`` fixes its timestamps. pip runs
as a child of the build (hooks/build/children.py: a killed build leaves neither pip nor its
folder), started when the configuration is read and awaited after the pages are written.
``<!-- package-download -->`` on a page becomes the link to the wheel.
"""
from __future__ import annotations

import os
import shutil
import sys
import tomllib
from pathlib import Path

from mkdocs.exceptions import PluginError

from hooks import ROOT
from hooks.build.children import Child, ChildFailed
from hooks.build.files import write_atomic
from hooks.downloads import from_page
from hooks.pages import labels

PACKAGE = ROOT / "torch-yogi"
MARKER = "<!-- package-download -->"
SOURCE_DATE_EPOCH = "1519257600"  # 2018-02-22, as the code archive: the wheel does not change with the clock


def project() -> dict:
    return tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def wheel_name() -> str:
    meta = project()
    return f"{meta['name'].replace('-', '_')}-{meta['version']}-py3-none-any.whl"


def start_build() -> Child:
    """pip building the wheel in a temporary folder, started now; :func:`finish_build` collects it.
    (Absolute paths: setuptools fails to build a wheel of a relative ``src``.)"""
    child = Child(prefix="torch-yogi-wheel-")
    try:
        shutil.copytree(PACKAGE, child.work / "src",
                        ignore=shutil.ignore_patterns("tests", "__pycache__", "*.egg-info", "build"))
        nice = ["nice", "-n", "10"] if shutil.which("nice") else []  # the page runs come first
        return child.start(
            [*nice, sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
             "--disable-pip-version-check", "--no-cache-dir", str(child.work / "src"), "-w", str(child.work / "out")],
            env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"})
    except BaseException:
        child.close()
        raise


def finish_build(child: Child, target_dir: Path) -> Path:
    """Wait for the wheel and write it into ``target_dir``; the temporary folder goes either way."""
    try:
        try:
            code = child.wait(timeout=300)
        except ChildFailed as error:
            raise PluginError(f"building the torch-yogi wheel failed: {error}") from None
        built = child.work / "out" / wheel_name()
        if code != 0 or not built.is_file():
            output = (child.output("stdout") + child.output("stderr")).strip()
            raise PluginError(f"building the torch-yogi wheel failed (pip exit {code}): {output[-1500:]}")
        return write_atomic(Path(target_dir) / built.name, built.read_bytes())
    finally:
        child.close()


def link(markdown: str, page) -> str:
    if MARKER not in markdown:
        return markdown
    lang = page.file.src_uri.split("/", 1)[0]
    name = wheel_name()
    torch_spec = next(d for d in project()["dependencies"] if d.startswith("torch")).removeprefix("torch")
    sentence = labels.TEXT[lang]["package_download"].format(wheel=from_page(page, name),
                                                            name=name, torch_spec=torch_spec)
    return markdown.replace(MARKER, sentence)
