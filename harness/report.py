"""report.md and the plots of a run folder, from results.csv (and environment.json when present) alone."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from .results import read_results
from .stats import flops_per_step, ratio, summary

WARMUP_STEPS = 10  # the first training steps include compilation and cold caches: left out of the steady state


def _vals(df: pd.DataFrame, lang: str, task: str, metric: str, case: str | None = None) -> np.ndarray:
    sel = (df.lang == lang) & (df.task == task) & (df.metric == metric)
    if case is not None:
        sel &= df.case == case
    return df.loc[sel, "value"].to_numpy(dtype=float)


def _one(df, lang, task, metric, case=None) -> float:
    v = _vals(df, lang, task, metric, case)
    return float(v[-1]) if v.size else float("nan")


def _steps(df: pd.DataFrame, lang: str) -> np.ndarray:
    """Steady-state training step times (the first WARMUP_STEPS steps left out)."""
    sel = (df.lang == lang) & (df.task == "train") & (df.metric == "step_time")
    part = df.loc[sel]
    return part.loc[pd.to_numeric(part["index"]) >= WARMUP_STEPS, "value"].to_numpy(dtype=float)


def _vs_python(df: pd.DataFrame, lang: str, task: str, index: str | None = None) -> str:
    """The largest recorded difference from Python for a task (and array), formatted; Python is the reference."""
    if lang == "python":
        return "reference"
    sel = (df.lang == lang) & (df.task == task) & (df.metric == "vs_python_rel")
    if index is not None:
        sel &= df["index"].astype(str) == index
    v = df.loc[sel, "value"]
    return _fmt(float(v.max()) if len(v) else float("nan"))


def first_step(df: pd.DataFrame, lang: str) -> float:
    """The first training step of a fresh process (bench task, base case): includes any compilation."""
    return _one(df, lang, "bench", "first_step", base_case(df) or "hidden=50 batch=100")


def base_case(df: pd.DataFrame) -> str | None:
    cases = df.loc[(df.task == "train"), "case"].unique()
    return str(cases[0]) if len(cases) else None


def parse_case(case: str) -> dict[str, int]:
    return {k: int(v) for k, v in (p.split("=") for p in case.split())}


def languages(df: pd.DataFrame) -> list[str]:
    order = ["python", "julia", "octave", "scilab"]
    langs = [x for x in df.lang.unique() if x != "machine"]
    return sorted(langs, key=lambda x: (order.index(x) if x in order else 99, x))


def summary_table(df: pd.DataFrame) -> pd.DataFrame:
    case = base_case(df) or "hidden=50 batch=100"
    shape = parse_case(case)
    flops = flops_per_step(shape["batch"], shape["hidden"])
    py = _steps(df, "python")
    rows = []
    for lang in languages(df):
        steps = _steps(df, lang)
        s = summary(steps)
        bench_step = summary(_vals(df, lang, "bench", "step_time", case))["median"]
        blas = summary(_vals(df, lang, "bench", "blas_time", case))["median"]
        r, dr = ratio(steps, py) if steps.size and py.size else (float("nan"), float("nan"))
        if lang == "python":
            r, dr = 1.0, float("nan")  # the reference itself: no spread to state
        grad_diffs = _vals(df, lang, "gradcheck", "vs_python_rel")
        test_acc = _vals(df, lang, "train", "test_acc")
        rows.append({
            "language": lang,
            "step median (ms)": s["median"] * 1e3, "step IQR (ms)": s["iqr"] * 1e3, "step min (ms)": s["min"] * 1e3,
            "ratio to Python": r, "ratio spread": dr,
            "bench step (ms)": bench_step * 1e3, "BLAS floor (ms)": blas * 1e3,
            "overhead over BLAS (ms)": (bench_step - blas) * 1e3,
            "BLAS share of step": blas / bench_step if bench_step > 0 else float("nan"),
            "GFLOP/s on step": flops / s["median"] / 1e9 if s["median"] > 0 else float("nan"),
            "start-up (s)": summary(_vals(df, lang, "startup", "startup_time"))["median"],
            "first step (s)": first_step(df, lang),
            "final test accuracy": float(test_acc[-1]) if test_acc.size else float("nan"),
            "max grad diff from Python": float(grad_diffs.max()) if grad_diffs.size else (0.0 if lang == "python" else float("nan")),
        })
    return pd.DataFrame(rows)


def _fmt(v, digits=3) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "–"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.2e}"
    return f"{v:.{digits}g}"


def md_table(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, row in frame.iterrows():
        out.append("| " + " | ".join(_fmt(row[c]) for c in cols) + " |")
    return "\n".join(out)


def write_report(run_dir: Path) -> Path:
    from .plots import draw_all
    run_dir = Path(run_dir)
    df = read_results(run_dir / "results.csv")
    env_path = run_dir / "environment.json"
    env = json.loads(env_path.read_text()) if env_path.exists() else {}
    plots = draw_all(df, run_dir)
    text = render(df, env, plots)
    path = run_dir / "report.md"
    path.write_text(text)
    return path


def render(df: pd.DataFrame, env: dict, plots: dict[str, str]) -> str:
    langs = languages(df)
    machine = env.get("machine", {})
    settings = env.get("settings", {})
    gflops = _one(df, "machine", "dgemm", "gflops")
    case = base_case(df) or "–"
    lines = [f"# Benchmark report {env.get('run_id', '')}".rstrip(), ""]
    if env.get("interrupted"):
        lines += [f"**This run was interrupted at {env['interrupted']}**: only the tasks that finished are reported.", ""]
    lines += ["## Setup", "",
              f"- Machine: {machine.get('cpu', 'unknown CPU')}, {machine.get('cores', '?')} cores; {machine.get('os', 'unknown OS')}"
              f" (kernel {machine.get('kernel', '?')}).",
              f"- Every language ran with **{env.get('threads', '?')} BLAS thread(s)**, set through OPENBLAS_NUM_THREADS/OMP_NUM_THREADS "
              "and, where the language needs it, from inside (Julia).",
              f"- Identical inputs from seed {env.get('seed', '?')}: initial weights (0.01·N(0,1)), the mini-batch sequence "
              "(drawn with replacement, as the book does) and the data, written once by the harness and read by every port.",
              f"- Training: {settings.get('iters', '?')} iterations, batch {settings.get('batch', '?')}, learning rate "
              f"{settings.get('lr', '?')}, hidden {settings.get('hidden', '?')}; accuracy every {settings.get('eval_every', '?')} steps.",
              f"- The machine's DGEMM rate (NumPy, 2000×2000, same thread count): **{_fmt(gflops)} GFLOP/s**.", ""]
    langinfo = env.get("languages", {})
    if langinfo:
        lines += ["| language | runtime | BLAS actually loaded | BLAS threads | found |", "|---|---|---|---|---|"]
        for lang in langs:
            i = langinfo.get(lang, {})
            lines.append(f"| {lang} | {i.get('version', '–')} | {i.get('blas', '–')} | {i.get('blas_threads', '–')} | "
                         f"{i.get('found_by', '–')} |")
        lines.append("")
    failures = df[(df.metric == "status") & (df.value == 0)]
    if len(failures):
        lines += ["## Failures", "", "A missing runtime, a crash, a timeout, unusable numbers, or results that disagree with "
                  "Python's beyond tolerance; the rest of this report ran as described.", ""]
        for _, r in failures.iterrows():
            lines.append(f"- **{r.lang} {r.task}**: {r.note}")
        lines.append("")
    table = summary_table(df)
    lines += ["## Summary", "",
              f"Training step ({case}: backprop + SGD update, the batch gather excluded), measured by each language with its "
              f"own clock (monotonic in Python and Julia, tic/toc in Octave and Scilab) over the training run, first {WARMUP_STEPS} steps left out. The `bench` task times the same "
              "step in a small process (repeated measurements, each many steps long) and, separately, the step's six matrix "
              "products alone in that language (same shapes): the BLAS floor; overhead is the bench step minus that floor. "
              "GFLOP/s counts the matrix products' FLOPs (6·N·H·(784+10) per step). "
              "Ratio spread: the IQRs propagated as relative errors.", "",
              md_table(table), ""]
    if "step_time" in plots:
        lines += [f"![time per step]({plots['step_time']})", ""]
    lines += reading(table)
    lines += perceptron_section(df, langs)
    lines += gradcheck_section(df, langs, plots)
    lines += training_section(df, langs, plots)
    lines += scaling_section(df, langs, plots)
    if "startup" in plots:
        lines += ["## Start-up and first call", "",
                  "Start-up: the whole process of a port that does nothing (`noop`), timed by the harness from outside; "
                  "median of the repeats. First call: the first training step of a fresh process (the `bench` task, base case), "
                  "timed inside the language: it includes Julia's compilation of the step.", "", f"![start-up]({plots['startup']})", ""]
    lines += ["## Caveats", "",
              "- One machine, one run, shared and noisy: read ratios within a run, not absolute times across runs.",
              "- Each language links its own OpenBLAS build (see the table above): the BLAS floor column shows what that alone costs.",
              "- Each BLAS floor does the products the way that language's step does: Julia into buffers made once (in place, "
              "as its layers do), the others allocating a new result for each product.",
              "- Python's step includes NumPy's per-call overhead; the ports' steps include their interpreters' (Scilab, Octave).",
              "- The training loss is recorded from each step's own forward pass, before the update (the book records it after).",
              "- The batch gather is outside the timed step in every language; the wall time of the whole training process is in results.csv.",
              "- Scilab and Octave allocate a new matrix for every result. With glibc's default malloc settings (used for every "
              "language here) the heap is trimmed and regrown many times per step, so their step time depends on what else the "
              "process holds: the training run (MNIST in memory) and the `bench` task (a small heap) can differ for the same shapes. "
              "Raising glibc's trim and mmap thresholds (GLIBC_TUNABLES) speeds them up; the ports' `info` records the settings in force.",
              ""]
    return "\n".join(lines)


def reading(table: pd.DataFrame) -> list[str]:
    """A few sentences that state what the table shows, computed from it (so they cannot drift from the numbers)."""
    t = table.dropna(subset=["step median (ms)"])
    if t.empty:
        return []
    fastest = t.loc[t["step median (ms)"].idxmin()]
    out = [f"Reading: the fastest training step is **{fastest.language}** at {_fmt(fastest['step median (ms)'])} ms."]
    for _, r in t.iterrows():
        if r.language != "python" and np.isfinite(r["ratio to Python"]):
            out.append(f"{r.language} takes {_fmt(r['ratio to Python'])}× Python's time per step "
                       f"(BLAS is {_fmt(100 * r['BLAS share of step'])}% of its step).")
    acc = t["final test accuracy"].dropna()
    if len(acc) > 1:
        out.append(f"Final test accuracies range {acc.min():.4f}–{acc.max():.4f} across languages.")
    return [" ".join(out), ""]


def perceptron_section(df, langs) -> list[str]:
    part = df[df.task == "perceptron"]
    if part.empty:
        return []
    gates = list(dict.fromkeys(part.loc[part.metric == "solved_epoch", "case"]))
    lines = ["## Perceptron", "",
             "Full-batch gradient descent on each logic gate; *solved at* is the first epoch at which all four inputs are "
             "on the right side of 0.5 (– if never: a single perceptron cannot learn XOR, which is not linearly separable). "
             "Epoch time: AND, median over repeated whole runs.", "",
             "| language | " + " | ".join(f"{g} solved at" for g in gates) + " | XOR final loss | AND epoch (µs) | vs Python |",
             "|---|" + "---|" * (len(gates) + 3)]
    for lang in langs:
        cells = []
        for g in gates:
            v = _one(df, lang, "perceptron", "solved_epoch", g)
            cells.append("–" if not np.isfinite(v) or v < 0 else str(int(v)))
        epoch = summary(_vals(df, lang, "perceptron", "epoch_time", "AND"))["median"]
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {_fmt(_one(df, lang, 'perceptron', 'final_loss', 'XOR'))} | "
                     f"{_fmt(epoch * 1e6)} | {_vs_python(df, lang, 'perceptron')} |")
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
    lines = ["## Training", "", "| language | final train acc | final test acc | loss vs Python (largest relative, any step) | whole process (s) |",
             "|---|---|---|---|---|"]
    for lang in langs:
        tr, te = _vals(df, lang, "train", "train_acc"), _vals(df, lang, "train", "test_acc")
        lines.append(f"| {lang} | {_fmt(tr[-1] if tr.size else np.nan, 4)} | {_fmt(te[-1] if te.size else np.nan, 4)} | "
                     f"{_vs_python(df, lang, 'train', 'loss')} | "
                     f"{_fmt(_one(df, lang, 'train', 'wall_time'))} |")
    lines.append("")
    if "training" in plots:
        lines += [f"![training curves]({plots['training']})", ""]
    return lines


def scaling_section(df, langs, plots) -> list[str]:
    part = df[(df.task == "bench") & (df.metric == "step_time")]
    if part.empty:
        return []
    cases = sorted(part.case.unique(), key=lambda c: (parse_case(c)["batch"], parse_case(c)["hidden"]))
    lines = ["## Scaling", "",
             "Time per training step (median of repeated measurements, each many steps long) against the hidden size and the "
             "batch size; in brackets the BLAS floor (the six matrix products alone).", "",
             "| case | " + " | ".join(langs) + " |", "|---|" + "---|" * len(langs)]
    for c in cases:
        cells = []
        for lang in langs:
            st = summary(_vals(df, lang, "bench", "step_time", c))["median"]
            bl = summary(_vals(df, lang, "bench", "blas_time", c))["median"]
            cells.append(f"{_fmt(st * 1e3)} ms ({_fmt(bl * 1e3)})")
        lines.append(f"| {c} | " + " | ".join(cells) + " |")
    lines.append("")
    for key in ("scaling_hidden", "scaling_batch"):
        if key in plots:
            lines += [f"![{key}]({plots[key]})", ""]
    return lines
