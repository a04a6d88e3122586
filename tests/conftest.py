"""Shared test helpers."""
from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from harness import check
from harness import inputs as seeded
from harness.runners import RUNNERS, Runner
from harness.runners.base import Found

# The tests' runs time nothing that matters: they may run beside a benchmark (or another test suite) on the same
# machine, which `harness run` otherwise refuses (tests/test_machine.py checks the refusal itself).
os.environ["NNBENCH_ALLOW_CONCURRENT"] = "1"


def require_lang(lang: str) -> Runner:
    """`lang`'s runner. Skips the calling test when its runtime is missing, unless NNBENCH_REQUIRE_LANGS names
    it (or says "all"): then a missing runtime is a failure, as it must be in CI after the set-up."""
    runner = RUNNERS.get(lang)
    if runner is not None and runner.available():
        return runner
    wanted = {w.strip() for w in os.environ.get("NNBENCH_REQUIRE_LANGS", "").split(",")}
    reason = runner.missing_reason() if runner is not None else f"no runner for {lang}"
    if lang in wanted or "all" in wanted:
        pytest.fail(f"{lang} is required (NNBENCH_REQUIRE_LANGS) but unavailable: {reason}")
    pytest.skip(f"{lang} unavailable: {reason}")


def assert_all_ok(rows: list[check.Comparison]) -> None:
    """Every row within its tolerance; on failure, the rows over it and the worst values."""
    assert rows
    over = [r for r in rows if not r.ok]
    worst = sorted(rows, key=lambda r: r.value / r.tol if np.isfinite(r.value) else np.inf, reverse=True)[:5]
    lines = [f"  {r.case} / {r.name}: {r.value:.3e} (tol {r.tol:.0e}){'  OVER' if not r.ok else ''}"
             for r in over + [r for r in worst if r not in over]]
    assert not over, f"{len(over)} of {len(rows)} comparisons over tolerance:\n" + "\n".join(lines)


def bench_inputs(hidden: int, batch: int, seed: int = 0) -> dict[str, np.ndarray]:
    """A training step's inputs: the book's initial weights, a random batch and its integer labels."""
    return {**seeded.net_params(seed, hidden), "x": seeded.rng_for(seed, 9).random((batch, 784)),
            "t": seeded.rng_for(seed, 10).integers(0, 10, batch).astype(np.int64)}


# What a port may return beside the reference's results, where its language counts it (docs/interchange.md)
COUNTERS = {"gc_time", "blas_gc_time", "gc_times", "page_faults", "alloc_bytes", "step_peak_bytes", "step_alloc_bytes"}


def same_names(got: dict, ref: dict) -> bool:
    """The port returned the reference's results, and at most the counters besides."""
    return set(got) - COUNTERS == set(ref) - COUNTERS


def pytest_addoption(parser):
    parser.addoption("--fast", action="store_true",
                     help="the working loop's subset: leaves out the tests marked slow and Julia's (each of its "
                          "processes pays start-up and compilation); CI and the README's ./test.sh run them all")


def pytest_collection_modifyitems(config, items):
    if not config.getoption("--fast"):
        return
    dropped = [item for item in items if item.get_closest_marker("slow") or "julia" in item.nodeid.lower()]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]


# Every process this test session starts carries this mark in its environment (the harness passes its own on to
# the ports it starts): the tests that look for workers left behind count only their own, not those of a benchmark
# or another test suite running beside them.
SESSION_MARK = f"NNBENCH_TEST_SESSION={uuid.uuid4().hex}"
os.environ["NNBENCH_TEST_SESSION"] = SESSION_MARK.split("=", 1)[1]


def command_lines() -> list[str]:
    """The command line of every running process this test session started, from /proc (a bare machine may have
    no `ps`)."""
    lines = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if SESSION_MARK.encode() not in (entry / "environ").read_bytes().split(b"\0"):
                    continue
                lines.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace"))
            except OSError:  # it ended meanwhile, or is not ours to read
                pass
    return lines


FAKE = Path(__file__).with_name("fake_port.py")


class FakeRunner(Runner):
    """A 'language' run by tests/fake_port.py, which misbehaves as told (see there)."""

    def __init__(self, name: str, behaviour: str):
        self.name, self.behaviour = name, behaviour
        self.install_hint = "nothing to install (test fake)"

    def find(self):
        return Found(sys.executable, "test")

    def command(self, found, arg):
        return [found.exe, str(FAKE), self.behaviour, str(arg)]

    def environment(self, found, threads):
        return {**super().environment(found, threads), "PYTHONPATH": str(FAKE.parents[1])}
