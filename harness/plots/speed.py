"""How fast: the training step with its ratio to Python, the scaling sweeps, start-up, the cost of the abstraction."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from ..languages import REFERENCE
from ..readout import abstraction_cases, base_case, bench_cases, case_shape, estimate, time_unit
from .style import color, err, lang_handles, ratio_text


def step_time(df, langs, settings):
    """Which language is fastest, by how much and how sure: the training step's median with its 95% CI, and
    on each bar its ratio to Python with that ratio's CI."""
    case = base_case(df, settings)
    stats = [(lang, estimate(df, lang, "train", case, "step_time_estimate")) for lang in langs]
    stats = [(lang, e) for lang, e in stats if np.isfinite(e.value)]
    if not stats:
        return None
    scale, unit = time_unit(min(e.value for _, e in stats))
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(stats))
    med = np.array([e.value for _, e in stats]) * scale
    ax.bar(x, med, yerr=err([e for _, e in stats], scale), capsize=4, color=[color(lang) for lang, _ in stats])
    for i, (lang, _) in enumerate(stats):
        text = "reference" if lang == REFERENCE else ratio_text(estimate(df, lang, "train", case, "step_time_ratio"))
        ax.text(x[i], med[i] / 2, text, ha="center", va="center", fontsize=8, color="white", rotation=90)
    ax.set_xticks(x, [lang for lang, _ in stats])
    ax.set_ylabel(f"{unit} per training step (95% CI)")
    ax.set_title(f"Training step, {case}: time, and in the bars the ratio to Python [95% CI]", fontsize=10)
    return fig


def _scaling(df, langs, settings, vary: str):
    """How the step grows with one size (the other at the base case's), each language against its own BLAS floor;
    the batch sweep per sample, which is what a user choosing a batch size wants to know."""
    base = case_shape(df, "bench", base_case(df, settings) or "")
    fixed = "batch" if vary == "hidden" else "hidden"
    cases = [(c, case_shape(df, "bench", c)) for c in bench_cases(df)]
    cases = [(c, s) for c, s in cases if base and s.get(fixed) == base.get(fixed) and vary in s]
    cases.sort(key=lambda cs: cs[1][vary])
    if len(cases) < 2:
        return None
    per = (lambda s: s["batch"]) if vary == "batch" else (lambda s: 1)
    drawn = {lang: [(s[vary], estimate(df, lang, "bench", c, "step_time_estimate"),
                     estimate(df, lang, "bench", c, "blas_time_estimate").value, per(s)) for c, s in cases]
             for lang in langs}
    drawn = {lang: [p for p in pts if np.isfinite(p[1].value)] for lang, pts in drawn.items()}
    drawn = {lang: pts for lang, pts in drawn.items() if pts}
    if not drawn:
        return None
    scale, unit = time_unit(min(p[1].value / p[3] for pts in drawn.values() for p in pts))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    below = False
    for lang, pts in drawn.items():
        xs = [p[0] for p in pts]
        ys = [p[1].value / p[3] * scale for p in pts]
        ax.errorbar(xs, ys, yerr=err([p[1] for p in pts], scale) / [p[3] for p in pts], marker="o", color=color(lang),
                    capsize=3)
        ax.plot(xs, [p[2] / p[3] * scale for p in pts], linestyle=":", color=color(lang), alpha=0.8)
        low = [(x, y) for x, y, p in zip(xs, ys, pts) if p[2] > p[1].value]
        if low:
            below = True
            ax.scatter(*zip(*low), s=160, facecolors="none", edgecolors="red", linewidths=1.5, zorder=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([s[vary] for _, s in cases], [str(s[vary]) for _, s in cases])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(f"{vary} size ({fixed} {base[fixed]})")
    ax.set_ylabel(f"{unit} per {'sample' if vary == 'batch' else 'training step'}")
    ax.set_title(f"Scaling with the {vary} size (median, 95% CI)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    handles = lang_handles(list(drawn), "line") + [
        matplotlib.lines.Line2D([], [], color="#555555", linestyle=":", label="BLAS floor (dotted, each language's "
                                                                              "colour)")]
    if below:
        handles.append(matplotlib.lines.Line2D([], [], marker="o", markersize=10, markerfacecolor="none",
                                               markeredgecolor="red", linestyle="", label="below its own BLAS floor"))
    ax.legend(handles=handles, fontsize=8)
    return fig


def scaling_hidden(df, langs, settings):
    return _scaling(df, langs, settings, "hidden")


def scaling_batch(df, langs, settings):
    return _scaling(df, langs, settings, "batch")


def startup(df, langs, settings):
    """What a user waits for before the first result: process start-up, the first training step (with Julia's
    compilation) and, for scale, the steady-state step."""
    case = base_case(df, settings)
    rows = [(lang, estimate(df, lang, "startup", "", "startup_time_estimate"),
             estimate(df, lang, "startup", case, "first_step_estimate"),
             estimate(df, lang, "train", case, "step_time_estimate")) for lang in langs]
    if not any(np.isfinite(r[1].value) for r in rows):
        return None
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(rows))
    width = 0.27
    kinds = (("process start-up", "", 1.0), ("first training step", "//", 0.8), ("steady-state step", "..", 0.45))
    for k, (_, hatch, alpha) in enumerate(kinds):
        ests = [r[k + 1] for r in rows]
        ax.bar(x + (k - 1) * width, [e.value for e in ests], width, yerr=err(ests, 1.0), capsize=2,
               color=[color(r[0]) for r in rows], alpha=alpha, hatch=hatch, edgecolor="white")
    ax.set_xticks(x, [r[0] for r in rows])
    ax.set_yscale("log")
    ax.set_ylabel("seconds (95% CI)")
    ax.set_title("Start-up, first call and steady state (bar colour: language)", fontsize=10)
    ax.legend(handles=[matplotlib.patches.Patch(facecolor="#777777", alpha=alpha, hatch=hatch, edgecolor="white",
                                                label=label) for label, hatch, alpha in kinds], fontsize=8)
    return fig


