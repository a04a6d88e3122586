"""The sections of report.md after the summary: each a function of the results table (and the plots drawn)."""
from __future__ import annotations

import numpy as np
import pandas as pd

from .languages import REFERENCE
from .readout import (
    NAN,
    abstraction_cases,
    estimate,
    fmt,
    languages,
    largest_vs_python,
    one,
    ratio_cell,
    vals,
    with_ci,
)
from .results import VARIANTS


def reading(df: pd.DataFrame, case: str) -> list[str]:
    """A few sentences that state what the table shows, computed from it (so they cannot drift from the numbers).
    A language is named the fastest only when its interval is apart from every other's; otherwise the sentence
    names those it cannot be told from."""
    out = []
    for variant in VARIANTS:
        steps = {lang: estimate(df, lang, "train", case, "step_time_estimate", variant) for lang in languages(df)}
        steps = {lang: e for lang, e in steps.items() if np.isfinite(e.value)}
        if not steps:
            continue
        ratios = {lang: estimate(df, lang, "train", case, "step_time_ratio", variant) for lang in steps}
        fastest = min(steps, key=lambda lang: steps[lang].value)
        tied = [lang for lang in steps if lang != fastest and not faster(fastest, lang, steps, ratios)]
        what = "training step" if variant == "layers" else "fused training step"
        head = f"{fastest} at {with_ci(steps[fastest], 1e3)} ms"
        if tied:
            out.append(f"The fastest {what}: {head}, and " + ", ".join(
                f"{lang} at {with_ci(steps[lang], 1e3)} ms" for lang in tied) + ", which the 95% intervals cannot "
                "tell apart.")
        else:
            out.append(f"The fastest {what} is **{fastest}**'s, {head.split(' at ', 1)[1]}, apart from every other's "
                       "interval.")
        out += [f"{lang}{'' if variant == 'layers' else ' fused'} takes {with_ci(r)}× Python's"
                f"{'' if variant == 'layers' else ' fused'} time per step."
                for lang, r in ratios.items() if lang != REFERENCE and np.isfinite(r.value)]
    acc = [float(a[-1]) for a in (vals(df, lang, "train", "test_acc") for lang in languages(df)) if a.size]
    if len(set(acc)) == 1 and len(acc) > 1:
        out.append(f"Every language ends at the same test accuracy, {acc[0]:.4f}.")
    elif len(acc) > 1:
        out.append(f"Final test accuracies range from {min(acc):.4f} to {max(acc):.4f} across languages.")
    return ["Reading: " + " ".join(out), ""] if out else []


def faster(a: str, b: str, steps: dict, ratios: dict) -> bool:
    """a's step is faster than b's beyond the intervals: by the paired ratio where one of them is Python, else by
    the two intervals of the time being apart."""
    if a == REFERENCE:
        return ratios[b].low > 1.0
    if b == REFERENCE:
        return ratios[a].high < 1.0
    return steps[a].high < steps[b].low


def abstraction_section(df, langs, plots, settings=None) -> list[str]:
    cases = abstraction_cases(df, settings)
    if not cases:
        return []
    lines = ["## Cost of the abstraction", "",
             "Every language's step written twice (docs/porting.md): *layers*, the book's structure (layer objects "
             "with forward and backward, the same in every language), and *fused*, the same maths as a fluent user of "
             "the language writes fast code (inline matrix expressions, buffers reused where the language allows). "
             "Both are measured in the same rounds, by the same worker; the cost is layered minus fused within each "
             "worker process (mean over the processes, 95% CI), and its share of the layered time. Every fused "
             "result was compared with Python's and with its own language's layered result (tolerance 1e-12 for the "
             "bench cases, as for the layered code). *layers / floor* and *fused / floor*: each bench step over the "
             "BLAS floor (its six matrix products alone, each into a new result) timed in the same rounds, per worker "
             "process, geometric mean with its 95% CI.", "",
             "| language | measured | layers (µs) | fused (µs) | BLAS floor (µs) | layers / floor | fused / floor | "
             "cost (µs) | share of layers | fused ratio to Python's fused |", "|---" * 10 + "|"]
    for lang in langs:
        for task, case in cases:
            metric = "epoch_time" if task == "perceptron" else "step_time"
            lay = estimate(df, lang, task, case, f"{metric}_estimate")
            fus = estimate(df, lang, task, case, f"{metric}_estimate", "fused")
            if not (np.isfinite(lay.value) or np.isfinite(fus.value)):
                continue
            floor = estimate(df, lang, "bench", case, "blas_time_estimate", "fused") if task == "bench" else None
            over = [with_ci(estimate(df, lang, task, case, "step_over_floor", v)) for v in ("layers", "fused")]
            cost = estimate(df, lang, task, case, f"{metric}_abstraction")
            share = estimate(df, lang, task, case, f"{metric}_abstraction_share")
            what = {"bench": f"bench {case}", "train": f"training run {case}",
                    "perceptron": f"perceptron epoch ({case})"}[task]
            lines.append(f"| {lang} | {what} | {with_ci(lay, 1e6, 4)} | {with_ci(fus, 1e6, 4)} | "
                         f"{with_ci(floor, 1e6, 4) if floor else '–'} | {over[0]} | {over[1]} | "
                         f"{with_ci(cost, 1e6, 4)} | "
                         f"{with_ci(share, 100, 2) + ' %' if np.isfinite(share.value) else '–'} | "
                         f"{ratio_cell(df, lang, task, case, metric, 'fused') if np.isfinite(fus.value) else '–'} |")
    lines.append("")
    if "abstraction" in plots:
        lines += [f"![cost of the abstraction]({plots['abstraction']})", ""]
    return lines


