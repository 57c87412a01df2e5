"""The airfoil self-noise data, as the optimization chapter of *Dive into Deep Learning* uses it.

Data set: NASA "Airfoil Self-Noise" — T. F. Brooks, D. S. Pope and M. A. Marcolini,
*Airfoil Self-Noise and Prediction*, NASA Reference Publication 1218 (1989); published by the
UCI Machine Learning Repository (id 291, https://doi.org/10.24432/C5VW2C) under CC BY 4.0.
1503 rows, tab-separated, no header: frequency (Hz), angle of attack (deg), chord length (m),
free-stream velocity (m/s), suction-side displacement thickness (m), scaled sound pressure
level (dB) — the regression target.

The three sections below are what the pages show, and they are the loader itself: a reader who
copies them has the same code as this module, with the standard library and torch alone.
:func:`load_airfoil` takes the file, in this order, from

1. ``data_dir`` (a folder holding ``airfoil_self_noise.dat``; only there);
2. the folder named by ``$ADAM_YOGI_DATA_DIR`` (only there; builds and CI use it);
3. the current folder;
4. the user's cache folder (``~/.cache/adam-yogi`` on Linux, see :func:`cache_dir`), or a
   download of ``URL`` into it with ``urllib``.

Every file is checked against ``SHA1`` before it is read. A download (over https) must end
within ``DEADLINE`` seconds in all, each wait for the server within ``TIMEOUT``, and bring at
most ``MAX_BYTES``; it is held in memory, checked, written to a temporary file beside its target
and moved into place with ``os.replace``, so the cache holds the whole checked file or nothing; a
cached copy that no longer matches is downloaded again. When the file can't be had (offline, a
refused connection, a server too slow or a body too large, a wrong hash, a file that cannot be
read), the loader prints one line to stderr saying why and returns a deterministic synthetic regression set
of the same shape (``source == "synthetic"``) — unless ``allow_synthetic=False``, which raises
:class:`AirfoilUnavailable` with that line instead. Bad arguments are a ``ValueError``.
"""
from __future__ import annotations

ENV_DATA_DIR = "ADAM_YOGI_DATA_DIR"  # the name the loader section reads (written out there)
NUM_EXAMPLES = 1500  # the book keeps the first 1500 of the 1503 rows

# --8<-- [start:source]
URL = "https://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"
SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
FILENAME = "airfoil_self_noise.dat"
# --8<-- [end:source]


# --8<-- [start:preprocess]
import torch


def read_airfoil(path, n=1500):
    """Features (n, 5) and labels (n,), standardized as the book does."""
    rows = []
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                fields = line.rstrip("\r\n").split("\t")
                if len(fields) != 6:
                    raise ValueError(f"{path}, line {number}: expected 6 tab-"
                                     f"separated numbers, got {len(fields)}")
                rows.append([float(x) for x in fields])
    if isinstance(n, bool) or not isinstance(n, int) or not 0 < n <= len(rows):
        raise ValueError(f"Invalid n: {n!r} (an integer from 1 to the "
                         f"{len(rows)} rows of {path})")
    # float32 values, as the book's np.genfromtxt parses them; the
    # statistics in float64, over all rows, then stored as float32
    data = torch.tensor(rows, dtype=torch.float32).double()
    mean = data.mean(dim=0)  # μ_j = (1/N)·Σ_i x_ij
    std = data.std(dim=0, correction=0)  # σ_j = √((1/N)·Σ_i (x_ij − μ_j)²)
    data = ((data - mean) / std).float()  # x ← (x − μ) / σ
    return data[:n, :-1], data[:n, -1]
# --8<-- [end:preprocess]


# --8<-- [start:loader]
import hashlib
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import NamedTuple

import torch

DEADLINE = 30  # seconds for a whole download
TIMEOUT = 10  # seconds of waiting for the server at a time
MAX_BYTES = 1_000_000  # the file has 59,984



class Airfoil(NamedTuple):
    features: torch.Tensor  # (1500, 5), float32, standardized
    labels: torch.Tensor  # (1500,)
    source: str  # "airfoil", or "synthetic" when the file was not had
    path: Path | None  # the file read


class AirfoilUnavailable(RuntimeError):
    """The checked file could not be had; the message says why."""


