"""Statistics of timings measured in rounds, and the FLOP count of a training step (docs/measurement.md has the
evidence behind each choice).

The unit of replication is the worker process (a *generation*): every language's worker is replaced at the same
rounds, so each generation gives one value per language, paired with Python's of the same generation. The run's
estimate is the geometric mean over generations; its 95% confidence interval and the 95% prediction interval for
the estimate of a next run (of as many generations, on the same machine) come from Student's t on the logarithms
of the generations' values.

Within a generation:
- a training step's *amortized* cost is the mean of its steps (everything the program pays, its pauses included;
  the headline), its *typical* cost the quiet cost of one step (`quiet`: the low end of repeated measurements,
  since the machine only ever adds time);
- a block measured in rounds (a bench case, the perceptron epoch, ten steps or more each) gives its quiet cost,
  the low end of its rounds: the machine only ever adds time.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

CONFIDENCE = 0.95
QUIET_QUANTILE = 10  # percent: the quiet cost is the 10th percentile of repeated measurements
PAUSE_FACTOR = 3.0  # a step more than 3x its generation's typical step is a pause
WIDE = 0.03  # an interval wider than ±3% of its estimate is counted (and listed) as wide

# two-sided 95% quantiles of Student's t for 1..30 degrees of freedom (beyond 30: the normal's 1.96 and a
# correction of 2.4/df, within 0.1% of the exact value)
_T95 = (12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042)


def t95(df: int) -> float:
    """The two-sided 95% quantile of Student's t with `df` degrees of freedom."""
    if df < 1:
        return float("nan")
    return _T95[df - 1] if df <= len(_T95) else 1.96 + 2.4 / df


@dataclass(frozen=True)
class Estimate:
    """An estimate with its 95% confidence interval (low, high) and its 95% prediction interval for a next run's
    estimate (pred_low, pred_high), from `generations` worker processes and `rounds` measurements in all."""
    value: float
    low: float
    high: float
    rounds: int
    outliers: int = 0  # measurements more than PAUSE_FACTOR x the typical one
    pred_low: float = float("nan")
    pred_high: float = float("nan")
    generations: int = 0

    @property
    def half_width(self) -> float:
        """The CI's half-width relative to the estimate (0.03: ±3%); inf when there is no interval."""
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or not self.value > 0:
            return float("inf")
        return (self.high - self.low) / 2 / self.value

    @property
    def wide(self) -> bool:
        return self.half_width > WIDE

    def contains(self, x: float) -> bool:
        return bool(self.low <= x <= self.high)

    def predicts(self, x: float) -> bool:
        """x (another run's estimate of the same quantity) lies in this run's prediction interval."""
        return bool(self.pred_low <= x <= self.pred_high)


NO_ESTIMATE = Estimate(float("nan"), float("nan"), float("nan"), 0)


def quiet(values) -> float:
    """The cost of a step or a block on a quiet machine, from repeated measurements of it: their 10th percentile
    (interpolated; close to the minimum of a few)."""
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.percentile(x, QUIET_QUANTILE)) if x.size else float("nan")


def over_generations(per_generation, rounds: int = 0, outliers: int = 0, log: bool = True) -> Estimate:
    """One estimate from the generations' own (one number per worker process): their geometric mean (`log`; the
    arithmetic mean for differences, which may be negative), a 95% confidence interval for it and a 95% prediction
    interval for the same estimate from a next run with as many generations: mean ± t·s/√G and ± t·s·√(2/G) on the
    logarithms. One generation gives no interval."""
    x = np.asarray(per_generation, dtype=np.float64)
    x = x[np.isfinite(x) & ((x > 0) if log else True)]
    if x.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), rounds, outliers)
    y = np.log(x) if log else x
    back = np.exp if log else (lambda v: v)
    mean = float(y.mean())
    if x.size < 2:
        return Estimate(float(back(mean)), float("nan"), float("nan"), rounds, outliers, generations=int(x.size))
    g = x.size
    s = float(y.std(ddof=1))
    t = t95(g - 1)
    ci, pi = t * s / np.sqrt(g), t * s * np.sqrt(2.0 / g)
    return Estimate(float(back(mean)), float(back(mean - ci)), float(back(mean + ci)), rounds, outliers,
                    float(back(mean - pi)), float(back(mean + pi)), int(g))


def honest_agreement(quantities, both_ways: bool = True, trials: int = 4000, seed: int = 20) -> np.ndarray:
    """How many pairs of runs land inside each other's prediction intervals when nothing differs between the runs
    and the intervals are honest: `quantities` holds, per quantity, the generation count of each run; each
    simulated run draws its generations from one normal distribution and gets over_generations' interval
    (mean ± t·s·√(2/G)). A pair counts when each run's estimate lies in the other's interval (`both_ways`, as
    `harness compare` counts) or, with both_ways=False, every (run, other run) pair counts on its own. Returns the
    total count in each of `trials` simulated comparisons: what a comparison of unchanged runs gives."""
    rng = np.random.default_rng(seed)
    total = np.zeros(trials, dtype=np.int64)
    for gens in quantities:
        means, halves = [], []
        for g in (int(g) for g in gens if g >= 2):
            x = rng.standard_normal((trials, g))
            means.append(x.mean(axis=1))
            halves.append(t95(g - 1) * x.std(axis=1, ddof=1) * np.sqrt(2.0 / g))
        for i in range(len(means)):
            for j in range(i + 1, len(means)):
                d = np.abs(means[i] - means[j])
                if both_ways:
                    total += d <= np.minimum(halves[i], halves[j])
                else:
                    total += (d <= halves[i]).astype(np.int64) + (d <= halves[j])
    return total


