"""Layers with forward/backward, as in "Deep Learning from Scratch", chapter 5.

Python holds one sample per row (x is N x D), as the book does. The other ports hold
one sample per column, i.e. the transpose of every matrix here; see docs/interchange.md.
"""
from __future__ import annotations

import numpy as np


class MatMul:
    """out = x . W"""

    def __init__(self, W: np.ndarray):
        self.W = W
        self.x: np.ndarray | None = None
        self.dW: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.dW = self.x.T @ dout
        return dout @ self.W.T


class Add:
    """out = x + y"""

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return x + y

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dout, dout


class Mul:
    """out = x * y (element-wise)"""

    def __init__(self) -> None:
        self.x: np.ndarray | None = None
        self.y: np.ndarray | None = None

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        self.x, self.y = x, y
        return x * y

    def backward(self, dout: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return dout * self.y, dout * self.x


class Relu:
    """out = max(x, 0); the gradient at exactly 0 is 0 (the book masks x <= 0)."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class Sigmoid:
    """out = 1 / (1 + exp(-x)); backward uses the saved output: dout * out * (1 - out)."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * self.out * (1.0 - self.out)


class Affine:
    """out = x . W + b; backward: dx = dout . W^T, dW = x^T . dout, db = sum of dout over the batch."""

    def __init__(self, W: np.ndarray, b: np.ndarray):
        self.W = W
        self.b = b
        self.x: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = dout @ self.W.T
        self.dW = self.x.T @ dout
        self.db = np.sum(dout, axis=0)
        return dx


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by each row's maximum for stability."""
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return e / np.sum(e, axis=-1, keepdims=True)


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax by log-sum-exp: exact and stable (no +1e-7 inside a log)."""
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def one_hot(t: np.ndarray, classes: int) -> np.ndarray:
    """Integer labels (N,) to a one-hot float64 matrix (N, classes); one-hot input is returned as is."""
    if t.ndim == 2:
        return t
    out = np.zeros((t.shape[0], classes))
    out[np.arange(t.shape[0]), t.astype(np.int64)] = 1.0
    return out


class SoftmaxWithLoss:
    """Softmax followed by the mean cross-entropy over the batch.

    Accepts one-hot targets (N x C) or integer labels (N,). Backward is (y - t) / N.
    """

    def __init__(self) -> None:
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None
        self.loss: float | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        self.t = one_hot(t, x.shape[-1])
        self.y = softmax(x)
        self.loss = float(-np.sum(self.t * log_softmax(x)) / x.shape[0])
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        return dout * (self.y - self.t) / self.t.shape[0]
