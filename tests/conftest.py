"""Shared test fixtures: the device matrix, the built sites and the pytest markers.

Run everything with ``python -m pytest``; select the quick inner loop with ``-m "not slow"``.

The tests read the real airfoil data where the README says it is: the folder
``$ADAM_YOGI_DATA_DIR`` names, else ``../shared/data`` beside the checkout, which is then given to
every process the tests start as ``$ADAM_YOGI_DATA_DIR`` (the site's build, the reader's runs),
so that the site and the reader's runs of it always read the same data.
"""
import os
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `import snippets` works however pytest is started
    sys.path.insert(0, str(ROOT))

from site_pages import PLANTED  # noqa: E402
from tools.site_build import build_site, checkout_copy  # noqa: E402

SHARED_DATA = ROOT.parent / "shared" / "data"
if not os.environ.get("ADAM_YOGI_DATA_DIR") and (SHARED_DATA / "airfoil_self_noise.dat").is_file():
    # The project downloads the file itself; tests may use the copy beside the checkout.
    os.environ["ADAM_YOGI_DATA_DIR"] = str(SHARED_DATA)


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: takes more than a few seconds (a site build, a long run)")
    config.addinivalue_line("markers", "browser: drives headless Chromium through Playwright")


SITE_FIXTURES = {"built_site", "sub_path_site", "server"}  # each needs a whole build of the site


def pytest_collection_modifyitems(config, items):
    """A test that needs a built site is slow, whether or not its module says so: `-m "not slow"`
    never builds the site."""
    for item in items:
        if SITE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


_CUDA_SKIP = pytest.mark.skipif(
    not torch.cuda.is_available(), reason="CUDA is not available on this machine (torch.cuda.is_available() is False)"
)


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=_CUDA_SKIP)])
def device(request):
    """Every test that takes ``device`` runs on the CPU, and on CUDA when a GPU is present."""
    return torch.device(request.param)


# --- the built sites, shared by the site and browser tests --------------------------------------


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
    """The site built in a copy of the checkout, with SITE_URL set to a sub-path of a loopback
    address, served there: yields (site folder, base URL, checkout copy). Absolute alternate
    links and the 404 page under a sub-path are tested on it; so is what the copy was given
    that git does not track (``PLANTED``: an untracked file, a link out of the repository),
    which must reach no download; and, compared with ``built_site``, that a second clean build
    (elsewhere, at another address) gives the same figures and code archive. (The server takes
    its port first: the build must know the address.)"""
    from browser_support import Server

    checkout = checkout_copy(tmp_path_factory.mktemp("checkout"))
    for name, content in PLANTED.items():
        (checkout / name).parent.mkdir(parents=True, exist_ok=True)
        if name.endswith("zz_link.py"):
            (checkout / name).symlink_to(content)
        else:
            (checkout / name).write_text(content, encoding="utf-8")
    dest = tmp_path_factory.mktemp("site-sub-path")
    host = Server(dest, prefix="/adam-yogi/")
    proc, seconds = build_site(dest, env={"SITE_URL": host.base}, root=checkout)
    assert proc.returncode == 0, f"mkdocs build --strict with SITE_URL={host.base} failed:\n{proc.stdout}\n{proc.stderr}"
    yield dest, host.base, checkout
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
