"""The Python port's tasks (docs/interchange.md), each with the same signature: (configuration, inputs, state) ->
(results by name, state). The state is what a worker keeps between requests (held training runs and bench
cases); a task that keeps nothing hands it back as it came. Part of the dispatcher (entry.py,
checks.py, tasks.py, kernels.py: the same four files in every port, docs/porting.md)."""
from __future__ import annotations

import time

import numpy as np

from . import fused, perceptron
from .checks import TaskError, batch, load_training, new_net, read_params, require_input, scalar, setting, variant_of
from .info import info
from .kernels import time_products, time_runs, time_steps
from .layers import Add, Affine, MatMul, Mul, Relu, Sigmoid, SoftmaxWithLoss
from .train import accuracy, step, step_peak_bytes, train_steps
from .two_layer_net import TwoLayerNet


def task_info(config, inputs, state: dict) -> tuple[dict, dict]:
    """No arrays; the facts of info.py, which the protocol writes to out/info.txt."""
    return {"info": info()}, state


def task_grad(config, inputs, state: dict) -> tuple[dict, dict]:
    model = setting(config, "model")
    numerical = config.get("numerical") == "1"
    if model == "perceptron":
        x = require_input(inputs, "x", 2)
        W, b, t = require_input(inputs, "W", 1).copy(), scalar(inputs, "b"), require_input(inputs, "t", 1)
        if W.shape[0] != x.shape[1] or t.shape[0] != x.shape[0]:
            raise TaskError(f"perceptron: x {x.shape}, W {W.shape} and t {t.shape} do not fit together")
        if numerical:
            from .gradient import numerical_gradient
            bb = np.array([b])
            f = lambda: perceptron.loss(W, bb[0], x, t)  # noqa: E731
            return {"loss": perceptron.loss(W, b, x, t), "W": numerical_gradient(f, W),
                    "b": numerical_gradient(f, bb).reshape(())}, state
        E, dW, db = perceptron.gradient(W, b, x, t)
        return {"loss": E, "W": dW, "b": db}, state
    if model != "two_layer_net":
        raise TaskError(f"unknown model {model!r} (two_layer_net or perceptron)")
    params = read_params(inputs)
    x, t = batch(inputs, params, one_hot=True)
    net = TwoLayerNet(params)
    if numerical:
        grads = net.numerical_gradient(x, t)
        return {"loss": net.loss(x, t), **grads}, state
    L, grads = net.gradient(x, t)
    return {"loss": L, **grads}, state


LAYER_INPUTS = {"matmul_x": 2, "matmul_W": 2, "matmul_dout": 2, "add_x": 2, "add_y": 2, "add_dout": 2,
                "mul_x": 2, "mul_y": 2, "mul_dout": 2, "relu_x": 2, "relu_dout": 2, "sigmoid_x": 2,
                "sigmoid_dout": 2, "affine_x": 2, "affine_W": 2, "affine_b": 1, "affine_dout": 2, "softmax_x": 2,
                "softmax_t": 2}


def task_layers(config, inputs, state: dict) -> tuple[dict, dict]:
    g = {name: require_input(inputs, name, ndim) for name, ndim in LAYER_INPUTS.items()}
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
    return out, state


def task_perceptron(config, inputs, state: dict) -> tuple[dict, dict]:
    epochs, lr, repeats = setting(config, "epochs", int), setting(config, "lr", float), setting(config, "repeats", int)
    x, y = require_input(inputs, "x", 2), require_input(inputs, "y", 1)
    W0, b0 = require_input(inputs, "W", 1), scalar(inputs, "b")
    if W0.shape[0] != x.shape[1] or y.shape[0] != x.shape[0]:
        raise TaskError(f"perceptron: x {x.shape}, W {W0.shape} and y {y.shape} do not fit together")
    learn = fused.fused_perceptron_train if variant_of(config) == "fused" else perceptron.train
    (W, b, losses, solved), first, times = time_runs(lambda: learn(W0, b0, x, y, epochs, lr), repeats)
    return {"W": W, "b": b, "losses": losses, "solved_epoch": float(solved), "first_time": first, "times": times}, state


def task_train(config, inputs, state: dict) -> tuple[dict, dict]:
    """The whole training run in one request, as the worker tasks run it (the one training driver): train_begin,
    train_steps in chunks of `eval_every` steps, each evaluated and reported as progress, then train_end; on a
    state of its own, so that a worker's held runs are left alone."""
    eval_every = setting(config, "eval_every", int)
    if eval_every < 1:
        raise TaskError("eval_every must be at least 1")
    _, run = task_train_begin({**config, "first": "0"}, inputs, {})
    iters = run["train_" + variant_of(config)]["batches"].shape[0]
    chunks = []
    for first in range(0, iters, eval_every):
        steps = min(eval_every, iters - first)
        chunk, run = task_train_steps({**config, "first": str(first), "steps": str(steps), "evaluate": "1"}, inputs,
                                      run)
        chunks.append(chunk)
        print(f"progress {first + steps} {iters}", flush=True)
    params, _ = task_train_end(config, inputs, run)
    joined = {name: np.concatenate([np.atleast_1d(c[name]) for c in chunks])
              for name in ("loss", "step_times", "train_acc", "test_acc")}
    return {**joined, **params}, state


# ---- worker tasks: state kept between requests (docs/interchange.md, "Workers") ----------------------------


