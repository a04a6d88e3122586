"""`harness run`: every language on identical inputs, measured in interleaved, paired rounds.

How a run measures (docs/measurement.md has the reasoning):
- Start-up and the first call are measured on fresh processes (one-shot runs), in rounds.
- Everything steady-state goes through one persistent worker per language (harness/workers.py).
- Every timed quantity is measured in rounds: in each round every language measures the same block of work,
  back to back, in an order shuffled per round (harness/schedule.py). A language's ratio to Python is taken
  within each round; the median over rounds is the estimate, with a seeded bootstrap 95% CI (harness/stats.py).
- Benchmark cases take rounds until every ratio's CI half-width is at most 3% of the ratio, or the case's time
  budget is spent; the training run is cut into chunks, one chunk per language per round.
- Every timed request also returns what it computed, and that is compared with Python's.
- The perceptron, the training run and the scaling cases are measured for both variants of every port (the book's
  layers, and the same step as fast, clear code: docs/porting.md), in the same rounds: each (language, variant)
  is a participant, and a fused variant's ratio is to Python's fused variant.
Each task's rows are written to results.csv as soon as the task finishes.
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from . import inputs as mk
from .check import GRAD_TOL, RUN_TRAIN_TOL
from .data import DataError, load_raw
from .interchange import write_arrays
from .parity import max_rel_each, rel_diff
from .progress import Progress
from .results import VARIANTS, ResultsFile, Row, series
from .runners import RUNNERS, PortError, get_runner
from .runners.base import MALLOC_TUNABLES, REPO, clean_stale_temp, pid_alive
from .schedule import round_order
from .stats import Estimate, flops_per_step, median_ci, ratio_estimate
from .workers import WorkerFailure, Workers
from python_impl.two_layer_net import PARAM_NAMES

GATES = ("AND", "OR", "NAND", "XOR")
WARMUP_STEPS = 10  # the training run's first steps (compilation, cold caches) are left out of its rounds


@dataclass
class Settings:
    """What a run does. `quick()` gives the short version with the same report."""
    iters: int = 10000
    batch: int = 100
    lr: float = 0.1
    hidden: int = 50
    eval_every: int = 600
    train_chunk: int = 200  # training steps per request: one chunk per language per round
    perceptron_epochs: int = 2000
    perceptron_lr: float = 1.0
    perceptron_repeats: int = 3  # whole training runs per request; a round's value is their median
    startup_repeats: int = 3  # rounds of fresh processes
    bench_target_s: float = 0.05  # each timed block (steps, or the BLAS floor) lasts about this long
    min_rounds: int = 10
    max_rounds: int = 150
    case_budget_s: float = 6.0  # rounds stop when this much time per case is spent, converged or not
    rounds_per_worker: int = 8  # each language's worker is replaced by a new process every so many rounds
    train_generations: int = 2  # worker processes the training run is handed through
    scaling_hidden: tuple[int, ...] = (50, 100, 200, 400, 800)
    scaling_batch: tuple[int, ...] = (1, 10, 100, 1000)
    gradcheck_batch: int = 3
    tasks: tuple[str, ...] = ("startup", "perceptron", "gradcheck", "train", "scaling")
    variants: tuple[str, ...] = VARIANTS  # for the tasks that measure both (VARIANT_TASKS)
    timeout: float | None = None  # caps every request's time limit (else proportional: time_limit)
    quick_version: bool = False

    @classmethod
    def quick(cls) -> "Settings":
        return cls(quick_version=True, iters=600, eval_every=100, train_chunk=25, perceptron_epochs=500,
                   case_budget_s=5.0, scaling_hidden=(50, 200, 800), scaling_batch=(1, 100, 1000))


@dataclass
class RunContext:
    run_dir: Path
    langs: list[str]
    settings: Settings
    seed: int
    threads: int
    results: ResultsFile
    progress: Progress
    workers: Workers
    data_dir: Path | None = None
    gflops: float = float("nan")  # the machine's measured DGEMM rate: sizes the timed blocks
    log: Callable[[str], None] = print
    _mnist: dict | None = None

    @property
    def mnist(self) -> dict[str, np.ndarray]:
        if self._mnist is None:
            self._mnist = load_raw(self.data_dir, log=self.log)
        return self._mnist

    def request(self, lang: str, task: str, config: dict, timeout: float, **kw):
        return self.workers.request(lang, task, config, timeout=timeout, **kw).arrays

    def fresh(self, lang: str, task: str, config: dict, **kw):
        """A one-shot run in a fresh process (start-up and first-call measurements)."""
        return get_runner(lang).run(task, config, timeout=self.workers.limit(time_limit(5.0)), threads=self.threads,
                                    **kw)


def part(lang: str, variant: str = "layers") -> str:
    """A participant of a task: a language's layered code ("julia") or another variant of it ("julia fused")."""
    return lang if variant == "layers" else f"{lang} {variant}"


