"""The interchange format between the harness and every port (docs/interchange.md).

A folder holds one raw little-endian file per array (NAME.bin) and manifest.txt, whose first line is
`nnbench-interchange 1` and whose other lines read `NAME DTYPE ORDER NDIM DIM1 ... DIMn`: DTYPE is float64,
int64 or uint8; ORDER is C (row-major, NumPy's) or F (column-major); the dims are the array's logical
shape, as the Python reference holds it. A task folder also has config.txt: one `KEY VALUE` per line.
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


def write_arrays(folder: Path, arrays: dict[str, np.ndarray]) -> None:
    """Writes every array in C order, then the manifest last (so a folder with a manifest is complete)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    lines = [MAGIC]
    for name, value in arrays.items():
        if not NAME_RE.match(name):
            raise InterchangeError(f"bad array name {name!r}")
        arr = np.asarray(value)
        dtype_name = next((k for k, d in DTYPES.items()
                           if arr.dtype.kind == d.kind and arr.dtype.itemsize == d.itemsize), None)
        if dtype_name is None:
            raise InterchangeError(f"{name}: dtype {arr.dtype} is not one of {', '.join(DTYPES)}")
        np.ascontiguousarray(arr, dtype=DTYPES[dtype_name]).tofile(folder / f"{name}.bin")
        lines.append(" ".join([name, dtype_name, "C", str(arr.ndim), *map(str, arr.shape)]))
    tmp = folder / "manifest.txt.tmp"
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, folder / "manifest.txt")


def read_manifest(folder: Path) -> list[tuple[str, str, str, tuple[int, ...]]]:
    path = Path(folder) / "manifest.txt"
    if not path.is_file():
        raise InterchangeError(f"{path} is missing")
    lines = [ln.strip() for ln in path.read_text().splitlines() if ln.strip() and not ln.startswith("#")]
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
        if dtype not in DTYPES or order not in ("C", "F") or len(shape) != ndim or any(d < 0 for d in shape):
            raise InterchangeError(f"{path}: bad line {ln!r}")
        entries.append((name, dtype, order, shape))
    return entries


def read_arrays(folder: Path) -> dict[str, np.ndarray]:
    """Reads every array named in the manifest; each comes back in its logical shape."""
    folder = Path(folder)
    out = {}
    for name, dtype, order, shape in read_manifest(folder):
        path = folder / f"{name}.bin"
        count = int(np.prod(shape)) if shape else 1
        if not path.is_file() or path.stat().st_size != count * DTYPES[dtype].itemsize:
            raise InterchangeError(f"{path}: expected {count} values of {dtype}")
        out[name] = np.fromfile(path, dtype=DTYPES[dtype]).reshape(shape, order=order)
    return out


def write_config(folder: Path, config: dict[str, object]) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{k} {v}\n" for k, v in config.items())
    (folder / "config.txt").write_text(text)


def read_config(folder: Path) -> dict[str, str]:
    return parse_key_values((Path(folder) / "config.txt").read_text())


def read_info(folder: Path) -> dict[str, str]:
    """info.txt: optional `KEY VALUE` text lines a port writes beside its arrays (version, BLAS, ...)."""
    path = Path(folder) / "info.txt"
    if not path.is_file():
        return {}
    return parse_key_values(path.read_text())


def parse_key_values(text: str) -> dict[str, str]:
    out = {}
    for ln in text.splitlines():
        if ln.strip():
            key, _, value = ln.strip().partition(" ")
            out[key] = value.strip()
    return out
