"""Measuring in rounds: what a task did for each participant (Outcome), the per-round values of a case (Rounds),
the loop that runs a fixed number of rounds, replacing the workers every few (run_rounds), and their rows for the
results table. docs/measurement.md has the reasoning."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

import numpy as np

from .results import Row
from .runners import PortError
from .schedule import round_order
from .settings import Participant
from .stats import (
    Estimate,
    difference,
    estimate,
    generation_values,
    over_generations,
    ratio,
)
from .workers import WorkerFailure

if TYPE_CHECKING:  # the context holds the workers the rounds go through; only its type is needed here
    from .tasks.context import RunContext


class Outcome:
    """What one task did for each participant (a language, or one variant of it: `part`): rows to write, and
    failures (participant -> reason), each failure announced once, when it happens."""

    def __init__(self, task: str, parts: list[Participant], say: Callable[[str], None] = lambda message: None):
        self.task, self.parts, self.say = task, parts, say
        self.rows: list[Row] = []
        self.failed: dict[Participant, str] = {}
        self.unchecked: set[Participant] = set()  # failed because there was nothing to compare with: never ok

    def fail(self, who: Participant, reason: str) -> None:
        if who not in self.failed:
            self.failed[who] = reason
            self.say(f"FAILED {who} {self.task}: {reason}")

    def port_error(self, exc: PortError, what: str, who: Participant | None = None) -> None:
        """A request failed: the participant that made it fails; when the worker process itself failed (or no
        participant is named), every participant of that language does, since what the process held is lost."""
        tail = " | last output: " + " / ".join(exc.tail.splitlines()[-5:]) if exc.tail else ""
        note = f"{what}: {exc.reason}{tail}"
        if who is not None and not isinstance(exc, WorkerFailure):
            self.fail(who, note)
            return
        for p in self.parts:
            if p.lang == exc.lang:
                self.fail(p, note)

    def ok(self, who: Participant) -> bool:
        return who not in self.failed

    def language_set_up(self, who: Participant) -> list[Participant]:
        """The running participants of who's language once `who`, the last of them a new worker sets up, is set up:
        the worker then holds them all, for what runs on all of them at once. Empty before."""
        mine = [p for p in self.running() if p.lang == who.lang]
        return mine if mine and who == mine[-1] else []

    def running(self) -> list[Participant]:
        return [p for p in self.parts if self.ok(p)]


# ---- rounds ----------------------------------------------------------------------------------------------

@dataclass
class Rounds:
    """One case's per-round values, per language: values[lang][quantity][round], and for every round the
    language's position in that round's order and which of its worker processes (generation) measured it."""
    values: dict[Participant, dict[str, dict[int, float]]] = field(default_factory=dict)
    positions: dict[Participant, dict[int, int]] = field(default_factory=dict)
    workers: dict[Participant, dict[int, int]] = field(default_factory=dict)
    count: int = 0
    gc: dict[str, str] = field(default_factory=dict)  # a quantity -> the quantity holding its GC part, if counted

    def add(self, who: Participant, round_no: int, position: int, worker: int, measured: dict[str, float]) -> None:
        for q, v in measured.items():
            self.values.setdefault(who, {}).setdefault(q, {})[round_no] = float(v)
        self.positions.setdefault(who, {})[round_no] = position
        self.workers.setdefault(who, {})[round_no] = worker

    def _series(self, who: Participant, q: str) -> tuple[list[float], list[int]]:
        vals = self.values.get(who, {}).get(q, {})
        return list(vals.values()), [self.workers[who][r] for r in vals]

    def per_generation(self, who: Participant, q: str) -> dict[int, float]:
        """The quiet cost of the quantity (stats.quiet: the low end of its rounds, each block's whole time, its
        collector's part included) in each of the participant's worker processes; for a collector's part (a
        quantity of `gc`), its mean per round."""
        if q in self.gc.values():  # a collector's time is the program's own: its mean per round, every round
            by_gen: dict[int, list[float]] = {}
            for r, v in self.values.get(who, {}).get(q, {}).items():
                by_gen.setdefault(self.workers[who][r], []).append(v)
            return {w: float(np.mean(v)) for w, v in by_gen.items()}
        return generation_values(*self._series(who, q))

    def estimate(self, who: Participant, q: str) -> Estimate:
        vals, gens = self._series(who, q)
        if q in self.gc.values():  # the mean over generations (a collector may take nothing in some)
            return over_generations(list(self.per_generation(who, q).values()), len(vals), log=False)
        return estimate(vals, gens)

    def ratio(self, who: Participant, q: str) -> Estimate:
        """The participant's ratio to Python's same variant, paired by worker generation (both measured in the same
        rounds by processes replaced together): the geometric mean of the generations' ratios."""
        return ratio(self.per_generation(who, q), self.per_generation(who.reference, q),
                     len(self.values.get(who, {}).get(q, {})))

    def over(self, who: Participant, q: str, base: str) -> Estimate:
        """The participant's quantity q over its own quantity `base` (a step over its BLAS floor), both measured in
        the same rounds by the same worker: the geometric mean of the generations' ratios."""
        return ratio(self.per_generation(who, q), self.per_generation(who, base),
                     len(self.values.get(who, {}).get(q, {})))

    def difference(self, who: Participant, base: Participant, q: str, relative: bool = False) -> Estimate:
        """base - who (relative: divided by base), paired by generation: the cost of base over who."""
        return difference(self.per_generation(base, q), self.per_generation(who, q), relative,
                          len(self.values.get(base, {}).get(q, {})))


