"""The comparison plots (matplotlib, Agg), drawn from the tidy results table alone: each answers one question,
which its function's docstring states."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before pyplot is imported anywhere: files only, no display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ..readout import languages, layered  # noqa: E402
from .agreement import parity, training  # noqa: E402
from .overview import overview  # noqa: E402
from .perceptron import perceptron  # noqa: E402
from .speed import abstraction, scaling_batch, scaling_hidden, startup, step_time  # noqa: E402

# The drawing functions take (table, languages, settings); those in BOTH_VARIANTS get both variants' rows.
PLOTS = {"overview": overview, "step_time": step_time, "scaling_hidden": scaling_hidden,
         "scaling_batch": scaling_batch, "training": training, "parity": parity, "startup": startup,
         "abstraction": abstraction, "perceptron": perceptron}
BOTH_VARIANTS = {"overview", "step_time", "abstraction", "perceptron", "scaling_hidden", "scaling_batch"}


def draw_all(df: pd.DataFrame, out_dir: Path, settings: dict | None = None) -> dict[str, str]:
    """Draws every plot the data allows; returns {key: file name relative to out_dir}."""
    out_dir = Path(out_dir)
    langs = languages(layered(df))
    drawn = {}
    for key, fn in PLOTS.items():
        fig = fn(df if key in BOTH_VARIANTS else layered(df), langs, settings or {})
        if fig is None:
            continue
        name = f"{key}.png"
        fig.savefig(out_dir / name, dpi=110, bbox_inches="tight")
        plt.close(fig)
        drawn[key] = name
    return drawn
