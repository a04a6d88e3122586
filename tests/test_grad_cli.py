"""`python -m harness grad`: files in, files out, checked against an independent implementation of the maths."""
from __future__ import annotations

import numpy as np
import pytest

from harness.cli import main
from harness.parity import rel_diff as rel

LANG = "python"  # the other languages' tests run the same comparisons through harness.check


def independent_two_layer(W1, b1, W2, b2, x, labels):
    """Written apart from python_impl: einsum and explicit indices, no layer objects."""
    n = x.shape[0]
    a1 = np.einsum("nd,dh->nh", x, W1) + b1
    h = np.where(a1 > 0, a1, 0.0)
    s = np.einsum("nh,hc->nc", h, W2) + b2
    lse = np.logaddexp.reduce(s, axis=1)
    loss = np.mean(lse - s[np.arange(n), labels])
    ds = np.exp(s - lse[:, None])
    ds[np.arange(n), labels] -= 1.0
    ds /= n
    dW2, db2 = np.einsum("nh,nc->hc", h, ds), ds.sum(axis=0)
    da1 = np.einsum("nc,hc->nh", ds, W2) * (a1 > 0)
    return loss, {"W1": np.einsum("nd,nh->dh", x, da1), "b1": da1.sum(axis=0), "W2": dW2, "b2": db2}


def independent_perceptron(W, b, x, t):
    a = 1 / (1 + np.exp(-(x @ W + b)))
    loss = 0.5 * np.sum((a - t) ** 2)
    g = (a - t) * a * (1 - a)
    return loss, {"W": x.T @ g, "b": np.sum(g)}


@pytest.fixture
def two_layer_files(tmp_path):
    rng = np.random.default_rng(7)
    H, N = 50, 8
    P = {"W1": 0.1 * rng.standard_normal((784, H)), "b1": 0.1 * rng.standard_normal(H),
         "W2": 0.1 * rng.standard_normal((H, 10)), "b2": 0.1 * rng.standard_normal(10)}
    labels = rng.integers(0, 10, N)
    B = {"x": rng.random((N, 784)), "t": labels}
    np.savez(tmp_path / "P.npz", **P)
    np.savez(tmp_path / "B.npz", **B)
    return tmp_path, P, B


def run_grad(folder, model="two_layer_net", extra=()):
    return main(["grad", "--lang", LANG, "--model", model, "--params", str(folder / "P.npz"),
                 "--batch", str(folder / "B.npz"), "--out", str(folder / "G.npz"), *extra])


def test_two_layer_net_matches_independent_implementation(two_layer_files):
    folder, P, B = two_layer_files
    assert run_grad(folder) == 0
    G = np.load(folder / "G.npz")
    loss, grads = independent_two_layer(*(P[k] for k in ("W1", "b1", "W2", "b2")), B["x"], B["t"])
    assert G["loss"].shape == () and abs(G["loss"] - loss) / loss < 1e-12
    for name, g in grads.items():
        assert G[name].shape == P[name].shape and G[name].dtype == np.float64
        assert rel(G[name], g) < 1e-10, name


def test_one_hot_targets_give_the_same_gradients(two_layer_files):
    folder, P, B = two_layer_files
    assert run_grad(folder) == 0
    by_labels = dict(np.load(folder / "G.npz"))
    np.savez(folder / "B.npz", x=B["x"], t=np.eye(10)[B["t"]])
    assert run_grad(folder) == 0
    G = np.load(folder / "G.npz")
    for name, g in by_labels.items():
        np.testing.assert_allclose(G[name], g, rtol=1e-14, atol=1e-300)


def test_perceptron_matches_independent_implementation(tmp_path):
    rng = np.random.default_rng(3)
    P = {"W": rng.standard_normal(3), "b": np.array(0.2)}
    B = {"x": rng.standard_normal((6, 3)), "t": rng.random(6)}
    np.savez(tmp_path / "P.npz", **P)
    np.savez(tmp_path / "B.npz", **B)
    assert run_grad(tmp_path, "perceptron") == 0
    G = np.load(tmp_path / "G.npz")
    loss, grads = independent_perceptron(P["W"], float(P["b"]), B["x"], B["t"])
    assert abs(G["loss"] - loss) / loss < 1e-12
    assert rel(G["W"], grads["W"]) < 1e-10 and abs(G["b"] - grads["b"]) / abs(grads["b"]) < 1e-10
    assert run_grad(tmp_path, "perceptron", ["--numerical"]) == 0
    N = np.load(tmp_path / "G.npz")
    assert rel(N["W"], grads["W"]) < 1e-7  # central differences, h = 1e-4


