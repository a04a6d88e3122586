"""Do they compute the same thing: the training run against Python's, and the gradients against numerical ones and
against Python's. Differences are drawn, not asserted: curves that lie on top of each other prove nothing."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..languages import REFERENCE
from ..parity import GRAD_TOL, NUMERICAL_TOL, RUN_TRAIN_TOL
from ..readout import one
from .style import EXACT, color, lang_handles, log_bars

PARAMS = ["W1", "b1", "W2", "b2"]
SAME = "#333333"  # a curve every language shares, drawn once
SMOOTH_POINTS = 200  # the loss is drawn as a moving average over len/200 steps


def _series(part: pd.DataFrame, lang: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    rows = part[(part.lang == lang) & (part.metric == metric)]
    return pd.to_numeric(rows["index"]).to_numpy(), rows.value.to_numpy(dtype=float)


def training(df, langs, settings):
    """Did every language train the same network? The loss (moving average) and the accuracies, drawn once: every
    language's lie on them, as the middle panel shows, where each language's loss minus Python's is drawn at every
    step against the tolerance."""
    part = df[df.task == "train"]
    if part.empty:
        return None
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(15, 4))
    py_it, py_loss = _series(part, REFERENCE, "loss")
    window = 1
    exact = []
    drawn = REFERENCE if py_loss.size else next((lang for lang in langs if _series(part, lang, "loss")[1].size), None)
    for lang in langs:
        it, loss = _series(part, lang, "loss")
        if not loss.size:
            continue
        window = max(1, loss.size // SMOOTH_POINTS)
        if lang == drawn:
            smooth = np.convolve(loss, np.ones(window) / window, mode="valid")
            ax1.plot(it[window - 1:] + 1, smooth, color=SAME, linewidth=1.2)
            test_it, test = _series(part, lang, "test_acc")
            train_it, train = _series(part, lang, "train_acc")
            ax3.plot(test_it, test, "-", marker="o", markersize=3, color=SAME)
            ax3.plot(train_it, train, "--", color=SAME, alpha=0.6)
        if lang != REFERENCE and py_loss.size == loss.size:
            diff = np.abs(loss - py_loss) / np.maximum(np.abs(py_loss), 1e-300)
            if np.all(diff == 0):
                exact.append(lang)
            n = diff.size // window * window  # the largest difference in each window of steps: one line each
            peaks = diff[:n].reshape(-1, window).max(axis=1) if n else diff
            ax2.plot((it[:n:window] if n else it) + 1, np.where(peaks > 0, peaks, np.nan), color=color(lang),
                     linewidth=1.0)
    ax1.set_yscale("log")
    ax1.set_xlabel("iteration")
    ax1.set_ylabel(f"batch loss (moving average over {window} steps)")
    ax1.set_title("Training loss", fontsize=10)
    every = matplotlib.lines.Line2D([], [], color=SAME, label="every language (they coincide: middle panel)")
    ax1.legend(handles=[every], fontsize=8)
    ax2.set_yscale("log")
    ax2.axhline(RUN_TRAIN_TOL, color="red", linestyle="--", linewidth=1)
    ax2.set_ylim(bottom=1e-18, top=max(10 * RUN_TRAIN_TOL, ax2.get_ylim()[1]))
    ax2.set_xlabel("iteration")
    ax2.set_ylabel(f"relative difference (largest per {window} steps)")
    ax2.set_title("Difference from Python at every step", fontsize=10)
    ax2.legend(handles=lang_handles([x for x in langs if x != REFERENCE], "line") + [
        matplotlib.lines.Line2D([], [], color="red", linestyle="--", label=f"tolerance {RUN_TRAIN_TOL:g}")], fontsize=8)
    if exact:
        ax2.text(0.02, 0.04, f"{EXACT} (zero at every step): {', '.join(exact)}", transform=ax2.transAxes, fontsize=8)
    ax3.set_xlabel("iteration")
    ax3.set_ylabel("accuracy")
    ax3.set_title("Accuracy", fontsize=10)
    ax3.legend(handles=[matplotlib.lines.Line2D([], [], color=SAME, label="test (solid)"),
                        matplotlib.lines.Line2D([], [], color=SAME, linestyle="--", alpha=0.6, label="train (dashed)")],
               title="every language", fontsize=8, title_fontsize=8)
    return fig


def parity(df, langs, settings):
    """Are the gradients right? Backprop against central differences inside each language, and each language's
    backprop against Python's, both norm-wise relative with their tolerances."""
    part = df[(df.task == "gradcheck") & (df.metric.isin(["vs_python_rel", "numerical_rel"]))]
    if part.empty:
        return None
    others = [lang for lang in langs if lang != REFERENCE and (part[part.lang == lang].metric == "vs_python_rel").any()]
    fig, axes = plt.subplots(1, 2 if others else 1, figsize=(11 if others else 6, 4), squeeze=False)
    ax1 = axes[0][0]
    x = np.arange(len(PARAMS))
    width = 0.8 / max(1, len(langs))
    for i, lang in enumerate(langs):
        log_bars(ax1, x + i * width, [one(part, lang, "gradcheck", "numerical_rel", p) for p in PARAMS], width,
                 color=color(lang))
    panels = [(ax1, NUMERICAL_TOL, langs, "Backprop vs central differences (h = 1e-4)")]
    if others:
        ax2 = axes[0][1]
        w2 = 0.8 / len(others)
        for i, lang in enumerate(others):
            vs = part[(part.lang == lang) & (part.metric == "vs_python_rel")]
            log_bars(ax2, x + i * w2, [float(vs[vs["index"].astype(str) == p].value.max()) for p in PARAMS], w2,
                     color=color(lang))
        panels.append((ax2, GRAD_TOL, others, "Backprop vs Python's backprop"))
    for ax, tol, shown, title in panels:
        n = len(shown)
        ax.set_xticks(x + (0.8 / n) * (n - 1) / 2, PARAMS)
        ax.set_xlim(-0.5, len(PARAMS) - 0.1)  # every group in the frame, even one with no bar (all exact)
        ax.set_yscale("log")
        ax.set_ylim(1e-18, max(100 * tol, ax.get_ylim()[1]))
        ax.axhline(tol, color="red", linestyle="--", linewidth=1)
        ax.set_ylabel("‖difference‖ / ‖reference‖")
        ax.set_title(title, fontsize=10)
        ax.legend(handles=lang_handles(shown) + [matplotlib.lines.Line2D([], [], color="red", linestyle="--",
                                                                         label=f"tolerance {tol:g}")], fontsize=8)
    return fig
