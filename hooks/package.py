"""MkDocs hook: the torch-yogi package as a wheel, built by this build and offered by the site.

The wheel is built from ``torch-yogi/`` with pip and setuptools (the package's own
``pyproject.toml``; no build isolation, so no network) in a temporary copy of the folder, so the
checkout gets no ``build/`` or ``egg-info``; ``SOURCE_DATE_EPOCH`` fixes its timestamps. The build
starts in the background when the configuration is read and is waited for after the pages are
written. ``<!-- package-download -->`` on a page becomes the link to the wheel.
"""
from __future__ import annotations

import os
import posixpath
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

from mkdocs.exceptions import PluginError

HOOKS = Path(__file__).resolve().parent
ROOT = HOOKS.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from hooks import fresh  # noqa: E402

PACKAGE = ROOT / "torch-yogi"
MARKER = "<!-- package-download -->"
SOURCE_DATE_EPOCH = "1519257600"  # 2018-02-22, as the code archive: the wheel does not change with the clock

(labels,) = fresh("labels")
_build: dict = {}


def project() -> dict:
    return tomllib.loads((PACKAGE / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def wheel_name() -> str:
    meta = project()
    return f"{meta['name'].replace('-', '_')}-{meta['version']}-py3-none-any.whl"


def start_build():
    """Start pip building the wheel into a temporary folder; :func:`finish_build` collects it."""
    work = Path(tempfile.mkdtemp(prefix="torch-yogi-wheel-"))
    source = work / "src"
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.egg-info", "build"))
    process = subprocess.Popen(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--disable-pip-version-check", "--no-cache-dir", str(source), "-w", str(work / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PYTHONDONTWRITEBYTECODE": "1"})
    return work, process


def finish_build(work: Path, process, target_dir: Path) -> Path:
    """Wait for the wheel and move it into ``target_dir``; the temporary folder goes either way."""
    try:
        output, _ = process.communicate(timeout=300)
        built = work / "out" / wheel_name()
        if process.returncode != 0 or not built.is_file():
            raise PluginError(f"building the torch-yogi wheel failed (pip exit {process.returncode}): "
                              f"{output.strip()[-1500:]}")
        target = target_dir / built.name
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        shutil.copyfile(built, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        return target
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        shutil.rmtree(work, ignore_errors=True)


def on_config(config):
    global labels
    (labels,) = fresh("labels")
    if not config.plugins["i18n"].building and "run" not in _build:
        _build["run"] = start_build()
    return config


def on_page_markdown(markdown, page, config, files):
    if MARKER not in markdown:
        return markdown
    lang = page.file.src_uri.split("/", 1)[0]
    here = posixpath.dirname(page.url.rstrip("/") + "/index.html") if page.url else ""
    name = wheel_name()
    torch_spec = next(d for d in project()["dependencies"] if d.startswith("torch")).removeprefix("torch")
    sentence = labels.TEXT[lang]["package_download"].format(wheel=posixpath.relpath(name, here or "."),
                                                            name=name, torch_spec=torch_spec)
    return markdown.replace(MARKER, sentence)


def on_post_build(config):
    """Write the wheel once, in the top-level build (i18n's nested builds share site_dir)."""
    if config.plugins["i18n"].building:
        return
    run = _build.pop("run", None) or start_build()
    finish_build(*run, Path(config.site_dir))


def on_build_error(error):
    run = _build.pop("run", None)
    if run is not None:
        run[1].kill()
        run[1].wait()
        shutil.rmtree(run[0], ignore_errors=True)
