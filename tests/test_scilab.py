"""The Scilab port (scilab_impl/) against the Python reference on the same inputs (harness/check.py),
plus the interchange details it must honour and how it fails.

Skipped when scilab-cli is not found, unless NNBENCH_REQUIRE_LANGS names scilab (or says all): then it
fails. Install: sudo apt-get install scilab-cli libopenblas0-pthread.
"""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from conftest import require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import read_manifest, write_arrays, write_config
from harness.parity import rel_diff
from harness.runners import PortError, get_runner

LANG = "scilab"
PORT = Path(__file__).resolve().parents[1] / "scilab_impl"


@pytest.fixture
def scilab():
    require_lang(LANG)
    return get_runner(LANG)


def assert_all_ok(rows: list[check.Row]) -> None:
    """Every row within its tolerance; on failure, show the failing rows and the worst values."""
    failed = [r for r in rows if not r.ok]
    worst = sorted(rows, key=lambda r: r.value if np.isfinite(r.value) else np.inf, reverse=True)[:5]
    shown = failed + [r for r in worst if r not in failed]
    report = "\n".join(f"  {r.case} / {r.name}: {r.value:.3e} (tol {r.tol:.0e}){'  <-- over' if not r.ok else ''}"
                       for r in shown)
    assert not failed, f"{len(failed)} of {len(rows)} comparisons over tolerance:\n{report}"


# --- parity with the reference -------------------------------------------------------------------------

def test_layers(scilab):
    assert_all_ok(check.layer_rows(LANG))


@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_two_layer_net_gradient(scilab, labels):
    assert_all_ok(check.grad_rows(LANG, "two_layer_net", labels=labels))


def test_perceptron_gradient(scilab):
    assert_all_ok(check.grad_rows(LANG, "perceptron"))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
def test_numerical_gradient_agrees_with_backprop(scilab, model):
    assert_all_ok(check.numerical_rows(LANG, model))


def test_training_replays_the_reference(scilab):
    assert_all_ok(check.train_rows(LANG))


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "XOR"])
def test_perceptron_training(scilab, gate):
    data = mk.perceptron_inputs(0, gate)
    config = {"epochs": 1000, "lr": 1.0, "repeats": 1}
    ref = get_runner("python").run("perceptron", config, data).arrays
    got = scilab.run("perceptron", config, data).arrays
    assert got["solved_epoch"] == ref["solved_epoch"]
    assert rel_diff(got["losses"], ref["losses"]) <= check.GRAD_TOL
    for name in ("W", "b"):
        # relative to the largest value, but absolute below 1: XOR cannot be learnt, and its W and b shrink
        # to rounding noise (~1e-16) that no two implementations share
        scale = max(float(np.max(np.abs(ref[name]))), 1.0)
        assert got[name].shape == ref[name].shape
        assert np.max(np.abs(got[name] - ref[name])) <= check.GRAD_TOL * scale, name
    assert got["times"].shape == (1,) and got["first_time"].shape == ()
    assert np.all(got["times"] > 0) and got["first_time"] > 0


# --- the interchange format ----------------------------------------------------------------------------

def test_reads_fortran_order_inputs(scilab, tmp_path):
    """A port must honour ORDER: the same layer inputs written column-major give the same results."""
    data = mk.layer_inputs(0)
    ref = scilab.run("layers", {}, data).arrays
    folder = tmp_path / "in"
    write_arrays(folder, data)
    lines = [(folder / "manifest.txt").read_text().splitlines()[0]]
    for name, dtype, _order, shape in read_manifest(folder):
        np.asfortranarray(data[name]).ravel(order="F").astype("<f8").tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype, "F", str(len(shape)), *map(str, shape)]))
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    got = scilab.run("layers", {}, input_dir=folder).arrays
    for name in ref:
        assert got[name].shape == ref[name].shape
        assert np.array_equal(got[name], ref[name]), name


def test_one_element_vectors_keep_their_shape(scilab):
    """One evaluation (eval_every > iters) still gives 1-D accuracies, and b of a 1-unit hidden layer is 1-D."""
    data = check.train_parity_inputs(0, n_train=100, n_test=20, iters=3, batch=5, hidden=1)
    config = {"lr": 0.1, "eval_every": 100}
    ref = get_runner("python").run("train", config, data).arrays
    got = scilab.run("train", config, data).arrays
    for name in ref:
        assert got[name].shape == ref[name].shape, name
    assert rel_diff(got["loss"], ref["loss"]) <= check.GRAD_TOL


