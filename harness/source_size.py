"""How much code each language needs for the same network: the lines and the gzip size of each port's source, split
into the book's layered code, the fused code, and the protocol every port carries to talk to the harness.

A file belongs to a part by its name (the ports share their file names, docs/porting.md): the fused code is
fused* (fused, fused_step, fused_perceptron_train); the protocol is the dispatcher's four files (entry, checks,
tasks, kernels; Octave's run_folder), interchange and info; everything else is the layered code (layers, the
network, the gradient check, the perceptron, the training loop). Lines: lines with code on them (not blank, not
only a comment; docstrings count as comments). Gzip bytes, as the Computer Language Benchmarks Game measures:
the source with its comments and repeated white space removed, compressed with gzip's fastest setting."""
from __future__ import annotations

import gzip
import re
from pathlib import Path

from .languages import LANGUAGES
from .results import Row
from .runners.base import REPO

PROTOCOL = {"entry", "run_folder", "checks", "tasks", "kernels", "interchange", "info", "port_info", "__init__",
            "__main__"}
PARTS = ("layers", "fused", "protocol")
COMMENT = {".py": "#", ".jl": "#", ".R": "#", ".m": "%", ".sci": "//", ".sce": "//"}


def part_of(path: Path) -> str:
    stem = path.stem.lower()
    return "protocol" if stem in PROTOCOL else "fused" if stem.startswith("fused") else "layers"


def code_lines(path: Path) -> list[str]:
    """The file's lines with code on them, comments and docstrings taken out, white space collapsed."""
    marker, out, in_doc = COMMENT.get(path.suffix, "#"), [], False
    for line in path.read_text(errors="replace").splitlines():
        text = line.strip()
        if path.suffix in (".py", ".jl") and text.startswith('"""'):
            closes = len(text) >= 6 and text.endswith('"""')
            in_doc = in_doc if closes else not in_doc
            continue
        if in_doc:
            in_doc = '"""' not in text
            continue
        if not text or text.startswith(marker) or (marker == "%" and text.startswith("#")):
            continue
        out.append(re.sub(r"\s+", " ", text))
    return out


def source_rows(langs: list[str], root: Path = REPO) -> list[Row]:
    """Per language and part: `source_lines` and `source_gzip_bytes` (the lines joined, gzip level 1)."""
    rows = []
    for lang in langs:
        known = LANGUAGES.get(lang)
        folder = root / known.folder if known else None
        if folder is None or not folder.is_dir():
            continue
        by_part: dict[str, list[str]] = {p: [] for p in PARTS}
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.suffix in COMMENT:
                by_part[part_of(path)] += code_lines(path)
        for part, lines in by_part.items():
            packed = len(gzip.compress("\n".join(lines).encode(), compresslevel=1, mtime=0))
            rows += [Row(lang, "source", part, "source_lines", "", len(lines), "lines"),
                     Row(lang, "source", part, "source_gzip_bytes", "", packed, "bytes",
                         "comments and repeated white space removed, gzip level 1")]
    return rows
