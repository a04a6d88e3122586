"""report.md of a run folder, with its plots, from results.csv (and environment.json when present) alone."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import report_notes as notes
from . import report_sections as sections
from . import report_tables as tables
from .languages import REFERENCE, clocks
from .plots import draw_all
from .readout import (
    NAN,
    base_case,
    case_shape,
    estimate,
    failed,
    failures,
    fmt,
    languages,
    layered,
    load_run,
    one,
    ratio_cell,
    run_settings,
    vals,
    with_ci,
)
from .settings import BOOK_STEPS, WARMUP_STEPS, Settings, warmup_steps
from .stats import flops_per_step
from .summary import pauses_cell


def summary_table(df: pd.DataFrame, settings: dict | None = None) -> pd.DataFrame:
    """Per language, the base case: training step and its ratio to Python, the bench step, its BLAS floor and
    the overhead, start-up, first call, accuracy and gradient parity. Times in ms with their 95% CIs."""
    case = base_case(df, settings) or ""
    shape = case_shape(df, "bench", case) or {k: (settings or {}).get(k) for k in ("hidden", "batch")}
    flops = flops_per_step(shape["batch"], shape["hidden"]) if shape.get("batch") and shape.get("hidden") else NAN
    rows = []
    for lang in languages(df):
        step = estimate(df, lang, "train", case, "step_time_estimate")
        bench = estimate(df, lang, "bench", case, "step_time_estimate")
        blas = estimate(df, lang, "bench", case, "blas_time_estimate")
        grad_diffs = vals(layered(df), lang, "gradcheck", "vs_python_rel")
        test_acc = vals(layered(df), lang, "train", "test_acc")
        fused = estimate(df, lang, "train", case, "step_time_estimate", "fused")
        rows.append({
            "language": lang,
            "training step (ms)": with_ci(step, 1e3),
            "ratio to Python": ratio_cell(df, lang, "train", case, "step_time"),
            "typical step (ms)": with_ci(estimate(df, lang, "train", case, "step_time_typical_estimate"), 1e3),
            "pauses (ms)": pauses_cell(df, lang, case, "layers", 1e3),
            "fused step (ms)": with_ci(fused, 1e3),
            "fused ratio to Python's fused": ratio_cell(df, lang, "train", case, "step_time", "fused")
            if np.isfinite(fused.value) else "–",
            "bench step (ms)": with_ci(bench, 1e3),
            "bench ratio": ratio_cell(df, lang, "bench", case, "step_time"),
            "BLAS floor (ms)": with_ci(blas, 1e3),
            "overhead (ms)": fmt((bench.value - blas.value) * 1e3),
            "BLAS share": fmt(blas.value / bench.value) if bench.value > 0 else "–",
            "GFLOP/s": fmt(flops / step.value / 1e9) if step.value > 0 else "–",
            "start-up (s)": with_ci(estimate(df, lang, "startup", "", "startup_time_estimate")),
            "first step (s)": with_ci(estimate(df, lang, "startup", case, "first_step_estimate")),
            "test accuracy": fmt(float(test_acc[-1]), 4) if test_acc.size else "–",
            "grad vs Python": ("failed" if failed(df, REFERENCE, "gradcheck") else "reference") if lang == REFERENCE
            else fmt(float(grad_diffs.max()) if grad_diffs.size else NAN),
        })
    return pd.DataFrame(rows)


def md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        out.append("| " + " | ".join(fmt(row[c]) for c in cols) + " |")
    return "\n".join(out)


RATIOS_CSV = "ratios.csv"  # every ratio with its intervals, beside report.md


def write_report(run_dir: Path) -> Path:
    """report.md and the plots, made aside and moved in only when all of them are made: a table that cannot be
    read or drawn leaves the run folder as it was."""
    run_dir = Path(run_dir)
    df, env = load_run(run_dir)
    settings = run_settings(df, env)
    with tempfile.TemporaryDirectory(dir=run_dir, prefix=".drawing-") as aside:
        plots = draw_all(df, Path(aside), settings)
        tables.ratio_table(df).to_csv(Path(aside) / RATIOS_CSV, index=False, float_format="%.6g")
        (Path(aside) / "report.md").write_text(render(df, env, plots))
        for name in [*plots.values(), RATIOS_CSV, "report.md"]:
            os.replace(Path(aside) / name, run_dir / name)
    return run_dir / "report.md"


def setup_section(df: pd.DataFrame, env: dict, settings: dict, langs: list[str]) -> list[str]:
    machine = env.get("machine", {})
    pinned = env.get("schedule", {}).get("pinned_cpus")
    lines = ["## Setup", ""]
    if machine:
        lines.append(f"- Machine: {machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores; "
                     f"{machine.get('os', 'unknown OS')} (kernel {machine.get('kernel', '?')}).")
    lines += [f"- Every language ran with **{settings.get('threads', '?')} BLAS thread(s)**, set through "
              "OPENBLAS_NUM_THREADS/OMP_NUM_THREADS and, where the language needs it, from inside (Julia).",
              f"- Identical inputs from seed {settings.get('seed', '?')}: initial weights (0.01·N(0,1)), the "
              "mini-batch sequence (drawn with replacement, as the book does) and the data, written once by the "
              "harness and read by every port.",
              f"- Training: {settings.get('iters', '?')} iterations, batch {settings.get('batch', '?')}, learning rate "
              f"{settings.get('lr', '?')}, hidden {settings.get('hidden', '?')}; accuracy every "
              f"{settings.get('eval_every', '?')} steps.",
              "- Measured in **interleaved, paired rounds**: in each round every language measures the same block of "
              "work, in an order shuffled per round, in its own long-lived worker process; every language's worker is "
              f"replaced by a fresh one at the same rounds, {settings.get('generations', '?')} processes (generations) "
              "per quantity. Each process gives one value per language: a block's quiet cost (the 10th percentile of "
              "its rounds, the garbage-collector time Julia and R count in them included, and also given apart), a "
              "training step's amortized and typical cost. The estimate is the geometric mean over the processes, "
              "with its 95% confidence interval (Student's t over the processes) in brackets; a ratio to Python is "
              "taken process by process (paired by generation; the amortized training step's as the ratio of the "
              "summed times). "
              "Start-up and the first call are measured on fresh processes."
              + (f" Every worker was pinned to CPU {', '.join(map(str, pinned))}." if pinned else ""),
              "- The machine's DGEMM rate (NumPy, 2000×2000, same thread count): "
              f"**{fmt(one(df, 'machine', 'dgemm', 'gflops'))} GFLOP/s**."]
    malloc = env.get("malloc", {})
    if malloc:
        lines.append("- glibc's malloc, the same for every language: "
                     f"`GLIBC_TUNABLES={malloc.get('GLIBC_TUNABLES', '')}` (set by {malloc.get('set_by', '?')}; "
                     "docs/measurement.md says why).")
    lines.append("")
    langinfo = env.get("languages", {})
    target = langinfo.get("julia", {}).get("cpu_target")
    if target and target != "native":
        lines.insert(-1, f"- Julia compiled its code for the CPU target `{target}` (`-C`): its compiler, LLVM 9 in "
                         f"Julia 1.5, calls this CPU `{langinfo['julia'].get('cpu', '?')}` and would otherwise emit "
                         "code without AVX (see *Julia's CPU target* below).")
    state = env.get("machine_state", {}).get("run", {})
    if state:
        busy = "**busy**" if state.get("busy") else "quiet"
        lines.insert(-1, f"- The machine during the run: {busy} (other processes used "
                         f"{state.get('other_processes_cpus', 0):.2f} CPUs on average, the host stole "
                         f"{state.get('steal_share', 0):.1%} of the CPU time, mean load average "
                         f"{state.get('load_average')})"
                         + ("; another benchmark ran at the same time: " + "; ".join(state["other_benchmarks"])
                            if state.get("other_benchmarks") else "") + ".")
    if langinfo:
        lines += ["| language | runtime | BLAS actually loaded | BLAS threads | found |", "|---|---|---|---|---|"]
        for lang in langs:
            i = langinfo.get(lang, {})
            source = f" ({i['blas_threads_source']})" if i.get("blas_threads_source") else ""
            threads = f"{i.get('blas_threads', '–')}{source}"
            lines.append(f"| {lang} | {i.get('version', '–')} | {i.get('blas', '–')} | {threads} | "
                         f"{i.get('found_by', '–')} |")
        lines.append("")
    return lines


def runtime_caveats(env: dict) -> list[str]:
    """What to keep in mind beside a language's numbers, from what the run recorded of its runtime."""
    julia = env.get("languages", {}).get("julia", {})
    if not julia.get("version"):
        return []
    target = julia.get("cpu_target")
    compiled = (f"compiled for the CPU target `{target}` (`-C`), because its LLVM calls this CPU "
                f"`{julia.get('cpu', '?')}` and would otherwise emit code for a generic x86-64 without AVX"
                if target and target != "native" else f"compiled for the CPU its LLVM calls `{julia.get('cpu', '?')}`")
    return [f"Read Julia's numbers as those of **{julia['version']}**, the newest Julia the set-up installs here (from "
            "Debian 11's archive; see docs/design.md), several releases behind today's Julia, whose compiler and "
            f"garbage collector have changed since; its code was {compiled} (*Julia's CPU target* below gives both).",
            ""]


