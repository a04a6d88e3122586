"""How fast: the training step with its ratio to Python, the scaling sweeps, start-up, the cost of the abstraction."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.patches
import matplotlib.pyplot as plt
import matplotlib.ticker
import numpy as np

from ..languages import REFERENCE
from ..readout import abstraction_cases, base_case, bench_cases, case_shape, estimate, time_unit
from ..results import VARIANTS
from ..settings import Participant
from .style import VARIANT_STYLE, color, err, lang_handles, ratio_text


def step_time(df, langs, settings):
    """What a training step costs in each language and variant: its time with the 95% CI of that time (the error
    bar), and beside each bar the ratio to Python's same variant with the ratio's own 95% CI (paired by worker
    generation, so narrower than the bars' intervals suggest)."""
    case = base_case(df, settings)
    rows = [(lang, v, estimate(df, lang, "train", case, "step_time_estimate", v)) for lang in langs for v in VARIANTS]
    rows = [r for r in rows if np.isfinite(r[2].value)]
    if not rows:
        return None
    scale, unit = time_unit(min(e.value for _, _, e in rows))
    fig, ax = plt.subplots(figsize=(8, 0.42 * len(rows) + 1.4))
    y = np.arange(len(rows))[::-1]  # the first language on top
    for yi, (lang, v, e) in zip(y, rows):
        ax.barh(yi, e.value * scale, 0.75, xerr=err([e], scale), capsize=3, color=color(lang), **VARIANT_STYLE[v])
        ratio = "reference" if lang == REFERENCE else ratio_text(estimate(df, lang, "train", case, "step_time_ratio",
                                                                          v))
        end = (e.high if np.isfinite(e.high) else e.value) * scale
        ax.text(end, yi, f"  {ratio}", va="center", fontsize=8)
    ax.set_yticks(y, [str(Participant(lang, v)) for lang, v, _ in rows])
    ax.set_xlim(0, max((e.high if np.isfinite(e.high) else e.value) for _, _, e in rows) * scale * 1.4)
    ax.set_xlabel(f"{unit} per training step (bar: the time's 95% CI)")
    ax.set_title(f"Training step, {case}; beside each bar: ÷ Python's same variant [95% CI of the ratio]",
                 fontsize=9)
    return fig


def _scaling(df, langs, settings, vary: str):
    """How the bench step grows with one size (the other at the base case's), each language in both variants
    (fused dashed) against its own BLAS floor; the batch sweep per sample, which is what a user choosing a batch
    size wants to know. A fused step slower than the layered one, their intervals apart, is ringed."""
    base = case_shape(df, "bench", base_case(df, settings) or "")
    fixed = "batch" if vary == "hidden" else "hidden"
    cases = [(c, case_shape(df, "bench", c)) for c in bench_cases(df)]
    cases = [(c, s) for c, s in cases if base and s.get(fixed) == base.get(fixed) and vary in s]
    cases.sort(key=lambda cs: cs[1][vary])
    if len(cases) < 2:
        return None
    per = (lambda s: s["batch"]) if vary == "batch" else (lambda s: 1)
    drawn = {(lang, v): [(s[vary], estimate(df, lang, "bench", c, "step_time_estimate", v),
                          estimate(df, lang, "bench", c, "blas_time_estimate", v).value, per(s)) for c, s in cases]
             for lang in langs for v in VARIANTS}
    drawn = {k: [p for p in pts if np.isfinite(p[1].value)] for k, pts in drawn.items()}
    drawn = {k: pts for k, pts in drawn.items() if pts}
    if not drawn:
        return None
    scale, unit = time_unit(min(p[1].value / p[3] for pts in drawn.values() for p in pts))
    fig, ax = plt.subplots(figsize=(7.5, 4.8))
    below, slower = False, False
    for (lang, v), pts in drawn.items():
        xs = [p[0] for p in pts]
        ys = [p[1].value / p[3] * scale for p in pts]
        ax.errorbar(xs, ys, yerr=err([p[1] for p in pts], scale) / [p[3] for p in pts], capsize=3, color=color(lang),
                    marker="o" if v == "layers" else "s", linestyle="-" if v == "layers" else "--",
                    alpha=1.0 if v == "layers" else 0.7, markersize=5 if v == "layers" else 4)
        if v == "layers":
            ax.plot(xs, [p[2] / p[3] * scale for p in pts], linestyle=":", color=color(lang), alpha=0.8)
            low = [(x, y) for x, y, p in zip(xs, ys, pts) if p[2] > p[1].value]
            if low:
                below = True
                ax.scatter(*zip(*low), s=160, facecolors="none", edgecolors="red", linewidths=1.5, zorder=4)
        else:
            layered = {p[0]: p[1] for p in drawn.get((lang, "layers"), [])}
            late = [(x, y) for x, y, p in zip(xs, ys, pts) if x in layered and p[1].low > layered[x].high]
            if late:
                slower = True
                ax.scatter(*zip(*late), s=140, marker="D", facecolors="none", edgecolors="black", linewidths=1.2,
                           zorder=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([s[vary] for _, s in cases], [str(s[vary]) for _, s in cases])
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(f"{vary} size ({fixed} {base[fixed]})")
    ax.set_ylabel(f"{unit} per {'sample' if vary == 'batch' else 'bench step'}")
    ax.set_title(f"Scaling with the {vary} size: the bench step (95% CI)", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    handles = lang_handles(list(dict.fromkeys(lang for lang, _ in drawn)), "line") + [
        matplotlib.lines.Line2D([], [], color="#555555", marker="s", linestyle="--", label="fused (dashed)"),
        matplotlib.lines.Line2D([], [], color="#555555", linestyle=":", label="BLAS floor (dotted, each language's "
                                                                              "colour)")]
    if below:
        handles.append(matplotlib.lines.Line2D([], [], marker="o", markersize=10, markerfacecolor="none",
                                               markeredgecolor="red", linestyle="", label="below its own BLAS floor"))
    if slower:
        handles.append(matplotlib.lines.Line2D([], [], marker="D", markersize=9, markerfacecolor="none",
                                               markeredgecolor="black", linestyle="",
                                               label="fused slower than layered (CIs apart)"))
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
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
    """What the book's layer objects cost: for each quantity measured in both variants (the training step, the
    bench step at the base batch and at batch 1, the perceptron's epoch), each language's cost share, (layered -
    fused) / layered, paired by worker generation, with its 95% CI. Below zero, the fused code is the slower."""
    cases = abstraction_cases(df, settings)  # the bench at its base batch before batch 1
    bench = [tc for tc in cases if tc[0] == "bench"][::-1]
    cases = [tc for tc in cases if tc[0] == "train"] + bench + [tc for tc in cases if tc[0] not in ("train", "bench")]
    quantities = [(task, case, "epoch_time" if task == "perceptron" else "step_time") for task, case in cases]
    shares = {(task, case): [(lang, estimate(df, lang, task, case, f"{name}_abstraction_share")) for lang in langs]
              for task, case, name in quantities}
    shares = {k: [(lang, e) for lang, e in v if np.isfinite(e.value)] for k, v in shares.items()}
    shares = {k: v for k, v in shares.items() if v}
    if not shares:
        return None
    fig, axes = plt.subplots(1, len(shares), figsize=(3.6 * len(shares), 0.45 * len(langs) + 1.8), squeeze=False,
                             sharey=True)
    titles = {"train": "training step", "bench": "bench step", "perceptron": "perceptron epoch"}
    for ax, ((task, case), pts) in zip(axes[0], shares.items()):
        y = np.arange(len(pts))[::-1]
        ests = [e for _, e in pts]
        ax.barh(y, [e.value * 100 for e in ests], 0.7, xerr=err(ests, 100.0), capsize=3,
                color=[color(lang) for lang, _ in pts])
        for yi, e in zip(y, ests):
            text = f"{e.value:.0%}" + (f" [{e.low * 100:.0f}, {e.high * 100:.0f}]" if np.isfinite(e.low) else "")
            at = max(e.value, e.high if np.isfinite(e.high) else e.value, 0) * 100
            ax.text(min(at, 100.0), yi, f" {text}", va="center", fontsize=7)  # inside the axes, however wide the CI
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, [lang for lang, _ in pts])
        lows = [e.low * 100 for e in ests if np.isfinite(e.low)]
        ax.set_xlim(min([-10.0, *(v - 5 for v in lows)]), 125)
        ax.set_xlabel("% of the layered time")
        ax.set_title(f"{titles.get(task, task)}\n{case}", fontsize=9)
    fig.suptitle("Cost of the abstraction: the share of the layered code's time that the fused code saves "
                 "(95% CI)", fontsize=10)
    fig.tight_layout()
    return fig
