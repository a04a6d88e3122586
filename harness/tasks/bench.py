"""The training step on one batch at several sizes, and its BLAS floor, in rounds."""
from __future__ import annotations

import numpy as np

from .. import inputs as seeded
from ..interchange import write_arrays
from ..parity import GRAD_TOL, need, verify
from ..results import Row
from ..rounds import Outcome, estimate_rows, round_rows, run_rounds
from ..runners import PortError
from ..settings import Participant, Settings
from ..stats import flops_per_step
from .context import RunContext, inner_steps, step_estimate, time_limit

# A quantity -> its part taken by the language's garbage collector, where the language counts it (Julia, R): the
# step's and the BLAS floor's (whose six products allocate their results). A bench case's cost is the low end of its
# blocks' whole times, the collector's part in them included: every block starts after a full collection, so what
# the collector takes inside a block is what that block's own allocations cost; its part is also estimated apart
# (docs/measurement.md, "The collector in the bench").
GC = {"step_time": "gc_time", "blas_time": "blas_gc_time"}


def scaling_cases(s: Settings) -> list[tuple[int, int]]:
    cases = [(h, s.batch) for h in s.scaling_hidden] + [(s.hidden, n) for n in s.scaling_batch if n != s.batch]
    if (s.hidden, s.batch) not in cases:
        cases.insert(0, (s.hidden, s.batch))
    return cases


def bench_cases(ctx: RunContext, sizes: list[tuple[int, int]]) -> dict[str, dict]:
    """Each case's inputs written (the book's initial weights, one batch) and its block sized: the same number of
    steps for every language, about bench_target_s long at the machine's DGEMM rate."""
    s = ctx.settings
    x_all, t_all = ctx.mnist["x_train"], ctx.mnist["t_train"]
    cases: dict[str, dict] = {}
    for hidden, batch in sizes:
        idx = seeded.batch_sequence(ctx.seed, 1, batch)[0]
        folder = ctx.workers.scratch / f"bench-{hidden}-{batch}"
        write_arrays(folder, {**seeded.net_params(ctx.seed, hidden), "x": x_all[idx].astype(np.float64) / 255.0,
                              "t": t_all[idx].astype(np.int64)})
        inner = inner_steps(s.bench_target_s, hidden, batch, ctx.gflops)
        warmup = max(1, inner // 10)
        cases[f"hidden={hidden} batch={batch}"] = {
            "id": f"h{hidden}_b{batch}_", "folder": folder, "hidden": hidden, "batch": batch,
            "shapes": bench_shapes(hidden, batch), "inner": inner,
            "warmup": warmup, "flops": flops_per_step(batch, hidden),
            "limit": time_limit(2 * (warmup + inner) * step_estimate(batch, hidden))}
    return cases


def bench_requests(ctx: RunContext, out: Outcome, cases: dict[str, dict], checked: dict[str, dict[str, dict]]):
    """(setup, block) for run_rounds: every case held by a new worker; a round of a case for one participant, what
    it computed kept the first time (in `checked`) for verification."""
    s = ctx.settings

    def setup(who: Participant, r: int) -> None:
        """Every case held by the new worker; once it holds every case of all its language's participants, one
        round of each case for each of them, not kept, interleaved as the kept rounds are: a fresh process's first
        rounds (its heap growing to what the kept rounds need, compilation) are paid once by a user's process, not
        once per worker (docs/measurement.md)."""
        lang, variant = who
        for c in cases.values():
            ctx.request(lang, "bench_begin", {"case_id": c["id"] + variant, "lr": s.lr, "variant": variant},
                        input_dir=c["folder"], timeout=time_limit(1.0))
        mine = out.language_set_up(who)
        for c in cases.values():
            for p in mine:
                try:
                    bench_round(p, c, verifying=False)
                except PortError as exc:  # that participant's failure, not who's
                    out.port_error(exc, "bench", p)

    def bench_round(who: Participant, c: dict, verifying: bool) -> dict:
        got = ctx.request(who.lang, "bench_round", {"case_id": c["id"] + who.variant, "warmup": c["warmup"],
                                                    "inner": c["inner"], "verify": int(verifying)}, timeout=c["limit"])
        need(who, "bench_round", got, {"step_time": (), "blas_time": (), **(c["shapes"] if verifying else {})})
        return got

    def block(who: Participant, case: str, r: int) -> dict[str, float]:
        verifying = who not in checked[case]
        got = bench_round(who, cases[case], verifying)
        if verifying:
            checked[case][who] = got
        # the garbage collector's part of the step and of the floor, where the language counts it (Julia, R)
        return {k: float(got[k]) for k in ("step_time", "blas_time", *GC.values()) if k in got}

    return setup, block


def task_bench(ctx: RunContext, out: Outcome) -> None:
    """The training step and its BLAS floor at several sizes: every case held by every worker, the cases' rounds
    interleaved (each round visits every case), a fixed number of rounds spread over `generations` worker
    processes; what the first round computed verified."""
    s = ctx.settings
    cases = bench_cases(ctx, scaling_cases(s))
    checked: dict[str, dict[str, dict]] = {case: {} for case in cases}
    setup, block = bench_requests(ctx, out, cases, checked)
    rounds = run_rounds(ctx, "bench", out, list(cases), block, rounds=s.bench_rounds,
                        per_worker=s.per_worker(s.bench_rounds), setup=setup)
    for case, c in cases.items():
        rounds[case].gc = GC  # a collector's part of the step and of the floor, estimated apart too
        out.rows += round_rows("bench", case, rounds[case], {q: q for q in ("step_time", "blas_time", *GC.values())},
                               costs=("step_time",))
        for who in rounds[case].values:  # how far above its own six products each step is, with its intervals
            out.rows += estimate_rows(who, "bench", case, "step_over_floor",
                                      rounds[case].over(who, "step_time", "blas_time"), "",
                                      "the step over its BLAS floor, paired by worker generation")
        out.rows.append(Row("all", "bench", case, "rounds", "", rounds[case].count, "",
                            f"{s.generations} worker processes"))
        out.rows.append(Row("all", "bench", case, "steps", "", c["warmup"] + c["inner"], "",
                            f"{c['warmup']} untimed + {c['inner']} timed steps per round, from the same parameters"))
        out.rows.append(Row("all", "bench", case, "flops", "", c["flops"], "FLOP"))
        out.rows += [Row("all", "bench", case, "hidden", "", c["hidden"]),
                     Row("all", "bench", case, "batch", "", c["batch"])]
        verify(out, "bench", case, checked[case], list(c["shapes"]), GRAD_TOL)


def bench_shapes(hidden: int, batch: int) -> dict[str, tuple]:
    """What a verifying bench round returns: the parameters after its steps and the six products."""
    d, c = seeded.INPUT_SIZE, seeded.OUTPUT_SIZE
    return {"W1": (d, hidden), "b1": (hidden,), "W2": (hidden, c), "b2": (c,),
            "p_xW1": (batch, hidden), "p_hW2": (batch, c), "p_dyW2t": (batch, hidden), "p_htdy": (hidden, c),
            "p_dhW1t": (batch, d), "p_xtdh": (d, hidden)}