def run_rounds(ctx: RunContext, name: str, out: Outcome, cases: list[str],
               block: Callable[[Participant, str, int], dict[str, float]], rounds: int, per_worker: int | None = None,
               setup: Callable[[Participant, int], None] | None = None,
               teardown: Callable[[Participant], None] | None = None, fresh: bool = False) -> dict[str, Rounds]:
    """`rounds` rounds of `block(lang, case, round)`: in each round, for each case (in a shuffled order), every
    running participant once, in an order shuffled per round. A fixed number: stopping when an interval first
    looks narrow would keep the runs whose interval happens to be narrow.

    Every `per_worker` rounds each language's worker is replaced by a new process (`teardown(lang)` first, then
    `setup(lang, round)` on the new one; setup also runs before the first round, teardown after the last): the
    worker generation is the unit of replication of the statistics (harness/stats.py). A language whose block
    fails leaves the rounds. With `fresh`, every block runs in fresh processes of its own: each round is then its
    own generation."""
    results = {case: Rounds() for case in cases}

    def each_part(fn: Callable[[Participant], None], what: str) -> None:
        for who in out.running():
            try:
                fn(who)
            except PortError as exc:
                out.port_error(exc, what, who)

    if setup is not None:
        each_part(lambda who: setup(who, 0), name)
    for r in range(rounds):
        if not out.running():
            break
        if r and per_worker and r % per_worker == 0:
            ctx.progress.detail(f"{name}: new worker processes")
            if teardown is not None:
                each_part(teardown, name)
            for lang in dict.fromkeys(who.lang for who in out.running()):
                ctx.workers.retire(lang)
            if setup is not None:
                each_part(lambda who, r=r: setup(who, r), name)
        ctx.machine.sample()
        for case in round_order(cases, ctx.seed, name, r):
            label = f"{name} {case}".strip()
            for position, who in enumerate(round_order(out.running(), ctx.seed, label, r)):
                ctx.progress.detail(f"{label}: round {r + 1} of {rounds}, {who}")
                try:
                    measured = block(who, case, r)
                except PortError as exc:
                    out.port_error(exc, f"{label}, round {r + 1}", who)
                    continue
                worker = r + 1 if fresh else ctx.workers.serial(who.lang)
                results[case].add(who, r, position, worker, measured)
            results[case].count = r + 1
    ctx.machine.sample()
    if teardown is not None:
        each_part(teardown, name)
    return results


def round_rows(task: str, case: str, rounds: Rounds, quantities: dict[str, str], unit: str = "s",
               costs: tuple[str, ...] = ()) -> list[Row]:
    """The raw per-round values (index: round), each round's position in the order and worker process, and per
    participant and quantity the estimate and the ratio to Python's same variant, each with its intervals
    (estimate_rows). `quantities` maps the per-round metric to the quantity's name. For the metrics in `costs`,
    each language measured in both variants also gets the cost of the abstraction: layered minus fused, paired by
    generation (NAME_abstraction, and as a share of the layered time, NAME_abstraction_share)."""
    rows = []
    for who, per_q in rounds.values.items():
        lang, variant = who
        for metric, name in quantities.items():
            vals = per_q.get(metric, {})
            if not vals:
                continue
            rows += [Row(lang, task, case, metric, r, v, unit, variant=variant) for r, v in sorted(vals.items())]
            rows += estimate_rows(who, task, case, f"{name}_estimate", rounds.estimate(who, metric), unit)
            if not who.is_reference and who.reference in rounds.values and metric not in rounds.gc.values():
                rows += estimate_rows(who, task, case, f"{name}_ratio", rounds.ratio(who, metric), "")
            fused = Participant(lang, "fused")
            if metric in costs and variant == "layers" and fused in rounds.values:
                rows += estimate_rows(who, task, case, f"{name}_abstraction", rounds.difference(fused, who, metric),
                                      unit, "layered minus fused, paired by worker generation")
                rows += estimate_rows(who, task, case, f"{name}_abstraction_share",
                                      rounds.difference(fused, who, metric, relative=True), "",
                                      "(layered minus fused) / layered, paired by worker generation")
        rows += [Row(lang, task, case, "round_position", r, p, variant=variant)
                 for r, p in sorted(rounds.positions.get(who, {}).items())]
        rows += [Row(lang, task, case, "round_worker", r, w, variant=variant)
                 for r, w in sorted(rounds.workers.get(who, {}).items())]
    return rows


def estimate_rows(who: Participant, task: str, case: str, metric: str, est: Estimate, unit: str,
                  what: str = "") -> list[Row]:
    """An estimate's rows: index `estimate` (the geometric mean over worker generations of each one's quiet cost,
    or of a ratio), `ci_low`/`ci_high` (its 95% confidence interval), `pi_low`/`pi_high` (the 95% prediction
    interval for a next run's estimate), `generations`, `rounds` and `outliers`."""
    lang, variant = who
    ci, pi = "95% CI over worker generations", "95% prediction interval for a next run's estimate"
    return [Row(lang, task, case, metric, "estimate", est.value, unit, what, variant),
            Row(lang, task, case, metric, "ci_low", est.low, unit, ci, variant),
            Row(lang, task, case, metric, "ci_high", est.high, unit, ci, variant),
            Row(lang, task, case, metric, "pi_low", est.pred_low, unit, pi, variant),
            Row(lang, task, case, metric, "pi_high", est.pred_high, unit, pi, variant),
            Row(lang, task, case, metric, "generations", est.generations, "", "worker processes", variant),
            Row(lang, task, case, metric, "rounds", est.rounds, "", "", variant),
            Row(lang, task, case, metric, "outliers", est.outliers, "", "measurements over 3x the median", variant)]
