"""hooks/archive.py: the whole code as one reproducible download, linked from the home page with
the repository's URL when mkdocs.yml names one."""
import importlib.util
import io
import sys
import zipfile

import pytest

from site_pages import ROOT


@pytest.fixture
def hook():
    spec = importlib.util.spec_from_file_location("archive_under_test", ROOT / "hooks" / "archive.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_archive_is_reproducible_and_holds_the_package_a_readme_and_requirements(hook):
    first, second = hook.archive_bytes(), hook.archive_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names[:2] == ["adam-yogi/README.md", "adam-yogi/requirements.txt"]
        expected = sorted(f"adam-yogi/{p.relative_to(ROOT).as_posix()}" for p in (ROOT / "snippets").rglob("*.py")
                          if "__pycache__" not in p.parts)
        assert names[2:] == expected
        assert {(i.date_time, i.external_attr >> 16, i.create_system) for i in infos} == {((2018, 2, 22, 0, 0, 0), 0o644, 3)}
        assert archive.read("adam-yogi/snippets/data.py") == (ROOT / "snippets" / "data.py").read_bytes()
        requirements = archive.read("adam-yogi/requirements.txt").decode().split()
    assert "torch==2.13.0" in requirements and any(r.startswith("matplotlib==") for r in requirements)


class _Config:
    def __init__(self, repo_url):
        self.repo_url = repo_url


class _Page:
    def __init__(self, src_uri, url):
        self.file = type("F", (), {"src_uri": src_uri})()
        self.url = url


@pytest.mark.parametrize("src_uri, url, link", [("zh/index.md", "", "adam-yogi-code.zip"),
                                                 ("en/index.md", "en/", "../adam-yogi-code.zip")])
def test_the_home_page_links_the_archive_and_the_repository_only_when_set(hook, src_uri, url, link):
    page = _Page(src_uri, url)
    plain = hook.on_page_markdown("a\n\n<!-- code-download -->\n", page, _Config(None), None)
    assert f'<a href="{link}" download><code>adam-yogi-code.zip</code></a>' in plain
    assert "<!--" not in plain and "github" not in plain
    with_repo = hook.on_page_markdown("<!-- code-download -->", page, _Config("https://github.com/o/r"), None)
    assert "<https://github.com/o/r>" in with_repo
    assert hook.on_page_markdown("no marker", page, _Config(None), None) == "no marker"
