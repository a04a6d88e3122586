"""One runner per language. To add a language, write its runner and list it here."""
from __future__ import annotations

from .base import PortError, Runner, TaskResult
from .julia import JuliaRunner
from .octave import OctaveRunner
from .python import PythonRunner
from .scilab import ScilabRunner

RUNNERS: dict[str, Runner] = {r.name: r for r in (PythonRunner(), JuliaRunner(), ScilabRunner(), OctaveRunner())}
LANGS = tuple(RUNNERS)


def get_runner(lang: str) -> Runner:
    try:
        return RUNNERS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGS)}") from None


__all__ = ["LANGS", "RUNNERS", "PortError", "Runner", "TaskResult", "get_runner"]
