"""The book's gradient check, inside every language, and every backprop against Python's."""
from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from python_impl.two_layer_net import PARAM_NAMES

from .. import inputs as seeded
from ..interchange import write_arrays
from ..parity import GRAD_TOL, need, rel_diff, verify
from ..results import Row
from ..rounds import Outcome
from ..runners import PortError
from ..settings import Participant
from .context import RunContext, time_limit


def task_gradcheck(ctx: RunContext, out: Outcome) -> None:
    """The book's check: backprop against central differences on the first 3 training images, book weights.
    Nothing here is timed but the whole, so the languages run side by side, one per CPU."""
    n = ctx.settings.gradcheck_batch
    data = {**seeded.net_params(ctx.seed, ctx.settings.hidden),
            "x": ctx.mnist["x_train"][:n].astype(np.float64) / 255.0, "t": ctx.mnist["t_train"][:n].astype(np.int64)}
    folder = ctx.workers.scratch / "gradcheck"
    write_arrays(folder, data)
    shapes = {"loss": (), **{k: data[k].shape for k in PARAM_NAMES}}

    def check(who: Participant) -> tuple[dict, float]:
        lang = who.lang
        start = time.perf_counter()
        backprop = ctx.request(lang, "grad", {"model": "two_layer_net", "numerical": 0}, input_dir=folder,
                               timeout=time_limit(1.0))
        numerical = ctx.request(lang, "grad", {"model": "two_layer_net", "numerical": 1}, input_dir=folder,
                                timeout=time_limit(60.0))
        need(who, "gradcheck (backprop)", backprop, shapes)
        need(who, "gradcheck (numerical)", numerical, shapes)
        return {"backprop": backprop, "numerical": numerical}, time.perf_counter() - start

    ctx.progress.detail(", ".join(map(str, out.running())))
    checked, results = {}, {}
    pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1))
    try:
        futures = {who: pool.submit(check, who) for who in out.running()}
        for who, future in futures.items():
            try:
                results[who] = future.result()
            except PortError as exc:
                out.port_error(exc, "gradcheck")
    except BaseException:  # Ctrl-C: stop the workers, so that the threads waiting on them end now
        ctx.workers.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
    for who, (got, wall) in results.items():
        lang = who.lang
        backprop, numerical = got["backprop"], got["numerical"]
        for name in PARAM_NAMES:
            diff = np.abs(backprop[name] - numerical[name])
            out.rows += [Row(lang, "gradcheck", name, "numerical_max_abs", "", float(diff.max())),
                         Row(lang, "gradcheck", name, "numerical_mean_abs", "", float(diff.mean())),
                         Row(lang, "gradcheck", name, "numerical_rel", "", rel_diff(numerical[name], backprop[name]))]
        out.rows.append(Row(lang, "gradcheck", "", "wall_time", "", wall, "s",
                            "languages side by side, one per CPU"))
        checked[who] = backprop
    verify(out, "gradcheck", "", checked, ["loss", *PARAM_NAMES], GRAD_TOL)