@pytest.mark.parametrize("change, message", [
    (lambda P, B: P.pop("b2"), "missing key 'b2'"),
    (lambda P, B: P.update(W2=np.zeros((50, 9))), "'W2' has shape (50, 9), expected (50, 10)"),
    (lambda P, B: P.update(W1=P["W1"].astype(np.float32)), "'W1' has dtype float32, expected float64"),
    (lambda P, B: P["b1"].__setitem__(0, np.nan), "'b1' contains non-finite"),
    (lambda P, B: B.update(x=np.zeros((8, 100))), "'x' has shape (8, 100), expected (N, 784)"),
    (lambda P, B: B.update(t=np.full(8, 12)), "labels must be in 0..9"),
    (lambda P, B: B.update(t=np.zeros((8, 3))), "'t' has shape (8, 3)"),
    (lambda P, B: P.update(extra=np.zeros(1)), "unexpected key 'extra'"),
    (lambda P, B: B.update(t=np.full((8, 10), 0.7)), "'t' row 0 is not a distribution over the 10 classes"),
    (lambda P, B: B.update(t=7.0 * np.eye(10)[np.arange(8) % 10]), "'t' row 0 is not a distribution"),
])
def test_bad_input_is_one_line_exit_2_and_nothing_written(two_layer_files, capsys, change, message):
    folder, P, B = two_layer_files
    P, B = dict(P), dict(B)
    change(P, B)
    np.savez(folder / "P.npz", **P)
    np.savez(folder / "B.npz", **B)
    assert run_grad(folder) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (folder / "G.npz").exists()


def test_output_folder_that_does_not_exist_is_a_clear_error(two_layer_files, capsys):
    folder, _, _ = two_layer_files
    code = main(["grad", "--lang", LANG, "--model", "two_layer_net", "--params", str(folder / "P.npz"),
                 "--batch", str(folder / "B.npz"), "--out", str(folder / "no" / "G.npz")])
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert "does not exist" in err and len(err.splitlines()) == 1, err


@pytest.mark.parametrize("write, message", [
    (lambda p: p.write_text("not a zip"), "is not an .npz file (numpy.savez writes one"),
    (lambda p: np.save(p.with_suffix(".npy"), np.zeros(3)) or p.with_suffix(".npy").rename(p),
     "holds a single array (.npy); save the arrays under their names with numpy.savez"),
])
def test_unreadable_file_is_a_clear_error(tmp_path, capsys, write, message):
    write(tmp_path / "P.npz")
    np.savez(tmp_path / "B.npz", x=np.zeros((1, 784)), t=np.zeros(1, dtype=np.int64))
    assert run_grad(tmp_path) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
    assert not (tmp_path / "G.npz").exists()


@pytest.mark.parametrize("out, message", [("P.npz", "is an input file"), ("B.npz", "is an input file"),
                                          (".", "is a folder; give a file name")])
def test_an_output_that_would_overwrite_an_input_or_is_a_folder_is_refused(two_layer_files, capsys, out, message):
    folder, _, _ = two_layer_files
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    code = main(["grad", "--lang", LANG, "--model", "two_layer_net", "--params", str(folder / "P.npz"),
                 "--batch", str(folder / "B.npz"), "--out", str(folder / out)])
    assert code == 2 and message in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before  # nothing written, nothing left


def test_a_symbolic_link_out_is_written_through(two_layer_files):
    folder, _, _ = two_layer_files
    (folder / "results").mkdir()
    (folder / "G.npz").symlink_to(folder / "results" / "G.npz")
    assert run_grad(folder) == 0
    assert (folder / "G.npz").is_symlink() and "loss" in np.load(folder / "results" / "G.npz")


def test_big_endian_float64_and_integer_perceptron_targets_are_accepted(tmp_path):
    rng = np.random.default_rng(3)
    P = {"W": rng.standard_normal(2).astype(">f8"), "b": np.array(0.2, dtype=">f8")}
    B = {"x": np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]), "t": np.array([0, 0, 0, 1])}
    np.savez(tmp_path / "P.npz", **P)
    np.savez(tmp_path / "B.npz", **B)
    assert run_grad(tmp_path, "perceptron") == 0
    loss, grads = independent_perceptron(P["W"].astype(np.float64), 0.2, B["x"], B["t"].astype(np.float64))
    G = np.load(tmp_path / "G.npz")
    assert abs(G["loss"] - loss) / loss < 1e-12 and rel(G["W"], grads["W"]) < 1e-10
