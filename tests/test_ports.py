"""Every language port against the Python reference on the same inputs (harness/check.py), the interchange
details each must honour, and how each fails. What is particular to one language lives in test_<lang>.py.

A port's tests skip when its runtime is not found, unless NNBENCH_REQUIRE_LANGS names it (or says all): then
they fail. `python -m harness doctor` says how to install a missing one.
"""
from __future__ import annotations

import os
import re
import time

import numpy as np
import pytest
from conftest import COUNTERS, assert_all_ok, bench_inputs, require_lang, same_names

from harness import check
from harness import inputs as seeded
from harness.interchange import read_manifest, write_arrays
from harness.languages import LANGUAGES, PORTS, REFERENCE
from harness.parity import max_rel_each, rel_diff
from harness.runners import PortError, get_runner
from harness.tasks.train import takeover_folder
from harness.workers import Workers

GRAD = {"model": "two_layer_net", "numerical": 0}


@pytest.fixture(params=PORTS)
def port(request):
    """Each port's runner in turn; skips (or fails, see require_lang) when its runtime is missing."""
    return require_lang(request.param)


# --- parity with the reference -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shared():
    """One worker per language for this module's tests whose subject is what a task computes, not the process
    around it: each port's code is loaded (Julia's compiled) once, not once per case. The one-shot path, which
    `harness check` takes, keeps tests of its own: test_layers, the interchange and the errors from
    test_shapes_that_do_not_fit on."""
    with Workers() as workers:
        yield workers


def asked(workers: Workers):
    """check's way of asking a language for a task's results (check.Ask), through `workers`."""
    return lambda lang, task, config, data: workers.request(lang, task, config, inputs=data, timeout=600).arrays


def test_layers(port):
    assert_all_ok(check.layer_rows(port.name))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_gradient(port, shared, model, labels):
    assert_all_ok(check.grad_rows(port.name, model, labels=labels, ask=asked(shared)))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
def test_numerical_gradient_agrees_with_backprop(port, shared, model):
    assert_all_ok(check.numerical_rows(port.name, model, ask=asked(shared)))


def test_training_replays_the_reference(port, shared):
    assert_all_ok(check.train_rows(port.name, ask=asked(shared)))


def test_check_covers_the_fused_variant(any_port, shared):
    rows = check.fused_rows(any_port.name, ask=asked(shared))
    assert {r.case for r in rows} == {"fused first step (batch 1)", "fused first step (batch 100)",
                                      "fused perceptron (AND)"}
    assert_all_ok(rows)


@pytest.fixture(params=(REFERENCE, *PORTS))
def any_port(request):
    """Every port, Python's too (its fused variant is compared with its own layers)."""
    return require_lang(request.param)



@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "XOR"])
@pytest.mark.parametrize("variant", ["layers", "fused"])
def test_perceptron_training(any_port, shared, gate, variant):
    data = seeded.perceptron_inputs(0, gate)
    config = {"epochs": 1000, "lr": 1.0, "repeats": 2}
    ref = shared.request(REFERENCE, "perceptron", config, inputs=data).arrays
    got = shared.request(any_port.name, "perceptron", {**config, "variant": variant}, inputs=data).arrays
    assert got["solved_epoch"].shape == () and got["solved_epoch"] == ref["solved_epoch"]
    assert rel_diff(got["losses"], ref["losses"]) <= check.GRAD_TOL
    for name in ("W", "b"):
        # relative to the largest value but absolute below 1: XOR is not learnable and its W and b shrink to
        # rounding noise that no two implementations share
        scale = max(float(np.max(np.abs(ref[name]))), 1.0)
        assert got[name].shape == ref[name].shape
        assert np.max(np.abs(got[name] - ref[name])) <= check.GRAD_TOL * scale, name
    assert got["times"].shape == (2,) and got["first_time"].shape == ()
    assert np.all(got["times"] > 0) and got["first_time"] > 0


# --- the interchange format ----------------------------------------------------------------------------

