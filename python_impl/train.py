"""Plain SGD over a given mini-batch index sequence, so that every language replays the same one."""
from __future__ import annotations

import time
from typing import Callable

import numpy as np

from .two_layer_net import PARAM_NAMES, TwoLayerNet


def sgd_step(net: TwoLayerNet, x: np.ndarray, t: np.ndarray, lr: float) -> float:
    """One training step: backprop, then params -= lr * grad in place. Returns the batch loss before the update."""
    loss, grads = net.gradient(x, t)
    for name in PARAM_NAMES:
        net.params[name] -= lr * grads[name]
    return loss


def train(net: TwoLayerNet, x_train: np.ndarray, t_train: np.ndarray, x_test: np.ndarray, t_test: np.ndarray,
          batches: np.ndarray, lr: float, eval_every: int,
          progress: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """Trains on batches[i] (0-based row indices) for i = 0 .. iters-1.

    Records the batch loss of every step, the time of every step (gradient + update, measured with a
    monotonic clock) and the train/test accuracy after every `eval_every` steps and after the last.
    """
    iters = batches.shape[0]
    losses = np.empty(iters)
    step_times = np.empty(iters)
    train_acc, test_acc = [], []
    for i in range(iters):
        idx = batches[i]
        x_batch, t_batch = x_train[idx], t_train[idx]
        start = time.perf_counter()
        losses[i] = sgd_step(net, x_batch, t_batch, lr)
        step_times[i] = time.perf_counter() - start
        if (i + 1) % eval_every == 0 or i + 1 == iters:
            train_acc.append(net.accuracy(x_train, t_train))
            test_acc.append(net.accuracy(x_test, t_test))
            if progress is not None:
                progress(i + 1)
    return {"loss": losses, "step_times": step_times,
            "train_acc": np.array(train_acc), "test_acc": np.array(test_acc)}
