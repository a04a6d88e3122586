"""One figure for the reader who looks at one picture only: how fast each language is, in both variants of its
code, and in words what is the same everywhere (equal values drawn as bars would show nothing)."""
from __future__ import annotations

import matplotlib.patches
import matplotlib.pyplot as plt
import numpy as np

from ..languages import REFERENCE
from ..parity import GRAD_TOL, RUN_TRAIN_TOL
from ..readout import base_case, estimate, largest_vs_python, vals
from ..results import VARIANTS
from .style import VARIANT_STYLE, color, ratio_text


def overview(df, langs, settings):
    """Left: each language's training step, layered and fused, as a ratio to Python's in the same variant with its
    95% CI (fastest at the top). Right, in words: the final test accuracy of every language and variant, and the
    largest differences from Python (gradients, the training run's loss), against their tolerances."""
    case = base_case(df, settings)
    drawn = {}
    for lang in langs:
        for v in VARIANTS:
            if lang == REFERENCE:
                if np.isfinite(estimate(df, lang, "train", case, "step_time_estimate", v).value):
                    drawn[(lang, v)] = None
            elif np.isfinite((e := estimate(df, lang, "train", case, "step_time_ratio", v)).value):
                drawn[(lang, v)] = e
    shown = list(dict.fromkeys(lang for lang, _ in drawn))
    if len(shown) < 2:
        return None
    layered_ratio = {lang: (drawn.get((lang, "layers")).value if drawn.get((lang, "layers")) else 1.0)
                     for lang in shown}
    shown.sort(key=lambda lang: -layered_ratio[lang])  # the slowest at the bottom, the fastest on top
    fig, (ax, words) = plt.subplots(1, 2, figsize=(13, 0.75 * len(shown) + 1.6),
                                    gridspec_kw={"width_ratios": [2.2, 1]})
    top = 1.0
    for y, lang in enumerate(shown):
        for k, v in enumerate(VARIANTS):
            if (lang, v) not in drawn:
                continue
            e, yv = drawn[(lang, v)], y + (0.2 if k == 0 else -0.2)
            value = 1.0 if e is None else e.value
            ax.barh(yv, value, 0.38, color=color(lang), **VARIANT_STYLE[v])
            if e is not None and np.isfinite(e.low):
                ax.errorbar(value, yv, xerr=[[value - e.low], [e.high - value]], fmt="none", ecolor="black",
                            capsize=3)
            end = e.high if e is not None and np.isfinite(e.high) else value
            top = max(top, end)
            ax.text(end, yv, "  reference" if e is None else "  " + ratio_text(e), va="center", fontsize=8)
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(shown)), shown)
    ax.set_ylim(-0.6, len(shown) - 0.4)
    ax.set_xlim(0, top * 1.45)
    ax.set_xlabel("time per training step ÷ Python's in the same variant (95% CI)")
    ax.set_title(f"How fast: the book's training run, {case} (shorter is faster)", fontsize=10)
    ax.legend(handles=[matplotlib.patches.Patch(facecolor="#888888", label=label, **VARIANT_STYLE[v])
                       for v, label in (("layers", "layers (the book's structure)"),
                                        ("fused", "fused (whole-matrix code)"))],
              fontsize=8, loc="lower right")
    words.axis("off")
    words.set_title("The same in every language", fontsize=10)
    words.text(0.0, 0.95, "\n".join(sameness(df, shown)), va="top", ha="left", fontsize=9, wrap=True,
               transform=words.transAxes)
    fig.tight_layout()
    return fig


def sameness(df, langs) -> list[str]:
    """What the run shows to be equal across languages, in lines: the final test accuracies (one number when they
    are all the same), and the largest difference from Python of the gradients and the training loss."""
    accs = {(lang, v): a[-1] for lang in langs for v in VARIANTS
            if (a := vals(df[df.variant == v], lang, "train", "test_acc")).size}
    lines = []
    if accs:
        values = sorted(set(np.round(list(accs.values()), 6)))
        if len(values) == 1:
            lines.append(f"Final test accuracy: {values[0]:.4f}\nin all {len(accs)} runs (languages × variants).")
        else:
            lines.append(f"Final test accuracy: {values[0]:.4f} to {values[-1]:.4f}\nover {len(accs)} runs.")
    for task, what, tol in (("gradcheck", "Gradients", GRAD_TOL),
                            ("train", "The training run (the loss at\nevery step, the final weights)", RUN_TRAIN_TOL)):
        diffs = {lang: largest_vs_python(df, lang, task) for lang in langs if lang != REFERENCE}
        diffs = {lang: d for lang, d in diffs.items() if np.isfinite(d)}
        if not diffs:
            continue
        worst = max(diffs, key=diffs.get)
        if diffs[worst] == 0:
            lines.append(f"{what} equal to Python's\nto the last bit in every language.")
        else:
            verdict = "within" if diffs[worst] <= tol else "OVER"
            lines.append(f"{what} vs Python's: largest\nrelative difference {diffs[worst]:.1e} ({worst}),\n"
                         f"{verdict} the tolerance {tol:g}.")
    return [line + "\n" for line in lines]
