"""The harness's small parts: the FLOP count, the round order, the training run's chunks, and the report and
plots drawn from a results.csv alone."""
from __future__ import annotations

import numpy as np

from harness import stats
from harness.cli import main
from harness.languages import NAMES
from harness.results import ResultsFile, Row
from harness.rounds import Rounds, round_rows
from harness.schedule import round_order
from harness.settings import Participant
from harness.stats import flops_per_step
from harness.tasks.context import eval_iterations
from harness.tasks.train import train_chunks

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
        py, jl, py_fused, jl_fused = (Participant(*who) for who in (("python",), ("julia",), ("python", "fused"),
                                                                    ("julia", "fused")))
        for r in range(60):
            rounds.add(py, r, 0, 1 + r // 20, {metric: ref[r], "blas_time": ref[r] / 2})
            rounds.add(jl, r, 1, 1 + r // 20, {metric: lang[r], "blas_time": ref[r] * 0.6})
            if case == "hidden=50 batch=100":  # the fused variants: a fifth faster than the layered code
                rounds.add(py_fused, r, 2, 1 + r // 20, {metric: ref[r] * 0.8, "blas_time": ref[r] / 2})
                rounds.add(jl_fused, r, 3, 1 + r // 20, {metric: lang[r] * 0.8, "blas_time": ref[r] * 0.6})
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
