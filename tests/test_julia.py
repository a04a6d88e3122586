"""The Julia port against the Python reference, on the same inputs (harness/check.py), plus its errors.

Skipped when no Julia is found, unless NNBENCH_REQUIRE_LANGS names julia (or says all): then it fails.
Install Julia with `bash scripts/install-julia.sh`.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import write_arrays
from harness.parity import rel_diff
from harness.runners import PortError, get_runner

LANG = "julia"


@pytest.fixture
def julia():
    """The Julia runner; skips (or fails, see require_lang) when no Julia is found."""
    require_lang(LANG)
    return get_runner(LANG)


def assert_rows_ok(rows: list[check.Row]) -> None:
    bad = [r for r in rows if not r.ok]
    worst = sorted(rows, key=lambda r: -r.value if np.isfinite(r.value) else -np.inf)[:5]
    table = "\n".join(f"  {r.case}: {r.name} = {r.value:.3e} (tol {r.tol:.0e}){'' if r.ok else '  FAILED'}"
                      for r in bad + [w for w in worst if w not in bad])
    assert not bad, f"{len(bad)} of {len(rows)} rows over tolerance; the worst:\n{table}"


def test_layers_match_the_reference(julia):
    assert_rows_ok(check.layer_rows(LANG))


@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_two_layer_net_gradient_matches_the_reference(julia, labels):
    assert_rows_ok(check.grad_rows(LANG, "two_layer_net", labels=labels))


def test_perceptron_gradient_matches_the_reference(julia):
    assert_rows_ok(check.grad_rows(LANG, "perceptron"))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
def test_backprop_agrees_with_its_own_numerical_gradient(julia, model):
    assert_rows_ok(check.numerical_rows(LANG, model))


def test_short_training_replays_the_reference(julia):
    assert_rows_ok(check.train_rows(LANG))


def test_perceptron_training_matches_the_reference(julia):
    data = mk.perceptron_inputs(0, "AND")
    config = {"epochs": 2000, "lr": 0.5, "repeats": 2}
    ref = get_runner("python").run("perceptron", config, data).arrays
    got = julia.run("perceptron", config, data).arrays
    for name in ("W", "b", "losses"):
        assert rel_diff(got[name], ref[name]) <= check.TRAIN_LOSS_TOL, name
    assert got["solved_epoch"] == ref["solved_epoch"]
    assert got["times"].shape == (2,) and np.all(got["times"] > 0) and got["first_time"] > 0


def test_info_reports_version_blas_and_threads(julia):
    runner = julia
    for threads in (1, 2):
        info = runner.run("info", threads=threads).info
        assert info["version"].startswith("Julia ")
        assert "openblas" in info["blas"].lower()
        assert info["blas_threads"] == str(threads)


def test_bench_times_the_step_and_its_products(julia):
    data = {**mk.net_params(0, 50), "x": np.random.default_rng(0).random((100, 784)),
            "t": np.arange(100, dtype=np.int64) % 10}
    out = julia.run("bench", {"lr": 0.1, "warmup": 2, "repeats": 3, "inner": 2}, data).arrays
    assert out["first_step"] > 0
    for name in ("step_times", "blas_times"):
        assert out[name].shape == (3,) and np.all(out[name] > 0), name
    # the products are part of the step: the step cannot be faster than them by much
    assert np.median(out["step_times"]) > 0.5 * np.median(out["blas_times"])


def test_bad_input_gives_a_clear_error(julia, tmp_path):
    runner = julia
    data = mk.grad_inputs("two_layer_net", 0)
    data["b1"] = data["b1"][:-1]  # one bias short
    with pytest.raises(PortError) as err:
        runner.run("grad", {"model": "two_layer_net", "numerical": 0}, data, timeout=120)
    assert "parameter shapes do not fit together" in err.value.reason
    assert err.value.reason.startswith("error:")

    # a file shorter than its manifest line says
    folder = tmp_path / "in"
    write_arrays(folder, mk.grad_inputs("two_layer_net", 0))
    (folder / "x.bin").write_bytes((folder / "x.bin").read_bytes()[:-8])
    with pytest.raises(PortError) as err:
        runner.run("grad", {"model": "two_layer_net", "numerical": 0}, input_dir=folder, timeout=120)
    assert "x.bin: expected" in err.value.reason

    with pytest.raises(PortError) as err:
        runner.run("no_such_task", timeout=120)
    assert "unknown task 'no_such_task'" in err.value.reason


def test_reads_column_major_input_too(julia, tmp_path):
    """ORDER F: the same logical array, stored column-major, must give the same results."""
    data = mk.grad_inputs("two_layer_net", 0)
    folder = tmp_path / "in"
    write_arrays(folder, data)
    lines = (folder / "manifest.txt").read_text().splitlines()
    for i, line in enumerate(lines[1:], 1):
        name, dtype, _, ndim, *dims = line.split()
        if int(ndim) >= 2:
            np.asfortranarray(data[name]).ravel(order="K").tofile(folder / f"{name}.bin")
            lines[i] = " ".join([name, dtype, "F", ndim, *dims])
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    config = {"model": "two_layer_net", "numerical": 0}
    runner = julia
    from_f = runner.run("grad", config, input_dir=folder).arrays
    from_c = runner.run("grad", config, data).arrays
    for name in from_c:
        np.testing.assert_array_equal(from_f[name], from_c[name])


def test_juliacall_transport_or_the_reason_it_cannot_start(julia, monkeypatch):
    from harness.runners import julia_juliacall

    ok, why = julia_juliacall.probe()
    if not ok:
        pytest.skip(f"juliacall transport unavailable: {why}")
    monkeypatch.setenv("NNBENCH_JULIA_TRANSPORT", "juliacall")
    assert_rows_ok(check.layer_rows(LANG))
    assert_rows_ok(check.grad_rows(LANG, "two_layer_net"))


def test_discovery_order(tmp_path, monkeypatch):
    """$JULIA first, then julia on PATH, then juliacall's Julia, then .runtime/julia; `how` says which."""
    from harness.runners import julia as jr

    fake = tmp_path / "bin" / "julia"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    runner = jr.JuliaRunner()
    monkeypatch.setattr(jr, "juliacall_julia", lambda: None)
    monkeypatch.setenv("JULIA", str(fake))
    assert runner.find().how == "$JULIA"
    monkeypatch.delenv("JULIA")
    monkeypatch.setenv("PATH", str(fake.parent))
    found = runner.find()
    assert (found.exe, found.how) == (str(fake), "julia on PATH")
    monkeypatch.setenv("PATH", str(tmp_path / "nothing"))
    monkeypatch.setattr(jr, "juliacall_julia", lambda: "/opt/juliacall/julia")
    assert runner.find().exe == "/opt/juliacall/julia"
    monkeypatch.setattr(jr, "juliacall_julia", lambda: None)
    monkeypatch.setattr(jr, "LOCAL_JULIA", tmp_path / "none" / "julia")
    assert runner.find() is None
    assert "bash scripts/install-julia.sh" in runner.missing_reason()
