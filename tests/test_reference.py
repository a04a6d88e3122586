"""The Python reference: every layer's backward against numerical gradients, the perceptron, the two-layer net."""
from __future__ import annotations

import numpy as np
import pytest

from harness.parity import rel_diff as rel
from python_impl import perceptron
from python_impl.gradient import numerical_gradient
from python_impl.layers import Add, Affine, MatMul, Mul, Relu, Sigmoid, SoftmaxWithLoss, one_hot
from python_impl.two_layer_net import TwoLayerNet, init_params

# Central differences with h = 1e-4 on smooth functions of O(1) values: truncation error ~h^2 = 1e-8,
# rounding ~eps/h = 1e-12. 1e-7 relative (norm-wise) leaves room for the third derivatives' constants.
SMOOTH_TOL = 1e-7


@pytest.fixture
def rng():
    return np.random.default_rng(42)


def check_layer(forward, backward, inputs, rng):
    """For L = sum(forward(*inputs) * R) with a fixed random R, dL/d(input) = backward(R)."""
    out = forward(*inputs)
    R = rng.standard_normal(np.shape(out))
    analytic = backward(R)
    analytic = analytic if isinstance(analytic, tuple) else (analytic,)
    for i, x in enumerate(inputs):
        numeric = numerical_gradient(lambda: float(np.sum(forward(*inputs) * R)), x)
        assert rel(analytic[i], numeric) < SMOOTH_TOL, f"input {i}: {rel(analytic[i], numeric):.2e}"
    return out


def test_matmul(rng):
    layer = MatMul(rng.standard_normal((5, 3)))
    x = rng.standard_normal((4, 5))
    check_layer(layer.forward, layer.backward, (x,), rng)
    R = rng.standard_normal((4, 3))
    layer.forward(x)
    layer.backward(R)
    numeric = numerical_gradient(lambda: float(np.sum(layer.forward(x) * R)), layer.W)
    assert rel(layer.dW, numeric) < SMOOTH_TOL


def test_add_and_mul(rng):
    x, y = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    add, mul = Add(), Mul()
    np.testing.assert_array_equal(check_layer(add.forward, add.backward, (x, y), rng), x + y)
    np.testing.assert_array_equal(check_layer(mul.forward, mul.backward, (x, y), rng), x * y)


def test_sigmoid(rng):
    layer = Sigmoid()
    x = rng.standard_normal((4, 3))
    out = check_layer(layer.forward, layer.backward, (x,), rng)
    np.testing.assert_allclose(out, 1 / (1 + np.exp(-x)), rtol=1e-15)


def test_relu_away_from_the_kink_and_zero_gradient_at_zero(rng):
    layer = Relu()
    x = rng.standard_normal((4, 3))
    x[np.abs(x) < 0.01] = 0.5  # keep central differences off the kink
    check_layer(layer.forward, layer.backward, (x,), rng)
    z = np.array([[0.0, -1.0, 2.0]])
    assert layer.forward(z).tolist() == [[0.0, 0.0, 2.0]]
    assert layer.backward(np.ones((1, 3))).tolist() == [[0.0, 0.0, 1.0]]  # masked x <= 0, as in the book


def test_affine(rng):
    W, b = rng.standard_normal((5, 3)), rng.standard_normal(3)
    layer = Affine(W, b)
    x = rng.standard_normal((4, 5))
    check_layer(layer.forward, layer.backward, (x,), rng)
    R = rng.standard_normal((4, 3))
    for name in ("W", "b"):
        numeric = numerical_gradient(lambda: float(np.sum(layer.forward(x) * R)), getattr(layer, name))
        layer.forward(x)
        layer.backward(R)
        assert rel(getattr(layer, "d" + name), numeric) < SMOOTH_TOL, name


