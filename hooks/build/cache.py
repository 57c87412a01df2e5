"""The project's cache folder (``.cache/`` in the checkout): what the build keeps between builds.

* ``.cache/pages``: under ``mkdocs serve``, each chapter's run and the benchmark table, until the
  code, the device or the data change (hooks/runs/page_runs.py);
* ``.cache/jieba``: jieba's dictionary, prepared once (hooks/search/jieba_cache.py);
* ``.cache/build.lock``: the lock of a running build (hooks/build/lock.py).

Every cache the build reads is its own: :func:`folder` makes each folder private to this user
(0700) and refuses one another user owns, so no other local user can put anything in it. An
entry (:class:`Entries`) is one JSON file holding its key, its value and the SHA-256 of the
value, written whole (hooks/build/files.py). Reading an entry that is missing, damaged, of
another key or not this user's own is a miss, never an error; such an entry is removed.
"""
from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path

from hooks import ROOT
from hooks.build.files import write_atomic

CACHE = ROOT / ".cache"


class NotOurs(RuntimeError):
    """A cache folder another user owns; the message says which, in one line."""


def _private(path: Path) -> None:
    """``path`` (a folder) is this user's and only this user's: made 0700, or refused."""
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise NotOurs(f"{path} is not a folder (a link or a file): remove it and build again")
    if info.st_uid != os.geteuid():
        raise NotOurs(f"{path} belongs to user id {info.st_uid}, not this user ({os.geteuid()}): "
                      "the build reads no cache another user could have written; remove it")
    if info.st_mode & 0o077:
        os.chmod(path, 0o700)


def folder(name: str, base: Path = CACHE) -> Path:
    """``base/name``, made if missing, private to this user (as ``base`` is)."""
    base.mkdir(mode=0o700, exist_ok=True)
    _private(base)
    path = base / name
    path.mkdir(mode=0o700, exist_ok=True)
    _private(path)
    return path


def own_file(path: Path) -> bool:
    """Whether ``path`` is a regular file of this user's that no one else may write."""
    try:
        info = path.lstat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o022


def _digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode("utf-8")).hexdigest()


class Entries:
    """The entries of one cache folder, one file per name (``NAME.json``): a new key replaces
    the old entry, so a folder holds one entry per name and never grows."""

    def __init__(self, name: str, base: Path = CACHE):
        self.folder = folder(name, base)

    def path(self, name: str) -> Path:
        return self.folder / f"{name}.json"

    def get(self, name: str, key: str):
        """The value stored under ``name`` for ``key``; None when there is none that checks out."""
        path = self.path(name)
        if not path.exists():
            return None
        try:
            if not own_file(path):
                raise ValueError("not this user's own file")
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["key"] != key:
                return None  # an older entry: the next put replaces it
            if _digest(entry["value"]) != entry["sha256"]:
                raise ValueError("its value does not match its digest")
            return entry["value"]
        except (OSError, ValueError, KeyError, TypeError):  # damaged, or not ours: a miss
            path.unlink(missing_ok=True)
            return None

    def put(self, name: str, key: str, value) -> None:
        entry = {"key": key, "sha256": _digest(value), "value": value}
        write_atomic(self.path(name), json.dumps(entry))
