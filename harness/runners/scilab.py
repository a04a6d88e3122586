"""The Scilab port (scilab_impl/), run by scilab-cli (Debian package scilab-cli: 6.1 on Debian 12, 2024.1 on 13)."""
from __future__ import annotations

from pathlib import Path

from .base import Found, Runner


class ScilabRunner(Runner):
    name = "scilab"
    install_hint = "sudo apt-get install scilab-cli libopenblas0-pthread"
    env_var, program = "SCILAB", "scilab-cli"

    def command(self, found: Found, arg: str | Path) -> list[str]:
        # -nb: no banner; -nouserstartup: ignore ~/.scilab; the script ends with exit(), so no prompt waits.
        return [found.exe, "-nb", "-nouserstartup", "-f", str(self.entry), "-args", str(arg)]
