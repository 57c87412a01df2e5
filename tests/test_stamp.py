"""hooks/build/stamp.py: the build's day (UTC, ISO) and source version for the footer; a build
outside git says "unknown" and never fails for it. (tests/test_site.py checks every built
page's footer shows them.)"""
import os
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from site_pages import hooks_module

stamp = hooks_module("build.stamp")
GIT_ENV = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@t"}


def _git(root, *args):
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True, text=True, env=GIT_ENV).stdout


def test_the_day_is_the_utc_day_or_source_date_epoch():
    evening_in_california = datetime(2026, 12, 7, 20, 0, tzinfo=timezone(timedelta(hours=-8)))
    assert stamp.build_date({}, now=evening_in_california) == "2026-12-08"  # 04:00 UTC
    assert stamp.build_date({"SOURCE_DATE_EPOCH": "0"}) == "1970-01-01"
    assert stamp.build_date({"SOURCE_DATE_EPOCH": "1796688000"}) == "2026-12-08"
    assert stamp.build_date({}) == datetime.now(timezone.utc).date().isoformat()


def test_a_bad_source_date_epoch_is_an_error_naming_it():
    with pytest.raises(ValueError, match="SOURCE_DATE_EPOCH='yesterday'"):
        stamp.build_date({"SOURCE_DATE_EPOCH": "yesterday"})


def test_outside_git_the_version_is_unknown(tmp_path):
    assert stamp.source_version(tmp_path) == {"commit": None, "dirty": False}
    assert stamp.describe(tmp_path, environ={})["commit"] is None


def test_the_version_is_the_short_commit_marked_when_a_tracked_file_changed(tmp_path):
    (tmp_path / "a.txt").write_text("one\n")
    _git(tmp_path, "init", "-q")
    assert stamp.source_version(tmp_path)["commit"] is None  # a repository with no commit yet
    _git(tmp_path, "add", "a.txt")
    _git(tmp_path, "commit", "-qm", "one")
    head = _git(tmp_path, "rev-parse", "--short=7", "HEAD").strip()
    assert stamp.source_version(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "untracked.txt").write_text("reaches no page\n")
    assert stamp.source_version(tmp_path) == {"commit": head, "dirty": False}
    (tmp_path / "a.txt").write_text("two\n")
    assert stamp.source_version(tmp_path) == {"commit": head, "dirty": True}