def test_reads_fortran_order_inputs(port, shared, tmp_path):
    """ORDER F must be honoured: the same layer inputs written column-major give identical results."""
    data = seeded.layer_inputs(0)
    ref = shared.request(port.name, "layers", {}, inputs=data).arrays
    folder = tmp_path / "in"
    write_arrays(folder, data)
    lines = [(folder / "manifest.txt").read_text().splitlines()[0]]
    for name, dtype, _order, shape in read_manifest(folder):
        np.asarray(data[name], dtype="<f8").ravel(order="F").tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype, "F", str(len(shape)), *map(str, shape)]))
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    got = shared.request(port.name, "layers", {}, input_dir=folder).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert got[name].shape == ref[name].shape, name
        assert np.array_equal(got[name], ref[name]), name


def test_one_element_shapes_are_kept(port, shared):
    """One hidden unit (b1 has one value, W2 is 1 x 10), one evaluation, one step: every result keeps the
    reference's rank, which a port cannot guess from a 1 x 1 or n x 1 matrix."""
    data = check.train_parity_inputs(0, n_train=100, n_test=20, iters=1, batch=5, hidden=1)
    config = {"lr": 0.1, "eval_every": 100}
    ref = shared.request(REFERENCE, "train", config, inputs=data).arrays
    got = shared.request(port.name, "train", config, inputs=data).arrays
    assert same_names(got, ref)
    for name in set(ref) - COUNTERS:
        assert got[name].shape == ref[name].shape, name
    assert rel_diff(got["loss"], ref["loss"]) <= check.GRAD_TOL
    assert rel_diff(got["W2"], ref["W2"]) <= check.GRAD_TOL


