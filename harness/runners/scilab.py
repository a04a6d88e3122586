"""The Scilab port (scilab_impl/), run by scilab-cli (Debian package scilab-cli: 6.1 on Debian 12, 2024.1 on 13)."""
from __future__ import annotations

from pathlib import Path

from .base import REPO, Found, Runner, from_env, which

ENTRY = REPO / "scilab_impl" / "entry.sce"


class ScilabRunner(Runner):
    name = "scilab"
    install_hint = "sudo apt-get install scilab-cli libopenblas0-pthread"

    def find(self) -> Found | None:
        found = from_env("SCILAB")
        if found is not None:
            return found
        path = which("scilab-cli")
        return Found(path, "scilab-cli on PATH") if path else None

    def missing_reason(self) -> str:
        return f"scilab-cli not found ($SCILAB unset and no scilab-cli on PATH); install it: {self.install_hint}"

    def command(self, found: Found, task_dir: Path) -> list[str]:
        # -nb: no banner; -nouserstartup: ignore ~/.scilab; the script ends with exit(), so no prompt waits.
        return [found.exe, "-nb", "-nouserstartup", "-f", str(ENTRY), "-args", str(task_dir)]
