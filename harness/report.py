"""report.md and the plots of a run folder, from results.csv (and environment.json when present) alone."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from .results import find_results, read_results
from .run import WARMUP_STEPS
from .stats import TARGET_HALF_WIDTH, Estimate, flops_per_step

NAN = float("nan")


def _vals(df: pd.DataFrame, lang: str, task: str, metric: str, case: str | None = None) -> np.ndarray:
    sel = (df.lang == lang) & (df.task == task) & (df.metric == metric)
    if case is not None:
        sel &= df.case == case
    return df.loc[sel, "value"].to_numpy(dtype=float)


def _one(df, lang, task, metric, case=None) -> float:
    v = _vals(df, lang, task, metric, case)
    return float(v[-1]) if v.size else NAN


def layered(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of the book's layered code (and those of no language): what every section but the cost of the
    abstraction reports."""
    return df[df.variant != "fused"]


def estimate(df: pd.DataFrame, lang: str, task: str, case: str, metric: str, variant: str = "layers") -> Estimate:
    """An estimate the run wrote (METRIC rows with index median, ci_low, ci_high, rounds, outliers)."""
    sel = df[(df.lang == lang) & (df.variant == variant) & (df.task == task) & (df.case == case) & (df.metric == metric)]
    v = dict(zip(sel["index"].astype(str), sel.value.astype(float)))
    if "median" not in v:
        return Estimate(NAN, NAN, NAN, 0)
    return Estimate(v["median"], v.get("ci_low", NAN), v.get("ci_high", NAN), int(v.get("rounds", 0) or 0),
                    int(v.get("outliers", 0) or 0))


def _vs_python(df: pd.DataFrame, lang: str, task: str, index: str | None = None) -> str:
    """The largest recorded difference from Python for a task (and array), formatted; Python is the reference."""
    if lang == "python":
        return "reference"
    sel = (df.lang == lang) & (df.task == task) & (df.metric == "vs_python_rel")
    if index is not None:
        sel &= df["index"].astype(str) == index
    v = df.loc[sel, "value"]
    return _fmt(float(v.max()) if len(v) else NAN)


def base_case(df: pd.DataFrame) -> str | None:
    for task in ("train", "startup"):
        cases = [c for c in df.loc[df.task == task, "case"].unique() if c]
        if cases:
            return str(cases[0])
    return None


def parse_case(case: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=") for p in case.split())}


def languages(df: pd.DataFrame) -> list[str]:
    order = ["python", "julia", "octave", "scilab"]
    langs = [x for x in df.lang.unique() if x not in ("machine", "all")]
    return sorted(langs, key=lambda x: (order.index(x) if x in order else 99, x))


def _fmt(v, digits=3) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "–"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.2e}"
    return f"{v:.{digits}g}"


def with_ci(e: Estimate, scale: float = 1.0, digits: int = 3) -> str:
    """'1.23 [1.20, 1.26]': an estimate with its 95% CI ('–' when there is none)."""
    if not np.isfinite(e.value):
        return "–"
    text = _fmt(e.value * scale, digits)
    if np.isfinite(e.low) and np.isfinite(e.high):
        text += f" [{_fmt(e.low * scale, digits)}, {_fmt(e.high * scale, digits)}]"
    return text


def failed(df: pd.DataFrame, lang: str, task: str, variant: str = "layers") -> bool:
    """The task's status row says the language failed it."""
    sel = df[(df.lang == lang) & (df.variant == variant) & (df.task == task) & (df.metric == "status")]
    return bool(len(sel)) and not sel.value.iloc[-1] > 0