def test_progress_lines_during_training(port):
    seen = []
    port.run("train", {"lr": 0.1, "eval_every": 10}, check.train_parity_inputs(0, iters=25),
             on_progress=lambda i, n: seen.append((i, n)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


# --- info and first_step ------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_info_names_version_blas_and_threads(any_port, threads):
    info = any_port.run("info", threads=threads).info
    assert re.match(LANGUAGES[any_port.name].version, info["version"]), info
    assert "openblas" in info["blas"].lower(), info  # the set-up installs OpenBLAS for every language
    # OpenBLAS caps its threads at the CPUs this process may use
    assert info["blas_threads"] in {str(threads), str(min(threads, len(os.sched_getaffinity(0))))}, info


@pytest.mark.parametrize("batch", [1, 100])
def test_first_step_of_each_variant_is_timed_and_computes_what_python_does(any_port, shared, batch):
    """first_step of each variant at the benchmark's shape: the same parameters as each other and as Python's."""
    data = bench_inputs(50, batch)
    ref = shared.request(REFERENCE, "first_step", {"lr": 0.1}, inputs=data).arrays
    got = {v: shared.request(any_port.name, "first_step", {"lr": 0.1, "variant": v}, inputs=data).arrays
           for v in ("layers", "fused")}
    for variant, result in got.items():
        assert result["first_step"].shape == () and result["first_step"] > 0, variant
        for name in ("W1", "b1", "W2", "b2"):
            assert rel_diff(result[name], ref[name]) <= check.GRAD_TOL, (variant, name)
    for name in ("W1", "b1", "W2", "b2"):
        assert rel_diff(got["fused"][name], got["layers"][name]) <= check.GRAD_TOL, name


# --- workers: requests one after the other, state kept between them ------------------------------------------

@pytest.fixture
def pool():
    with Workers() as workers:
        yield workers


def test_worker_holds_bench_cases_and_computes_what_python_does(port, pool, tmp_path):
    """Two cases held at once (one of batch 1); a verifying round returns the parameters after its steps and the
    six products, equal to Python's; a case never begun is the task's error and the worker goes on."""
    cases = {"h20_b7": (20, 7), "h30_b1": (30, 1)}
    for case, (hidden, batch) in cases.items():
        write_arrays(tmp_path / case, bench_inputs(hidden, batch))
        for lang in ("python", port.name):
            pool.request(lang, "bench_begin", {"case_id": case, "lr": 0.1}, input_dir=tmp_path / case, timeout=120)
    for case in cases:
        config = {"case_id": case, "warmup": 2, "inner": 3, "verify": 1}
        ref = pool.request("python", "bench_round", config, timeout=120).arrays
        for _ in range(2):  # every round starts from the held parameters: the same result twice
            got = pool.request(port.name, "bench_round", config, timeout=120).arrays
            assert same_names(got, ref)
            assert got["step_time"] > 0 and got["blas_time"] > 0
            for name in ref:
                if name not in ("step_time", "blas_time"):
                    assert got[name].shape == ref[name].shape, (case, name)
                    assert rel_diff(got[name], ref[name]) <= check.GRAD_TOL, (case, name)
    with pytest.raises(PortError, match="bench_begin") as err:
        pool.request(port.name, "bench_round", {"case_id": "h9_b9", "warmup": 1, "inner": 1, "verify": 0}, timeout=60)
    assert err.value.reason.startswith("error: ")
    assert pool.request(port.name, "noop", {}, timeout=60).arrays == {}
    assert pool.serial(port.name) == 1  # the same process all along


def test_training_in_chunks_handed_to_a_new_worker_replays_the_reference(port, pool, tmp_path):
    """train_begin, train_steps in chunks, train_end; the run handed over to a new process half-way (the harness
    does this to spread a measurement over several processes): the same losses, accuracies and weights as
    Python's one-shot training."""
    data = check.train_parity_inputs(0, iters=30)
    folder = tmp_path / "train"
    write_arrays(folder, data)
    ref = get_runner("python").run("train", {"lr": 0.1, "eval_every": 10}, data).arrays
    losses, train_acc, test_acc = [], [], []

    def steps(first: int, count: int, evaluate: bool) -> None:
        got = pool.request(port.name, "train_steps", {"first": first, "steps": count, "evaluate": int(evaluate)},
                           timeout=120).arrays
        assert got["loss"].shape == (count,) and got["step_times"].shape == (count,)
        assert np.all(got["step_times"] > 0)
        losses.append(got["loss"])
        if evaluate:
            train_acc.append(float(got["train_acc"]))
            test_acc.append(float(got["test_acc"]))
        else:
            assert "train_acc" not in got

    pool.request(port.name, "train_begin", {"lr": 0.1}, input_dir=folder, timeout=120)
    steps(0, 10, True)
    steps(10, 5, False)
    with pytest.raises(PortError, match="do not follow"):
        steps(3, 5, False)
    params = pool.request(port.name, "train_end", {}, timeout=120).arrays
    pool.retire(port.name)
    pool.request(port.name, "train_begin", {"lr": 0.1, "first": 15}, timeout=120,
                 input_dir=takeover_folder(tmp_path / "takeover", folder, params))
    steps(15, 5, True)
    steps(20, 10, True)
    final = pool.request(port.name, "train_end", {}, timeout=120).arrays
    assert pool.serial(port.name) == 2
    assert max_rel_each(np.concatenate(losses), ref["loss"]) <= check.TRAIN_LOSS_TOL
    assert train_acc == list(ref["train_acc"]) and test_acc == list(ref["test_acc"])
    for name in ("W1", "b1", "W2", "b2"):
        assert rel_diff(final[name], ref[name]) <= check.GRAD_TOL, name


def test_fused_and_layered_cases_held_side_by_side_compute_what_python_does(any_port, pool, tmp_path):
    """The fused step (docs/porting.md) after the same steps from the same inputs: the same parameters as the
    same language's layered step and as Python's, to 1e-12 (norm-wise relative), at batch 1 and 7."""
    port = any_port
    for hidden, batch in ((20, 7), (30, 1)):
        folder = tmp_path / f"h{hidden}_b{batch}"
        write_arrays(folder, bench_inputs(hidden, batch))
        got = {}
        for lang, variant in (("python", "layers"), (port.name, "layers"), (port.name, "fused")):
            case = f"{folder.name}_{variant}"
            pool.request(lang, "bench_begin", {"case_id": case, "lr": 0.1, "variant": variant}, input_dir=folder,
                         timeout=120)
            got[lang, variant] = pool.request(lang, "bench_round", {"case_id": case, "warmup": 3, "inner": 4,
                                                                    "verify": 1}, timeout=120).arrays
        ref, layered, fused = got["python", "layers"], got[port.name, "layers"], got[port.name, "fused"]
        assert fused["step_time"] > 0 and fused["blas_time"] > 0
        for name in ("W1", "b1", "W2", "b2"):
            assert fused[name].shape == ref[name].shape
            assert rel_diff(fused[name], ref[name]) <= check.GRAD_TOL, (batch, name)
            assert rel_diff(fused[name], layered[name]) <= check.GRAD_TOL, (batch, name)
            assert rel_diff(fused[name], bench_inputs(hidden, batch)[name]) > 1e-6, name  # the steps did change it


# What train_end returns of a step's memory, in the languages that count it (docs/interchange.md)
STEP_MEMORY = {"python": "step_peak_bytes", "r": "step_alloc_bytes"}


def test_a_fused_and_a_layered_training_run_held_at_once_replay_the_reference(any_port, pool, tmp_path):
    """One worker holds a training run of each variant; each warms up on a copy of its network (train_warmup, past
    the last batch and from the first again), then their chunks interleave; each ends where Python's one-shot
    training ends (losses at every step, accuracies, weights), and the one-shot fused training does too."""
    port = any_port
    data = check.train_parity_inputs(0, iters=20)
    folder = tmp_path / "train"
    write_arrays(folder, data)
    ref = get_runner("python").run("train", {"lr": 0.1, "eval_every": 10}, data).arrays
    losses = {"layers": [], "fused": []}
    for variant in losses:
        pool.request(port.name, "train_begin", {"lr": 0.1, "variant": variant}, input_dir=folder, timeout=120)
    for variant in losses:
        warm = pool.request(port.name, "train_warmup", {"steps": 25, "variant": variant}, timeout=120).arrays
        assert warm["step_times"].shape == (25,) and np.all(warm["step_times"] > 0)
    with pytest.raises(PortError, match="at least 1"):
        pool.request(port.name, "train_warmup", {"steps": 0}, timeout=60)
    for first in (0, 10):
        for variant in ("fused", "layers"):
            got = pool.request(port.name, "train_steps", {"first": first, "steps": 10, "evaluate": 1,
                                                          "variant": variant}, timeout=120).arrays
            assert got["step_times"].shape == (10,) and np.all(got["step_times"] > 0)
            assert float(got["test_acc"]) == ref["test_acc"][first // 10], (variant, first)
            losses[variant].append(got["loss"])
    counted = {}
    for variant in losses:
        final = pool.request(port.name, "train_end", {"variant": variant}, timeout=120).arrays
        counted[variant] = {k: final[k] for k in STEP_MEMORY.values() if k in final}
        assert max_rel_each(np.concatenate(losses[variant]), ref["loss"]) <= check.TRAIN_LOSS_TOL, variant
        for name in ("W1", "b1", "W2", "b2"):
            assert rel_diff(final[name], ref[name]) <= check.GRAD_TOL, (variant, name)
    for task in ("train_steps", "train_warmup"):
        with pytest.raises(PortError, match="train_begin"):
            pool.request(port.name, task, {"first": 20, "steps": 1, "variant": "fused"}, timeout=60)
    # What a step takes of memory, where the language counts it (five untimed steps on a copy of the network, at
    # hidden 50 batch 20): a layered step makes at least one W1-sized matrix (784 x 50 float64, 313 600 bytes),
    # the fused step, which updates in place, less.
    kind = STEP_MEMORY.get(port.name)
    assert all(set(c) == ({kind} if kind else set()) for c in counted.values()), counted
    if kind:
        layered, fused = counted["layers"][kind], counted["fused"][kind]
        assert layered.shape == fused.shape == (5,) and layered.min() >= 784 * 50 * 8 and fused.max() < layered.min()
    one_shot = port.run("train", {"lr": 0.1, "eval_every": 10, "variant": "fused"}, data).arrays
    assert max_rel_each(one_shot["loss"], ref["loss"]) <= check.TRAIN_LOSS_TOL
    assert list(one_shot["train_acc"]) == list(ref["train_acc"])
    assert rel_diff(one_shot["W1"], ref["W1"]) <= check.GRAD_TOL


# --- failures: one clear error line, never a hang ------------------------------------------------------

def fails(port, task: str, config: dict | None = None, data=None, input_dir=None, workers=None) -> str:
    """Runs a task that must fail, in a process of its own (or in one of `workers`, which must go on); returns
    the reason, which must be the port's own error line."""
    start = time.perf_counter()
    with pytest.raises(PortError) as err:
        if workers is None:
            port.run(task, config or {}, data, input_dir=input_dir, timeout=120)
        else:
            workers.request(port.name, task, config or {}, inputs=data, input_dir=input_dir, timeout=120)
    assert time.perf_counter() - start < 60
    assert workers is None or workers.request(port.name, "noop", {}, timeout=60)
    reason = err.value.reason
    assert reason.startswith("error:") and "ignoring" not in reason, err.value.describe()
    return reason


def test_shapes_that_do_not_fit(any_port):
    data = seeded.grad_inputs("two_layer_net", 0)
    data["W2"] = data["W2"][:7]  # 7 rows where the hidden layer has 50 units
    fails(any_port, "grad", GRAD, data)


def test_missing_input_is_named(any_port):
    data = seeded.grad_inputs("two_layer_net", 0)
    del data["x"]
    assert "'x'" in fails(any_port, "grad", GRAD, data)


@pytest.mark.parametrize("variant", ["layers", "fused"])
def test_labels_out_of_range(any_port, shared, variant):
    data = seeded.grad_inputs("two_layer_net", 0)
    data["t"] = data["t"] + 10
    assert "labels" in fails(any_port, "grad", GRAD, data, workers=shared)
    data = bench_inputs(5, 3)
    data["t"] = data["t"] + 10
    assert "labels" in fails(any_port, "first_step", {"lr": 0.1, "variant": variant}, data, workers=shared)


def test_unreadable_input(any_port, tmp_path):
    folder = tmp_path / "in"
    write_arrays(folder, {"x": np.zeros((2, 3))})
    (folder / "x.bin").write_bytes(b"\0" * 7)  # shorter than the manifest says
    assert "x.bin" in fails(any_port, "layers", input_dir=folder)


def test_unknown_task(any_port):
    assert "no_such_task" in fails(any_port, "no_such_task")


@pytest.mark.parametrize("task", ["perceptron", "train", "first_step", "train_begin", "bench_begin"])
def test_unknown_variant(any_port, shared, task):
    # every input right, so that the variant is the only fault
    data = {"perceptron": seeded.perceptron_inputs(0, "AND"), "train": check.train_parity_inputs(0, iters=2),
            "train_begin": check.train_parity_inputs(0, iters=2)}.get(task) or bench_inputs(5, 2)
    config = {"variant": "turbo", "lr": 0.1, "epochs": 1, "repeats": 1, "eval_every": 1, "case_id": "c"}
    assert "unknown variant 'turbo' (expected layers or fused)" in fails(any_port, task, config, data, workers=shared)


def test_r_counts_its_collectors_part_of_each_step(pool, tmp_path):
    """R returns, as Julia does (docs/interchange.md), each bench round's (its steps' and its BLAS floor's) and
    each training step's time taken by its garbage collector (gc.time, kept by R in whole milliseconds). A block
    starts after a full collection (docs/porting.md), so its collector runs inside it only once the block has
    allocated R's allowance: at hidden 800, in 20 steps of the layered code and 20 sets of the floor's six products
    (each allocates W1-sized matrices); its time is counted, and within the measured time (a millisecond of
    rounding allowed)."""
    require_lang("r")
    write_arrays(tmp_path / "case", bench_inputs(800, 100))
    pool.request("r", "bench_begin", {"case_id": "c", "lr": 0.1}, input_dir=tmp_path / "case", timeout=120)
    rounds = [pool.request("r", "bench_round", {"case_id": "c", "warmup": 1, "inner": 20, "verify": 0},
                           timeout=120).arrays for _ in range(6)]
    for gc_name, name in (("gc_time", "step_time"), ("blas_gc_time", "blas_time")):
        gc, step = (np.array([float(r[k]) for r in rounds]) for k in (gc_name, name))
        assert np.all((gc >= 0) & (gc <= step + 1e-3 / 20)) and gc.sum() > 0, (name, gc, step)
    write_arrays(tmp_path / "train", check.train_parity_inputs(0, iters=10))
    pool.request("r", "train_begin", {"lr": 0.1}, input_dir=tmp_path / "train", timeout=120)
    got = pool.request("r", "train_steps", {"first": 0, "steps": 10, "evaluate": 0}, timeout=120).arrays
    assert got["gc_times"].shape == (10,) and np.all((got["gc_times"] >= 0) & (got["gc_times"] <= got["step_times"]
                                                                               + 1e-3))