def abstraction(df, langs, settings):
    """What the book's layer objects cost: per measured case, each language's layered and fused step side by side
    (95% CIs), the BLAS floor marked."""
    cases = [(task, case) for task, case in abstraction_cases(df, settings) if task != "perceptron"]
    if not cases:
        return None
    fig, axes = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 4), squeeze=False)
    for ax, (task, case) in zip(axes[0], cases):
        lay = [estimate(df, lang, task, case, "step_time_estimate") for lang in langs]
        fus = [estimate(df, lang, task, case, "step_time_estimate", "fused") for lang in langs]
        scale, unit = time_unit(min([e.value for e in lay + fus if np.isfinite(e.value)], default=1.0))
        x = np.arange(len(langs))
        ax.bar(x - 0.2, [e.value * scale for e in lay], 0.4, yerr=err(lay, scale), capsize=3,
               color=[color(lang) for lang in langs])
        ax.bar(x + 0.2, [e.value * scale for e in fus], 0.4, yerr=err(fus, scale), capsize=3,
               color=[color(lang) for lang in langs], alpha=0.5, hatch="//")
        if task == "bench":
            floors = [estimate(df, lang, task, case, "blas_time_estimate", "fused").value * scale for lang in langs]
            ax.hlines(floors, x - 0.4, x + 0.4, colors="black", linewidth=1.5)
        ax.set_xticks(x, langs)
        ax.set_ylabel(f"{unit} per step")
        ax.set_title(("bench " if task == "bench" else "training run ") + case, fontsize=9)
    handles = [matplotlib.patches.Patch(facecolor="#999999", label="layers (the book's structure)"),
               matplotlib.patches.Patch(facecolor="#999999", alpha=0.5, hatch="//", label="fused (inline, buffers)"),
               matplotlib.lines.Line2D([], [], color="black", label="BLAS floor (matrix products alone)")]
    fig.legend(handles=handles, loc="lower center", ncol=3, fontsize=8, bbox_to_anchor=(0.5, -0.06))
    fig.suptitle("Cost of the abstraction: layered and fused step per language (bars: 95% CI)")
    return fig
