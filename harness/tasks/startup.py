"""Start-up (a port doing nothing, its `noop`) and the first training step, on fresh processes, in rounds."""
from __future__ import annotations

import numpy as np

from python_impl.two_layer_net import PARAM_NAMES

from .. import inputs as seeded
from ..interchange import write_arrays
from ..parity import GRAD_TOL, need, verify
from ..rounds import Outcome, round_rows, run_rounds
from ..settings import Participant
from .context import RunContext


def task_startup(ctx: RunContext, out: Outcome) -> None:
    """Fresh processes, in rounds: a port that does nothing (start-up: its wall time from outside, from the launch
    to a blocking wait's return, and the CPU time it used, user and system), and in the first rounds the first
    training step of a fresh process (timed inside: it includes any compilation), verified."""
    s = ctx.settings
    folder = ctx.workers.scratch / "first_step"
    data = first_step_inputs(ctx)
    write_arrays(folder, data)
    case = f"hidden={s.hidden} batch={s.batch}"
    checked: dict[Participant, dict] = {}

    def block(who: Participant, _case: str, r: int) -> dict[str, float]:
        started = ctx.fresh(who.lang, "noop", {})
        measured = {"startup_time": started.wall, "startup_cpu": started.cpu_user + started.cpu_system}
        if r < s.first_step_repeats:
            got = ctx.fresh(who.lang, "first_step", {"lr": s.lr}, input_dir=folder).arrays
            need(who, "first_step", got, {"first_step": (), **{k: data[k].shape for k in PARAM_NAMES}})
            checked.setdefault(who, got)
            measured["first_step"] = float(got["first_step"])
        return measured

    rounds = run_rounds(ctx, "startup", out, [""], block, rounds=s.startup_repeats, fresh=True)[""]
    out.rows += round_rows("startup", "", rounds, {"startup_time": "startup_time", "startup_cpu": "startup_cpu"})
    out.rows += round_rows("startup", case, rounds, {"first_step": "first_step"})
    verify(out, "startup", case, checked, list(PARAM_NAMES), GRAD_TOL)


def first_step_inputs(ctx: RunContext) -> dict[str, np.ndarray]:
    s = ctx.settings
    idx = seeded.batch_sequence(ctx.seed, 1, s.batch)[0]
    return {**seeded.net_params(ctx.seed, s.hidden), "x": ctx.mnist["x_train"][idx].astype(np.float64) / 255.0,
            "t": ctx.mnist["t_train"][idx].astype(np.int64)}
