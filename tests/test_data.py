"""snippets/data.py: the loader on files the tests make, the download from a local HTTP server (the
real one is never contacted), offline and tampered downloads, the synthetic stand-in, and the
real file when ../shared/data has it. The last tests run the page's own sections in a fresh
``python -I``, as a reader who copied them would."""
import hashlib
import http.server
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from snippets import data
from snippets.data import FILENAME, SHA1, AirfoilUnavailable, load_airfoil

from test_snippet_sections import sections  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
# The real file, where conftest.py found it ($ADAM_YOGI_DATA_DIR, or ../shared/data beside the checkout)
REAL_DIR = Path(os.environ.get("ADAM_YOGI_DATA_DIR") or Path(__file__).resolve().parents[2] / "shared" / "data")
REAL_FILE = REAL_DIR / FILENAME


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """No test here reaches beyond 127.0.0.1, reads the user's cache or the current folder."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(sock, address, *args):
        if isinstance(address, tuple) and address[0] not in ("127.0.0.1", "localhost"):
            raise OSError("network disabled in tests")
        return real_connect(sock, address, *args)

    def getaddrinfo(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost"):
            raise OSError("network disabled in tests")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.delenv(data.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "user-cache"))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)


def _rows(n=1503, seed=1):
    """Airfoil-like raw rows (positive, different scales), deterministic."""
    gen = torch.Generator().manual_seed(seed)
    scale = torch.tensor([5000.0, 10.0, 0.2, 60.0, 0.02, 120.0], dtype=torch.float64)
    values = (torch.rand(n, 6, generator=gen, dtype=torch.float64) + 0.1) * scale
    return [[float(f"{x:.6g}") for x in row] for row in values.tolist()]


def airfoil_bytes(rows) -> bytes:
    """Rows as the real file is written: tab-separated, CRLF."""
    return "".join("\t".join(f"{x:g}" for x in row) + "\r\n" for row in rows).encode("ascii")


def write_airfoil(folder: Path, rows) -> tuple[Path, str]:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FILENAME
    path.write_bytes(airfoil_bytes(rows))
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


class Server:
    """A local HTTP server: ``content`` at any path, or ``status`` as an error; counts requests.
    ``send(wfile)``, when given, writes the body instead (after ``length`` as Content-Length,
    or none: the body then ends when the connection closes)."""

    def __init__(self, content=b"", status=200, send=None, length=None):
        self.content, self.status, self.requests = content, status, 0
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests += 1
                self.send_response(server.status)
                if send is None or length is not None:
                    self.send_header("Content-Length", str(len(server.content) if send is None else length))
                self.end_headers()
                if send is None:
                    self.wfile.write(server.content)
                    return
                try:
                    send(self.wfile)
                except OSError:  # the client gave up: what these servers are for
                    pass
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{FILENAME}"

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    servers = []

    def start(content=b"", status=200, send=None, length=None):
        servers.append(Server(content, status, send, length))
        return servers[-1]

    yield start
    for s in servers:
        s.close()


def refused_url():
    """A 127.0.0.1 port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{FILENAME}"


def cache_folder(tmp_path) -> Path:
    return tmp_path / "user-cache" / "adam-yogi"


# --- a folder that holds the file --------------------------------------------------------------


def test_right_hash_is_read_and_standardized_as_the_book(good_file):
    airfoil = load_airfoil(good_file.parent)
    assert airfoil.source == "airfoil" and airfoil.path == good_file
    assert airfoil.features.shape == (1500, 5) and airfoil.labels.shape == (1500,)
    assert airfoil.features.dtype == airfoil.labels.dtype == torch.float32
    features, labels = book_preprocess(good_file)
    assert torch.equal(airfoil.features, torch.from_numpy(features))
    assert torch.equal(airfoil.labels, torch.from_numpy(labels))


def test_statistics_are_taken_over_all_1503_rows_with_the_population_std(tmp_path, monkeypatch):
    rows = _rows()
    rows[1501][5] = 1e4  # an outlier in a row that is dropped must still move mean and std
    path, sha = write_airfoil(tmp_path / "d", rows)
    monkeypatch.setattr(data, "SHA1", sha)
    labels = load_airfoil(path.parent).labels.double()
    raw = torch.tensor([r[5] for r in rows], dtype=torch.float32).double()
    mean, pop_std = raw.mean(), raw.std(correction=0)
    assert torch.allclose(labels, ((raw - mean) / pop_std)[:1500], atol=1e-6)
    assert not torch.allclose(labels, ((raw - mean) / raw.std(correction=1))[:1500], atol=1e-6)