def ratio_cell(df: pd.DataFrame, lang: str, task: str, case: str, name: str, variant: str = "layers") -> str:
    if lang == "python":
        if failed(df, lang, task, variant):
            return "failed: no reference"
        return "1 (reference)" if np.isfinite(estimate(df, lang, task, case, f"{name}_estimate", variant).value) else "–"
    return with_ci(estimate(df, lang, task, case, f"{name}_ratio", variant))


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per language, the base case: training step and its ratio to Python, the bench step, its BLAS floor and
    the overhead, start-up, first call, accuracy and gradient parity. Times in ms with their 95% CIs."""
    case = base_case(df) or "hidden=50 batch=100"
    shape = parse_case(case)
    flops = flops_per_step(shape["batch"], shape["hidden"])
    rows = []
    for lang in languages(df):
        step = estimate(df, lang, "train", case, "step_time_estimate")
        bench = estimate(df, lang, "bench", case, "step_time_estimate")
        blas = estimate(df, lang, "bench", case, "blas_time_estimate")
        grad_diffs = _vals(layered(df), lang, "gradcheck", "vs_python_rel")
        test_acc = _vals(layered(df), lang, "train", "test_acc")
        fused = estimate(df, lang, "train", case, "step_time_estimate", "fused")
        rows.append({
            "language": lang,
            "training step (ms)": with_ci(step, 1e3),
            "ratio to Python": ratio_cell(df, lang, "train", case, "step_time"),
            "fused step (ms)": with_ci(fused, 1e3),
            "fused ratio to Python's fused": ratio_cell(df, lang, "train", case, "step_time", "fused")
            if np.isfinite(fused.value) else "–",
            "bench step (ms)": with_ci(bench, 1e3),
            "bench ratio": ratio_cell(df, lang, "bench", case, "step_time"),
            "BLAS floor (ms)": with_ci(blas, 1e3),
            "overhead (ms)": _fmt((bench.value - blas.value) * 1e3),
            "BLAS share": _fmt(blas.value / bench.value) if bench.value > 0 else "–",
            "GFLOP/s": _fmt(flops / step.value / 1e9) if step.value > 0 else "–",
            "start-up (s)": with_ci(estimate(df, lang, "startup", "", "startup_time_estimate")),
            "first step (s)": with_ci(estimate(df, lang, "startup", case, "first_step_estimate")),
            "test accuracy": _fmt(float(test_acc[-1]), 4) if test_acc.size else "–",
            "grad vs Python": ("failed" if failed(df, "python", "gradcheck") else "reference") if lang == "python"
            else _fmt(float(grad_diffs.max()) if grad_diffs.size else NAN),
        })
    return pd.DataFrame(rows)


def md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        out.append("| " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    return "\n".join(out)


def write_report(run_dir: Path) -> Path:
    """report.md and the plots, made aside and moved in only when all of them are made: a table that cannot be
    read or drawn leaves the run folder as it was."""
    from .plots import draw_all
    run_dir = Path(run_dir)
    df = read_results(find_results(run_dir))
    env_path = run_dir / "environment.json"
    env = json.loads(env_path.read_text()) if env_path.exists() else {}
    with tempfile.TemporaryDirectory(dir=run_dir, prefix=".drawing-") as aside:
        plots = draw_all(df, Path(aside))
        (Path(aside) / "report.md").write_text(render(df, env, plots))
        for name in [*plots.values(), "report.md"]:
            os.replace(Path(aside) / name, run_dir / name)
    return run_dir / "report.md"


def render(full: pd.DataFrame, env: dict, plots: dict[str, str]) -> str:
    df = layered(full)
    langs = languages(df)
    machine = env.get("machine", {})
    settings = env.get("settings", {})
    schedule = env.get("schedule", {})
    gflops = _one(df, "machine", "dgemm", "gflops")
    case = base_case(df) or "–"
    lines = [f"# Benchmark report {env.get('run_id', '')}".rstrip(), ""]
    if env.get("interrupted"):
        lines += [f"**This run was interrupted at {env['interrupted']}**: only the tasks that finished are reported.", ""]
    pinned = schedule.get("pinned_cpus")
    lines += ["## Setup", "",
              f"- Machine: {machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores; {machine.get('os', 'unknown OS')}"
              f" (kernel {machine.get('kernel', '?')}).",
              f"- Every language ran with **{env.get('threads', '?')} BLAS thread(s)**, set through OPENBLAS_NUM_THREADS/OMP_NUM_THREADS "
              "and, where the language needs it, from inside (Julia).",
              f"- Identical inputs from seed {env.get('seed', '?')}: initial weights (0.01·N(0,1)), the mini-batch sequence "
              "(drawn with replacement, as the book does) and the data, written once by the harness and read by every port.",
              f"- Training: {settings.get('iters', '?')} iterations, batch {settings.get('batch', '?')}, learning rate "
              f"{settings.get('lr', '?')}, hidden {settings.get('hidden', '?')}; accuracy every {settings.get('eval_every', '?')} steps.",
              "- Measured in **interleaved, paired rounds**: one persistent worker process per language; in each round every "
              "language measures the same block of work, in an order shuffled per round. A ratio to Python is taken within "
              "each round; the report gives the median over rounds with its 95% confidence interval (bootstrap over "
              "rounds, seeded) in brackets. Start-up and the first call are measured on fresh processes."
              + (f" Every worker was pinned to CPU {', '.join(map(str, pinned))}." if pinned else ""),
              f"- The machine's DGEMM rate (NumPy, 2000×2000, same thread count): **{_fmt(gflops)} GFLOP/s**."]
    malloc = env.get("malloc", {})
    if malloc:
        lines.append(f"- glibc's malloc, the same for every language: `GLIBC_TUNABLES={malloc.get('GLIBC_TUNABLES', '')}` "
                     f"(set by {malloc.get('set_by', '?')}; docs/measurement.md says why).")
    lines.append("")
    langinfo = env.get("languages", {})
    if langinfo:
        lines += ["| language | runtime | BLAS actually loaded | BLAS threads | found |", "|---|---|---|---|---|"]
        for lang in langs:
            i = langinfo.get(lang, {})
            lines.append(f"| {lang} | {i.get('version', '–')} | {i.get('blas', '–')} | {i.get('blas_threads', '–')} | "
                         f"{i.get('found_by', '–')} |")
        lines.append("")
    failures = full[(full.metric == "status") & (full.value == 0)]
    if len(failures):
        lines += ["## Failures", "", "A missing runtime, a crash, a hung or dead worker, unusable numbers, or results that "
                  "disagree with Python's beyond tolerance; the rest of this report ran as described.", ""]
        for _, r in failures.iterrows():
            lines.append(f"- **{who(r.lang, r.variant)} {r.task}**: {r.note}")
        lines.append("")
    table = summary_table(full)
    lines += ["## Summary", "",
              f"Training step ({case}: backprop + SGD update, the batch gather excluded), timed by each language with its own "
              "clock (monotonic in Python and Julia, tic/toc in Octave and Scilab) during the training run: each round is "
              "one chunk of steps, its value the median step of the chunk (the run's first "
              f"{WARMUP_STEPS} steps left out). The *bench* columns time the same step on one batch in "
              "rounds of many steps each, and, separately, the step's six matrix products alone in that language (same "
              "shapes): the BLAS floor; overhead is the bench step minus that floor. GFLOP/s counts the matrix products' "
              "FLOPs (6·N·H·(784+10) per step). The *fused* columns: the same training run with each language's fused "
              "step (the maths inline, no layer objects; docs/porting.md), its ratio taken to Python's fused step. "
              "Brackets: 95% confidence intervals.", "",
              md_table(table), ""]
    if "step_time" in plots:
        lines += [f"![time per step]({plots['step_time']})", ""]
    lines += reading(df, case)
    lines += anomalies_section(full, langs)
    lines += abstraction_section(full, langs, plots)
    lines += perceptron_section(df, langs)
    lines += gradcheck_section(df, langs, plots)
    lines += training_section(df, langs, plots)
    lines += scaling_section(df, langs, plots)
    if "startup" in plots:
        lines += ["## Start-up and first call", "",
                  "Start-up: the whole process of a port that does nothing (`noop`), timed by the harness from outside. "
                  "First call: the first training step of a fresh process, timed inside the language: it includes Julia's "
                  "compilation of the step. Both in rounds of fresh processes.", "", f"![start-up]({plots['startup']})", ""]
    lines += ["## Caveats", "",
              "- One machine, shared: ratios are measured within rounds so that a slow minute slows every language alike, "
              "but a language that allocates more can suffer more from a busy neighbour; the confidence intervals say how "
              "sure each ratio is, and the anomalies above which cases to read with care.",
              "- Each language links its own OpenBLAS build (see the table above): the BLAS floor column shows what that alone costs.",
              "- Each BLAS floor does the products the way that language's fused step does: Julia into buffers made once (in "
              "place), the others allocating a new result for each product.",
              "- Python's step includes NumPy's per-call overhead; the ports' steps include their interpreters' (Scilab, Octave).",
              "- The training loss is recorded from each step's own forward pass, before the update (the book records it after).",
              "- The batch gather is outside the timed step in every language.",
              "- Scilab, Octave and NumPy allocate a new matrix for every result. With glibc's default malloc settings the heap "
              "is trimmed and regrown many times per step, so the step time depends on what else the process holds; the "
              "harness raises glibc's trim and mmap thresholds for every language alike (Setup above), which makes them "
              "faster and steadier. A user's own GLIBC_TUNABLES is kept instead.",
              ""]
    return "\n".join(lines)


def reading(df: pd.DataFrame, case: str) -> list[str]:
    """A few sentences that state what the table shows, computed from it (so they cannot drift from the numbers)."""
    steps = {lang: estimate(df, lang, "train", case, "step_time_estimate") for lang in languages(df)}
    steps = {lang: e for lang, e in steps.items() if np.isfinite(e.value)}
    if not steps:
        return []
    fastest = min(steps, key=lambda lang: steps[lang].value)
    out = [f"Reading: the fastest training step is **{fastest}** at {with_ci(steps[fastest], 1e3)} ms."]
    for lang in steps:
        r = estimate(df, lang, "train", case, "step_time_ratio")
        if lang != "python" and np.isfinite(r.value):
            out.append(f"{lang} takes {with_ci(r)}× Python's time per step.")
    acc = [float(a[-1]) for a in (_vals(df, lang, "train", "test_acc") for lang in steps) if a.size]
    if len(acc) > 1:
        out.append(f"Final test accuracies range {min(acc):.4f}–{max(acc):.4f} across languages.")
    return [" ".join(out), ""]


def anomalies(df: pd.DataFrame, langs: list[str]) -> list[str]:
    """What to read with care, found in the results: a BLAS floor above its own step, a ratio whose CI did not
    converge to the target, rounds more than 3x their median."""
    out = []
    for case in df.loc[(df.task == "bench") & (df.metric == "step_time_estimate"), "case"].unique():
        for lang in langs:
            for variant in ("layers", "fused"):
                step = estimate(df, lang, "bench", case, "step_time_estimate", variant)
                blas = estimate(df, lang, "bench", case, "blas_time_estimate", variant)
                if blas.value > step.value:
                    out.append(f"{who(lang, variant)}, bench {case}: the BLAS floor ({with_ci(blas, 1e3)} ms) is above the "
                               f"step it is part of ({with_ci(step, 1e3)} ms)")
    conv = df[(df.metric.str.endswith("_ratio")) & (df["index"].astype(str) == "converged") & (df.value == 0)]
    for _, r in conv.iterrows():
        e = estimate(df, r.lang, r.task, r.case, r.metric, r.variant)
        what = r.metric.removesuffix("_ratio").replace("_", " ")
        out.append(f"{who(r.lang, r.variant)}, {r.task} {r.case}: {what} ratio {with_ci(e)} did not converge to "
                   f"±{TARGET_HALF_WIDTH:.0%} ({r.note})")
    est = df[df.metric.str.endswith("_estimate") & (df["index"].astype(str) == "outliers") & (df.value > 0)]
    for _, r in est.iterrows():
        what = r.metric.removesuffix("_estimate").replace("_", " ")
        out.append(f"{who(r.lang, r.variant)}, {r.task} {r.case}: {int(r.value)} round(s) of {what} over 3× the median "
                   "(outliers; the median and its CI are robust to them)")
    return out


def who(lang: str, variant: str) -> str:
    return lang if variant != "fused" else f"{lang} (fused)"


def anomalies_section(df, langs) -> list[str]:
    found = anomalies(df, langs)
    if not found:
        return ["## Anomalies", "", f"None: every ratio's 95% CI is within ±{TARGET_HALF_WIDTH:.0%}, no BLAS floor is "
                "above its step, no round is over 3× its median.", ""]
    return ["## Anomalies", "", *[f"- {a}" for a in found], ""]


def abstraction_cases(df: pd.DataFrame) -> list[tuple[str, str]]:
    """(task, case) of the quantities measured in both variants: the training run, the bench cases at the base
    hidden size with batch 1 and the base batch, and the perceptron's AND."""
    found = df[(df.variant == "fused") & df.metric.isin(["step_time_estimate", "epoch_time_estimate"])]
    base = parse_case(base_case(df) or "hidden=50 batch=100")
    out = []
    for task, case in dict.fromkeys(zip(found.task, found.case)):
        if task == "bench":
            shape = parse_case(case)
            if shape["hidden"] != base["hidden"] or shape["batch"] not in (1, base["batch"]):
                continue
        out.append((task, case))
    order = {"bench": 0, "train": 1, "perceptron": 2}
    return sorted(out, key=lambda tc: (order.get(tc[0], 3), parse_case(tc[1]).get("batch", 0) if "=" in tc[1] else 0))


