"""The harness itself: statistics, round order, the worker protocol, a run with languages that crash, hang,
answer garbage or compute something else, and the report drawn from the CSV alone."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
import pytest

import harness.tasks as tasks_mod
from harness import runners, stats
from harness.cli import main
from harness.languages import NAMES
from harness.results import ResultsFile, Row, read_results
from harness.rounds import Rounds, round_rows
from harness.run import run
from harness.runners.base import REPO, Found, PortError, Runner
from harness.runners.python import PythonRunner
from harness.schedule import round_order
from harness.settings import Settings
from harness.stats import flops_per_step
from harness.tasks.context import eval_iterations
from harness.tasks.train import train_chunks
from harness.workers import Worker, WorkerFailure, Workers

FAKE = Path(__file__).with_name("fake_port.py")


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


# --- statistics (more in test_stats.py) ----------------------------------------------------------------------

def synthetic_rounds(n: int, ratio: float, seed: int) -> tuple[dict[int, float], dict[int, float]]:
    """n rounds of a machine whose speed drifts by up to 2x from round to round (both languages alike), with 5%
    noise of each language's own: the true ratio is `ratio`."""
    rng = np.random.default_rng(seed)
    machine = np.exp(rng.uniform(0, np.log(2), n))
    ref = machine * 1e-3 * np.exp(rng.normal(0, 0.05, n))
    lang = machine * ratio * 1e-3 * np.exp(rng.normal(0, 0.05, n))
    return dict(enumerate(lang)), dict(enumerate(ref))


def test_flop_count_matches_the_six_products():
    N, H, D, C = 100, 50, 784, 10
    products = [(N, D, H), (N, H, C), (N, C, H), (H, N, C), (N, H, D), (D, N, H)]  # (m, k, n): 2mkn each
    assert flops_per_step(N, H) == sum(2 * m * k * n for m, k, n in products)
    assert flops_per_step(100, 50) == 23_820_000


# --- scheduling ----------------------------------------------------------------------------------------------

def test_round_order_is_shuffled_reproducible_and_complete():
    langs = list(NAMES)
    orders = [round_order(langs, 0, "bench hidden=50 batch=100", r) for r in range(40)]
    assert all(sorted(o) == sorted(langs) for o in orders)  # every language in every round, once
    assert len({tuple(o) for o in orders}) > 10  # shuffled
    assert {o[0] for o in orders} == set(langs)  # nobody always goes first
    assert orders == [round_order(langs, 0, "bench hidden=50 batch=100", r) for r in range(40)]  # from the seed
    assert orders != [round_order(langs, 1, "bench hidden=50 batch=100", r) for r in range(40)]


def test_eval_iterations_and_train_chunks():
    assert eval_iterations(10000, 600) == list(range(600, 10000, 600)) + [10000]
    assert eval_iterations(600, 100) == [100, 200, 300, 400, 500, 600]
    chunks = train_chunks(250, 40, 100)
    assert sum(n for _, n, _ in chunks) == 250 and chunks[0] == (0, 40, False)
    assert [first + n for first, n, ev in chunks if ev] == [100, 200, 250]  # every evaluation point ends a chunk
    assert all(n <= 40 for _, n, _ in chunks)


# --- the worker protocol ---------------------------------------------------------------------------------------

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


# --- whole runs ----------------------------------------------------------------------------------------------

def small_settings(*tasks: str) -> Settings:
    s = Settings.quick()
    s.tasks, s.scaling_hidden, s.scaling_batch = tasks, (50,), (10,)
    s.bench_rounds, s.perceptron_rounds, s.generations, s.bench_target_s = 4, 4, 2, 0.002
    s.perceptron_epochs, s.perceptron_repeats, s.startup_repeats, s.first_step_repeats = 50, 1, 2, 2
    s.train_generations = 2
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


@pytest.mark.parametrize("var, lang", [("JULIA", "julia"), ("OCTAVE", "octave"), ("SCILAB", "scilab")])
def test_a_runtime_the_user_names_is_the_only_one_tried(var, lang, monkeypatch):
    """$JULIA (or $OCTAVE, $SCILAB) naming nothing usable: the language is missing, and says why, rather than
    another runtime being measured in its place."""
    monkeypatch.setenv(var, "/nonexistent/runtime")
    runner = runners.RUNNERS[lang]
    assert runner.find() is None and not runner.available()
    assert f"${var} is '/nonexistent/runtime', which is neither an executable file nor a command" in \
        runner.missing_reason()


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


