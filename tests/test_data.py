"""snippets/data.py: the loader on files the tests make, the download path with the network cut,
the synthetic stand-in, and the real file when ../shared/data has it."""
import hashlib
import socket
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch

from snippets import data
from snippets.data import (
    FILENAME,
    SHA1,
    URL,
    AirfoilHashMismatch,
    AirfoilUnavailable,
    SyntheticDataWarning,
    load_airfoil,
)

from test_snippet_sections import sections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
REAL_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
REAL_FILE = REAL_DIR / FILENAME


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """No test here may reach the network: every connection attempt fails at once."""

    def refuse(*args, **kwargs):
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)


def _rows(n=1503, seed=1):
    """Airfoil-like raw rows (positive, different scales), deterministic."""
    gen = torch.Generator().manual_seed(seed)
    scale = torch.tensor([5000.0, 10.0, 0.2, 60.0, 0.02, 120.0], dtype=torch.float64)
    values = (torch.rand(n, 6, generator=gen, dtype=torch.float64) + 0.1) * scale
    return [[float(f"{x:.6g}") for x in row] for row in values.tolist()]


def write_airfoil(folder: Path, rows) -> tuple[Path, str]:
    """Write rows as the real file is written (tab-separated, CRLF); return (path, sha1)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILENAME
    path.write_bytes("".join("\t".join(f"{x:g}" for x in row) + "\r\n" for row in rows).encode("ascii"))
    return path, hashlib.sha1(path.read_bytes()).hexdigest()


def book_preprocess(path, n=1500, dtype=np.float64):
    """The book's numpy pipeline (np.genfromtxt + population std); float64 by default."""
    d = np.genfromtxt(path, dtype=np.float32, delimiter="\t").astype(dtype)
    d = (d - d.mean(axis=0)) / d.std(axis=0)
    return d[:n, :-1].astype(np.float32), d[:n, -1].astype(np.float32)


@pytest.fixture
def good_file(tmp_path, monkeypatch):
    """A 1503-row file in tmp_path whose hash the loader is told to expect."""
    path, sha = write_airfoil(tmp_path / "good", _rows())
    monkeypatch.setattr(data, "SHA1", sha)
    return path


# --- a folder that holds the file --------------------------------------------------------------


def test_right_hash_is_read_and_standardized_as_the_book(good_file):
    airfoil = load_airfoil(good_file.parent)
    assert airfoil.source == "airfoil" and airfoil.path == good_file
    assert airfoil.features.shape == (1500, 5) and airfoil.labels.shape == (1500,)
    assert airfoil.features.dtype == airfoil.labels.dtype == torch.float32
    # the same numbers as the book's numpy formula, evaluated in float64 and rounded to float32
    features, labels = book_preprocess(good_file)
    assert torch.equal(airfoil.features, torch.from_numpy(features))
    assert torch.equal(airfoil.labels, torch.from_numpy(labels))


def test_statistics_are_taken_over_all_1503_rows_with_the_population_std(tmp_path, monkeypatch):
    rows = _rows()
    rows[1501][5] = 1e4  # an outlier in a row that is dropped must still move mean and std
    path, sha = write_airfoil(tmp_path, rows)
    monkeypatch.setattr(data, "SHA1", sha)
    labels = load_airfoil(tmp_path).labels.double()
    raw = torch.tensor([r[5] for r in rows], dtype=torch.float32).double()
    mean, pop_std = raw.mean(), raw.std(correction=0)
    assert torch.allclose(labels, ((raw - mean) / pop_std)[:1500], atol=1e-6)
    assert not torch.allclose(labels, ((raw - mean) / raw.std(correction=1))[:1500], atol=1e-6)


def test_environment_variable_names_the_folder_and_data_dir_wins(good_file, tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_DATA_DIR, str(good_file.parent))
    assert load_airfoil().path == good_file
    monkeypatch.setenv(data.ENV_DATA_DIR, str(tmp_path / "nowhere"))
    assert load_airfoil(good_file.parent).path == good_file


def test_wrong_hash_is_refused_naming_file_and_both_hashes(tmp_path):
    path, actual = write_airfoil(tmp_path, _rows(20))
    with pytest.raises(AirfoilHashMismatch) as err:
        load_airfoil(tmp_path)
    message = str(err.value)
    assert str(path) in message and SHA1 in message and actual in message
    assert path.is_file()  # a file the user supplied is refused, not deleted


