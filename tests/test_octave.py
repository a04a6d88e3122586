"""The MATLAB-language port (octave_impl/, run by GNU Octave) against the Python reference on the same inputs
(harness/check.py), the interchange details it must honour, how it fails, and that its code is plain MATLAB.

Skipped when octave-cli is not found, unless NNBENCH_REQUIRE_LANGS names octave (or says all): then it fails.
Install: sudo apt-get install octave libopenblas0-pthread.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import require_lang

from harness import check
from harness import inputs as mk
from harness.interchange import read_manifest, write_arrays, write_config
from harness.parity import rel_diff
from harness.runners import PortError, get_runner
from harness.runners.base import Found
from harness.runners.octave import EXIT_NOISE, OctaveRunner

LANG = "octave"
PORT = Path(__file__).resolve().parents[1] / "octave_impl"
NOISE = "error: ignoring const execution_exception& while preparing to exit"


@pytest.fixture
def octave():
    require_lang(LANG)
    return get_runner(LANG)


def assert_all_ok(rows: list[check.Row]) -> None:
    """Every row within its tolerance; on failure, list the rows over it and the worst values."""
    assert rows
    over = [r for r in rows if not r.ok]
    worst = sorted(rows, key=lambda r: r.value / r.tol if np.isfinite(r.value) else np.inf, reverse=True)[:5]
    lines = [f"  {r.case} / {r.name}: {r.value:.3e} (tol {r.tol:.0e}){'  OVER' if not r.ok else ''}"
             for r in over + [r for r in worst if r not in over]]
    assert not over, f"{len(over)} of {len(rows)} comparisons over tolerance:\n" + "\n".join(lines)


# --- parity with the reference -------------------------------------------------------------------------

def test_layers(octave):
    assert_all_ok(check.layer_rows(LANG))


@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_two_layer_net_gradient(octave, labels):
    assert_all_ok(check.grad_rows(LANG, "two_layer_net", labels=labels))


@pytest.mark.parametrize("labels", [True, False], ids=["labels", "one-hot"])
def test_perceptron_gradient(octave, labels):
    assert_all_ok(check.grad_rows(LANG, "perceptron", labels=labels))


@pytest.mark.parametrize("model", ["two_layer_net", "perceptron"])
def test_numerical_gradient_agrees_with_backprop(octave, model):
    assert_all_ok(check.numerical_rows(LANG, model))


def test_training_replays_the_reference(octave):
    assert_all_ok(check.train_rows(LANG))


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND", "XOR"])
def test_perceptron_training(octave, gate):
    data = mk.perceptron_inputs(0, gate)
    config = {"epochs": 1000, "lr": 1.0, "repeats": 2}
    ref = get_runner("python").run("perceptron", config, data).arrays
    got = octave.run("perceptron", config, data).arrays
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

def test_reads_fortran_order_inputs(octave, tmp_path):
    """ORDER F must be honoured: the same layer inputs written column-major give identical results."""
    data = mk.layer_inputs(0)
    ref = octave.run("layers", {}, data).arrays
    folder = tmp_path / "in"
    write_arrays(folder, data)
    lines = [(folder / "manifest.txt").read_text().splitlines()[0]]
    for name, dtype, _order, shape in read_manifest(folder):
        np.asarray(data[name], dtype="<f8").ravel(order="F").tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype, "F", str(len(shape)), *map(str, shape)]))
    (folder / "manifest.txt").write_text("\n".join(lines) + "\n")
    got = octave.run("layers", {}, input_dir=folder).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert got[name].shape == ref[name].shape, name
        assert np.array_equal(got[name], ref[name]), name


def test_one_element_shapes_are_kept(octave):
    """One hidden unit (b1 has one value, W2 is 1 x 10), one evaluation, one step: every result keeps the
    reference's rank, which a port cannot guess from a 1 x 1 or n x 1 matrix."""
    data = check.train_parity_inputs(0, n_train=100, n_test=20, iters=1, batch=5, hidden=1)
    config = {"lr": 0.1, "eval_every": 100}
    ref = get_runner("python").run("train", config, data).arrays
    got = octave.run("train", config, data).arrays
    assert sorted(got) == sorted(ref)
    for name in ref:
        assert got[name].shape == ref[name].shape, name
    assert rel_diff(got["loss"], ref["loss"]) <= check.GRAD_TOL
    assert rel_diff(got["W2"], ref["W2"]) <= check.GRAD_TOL


