"""What every language runner shares: find the runtime, launch a task, read the results back.

A runner subclass gives the language's name, how to find its runtime, the command that runs a task
folder, and how to install it. Everything else (timeouts, progress lines, error reporting, reading
results) lives here, so adding a language is adding one small file.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..interchange import InterchangeError, read_arrays, read_info
from ..languages import entry_path
from .processes import MALLOC_TUNABLES, TEMP_PREFIX, child_setup, kill_group, progress, write_task

REPO = Path(__file__).resolve().parents[2]


class PortError(RuntimeError):
    """A port failed: crashed, timed out, wrote nothing or wrote something unusable."""

    def __init__(self, lang: str, reason: str, tail: str = ""):
        self.lang, self.reason, self.tail = lang, reason, tail
        super().__init__(f"{lang}: {reason}")

    def describe(self) -> str:
        tail = "\n".join("    " + ln for ln in self.tail.splitlines()[-15:])
        return f"{self.lang}: {self.reason}" + (f"\n  last output:\n{tail}" if tail else "")


@dataclass
class Found:
    """A runtime that was found: the executable and how it was found."""
    exe: str
    how: str
    extra: dict = field(default_factory=dict)


@dataclass
class TaskResult:
    arrays: dict[str, np.ndarray]
    info: dict[str, str]
    wall: float  # seconds, the whole process measured from outside
    output: str  # what the port printed (stdout and stderr), for the record
    cpu_user: float = float("nan")  # the process's CPU time (its waited-for children's included), in seconds
    cpu_system: float = float("nan")


class Runner:
    name = "?"
    install_hint = ""
    env_var = ""  # an environment variable that names the executable (checked first), e.g. OCTAVE
    program = ""  # the executable looked up on PATH next, e.g. octave-cli

    language = ""  # the registry's name of the port this runner starts, where it differs from `name` (julia-native)

    @property
    def entry(self) -> Path:
        """The port's dispatcher, as the registry of languages names it: what the command starts."""
        return REPO / entry_path(self.language or self.name)

    def find(self) -> Found | None:
        """The runtime to use, or None when it is missing (then `missing_reason` says why). A runtime the user
        names in env_var is the only one tried: another one in its place would be measured in silence."""
        if self.env_var and os.environ.get(self.env_var):
            return from_env(self.env_var)
        path = which(self.program) if self.program else None
        return Found(path, f"{self.program} on PATH") if path else None

    def missing_reason(self) -> str:
        if self.env_var and os.environ.get(self.env_var):
            return bad_override(self.env_var, self.program)
        if not self.program:
            return f"{self.name} runtime not found"
        return (f"{self.program} not found (${self.env_var} unset and no {self.program} on PATH); "
                f"install it: {self.install_hint}")

    def command(self, found: Found, arg: str | Path) -> list[str]:
        """The command that runs the port on `arg`: a task folder (one-shot), or `--worker` (docs/interchange.md)."""
        raise NotImplementedError

    def environment(self, found: Found, threads: int) -> dict[str, str]:
        env = dict(os.environ)
        for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[var] = str(threads)
        env.setdefault("GLIBC_TUNABLES", MALLOC_TUNABLES)
        return env

    def failure_reason(self, output: str) -> str | None:
        """The line of a failed run's output that explains it: the first one starting with `error`."""
        errors = [ln.strip() for ln in output.splitlines() if ln.lower().lstrip().startswith("error")]
        return errors[0] if errors else None

    def available(self) -> bool:
        return self.find() is not None

    def run(self, task: str, config: dict | None = None, inputs: dict[str, np.ndarray] | None = None,
            timeout: float = 600.0, threads: int = 1, on_progress: Callable[[int, int], None] | None = None,
            keep_dir: Path | None = None, input_dir: Path | None = None) -> TaskResult:
        """Runs one task in a fresh task folder and returns its results; raises PortError on any failure.

        input_dir: an already written input folder to reuse (linked, not copied) instead of `inputs`.
        """
        found = self.find()
        if found is None:
            raise PortError(self.name, self.missing_reason())
        tmp = None
        if keep_dir is None:
            tmp = tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}{self.name}-")
            task_dir = Path(tmp.name)
        else:
            task_dir = Path(keep_dir)
            shutil.rmtree(task_dir, ignore_errors=True)
            task_dir.mkdir(parents=True)
        try:
            write_task(task_dir, task, threads, config, inputs, input_dir)
            return self._launch(found, task_dir, timeout, threads, on_progress)
        finally:
            if tmp is not None:
                tmp.cleanup()

    def _launch(self, found: Found, task_dir: Path, timeout: float, threads: int,
                on_progress: Callable[[int, int], None] | None) -> TaskResult:
        cmd = self.command(found, task_dir)
        tail: deque[str] = deque(maxlen=200)
        start = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=self.environment(found, threads), cwd=REPO, text=True, errors="replace",
                                    start_new_session=True, preexec_fn=child_setup())
        except OSError as exc:
            raise PortError(self.name, f"could not start {cmd[0]}: {exc}") from None

        def pump() -> None:
            for line in proc.stdout:
                line = line.rstrip("\n")
                done = progress(line)
                if done is not None and on_progress is not None:
                    on_progress(*done)
                    continue
                tail.append(line)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()
        try:
            ended = wait_exit(proc, timeout)
        except BaseException:
            kill_group(proc)  # Ctrl-C: do not leave the port running
            raise
        if ended is None:
            kill_group(proc)
            reader.join(2)
            raise PortError(self.name, f"timed out after {timeout:.0f} s", "\n".join(tail))
        end, usage = ended
        wall = end - start
        reader.join(5)
        output = "\n".join(tail)
        out_dir = task_dir / "out"
        if proc.returncode != 0 or not (out_dir / "manifest.txt").is_file():
            what = self.failure_reason(output) or f"exited with code {proc.returncode}"
            if proc.returncode == 0:
                what = "exited without writing its results"
            raise PortError(self.name, what, output)
        try:
            arrays = read_arrays(out_dir)
        except InterchangeError as exc:
            raise PortError(self.name, f"wrote unreadable results: {exc}", output) from None
        return TaskResult(arrays, read_info(out_dir), wall, output, usage.ru_utime, usage.ru_stime)


def wait_exit(proc: subprocess.Popen, timeout: float) -> tuple[float, os.struct_rusage] | None:
    """Waits for the process to end: (the time.perf_counter() at its exit, its resource usage), or None after
    `timeout` seconds. A blocking os.wait4 in a thread returns the moment the process ends (Popen.wait with a
    timeout polls, with sleeps of up to 50 ms that land in the measured time) and gives its CPU times."""
    ended: list = []

    def reap() -> None:
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except ChildProcessError:  # reaped elsewhere (killed after a timeout)
            return
        ended.extend([time.perf_counter(), usage])
        proc.returncode = os.waitstatus_to_exitcode(status)

    waiter = threading.Thread(target=reap, daemon=True)
    waiter.start()
    waiter.join(timeout)
    return (ended[0], ended[1]) if ended else None


def which(*names: str) -> str | None:
    for n in names:
        path = shutil.which(n)
        if path:
            return path
    return None


def bad_override(var: str, program: str) -> str:
    return (f"${var} is {os.environ.get(var)!r}, which is neither an executable file nor a command on PATH "
            f"(unset it to look for {program} on PATH)")


def from_env(var: str) -> Found | None:
    """An executable named by an environment variable, if it is set and exists."""
    value = os.environ.get(var)
    if value:
        path = shutil.which(value) or (value if os.access(value, os.X_OK) else None)
        if path:
            return Found(path, f"${var}")
    return None