def abstraction_section(df, langs, plots) -> list[str]:
    cases = abstraction_cases(df)
    if not cases:
        return []
    lines = ["## Cost of the abstraction", "",
             "Every language's step written twice (docs/porting.md): *layers*, the book's structure (layer objects with "
             "forward and backward, the same in every language), and *fused*, the same maths as a fluent user of the "
             "language writes fast code (inline matrix expressions, buffers reused where the language allows). Both are "
             "measured in the same rounds, by the same worker; the cost is layered minus fused within each round (median "
             "over rounds, 95% CI), and its share of the layered time. Every fused result was compared with Python's and "
             "with its own language's layered result (tolerance 1e-12 for the bench cases, as for the layered code).", "",
             "| language | measured | layers (µs) | fused (µs) | BLAS floor (µs) | fused / floor | cost (µs) | "
             "share of layers | fused ratio to Python's fused |", "|---|---|---|---|---|---|---|---|---|"]
    for lang in langs:
        for task, case in cases:
            metric = "epoch_time" if task == "perceptron" else "step_time"
            lay = estimate(df, lang, task, case, f"{metric}_estimate")
            fus = estimate(df, lang, task, case, f"{metric}_estimate", "fused")
            if not (np.isfinite(lay.value) or np.isfinite(fus.value)):
                continue
            floor = estimate(df, lang, "bench", case, "blas_time_estimate", "fused") if task == "bench" else None
            cost = estimate(df, lang, task, case, f"{metric}_abstraction")
            share = estimate(df, lang, task, case, f"{metric}_abstraction_share")
            what = {"bench": f"bench {case}", "train": f"training run {case}",
                    "perceptron": f"perceptron epoch ({case})"}[task]
            lines.append(f"| {lang} | {what} | {with_ci(lay, 1e6, 4)} | {with_ci(fus, 1e6, 4)} | "
                         f"{with_ci(floor, 1e6, 4) if floor else '–'} | "
                         f"{_fmt(fus.value / floor.value) if floor and floor.value > 0 else '–'} | {with_ci(cost, 1e6, 4)} | "
                         f"{with_ci(share, 100, 2) + ' %' if np.isfinite(share.value) else '–'} | "
                         f"{ratio_cell(df, lang, task, case, metric, 'fused') if np.isfinite(fus.value) else '–'} |")
    lines.append("")
    if "abstraction" in plots:
        lines += [f"![cost of the abstraction]({plots['abstraction']})", ""]
    return lines


