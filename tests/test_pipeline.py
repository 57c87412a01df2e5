"""The build as a pipeline (hooks/pipeline.py and hooks/build/): its steps listed in one place,
one import convention, one atomic writer, what it reads of other packages pinned; one build of a
checkout at a time; every cache its own, a damaged entry a miss; nothing left running or lying
around when a build is killed; downloads that hold what git tracks and nothing planted."""
import ast
import io
import json
import marshal
import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from importlib.metadata import version
from pathlib import Path
from types import SimpleNamespace

import pytest
from mkdocs.exceptions import PluginError

from site_pages import PLANTED, ROOT, hooks_module
from tools.site_build import MKDOCS

HOOKS = ROOT / "hooks"
MODULES = sorted(p for p in HOOKS.rglob("*.py") if "__pycache__" not in p.parts)
plugins = hooks_module("build.plugins")
lock = hooks_module("build.lock")
cache = hooks_module("build.cache")
children = hooks_module("build.children")


def _source(path):
    return path.read_text(encoding="utf-8")


# --- the pipeline in one place -------------------------------------------------------------------


def test_mkdocs_names_one_hook_the_pipeline():
    text = _source(ROOT / "mkdocs.yml")
    hooks = re.search(r"^hooks:\n((?:  - .*\n)+)", text, re.M).group(1)
    assert hooks.split() == ["-", "hooks/pipeline.py"]


def test_only_the_pipeline_handles_events_and_sets_priorities():
    """Every MkDocs event the build handles, and every priority, is in hooks/pipeline.py; the
    stages are plain functions it calls in order."""
    for path in MODULES:
        if path.name == "pipeline.py":
            continue
        tree = ast.parse(_source(path))
        events = [node.name for node in tree.body if isinstance(node, ast.FunctionDef) and node.name.startswith("on_")]
        assert events == [], f"{path.relative_to(ROOT)} handles {events} itself"
        assert "event_priority" not in _source(path), f"{path.relative_to(ROOT)} sets a priority"


def test_the_pipelines_list_names_every_event_it_handles_and_every_stage_it_calls():
    pipeline = hooks_module("pipeline")
    doc = pipeline.__doc__
    handled = [name for name in vars(pipeline) if name.startswith("on_")]
    assert len(handled) >= 12
    for event in handled:
        assert re.search(rf"^{event}\b", doc, re.M), f"the pipeline's list does not name {event}"
    imported = {f"{node.module.split('.')[1]}/{alias.name}" for node in ast.walk(ast.parse(_source(HOOKS / "pipeline.py")))
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("hooks.") for alias in node.names}
    stages = {name for name in imported if name.split("/")[0] in ("pages", "runs", "notebooks", "math", "search", "theme",
                                                                   "downloads")}
    for stage in stages:
        assert stage in doc, f"the pipeline's list does not say what {stage} does"


def test_the_stages_are_grouped_by_what_they_do():
    groups = sorted(p.name for p in HOOKS.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert groups == ["build", "downloads", "math", "notebooks", "pages", "pdf", "runs", "search", "theme"]
    assert sorted(p.name for p in HOOKS.glob("*.py")) == ["__init__.py", "pipeline.py"]


def test_one_import_convention_hooks_dot_stage_dot_module():
    """A module of hooks/ imports another as hooks.<stage>.<module>; none puts itself on sys.path
    (but the pipeline, which takes its own folder off it) and none reaches a sibling by its bare name."""
    bare = {p.stem for p in MODULES} | {p.name for p in HOOKS.iterdir() if p.is_dir()}
    bare -= {"__init__", "math"}  # `import math` is the standard library's
    for path in MODULES:
        tree = ast.parse(_source(path))
        for node in ast.walk(tree):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in bare, f"{path.relative_to(ROOT)} imports {name!r} by its bare name"
            if isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path.relative_to(ROOT)}: a relative import"
        if path.name != "pipeline.py":
            uses = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute) and node.attr == "path"
                    and isinstance(node.value, ast.Name) and node.value.id == "sys"]
            assert uses == [], f"{path.relative_to(ROOT)} changes sys.path"


def test_one_atomic_writer():
    """Files are written whole by hooks/build/files.py alone (no other module renames a
    temporary file into place)."""
    for path in MODULES:
        if path.relative_to(HOOKS).as_posix() == "build/files.py":
            continue
        text = _source(path)
        assert "os.replace" not in text and "NamedTemporaryFile" not in text and "mkstemp" not in text, \
            f"{path.relative_to(ROOT)} writes files its own way"


