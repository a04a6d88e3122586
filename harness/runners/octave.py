"""The MATLAB-language port (octave_impl/), run by GNU Octave's octave-cli (Debian package octave: 7.3 on
Debian 12, 9.4 on Debian 13)."""
from __future__ import annotations

import re
from pathlib import Path
from typing import Callable

from .base import REPO, Found, PortError, Runner, TaskResult, from_env, which

ENTRY = REPO / "octave_impl" / "entry.m"

# Octave 7 may print this at exit, after a script's own output, whatever happened before (DESIGN.md): it is
# never the reason a task failed.
EXIT_NOISE = re.compile(r"^error: ignoring .*(execution_exception|while preparing to exit)")


def failure_reason(output: str) -> str | None:
    """The line that explains a failed run: the first `error:` (or `parse error`) line that is not the exit noise."""
    for line in output.splitlines():
        s = line.strip()
        if EXIT_NOISE.match(s):
            continue
        if s.lower().startswith("error") or s.startswith("parse error"):
            return s
    return None


class OctaveRunner(Runner):
    name = "octave"
    install_hint = "sudo apt-get install octave libopenblas0-pthread"

    def find(self) -> Found | None:
        found = from_env("OCTAVE")
        if found is not None:
            return found
        path = which("octave-cli")
        return Found(path, "octave-cli on PATH") if path else None

    def missing_reason(self) -> str:
        return f"octave-cli not found ($OCTAVE unset and no octave-cli on PATH); install it: {self.install_hint}"

    def command(self, found: Found, task_dir: Path) -> list[str]:
        # --norc: no ~/.octaverc or site startup files; --quiet: no banner. entry.m adds its folder to the path.
        return [found.exe, "--norc", "--quiet", str(ENTRY), str(task_dir)]

    def _launch(self, found: Found, task_dir: Path, timeout: float, threads: int,
                on_progress: Callable[[int, int], None] | None) -> TaskResult:
        try:
            return super()._launch(found, task_dir, timeout, threads, on_progress)
        except PortError as exc:
            # The base runner names the first line starting with "error"; make sure that is not Octave's
            # exit-time message when the port printed a real one (or when it printed none at all).
            if EXIT_NOISE.match(exc.reason):
                reason = failure_reason(exc.tail) or "exited with an error (Octave printed only its exit-time message)"
                raise PortError(exc.lang, reason, exc.tail) from None
            raise
