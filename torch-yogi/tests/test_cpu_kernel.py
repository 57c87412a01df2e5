"""The C kernel's build and cache: each case in a fresh process with its own cache folder."""
import os
import stat
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow  # each case builds the kernel in a fresh process (about 4 s each)

STEP = textwrap.dedent("""
    import torch, torch_yogi
    from torch_yogi import cpu_kernel
    p = torch.nn.Parameter(torch.ones(4)); p.grad = torch.ones(4)
    opt = torch_yogi.Yogi([p], {fused})
    opt.step()
    print("fused-ready", torch_yogi.ops.cpu_kernel_ready(), p.detach().tolist())
""")


def _run(tmp_path, fused="", **env):
    environ = {**os.environ, "TORCH_YOGI_CACHE": str(tmp_path / "cache"), **env}
    return subprocess.run([sys.executable, "-c", STEP.format(fused=fused)], capture_output=True, text=True,
                          env=environ, timeout=300)


def _libraries(tmp_path):
    return sorted(f for f in os.listdir(tmp_path / "cache") if f.endswith(".so"))


def test_first_use_builds_once_and_a_later_process_reuses_it(tmp_path):
    first = _run(tmp_path)
    assert first.returncode == 0 and "fused-ready True" in first.stdout, first.stderr
    (lib,) = _libraries(tmp_path)
    mtime = os.stat(tmp_path / "cache" / lib).st_mtime_ns
    second = _run(tmp_path)
    assert second.stdout == first.stdout and os.stat(tmp_path / "cache" / lib).st_mtime_ns == mtime
    assert stat.S_IMODE(os.stat(tmp_path / "cache").st_mode) == 0o700


def test_a_damaged_cached_library_is_built_again(tmp_path):
    assert _run(tmp_path).returncode == 0
    (lib,) = _libraries(tmp_path)
    with open(tmp_path / "cache" / lib, "r+b") as f:
        f.seek(200)
        f.write(b"\0garbage\0" * 20)
    again = _run(tmp_path)
    assert again.returncode == 0 and "fused-ready True" in again.stdout, again.stderr
    assert _libraries(tmp_path) == [lib]


def test_cc_with_options_is_one_command(tmp_path):
    done = _run(tmp_path, CC="cc -std=gnu11 -Wall")
    assert done.returncode == 0 and "fused-ready True" in done.stdout, done.stderr


def test_without_a_compiler_the_default_falls_back_and_fused_true_says_why(tmp_path):
    default = _run(tmp_path, CC="/nonexistent/cc")
    assert default.returncode == 0 and "fused-ready False" in default.stdout, default.stderr
    fused = _run(tmp_path, fused="fused=True", CC="/nonexistent/cc")
    assert fused.returncode != 0
    assert "the Yogi CPU kernel is unavailable: no C compiler: /nonexistent/cc" in fused.stderr
    assert default.stdout.split("False")[1] == _run(tmp_path / "b", fused="foreach=False").stdout.split("True")[1]


def test_a_compiler_error_is_reported_and_leaves_nothing_behind(tmp_path):
    fused = _run(tmp_path, fused="fused=True", CC="cc -DBROKEN=1 -include /nonexistent.h")
    assert fused.returncode != 0 and "failed" in fused.stderr
    assert os.listdir(tmp_path / "cache") == []


def test_a_killed_build_leaves_nothing_once_the_next_build_runs(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True).stdout.strip()
    for suffix in (".c", ".so"):
        (cache / f"yogi-0123456789abcdef.tmp{dead}{suffix}").write_text("half")
    assert _run(tmp_path).returncode == 0
    assert all(".tmp" not in name for name in os.listdir(cache)), os.listdir(cache)


def test_a_cache_folder_others_can_write_is_refused(tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    os.chmod(cache, 0o777)
    fused = _run(tmp_path, fused="fused=True")
    assert fused.returncode != 0 and "writable by no one else" in fused.stderr
    assert os.listdir(cache) == []


@pytest.mark.parametrize("value", ["1"])
def test_the_kernel_can_be_switched_off(tmp_path, value):
    done = _run(tmp_path, TORCH_YOGI_NO_KERNEL=value)
    assert "fused-ready False" in done.stdout and not (tmp_path / "cache").exists()