# --- the report, from the CSV alone --------------------------------------------------------------------------

def test_report_and_plots_from_csv_alone(tmp_path):
    """A results.csv made of synthetic rounds for two languages: the report's ratios and CIs come from it."""
    results = ResultsFile(tmp_path / "results.csv")
    results.add([Row("machine", "dgemm", "n=2000", "gflops", "", 40.0, "GFLOP/s")])
    for task, case, metric, name, ratio in (("train", "hidden=50 batch=100", "step_time", "step_time", 0.5),
                                            ("bench", "hidden=50 batch=100", "step_time", "step_time", 0.5),
                                            ("bench", "hidden=100 batch=100", "step_time", "step_time", 0.6),
                                            ("bench", "hidden=50 batch=10", "step_time", "step_time", 0.4)):
        rounds = Rounds()
        lang, ref = synthetic_rounds(60, ratio, 5)
        for r in range(60):
            rounds.add("python", r, 0, 1 + r // 20, {metric: ref[r], "blas_time": ref[r] / 2})
            rounds.add("julia", r, 1, 1 + r // 20, {metric: lang[r], "blas_time": ref[r] * 0.6})
            if case == "hidden=50 batch=100":  # the fused variants: a fifth faster than the layered code
                rounds.add("python fused", r, 2, 1 + r // 20, {metric: ref[r] * 0.8, "blas_time": ref[r] / 2})
                rounds.add("julia fused", r, 3, 1 + r // 20, {metric: lang[r] * 0.8, "blas_time": ref[r] * 0.6})
        rounds.count = 60
        metrics = {metric: name, **({"blas_time": "blas_time"} if task == "bench" else {})}
        results.add(round_rows(task, case, rounds, metrics, costs=(metric,)))
    for lang in ("python", "julia"):
        results.add([Row(lang, "train", "hidden=50 batch=100", "loss", i, 2.3 * np.exp(-i / 20))
                     for i in range(50)])
        results.add([Row(lang, "train", "hidden=50 batch=100", "test_acc", 50, 0.9)])
    assert main(["plot", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    lang, ref = synthetic_rounds(60, 0.5, 5)
    generation = [1 + r // 20 for r in range(60)]
    est = stats.ratio(stats.generation_values(list(lang.values()), generation),
                      stats.generation_values(list(ref.values()), generation))
    assert f"julia takes {est.value:.3g} [{est.low:.3g}, {est.high:.3g}]× Python's time per step" in report
    # julia's floor (0.6 x Python's step) is above its step (0.4 x) at batch 10
    assert "| julia | bench hidden=50 batch=10 | the BLAS floor" in report
    assert "## Cost of the abstraction" in report
    section = report[report.index("## Cost of the abstraction"):]
    section = section[:section.index("\n## ", 3)]
    abstraction = [line for line in section.splitlines() if line.startswith("| julia | bench hidden=50 batch=100 |")]
    assert len(abstraction) == 1 and "| 20 [20, 20] % |" in abstraction[0]  # the share, paired by generation
    assert f"| {est.value:.3g} [{est.low:.3g}, {est.high:.3g}] |" in abstraction[0]  # fused ratio to Python's fused
    for png in ("step_time", "scaling_hidden", "scaling_batch", "training", "abstraction"):
        assert (tmp_path / f"{png}.png").stat().st_size > 1000, png


def test_plot_of_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nope")]) == 2
    assert "results.csv does not exist" in capsys.readouterr().err


def test_a_table_that_cannot_be_drawn_leaves_the_run_folder_as_it_was(tmp_path, monkeypatch, capsys):
    import harness.plots as plots
    results = ResultsFile(tmp_path / "results.csv")
    results.add([Row(lang, "train", "hidden=50 batch=100", "loss", i, 2.3 / (i + 1))
                 for lang in ("python", "julia") for i in range(20)])

    def broken(df, langs, settings):
        raise ValueError("a column that makes no sense")
    monkeypatch.setitem(plots.PLOTS, "startup", broken)  # drawn after training.png
    assert main(["plot", str(tmp_path)]) == 2
    assert "a column that makes no sense" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["results.csv"]


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
