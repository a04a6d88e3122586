"""In-process transport for the Julia port through juliacall: NumPy arrays handed to Julia in memory, no files.

It runs the very code of the subprocess transport: julia_impl/entry.jl is included once and
JuliaImpl.run_task is called with the config and the arrays. Every array is passed as its transpose (`.T`,
a column-major view of the same buffer), which is exactly the port's layout (one sample per column), and
each result comes back transposed the same way.

juliacall is never imported on the default path: `import juliacall` resolves (and, when missing, downloads)
Julia and PythonCall.jl. `probe()` tries it in a subprocess with a timeout first and reports why it cannot
start; only when the probe succeeds is juliacall imported here.
"""
from __future__ import annotations

import importlib.util
import subprocess
import sys
import threading
import time

import numpy as np

from ..languages import entry_path
from .base import REPO, PortError, TaskResult

PROBE_CODE = "from juliacall import Main as jl; print('juliacall-ok', jl.seval('string(VERSION)'))"
_probe_result: tuple[bool, str] | None = None
_lock = threading.Lock()
_module = None  # the JuliaImpl module, once loaded


def probe(timeout: float = 120.0) -> tuple[bool, str]:
    """(True, Julia version) when juliacall can start its Julia, else (False, why not). Cached per process."""
    global _probe_result
    with _lock:
        if _probe_result is None:
            _probe_result = _probe(timeout)
        return _probe_result


def _probe(timeout: float) -> tuple[bool, str]:
    if importlib.util.find_spec("juliacall") is None:
        return False, "juliacall is not installed (it is in the project's dependencies: pip install -e .)"
    try:
        proc = subprocess.run([sys.executable, "-c", PROBE_CODE], capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=REPO)
    except subprocess.TimeoutExpired:
        return False, f"juliacall did not start its Julia within {timeout:.0f} s"
    for line in proc.stdout.splitlines():
        if line.startswith("juliacall-ok"):
            return True, "Julia " + line.split(maxsplit=1)[1]
    # the last line of the traceback names the exception (offline: urllib.error.URLError ...); juliapkg's
    # progress lines on stdout say what it was doing then
    err = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip()]
    doing = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip().startswith("[juliapkg]")]
    why = err[-1] if err else "no error output"
    return False, (f"import juliacall failed (exit {proc.returncode}): {why}"
                   + (f" (last step: {doing[-1]})" if doing else ""))


def _julia_impl():
    global _module
    if _module is None:
        ok, why = probe()
        if not ok:
            raise PortError("julia", f"juliacall transport unavailable: {why}")
        from juliacall import Main as jl  # noqa: PLC0415 (imported only when this transport is used)
        jl.include(str(REPO / entry_path("julia")))
        _module = jl.JuliaImpl
    return _module


def run_in_process(task: str, config: dict | None, inputs: dict[str, np.ndarray] | None, threads: int = 1,
                   on_progress=None) -> TaskResult:
    impl = _julia_impl()
    cfg = {"task": task, "threads": str(threads), **{k: str(v) for k, v in (config or {}).items()}}
    arrays = {k: np.asarray(v).T for k, v in (inputs or {}).items()}
    start = time.perf_counter()
    try:
        results, info = impl.run_task(cfg, arrays)
    except Exception as exc:  # a Julia exception arrives as juliacall.JuliaError
        raise PortError("julia", f"error: {exc}".splitlines()[0]) from None
    wall = time.perf_counter() - start
    out = {}
    for name in results.keys():
        value = results[name]
        scalar = isinstance(value, (int, float))
        out[str(name)] = np.float64(value) if scalar else np.array(value, dtype=np.float64).T
    return TaskResult(out, {str(k): str(v) for k, v in info}, wall, "")
