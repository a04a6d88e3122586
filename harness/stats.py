"""Statistics of repeated timings, and the FLOP count of a training step."""
from __future__ import annotations

import numpy as np


def summary(samples) -> dict[str, float]:
    """Median, minimum, quartiles, IQR and count of a set of timings (NaNs dropped)."""
    x = np.asarray(samples, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        nan = float("nan")
        return {"median": nan, "min": nan, "q25": nan, "q75": nan, "iqr": nan, "n": 0}
    q25, q50, q75 = np.percentile(x, [25, 50, 75])
    return {"median": float(q50), "min": float(x.min()), "q25": float(q25), "q75": float(q75),
            "iqr": float(q75 - q25), "n": int(x.size)}


def ratio(a, b) -> tuple[float, float]:
    """Ratio of medians a/b and its spread, propagated from the IQRs as relative errors add in quadrature
    (hyperfine's way for a quotient); IQR/1.349 estimates a standard deviation for normal data."""
    sa, sb = summary(a), summary(b)
    r = sa["median"] / sb["median"]
    rel = np.hypot(sa["iqr"] / 1.349 / sa["median"], sb["iqr"] / 1.349 / sb["median"])
    return float(r), float(r * rel)


def flops_per_step(batch: int, hidden: int, n_in: int = 784, n_out: int = 10) -> float:
    """FLOPs of the matrix products of one training step (2 per multiply-add):
    forward x.W1 (N x D x H) and h.W2 (N x H x C); backward dy.W2^T, h^T.dy (each N x H x C),
    dh.W1^T and x^T.dh (each N x D x H). Total 6 N H (D + C)."""
    return 2.0 * batch * (n_in * hidden + hidden * n_out) * 3
