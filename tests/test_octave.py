"""What is particular to the MATLAB-language port (octave_impl/, run by GNU Octave): MATLAB users can call it
without the launcher, and Octave's exit-time noise is never taken for the reason of a failure. The parity,
interchange and failure tests every port shares are in test_ports.py; that its code is plain MATLAB is checked
by scripts/matlab_compat.py (test_matlab_compat.py).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import bench_inputs, require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import write_arrays, write_config
from harness.parity import max_rel_each, rel_diff
from harness.runners import PortError, get_runner
from harness.runners.base import Found
from harness.runners.octave import EXIT_NOISE, OctaveRunner
from python_impl.two_layer_net import PARAM_NAMES

LANG = "octave"
PORT = Path(__file__).resolve().parents[1] / "octave_impl"
NOISE = "error: ignoring const execution_exception& while preparing to exit"


@pytest.fixture
def octave():
    return require_lang(LANG)


def test_matlab_users_can_call_the_function_directly(octave, tmp_path):
    """run_folder(task_dir) works without entry.m (entry.m only reads argv and reports errors)."""
    task = tmp_path / "task"
    write_config(task, {"task": "layers", "threads": 1})
    data = mk.layer_inputs(1)
    write_arrays(task / "in", data)
    code = f"addpath('{PORT}'); run_folder('{task}');"
    out = subprocess.run([octave.find().exe, "--norc", "--quiet", "--eval", code], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert (task / "out" / "manifest.txt").is_file()


def test_info_names_the_loaded_library_and_the_thread_source(octave):
    """version('-blas') can misreport the BLAS: info names the library file mapped into the process too."""
    info = octave.run("info", threads=1).info
    assert "loaded: /" in info["blas"], info
    assert "OPENBLAS_NUM_THREADS" in info["blas_threads_source"], info


def test_entry_without_a_task_folder_is_a_usage_error(octave):
    out = subprocess.run([octave.find().exe, "--norc", "--quiet", str(PORT / "entry.m")], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode != 0
    assert OctaveRunner().failure_reason(out.stderr).startswith("error: usage"), out.stderr


# --- the two variants: layers (the book's structure) and fused (fused_step.m, fused_perceptron.m) ---------------

@pytest.mark.parametrize("batch", [1, 100])
def test_fused_step_computes_what_the_layers_and_python_do(octave, batch):
    data = bench_inputs(50, batch)
    ref = get_runner("python").run("first_step", {"lr": 0.1}, data).arrays
    layers = octave.run("first_step", {"lr": 0.1}, data).arrays
    fused = octave.run("first_step", {"lr": 0.1, "variant": "fused"}, data).arrays
    for name in PARAM_NAMES:
        assert rel_diff(fused[name], ref[name]) <= check.GRAD_TOL, name
        assert rel_diff(fused[name], layers[name]) <= check.GRAD_TOL, name
    assert fused["first_step"].shape == () and fused["first_step"] > 0


def test_fused_training_replays_the_reference(octave):
    """Several steps at batch 1: losses, accuracies and weights as Python's."""
    data = check.train_parity_inputs(1, iters=25, batch=1)
    config = {"lr": 0.1, "eval_every": 10}
    ref = get_runner("python").run("train", config, data).arrays
    got = octave.run("train", {**config, "variant": "fused"}, data).arrays
    assert sorted(got) == sorted(ref)
    assert max_rel_each(got["loss"], ref["loss"]) <= check.GRAD_TOL
    assert list(got["train_acc"]) == list(ref["train_acc"]) and list(got["test_acc"]) == list(ref["test_acc"])
    for name in PARAM_NAMES:
        assert rel_diff(got[name], ref[name]) <= check.GRAD_TOL, name


@pytest.mark.parametrize("gate", ["AND", "XOR"])
def test_fused_perceptron_gives_the_layered_results(octave, gate):
    data = mk.perceptron_inputs(0, gate)
    config = {"epochs": 300, "lr": 1.0, "repeats": 1}
    layers = octave.run("perceptron", config, data).arrays
    fused = octave.run("perceptron", {**config, "variant": "fused"}, data).arrays
    assert fused["solved_epoch"] == layers["solved_epoch"]
    for name in ("W", "b", "losses"):
        assert np.max(np.abs(fused[name] - layers[name])) <= check.GRAD_TOL * max(np.max(np.abs(layers[name])), 1.0)


