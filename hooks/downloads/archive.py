"""The whole code as one download.

The build writes ``adam-yogi-code.zip`` at the site's root: the ``snippets`` package (the ``.py``
files under ``snippets/`` that git tracks, as the work tree has them: an untracked file is not
published, and neither is a symbolic link or anything outside the repository, which fails the
build), a README written for the archive (``hooks/downloads/archive-README.md``), a
``requirements.txt`` naming torch and matplotlib with the versions this build tested (from the
pins in requirements.txt), and the repository's licences (:data:`LICENCES`: ``LICENSE``, MIT,
for the code; ``LICENSE-docs``, CC BY-SA 4.0, for the text). Outside a git checkout (an exported copy of the sources), the files on
disk are what the sources hold. The archive is reproducible: its entries are sorted, and their
timestamps, permissions and compression are fixed, so the same sources give the same bytes.

The home page's ``<!-- code-download -->`` becomes the link to it, with the source repository's
URL when ``repo_url`` is set in mkdocs.yml.
"""
from __future__ import annotations

import io
import stat
import subprocess
import zipfile
from pathlib import Path

from mkdocs.exceptions import PluginError

from hooks import ROOT
from hooks.build.files import write_atomic
from hooks.downloads import from_page
from hooks.pages import chapters, labels

ARCHIVE = "adam-yogi-code.zip"
TOP = "adam-yogi"  # the folder the archive unpacks into
PACKAGE = "snippets"  # the folder of the repository the archive holds
README = Path(__file__).with_name("archive-README.md")
MARKER = "<!-- code-download -->"
TIMESTAMP = (2018, 2, 22, 0, 0, 0)  # any fixed date: the archive does not change with the clock
SYMLINK_MODE = "120000"  # git's mode of a symbolic link
LICENCES = ("LICENSE", "LICENSE-docs")  # at the repository's root: the code's (MIT) and the text's (CC BY-SA 4.0)


def licences(root: Path = ROOT) -> dict[str, bytes]:
    """{file name: content} of the repository's licence files, which every download carries;
    a missing one fails the build, naming it."""
    missing = [name for name in LICENCES if not (Path(root) / name).is_file()]
    if missing:
        raise PluginError(f"every download carries the licences, but {', '.join(missing)} is missing from {root}")
    return {name: (Path(root) / name).read_bytes() for name in LICENCES}


def tracked_files(root: Path = ROOT, folder: str = PACKAGE) -> list[str]:
    """The ``.py`` files under ``root/folder`` that git tracks (paths relative to ``root``, sorted);
    outside a git checkout, the regular files there. A symbolic link, or a path that leads out of
    ``root/folder``, fails."""
    root = Path(root)
    if (root / ".git").exists():
        proc = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--stage", "--", folder],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            raise PluginError(f"the code archive lists what git tracks in {folder}/, but `git ls-files` failed: "
                              + " ".join(proc.stderr.split()))
        entries = [line.split("\t", 1) for line in proc.stdout.split("\0") if line]
        links = [path for info, path in entries if info.split()[0] == SYMLINK_MODE]
        if links:
            raise PluginError(f"the code archive holds regular files only; git tracks symbolic links: {', '.join(links)}")
        names = sorted({path for _, path in entries})
    else:
        names = sorted(p.relative_to(root).as_posix() for p in (root / folder).rglob("*")
                       if not p.is_symlink() and p.is_file())
    found = []
    for name in names:
        if not name.endswith(".py") or "__pycache__" in name.split("/"):
            continue
        path = root / name
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue  # tracked, but deleted in the work tree: not part of what is built
        if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
            raise PluginError(f"the code archive holds regular files only: {name} is not one")
        if not path.resolve().is_relative_to((root / folder).resolve()):
            raise PluginError(f"the code archive holds the files of {folder}/ only: {name} leads out of it")
        found.append(name)
    return found


def members(root: Path = ROOT) -> dict[str, bytes]:
    """{name in the archive: content}, in the order they are written."""
    versions = chapters.tested_versions()
    requirements = (
        "# What the code needs; the site was built and tested with these versions.\n"
        f"torch=={versions['torch']}\nmatplotlib=={versions['matplotlib']}\n"
    )
    found = {
        f"{TOP}/README.md": README.read_bytes(),
        f"{TOP}/requirements.txt": requirements.encode(),
        **{f"{TOP}/{name}": content for name, content in licences(root).items()},
    }
    for name in tracked_files(root):
        found[f"{TOP}/{name}"] = (Path(root) / name).read_bytes()
    return found


def archive_bytes(root: Path = ROOT) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members(root).items():
            info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever builds it, so the permissions below apply
            info.external_attr = 0o644 << 16
            archive.writestr(info, content, compresslevel=9)
    return buffer.getvalue()


def link(markdown: str, page, config) -> str:
    """The home page links the archive (and the repository, when mkdocs.yml names one)."""
    if MARKER not in markdown:
        return markdown
    lang = page.file.src_uri.split("/", 1)[0]
    link = from_page(page, ARCHIVE)  # the archive sits at the site's root
    text = labels.TEXT[lang]
    sentence = text["code_download"].format(archive=link, name=ARCHIVE)
    if config.repo_url:
        sentence += " " + text["repo"].format(url=config.repo_url)
    return markdown.replace(MARKER, sentence, 1)


def write(site_dir) -> None:
    target = write_atomic(Path(site_dir) / ARCHIVE, archive_bytes())
    if not zipfile.is_zipfile(target):
        raise PluginError(f"{target} is not a valid zip archive")