def test_folder_without_the_file_is_named(tmp_path):
    with pytest.raises(AirfoilUnavailable, match=f"{tmp_path}.*holds no {FILENAME}"):
        load_airfoil(tmp_path)
    missing = tmp_path / "missing"
    with pytest.raises(AirfoilUnavailable, match=f"{missing}.*not a folder"):
        load_airfoil(missing)


def test_malformed_line_names_file_and_line(tmp_path, monkeypatch):
    path, _ = write_airfoil(tmp_path, _rows(5))
    path.write_bytes(path.read_bytes() + b"1\t2\t3\r\n")
    monkeypatch.setattr(data, "SHA1", hashlib.sha1(path.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match=r"line 6: expected 6 tab-separated numbers, got 3"):
        load_airfoil(tmp_path)


# --- the download -------------------------------------------------------------------------------


def test_no_network_gives_one_line_saying_how_to_supply_the_file(tmp_path, monkeypatch):
    pooch = pytest.importorskip("pooch")
    monkeypatch.setattr(pooch, "os_cache", lambda name: tmp_path / "cache" / name)
    with pytest.raises(AirfoilUnavailable) as err:
        load_airfoil()  # real pooch, real downloader; the socket refuses
    message = str(err.value)
    assert "\n" not in message
    assert URL in message and data.ENV_DATA_DIR in message and "data_dir" in message
    assert not (tmp_path / "cache" / data.CACHE_NAME / FILENAME).exists()


def test_download_with_wrong_content_is_refused_and_not_cached(tmp_path):
    pytest.importorskip("pooch")
    bad = b"not the airfoil data\r\n"

    def downloader(url, output_file, pooch):
        assert url == URL
        Path(output_file).write_bytes(bad)

    cache = tmp_path / "cache"
    with pytest.raises(AirfoilHashMismatch) as err:
        data.download_airfoil(cache, downloader=downloader)
    message = str(err.value)
    assert SHA1 in message and hashlib.sha1(bad).hexdigest() in message and URL in message
    assert list(cache.iterdir()) == []  # neither the file nor pooch's temporary copy is left


def test_download_with_right_content_is_cached_and_reused(tmp_path, monkeypatch):
    pytest.importorskip("pooch")
    source, sha = write_airfoil(tmp_path / "server", _rows())
    monkeypatch.setattr(data, "SHA1", sha)
    calls = []

    def downloader(url, output_file, pooch):
        calls.append(url)
        Path(output_file).write_bytes(source.read_bytes())

    cache = tmp_path / "cache"
    path = data.download_airfoil(cache, downloader=downloader)
    assert path == cache.resolve() / FILENAME and path.read_bytes() == source.read_bytes()
    assert data.download_airfoil(cache, downloader=downloader) == path and len(calls) == 1  # cached
    path.write_bytes(b"corrupted")  # a damaged cache is downloaded again, not trusted
    assert data.download_airfoil(cache, downloader=downloader).read_bytes() == source.read_bytes()
    assert len(calls) == 2


def test_load_airfoil_downloads_into_the_user_cache(tmp_path, monkeypatch):
    pooch = pytest.importorskip("pooch")
    source, sha = write_airfoil(tmp_path / "server", _rows())
    monkeypatch.setattr(data, "SHA1", sha)
    monkeypatch.setattr(pooch, "os_cache", lambda name: tmp_path / "user-cache" / name)
    real_retrieve = pooch.retrieve

    def retrieve(*args, **kwargs):  # the real function, with a local "server"
        kwargs["downloader"] = lambda url, out, p: Path(out).write_bytes(source.read_bytes())
        return real_retrieve(*args, **kwargs)

    monkeypatch.setattr(pooch, "retrieve", retrieve)
    airfoil = load_airfoil()
    assert airfoil.source == "airfoil"
    assert airfoil.path == (tmp_path / "user-cache" / "adam-yogi").resolve() / FILENAME


def test_without_pooch_the_download_path_says_how_to_supply_the_file(monkeypatch):
    monkeypatch.setitem(sys.modules, "pooch", None)  # `import pooch` raises ImportError
    with pytest.raises(AirfoilUnavailable, match="pooch is not installed.*ADAM_YOGI_DATA_DIR"):
        load_airfoil()


def test_reading_a_folder_needs_torch_only(good_file):
    code = (
        "import sys; sys.modules['pooch'] = None\n"  # `import pooch` would raise ImportError
        "import snippets.data as d\n"
        f"d.SHA1 = {data.SHA1!r}\n"
        f"print(d.load_airfoil({str(good_file.parent)!r}).features.shape)\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "torch.Size([1500, 5])"


# --- the synthetic stand-in ----------------------------------------------------------------------


def test_synthetic_fallback_shape_flag_warning_and_determinism(tmp_path):
    torch.manual_seed(123)
    with pytest.warns(SyntheticDataWarning, match="synthetic stand-in.*holds no"):
        first = load_airfoil(tmp_path, allow_synthetic=True)
    torch.manual_seed(456)  # the global RNG has no say
    with pytest.warns(SyntheticDataWarning):
        second = load_airfoil(tmp_path, allow_synthetic=True)
    assert first.source == "synthetic" and first.path is None
    assert first.features.shape == (1500, 5) and first.labels.shape == (1500,)
    assert first.features.dtype == first.labels.dtype == torch.float32
    assert torch.equal(first.features, second.features) and torch.equal(first.labels, second.labels)
    # standardized like the real set, and a regression problem a line fits about as well
    assert first.features.mean(0).abs().max() < 0.1 and (first.features.std(0) - 1).abs().max() < 0.1
    X = torch.cat([first.features, torch.ones(1500, 1)], 1).double()
    residual = X @ torch.linalg.lstsq(X, first.labels.double()[:, None]).solution - first.labels.double()[:, None]
    assert 0.15 < 0.5 * residual.pow(2).mean() < 0.35


def test_synthetic_fallback_covers_a_wrong_hash_and_no_network(tmp_path, monkeypatch):
    write_airfoil(tmp_path, _rows(10))
    with pytest.warns(SyntheticDataWarning, match="SHA-1"):
        assert load_airfoil(tmp_path, allow_synthetic=True).source == "synthetic"
    monkeypatch.setitem(sys.modules, "pooch", None)
    with pytest.warns(SyntheticDataWarning):
        assert load_airfoil(allow_synthetic=True).source == "synthetic"


def test_without_allow_synthetic_nothing_is_made_up(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AirfoilUnavailable):
            load_airfoil(tmp_path)


# --- the real file ---------------------------------------------------------------------------


@pytest.mark.skipif(not REAL_FILE.is_file(), reason=f"the real data file is not at {REAL_FILE}")
def test_real_file_matches_the_book_preprocessing():
    airfoil = load_airfoil(REAL_DIR)
    assert airfoil.source == "airfoil" and airfoil.path == REAL_FILE
    assert data.sha1_of(REAL_FILE) == SHA1
    features, labels = book_preprocess(REAL_FILE)
    assert torch.equal(airfoil.features, torch.from_numpy(features))
    assert torch.equal(airfoil.labels, torch.from_numpy(labels))
    # the book computes in float32; the difference is float32 rounding of the column statistics
    f32_features, f32_labels = book_preprocess(REAL_FILE, dtype=np.float32)
    assert np.abs(airfoil.features.numpy() - f32_features).max() < 5e-5
    assert np.abs(airfoil.labels.numpy() - f32_labels).max() < 5e-5
    # first row: 800 Hz, 0°, 0.3048 m, 71.3 m/s, 0.00266337 m → 126.201 dB
    assert airfoil.features[0].tolist() == pytest.approx([-0.6620, -1.1464, 1.7993, 1.3129, -0.6448], abs=1e-4)
    assert airfoil.labels[0].item() == pytest.approx(0.1979, abs=1e-4)


# --- the page sections ------------------------------------------------------------------------


@pytest.mark.parametrize("n", [-1, 0, 1504, 1.5, 1500.0, "1500", None, True])
def test_read_airfoil_refuses_a_row_count_the_file_cannot_give(good_file, n):
    with pytest.raises(ValueError) as info:
        data.read_airfoil(good_file, n=n)
    assert str(info.value) == f"Invalid n: {n!r} (an integer from 1 to the 1503 rows of {good_file})"


def test_read_airfoil_keeps_the_first_n_rows(good_file):
    features, labels = data.read_airfoil(good_file, n=1503)
    assert features.shape == (1503, 5) and labels.shape == (1503,)
    first, first_labels = data.read_airfoil(good_file, n=1)
    assert torch.equal(first, features[:1]) and torch.equal(first_labels, labels[:1])


def test_page_sections_run_on_their_own(good_file):
    namespace = {}
    exec(sections(ROOT / "snippets" / "data.py")["source"], namespace)
    assert (namespace["URL"], namespace["SHA1"]) == (URL, SHA1)
    exec(sections(ROOT / "snippets" / "data.py")["preprocess"], namespace)
    features, labels = namespace["read_airfoil"](good_file)
    assert torch.equal(features, load_airfoil(good_file.parent).features)
    with pytest.raises(ValueError, match="Invalid n: -1"):
        namespace["read_airfoil"](good_file, n=-1)
