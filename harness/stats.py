"""Statistics of timings measured in rounds, and the FLOP count of a training step.

A timed quantity is measured in rounds: in each round every language measures the same block of work, one
after the other, in a shuffled order (harness/schedule.py). A language's ratio to Python is taken within each
round (paired), so that a slow minute of a shared machine, which slows every language in that round, cancels.
The point estimate is the median of the per-round ratios; its 95% confidence interval comes from a seeded
bootstrap over rounds, so the same results give the same interval.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

CONFIDENCE = 0.95
BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261125  # fixed: the same rounds always give the same interval
TARGET_HALF_WIDTH = 0.03  # a ratio has converged when its CI half-width is at most 3% of the ratio
OUTLIER_FACTOR = 3.0  # a round more than 3x the median round is counted as an outlier


@dataclass(frozen=True)
class Estimate:
    """The median of per-round values with its bootstrap confidence interval."""
    value: float
    low: float
    high: float
    rounds: int
    outliers: int = 0  # rounds more than OUTLIER_FACTOR x the median

    @property
    def half_width(self) -> float:
        """The CI's half-width relative to the estimate (0.03: ±3%); inf when there is no interval."""
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or not self.value > 0:
            return float("inf")
        return (self.high - self.low) / 2 / self.value

    @property
    def converged(self) -> bool:
        return self.half_width <= TARGET_HALF_WIDTH

    def contains(self, x: float) -> bool:
        return bool(self.low <= x <= self.high)


NO_ESTIMATE = Estimate(float("nan"), float("nan"), float("nan"), 0)


def median_ci(values, groups=None, confidence: float = CONFIDENCE, resamples: int = BOOTSTRAP_RESAMPLES,
              seed: int = BOOTSTRAP_SEED) -> Estimate:
    """The median of `values` (one per round) and its percentile-bootstrap confidence interval: the middle
    `confidence` of the medians of `resamples` resamplings, drawn with a fixed seed.

    `groups` (one label per value: the worker process that measured the round) makes the bootstrap two-level:
    each resampling draws the workers with replacement, then rounds within each drawn worker. Rounds of one
    process share that process's memory layout and its stretch of time, so they are not independent; resampling
    the processes too puts their differences into the interval. Fewer than 3 rounds give no interval (NaN)."""
    x = np.asarray(values, dtype=np.float64)
    g = np.zeros(x.size, dtype=np.int64) if groups is None else np.asarray(groups)
    keep = np.isfinite(x)
    x, g = x[keep], g[keep]
    if x.size == 0:
        return NO_ESTIMATE
    med = float(np.median(x))
    outliers = int(np.sum(x > OUTLIER_FACTOR * med)) if med > 0 else 0
    if x.size < 3:
        return Estimate(med, float("nan"), float("nan"), int(x.size), outliers)
    rng = np.random.default_rng(seed)
    labels = np.unique(g)
    if labels.size == 1:
        meds = np.median(x[rng.integers(0, x.size, size=(resamples, x.size))], axis=1)
    else:  # two levels: workers, then rounds within each drawn worker (padded to the largest, padding ignored)
        members = [x[g == label] for label in labels]
        sizes = np.array([m.size for m in members])
        padded = np.full((labels.size, sizes.max()), np.nan)
        for k, m in enumerate(members):
            padded[k, :m.size] = m
        chosen = rng.integers(0, labels.size, size=(resamples, labels.size))
        picks = (rng.random((resamples, labels.size, sizes.max())) * sizes[chosen][..., None]).astype(np.int64)
        drawn = padded[chosen[..., None], picks]
        drawn[np.arange(sizes.max()) >= sizes[chosen][..., None]] = np.nan
        meds = np.nanmedian(drawn.reshape(resamples, -1), axis=1)
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(meds, [tail, 100 - tail])
    return Estimate(med, float(low), float(high), int(x.size), outliers)


def paired(times: dict[int, float], reference: dict[int, float]) -> tuple[np.ndarray, list[int]]:
    """Per-round ratios times[r] / reference[r] for the rounds both measured (finite values, positive reference),
    and those rounds."""
    common = [r for r in sorted(times) if r in reference and np.isfinite(times[r]) and np.isfinite(reference[r])
              and reference[r] > 0]
    return np.asarray([times[r] / reference[r] for r in common], dtype=np.float64), common


def ratio_estimate(times: dict[int, float], reference: dict[int, float],
                   workers: dict[int, int] | None = None) -> Estimate:
    """A language's ratio to the reference: the median of the paired per-round ratios, with its bootstrap CI
    (two-level when `workers` gives the worker generation of each round)."""
    ratios, rounds = paired(times, reference)
    return median_ci(ratios, None if workers is None else [workers.get(r, 0) for r in rounds])


def flops_per_step(batch: int, hidden: int, n_in: int = 784, n_out: int = 10) -> float:
    """FLOPs of the matrix products of one training step (2 per multiply-add):
    forward x.W1 (N x D x H) and h.W2 (N x H x C); backward dy.W2^T, h^T.dy (each N x H x C),
    dh.W1^T and x^T.dh (each N x D x H). Total 6 N H (D + C)."""
    return 2.0 * batch * (n_in * hidden + hidden * n_out) * 3