def task_train_begin(config, inputs, state: dict) -> tuple[dict, dict]:
    """Holds the network, the data and the batch sequence for the train_steps requests that follow, one run per
    variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run."""
    params = read_params(inputs)
    data = load_training(inputs, params)
    state["train_" + variant_of(config)] = {"net": new_net(variant_of(config), params),
                                         "done": setting(config, "first", int) if "first" in config else 0,
                                         "lr": setting(config, "lr", float), **data}
    return {}, state


def held_run(state: dict, config, task: str) -> dict:
    """The training run of the request's variant that train_begin holds."""
    s = state.get("train_" + variant_of(config))
    if s is None:
        raise TaskError(f"{task} before train_begin (variant {variant_of(config)})")
    return s


def task_train_steps(config, inputs, state: dict) -> tuple[dict, dict]:
    """Steps first .. first+steps-1 of the held training run; the accuracies too when `evaluate` is 1."""
    s = held_run(state, config, "train_steps")
    first, steps = setting(config, "first", int), setting(config, "steps", int)
    if first != s["done"] or steps < 1 or first + steps > s["batches"].shape[0]:
        raise TaskError(f"steps {first}..{first + steps - 1} do not follow the {s['done']} done "
                        f"(of {s['batches'].shape[0]})")
    net = s["net"]
    losses, step_times = train_steps(net, s["x_train"], s["t_train"], s["batches"][first:first + steps], s["lr"])
    s["done"] += steps
    out = {"loss": losses, "step_times": step_times}
    if config.get("evaluate") == "1":
        out["train_acc"] = accuracy(net, s["x_train"], s["t_train"])
        out["test_acc"] = accuracy(net, s["x_test"], s["t_test"])
    return out, state


def task_train_warmup(config, inputs, state: dict) -> tuple[dict, dict]:
    """`steps` steps on a copy of the held network, on the run's batches from its first on (from the first
    again past the last), each timed; the held run does not advance. A fresh process's first steps, run
    before its share of the run (docs/measurement.md)."""
    s = held_run(state, config, "train_warmup")
    steps = setting(config, "steps", int)
    if steps < 1:
        raise TaskError("steps must be at least 1")
    copy = new_net(variant_of(config), {k: v.copy() for k, v in s["net"].params.items()})
    warm = s["batches"][np.arange(steps) % s["batches"].shape[0]]
    _, step_times = train_steps(copy, s["x_train"], s["t_train"], warm, s["lr"])
    return {"step_times": step_times}, state


MEMORY_STEPS = 5  # steps measured by step_peak_bytes at the end of a held run (after one to warm up)


def task_train_end(config, inputs, state: dict) -> tuple[dict, dict]:
    """The trained parameters, and step_peak_bytes of MEMORY_STEPS steps run on a copy of the network (the memory a
    step needs beyond what it holds; untimed); the held training run is dropped."""
    s = held_run(state, config, "train_end")
    del state["train_" + variant_of(config)]
    params = dict(s["net"].params)
    copy = new_net(variant_of(config), {k: v.copy() for k, v in params.items()})
    peaks = step_peak_bytes(copy, s["x_train"], s["t_train"], s["batches"][:MEMORY_STEPS + 1], s["lr"])
    return {**params, "step_peak_bytes": peaks}, state


def task_first_step(config, inputs, state: dict) -> tuple[dict, dict]:
    """One training step timed alone: in a fresh process, the first call (with any compilation)."""
    lr = setting(config, "lr", float)
    params = read_params(inputs)
    x, t = batch(inputs, params)
    net = new_net(variant_of(config), params)
    start = time.perf_counter()
    step(net, x, t, lr)
    return {"first_step": time.perf_counter() - start, **net.params}, state


def task_bench_begin(config, inputs, state: dict) -> tuple[dict, dict]:
    """Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
    follow."""
    params = read_params(inputs)
    x, t = batch(inputs, params)
    state.setdefault("bench", {})[setting(config, "case_id")] = {
        "params": params, "variant": variant_of(config), "x": x, "t": t, "lr": setting(config, "lr", float)}
    return {}, state


def task_bench_round(config, inputs, state: dict) -> tuple[dict, dict]:
    """One round of the held case `case_id`: from its parameters, in its variant, `warmup` untimed steps then
    `inner` timed steps (step_time, per step); then the step's six matrix products alone on the held W1, W2 and
    x, `warmup` times untimed and `inner` times timed (blas_time, per step). With `verify` 1, also what they
    computed: the parameters after warmup + inner steps, and the six products."""
    case = setting(config, "case_id")
    s = state.get("bench", {}).get(case)
    if s is None:
        raise TaskError(f"bench_round before bench_begin for case {case!r}")
    warmup, inner = setting(config, "warmup", int), setting(config, "inner", int)
    if warmup < 0 or inner < 1:
        raise TaskError("warmup must be at least 0 and inner at least 1")
    net = new_net(s["variant"], {k: p.copy() for k, p in s["params"].items()})
    step_time = time_steps(net, s["x"], s["t"], s["lr"], warmup, inner)
    blas_time, products = time_products(s["params"]["W1"], s["params"]["W2"], s["x"], warmup, inner)
    out = {"step_time": step_time, "blas_time": blas_time}
    if config.get("verify") == "1":
        out.update(net.params)
        out.update(products)
    return out, state


TASKS = {"noop": lambda config, inputs, state: ({}, state), "info": task_info, "grad": task_grad, "layers": task_layers,
         "perceptron": task_perceptron, "train": task_train, "first_step": task_first_step,
         "train_begin": task_train_begin, "train_steps": task_train_steps,
         "train_warmup": task_train_warmup, "train_end": task_train_end,
         "bench_begin": task_bench_begin, "bench_round": task_bench_round}