def test_unknown_variant_is_the_tasks_error(octave):
    with pytest.raises(PortError) as err:
        octave.run("first_step", {"lr": 0.1, "variant": "faster"}, bench_inputs(5, 2), timeout=120)
    assert err.value.reason == "error: unknown variant 'faster' (expected layers or fused)"


def test_fused_labels_out_of_range_are_an_error(octave):
    data = bench_inputs(5, 3)
    data["t"] = data["t"] + 10
    with pytest.raises(PortError) as err:
        octave.run("first_step", {"lr": 0.1, "variant": "fused"}, data, timeout=120)
    assert "labels" in err.value.reason


def test_worker_holds_one_training_run_per_variant(octave, tmp_path):
    """train_begin for both variants, their train_steps interleaved, each train_end dropping only its own run."""
    from harness.workers import Workers
    data = check.train_parity_inputs(0, iters=12)
    folder = tmp_path / "train"
    write_arrays(folder, data)
    ref = get_runner("python").run("train", {"lr": 0.1, "eval_every": 6}, data).arrays
    with Workers() as pool:
        for variant in ("layers", "fused"):
            pool.request("octave", "train_begin", {"lr": 0.1, "variant": variant}, input_dir=folder, timeout=120)
        losses = {"layers": [], "fused": []}
        for first in (0, 6):
            for variant in ("fused", "layers"):
                config = {"first": first, "steps": 6, "evaluate": 1}
                if variant == "fused":
                    config["variant"] = "fused"  # absent: layers
                got = pool.request("octave", "train_steps", config, timeout=120).arrays
                losses[variant].append(got["loss"])
                assert float(got["test_acc"]) == ref["test_acc"][first // 6], variant
        final = pool.request("octave", "train_end", {"variant": "fused"}, timeout=120).arrays
        with pytest.raises(PortError, match="train_steps before train_begin .variant fused."):
            pool.request("octave", "train_steps", {"first": 12, "steps": 1, "evaluate": 0, "variant": "fused"},
                         timeout=60)
        layered = pool.request("octave", "train_end", {}, timeout=120).arrays
        assert pool.serial("octave") == 1
    for variant, params in (("fused", final), ("layers", layered)):
        assert max_rel_each(np.concatenate(losses[variant]), ref["loss"]) <= check.GRAD_TOL, variant
        for name in PARAM_NAMES:
            assert rel_diff(params[name], ref[name]) <= check.GRAD_TOL, (variant, name)


class FakeOctave(OctaveRunner):
    """A stand-in runtime: a shell printing given lines and exiting with a given code (no Octave needed)."""

    def __init__(self, lines: list[str], code: int):
        self.lines, self.code = lines, code

    def find(self) -> Found | None:
        return Found("/bin/sh", "test")

    def command(self, found: Found, task_dir: Path) -> list[str]:
        script = "".join(f"printf '%s\\n' '{ln}' >&2; " for ln in self.lines) + f"exit {self.code}"
        return [found.exe, "-c", script]


@pytest.mark.parametrize("lines", [[NOISE, "error: the real reason"], ["error: the real reason", NOISE],
                                   ["progress 1 2", NOISE, "parse error:", "error: the real reason"]],
                         ids=["noise-first", "noise-last", "noise-between"])
def test_exit_noise_is_never_the_reason(lines):
    with pytest.raises(PortError) as err:
        FakeOctave(lines, 1).run("noop", timeout=30)
    reason = err.value.reason
    assert not EXIT_NOISE.match(reason), reason
    assert reason in ("error: the real reason", "parse error:")


def test_only_exit_noise_still_reports_a_failure():
    with pytest.raises(PortError) as err:
        FakeOctave([NOISE], 1).run("noop", timeout=30)
    assert err.value.reason == "exited with code 1"


def test_discovery_prefers_OCTAVE_and_explains_a_missing_runtime(monkeypatch, tmp_path):
    fake = tmp_path / "my-octave"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("OCTAVE", str(fake))
    found = OctaveRunner().find()
    assert found is not None and found.exe == str(fake) and found.how == "$OCTAVE"
    monkeypatch.delenv("OCTAVE")
    monkeypatch.setenv("PATH", str(tmp_path))  # no octave-cli here
    runner = OctaveRunner()
    assert runner.find() is None
    assert "apt-get install octave" in runner.missing_reason()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
