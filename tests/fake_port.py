"""A stand-in language for the harness tests: `python fake_port.py BEHAVIOUR (TASK_FOLDER | --worker)`.

One-shot it answers `info` and `noop` like a port. As a worker it prints nnbench-ready and then, on its first
request, misbehaves as told: crash (prints some output and an error, exits 3), hang (sleeps), garbage (answers
a line that is not in the protocol), nan (answers done with non-finite results), silent-exit (exits 0 without
answering). `broken` fails even `info`.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from harness.interchange import read_config, write_arrays


def one_shot(behaviour: str, folder: Path) -> int:
    if behaviour == "broken":
        print("error: cannot start", file=sys.stderr)
        return 1
    write_arrays(folder / "out", {})
    return 0


def worker(behaviour: str) -> int:
    print("nnbench-ready", flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "quit":
            return 0
        folder = Path(request.partition(" ")[2])
        print("loading...", flush=True)
        if behaviour == "crash":
            print("error: boom in the fake port", file=sys.stderr, flush=True)
            return 3
        if behaviour == "hang":
            time.sleep(600)
        if behaviour == "garbage":
            print("nnbench-banana 42", flush=True)
            continue
        if behaviour == "silent-exit":
            return 0
        if behaviour == "nan":
            task = read_config(folder)["task"]
            names = {"bench_round": ["step_time", "blas_time"], "perceptron": ["first_time"]}.get(task, [])
            write_arrays(folder / "out", {n: np.array(np.nan) for n in names})
            print("nnbench-done", flush=True)
    return 0


if __name__ == "__main__":
    kind, arg = sys.argv[1], sys.argv[2]
    sys.exit(worker(kind) if arg == "--worker" else one_shot(kind, Path(arg)))
