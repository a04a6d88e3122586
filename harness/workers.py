"""Persistent workers: one long-lived process per language, serving task requests one after the other.

The line protocol (docs/interchange.md, "Workers"): the harness starts `ENTRY --worker`; the worker prints
`nnbench-ready`, then for each request line `run TASK_FOLDER` it runs the task folder exactly as the one-shot
entry does and answers `nnbench-done` or `nnbench-error MESSAGE`; `quit` or the end of its input stops it.
`progress DONE TOTAL` lines may come before an answer; any other line is the port's own output, kept for the
report of a failure. Arrays go through the task folder's files, as in one-shot mode.

A worker that dies, does not answer within the request's time limit, or answers something that is not in the
protocol is killed with its whole process group and reported with the tail of its output (WorkerFailure).
`Workers` restarts a language's worker once after such a failure; a second failure takes that language out
for the rest of the run. A task that fails inside a healthy worker (`nnbench-error`) is an ordinary PortError.
"""
from __future__ import annotations

import queue
import shutil
import subprocess
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Callable

import numpy as np

from .interchange import InterchangeError, read_arrays, read_info
from .runners import PortError, Runner, get_runner
from .runners.base import REPO, TaskResult
from .runners.processes import TEMP_PREFIX, child_setup, kill_group, peak_rss_kb, progress, write_task

READY, DONE, ERROR = "nnbench-ready", "nnbench-done", "nnbench-error"
START_TIMEOUT = 120.0  # seconds for a worker to print nnbench-ready (Julia loads its code in about 1 s)


class WorkerFailure(PortError):
    """The worker process itself failed (died, hung, answered garbage); it has been killed."""


