"""The training run's steps, as the estimates see them: every step's time, its garbage collector's part and the
worker process that made it (StepTimes), and their rows for the results table: the amortized and the typical step
with their ratios, the GC time, the cost of the abstraction (step_rows). docs/measurement.md has the reasoning."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .results import Row
from .rounds import estimate_rows
from .settings import BOOK_STEPS, WARMUP_STEPS, Participant
from .stats import Estimate, difference, outlier_count, over_generations, quiet, ratio, ratio_of_means


@dataclass
class StepTimes:
    """Every step of a participant's training run: its time, the part its language's garbage collector took (NaN
    where the language does not count it) and the worker process (generation) that made it."""
    times: np.ndarray
    gc: np.ndarray
    workers: np.ndarray
    faults: np.ndarray | None = None  # minor page faults per step, where the language counts them (NaN elsewhere)
    allocs: np.ndarray | None = None  # bytes allocated per step, where the language counts them (NaN elsewhere)
    warmup: dict[int, np.ndarray] | None = None  # per worker: its first steps' times, before its share (train_warmup)

    def first_steps(self) -> dict[int, float]:
        """Per worker process: what its first steps (the warm-up before its share of the run, without the first
        WARMUP_STEPS: compilation) cost beyond as many of its usual steps, in seconds: a fresh process's transient
        (memory the kernel maps afresh until the first collection), which a user's run pays once."""
        out, keep = {}, self.kept()
        for w, times in (self.warmup or {}).items():
            mine = self.times[keep & (self.workers == w)]
            if times.size > WARMUP_STEPS and mine.size:
                out[w] = float(times[WARMUP_STEPS:].sum() - (times.size - WARMUP_STEPS) * mine.mean())
        return out

    def kept(self) -> np.ndarray:
        """The steps the estimates use: all but each worker process's first WARMUP_STEPS (compilation and cold
        caches, which a user pays once per process: the start-up task measures the first call)."""
        keep = np.ones(self.times.size, dtype=bool)
        for w in np.unique(self.workers):
            keep[np.flatnonzero(self.workers == w)[:WARMUP_STEPS]] = False
        return keep & np.isfinite(self.times)

    def per_generation(self, kind: str) -> dict[int, float]:
        """Per worker process: the `amortized` step (the mean of its steps, plus its first steps' extra cost spread
        over the book's BOOK_STEPS: what a user's run costs per step; the headline), the `typical` step (one step's
        quiet cost), the `gc` time per step or the `first_steps` extra (seconds, once per process)."""
        if kind == "first_steps":
            return self.first_steps()
        keep = self.kept()
        gc = np.where(np.isfinite(self.gc), self.gc, 0.0)
        counted = {"faults": self.faults, "allocs": self.allocs}
        counted = {k: v if v is not None else np.full(self.times.size, np.nan) for k, v in counted.items()}
        within = {"typical": lambda k: quiet(self.times[k]), "amortized": lambda k: float(self.times[k].mean()),
                  "gc": lambda k: float(gc[k].mean()), "faults": lambda k: float(counted["faults"][k].mean()),
                  "allocs": lambda k: float(counted["allocs"][k].mean())}[kind]
        out = {int(w): within(keep & (self.workers == w)) for w in np.unique(self.workers[keep])}
        if kind == "amortized":
            extra = self.first_steps()
            out = {w: v + extra.get(w, 0.0) / BOOK_STEPS for w, v in out.items()}
        return out

    def estimate(self, kind: str) -> Estimate:
        keep = self.kept()
        typical = float(np.median(self.times[keep])) if keep.any() else float("nan")
        timed = kind in ("typical", "amortized")  # the outliers are the steps' times: counted once, with them
        return over_generations(list(self.per_generation(kind).values()), int(keep.sum()),
                                outlier_count(self.times[keep], typical) if timed else 0, log=timed)

    def ratio(self, ref: "StepTimes", kind: str) -> Estimate:
        """The ratio to the reference's steps, paired by worker generation: for the amortized step the ratio of the
        summed times (stats.ratio_of_means: what the whole run costs, every slow worker weighed by its time), for
        the typical step the geometric mean of the generations' ratios."""
        of = ratio_of_means if kind == "amortized" else ratio
        return of(self.per_generation(kind), ref.per_generation(kind), int(self.kept().sum()))


STEP_KINDS = {"amortized": "step_time", "typical": "step_time_typical"}


def step_rows(task: str, case: str, timing: dict[Participant, StepTimes]) -> list[Row]:
    """Per participant: the amortized step (step_time: the headline) and the typical step, each with its ratio to
    Python's same variant paired by worker generation; the GC time per step where it was counted; and the cost of
    the abstraction (layered minus fused) on the amortized step."""
    rows = []
    for who, st in timing.items():
        lang, variant = who
        ref = timing.get(who.reference)
        for kind, name in STEP_KINDS.items():
            rows += estimate_rows(who, task, case, f"{name}_estimate", st.estimate(kind), "s")
            if ref is not None and not who.is_reference:
                rows += estimate_rows(who, task, case, f"{name}_ratio", st.ratio(ref, kind), "")
        if np.isfinite(st.gc).any():
            rows += estimate_rows(who, task, case, "gc_time_estimate", st.estimate("gc"), "s",
                                  "the garbage collector's time per step, counted by the language")
        if st.first_steps():
            rows += estimate_rows(who, task, case, "first_steps_estimate", st.estimate("first_steps"), "s",
                                  "what a fresh process's first steps cost beyond its usual steps, once per process "
                                  f"(in the amortized step: spread over the book's {BOOK_STEPS} steps)")
        if st.faults is not None and np.isfinite(st.faults).any():
            rows += estimate_rows(who, task, case, "page_faults_estimate", st.estimate("faults"), "",
                                  "minor page faults per step (new memory the kernel maps and zeroes), counted by "
                                  "the language")
        if st.allocs is not None and np.isfinite(st.allocs).any():
            rows += estimate_rows(who, task, case, "alloc_bytes_estimate", st.estimate("allocs"), "bytes",
                                  "bytes allocated per step, counted by the language")
        fused = timing.get(Participant(lang, "fused"))
        if variant == "layers" and fused is not None:
            lay_g, fus_g = st.per_generation("amortized"), fused.per_generation("amortized")
            rows += estimate_rows(who, task, case, "step_time_abstraction", difference(lay_g, fus_g), "s",
                                  "layered minus fused, paired by worker generation")
            rows += estimate_rows(who, task, case, "step_time_abstraction_share",
                                  difference(lay_g, fus_g, relative=True), "",
                                  "(layered minus fused) / layered, paired by worker generation")
    return rows
