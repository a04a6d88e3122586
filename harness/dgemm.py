"""The machine's reference rate: NumPy's DGEMM on one 2000 x 2000 product with the run's thread count (median
of 5), measured in a process of its own like every other timing: `python -m harness.dgemm THREADS` prints GFLOP/s.
"""
from __future__ import annotations

import subprocess
import sys
import time

from .runners.base import REPO

N, REPEATS = 2000, 5


def measure(threads: int) -> float:
    """GFLOP/s of this process's NumPy DGEMM, with `threads` BLAS threads."""
    import numpy as np
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((N, N)), rng.standard_normal((N, N))
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b
        times = []
        for _ in range(REPEATS):
            start = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - start)
    return 2 * N ** 3 / float(np.median(times)) / 1e9


def dgemm_gflops(threads: int) -> float:
    """The rate measured in a fresh process (NaN when it cannot be measured)."""
    done = subprocess.run([sys.executable, "-m", "harness.dgemm", str(threads)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, cwd=REPO)
    try:
        return float(done.stdout.strip())
    except ValueError:
        return float("nan")


if __name__ == "__main__":
    print(measure(int(sys.argv[1])))