def cache_dir():
    """The user's cache folder for this site's data."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or Path.home() / "AppData/Local"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Caches"
    else:
        base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "adam-yogi"


def checked(path):
    """path, if the file's SHA-1 is the published one."""
    try:
        content = path.read_bytes()
    except OSError as error:  # missing, unreadable, a folder
        raise AirfoilUnavailable(f"cannot read {path} ({error.strerror})")
    digest = hashlib.sha1(content).hexdigest()
    if digest != SHA1:
        raise AirfoilUnavailable(f"{path} has SHA-1 {digest}, expected {SHA1}")
    return path


def fetch(url):
    """The body of url: at most MAX_BYTES, within DEADLINE seconds."""
    end, body = time.monotonic() + DEADLINE, b""
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        length = int(response.headers.get("Content-Length") or 0)
        while len(body) <= MAX_BYTES and length <= MAX_BYTES:
            if time.monotonic() > end:
                raise AirfoilUnavailable(f"{url} took over {DEADLINE} s; "
                                         "nothing was saved")
            chunk = response.read1(65536)  # what has arrived so far
            if not chunk:
                return body
            body += chunk
    raise AirfoilUnavailable(f"{url} sends over {MAX_BYTES} bytes; "
                             "nothing was saved")


def download(url, folder):
    """Fetch url into folder/FILENAME: checked first, then moved into place."""
    try:
        content = fetch(url)
    except AirfoilUnavailable:
        raise
    except Exception as error:  # offline, refused, an HTTP error, a timeout
        reason = " ".join(f"{type(error).__name__}: {error}".split())
        raise AirfoilUnavailable(f"could not download {url} ({reason})")
    digest = hashlib.sha1(content).hexdigest()
    if digest != SHA1:
        raise AirfoilUnavailable(f"the download of {url} has SHA-1 {digest}, "
                                 f"expected {SHA1}; nothing was saved")
    target = Path(folder) / FILENAME
    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False,
                                         prefix=FILENAME, suffix=".tmp") as f:
            tmp = f.name
            f.write(content)
        os.replace(tmp, target)  # the whole file or none of it
    except OSError as error:
        if tmp is not None and os.path.exists(tmp):
            os.remove(tmp)
        raise AirfoilUnavailable(f"could not save {target} ({error})")
    return target


def find_airfoil(data_dir=None, url=URL):
    """The checked file: in data_dir, $ADAM_YOGI_DATA_DIR, the current
    folder or the cache, else downloaded into the cache."""
    if data_dir is not None and not Path(data_dir).is_dir():
        raise ValueError(f"Invalid data_dir: {str(data_dir)!r} (not a folder)")
    folder = data_dir or os.environ.get("ADAM_YOGI_DATA_DIR")
    if folder:  # a folder named by the user: the file must be there
        path = Path(folder) / FILENAME
        if not path.is_file():
            raise AirfoilUnavailable(f"{path} does not exist")
        return checked(path)
    if Path(FILENAME).is_file():
        return checked(Path(FILENAME).resolve())
    try:
        return checked(cache_dir() / FILENAME)
    except AirfoilUnavailable:  # not there yet, or damaged
        return download(url, cache_dir())


def synthetic_airfoil(n=1500, rows=1503, seed=20180222):
    """A deterministic stand-in of the same shape: y = X·w + noise."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, 5, generator=gen, dtype=torch.float64)
    w = torch.tensor([-0.6, -0.35, -0.45, 0.3, -0.25], dtype=torch.float64)
    y = x @ w + 0.85 * torch.randn(rows, generator=gen, dtype=torch.float64)
    data = torch.cat([x, y[:, None]], dim=1)
    data = (data - data.mean(dim=0)) / data.std(dim=0, correction=0)
    data = data.float()
    return data[:n, :-1].contiguous(), data[:n, -1].contiguous()


def load_airfoil(data_dir=None, allow_synthetic=True, url=URL):
    """The airfoil data set, or a synthetic one (saying so) without it."""
    try:
        path = find_airfoil(data_dir, url)
    except AirfoilUnavailable as error:
        if not allow_synthetic:
            raise
        print(f"airfoil data unavailable: {error}; "
              "using synthetic data of the same shape", file=sys.stderr)
        return Airfoil(*synthetic_airfoil(), "synthetic", None)
    features, labels = read_airfoil(path)
    return Airfoil(features.contiguous(), labels.contiguous(), "airfoil", path)
# --8<-- [end:loader]
