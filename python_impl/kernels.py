"""The Python port's measurement kernels: what a timed request runs between its clock readings, written once by
the rule of docs/porting.md ("The measurement kernels"): `warmup` untimed repetitions, then `inner` timed ones
read with the finest clock the language has (here time.perf_counter, monotonic), the result per repetition, after
a full collection; the BLAS floor's six products each into a new result. Part of the dispatcher (entry.py,
checks.py, tasks.py, kernels.py)."""
from __future__ import annotations

import gc
import time
from typing import Callable

import numpy as np

from .train import Net, step


def time_steps(net: Net, x: np.ndarray, t: np.ndarray, lr: float, warmup: int, inner: int) -> float:
    """A full collection (docs/porting.md, "The measurement kernels": Python's cyclic collector, which NumPy's
    arrays, freed by their reference counts, hardly need), `warmup` untimed training steps, then `inner`
    consecutive timed ones: seconds per step."""
    gc.collect()
    for _ in range(warmup):
        step(net, x, t, lr)
    start = time.perf_counter()
    for _ in range(inner):
        step(net, x, t, lr)
    return (time.perf_counter() - start) / inner


def time_products(W1: np.ndarray, W2: np.ndarray, x: np.ndarray, warmup: int,
                  inner: int) -> tuple[float, dict[str, np.ndarray]]:
    """The step's six matrix products alone, with the step's shapes, each into a new result as the layered step makes
    them: forward x.W1, h.W2; backward dy.W2^T, h^T.dy, dh.W1^T, x^T.dh. `warmup` untimed sets, then `inner` timed
    ones: seconds per set of six, and the six products (named as the results name them)."""
    h = x @ W1
    dy = h @ W2
    dh = dy @ W2.T

    def products():
        return x @ W1, h @ W2, dy @ W2.T, h.T @ dy, dh @ W1.T, x.T @ dh

    gc.collect()
    for _ in range(warmup):
        products()
    start = time.perf_counter()
    for _ in range(inner):
        products()
    seconds = (time.perf_counter() - start) / inner
    return seconds, dict(zip(("p_xW1", "p_hW2", "p_dyW2t", "p_htdy", "p_dhW1t", "p_xtdh"), products()))


def time_runs(run: Callable, repeats: int):
    """A whole run (the perceptron's training) timed once, the first call, then `repeats` times more: (the last
    run's result, the first time, the repeats' times), in seconds."""
    times = np.empty(repeats)
    start = time.perf_counter()
    result = run()
    first = time.perf_counter() - start
    for r in range(repeats):
        start = time.perf_counter()
        result = run()
        times[r] = time.perf_counter() - start
    return result, first, times
