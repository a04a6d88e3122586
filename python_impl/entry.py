"""The Python port's entry point: `python -m python_impl.entry TASK_FOLDER|--worker` (tasks in docs/interchange.md).

The protocol: the command line, the worker loop and the one-line errors; reads a task folder, runs its task
(tasks.py, on inputs checked by checks.py, timed by kernels.py) and writes the results. Stands on its own, like
every port: its own reader and writer of the interchange format (interchange.py), its own `info` (info.py),
NumPy and the standard library only; nothing of the harness is imported.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from .checks import TaskError
from .interchange import read_arrays, read_config, write_arrays, write_info
from .tasks import TASKS

STATE: dict = {}  # what the worker tasks keep between requests (tasks.py)


def run_folder(task_dir: Path) -> None:
    """Runs the task folder: reads config.txt and in/, writes out/ (the manifest last), and out/info.txt when the
    task's results carry an `info` (the `info` task)."""
    global STATE
    config = read_config(task_dir)
    inputs = read_arrays(task_dir / "in") if (task_dir / "in" / "manifest.txt").exists() else {}
    if config.get("task") not in TASKS:
        raise TaskError(f"unknown task {config.get('task')!r} ({', '.join(sorted(TASKS))})")
    result, STATE = TASKS[config["task"]](config, inputs, STATE)
    if "info" in result:
        write_info(task_dir / "out", result.pop("info"))
    write_arrays(task_dir / "out", {k: np.asarray(v, dtype=np.float64) for k, v in result.items()})


def one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def serve() -> int:
    """Worker mode: `run TASK_FOLDER` lines on standard input, one answer line each on standard output."""
    print("nnbench-ready", flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "quit":
            break
        if not request:
            continue
        verb, _, arg = request.partition(" ")
        try:
            if verb != "run" or not arg:
                raise ValueError(f"unknown request {request!r} (expected: run TASK_FOLDER, or quit)")
            run_folder(Path(arg))
        except Exception as exc:  # the task failed; the worker goes on
            print(f"nnbench-error {one_line(exc)}", flush=True)
            continue
        print("nnbench-done", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("error: usage: python -m python_impl.entry TASK_FOLDER|--worker", file=sys.stderr)
        return 2
    if argv[0] == "--worker":
        return serve()
    try:
        run_folder(Path(argv[0]))
    except Exception as exc:  # one line for the harness, whatever went wrong
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
