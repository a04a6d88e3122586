"""What is particular to the Julia port: its juliacall transport, how its runtime is found, and its fused variant
against its layered one and Python. The parity, interchange and failure tests every port shares are in
test_ports.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_all_ok, bench_inputs, require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import write_arrays
from harness.parity import max_rel_each, rel_diff
from harness.results import VARIANTS
from harness.runners import PortError, get_runner
from harness.workers import Workers
from python_impl.two_layer_net import PARAM_NAMES

LANG = "julia"


@pytest.fixture
def julia():
    """The Julia runner; skips (or fails, see require_lang) when no Julia is found."""
    return require_lang(LANG)


def test_juliacall_transport_or_the_reason_it_cannot_start(julia, monkeypatch):
    from harness.runners import julia_juliacall

    ok, why = julia_juliacall.probe()
    if not ok:
        pytest.skip(f"juliacall transport unavailable: {why}")
    monkeypatch.setenv("NNBENCH_JULIA_TRANSPORT", "juliacall")
    assert_all_ok(check.layer_rows(LANG))
    assert_all_ok(check.grad_rows(LANG, "two_layer_net"))


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


# --- the two variants (layers, fused): the same results, to rounding --------------------------------------


@pytest.fixture
def pool(julia):
    with Workers() as workers:
        yield workers


def test_fused_bench_rounds_equal_layered_and_python(pool, tmp_path):
    """A case of each variant held at once (batch 7 and batch 1): after warmup + inner steps the fused parameters
    equal the layered ones and Python's; every round starts again from the held parameters; the products are
    the same whatever the variant. A bench_round naming another variant than its case's is an error."""
    for hidden, batch in ((20, 7), (30, 1)):
        case = f"h{hidden}_b{batch}"
        write_arrays(tmp_path / case, bench_inputs(hidden, batch))
        pool.request("python", "bench_begin", {"case_id": case, "lr": 0.1}, input_dir=tmp_path / case, timeout=120)
        for v in VARIANTS:
            pool.request(LANG, "bench_begin", {"case_id": f"{case}_{v}", "lr": 0.1, "variant": v},
                         input_dir=tmp_path / case, timeout=120)
        config = {"warmup": 2, "inner": 3, "verify": 1}
        ref = pool.request("python", "bench_round", {"case_id": case, **config}, timeout=120).arrays
        got = {v: pool.request(LANG, "bench_round", {"case_id": f"{case}_{v}", **config}, timeout=120).arrays
               for v in VARIANTS}
        again = pool.request(LANG, "bench_round", {"case_id": f"{case}_fused", **config}, timeout=120).arrays
        assert sorted(got["fused"]) == sorted([*ref, "gc_time"])  # Julia also counts its collector's time
        assert 0 <= float(got["layers"]["gc_time"]) <= float(got["layers"]["step_time"])
        for name in ref:
            if name in ("step_time", "blas_time"):
                continue
            assert got["fused"][name].shape == ref[name].shape, (case, name)
            assert rel_diff(got["fused"][name], ref[name]) <= check.GRAD_TOL, (case, name)
            assert rel_diff(got["fused"][name], got["layers"][name]) <= check.GRAD_TOL, (case, name)
            assert np.array_equal(again[name], got["fused"][name]), (case, name)
    with pytest.raises(PortError, match="holds variant fused"):
        pool.request(LANG, "bench_round", {"case_id": "h30_b1_fused", "warmup": 0, "inner": 1, "verify": 0,
                                           "variant": "layers"}, timeout=60)


def test_fused_training_replays_the_reference(julia):
    """One-shot `train variant fused`: the same losses, accuracies and weights as Python's (layered) training."""
    data = check.train_parity_inputs(0, iters=30)
    config = {"lr": 0.1, "eval_every": 10}
    ref = get_runner("python").run("train", config, data).arrays
    got = julia.run("train", {**config, "variant": "fused"}, data).arrays
    assert sorted(got) == sorted([*ref, "gc_times"])  # Julia also counts its collector's time
    assert max_rel_each(got["loss"], ref["loss"]) <= check.TRAIN_LOSS_TOL
    assert list(got["train_acc"]) == list(ref["train_acc"]) and list(got["test_acc"]) == list(ref["test_acc"])
    assert np.all(got["step_times"] > 0) and np.all((0 <= got["gc_times"]) & (got["gc_times"] <= got["step_times"]))
    for name in PARAM_NAMES:
        assert rel_diff(got[name], ref[name]) <= check.GRAD_TOL, name


