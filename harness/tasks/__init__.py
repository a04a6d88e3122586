"""The tasks of a run, by name, and how one is run for every participant."""
from __future__ import annotations

from typing import Callable

from ..results import Row
from ..rounds import Outcome
from ..settings import VARIANT_TASKS, Participant
from .bench import task_bench
from .context import RunContext
from .gradcheck import task_gradcheck
from .perceptron import task_perceptron
from .startup import task_startup
from .target import target_parts, task_target
from .train import task_train

TASKS: dict[str, Callable[[RunContext, Outcome], None]] = {
    "startup": task_startup, "perceptron": task_perceptron, "gradcheck": task_gradcheck,
    "train": task_train, "bench": task_bench, "cpu_target": task_target,
}
PARTICIPANTS: dict[str, Callable[[RunContext], list[Participant]]] = {"cpu_target": target_parts}


def run_task(ctx: RunContext, task: str) -> list[str]:
    """One task for every language (and variant, for VARIANT_TASKS), its rows written at once; returns the
    failures, for the summary."""
    variants = ctx.settings.variants if task in VARIANT_TASKS else ("layers",)
    parts = [Participant(lang, variant) for lang in ctx.langs for variant in variants]
    if task in PARTICIPANTS:
        parts = PARTICIPANTS[task](ctx)
    out = Outcome(task, parts, ctx.progress.write)
    TASKS[task](ctx, out)
    ctx.results.add(out.rows)
    ctx.results.add([Row(lang, task, "", "peak_memory", "", kb / 1024, "MB", "the largest peak resident memory "
                         "(VmHWM) of the task's worker processes, with any process they started")
                     for lang, kb in ctx.workers.take_peaks().items() if kb])
    ctx.results.add([Row(who.lang, task, "", "status", "", int(out.ok(who)), "", out.failed.get(who, ""), who.variant)
                     for who in parts if who.lang in ctx.langs])
    return [f"{who} {task}" + (" (unchecked)" if who in out.unchecked else "") for who in parts if not out.ok(who)]
