"""The report's tables a reader takes away: the scaling cases in both variants, every ratio in one table (and
ratios.csv), memory, and the source size of each port."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .languages import REFERENCE, ordered
from .readout import bench_cases, estimate, estimates_of, fmt, ratio_cell, with_ci


def scaling_section(df, langs, plots) -> list[str]:
    part = df[(df.task == "bench") & (df.metric == "step_time_estimate")]
    if part.empty:
        return []
    variants = [v for v in ("layers", "fused") if (part.variant == v).any()]
    lines = ["## Scaling", "",
             "The bench step (one batch, the same batch round after round; not the training run's step) against the "
             "hidden size and the batch size, in both variants: ms per bench step (quiet cost per worker process, "
             "geometric mean over the processes, 95% CI), its ratio to Python's same variant, and in brackets the "
             "BLAS floor (the six matrix products alone). The batch plot divides the step by the batch size (µs per "
             "sample). **Slower than layered**: a fused step whose interval lies above its layered step's. What the "
             "first round computed (the parameters after its steps, and the six products) was compared with "
             "Python's (tolerance 1e-12).", "",
             "| case | variant | rounds | " + " | ".join(langs) + " |", "|---|---|---|" + "---|" * len(langs)]
    for c in bench_cases(df):
        rounds = df[(df.lang == "all") & (df.task == "bench") & (df.case == c) & (df.metric == "rounds")]
        n = f"{int(rounds.value.iloc[-1])}" if len(rounds) else "–"
        for v in variants:
            cells = []
            for lang in langs:
                st = estimate(df, lang, "bench", c, "step_time_estimate", v)
                if not np.isfinite(st.value):
                    cells.append("–")
                    continue
                bl = estimate(df, lang, "bench", c, "blas_time_estimate", v)
                ratio = "" if lang == REFERENCE else f"; {ratio_cell(df, lang, 'bench', c, 'step_time', v)}×"
                lay = estimate(df, lang, "bench", c, "step_time_estimate")
                slower = v != "layers" and np.isfinite(lay.high) and st.low > lay.high
                cells.append(f"{with_ci(st, 1e3)}{ratio} ({fmt(bl.value * 1e3)})"
                             + (" **slower than layered**" if slower else ""))
            lines.append(f"| {c} | {v} | {n} | " + " | ".join(cells) + " |")
    lines.append("")
    for key in ("scaling_hidden", "scaling_batch"):
        if key in plots:
            lines += [f"![{key}]({plots[key]})", ""]
    return lines


RATIO_NAMES = {"step_time_ratio": "step", "step_time_typical_ratio": "typical step", "epoch_time_ratio": "epoch",
               "blas_time_ratio": "BLAS floor", "startup_time_ratio": "start-up", "startup_cpu_ratio": "start-up CPU",
               "first_step_ratio": "first step"}
RATIO_COLUMNS = ["language", "variant", "task", "case", "quantity", "ratio", "ci_low", "ci_high", "pi_low", "pi_high",
                 "generations"]


def ratio_table(df: pd.DataFrame) -> pd.DataFrame:
    """Every ratio to Python the run measured, one row per language × variant × task × case × quantity, with its
    95% confidence interval and the prediction interval for a next run: the table to paste (ratios.csv)."""
    rows = [[lang, variant, task, case, RATIO_NAMES[metric],
             *(v.get(k, np.nan) for k in ("estimate", "ci_low", "ci_high", "pi_low", "pi_high")),
             int(v.get("generations", 0) or 0)]
            for (lang, variant, task, case, metric), v in estimates_of(df).items()
            if metric in RATIO_NAMES and lang != REFERENCE and "estimate" in v]
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


PER_STEP = {"alloc_bytes_estimate": "allocated", "step_peak_bytes_estimate": "at peak"}  # what a language counts


def size(n: float) -> str:
    """Bytes as a reader takes them in: "224 bytes", "1235 KiB"."""
    return f"{n:.0f} bytes" if n < 1024 else f"{n / 1024:.0f} KiB"


def memory_rows(df: pd.DataFrame, langs: list[str]) -> list[tuple[str, dict[str, float], list[str]]]:
    """Per language: the peak memory (MB) of its workers per task, and per variant what a training step takes of
    memory, where the language counts it: the bytes it allocates (Julia, R), or the most it holds at once beyond
    what it held before (Python, tracemalloc), as "1270 KiB allocated" ("–" where not counted)."""
    case = df.loc[(df.task == "train") & (df.metric == "step_time_estimate"), "case"]
    out = []
    for lang in langs:
        peaks = df[(df.lang == lang) & (df.metric == "peak_memory")]
        per_step = []
        for v in ("layers", "fused"):
            got = [(estimate(df, lang, "train", case.iloc[0] if len(case) else "", m, v).value, what)
                   for m, what in PER_STEP.items()]
            per_step.append(next((f"{size(b)} {what}" for b, what in got if np.isfinite(b)), "–"))
        if len(peaks) or per_step != ["–", "–"]:
            out.append((lang, dict(zip(peaks.task, peaks.value.astype(float))), per_step))
    return out


def memory_section(df: pd.DataFrame, langs: list[str]) -> list[str]:
    rows = memory_rows(df, langs)
    if not rows:
        return []
    tasks = list(dict.fromkeys(t for _, peaks, _ in rows for t in peaks))
    lines = ["## Memory", "",
             "Peak memory: the largest peak resident memory (VmHWM) of each language's worker processes in a task, "
             "with any process they started; each task starts new workers. Per step, where the language can count "
             "it: *allocated*, the bytes a training step allocates (Julia's own counter, Base.gc_bytes, in every "
             "step of the run; R's memory profiler, Rprofmem); *at peak*, the most memory a step holds at once "
             "beyond what it held before, its temporaries (Python's tracemalloc, which sees NumPy's arrays). "
             "Python's and R's are measured in five untimed steps on a copy of the network at the end of each "
             "worker's share of the run, since their counters slow every allocation. Octave and Scilab have no "
             "such counter.", "",
             "| language | " + " | ".join(f"peak, {t} (MB)" for t in tasks) + " | per step, layers / fused |",
             "|---|" + "---|" * (len(tasks) + 1)]
    for lang, peaks, per_step in rows:
        step = " / ".join(per_step) if per_step != ["–", "–"] else "not counted"
        lines.append(f"| {lang} | " + " | ".join(f"{peaks[t]:.0f}" if t in peaks else "–" for t in tasks)
                     + f" | {step} |")
    return lines + [""]
