"""Comparing arrays across languages."""
from __future__ import annotations

import numpy as np


def rel_diff(a: np.ndarray, ref: np.ndarray) -> float:
    """Norm-wise relative difference ||a - ref|| / ||ref|| (absolute when ref is all zeros; inf on a shape mismatch)."""
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    diff = float(np.linalg.norm((a - ref).ravel()))
    scale = float(np.linalg.norm(ref.ravel()))
    return diff / scale if scale > 0 else diff


def max_abs_diff(a: np.ndarray, ref: np.ndarray) -> float:
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    return float(np.max(np.abs(a - ref))) if a.size else 0.0
