"""The report's last sections: Julia's CPU target, and the anomalies (a table at the end, not ahead of the
results)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .languages import REFERENCE
from .readout import anomalies, estimate, interval_rows, wide_intervals, with_ci
from .settings import WARMUP_STEPS, Participant
from .stats import WIDE

SUMMED_SHARE = 0.9  # a ratio below 0.9x the ratio of the summed measurements is listed: it leaves costs out
RAW = {"step_time_ratio": "step_time", "epoch_time_ratio": "epoch_time"}  # a headline ratio and its raw series


def target_section(df, env) -> list[str]:
    """Julia with and without the CPU target it was started with, measured in the same rounds."""
    part = df[df.task == "cpu_target"]
    info = env.get("languages", {}).get("julia", {})
    if part.empty:
        return []
    target = info.get("cpu_target", "?")
    lines = ["## Julia's CPU target", "",
             f"Julia's compiler does not know this CPU (Sys.CPU_NAME: {info.get('cpu', '?')}), and left to itself "
             f"compiles for a generic x86-64 without AVX; the run started it with `-C {target}`, the best target "
             "the CPU's flags support. The bench step at the base size, by a Julia started that way and by one left "
             "to its own choice (*native*), in the same rounds:", "",
             f"| variant | -C {target} (ms) | native (ms) | native / {target} |", "|---|---|---|---|"]
    for variant in ("layers", "fused"):
        case = next((c for c in part.case.unique() if c.endswith(f" {target}")), None)
        if case is None:
            return []
        base = case.removesuffix(f" {target}")
        tuned = estimate(df, "julia", "cpu_target", case, "step_time_estimate", variant)
        native = estimate(df, "julia", "cpu_target", f"{base} native", "step_time_estimate", variant)
        r = estimate(df, "julia", "cpu_target", base, "native_over_target_ratio", variant)
        if np.isfinite(tuned.value):
            lines.append(f"| {variant} | {with_ci(tuned, 1e3)} | {with_ci(native, 1e3)} | {with_ci(r)} |")
    return lines + [""]


def summed_ratio(df, lang: str, variant: str, task: str, case: str, raw: str) -> float:
    """A participant's summed raw measurements (every round or step) over Python's of the same variant, over the
    rounds or steps both measured: what the whole work cost, pauses and the machine's noise included; in the
    training run, without each worker's first WARMUP_STEPS steps, which the estimates leave out too (compilation,
    paid once per process: the start-up task's first call)."""
    def series(name: str) -> pd.Series:
        rows = df[(df.lang == name) & (df.variant == variant) & (df.task == task) & (df.case == case)]
        r = rows[rows.metric == raw]
        out = pd.Series(r.value.to_numpy(), index=r["index"].astype(int).to_numpy()).sort_index()
        workers = rows[rows.metric == "step_worker"]
        if task == "train" and len(workers) == len(out):
            w = pd.Series(workers.value.to_numpy(), index=workers["index"].astype(int).to_numpy()).sort_index()
            out = out[w.groupby(w.to_numpy()).cumcount().to_numpy() >= WARMUP_STEPS]
        return out
    mine, ref = series(lang), series(REFERENCE)
    both = mine.index.intersection(ref.index)
    total = float(ref[both].sum()) if len(both) else 0.0
    return float(mine[both].sum()) / total if total > 0 else float("nan")


def below_summed(df) -> list[tuple[str, str, str]]:
    """The ratios (training and bench step, perceptron epoch) below SUMMED_SHARE times the ratio of the summed
    measurements: costs that recur with the program, which a quiet cost leaves out."""
    out = []
    for (lang, variant, task, case, metric), _ in interval_rows(df, "_ratio"):
        if metric not in RAW or task not in ("train", "bench", "perceptron"):
            continue
        e = estimate(df, lang, task, case, metric, variant)
        summed = summed_ratio(df, lang, variant, task, case, RAW[metric])
        if e.value < SUMMED_SHARE * summed:
            out.append((str(Participant(lang, variant)), f"{task} {case}".strip(),
                        f"{metric.replace('_', ' ')} {with_ci(e)} is {e.value / summed:.2f}× the ratio of the summed "
                        f"times ({summed:.3g}): its slow rounds, which Python's rounds do not share, are left out"))
    return out


def anomalies_section(df, langs) -> list[str]:
    """The table at the end of the report: every interval wider than ±3%, every BLAS floor above its step, every
    ratio below 0.9x the ratio of the summed times, and every quantity with measurements over 3x its median."""
    found = anomalies(df, langs) + below_summed(df)
    wide, total = wide_intervals(df)
    lines = ["## Anomalies", "", f"{wide} of {total} ratios to Python have a 95% interval wider than ±{WIDE:.0%}."]
    if not found:
        return lines + ["No BLAS floor is above its step, and no measurement is over 3× its median.", ""]
    return lines + ["", "| who | quantity | what |", "|---|---|---|", *[f"| {w} | {q} | {a} |" for w, q, a in found],
                    ""]

