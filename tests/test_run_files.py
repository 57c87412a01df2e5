"""snippets/run_*.py: the chapters' runs. Each file's sections are the run statements its chapter
shows, in page order, and ``python -m snippets.run_<chapter>`` prints the chapter's result lines
(with the package's own modules; the pages run the same statements on the code they show)."""
import re
import subprocess
import sys

import pytest

from site_pages import LANGUAGES, ROOT, chapters_hook

chapters = chapters_hook()
RUN_FILES = sorted(p.stem.removeprefix("run_") for p in (ROOT / "snippets").glob("run_*.py"))
LOSS = r"loss: 0\.2\d\d, \d+\.\d{3} sec/epoch"
PRINTED = {  # what each chapter's runs print, line by line
    "adam": [LOSS, LOSS],
    "yogi": [LOSS, LOSS, LOSS],
    "convergence": [r"adam     x_T = \+0\.99\d   R_T/T = 0\.6\d\d", r"amsgrad  x_T = -0\.99\d   R_T/T = 0\.0\d\d",
                    r"yogi     x_T = -0\.9\d\d   R_T/T = 0\.0\d\d", r"x_t ≡ \+1:  R_T/T → 2\(C − 2\)/3 = 0\.667"],
}


def test_every_chapter_with_results_has_a_run_file():
    assert RUN_FILES == sorted(PRINTED) == ["adam", "convergence", "yogi"]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("chapter", RUN_FILES)
def test_a_run_files_sections_are_its_chapters_runs_in_page_order(lang, chapter):
    shown = [i.value for i in chapters.page(lang, chapter) if i.kind == "code" and f"run_{chapter}.py:" in i.value]
    in_file = [f"snippets/run_{chapter}.py:{name}" for name in chapters.sections(ROOT / "snippets" / f"run_{chapter}.py")]
    assert shown == in_file


@pytest.mark.parametrize("chapter", RUN_FILES)
def test_importing_a_run_file_runs_nothing(chapter, capsys):
    __import__(f"snippets.run_{chapter}")
    assert capsys.readouterr().out == ""


@pytest.mark.slow
@pytest.mark.parametrize("chapter", RUN_FILES)
def test_python_dash_m_prints_the_chapters_results(chapter):
    proc = subprocess.run([sys.executable, "-m", f"snippets.run_{chapter}"], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == len(PRINTED[chapter]) and all(re.fullmatch(p, line) for p, line in zip(PRINTED[chapter], lines)), lines


@pytest.mark.parametrize("chapter", RUN_FILES)
def test_a_run_file_takes_no_options_and_says_so(chapter, monkeypatch, capsys):
    """A flag it cannot honour is an error naming it, not a full run that ignores it. (Run as
    `python -m` runs it, with runpy, in this process: the options are read before anything runs.)"""
    import runpy

    for argv, status in ([["--epochs", "1"], 2], [["--help"], 0]):
        monkeypatch.setattr(sys, "argv", [f"snippets/run_{chapter}.py", *argv])
        monkeypatch.delitem(sys.modules, f"snippets.run_{chapter}", raising=False)  # as a fresh `python -m`
        with pytest.raises(SystemExit) as exited:
            runpy.run_module(f"snippets.run_{chapter}", run_name="__main__", alter_sys=True)
        out, err = capsys.readouterr()
        assert exited.value.code == status, err
        if status:
            assert "unrecognized arguments: --epochs 1" in err and out == ""  # nothing ran
        else:
            assert out.startswith("usage:")