def test_a_worker_holds_a_training_run_of_each_variant(pool, tmp_path):
    """train_begin of both variants, their train_steps interleaved (no `variant` key: layers), train_end of each:
    both replay Python's training; a variant with no run held is the request's error."""
    data = check.train_parity_inputs(0, iters=20)
    write_arrays(tmp_path / "train", data)
    ref = get_runner("python").run("train", {"lr": 0.1, "eval_every": 10}, data).arrays
    for v in VARIANTS:
        pool.request(LANG, "train_begin", {"lr": 0.1, "variant": v}, input_dir=tmp_path / "train", timeout=120)
    losses = {v: [] for v in VARIANTS}
    for first in (0, 10):
        for v in VARIANTS:
            key = {} if v == "layers" else {"variant": v}
            got = pool.request(LANG, "train_steps", {"first": first, "steps": 10, "evaluate": 1, **key},
                               timeout=120).arrays
            losses[v].append(got["loss"])
            assert float(got["test_acc"]) == ref["test_acc"][first // 10], v
            assert got["gc_times"].shape == (10,) and np.all(got["gc_times"] <= got["step_times"])
            assert got["page_faults"].shape == (10,) and np.all(got["page_faults"] >= 0)
    for v in VARIANTS:
        final = pool.request(LANG, "train_end", {"variant": v}, timeout=120).arrays
        assert max_rel_each(np.concatenate(losses[v]), ref["loss"]) <= check.TRAIN_LOSS_TOL, v
        for name in PARAM_NAMES:
            assert rel_diff(final[name], ref[name]) <= check.GRAD_TOL, (v, name)
    with pytest.raises(PortError, match="variant fused"):
        pool.request(LANG, "train_steps", {"first": 0, "steps": 1, "evaluate": 0, "variant": "fused"}, timeout=60)


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "XOR"])
def test_fused_perceptron_equals_layered(pool, gate):
    data = mk.perceptron_inputs(0, gate)
    config = {"epochs": 1000, "lr": 1.0, "repeats": 1}
    layered, fused = (pool.request(LANG, "perceptron", {**config, "variant": v}, inputs=data, timeout=120).arrays
                      for v in VARIANTS)
    assert fused["solved_epoch"] == layered["solved_epoch"]
    assert max_rel_each(fused["losses"], layered["losses"]) <= check.GRAD_TOL
    for name in ("W", "b"):  # absolute below 1: XOR's W and b shrink to rounding noise (see test_ports.py)
        assert rel_diff(fused[name], layered[name], floor=1.0) <= check.GRAD_TOL, name
    assert fused["times"].shape == (1,) and fused["first_time"] > 0


def test_first_step_fused_batch_1(julia):
    data = bench_inputs(50, 1)
    ref = get_runner("python").run("first_step", {"lr": 0.1}, data).arrays
    got = julia.run("first_step", {"lr": 0.1, "variant": "fused"}, data).arrays
    assert got["first_step"] > 0
    for name in PARAM_NAMES:
        assert rel_diff(got[name], ref[name]) <= check.GRAD_TOL, name


@pytest.mark.parametrize("task", ["perceptron", "train", "first_step", "train_begin", "bench_begin"])
def test_unknown_variant(julia, task):
    with pytest.raises(PortError) as err:
        julia.run(task, {"variant": "fast", "lr": 0.1, "epochs": 1, "repeats": 1, "eval_every": 1, "case_id": "c"},
                  mk.perceptron_inputs(0, "AND") if task == "perceptron" else bench_inputs(5, 2), timeout=120)
    assert err.value.reason == "error: unknown variant 'fast' (expected layers or fused)"
