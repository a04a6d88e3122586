"""One figure for the reader who looks at one picture only: how fast, equally accurate, computing the same thing."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np

from ..languages import REFERENCE
from ..parity import GRAD_TOL
from ..readout import base_case, estimate, largest_vs_python, vals
from .style import EXACT, color


def overview(df, langs, settings):
    """Left: each language's training step as a ratio to Python with its 95% CI (fastest at the top). Middle: the
    final test accuracy. Right: the largest gradient difference from Python, against the tolerance."""
    case = base_case(df, settings)
    ratios = []
    for lang in langs:
        e = estimate(df, lang, "train", case, "step_time_ratio") if lang != REFERENCE else None
        if lang == REFERENCE and np.isfinite(estimate(df, lang, "train", case, "step_time_estimate").value):
            ratios.append((lang, 1.0, 1.0, 1.0))
        elif e is not None and np.isfinite(e.value):
            ratios.append((lang, e.value, e.low, e.high))
    if len(ratios) < 2:
        return None
    ratios.sort(key=lambda r: -r[1])
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(13, 3.2), gridspec_kw={"width_ratios": [2, 1, 1]})
    y = np.arange(len(ratios))
    ax1.barh(y, [r[1] for r in ratios], color=[color(r[0]) for r in ratios])
    lo = [r[1] - r[2] if np.isfinite(r[2]) else 0 for r in ratios]
    hi = [r[3] - r[1] if np.isfinite(r[3]) else 0 for r in ratios]
    ax1.errorbar([r[1] for r in ratios], y, xerr=[lo, hi], fmt="none", ecolor="black", capsize=3)
    for yi, r in zip(y, ratios):
        end = r[3] if np.isfinite(r[3]) else r[1]
        ax1.text(end, yi, "  reference" if r[0] == REFERENCE else f"  {r[1]:.2f}× [{r[2]:.2f}, {r[3]:.2f}]",
                 va="center", fontsize=8)
    ax1.axvline(1.0, color="black", linewidth=0.8)
    ax1.set_yticks(y, [r[0] for r in ratios])
    ax1.set_xlim(0, max(r[3] if np.isfinite(r[3]) else r[1] for r in ratios) * 1.45)
    ax1.set_xlabel("time per training step ÷ Python's (95% CI)")
    ax1.set_title(f"How fast ({case}; shorter is faster)", fontsize=10)
    order = [r[0] for r in ratios]
    acc = [vals(df, lang, "train", "test_acc") for lang in order]
    ax2.barh(y, [a[-1] if a.size else np.nan for a in acc], color=[color(lang) for lang in order])
    for yi, a in zip(y, acc):
        if a.size:
            ax2.text(a[-1], yi, f" {a[-1]:.4f}", va="center", fontsize=8)
    ax2.set_xlim(0, 1.3)
    ax2.set_yticks(y, order)
    ax2.set_xlabel("final test accuracy")
    ax2.set_title("How accurate", fontsize=10)
    diffs = [largest_vs_python(df, lang, "gradcheck") if lang != REFERENCE else np.nan for lang in order]
    shown = [d if d > 0 else np.nan for d in diffs]
    ax3.barh(y, shown, color=[color(lang) for lang in order])
    for yi, lang, d in zip(y, order, diffs):
        label = "reference" if lang == REFERENCE else EXACT if d == 0 else "" if np.isfinite(d) else "not checked"
        if label:
            ax3.text(1e-18, yi, f" {label}", va="center", fontsize=8)
    ax3.set_ylim(-0.5, len(order) - 0.5)
    ax3.set_xscale("log")
    ax3.set_xlim(1e-18, 1e-6)
    ax3.axvline(GRAD_TOL, color="red", linestyle="--", linewidth=1)
    ax3.set_yticks(y, order)
    ax3.set_xlabel("gradient ‖difference‖ / ‖Python's‖")
    ax3.set_title("Same maths", fontsize=10)
    ax3.legend(handles=[matplotlib.lines.Line2D([], [], color="red", linestyle="--", label=f"tolerance {GRAD_TOL:g}")],
               fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
