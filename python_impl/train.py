"""Plain SGD over a given mini-batch index sequence, so that every language replays the same one."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from .fused import FusedNet
from .two_layer_net import PARAM_NAMES, TwoLayerNet

Net = TwoLayerNet | FusedNet  # the layered variant, or the fused one (docs/porting.md)


def sgd_step(net: TwoLayerNet, x: np.ndarray, t: np.ndarray, lr: float) -> float:
    """One training step: backprop, then params -= lr * grad in place. Returns the batch loss before the update."""
    L, grads = net.gradient(x, t)
    for name in PARAM_NAMES:
        net.params[name] -= lr * grads[name]
    return L


def step(net: Net, x: np.ndarray, t: np.ndarray, lr: float) -> float:
    """One training step of either variant; returns the batch loss before the update."""
    return net.step(x, t, lr) if isinstance(net, FusedNet) else sgd_step(net, x, t, lr)


def accuracy(net: Net, x: np.ndarray, t: np.ndarray) -> float:
    """Either variant's accuracy, by the layered net's predict on the same parameters (not timed)."""
    return (net if isinstance(net, TwoLayerNet) else TwoLayerNet(net.params)).accuracy(x, t)


def train_steps(net: Net, x_train: np.ndarray, t_train: np.ndarray, batches: np.ndarray,
                lr: float) -> tuple[np.ndarray, np.ndarray]:
    """One step on each of batches[0], batches[1], ... (rows of 0-based sample indices). Returns each step's
    batch loss and its time (gradient + update, measured with a monotonic clock; the gather is not timed)."""
    losses = np.empty(batches.shape[0])
    step_times = np.empty(batches.shape[0])
    for i, idx in enumerate(batches):
        x_batch, t_batch = x_train[idx], t_train[idx]
        start = time.perf_counter()
        losses[i] = step(net, x_batch, t_batch, lr)
        step_times[i] = time.perf_counter() - start
    return losses, step_times


def train(net: Net, x_train: np.ndarray, t_train: np.ndarray, x_test: np.ndarray, t_test: np.ndarray,
          batches: np.ndarray, lr: float, eval_every: int,
          progress: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Trains on batches[i] (0-based row indices) for i = 0 .. iters-1.

    Records the batch loss and the time of every step (train_steps), and the train/test accuracy after every
    `eval_every` steps and after the last.
    """
    iters = batches.shape[0]
    losses, step_times, train_acc, test_acc = [], [], [], []
    for start in range(0, iters, eval_every):
        stop = min(start + eval_every, iters)
        chunk_losses, chunk_times = train_steps(net, x_train, t_train, batches[start:stop], lr)
        losses.append(chunk_losses)
        step_times.append(chunk_times)
        train_acc.append(accuracy(net, x_train, t_train))
        test_acc.append(accuracy(net, x_test, t_test))
        if progress is not None:
            progress(stop)
    return {"loss": np.concatenate(losses), "step_times": np.concatenate(step_times),
            "train_acc": np.array(train_acc), "test_acc": np.array(test_acc)}
