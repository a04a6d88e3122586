"""What is particular to the MATLAB-language port (octave_impl/, run by GNU Octave): its code is plain MATLAB,
MATLAB users can call it without the launcher, and Octave's exit-time noise is never taken for the reason of
a failure. The parity, interchange and failure tests every port shares are in test_ports.py.
"""
from __future__ import annotations

import re
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


# --- plain MATLAB: nothing Octave-only -----------------------------------------------------------------

OCTAVE_KEYWORDS = re.compile(r"\b(endfunction|endif|endfor|endwhile|endswitch|end_try_catch|end_unwind_protect|"
                             r"unwind_protect|unwind_protect_cleanup|endclassdef|endmethods|endproperties|"
                             r"endevents|endenumeration|until|do)\b")
OCTAVE_OPERATORS = [(re.compile(r"(\+\+|--|\*\*|\.\*\*)"), "Octave-only operator"),
                    (re.compile(r"(\+|-|\*|/|\^|\||&)="), "Octave-only assignment operator"),
                    (re.compile(r"!"), "'!' (use ~ and ~=)"),
                    (re.compile(r"\)\("), "chained indexing f(x)(i)"),
                    (re.compile(r"\\\s*$"), "'\\' line continuation (use ...)"),
                    (re.compile(r"^\s*function\b[^(]*\([^)]*\w\s*=[^=]"), "default argument value")]
OCTAVE_PRINTING = re.compile(r"(?<![\w.])(printf|puts|fputs|fdisp)\b")
# Octave-only functions, allowed only in the first branch of `if exist('OCTAVE_VERSION', 'builtin')`
OCTAVE_FUNCTIONS = re.compile(r"(?<![\w.])(fflush|stdout|argv|nproc|rename|program_name|columns|rows|index|"
                              r"rindex|postpad|prepad|print_usage|octave_config_info|getpid|isargout|nthargout|"
                              r"merge|ifelse)\b")
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
            problems.append(f"line {n}: Octave-only '{m.group(1)}' (use fprintf/disp)")
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
        "printf hello": "printf",
        "y = f(x)(1);": "chained indexing",
        "y = a + \\\n  b;": "line continuation",
        "function y = f(x = 1)\n  y = x;\nend": "default argument",
        "y = merge(x > 0, 1, 2);": "merge",
        "if isargout(2)\n  y = 1;\nend": "isargout",
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