def test_progress_lines_during_training(scilab):
    seen = []
    scilab.run("train", {"lr": 0.1, "eval_every": 10}, check.train_parity_inputs(0, iters=25),
               on_progress=lambda i, n: seen.append((i, n)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


# --- info and bench ------------------------------------------------------------------------------------

def test_info_names_version_blas_and_threads(scilab):
    info = scilab.run("info", threads=1).info
    assert info["version"].startswith("Scilab ")
    assert info["blas"] and not info["blas"].startswith("unknown")
    assert info["blas_threads"] == "1"


def test_bench_reports_its_timings(scilab):
    data = {**mk.net_params(0, 50), "x": mk.rng_for(0, 9).random((100, 784)),
            "t": mk.rng_for(0, 10).integers(0, 10, 100).astype(np.int64)}
    out = scilab.run("bench", {"lr": 0.1, "warmup": 2, "repeats": 3, "inner": 2}, data).arrays
    assert out["first_step"].shape == () and out["step_times"].shape == (3,) and out["blas_times"].shape == (3,)
    assert np.all(out["step_times"] > 0) and np.all(out["blas_times"] > 0)
    # the products are part of a step, so a step cannot be much faster than its products alone
    assert np.median(out["step_times"]) > 0.5 * np.median(out["blas_times"])


# --- failures ------------------------------------------------------------------------------------------

def test_bad_input_is_an_error_line_not_a_hang(scilab):
    data = mk.grad_inputs("two_layer_net", 0)
    data["W2"] = data["W2"][:7]  # 7 rows where the hidden layer has 50 units
    start = time.perf_counter()
    with pytest.raises(PortError) as err:
        scilab.run("grad", {"model": "two_layer_net", "numerical": 0}, data, timeout=60)
    assert time.perf_counter() - start < 30
    assert err.value.reason.startswith("error:"), err.value.describe()


def test_unreadable_input_is_an_error_line(scilab, tmp_path):
    folder = tmp_path / "in"
    write_arrays(folder, {"x": np.zeros((2, 3))})
    (folder / "x.bin").write_bytes(b"\0" * 7)  # shorter than the manifest says
    with pytest.raises(PortError) as err:
        scilab.run("layers", {}, input_dir=folder, timeout=60)
    assert err.value.reason.startswith("error:") and "x.bin" in err.value.reason


def test_unknown_task_is_an_error_line(scilab):
    with pytest.raises(PortError) as err:
        scilab.run("no_such_task", timeout=60)
    assert err.value.reason.startswith("error:") and "no_such_task" in err.value.reason


# --- Scilab's dynamic scoping --------------------------------------------------------------------------

def names_defined_by_the_port() -> set[str]:
    """Function names, parameters, outputs, loop variables and assigned variables of every port file."""
    names: set[str] = set()
    for path in sorted(PORT.glob("*.sci")) + [PORT / "entry.sce"]:
        code = re.sub(r"//.*", "", re.sub(r'"[^"\n]*"', '""', path.read_text()))
        for m in re.finditer(r"function\s+(?:\[([^\]]*)\]|(\w+))\s*=\s*(\w+)\s*\(([^)]*)\)", code):
            names.add(m.group(3))
            for group in (m.group(1) or m.group(2) or "", m.group(4)):
                names.update(n.strip() for n in group.split(","))
        for m in re.finditer(r"^\s*\[([^\]]*)\]\s*=", code, re.M):
            names.update(n.strip().split("(")[0].split(".")[0] for n in m.group(1).split(","))
        names.update(re.findall(r"^\s*(?:for\s+)?(\w+)\s*(?:\([^)]*\))?\s*=[^=]", code, re.M))
    return {n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n)}


def test_no_name_hides_a_scilab_function(scilab, tmp_path):
    """A caller's variable hides a Scilab function of the same name from every macro it calls (Scilab 2024's
    modulo() failed under a variable named ndims), so no variable or function of the port may take one."""
    names = sorted(names_defined_by_the_port())
    assert len(names) > 50
    (tmp_path / "names.txt").write_text("\n".join(names) + "\n")
    script = tmp_path / "check.sce"
    script.write_text(f'nnbench_check_names = mgetl("{tmp_path / "names.txt"}");\n'
                      'for nnbench_check_i = 1:size(nnbench_check_names, "*")\n'
                      '    if exists(nnbench_check_names(nnbench_check_i)) then mprintf("taken %s\\n", nnbench_check_names(nnbench_check_i)); end\n'
                      'end\nexit(0);\n')
    out = subprocess.run([scilab.find().exe, "-nb", "-nouserstartup", "-f", str(script)], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    taken = [ln.split()[1] for ln in out.stdout.splitlines() if ln.startswith("taken ")]
    assert out.returncode == 0, out.stderr
    assert not taken, f"names of Scilab functions used in scilab_impl: {taken}"


def test_step_clock_survives_a_time_zone_jump(scilab, tmp_path):
    """tic/toc subtract local clock fields: toc jumps by hours when the local time does (midnight, daylight
    saving, TZ). wall_toc folds such jumps back for the short intervals the port times."""
    script = tmp_path / "clock.sce"
    script.write_text(f'exec("{PORT / "train.sci"}", -1);\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC+5"); a = toc();\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC+5"); b = wall_toc();\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC-1"); c = wall_toc();\n'
                      'mprintf("clock %.6f %.6f %.6f\\n", a, b, c);\nexit(0);\n')
    out = subprocess.run([scilab.find().exe, "-nb", "-nouserstartup", "-f", str(script)], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("clock "))
    raw, after_minus_5h, after_plus_1h = map(float, line.split()[1:])
    assert raw < -17000  # the jump is real (if this fails, Scilab's toc became monotonic: good news)
    assert 0.04 < after_minus_5h < 5 and 0.04 < after_plus_1h < 5
