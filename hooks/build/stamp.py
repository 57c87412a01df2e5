"""The build's date and source version, for every page's footer.

:func:`describe` is computed once per build (hooks/pipeline.py puts it in ``config.extra.build``,
which overrides/partials/copyright.html shows): ``date``, the day the build ran in UTC (ISO
8601, ``2026-12-08``; ``$SOURCE_DATE_EPOCH`` when set, for reproducible builds); ``commit``, the
checkout's short commit; ``dirty``, whether a tracked file differs from that commit (untracked
files reach no page or download, so they do not count). Outside a git checkout, or where git is
missing or fails, ``commit`` is ``None`` (the footer says "unknown"): a build never fails for it.
"""
from __future__ import annotations

import os
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from hooks import ROOT

GIT_TIMEOUT = 10  # seconds; git answers in milliseconds, a hung one must not hold the build


def _git(root: Path, *args: str) -> str | None:
    try:
        proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=GIT_TIMEOUT)
    except (OSError, subprocess.SubprocessError):
        return None
    return proc.stdout if proc.returncode == 0 else None


def build_date(environ=os.environ, now: datetime | None = None) -> str:
    """The build's day in UTC; ``$SOURCE_DATE_EPOCH`` (whole seconds since 1970), when set,
    instead of the clock. A value that is not a whole number is an error naming it."""
    epoch = environ.get("SOURCE_DATE_EPOCH", "")
    if epoch:
        if not epoch.isdigit():
            raise ValueError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of seconds since 1970-01-01")
        now = datetime.fromtimestamp(int(epoch), timezone.utc)
    return (now or datetime.now(timezone.utc)).astimezone(timezone.utc).date().isoformat()


def source_version(root: Path = ROOT) -> dict:
    """{"commit": short hash or None, "dirty": bool} of the checkout at ``root``."""
    commit = _git(root, "rev-parse", "--short=7", "HEAD")
    if not commit or not commit.strip():
        return {"commit": None, "dirty": False}
    status = _git(root, "status", "--porcelain", "--untracked-files=no")
    return {"commit": commit.strip(), "dirty": status is None or bool(status.strip())}


def describe(root: Path = ROOT, environ=os.environ) -> dict:
    return {"date": build_date(environ), **source_version(root)}
