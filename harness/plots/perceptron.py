"""The perceptron, half of the project: what each language learned for each gate, and how the loss fell."""
from __future__ import annotations

import matplotlib.lines
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from python_impl.perceptron import GATE_INPUTS, GATES

from ..languages import REFERENCE
from .style import color

STYLES = ["-", "--", "-.", ":"]  # the languages' lines coincide: dashes of different lengths let each show through


def perceptron(df, langs, settings):
    """Top row, one panel per gate: the four inputs (filled: target 1) and each language's decision line
    W·x + b = 0 (the four coincide; no line can separate XOR). Bottom row: the loss per epoch for every language."""
    part = df[(df.task == "perceptron") & (df.variant != "fused")]
    gates = [g for g in GATES if ((part.case == g) & (part.metric == "W")).any()]
    if not gates:
        return None
    fig, axes = plt.subplots(2, len(gates), figsize=(3.6 * len(gates), 7), squeeze=False)
    for k, gate in enumerate(gates):
        ax, lax = axes[0][k], axes[1][k]
        x, y = GATE_INPUTS, GATES[gate]
        ax.scatter(x[:, 0], x[:, 1], s=90, c=["black" if t > 0.5 else "white" for t in y], edgecolors="black", zorder=3)
        xs = np.linspace(-0.5, 1.5, 50)
        for i, lang in enumerate(langs):
            rows = part[(part.lang == lang) & (part.case == gate)]
            w = rows[rows.metric == "W"].sort_values("index").value.to_numpy(dtype=float)
            b = rows[rows.metric == "b"].value.to_numpy(dtype=float)
            if w.size == 2 and b.size and abs(w[1]) > 1e-12:
                ax.plot(xs, -(w[0] * xs + b[-1]) / w[1], STYLES[i % 4], color=color(lang), linewidth=1.5)
            loss = rows[rows.metric == "loss"]
            if len(loss):
                lax.plot(pd.to_numeric(loss["index"]), loss.value, STYLES[i % 4], color=color(lang), linewidth=1.2)
        solved = part[(part.case == gate) & (part.metric == "solved_epoch") & (part.lang == REFERENCE)].value
        ax.set_xlim(-0.5, 1.5)
        ax.set_ylim(-0.5, 1.5)
        ax.set_aspect("equal")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        ax.set_title(gate + ("" if not len(solved) or solved.iloc[-1] >= 0 else ": not learnable"), fontsize=10)
        lax.set_yscale("log")
        lax.set_xlabel("epoch")
        lax.set_ylabel("loss ½Σ(A−Y)²")
        lax.set_title(f"{gate}: loss per epoch", fontsize=10)
    marks = [matplotlib.lines.Line2D([], [], marker="o", color="black", linestyle="", label="target 1"),
             matplotlib.lines.Line2D([], [], marker="o", markerfacecolor="white", color="black", linestyle="",
                                     label="target 0")]
    handles = [matplotlib.lines.Line2D([], [], color=color(lang), linestyle=STYLES[i % 4], label=lang)
               for i, lang in enumerate(langs)]
    fig.legend(handles=handles + marks, loc="lower center", ncol=len(handles) + 2, fontsize=8,
               bbox_to_anchor=(0.5, -0.03))
    fig.suptitle("Perceptron: each language's decision line W·x + b = 0 (top) and loss (bottom)")
    fig.tight_layout()
    return fig

