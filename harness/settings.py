"""What a run does (Settings), the names of its tasks, and its participants: each language's layered code, and
its other variants ("julia fused"), each with the Python participant its ratios are taken to (Participant)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from .languages import REFERENCE
from .results import VARIANTS

GATES = ("AND", "OR", "NAND", "XOR")
WARMUP_STEPS = 10  # the training run's first steps (compilation, cold caches) are left out of its rounds
BOOK_STEPS = 10000  # the book's training run: a fresh process's first steps cost once per run of so many steps
TASK_NAMES = ("startup", "perceptron", "gradcheck", "train", "bench", "cpu_target")
VARIANT_TASKS = ("perceptron", "train", "bench")  # measured for every variant; the others for the layered code
MNIST_TASKS = {"startup", "gradcheck", "train", "bench"}  # the tasks whose inputs come from MNIST


@dataclass
class Settings:
    """What a run does. `quick()` gives the short version with the same report."""
    iters: int = 10000
    batch: int = 100
    lr: float = 0.1
    hidden: int = 50
    eval_every: int = 600
    train_chunk: int = 200  # training steps per request: one chunk per language per round
    perceptron_epochs: int = 2000
    perceptron_lr: float = 1.0
    perceptron_repeats: int = 3  # whole training runs per request; a round's value is their median
    startup_repeats: int = 10  # rounds of fresh processes doing nothing (start-up)
    first_step_repeats: int = 3  # of which the first so many also time a fresh process's first step
    bench_target_s: float = 0.01  # each timed block (steps, or the BLAS floor) lasts about this long
    bench_rounds: int = 24  # rounds of every bench case: a fixed number (docs/measurement.md)
    perceptron_rounds: int = 12
    generations: int = 6  # worker processes each quantity is measured by, one after the other: the unit of replication
    train_generations: int = 6  # worker processes the training run is handed through
    train_warmup: int = 1000  # steps each new training worker runs first, on a copy of its network (at the book's size)
    scaling_hidden: tuple[int, ...] = (50, 100, 200, 400, 800)
    scaling_batch: tuple[int, ...] = (1, 10, 100, 1000)
    gradcheck_batch: int = 3
    tasks: tuple[str, ...] = TASK_NAMES
    variants: tuple[str, ...] = VARIANTS  # for the tasks that measure both (VARIANT_TASKS)
    timeout: float | None = None  # caps every request's time limit (else proportional: time_limit)
    quick_version: bool = False

    @classmethod
    def quick(cls) -> "Settings":
        return cls(quick_version=True, iters=1800, eval_every=300, train_chunk=25, perceptron_epochs=500,
                   scaling_hidden=(50, 200, 800), scaling_batch=(1, 100, 1000))

    def warmup_steps(self) -> int:
        """The steps each new training worker runs first (warmup_steps)."""
        return warmup_steps(self.train_warmup, self.hidden, self.batch)

    def per_worker(self, rounds: int) -> int:
        """Rounds per worker process, so that `rounds` rounds are spread over `generations` processes."""
        return max(1, -(-rounds // self.generations))


def warmup_steps(book: int, hidden: int, batch: int) -> int:
    """How many steps a new training worker runs first: `book` at the book's size (hidden 50, batch 100), for a
    larger step fewer in proportion to its size (what a fresh process must settle is a volume of new memory, and a
    step's allocations grow with hidden x batch as its work does), at least a tenth of `book`."""
    return max(book // 10, min(book, round(book * 50 * 100 / (hidden * batch))))


class Participant(NamedTuple):
    """Who takes part in a task: a language in one variant of its code. Shown as "julia" (the layered code) or
    "julia fused"."""
    lang: str
    variant: str = "layers"

    def __str__(self) -> str:
        return self.lang if self.variant == "layers" else f"{self.lang} {self.variant}"

    @property
    def reference(self) -> "Participant":
        """The participant its ratios are taken to: Python, the reference, in the same variant."""
        return Participant(REFERENCE, self.variant)

    @property
    def is_reference(self) -> bool:
        return self.lang == REFERENCE