def test_progress_lines_during_training(octave):
    seen = []
    octave.run("train", {"lr": 0.1, "eval_every": 10}, check.train_parity_inputs(0, iters=25),
               on_progress=lambda i, n: seen.append((i, n)))
    assert seen == [(10, 25), (20, 25), (25, 25)]


def test_matlab_users_can_call_the_function_directly(octave, tmp_path):
    """nnbench_main(task_dir) works without entry.m (entry.m only reads argv and reports errors)."""
    task = tmp_path / "task"
    write_config(task, {"task": "layers", "threads": 1})
    data = mk.layer_inputs(1)
    write_arrays(task / "in", data)
    code = f"addpath('{PORT}'); nnbench_main('{task}');"
    out = subprocess.run([octave.find().exe, "--norc", "--quiet", "--eval", code], capture_output=True, text=True,
                         timeout=120, stdin=subprocess.DEVNULL)
    assert out.returncode == 0, out.stderr
    assert (task / "out" / "manifest.txt").is_file()


# --- info and bench ------------------------------------------------------------------------------------

def test_info_names_version_blas_and_threads(octave):
    info = octave.run("info", threads=1).info
    assert re.match(r"GNU Octave \d+\.\d+", info["version"]), info
    assert info["blas"] and "loaded: /" in info["blas"], info  # the library file mapped into the process
    assert info["blas_threads"] == "1", info
    assert "OPENBLAS_NUM_THREADS" in info["blas_threads_source"], info


def test_info_follows_the_thread_count(octave):
    cpus = len(os.sched_getaffinity(0))
    info = octave.run("info", threads=2).info
    assert info["blas_threads"] == str(min(2, cpus)), info


def test_bench_reports_its_timings(octave):
    data = {**mk.net_params(0, 50), "x": mk.rng_for(0, 9).random((100, 784)),
            "t": mk.rng_for(0, 10).integers(0, 10, 100).astype(np.int64)}
    out = octave.run("bench", {"lr": 0.1, "warmup": 2, "repeats": 3, "inner": 2}, data).arrays
    assert out["first_step"].shape == () and out["step_times"].shape == (3,) and out["blas_times"].shape == (3,)
    assert out["first_step"] > 0 and np.all(out["step_times"] > 0) and np.all(out["blas_times"] > 0)
    # the six products are part of a step: a step cannot be much faster than the products alone
    assert np.median(out["step_times"]) > 0.5 * np.median(out["blas_times"])


# --- failures ------------------------------------------------------------------------------------------

def assert_real_error(err: PortError, *words: str) -> None:
    reason = err.reason
    assert reason.startswith("error:") and not EXIT_NOISE.match(reason), err.describe()
    for w in words:
        assert w in reason, err.describe()


def test_bad_input_gives_the_real_error_line(octave):
    data = mk.grad_inputs("two_layer_net", 0)
    data["W2"] = data["W2"][:7]  # 7 rows where the hidden layer has 50 units
    with pytest.raises(PortError) as err:
        octave.run("grad", {"model": "two_layer_net", "numerical": 0}, data, timeout=120)
    assert_real_error(err.value)


def test_missing_input_is_named(octave):
    data = mk.grad_inputs("two_layer_net", 0)
    del data["x"]
    with pytest.raises(PortError) as err:
        octave.run("grad", {"model": "two_layer_net", "numerical": 0}, data, timeout=120)
    assert_real_error(err.value, "'x'")


def test_labels_out_of_range_are_an_error(octave):
    data = mk.grad_inputs("two_layer_net", 0)
    data["t"] = data["t"] + 10
    with pytest.raises(PortError) as err:
        octave.run("grad", {"model": "two_layer_net", "numerical": 0}, data, timeout=120)
    assert_real_error(err.value, "labels")


def test_unreadable_input_is_an_error_line(octave, tmp_path):
    folder = tmp_path / "in"
    write_arrays(folder, {"x": np.zeros((2, 3))})
    (folder / "x.bin").write_bytes(b"\0" * 7)  # shorter than the manifest says
    with pytest.raises(PortError) as err:
        octave.run("layers", {}, input_dir=folder, timeout=120)
    assert_real_error(err.value, "x.bin")


def test_unknown_task_is_an_error_line(octave):
    with pytest.raises(PortError) as err:
        octave.run("no_such_task", timeout=120)
    assert_real_error(err.value, "no_such_task")


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


