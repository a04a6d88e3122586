"""Comparing arrays across languages."""
from __future__ import annotations

import numpy as np


def rel_diff(a: np.ndarray, ref: np.ndarray, floor: float = 0.0) -> float:
    """Norm-wise relative difference ||a - ref|| / max(||ref||, floor) (absolute when that is 0; inf on a shape
    mismatch). A floor keeps arrays that shrink to rounding noise (the perceptron's XOR weights) from
    turning agreement to 1e-16 into a large relative number."""
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    diff = float(np.linalg.norm((a - ref).ravel()))
    scale = max(float(np.linalg.norm(ref.ravel())), floor)
    return diff / scale if scale > 0 else diff


def max_rel_each(a: np.ndarray, ref: np.ndarray) -> float:
    """The largest element-wise relative difference |a - ref| / |ref| (absolute where ref is 0; inf on a shape
    mismatch): for curves such as a loss per step, where every point must agree, not just the whole."""
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    if not a.size:
        return 0.0
    scale = np.where(ref == 0, 1.0, np.abs(ref))
    return float(np.max(np.abs(a - ref) / scale))
