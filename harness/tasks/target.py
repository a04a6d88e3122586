"""Julia with and without the CPU target the harness starts it with (harness/runners/julia.py, cpu_target): the
bench step at the run's base size, both variants, measured in the same rounds by two Julia workers."""
from __future__ import annotations

from dataclasses import replace

from ..parity import GRAD_TOL, rel_diff
from ..results import Row
from ..rounds import Outcome, estimate_rows, run_rounds
from ..runners import get_runner
from ..runners.julia import JuliaRunner, cpu_target
from ..settings import Participant
from ..stats import ratio
from ..workers import Workers
from .bench import GC, bench_cases, bench_requests
from .context import RunContext

NATIVE = "julia-native"  # the participant started without -C: Julia's own choice (generic where it does not know
# the CPU); its rows are written under the language julia, the case naming the target


def target_parts(ctx: RunContext) -> list[Participant]:
    """The participants: Julia as the run starts it, and Julia left to its own choice, in both variants; none when
    Julia is not measured or is started without a target."""
    found = get_runner("julia").find() if "julia" in ctx.langs else None
    if found is None or cpu_target(found.exe) is None:
        return []
    return [Participant(lang, v) for lang in ("julia", NATIVE) for v in ctx.settings.variants]


def task_target(ctx: RunContext, out: Outcome) -> None:
    """Rounds of the bench step at the base size, by both Julias (their own workers, replaced every few rounds);
    each one's step, and the native one's time over the targeted one's (paired by generation). What both computed
    is verified against each other (1e-12)."""
    s = ctx.settings
    if not out.parts:
        return
    target = cpu_target(get_runner("julia").find().exe)
    workers = Workers(ctx.threads, ctx.workers.cpus, ctx.log, runners=lambda key: JuliaRunner(key, key == NATIVE),
                      max_timeout=s.timeout)
    sub = replace(ctx, workers=workers)
    cases = bench_cases(sub, [(s.hidden, s.batch)])
    case = next(iter(cases))
    checked: dict[str, dict[Participant, dict]] = {case: {} for case in cases}
    setup, block = bench_requests(sub, out, cases, checked)
    rounds_n = max(3, s.bench_rounds // 2)  # three pairs of workers, a side result kept short
    try:
        rounds = run_rounds(sub, "cpu target", out, [case], block, rounds=rounds_n, per_worker=-(-rounds_n // 3),
                            setup=setup)[case]
    finally:
        workers.close()
    rounds.gc = GC
    for variant in s.variants:
        tuned, native = (Participant(lang, variant) for lang in ("julia", NATIVE))
        for who, name in ((tuned, target), (native, "native")):
            if who in rounds.values:
                out.rows += estimate_rows(tuned, "cpu_target", f"{case} {name}", "step_time_estimate",
                                          rounds.estimate(who, "step_time"), "s", f"Julia started with -C {name}")
        if tuned in rounds.values and native in rounds.values:
            est = ratio(rounds.per_generation(native, "step_time"), rounds.per_generation(tuned, "step_time"),
                        rounds.count)
            out.rows += estimate_rows(tuned, "cpu_target", case, "native_over_target_ratio", est, "",
                                      f"Julia's own choice (native) over -C {target}, paired by worker generation")
        if tuned in checked[case] and native in checked[case]:  # the same code compiled two ways: the same numbers
            for n in cases[case]["shapes"]:
                diff = rel_diff(checked[case][native][n], checked[case][tuned][n])
                out.rows.append(Row("julia", "cpu_target", case, "native_vs_target_rel", n, diff, variant=variant))
                if not diff <= GRAD_TOL:
                    out.fail(native, f"{n} differs from the targeted Julia's by {diff:.2e} (tolerance {GRAD_TOL:g})")
