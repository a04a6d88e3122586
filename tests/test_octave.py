"""What is particular to the MATLAB-language port (octave_impl/, run by GNU Octave): MATLAB users can call it
without the launcher, and Octave's exit-time noise is never taken for the reason of a failure. The parity,
interchange and failure tests every port shares are in test_ports.py; that its code is plain MATLAB is checked
by scripts/matlab_compat.py (test_matlab_compat.py).
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_lang

from harness import inputs as seeded
from harness.interchange import write_arrays, write_config
from harness.runners import PortError
from harness.runners.base import Found
from harness.runners.octave import EXIT_NOISE, OctaveRunner

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
    data = seeded.layer_inputs(1)
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
