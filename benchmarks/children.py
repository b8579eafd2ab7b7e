"""The parent's side of the benchmark's child processes: `run_in_child` runs a task of `benchmarks.pipeline` in a
fresh Python process, or, inside `one_child` (`run.py --quick`), in one long-lived child per calling thread."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

REPO = Path(__file__).resolve().parents[1]


class SharedChild:
    """One child process that runs task after task (`run.py --quick`: one interpreter start and one import of
    Dagster instead of a dozen). Its peak memory is the largest of all its tasks', so only separate children
    measure memory. Protocol: a JSON request per line on its stdin, "done" or "failed" per line back."""

    def __init__(self, log: Path):
        self._log = open(log, "wb")
        self.log_path = log
        self._process = subprocess.Popen([sys.executable, "-m", "benchmarks.pipeline", "--serve"], cwd=REPO,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                         env={**os.environ, "PYTHONPATH": str(REPO)})

    def run(self, request: dict) -> bool:
        self._process.stdin.write((json.dumps(request) + "\n").encode())
        self._process.stdin.flush()
        return self._process.stdout.readline().strip() == b"done"

    def close(self) -> None:
        self._process.stdin.close()
        self._process.wait()
        self._log.close()


_shared: dict[int, SharedChild] | None = None  # inside `one_child`: the shared child of each thread
_shared_folder = Path(".")


@contextmanager
def one_child(workdir: Path) -> Iterator[None]:
    """Within this block, `run_in_child` sends its tasks to one shared child process per calling thread."""
    global _shared, _shared_folder
    workdir.mkdir(parents=True, exist_ok=True)
    _shared, _shared_folder = {}, workdir
    try:
        yield
    finally:
        for child in _shared.values():
            child.close()
        _shared = None


def _shared_child() -> SharedChild:
    thread = threading.get_ident()
    if thread not in _shared:
        _shared[thread] = SharedChild(_shared_folder / f"shared_child_{len(_shared)}.log")
    return _shared[thread]


def run_in_child(task: str, environment: dict[str, str], workdir: Path, dagster_home: Path | None = None) -> dict:
    """Run `task` in a fresh Python process (or the shared one, inside `one_child`); its result carries the
    process's peak RSS in MB.

    The child reads its VmHWM itself: wait4's ru_maxrss would not do, since Linux carries the parent's
    resident size over fork and exec into the child's maximum.
    """
    out, log = workdir / f"{task}_result.json", workdir / f"{task}_child.log"
    out.unlink(missing_ok=True)
    request = {"task": task, "env": environment, "out": str(out),
               "dagster_home": str(dagster_home) if dagster_home else None}
    if _shared is not None:
        child = _shared_child()
        ok, log = child.run(request), child.log_path
    else:
        command = [sys.executable, "-m", "benchmarks.pipeline", "--task", task, "--env", json.dumps(environment),
                   "--out", str(out)] + (["--dagster-home", str(dagster_home)] if dagster_home else [])
        with open(log, "wb") as log_file:
            child = subprocess.Popen(command, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONPATH": str(REPO)})
            ok = child.wait() == 0
    if not ok or not out.exists():
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"benchmark child {task!r} failed; log {log}:\n{tail}")
    return json.loads(out.read_text())
