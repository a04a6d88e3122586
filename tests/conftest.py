"""Shared test helpers."""
from __future__ import annotations

import os

import pytest

from harness.runners import RUNNERS


def require_lang(lang: str) -> None:
    """Skips the calling test when `lang`'s runtime is missing, unless NNBENCH_REQUIRE_LANGS names it
    (or says "all"): then a missing runtime is a failure, as it must be in CI after the set-up."""
    runner = RUNNERS.get(lang)
    if runner is not None and runner.available():
        return
    wanted = {w.strip() for w in os.environ.get("NNBENCH_REQUIRE_LANGS", "").split(",")}
    reason = runner.missing_reason() if runner is not None else f"no runner for {lang}"
    if lang in wanted or "all" in wanted:
        pytest.fail(f"{lang} is required (NNBENCH_REQUIRE_LANGS) but unavailable: {reason}")
    pytest.skip(f"{lang} unavailable: {reason}")
