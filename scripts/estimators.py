"""Which estimator of a ratio reproduces from run to run: computed from the raw rows that runs already stored.

    .venv/bin/python scripts/estimators.py RUN_DIR RUN_DIR RUN_DIR [...] [--agreement] [--calibration] [--all]

For every language and variant (ratio to Python's same variant) it computes several estimators of the training
step's ratio, from the per-step times of the training run, and of the bench steps' ratios, from the per-round
block times, in each run; then, per estimator, how far apart the runs land (the spread: largest over smallest
estimate, minus one) and how many quantities stay within 5%. It prints markdown tables (docs/measurement.md keeps
one). With --agreement, also the harness's own estimates recomputed from the raw rows by this checkout's code, and
whether each run's lies inside the others' 95% prediction intervals; with --calibration, how often a run's estimate
lies inside another run's prediction interval at several levels (80-99%), against that level: whether the intervals
say what they claim; with --all, every estimator's value per run.
Nothing is measured: it reads results.csv (or results.csv.gz) only.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness.readout import load_run  # noqa: E402
from harness.rounds import Rounds  # noqa: E402
from harness.settings import Participant  # noqa: E402
from harness.stats import honest_agreement, t95  # noqa: E402
from harness.steps import StepTimes  # noqa: E402

BLOCK = 25  # steps per block of the training run, for the block estimators (a quick run's chunk)


def blocks(x: np.ndarray, size: int = BLOCK) -> np.ndarray:
    """The means of consecutive blocks of `size` values (a last, shorter block left out)."""
    n = x.size // size
    return x[: n * size].reshape(n, size).mean(axis=1)


# each estimator: per-step times (or per-round block times) -> one number per participant
STEP_ESTIMATORS = {
    "minimum": lambda x: np.min(x),
    "5th percentile": lambda x: np.percentile(x, 5),
    "10th percentile": lambda x: np.percentile(x, 10),
    "median": lambda x: np.median(x),
    "mean (the summed time)": lambda x: np.mean(x),
    "mean of the fastest half": lambda x: np.mean(np.sort(x)[: x.size // 2]),
    f"lowest {BLOCK}-step block mean": lambda x: np.min(blocks(x)),
    f"10th percentile of {BLOCK}-step block means": lambda x: np.percentile(blocks(x), 10),
    f"25th percentile of {BLOCK}-step block means": lambda x: np.percentile(blocks(x), 25),
    f"median of {BLOCK}-step block means": lambda x: np.median(blocks(x)),
}
ROUND_ESTIMATORS = {
    "minimum over rounds": lambda x: np.min(x),
    "10th percentile of rounds": lambda x: np.percentile(x, 10),
    "25th percentile of rounds": lambda x: np.percentile(x, 25),
    "median of rounds": lambda x: np.median(x),
    "mean of rounds": lambda x: np.mean(x),
}


def per_generation(x: np.ndarray, gens: np.ndarray, f) -> dict[int, float]:
    return {int(g): f(x[gens == g]) for g in np.unique(gens) if (gens == g).sum() >= 3}


def generation_ratio(mine, mine_g, ref, ref_g, f) -> float:
    """The geometric mean over worker generations of f's ratio within each (the harness's way)."""
    a, b = per_generation(mine, mine_g, f), per_generation(ref, ref_g, f)
    r = [a[g] / b[g] for g in a if g in b]
    return float(np.exp(np.mean(np.log(r)))) if r else float("nan")


def step_generations(df: pd.DataFrame, lang: str, variant: str, case: str, n: int) -> np.ndarray:
    """The worker generation of each of the n steps: recorded per step (step_worker), or from the rounds' workers
    and the chunk length of the run's settings."""
    g = raw(df, lang, variant, "train", case, "step_worker")
    if g.size == n:
        return g
    chunk = int(df[(df.task == "settings") & (df.metric == "train_chunk")].value.iloc[0])
    rw = raw(df, lang, variant, "train", case, "round_worker")
    return rw[np.minimum(np.arange(n) // chunk, rw.size - 1)]


def participants(df: pd.DataFrame, task: str, metric: str) -> list[tuple[str, str]]:
    sel = df[(df.task == task) & (df.metric == metric) & (df.lang != "all")]
    return sorted(set(zip(sel.lang, sel.variant)))


def raw(df: pd.DataFrame, lang: str, variant: str, task: str, case: str, metric: str, skip: int = 0) -> np.ndarray:
    sel = df[(df.lang == lang) & (df.variant == variant) & (df.task == task) & (df.case == case)
             & (df.metric == metric)]
    idx = pd.to_numeric(sel["index"], errors="coerce")
    x = sel.loc[idx >= skip, "value"].to_numpy(dtype=float)
    return x[np.isfinite(x)]


def reported(df: pd.DataFrame, lang: str, variant: str, task: str, case: str) -> float:
    """The step_time ratio the run itself wrote (index `estimate`; `median` in runs from before the generations)."""
    rep = df[(df.lang == lang) & (df.variant == variant) & (df.task == task) & (df.case == case)
             & (df.metric == "step_time_ratio") & df["index"].astype(str).isin(["estimate", "median"])]
    return float(rep.value.iloc[0]) if len(rep) else float("nan")


def ratios(df: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(quantity, estimator) -> ratio, for one run."""
    out = {}
    train_case = next(iter(df.loc[(df.task == "train") & (df.metric == "step_time"), "case"]), None)
    if train_case is not None:
        for lang, variant in participants(df, "train", "step_time"):
            if lang == "python":
                continue
            mine = raw(df, lang, variant, "train", train_case, "step_time")
            ref = raw(df, "python", variant, "train", train_case, "step_time")
            mg, rg = (step_generations(df, w, variant, train_case, x.size) for w, x in ((lang, mine), ("python", ref)))
            for name, f in STEP_ESTIMATORS.items():
                out[(f"train {lang} {variant}", name)] = f(mine[10:]) / f(ref[10:])
            for name in ("10th percentile", f"10th percentile of {BLOCK}-step block means", "mean (the summed time)"):
                out[(f"train {lang} {variant}", f"{name}, per generation")] = generation_ratio(
                    mine[10:], mg[10:], ref[10:], rg[10:], STEP_ESTIMATORS[name])
            # the project's own headline: the median of per-round ratios, as the run reported it
            chunk = int(df[(df.task == "settings") & (df.metric == "train_chunk")].value.iloc[0])
            n = min(mine.size, ref.size) // chunk * chunk
            per_round = (mine[:n].reshape(-1, chunk).mean(axis=1) / ref[:n].reshape(-1, chunk).mean(axis=1))[1:]
            out[(f"train {lang} {variant}", "mean of paired per-round ratios of chunk means")] = per_round.mean()
            out[(f"train {lang} {variant}", "median of paired per-round ratios of chunk means")] = np.median(per_round)
            rep = reported(df, lang, variant, "train", train_case)
            if np.isfinite(rep):
                out[(f"train {lang} {variant}", "as the run reported it")] = rep
    for case in df.loc[(df.task == "bench") & (df.metric == "step_time"), "case"].unique():
        for lang, variant in participants(df, "bench", "step_time"):
            if lang == "python":
                continue
            mine = raw(df, lang, variant, "bench", case, "step_time")
            ref = raw(df, "python", variant, "bench", case, "step_time")
            if not (mine.size and ref.size):
                continue
            for name, f in ROUND_ESTIMATORS.items():
                out[(f"bench {case} {lang} {variant}", name)] = f(mine) / f(ref)
            mg = raw(df, lang, variant, "bench", case, "round_worker")
            rg = raw(df, "python", variant, "bench", case, "round_worker")
            if mg.size == mine.size and rg.size == ref.size:
                for name in ("minimum over rounds", "10th percentile of rounds", "median of rounds"):
                    out[(f"bench {case} {lang} {variant}", f"{name}, per generation")] = generation_ratio(
                        mine, mg, ref, rg, ROUND_ESTIMATORS[name])
            rep = reported(df, lang, variant, "bench", case)
            if np.isfinite(rep):
                out[(f"bench {case} {lang} {variant}", "as the run reported it")] = rep
    return out


def harness_estimates(df: pd.DataFrame) -> dict[str, object]:
    """The harness's own estimates (with their prediction intervals), recomputed from the raw rows with the code of
    this checkout: the training step's amortized ratio, and every bench case's ratio."""
    out = {}
    case = next(iter(df.loc[(df.task == "train") & (df.metric == "step_time"), "case"]), None)
    if case is not None:
        steps = {}
        for lang, variant in participants(df, "train", "step_time"):
            t = raw(df, lang, variant, "train", case, "step_time")
            warm, warm_g = (raw(df, lang, variant, "train", case, m) for m in ("warmup_step_time", "warmup_worker"))
            steps[(lang, variant)] = StepTimes(t, np.full(t.size, np.nan), step_generations(df, lang, variant, case,
                                                                                               t.size),
                                               warmup={int(w): warm[warm_g == w] for w in np.unique(warm_g)})
        for (lang, variant), st in steps.items():
            if lang != "python" and ("python", variant) in steps:
                out[f"train {lang} {variant}"] = st.ratio(steps[("python", variant)], "amortized")
    for case in df.loc[(df.task == "bench") & (df.metric == "step_time"), "case"].unique():
        rounds = Rounds(gc={"step_time": "gc_time"})
        for lang, variant in participants(df, "bench", "step_time"):
            who = Participant(lang, variant)
            vals = raw(df, lang, variant, "bench", case, "step_time")
            gens = raw(df, lang, variant, "bench", case, "round_worker")
            gcs = raw(df, lang, variant, "bench", case, "gc_time")
            for r, (v, g) in enumerate(zip(vals, gens)):
                gc = {"gc_time": gcs[r]} if gcs.size == vals.size else {}
                rounds.add(who, r, 0, int(g), {"step_time": v, **gc})
        for who in rounds.values:
            if not who.is_reference:
                out[f"bench {case} {who}"] = rounds.ratio(who, "step_time")
    return out


def agreement(run_dirs: list[str]) -> None:
    """Per quantity, the harness's estimate in each run, and whether each run's estimate lies in every other run's
    95% prediction interval."""
    ests = [harness_estimates(load_run(Path(d))[0]) for d in run_dirs]
    keys = sorted(set.intersection(*[set(e) for e in ests]))
    pairs = inside = 0
    print("\n| quantity | " + " | ".join(f"run {i + 1} [95% prediction interval]" for i in range(len(ests)))
          + " | spread | every run inside the others' PIs |")
    print("|---|" + "---|" * (len(ests) + 2))
    for k in keys:
        e = [x[k] for x in ests]
        ok = [a.predicts(b.value) for i, a in enumerate(e) for j, b in enumerate(e) if i != j]
        pairs, inside = pairs + len(ok), inside + sum(ok)
        cells = [f"{x.value:.3f} [{x.pred_low:.3f}, {x.pred_high:.3f}]" for x in e]
        print(f"| {k} | " + " | ".join(cells) + f" | {spread([x.value for x in e]):.1%} | "
              f"{'yes' if all(ok) else f'{sum(ok)} of {len(ok)}'} |")
    print(f"\n{inside} of {pairs} (run, other run) pairs: the estimate inside the other's prediction interval")
    honest = honest_agreement([[x[k].generations for x in ests] for k in keys], both_ways=False)
    low, high = np.percentile(honest, [2.5, 97.5])
    print(f"unchanged runs with honest 95% intervals: about {honest.mean():.0f} inside, {low:.0f} to {high:.0f} in 95% "
          f"of such sets of runs; all {pairs} inside in {np.mean(honest == pairs):.1%} of them")


def t_within(t: float, df: int) -> float:
    """P(|T| <= t) for Student's T with df (a whole number) degrees of freedom (Abramowitz and Stegun 26.7.3-4)."""
    theta = np.arctan(abs(t) / np.sqrt(df))
    c, term, total = np.cos(theta) ** 2, 1.0, 1.0
    if df % 2:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2.4/(3.5) cos^4 + ...))
        for k in range(1, (df - 1) // 2):
            term *= c * 2 * k / (2 * k + 1)
            total += term
        return float(2 / np.pi * (theta + (np.sin(theta) * np.cos(theta) * total if df > 1 else 0.0)))
    for k in range(1, df // 2):  # even: sin (1 + 1/2 cos^2 + 1.3/(2.4) cos^4 + ...)
        term *= c * (2 * k - 1) / (2 * k)
        total += term
    return float(np.sin(theta) * total)


LEVELS = (0.80, 0.90, 0.95, 0.99)


def calibration(run_dirs: list[str]) -> None:
    """For every quantity and every (run, other run) pair: the level of the run's prediction interval that the other
    run's estimate just reaches (the interval is mean ± t·s·√(2/G) on the logarithm; the other estimate's distance
    in those units, as a two-sided Student probability), then, per group of quantities, the share of pairs inside
    the interval at each level. Honest intervals hold about their level's share."""
    ests = [harness_estimates(load_run(Path(d))[0]) for d in run_dirs]
    keys = sorted(set.intersection(*[set(e) for e in ests]))
    groups = {"training step (amortized)": lambda k: k.startswith("train"),
              "bench, hidden=50 batch=100 and batch=1": lambda k: k.startswith(("bench hidden=50 batch=100 ",
                                                                                 "bench hidden=50 batch=1 ")),
              "every bench case": lambda k: k.startswith("bench")}
    need: dict[str, list[float]] = {g: [] for g in groups}
    for k in keys:
        for i, a in enumerate(ests):
            for j, b in enumerate(ests):
                x, y = a[k], b[k]
                if i == j or x.generations < 2 or not (x.pred_high > x.value > 0 and y.value > 0):
                    continue
                df = x.generations - 1
                t = np.log(y.value / x.value) * t95(df) / np.log(x.pred_high / x.value)
                for g, member in groups.items():
                    if member(k):
                        need[g].append(t_within(t, df))
    print(f"\n| quantities ({len(run_dirs)} runs) | pairs | " + " | ".join(f"inside the {lv:.0%} PI" for lv in LEVELS)
          + " |")
    print("|---|---|" + "---|" * len(LEVELS))
    for g, levels in need.items():
        v = np.asarray(levels)
        if v.size:
            print(f"| {g} | {v.size} | " + " | ".join(f"{np.mean(v <= lv):.1%}" for lv in LEVELS) + " |")


def spread(values: list[float]) -> float:
    v = np.asarray(values, dtype=float)
    return float(v.max() / v.min() - 1) if v.size > 1 and np.all(v > 0) else float("nan")


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    runs = [ratios(load_run(Path(d))[0]) for d in argv]
    keys = set.intersection(*[set(r) for r in runs])
    table = pd.DataFrame([{"quantity": q, "estimator": e, "spread": spread([r[(q, e)] for r in runs]),
                           **{f"run {i + 1}": r[(q, e)] for i, r in enumerate(runs)}} for q, e in sorted(keys)])
    for kind in ("train", "bench"):
        part = table[table.quantity.str.startswith(kind)]
        if part.empty:
            continue
        n = part.quantity.nunique()
        print(f"\n{kind}: {n} quantities, {len(argv)} runs (spread: largest over smallest, minus one)\n")
        print("| estimator | largest spread | median spread | within 5% |")
        print("|---|---|---|---|")
        summary = part.groupby("estimator").spread.agg(["max", "median", lambda s: (s <= 0.05).mean()])
        for name, row in summary.sort_values("max").iterrows():
            print(f"| {name} | {row['max']:.1%} | {row['median']:.1%} | {row.iloc[2]:.0%} |")
    if "--agreement" in sys.argv:
        agreement(argv)
    if "--calibration" in sys.argv:
        calibration(argv)
    if "--all" in sys.argv:
        print()
        print(table.to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if not a.startswith("--")]))
