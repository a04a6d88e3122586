"""The book's training run, in chunks interleaved across languages, handed from worker to worker."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from python_impl.two_layer_net import PARAM_NAMES

from .. import inputs as seeded
from ..interchange import write_arrays
from ..parity import RUN_TRAIN_TOL, need, verify
from ..results import Row, series
from ..rounds import Outcome, estimate_rows, run_rounds
from ..runners import PortError
from ..settings import Participant
from ..stats import over_generations
from ..steps import StepTimes, step_rows
from .context import RunContext, eval_iterations, step_estimate, time_limit


def train_chunks(iters: int, chunk: int, eval_every: int) -> list[tuple[int, int, bool]]:
    """The training run cut into requests: (first step, steps, evaluate after it). A chunk is at most `chunk`
    steps and ends at every evaluation point, so the accuracies are measured where `train` measures them."""
    evals = eval_iterations(iters, eval_every)
    out, first = [], 0
    while first < iters:
        stop = min(first + chunk, next(e for e in evals if e > first))
        out.append((first, stop - first, stop in evals))
        first = stop
    return out


COUNTERS = ("gc_times", "page_faults", "alloc_bytes")  # per step, where the language counts them (Julia; R its GC)
PER_STEP = {  # what train_end returns of a few untimed steps, where the language counts it: the estimate it makes
    "step_peak_bytes": ("step_peak_bytes_estimate", "the most memory a step holds at once beyond what it held "
                                                    "before, by the language (Python's tracemalloc)"),
    "step_alloc_bytes": ("alloc_bytes_estimate", "bytes allocated per step, by the language (R's Rprofmem)")}

def task_train(ctx: RunContext, out: Outcome) -> None:
    """The book's training run, every language in step, chunk by chunk: each round every language runs the same
    chunk of steps (its network kept in its worker), in a shuffled order. The run is handed to new worker
    processes (train_generations of them) on the way: the old one returns the parameters, the new one continues.
    Every step's time is kept, with the worker process that made it and, where the language counts it (Julia, R),
    the part its garbage collector took."""
    s = ctx.settings
    folder = ctx.run_dir / "inputs" / "train"
    params = seeded.net_params(ctx.seed, s.hidden)
    if not (folder / "manifest.txt").exists():  # written once, read by every language
        write_arrays(folder, {**params, "batches": seeded.batch_sequence(ctx.seed, s.iters, s.batch), **ctx.mnist})
    chunks = train_chunks(s.iters, s.train_chunk, s.eval_every)
    case = f"hidden={s.hidden} batch={s.batch}"
    step = step_estimate(s.batch, s.hidden)
    warmup_steps = s.warmup_steps()
    walls = {who: 0.0 for who in out.running()}
    got = {who: {k: [] for k in ("loss", "step_times", *COUNTERS, "train_acc", "test_acc", "worker")}
           for who in out.running()}
    warm = {who: {} for who in out.running()}  # per worker: its warm-up steps' times, before its share of the run
    reached: dict[str, dict] = {}  # the parameters each participant's last worker handed back
    per_step = {who: {k: [] for k in PER_STEP} for who in out.running()}  # per worker, where counted (Python, R)

    def setup(who: Participant, r: int) -> None:
        lang, variant = who
        ctx.progress.detail(f"train: loading the data into {who}")
        source = folder if r == 0 else takeover_folder(ctx.workers.scratch / f"train-{lang}-{variant}-{r}", folder,
                                                       reached[who])
        first = chunks[r][0] if r < len(chunks) else s.iters
        walls[who] += ctx.workers.request(lang, "train_begin", {"lr": s.lr, "first": first, "variant": variant},
                                          input_dir=source, timeout=time_limit(10.0)).wall
        for p in out.language_set_up(who) if warmup_steps else []:  # the worker holds all its language's runs
            try:
                warmup(p)
            except PortError as exc:  # that participant's failure, not who's
                out.port_error(exc, "train", p)

    def warmup(who: Participant) -> None:
        lang, variant = who
        ctx.progress.detail(f"train: {who}'s first {warmup_steps} steps in a new worker, on a copy of its network")
        res = ctx.workers.request(lang, "train_warmup", {"steps": warmup_steps, "variant": variant},
                                  timeout=time_limit(warmup_steps * step))
        need(who, "train_warmup", res.arrays, {"step_times": (warmup_steps,)})
        walls[who] += res.wall
        warm[who][ctx.workers.serial(lang)] = res.arrays["step_times"]

    def teardown(who: Participant) -> None:
        lang, variant = who
        res = ctx.workers.request(lang, "train_end", {"variant": variant}, timeout=time_limit(1.0))
        need(who, "train_end", res.arrays, {k: v.shape for k, v in params.items()})
        walls[who] += res.wall
        reached[who] = res.arrays
        for k in PER_STEP:  # measured in a few untimed steps at the end, where the language counts it
            if res.arrays.get(k, np.empty(0)).size:
                per_step[who][k].append(float(np.median(res.arrays[k])))

    def block(who: Participant, _case: str, r: int) -> dict[str, float]:
        lang, variant = who
        first, steps, evaluate = chunks[r]
        res = ctx.workers.request(lang, "train_steps", {"first": first, "steps": steps, "evaluate": int(evaluate),
                                                        "variant": variant},
                                  timeout=time_limit(steps * step + (5.0 if evaluate else 0.0)))
        need(who, "train_steps", res.arrays, {"loss": (steps,), "step_times": (steps,),
                                              **{k: (steps,) for k in COUNTERS if k in res.arrays},
                                              **({"train_acc": (), "test_acc": ()} if evaluate else {})})
        walls[who] += res.wall
        mine = got[who]
        mine["worker"].append(np.full(steps, ctx.workers.serial(lang)))
        for k in COUNTERS:  # where the language counts them
            mine[k].append(res.arrays.get(k, np.full(steps, np.nan)))
        for k in ("loss", "step_times", "train_acc", "test_acc"):
            if k in res.arrays:
                mine[k].append(np.atleast_1d(res.arrays[k]))
        return {}

    per_worker = -(-len(chunks) // s.train_generations)
    run_rounds(ctx, "train", out, [case], block, rounds=len(chunks), per_worker=per_worker, setup=setup,
               teardown=teardown)
    checked, timing = {}, {}
    evals = eval_iterations(s.iters, s.eval_every)
    for who in out.running():
        lang, variant = who
        result = {k: np.concatenate(v) if v else np.array([]) for k, v in got[who].items()}
        checked[who] = {**{k: result[k] for k in ("loss", "test_acc")}, **reached[who]}
        timing[who] = StepTimes(result["step_times"], result["gc_times"], result["worker"], result["page_faults"],
                                result["alloc_bytes"], warm[who])
        if warm[who]:
            out.rows += series(lang, "train", case, "warmup_step_time", np.concatenate(list(warm[who].values())), "s",
                               variant=variant)
            out.rows += series(lang, "train", case, "warmup_worker",
                               np.concatenate([np.full(v.size, w) for w, v in warm[who].items()]), variant=variant)
        out.rows += series(lang, "train", case, "loss", result["loss"], variant=variant)
        out.rows += series(lang, "train", case, "step_time", result["step_times"], "s", variant=variant)
        out.rows += series(lang, "train", case, "step_worker", result["worker"], variant=variant)
        if np.isfinite(result["gc_times"]).any():
            out.rows += series(lang, "train", case, "gc_time", result["gc_times"], "s", variant=variant)
        for k in ("page_faults", "alloc_bytes"):
            if np.isfinite(result[k]).any():
                out.rows += series(lang, "train", case, k, result[k], variant=variant)
        out.rows += [Row(lang, "train", case, "train_acc", it, float(a), variant=variant)
                     for it, a in zip(evals, result["train_acc"])]
        out.rows += [Row(lang, "train", case, "test_acc", it, float(a), variant=variant)
                     for it, a in zip(evals, result["test_acc"])]
        for k, (metric, what) in PER_STEP.items():
            if per_step[who][k]:
                out.rows += estimate_rows(who, "train", case, metric, over_generations(per_step[who][k]), "bytes",
                                          what + " (untimed steps at the end of each worker's share)")
        out.rows.append(Row(lang, "train", case, "wall_time", "", walls[who], "s",
                            "every request of the run: loading, training, evaluation, hand-overs", variant))
    out.rows += step_rows("train", case, timing)
    verify(out, "train", case, checked, ["loss", *PARAM_NAMES, "test_acc"], RUN_TRAIN_TOL)


def takeover_folder(folder: Path, base: Path, params: dict[str, np.ndarray]) -> Path:
    """The input folder for a new worker that takes over the training run: the parameters reached so far, and
    base's other arrays (the data, the batches) linked, not copied."""
    write_arrays(folder, {k: params[k] for k in PARAM_NAMES})
    lines = [ln for ln in (base / "manifest.txt").read_text().splitlines()[1:] if ln.split()[0] not in PARAM_NAMES]
    for ln in lines:
        name = ln.split()[0]
        (folder / f"{name}.bin").symlink_to((base / f"{name}.bin").resolve())
    manifest = folder / "manifest.txt"
    manifest.write_text(manifest.read_text() + "".join(ln + "\n" for ln in lines))
    return folder
