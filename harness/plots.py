"""The comparison plots (matplotlib, Agg), drawn from the tidy results table alone."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.lines  # noqa: E402
import matplotlib.patches  # noqa: E402
import matplotlib.ticker  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from .check import GRAD_TOL  # noqa: E402
from .report import _one, abstraction_cases, base_case, estimate, languages, layered, parse_case  # noqa: E402

COLORS = {"python": "#3572A5", "julia": "#9558B2", "octave": "#E16737", "scilab": "#2E8B57"}


def color(lang: str) -> str:
    return COLORS.get(lang, "#555555")


def draw_all(df: pd.DataFrame, run_dir: Path) -> dict[str, str]:
    """Draws every plot the data allows; returns {key: file name relative to run_dir}."""
    run_dir = Path(run_dir)
    full, df = df, layered(df)
    langs = languages(df)
    drawn = {}
    for key, fn in (("step_time", step_time), ("scaling_hidden", scaling_hidden), ("scaling_batch", scaling_batch),
                    ("training", training), ("parity", parity), ("startup", startup), ("abstraction", abstraction)):
        fig = fn(full if fn is abstraction else df, langs)
        if fig is None:
            continue
        name = f"{key}.png"
        fig.savefig(run_dir / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        drawn[key] = name
    return drawn


def _err(ests, scale: float) -> np.ndarray:
    """Error bars (below, above) from estimates' 95% CIs; zero where there is no interval."""
    lo = [max(0.0, e.value - e.low) if np.isfinite(e.low) else 0.0 for e in ests]
    hi = [max(0.0, e.high - e.value) if np.isfinite(e.high) else 0.0 for e in ests]
    return np.array([lo, hi]) * scale


def step_time(df, langs):
    case = base_case(df)
    stats = [(lang, estimate(df, lang, "train", case, "step_time_estimate")) for lang in langs]
    stats = [(lang, e) for lang, e in stats if np.isfinite(e.value)]
    if not stats:
        return None
    fig, ax = plt.subplots(figsize=(7, 4))
    x = np.arange(len(stats))
    med = np.array([e.value for _, e in stats]) * 1e3
    ax.bar(x, med, yerr=_err([e for _, e in stats], 1e3), capsize=4, color=[color(lang) for lang, _ in stats],
           label="training step (median over rounds; bars: 95% CI)")
    for i, (lang, _) in enumerate(stats):
        r = estimate(df, lang, "train", case, "step_time_ratio")
        text = "Python" if lang == "python" else (
            f"{r.value:.2f}× [{r.low:.2f}, {r.high:.2f}]" if np.isfinite(r.low) else f"{r.value:.2f}×")
        ax.text(x[i], med[i] / 2, text, ha="center", va="center", fontsize=8, color="white", rotation=90)
    floors = [estimate(df, lang, "bench", case, "blas_time_estimate").value * 1e3 for lang, _ in stats]
    if any(np.isfinite(floors)):
        ax.scatter(x, floors, marker="_", s=900, color="black", zorder=3, label="BLAS floor (matrix products alone)")
    ax.set_xticks(x, [lang for lang, _ in stats])
    ax.set_ylabel("ms per step")
    ax.set_title(f"Time per training step ({case}); in the bars: ratio to Python [95% CI]")
    ax.legend(fontsize=8)
    return fig


