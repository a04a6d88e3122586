"""The interchange format between the harness and every port (docs/interchange.md).

A folder holds one raw little-endian file per array (NAME.bin) and manifest.txt, whose first line is
`nnbench-interchange 1` and whose other lines read `NAME DTYPE ORDER NDIM DIM1 ... DIMn`: DTYPE is float64,
int64 or uint8; ORDER is C (row-major, NumPy's) or F (column-major); the dims are the array's logical
shape, as the Python reference holds it. A task folder also has config.txt: one `KEY VALUE` per line.

The arrays are read and written by the reference's own reader and writer (python_impl/interchange.py, the
project's one Python implementation of the format, which the reference carries so that it runs without the
harness); the harness adds writing a task's config.txt and reading the info.txt a port writes.
"""
from __future__ import annotations

from pathlib import Path

from python_impl.interchange import (
    InterchangeError,
    parse_key_values,
    read_arrays,
    read_config,
    read_manifest,
    write_arrays,
)

__all__ = ["InterchangeError", "parse_key_values", "read_arrays", "read_config", "read_info",
           "read_manifest", "write_arrays", "write_config"]


def write_config(folder: Path, config: dict[str, object]) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    text = "".join(f"{k} {v}\n" for k, v in config.items())
    (folder / "config.txt").write_text(text)


def read_info(folder: Path) -> dict[str, str]:
    """info.txt: optional `KEY VALUE` text lines a port writes beside its arrays (version, BLAS, ...)."""
    path = Path(folder) / "info.txt"
    if not path.is_file():
        return {}
    return parse_key_values(path.read_text())
