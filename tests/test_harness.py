"""The harness itself: statistics, FLOP count, CSV -> report/plots, and a language that crashes or hangs."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from harness import runners
from harness.cli import main
from harness.results import read_results
from harness.run import Settings, eval_iterations, run
from harness.runners.base import Found, PortError, Runner
from harness.runners.python import PythonRunner
from harness.stats import flops_per_step, ratio, summary


def test_summary_statistics():
    s = summary([5.0, 1.0, 3.0, 2.0, 4.0, np.nan])
    assert s == {"median": 3.0, "min": 1.0, "q25": 2.0, "q75": 4.0, "iqr": 2.0, "n": 5}
    assert summary([])["n"] == 0 and np.isnan(summary([])["median"])


def test_ratio_and_its_spread():
    r, dr = ratio([2.0, 2.0, 2.0], [1.0, 1.0, 1.0])
    assert r == 2.0 and dr == 0.0
    r, dr = ratio([1.0, 2.0, 3.0], [1.0, 1.0, 1.0])  # IQR 1, median 2: relative sd 0.5/1.349
    assert r == 2.0 and dr == pytest.approx(2.0 * 0.5 / 1.349)


def test_flop_count_matches_the_six_products():
    N, H, D, C = 100, 50, 784, 10
    products = [(N, D, H), (N, H, C), (N, C, H), (H, N, C), (N, H, D), (D, N, H)]  # (m, k, n): 2mkn each
    assert flops_per_step(N, H) == sum(2 * m * k * n for m, k, n in products)
    assert flops_per_step(100, 50) == 23_820_000


def test_eval_iterations():
    assert eval_iterations(10000, 600) == list(range(600, 10000, 600)) + [10000]
    assert eval_iterations(600, 100) == [100, 200, 300, 400, 500, 600]


class FakeRunner(Runner):
    """A 'language' whose runtime is a Python one-liner that crashes, hangs, or returns NaN."""

    def __init__(self, name: str, script: str):
        self.name, self.script = name, script
        self.install_hint = "nothing to install (test fake)"

    def find(self):
        return Found(sys.executable, "test")

    def command(self, found, task_dir: Path):
        return [found.exe, "-c", self.script, str(task_dir)]


# Each fake answers the `info` check (so it counts as installed), then misbehaves on the real tasks.
INFO = ("import sys, numpy as np; from pathlib import Path; from harness.interchange import read_config, write_arrays;"
        "d = Path(sys.argv[1]); task = read_config(d)['task'];"
        "task == 'info' and (write_arrays(d / 'out', {}), sys.exit(0));")
CRASH = INFO + "print('loading...'); print('error: boom in the fake port', file=sys.stderr); sys.exit(3)"
HANG = INFO + "import time; print('thinking'); time.sleep(60)"
NAN = INFO + ("write_arrays(d / 'out', {k: np.array([np.nan] * 3) for k in ('step_times', 'blas_times')}"
              " | {'first_step': np.array(np.nan)})")
BROKEN = "import sys; print('error: cannot start', file=sys.stderr); sys.exit(1)"


def test_crash_is_reported_with_the_error_line_and_tail():
    with pytest.raises(PortError) as err:
        FakeRunner("crashy", CRASH).run("noop", {}, timeout=30)
    assert err.value.reason == "error: boom in the fake port"
    assert "loading..." in err.value.tail


def test_hang_is_stopped_by_the_timeout():
    with pytest.raises(PortError, match="timed out after 2 s"):
        FakeRunner("hangy", HANG).run("noop", {}, timeout=2)


def test_a_failing_language_does_not_stop_the_run(tmp_path, monkeypatch):
    fakes = {"crashy": FakeRunner("crashy", CRASH), "hangy": FakeRunner("hangy", HANG), "nanny": FakeRunner("nanny", NAN),
             "broken": FakeRunner("broken", BROKEN)}
    monkeypatch.setattr(runners, "RUNNERS", {**runners.RUNNERS, **fakes})
    monkeypatch.setattr(runners, "LANGS", tuple(runners.RUNNERS) + tuple(fakes))
    import harness.run as run_mod
    monkeypatch.setattr(run_mod, "RUNNERS", {**runners.RUNNERS, **fakes})
    monkeypatch.setattr(Runner, "run", _with_timeout(Runner.run, 3))
    settings = Settings.quick()
    settings.tasks = ("scaling",)
    settings.scaling_hidden, settings.scaling_batch = (50,), (10,)
    settings.bench_repeats = 3
    run_dir, failed = run(["python", *fakes], settings, out_base=tmp_path, quiet=True, log=lambda m: None)
    assert sorted(failed) == ["broken", "crashy scaling", "hangy scaling", "nanny scaling"]
    df = read_results(run_dir / "results.csv")
    status = {r.lang: (r.value, r.note) for r in df[df.metric == "status"].itertuples()}
    assert status["python"][0] == 1
    assert status["crashy"][0] == 0
    assert status["crashy"][1].startswith("error: boom in the fake port | last output: loading...")
    assert status["hangy"][0] == 0 and "timed out" in status["hangy"][1]
    assert status["nanny"][0] == 0 and "non-finite" in status["nanny"][1]
    assert status["broken"] == (0, "broken: error: cannot start")
    assert (df[(df.lang == "python") & (df.metric == "step_time")].value > 0).all()
    # the report names the failures; plots redraw from the CSV alone
    assert main(["plot", str(run_dir)]) == 0
    report = (run_dir / "report.md").read_text()
    assert "## Failures" in report and "**crashy scaling**: error: boom in the fake port" in report
    assert (run_dir / "scaling_batch.png").stat().st_size > 1000


class Doctored(PythonRunner):
    """The Python reference under another name, its results changed on the way back: a port that computes
    something slightly different (W off by 1e-5), or one that leaves an array out."""

    def __init__(self, name: str, change):
        self.name, self.change = name, change

    def run(self, task, config=None, inputs=None, **kw):
        result = super().run(task, config, inputs, **kw)
        if task == "perceptron":
            self.change(result.arrays)
        return result


def _perturb(arrays):
    arrays["W"] = arrays["W"] * (1 + 1e-5)


def test_wrong_or_incomplete_results_fail_the_run_and_the_rest_goes_on(tmp_path, monkeypatch):
    fakes = {"nudged": Doctored("nudged", _perturb), "forgetful": Doctored("forgetful", lambda a: a.pop("solved_epoch"))}
    import harness.run as run_mod
    monkeypatch.setattr(run_mod, "RUNNERS", {**runners.RUNNERS, **fakes})
    monkeypatch.setattr(runners, "RUNNERS", {**runners.RUNNERS, **fakes})
    settings = Settings.quick()
    settings.tasks, settings.perceptron_epochs, settings.perceptron_repeats = ("perceptron",), 50, 1
    # Python listed last: it still runs first, as the reference the others are compared with
    run_dir, failed = run(["nudged", "forgetful", "python"], settings, out_base=tmp_path, quiet=True, log=lambda m: None)
    assert failed == ["nudged perceptron", "forgetful perceptron"]
    df = read_results(run_dir / "results.csv")
    status = {r.lang: (r.value, r.note) for r in df[df.metric == "status"].itertuples()}
    assert status["python"] == (1, "")
    assert status["nudged"][0] == 0 and status["nudged"][1].startswith("parity: W of AND differs from Python by 1")
    assert status["forgetful"][0] == 0 and "no 'solved_epoch'" in status["forgetful"][1]
    # the nudged port's rows are kept (its timings are real), with the differences that failed it
    vs = df[(df.lang == "nudged") & (df.metric == "vs_python_rel") & (df["index"] == "W")]
    assert len(vs) == 4 and (vs.value < 1e-4).all()
    assert (vs[vs.case != "XOR"].value > 1e-6).all()  # XOR's W is small: below the floor of 1, the change is too
    assert main(["plot", str(run_dir)]) == 0
    assert "**nudged perceptron**: parity: W of AND" in (run_dir / "report.md").read_text()


def test_ctrl_c_keeps_what_finished(tmp_path, monkeypatch):
    import harness.run as run_mod
    calls = []

    def perceptron(ctx, lang):
        calls.append(lang)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return run_mod.task_perceptron(ctx, lang)

    monkeypatch.setitem(run_mod.TASKS, "perceptron", perceptron)
    settings = Settings.quick()
    settings.tasks, settings.perceptron_epochs, settings.perceptron_repeats = ("perceptron", "startup"), 50, 1
    fakes = {"twin": Doctored("twin", lambda a: None)}
    monkeypatch.setattr(run_mod, "RUNNERS", {**runners.RUNNERS, **fakes})
    monkeypatch.setattr(runners, "RUNNERS", {**runners.RUNNERS, **fakes})
    run_dir, failed = run(["python", "twin"], settings, out_base=tmp_path, quiet=True, log=lambda m: None)
    assert failed == ["interrupted"]
    df = read_results(run_dir / "results.csv")
    assert set(df.loc[df.metric == "status", "lang"]) == {"python"}  # twin's task never finished
    assert (df[(df.lang == "python") & (df.metric == "epoch_time")].value > 0).all()
    assert "startup" not in set(df.task)  # nothing ran after the interruption
    env = json.loads((run_dir / "environment.json").read_text())
    assert "interrupted" in env and "finished" not in env
    assert main(["plot", str(run_dir)]) == 0
    assert "This run was interrupted" in (run_dir / "report.md").read_text()


def _with_timeout(original, seconds):
    def run(self, task, config=None, inputs=None, timeout=600.0, **kw):
        return original(self, task, config, inputs, timeout=min(timeout, seconds), **kw)
    return run


def test_report_and_plots_from_csv_alone(tmp_path):
    """A hand-made results.csv with two languages: the report's numbers come from it."""
    rows = ["lang,task,case,metric,index,value,unit,note", "machine,dgemm,n=2000,gflops,,40.0,GFLOP/s,"]
    rng = np.random.default_rng(0)
    for lang, step in (("python", 1e-3), ("julia", 5e-4)):
        for i in range(50):
            rows.append(f"{lang},train,hidden=50 batch=100,step_time,{i},{step * (1 + 0.01 * rng.random())},s,")
            rows.append(f"{lang},train,hidden=50 batch=100,loss,{i},{2.3 * np.exp(-i / 20)},,")
        rows.append(f"{lang},train,hidden=50 batch=100,test_acc,50,0.9,,")
        for c in ("hidden=50 batch=100", "hidden=100 batch=100", "hidden=50 batch=10"):
            for r in range(3):
                rows.append(f"{lang},bench,{c},step_time,{r},{step},s,")
                rows.append(f"{lang},bench,{c},blas_time,{r},{step / 2},s,")
        rows.append(f"{lang},startup,,startup_time,0,0.2,s,")
    (tmp_path / "results.csv").write_text("\n".join(rows) + "\n")
    assert main(["plot", str(tmp_path)]) == 0
    report = (tmp_path / "report.md").read_text()
    assert "julia takes 0.5× Python's time per step (BLAS is 50% of its step)" in report
    for png in ("step_time", "scaling_hidden", "scaling_batch", "training", "startup"):
        assert (tmp_path / f"{png}.png").stat().st_size > 1000, png


def test_plot_of_a_missing_folder_is_a_clear_error(tmp_path, capsys):
    assert main(["plot", str(tmp_path / "nope")]) == 2
    assert "results.csv does not exist" in capsys.readouterr().err
