"""jieba's dictionary, from the project's cache folder and nowhere else.

Material's search plugin cuts the Chinese pages into words with jieba, and hooks/search/index.py
ships jieba's frequencies with the index. jieba prepares its dictionary once (two seconds) and
keeps it, by default, in ``$TMPDIR/jieba.cache`` (``/tmp/jieba.cache``), loaded with ``marshal``
whoever wrote it: another local user could plant word frequencies in our search index. Here its
cache lives in ``.cache/jieba`` (hooks/build/cache.py makes the folder this user's alone), and is
read only if its SHA-256 is the one recorded when this build's jieba wrote it: a file that does
not check out is removed, and jieba prepares the dictionary again.
"""
from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import jieba

from hooks.build import cache

CACHE_FILE = "jieba.cache"


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def use_folder(folder: Path) -> None:
    """Point jieba at ``folder`` for its cache, keeping the cache only if it checks out."""
    folder = Path(folder)
    path, record = folder / CACHE_FILE, folder / (CACHE_FILE + ".sha256")
    try:
        fine = cache.own_file(path) and cache.own_file(record) and record.read_text().strip() == _digest(path)
    except OSError:
        fine = False
    if not fine:
        path.unlink(missing_ok=True)
        record.unlink(missing_ok=True)
    jieba.dt.tmp_dir = str(folder)
    jieba.dt.cache_file = CACHE_FILE


def _initialize(folder: Path) -> None:
    jieba.initialize()
    path, record = folder / CACHE_FILE, folder / (CACHE_FILE + ".sha256")
    if cache.own_file(path) and not record.exists():  # jieba wrote it now: record what it wrote
        from hooks.build.files import write_atomic

        write_atomic(record, _digest(path) + "\n")


def start(folder: Path | None = None) -> threading.Thread:
    """Load jieba's dictionary in a thread while the build runs the pages' code; Material's
    search, which cuts the Chinese pages with it, finds it loaded (``initialize`` holds a lock: a
    second caller waits for the first)."""
    folder = Path(folder) if folder is not None else cache.folder("jieba")
    use_folder(folder)
    thread = threading.Thread(target=_initialize, args=(folder,), daemon=True)
    thread.start()
    return thread
