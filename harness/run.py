"""`harness run`: every language on identical inputs, measured in interleaved, paired rounds.

How a run measures (docs/measurement.md has the reasoning):
- Start-up and the first call are measured on fresh processes (one-shot runs), in rounds.
- Everything steady-state goes through one persistent worker per language (harness/workers.py).
- Every timed quantity is measured in rounds: in each round every language measures the same block of work,
  back to back, in an order shuffled per round (harness/schedule.py). A language's ratio to Python is taken
  process by process: every language's worker is replaced at the same rounds, and each process (generation)
  gives one value per language; the geometric mean over generations is the estimate, with Student's t 95%
  confidence and prediction intervals (harness/stats.py).
- Every task takes a fixed number of rounds (never "until the interval looks narrow"); the training run is cut
  into chunks, one chunk per language per round.
- Every timed request also returns what it computed, and that is compared with Python's.
- The perceptron, the training run and the bench cases are measured for both variants of every port (the book's
  layers, and the same step as fast, clear code: docs/porting.md), in the same rounds: each (language, variant)
  is a participant, and a fused variant's ratio is to Python's fused variant.
Each task's rows are written to results.csv as soon as the task finishes.
"""
from __future__ import annotations

import os
import shutil
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

from .data import DataError
from .dgemm import dgemm_gflops
from .environment import machine_record, project_version, read_environment, write_environment
from .languages import REFERENCE
from .machine import Machine, other_benchmarks, pinned_cpus
from .probe import probe
from .progress import Progress
from .results import SETTINGS_TASK, ResultsFile, Row
from .run_folders import close_dead_runs, new_run_dir
from .runners.base import REPO
from .runners.processes import MALLOC_TUNABLES, clean_stale_temp
from .settings import MNIST_TASKS, Settings
from .source_size import source_rows
from .tasks import run_task
from .tasks.context import RunContext
from .workers import Workers


class ConcurrentRun(RuntimeError):
    """Another benchmark of this project is running on this machine: both runs' timings would be poisoned."""


def run(langs: list[str], settings: Settings, seed: int = 0, threads: int = 1, out_base: Path | None = None,
        quiet: bool = False, data_dir: Path | None = None, keep_inputs: bool = False, pin: bool = False,
        log: Callable[[str], None] = print, allow_concurrent: bool = False) -> tuple[Path, list[str]]:
    """Runs every task for every language; returns the run folder and the list of failures. Refuses to start
    (ConcurrentRun) while another benchmark of this project runs on the machine, unless `allow_concurrent` (or
    NNBENCH_ALLOW_CONCURRENT=1, which the tests set: they time nothing): then it warns, and the run records it."""
    langs = [REFERENCE, *[lang for lang in langs if lang != REFERENCE]]  # the reference is always there
    allow_concurrent = allow_concurrent or os.environ.get("NNBENCH_ALLOW_CONCURRENT") == "1"
    others = other_benchmarks()
    if others and not allow_concurrent:
        raise ConcurrentRun("another benchmark of this project is running on this machine (a run, or a test suite's "
                            "ports), and two at once slow each other down: " + "; ".join(others) + ". Wait for it to "
                            "end, or pass --allow-concurrent to run anyway (the run records it)")
    for other in others:
        log(f"warning: another benchmark is running at the same time ({other}): both runs' timings suffer")
    clean_stale_temp(log)
    close_dead_runs(out_base or REPO / "results", log)
    run_dir = new_run_dir(out_base or REPO / "results", settings.quick_version)
    results = ResultsFile(run_dir / "results.csv")
    cpus = pinned_cpus(pin, threads)
    env = {"run_id": run_dir.name, "started": datetime.now().isoformat(timespec="seconds"), "pid": os.getpid(),
           "seed": seed,
           "threads": threads, "langs": langs, "settings": {k: v for k, v in settings.__dict__.items()},
           "machine": machine_record(), "project": project_version(),
           "malloc": {"GLIBC_TUNABLES": os.environ.get("GLIBC_TUNABLES", MALLOC_TUNABLES),
                      "set_by": "the user" if "GLIBC_TUNABLES" in os.environ else "the harness, for every language"},
           "schedule": {"workers": "one long-lived process per language at a time, every language's replaced at "
                                   "the same rounds (generations; start-up and first call: fresh processes)",
                        "rounds": "every language once per round, order shuffled per round from the seed",
                        "pinned_cpus": sorted(cpus) if cpus else None}}
    write_environment(run_dir, env)
    log(f"run folder: {run_dir}")
    failed: list[str] = []
    progress = None
    ended: tuple[str, str] = ("finished", "")  # or interrupted, or failed (with why)
    workers = Workers(threads, cpus, log=log, max_timeout=settings.timeout)
    try:
        log(f"measuring the machine's DGEMM rate ({threads} thread{'s' if threads > 1 else ''})...")
        results.add(settings_rows(settings, seed, threads))
        gflops = dgemm_gflops(threads)
        results.add([Row("machine", "dgemm", "n=2000", "gflops", "", gflops, "GFLOP/s")])
        available = probe(langs, threads, run_dir, results, log)
        results.add(source_rows(langs))
        failed += [lang for lang in langs if lang not in available]
        progress = Progress(total=len(settings.tasks), quiet=quiet)
        workers.log = progress.write
        machine = Machine()
        machine.sample()
        ctx = RunContext(run_dir, available, settings, seed, threads, results, progress, workers, data_dir,
                         log=progress.write, gflops=gflops, machine=machine)
        if set(settings.tasks) & MNIST_TASKS:
            ctx.mnist  # noqa: B018 - verified (and fetched) before anything is measured, not when a task needs it
        for task in settings.tasks:
            progress.start(task)
            start, mark = time.monotonic(), machine.mark()
            failed += run_task(ctx, task)
            machine.sample()
            env = read_environment(run_dir)
            env.setdefault("task_seconds", {})[task] = round(time.monotonic() - start, 1)
            env.setdefault("machine_state", {})[task] = machine.summary(since=mark)
            env["machine_state"]["run"] = machine.summary()
            write_environment(run_dir, env)
            progress.done()
    except KeyboardInterrupt:  # Ctrl-C: what finished is in results.csv already; say so and stop
        ended = ("interrupted", "")
        failed.append("interrupted")
    except OSError as exc:  # a full disk, a folder gone: the run cannot go on; what it wrote is kept
        ended = ("failed", f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""))
        raise
    except DataError as exc:
        ended = ("failed", str(exc))
        raise
    finally:
        workers.close()
        if progress is not None:
            progress.close()
        if not keep_inputs:
            shutil.rmtree(run_dir / "inputs", ignore_errors=True)
        try:
            env = read_environment(run_dir)
            env[ended[0]] = datetime.now().isoformat(timespec="seconds")
            if ended[1]:
                env["failure"] = ended[1]
            write_environment(run_dir, env)
        except OSError:  # the disk is full or gone: nothing more can be recorded
            pass
    return run_dir, failed


def settings_rows(settings: Settings, seed: int, threads: int) -> list[Row]:
    """The run's numeric settings as rows of the table, so that results.csv alone says how it was made."""
    values = {**{k: v for k, v in settings.__dict__.items() if isinstance(v, (int, float))}, "seed": seed,
              "threads": threads}
    return [Row("all", SETTINGS_TASK, "", k, "", float(v)) for k, v in values.items() if v is not None]
