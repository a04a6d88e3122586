"""The fused variant: the same training step and perceptron epoch as the layered code, written as fast, clear NumPy.

No layer objects: one function per step, the maths inline, every intermediate array made once per batch size
and reused (`out=`, in-place updates). The maths and the float64 results are the layered step's
(two_layer_net.py, train.sgd_step) to rounding: docs/porting.md says what a fused variant may change.
"""
from __future__ import annotations

import numpy as np

from .two_layer_net import PARAM_NAMES


class FusedNet:
    """The two-layer net's parameters (W1, b1, W2, b2, updated in place) and the step's buffers."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = {name: np.array(params[name], dtype=np.float64) for name in PARAM_NAMES}
        self._batch = -1

    def _buffers(self, n: int) -> None:
        """Every intermediate of a step at batch size n, made once."""
        W1, W2 = self.params["W1"], self.params["W2"]
        (d, hidden), classes = W1.shape, W2.shape[1]
        self._batch = n
        self.h, self.s, self.dh, self.dx = (np.empty((n, hidden)), np.empty((n, classes)), np.empty((n, hidden)),
                                            np.empty((n, d)))
        self.mask = np.empty((n, hidden), dtype=bool)
        self.dW1, self.dW2 = np.empty_like(W1), np.empty_like(W2)
        self.rows = np.arange(n)
        self.col_max, self.col_sum = np.empty((n, 1)), np.empty((n, 1))

    def step(self, x: np.ndarray, t: np.ndarray, lr: float) -> float:
        """One SGD step on the batch x (N x 784) with integer labels t (N,); returns the loss before the update."""
        if x.shape[0] != self._batch:
            self._buffers(x.shape[0])
        p = self.params
        n = x.shape[0]
        h, s, dh, mask = self.h, self.s, self.dh, self.mask
        # forward: h = relu(x W1 + b1), s = h W2 + b2
        np.matmul(x, p["W1"], out=h)
        h += p["b1"]
        np.maximum(h, 0.0, out=h)
        np.greater(h, 0.0, out=mask)  # the book's mask, inverted: gradient only where the pre-activation is > 0
        np.matmul(h, p["W2"], out=s)
        s += p["b2"]
        # softmax with the mean cross-entropy (log-sum-exp, exact); s becomes lr * dy = lr (softmax - one-hot) / N:
        # the backward pass carries lr * dy, so every gradient comes out multiplied by the learning rate
        # (docs/porting.md, "The fused variant")
        np.max(s, axis=1, keepdims=True, out=self.col_max)
        s -= self.col_max
        picked = s[self.rows, t]
        np.exp(s, out=s)
        np.sum(s, axis=1, keepdims=True, out=self.col_sum)
        L = float(np.sum(np.log(self.col_sum[:, 0]) - picked)) / n
        s /= self.col_sum
        s[self.rows, t] -= 1.0
        s *= lr / n
        dy = s  # lr * dy
        # backward; the first layer's dx is computed as the layered step does (skipping it would save about a
        # third of the step's FLOPs), then dropped
        np.matmul(dy, p["W2"].T, out=dh)
        np.multiply(dh, mask, out=dh)
        np.matmul(h.T, dy, out=self.dW2)
        np.matmul(x.T, dh, out=self.dW1)
        np.matmul(dh, p["W1"].T, out=self.dx)
        db1, db2 = dh.sum(axis=0), dy.sum(axis=0)
        # the update, after every gradient (each already lr times the book's)
        p["W1"] -= self.dW1
        p["W2"] -= self.dW2
        p["b1"] -= db1
        p["b2"] -= db2
        return L


def fused_perceptron_train(W: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, epochs: int,
                     lr: float) -> tuple[np.ndarray, float, np.ndarray, int]:
    """perceptron.train's epochs (same arguments and results) in one loop, the maths inline. With four samples
    and two weights every NumPy call costs more than its arithmetic: the fewest calls win (in-place buffers,
    which pay at batch 100, measured no faster here)."""
    W = np.array(W, dtype=np.float64)
    b = float(b)
    targets = Y > 0.5
    losses = np.empty(epochs)
    solved = -1
    for epoch in range(epochs):
        A = 1.0 / (1.0 + np.exp(-(X @ W + b)))
        if solved < 0 and np.array_equal(A > 0.5, targets):
            solved = epoch
        E = A - Y
        losses[epoch] = 0.5 * np.dot(E, E)
        dZ = E * A * (1.0 - A)  # (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), computed once for dW and db
        W -= lr * (dZ @ X)
        b -= lr * float(np.sum(dZ))
    if solved < 0 and np.array_equal(1.0 / (1.0 + np.exp(-(X @ W + b))) > 0.5, targets):
        solved = epochs
    return W, b, losses, solved
