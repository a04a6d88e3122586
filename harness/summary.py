"""The answer on the screen at the end of a run: per language and variant, the amortized training step and its
ratio to Python with their CIs, the typical step and the pauses between the two, the BLAS share, the accuracy,
whether it computed what Python did, what failed, and the state of the machine."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .languages import REFERENCE
from .readout import (
    base_case,
    estimate,
    failures,
    fmt,
    languages,
    largest_vs_python,
    layered,
    ratio_cell,
    run_settings,
    time_unit,
    vals,
    wide_intervals,
    with_ci,
)
from .settings import Participant


def parity_cell(df: pd.DataFrame, lang: str) -> str:
    """'reference', 'exact', 'ok (largest 3.00e-16, ...)', or the tasks where it did not match: every difference
    from Python the run recorded, in every task, and the failures it reported (each task has its own tolerance,
    docs/design.md)."""
    if lang == REFERENCE:
        return "reference"
    mismatched = [task for who, task, why in failures(df) if who.lang == lang and "parity" in why]
    if mismatched:
        return "MISMATCH in " + ", ".join(dict.fromkeys(mismatched))
    diffs = [largest_vs_python(df, lang, task) for task in ("gradcheck", "bench", "startup", "train", "perceptron")]
    diffs = [d for d in diffs if np.isfinite(d)]
    if not diffs:
        return "not checked"
    worst = max(diffs)
    return "exact" if worst == 0 else f"ok (largest {fmt(worst, 2)}, each within its tolerance)"


def pauses_cell(df: pd.DataFrame, lang: str, case: str, variant: str, scale: float) -> str:
    """What lies between the typical and the amortized step: their difference, and the GC's share of it where the
    language counted its collector's time."""
    amort = estimate(df, lang, "train", case, "step_time_estimate", variant)
    typical = estimate(df, lang, "train", case, "step_time_typical_estimate", variant)
    if not (np.isfinite(amort.value) and np.isfinite(typical.value)):
        return "–"
    gc = estimate(df, lang, "train", case, "gc_time_estimate", variant)
    faults = estimate(df, lang, "train", case, "page_faults_estimate", variant)
    counted = ([f"GC {fmt(gc.value * scale, 2)}"] if np.isfinite(gc.value) else []) + (
        [f"{faults.value:.0f} faults/step"] if np.isfinite(faults.value) else [])
    text = f"{fmt((amort.value - typical.value) * scale, 2)}"
    return text + (f" ({', '.join(counted)})" if counted else "")


def terminal_table(df: pd.DataFrame, env: dict) -> list[str]:
    """Per language and variant: the amortized training step (the headline) and its ratio to Python's same
    variant, with their 95% CIs; the typical step, what lies between the two, and the typical step's ratio; the
    BLAS share of the bench step; accuracy, agreement with Python and failures. Then one line each on the
    intervals, the machine's state and other benchmarks seen."""
    settings = run_settings(df, env)
    case = base_case(df, settings) or ""
    langs = languages(layered(df))
    variants = [v for v in ("layers", "fused") if (df.variant == v).any()]
    steps = {(lang, v): estimate(df, lang, "train", case, "step_time_estimate", v) for lang in langs for v in variants}
    finite = [e.value for e in steps.values() if np.isfinite(e.value)]
    scale, unit = time_unit(min(finite)) if finite else (1e3, "ms")
    header = [f"step ({unit}) [95% CI]", "ratio to Python [95% CI]", f"typical ({unit})", f"pauses ({unit})",
              "typical ratio", "BLAS share", "test acc", "same as Python", "failed"]
    rows = []
    for lang in langs:
        for v in variants:
            if not np.isfinite(steps[(lang, v)].value) and v != "layers":
                continue
            bench = estimate(df, lang, "bench", case, "step_time_estimate", v)
            blas = estimate(df, lang, "bench", case, "blas_time_estimate", v)
            acc = vals(df[df.variant == v], lang, "train", "test_acc")
            typical_ratio = estimate(df, lang, "train", case, "step_time_typical_ratio", v)
            typical = estimate(df, lang, "train", case, "step_time_typical_estimate", v)
            failed = [task for who, task, _ in failures(df) if who == Participant(lang, v)]
            rows.append([str(Participant(lang, v)), with_ci(steps[(lang, v)], scale),
                         ratio_cell(df, lang, "train", case, "step_time", v), fmt(typical.value * scale),
                         pauses_cell(df, lang, case, v, scale), "–" if lang == REFERENCE else fmt(typical_ratio.value),
                         f"{blas.value / bench.value:.0%}" if bench.value > 0 and np.isfinite(blas.value) else "–",
                         f"{acc[-1]:.4f}" if acc.size else "–",
                         parity_cell(df, lang) if v == "layers" else "", ", ".join(failed) or "–"])
    widths = [max(len(str(r[i])) for r in rows + [["language", *header]]) for i in range(len(header) + 1)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    title = f"Training step, {case}" + (f", {settings.get('iters')} iterations" if settings.get("iters") else "")
    notes = ["step: the amortized step, what the run's steps cost in all divided by their number (the headline: "
             "docs/measurement.md); typical: one step's quiet cost; pauses: the difference (GC: the part Julia's "
             "collector took; faults: minor page faults per step; both counted by Julia)."]
    wide, total = wide_intervals(df)
    if total:
        notes.append(f"{wide} of {total} ratios to Python have a 95% interval wider than ±3% (report: Anomalies).")
    state = env.get("machine_state", {}).get("run", {})
    if state.get("busy"):
        notes.append(f"BUSY MACHINE: other processes used {state.get('other_processes_cpus', 0):.2f} CPUs on average "
                     f"and the host stole {state.get('steal_share', 0):.1%} of the CPU time during the run: read its "
                     "numbers with care, and compare them with a quiet run's.")
    for other in state.get("other_benchmarks", []):
        notes.append(f"ANOTHER BENCHMARK ran at the same time ({other}): both runs' timings are poisoned.")
    return [title, line(["language", *header]), line(["-" * w for w in widths]), *[line(r) for r in rows], "",
            *notes]
