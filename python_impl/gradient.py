"""Central-difference numerical gradient (h = 1e-4, as in the book)."""
from __future__ import annotations

from typing import Callable

import numpy as np


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Gradient of f() with respect to the array x, which f reads and which is perturbed in place.

    Each element is set to x+h and x-h in turn and restored afterwards: grad = (f(x+h) - f(x-h)) / 2h.
    """
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)  # views: writes reach x and grad
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + h
        f_plus = f()
        flat[i] = keep - h
        f_minus = f()
        flat[i] = keep
        gflat[i] = (f_plus - f_minus) / (2 * h)
    return grad
