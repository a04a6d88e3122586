"""scripts/matlab_compat.py, the check that the MATLAB-language port is plain MATLAB: what it catches and what
it lets through, on small sources, then on octave_impl/ itself (the check ./test.sh also runs)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from matlab_compat import check_file, main, octave_only

ROOT = Path(__file__).resolve().parents[1]
PORT = ROOT / "octave_impl"
TOOL = ROOT / "scripts" / "matlab_compat.py"

OCTAVE_ONLY = {  # source -> a word of the reason the scanner must give
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

PLAIN_MATLAB = "\n".join([
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
    "%{",
    "a block comment: x += 1; printf endif",
    "%}",
    "x = 1; %#ok<NASGU>",
    "y = x + ...  continued; the rest is a comment: endif",
    "  1;",
    "end",
])


@pytest.mark.parametrize("source", list(OCTAVE_ONLY), ids=list(OCTAVE_ONLY.values()))
def test_octave_only_construct_is_reported_with_its_line_and_reason(source):
    what = OCTAVE_ONLY[source]
    problems = octave_only(source)
    assert any(what in reason for _, reason in problems), f"not caught ({what}): {source!r} -> {problems}"
    assert all(1 <= line <= len(source.splitlines()) for line, _ in problems)


def test_plain_matlab_gives_no_finding():
    assert octave_only(PLAIN_MATLAB) == []


def test_the_line_number_is_the_offending_lines():
    assert octave_only("x = 1;\ny = 2;\nz += 3;\n") == [(3, "Octave-only assignment operator")]


def test_octave_functions_are_allowed_in_a_launcher_and_octave_syntax_is_not():
    source = "args = argv();\nfflush(stdout);\nprintf('x');\n"
    assert [line for line, _ in octave_only(source)] == [1, 2, 3]
    assert octave_only(source, allow_functions=True) == [(3, "Octave-only 'printf' (use fprintf/disp)")]


def test_non_ascii_bytes_are_reported_by_line(tmp_path):
    path = tmp_path / "f.m"
    path.write_bytes("x = 1;\n% caf\u00e9\ny = 2;\n".encode())
    assert [line for line, _ in check_file(path)] == [2]


def test_cli_lists_file_line_reason_and_exits_1_on_findings(tmp_path, capsys):
    (tmp_path / "good.m").write_text("function y = good(x)\n  y = x';\nend\n")
    (tmp_path / "bad.m").write_text("function y = bad(x)\n  y = x;\nendfunction\n")
    assert main([str(tmp_path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out == [f"{tmp_path / 'bad.m'}:3: Octave keyword 'endfunction'"]


def test_cli_allows_octave_functions_only_in_the_named_launchers(tmp_path, capsys):
    (tmp_path / "entry.m").write_text("a = argv();\n")
    (tmp_path / "run_me.m").write_text("a = argv();\n")
    assert main([str(tmp_path)]) == 1  # entry.m is the default launcher; run_me.m is not one
    assert [ln.split(":")[0] for ln in capsys.readouterr().out.splitlines()] == [str(tmp_path / "run_me.m")]
    assert main([str(tmp_path), "--launcher", "entry.m", "--launcher", "run_me.m"]) == 0


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_cli_fails_on_a_path_without_m_files(tmp_path, capsys, make):
    path = tmp_path / "port"
    if make == "empty":
        path.mkdir()
    assert main([str(path)]) == 2
    assert str(path) in capsys.readouterr().err


def test_the_port_is_plain_matlab():
    """What ./test.sh runs: the tool as a program, on octave_impl/, passes."""
    out = subprocess.run([sys.executable, str(TOOL), str(PORT)], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stdout + out.stderr
    assert out.stdout.strip() == f"matlab_compat: {len(list(PORT.glob('*.m')))} file(s), plain MATLAB"