def test_the_atomic_writer_leaves_nothing_half_written(tmp_path, monkeypatch):
    files = hooks_module("build.files")
    target = files.write_atomic(tmp_path / "a" / "x.txt", "one")
    assert target.read_text() == "one" and oct(target.stat().st_mode & 0o777) == oct(0o666 & ~_umask())

    def broken_replace(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        files.write_atomic(target, "two")
    assert target.read_text() == "one" and [p.name for p in target.parent.iterdir()] == ["x.txt"]


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- what the build reads of other packages ------------------------------------------------------


def test_the_plugins_whose_internals_the_build_reads_are_the_versions_it_was_written_for():
    for name, expected in plugins.VERSIONS.items():
        assert version(name) == expected, (f"{name} is {version(name)}, not {expected}: check what "
                                           "hooks/build/plugins.py reads of it, then update VERSIONS")


def test_what_the_build_reads_of_i18n_and_mkdocs_jupyter_is_there():
    from mkdocs_jupyter.plugin import NotebookFile
    from mkdocs_static_i18n.folder import I18nFiles
    from mkdocs_static_i18n.plugin import I18n

    i18n = I18n()
    for attribute in ("current_language", "i18n_files_per_language"):
        assert hasattr(i18n, attribute), f"mkdocs-static-i18n has no {attribute} (hooks/build/plugins.py reads it)"
    assert isinstance(I18n.default_language, property)
    assert list(I18nFiles.__init__.__code__.co_varnames[1:3]) == ["plugin", "files"]
    assert plugins.NotebookFile is NotebookFile and "__getattr__" in vars(NotebookFile)


def test_material_is_the_version_its_edits_were_written_for():
    material = hooks_module("theme.material")
    assert version("mkdocs-material") == material.MATERIAL_VERSION, (
        "Material was upgraded: check every edit of hooks/theme/material.py against the new assets "
        "(tests/test_site.py applies each), then update MATERIAL_VERSION")


# --- one build at a time -------------------------------------------------------------------------

HOLD = """
import sys, time
sys.path.insert(0, {root!r})
from hooks.build.lock import BuildLock
lock = BuildLock({path!r})
lock.acquire("the test's holder", wait=0)
print("held", flush=True)
time.sleep(float(sys.argv[1]))
"""


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock at ``tmp_path/build.lock`` for ``seconds``."""
    path = tmp_path / "build.lock"
    started = []

    def hold(seconds):
        proc = subprocess.Popen([sys.executable, "-c", HOLD.format(root=str(ROOT), path=str(path)), str(seconds)],
                                stdout=subprocess.PIPE, text=True)
        assert proc.stdout.readline() == "held\n"
        started.append(proc)
        return path, proc

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_a_second_build_refuses_in_one_line_naming_the_first(holder):
    path, proc = holder(30)
    started = time.monotonic()
    with pytest.raises(lock.BuildBusy) as refused:
        lock.BuildLock(path).acquire("a second build", wait=0.5)
    message = str(refused.value)
    assert time.monotonic() - started < 3
    assert "\n" not in message and f"pid {proc.pid}: the test's holder" in message and "waited 0.5 s" in message


def test_a_second_build_waits_for_the_first_saying_so_once(holder):
    path, proc = holder(1.5)
    said = []
    second = lock.BuildLock(path)
    started = time.monotonic()
    second.acquire("a second build", wait=30, say=said.append)
    assert 1 < time.monotonic() - started < 10 and second.held
    assert len(said) == 1 and said[0].startswith("waiting for another build of this checkout to end (pid ")
    assert path.read_text() == f"pid {os.getpid()}: a second build\n"
    second.release()
    assert not second.held


def test_a_killed_build_never_leaves_the_lock_taken(holder):
    path, proc = holder(60)
    proc.kill()
    proc.wait()
    again = lock.BuildLock(path)
    again.acquire("after a killed build", wait=0)
    again.release()


@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_a_bad_wait_is_one_line_naming_the_value(value):
    with pytest.raises(ValueError, match=f"^Invalid ADAM_YOGI_BUILD_WAIT: '{value}' \\(the seconds"):
        lock.wait_seconds({lock.ENV_WAIT: value})
    assert lock.wait_seconds({}) == 600 and lock.wait_seconds({lock.ENV_WAIT: "0"}) == 0


@pytest.mark.slow
def test_mkdocs_build_refuses_beside_another_build_and_deletes_nothing(tmp_path):
    """A real `mkdocs build` of this checkout while another holds its lock: it refuses with one
    line, before MkDocs empties the site folder, and exits 1."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("the other build's page")
    other = lock.BuildLock(cache.CACHE / "build.lock")
    other.acquire("the test, holding this checkout's lock", wait=60)  # (waits for a build of someone else's)
    try:
        proc = subprocess.run([MKDOCS, "build", "--strict", "-d", str(site)], cwd=ROOT,
                              env={**os.environ, lock.ENV_WAIT: "0"}, capture_output=True, text=True, timeout=120)
    finally:
        other.release()
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")]
    assert len(errors) == 1 and "another build of this checkout is running (pid" in errors[0], proc.stderr[-2000:]
    assert "the test, holding this checkout's lock" in errors[0]
    assert (site / "index.html").read_text() == "the other build's page"


# --- the caches ----------------------------------------------------------------------------------


def test_a_cache_folder_is_made_private(tmp_path):
    base = tmp_path / "cache"
    base.mkdir(mode=0o777)
    os.chmod(base, 0o777)
    folder = cache.folder("pages", base)
    assert oct(folder.stat().st_mode & 0o777) == "0o700" and oct(base.stat().st_mode & 0o777) == "0o700"


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a folder to another user takes root")
def test_a_cache_folder_of_another_user_is_refused(tmp_path):
    base = tmp_path / "cache"
    (base / "pages").mkdir(parents=True)
    os.chown(base / "pages", 65534, 65534)
    with pytest.raises(cache.NotOurs, match=r"pages belongs to user id 65534, not this user"):
        cache.folder("pages", base)


def test_an_entry_another_user_may_write_is_a_miss(tmp_path):
    entries = cache.Entries("pages", tmp_path)
    entries.put("adam", "k", {"outputs": ["x"]})
    assert entries.get("adam", "k") == {"outputs": ["x"]}
    os.chmod(entries.path("adam"), 0o666)
    assert entries.get("adam", "k") is None and not entries.path("adam").exists()


def _planted_jieba_cache(path):
    import jieba

    jieba.initialize()
    freq = dict(jieba.dt.FREQ, 偏差校正=987654321)
    with open(path, "wb") as file:
        marshal.dump((freq, jieba.dt.total), file)


JIEBA = """
import sys
sys.path.insert(0, {root!r})
import jieba
from hooks.search import jieba_cache, index
jieba_cache.start({folder!r}).join()
words = index.segmenter([{{"title": "", "text": "偏差校正"}}])["freq"]
print(jieba.dt.FREQ.get("偏差校正"), words.get("偏差校正"))
"""


@pytest.mark.slow
def test_jieba_reads_no_cache_another_user_could_plant(tmp_path):
    """A marshal file planted in $TMPDIR (jieba's default) is never read; one planted in the
    project's folder, without the digest this build recorded, is removed."""
    tmp, folder = tmp_path / "tmp", tmp_path / "jieba"
    tmp.mkdir()
    folder.mkdir(mode=0o700)
    _planted_jieba_cache(tmp / "jieba.cache")

    def run():
        proc = subprocess.run([sys.executable, "-c", JIEBA.format(root=str(ROOT), folder=str(folder))],
                              env={**os.environ, "TMPDIR": str(tmp)}, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout.split()

    first = run()
    assert first[0] != "987654321" and first[0] == first[1]
    assert (folder / "jieba.cache").is_file() and (folder / "jieba.cache.sha256").is_file()
    assert run() == first, "read from the project's cache the second time"
    _planted_jieba_cache(folder / "jieba.cache")
    assert run() == first


def test_jieba_is_pointed_at_the_projects_cache_folder():
    import jieba

    jieba_cache = hooks_module("search.jieba_cache")
    jieba_cache.use_folder(cache.folder("jieba"))
    assert Path(jieba.dt.tmp_dir) == cache.CACHE / "jieba" and jieba.dt.cache_file == "jieba.cache"


# --- nothing left behind -------------------------------------------------------------------------


def test_a_child_ends_with_close_and_takes_its_folder(tmp_path):
    child = children.Child(prefix="adam-yogi-test-").start([sys.executable, "-c", "import time; time.sleep(60)"])
    folder = child.folder
    assert folder.is_dir()
    started = time.monotonic()
    child.close()
    assert time.monotonic() - started < 5 and not folder.exists()


def test_a_child_reports_its_exit_status_and_output(tmp_path):
    with children.Child(prefix="adam-yogi-test-") as child:
        (child.folder / "in.txt").write_text("hi")
        child.start([sys.executable, "-c", "import os, sys; print(open('../in.txt').read()); "
                     "sys.stderr.write(os.environ['TMPDIR']); sys.exit(3)"])
        assert child.wait(timeout=60) == 3
        assert child.output("stdout") == "hi\n" and child.output("stderr") == str(child.folder / "tmp")
    assert not child.folder.exists()


KILLED_PARENT = """
import sys, time
sys.path.insert(0, {root!r})
from hooks.build.children import Child
child = Child(prefix="adam-yogi-test-").start([sys.executable, "-c", "import time; time.sleep(120)"])
print(child.folder, flush=True)
time.sleep(120)
"""


def _processes_mentioning(text):
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        try:
            if text in " ".join(proc.info["cmdline"] or []) or text in (proc.info["cwd"] or ""):
                found.append(proc.info["pid"])
        except (psutil.Error, OSError):
            pass
    return found


def _gone_within(seconds, check):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.1)
    return check()


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM, signal.SIGINT])
def test_a_child_dies_with_its_parent_however_it_dies(how):
    parent = subprocess.Popen([sys.executable, "-c", KILLED_PARENT.format(root=str(ROOT))], stdout=subprocess.PIPE,
                              text=True)
    folder = Path(parent.stdout.readline().strip())
    assert folder.is_dir()
    parent.send_signal(how)
    parent.wait(timeout=30)
    parent.stdout.close()
    assert _gone_within(10, lambda: not folder.exists() and not _processes_mentioning(str(folder))), \
        f"left behind: {folder} {_processes_mentioning(str(folder))}"


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_build_leaves_no_process_and_no_temporary_folder(tmp_path, how):
    """`mkdocs build` killed while its pages run (and pip builds the wheel): within seconds,
    nothing it started runs and its temporary folder holds nothing."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    build = subprocess.Popen([MKDOCS, "build", "--strict", "-d", str(tmp_path / "site")],
                             cwd=ROOT, env={**os.environ, "TMPDIR": str(tmp)}, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
    try:
        assert _gone_within(120, lambda: any(p.name.startswith("adam-yogi-pages-") for p in tmp.iterdir())), \
            "the page runner never started"
        time.sleep(1)
        build.send_signal(how)
        build.wait(timeout=60)
    finally:
        build.kill()
    assert _gone_within(15, lambda: list(tmp.iterdir()) == [] and not _processes_mentioning(str(tmp))), \
        f"left behind: {list(tmp.iterdir())}, processes {_processes_mentioning(str(tmp))}"


# --- the downloads hold what they should ---------------------------------------------------------


def _zip_names(path):
    with zipfile.ZipFile(path) as archive:
        return archive.namelist()


@pytest.mark.slow
def test_no_untracked_file_and_no_link_reaches_a_download(sub_path_site):
    """conftest.py's sub_path_site was built in a copy of the checkout given an untracked file and
    a link out of the repository in snippets/: neither is in the code archive or the offline zip."""
    site, _, checkout = sub_path_site
    assert all((checkout / name).is_symlink() or (checkout / name).is_file() for name in PLANTED)
    code = _zip_names(site / "adam-yogi-code.zip")
    with zipfile.ZipFile(site / "assets" / "adam-yogi-offline.zip") as offline:
        inner = zipfile.ZipFile(io.BytesIO(offline.read("adam-yogi/adam-yogi-code.zip"))).namelist()
        everything = offline.namelist()
    for name in PLANTED:
        assert f"adam-yogi/{name}" not in code and f"adam-yogi/{name}" not in inner
        assert not any(Path(name).name in n for n in everything)
    assert code == inner and "adam-yogi/snippets/data.py" in code


def test_the_offline_zip_refuses_a_link_in_the_site(tmp_path):
    offline = hooks_module("downloads.offline")
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<html></html>")
    (site / "planted.txt").symlink_to("/etc/os-release")
    language = SimpleNamespace(locale="zh", build=True)
    i18n = SimpleNamespace(config=SimpleNamespace(languages=[language]), default_language="zh")
    config = SimpleNamespace(plugins={"i18n": i18n}, site_url="")
    with pytest.raises(PluginError, match="planted.txt is a symbolic link in the site"):
        offline.build_zip(site, config)
