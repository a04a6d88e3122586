"""The answer on the screen at the end of a run: per language, the time per training step with its CI, the ratio
to Python with its CI, the BLAS share, the accuracy, whether it computed what Python did, and what failed."""
from __future__ import annotations

import numpy as np
import pandas as pd

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
    with_ci,
)


def parity_cell(df: pd.DataFrame, lang: str) -> str:
    """'reference', 'exact', 'ok (largest 3.00e-16, ...)', or the tasks where it did not match: every difference
    from Python the run recorded, in every task, and the failures it reported (each task has its own tolerance,
    docs/design.md)."""
    if lang == "python":
        return "reference"
    mismatched = [task for who, task, why in failures(df) if who.split()[0] == lang and "parity" in why]
    if mismatched:
        return "MISMATCH in " + ", ".join(dict.fromkeys(mismatched))
    diffs = [largest_vs_python(df, lang, task) for task in ("gradcheck", "bench", "startup", "train", "perceptron")]
    diffs = [d for d in diffs if np.isfinite(d)]
    if not diffs:
        return "not checked"
    worst = max(diffs)
    return "exact" if worst == 0 else f"ok (largest {fmt(worst, 2)}, each within its tolerance)"


def terminal_table(df: pd.DataFrame, env: dict) -> list[str]:
    settings = run_settings(df, env)
    case = base_case(df, settings) or ""
    lay = layered(df)
    langs = languages(lay)
    steps = {lang: estimate(df, lang, "train", case, "step_time_estimate") for lang in langs}
    finite = [e.value for e in steps.values() if np.isfinite(e.value)]
    scale, unit = time_unit(min(finite)) if finite else (1e3, "ms")
    header = [f"step ({unit}) [95% CI]", "ratio to Python [95% CI]", "fused ratio", "BLAS share", "test acc",
              "same as Python", "failed"]
    rows = []
    for lang in langs:
        bench = estimate(df, lang, "bench", case, "step_time_estimate")
        blas = estimate(df, lang, "bench", case, "blas_time_estimate")
        acc = vals(lay, lang, "train", "test_acc")
        fused = estimate(df, lang, "train", case, "step_time_estimate", "fused")
        failed = [task + (" (fused)" if who.endswith("(fused)") else "") for who, task, _ in failures(df)
                  if who.split()[0] == lang]
        rows.append([lang, with_ci(steps[lang], scale), ratio_cell(df, lang, "train", case, "step_time"),
                     ratio_cell(df, lang, "train", case, "step_time", "fused") if np.isfinite(fused.value) else "–",
                     f"{blas.value / bench.value:.0%}" if bench.value > 0 and np.isfinite(blas.value) else "–",
                     f"{acc[-1]:.4f}" if acc.size else "–", parity_cell(df, lang), ", ".join(failed) or "–"])
    widths = [max(len(str(r[i])) for r in rows + [["language", *header]]) for i in range(len(header) + 1)]
    line = lambda cells: "  ".join(str(c).ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    title = f"Training step, {case}" + (f", {settings.get('iters')} iterations" if settings.get("iters") else "")
    return [title, line(["language", *header]), line(["-" * w for w in widths]), *[line(r) for r in rows]]
