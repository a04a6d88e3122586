"""The machine's state (harness/machine.py): another run of this benchmark is found and refused; the CPU time of
other processes and the host's stolen time are read from /proc."""
from __future__ import annotations

import os

import pytest

from harness import machine
from harness import run as run_module
from harness.cli import main
from harness.machine import Machine, other_benchmarks
from harness.run import ConcurrentRun, run
from harness.settings import Settings

# pid -> (parent, CPU ticks, command line)
TABLE = {1: (0, 0, ["/sbin/init"]),
         100: (1, 5, ["bash"]),
         200: (100, 50, [".venv/bin/python", "-m", "harness", "run", "--quick"]),  # another run ...
         201: (200, 900, ["/x/julia", "--startup-file=no", "/y/julia_impl/entry.jl", "--worker"]),  # ... its worker
         300: (1, 7, ["/usr/bin/python3", "-m", "pytest"]),
         400: (100, 1, [".venv/bin/python", "-m", "harness", "doctor"]),
         500: (1, 3, ["/v/python", "-m", "pytest", "-q"]),  # another test suite ...
         501: (500, 40, ["/v/python", "-m", "python_impl.entry", "--worker"])}  # ... and a worker it started


def test_another_run_is_named_once_with_its_workers_and_the_own_family_is_not(monkeypatch):
    """Another run, named by its harness; a test suite whose workers run, named by pytest; a test suite that
    starts no worker, and the set-up's commands, are not runs."""
    monkeypatch.setattr(os, "readlink", lambda path: "/home/u/nnbench")
    found = other_benchmarks(TABLE, me=300)
    assert found == ["pid 200: .venv/bin/python -m harness run --quick (in /home/u/nnbench)",
                     "pid 500: /v/python -m pytest -q (in /home/u/nnbench)"]
    assert other_benchmarks(TABLE, me=200) == found[1:]  # its own worker is not another run
    assert other_benchmarks(TABLE, me=201) == found[1:]
    assert other_benchmarks(TABLE, me=501) == found[:1]  # nor a worker of its own test session


def test_a_run_refuses_to_start_beside_another_unless_allowed(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("NNBENCH_ALLOW_CONCURRENT", raising=False)
    monkeypatch.setattr(run_module, "other_benchmarks", lambda: ["pid 200: python -m harness run (in /x)"])
    with pytest.raises(ConcurrentRun, match="pid 200"):
        run(["python"], Settings.quick(), out_base=tmp_path, quiet=True, log=lambda m: None)
    assert list(tmp_path.iterdir()) == []  # nothing made
    assert main(["run", "--langs", "python", "--tasks", "perceptron", "--quiet", "--out", str(tmp_path)]) == 3
    assert "another benchmark of this project is running" in capsys.readouterr().err


def test_the_state_of_the_machine_is_read_from_proc():
    m = Machine()
    m.sample()
    sum(i * i for i in range(200_000))  # some CPU time of our own
    m.sample()
    state = m.summary()
    assert 0 <= state["steal_share"] <= 1 and state["other_processes_cpus"] >= 0
    assert isinstance(state["busy"], bool) and isinstance(state["other_benchmarks"], list)
    assert machine.cpu_counters() is not None
