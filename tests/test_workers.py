"""The worker protocol (harness/workers.py): a worker that dies, hangs, answers garbage or exits is killed and
reported with its last output, a failed task leaves it alive, a failing worker is restarted once; a runtime the
user names is the only one tried; a request that keeps the run waiting is shown."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import FakeRunner

from harness import runners
from harness.runners.base import PortError
from harness.workers import Worker, WorkerFailure, Workers


def failure(behaviour: str, tmp_path: Path, timeout: float = 30) -> WorkerFailure:
    worker = Worker(FakeRunner("fake", behaviour), 1, tmp_path)
    worker.start()
    with pytest.raises(WorkerFailure) as err:
        worker.request("noop", {}, timeout=timeout)
    assert not worker.alive()  # killed
    return err.value


def test_a_worker_that_dies_is_reported_with_its_last_output(tmp_path):
    exc = failure("crash", tmp_path)
    assert "died (exit code 3)" in exc.reason
    assert "loading..." in exc.tail and "boom in the fake port" in exc.tail


@pytest.mark.slow
def test_a_worker_that_hangs_is_killed_at_its_time_limit(tmp_path):
    exc = failure("hang", tmp_path, timeout=2)
    assert "did not answer within 2 s" in exc.reason and "loading..." in exc.tail


@pytest.mark.slow
def test_the_user_s_timeout_caps_every_request(tmp_path):
    """run --timeout S: a hung port is stopped after S seconds whatever its request's own limit."""
    with Workers(runners=lambda lang: FakeRunner("hangy", "hang"), max_timeout=2) as workers:
        start = time.monotonic()
        with pytest.raises(WorkerFailure, match="did not answer within 2 s"):
            workers.request("hangy", "noop", {}, timeout=600)
        assert time.monotonic() - start < 30


def test_a_worker_that_answers_garbage_is_killed(tmp_path):
    exc = failure("garbage", tmp_path)
    assert "garbage" in exc.reason and "nnbench-banana" in exc.reason


def test_a_worker_that_exits_without_answering(tmp_path):
    assert "died (exit code 0)" in failure("silent-exit", tmp_path).reason


def test_a_failed_task_leaves_the_worker_alive(tmp_path):
    """nnbench-error is the task's failure, not the worker's: the next request is served."""
    with Workers() as workers:
        with pytest.raises(PortError) as err:
            workers.request("python", "no_such_task", {}, timeout=60)
        assert not isinstance(err.value, WorkerFailure) and "unknown task" in err.value.reason
        assert workers.request("python", "noop", {}, timeout=60).arrays == {}
        assert workers.serial("python") == 1


def test_a_failing_worker_is_restarted_once_then_left_out(monkeypatch):
    fake = FakeRunner("crashy", "crash")
    logged = []
    with Workers(log=logged.append, runners=lambda lang: fake) as workers:
        for _ in range(2):
            with pytest.raises(WorkerFailure):
                workers.request("crashy", "noop", {}, timeout=30)
        assert workers.serial("crashy") == 2 and len(logged) == 1 and "restarted once" in logged[0]
        with pytest.raises(PortError, match="failed twice; out for the rest of the run"):
            workers.request("crashy", "noop", {}, timeout=30)
        assert workers.serial("crashy") == 2  # no third process


@pytest.mark.parametrize("var, lang", [("JULIA", "julia"), ("OCTAVE", "octave"), ("SCILAB", "scilab")])
def test_a_runtime_the_user_names_is_the_only_one_tried(var, lang, monkeypatch):
    """$JULIA (or $OCTAVE, $SCILAB) naming nothing usable: the language is missing, and says why, rather than
    another runtime being measured in its place."""
    monkeypatch.setenv(var, "/nonexistent/runtime")
    runner = runners.RUNNERS[lang]
    assert runner.find() is None and not runner.available()
    assert f"${var} is '/nonexistent/runtime', which is neither an executable file nor a command" in \
        runner.missing_reason()


@pytest.mark.slow
def test_a_request_that_keeps_the_run_waiting_is_shown(monkeypatch, capsys):
    """While a port makes no progress, the progress display says for how long (long before its time limit)."""
    import harness.progress as progress
    monkeypatch.setattr(progress, "SHOW_WAIT_S", 0.1)
    monkeypatch.setattr(progress, "SAY_WAIT_S", 0.5)
    shown = progress.Progress(total=1, quiet=True)
    try:
        shown.detail("train hidden=50 batch=100: round 3, octave")
        time.sleep(2.5)
    finally:
        shown.close()
    err = capsys.readouterr().err.splitlines()
    assert len(err) == 1 and err[0].startswith("train hidden=50 batch=100: round 3, octave: no answer for")


def test_a_workers_peak_memory_is_recorded_and_taken_once_with_its_workers_retired():
    with Workers() as workers:
        workers.request("python", "noop", {})
        peaks = workers.take_peaks()
        assert 10_000 < peaks["python"] < 2_000_000  # kB: a Python with NumPy loaded
        assert not workers.workers and workers.take_peaks() == {}
