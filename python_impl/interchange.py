"""The Python port's reader and writer of the interchange format (docs/interchange.md), NumPy only.

Like every port, the reference carries its own reader and writer, so that it can be read and run without the
harness; the harness reads and writes arrays with this module too (harness/interchange.py).

A folder holds one raw little-endian file per array (NAME.bin) and manifest.txt, whose first line is
`nnbench-interchange 1` and whose other lines read `NAME DTYPE ORDER NDIM DIM1 ... DIMn`: DTYPE is float64, int64
or uint8; ORDER is C (row-major, NumPy's) or F (column-major); the dims are the array's logical shape, which is
the shape this port computes with (one sample per row). A task folder also has config.txt, and a port may write
info.txt: `KEY VALUE` lines.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

MAGIC = "nnbench-interchange 1"
DTYPES = {"float64": np.dtype("<f8"), "int64": np.dtype("<i8"), "uint8": np.dtype("u1")}
NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


class InterchangeError(ValueError):
    """A folder that does not follow the format (missing files, wrong sizes, bad lines)."""


def read_manifest(folder: Path) -> list[tuple[str, str, str, tuple[int, ...]]]:
    """The manifest's entries: (name, dtype, order, logical shape)."""
    path = Path(folder) / "manifest.txt"
    if not path.is_file():
        raise InterchangeError(f"{path} is missing")
    lines = [ln.strip() for ln in path.read_text().splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    if not lines or lines[0] != MAGIC:
        raise InterchangeError(f"{path}: first line must be {MAGIC!r}")
    entries = []
    for ln in lines[1:]:
        parts = ln.split()
        try:
            name, dtype, order, ndim = parts[0], parts[1], parts[2], int(parts[3])
            shape = tuple(int(p) for p in parts[4:])
        except (IndexError, ValueError):
            raise InterchangeError(f"{path}: bad line {ln!r}") from None
        if (not NAME_RE.match(name) or dtype not in DTYPES or order not in ("C", "F") or len(shape) != ndim
                or any(d < 0 for d in shape)):
            raise InterchangeError(f"{path}: bad line {ln!r}")
        entries.append((name, dtype, order, shape))
    return entries


def read_arrays(folder: Path) -> dict[str, np.ndarray]:
    """Every array named in the manifest, by name, in its logical shape (NDIM 0: a 0-d array)."""
    folder = Path(folder)
    arrays = {}
    for name, dtype, order, shape in read_manifest(folder):
        path = folder / f"{name}.bin"
        count = int(np.prod(shape)) if shape else 1
        if not path.is_file() or path.stat().st_size != count * DTYPES[dtype].itemsize:
            raise InterchangeError(f"{path}: expected {count} values of {dtype}")
        arrays[name] = np.fromfile(path, dtype=DTYPES[dtype]).reshape(shape, order=order)
    return arrays


def write_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Writes every array in C order with its shape, then the manifest last (so a folder with a manifest is
    complete)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [MAGIC]
    for name, value in arrays.items():
        if not NAME_RE.match(name):
            raise InterchangeError(f"bad array name {name!r}")
        arr = np.asarray(value)
        dtype = next((k for k, d in DTYPES.items() if arr.dtype.kind == d.kind and arr.dtype.itemsize == d.itemsize),
                     None)
        if dtype is None:
            raise InterchangeError(f"{name}: dtype {arr.dtype} is not one of {', '.join(DTYPES)}")
        np.ascontiguousarray(arr, dtype=DTYPES[dtype]).tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype, "C", str(arr.ndim), *map(str, arr.shape)]))
    tmp = folder / "manifest.txt.tmp"
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, folder / "manifest.txt")


def parse_key_values(text: str) -> dict[str, str]:
    """`KEY VALUE` lines (config.txt, info.txt) as a dict; the value is the rest of the line."""
    out = {}
    for ln in text.splitlines():
        if ln.strip():
            key, _, value = ln.strip().partition(" ")
            out[key] = value.strip()
    return out


def read_config(folder: Path) -> dict[str, str]:
    path = Path(folder) / "config.txt"
    if not path.is_file():
        raise InterchangeError(f"{path} is missing")
    return parse_key_values(path.read_text())


def write_info(folder: Path, info: dict[str, str]) -> None:
    """info.txt: one `KEY VALUE` line per entry, beside the arrays."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "info.txt").write_text("".join(f"{key} {value}\n" for key, value in info.items()))
