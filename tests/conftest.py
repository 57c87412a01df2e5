"""Shared test fixtures: the device matrix and the pytest markers.

Run everything with ``python -m pytest``; select the quick inner loop with
``-m "not slow and not browser"``.
"""
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `import snippets` works however pytest is started
    sys.path.insert(0, str(ROOT))


SHARED_DATA = ROOT.parent / "shared" / "data"
if "ADAM_YOGI_DATA_DIR" not in os.environ and (SHARED_DATA / "airfoil_self_noise.dat").is_file():
    # The project downloads the file itself; tests may use the copy beside the checkout.
    os.environ["ADAM_YOGI_DATA_DIR"] = str(SHARED_DATA)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds (a site build, a long run)")
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


_CUDA_SKIP = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="CUDA is not available on this machine (torch.cuda.is_available() is False)"
)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=_CUDA_SKIP)])
def device(request):
    """Every test that takes ``device`` runs on the CPU, and on CUDA when a GPU is present."""
    return torch.device(request.param)


# --- the built site, shared by the site and browser tests --------------------------------------

import os
import subprocess
import time


def build_site(dest, env=None, config=ROOT / "mkdocs.yml"):
    """`mkdocs build --strict` into ``dest``; returns (completed process, seconds)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-f", str(config), "-d", str(dest)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
    )
    return proc, time.perf_counter() - start



def site_for_measuring(site, tmp):
    """The measurement scripts' site: ``site`` when given, else a clean build into ``tmp``
    (its time printed); a failed build ends the script with mkdocs' error."""
    if site is not None:
        return site
    site = Path(tmp) / "site"
    proc, seconds = build_site(site)
    if proc.returncode != 0:
        sys.exit(f"mkdocs build failed:\n{proc.stderr[-3000:]}")
    print(f"clean mkdocs build --strict: {seconds:.1f} s")
    return site

@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """One strict build of the whole site for the session (the build is the first test).

    ADAM_YOGI_BUILT_SITE=<folder> uses a site built before instead (to iterate on the browser
    tests); it must be a build of this checkout, which nothing here checks."""
    if os.environ.get("ADAM_YOGI_BUILT_SITE"):
        return Path(os.environ["ADAM_YOGI_BUILT_SITE"])
    dest = tmp_path_factory.mktemp("site")
    proc, seconds = build_site(dest)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    print(f"\nclean mkdocs build: {seconds:.1f} s")
    return dest


# --- the browser: the built site served on 127.0.0.1, and headless Chromium --------------------


@pytest.fixture(scope="session")
def server(built_site):
    """The built site on a loopback port, as a static host serves it; yields its base URL."""
    from browser_support import Server

    host = Server(built_site)
    yield host.base
    host.close()


@pytest.fixture(scope="session")
def sub_path_site(tmp_path_factory):
    """The site built with SITE_URL set to a sub-path of a loopback address, served there:
    yields (site folder, base URL). Absolute alternate links and the 404 page under a sub-path
    are tested on it. (The server takes its port first: the build must know the address.)"""
    from browser_support import Server

    dest = tmp_path_factory.mktemp("site-sub-path")
    host = Server(dest, prefix="/adam-yogi/")
    proc, seconds = build_site(dest, env={"SITE_URL": host.base})
    assert proc.returncode == 0, f"mkdocs build --strict with SITE_URL={host.base} failed:\n{proc.stdout}\n{proc.stderr}"
    yield dest, host.base
    host.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session (tests open a fresh context per page)."""
    from playwright.sync_api import sync_playwright

    from browser_support import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
