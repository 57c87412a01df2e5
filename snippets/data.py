"""The airfoil self-noise data, as the optimization chapter of *Dive into Deep Learning* uses it.

Data set: NASA "Airfoil Self-Noise" — T. F. Brooks, D. S. Pope and M. A. Marcolini,
*Airfoil Self-Noise and Prediction*, NASA Reference Publication 1218 (1989); published by the
UCI Machine Learning Repository (id 291, https://doi.org/10.24432/C5VW2C) under CC BY 4.0.
1503 rows, tab-separated, no header: frequency (Hz), angle of attack (deg), chord length (m),
free-stream velocity (m/s), suction-side displacement thickness (m), scaled sound pressure
level (dB) — the regression target.

Where the file comes from, in this order:

1. ``load_airfoil(data_dir)`` — a folder that already holds ``airfoil_self_noise.dat``;
2. the environment variable ``ADAM_YOGI_DATA_DIR`` — the same, for builds and CI;
3. a download with pooch from ``URL`` into the user's cache folder (``pooch.os_cache("adam-yogi")``).

Every file is checked against ``SHA1`` before it is read. A download whose hash does not match
is deleted by pooch and never reaches the cache; a supplied file that does not match is refused.
With ``allow_synthetic=True`` any of these failures gives a deterministic synthetic regression
set of the same shape instead (``source == "synthetic"``) and a :class:`SyntheticDataWarning`.

Only torch is needed to read a file; pooch is imported inside :func:`download_airfoil`.
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import NamedTuple

import torch

# --8<-- [start:source]
URL = "http://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"
SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
FILENAME = "airfoil_self_noise.dat"
# --8<-- [end:source]
ENV_DATA_DIR = "ADAM_YOGI_DATA_DIR"
CACHE_NAME = "adam-yogi"  # pooch.os_cache(CACHE_NAME): ~/.cache/adam-yogi on Linux
NUM_EXAMPLES = 1500  # the book keeps the first 1500 of the 1503 rows
SYNTHETIC_SEED = 20180222  # fixed: the synthetic stand-in is the same on every machine


class AirfoilUnavailable(RuntimeError):
    """The real airfoil file could not be had (missing, offline, or pooch not installed)."""


class AirfoilHashMismatch(AirfoilUnavailable):
    """A file named ``airfoil_self_noise.dat`` whose SHA-1 is not ``SHA1``."""


class SyntheticDataWarning(UserWarning):
    """Results are computed on the synthetic stand-in, not on the airfoil data."""


class Airfoil(NamedTuple):
    features: torch.Tensor  # float32, (1500, 5), every column standardized
    labels: torch.Tensor  # float32, (1500,), standardized
    source: str  # "airfoil" or "synthetic"
    path: Path | None  # the file read; None for the synthetic set


def _how_to_supply() -> str:
    return (
        f"get {URL} (SHA-1 {SHA1}), put it in a folder DIR "
        f"and set {ENV_DATA_DIR}=DIR (or pass data_dir=DIR, --data-dir DIR on the command line)"
    )


def sha1_of(path: Path) -> str:
    """The SHA-1 hex digest of a file, read in 1 MiB chunks."""
    import hashlib

    digest = hashlib.sha1()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_hash(path: Path) -> None:
    """Refuse a file whose SHA-1 is not the published one."""
    actual = sha1_of(path)
    if actual != SHA1:
        raise AirfoilHashMismatch(
            f"refusing {path}: its SHA-1 is {actual}, expected {SHA1} (a corrupted or "
            f"different file; replace it with a fresh copy of {URL})"
        )


def download_airfoil(cache_dir: str | os.PathLike | None = None, *, downloader=None) -> Path:
    """Fetch the file with pooch into ``cache_dir`` (default: the user's cache) and return its path.

    pooch downloads to a temporary file, checks ``SHA1`` and only then moves it into place; on a
    mismatch it deletes the download. A cached copy that no longer matches is downloaded again.
    ``downloader`` is passed to :func:`pooch.retrieve` (tests use it to stay off the network).
    """
    try:
        import pooch  # only this path needs pooch
    except ImportError as err:
        raise AirfoilUnavailable(f"pooch is not installed, so the airfoil data can't be downloaded: {_how_to_supply()}") from err
    cache = Path(cache_dir) if cache_dir is not None else Path(pooch.os_cache(CACHE_NAME))
    try:
        fetched = pooch.retrieve(
            URL, known_hash=f"sha1:{SHA1}", fname=FILENAME, path=cache, downloader=downloader, progressbar=False
        )
    except ValueError as err:  # pooch's hash mismatch; the download is already deleted
        actual = str(err).split(" but got ")[-1].split(".")[0] if " but got " in str(err) else "?"
        raise AirfoilHashMismatch(
            f"refusing the download of {URL} into {cache / FILENAME}: its SHA-1 is {actual}, "
            f"expected {SHA1}; the download was deleted"
        ) from err
    except OSError as err:  # no network, DNS failure, HTTP error (requests' errors are OSErrors)
        detail = " ".join(str(err).split())
        reason = f"{type(err).__name__}: {detail}" if detail and len(detail) <= 120 else type(err).__name__
        raise AirfoilUnavailable(f"could not download the airfoil data ({reason}; offline?): {_how_to_supply()}") from err
    return Path(fetched)


def locate_airfoil(data_dir: str | os.PathLike | None = None) -> Path:
    """The checked file: from ``data_dir``, else ``$ADAM_YOGI_DATA_DIR``, else a pooch download."""
    if data_dir is None:
        data_dir = os.environ.get(ENV_DATA_DIR) or None
        named_by = f"${ENV_DATA_DIR}"
    else:
        named_by = "data_dir"
    if data_dir is None:
        return download_airfoil()
    folder = Path(data_dir).expanduser()
    if not folder.is_dir():
        raise AirfoilUnavailable(f"{named_by} names {folder}, which is not a folder; {_how_to_supply()}")
    path = folder / FILENAME
    if not path.is_file():
        raise AirfoilUnavailable(f"the folder {folder} (from {named_by}) holds no {FILENAME}; {_how_to_supply()}")
    check_hash(path)
    return path


# --8<-- [start:preprocess]
import torch


def read_airfoil(path, n=1500):
    """Parse the tab-separated file and standardize it exactly as the book does.

    The book: ``data = np.genfromtxt(path, dtype=np.float32, delimiter='\\t')`` then
    ``(data - data.mean(axis=0)) / data.std(axis=0)`` — the population std (ddof=0) over all
    1503 rows, every column including the target — then keeps the first ``n`` rows
    (an integer from 1 to the number of rows in the file).
    """
    rows = []
    with open(path, encoding="ascii") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                fields = line.rstrip("\r\n").split("\t")
                if len(fields) != 6:
                    raise ValueError(f"{path}, line {number}: expected 6 tab-separated numbers, got {len(fields)}")
                rows.append([float(x) for x in fields])
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= len(rows):
        raise ValueError(f"Invalid n: {n!r} (an integer from 1 to the {len(rows)} rows of {path})")
    data = torch.tensor(rows, dtype=torch.float32).double()  # float32 values, as np.float32 parses them
    mean = data.mean(dim=0)  # μ_j = (1/N)·Σ_i x_ij
    std = data.std(dim=0, correction=0)  # σ_j = √((1/N)·Σ_i (x_ij − μ_j)²), numpy's default ddof=0
    data = ((data - mean) / std).float()  # x ← (x − μ) / σ, computed in float64, stored as float32
    return data[:n, :-1], data[:n, -1]  # features (n, 5), labels (n,)
# --8<-- [end:preprocess]


def synthetic_airfoil(n: int = NUM_EXAMPLES, rows: int = 1503, seed: int = SYNTHETIC_SEED) -> tuple[torch.Tensor, torch.Tensor]:
    """A deterministic stand-in of the same shape: y = X·w + noise, standardized like the real set.

    The noise is chosen so that the best linear fit leaves about the same loss as on the real
    data (½·MSE ≈ 0.24). It does not depend on the global RNG.
    """
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, 5, generator=gen, dtype=torch.float64)
    w = torch.tensor([-0.6, -0.35, -0.45, 0.3, -0.25], dtype=torch.float64)
    y = x @ w + 0.85 * torch.randn(rows, generator=gen, dtype=torch.float64)
    data = torch.cat([x, y[:, None]], dim=1)
    data = (data - data.mean(dim=0)) / data.std(dim=0, correction=0)
    data = data.float()
    return data[:n, :-1].contiguous(), data[:n, -1].contiguous()


def load_airfoil(data_dir: str | os.PathLike | None = None, *, allow_synthetic: bool = False) -> Airfoil:
    """The book's standardized airfoil regression set: features (1500, 5), labels (1500,), float32.

    ``data_dir``: a folder holding ``airfoil_self_noise.dat``; default ``$ADAM_YOGI_DATA_DIR``,
    else a pooch download into the user's cache. Raises :class:`AirfoilUnavailable` (one line,
    saying how to supply the file) when the file can't be had or fails its hash check — unless
    ``allow_synthetic``, which returns the synthetic stand-in with a :class:`SyntheticDataWarning`.
    """
    try:
        path = locate_airfoil(data_dir)
    except AirfoilUnavailable as err:
        if not allow_synthetic:
            raise
        warnings.warn(
            f"using a synthetic stand-in for the airfoil data, so results are not the book's: {err}",
            SyntheticDataWarning,
            stacklevel=2,
        )
        features, labels = synthetic_airfoil()
        return Airfoil(features, labels, "synthetic", None)
    features, labels = read_airfoil(path, NUM_EXAMPLES)
    return Airfoil(features.contiguous(), labels.contiguous(), "airfoil", path)
