"""The answer on the screen at the end of a run: per language and variant, the amortized training step and its
ratio to Python with their CIs, the typical step and the pauses between the two, the BLAS share, the accuracy,
whether it computed what Python did, what failed, and the state of the machine."""
from __future__ import annotations

import textwrap

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
from .report_tables import memory_rows
from .settings import Participant


def parity_cell(df: pd.DataFrame, lang: str, short: bool = False) -> str:
    """'reference', 'exact', 'ok (largest 3.00e-16, ...)', or the tasks where it did not match: every difference
    from Python the run recorded, in every task, and the failures it reported (each task has its own tolerance,
    docs/design.md). `short`: '≤3.00e-16' and 'MISMATCH' alone, for the screen."""
    if lang == REFERENCE:
        return "reference"
    mismatched = [task for who, task, why in failures(df) if who.lang == lang and "parity" in why]
    if mismatched:
        return "MISMATCH" if short else "MISMATCH in " + ", ".join(dict.fromkeys(mismatched))
    diffs = [largest_vs_python(df, lang, task) for task in ("gradcheck", "bench", "startup", "train", "perceptron")]
    diffs = [d for d in diffs if np.isfinite(d)]
    if not diffs:
        return "not checked"
    worst = max(diffs)
    if worst == 0:
        return "exact"
    return f"≤{fmt(worst, 2)}" if short else f"ok (largest {fmt(worst, 2)}, each within its tolerance)"


def pauses(df: pd.DataFrame, lang: str, case: str, variant: str) -> tuple[float, str]:
    """What lies between the typical and the amortized step (seconds), and what the language counted of it (its
    collector's time, page faults), in words."""
    amort = estimate(df, lang, "train", case, "step_time_estimate", variant)
    typical = estimate(df, lang, "train", case, "step_time_typical_estimate", variant)
    gc = estimate(df, lang, "train", case, "gc_time_estimate", variant)
    faults = estimate(df, lang, "train", case, "page_faults_estimate", variant)
    counted = ([f"its collector {fmt(gc.value * 1e3, 2)} ms"] if np.isfinite(gc.value) else []) + (
        [f"{faults.value:.0f} minor page faults a step"] if np.isfinite(faults.value) else [])
    return amort.value - typical.value, ", ".join(counted)


def pauses_cell(df: pd.DataFrame, lang: str, case: str, variant: str, scale: float) -> str:
    """The pauses (in the unit of `scale`) and, in brackets, what the language counted of them."""
    paused, what = pauses(df, lang, case, variant)
    return "–" if not np.isfinite(paused) else fmt(paused * scale, 2) + (f" ({what})" if what else "")


def terminal_table(df: pd.DataFrame, env: dict, width: int = 100) -> list[str]:
    """Per language and variant, in at most `width` columns: the amortized training step (the headline) and its
    ratio to Python's same variant, with their 95% CIs; the typical step and the pauses between the two; the BLAS
    share of the bench step; accuracy and agreement with Python. Then what each column is, what a language
    counted of its pauses, the failures, and one line each on the intervals, the machine's state and other
    benchmarks seen."""
    settings = run_settings(df, env)
    case = base_case(df, settings) or ""
    langs = languages(layered(df))
    variants = [v for v in ("layers", "fused") if (df.variant == v).any()]
    steps = {(lang, v): estimate(df, lang, "train", case, "step_time_estimate", v) for lang in langs for v in variants}
    finite = [e.value for e in steps.values() if np.isfinite(e.value)]
    scale, unit = time_unit(min(finite)) if finite else (1e3, "ms")
    header = [f"step ({unit}) [95% CI]", "÷ Python [95% CI]", "typical", "pauses", "BLAS", "test acc", "vs Python"]
    rows, counted, failed, firsts = [], [], [], []
    for lang in langs:
        for v in variants:
            who = Participant(lang, v)
            if not np.isfinite(steps[(lang, v)].value) and v != "layers":
                continue
            bench = estimate(df, lang, "bench", case, "step_time_estimate", v)
            blas = estimate(df, lang, "bench", case, "blas_time_estimate", v)
            acc = vals(df[df.variant == v], lang, "train", "test_acc")
            typical = estimate(df, lang, "train", case, "step_time_typical_estimate", v)
            paused, what = pauses(df, lang, case, v)
            if what:
                counted.append(f"{who}: {what}")
            first = estimate(df, lang, "train", case, "first_steps_estimate", v)
            if np.isfinite(first.low) and first.low > 0:  # a transient the run tells from noise
                firsts.append(f"{who} {fmt(first.value, 2)} s")
            failed += [f"FAILED {who} {task}: {why}" for w, task, why in failures(df) if w == who]
            rows.append([str(who), with_ci(steps[(lang, v)], scale),
                         "reference" if lang == REFERENCE else ratio_cell(df, lang, "train", case, "step_time", v),
                         fmt(typical.value * scale), fmt(paused * scale, 2) if np.isfinite(paused) else "–",
                         f"{blas.value / bench.value:.0%}" if bench.value > 0 and np.isfinite(blas.value) else "–",
                         f"{acc[-1]:.4f}" if acc.size else "–", parity_cell(df, lang, short=True) if v == "layers"
                         else ""])
    widths = [max(len(str(r[i])) for r in rows + [["language", *header]]) for i in range(len(header) + 1)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    title = f"Training step, {case}" + (f", {settings.get('iters')} iterations" if settings.get("iters") else "")
    notes = [f"step: the amortized step of the training run, what the book's run costs per step, a fresh process's "
             f"first steps included "
             f"(the headline, docs/measurement.md); typical: one step's quiet cost; pauses: the difference "
             f"({unit}). BLAS: the share of the bench step (the same size, one batch timed in rounds) that its six "
             f"matrix products alone take. vs Python: the largest difference from Python's results in any task."]
    if counted:
        notes.append("Counted by the language, per step: " + "; ".join(counted) + ".")
    if firsts:
        notes.append("A fresh process's first steps, beyond as many usual ones (once per run, in the step above): "
                     + ", ".join(firsts) + ".")
    memory = memory_rows(df, langs)
    held = ", ".join(f"{lang} {p['train']:.0f} MB" for lang, p, _ in memory if "train" in p)
    per_step = "; ".join(f"{lang} {' / '.join(s)}" for lang, _, s in memory if s != ["–", "–"])
    if held:
        notes.append(f"Peak memory of the training run's workers: {held} (report: Memory).")
    if per_step:
        notes.append(f"Memory per training step, layers / fused: {per_step}.")
    notes += failed
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
    wrapped = [w for note in notes for w in textwrap.wrap(note, width, subsequent_indent="  ")]
    return [title, line(["language", *header]), line(["-" * w for w in widths]), *[line(r) for r in rows], "",
            *wrapped]