def lang_variant(who: str) -> tuple[str, str]:
    """A participant's language and variant."""
    lang, _, variant = who.partition(" ")
    return lang, variant or "layers"


def reference(who: str) -> str:
    """The participant a ratio is taken to: Python in the same variant."""
    return part("python", lang_variant(who)[1])


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
        note = f"{what}: {exc.reason}" + (" | last output: " + " / ".join(exc.tail.splitlines()[-5:]) if exc.tail else "")
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
                each_part(lambda who: setup(who, r), name)
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


def time_limit(expected_s: float) -> float:
    """A request's time limit: generous against what it should take (a hang is caught, a slow port is not)."""
    return 60.0 + 30.0 * expected_s


def step_estimate(batch: int, hidden: int) -> float:
    """A modest guess of one step's time (seconds): its FLOPs at 5 GFLOP/s plus 0.1 ms of overhead."""
    return flops_per_step(batch, hidden) / 5e9 + 1e-4


# ---- the tasks -------------------------------------------------------------------------------------------

def task_startup(ctx: RunContext, out: Outcome) -> None:
    """Fresh processes, in rounds: a port that does nothing (start-up, timed from outside) and the first
    training step of a fresh process (timed inside: it includes any compilation), verified."""
    s = ctx.settings
    folder = ctx.workers.scratch / "first_step"
    data = first_step_inputs(ctx)
    write_arrays(folder, data)
    case = f"hidden={s.hidden} batch={s.batch}"
    checked: dict[str, dict] = {}

    def block(lang: str, _case: str, r: int) -> dict[str, float]:
        wall = ctx.fresh(lang, "noop", {}).wall
        got = ctx.fresh(lang, "first_step", {"lr": s.lr}, input_dir=folder).arrays
        need(lang, "first_step", got, {"first_step": (), **{k: data[k].shape for k in PARAM_NAMES}})
        checked.setdefault(lang, got)
        return {"startup_time": wall, "first_step": float(got["first_step"])}

    rounds = run_rounds(ctx, "startup", out, [""], block, [], rounds=s.startup_repeats)[""]
    out.rows += round_rows("startup", "", rounds, {"startup_time": "startup_time"}, target=False)
    out.rows += round_rows("startup", case, rounds, {"first_step": "first_step"}, target=False)
    verify(out, "startup", case, checked, list(PARAM_NAMES), GRAD_TOL)


def first_step_inputs(ctx: RunContext) -> dict[str, np.ndarray]:
    s = ctx.settings
    idx = mk.batch_sequence(ctx.seed, 1, s.batch)[0]
    return {**mk.net_params(ctx.seed, s.hidden), "x": ctx.mnist["x_train"][idx].astype(np.float64) / 255.0,
            "t": ctx.mnist["t_train"][idx].astype(np.int64)}


