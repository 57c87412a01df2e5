"""Keeps one child process of a build, and its temporary folder, from outliving the build.

``python -I guard.py LIFELINE FOLDER -- COMMAND...``, started by hooks/build/children.py: runs
COMMAND in FOLDER/work, its output to FOLDER/stdout and FOLDER/stderr and ``TMPDIR`` in
FOLDER/tmp, in a process group of its own; prints COMMAND's exit status when it ends; then waits
for the build to let go. LIFELINE is the read end of a pipe whose write end only the build holds:
when the build closes it, or dies in any way (even SIGKILL, which runs no clean-up of its own),
reading it returns, and the guard ends COMMAND's process group if it still runs, removes FOLDER
and exits. Standard library only; it ignores SIGINT (the build decides when it ends) and SIGTERM
(a Ctrl-C or a kill of the build's group reaches the guard too, and it must still clean up).
"""
import os
import shutil
import signal
import subprocess
import sys
import threading


def main(argv):
    lifeline, folder, separator, *command = argv
    if separator != "--" or not command:
        sys.exit("usage: guard.py LIFELINE FOLDER -- COMMAND...")
    lifeline = int(lifeline)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    env = dict(os.environ, TMPDIR=os.path.join(folder, "tmp"))
    with open(os.path.join(folder, "stdout"), "wb") as out, open(os.path.join(folder, "stderr"), "wb") as err:
        child = subprocess.Popen(command, cwd=os.path.join(folder, "work"), env=env, stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=err, start_new_session=True,
                                 preexec_fn=lambda: [signal.signal(s, signal.SIG_DFL) for s in (signal.SIGINT, signal.SIGTERM)])

    def watch():
        while os.read(lifeline, 4096):
            pass  # the build writes nothing; anything read is ignored until the end of the pipe
        try:
            os.killpg(child.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        child.wait()
        shutil.rmtree(folder, ignore_errors=True)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    status = child.wait()
    try:
        sys.stdout.write(f"{status}\n")
        sys.stdout.flush()
    except OSError:  # the build is gone: watch() is cleaning up
        pass
    threading.Event().wait()  # until watch() ends the process


if __name__ == "__main__":
    main(sys.argv[1:])
