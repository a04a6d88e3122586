"""The MATLAB-language port (octave_impl/), run by GNU Octave's octave-cli (Debian package octave: 7.3 on
Debian 12, 9.4 on Debian 13)."""
from __future__ import annotations

import re
from pathlib import Path

from .base import Found, Runner

# Octave 7 may print this at exit, after a script's own output, whatever happened before (docs/design.md,
# "Runtimes"): it is never the reason a task failed.
EXIT_NOISE = re.compile(r"^error: ignoring .*(execution_exception|while preparing to exit)")


class OctaveRunner(Runner):
    name = "octave"
    install_hint = "sudo apt-get install octave libopenblas0-pthread"
    env_var, program = "OCTAVE", "octave-cli"

    def command(self, found: Found, arg: str | Path) -> list[str]:
        # --norc: no ~/.octaverc or site startup files; --quiet: no banner. entry.m adds its folder to the path.
        return [found.exe, "--norc", "--quiet", str(self.entry), str(arg)]

    def failure_reason(self, output: str) -> str | None:
        """The first `error:` (or `parse error`) line that is not Octave's exit-time noise."""
        for line in output.splitlines():
            s = line.strip()
            if EXIT_NOISE.match(s):
                continue
            if s.lower().startswith("error") or s.startswith("parse error"):
                return s
        return None