def test_the_environment_variable_then_the_current_folder(good_file, tmp_path, monkeypatch):
    monkeypatch.setenv(data.ENV_DATA_DIR, str(good_file.parent))
    assert load_airfoil().path == good_file
    monkeypatch.setenv(data.ENV_DATA_DIR, str(tmp_path / "nowhere"))
    assert load_airfoil(good_file.parent).path == good_file  # data_dir wins
    monkeypatch.delenv(data.ENV_DATA_DIR)
    here = Path.cwd() / FILENAME
    here.write_bytes(good_file.read_bytes())
    assert load_airfoil().path == here.resolve()  # no variable: the current folder


def test_the_section_reads_the_variable_the_module_names():
    assert f'"{data.ENV_DATA_DIR}"' in sections(ROOT / "snippets" / "data.py")["loader"]


def test_a_named_folder_is_the_only_place_looked_at(good_file, tmp_path, monkeypatch, server):
    monkeypatch.setenv(data.ENV_DATA_DIR, str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    (Path.cwd() / FILENAME).write_bytes(good_file.read_bytes())
    s = server(good_file.read_bytes())
    with pytest.raises(AirfoilUnavailable, match=f"{tmp_path / 'empty' / FILENAME} does not exist"):
        load_airfoil(allow_synthetic=False, url=s.url)
    assert s.requests == 0  # nothing downloaded, the current folder not read either


def test_wrong_hash_is_refused_naming_file_and_both_hashes(tmp_path):
    path, actual = write_airfoil(tmp_path / "d", _rows(20))
    with pytest.raises(AirfoilUnavailable) as err:
        load_airfoil(path.parent, allow_synthetic=False)
    message = str(err.value)
    assert str(path) in message and SHA1 in message and actual in message and "\n" not in message
    assert path.is_file()  # a file the user supplied is refused, not deleted


def test_a_data_dir_that_is_no_folder_is_a_bad_argument(tmp_path):
    with pytest.raises(ValueError, match=rf"Invalid data_dir: '{tmp_path / 'missing'}' \(not a folder\)"):
        load_airfoil(tmp_path / "missing")


def test_malformed_line_names_file_and_line(tmp_path, monkeypatch):
    path, _ = write_airfoil(tmp_path / "d", _rows(5))
    path.write_bytes(path.read_bytes() + b"1\t2\t3\r\n")
    monkeypatch.setattr(data, "SHA1", hashlib.sha1(path.read_bytes()).hexdigest())
    with pytest.raises(ValueError, match=r"line 6: expected 6 tab-separated numbers, got 3"):
        load_airfoil(path.parent)


# --- the download -------------------------------------------------------------------------------


def test_download_goes_to_the_user_cache_checked_and_is_reused(tmp_path, monkeypatch, server):
    content = airfoil_bytes(_rows())
    monkeypatch.setattr(data, "SHA1", hashlib.sha1(content).hexdigest())
    s = server(content)
    airfoil = load_airfoil(url=s.url)
    target = cache_folder(tmp_path) / FILENAME
    assert airfoil.source == "airfoil" and airfoil.path == target and target.read_bytes() == content
    assert sorted(p.name for p in target.parent.iterdir()) == [FILENAME]  # no temporary file left
    assert load_airfoil(url=s.url).path == target and s.requests == 1  # from the cache
    target.write_bytes(b"corrupted")  # a damaged cache is downloaded again, not trusted
    assert load_airfoil(url=s.url).source == "airfoil" and target.read_bytes() == content
    assert s.requests == 2


def _one_line_and_synthetic(capsys, **kwargs):
    airfoil = load_airfoil(**kwargs)
    captured = capsys.readouterr()
    assert airfoil.source == "synthetic" and airfoil.path is None
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("airfoil data unavailable: "), captured.err
    return lines[0]


def test_a_tampered_download_gives_one_line_and_leaves_nothing(tmp_path, capsys, server):
    bad = b"not the airfoil data\r\n"
    line = _one_line_and_synthetic(capsys, url=server(bad).url)
    assert SHA1 in line and hashlib.sha1(bad).hexdigest() in line and "nothing was saved" in line
    assert not cache_folder(tmp_path).exists() or list(cache_folder(tmp_path).iterdir()) == []


def test_a_refused_connection_gives_one_line_and_leaves_nothing(tmp_path, capsys):
    url = refused_url()
    line = _one_line_and_synthetic(capsys, url=url)
    assert f"could not download {url}" in line and "Connection refused" in line
    assert not cache_folder(tmp_path).exists() or list(cache_folder(tmp_path).iterdir()) == []


def test_an_http_error_gives_one_line(capsys, server):
    line = _one_line_and_synthetic(capsys, url=server(b"gone", status=404).url)
    assert "HTTP Error 404" in line


def test_a_cache_that_cannot_be_written_gives_one_line_and_no_temporary_file(tmp_path, capsys, monkeypatch, server):
    content = airfoil_bytes(_rows())
    monkeypatch.setattr(data, "SHA1", hashlib.sha1(content).hexdigest())
    folder = cache_folder(tmp_path)
    folder.mkdir(parents=True)
    (folder / FILENAME).mkdir()  # os.replace onto a folder fails after the temporary file is written
    line = _one_line_and_synthetic(capsys, url=server(content).url)
    assert "could not save" in line
    assert [p.name for p in folder.iterdir()] == [FILENAME]  # the temporary file was removed


def test_the_published_address_is_https():
    assert data.URL.startswith("https://")


def test_a_download_ends_within_a_minute_whatever_the_server_does():
    """The deadline is checked between the pieces of the body, each awaited at most TIMEOUT."""
    assert data.DEADLINE + data.TIMEOUT <= 60


def _trickle(wfile, pause=0.2):
    for byte in airfoil_bytes(_rows()):
        wfile.write(bytes([byte]))
        wfile.flush()
        time.sleep(pause)


def test_a_trickling_server_is_given_up_at_the_deadline(tmp_path, capsys, monkeypatch, server):
    """One byte at a time, each well within the wait for the server: the total deadline ends it."""
    monkeypatch.setattr(data, "DEADLINE", 1.0)
    s = server(send=_trickle, length=59984)
    started = time.monotonic()
    line = _one_line_and_synthetic(capsys, url=s.url)
    assert time.monotonic() - started < 3, "the deadline was not kept"
    assert f"{s.url} took over 1.0 s; nothing was saved" in line
    assert not cache_folder(tmp_path).exists() or list(cache_folder(tmp_path).iterdir()) == []


def test_a_server_that_stops_sending_is_given_up_after_the_wait(capsys, monkeypatch, server):
    monkeypatch.setattr(data, "TIMEOUT", 0.5)
    s = server(send=lambda wfile: time.sleep(3), length=59984)
    started = time.monotonic()
    line = _one_line_and_synthetic(capsys, url=s.url)
    assert time.monotonic() - started < 2.5 and "timed out" in line


def _endless(wfile):
    while True:
        wfile.write(b"0" * 65536)


@pytest.mark.parametrize("length", [2 * 2**30, None], ids=["announced", "unannounced"])
def test_a_body_over_the_size_cap_is_refused_without_reading_it(tmp_path, capsys, server, length):
    """A 2 GiB Content-Length is refused before the body is read; an endless body without one
    once it passes the cap (MAX_BYTES)."""
    s = server(send=_endless, length=length)
    started = time.monotonic()
    line = _one_line_and_synthetic(capsys, url=s.url)
    assert time.monotonic() - started < 5
    assert f"{s.url} sends over {data.MAX_BYTES} bytes; nothing was saved" in line
    assert not cache_folder(tmp_path).exists() or list(cache_folder(tmp_path).iterdir()) == []


def test_the_cap_leaves_room_for_the_real_file():
    assert 10 * 59984 <= data.MAX_BYTES <= 2**21  # room for the real file (59,984 bytes), no more


@pytest.mark.parametrize("where", ["data_dir", "cache"])
def test_a_file_that_cannot_be_read_gives_one_line(good_file, tmp_path, capsys, monkeypatch, where):
    """A permission error (simulated: these tests may run as root, who reads anything) is the
    loader's one line and the fallback, never a traceback; in the cache, a download replaces it."""
    real_read = Path.read_bytes
    unreadable = good_file if where == "data_dir" else cache_folder(tmp_path) / FILENAME

    def read_bytes(path):
        if path == unreadable:
            raise PermissionError(13, "Permission denied", str(path))
        return real_read(path)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    if where == "data_dir":
        line = _one_line_and_synthetic(capsys, data_dir=good_file.parent)
        assert line == (f"airfoil data unavailable: cannot read {good_file} (Permission denied); "
                        "using synthetic data of the same shape")
        with pytest.raises(AirfoilUnavailable, match="Permission denied"):
            load_airfoil(good_file.parent, allow_synthetic=False)
    else:
        unreadable.parent.mkdir(parents=True)
        unreadable.write_bytes(good_file.read_bytes())
        line = _one_line_and_synthetic(capsys, url=refused_url())
        assert "could not download" in line


def test_without_allow_synthetic_nothing_is_made_up(capsys):
    with pytest.raises(AirfoilUnavailable, match="could not download"):
        load_airfoil(allow_synthetic=False, url=refused_url())
    assert capsys.readouterr().err == ""


# --- the synthetic stand-in ----------------------------------------------------------------------


def test_synthetic_fallback_shape_and_determinism(capsys):
    torch.manual_seed(123)
    first = load_airfoil(url=refused_url())
    torch.manual_seed(456)  # the global RNG has no say
    second = load_airfoil(url=refused_url())
    assert capsys.readouterr().err.count("using synthetic data of the same shape\n") == 2
    assert first.source == "synthetic" and first.path is None
    assert first.features.shape == (1500, 5) and first.labels.shape == (1500,)
    assert first.features.dtype == first.labels.dtype == torch.float32
    assert torch.equal(first.features, second.features) and torch.equal(first.labels, second.labels)
    # standardized like the real set, and a regression problem a line fits about as well
    assert first.features.mean(0).abs().max() < 0.1 and (first.features.std(0) - 1).abs().max() < 0.1
    X = torch.cat([first.features, torch.ones(1500, 1)], 1).double()
    residual = X @ torch.linalg.lstsq(X, first.labels.double()[:, None]).solution - first.labels.double()[:, None]
    assert 0.15 < 0.5 * residual.pow(2).mean() < 0.35


# --- the real file ---------------------------------------------------------------------------


@pytest.mark.skipif(not REAL_FILE.is_file(), reason=f"the real data file is not at {REAL_FILE}")
def test_real_file_matches_the_book_preprocessing():
    airfoil = load_airfoil(REAL_DIR, allow_synthetic=False)
    assert airfoil.source == "airfoil" and airfoil.path == REAL_FILE
    assert hashlib.sha1(REAL_FILE.read_bytes()).hexdigest() == SHA1
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


def _page_loader(tmp_path) -> Path:
    """The three sections a page shows, in the page's order, as a reader's file."""
    found = sections(ROOT / "snippets" / "data.py")
    script = tmp_path / "reader.py"
    script.write_text("\n\n".join(found[name] for name in ("source", "preprocess", "loader")), encoding="utf-8")
    return script


@pytest.mark.slow
@pytest.mark.parametrize("case", ["tampered", "refused"])
def test_the_page_code_offline_says_one_line_and_leaves_nothing(case, tmp_path, server):
    """The reader's copy, in a fresh `python -I` in an empty folder: a tampered download and a
    refused connection each give one line on stderr, the synthetic data, exit 0, no file."""
    url = server(b"<html>a captive portal</html>").url if case == "tampered" else refused_url()
    script = _page_loader(tmp_path)
    script.write_text(script.read_text(encoding="utf-8")
                      + f"\ndata = load_airfoil(url={url!r})\nprint(data.source, tuple(data.features.shape))\n",
                      encoding="utf-8")
    folder = tmp_path / "empty"
    folder.mkdir()
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path / "home"),
           "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-I", str(script)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "synthetic (1500, 5)\n"
    assert len(proc.stderr.splitlines()) == 1 and proc.stderr.startswith("airfoil data unavailable: "), proc.stderr
    assert "Traceback" not in proc.stderr
    left = [p for p in (tmp_path / "cache").rglob("*") if p.is_file()] if (tmp_path / "cache").exists() else []
    assert left == [] and list(folder.iterdir()) == []


@pytest.mark.slow
def test_the_page_code_downloads_into_the_cache(tmp_path, server):
    content = airfoil_bytes(_rows())
    script = _page_loader(tmp_path)
    url = server(content).url
    script.write_text(script.read_text(encoding="utf-8").replace(SHA1, hashlib.sha1(content).hexdigest())
                      + f"\nprint(load_airfoil(url={url!r}).path)\n", encoding="utf-8")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    proc = subprocess.run([sys.executable, "-I", str(script)], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    target = tmp_path / "cache" / "adam-yogi" / FILENAME
    assert proc.stdout.strip() == str(target) and target.read_bytes() == content
