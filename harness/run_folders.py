"""Run folders: a new one per run, and those whose harness died without ending them."""
from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Callable

from .environment import write_environment
from .runners.processes import pid_alive

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