# --- plain MATLAB: nothing Octave-only -----------------------------------------------------------------

OCTAVE_KEYWORDS = re.compile(r"\b(endfunction|endif|endfor|endwhile|endswitch|end_try_catch|end_unwind_protect|"
                             r"unwind_protect|unwind_protect_cleanup|endclassdef|endmethods|endproperties|"
                             r"endevents|endenumeration|until|do)\b")
OCTAVE_OPERATORS = [(re.compile(r"(\+\+|--|\*\*|\.\*\*)"), "Octave-only operator"),
                    (re.compile(r"(\+|-|\*|/|\^|\||&)="), "Octave-only assignment operator"),
                    (re.compile(r"!"), "'!' (use ~ and ~=)")]
OCTAVE_PRINTING = re.compile(r"(?<![\w.])(printf|puts|fputs|fdisp)\s*\(")
# Octave-only functions, allowed only in the first branch of `if exist('OCTAVE_VERSION', 'builtin')`
OCTAVE_FUNCTIONS = re.compile(r"(?<![\w.])(fflush|stdout|argv|nproc|rename|program_name|columns|rows|index|"
                              r"rindex|postpad|prepad|print_usage|inputname|octave_config_info|getpid)\b")
OCTAVE_GUARD = re.compile(r"^\s*if\s+exist\(\s*'OCTAVE_VERSION'\s*,\s*'builtin'\s*\)")
STRING_KEYWORDS = {"case", "if", "elseif", "while", "switch", "return", "otherwise", "else", "until"}
OPENERS = {"if", "for", "parfor", "while", "switch", "try", "function", "classdef", "methods", "properties",
           "events", "enumeration", "spmd"}


def strip_line(line: str) -> tuple[str, list[str]]:
    """The code of one line with the contents of single-quoted strings blanked and the comment removed, and the
    problems seen while doing it (double-quoted strings, '#' comments)."""
    out, problems, i, depth = [], [], 0, 0
    while i < len(line):
        c = line[i]
        if c == "%":
            break
        if line.startswith("...", i):
            break  # continuation: the rest of the line is a comment
        if c == "#":
            problems.append("'#' (comments start with %)")
            break
        if c == '"':
            problems.append('double-quoted string (use single quotes)')
            end = line.find('"', i + 1)
            out.append('""')
            i = len(line) if end < 0 else end + 1
            continue
        if c == "'":
            before = "".join(out).rstrip()
            prev = before[-1:] if before else ""
            spaced = bool(out) and out[-1].isspace()
            word = re.search(r"([A-Za-z_]\w*)$", before)
            after_keyword = bool(word) and word.group(1) in STRING_KEYWORDS and before != "".join(out)
            transpose = (prev.isalnum() or prev in "_)]}.'") and not (spaced and depth > 0) and not after_keyword
            if not transpose:  # a string: skip to its closing quote ('' inside is an escaped quote)
                j = i + 1
                while j < len(line):
                    if line[j] == "'" and line[j + 1:j + 2] == "'":
                        j += 2
                    elif line[j] == "'":
                        break
                    else:
                        j += 1
                out.append("''")
                i = j + 1
                continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth = max(depth - 1, 0)
        out.append(c)
        i += 1
    return "".join(out), problems


def octave_only(source: str, allow_functions: bool = False) -> list[str]:
    """Everything in `source` that MATLAB would not run: Octave's comments, strings, keywords, operators and
    functions (the latter allowed inside an `if exist('OCTAVE_VERSION', 'builtin')` branch)."""
    problems: list[str] = []
    stack: list[str] = []  # open blocks: "guard" (Octave branch), "other-branch" or "block"
    in_block_comment = False
    for n, raw in enumerate(source.splitlines(), 1):
        if raw.strip() in ("%{", "#{"):
            in_block_comment = True
            if raw.strip() == "#{":
                problems.append(f"line {n}: '#{{' block comment")
            continue
        if in_block_comment:
            in_block_comment = raw.strip() not in ("%}", "#}")
            continue
        code, found = strip_line(raw)
        problems += [f"line {n}: {p}" for p in found]
        if m := OCTAVE_KEYWORDS.search(code):
            problems.append(f"line {n}: Octave keyword '{m.group(1)}'")
        for pattern, what in OCTAVE_OPERATORS:
            if pattern.search(code.replace("~=", "").replace("==", "").replace("<=", "").replace(">=", "")):
                problems.append(f"line {n}: {what}")
        if m := OCTAVE_PRINTING.search(code):
            problems.append(f"line {n}: Octave-only '{m.group(1)}(' (use fprintf/disp)")
        guarded = "guard" in stack
        if m := OCTAVE_FUNCTIONS.search(code):
            if not (guarded or allow_functions):
                problems.append(f"line {n}: Octave-only function '{m.group(1)}' outside an OCTAVE_VERSION branch")
        # track blocks: `end` outside brackets closes one; else/elseif leave a guard's first branch
        depth, guard_line = 0, bool(OCTAVE_GUARD.match(raw))
        for tok in re.finditer(r"[A-Za-z_]\w*|[()\[\]{}]", code):
            t = tok.group(0)
            if t in "([{":
                depth += 1
            elif t in ")]}":
                depth -= 1
            elif depth > 0 or code[tok.start() - 1:tok.start()] == ".":
                continue
            elif t == "end":
                if stack:
                    stack.pop()
            elif t in ("else", "elseif") and stack and stack[-1] == "guard":
                stack[-1] = "other-branch"
            elif t == "if" and guard_line:
                stack.append("guard")
                guard_line = False
            elif t in OPENERS:
                stack.append("block")
    return problems


