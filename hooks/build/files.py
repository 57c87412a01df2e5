"""Writing files whole or not at all: the one atomic writer of the build (the site's files, the
cache's entries)."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_atomic(target: Path | str, data: bytes | str) -> Path:
    """A temporary file beside the target, then a rename: a reader never sees half a file, and a
    write that fails leaves the target as it was and no temporary file. The file gets the
    permissions ``open()`` would give a new file (a temporary file is private)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return target
