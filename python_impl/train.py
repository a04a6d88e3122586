"""Plain SGD over a given mini-batch index sequence, so that every language replays the same one: the step, the
one training driver (train_steps: a chunk of steps, each timed) and the accuracy. A whole run is made of chunks
by the tasks (tasks.py: train_begin, train_steps, train_end), for a one-shot request as for a worker; and what a
step needs in memory beyond what it holds (step_peak_bytes, untimed)."""
from __future__ import annotations

import time
import tracemalloc

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


def step_peak_bytes(net: Net, x_train: np.ndarray, t_train: np.ndarray, batches: np.ndarray,
                    lr: float) -> np.ndarray:
    """For a step on each of batches[1], batches[2], ...: the most memory it held at once beyond what was held
    before it (bytes, by tracemalloc, which sees NumPy's arrays): the temporaries of the gradient and the update.
    The step on batches[0] warms up, unmeasured (a fused network makes its buffers in its first step). Never timed
    (tracemalloc slows every allocation); the caller runs it on a copy of the network, so that the training run
    is not changed."""
    if batches.shape[0] < 2:
        return np.empty(0)
    peaks = np.empty(batches.shape[0] - 1)
    tracemalloc.start()  # before the warm-up, so that what the step frees of the one before is traced too
    try:
        step(net, x_train[batches[0]], t_train[batches[0]], lr)
        for i, idx in enumerate(batches[1:]):
            x_batch, t_batch = x_train[idx], t_train[idx]
            tracemalloc.reset_peak()
            held = tracemalloc.get_traced_memory()[0]
            step(net, x_batch, t_batch, lr)
            peaks[i] = tracemalloc.get_traced_memory()[1] - held
    finally:
        tracemalloc.stop()
    return peaks
