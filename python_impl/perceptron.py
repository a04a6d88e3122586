"""The single perceptron: Z = X . W^T + b, A = sigmoid(Z), E = 1/2 sum (A - Y)^2.

The chain-rule factor dZ = (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)) is computed once and
shared by both gradients: dW = dZ^T . X, db = sum(dZ).
"""
from __future__ import annotations

import numpy as np

from .layers import sigmoid

GATES: dict[str, np.ndarray] = {
    "AND": np.array([0.0, 0.0, 0.0, 1.0]),
    "OR": np.array([0.0, 1.0, 1.0, 1.0]),
    "NAND": np.array([1.0, 1.0, 1.0, 0.0]),
    "XOR": np.array([0.0, 1.0, 1.0, 0.0]),
}
GATE_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def forward(W: np.ndarray, b: float, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Returns (Z, A) for inputs X (N x n), weights W (n,), bias b."""
    Z = X @ W + b
    return Z, sigmoid(Z)


def loss(W: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> float:
    """E = 1/2 sum (A - Y)^2."""
    return float(0.5 * np.sum((forward(W, b, X)[1] - Y) ** 2))


def backward(A: np.ndarray, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, float]:
    """(dW, db) from the forward output A; the shared factor dZ is computed once."""
    dZ = (A - Y) * A * (1.0 - A)  # (A - Y) * sigmoid(Z) * (1 - sigmoid(Z)), with sigmoid(Z) = A
    return dZ @ X, float(np.sum(dZ))  # dW = dZ^T . X (one output unit), db = sum(dZ)


def gradient(W: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray) -> tuple[float, np.ndarray, float]:
    """Returns (E, dW, db)."""
    _, A = forward(W, b, X)
    E = float(0.5 * np.sum((A - Y) ** 2))
    dW, db = backward(A, X, Y)
    return E, dW, db


def predict(W: np.ndarray, b: float, X: np.ndarray) -> np.ndarray:
    return (forward(W, b, X)[1] > 0.5).astype(np.float64)


def train(
    W: np.ndarray, b: float, X: np.ndarray, Y: np.ndarray, epochs: int, lr: float
) -> tuple[np.ndarray, float, np.ndarray, int]:
    """Full-batch gradient descent for `epochs` epochs.

    Returns (W, b, losses, solved_epoch): losses[e] is E before update e+1, and solved_epoch is the
    number of updates after which all inputs are first classified correctly (-1 if never).
    """
    W = W.copy()
    b = float(b)
    losses = np.empty(epochs)
    solved = -1
    for epoch in range(epochs):
        Z, A = forward(W, b, X)
        if solved < 0 and np.all((A > 0.5) == (Y > 0.5)):
            solved = epoch
        losses[epoch] = 0.5 * np.sum((A - Y) ** 2)
        dW, db = backward(A, X, Y)
        W -= lr * dW
        b -= lr * db
    if solved < 0 and np.all(predict(W, b, X) == (Y > 0.5)):
        solved = epochs
    return W, b, losses, solved
