"""The Python port's checked inputs: every array and setting a task reads, checked once, with messages that name
the array and what was expected (as every port's checks do), and converted to the layout the port computes in;
the layers and the network then trust them. Part of the dispatcher (entry.py, checks.py, tasks.py, kernels.py:
the same four files in every port, docs/porting.md)."""
from __future__ import annotations

import numpy as np

from . import fused
from .train import Net
from .two_layer_net import PARAM_NAMES, TwoLayerNet

VARIANTS = ("layers", "fused")  # the book's layers, and the same step written as fast, clear code


class TaskError(ValueError):
    """A task that cannot run on what it was given: the message says which input or setting, and why."""


KINDS = {"f": "float64", "i": "int64", "u": "uint8"}


def described(a: np.ndarray) -> str:
    return f"a {a.ndim}-d {a.dtype} array of shape {a.shape}"


def require_input(inputs, name: str, ndim: int, kinds: str = "f") -> np.ndarray:
    """The input `name`, which must have `ndim` dimensions and one of the dtype kinds `kinds` (f: float64,
    i: int64, u: uint8)."""
    if name not in inputs:
        have = " ".join(inputs) or "nothing"
        raise TaskError(f"input '{name}' is missing (in/manifest.txt has: {have})")
    a = inputs[name]
    if a.ndim != ndim or a.dtype.kind not in kinds:
        wanted = " or ".join(KINDS[k] for k in kinds)
        raise TaskError(f"input '{name}' must be a {ndim}-d {wanted} array, got {described(a)}")
    return a


def scalar(inputs, name: str) -> float:
    return float(require_input(inputs, name, 0))


def setting(config, key: str, kind: type = str):
    """config.txt's value for `key`, as `kind` (str, int or float)."""
    if key not in config:
        raise TaskError(f"config.txt has no '{key}'")
    try:
        return kind(config[key])
    except ValueError:
        raise TaskError(f"config.txt: '{key} {config[key]}' is not a valid {kind.__name__}") from None


def variant_of(config) -> str:
    """The request's variant (`layers` unless given)."""
    name = config.get("variant", "layers")
    if name not in VARIANTS:
        raise TaskError(f"unknown variant {name!r} (expected layers or fused)")
    return name


def read_params(inputs) -> dict[str, np.ndarray]:
    """The network's parameters W1 (D x H), b1 (H), W2 (H x C), b2 (C), copied, with their shapes checked."""
    params = {name: require_input(inputs, name, 2 if name.startswith("W") else 1) for name in PARAM_NAMES}
    W1, b1, W2, b2 = (params[name] for name in PARAM_NAMES)
    if not (b1.shape[0] == W1.shape[1] == W2.shape[0] and b2.shape[0] == W2.shape[1]):
        shapes = ", ".join(f"{name} {params[name].shape}" for name in PARAM_NAMES)
        raise TaskError(f"parameter shapes do not fit together: {shapes}")
    return {name: p.copy() for name, p in params.items()}


def labels_of(inputs, name: str, classes: int, samples: int, one_hot: bool = False) -> np.ndarray:
    """The targets `name` for `samples` samples: int64 or uint8 labels 0..classes-1 (N), converted once to
    int64; with one_hot, also float64 one-hot rows (N x classes)."""
    t = inputs.get(name)
    if one_hot and t is not None and t.ndim == 2:
        t = require_input(inputs, name, 2)
        if t.shape != (samples, classes):
            raise TaskError(f"one-hot targets '{name}' must be {samples} x {classes}, got {t.shape}")
        return t
    t = require_input(inputs, name, 1, "iu")
    if t.shape[0] != samples:
        raise TaskError(f"{t.shape[0]} labels in '{name}' for {samples} samples")
    if t.size and (t.min() < 0 or t.max() >= classes):
        raise TaskError(f"labels in '{name}' must be 0..{classes - 1}, found {t.min()}..{t.max()}")
    return t.astype(np.int64)


def samples(inputs, name: str, params: dict[str, np.ndarray], kinds: str = "f") -> np.ndarray:
    """The samples `name` (N x D, one per row), D being what W1 expects."""
    x = require_input(inputs, name, 2, kinds)
    if x.shape[1] != params["W1"].shape[0]:
        raise TaskError(f"{name} has {x.shape[1]} features per sample, W1 expects {params['W1'].shape[0]}")
    return x


def batch(inputs, params, one_hot: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The batch x (N x D float64) and its targets t, checked against the parameters."""
    x = samples(inputs, "x", params)
    return x, labels_of(inputs, "t", params["W2"].shape[1], x.shape[0], one_hot)


def new_net(name: str, params: dict[str, np.ndarray]) -> Net:
    """A network of the variant `name` on the parameters (shared, not copied)."""
    return fused.FusedNet(params) if name == "fused" else TwoLayerNet(params)


def load_training(inputs, params) -> dict:
    """The training problem as the reference holds it, checked: images as float64 in [0, 1], labels as int64,
    batch rows 0-based (as in the files)."""
    classes = params["W2"].shape[1]
    x_train, x_test = samples(inputs, "x_train", params, "u"), samples(inputs, "x_test", params, "u")
    batches = require_input(inputs, "batches", 2, "i")
    if batches.size and (batches.min() < 0 or batches.max() >= x_train.shape[0]):
        raise TaskError(f"batch rows must be 0..{x_train.shape[0] - 1}, found {batches.min()}..{batches.max()}")
    return {"x_train": x_train.astype(np.float64) / 255.0,
            "t_train": labels_of(inputs, "t_train", classes, x_train.shape[0]),
            "x_test": x_test.astype(np.float64) / 255.0,
            "t_test": labels_of(inputs, "t_test", classes, x_test.shape[0]), "batches": batches}
