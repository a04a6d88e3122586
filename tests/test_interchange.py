from __future__ import annotations

import numpy as np
import pytest

from harness.interchange import InterchangeError, read_arrays, read_config, write_arrays, write_config


def test_round_trip_keeps_values_shapes_and_dtypes(tmp_path):
    arrays = {"W1": np.arange(12.0).reshape(3, 4), "b": np.array(2.5),
              "idx": np.array([[0, 5], [7, 9]], dtype=np.int64), "img": np.arange(6, dtype=np.uint8).reshape(2, 3),
              "v": np.linspace(0, 1, 5), "empty": np.zeros((0, 3))}
    write_arrays(tmp_path, arrays)
    back = read_arrays(tmp_path)
    for k, v in arrays.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape
        np.testing.assert_array_equal(back[k], v)
    assert (tmp_path / "manifest.txt").read_text().splitlines()[1] == "W1 float64 C 2 3 4"


def test_column_major_order_is_honoured(tmp_path):
    """A port may write F order: bytes of a 2x3 array column by column."""
    a = np.arange(6.0).reshape(2, 3)
    a.T.copy().tofile(tmp_path / "a.bin")  # column-major bytes of a
    (tmp_path / "manifest.txt").write_text("nnbench-interchange 1\na float64 F 2 2 3\n")
    np.testing.assert_array_equal(read_arrays(tmp_path)["a"], a)


@pytest.mark.parametrize("manifest, match", [
    ("wrong magic\n", "first line"),
    ("nnbench-interchange 1\na float32 C 1 2\n", "bad line"),
    ("nnbench-interchange 1\na float64 X 1 2\n", "bad line"),
    ("nnbench-interchange 1\na float64 C 2 2\n", "bad line"),
    ("nnbench-interchange 1\na float64 C 1 3\n", "expected 3 values"),
])
def test_bad_folders_are_rejected(tmp_path, manifest, match):
    np.zeros(2).tofile(tmp_path / "a.bin")
    (tmp_path / "manifest.txt").write_text(manifest)
    with pytest.raises(InterchangeError, match=match):
        read_arrays(tmp_path)


def test_config(tmp_path):
    write_config(tmp_path, {"task": "grad", "lr": 0.1})
    assert read_config(tmp_path) == {"task": "grad", "lr": "0.1"}
