"""Whole runs (harness/run.py) with languages that crash, hang, answer garbage or compute something else; bad
arguments refused before anything runs; clean stops (Ctrl-C, a full disk, SIGTERM, SIGHUP, a harness killed
outright) that keep what finished and leave no worker behind."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import FAKE, FakeRunner, command_lines

import harness.tasks as tasks_mod
from harness import runners
from harness.cli import main
from harness.results import ResultsFile, read_results
from harness.run import run
from harness.runners.base import REPO, PortError, Runner
from harness.runners.python import PythonRunner
from harness.settings import Settings
from harness.workers import Workers

# --- whole runs ----------------------------------------------------------------------------------------------

def small_settings(*tasks: str) -> Settings:
    s = Settings.quick()
    s.tasks, s.scaling_hidden, s.scaling_batch = tasks, (50,), (10,)
    s.bench_rounds, s.perceptron_rounds, s.generations, s.bench_target_s = 4, 4, 2, 0.002
    s.perceptron_epochs, s.perceptron_repeats, s.startup_repeats, s.first_step_repeats = 50, 1, 2, 2
    s.train_generations, s.train_warmup = 2, 20
    s.timeout = 5.0  # every request: a hung port is caught in seconds
    return s


@pytest.fixture
def fakes(monkeypatch):
    """Adds fake languages to the runner registry, the one seam through which every part of the harness finds a
    language."""
    def add(**extra: Runner):
        for name, runner in extra.items():
            monkeypatch.setitem(runners.RUNNERS, name, runner)
    return add


@pytest.mark.slow
def test_a_failing_language_does_not_stop_the_run(tmp_path, fakes):
    fakes(crashy=FakeRunner("crashy", "crash"), hangy=FakeRunner("hangy", "hang"),
          babbly=FakeRunner("babbly", "garbage"), nanny=FakeRunner("nanny", "nan"),
          broken=FakeRunner("broken", "broken"))
    run_dir, failed = run(["python", "crashy", "hangy", "babbly", "nanny", "broken"], small_settings("bench"),
                          out_base=tmp_path, quiet=True, log=lambda m: None)
    # a worker that fails takes both variants it holds down; a result that fails fails the variant that made it
    assert sorted(failed) == ["babbly bench", "babbly fused bench", "broken", "crashy bench", "crashy fused bench",
                              "hangy bench", "hangy fused bench", "nanny bench", "nanny fused bench"]
    df = read_results(run_dir / "results.csv")
    status = {r.lang: (r.value, r.note) for r in df[(df.metric == "status") & (df.variant != "fused")].itertuples()}
    assert status["python"] == (1, "")
    assert status["crashy"][0] == 0 and "died (exit code 3)" in status["crashy"][1]
    assert "boom in the fake port" in status["crashy"][1]  # the tail of its output
    assert status["hangy"][0] == 0 and "did not answer within 5 s" in status["hangy"][1]
    assert status["babbly"][0] == 0 and "garbage" in status["babbly"][1]
    assert status["nanny"][0] == 0 and "non-finite" in status["nanny"][1]
    assert status["broken"] == (0, "broken: error: cannot start")
    python = df[(df.lang == "python") & (df.metric == "step_time")]
    assert len(python) >= 4 and (python.value > 0).all()
    # no worker outlives the run
    assert not [p for p in command_lines() if str(FAKE) in p and "--worker" in p]
    # the report names the failures; plots redraw from the CSV alone
    assert main(["plot", str(run_dir)]) == 0
    report = (run_dir / "report.md").read_text()
    assert "## Failures" in report and "**crashy bench**" in report
    assert (run_dir / "step_time.png").exists() or "scaling" in report


class Nudged(PythonRunner):
    """The Python reference under another name."""

    def __init__(self, name: str):
        self.name = name


def tamper(monkeypatch, lang: str, task: str, change, when=lambda config: True) -> None:
    """Changes what `lang` returns from `task` (for the configs `when` picks) on its way back to the harness: a port
    that computes something else, or leaves an array out."""
    original = Workers.request

    def request(self, which, what, config=None, **kw):
        result = original(self, which, what, config, **kw)
        if which == lang and what == task and when(config or {}):
            change(result.arrays)
        return result
    monkeypatch.setattr(Workers, "request", request)


@pytest.mark.slow
def test_a_bench_round_that_returns_wrong_parameters_fails_the_case(tmp_path, fakes, monkeypatch):
    fakes(nudged=Nudged("nudged"))
    tamper(monkeypatch, "nudged", "bench_round",
           lambda a: a.__setitem__("W1", a["W1"] * (1 + 1e-9)) if "W1" in a else None)
    run_dir, failed = run(["python", "nudged"], small_settings("bench"), out_base=tmp_path, quiet=True,
                          log=lambda m: None)
    assert failed == ["nudged bench", "nudged fused bench"]
    df = read_results(run_dir / "results.csv")
    note = df[(df.lang == "nudged") & (df.variant == "layers") & (df.metric == "status")].note.iloc[0]
    assert "parity: W1 of hidden=50 batch=100 differs from Python's by 1.00e-09 (tolerance 1e-12)" in note
    # its timings are kept (they are real), with the comparison that failed it
    assert (df[(df.lang == "nudged") & (df.metric == "step_time")].value > 0).all()


@pytest.mark.slow
def test_a_fused_variant_is_checked_against_python_and_its_own_layered_code(tmp_path, fakes, monkeypatch):
    fakes(nudged=Nudged("nudged"))
    tamper(monkeypatch, "nudged", "bench_round", lambda a: a.__setitem__("b2", a["b2"] + 1e-6) if "b2" in a else None,
           when=lambda config: config["case_id"].endswith("fused"))
    run_dir, failed = run(["python", "nudged"], small_settings("bench"), out_base=tmp_path, quiet=True,
                          log=lambda m: None)
    assert failed == ["nudged fused bench"]
    df = read_results(run_dir / "results.csv")
    note = df[(df.lang == "nudged") & (df.variant == "fused") & (df.metric == "status")].note.iloc[0]
    assert "b2 of hidden=50 batch=100 differs from Python's by" in note
    assert "b2 of hidden=50 batch=100 differs from nudged's layered code's by" in note
    exact = df[(df.lang == "python") & (df.variant == "fused") & (df.metric == "vs_python_rel")]
    assert len(exact) == 2 * 10 and (exact.value <= 1e-12).all()  # 2 cases x 10 arrays: Python's fused vs its layers
    # both variants timed in the same rounds, with the cost of the abstraction paired within them
    cost = df[(df.lang == "python") & (df.metric == "step_time_abstraction") & (df["index"] == "estimate")]
    assert len(cost) == 2 and np.isfinite(cost.value).all()


@pytest.mark.slow
def test_wrong_or_incomplete_results_fail_the_run_and_the_rest_goes_on(tmp_path, fakes, monkeypatch):
    fakes(nudged=Nudged("nudged"), forgetful=Nudged("forgetful"))
    tamper(monkeypatch, "nudged", "perceptron", lambda a: a.__setitem__("W", a["W"] * (1 + 1e-5)))
    original = Workers.request

    def forget(self, which, what, config=None, **kw):
        result = original(self, which, what, config, **kw)
        if which == "forgetful" and what == "perceptron":
            result.arrays.pop("solved_epoch")
        return result
    monkeypatch.setattr(Workers, "request", forget)
    run_dir, failed = run(["nudged", "forgetful", "python"], small_settings("perceptron"), out_base=tmp_path,
                          quiet=True, log=lambda m: None)
    assert sorted(failed) == ["forgetful fused perceptron", "forgetful perceptron", "nudged fused perceptron",
                              "nudged perceptron"]
    df = read_results(run_dir / "results.csv")
    status = {r.lang: (r.value, r.note) for r in df[(df.metric == "status") & (df.variant == "layers")].itertuples()}
    assert status["python"] == (1, "")
    assert status["nudged"][0] == 0 and "parity: W of AND differs from Python's by 1" in status["nudged"][1]
    assert status["forgetful"][0] == 0 and "no 'solved_epoch'" in status["forgetful"][1]
    assert main(["plot", str(run_dir)]) == 0
    assert "**nudged perceptron**: parity: W of AND" in (run_dir / "report.md").read_text()


@pytest.mark.slow
def test_without_the_reference_nothing_passes_unchecked(tmp_path, fakes, monkeypatch):
    fakes(twin=Nudged("twin"))

    def broken_python(arrays):
        raise PortError("python", "error: the reference broke")
    tamper(monkeypatch, "python", "perceptron", broken_python)
    run_dir, failed = run(["python", "twin"], small_settings("perceptron"), out_base=tmp_path, quiet=True,
                          log=lambda m: None)
    assert sorted(failed) == ["python fused perceptron", "python perceptron", "twin fused perceptron (unchecked)",
                              "twin perceptron (unchecked)"]
    assert main(["plot", str(run_dir)]) == 0
    report = (run_dir / "report.md").read_text()
    assert "**twin perceptron**: AND: unchecked: Python, the reference, has no result" in report
    assert "failed: no reference" in report and "1 (reference)" not in report


@pytest.mark.slow
def test_ctrl_c_keeps_what_finished_and_stops_every_worker(tmp_path, fakes, monkeypatch):
    fakes(twin=Nudged("twin"))

    def interrupted(ctx, out):
        raise KeyboardInterrupt
    monkeypatch.setitem(tasks_mod.TASKS, "startup", interrupted)
    run_dir, failed = run(["python", "twin"], small_settings("perceptron", "startup"), out_base=tmp_path, quiet=True,
                          log=lambda m: None)
    assert failed == ["interrupted"]
    df = read_results(run_dir / "results.csv")
    assert (df[(df.lang == "twin") & (df.metric == "epoch_time")].value > 0).all()  # perceptron had finished
    assert "startup" not in set(df.task)
    env = json.loads((run_dir / "environment.json").read_text())
    assert "interrupted" in env and "finished" not in env
    assert not python_workers()
    assert main(["plot", str(run_dir)]) == 0
    assert "This run was interrupted" in (run_dir / "report.md").read_text()


@pytest.mark.parametrize("args, message", [
    (["--seed", "-1"], "expected a whole number from 0 to 4294967295, got '-1'"),
    (["--langs", ","], "no language given"),
    (["--langs", "python,octave,octave"], "language 'octave' named twice"),
    (["--tasks", "train,train"], "task 'train' named twice"),
    (["--variants", "fast"], "unknown variant 'fast'"),
])
def test_bad_run_arguments_are_refused_before_anything_runs(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", "--out", str(tmp_path), *args])
    assert stop.value.code == 2 and message in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # no run folder made


def test_out_naming_a_file_or_iterations_past_memory_are_refused(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    for args, message in ((["--out", str(tmp_path / "afile")], "is a file; give a folder"),
                          (["--out", str(tmp_path), "--iters", "1000000000"], "--iters 1000000000: at most 1000000")):
        with pytest.raises(SystemExit) as stop:
            main(["run", *args])
        assert stop.value.code == 2 and message in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "mine"


@pytest.mark.slow
def test_a_disk_that_fills_during_a_run_ends_it_with_one_line(tmp_path, monkeypatch, capsys):
    original, calls = ResultsFile.add, []

    def add(self, rows):
        calls.append(1)
        if len(calls) > 2:
            raise OSError(28, "No space left on device", str(self.path))
        original(self, rows)
    monkeypatch.setattr(ResultsFile, "add", add)
    assert main(["run", "--langs", "python", "--tasks", "perceptron", "--quiet", "--out", str(tmp_path)]) == 1
    assert "error: the run stopped: No space left on device" in capsys.readouterr().err
    env = json.loads((next(tmp_path.iterdir()) / "environment.json").read_text())
    assert "failed" in env and "finished" not in env and "No space left" in env["failure"]
    assert not python_workers()


def python_workers() -> list[str]:
    return [p for p in command_lines() if "python_impl.entry --worker" in p]


def run_until_a_worker_runs(out: Path) -> subprocess.Popen:
    """`harness run` (Python's perceptron) in a process of its own, once its first worker has started."""
    proc = subprocess.Popen([sys.executable, "-m", "harness", "run", "--langs", "python", "--tasks", "perceptron",
                             "--quiet", "--out", str(out)], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while not python_workers():
        assert time.monotonic() < deadline and proc.poll() is None, proc.communicate()
        time.sleep(0.2)
    return proc


@pytest.mark.slow
@pytest.mark.parametrize("sig, name", [(signal.SIGTERM, "terminated"), (signal.SIGHUP, "terminated")])
def test_sigterm_and_sighup_stop_the_run_cleanly(tmp_path, sig, name):
    """A plain `kill` (a CI job's time limit) or a closed terminal ends the run as Ctrl-C does: no worker left
    behind, what finished kept, the run marked interrupted, a report written, exit code 128 + the signal."""
    proc = run_until_a_worker_runs(tmp_path)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert f"{name}: the results of the tasks that finished are kept" in err
    assert not python_workers()
    run_dir = next(tmp_path.iterdir())
    env = json.loads((run_dir / "environment.json").read_text())
    assert "interrupted" in env and "finished" not in env
    assert (run_dir / "report.md").exists() and not (run_dir / "inputs").exists()


@pytest.mark.slow
def test_a_harness_killed_outright_takes_its_workers_along_and_the_next_run_tidies_up(tmp_path):
    """SIGKILL cannot be caught: the ports die with the harness all the same (a parent-death signal), and the next
    run removes what the dead one left (its temporary folders, its inputs) and marks it abandoned."""
    proc = run_until_a_worker_runs(tmp_path)
    proc.kill()
    proc.communicate(timeout=60)
    deadline = time.monotonic() + 10
    while python_workers():
        assert time.monotonic() < deadline, python_workers()
        time.sleep(0.2)
    dead = next(tmp_path.iterdir())
    (dead / "inputs").mkdir(exist_ok=True)
    left = Path(tempfile.gettempdir()) / f"nnbench-{proc.pid}-workers-test"
    left.mkdir()
    logged = []
    run(["python"], small_settings("perceptron"), out_base=tmp_path, quiet=True, log=logged.append)
    env = json.loads((dead / "environment.json").read_text())
    assert "abandoned" in env and "finished" not in env and not (dead / "inputs").exists()
    assert not left.exists()
    assert any("marked abandoned" in m for m in logged)