def render(full: pd.DataFrame, env: dict, plots: dict[str, str]) -> str:
    settings = run_settings(full, env)
    df = layered(full)
    langs = languages(df)
    case = base_case(df, settings) or "–"
    lines = [f"# Benchmark report {env.get('run_id', '')}".rstrip(), ""]
    if env.get("interrupted"):
        lines += [f"**This run was interrupted at {env['interrupted']}**: only the tasks that finished are "
                  "reported.", ""]
    if "overview" in plots:
        lines += [f"![overview]({plots['overview']})", ""]
    lines += setup_section(full, env, settings, langs)
    failed_tasks = failures(full)
    if failed_tasks:
        lines += ["## Failures", "", "A missing runtime, a crash, a hung or dead worker, unusable numbers, or results "
                                     "that disagree with Python's beyond tolerance; the rest of this report ran as "
                                     "described.", ""]
        lines += [f"- **{who} {task}**: {why}" for who, task, why in failed_tasks] + [""]
    train_warmup = warmup_steps(settings.get("train_warmup") or 0, settings.get("hidden") or Settings.hidden,
                                settings.get("batch") or Settings.batch)
    lines += ["## Summary", "",
              f"Training step ({case}: backprop + SGD update, the batch gather excluded), timed by each language with "
              f"its own clock ({clocks()}) at every step of the "
              "training run, which six worker processes take over one after the other. *Training step* is the "
              "amortized step, the headline: the mean of each process's steps (what they cost in all, divided by "
              f"their number; each process's first {WARMUP_STEPS} steps left out)"
              + (f", plus what its first steps cost beyond as many usual ones (each process runs {train_warmup} on a "
                 f"copy of its network before its share of the run) spread over the book's {BOOK_STEPS} steps"
                 if train_warmup else "") + ", the geometric mean over the "
              "processes, and its ratio to Python's: the ratio of the summed times, the processes' means over "
              "Python's, so that a slow process weighs by its time. *Typical step*: one step's quiet cost (the 10th "
              "percentile of each process's steps). *Pauses*: the difference, and of it what the collector took "
              "where the language counts it (Julia, R). The *bench* columns time the same step on one batch in "
              "rounds of many steps each, and, separately, the step's six matrix products alone in that language "
              "(same shapes): the BLAS floor, both as their typical cost, each block started after a full collection "
              "and counted whole, its collector's time included (results.csv also gives that apart, "
              "`gc_time_estimate`); overhead is the bench step minus that floor. GFLOP/s counts the matrix products' "
              "FLOPs (6·N·H·(784+10) per step). "
              "The *fused* columns: the same training run with each language's fused step (the maths inline, no "
              "layer objects; docs/porting.md), its ratio taken to "
              "Python's fused step. "
              "Brackets: 95% confidence intervals over the worker processes (docs/measurement.md).", "",
              md_table(summary_table(full, settings)), "", *runtime_caveats(env)]
    if "step_time" in plots:
        lines += [f"![time per step]({plots['step_time']})", ""]
    lines += sections.reading(full, case)
    lines += sections.abstraction_section(full, langs, plots, settings)
    lines += sections.perceptron_section(df, langs, plots)
    lines += sections.gradcheck_section(df, langs, plots)
    lines += sections.training_section(df, langs, plots)
    lines += tables.scaling_section(full, langs, plots)
    lines += sections.startup_section(plots)
    lines += notes.target_section(full, env)
    lines += tables.memory_section(full, langs)
    lines += tables.source_section(full, langs)
    lines += tables.ratios_section(tables.ratio_table(full), RATIOS_CSV)
    lines += sections.CAVEATS
    lines += notes.anomalies_section(full, langs)
    return "\n".join(lines)
