"""Which languages start: each one's runtime, version, BLAS and threads, recorded in environment.json."""
from __future__ import annotations

from pathlib import Path
from typing import Callable

from .environment import read_environment, write_environment
from .results import ResultsFile, Row
from .runners import RUNNERS, PortError, get_runner


def record_language(run_dir: Path, lang: str, info: dict) -> None:
    found = RUNNERS[lang].find()
    env = read_environment(run_dir)
    env.setdefault("languages", {})[lang] = {"executable": found.exe if found else None,
                                             "found_by": found.how if found else None, **info}
    write_environment(run_dir, env)


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
