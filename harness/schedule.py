"""The order in which languages measure within a round: shuffled per round, reproducibly from the run's seed."""
from __future__ import annotations

import zlib

import numpy as np


def round_order(langs: list[str], seed: int, quantity: str, round_no: int) -> list[str]:
    """Every language once, in an order drawn from (seed, quantity, round). `quantity` names what is measured
    (e.g. "bench hidden=50 batch=100"), so that two quantities do not share one sequence of orders."""
    rng = np.random.default_rng([seed, 7, zlib.crc32(quantity.encode()), round_no])
    return [langs[i] for i in rng.permutation(len(langs))]
