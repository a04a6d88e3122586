"""The perceptron: every gate learned and verified, AND timed in rounds (whole training runs)."""
from __future__ import annotations

import numpy as np

from .. import inputs as seeded
from ..parity import RUN_TRAIN_TOL, need, verify
from ..results import Row, series
from ..rounds import Outcome, round_rows, run_rounds
from ..runners import PortError
from ..settings import GATES, Participant
from .context import RunContext, time_limit


def task_perceptron(ctx: RunContext, out: Outcome) -> None:
    """Each gate learned once per language and variant (verified); AND timed in rounds (whole training runs)."""
    s = ctx.settings
    shapes = {"W": (2,), "b": (), "losses": (s.perceptron_epochs,), "solved_epoch": ()}
    checked: dict[str, dict[str, dict]] = {g: {} for g in GATES}
    first: dict[str, float] = {}

    def learn(who: Participant, gate: str, repeats: int) -> dict:
        lang, variant = who
        config = {"epochs": s.perceptron_epochs, "lr": s.perceptron_lr, "repeats": repeats, "variant": variant}
        got = ctx.request(lang, "perceptron", config, inputs=seeded.perceptron_inputs(ctx.seed, gate),
                          timeout=time_limit(s.perceptron_epochs * 1e-4 * (repeats + 1)))
        need(who, "perceptron", got, {**shapes, "first_time": (), "times": (repeats,)})
        checked[gate].setdefault(who, got)
        return got

    def block(who: Participant, gate: str, r: int) -> dict[str, float]:
        got = learn(who, gate, s.perceptron_repeats)
        first.setdefault(who, float(got["first_time"]) / s.perceptron_epochs)
        return {"epoch_time": float(np.median(got["times"])) / s.perceptron_epochs}

    rounds = run_rounds(ctx, "perceptron", out, ["AND"], block, rounds=s.perceptron_rounds,
                        per_worker=s.per_worker(s.perceptron_rounds))
    out.rows += round_rows("perceptron", "AND", rounds["AND"], {"epoch_time": "epoch_time"}, costs=("epoch_time",))
    for who, t in first.items():
        out.rows.append(Row(who.lang, "perceptron", "AND", "first_epoch_time", "", t, "s",
                            "the first whole run in a new worker, per epoch: includes any compilation", who.variant))
    for gate in GATES[1:]:
        for who in out.running():
            try:
                learn(who, gate, 1)
            except PortError as exc:
                out.port_error(exc, f"perceptron {gate}", who)
    for gate in GATES:
        for who, got in checked[gate].items():
            solved = int(got["solved_epoch"])
            lang, variant = who
            out.rows += [Row(lang, "perceptron", gate, "solved_epoch", "", solved, "epochs",
                             "never classified all four inputs" if solved < 0 else "", variant),
                         Row(lang, "perceptron", gate, "final_loss", "", float(got["losses"][-1]), variant=variant),
                         *series(lang, "perceptron", gate, "W", got["W"], variant=variant),
                         Row(lang, "perceptron", gate, "b", "", float(got["b"]), variant=variant)]
            if variant == "layers":  # the loss curve, drawn; the fused one was verified against it
                out.rows += series(lang, "perceptron", gate, "loss", got["losses"], start=1)
        verify(out, "perceptron", gate, checked[gate], ["W", "b", "losses"], RUN_TRAIN_TOL, floor=1.0)
