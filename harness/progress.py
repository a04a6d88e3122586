"""A progress bar over a run's tasks, with a detail line (round, language) for long ones, when the output is a
terminal; one line per finished task when it is not (a CI log, `| tee`, a file); nothing but messages with --quiet.

While one request keeps the run waiting, the detail says for how long (a port that makes no progress shows
as such, long before its time limit stops it); without a bar, one line says so after a minute."""
from __future__ import annotations

import sys
import threading
import time

SHOW_WAIT_S = 10.0  # the detail line shows the wait after this long
SAY_WAIT_S = 60.0  # without a bar, one line after this long


class Progress:
    def __init__(self, total: int, quiet: bool = False, terminal: bool | None = None):
        self.bar = None
        self.total, self.count, self.task, self.started = total, 0, "", time.monotonic()
        self.lines = not quiet and not (sys.stderr.isatty() if terminal is None else terminal)
        if not quiet and not self.lines:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="task", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}")
        self._lock = threading.Lock()
        self._text, self._since, self._said = "", time.monotonic(), False
        self._stop = threading.Event()
        threading.Thread(target=self._watch, daemon=True).start()

    def start(self, task: str) -> None:
        self.task, self.started = task, time.monotonic()
        if self.bar is not None:
            self.bar.set_description(f"{task:<10}")
        self.detail("")

    def detail(self, text: str) -> None:
        with self._lock:
            self._text, self._since, self._said = text, time.monotonic(), False
            if self.bar is not None:
                self.bar.set_postfix_str(text)

    def _watch(self) -> None:
        while not self._stop.wait(1.0):
            with self._lock:
                waited = time.monotonic() - self._since
                if not self._text or waited < SHOW_WAIT_S:
                    continue
                if self.bar is not None:
                    self.bar.set_postfix_str(f"{self._text} (waiting {waited:.0f} s)")
                elif waited >= SAY_WAIT_S and not self._said:
                    self._said = True
                    print(f"{self._text}: no answer for {waited:.0f} s yet", file=sys.stderr)

    def done(self) -> None:
        self.count += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.lines:
            print(f"[{self.count}/{self.total}] {self.task} done in {time.monotonic() - self.started:.1f} s",
                  file=sys.stderr, flush=True)

    def write(self, text: str) -> None:
        """A message (a failure, a download) above the bar; printed with --quiet too, which only hides the bar."""
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        self._stop.set()
        if self.bar is not None:
            self.bar.close()