def test_scanner_catches_octave_only_code():
    bad = {
        "x = 1; # note": "'#'",
        "# a comment": "'#'",
        "#{\nblock\n#}": "block comment",
        "x += 1;": "assignment operator",
        "x -= 1;": "assignment operator",
        "x *= 2;": "assignment operator",
        "x /= 2;": "assignment operator",
        "x++;": "operator",
        "y = x ** 2;": "operator",
        "printf('%d\\n', 1);": "printf",
        "puts('hello');": "puts",
        "fputs(1, 'x');": "fputs",
        "if x != 1\n  y = 2;\nend": "'!'",
        "if !x\n  y = 2;\nend": "'!'",
        'disp("hello");': "double-quoted",
        "function y = f(x)\n  y = x;\nendfunction": "endfunction",
        "if x\n  y = 1;\nendif": "endif",
        "for i = 1:3\nendfor": "endfor",
        "while x\nendwhile": "endwhile",
        "try\n  x;\ncatch\nend_try_catch": "end_try_catch",
        "unwind_protect\n  x;\nunwind_protect_cleanup\n  y;\nend_unwind_protect": "unwind_protect",
        "do\n  x = x + 1;\nuntil x > 3": "until",
        "fflush(stdout);": "fflush",
        "a = argv();": "argv",
        "if exist('OCTAVE_VERSION', 'builtin')\n  a = 1;\nelse\n  n = nproc();\nend": "nproc",
    }
    for snippet, what in bad.items():
        problems = octave_only(snippet)
        assert any(what in p for p in problems), f"not caught ({what}): {snippet!r} -> {problems}"


def test_scanner_accepts_plain_matlab():
    good = "\n".join([
        "function y = f(x, t)",
        "% a comment with # and != and \"quotes\" and printf( and endif",
        "y = x' * t';  % transposes",
        "z = [x' t'];",
        "s = 'it''s % not a comment # nor this \" nor ! this';",
        "fprintf('%d\\n', numel(x(end)));",
        "s = sprintf('%s', 'a');",
        "if x ~= 1 && x <= 2 || x >= 3 || x == 4",
        "  y = y(end - 1:end);",
        "end",
        "q = a.rows;  % a field, not the function",
        "if exist('OCTAVE_VERSION', 'builtin')",
        "  fflush(stdout);",
        "  if nproc() > 1",
        "    n = nproc('current');",
        "  end",
        "else",
        "  n = feature('numcores');",
        "end",
        "switch s",
        "  case 'it''s # fine ! \" %'",
        "    z = 1;",
        "  case {'a', 'b'}",
        "    z = 2;",
        "end",
        "x = 1; %#ok<NASGU>",
        "end",
    ])
    assert octave_only(good) == []


@pytest.mark.parametrize("path", sorted(PORT.glob("*.m")), ids=lambda p: p.name)
def test_port_is_plain_matlab(path):
    """No Octave-only syntax in any port file; entry.m, the Octave launcher, may call argv() and exit()."""
    problems = octave_only(path.read_text(), allow_functions=path.name == "entry.m")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_port_files_are_ascii():
    for path in PORT.glob("*.m"):
        text = path.read_bytes()
        assert all(b < 128 for b in text), f"{path.name} has non-ASCII bytes"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
