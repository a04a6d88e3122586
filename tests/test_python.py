"""What is particular to the Python port (python_impl/, the reference): it stands on its own like the other ports
(its own reader and writer of the interchange format, nothing of the harness imported), its entry checks its
inputs as theirs do, and its `info` asks OpenBLAS itself. Its reader and writer are the harness's too
(tests/test_interchange.py). The parity
tests compare the other ports with it (test_ports.py); its maths is tested in test_reference.py.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from harness import inputs as seeded
from harness.interchange import read_arrays as harness_read
from harness.interchange import write_arrays as harness_write
from harness.interchange import write_config
from harness.runners import PortError, get_runner

REPO = Path(__file__).resolve().parents[1]
GRAD = {"model": "two_layer_net", "numerical": 0}

# Runs the port with every harness module made unimportable: `import harness` (or any harness.x) then fails.
WITHOUT_HARNESS = ("import runpy, sys; sys.modules['harness'] = None; sys.argv = ['python_impl', *sys.argv[1:]]; "
                   "runpy.run_module(sys.argv.pop(1), run_name='__main__')")


def task_folder(tmp_path: Path, task: str, config: dict, inputs: dict) -> Path:
    folder = tmp_path / task
    write_config(folder, {"task": task, "threads": 1, **config})
    if inputs:
        harness_write(folder / "in", inputs)
    return folder


@pytest.mark.parametrize("module", ["python_impl.entry", "python_impl"])
def test_the_port_runs_with_the_harness_unimportable(tmp_path, module):
    """`python -m python_impl.entry TASK` (and `python -m python_impl TASK`) computes a gradient with every
    harness module blocked, and -X importtime lists no harness module among those it imported."""
    folder = task_folder(tmp_path, "grad", GRAD, seeded.grad_inputs("two_layer_net", 0))
    out = subprocess.run([sys.executable, "-X", "importtime", "-c", WITHOUT_HARNESS, module, str(folder)],
                         capture_output=True, text=True, timeout=120, cwd=tmp_path, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr[-2000:]
    imported = [line.rsplit("|", 1)[-1].strip() for line in out.stderr.splitlines() if line.startswith("import time:")]
    assert "python_impl.interchange" in imported
    assert not [m for m in imported if m.split(".")[0] == "harness"]
    got = harness_read(folder / "out")
    ref = get_runner("python").run("grad", GRAD, seeded.grad_inputs("two_layer_net", 0)).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert np.array_equal(got[name], ref[name]), name


def test_no_module_of_the_port_imports_the_harness():
    """From the source: no `import harness` or `from harness` anywhere in python_impl/."""
    for path in sorted((REPO / "python_impl").glob("*.py")):
        for line in path.read_text().splitlines():
            words = line.split()
            assert not (words[:2] in (["import", "harness"], ["from", "harness"])
                        or (len(words) > 1 and words[0] in ("import", "from") and words[1].startswith("harness."))), \
                f"{path.name}: {line}"


# --- the entry checks its inputs, as the other ports' do ------------------------------------------------------

def fails(task: str, config: dict, data: dict) -> str:
    with pytest.raises(PortError) as err:
        get_runner("python").run(task, config, data, timeout=120)
    reason = err.value.reason
    assert reason.startswith("error:"), err.value.describe()
    return reason


def test_shapes_that_do_not_fit_are_named():
    data = seeded.grad_inputs("two_layer_net", 0)
    data["W2"] = data["W2"][:7]
    assert "parameter shapes do not fit together" in fails("grad", GRAD, data)
    data = seeded.grad_inputs("two_layer_net", 0)
    data["x"] = data["x"][:, :100]
    assert "x has 100 features per sample, W1 expects 784" in fails("grad", GRAD, data)


def test_labels_out_of_range_and_of_the_wrong_type():
    data = seeded.grad_inputs("two_layer_net", 0)
    data["t"] = data["t"] + 10
    assert "labels in 't' must be 0..9" in fails("grad", GRAD, data)
    data["t"] = data["t"].astype(np.float64)
    assert "input 't' must be a 1-d int64 or uint8 array" in fails("first_step", {"lr": 0.1}, data)


def test_batch_rows_outside_the_training_set():
    from harness import check
    data = check.train_parity_inputs(0, n_train=100, n_test=20, iters=2, batch=5)
    data["batches"] = data["batches"] + 100
    assert "batch rows must be 0..99" in fails("train", {"lr": 0.1, "eval_every": 1}, data)


def test_a_missing_setting_is_named():
    assert "config.txt has no 'lr'" in fails("first_step", {}, seeded.grad_inputs("two_layer_net", 0))


# --- info ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("threads", [1, 2])
def test_info_reads_the_thread_count_from_openblas(threads):
    info = get_runner("python").run("info", threads=threads).info
    assert info["version"].startswith("Python 3.") and "NumPy" in info["version"], info
    assert "openblas" in info["blas"].lower(), info
    assert info["blas_threads_source"].startswith("library: ") and "openblas_get_num_threads" in \
        info["blas_threads_source"], info
    assert info["blas_threads"] in {str(threads), str(min(threads, len(os.sched_getaffinity(0))))}, info
    assert info["blas_core"] and info["clock"].startswith("time.perf_counter"), info


def test_a_steps_peak_memory_is_measured_on_a_copy_and_sees_numpys_temporaries():
    """train_end returns the memory a step holds at once beyond what it held before (tracemalloc, untimed), from
    steps on a copy of the network: the parameters handed back are the run's. A layered step allocates at least
    dW1 and the update's lr * dW1 (784 x 50 float64 each, 313 600 bytes) and holds one of them while the other is
    made; the fused step updates in place into buffers made once, so it needs far less."""
    from python_impl import tasks
    params = seeded.net_params(0, 50)
    rng = seeded.rng_for(0, 9)
    images = lambda n: rng.integers(0, 256, (n, 784)).astype(np.uint8)  # noqa: E731
    inputs = {"x_train": images(300), "t_train": rng.integers(0, 10, 300), "x_test": images(10),
              "t_test": rng.integers(0, 10, 10), "batches": rng.integers(0, 300, (8, 100))}
    peaks = {}
    for variant in ("layers", "fused"):
        state = {}
        tasks.task_train_begin({"lr": "0.1", "variant": variant}, {**params, **inputs}, state)
        before = {k: v.copy() for k, v in state["train_" + variant]["net"].params.items()}
        out, state = tasks.task_train_end({"variant": variant}, {}, state)
        assert all(np.array_equal(out[k], before[k]) for k in before)  # the copy took the steps
        peaks[variant] = out["step_peak_bytes"]
        assert peaks[variant].shape == (tasks.MEMORY_STEPS,) and np.ptp(peaks[variant]) <= 0.01 * peaks[variant].max()
    assert peaks["layers"].min() >= 784 * 50 * 8
    assert peaks["fused"].max() < peaks["layers"].min() / 4
