"""The perceptron, half of the project: what each language learned for each gate, and how the loss fell."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from python_impl.perceptron import GATE_INPUTS, GATES

from ..languages import REFERENCE


def perceptron(df, langs, settings):
    """Top row, one panel per gate: the four inputs (filled: target 1) and the decision line W·x + b = 0 that every
    language learned (one line: they coincide, and the panel says by how much they differ at most); XOR, which no
    line separates, says so and why. Bottom row: the loss per epoch on a log axis of epochs, so that the epoch at
    which each gate is first solved (marked) can be seen; XOR's loss, which stays near 0.5, on a linear axis."""
    part = df[(df.task == "perceptron") & (df.variant != "fused")]
    gates = [g for g in GATES if ((part.case == g) & (part.metric == "W")).any()]
    if not gates:
        return None
    shown = [lang for lang in langs if ((part.lang == lang) & (part.metric == "W")).any()]
    ref = REFERENCE if REFERENCE in shown else shown[0]
    fig, axes = plt.subplots(2, len(gates), figsize=(3.6 * len(gates), 7), squeeze=False)
    for k, gate in enumerate(gates):
        ax, lax = axes[0][k], axes[1][k]
        x, y = GATE_INPUTS, GATES[gate]
        ax.scatter(x[:, 0], x[:, 1], s=90, c=["black" if t > 0.5 else "white" for t in y], edgecolors="black", zorder=3)
        rows = part[(part.lang == ref) & (part.case == gate)]
        w = rows[rows.metric == "W"].sort_values("index").value.to_numpy(dtype=float)
        b = rows[rows.metric == "b"].value.to_numpy(dtype=float)
        solved = rows[rows.metric == "solved_epoch"].value
        learnable = not len(solved) or solved.iloc[-1] >= 0
        xs = np.linspace(-0.5, 1.5, 50)
        if learnable and w.size == 2 and b.size and abs(w[1]) > 1e-12:
            ax.plot(xs, -(w[0] * xs + b[-1]) / w[1], color="#333333", linewidth=1.5)
        diffs = part[(part.case == gate) & (part.metric == "vs_python_rel")].value
        same = f"the same in all {len(shown)} languages" + (f"\n(largest difference {diffs.max():.1e})"
                                                            if len(diffs) and diffs.max() > 0 else "")
        note = same if learnable else (f"no line separates XOR:\nW → 0 (|W| = {np.abs(w).max():.0e}),\nA → 0.5 "
                                       "for every input")
        ax.text(0.03, 0.97, note, transform=ax.transAxes, va="top", fontsize=7,
                bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"})
        loss = rows[rows.metric == "loss"]
        if len(loss):
            lax.plot(pd.to_numeric(loss["index"]), loss.value, color="#333333", linewidth=1.2)
        if learnable and len(solved):
            lax.axvline(solved.iloc[-1], color="tab:red", linestyle=":", linewidth=1.2)
            at, last = float(solved.iloc[-1]), float(pd.to_numeric(loss["index"]).max()) if len(loss) else 1.0
            right = last > 1 and np.log(max(at, 1.0)) / np.log(last) > 0.5  # the label on the side with room
            lax.text(at, 0.05, f"solved at epoch {int(at)} " if right else f" solved at epoch {int(at)}",
                     ha="right" if right else "left", color="tab:red", fontsize=7, transform=lax.get_xaxis_transform())
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_title(gate + ("" if learnable else ": not learnable"), fontsize=10)
        lax.set_xscale("log")
        lax.set_yscale("log" if learnable else "linear")
        lax.set_xlabel("epoch")
        lax.set_ylabel("loss ½Σ(A−Y)²")
        lax.set_title(f"{gate}: loss per epoch", fontsize=10)
    handles = [matplotlib.lines.Line2D([], [], color="#333333", label="every language (they coincide)"),
               matplotlib.lines.Line2D([], [], color="tab:red", linestyle=":", label="first epoch all four right"),
               matplotlib.lines.Line2D([], [], marker="o", color="black", linestyle="", label="target 1"),
               matplotlib.lines.Line2D([], [], marker="o", markerfacecolor="white", color="black", linestyle="",
                                       label="target 0")]
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=8, bbox_to_anchor=(0.5, -0.03))
    fig.suptitle("Perceptron: the decision line W·x + b = 0 (top) and the loss (bottom), the same in every language")
    fig.tight_layout()
    return fig
