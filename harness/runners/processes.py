"""What every process the harness starts shares, one-shot (runners/base.py) or worker (workers.py): the same
allocator settings, death with the harness, the task folder it is given, the progress lines it prints, how it is
killed (with its whole process group), and temporary folders named after the harness's process so that a run
killed outright can be cleaned up after."""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from ..interchange import write_arrays, write_config

# glibc's malloc, the same for every language (docs/measurement.md, "The allocator"): with its default
# thresholds an interpreter that allocates a new matrix for every result (Octave, Scilab, R, NumPy) trims its heap
# and maps fresh pages many times per step, so its step time depends on what else the process holds. Raised
# thresholds keep freed memory for reuse. A GLIBC_TUNABLES of the user's own (even empty) is kept instead.
MALLOC_TUNABLES = ("glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=268435456:"
                   "glibc.malloc.top_pad=67108864")


PR_SET_PDEATHSIG = 1  # linux/prctl.h
TEMP_PREFIX = f"nnbench-{os.getpid()}-"  # temporary folders name the harness's process: see clean_stale_temp


def child_setup(cpus: set[int] | None = None) -> Callable[[], None]:
    """What a port's process does before it starts: on Linux, ask to be killed when the harness dies, however it
    dies (even SIGKILL: a parent-death signal); and run on `cpus` when given. The parent-death signal follows
    the thread that started the process, so only processes started by the main thread ask for it."""
    main = threading.current_thread() is threading.main_thread()
    libc = None
    if main and sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
        except OSError:
            libc = None

    def setup() -> None:
        if libc is not None:
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if cpus:
            os.sched_setaffinity(0, cpus)
    return setup


def clean_stale_temp(log: Callable[[str], None] = lambda message: None) -> None:
    """Removes the temporary folders of harness processes that are gone (a run killed outright leaves them)."""
    for folder in Path(tempfile.gettempdir()).glob("nnbench-*-*"):
        pid = folder.name.split("-")[1]
        if not pid.isdigit() or pid_alive(int(pid)):
            continue
        shutil.rmtree(folder, ignore_errors=True)
        log(f"removed {folder}, left by a run that ended without cleaning up")


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def write_task(folder: Path, task: str, threads: int, config: dict | None = None,
               inputs: dict[str, np.ndarray] | None = None, input_dir: Path | None = None) -> None:
    """A task folder (docs/interchange.md): config.txt, and the inputs written to in/ or, when an input folder is
    already written, in/ linked to it (not copied)."""
    write_config(folder, {"task": task, "threads": threads, **(config or {})})
    if input_dir is not None:
        (folder / "in").symlink_to(Path(input_dir).resolve(), target_is_directory=True)
    elif inputs:
        write_arrays(folder / "in", inputs)


def progress(line: str) -> tuple[int, int] | None:
    """(done, total) from a port's `progress DONE TOTAL` line; None for any other line."""
    parts = line.split()
    if len(parts) == 3 and parts[0] == "progress" and parts[1].isdigit() and parts[2].isdigit():
        return int(parts[1]), int(parts[2])
    return None


def kill_group(proc: subprocess.Popen, wait: float | None = None) -> None:
    """Kills a port's process and its children (its process group), and reaps it (waiting at most `wait` s)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=wait)
    except subprocess.TimeoutExpired:
        pass


def peak_rss_kb(pid: int) -> int:
    """The peak resident memory (VmHWM, kB) of a process and its descendants, summed: a worker and what it started
    (scilab-cli, for one, is a script that starts the interpreter). 0 when /proc cannot tell."""
    total, todo = 0, [pid]
    while todo:
        proc = Path("/proc") / str(todo.pop())
        try:
            for line in (proc / "status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
            for thread in (proc / "task").iterdir():
                todo += [int(c) for c in (thread / "children").read_text().split()]
        except (OSError, ValueError):  # ended meanwhile, or not ours to read
            pass
    return total
