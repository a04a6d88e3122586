"""The report's last sections: Julia's CPU target, and the anomalies (a table at the end, not ahead of the
results)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .languages import REFERENCE, ordered
from .readout import anomalies, estimate, interval_rows, wide_intervals, with_ci
from .settings import Participant
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
    rounds or steps both measured: what the whole work cost, pauses and the machine's noise included."""
    def series(name: str) -> pd.Series:
        r = df[(df.lang == name) & (df.variant == variant) & (df.task == task) & (df.case == case)
               & (df.metric == raw)]
        return pd.Series(r.value.to_numpy(), index=r["index"].astype(str).to_numpy())
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


RATIO_NAMES = {"step_time_ratio": "step", "step_time_typical_ratio": "typical step", "epoch_time_ratio": "epoch",
               "blas_time_ratio": "BLAS floor", "startup_time_ratio": "start-up", "startup_cpu_ratio": "start-up CPU",
               "first_step_ratio": "first step"}
RATIO_COLUMNS = ["language", "variant", "task", "case", "quantity", "ratio", "ci_low", "ci_high", "pi_low", "pi_high",
                 "generations"]


def ratio_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every ratio to Python the run measured, one row per language × variant × task × case × quantity, with its
    95% confidence interval and the prediction interval for a next run: the table to paste (ratios.csv)."""
    part = df[df.metric.isin(list(RATIO_NAMES)) & (df.lang != REFERENCE)]
    rows = []
    for (lang, variant, task, case, metric), sel in part.groupby(["lang", "variant", "task", "case", "metric"],
                                                                sort=False, dropna=False):
        v = dict(zip(sel["index"].astype(str), sel.value.astype(float)))
        if "estimate" in v:
            rows.append([lang, variant, task, case if isinstance(case, str) else "", RATIO_NAMES[metric],
                         *(v.get(k, np.nan) for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")),
                         int(v.get("generations", 0) or 0)])
    tasks, langs = ["train", "bench", "perceptron", "startup"], ordered([r[0] for r in rows])
    rows.sort(key=lambda r: (tasks.index(r[2]) if r[2] in tasks else len(tasks), r[3], list(RATIO_NAMES.values())
                             .index(r[4]), langs.index(r[0]), r[1] != "layers"))
    return pd.DataFrame(rows, columns=RATIO_COLUMNS)


def ratios_section(table: pd.DataFrame, csv_name: str) -> list[str]:
    """Every ratio in one markdown table (the same rows as the CSV beside the report)."""
    if table.empty:
        return []
    lines = ["## Every ratio to Python", "",
             f"Each language's time over Python's in the same variant, paired by worker process: estimate, 95% "
             f"confidence interval and the 95% prediction interval for a next run on this machine. The same rows "
             f"are in [{csv_name}]({csv_name}).", "",
             "| language | variant | task | case | quantity | ratio [95% CI] | next run (95% PI) |",
             "|---|---|---|---|---|---|---|"]
    for r in table.itertuples():
        pi = f"{r.pi_low:.3g}–{r.pi_high:.3g}" if np.isfinite(r.pi_low) else "–"
        lines.append(f"| {r.language} | {r.variant} | {r.task} | {r.case or '–'} | {r.quantity} | "
                     f"{r.ratio:.3g} [{r.ci_low:.3g}, {r.ci_high:.3g}] | {pi} |")
    return lines + [""]


def source_section(df: pd.DataFrame, langs: list[str]) -> list[str]:
    """How much code each port needs (harness/source_size.py): lines and gzip bytes per part."""
    part = df[df.task == "source"]
    if part.empty:
        return []
    lines = ["## Source size", "",
             "How much code each language needs for the same network: lines with code on them (comments, docstrings "
             "and blank lines left out), and in brackets the gzip size in bytes as the Computer Language Benchmarks "
             "Game measures it (comments and repeated white space removed, gzip's fastest setting). *Layers*: the "
             "book's structure (the layers, the network, the gradient check, the perceptron, the training loop); "
             "*fused*: the fused step and perceptron; *protocol*: what every port carries to talk to the harness "
             "(the dispatcher, checked inputs, the timed kernels, the array format, the runtime's facts).", "",
             "| language | layers | fused | protocol |", "|---|---|---|---|"]
    for lang in langs:
        cells = []
        for name in ("layers", "fused", "protocol"):
            sel = part[(part.lang == lang) & (part.case == name)]
            n = sel[sel.metric == "source_lines"].value
            gz = sel[sel.metric == "source_gzip_bytes"].value
            cells.append(f"{int(n.iloc[-1])} ({int(gz.iloc[-1])})" if len(n) and len(gz) else "–")
        if any(c != "–" for c in cells):
            lines.append(f"| {lang} | " + " | ".join(cells) + " |")
    return lines + [""]


def memory_rows(df: pd.DataFrame, langs: list[str]) -> list[tuple[str, dict[str, float], list[float]]]:
    """Per language: the peak memory (MB) of its workers per task, and the bytes a training step allocates per
    variant where the language counts them (NaN elsewhere)."""
    case = df.loc[(df.task == "train") & (df.metric == "step_time_estimate"), "case"]
    out = []
    for lang in langs:
        peaks = df[(df.lang == lang) & (df.metric == "peak_memory")]
        allocs = [estimate(df, lang, "train", case.iloc[0] if len(case) else "", "alloc_bytes_estimate", v).value
                  for v in ("layers", "fused")]
        if len(peaks) or any(np.isfinite(allocs)):
            out.append((lang, dict(zip(peaks.task, peaks.value.astype(float))), allocs))
    return out


def memory_section(df: pd.DataFrame, langs: list[str]) -> list[str]:
    rows = memory_rows(df, langs)
    if not rows:
        return []
    tasks = list(dict.fromkeys(t for _, peaks, _ in rows for t in peaks))
    lines = ["## Memory", "",
             "Peak memory: the largest peak resident memory (VmHWM) of each language's worker processes in a task, "
             "with any process they started; each task starts new workers. Allocated per step: the bytes a training "
             "step allocates, counted by the language itself, where it can: Julia (Base.gc_bytes). Python's "
             "tracemalloc would slow every allocation of the timed run, and Octave, Scilab and R have no counter "
             "of their own, so they have none.", "",
             "| language | " + " | ".join(f"peak, {t} (MB)" for t in tasks) + " | allocated per step, layers / fused |",
             "|---|" + "---|" * (len(tasks) + 1)]
    for lang, peaks, allocs in rows:
        alloc = " / ".join(f"{a / 1024:.0f} KiB" if np.isfinite(a) else "–" for a in allocs)
        lines.append(f"| {lang} | " + " | ".join(f"{peaks[t]:.0f}" if t in peaks else "–" for t in tasks)
                     + f" | {alloc if alloc != '– / –' else 'not counted'} |")
    return lines + [""]
