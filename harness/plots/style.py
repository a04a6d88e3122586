"""What every plot shares: one colour per language, legends that show what is drawn, error bars from CIs."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.patches
import numpy as np

from ..languages import color

EXACT = "exact"  # written where a difference is exactly zero (a log axis cannot draw it)
# How a bar shows the variant of the code it measures: the book's layers solid, the fused code light and hatched
VARIANT_STYLE = {"layers": {}, "fused": {"alpha": 0.55, "hatch": "//", "edgecolor": "white"}}


def lang_handles(langs: list[str], kind: str = "patch") -> list:
    """One legend entry per language, in its own colour."""
    if kind == "line":
        return [matplotlib.lines.Line2D([], [], color=color(lang), marker="o", label=lang) for lang in langs]
    return [matplotlib.patches.Patch(facecolor=color(lang), label=lang) for lang in langs]


def err(ests, scale: float) -> np.ndarray:
    """Error bars (below, above) from estimates' 95% CIs; zero where there is no interval."""
    lo = [max(0.0, e.value - e.low) if np.isfinite(e.low) else 0.0 for e in ests]
    hi = [max(0.0, e.high - e.value) if np.isfinite(e.high) else 0.0 for e in ests]
    return np.array([lo, hi]) * scale


def ratio_text(e) -> str:
    """'1.75× [1.70, 1.80]', or the ratio alone without an interval."""
    if not np.isfinite(e.value):
        return ""
    return f"{e.value:.2f}× [{e.low:.2f}, {e.high:.2f}]" if np.isfinite(e.low) else f"{e.value:.2f}×"


def log_bars(ax, x, values, width, **kw) -> None:
    """Bars on a log axis; a value that is exactly zero gets no bar but the word 'exact' at the axis bottom."""
    values = np.asarray(values, dtype=float)
    shown = np.where(values > 0, values, np.nan)
    ax.bar(x, shown, width, **kw)
    for xi, v in zip(np.atleast_1d(x), values):
        if v == 0:
            ax.annotate(EXACT, (xi, 0), xycoords=("data", "axes fraction"), xytext=(0, 3), textcoords="offset points",
                        ha="center", va="bottom", rotation=90, fontsize=7, color=kw.get("color", "black"))
