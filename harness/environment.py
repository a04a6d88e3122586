"""The run's records: the folder, environment.json (machine, project, languages), the DGEMM reference rate,
and the runs that ended without saying so."""
from __future__ import annotations

import json
import os
import platform
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Callable

from .results import ResultsFile, Row
from .runners import RUNNERS, PortError, get_runner
from .runners.base import REPO
from .runners.processes import pid_alive


def record_language(run_dir: Path, lang: str, info: dict) -> None:
    found = RUNNERS[lang].find()
    env = read_environment(run_dir)
    env.setdefault("languages", {})[lang] = {"executable": found.exe if found else None,
                                             "found_by": found.how if found else None, **info}
    write_environment(run_dir, env)


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


DGEMM_CODE = """
import sys, time
import numpy as np
from threadpoolctl import threadpool_limits
n, threads, repeats = 2000, int(sys.argv[1]), 5
rng = np.random.default_rng(0)
a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
with threadpool_limits(limits=threads, user_api="blas"):
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
print(2 * n ** 3 / float(np.median(times)) / 1e9)
"""


def dgemm_gflops(threads: int) -> float:
    """The machine's reference: NumPy's DGEMM rate on one 2000 x 2000 product with the run's thread count
    (median of 5), measured in a separate process like every other timing."""
    done = subprocess.run([sys.executable, "-c", DGEMM_CODE, str(threads)], capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)
    try:
        return float(done.stdout.strip())
    except ValueError:
        return float("nan")


def pinned_cpus(pin: bool, threads: int) -> set[int] | None:
    """The one CPU every worker is pinned to, when pinning is asked for, BLAS uses one thread and the harness
    may use more than one CPU (the last one: the first tends to take the machine's interrupts)."""
    if not pin or threads != 1 or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return {cpus[-1]} if len(cpus) > 1 else None


ENDINGS = ("finished", "interrupted", "failed", "abandoned")


def close_dead_runs(base: Path, log: Callable[[str], None]) -> None:
    """Run folders whose harness died without ending them (killed outright): their inputs are removed and they are
    marked abandoned, so that no one reads them as finished or still running."""
    for path in Path(base).glob("*/environment.json"):
        try:
            env = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        pid = env.get("pid")
        if any(k in env for k in ENDINGS) or not isinstance(pid, int) or pid_alive(pid):
            continue
        shutil.rmtree(path.parent / "inputs", ignore_errors=True)
        env["abandoned"] = datetime.now().isoformat(timespec="seconds")
        write_environment(path.parent, env)
        log(f"{path.parent.name}: its run ended without finishing (the harness was killed); marked abandoned")


def new_run_dir(base: Path, quick: bool) -> Path:
    """results/<date-time>[-quick], with a counter when two runs start in the same second."""
    name = datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if quick else "")
    Path(base).mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        run_dir = Path(base) / (name if n == 1 else f"{name}-{n}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RuntimeError(f"could not make a new run folder in {base}")


def probe(langs: list[str], threads: int, run_dir: Path, results: ResultsFile, log: Callable[[str], None]) -> list[str]:
    """The languages that start: each one's version, BLAS and threads are recorded; the others are marked."""
    available = []
    for lang in langs:
        runner = get_runner(lang)
        if not runner.available():
            reason = runner.missing_reason()
            if runner.install_hint not in reason:
                reason += f"; install: {runner.install_hint}"
            log(f"{lang}: missing ({reason})")
            results.add([Row(lang, "all", "", "status", "", 0, "", "missing: " + reason)])
            continue
        try:  # the runtime's version, BLAS and threads, and proof that it starts at all
            info = runner.run("info", {}, timeout=300, threads=threads).info
        except PortError as exc:
            log(f"{lang}: does not work: {exc.describe()}")
            results.add([Row(lang, "all", "", "status", "", 0, "", "broken: " + exc.reason)])
            continue
        record_language(run_dir, lang, info)
        available.append(lang)
    return available