def perceptron_section(df, langs, plots) -> list[str]:
    part = df[df.task == "perceptron"]
    if part.empty:
        return []
    gates = list(dict.fromkeys(part.loc[part.metric == "solved_epoch", "case"]))
    lines = ["## Perceptron", "",
             "Full-batch gradient descent on each logic gate; *solved at* is the first epoch at which all four inputs "
             "are on the right side of 0.5 (– if never: a single perceptron cannot learn XOR, which is not linearly "
             "separable).", "",
             "**What was learned**, the same in every language (*agreement*: the largest difference from Python's W, b "
             "and loss curve):", "",
             "| language | " + " | ".join(f"{g} solved at" for g in gates) + " | XOR final loss | agreement with "
                                                                             "Python |",
             "|---|" + "---|" * (len(gates) + 2)]
    for lang in langs:
        cells = []
        for g in gates:
            v = one(df, lang, "perceptron", "solved_epoch", g)
            cells.append("–" if not np.isfinite(v) or v < 0 else str(int(v)))
        agree = "reference" if lang == REFERENCE else fmt(largest_vs_python(df, lang, "perceptron"))
        xor = fmt(one(df, lang, "perceptron", "final_loss", "XOR"))
        lines.append(f"| {lang} | " + " | ".join(cells) + f" | {xor} | {agree} |")
    lines += ["", "*Agreement*: the largest of W's and b's norm-wise differences from Python's, relative to "
              "max(‖Python's‖, 1) (XOR's weights shrink towards zero, where a pure relative difference means nothing), "
              "and of the loss curve's relative difference at any epoch.", ""]
    if "perceptron" in plots:
        lines += [f"![perceptron]({plots['perceptron']})", ""]
    lines += ["**How long an epoch takes** (AND: whole training runs timed in rounds; quiet cost per worker process, "
              "geometric mean over the processes, 95% CI):", "",
              "| language | AND epoch (µs) | ratio to Python's epoch |", "|---|---|---|"]
    for lang in langs:
        epoch = estimate(df, lang, "perceptron", "AND", "epoch_time_estimate")
        lines.append(f"| {lang} | {with_ci(epoch, 1e6)} | {ratio_cell(df, lang, 'perceptron', 'AND', 'epoch_time')} |")
    return lines + [""]


def gradcheck_section(df, langs, plots) -> list[str]:
    part = df[(df.task == "gradcheck")]
    if part.empty:
        return []
    lines = ["## Gradient check", "",
             "Backprop against central differences (h = 1e-4) on the first 3 training images with the book's initial "
             "weights, inside each language; and each language's backprop against Python's (norm-wise relative).", "",
             "| language | parameter | max abs (backprop − numerical) | mean abs | backprop vs Python |",
             "|---|---|---|---|---|"]
    for lang in langs:
        for p in ("W1", "b1", "W2", "b2"):
            lines.append(f"| {lang} | {p} | {fmt(one(df, lang, 'gradcheck', 'numerical_max_abs', p))} | "
                         f"{fmt(one(df, lang, 'gradcheck', 'numerical_mean_abs', p))} | "
                         f"{'reference' if lang == 'python' else fmt(largest_vs_python(df, lang, 'gradcheck', p))} |")
    lines.append("")
    differ = {lang: [p for p in ("W1", "b1", "W2", "b2") if one(df, lang, "gradcheck", "numerical_max_abs", p)
                     != one(df, REFERENCE, "gradcheck", "numerical_max_abs", p)] for lang in langs if lang != REFERENCE}
    differ = {lang: ps for lang, ps in differ.items() if ps}
    if differ:
        lines += ["Where a language's numerical gradients differ from Python's in their last digits (" + "; ".join(
            f"{lang}: {', '.join(ps)}" for lang, ps in differ.items()) + "), their losses were rounded differently: "
            "a central difference divides the loss's rounding (about 1e-16 of it) by 2h = 2e-4. NumPy multiplies "
            "with its own OpenBLAS build, whose kernel for this CPU (Setup) adds up x·W1's 784 products in another "
            "order than the OpenBLAS the ports load, and R's sum() adds in extended precision (long double). "
            "Backprop has no such division: its agreement with Python's is the last column.", ""]
    if "parity" in plots:
        lines += [f"![gradient parity]({plots['parity']})", ""]
    return lines


