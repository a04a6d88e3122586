"""A progress bar over a run's tasks, with a detail line (round, language) for long ones; no bar with --quiet."""
from __future__ import annotations

import sys


class Progress:
    def __init__(self, total: int, quiet: bool = False):
        self.bar = None
        if not quiet:
            from tqdm import tqdm
            self.bar = tqdm(total=total, unit="task", file=sys.stderr, dynamic_ncols=True,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}")

    def start(self, task: str) -> None:
        if self.bar is not None:
            self.bar.set_description(f"{task:<10}")
            self.bar.set_postfix_str("")

    def detail(self, text: str) -> None:
        if self.bar is not None:
            self.bar.set_postfix_str(text)

    def done(self) -> None:
        if self.bar is not None:
            self.bar.update(1)

    def write(self, text: str) -> None:
        """A message (a failure, a download) above the bar; printed with --quiet too, which only hides the bar."""
        if self.bar is not None:
            self.bar.write(text, file=sys.stderr)
        else:
            print(text, file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
