"""The Julia port (julia_impl/entry.jl), run as a subprocess; optionally in-process through juliacall.

Which Julia, in this order (the first that exists wins; `Found.how` records which):
  1. $JULIA (a path or a command name)
  2. `julia` on PATH
  3. the Julia that juliacall manages, only when juliacall is installed AND has already fetched its Julia:
     read from juliapkg's meta.json, never by importing juliacall (its import downloads Julia and packages)
  4. .runtime/julia/bin/julia, made by `bash scripts/install-julia.sh` (Julia 1.5.3 from Debian 11)

CPU target: Julia 1.5's LLVM does not know recent CPUs and then compiles for a `generic` one, without AVX; a
Julia user on a CPU their Julia knows gets code for it. So when Sys.CPU_NAME is "generic", Julia is started with
-C and the best target the CPU's flags support (cpu_target; NNBENCH_JULIA_CPU_TARGET overrides it).

Transport: a subprocess per task (files, docs/interchange.md) by default. NNBENCH_JULIA_TRANSPORT=juliacall
runs the same Julia code inside this Python process instead (see julia_juliacall.py), when juliacall can start.
"""
from __future__ import annotations

import functools
import importlib.util
import json
import os
import subprocess
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


# The CPU Julia compiles for, when its LLVM does not know the host's (Sys.CPU_NAME "generic": code without AVX):
# the newest of these targets whose instruction sets the host's flags (/proc/cpuinfo) all have. LLVM 9 (Julia
# 1.5) knows all three; a Julia that knows the host's CPU compiles for it (`native`) and is left alone.
CPU_TARGETS = (("skylake-avx512", {"avx512f", "avx512dq", "avx512bw", "avx512vl", "avx2", "fma", "bmi2"}),
               ("haswell", {"avx2", "fma", "bmi2"}))
TARGET_ENV = "NNBENCH_JULIA_CPU_TARGET"  # the user's choice, given to -C as it is; `native` lets Julia choose


def cpu_flags() -> set[str]:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return set()


@functools.cache
def julia_cpu_name(exe: str) -> str:
    """Sys.CPU_NAME of this Julia on this machine ("" when it cannot be asked)."""
    try:
        done = subprocess.run([exe, "--startup-file=no", "-e", "print(Sys.CPU_NAME)"], capture_output=True,
                              text=True, timeout=120, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def cpu_target(exe: str, flags: set[str] | None = None) -> str | None:
    """The -C target to start this Julia with: the user's (NNBENCH_JULIA_CPU_TARGET; `native` for none); else,
    when Julia does not know this CPU, the best of CPU_TARGETS it supports; else None (Julia's own choice)."""
    chosen = os.environ.get(TARGET_ENV, "").strip()
    if chosen:
        return None if chosen == "native" else chosen
    if julia_cpu_name(exe) != "generic":
        return None
    flags = cpu_flags() if flags is None else flags
    return next((name for name, needs in CPU_TARGETS if needs <= flags), None)


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it."""
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return str(path)


class JuliaRunner(Runner):
    name = language = "julia"
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

    def __init__(self, name: str = "julia", native: bool = False):
        self.name, self.native = name, native  # native: Julia's own choice of CPU target, whatever cpu_target says

    def command(self, found: Found, arg: str | Path) -> list[str]:
        target = None if self.native else cpu_target(found.exe)
        return [found.exe, "--startup-file=no", "--history-file=no", *(["-C", target] if target else []),
                str(self.entry), str(arg)]

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
