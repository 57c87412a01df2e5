"""Building the site into a folder, as the tests and the measurements need it.

``build_site(dest)`` runs ``mkdocs build --strict`` into ``dest`` and times it;
``checkout_copy(dest)`` copies the checkout as git sees it (its tracked files, as the work tree
has them, and its untracked files that git does not ignore), so that a build there can be given
files the checkout must not have. Both are used by tests/conftest.py and tools/measure_*.py.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ("node_modules",)  # installed, not copied: linked from the checkout
# The README's command, the console script beside this Python (not `python -m mkdocs`, which puts
# the current folder on sys.path and so hid a build that could not import the project's modules).
MKDOCS = str(Path(sys.executable).with_name("mkdocs"))


def build_site(dest, env=None, root=ROOT):
    """`mkdocs build --strict` of the checkout at ``root`` into ``dest``; (completed process, seconds)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [MKDOCS, "build", "--strict", "--clean", "-f", str(Path(root) / "mkdocs.yml"),
         "-d", str(dest)],
        cwd=root, env={**os.environ, **(env or {})}, capture_output=True, text=True,
    )
    return proc, time.perf_counter() - start


def _git(root, *args, **kwargs):
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True, **kwargs)


def checkout_copy(dest, root=ROOT, leave_out=("tests",)) -> Path:
    """A copy of the checkout at ``dest``, a git checkout whose index tracks what the original's
    does; the folders ``leave_out`` stay out, ``node_modules`` is linked."""
    dest = Path(dest)
    listed = _git(root, "ls-files", "-z", "--cached", "--others", "--exclude-standard").stdout.decode().split("\0")
    tracked = set(_git(root, "ls-files", "-z").stdout.decode().split("\0"))
    copied = []
    for name in filter(None, listed):
        source = Path(root) / name
        if name.split("/", 1)[0] in (*leave_out, *SHARED, ".venv") or not (source.is_file() or source.is_symlink()):
            continue
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target, follow_symlinks=False)
        if name in tracked:
            copied.append(name)
    for name in SHARED:
        (dest / name).symlink_to(Path(root) / name)
    _git(dest, "init", "-q")
    for start in range(0, len(copied), 500):
        _git(dest, "add", "--", *copied[start:start + 500])
    return dest


def site_for_measuring(site, tmp):
    """The measurement scripts' site: ``site`` when given, else a clean build into ``tmp`` (its
    time printed); a failed build ends the script with mkdocs' error."""
    if site is not None:
        return site
    site = Path(tmp) / "site"
    proc, seconds = build_site(site)
    if proc.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{proc.stderr[-3000:]}")
    print(f"clean mkdocs build --strict: {seconds:.1f} s")
    return site
