"""The command line's argument types and checks: a wrong argument is one line and exit code 2."""
from __future__ import annotations

import argparse
import sys

from .runners import LANGS


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def positive_number(text: str) -> float:
    """A finite number above 0 (seconds, a learning rate)."""
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {text!r}")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 4294967295, got {text!r}")
    return value


def usage_error(message: str):
    """Wrong arguments: one line, exit code 2 (as argparse does)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_list(text: str, known: tuple[str, ...], what: str) -> list[str]:
    """A comma-separated choice from `known` (or all): each named once, at least one."""
    items = [x.strip() for x in text.split(",") if x.strip()]
    if items == ["all"]:
        return list(known)
    if not items:
        usage_error(f"no {what} given; choose from {', '.join(known)} (or all)")
    unknown = [x for x in items if x not in known]
    if unknown:
        usage_error(f"unknown {what} {unknown[0]!r}; choose from {', '.join(known)} (or all)")
    twice = [x for i, x in enumerate(items) if x in items[:i]]
    if twice:
        usage_error(f"{what} {twice[0]!r} named twice")
    return items


def parse_langs(text: str | None) -> list[str]:
    return parse_list(text or "all", LANGS, "language")
