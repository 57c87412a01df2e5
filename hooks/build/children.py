"""Child processes that end with the build that started them, and take their temporary folder
with them.

The build runs the pages' code in a ``python -I`` of its own and builds the torch-yogi wheel
with pip, each in a temporary folder. A build killed while they ran used to leave them running
(the page runner for about 30 s) and their folders behind (2.5 MB). A :class:`Child` runs its
command under hooks/build/guard.py, which holds the read end of a pipe only the build can write
to: when the build ends, however it ends, the guard ends the command and removes the folder.
"""
from __future__ import annotations

import os
import selectors
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

GUARD = Path(__file__).with_name("guard.py")


class ChildFailed(RuntimeError):
    """The command did not end in time; the message says which, in one line."""


class Child:
    """A temporary folder (``prefix``-named) and a command run in ``folder/work``, its output in
    ``folder/stdout`` and ``folder/stderr``: make the Child, put what the command needs into the
    folder, :meth:`start` it, read what it left after :meth:`wait`, then :meth:`close` (which
    removes the folder); or :meth:`close` at once to end it unfinished."""

    def __init__(self, prefix: str):
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        self.work = self.folder / "work"
        self.work.mkdir()
        (self.folder / "tmp").mkdir()
        self.command: list[str] = []
        self.returncode: int | None = None
        self._guard = self._lifeline = None

    def start(self, command: list[str], env: dict | None = None) -> "Child":
        self.command = command
        read, self._lifeline = os.pipe()  # neither end is inherited by other children
        try:
            self._guard = subprocess.Popen(
                [sys.executable, "-I", str(GUARD), str(read), str(self.folder), "--", *command],
                pass_fds=(read,), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        except BaseException:
            self.close()
            raise
        finally:
            os.close(read)
        return self

    def wait(self, timeout: float | None = None) -> int:
        """The command's exit status (negative: the signal that ended it), once it has ended."""
        if self.returncode is None:
            with selectors.DefaultSelector() as selector:
                selector.register(self._guard.stdout, selectors.EVENT_READ)
                if not selector.select(timeout):
                    raise ChildFailed(f"{' '.join(self.command[:4])} did not end within {timeout:g} s")
            line = self._guard.stdout.readline()
            self.returncode = int(line) if line.strip() else -9  # the guard itself was killed
        return self.returncode

    def output(self, stream: str = "stderr") -> str:
        return (self.folder / stream).read_text(encoding="utf-8", errors="replace")

    def close(self) -> None:
        """End the command if it still runs and remove the folder (the guard does both)."""
        if self._lifeline is not None:
            os.close(self._lifeline)
            self._lifeline = None
        if self._guard is not None:
            self._guard.wait()
            self._guard.stdout.close()
            self._guard = None
        shutil.rmtree(self.folder, ignore_errors=True)  # the guard has removed it; never leave it

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
