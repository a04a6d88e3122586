"""The run's record, environment.json: reading and writing it, the machine and the project's version. (The
run folders are in run_folders.py, the languages' probe in probe.py, the DGEMM rate in dgemm.py.)"""
from __future__ import annotations

import json
import os
import platform
import subprocess
from pathlib import Path

from .runners.base import REPO


def read_environment(run_dir: Path) -> dict:
    path = Path(run_dir) / "environment.json"
    return json.loads(path.read_text()) if path.exists() else {}


def write_environment(run_dir: Path, env: dict) -> None:
    path = Path(run_dir) / "environment.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    os.replace(tmp, path)


def project_version() -> str:
    """The project's commit (with "+changes" when the work tree differs from it), or "unknown" outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return (commit + ("+changes" if dirty else "")) if commit else "unknown"


def machine_record() -> dict:
    cpu = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for ln in Path("/etc/os-release").read_text().splitlines():
            if ln.startswith("PRETTY_NAME="):
                os_name = ln.split("=", 1)[1].strip('"')
    except OSError:
        pass
    debian = Path("/etc/debian_version")
    return {"cpu": cpu, "cores": os.cpu_count(), "os": os_name,
            "debian_version": debian.read_text().strip() if debian.exists() else None,
            "kernel": platform.release(), "python": platform.python_version(),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}
