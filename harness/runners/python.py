"""The Python/NumPy reference, run as a subprocess like every other port."""
from __future__ import annotations

import sys
from pathlib import Path

from .base import Found, Runner


class PythonRunner(Runner):
    name = "python"
    install_hint = "python3 -m venv .venv && .venv/bin/pip install -e ."

    def find(self) -> Found | None:
        return Found(sys.executable, "the harness's own interpreter")

    def command(self, found: Found, arg: str | Path) -> list[str]:
        return [found.exe, "-m", "python_impl.entry", str(arg)]
