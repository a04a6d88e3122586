"""What is particular to the Julia port: its juliacall transport and how its runtime is found. The parity,
interchange and failure tests every port shares are in test_ports.py.
"""
from __future__ import annotations

import pytest
from conftest import assert_all_ok, require_lang

from harness import check

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
