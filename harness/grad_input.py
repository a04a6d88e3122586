"""`harness grad`: validating the user's parameter and batch files, and writing the gradients back."""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from python_impl.two_layer_net import PARAM_NAMES

N_IN, N_OUT = 784, 10


class InputError(ValueError):
    """Bad user input: the message is one line naming the key and what was expected."""


def load_npz(path: Path, what: str) -> dict[str, np.ndarray]:
    try:
        loaded = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise InputError(f"{what} file {path} does not exist") from None
    except IsADirectoryError:
        raise InputError(f"{what} file {path} is a folder") from None
    except Exception:  # noqa: BLE001 - a text file, a pickle, garbage: the same user error
        raise InputError(f"{what} file {path} is not an .npz file (numpy.savez writes one, with the arrays "
                         "under their names)") from None
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise InputError(f"{what} file {path} holds a single array (.npy); save the arrays under their names "
                         "with numpy.savez")
    try:
        with loaded as z:
            return {k: z[k] for k in z.files}
    except Exception as exc:  # noqa: BLE001 - a damaged archive, an object array
        raise InputError(f"{what} file {path} is not a readable .npz file ({type(exc).__name__}: {exc})") from None


def _need(d: dict, key: str, where: str, shape_ok, expected: str, dtype_kind: str = "f") -> np.ndarray:
    if key not in d:
        raise InputError(f"{where}: missing key '{key}' (expected {expected}); it has: "
                         f"{', '.join(sorted(d)) or 'nothing'}")
    a = d[key]
    if dtype_kind == "f" and (a.dtype.kind != "f" or a.dtype.itemsize != 8):
        raise InputError(f"{where}: '{key}' has dtype {a.dtype}, expected float64 ({expected})")
    a = a.astype(np.float64)  # either byte order: native from here on
    if not shape_ok(a.shape):
        raise InputError(f"{where}: '{key}' has shape {a.shape}, expected {expected}")
    if a.dtype.kind == "f" and not np.all(np.isfinite(a)):
        raise InputError(f"{where}: '{key}' contains non-finite values (NaN or Inf)")
    return a


def validate(model: str, params: dict[str, np.ndarray], batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Checks keys, shapes, dtypes and finiteness; returns the inputs of the `grad` task."""
    P, B = "params", "batch"
    own = PARAM_NAMES if model == "two_layer_net" else ("W", "b")
    for name, d, allowed in ((P, params, own), (B, batch, ("x", "t"))):
        extra = sorted(set(d) - set(allowed))
        if extra:
            raise InputError(f"{name}: unexpected key '{extra[0]}' (expected only {', '.join(allowed)})")
    if model == "perceptron":
        W = _need(params, "W", P, lambda s: len(s) == 1 and s[0] > 0, "a vector (n,)")
        n = W.shape[0]
        b = _need(params, "b", P, lambda s: s in ((), (1,)), "a scalar")
        x = _need(batch, "x", B, lambda s: len(s) == 2 and s[0] > 0 and s[1] == n, f"(N, {n}) to match W")
        if "t" in batch and batch["t"].dtype.kind in "iub":  # 0/1 targets given as integers or booleans
            batch = {**batch, "t": batch["t"].astype(np.float64)}
        t = _need(batch, "t", B, lambda s: s == (x.shape[0],), f"({x.shape[0]},) targets")
        return {"W": W, "b": b.reshape(()), "x": x, "t": t}
    W1 = _need(params, "W1", P, lambda s: len(s) == 2 and s[0] == N_IN and s[1] > 0, f"({N_IN}, H)")
    H = W1.shape[1]
    b1 = _need(params, "b1", P, lambda s: s == (H,), f"({H},) to match W1")
    W2 = _need(params, "W2", P, lambda s: s == (H, N_OUT), f"({H}, {N_OUT})")
    b2 = _need(params, "b2", P, lambda s: s == (N_OUT,), f"({N_OUT},)")
    x = _need(batch, "x", B, lambda s: len(s) == 2 and s[0] > 0 and s[1] == N_IN, f"(N, {N_IN})")
    N = x.shape[0]
    if "t" not in batch:
        raise InputError(f"{B}: missing key 't' (expected ({N}, {N_OUT}) one-hot float64 or ({N},) integer labels)")
    t = batch["t"]
    if t.dtype.kind in "iu":
        if t.shape != (N,):
            raise InputError(f"{B}: 't' (integer labels) has shape {t.shape}, expected ({N},)")
        if t.size and (t.min() < 0 or t.max() >= N_OUT):
            raise InputError(f"{B}: 't' labels must be in 0..{N_OUT - 1}, found {t.min()}..{t.max()}")
        t = t.astype(np.int64)
    else:
        t = _need(batch, "t", B, lambda s: s == (N, N_OUT), f"({N}, {N_OUT}) one-hot float64 or ({N},) integer labels")
        bad = (t < 0).any(axis=1) | (t > 1).any(axis=1) | ~np.isclose(t.sum(axis=1), 1.0, rtol=0, atol=1e-12)
        if bad.any():
            raise InputError(f"{B}: 't' row {int(np.argmax(bad))} is not a distribution over the {N_OUT} classes "
                             "(one-hot: values in 0..1 that sum to 1)")
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "x": x, "t": t}


def check_out(out: Path, inputs: list[Path]) -> Path:
    """Where the result goes: `out`, or the file a symbolic link `out` points to (the link stays). Refused when
    it is a folder, its folder does not exist, or it is one of the user's input files."""
    target = Path(out).resolve()
    if target.is_dir():
        raise InputError(f"out: {out} is a folder; give a file name")
    if not target.parent.is_dir():
        raise InputError(f"out: folder {target.parent} does not exist")
    for given in inputs:
        if target == Path(given).resolve():
            raise InputError(f"out: {out} is an input file ({given}); it would be overwritten")
    return target


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Written to a temporary name first, so a failure leaves no partial file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp.npz")
    try:
        np.savez(tmp, **{k: np.asarray(v, dtype=np.float64) for k, v in arrays.items()})
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
