"""hooks/downloads/archive.py: the whole code as one reproducible download of exactly the files git
tracks under snippets/, linked from the home page with the repository's URL when mkdocs.yml names
one. (tests/test_pipeline.py builds a copy of the checkout with an untracked file and a link
planted in snippets/ and finds neither in this archive or in the offline zip.)"""
import io
import os
import subprocess
import zipfile

import pytest
from mkdocs.exceptions import PluginError

from site_pages import ROOT, hooks_module

hook = hooks_module("downloads.archive")


def _git(root, *args):
    subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                   env={**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
                        "GIT_COMMITTER_EMAIL": "t@t"})


@pytest.fixture
def repo(tmp_path):
    """A git checkout with snippets/a.py and snippets/tools/b.py tracked."""
    root = tmp_path / "repo"
    (root / "snippets" / "tools").mkdir(parents=True)
    (root / "snippets" / "a.py").write_text("a = 1\n")
    (root / "snippets" / "tools" / "b.py").write_text("b = 2\n")
    (root / "snippets" / "notes.txt").write_text("not code\n")
    for name in hook.LICENCES:
        (root / name).write_text(f"{name} of the test checkout\n")
    _git(root, "init", "-q")
    _git(root, "add", "snippets")
    return root


def test_the_archive_holds_the_tracked_files_only(repo, tmp_path):
    """An untracked file and a link out of the repository, planted in snippets/, stay out."""
    (repo / "snippets" / "zz_local_notes.py").write_text("secret = 'mine'\n")
    outside = tmp_path / "os-release"
    outside.write_text("NAME=elsewhere\n")
    (repo / "snippets" / "tools" / "zz_link.py").symlink_to(outside)
    (repo / "snippets" / "__pycache__").mkdir()
    (repo / "snippets" / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"\0")
    assert hook.tracked_files(repo) == ["snippets/a.py", "snippets/tools/b.py"]
    names = list(hook.members(repo))
    assert names[4:] == ["adam-yogi/snippets/a.py", "adam-yogi/snippets/tools/b.py"]


def test_a_file_added_to_git_counts_and_one_deleted_in_the_work_tree_does_not(repo):
    (repo / "snippets" / "c.py").write_text("c = 3\n")
    _git(repo, "add", "snippets/c.py")
    (repo / "snippets" / "a.py").unlink()
    assert hook.tracked_files(repo) == ["snippets/c.py", "snippets/tools/b.py"]


def test_a_tracked_link_or_a_tracked_file_turned_into_a_link_fails_the_build(repo, tmp_path):
    outside = tmp_path / "os-release"
    outside.write_text("NAME=elsewhere\n")
    (repo / "snippets" / "tools" / "b.py").unlink()
    (repo / "snippets" / "tools" / "b.py").symlink_to(outside)  # tracked as a file, a link on disk
    with pytest.raises(PluginError, match="regular files only: snippets/tools/b.py is not one"):
        hook.tracked_files(repo)
    _git(repo, "add", "snippets")  # now git tracks the link itself
    with pytest.raises(PluginError, match="git tracks symbolic links: snippets/tools/b.py"):
        hook.tracked_files(repo)


def test_outside_a_git_checkout_the_regular_files_on_disk(repo, tmp_path):
    import shutil

    shutil.rmtree(repo / ".git")
    outside = tmp_path / "os-release"
    outside.write_text("NAME=elsewhere\n")
    (repo / "snippets" / "zz_link.py").symlink_to(outside)
    assert hook.tracked_files(repo) == ["snippets/a.py", "snippets/tools/b.py"]


def test_the_archive_is_reproducible_and_holds_the_package_a_readme_requirements_and_the_licences():
    first, second = hook.archive_bytes(), hook.archive_bytes()
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        assert names[:4] == ["adam-yogi/README.md", "adam-yogi/requirements.txt", "adam-yogi/LICENSE", "adam-yogi/LICENSE-docs"]
        tracked = subprocess.run(["git", "-C", str(ROOT), "ls-files", "snippets"], capture_output=True, text=True,
                                 check=True).stdout.split()
        expected = sorted(f"adam-yogi/{name}" for name in tracked if name.endswith(".py") and (ROOT / name).is_file())
        assert names[4:] == expected
        assert {(i.date_time, i.external_attr >> 16, i.create_system) for i in infos} == {((2018, 2, 22, 0, 0, 0), 0o644, 3)}
        assert archive.read("adam-yogi/snippets/data.py") == (ROOT / "snippets" / "data.py").read_bytes()
        requirements = archive.read("adam-yogi/requirements.txt").decode().split()
        assert archive.read("adam-yogi/LICENSE") == (ROOT / "LICENSE").read_bytes()
        assert archive.read("adam-yogi/LICENSE-docs") == (ROOT / "LICENSE-docs").read_bytes()
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
def test_the_home_page_links_the_archive_and_the_repository_only_when_set(src_uri, url, link):
    page = _Page(src_uri, url)
    plain = hook.link("a\n\n<!-- code-download -->\n", page, _Config(None))
    assert f'<a href="{link}" download><code>adam-yogi-code.zip</code></a>' in plain
    assert "<!--" not in plain and "github" not in plain
    with_repo = hook.link("<!-- code-download -->", page, _Config("https://github.com/o/r"))
    assert "<https://github.com/o/r>" in with_repo
    assert hook.link("no marker", page, _Config(None)) == "no marker"


def test_the_repository_holds_both_licences():
    """MIT for the code (the standard text), CC BY-SA 4.0 for the text (a notice linking the legal code)."""
    code = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert code.startswith("MIT License\n") and "Permission is hereby granted, free of charge" in code
    assert code == (ROOT / "torch-yogi" / "LICENSE").read_text(encoding="utf-8"), "one MIT licence, one holder"
    text = (ROOT / "LICENSE-docs").read_text(encoding="utf-8")
    assert "CC BY-SA 4.0" in text and "https://creativecommons.org/licenses/by-sa/4.0/legalcode" in text


def test_a_download_without_its_licences_fails_the_build_naming_the_file(repo):
    (repo / "LICENSE-docs").unlink()
    with pytest.raises(PluginError, match="LICENSE-docs is missing"):
        hook.members(repo)
