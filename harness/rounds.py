"""Measuring in rounds: what a task did for each participant (Outcome), the per-round values of a case (Rounds),
the loop that runs rounds until the ratios converge or the budget is spent (run_rounds), and their rows for the
results table. docs/measurement.md has the reasoning."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from .results import Row
from .runners import PortError
from .schedule import round_order
from .settings import lang_variant, part, reference
from .stats import Estimate, median_ci, ratio_estimate
from .workers import WorkerFailure

if TYPE_CHECKING:  # the context holds the workers the rounds go through; only its type is needed here
    from .tasks.context import RunContext


class Outcome:
    """What one task did for each participant (a language, or one variant of it: `part`): rows to write, and
    failures (participant -> reason), each failure announced once, when it happens."""

    def __init__(self, task: str, parts: list[str], say: Callable[[str], None] = lambda message: None):
        self.task, self.parts, self.say = task, parts, say
        self.rows: list[Row] = []
        self.failed: dict[str, str] = {}
        self.unchecked: set[str] = set()  # failed because there was nothing to compare with: never ok

    def fail(self, who: str, reason: str) -> None:
        if who not in self.failed:
            self.failed[who] = reason
            self.say(f"FAILED {who} {self.task}: {reason}")

    def port_error(self, exc: PortError, what: str, who: str | None = None) -> None:
        """A request failed: the participant that made it fails; when the worker process itself failed (or no
        participant is named), every participant of that language does, since what the process held is lost."""
        tail = " | last output: " + " / ".join(exc.tail.splitlines()[-5:]) if exc.tail else ""
        note = f"{what}: {exc.reason}{tail}"
        if who is not None and not isinstance(exc, WorkerFailure):
            self.fail(who, note)
            return
        for p in self.parts:
            if lang_variant(p)[0] == exc.lang:
                self.fail(p, note)

    def ok(self, who: str) -> bool:
        return who not in self.failed

    def running(self) -> list[str]:
        return [p for p in self.parts if self.ok(p)]


# ---- rounds ----------------------------------------------------------------------------------------------

@dataclass
class Rounds:
    """One case's per-round values, per language: values[lang][quantity][round], and for every round the
    language's position in that round's order and which of its worker processes measured it."""
    values: dict[str, dict[str, dict[int, float]]] = field(default_factory=dict)
    positions: dict[str, dict[int, int]] = field(default_factory=dict)
    workers: dict[str, dict[int, int]] = field(default_factory=dict)
    count: int = 0
    stopped_because: str = ""

    def add(self, lang: str, round_no: int, position: int, worker: int, measured: dict[str, float]) -> None:
        for q, v in measured.items():
            self.values.setdefault(lang, {}).setdefault(q, {})[round_no] = float(v)
        self.positions.setdefault(lang, {})[round_no] = position
        self.workers.setdefault(lang, {})[round_no] = worker

    def estimate(self, lang: str, q: str) -> Estimate:
        vals = self.values.get(lang, {}).get(q, {})
        return median_ci(list(vals.values()), [self.workers[lang][r] for r in vals])

    def ratio(self, who: str, q: str) -> Estimate:
        """The participant's ratio to Python's same variant, paired within rounds."""
        return ratio_estimate(self.values.get(who, {}).get(q, {}), self.values.get(reference(who), {}).get(q, {}),
                              self.workers.get(who))

    def difference(self, who: str, base: str, q: str, relative: bool = False) -> Estimate:
        """base - who (relative: divided by base), paired within rounds: the cost of base over who."""
        a, b = self.values.get(who, {}).get(q, {}), self.values.get(base, {}).get(q, {})
        common = [r for r in sorted(b) if r in a]
        diffs = [(b[r] - a[r]) / b[r] if relative else b[r] - a[r] for r in common]
        return median_ci(diffs, [self.workers[base][r] for r in common])

    def converged(self, parts: list[str], quantities: list[str]) -> bool:
        """Every participant's ratio to its reference within the target (a reference's own time, when nothing
        is measured against it)."""
        def done(who: str, q: str) -> bool:
            if who != reference(who) and reference(who) in parts:
                return self.ratio(who, q).converged
            if any(reference(other) == who for other in parts if other != who):
                return True
            return self.estimate(who, q).converged
        return all(done(who, q) for who in parts for q in quantities)


def run_rounds(ctx: RunContext, name: str, out: Outcome, cases: list[str],
               block: Callable[[str, str, int], dict[str, float]], quantities: list[str], rounds: int | None = None,
               per_worker: int | None = None, setup: Callable[[str, int], None] | None = None,
               teardown: Callable[[str], None] | None = None) -> dict[str, Rounds]:
    """Rounds of `block(lang, case, round)`: in each round, for each case still measured (in a shuffled order),
    every running language once, in an order shuffled per round. `rounds` of them if given; else (adaptive) at
    least min_rounds, then until each case's ratios have converged, the time budget (case_budget_s per case)
    is spent or max_rounds is reached.

    Every `per_worker` rounds each language's worker is replaced by a new process (`teardown(lang)` first, then
    `setup(lang, round)` on the new one; setup also runs before the first round, teardown after the last), so
    that a measurement is spread over several processes and stretches of time. A language whose block fails
    leaves the rounds."""
    s = ctx.settings
    results = {case: Rounds() for case in cases}
    active = list(cases)
    start = time.monotonic()

    def each_part(fn: Callable[[str], None], what: str) -> None:
        for who in out.running():
            try:
                fn(who)
            except PortError as exc:
                out.port_error(exc, what, who)

    if setup is not None:
        each_part(lambda who: setup(who, 0), name)
    r = 0
    while active and out.running():
        if r and per_worker and r % per_worker == 0:
            ctx.progress.detail(f"{name}: new worker processes")
            if teardown is not None:
                each_part(teardown, name)
            for lang in dict.fromkeys(lang_variant(who)[0] for who in out.running()):
                ctx.workers.retire(lang)
            if setup is not None:
                each_part(lambda who, r=r: setup(who, r), name)
        for case in round_order(active, ctx.seed, name, r):
            label = f"{name} {case}".strip()
            for position, who in enumerate(round_order(out.running(), ctx.seed, label, r)):
                ctx.progress.detail(f"{label}: round {r + 1}, {who}")
                try:
                    measured = block(who, case, r)
                except PortError as exc:
                    out.port_error(exc, f"{label}, round {r + 1}", who)
                    continue
                results[case].add(who, r, position, ctx.workers.serial(lang_variant(who)[0]), measured)
            results[case].count = r + 1
        r += 1
        if rounds is not None:
            if r >= rounds:
                for case in active:
                    results[case].stopped_because = f"{rounds} rounds"
                active = []
            continue
        if r >= s.min_rounds:
            for case in list(active):
                if results[case].converged(out.running(), quantities):
                    results[case].stopped_because = "converged"
                    active.remove(case)
            spent = time.monotonic() - start >= s.case_budget_s * len(cases)
            if active and (spent or r >= s.max_rounds):
                why = f"time budget ({s.case_budget_s:g} s per case) spent" if spent else f"{s.max_rounds} rounds"
                for case in active:
                    results[case].stopped_because = why
                active = []
    if teardown is not None:
        each_part(teardown, name)
    return results


def round_rows(task: str, case: str, rounds: Rounds, quantities: dict[str, str], unit: str = "s",
               target: bool = True, costs: tuple[str, ...] = ()) -> list[Row]:
    """The raw per-round values (index: round), each round's position in the order and worker process, and per
    participant and quantity the estimate and the ratio to Python's same variant, each with its 95% CI (index:
    median, ci_low, ci_high, rounds, outliers; ratios also converged, unless the quantity has no `target` width,
    as start-up, measured in a few fresh processes). `quantities` maps the per-round metric to the quantity's
    name. For the metrics in `costs`, each language measured in both variants also gets the cost of the
    abstraction: layered minus fused, paired within rounds (NAME_abstraction, and as a share of the layered
    time, NAME_abstraction_share)."""
    rows = []
    for who, per_q in rounds.values.items():
        lang, variant = lang_variant(who)
        for metric, name in quantities.items():
            vals = per_q.get(metric, {})
            rows += [Row(lang, task, case, metric, r, v, unit, variant=variant) for r, v in sorted(vals.items())]
            rows += estimate_rows(who, task, case, f"{name}_estimate", rounds.estimate(who, metric), unit)
            if who != reference(who) and reference(who) in rounds.values:
                est = rounds.ratio(who, metric)
                rows += estimate_rows(who, task, case, f"{name}_ratio", est, "")
                if target:
                    rows.append(Row(lang, task, case, f"{name}_ratio", "converged", float(est.converged), "",
                                    f"95% CI half-width {est.half_width:.1%} of the ratio after {rounds.count} rounds; "
                                    f"stopped: {rounds.stopped_because}", variant))
            fused = part(lang, "fused")
            if metric in costs and variant == "layers" and fused in rounds.values:
                rows += estimate_rows(who, task, case, f"{name}_abstraction", rounds.difference(fused, who, metric),
                                      unit, "layered minus fused, paired within rounds")
                rows += estimate_rows(who, task, case, f"{name}_abstraction_share",
                                      rounds.difference(fused, who, metric, relative=True), "",
                                      "(layered minus fused) / layered, paired within rounds")
        rows += [Row(lang, task, case, "round_position", r, p, variant=variant)
                 for r, p in sorted(rounds.positions.get(who, {}).items())]
        rows += [Row(lang, task, case, "round_worker", r, w, variant=variant)
                 for r, w in sorted(rounds.workers.get(who, {}).items())]
    return rows


def estimate_rows(who: str, task: str, case: str, metric: str, est: Estimate, unit: str, what: str = "") -> list[Row]:
    lang, variant = lang_variant(who)
    ci = "95% CI, bootstrap over workers and rounds"
    return [Row(lang, task, case, metric, "median", est.value, unit, what, variant),
            Row(lang, task, case, metric, "ci_low", est.low, unit, ci, variant),
            Row(lang, task, case, metric, "ci_high", est.high, unit, ci, variant),
            Row(lang, task, case, metric, "rounds", est.rounds, "", "", variant),
            Row(lang, task, case, metric, "outliers", est.outliers, "", "rounds over 3x the median", variant)]
