"""Comparing what the languages computed: the tolerances, the differences, and the verdict on a task's results
(every participant against Python's layered code, a fused variant also against its own layered code)."""
from __future__ import annotations

import numpy as np

from .languages import REFERENCE
from .results import Row
from .rounds import Outcome
from .runners import PortError
from .settings import Participant

GRAD_TOL = 1e-12  # norm-wise relative, port backprop vs reference backprop (same maths, different rounding)
LAYER_TOL = 1e-12
TRAIN_LOSS_TOL = 1e-9  # relative, at every recorded step of a short training run
# The benchmark's own parity on long runs (the book's 10000 steps, the perceptron's 2000 epochs): rounding
# differences of 1e-16 could grow over so many updates, so the bound is looser; a port that computes something
# else is off by far more than this.
RUN_TRAIN_TOL = 1e-6
# Backprop vs central differences (h = 1e-4) inside one language: truncation error is ~1e-8 relative for the
# smooth parts; a perturbation that crosses a ReLU kink can do worse in W1/b1 (docs/design.md).
NUMERICAL_TOL = 1e-6


def rel_diff(a: np.ndarray, ref: np.ndarray, floor: float = 0.0) -> float:
    """Norm-wise relative difference ||a - ref|| / max(||ref||, floor) (absolute when that is 0; inf on a shape
    mismatch). A floor keeps arrays that shrink to rounding noise (the perceptron's XOR weights) from
    turning agreement to 1e-16 into a large relative number."""
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    diff = float(np.linalg.norm((a - ref).ravel()))
    scale = max(float(np.linalg.norm(ref.ravel())), floor)
    return diff / scale if scale > 0 else diff


def max_rel_each(a: np.ndarray, ref: np.ndarray) -> float:
    """The largest element-wise relative difference |a - ref| / |ref| (absolute where ref is 0; inf on a shape
    mismatch): for curves such as a loss per step, where every point must agree, not just the whole."""
    a, ref = np.asarray(a, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    if a.shape != ref.shape:
        return float("inf")
    if not a.size:
        return 0.0
    scale = np.where(ref == 0, 1.0, np.abs(ref))
    return float(np.max(np.abs(a - ref) / scale))


CURVES = {("train", "loss"), ("perceptron", "losses")}  # compared point by point


def difference(task: str, name: str, got: np.ndarray, base: np.ndarray, floor: float = 0.0) -> float:
    """How far one result array is from its base: point by point for a curve (CURVES: every step of a loss must
    agree), norm-wise otherwise. The one measure `run` (verify) and `check` both judge by."""
    return max_rel_each(got, base) if (task, name) in CURVES else rel_diff(got, base, floor)


def differences(task: str, got: dict, base: dict, names, floor: float = 0.0) -> dict[str, float]:
    """difference() for each name; an array missing from `got` is infinitely far."""
    return {n: difference(task, n, got[n], base[n], floor) if n in got else float("inf") for n in names}


def within(value: float, tol: float) -> bool:
    """The verdict on one difference: finite and at most the tolerance (NaN never passes)."""
    return bool(np.isfinite(value) and value <= tol)


def verify(out: Outcome, task: str, case: str, got: dict[Participant, dict], names: list[str], tol: float,
           floor: float = 0.0) -> None:
    """Compares every participant's results with Python's layered code, the reference, and a fused variant's also
    with its own language's layered code: rows for the report (vs_python_rel, vs_layers_rel), and a failure
    beyond `tol`. Without Python's result there is nothing to check against, and the others fail as unchecked."""
    ref = got.get(Participant(REFERENCE))
    for who, res in got.items():
        if who == Participant(REFERENCE):
            continue
        if ref is None:
            out.unchecked.add(who)
            out.fail(who, f"{case or task}: unchecked: Python, the reference, has no result to compare with")
            continue
        lang, variant = who
        against = {"vs_python_rel": ("Python", ref)}
        if lang != REFERENCE and variant != "layers" and Participant(lang) in got:
            against["vs_layers_rel"] = (f"{lang}'s layered code", got[Participant(lang)])
        wrong = []
        for metric, (name, base) in against.items():
            rows = [Row(lang, task, case, metric, n, value, "",
                        "largest relative difference over the curve" if (task, n) in CURVES else "norm-wise", variant)
                    for n, value in differences(task, res, base, names, floor).items()]
            out.rows += rows
            wrong += [f"{r.index} of {r.case or r.task} differs from {name}'s by {r.value:.2e} (tolerance {tol:g})"
                      for r in rows if not within(r.value, tol)]
        if wrong:
            out.fail(who, "parity: " + "; ".join(wrong))


def need(who: Participant, task: str, out: dict, shapes: dict[str, tuple]) -> None:
    """Raises PortError unless the port's result has every named array, in its shape, all finite."""
    lang = who.lang
    for name, shape in shapes.items():
        if name not in out:
            raise PortError(lang, f"{task}: the result has no {name!r}")
        if out[name].shape != shape:
            raise PortError(lang, f"{task}: {name} has shape {out[name].shape}, expected {shape}")
        if not np.all(np.isfinite(out[name])):
            raise PortError(lang, f"{task}: {name} has non-finite values")
