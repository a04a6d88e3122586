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
from conftest import assert_all_ok, require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import read_manifest, write_arrays
from harness.parity import rel_diff
from harness.runners import PortError, get_runner

PORTS = ("julia", "scilab", "octave")
VERSION = {"julia": r"Julia \d+\.\d+", "scilab": r"Scilab \d+", "octave": r"GNU Octave \d+\.\d+"}
GRAD = {"model": "two_layer_net", "numerical": 0}


@pytest.fixture(params=PORTS)
def port(request):
    """Each port's runner in turn; skips (or fails, see require_lang) when its runtime is missing."""
    return require_lang(request.param)


# --- parity with the reference -------------------------------------------------------------------------

def test_layers(port):
    assert_all_ok(check.layer_rows(port.name))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_gradient(port, model, labels):
    assert_all_ok(check.grad_rows(port.name, model, labels=labels))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
def test_numerical_gradient_agrees_with_backprop(port, model):
    assert_all_ok(check.numerical_rows(port.name, model))


def test_training_replays_the_reference(port):
    assert_all_ok(check.train_rows(port.name))


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "XOR"])
def test_perceptron_training(port, gate):
    data = mk.perceptron_inputs(0, gate)
    config = {"epochs": 1000, "lr": 1.0, "repeats": 2}
    ref = get_runner("python").run("perceptron", config, data).arrays
    got = port.run("perceptron", config, data).arrays
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

def test_reads_fortran_order_inputs(port, tmp_path):
    """ORDER F must be honoured: the same layer inputs written column-major give identical results."""
    data = mk.layer_inputs(0)
    ref = port.run("layers", {}, data).arrays
    folder = tmp_path / "in"
    write_arrays(folder, data)
    lines = [(folder / "manifest.txt").read_text().splitlines()[0]]
    for name, dtype, _order, shape in read_manifest(folder):
        np.asarray(data[name], dtype="<f8").ravel(order="F").tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype, "F", str(len(shape)), *map(str, shape)]))
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    got = port.run("layers", {}, input_dir=folder).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert got[name].shape == ref[name].shape, name
        assert np.array_equal(got[name], ref[name]), name


def test_one_element_shapes_are_kept(port):
    """One hidden unit (b1 has one value, W2 is 1 x 10), one evaluation, one step: every result keeps the
    reference's rank, which a port cannot guess from a 1 x 1 or n x 1 matrix."""
    data = check.train_parity_inputs(0, n_train=100, n_test=20, iters=1, batch=5, hidden=1)
    config = {"lr": 0.1, "eval_every": 100}
    ref = get_runner("python").run("train", config, data).arrays
    got = port.run("train", config, data).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert got[name].shape == ref[name].shape, name
    assert rel_diff(got["loss"], ref["loss"]) <= check.GRAD_TOL
    assert rel_diff(got["W2"], ref["W2"]) <= check.GRAD_TOL


def test_progress_lines_during_training(port):
    seen = []
    port.run("train", {"lr": 0.1, "eval_every": 10}, check.train_parity_inputs(0, iters=25),
             on_progress=lambda i, n: seen.append((i, n)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


# --- info and bench ------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_info_names_version_blas_and_threads(port, threads):
    info = port.run("info", threads=threads).info
    assert re.match(VERSION[port.name], info["version"]), info
    assert "openblas" in info["blas"].lower(), info  # the set-up installs OpenBLAS for every language
    # OpenBLAS caps its threads at the CPUs this process may use
    assert info["blas_threads"] in {str(threads), str(min(threads, len(os.sched_getaffinity(0))))}, info


def test_bench_reports_its_timings(port):
    data = {**mk.net_params(0, 50), "x": mk.rng_for(0, 9).random((100, 784)),
            "t": mk.rng_for(0, 10).integers(0, 10, 100).astype(np.int64)}
    out = port.run("bench", {"lr": 0.1, "warmup": 2, "repeats": 3, "inner": 2}, data).arrays
    assert out["first_step"].shape == () and out["step_times"].shape == (3,) and out["blas_times"].shape == (3,)
    assert out["first_step"] > 0 and np.all(out["step_times"] > 0) and np.all(out["blas_times"] > 0)
    # the six products are part of a step: a step cannot be much faster than the products alone
    assert np.median(out["step_times"]) > 0.5 * np.median(out["blas_times"])


# --- failures: one clear error line, never a hang ------------------------------------------------------

def fails(port, task: str, config: dict | None = None, data=None, input_dir=None) -> str:
    """Runs a task that must fail; returns the reason, which must be the port's own error line."""
    start = time.perf_counter()
    with pytest.raises(PortError) as err:
        port.run(task, config or {}, data, input_dir=input_dir, timeout=120)
    assert time.perf_counter() - start < 60
    reason = err.value.reason
    assert reason.startswith("error:") and "ignoring" not in reason, err.value.describe()
    return reason


def test_shapes_that_do_not_fit(port):
    data = mk.grad_inputs("two_layer_net", 0)
    data["W2"] = data["W2"][:7]  # 7 rows where the hidden layer has 50 units
    fails(port, "grad", GRAD, data)


def test_missing_input_is_named(port):
    data = mk.grad_inputs("two_layer_net", 0)
    del data["x"]
    assert "'x'" in fails(port, "grad", GRAD, data)


def test_labels_out_of_range(port):
    data = mk.grad_inputs("two_layer_net", 0)
    data["t"] = data["t"] + 10
    assert "labels" in fails(port, "grad", GRAD, data)


def test_unreadable_input(port, tmp_path):
    folder = tmp_path / "in"
    write_arrays(folder, {"x": np.zeros((2, 3))})
    (folder / "x.bin").write_bytes(b"\0" * 7)  # shorter than the manifest says
    assert "x.bin" in fails(port, "layers", input_dir=folder)


def test_unknown_task(port):
    assert "no_such_task" in fails(port, "no_such_task")