def perceptron_section(df, langs) -> list[str]:
    part = df[df.task == "perceptron"]
    if part.empty:
        return []
    gates = list(dict.fromkeys(part.loc[part.metric == "solved_epoch", "case"]))
    lines = ["## Perceptron", "",
             "Full-batch gradient descent on each logic gate; *solved at* is the first epoch at which all four inputs are "
             "on the right side of 0.5 (– if never: a single perceptron cannot learn XOR, which is not linearly separable). "
             "Epoch time: AND, whole training runs in rounds (median over rounds, 95% CI).", "",
             "| language | " + " | ".join(f"{g} solved at" for g in gates) + " | XOR final loss | AND epoch (µs) | "
             "epoch ratio to Python | W, b, loss vs Python |",
             "|---|" + "---|" * (len(gates) + 4)]
    for lang in langs:
        cells = []
        for g in gates:
            v = _one(df, lang, "perceptron", "solved_epoch", g)
            cells.append("–" if not np.isfinite(v) or v < 0 else str(int(v)))
        epoch = estimate(df, lang, "perceptron", "AND", "epoch_time_estimate")
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {_fmt(_one(df, lang, 'perceptron', 'final_loss', 'XOR'))} | "
                     f"{with_ci(epoch, 1e6)} | {ratio_cell(df, lang, 'perceptron', 'AND', 'epoch_time')} | "
                     f"{_vs_python(df, lang, 'perceptron')} |")
    return lines + ["", "*vs Python*: the largest of W's and b's norm-wise differences from Python's, relative to max(‖Python's‖, 1) "
                      "(XOR's weights shrink towards zero, where a pure relative difference means nothing), and of the loss "
                      "curve's relative difference at any epoch.", ""]


