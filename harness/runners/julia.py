"""The Julia port (julia_impl/entry.jl), run as a subprocess; optionally in-process through juliacall.

Which Julia, in this order (the first that exists wins; `Found.how` records which):
  1. $JULIA (a path or a command name)
  2. `julia` on PATH
  3. the Julia that juliacall manages, only when juliacall is installed AND has already fetched its Julia:
     read from juliapkg's meta.json, never by importing juliacall (its import downloads Julia and packages)
  4. .runtime/julia/bin/julia, made by `bash scripts/install-julia.sh` (Julia 1.5.3 from Debian 11)

Transport: a subprocess per task (files, docs/interchange.md) by default. NNBENCH_JULIA_TRANSPORT=juliacall
runs the same Julia code inside this Python process instead (see julia_juliacall.py), when juliacall can start.
"""
from __future__ import annotations

import importlib.util
import json
import os
import sys
from pathlib import Path

from .base import REPO, Found, PortError, Runner, TaskResult, bad_override, from_env, which

LOCAL_JULIA = REPO / ".runtime" / "julia" / "bin" / "julia"
INSTALL_COMMAND = "bash scripts/install-julia.sh"


def juliacall_julia() -> str | None:
    """The Julia executable juliacall would use, if juliacall is installed and its juliapkg already resolved
    one (juliapkg writes it to PROJECT/pyjuliapkg/meta.json). Nothing is imported and nothing downloaded."""
    if importlib.util.find_spec("juliacall") is None:
        return None
    project = os.environ.get("PYTHON_JULIAPKG_PROJECT")
    if not project:
        prefix = sys.prefix if sys.prefix != sys.base_prefix else os.environ.get("CONDA_PREFIX")
        if prefix:
            project = os.path.join(prefix, "julia_env")
        else:
            depot = os.environ.get("JULIA_DEPOT_PATH", "").split(os.pathsep)[0] or os.path.expanduser("~/.julia")
            project = os.path.join(depot, "environments", "pyjuliapkg")
    meta = Path(project) / "pyjuliapkg" / "meta.json"
    try:
        exe = json.loads(meta.read_text()).get("executable")
    except (OSError, ValueError, AttributeError):
        return None
    return exe if isinstance(exe, str) and os.access(exe, os.X_OK) else None


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


class JuliaRunner(Runner):
    name = "julia"
    install_hint = INSTALL_COMMAND

    def find(self) -> Found | None:
        if os.environ.get("JULIA"):  # the user's Julia, or none: another one would be measured in silence
            return from_env("JULIA")
        path = which("julia")
        if path:
            return Found(path, "julia on PATH")
        exe = juliacall_julia()
        if exe:
            return Found(exe, "the Julia juliacall manages (juliapkg meta.json)")
        if os.access(LOCAL_JULIA, os.X_OK):
            return Found(str(LOCAL_JULIA), f"{_shown(LOCAL_JULIA)} (made by {INSTALL_COMMAND})")
        return None

    def missing_reason(self) -> str:
        if os.environ.get("JULIA"):
            return bad_override("JULIA", "julia")
        return (f"no Julia found ($JULIA, julia on PATH, juliacall's Julia, {_shown(LOCAL_JULIA)}); "
                f"install it with: {INSTALL_COMMAND}")

    def command(self, found: Found, arg: str | Path) -> list[str]:
        return [found.exe, "--startup-file=no", "--history-file=no", str(REPO / "julia_impl" / "entry.jl"),
                str(arg)]

    def run(self, task: str, config: dict | None = None, inputs=None, timeout: float = 600.0, threads: int = 1,
            on_progress=None, keep_dir=None, input_dir=None) -> TaskResult:
        if os.environ.get("NNBENCH_JULIA_TRANSPORT", "subprocess") == "juliacall":
            from .julia_juliacall import run_in_process
            if input_dir is not None:
                from ..interchange import read_arrays
                inputs = read_arrays(Path(input_dir))
            return run_in_process(task, config, inputs, threads, on_progress)
        return super().run(task, config, inputs, timeout=timeout, threads=threads, on_progress=on_progress,
                           keep_dir=keep_dir, input_dir=input_dir)


__all__ = ["JuliaRunner", "PortError", "juliacall_julia"]
