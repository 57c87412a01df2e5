"""One build of a checkout at a time.

Two builds in one checkout (an editor's build-on-save beside a manual build) share the project's
cache folder and often the site folder, which MkDocs empties as a build starts: the second build
deleted what the first was writing, and the first still ended well with half a site. So a build
first takes an exclusive lock on ``.cache/build.lock`` (``flock``: the kernel lets go of it when
the process ends, however it ends, so a killed build never leaves it taken) before MkDocs cleans
anything. A second build says in one line that it waits, and waits up to ``$ADAM_YOGI_BUILD_WAIT``
seconds (default 600); then it refuses with one line naming the build that holds the lock.
``mkdocs serve`` takes the lock for each rebuild, not for the whole session.
"""
from __future__ import annotations

import errno
import fcntl
import math
import os
import time
from pathlib import Path

ENV_WAIT = "ADAM_YOGI_BUILD_WAIT"
DEFAULT_WAIT = 600.0


class BuildBusy(RuntimeError):
    """Another build holds the lock; the message says which, in one line."""


def wait_seconds(environ=os.environ) -> float:
    """How long a build waits for another: ``$ADAM_YOGI_BUILD_WAIT`` seconds, or 600."""
    value = environ.get(ENV_WAIT, "").strip()
    if not value:
        return DEFAULT_WAIT
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not (math.isfinite(seconds) and seconds >= 0):
        raise ValueError(f"Invalid {ENV_WAIT}: {value!r} (the seconds a build waits for another, a number >= 0)")
    return seconds


class BuildLock:
    """The lock of one checkout (``path``), held by at most one process at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> str:
        """What the holder wrote into the lock file (its pid and job), as far as it can be read."""
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError:
            text = ""
        return text or "a build that has not said what it is"

    def acquire(self, job: str, wait: float, say=print) -> None:
        """Take the lock, waiting at most ``wait`` seconds (``say`` is told once that we wait);
        raise :class:`BuildBusy` when it stays taken. ``job`` goes into the lock file."""
        if self.held:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline, said = time.monotonic() + wait, False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as error:
                    if error.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                left = deadline - time.monotonic()
                if left <= 0:
                    raise BuildBusy(f"another build of this checkout is running ({self.holder()}); waited "
                                    f"{wait:g} s for it to end: build again when it has ({ENV_WAIT} sets the wait)")
                if not said:
                    say(f"waiting for another build of this checkout to end ({self.holder()})")
                    said = True
                time.sleep(min(0.2, left))
        except BaseException:
            os.close(fd)
            raise
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}: {job}\n".encode("utf-8"), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        try:
            os.ftruncate(fd, 0)
        finally:
            os.close(fd)  # closing the last descriptor lets go of the lock
