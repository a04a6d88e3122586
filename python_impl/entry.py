"""The Python port's entry point: `python -m python_impl.entry TASK` (tasks in docs/interchange.md)."""
from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

from harness.interchange import read_arrays, read_config, write_arrays

from . import perceptron
from .layers import Add, Affine, MatMul, Mul, Relu, Sigmoid, SoftmaxWithLoss
from .train import sgd_step, train
from .two_layer_net import PARAM_NAMES, TwoLayerNet


def task_info(config, inputs, out_dir: Path) -> dict:
    try:
        from threadpoolctl import threadpool_info
        blas = [p for p in threadpool_info() if p.get("user_api") == "blas"]
    except ImportError:
        blas = []
    lines = [f"version Python {platform.python_version()}, NumPy {np.__version__}"]
    if blas:
        b = blas[0]
        lines.append(f"blas {b.get('internal_api')} {b.get('version')} ({b.get('architecture')}) {b.get('filepath')}")
        lines.append(f"blas_threads {b.get('num_threads')}")
    else:
        lines.append("blas unknown (threadpoolctl not installed)")
        lines.append("blas_threads unknown")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "info.txt").write_text("\n".join(lines) + "\n")
    return {}


def task_grad(config, inputs, out_dir: Path) -> dict:
    x, t = inputs["x"], inputs["t"]
    if config["model"] == "perceptron":
        W, b = inputs["W"].copy(), float(inputs["b"])
        if config.get("numerical") == "1":
            from .gradient import numerical_gradient
            bb = np.array([b])
            f = lambda: perceptron.loss(W, bb[0], x, t)  # noqa: E731
            return {"loss": perceptron.loss(W, b, x, t), "W": numerical_gradient(f, W),
                    "b": numerical_gradient(f, bb).reshape(())}
        loss, dW, db = perceptron.gradient(W, b, x, t)
        return {"loss": loss, "W": dW, "b": db}
    net = TwoLayerNet({k: inputs[k].copy() for k in PARAM_NAMES})
    if config.get("numerical") == "1":
        grads = net.numerical_gradient(x, t)
        return {"loss": net.loss(x, t), **grads}
    loss, grads = net.gradient(x, t)
    return {"loss": loss, **grads}


def task_layers(config, inputs, out_dir: Path) -> dict:
    g = inputs
    out = {}
    layer = MatMul(g["matmul_W"])
    out["matmul_out"] = layer.forward(g["matmul_x"])
    out["matmul_dx"] = layer.backward(g["matmul_dout"])
    out["matmul_dW"] = layer.dW
    layer = Add()
    out["add_out"] = layer.forward(g["add_x"], g["add_y"])
    out["add_dx"], out["add_dy"] = layer.backward(g["add_dout"])
    layer = Mul()
    out["mul_out"] = layer.forward(g["mul_x"], g["mul_y"])
    out["mul_dx"], out["mul_dy"] = layer.backward(g["mul_dout"])
    layer = Relu()
    out["relu_out"] = layer.forward(g["relu_x"])
    out["relu_dx"] = layer.backward(g["relu_dout"])
    layer = Sigmoid()
    out["sigmoid_out"] = layer.forward(g["sigmoid_x"])
    out["sigmoid_dx"] = layer.backward(g["sigmoid_dout"])
    layer = Affine(g["affine_W"], g["affine_b"])
    out["affine_out"] = layer.forward(g["affine_x"])
    out["affine_dx"] = layer.backward(g["affine_dout"])
    out["affine_dW"], out["affine_db"] = layer.dW, layer.db
    layer = SoftmaxWithLoss()
    out["softmax_loss"] = layer.forward(g["softmax_x"], g["softmax_t"])
    out["softmax_dx"] = layer.backward(1.0)
    return out


def task_perceptron(config, inputs, out_dir: Path) -> dict:
    epochs, lr, repeats = int(config["epochs"]), float(config["lr"]), int(config["repeats"])
    x, y, W0, b0 = inputs["x"], inputs["y"], inputs["W"], float(inputs["b"])
    times = np.empty(repeats)
    start = time.perf_counter()
    result = perceptron.train(W0, b0, x, y, epochs, lr)
    first = time.perf_counter() - start
    for r in range(repeats):
        start = time.perf_counter()
        result = perceptron.train(W0, b0, x, y, epochs, lr)
        times[r] = time.perf_counter() - start
    W, b, losses, solved = result
    return {"W": W, "b": b, "losses": losses, "solved_epoch": float(solved), "first_time": first, "times": times}


def task_train(config, inputs, out_dir: Path) -> dict:
    net = TwoLayerNet({k: inputs[k].copy() for k in PARAM_NAMES})
    x_train = inputs["x_train"].astype(np.float64) / 255.0
    x_test = inputs["x_test"].astype(np.float64) / 255.0
    t_train, t_test = inputs["t_train"].astype(np.int64), inputs["t_test"].astype(np.int64)
    iters = inputs["batches"].shape[0]

    def progress(i: int) -> None:
        print(f"progress {i} {iters}", flush=True)

    result = train(net, x_train, t_train, x_test, t_test, inputs["batches"], float(config["lr"]),
                   int(config["eval_every"]), progress)
    return {**result, **net.params}


def task_bench(config, inputs, out_dir: Path) -> dict:
    lr, warmup, repeats, inner = float(config["lr"]), int(config["warmup"]), int(config["repeats"]), int(config["inner"])
    net = TwoLayerNet({k: inputs[k].copy() for k in PARAM_NAMES})
    x, t = inputs["x"], inputs["t"]
    start = time.perf_counter()
    sgd_step(net, x, t, lr)
    first = time.perf_counter() - start
    for _ in range(warmup):
        sgd_step(net, x, t, lr)
    step_times = np.empty(repeats)
    for r in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            sgd_step(net, x, t, lr)
        step_times[r] = (time.perf_counter() - start) / inner
    # The step's six matrix products alone, same shapes.
    W1, W2 = net.params["W1"], net.params["W2"]
    h = x @ W1
    dy = h @ W2
    dh = dy @ W2.T
    for _ in range(warmup):
        x @ W1, h @ W2, dy @ W2.T, h.T @ dy, dh @ W1.T, x.T @ dh
    blas_times = np.empty(repeats)
    for r in range(repeats):
        start = time.perf_counter()
        for _ in range(inner):
            x @ W1, h @ W2, dy @ W2.T, h.T @ dy, dh @ W1.T, x.T @ dh
        blas_times[r] = (time.perf_counter() - start) / inner
    return {"first_step": first, "step_times": step_times, "blas_times": blas_times}


TASKS = {"noop": lambda c, i, o: {}, "info": task_info, "grad": task_grad, "layers": task_layers,
         "perceptron": task_perceptron, "train": task_train, "bench": task_bench}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("error: usage: python -m python_impl.entry TASK_FOLDER", file=sys.stderr)
        return 2
    task_dir = Path(argv[0])
    try:
        config = read_config(task_dir)
        inputs = read_arrays(task_dir / "in") if (task_dir / "in" / "manifest.txt").exists() else {}
        task = TASKS[config["task"]]
        result = task(config, inputs, task_dir / "out")
        write_arrays(task_dir / "out", {k: np.asarray(v, dtype=np.float64) for k, v in result.items()})
    except Exception as exc:  # one line for the harness, whatever went wrong
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