def _scaling(df, langs, vary: str):
    part = df[(df.task == "bench") & (df.metric == "step_time_estimate")]
    if part.empty:
        return None
    cases = [parse_case(c) | {"case": c} for c in part.case.unique()]
    base = parse_case(base_case(df) or "hidden=50 batch=100")
    fixed = "batch" if vary == "hidden" else "hidden"
    cases = sorted([c for c in cases if c[fixed] == base[fixed]], key=lambda c: c[vary])
    if len(cases) < 2:
        return None
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for lang in langs:
        xs, ests, floor = [], [], []
        for c in cases:
            e = estimate(df, lang, "bench", c["case"], "step_time_estimate")
            if not np.isfinite(e.value):
                continue
            xs.append(c[vary])
            ests.append(e)
            floor.append(estimate(df, lang, "bench", c["case"], "blas_time_estimate").value)
        if xs:
            ax.errorbar(xs, [e.value for e in ests], yerr=_err(ests, 1.0), marker="o", color=color(lang), label=lang,
                        capsize=3)
            ax.plot(xs, floor, linestyle=":", color=color(lang), alpha=0.7)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xticks([c[vary] for c in cases], [str(c[vary]) for c in cases])  # the measured sizes, written plainly
    ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
    ax.set_xlabel(f"{vary} size ({fixed} {base[fixed]})")
    ax.set_ylabel("seconds per training step")
    ax.set_title(f"Scaling with {vary} size (bars: 95% CI; dotted: BLAS floor)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return fig


def scaling_hidden(df, langs):
    return _scaling(df, langs, "hidden")


def scaling_batch(df, langs):
    return _scaling(df, langs, "batch")


def training(df, langs):
    part = df[df.task == "train"]
    if part.empty:
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    styles = ["-", "--", "-.", ":"]
    for i, lang in enumerate(langs):
        loss = part[(part.lang == lang) & (part.metric == "loss")]
        if len(loss):
            it = pd.to_numeric(loss["index"]).to_numpy() + 1
            v = loss.value.to_numpy()
            w = max(1, len(v) // 200)  # a moving average keeps the curves readable; identical curves overlap
            smooth = np.convolve(v, np.ones(w) / w, mode="valid")
            ax1.plot(it[w - 1:], smooth, styles[i % 4], color=color(lang), label=lang, linewidth=1.2)
        acc = part[(part.lang == lang) & (part.metric == "test_acc")]
        if len(acc):
            ax2.plot(pd.to_numeric(acc["index"]), acc.value, styles[i % 4], marker="o", markersize=3,
                     color=color(lang), label=f"{lang} test")
        tr = part[(part.lang == lang) & (part.metric == "train_acc")]
        if len(tr):
            ax2.plot(pd.to_numeric(tr["index"]), tr.value, styles[i % 4], color=color(lang), alpha=0.4, label=f"{lang} train")
    ax1.set_yscale("log")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel("batch loss (moving average)")
    ax1.set_title("Training loss (same inputs: curves overlap)")
    ax1.legend()
    ax2.set_xlabel("iteration")
    ax2.set_ylabel("accuracy")
    ax2.set_title("Accuracy")
    ax2.legend(fontsize=7)
    return fig


def parity(df, langs):
    part = df[(df.task == "gradcheck") & (df.metric.isin(["vs_python_rel", "numerical_max_abs"]))]
    if part.empty:
        return None
    params = ["W1", "b1", "W2", "b2"]
    others = (part.metric == "vs_python_rel").any()
    fig, axes = plt.subplots(1, 2 if others else 1, figsize=(11 if others else 6, 4), squeeze=False)
    ax1, ax2 = axes[0][0], axes[0][-1]
    width = 0.8 / max(1, len(langs))
    x = np.arange(len(params))
    for i, lang in enumerate(langs):
        num = [_one(part, lang, "gradcheck", "numerical_max_abs", p) for p in params]
        ax1.bar(x + i * width, num, width, color=color(lang), label=lang)
        vs = part[(part.lang == lang) & (part.metric == "vs_python_rel")]
        if len(vs):
            vals = [float(vs[vs["index"].astype(str) == p].value.max()) if (vs["index"].astype(str) == p).any() else np.nan
                    for p in params]
            ax2.bar(x + i * width, np.maximum(vals, 1e-18), width, color=color(lang), label=lang)
    for ax in {ax1, ax2}:
        ax.set_xticks(x + width * (len(langs) - 1) / 2, params)
        ax.set_yscale("log")
        ax.legend(fontsize=8)
    ax1.set_title("Backprop vs numerical: max |difference|")
    if not others:
        return fig
    ax2.set_title("Backprop vs Python's backprop (norm-wise relative)")
    ax2.axhline(GRAD_TOL, color="red", linestyle="--", linewidth=1)
    ax2.text(x[-1], 1.3 * GRAD_TOL, f"tolerance {GRAD_TOL:g}", color="red", fontsize=8, ha="right")
    return fig


def startup(df, langs):
    case = base_case(df)
    rows = []
    for lang in langs:
        rows.append((lang, estimate(df, lang, "startup", "", "startup_time_estimate"),
                     estimate(df, lang, "startup", case, "first_step_estimate"),
                     estimate(df, lang, "train", case, "step_time_estimate")))
    if not any(np.isfinite(r[1].value) for r in rows):
        return None
    fig, ax = plt.subplots(figsize=(8, 4))
    x = np.arange(len(rows))
    width = 0.27
    for k, (label, alpha) in enumerate((("process start-up", 1.0), ("first training step", 1.0),
                                        ("steady-state step", 0.45))):
        ests = [r[k + 1] for r in rows]
        colours = "#888888" if k == 0 else [color(r[0]) for r in rows]
        ax.bar(x + (k - 1) * width, [e.value for e in ests], width, yerr=_err(ests, 1.0), capsize=2, label=label,
               color=colours, alpha=alpha)
    ax.set_xticks(x, [r[0] for r in rows])
    ax.set_yscale("log")
    ax.set_ylabel("seconds (bars: 95% CI)")
    ax.set_title("Start-up, first call and steady state")
    ax.legend(fontsize=8)
    return fig


def abstraction(df, langs):
    """Per measured case, each language's layered and fused step side by side (95% CIs), the BLAS floor marked."""
    cases = [(task, case) for task, case in abstraction_cases(df) if task != "perceptron"]
    if not cases:
        return None
    fig, axes = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 4), squeeze=False)
    for ax, (task, case) in zip(axes[0], cases):
        lay = [estimate(df, lang, task, case, "step_time_estimate") for lang in langs]
        fus = [estimate(df, lang, task, case, "step_time_estimate", "fused") for lang in langs]
        top = max([e.value for e in lay + fus if np.isfinite(e.value)], default=1.0)
        scale, unit = (1e3, "ms") if top >= 1e-3 else (1e6, "µs")
        x = np.arange(len(langs))
        ax.bar(x - 0.2, [e.value * scale for e in lay], 0.4, yerr=_err(lay, scale), capsize=3,
               color=[color(lang) for lang in langs])
        ax.bar(x + 0.2, [e.value * scale for e in fus], 0.4, yerr=_err(fus, scale), capsize=3,
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
