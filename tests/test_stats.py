"""The statistics of a run (harness/stats.py, harness/rounds.py): synthetic measurements whose truth is known."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from harness.compare import agreement_verdict
from harness.rounds import Rounds, round_rows
from harness.runners.base import Found, Runner
from harness.settings import BOOK_STEPS, Participant, warmup_steps
from harness.stats import Estimate, estimate, honest_agreement, over_generations, quiet, ratio, t95
from harness.steps import StepTimes

FAKE = Path(__file__).with_name("fake_port.py")
QUIET_STEP, PAUSE, EVERY, CHUNK = 1.0e-3, 3.0e-3, 10, 25  # a 3 ms pause every 10 steps: amortized 1.3 ms


def synthetic_run(seed: int, generations: int = 6, steps: int = 400) -> tuple[StepTimes, StepTimes]:
    """(a language, Python) trained in rounds of CHUNK steps each on a noisy machine. Both cost QUIET_STEP a step
    (±2% of their own); the language also pauses for PAUSE every EVERY steps (its own cost, which its user pays).
    The machine adds time to both: a third of the rounds run 20-80% slower throughout (a busy neighbour, seen by
    every language of the round), and single steps are hit at random."""
    rng = np.random.default_rng(seed)
    n = generations * steps
    busy = np.repeat((rng.random(n // CHUNK + 1) < 1 / 3) * rng.uniform(0.2, 0.8, n // CHUNK + 1), CHUNK)[:n]
    pause = np.zeros(n)
    pause[EVERY - 1::EVERY] = PAUSE
    workers = np.repeat(np.arange(1, generations + 1), steps)

    def times(own_pause):
        step = QUIET_STEP * (1 + rng.uniform(0, 0.02, n)) + own_pause
        return step * (1 + busy) + (rng.random(n) < 0.02) * rng.exponential(0.5e-3, n)
    return (StepTimes(times(pause), np.full(n, np.nan), workers),
            StepTimes(times(np.zeros(n)), np.full(n, np.nan), workers))


def test_the_amortized_step_counts_the_programs_pauses_and_the_pairing_cancels_the_machines_noise():
    true = (QUIET_STEP * 1.01 + PAUSE / EVERY) / (QUIET_STEP * 1.01)  # the amortized ratio, 1.297
    for seed in range(5):
        lang, python = synthetic_run(seed)
        amortized = ratio(lang.per_generation("amortized"), python.per_generation("amortized"))
        assert amortized.value == pytest.approx(true, rel=0.03), "the amortized ratio"
        assert amortized.contains(true) or amortized.half_width < 0.03
        # one step's quiet cost misses the pauses: its ratio is about 1
        typical = ratio(lang.per_generation("typical"), python.per_generation("typical"))
        assert typical.value < 1.05
        # the absolute amortized step carries the machine's noise; the ratio, taken per generation, does not
        assert lang.estimate("amortized").value > 1.1 * (QUIET_STEP * 1.01 + PAUSE / EVERY)
        assert lang.estimate("amortized").generations == 6


def test_a_counted_gc_time_is_reported_per_step_and_warm_up_steps_are_left_out():
    n = 1200
    times = np.full(n, 1e-3)
    gc = np.zeros(n)
    gc[199::200] = 40e-3
    times += gc
    times[::200] = 1.0  # each worker's first step (compilation): left out, as the next 9 are
    faults = np.where(np.arange(n) % 2 == 0, 300.0, 0.0)  # every other step takes 300 new pages
    st = StepTimes(times, gc, np.repeat(np.arange(1, 7), n // 6), faults)
    assert st.kept().sum() == n - 6 * 10
    assert st.estimate("faults").value == pytest.approx(150)
    assert st.estimate("gc").value == pytest.approx(40e-3 / 190)
    assert st.estimate("amortized").value == pytest.approx(1e-3 + 40e-3 / 190)
    assert st.estimate("typical").value == pytest.approx(1e-3)
    # the 6 slow steps (one a worker) are outliers of the steps' times: counted with them, not again with a counter
    assert st.estimate("amortized").outliers == 6 and st.estimate("gc").outliers == st.estimate("faults").outliers == 0


def test_the_quiet_cost_is_the_low_end_of_repeated_measurements():
    x = np.r_[np.full(18, 1.0), 1.5, 9.0]
    assert quiet(x) == 1.0 and quiet([2.0]) == 2.0 and np.isnan(quiet([]))


def simulated_run(rng, truth: float, generations: int = 6, process: float = 0.03, noise: float = 0.02) -> list[float]:
    """One run's per-generation estimates: each worker process is off by its own factor (sd `process`), and each
    generation's estimate carries the machine's leftover noise (sd `noise`)."""
    return list(truth * np.exp(rng.normal(0, process, generations) + rng.normal(0, noise, generations)))


def test_the_confidence_interval_covers_the_truth_and_the_prediction_interval_the_next_run():
    rng = np.random.default_rng(7)
    covered = predicted = 0
    trials = 600
    for _ in range(trials):
        this = over_generations(simulated_run(rng, 1.7))
        following = over_generations(simulated_run(rng, 1.7))
        covered += this.contains(1.7)
        predicted += this.predicts(following.value)
        assert this.pred_low < this.low < this.value < this.high < this.pred_high
    assert 0.92 <= covered / trials <= 0.98
    assert 0.92 <= predicted / trials <= 0.98


def test_honest_intervals_leave_a_known_share_of_pairs_outside():
    """What a comparison of unchanged runs gives: each run's 95% prediction interval holds the other's estimate 95%
    of the time, both ways about 92% at six generations; and over the done-when's 24 ratios of three runs (144
    (run, other run) pairs) all inside is rare: about 137 are, 129-142 in 95% of comparisons."""
    one_way = honest_agreement([[6, 6]], both_ways=False, trials=20000)
    both = honest_agreement([[6, 6]], trials=20000)
    assert 0.94 <= one_way.mean() / 2 <= 0.96
    assert 0.90 <= both.mean() <= 0.93
    three_runs = honest_agreement([[6, 6, 6]] * 24, both_ways=False)
    assert 135 <= three_runs.mean() <= 139
    assert 127 <= np.percentile(three_runs, 2.5) and np.percentile(three_runs, 97.5) <= 143
    assert np.mean(three_runs == 144) < 0.02


def test_compare_weighs_the_agreement_count_against_honest_intervals():
    """Unchanged runs (the same truth) are judged to agree as often as honest intervals give; a 6% change of half
    the quantities in the third run (about four times the spread of a run's estimate) is judged a difference beyond the
    intervals; intervals made three times too wide are named as such."""
    rng = np.random.default_rng(11)
    truths = rng.uniform(0.9, 2.0, 40)

    def runs(shift=1.0, widen=1.0):
        rows = []
        for i, truth in enumerate(truths):
            row = [over_generations(simulated_run(rng, truth * (shift if k == 2 and i % 2 else 1.0)))
                   for k in range(3)]
            rows.append([Estimate(e.value, e.low, e.high, e.rounds, 0, e.value * (e.pred_low / e.value) ** widen,
                                  e.value * (e.pred_high / e.value) ** widen, e.generations) for e in row])
        return rows

    same = agreement_verdict(runs())[0]
    assert "of 120 pairs" in same and same.endswith("these runs agree as often as that.")
    assert "less often" in agreement_verdict(runs(shift=1.06))[0]
    assert "wider than the runs' spread needs" in agreement_verdict(runs(widen=3.0))[0]


def test_ratios_and_differences_are_paired_by_generation():
    """A drifting machine slows every language of a generation alike: the ratio, taken per generation, is sharp."""
    rng = np.random.default_rng(3)
    drift = np.exp(rng.uniform(0, np.log(2), 6))  # each generation 1-2x slower than the quietest
    ref = {g + 1: 1e-3 * d * np.exp(rng.normal(0, 0.01)) for g, d in enumerate(drift)}
    lang = {g + 1: 1.7e-3 * d * np.exp(rng.normal(0, 0.01)) for g, d in enumerate(drift)}
    paired = ratio(lang, ref, 60)
    assert paired.value == pytest.approx(1.7, rel=0.02) and paired.half_width < 0.02
    assert over_generations(list(lang.values())).half_width > 5 * paired.half_width


PYTHON, JULIA = Participant("python"), Participant("julia")


def test_rounds_give_the_quiet_cost_per_generation_and_ratios_paired_by_generation():
    """Each generation's processes run on a machine of its own speed (1-2x), every round adds positive noise, and
    one round in eight is hit hard: the low end of each generation's rounds, paired by generation, gives the
    ratio."""
    rounds = Rounds()
    rng = np.random.default_rng(1)
    speed = np.exp(rng.uniform(0, np.log(2), 6))
    for r in range(24):
        g = r // 4
        for k, (who, cost) in enumerate(((PYTHON, 1e-3), (JULIA, 1.2e-3))):
            noise = 1 + rng.exponential(0.01) + (2.0 if r % 8 == 5 else 0.0)
            rounds.add(who, r, k, g + 1, {"step_time": cost * speed[g] * noise})
    est = rounds.ratio(JULIA, "step_time")
    assert est.value == pytest.approx(1.2, rel=0.01) and est.generations == 6 and est.rounds == 24
    assert est.contains(1.2)
    assert rounds.estimate(PYTHON, "step_time").generations == 6
    cost = rounds.difference(PYTHON, JULIA, "step_time", relative=True)  # (julia - python) / julia
    assert cost.value == pytest.approx(1 - 1 / 1.2, abs=0.01)


def test_one_generation_gives_no_interval_and_t_is_students():
    est = estimate([1.0, 1.1, 0.9], [1, 1, 1])
    assert est.generations == 1 and np.isnan(est.low) and np.isnan(est.pred_high)
    assert t95(1) == pytest.approx(12.706) and t95(5) == pytest.approx(2.571) and t95(200) == pytest.approx(1.972)


class SlowStart(Runner):
    """A port that is a shell writing an empty result after a delay of its own: a start-up of a few milliseconds,
    so that a busy machine (another test suite beside this one) adds little to it."""

    def __init__(self, name: str, delay_ms: int):
        self.name, self.delay_ms = name, delay_ms

    def find(self):
        return Found(shutil.which("sh") or "/bin/sh", "test")

    def command(self, found, arg):
        script = (f"sleep {self.delay_ms / 1000:.3f}; mkdir -p \"$1/out\" && "
                  "printf 'nnbench-interchange 1\\n' > \"$1/out/manifest.txt\"")
        return [found.exe, "-c", script, "sh", str(arg)]


def test_start_up_timing_tells_apart_ports_whose_start_differs_by_10_ms():
    """Timed with a blocking wait, two ports 10 ms apart are 10 ms apart (a polling wait, with its sleeps of up to
    50 ms, puts 100 and 110 ms in the same slot or 50 ms apart), each with the CPU time its process used. Each
    one's quickest start is compared, and a busy machine (another suite beside this one) gets more tries: it only
    adds time (two suites at once on two CPUs once needed more than 40 tries)."""
    fast, slow = SlowStart("fast", 100), SlowStart("slow", 110)
    walls, cpu = {"fast": [], "slow": []}, []
    for tries in range(1, 81):
        for runner in (fast, slow):
            result = runner.run("noop", timeout=60)
            walls[runner.name].append(result.wall)
            cpu.append(result.cpu_user + result.cpu_system)
        difference = min(walls["slow"]) - min(walls["fast"])
        if tries >= 10 and 0.006 < difference < 0.014:
            break
    assert np.isfinite(cpu).all() and min(cpu) >= 0 and sum(cpu) > 0
    assert 0.006 < difference < 0.014, f"{difference * 1e3:.1f} ms after {tries} tries"


def test_a_ratio_well_below_the_ratio_of_summed_times_is_listed_as_leaving_costs_out():
    """The report's anomalies name a quiet-cost ratio below 0.9x the ratio of the summed rounds (a language whose
    quiet rounds are fast but every fourth round is slow), and not one that agrees with its summed rounds."""
    import pandas as pd

    from harness.report_notes import below_summed, summed_ratio

    rows = []
    for lang, slow in (("python", 1.0), ("julia", 4.0), ("octave", 1.0)):
        values = [2.0 if lang == "octave" else 1.0] * 12
        values = [v * (slow if r % 4 == 3 else 1.0) for r, v in enumerate(values)]  # julia: 7 ms every 4th round
        rows += [(lang, "layers", "bench", "b1", "step_time", str(r), v) for r, v in enumerate(values)]
        ratio_value = {"python": None, "julia": 1.0, "octave": 2.0}[lang]  # the quiet cost's ratios
        if ratio_value is not None:
            rows += [(lang, "layers", "bench", "b1", "step_time_ratio", i, ratio_value * f)
                     for i, f in (("estimate", 1.0), ("ci_low", 0.99), ("ci_high", 1.01))]
    df = pd.DataFrame(rows, columns=["lang", "variant", "task", "case", "metric", "index", "value"])
    assert summed_ratio(df, "julia", "layers", "bench", "b1", "step_time") == pytest.approx((9 + 3 * 4) / 12)
    assert summed_ratio(df, "octave", "layers", "bench", "b1", "step_time") == pytest.approx(2.0)
    found = below_summed(df)
    assert [(w, q) for w, q, _ in found] == [("julia", "bench b1")]
    assert "0.57× the ratio of the summed times (1.75)" in found[0][2]
    assert "slow rounds, which Python's rounds do not share" in found[0][2]


def test_the_summed_training_ratio_leaves_out_each_workers_warm_up_steps_as_the_estimates_do():
    """Julia's first steps in each new worker compile its code (hundreds of times a step): summed with the rest,
    they made the amortized ratio look 0.56x its "summed" ratio in every quick run. Both leave them out; a pause
    after the warm-up is still counted."""
    import pandas as pd

    from harness.report_notes import summed_ratio
    from harness.settings import WARMUP_STEPS

    rows = []
    for lang in ("python", "julia"):
        for worker in (1, 2):
            for k in range(40):
                step = (worker - 1) * 40 + k
                t = 1.0
                if lang == "julia":
                    t = 500.0 if k < WARMUP_STEPS else (3.0 if k == 30 else 1.0)  # compiles, then one pause
                rows += [(lang, "layers", "train", "c", "step_time", str(step), t),
                         (lang, "layers", "train", "c", "step_worker", str(step), float(worker))]
    df = pd.DataFrame(rows, columns=["lang", "variant", "task", "case", "metric", "index", "value"])
    kept = 40 - WARMUP_STEPS
    assert summed_ratio(df, "julia", "layers", "train", "c", "step_time") == pytest.approx((kept + 2) / kept)


def test_a_counted_collectors_time_in_rounds_is_its_mean_given_apart_and_in_the_blocks_cost_when_it_recurs():
    """A bench case whose language counts its collector (Julia, R). A collection of 4 ms in one round of four, in
    every worker process: the collector's estimate is its mean per round, 1 ms (not the low end of its rounds, which
    is 0), over the processes arithmetically, and the block's cost, the low end of its whole times, is 10.5 ms: the
    rare collection is a pause, left out as the machine's are. A collection of 1 ms in every round (R's layered step
    at batch 1 after the full collection that opens each block) is the step's own cost: the block's cost is 11.5 ms
    and its ratio to Python's 1.15. No ratio of collector times to Python's, which has none, is written."""
    julia, r_lang, python = (Participant(lang, "layers") for lang in ("julia", "r", "python"))
    r = Rounds(gc={"step_time": "gc_time"})
    for n in range(24):
        gc = 4e-3 if n % 4 == 3 else 0.0
        r.add(julia, n, 0, n // 4, {"step_time": 10.5e-3 + gc, "gc_time": gc})
        r.add(r_lang, n, 1, n // 4, {"step_time": 11.5e-3, "gc_time": 1e-3})
        r.add(python, n, 2, n // 4, {"step_time": 10e-3})
    gc = r.estimate(julia, "gc_time")
    assert gc.value == pytest.approx(1e-3) and gc.low == pytest.approx(1e-3) and gc.generations == 6
    assert r.estimate(julia, "step_time").value == pytest.approx(10.5e-3)
    assert r.ratio(julia, "step_time").value == pytest.approx(1.05)
    assert r.estimate(r_lang, "gc_time").value == pytest.approx(1e-3)
    assert r.estimate(r_lang, "step_time").value == pytest.approx(11.5e-3)
    assert r.ratio(r_lang, "step_time").value == pytest.approx(1.15)
    metrics = {row.metric for row in round_rows("bench", "c", r, {"step_time": "step_time", "gc_time": "gc_time"})}
    assert "gc_time_estimate" in metrics and "gc_time_ratio" not in metrics and "step_time_ratio" in metrics


def test_a_step_over_its_own_floor_is_paired_within_each_worker_process():
    """A step's ratio to its BLAS floor (Rounds.over) is taken within each worker process, from the same rounds: six
    processes each slowed by their own factor (up to 1.5x) slow the step and its floor alike, and the ratio stays
    4/3 with a zero-width interval; a collector's part counted in every round stays in both (here 1 ms of the
    floor's 9 ms, against the step's 12)."""
    r = Rounds(gc={"step_time": "gc_time", "blas_time": "blas_gc_time"})
    julia = Participant("julia", "fused")
    for n in range(24):
        slow = 1 + (n // 4) / 10
        r.add(julia, n, 0, n // 4, {"step_time": 12e-3 * slow, "gc_time": 0.0,
                                    "blas_time": 9e-3 * slow, "blas_gc_time": 1e-3 * slow})
    over = r.over(julia, "step_time", "blas_time")
    assert over.value == pytest.approx(4 / 3) and over.low == pytest.approx(4 / 3)
    assert over.high == pytest.approx(4 / 3)
    assert over.generations == 6


def test_the_amortized_training_ratio_is_the_ratio_of_the_summed_times():
    """The training run's headline ratio (StepTimes.ratio, amortized) weighs each worker process by its time, as the
    summed times do: one worker of six at twice the others' time makes the language's run 7/6 as long, and the
    ratio is 7/6 of the steady one, not the geometric mean of the workers' ratios (2^(1/6) = 1.12); its intervals
    contain it, stay positive, and the prediction interval is √2 wider (on the logarithm) than the confidence
    interval. The typical step's ratio stays the geometric mean."""
    workers = np.repeat(np.arange(6), 100)
    ref = StepTimes(np.full(600, 1e-3), np.full(600, np.nan), workers)
    times = np.where(workers == 2, 3e-3, 1.5e-3)
    mine = StepTimes(times, np.full(600, np.nan), workers)
    amortized = mine.ratio(ref, "amortized")
    assert amortized.value == pytest.approx(1.5 * 7 / 6)
    assert 0 < amortized.pred_low < amortized.low < amortized.value < amortized.high < amortized.pred_high
    assert np.log(amortized.pred_high / amortized.value) == pytest.approx(np.sqrt(2) * np.log(amortized.high /
                                                                                              amortized.value))
    assert mine.ratio(ref, "typical").value == pytest.approx(1.5 * 2 ** (1 / 6))
    steady = StepTimes(np.full(600, 1.5e-3), np.full(600, np.nan), workers).ratio(ref, "amortized")
    assert steady.value == pytest.approx(1.5) and steady.high - steady.low == pytest.approx(0, abs=1e-12)


