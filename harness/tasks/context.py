"""What every task gets: the run's context (settings, workers, results, MNIST), and the sizes of requests."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from ..data import load_raw
from ..machine import Machine
from ..progress import Progress
from ..results import ResultsFile
from ..runners import get_runner
from ..settings import Settings
from ..stats import flops_per_step
from ..workers import Workers


@dataclass
class RunContext:
    run_dir: Path
    langs: list[str]
    settings: Settings
    seed: int
    threads: int
    results: ResultsFile
    progress: Progress
    workers: Workers
    data_dir: Path | None = None
    gflops: float = float("nan")  # the machine's measured DGEMM rate: sizes the timed blocks
    log: Callable[[str], None] = print
    machine: Machine = field(default_factory=Machine)
    _mnist: dict | None = None

    @property
    def mnist(self) -> dict[str, np.ndarray]:
        if self._mnist is None:
            self._mnist = load_raw(self.data_dir, log=self.log)
        return self._mnist

    def request(self, lang: str, task: str, config: dict, timeout: float, **kw):
        return self.workers.request(lang, task, config, timeout=timeout, **kw).arrays

    def fresh(self, lang: str, task: str, config: dict, **kw):
        """A one-shot run in a fresh process (start-up and first-call measurements)."""
        return get_runner(lang).run(task, config, timeout=self.workers.limit(time_limit(5.0)), threads=self.threads,
                                    **kw)

def time_limit(expected_s: float) -> float:
    """A request's time limit: generous against what it should take (a hang is caught, a slow port is not)."""
    return 60.0 + 30.0 * expected_s


def step_estimate(batch: int, hidden: int) -> float:
    """A modest guess of one step's time (seconds): its FLOPs at 5 GFLOP/s plus 0.1 ms of overhead."""
    return flops_per_step(batch, hidden) / 5e9 + 1e-4

def eval_iterations(iters: int, every: int) -> list[int]:
    """The step counts after which accuracy is measured: every `every` steps, and after the last."""
    its = list(range(every, iters + 1, every))
    return its if its and its[-1] == iters else its + [iters]


def inner_steps(target_s: float, hidden: int, batch: int, gflops: float = float("nan")) -> int:
    """Timed steps per round, so that one timed block lasts about target_s (clock resolution and per-call noise
    then do not matter); the same count for every language keeps the work identical. The step's time is guessed
    from the machine's measured DGEMM rate (its FLOPs at that rate plus 0.1 ms of overhead), or, without one,
    from step_estimate's modest guess."""
    step = flops_per_step(batch, hidden) / (gflops * 1e9) + 1e-4 if gflops > 0 else step_estimate(batch, hidden)
    return int(max(1, min(2000, round(target_s / step))))