def by_generation(values, generations) -> dict[int, np.ndarray]:
    """The finite values grouped by generation (worker process)."""
    x, g = np.asarray(values, dtype=np.float64), np.asarray(generations)
    keep = np.isfinite(x)
    return {int(k): x[keep & (g == k)] for k in np.unique(g[keep])}


def outlier_count(values, typical: float) -> int:
    x = np.asarray(values, dtype=np.float64)
    return int(np.sum(x > PAUSE_FACTOR * typical)) if typical > 0 else 0


def estimate(values, generations, within: Callable[[np.ndarray], float] = quiet) -> Estimate:
    """A quantity's estimate from its measurements and the generation of each: `within` each generation (the quiet
    cost, the low end of its rounds, by default), then over_generations."""
    groups = by_generation(values, generations)
    per = [within(v) for v in groups.values()]
    n = sum(v.size for v in groups.values())
    typical = float(np.median(np.concatenate(list(groups.values())))) if n else float("nan")
    return over_generations(per, n, outlier_count(np.concatenate(list(groups.values())) if n else [], typical))


def paired(a: dict[int, float], b: dict[int, float], relation: Callable[[float, float], float]) -> list[float]:
    """relation(a[g], b[g]) for the generations both measured."""
    return [relation(a[g], b[g]) for g in sorted(a) if g in b and np.isfinite(a[g]) and np.isfinite(b[g]) and b[g] > 0]


def generation_values(values, generations, within: Callable[[np.ndarray], float] = quiet) -> dict[int, float]:
    return {g: float(within(v)) for g, v in by_generation(values, generations).items() if v.size}


def ratio(mine: dict[int, float], ref: dict[int, float], rounds: int = 0) -> Estimate:
    """A language's ratio to the reference from per-generation values (both were measured in the same rounds by
    workers replaced together): the geometric mean of the generations' ratios, with its intervals."""
    return over_generations(paired(mine, ref, lambda a, b: a / b), rounds)


def ratio_of_means(mine: dict[int, float], ref: dict[int, float], rounds: int = 0) -> Estimate:
    """A language's mean over the generations over the reference's, from the generations both measured: with
    generations of equal length, the ratio of their summed times, in which a slow generation weighs by its time
    (the geometric mean of per-generation ratios weighs it less). Its intervals by the delta method over the
    generations, on the logarithm as the other ratios' (so that they stay positive): R·exp(±t·s/(√G·mean(mine)))
    and R·exp(±t·s·√(2/G)/mean(mine)), s the standard deviation of mine − R·ref."""
    g = [k for k in sorted(mine) if k in ref and np.isfinite(mine[k]) and np.isfinite(ref[k]) and ref[k] > 0]
    a, b = np.array([mine[k] for k in g]), np.array([ref[k] for k in g])
    if not g:
        return Estimate(float("nan"), float("nan"), float("nan"), rounds)
    r = float(a.mean() / b.mean())
    if len(g) < 2:
        return Estimate(r, float("nan"), float("nan"), rounds, generations=len(g))
    spread = t95(len(g) - 1) * float((a - r * b).std(ddof=1)) / float(a.mean())
    ci, pi = spread / np.sqrt(len(g)), spread * np.sqrt(2.0 / len(g))
    return Estimate(r, r * np.exp(-ci), r * np.exp(ci), rounds, 0, r * np.exp(-pi), r * np.exp(pi), len(g))


def difference(lay: dict[int, float], fused: dict[int, float], relative: bool = False, rounds: int = 0) -> Estimate:
    """Layered minus fused (relative: divided by layered) from per-generation values, paired by generation: the
    cost of the abstraction, its arithmetic mean over generations with its intervals."""
    diff = paired(fused, lay, (lambda f, la: (la - f) / la) if relative else (lambda f, la: la - f))
    return over_generations(diff, rounds, log=False)


def flops_per_step(batch: int, hidden: int, n_in: int = 784, n_out: int = 10) -> float:
    """FLOPs of the matrix products of one training step (2 per multiply-add):
    forward x.W1 (N x D x H) and h.W2 (N x H x C); backward dy.W2^T, h^T.dy (each N x H x C),
    dh.W1^T and x^T.dh (each N x D x H). Total 6 N H (D + C)."""
    return 2.0 * batch * (n_in * hidden + hidden * n_out) * 3