def task_perceptron(ctx: RunContext, out: Outcome) -> None:
    """Each gate learned once per language and variant (verified); AND timed in rounds (whole training runs)."""
    s = ctx.settings
    shapes = {"W": (2,), "b": (), "losses": (s.perceptron_epochs,), "solved_epoch": ()}
    checked: dict[str, dict[str, dict]] = {g: {} for g in GATES}
    first: dict[str, float] = {}

    def learn(who: str, gate: str, repeats: int) -> dict:
        lang, variant = lang_variant(who)
        config = {"epochs": s.perceptron_epochs, "lr": s.perceptron_lr, "repeats": repeats, "variant": variant}
        got = ctx.request(lang, "perceptron", config, inputs=mk.perceptron_inputs(ctx.seed, gate),
                          timeout=time_limit(s.perceptron_epochs * 1e-4 * (repeats + 1)))
        need(who, "perceptron", got, {**shapes, "first_time": (), "times": (repeats,)})
        checked[gate].setdefault(who, got)
        return got

    def block(who: str, gate: str, r: int) -> dict[str, float]:
        got = learn(who, gate, s.perceptron_repeats)
        first.setdefault(who, float(got["first_time"]) / s.perceptron_epochs)
        return {"epoch_time": float(np.median(got["times"])) / s.perceptron_epochs}

    rounds = run_rounds(ctx, "perceptron", out, ["AND"], block, ["epoch_time"], per_worker=s.rounds_per_worker)
    out.rows += round_rows("perceptron", "AND", rounds["AND"], {"epoch_time": "epoch_time"}, costs=("epoch_time",))
    for who, t in first.items():
        out.rows.append(Row(lang_variant(who)[0], "perceptron", "AND", "first_epoch_time", "", t, "s",
                            "the first whole run in a new worker, per epoch: includes any compilation",
                            lang_variant(who)[1]))
    for gate in GATES[1:]:
        for who in out.running():
            try:
                learn(who, gate, 1)
            except PortError as exc:
                out.port_error(exc, f"perceptron {gate}", who)
    for gate in GATES:
        for who, got in checked[gate].items():
            solved = int(got["solved_epoch"])
            lang, variant = lang_variant(who)
            out.rows += [Row(lang, "perceptron", gate, "solved_epoch", "", solved, "epochs",
                             "never classified all four inputs" if solved < 0 else "", variant),
                         Row(lang, "perceptron", gate, "final_loss", "", float(got["losses"][-1]), variant=variant)]
        verify(out, "perceptron", gate, checked[gate], ["W", "b", "losses"], RUN_TRAIN_TOL, floor=1.0)


def task_gradcheck(ctx: RunContext, out: Outcome) -> None:
    """The book's check: backprop against central differences on the first 3 training images, book weights.
    Nothing here is timed but the whole, so the languages run side by side, one per CPU."""
    n = ctx.settings.gradcheck_batch
    data = {**mk.net_params(ctx.seed, ctx.settings.hidden),
            "x": ctx.mnist["x_train"][:n].astype(np.float64) / 255.0, "t": ctx.mnist["t_train"][:n].astype(np.int64)}
    folder = ctx.workers.scratch / "gradcheck"
    write_arrays(folder, data)
    shapes = {"loss": (), **{k: data[k].shape for k in PARAM_NAMES}}

    def check(lang: str) -> tuple[dict, float]:
        start = time.perf_counter()
        backprop = ctx.request(lang, "grad", {"model": "two_layer_net", "numerical": 0}, input_dir=folder,
                               timeout=time_limit(1.0))
        numerical = ctx.request(lang, "grad", {"model": "two_layer_net", "numerical": 1}, input_dir=folder,
                                timeout=time_limit(60.0))
        need(lang, "gradcheck (backprop)", backprop, shapes)
        need(lang, "gradcheck (numerical)", numerical, shapes)
        return {"backprop": backprop, "numerical": numerical}, time.perf_counter() - start

    ctx.progress.detail(", ".join(out.running()))
    checked, results = {}, {}
    pool = ThreadPoolExecutor(max_workers=max(1, os.cpu_count() or 1))
    try:
        futures = {lang: pool.submit(check, lang) for lang in out.running()}
        for lang, future in futures.items():
            try:
                results[lang] = future.result()
            except PortError as exc:
                out.port_error(exc, "gradcheck")
    except BaseException:  # Ctrl-C: stop the workers, so that the threads waiting on them end now
        ctx.workers.kill_all()
        raise
    finally:
        pool.shutdown(wait=True)
    for lang, (got, wall) in results.items():
        backprop, numerical = got["backprop"], got["numerical"]
        for name in PARAM_NAMES:
            diff = np.abs(backprop[name] - numerical[name])
            out.rows += [Row(lang, "gradcheck", name, "numerical_max_abs", "", float(diff.max())),
                         Row(lang, "gradcheck", name, "numerical_mean_abs", "", float(diff.mean())),
                         Row(lang, "gradcheck", name, "numerical_rel", "", rel_diff(numerical[name], backprop[name]))]
        out.rows.append(Row(lang, "gradcheck", "", "wall_time", "", wall, "s",
                            "languages side by side, one per CPU"))
        checked[lang] = backprop
    verify(out, "gradcheck", "", checked, ["loss", *PARAM_NAMES], GRAD_TOL)


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


