"""The R port (r_impl/), run by Rscript (Debian package r-base-core: R 4.2 on Debian 12, 4.5 on Debian 13)."""
from __future__ import annotations

from pathlib import Path

from .base import Found, Runner


class RRunner(Runner):
    name = "r"
    install_hint = "sudo apt-get install r-base-core libopenblas0-pthread"
    env_var, program = "RSCRIPT", "Rscript"

    def command(self, found: Found, arg: str | Path) -> list[str]:
        # --vanilla: no site or user profile, no saved workspace, no .Renviron: only base R and the port's files.
        return [found.exe, "--vanilla", str(self.entry), str(arg)]
