"""Parity: every language's results against the Python reference, on the same inputs."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import inputs as seeded
from .languages import REFERENCE
from .parity import CURVES, GRAD_TOL, LAYER_TOL, NUMERICAL_TOL, TRAIN_LOSS_TOL, differences, within
from .runners import get_runner

# How a check asks a language for a task's results: (language, task, config, inputs) -> result arrays
Ask = Callable[[str, str, dict, dict], dict]


def one_shot(lang: str, task: str, config: dict, data: dict, timeout: float = 600) -> dict:
    """A task in a process of its own, as `harness check` runs every comparison (tests may pass a worker's)."""
    return get_runner(lang).run(task, config, data, timeout=timeout).arrays


@dataclass
class Comparison:
    lang: str
    case: str  # e.g. "layers", "grad two_layer_net", "numerical two_layer_net"
    name: str  # the array compared
    value: float  # norm-wise relative difference
    tol: float

    @property
    def ok(self) -> bool:
        return within(self.value, self.tol)


def compare(lang: str, case: str, got: dict, ref: dict, tol: float, names=None, task: str = "") -> list[Comparison]:
    """Each named result against the reference's, measured and judged as a run's parity check is (harness.parity:
    a curve of the `task` point by point, any other array norm-wise)."""
    names = names if names is not None else sorted(ref)
    return [Comparison(lang, case, f"{n} (max rel., every point)" if (task, n) in CURVES else n, value, tol)
            for n, value in differences(task, got, ref, names).items()]


def layer_rows(lang: str, seed: int = 0, ask: Ask = one_shot) -> list[Comparison]:
    data = seeded.layer_inputs(seed)
    ref = ask(REFERENCE, "layers", {}, data)
    got = ask(lang, "layers", {}, data)
    return compare(lang, "layers", got, ref, LAYER_TOL)


def grad_rows(lang: str, model: str, seed: int = 0, labels: bool = True, ask: Ask = one_shot) -> list[Comparison]:
    data = seeded.grad_inputs(model, seed, labels=labels)
    config = {"model": model, "numerical": 0}
    ref = ask(REFERENCE, "grad", config, data)
    got = ask(lang, "grad", config, data)
    target = "labels" if labels else "one-hot"
    return compare(lang, f"grad {model} ({target})", got, ref, GRAD_TOL)


def fused_rows(lang: str, seed: int = 0, ask: Ask = one_shot) -> list[Comparison]:
    """The language's fused variant (docs/porting.md) against Python's layered code: the first training step at
    batch 1 and 100, and the perceptron on AND (its solved epoch, weights and loss curve)."""
    rows = []
    for batch in (1, 100):
        data = seeded.grad_inputs("two_layer_net", seed, batch=batch)
        ref = ask(REFERENCE, "first_step", {"lr": 0.1}, data)
        got = ask(lang, "first_step", {"lr": 0.1, "variant": "fused"}, data)
        rows += compare(lang, f"fused first step (batch {batch})", got, ref, GRAD_TOL, ["W1", "b1", "W2", "b2"])
    data, config = seeded.perceptron_inputs(seed, "AND"), {"epochs": 200, "lr": 1.0, "repeats": 1}
    ref = ask(REFERENCE, "perceptron", config, data)
    got = ask(lang, "perceptron", {**config, "variant": "fused"}, data)
    return rows + compare(lang, "fused perceptron (AND)", got, ref, GRAD_TOL, ["solved_epoch", "W", "b", "losses"],
                          task="perceptron")


def numerical_rows(lang: str, model: str, seed: int = 0, hidden: int = 10, ask: Ask = one_shot) -> list[Comparison]:
    """The language's own backprop against its own central differences (a small hidden layer keeps it fast)."""
    data = seeded.grad_inputs(model, seed, hidden=hidden)
    backprop = ask(lang, "grad", {"model": model, "numerical": 0}, data)
    numerical = ask(lang, "grad", {"model": model, "numerical": 1}, data)
    names = [n for n in backprop if n != "loss"]
    return compare(lang, f"numerical {model}", numerical, backprop, NUMERICAL_TOL, names)


def train_parity_inputs(seed: int = 0, n_train: int = 1000, n_test: int = 200, iters: int = 50, batch: int = 20,
                        hidden: int = 50) -> dict[str, np.ndarray]:
    """A short training problem on synthetic MNIST-shaped images (class-dependent, so the net learns)."""
    rng = seeded.rng_for(seed, 6)
    prototypes = rng.random((10, 784))

    def images(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, n)
        x = np.clip(prototypes[labels] * 255 + rng.normal(0, 40, (n, 784)), 0, 255).astype(np.uint8)
        return x, labels.astype(np.uint8)

    x_train, t_train = images(n_train)
    x_test, t_test = images(n_test)
    return {**seeded.net_params(seed, hidden), "batches": seeded.batch_sequence(seed, iters, batch, n_train),
            "x_train": x_train, "t_train": t_train, "x_test": x_test, "t_test": t_test}


def train_rows(lang: str, seed: int = 0, ask: Ask = one_shot) -> list[Comparison]:
    data = train_parity_inputs(seed)
    config = {"lr": 0.1, "eval_every": 10}
    ref = ask(REFERENCE, "train", config, data)
    got = ask(lang, "train", config, data)
    return (compare(lang, "train", got, ref, GRAD_TOL, ["W1", "b1", "W2", "b2", "train_acc", "test_acc"]) +
            compare(lang, "train", got, ref, TRAIN_LOSS_TOL, ["loss"], task="train"))