def task_train(ctx: RunContext, out: Outcome) -> None:
    """The book's training run, every language in step, chunk by chunk: each round every language runs the same
    chunk of steps (its network kept in its worker), in a shuffled order. The run is handed to new worker
    processes (train_generations of them) on the way: the old one returns the parameters, the new one continues."""
    s = ctx.settings
    folder = ctx.run_dir / "inputs" / "train"
    params = mk.net_params(ctx.seed, s.hidden)
    if not (folder / "manifest.txt").exists():  # written once, read by every language
        write_arrays(folder, {**params, "batches": mk.batch_sequence(ctx.seed, s.iters, s.batch), **ctx.mnist})
    chunks = train_chunks(s.iters, s.train_chunk, s.eval_every)
    case = f"hidden={s.hidden} batch={s.batch}"
    step = step_estimate(s.batch, s.hidden)
    walls = {who: 0.0 for who in out.running()}
    got = {who: {"loss": [], "step_times": [], "train_acc": [], "test_acc": []} for who in out.running()}
    reached: dict[str, dict] = {}  # the parameters each participant's last worker handed back

    def setup(who: str, r: int) -> None:
        lang, variant = lang_variant(who)
        ctx.progress.detail(f"train: loading the data into {who}")
        source = folder if r == 0 else takeover_folder(ctx.workers.scratch / f"train-{lang}-{variant}-{r}", folder,
                                                       reached[who])
        first = chunks[r][0] if r < len(chunks) else s.iters
        walls[who] += ctx.workers.request(lang, "train_begin", {"lr": s.lr, "first": first, "variant": variant},
                                          input_dir=source, timeout=time_limit(10.0)).wall

    def teardown(who: str) -> None:
        lang, variant = lang_variant(who)
        res = ctx.workers.request(lang, "train_end", {"variant": variant}, timeout=time_limit(1.0))
        need(who, "train_end", res.arrays, {k: v.shape for k, v in params.items()})
        walls[who] += res.wall
        reached[who] = res.arrays

    def block(who: str, _case: str, r: int) -> dict[str, float]:
        lang, variant = lang_variant(who)
        first, steps, evaluate = chunks[r]
        res = ctx.workers.request(lang, "train_steps", {"first": first, "steps": steps, "evaluate": int(evaluate),
                                                        "variant": variant},
                                  timeout=time_limit(steps * step + (5.0 if evaluate else 0.0)))
        need(who, "train_steps", res.arrays, {"loss": (steps,), "step_times": (steps,),
                                              **({"train_acc": (), "test_acc": ()} if evaluate else {})})
        walls[who] += res.wall
        for k in got[who]:
            if k in res.arrays:
                got[who][k].append(np.atleast_1d(res.arrays[k]))
        steady = res.arrays["step_times"][max(0, WARMUP_STEPS - first):]
        return {"step_time_round": float(np.median(steady))} if steady.size else {}

    per_worker = -(-len(chunks) // s.train_generations)
    rounds = run_rounds(ctx, "train", out, [case], block, ["step_time_round"], rounds=len(chunks),
                        per_worker=per_worker, setup=setup, teardown=teardown)[case]
    checked = {}
    evals = eval_iterations(s.iters, s.eval_every)
    for who in out.running():
        lang, variant = lang_variant(who)
        result = {k: np.concatenate(v) for k, v in got[who].items()}
        checked[who] = {**result, **reached[who]}
        out.rows += series(lang, "train", case, "loss", result["loss"], variant=variant)
        out.rows += series(lang, "train", case, "step_time", result["step_times"], "s", variant=variant)
        out.rows += [Row(lang, "train", case, "train_acc", it, float(a), variant=variant)
                     for it, a in zip(evals, result["train_acc"])]
        out.rows += [Row(lang, "train", case, "test_acc", it, float(a), variant=variant)
                     for it, a in zip(evals, result["test_acc"])]
        out.rows.append(Row(lang, "train", case, "wall_time", "", walls[who], "s",
                            "every request of the run: loading, training, evaluation, hand-overs", variant))
    out.rows += round_rows("train", case, rounds, {"step_time_round": "step_time"}, costs=("step_time_round",))
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


def scaling_cases(s: Settings) -> list[tuple[int, int]]:
    cases = [(h, s.batch) for h in s.scaling_hidden] + [(s.hidden, n) for n in s.scaling_batch if n != s.batch]
    if (s.hidden, s.batch) not in cases:
        cases.insert(0, (s.hidden, s.batch))
    return cases


def task_scaling(ctx: RunContext, out: Outcome) -> None:
    """The training step and its BLAS floor at several sizes: every case held by every worker, the cases'
    rounds interleaved (each round visits every case not yet converged), what the first round computed
    verified."""
    s = ctx.settings
    x_all, t_all = ctx.mnist["x_train"], ctx.mnist["t_train"]
    cases: dict[str, dict] = {}
    for hidden, batch in scaling_cases(s):
        idx = mk.batch_sequence(ctx.seed, 1, batch)[0]
        folder = ctx.workers.scratch / f"bench-{hidden}-{batch}"
        write_arrays(folder, {**mk.net_params(ctx.seed, hidden), "x": x_all[idx].astype(np.float64) / 255.0,
                              "t": t_all[idx].astype(np.int64)})
        inner = inner_steps(s.bench_target_s, hidden, batch, ctx.gflops)
        warmup = max(1, inner // 10)
        cases[f"hidden={hidden} batch={batch}"] = {
            "id": f"h{hidden}_b{batch}_", "folder": folder, "shapes": bench_shapes(hidden, batch), "inner": inner,
            "warmup": warmup, "flops": flops_per_step(batch, hidden),
            "limit": time_limit(2 * (warmup + inner) * step_estimate(batch, hidden))}
    checked: dict[str, dict[str, dict]] = {case: {} for case in cases}

    def setup(who: str, r: int) -> None:
        lang, variant = lang_variant(who)
        for c in cases.values():
            ctx.request(lang, "bench_begin", {"case_id": c["id"] + variant, "lr": s.lr, "variant": variant},
                        input_dir=c["folder"], timeout=time_limit(1.0))

    def block(who: str, case: str, r: int) -> dict[str, float]:
        lang, variant = lang_variant(who)
        c = cases[case]
        verifying = who not in checked[case]
        got = ctx.request(lang, "bench_round", {"case_id": c["id"] + variant, "warmup": c["warmup"],
                                                "inner": c["inner"], "verify": int(verifying)}, timeout=c["limit"])
        need(who, "bench_round", got, {"step_time": (), "blas_time": (), **(c["shapes"] if verifying else {})})
        if verifying:
            checked[case][who] = got
        return {"step_time": float(got["step_time"]), "blas_time": float(got["blas_time"])}

    rounds = run_rounds(ctx, "bench", out, list(cases), block, ["step_time", "blas_time"],
                        per_worker=s.rounds_per_worker, setup=setup)
    for case, c in cases.items():
        out.rows += round_rows("bench", case, rounds[case], {"step_time": "step_time", "blas_time": "blas_time"},
                               costs=("step_time",))
        out.rows.append(Row("all", "bench", case, "rounds", "", rounds[case].count, "", rounds[case].stopped_because))
        out.rows.append(Row("all", "bench", case, "steps", "", c["warmup"] + c["inner"], "",
                            f"{c['warmup']} untimed + {c['inner']} timed steps per round, from the same parameters"))
        out.rows.append(Row("all", "bench", case, "flops", "", c["flops"], "FLOP"))
        verify(out, "bench", case, checked[case], list(c["shapes"]), GRAD_TOL)


def bench_shapes(hidden: int, batch: int) -> dict[str, tuple]:
    """What a verifying bench round returns: the parameters after its steps and the six products."""
    d, c = mk.INPUT_SIZE, mk.OUTPUT_SIZE
    return {"W1": (d, hidden), "b1": (hidden,), "W2": (hidden, c), "b2": (c,),
            "p_xW1": (batch, hidden), "p_hW2": (batch, c), "p_dyW2t": (batch, hidden), "p_htdy": (hidden, c),
            "p_dhW1t": (batch, d), "p_xtdh": (d, hidden)}


TASKS: dict[str, Callable[[RunContext, Outcome], None]] = {
    "startup": task_startup, "perceptron": task_perceptron, "gradcheck": task_gradcheck,
    "train": task_train, "scaling": task_scaling,
}
VARIANT_TASKS = ("perceptron", "train", "scaling")
MNIST_TASKS = {"startup", "gradcheck", "train", "scaling"}  # the tasks whose inputs come from MNIST  # measured for every variant; the others for the layered code


# ---- helpers ---------------------------------------------------------------------------------------------

def eval_iterations(iters: int, every: int) -> list[int]:
    """The step counts after which accuracy is measured: every `every` steps, and after the last."""
    its = list(range(every, iters + 1, every))
    return its if its and its[-1] == iters else its + [iters]


def inner_steps(target_s: float, hidden: int, batch: int, gflops: float = float("nan")) -> int:
    """Timed steps per round, so that one timed block lasts about target_s (clock resolution and per-call noise
    then do not matter); the same count for every language keeps the work identical. The step's time is guessed
    from the machine's measured DGEMM rate (its FLOPs at that rate plus 0.1 ms of overhead), or, without one,
    from step_estimate's modest guess."""
    step = flops_per_step(batch, hidden) / (gflops * 1e9) + 1e-4 if gflops > 0 else step_estimate(batch, hidden)
    return int(max(1, min(2000, round(target_s / step))))


CURVES = {("train", "loss"), ("perceptron", "losses")}  # compared point by point


def verify(out: Outcome, task: str, case: str, got: dict[str, dict], names: list[str], tol: float,
           floor: float = 0.0) -> None:
    """Compares every participant's results with Python's layered code, the reference, and a fused variant's also
    with its own language's layered code: rows for the report (vs_python_rel, vs_layers_rel), and a failure
    beyond `tol`. Without Python's result there is nothing to check against, and the others fail as unchecked."""
    ref = got.get("python")
    for who, res in got.items():
        if who == "python":
            continue
        if ref is None:
            out.unchecked.add(who)
            out.fail(who, f"{case or task}: unchecked: Python, the reference, has no result to compare with")
            continue
        lang, variant = lang_variant(who)
        against = {"vs_python_rel": ("Python", ref)}
        if lang != "python" and variant != "layers" and lang in got:
            against["vs_layers_rel"] = (f"{lang}'s layered code", got[lang])
        wrong = []
        for metric, (name, base) in against.items():
            rows = [Row(lang, task, case, metric, n,
                        max_rel_each(res[n], base[n]) if (task, n) in CURVES else rel_diff(res[n], base[n], floor),
                        "", "largest relative difference over the curve" if (task, n) in CURVES else "norm-wise",
                        variant) for n in names]
            out.rows += rows
            wrong += [f"{r.index} of {r.case or r.task} differs from {name}'s by {r.value:.2e} (tolerance {tol:g})"
                      for r in rows if not r.value <= tol]
        if wrong:
            out.fail(who, "parity: " + "; ".join(wrong))


def need(who: str, task: str, out: dict, shapes: dict[str, tuple]) -> None:
    """Raises PortError unless the port's result has every named array, in its shape, all finite."""
    lang = lang_variant(who)[0]
    for name, shape in shapes.items():
        if name not in out:
            raise PortError(lang, f"{task}: the result has no {name!r}")
        if out[name].shape != shape:
            raise PortError(lang, f"{task}: {name} has shape {out[name].shape}, expected {shape}")
        if not np.all(np.isfinite(out[name])):
            raise PortError(lang, f"{task}: {name} has non-finite values")


def record_language(run_dir: Path, lang: str, info: dict) -> None:
    found = RUNNERS[lang].find()
    env = read_environment(run_dir)
    env.setdefault("languages", {})[lang] = {"executable": found.exe if found else None,
                                             "found_by": found.how if found else None, **info}
    write_environment(run_dir, env)


def read_environment(run_dir: Path) -> dict:
    path = Path(run_dir) / "environment.json"
    return json.loads(path.read_text()) if path.exists() else {}


def write_environment(run_dir: Path, env: dict) -> None:
    path = Path(run_dir) / "environment.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    os.replace(tmp, path)


def machine_record() -> dict:
    cpu = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for ln in Path("/etc/os-release").read_text().splitlines():
            if ln.startswith("PRETTY_NAME="):
                os_name = ln.split("=", 1)[1].strip('"')
    except OSError:
        pass
    debian = Path("/etc/debian_version")
    return {"cpu": cpu, "cores": os.cpu_count(), "os": os_name,
            "debian_version": debian.read_text().strip() if debian.exists() else None,
            "kernel": platform.release(), "python": platform.python_version(),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}


DGEMM_CODE = """
import sys, time
import numpy as np
from threadpoolctl import threadpool_limits
n, threads, repeats = 2000, int(sys.argv[1]), 5
rng = np.random.default_rng(0)
a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
with threadpool_limits(limits=threads, user_api="blas"):
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
print(2 * n ** 3 / float(np.median(times)) / 1e9)
"""


def dgemm_gflops(threads: int) -> float:
    """The machine's reference: NumPy's DGEMM rate on one 2000 x 2000 product with the run's thread count
    (median of 5), measured in a separate process like every other timing."""
    done = subprocess.run([sys.executable, "-c", DGEMM_CODE, str(threads)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    try:
        return float(done.stdout.strip())
    except ValueError:
        return float("nan")


def pinned_cpus(pin: bool, threads: int) -> set[int] | None:
    """The one CPU every worker is pinned to, when pinning is asked for, BLAS uses one thread and the harness
    may use more than one CPU (the last one: the first tends to take the machine's interrupts)."""
    if not pin or threads != 1 or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return {cpus[-1]} if len(cpus) > 1 else None


ENDINGS = ("finished", "interrupted", "failed", "abandoned")


def close_dead_runs(base: Path, log: Callable[[str], None]) -> None:
    """Run folders whose harness died without ending them (killed outright): their inputs are removed and they are
    marked abandoned, so that no one reads them as finished or still running."""
    for path in Path(base).glob("*/environment.json"):
        try:
            env = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        pid = env.get("pid")
        if any(k in env for k in ENDINGS) or not isinstance(pid, int) or pid_alive(pid):
            continue
        shutil.rmtree(path.parent / "inputs", ignore_errors=True)
        env["abandoned"] = datetime.now().isoformat(timespec="seconds")
        write_environment(path.parent, env)
        log(f"{path.parent.name}: its run ended without finishing (the harness was killed); marked abandoned")


def new_run_dir(base: Path, quick: bool) -> Path:
    """results/<date-time>[-quick], with a counter when two runs start in the same second."""
    name = datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if quick else "")
    Path(base).mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        run_dir = Path(base) / (name if n == 1 else f"{name}-{n}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RuntimeError(f"could not make a new run folder in {base}")


def probe(langs: list[str], threads: int, run_dir: Path, results: ResultsFile, log: Callable[[str], None]) -> list[str]:
    """The languages that start: each one's version, BLAS and threads are recorded; the others are marked."""
    available = []
    for lang in langs:
        runner = get_runner(lang)
        if not runner.available():
            reason = runner.missing_reason()
            if runner.install_hint not in reason:
                reason += f"; install: {runner.install_hint}"
            log(f"{lang}: missing ({reason})")
            results.add([Row(lang, "all", "", "status", "", 0, "", "missing: " + reason)])
            continue
        try:  # the runtime's version, BLAS and threads, and proof that it starts at all
            info = runner.run("info", {}, timeout=300, threads=threads).info
        except PortError as exc:
            log(f"{lang}: does not work: {exc.describe()}")
            results.add([Row(lang, "all", "", "status", "", 0, "", "broken: " + exc.reason)])
            continue
        record_language(run_dir, lang, info)
        available.append(lang)
    return available


def run(langs: list[str], settings: Settings, seed: int = 0, threads: int = 1, out_base: Path | None = None,
        quiet: bool = False, data_dir: Path | None = None, keep_inputs: bool = False, pin: bool = False,
        log: Callable[[str], None] = print) -> tuple[Path, list[str]]:
    """Runs every task for every language; returns the run folder and the list of failures."""
    langs = ["python", *[lang for lang in langs if lang != "python"]]  # the reference is always there
    clean_stale_temp(log)
    close_dead_runs(out_base or REPO / "results", log)
    run_dir = new_run_dir(out_base or REPO / "results", settings.quick_version)
    results = ResultsFile(run_dir / "results.csv")
    cpus = pinned_cpus(pin, threads)
    env = {"run_id": run_dir.name, "started": datetime.now().isoformat(timespec="seconds"), "pid": os.getpid(), "seed": seed,
           "threads": threads, "langs": langs, "settings": {k: v for k, v in settings.__dict__.items()},
           "machine": machine_record(),
           "malloc": {"GLIBC_TUNABLES": os.environ.get("GLIBC_TUNABLES", MALLOC_TUNABLES),
                      "set_by": "the user" if "GLIBC_TUNABLES" in os.environ else "the harness, for every language"},
           "schedule": {"workers": "one persistent process per language (start-up and first call: fresh processes)",
                        "rounds": "every language once per round, order shuffled per round from the seed",
                        "pinned_cpus": sorted(cpus) if cpus else None}}
    write_environment(run_dir, env)
    log(f"run folder: {run_dir}")
    failed: list[str] = []
    progress = None
    ended: tuple[str, str] = ("finished", "")  # or interrupted, or failed (with why)
    workers = Workers(threads, cpus, log=log, max_timeout=settings.timeout)
    try:
        log(f"measuring the machine's DGEMM rate ({threads} thread{'s' if threads > 1 else ''})...")
        gflops = dgemm_gflops(threads)
        results.add([Row("machine", "dgemm", "n=2000", "gflops", "", gflops, "GFLOP/s")])
        available = probe(langs, threads, run_dir, results, log)
        failed += [lang for lang in langs if lang not in available]
        progress = Progress(total=len(settings.tasks), quiet=quiet)
        workers.log = progress.write
        ctx = RunContext(run_dir, available, settings, seed, threads, results, progress, workers, data_dir,
                         log=progress.write, gflops=gflops)
        if set(settings.tasks) & MNIST_TASKS:
            ctx.mnist  # noqa: B018 - verified (and fetched) before anything is measured, not when a task needs it
        for task in settings.tasks:
            progress.start(task)
            start = time.monotonic()
            failed += run_task(ctx, task)
            env = read_environment(run_dir)
            env.setdefault("task_seconds", {})[task] = round(time.monotonic() - start, 1)
            write_environment(run_dir, env)
            progress.done()
    except KeyboardInterrupt:  # Ctrl-C: what finished is in results.csv already; say so and stop
        ended = ("interrupted", "")
        failed.append("interrupted")
    except OSError as exc:  # a full disk, a folder gone: the run cannot go on; what it wrote is kept
        ended = ("failed", f"{exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""))
        raise
    except DataError as exc:
        ended = ("failed", str(exc))
        raise
    finally:
        workers.close()
        if progress is not None:
            progress.close()
        if not keep_inputs:
            shutil.rmtree(run_dir / "inputs", ignore_errors=True)
        try:
            env = read_environment(run_dir)
            env[ended[0]] = datetime.now().isoformat(timespec="seconds")
            if ended[1]:
                env["failure"] = ended[1]
            write_environment(run_dir, env)
        except OSError:  # the disk is full or gone: nothing more can be recorded
            pass
    return run_dir, failed


def run_task(ctx: RunContext, task: str) -> list[str]:
    """One task for every language (and variant, for VARIANT_TASKS), its rows written at once; returns the
    failures, for the summary."""
    variants = ctx.settings.variants if task in VARIANT_TASKS else ("layers",)
    parts = [part(lang, variant) for lang in ctx.langs for variant in variants]
    out = Outcome(task, parts, ctx.progress.write)
    TASKS[task](ctx, out)
    ctx.results.add(out.rows)
    ctx.results.add([Row(lang, task, "", "status", "", int(out.ok(who)), "", out.failed.get(who, ""), variant)
                     for who in parts for lang, variant in [lang_variant(who)]])
    return [f"{who} {task}" + (" (unchecked)" if who in out.unchecked else "") for who in parts if not out.ok(who)]
