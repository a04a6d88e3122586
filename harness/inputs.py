"""The inputs every language gets: made once, from a seed, by NumPy (no port draws its own numbers)."""
from __future__ import annotations

import numpy as np

from python_impl.perceptron import GATE_INPUTS, GATES
from python_impl.two_layer_net import init_params

INPUT_SIZE, OUTPUT_SIZE = 784, 10


def rng_for(seed: int, *stream: int) -> np.random.Generator:
    """An independent generator per purpose, so adding one input never shifts the others."""
    return np.random.default_rng([seed, *stream])


def net_params(seed: int, hidden: int) -> dict[str, np.ndarray]:
    return init_params(INPUT_SIZE, hidden, OUTPUT_SIZE, rng_for(seed, 1, hidden))


def grad_inputs(model: str, seed: int, batch: int = 3, hidden: int = 50, labels: bool = True) -> dict[str, np.ndarray]:
    """Inputs for the `grad` task. Two-layer net: weights larger than the book's 0.01 so that every gradient is
    far from zero and relative differences mean something; x in [0, 1) like MNIST pixels."""
    rng = rng_for(seed, 2, batch, hidden)
    if model == "perceptron":
        x = rng.random((batch, 2))
        return {"W": rng.standard_normal(2), "b": np.array(rng.standard_normal()),
                "x": x, "t": (rng.random(batch) > 0.5).astype(np.float64)}
    params = {"W1": 0.1 * rng.standard_normal((INPUT_SIZE, hidden)), "b1": 0.1 * rng.standard_normal(hidden),
              "W2": 0.1 * rng.standard_normal((hidden, OUTPUT_SIZE)), "b2": 0.1 * rng.standard_normal(OUTPUT_SIZE)}
    x = rng.random((batch, INPUT_SIZE))
    labels_ = rng.integers(0, OUTPUT_SIZE, batch)
    t = labels_.astype(np.int64) if labels else np.eye(OUTPUT_SIZE)[labels_]
    return {**params, "x": x, "t": t}


def layer_inputs(seed: int, n: int = 4, d: int = 5, m: int = 3) -> dict[str, np.ndarray]:
    """Inputs for the `layers` task. Relu's input includes exact zeros (gradient 0 there, as in the book)."""
    rng = rng_for(seed, 3)
    g = rng.standard_normal
    relu_x = g((n, m))
    relu_x[0, 0] = 0.0
    relu_x[1, 2] = 0.0
    return {
        "matmul_x": g((n, d)), "matmul_W": g((d, m)), "matmul_dout": g((n, m)),
        "add_x": g((n, m)), "add_y": g((n, m)), "add_dout": g((n, m)),
        "mul_x": g((n, m)), "mul_y": g((n, m)), "mul_dout": g((n, m)),
        "relu_x": relu_x, "relu_dout": g((n, m)),
        "sigmoid_x": g((n, m)), "sigmoid_dout": g((n, m)),
        "affine_x": g((n, d)), "affine_W": g((d, m)), "affine_b": g(m), "affine_dout": g((n, m)),
        "softmax_x": 3 * g((n, OUTPUT_SIZE)), "softmax_t": np.eye(OUTPUT_SIZE)[rng.integers(0, OUTPUT_SIZE, n)],
    }


def perceptron_inputs(seed: int, gate: str) -> dict[str, np.ndarray]:
    rng = rng_for(seed, 4)
    return {"x": GATE_INPUTS.copy(), "y": GATES[gate].copy(), "W": 0.5 * rng.standard_normal(2), "b": np.array(0.0)}


def batch_sequence(seed: int, iters: int, batch: int, n_train: int = 60000) -> np.ndarray:
    """The book's sampling: each batch drawn with replacement from all training rows (0-based)."""
    return rng_for(seed, 5).integers(0, n_train, size=(iters, batch), dtype=np.int64)
