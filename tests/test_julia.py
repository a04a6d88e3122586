"""What is particular to the Julia port: its juliacall transport, how its runtime is found, and its fused variant
against its layered one and Python. The parity, interchange and failure tests every port shares are in
test_ports.py.
"""
from __future__ import annotations

import numpy as np
import pytest
from conftest import assert_all_ok, bench_inputs, require_lang

from harness import check
from harness.interchange import write_arrays
from harness.results import VARIANTS
from harness.runners import PortError
from harness.workers import Workers

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


def test_julia_counts_its_collectors_time_and_its_page_faults(pool, tmp_path):
    """What only Julia returns (docs/interchange.md): each bench round's GC time, each training step's GC time
    and minor page faults, within the step's time; a bench_round naming another variant than its case's is an
    error."""
    write_arrays(tmp_path / "case", bench_inputs(20, 7))
    pool.request(LANG, "bench_begin", {"case_id": "c", "lr": 0.1, "variant": "fused"}, input_dir=tmp_path / "case",
                 timeout=120)
    got = pool.request(LANG, "bench_round", {"case_id": "c", "warmup": 1, "inner": 3, "verify": 0}, timeout=120).arrays
    assert 0 <= float(got["gc_time"]) <= float(got["step_time"])
    assert 0 <= float(got["blas_gc_time"]) <= float(got["blas_time"])
    with pytest.raises(PortError, match="holds variant fused"):
        pool.request(LANG, "bench_round", {"case_id": "c", "warmup": 0, "inner": 1, "verify": 0, "variant": "layers"},
                     timeout=60)
    write_arrays(tmp_path / "train", check.train_parity_inputs(0, iters=10))
    for v in VARIANTS:
        pool.request(LANG, "train_begin", {"lr": 0.1, "variant": v}, input_dir=tmp_path / "train", timeout=120)
        got = pool.request(LANG, "train_steps", {"first": 0, "steps": 10, "evaluate": 0, "variant": v},
                           timeout=120).arrays
        gc = got["gc_times"]
        assert gc.shape == (10,) and np.all((0 <= gc) & (gc <= got["step_times"]))
        assert got["page_faults"].shape == (10,) and np.all(got["page_faults"] >= 0)
    one_shot = pool.request(LANG, "train", {"lr": 0.1, "eval_every": 5, "variant": "fused"},
                            input_dir=tmp_path / "train", timeout=120).arrays
    assert one_shot["gc_times"].shape == one_shot["step_times"].shape
