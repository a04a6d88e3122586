"""The `info` task's facts about this process (docs/interchange.md): the runtime's version, the BLAS library
actually loaded, the thread count actually in force, and the clock the timings use. Apart from the dispatcher
(entry.py) and from the maths; NumPy and the standard library only.

The BLAS is the OpenBLAS library mapped into this process (NumPy's wheels bundle one, as
libscipy_openblas64_*.so, whose functions carry a prefix and a suffix; a NumPy built against the system's
calls libopenblas itself). Its thread count is asked of the library through ctypes, with
openblas_get_num_threads: what OpenBLAS will use, after its own reading of the environment and its caps.
"""
from __future__ import annotations

import ctypes
import os
import platform
import time
from pathlib import Path

import numpy as np

# OpenBLAS's names for its functions: plain (libopenblas), 64-bit-integer builds (suffix 64_), SciPy's
# build that NumPy's wheels bundle (prefix scipy_, suffix 64_).
AFFIXES = (("", ""), ("", "64_"), ("scipy_", "64_"), ("scipy_", ""))


def loaded_libraries(pattern: str = "blas") -> list[str]:
    """The shared libraries mapped into this process whose file name contains `pattern`, in the order of
    /proc/self/maps (where the kernel shows the real file behind every link); empty where there is no /proc."""
    try:
        maps = Path("/proc/self/maps").read_text().splitlines()
    except OSError:
        return []
    paths: list[str] = []
    for line in maps:
        fields = line.split(maxsplit=5)  # address, permissions, offset, device, inode, path
        path = fields[5] if len(fields) == 6 else ""
        if pattern in os.path.basename(path).lower() and ".so" in path and path not in paths:
            paths.append(path)
    return paths


class OpenBLAS:
    """An OpenBLAS library already loaded into this process, opened again (RTLD_NOLOAD: never a second copy)
    to call its introspection functions."""

    def __init__(self, path: str):
        self.path = path
        self.lib = ctypes.CDLL(path, mode=os.RTLD_NOLOAD)
        self.prefix, self.suffix = next(((p, s) for p, s in AFFIXES if self._has(f"{p}openblas_get_config{s}")),
                                        (None, None))

    def _has(self, name: str) -> bool:
        return hasattr(self.lib, name)

    @property
    def found(self) -> bool:
        return self.prefix is not None

    def function(self, name: str, restype):
        f = getattr(self.lib, f"{self.prefix}openblas_{name}{self.suffix}")
        f.restype, f.argtypes = restype, []
        return f

    def config(self) -> str:
        return " ".join(self.function("get_config", ctypes.c_char_p)().decode(errors="replace").split())

    def corename(self) -> str:
        return self.function("get_corename", ctypes.c_char_p)().decode(errors="replace")

    def num_threads(self) -> int:
        return int(self.function("get_num_threads", ctypes.c_int)())


def find_openblas() -> OpenBLAS | None:
    """The first loaded library that answers as OpenBLAS, or None."""
    for path in loaded_libraries():
        try:
            lib = OpenBLAS(path)
        except OSError:
            continue
        if lib.found:
            return lib
    return None


def numpy_blas() -> str:
    """The BLAS NumPy was built against, from its build configuration (NumPy 1.25+), or 'unknown'."""
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # an older NumPy, or a configuration without the entry
        return "unknown"


def clock() -> str:
    c = time.get_clock_info("perf_counter")
    kind = "monotonic" if c.monotonic else "not monotonic"
    return f"time.perf_counter ({c.implementation}: {kind}, resolution {c.resolution:g} s)"


def info() -> dict[str, str]:
    """The info task's KEY VALUE pairs: version, blas, blas_core, blas_threads, blas_threads_source, clock."""
    out = {"version": f"Python {platform.python_version()}, NumPy {np.__version__}"}
    lib = find_openblas()
    if lib is not None:
        core = lib.corename()
        out["blas"] = f"{lib.config()}; core {core}; {lib.path}"  # the configuration begins "OpenBLAS 0.3..."
        out["blas_core"] = core
        out["blas_threads"] = str(lib.num_threads())
        out["blas_threads_source"] = (f"library: {lib.prefix}openblas_get_num_threads{lib.suffix}(), "
                                      "called through ctypes")
    else:
        mapped = ", ".join(loaded_libraries()) or "none found in /proc/self/maps"
        out["blas"] = f"{numpy_blas()} (not OpenBLAS, or not found; BLAS libraries mapped: {mapped})"
        out["blas_core"] = "unknown"
        out["blas_threads"] = "unknown"
        out["blas_threads_source"] = "unknown: no OpenBLAS to ask, and no guess is made"
    out["clock"] = clock()
    return out