def gradcheck_section(df, langs, plots) -> list[str]:
    part = df[(df.task == "gradcheck")]
    if part.empty:
        return []
    lines = ["## Gradient check", "",
             "Backprop against central differences (h = 1e-4) on the first 3 training images with the book's initial "
             "weights, inside each language; and each language's backprop against Python's (norm-wise relative).", "",
             "| language | parameter | max abs (backprop − numerical) | mean abs | backprop vs Python |", "|---|---|---|---|---|"]
    for lang in langs:
        for p in ("W1", "b1", "W2", "b2"):
            lines.append(f"| {lang} | {p} | {_fmt(_one(df, lang, 'gradcheck', 'numerical_max_abs', p))} | "
                         f"{_fmt(_one(df, lang, 'gradcheck', 'numerical_mean_abs', p))} | {_vs_python(df, lang, 'gradcheck', p)} |")
    lines.append("")
    if "parity" in plots:
        lines += [f"![gradient parity]({plots['parity']})", ""]
    return lines


def training_section(df, langs, plots) -> list[str]:
    part = df[df.task == "train"]
    if part.empty:
        return []
    lines = ["## Training", "", "| language | final train acc | final test acc | loss vs Python (largest relative, any step) | "
             "weights vs Python | all requests (s) |", "|---|---|---|---|---|---|"]
    for lang in langs:
        tr, te = _vals(df, lang, "train", "train_acc"), _vals(df, lang, "train", "test_acc")
        weights = max((float(v) for v in df.loc[(df.lang == lang) & (df.task == "train") & (df.metric == "vs_python_rel")
                                                & df["index"].astype(str).isin(["W1", "b1", "W2", "b2"]), "value"]),
                      default=NAN)
        lines.append(f"| {lang} | {_fmt(tr[-1] if tr.size else NAN, 4)} | {_fmt(te[-1] if te.size else NAN, 4)} | "
                     f"{_vs_python(df, lang, 'train', 'loss')} | {'reference' if lang == 'python' else _fmt(weights)} | "
                     f"{_fmt(_one(df, lang, 'train', 'wall_time'))} |")
    lines.append("")
    if "training" in plots:
        lines += [f"![training curves]({plots['training']})", ""]
    return lines


