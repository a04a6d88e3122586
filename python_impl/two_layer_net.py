"""The two-layer net of "Deep Learning from Scratch", chapter 5: Affine -> Relu -> Affine -> SoftmaxWithLoss."""
from __future__ import annotations

import numpy as np

from .gradient import numerical_gradient
from .layers import Affine, Relu, SoftmaxWithLoss

PARAM_NAMES = ("W1", "b1", "W2", "b2")


def init_params(input_size: int, hidden_size: int, output_size: int, rng: np.random.Generator,
                weight_init_std: float = 0.01) -> dict[str, np.ndarray]:
    """Weights 0.01 * N(0, 1), biases zero (the book's initialisation)."""
    return {
        "W1": weight_init_std * rng.standard_normal((input_size, hidden_size)),
        "b1": np.zeros(hidden_size),
        "W2": weight_init_std * rng.standard_normal((hidden_size, output_size)),
        "b2": np.zeros(output_size),
    }


class TwoLayerNet:
    """The network's layers are named and ordered, as in the book (an ordered dict: Affine1, Relu1, Affine2),
    SoftmaxWithLoss is its last layer; the parameters are shared with the layers, not copied."""

    def __init__(self, params: dict[str, np.ndarray]):
        self.params = params
        self.layers = {
            "Affine1": Affine(params["W1"], params["b1"]),
            "Relu1": Relu(),
            "Affine2": Affine(params["W2"], params["b2"]),
        }
        self.last_layer = SoftmaxWithLoss()

    def predict(self, x: np.ndarray) -> np.ndarray:
        for layer in self.layers.values():
            x = layer.forward(x)
        return x

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        return self.last_layer.forward(self.predict(x), t)

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        y = np.argmax(self.predict(x), axis=1)
        labels = np.argmax(t, axis=1) if t.ndim == 2 else t
        return float(np.sum(y == labels)) / x.shape[0]

    def gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """Backprop: returns (loss, gradients named as the parameters)."""
        L = self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        affine1, affine2 = self.layers["Affine1"], self.layers["Affine2"]
        return L, {"W1": affine1.dW, "b1": affine1.db, "W2": affine2.dW, "b2": affine2.db}

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """Central differences of the loss with respect to every parameter."""
        return {name: numerical_gradient(lambda: self.loss(x, t), self.params[name]) for name in PARAM_NAMES}