def training_section(df, langs, plots) -> list[str]:
    part = df[df.task == "train"]
    if part.empty:
        return []
    lines = ["## Training", "",
             "| language | final train acc | final test acc | loss vs Python (largest relative, any step) | weights vs "
             "Python | all requests (s) |", "|---|---|---|---|---|---|"]
    for lang in langs:
        tr, te = vals(df, lang, "train", "train_acc"), vals(df, lang, "train", "test_acc")
        mine = (df.lang == lang) & (df.task == "train") & (df.metric == "vs_python_rel")
        params = df["index"].astype(str).isin(["W1", "b1", "W2", "b2"])
        weights = max((float(v) for v in df.loc[mine & params, "value"]), default=NAN)
        lines.append(f"| {lang} | {fmt(tr[-1] if tr.size else NAN, 4)} | {fmt(te[-1] if te.size else NAN, 4)} | "
                     f"{'reference' if lang == 'python' else fmt(largest_vs_python(df, lang, 'train', 'loss'))} | "
                     f"{'reference' if lang == 'python' else fmt(weights)} | "
                     f"{fmt(one(df, lang, 'train', 'wall_time'))} |")
    lines.append("")
    if "training" in plots:
        lines += [f"![training curves]({plots['training']})", ""]
    return lines


def startup_section(plots) -> list[str]:
    if "startup" not in plots:
        return []
    return ["## Start-up and first call", "",
            "Start-up: the whole process of a port that does nothing (`noop`), timed by the harness from outside. "
            "First call: the first training step of a fresh process, timed inside the language: it includes Julia's "
            "compilation of the step. Both in rounds of fresh processes.", "", f"![start-up]({plots['startup']})", ""]


CAVEATS = ["## Caveats", "",
           "- One machine, shared: ratios are paired (within rounds, and by worker process) so that a slow minute "
           "slows every language alike, but a language that allocates more can suffer more from a busy neighbour; the "
           "confidence intervals say how sure each ratio is, the prediction intervals where a next run on this machine "
           "should land, and the anomalies at the end which numbers to read with care.",
           "- Each language links its own OpenBLAS build (see the table above): the BLAS floor column shows what that "
           "alone costs.",
           "- Every BLAS floor computes each of the six products into a new result, as the layered step does, in every "
           "language (docs/porting.md); a fused step that reuses buffers can come in under it.",
           "- The training step is timed on a fresh batch each step, the bench step on the same batch round after "
           "round: the training step also pays for bringing each new batch into the cache, and its amortized value "
           "counts every pause of the run (the summary's *pauses*), so the two differ; the training run's amortized "
           "step is the headline. The bench step is a typical cost; compare it with the typical training step. "
           "Each bench block starts after a full collection and holds the collections its own allocations cause "
           "(R's layered step at batch 1: about a tenth of it), a bench worker holding every case and no training "
           "data (docs/measurement.md, \"The collector in the bench\").",
           "- Python's step includes NumPy's per-call overhead; the ports' steps include their interpreters' (Scilab, "
           "Octave, R).",
           "- The training loss is recorded from each step's own forward pass, before the update (the book records it "
           "after).",
           "- The batch gather is outside the timed step in every language.",
           "- Scilab, Octave, R and NumPy allocate a new matrix for every result. With glibc's default malloc settings "
           "the heap is trimmed and regrown many times per step, so the step time depends on what else the process "
           "holds; the harness raises glibc's trim and mmap thresholds for every language alike (Setup above), which "
           "makes them faster and steadier. A user's own GLIBC_TUNABLES is kept instead.",
           ""]