def scaling_section(df, langs, plots) -> list[str]:
    part = df[(df.task == "bench") & (df.metric == "step_time_estimate")]
    if part.empty:
        return []
    cases = sorted(part.case.unique(), key=lambda c: (parse_case(c)["batch"], parse_case(c)["hidden"]))
    lines = ["## Scaling", "",
             "Time per training step against the hidden size and the batch size (median over rounds, 95% CI), its ratio "
             "to Python, and in brackets the BLAS floor (the six matrix products alone). What the first round computed "
             "(the parameters after its steps, and the six products) was compared with Python's (tolerance 1e-12).", "",
             "| case | rounds | " + " | ".join(langs) + " |", "|---|---|" + "---|" * len(langs)]
    for c in cases:
        cells = []
        for lang in langs:
            st = estimate(df, lang, "bench", c, "step_time_estimate")
            bl = estimate(df, lang, "bench", c, "blas_time_estimate")
            ratio = "" if lang == "python" else f"; {ratio_cell(df, lang, 'bench', c, 'step_time')}×"
            cells.append(f"{with_ci(st, 1e3)} ms{ratio} ({_fmt(bl.value * 1e3)})")
        rounds = df[(df.lang == "all") & (df.task == "bench") & (df.case == c) & (df.metric == "rounds")]
        n = f"{int(rounds.value.iloc[-1])} ({rounds.note.iloc[-1]})" if len(rounds) else "–"
        lines.append(f"| {c} | {n} | " + " | ".join(cells) + " |")
    lines.append("")
    for key in ("scaling_hidden", "scaling_batch"):
        if key in plots:
            lines += [f"![{key}]({plots[key]})", ""]
    return lines