def test_a_fresh_processs_first_steps_count_once_per_book_run():
    """Each worker's warm-up (its first steps, before its share of the run) takes 500 steps at 3 ms where the
    steady step is 1 ms, after 10 of compilation (left out): 490 × 2 ms = 0.98 s more, once per process. The
    first_steps estimate is that extra, and the amortized step carries it spread over the book's BOOK_STEPS
    steps, not over the run's few timed steps; without a warm-up nothing is added."""
    workers = np.repeat(np.arange(1, 7), 100)
    warm = {w: np.r_[np.full(10, 0.5), np.full(490, 3e-3), np.full(500, 1e-3)] for w in range(1, 7)}
    st = StepTimes(np.full(600, 1e-3), np.full(600, np.nan), workers, warmup=warm)
    assert st.estimate("first_steps").value == pytest.approx(490 * 2e-3)
    assert st.estimate("amortized").value == pytest.approx(1e-3 + 490 * 2e-3 / BOOK_STEPS)
    assert st.estimate("typical").value == pytest.approx(1e-3)
    plain = StepTimes(np.full(600, 1e-3), np.full(600, np.nan), workers)
    assert plain.first_steps() == {} and plain.estimate("amortized").value == pytest.approx(1e-3)
    assert st.ratio(plain, "amortized").value == pytest.approx(1 + 490 * 2e-3 / BOOK_STEPS / 1e-3)


def test_a_larger_step_warms_up_in_fewer_steps():
    """The warm-up is a volume of new memory to settle: at the book's size the setting's steps, for a step 160 times
    as large (hidden 800, batch 1000) a tenth of them (the floor), for a smaller step no more than at the book's."""
    assert warmup_steps(1000, 50, 100) == 1000 and warmup_steps(1000, 200, 100) == 250
    assert warmup_steps(1000, 800, 1000) == 100 and warmup_steps(1000, 50, 1) == 1000 and warmup_steps(0, 50, 100) == 0
