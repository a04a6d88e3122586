"""Finds what MATLAB would not run in MATLAB-language sources that GNU Octave runs: Octave's comments ('#'),
double-quoted strings, keywords (endif, endfunction, ...), operators (+=, !=, ++, **), printing functions
(printf, puts) and other Octave-only functions, and non-ASCII bytes. Octave-only functions are allowed in
the first branch of `if exist('OCTAVE_VERSION', 'builtin')` and anywhere in a launcher (a file that only
Octave runs, such as the port's entry.m).

    python scripts/matlab_compat.py octave_impl/            every .m file in the folder (and below it)
    python scripts/matlab_compat.py a.m b.m --launcher a.m  given files; a.m may call Octave's functions

Prints one `file:line: reason` per finding and exits with 1 when there are any, 0 when there are none, and 2
when a path is missing or holds no .m file. It reads the code line by line, not with a full MATLAB parser:
what it flags is worth a look, and plain MATLAB passes (tests/test_matlab_compat.py).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

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


def octave_only(source: str, allow_functions: bool = False) -> list[tuple[int, str]]:
    """(line number, reason) for everything in `source` that MATLAB would not run: Octave's comments, strings,
    keywords, operators and functions (the latter allowed inside an `if exist('OCTAVE_VERSION', 'builtin')`
    branch, or everywhere with `allow_functions`)."""
    problems: list[tuple[int, str]] = []
    stack: list[str] = []  # open blocks: "guard" (Octave branch), "other-branch" or "block"
    in_block_comment = False
    for n, raw in enumerate(source.splitlines(), 1):
        if raw.strip() in ("%{", "#{"):
            in_block_comment = True
            if raw.strip() == "#{":
                problems.append((n, "'#{' block comment"))
            continue
        if in_block_comment:
            in_block_comment = raw.strip() not in ("%}", "#}")
            continue
        code, found = strip_line(raw)
        problems += [(n, p) for p in found]
        if m := OCTAVE_KEYWORDS.search(code):
            problems.append((n, f"Octave keyword '{m.group(1)}'"))
        for pattern, what in OCTAVE_OPERATORS:
            if pattern.search(code.replace("~=", "").replace("==", "").replace("<=", "").replace(">=", "")):
                problems.append((n, what))
        if m := OCTAVE_PRINTING.search(code):
            problems.append((n, f"Octave-only '{m.group(1)}' (use fprintf/disp)"))
        guarded = "guard" in stack
        if m := OCTAVE_FUNCTIONS.search(code):
            if not (guarded or allow_functions):
                problems.append((n, f"Octave-only function '{m.group(1)}' outside an OCTAVE_VERSION branch"))
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


def non_ascii(data: bytes) -> list[tuple[int, str]]:
    """(line number, reason) for each line holding a byte over 127: MATLAB reads a file in the platform's
    encoding, so only ASCII means the same everywhere."""
    return [(n, "non-ASCII bytes (MATLAB reads files in the platform's encoding)")
            for n, line in enumerate(data.split(b"\n"), 1) if any(b > 127 for b in line)]


def check_file(path: Path, launcher: bool = False) -> list[tuple[int, str]]:
    """The findings in one file, in line order; `launcher`: the file is run by Octave only, so Octave's
    functions are allowed (its syntax still is not)."""
    data = path.read_bytes()
    found = octave_only(data.decode("utf-8", errors="replace"), allow_functions=launcher) + non_ascii(data)
    return sorted(found, key=lambda f: f[0])


def m_files(paths: list[Path]) -> list[Path]:
    """The .m files named or found under the given folders, in order; ValueError for a missing path or a folder
    without any (a mistyped path must not pass as clean)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(path.rglob("*.m"))
            if not found:
                raise ValueError(f"no .m file in {path}")
            files += found
        elif path.is_file():
            files.append(path)
        else:
            raise ValueError(f"no such file or folder: {path}")
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Report Octave-only syntax in MATLAB-language files.")
    parser.add_argument("paths", nargs="+", type=Path, help=".m files, or folders searched for them")
    parser.add_argument("--launcher", action="append", metavar="NAME",
                        help="file name of a launcher that only Octave runs, where Octave's functions are "
                             "allowed (repeatable; default: entry.m)")
    args = parser.parse_args(argv)
    launchers = set(args.launcher or ["entry.m"])
    try:
        files = m_files(args.paths)
    except ValueError as err:
        print(f"matlab_compat: {err}", file=sys.stderr)
        return 2
    findings = 0
    for path in files:
        for line, reason in check_file(path, launcher=path.name in launchers):
            print(f"{path}:{line}: {reason}")
            findings += 1
    if findings:
        print(f"matlab_compat: {findings} Octave-only construct(s) in {len(files)} file(s); MATLAB would not "
              "run them", file=sys.stderr)
        return 1
    print(f"matlab_compat: {len(files)} file(s), plain MATLAB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