class Worker:
    """One language's worker process."""

    def __init__(self, runner: Runner, threads: int, scratch: Path, cpus: set[int] | None = None, serial: int = 1):
        self.runner, self.lang, self.threads, self.scratch, self.cpus = runner, runner.name, threads, scratch, cpus
        self.serial = serial  # the how-manieth worker of its language in this run
        self.proc: subprocess.Popen | None = None
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.tail: deque[str] = deque(maxlen=200)
        self.requests = 0
        self.peak_kb = 0  # the largest peak resident memory its processes had after a request (VmHWM)

    # -- life cycle ----------------------------------------------------------------------------------------
    def start(self, timeout: float = START_TIMEOUT) -> None:
        found = self.runner.find()
        if found is None:
            raise WorkerFailure(self.lang, self.runner.missing_reason())
        cmd = self.runner.command(found, "--worker")
        cpus = self.cpus
        try:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                errors="replace", bufsize=1, env=self.runner.environment(found, self.threads), cwd=REPO,
                start_new_session=True,  # its own process group: killing it kills its children too
                preexec_fn=child_setup(cpus))
        except OSError as exc:
            raise WorkerFailure(self.lang, f"could not start its worker ({cmd[0]}): {exc}") from None
        threading.Thread(target=self._pump, daemon=True).start()
        self._await({READY}, timeout, "to start")

    def _pump(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        try:
            for line in self.proc.stdout:
                self.lines.put(line.rstrip("\n"))
        except (OSError, ValueError):  # kill() closed the stream while this thread still read from it
            pass
        self.lines.put(None)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self, grace: float = 5.0) -> None:
        """Asks the worker to quit; kills it (and its children) if it has not within `grace` seconds."""
        if self.proc is None:
            return
        try:
            if self.proc.poll() is None:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=grace)
        except (OSError, ValueError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def kill(self) -> None:
        if self.proc is None:
            return
        kill_group(self.proc, wait=10)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass

    # -- requests ------------------------------------------------------------------------------------------
    def request(self, task: str, config: dict | None = None, inputs: dict[str, np.ndarray] | None = None,
                input_dir: Path | None = None, timeout: float = 600.0,
                on_progress: Callable[[int, int], None] | None = None) -> TaskResult:
        """Runs one task in the worker; raises PortError if the task fails, WorkerFailure if the worker does."""
        if not self.alive():
            raise WorkerFailure(self.lang, "its worker is not running", "\n".join(self.tail))
        self.requests += 1
        folder = Path(self.scratch) / f"{self.lang}-{self.requests:05d}-{task}"
        try:
            write_task(folder, task, self.threads, config, inputs, input_dir)
            start = time.perf_counter()
            try:
                self.proc.stdin.write(f"run {folder}\n")
                self.proc.stdin.flush()
            except (OSError, ValueError):
                self._fail(f"its worker died (exit code {self.proc.poll()})")
            kind, message = self._await({DONE, ERROR}, timeout, f"to answer {task}", on_progress)
            wall = time.perf_counter() - start
            output = "\n".join(self.tail)
            self.peak_kb = max(self.peak_kb, peak_rss_kb(self.proc.pid))
            if kind == ERROR:
                raise PortError(self.lang, "error: " + message if message else "error (no message)", output)
            try:
                arrays = read_arrays(folder / "out")
            except InterchangeError as exc:
                self._fail(f"its worker answered {DONE} but wrote unreadable results: {exc}")
            return TaskResult(arrays, read_info(folder / "out"), wall, output)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _await(self, wanted: set[str], timeout: float, what: str,
               on_progress: Callable[[int, int], None] | None = None) -> tuple[str, str]:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            try:
                line = self.lines.get(timeout=max(0.0, remaining)) if remaining > 0 else self.lines.get_nowait()
            except queue.Empty:
                self._fail(f"its worker did not answer within {timeout:.0f} s {what} (hung?)")
            if line is None:
                code = self.proc.wait() if self.proc is not None else None
                self._fail(f"its worker died (exit code {code}) {what.replace('to ', 'while trying to ', 1)}")
            done = progress(line)
            if done is not None:
                if on_progress is not None:
                    on_progress(*done)
                continue
            if line.startswith("nnbench-"):
                kind, _, message = line.partition(" ")
                if kind in wanted:
                    return kind, message.strip()
                self._fail(f"its worker answered garbage: {line[:200]!r} (expected {' or '.join(sorted(wanted))})")
            self.tail.append(line)

    def _fail(self, reason: str):
        self.kill()
        raise WorkerFailure(self.lang, reason, "\n".join(self.tail))


class Workers:
    """A worker per language, started at its first request. After a worker failure the language's next request
    starts a new worker (once per run); after a second failure the language is out for the rest of the run.
    `retire` replaces a healthy worker on purpose (the rounds spread a measurement over several processes).
    `max_timeout` (seconds), when given, caps every request's time limit and a worker's start."""

    def __init__(self, threads: int = 1, cpus: set[int] | None = None, log: Callable[[str], None] = print,
                 runners: Callable[[str], Runner] | None = None, max_timeout: float | None = None):
        self.threads, self.cpus, self.log, self.max_timeout = threads, cpus, log, max_timeout
        self.get_runner = runners if runners is not None else get_runner
        self._scratch = tempfile.TemporaryDirectory(prefix=f"{TEMP_PREFIX}workers-")
        self.scratch = Path(self._scratch.name)
        self.workers: dict[str, Worker] = {}
        self.started: dict[str, int] = {}  # workers started per language
        self.restarted: set[str] = set()
        self.out: dict[str, str] = {}  # language -> why it is out for the rest of the run
        self.peaks: dict[str, int] = {}  # language -> the largest peak memory of its workers (kB), see take_peaks

    def limit(self, seconds: float) -> float:
        return min(seconds, self.max_timeout) if self.max_timeout else seconds

    def request(self, lang: str, task: str, config: dict | None = None, **kw) -> TaskResult:
        if lang in self.out:
            raise PortError(lang, self.out[lang])
        if "timeout" in kw:
            kw["timeout"] = self.limit(kw["timeout"])
        worker = self.workers.get(lang)
        try:
            if worker is None:
                self.started[lang] = self.started.get(lang, 0) + 1
                worker = Worker(self.get_runner(lang), self.threads, self.scratch, self.cpus, self.started[lang])
                self.workers[lang] = worker
                worker.start(self.limit(START_TIMEOUT))
            result = worker.request(task, config, **kw)
            self.peaks[lang] = max(self.peaks.get(lang, 0), worker.peak_kb)
            return result
        except WorkerFailure as exc:
            worker.kill()
            del self.workers[lang]
            if lang in self.restarted:
                self.out[lang] = f"its worker failed twice; out for the rest of the run (last: {exc.reason})"
            else:
                self.restarted.add(lang)
                self.log(f"{lang}: {exc.reason}; its worker will be restarted once")
            raise

    def serial(self, lang: str) -> int:
        """Which of the language's workers is (or was last) running: 1 for the first, and so on."""
        return self.started.get(lang, 0)

    def retire(self, lang: str) -> None:
        """Stops the language's worker on purpose (not a failure): its next request starts a new one."""
        worker = self.workers.pop(lang, None)
        if worker is not None:
            worker.stop()

    def take_peaks(self) -> dict[str, int]:
        """Each language's largest worker peak memory (kB) since the last call, its workers retired so that the
        next task's start with nothing held."""
        for lang in list(self.workers):
            self.retire(lang)
        peaks, self.peaks = self.peaks, {}
        return peaks

    def kill_all(self) -> None:
        for worker in self.workers.values():
            worker.kill()

    def close(self) -> None:
        for worker in self.workers.values():
            worker.stop()
        self.workers.clear()
        self._scratch.cleanup()

    def __enter__(self) -> "Workers":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
