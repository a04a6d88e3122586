"""The reader's side, from a small synthetic results.csv: every plot and what it must show, the terminal summary,
the progress output outside a terminal, and `compare` across runs."""
from __future__ import annotations

import json
import re
import warnings

import numpy as np
import pytest

from harness.cli import main
from harness.parity import GRAD_TOL, NUMERICAL_TOL, RUN_TRAIN_TOL
from harness.plots import BOTH_VARIANTS, PLOTS, draw_all
from harness.progress import Progress
from harness.readout import load_run, run_settings
from harness.report_tables import size
from harness.results import SETTINGS_TASK, ResultsFile, Row, series
from harness.rounds import Rounds, round_rows
from harness.settings import Participant
from harness.source_size import code_lines, source_rows
from harness.summary import terminal_table
from python_impl.perceptron import GATES

LANGS = ("python", "julia", "octave")
CASE = "hidden=50 batch=100"
BENCH = {(50, 100): 1.0, (800, 100): 8.0, (50, 1): 0.2}  # (hidden, batch): Python's step in ms


def rounds_of(ratios: dict[Participant, float], base_s: float, n: int = 30, seed: int = 0,
              spread: float = 0.02) -> Rounds:
    """n rounds on a machine drifting 2x, each participant `ratios[who]` times Python with `spread` noise."""
    rng = np.random.default_rng(seed)
    rounds = Rounds()
    for r in range(n):
        machine = base_s * np.exp(rng.uniform(0, np.log(2)))
        for k, (who, ratio) in enumerate(ratios.items()):
            t = machine * ratio * np.exp(rng.normal(0, spread))
            rounds.add(who, r, k, 1 + r // 10, {"step_time": t, "blas_time": machine * 0.5})
    rounds.count, rounds.stopped_because = n, "converged"
    return rounds


def write_run(folder, julia: float = 0.9, hidden: int = 50, seed: int = 0) -> None:
    """A run folder with every task's rows for three languages; julia takes `julia` x Python's time."""
    folder.mkdir(parents=True, exist_ok=True)
    res = ResultsFile(folder / "results.csv")
    res.add([Row("machine", "dgemm", "n=2000", "gflops", "", 40.0, "GFLOP/s")])
    settings = {"iters": 100, "batch": 100, "hidden": hidden, "lr": 0.1, "eval_every": 50, "seed": 0, "threads": 1}
    res.add([Row("all", SETTINGS_TASK, "", k, "", float(v)) for k, v in settings.items()])
    ratios = {"python": 1.0, "julia": julia, "octave": 1.7}
    both = {**{Participant(lang): r for lang, r in ratios.items()},
            **{Participant(lang, "fused"): r * 0.8 for lang, r in ratios.items()}}
    res.add(round_rows("train", f"hidden={hidden} batch=100", rounds_of(both, 1e-3, seed=seed),
                       {"step_time": "step_time"}, costs=("step_time",)))
    res.add(round_rows("perceptron", "AND", rounds_of(both, 5e-6, seed=seed + 7), {"step_time": "epoch_time"},
                       costs=("step_time",)))
    for (h, b), ms in BENCH.items():
        case = f"hidden={h} batch={b}"
        res.add(round_rows("bench", case, rounds_of(both, ms * 1e-3, seed=seed + h + b),
                           {"step_time": "step_time", "blas_time": "blas_time"}, costs=("step_time",)))
        res.add([Row("all", "bench", case, "hidden", "", h), Row("all", "bench", case, "batch", "", b),
                 Row("all", "bench", case, "rounds", "", 30, "", "converged")])
    res.add(source_rows(list(LANGS)))
    res.add([Row(lang, "train", "", "peak_memory", "", 100.0 + 10 * k, "MB") for k, lang in enumerate(LANGS)])
    res.add([Row("julia", "train", f"hidden={hidden} batch=100", "alloc_bytes_estimate", "estimate", 2048.0 * f,
                 "bytes", variant=v) for v, f in (("layers", 100), ("fused", 1))])
    res.add([Row("python", "train", f"hidden={hidden} batch=100", "step_peak_bytes_estimate", "estimate", 1024.0 * f,
                 "bytes", variant=v) for v, f in (("layers", 347), ("fused", 41))])
    loss = 2.3 * np.exp(-np.arange(100) / 30)
    w = {"AND": (2.0, 2.0, -3.0), "OR": (2.0, 2.0, -1.0), "NAND": (-2.0, -2.0, 3.0), "XOR": (0.01, 0.02, -0.01)}
    for k, lang in enumerate(LANGS):
        nudge = 0.0 if lang == "python" else 1e-16 * (k + 1)
        res.add(series(lang, "train", CASE, "loss", loss * (1 + nudge)))
        res.add([Row(lang, "train", CASE, "test_acc", 100, 0.9), Row(lang, "train", CASE, "train_acc", 100, 0.91)])
        for p in ("W1", "b1", "W2", "b2"):
            res.add([Row(lang, "gradcheck", p, "numerical_rel", "", 1e-9),
                     Row(lang, "gradcheck", p, "numerical_max_abs", "", 1e-10)])
            if lang != "python":
                res.add([Row(lang, "gradcheck", "", "vs_python_rel", p, 0.0 if lang == "julia" else 3e-16)])
        for gate in GATES:
            w1, w2, b = w[gate]
            res.add([*series(lang, "perceptron", gate, "W", [w1, w2]), Row(lang, "perceptron", gate, "b", "", b),
                     *series(lang, "perceptron", gate, "loss", np.linspace(1, 0.5 if gate == "XOR" else 0.01, 20),
                             start=1),
                     Row(lang, "perceptron", gate, "solved_epoch", "", -1 if gate == "XOR" else 10)])
        for case, metric, v in (("", "startup_time_estimate", 0.25 * (k + 1)), (CASE, "first_step_estimate", 0.004)):
            res.add([Row(lang, "startup", case, metric, i, v * f)
                     for i, f in (("median", 1), ("ci_low", 0.9), ("ci_high", 1.1))])
        for task in ("train", "bench", "gradcheck", "perceptron"):
            res.add([Row(lang, task, "", "status", "", 1)])
    (folder / "environment.json").write_text(json.dumps({"run_id": folder.name, "seed": 0, "threads": 1,
                                                         "settings": {k: v for k, v in settings.items()
                                                                      if k not in ("seed", "threads")},
                                                         "machine": {"cpu": "Test CPU", "os": "Debian"},
                                                         "languages": {"julia": {"version": "Julia 1.5.3",
                                                                                 "cpu": "generic",
                                                                                 "cpu_target": "haswell"}}}))


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("run") / "20260101-000000"
    write_run(folder)
    return folder


@pytest.fixture(scope="module")
def plotted(run_dir):
    """The synthetic run's report and its files, made once by `harness plot` for the tests that read them."""
    assert main(["plot", str(run_dir)]) == 0
    return run_dir


@pytest.fixture(scope="module")
def figures(run_dir):
    df, env = load_run(run_dir)
    settings = run_settings(df, env)
    from harness.readout import languages, layered
    langs = languages(layered(df))
    return {key: fn(df if key in BOTH_VARIANTS else layered(df), langs, settings) for key, fn in PLOTS.items()}


def legend_texts(ax_or_fig) -> list[str]:
    legends = ax_or_fig.legends if hasattr(ax_or_fig, "legends") and ax_or_fig.legends else [ax_or_fig.get_legend()]
    return [t.get_text() for lg in legends if lg is not None for t in lg.get_texts()]


def hlines_at(ax) -> list[float]:
    return [line.get_ydata()[0] for line in ax.get_lines() if len(set(np.ravel(line.get_ydata()))) == 1]


def test_every_plot_is_drawn_from_the_csv_alone(run_dir, tmp_path):
    drawn = draw_all(*load_run(run_dir)[:1], tmp_path, run_settings(*load_run(run_dir)))
    assert set(drawn) == set(PLOTS)
    for name in drawn.values():
        assert (tmp_path / name).stat().st_size > 5000, name


def test_step_time_shows_both_variants_each_with_its_ratio_and_says_which_interval_is_which(figures):
    ax = figures["step_time"].axes[0]
    texts = [t.get_text().strip() for t in ax.texts]
    assert texts.count("reference") == 2  # Python's layered and fused code
    assert {t.get_text() for t in ax.get_yticklabels()} == {*LANGS, *(f"{lang} fused" for lang in LANGS)}
    assert sum(bool(re.fullmatch(r"0\.[89]\d× \[0\.\d\d, 0\.\d\d\]", t)) for t in texts) == 2, texts  # julia
    assert sum(bool(re.fullmatch(r"1\.[67]\d× \[1\.\d\d, 1\.\d\d\]", t)) for t in texts) == 2, texts  # octave
    assert "95% CI" in ax.get_xlabel() and "time" in ax.get_xlabel()  # the bar: the time's interval
    assert "95% CI of the ratio" in ax.get_title() and CASE in ax.get_title()  # the label: the ratio's


def test_scaling_plots_use_one_time_unit_name_every_series_and_show_time_per_sample(figures):
    hidden, batch = figures["scaling_hidden"].axes[0], figures["scaling_batch"].axes[0]
    assert hidden.get_ylabel() == "ms per bench step" and batch.get_ylabel() == "µs per sample"
    for ax in (hidden, batch):
        texts = legend_texts(ax)
        assert texts[:3] == list(LANGS) and any("BLAS floor" in t for t in texts) and "fused (dashed)" in texts
        assert sum(line.get_linestyle() == "--" for line in ax.get_lines()) == len(LANGS)  # each one's fused code
    ys = [line.get_ydata() for line in batch.get_lines() if line.get_marker() == "o"]
    assert any(np.isclose(y[-1], 10.0, rtol=0.5) for y in ys)  # Python at batch 100: 1 ms per step = 10 µs per sample


def test_training_plot_draws_the_difference_from_python_against_the_tolerance(figures):
    loss, diff, acc = figures["training"].axes
    assert "moving average over" in loss.get_ylabel()
    # the curves every language shares are drawn once, and said to be
    assert len(loss.get_lines()) == 1 and legend_texts(loss) == ["every language (they coincide: middle panel)"]
    assert len(acc.get_lines()) == 2  # test and train accuracy
    assert "relative difference" in diff.get_ylabel() and "Python" in diff.get_title() and diff.get_yscale() == "log"
    assert RUN_TRAIN_TOL in hlines_at(diff)
    assert f"tolerance {RUN_TRAIN_TOL:g}" in legend_texts(diff)
    drawn = [line for line in diff.get_lines() if len(set(np.ravel(line.get_ydata()))) > 1]
    assert len(drawn) == 2  # julia and octave (nudged by 1e-16 and 2e-16 x); python is the reference
    assert {"test (solid)", "train (dashed)"} <= set(legend_texts(acc))


def test_parity_plot_labels_both_axes_draws_both_tolerances_and_marks_exact_zeros(figures):
    numerical, vs_python = figures["parity"].axes
    for ax, tol in ((numerical, NUMERICAL_TOL), (vs_python, GRAD_TOL)):
        assert ax.get_ylabel() and tol in hlines_at(ax)
    assert [t.get_text() for t in vs_python.texts].count("exact") == 4  # julia's four arrays are exactly Python's
    assert legend_texts(vs_python)[:2] == ["julia", "octave"]


def test_perceptron_figure_draws_the_shared_line_once_says_why_xor_has_none_and_marks_the_solved_epoch(figures):
    fig = figures["perceptron"]
    gates, losses = fig.axes[:4], fig.axes[4:8]
    assert [ax.get_title() for ax in gates] == ["AND", "OR", "NAND", "XOR: not learnable"]
    for ax in gates[:3]:
        assert len(ax.get_lines()) == 1 and "the same in all 3 languages" in ax.texts[0].get_text()
    assert not gates[3].get_lines() and "no line separates XOR" in gates[3].texts[0].get_text()
    for ax in losses[:3]:  # the solved epoch (10) marked, on a log axis of epochs where it can be seen
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert [t.get_text().strip() for t in ax.texts] == ["solved at epoch 10"]
    assert losses[3].get_yscale() == "linear" and not losses[3].texts  # XOR's loss stays near 0.5
    assert legend_texts(fig)[0] == "every language (they coincide)"


def test_overview_draws_both_variants_and_says_in_words_what_is_the_same(figures):
    speed, words = figures["overview"].axes
    # slowest first, so that the fastest is on top
    assert [t.get_text() for t in speed.get_yticklabels()] == ["octave", "python", "julia"]
    assert "Python" in speed.get_xlabel() and "same variant" in speed.get_xlabel()
    assert len(speed.patches) == 2 * len(LANGS)  # a bar per language and variant
    assert {"layers (the book's structure)", "fused (whole-matrix code)"} == set(legend_texts(speed))
    said = " ".join(t.get_text() for t in words.texts).replace("\n", " ")
    assert "0.9000 in all 3 runs" in said  # the equal accuracies: one number, not three equal bars
    assert f"tolerance {GRAD_TOL:g}" in said and "3.0e-16 (octave)" in said


def test_startup_gives_each_kind_of_bar_a_legend_entry_and_is_left_out_when_not_measured(figures, run_dir):
    ax = figures["startup"].axes[0]
    assert legend_texts(ax) == ["process start-up", "first training step", "steady-state step"]
    assert ax.get_ylabel() == "seconds (95% CI)"
    df, env = load_run(run_dir)
    assert PLOTS["startup"](df[df.task != "startup"], list(LANGS), run_settings(df, env)) is None


def test_the_report_shows_the_overview_and_keeps_perceptron_parity_apart_from_timing(plotted):
    run_dir = plotted
    report = (run_dir / "report.md").read_text()
    assert report.index("![overview](overview.png)") < report.index("## Setup")
    assert "agreement with Python |" in report and "| language | AND epoch (µs) | ratio to Python's epoch |" in report


def test_terminal_summary_gives_time_ratio_share_accuracy_and_parity(run_dir):
    lines = terminal_table(*load_run(run_dir))
    assert lines[0] == f"Training step, {CASE}, 100 iterations"
    assert lines[1].split()[:3] == ["language", "step", "(ms)"]
    table = lines[3:lines.index("")]
    rows = {" ".join(line.split()[:2]) if line.split()[1] == "fused" else line.split()[0]: line for line in table}
    assert set(rows) == {*LANGS, *(f"{lang} fused" for lang in LANGS)}
    assert any(line.startswith("step: the amortized step") for line in lines)
    assert "reference" in rows["python"] and "exact" in rows["julia"]
    assert re.search(r"0\.[89]\d+ \[0\.\d+, 0\.\d+\]", rows["julia"])  # julia's ratio, 0.9 x
    assert "50%" in rows["python"] and re.search(r" (29|30)% ", rows["octave"])  # floor 0.5 x, octave 1.7 x Python
    assert "0.9000" in rows["octave"] and "≤3.00e-16" in rows["octave"]


def test_run_ends_with_the_summary_on_screen(run_dir, capsys, monkeypatch):
    from harness.commands import print_summary
    print_summary(run_dir)
    out = capsys.readouterr().out
    assert "Training step, hidden=50 batch=100" in out and "julia" in out


def test_progress_outside_a_terminal_prints_one_line_per_task(capsys):
    p = Progress(total=2, terminal=False)
    p.start("perceptron")
    p.detail("round 1, julia")
    p.done()
    p.start("train")
    p.done()
    p.close()
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 2 and lines[0].startswith("[1/2] perceptron done in") and lines[1].startswith("[2/2] train")


def test_compare_flags_changes_beyond_the_cis_and_states_differences_first(tmp_path, capsys):
    write_run(tmp_path / "a", julia=0.9)
    write_run(tmp_path / "b", julia=1.2)  # the same machine drift and noise: only julia changed
    env = json.loads((tmp_path / "b" / "environment.json").read_text())
    env["languages"]["julia"]["version"] = "Julia 1.6.0"
    (tmp_path / "b" / "environment.json").write_text(json.dumps(env))
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c.md")]) == 0
    out = capsys.readouterr().out
    assert out.index("languages.julia.version: Julia 1.5.3 | Julia 1.6.0") < out.index("## Measurements")
    julia = [line for line in out.splitlines() if line.startswith(f"| training step {CASE} (amortized) | julia |")]
    # the ratio's change is sharp (paired within rounds); the absolute times drift with the machine
    assert len(julia) == 1 and "up ×1.33" in julia[0] and julia[0].endswith("| 0 of 1 |")
    octave = [line for line in out.splitlines() if line.startswith(f"| training step {CASE} (amortized) | octave |")]
    assert "same within CIs" in octave[0] and octave[0].endswith("| 1 of 1 |")  # within each other's prediction
    assert (tmp_path / "c.md").read_text().startswith("# Comparison of runs")


def test_compare_does_not_compare_unlike_settings(tmp_path, capsys):
    write_run(tmp_path / "a")
    write_run(tmp_path / "b")
    for name in ("a", "b"):  # from the CSV alone
        (tmp_path / name / "environment.json").unlink()
    res = ResultsFile(tmp_path / "b" / "results.csv")
    res.add([Row("all", SETTINGS_TASK, "", "iters", "", 500.0)])
    assert main(["compare", str(tmp_path / "a"), str(tmp_path / "b"), "--out", str(tmp_path / "c.md")]) == 0
    out = capsys.readouterr().out
    assert "setting iters: 100 | 500" in out
    assert f"| training step {CASE} (amortized) | all | not compared: iters differ |" in out
    assert f"| bench step {CASE} | julia |" in out


def test_compare_needs_two_runs_with_results(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["compare", str(tmp_path)])
    assert stop.value.code == 2
    assert main(["compare", str(tmp_path / "x"), str(tmp_path / "y")]) == 2
    assert "results.csv does not exist" in capsys.readouterr().err


@pytest.mark.parametrize("flag, value", [("--hidden", "20000"), ("--batch", "70000"), ("--lr", "0"), ("--hidden", "x")])
def test_run_rejects_sizes_out_of_range(flag, value, capsys):
    with pytest.raises(SystemExit) as stop:
        main(["run", flag, value, "--langs", "python"])
    assert stop.value.code == 2 and flag in capsys.readouterr().err


def test_abstraction_draws_each_languages_cost_share_with_its_interval(figures):
    fig = figures["abstraction"]
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("training step") and titles[1] == "bench step\nhidden=50 batch=100"
    assert titles[2] == "bench step\nhidden=50 batch=1" and titles[3] == "perceptron epoch\nAND"
    for ax in fig.axes:
        assert ax.get_xlabel() == "% of the layered time" and len(ax.patches) == len(LANGS)
        # the fused code is 0.8x the layered in every language: a share of 20%, with its interval
        assert [p.get_width() for p in ax.patches] == pytest.approx([20.0] * len(LANGS), abs=3)
        assert all(re.fullmatch(r"\s*(19|20|21)% \[\d+, \d+\]", t.get_text()) for t in ax.texts), ax.texts


def test_no_text_of_any_figure_falls_outside_its_axes(figures):
    for key, fig in figures.items():
        if fig is None:
            continue
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            if not ax.axison:  # a panel of words: inside the figure
                frame = fig.bbox
            else:
                frame = ax.get_window_extent(renderer)
            for t in ax.texts:
                if not t.get_text().strip():
                    continue
                box = t.get_window_extent(renderer)
                assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1 and frame.y0 - 1 <= box.y0 \
                    and box.y1 <= frame.y1 + 1, f"{key}: {t.get_text()!r} outside its axes"


def test_a_cost_share_whose_interval_runs_off_the_axes_keeps_its_label_inside(run_dir):
    """A run of two worker processes can give an interval far beyond 100%: the label stays inside the axes, and the
    layout is still made (no warning)."""
    df, env = load_run(run_dir)
    df = df.copy()
    df.loc[df.metric.str.endswith("_abstraction_share") & (df["index"] == "ci_high"), "value"] = 30.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fig = PLOTS["abstraction"](df, list(LANGS), run_settings(df, env))
        fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        frame = ax.get_window_extent(renderer)
        assert all(t.get_window_extent(renderer).x0 < frame.x1 for t in ax.texts)
        assert any("[" in t.get_text() and ", 3000]" in t.get_text() for t in ax.texts)


def test_the_reading_names_a_fastest_language_only_when_the_intervals_separate_it(tmp_path):
    from harness.readout import layered
    from harness.report_sections import reading
    for julia, apart in ((0.8, True), (0.995, False)):
        folder = tmp_path / f"run-{julia}"
        write_run(folder, julia=julia)
        df, env = load_run(folder)
        text = " ".join(reading(df, CASE))
        assert ("The fastest training step is **julia**'s" in text) == apart, text
        assert ("cannot tell apart" in text) == (not apart) or "fused" in text, text
        assert "Every language ends at the same test accuracy, 0.9000." in text
        assert "range" not in text and layered(df) is not None


def test_the_terminal_summary_fits_100_columns_and_says_where_each_figure_comes_from(run_dir):
    lines = terminal_table(*load_run(run_dir))
    assert max(len(line) for line in lines) <= 100
    said = " ".join(lines)
    assert "BLAS: the share of the bench step" in said and "step: the amortized step of the training run" in said


def test_the_report_has_every_ratio_in_one_table_and_a_csv_beside_it(plotted):
    import pandas as pd
    run_dir = plotted
    table = pd.read_csv(run_dir / "ratios.csv")
    assert list(table.columns[:6]) == ["language", "variant", "task", "case", "quantity", "ratio"]
    assert set(table.language) == {"julia", "octave"} and set(table.variant) == {"layers", "fused"}
    assert {"hidden=800 batch=100", "hidden=50 batch=1", CASE} <= set(table.case)  # the scaling cases too
    assert (table.ci_low <= table.ratio).all() and (table.ratio <= table.ci_high).all()
    julia = table[(table.language == "julia") & (table.task == "train") & (table.variant == "layers")]
    assert julia.ratio.iloc[0] == pytest.approx(0.9, rel=0.03)
    report = (run_dir / "report.md").read_text()
    assert "## Every ratio to Python" in report and "(ratios.csv)" in report
    assert re.search(r"^\| julia \| layers \| train \| hidden=50 batch=100 \| step \| 0\.\d+ \[", report, re.M)


def test_source_size_counts_code_not_comments_and_the_report_gives_it_per_part(plotted, tmp_path):
    src = tmp_path / "layers.py"
    src.write_text('"""A docstring\nover two lines."""\n# a comment\n\nx  =  1   # kept\ndef f():\n'
                   '    """One line."""\n    return x\n')
    assert code_lines(src) == ["x = 1 # kept", "def f():", "return x"]
    m = tmp_path / "fused_step.m"
    m.write_text("% a comment\nfunction y = fused_step(x)\n  y = x;  %% kept\nend\n")
    assert len(code_lines(m)) == 3
    run_dir = plotted
    report = (run_dir / "report.md").read_text()
    section = report[report.index("## Source size"):]
    for lang in LANGS:  # lines (gzip bytes) of each part, read from the ports themselves
        assert re.search(rf"^\| {lang} \| [1-9]\d* \(\d+\) \| [1-9]\d* \(\d+\) \| [1-9]\d* \(\d+\) \|", section, re.M)


def test_memory_peak_per_worker_and_allocations_where_counted_are_in_the_report_and_summary(plotted):
    run_dir = plotted
    report = (run_dir / "report.md").read_text()
    section = report[report.index("## Memory"):]
    assert "| julia | 110 | 200 KiB allocated / 2 KiB allocated |" in section
    assert size(224) == "224 bytes" and size(1264640) == "1235 KiB"  # Julia's fused step allocates 224 bytes
    assert "| python | 100 | 347 KiB at peak / 41 KiB at peak |" in section
    assert "| octave | 120 | not counted |" in section
    assert "Base.gc_bytes" in section and "tracemalloc" in section and "Octave and Scilab have no" in section
    said = " ".join(" ".join(terminal_table(*load_run(run_dir))).split())  # the lines wrap at 100 columns
    assert "python 100 MB, julia 110 MB, octave 120 MB" in said
    assert "python 347 KiB at peak / 41 KiB at peak; julia 200 KiB allocated / 2 KiB allocated" in said


def test_the_report_says_what_to_keep_in_mind_beside_julias_numbers_and_gives_scaling_in_both_variants(plotted):
    run_dir = plotted
    report = (run_dir / "report.md").read_text()
    assert "Read Julia's numbers as those of **Julia 1.5.3**" in report and "`-C`" in report and "`generic`" in report
    scaling = report[report.index("## Scaling"):]
    assert re.search(r"^\| hidden=800 batch=100 \| fused \| ", scaling, re.M)  # the fused variant, every case
    assert "ms per bench step" in scaling and "training run's step" in scaling


def test_a_fused_step_slower_than_layered_is_flagged_and_numerical_gradients_that_differ_are_explained(tmp_path):
    folder = tmp_path / "run"
    write_run(folder)
    df, env = load_run(folder)
    case = "hidden=800 batch=100"  # the fused code made 2x its layered step, intervals and all
    sel = (df.task == "bench") & (df.case == case) & (df.variant == "fused") & (df.metric == "step_time_estimate") \
        & df["index"].astype(str).isin(["estimate", "ci_low", "ci_high"])
    df.loc[sel, "value"] *= 2.5
    sel = (df.lang == "octave") & (df.task == "gradcheck") & (df.case == "W1") & (df.metric == "numerical_max_abs")
    df.loc[sel, "value"] = 1.1e-10
    df.to_csv(folder / "results.csv", index=False)
    assert main(["plot", str(folder)]) == 0
    report = (folder / "report.md").read_text()
    flagged = [line for line in report.splitlines() if line.startswith(f"| {case} | fused |")]
    assert len(flagged) == 1 and flagged[0].count("**slower than layered**") == len(LANGS)
    assert "(octave: W1)" in report and "long double" in report
    df, env = load_run(folder)
    fig = PLOTS["scaling_hidden"](df, list(LANGS), run_settings(df, env))
    assert "fused slower than layered (CIs apart)" in legend_texts(fig.axes[0])
