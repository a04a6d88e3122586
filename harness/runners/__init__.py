"""One runner per language, made from the registry of languages (harness/languages.py): each record names its
runner class in this package."""
from __future__ import annotations

import importlib

from ..languages import LANGUAGES
from .base import PortError, Runner, TaskResult


def _runner(name: str, spec: str) -> Runner:
    """The runner a record names ("module:Class" in this package), under the record's name."""
    module, cls = spec.split(":")
    runner = getattr(importlib.import_module(f"{__name__}.{module}"), cls)()
    runner.name = name
    return runner


RUNNERS: dict[str, Runner] = {name: _runner(name, lang.runner) for name, lang in LANGUAGES.items()}
LANGS = tuple(RUNNERS)


def get_runner(lang: str) -> Runner:
    try:
        return RUNNERS[lang]
    except KeyError:
        raise ValueError(f"unknown language {lang!r}; known: {', '.join(LANGS)}") from None


__all__ = ["LANGS", "RUNNERS", "PortError", "Runner", "TaskResult", "get_runner"]