def test_softmax_with_loss(rng):
    x = 3 * rng.standard_normal((4, 10))
    labels = rng.integers(0, 10, 4)
    layer = SoftmaxWithLoss()
    loss = layer.forward(x, labels)
    dx = layer.backward()
    numeric = numerical_gradient(lambda: SoftmaxWithLoss().forward(x, labels), x)
    assert rel(dx, numeric) < SMOOTH_TOL
    # labels and one-hot agree; the loss is the exact mean cross-entropy, stable for huge scores
    assert SoftmaxWithLoss().forward(x, one_hot(labels, 10)) == pytest.approx(loss, rel=1e-15)
    direct = -np.mean(np.log(np.exp(x[np.arange(4), labels]) / np.exp(x).sum(axis=1)))
    assert loss == pytest.approx(direct, rel=1e-13)
    big = SoftmaxWithLoss().forward(np.array([[1000.0, 0.0]]), np.array([1]))
    assert big == pytest.approx(1000.0, rel=1e-15)


def test_perceptron_shared_factor_equals_unfactored_chain_rule(rng):
    X, Y = rng.standard_normal((6, 3)), rng.random(6)
    W, b = rng.standard_normal(3), 0.3
    E, dW, db = perceptron.gradient(W, b, X, Y)
    Z = X @ W + b
    s = 1 / (1 + np.exp(-Z))
    # unfactored: dE/dW_j = sum_i (A_i - Y_i) * s_i (1 - s_i) * X_ij, each factor computed separately
    dW_plain = np.array([sum((s[i] - Y[i]) * (s[i] * (1 - s[i])) * X[i, j] for i in range(6)) for j in range(3)])
    db_plain = sum((s[i] - Y[i]) * (s[i] * (1 - s[i])) for i in range(6))
    np.testing.assert_allclose(dW, dW_plain, rtol=1e-13)
    assert db == pytest.approx(db_plain, rel=1e-13)
    assert E == pytest.approx(0.5 * np.sum((s - Y) ** 2), rel=1e-15)
    numeric = numerical_gradient(lambda: perceptron.loss(W, b, X, Y), W)
    assert rel(dW, numeric) < SMOOTH_TOL


@pytest.mark.parametrize("gate", ["AND", "OR", "NAND"])
def test_perceptron_learns_linear_gates(gate):
    W, b, losses, solved = perceptron.train(np.zeros(2), 0.0, perceptron.GATE_INPUTS, perceptron.GATES[gate], 2000, 1.0)
    assert 0 <= solved < 2000
    np.testing.assert_array_equal(perceptron.predict(W, b, perceptron.GATE_INPUTS), perceptron.GATES[gate])
    assert losses[-1] < 0.05 and losses[-1] < losses[0]


def test_perceptron_cannot_learn_xor():
    xor = perceptron.GATES["XOR"]
    W, b, losses, solved = perceptron.train(np.zeros(2), 0.0, perceptron.GATE_INPUTS, xor, 5000, 1.0)
    assert solved == -1
    assert losses[-1] > 0.4  # stuck near 1/2: no line separates XOR


def test_two_layer_net_backprop_matches_numerical(rng):
    """Larger weights than the book's so gradients are far from zero; inputs kept away from ReLU kinks by
    checking the pre-activations. Tolerance as for smooth functions."""
    params = init_params(784, 10, 10, rng, weight_init_std=0.1)
    x, t = rng.random((3, 784)), rng.integers(0, 10, 3)
    net = TwoLayerNet(params)
    h = x @ params["W1"] + params["b1"]
    assert np.min(np.abs(h)) > 1e-3, "a pre-activation too close to the ReLU kink for this seed"
    loss, grads = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    for name in grads:
        assert rel(grads[name], numeric[name]) < SMOOTH_TOL, f"{name}: {rel(grads[name], numeric[name]):.2e}"
    assert loss == pytest.approx(net.loss(x, t), rel=1e-15)


def test_two_layer_net_accuracy_and_predict():
    params = {"W1": np.eye(784, 10), "b1": np.zeros(10), "W2": np.eye(10), "b2": np.zeros(10)}
    x = np.zeros((2, 784))
    x[0, 3], x[1, 7] = 1.0, 1.0
    net = TwoLayerNet(params)
    assert net.accuracy(x, np.array([3, 7])) == 1.0
    assert net.accuracy(x, np.array([3, 1])) == 0.5
    assert net.accuracy(x, one_hot(np.array([3, 7]), 10)) == 1.0
