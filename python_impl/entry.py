"""The Python port's entry point: `python -m python_impl.entry TASK` (tasks in docs/interchange.md).

Stands on its own, like every port: its own reader and writer of the interchange format (interchange.py), its
own `info` (info.py), NumPy and the standard library only; nothing of the harness is imported. The inputs are
checked here, once, with messages that name the array and what was expected (as the other ports' entries do);
the layers and the network then trust them.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from . import fused, perceptron
from .info import info
from .interchange import read_arrays, read_config, write_arrays, write_info
from .layers import Add, Affine, MatMul, Mul, Relu, Sigmoid, SoftmaxWithLoss
from .train import Net, accuracy, step, train, train_steps
from .two_layer_net import PARAM_NAMES, TwoLayerNet

VARIANTS = ("layers", "fused")  # the book's layers, and the same step written as fast, clear code


class TaskError(ValueError):
    """A task that cannot run on what it was given: the message says which input or setting, and why."""


# ---- inputs and config, checked once, with clear errors -----------------------------------------------------
KINDS = {"f": "float64", "i": "int64", "u": "uint8"}


def described(a: np.ndarray) -> str:
    return f"a {a.ndim}-d {a.dtype} array of shape {a.shape}"


def array(inputs, name: str, ndim: int, kinds: str = "f") -> np.ndarray:
    """The input `name`, which must have `ndim` dimensions and one of the dtype kinds `kinds` (f: float64,
    i: int64, u: uint8)."""
    if name not in inputs:
        have = " ".join(inputs) or "nothing"
        raise TaskError(f"input '{name}' is missing (in/manifest.txt has: {have})")
    a = inputs[name]
    if a.ndim != ndim or a.dtype.kind not in kinds:
        wanted = " or ".join(KINDS[k] for k in kinds)
        raise TaskError(f"input '{name}' must be a {ndim}-d {wanted} array, got {described(a)}")
    return a


def scalar(inputs, name: str) -> float:
    return float(array(inputs, name, 0))


def setting(config, key: str, kind: type = str):
    """config.txt's value for `key`, as `kind` (str, int or float)."""
    if key not in config:
        raise TaskError(f"config.txt has no '{key}'")
    try:
        return kind(config[key])
    except ValueError:
        raise TaskError(f"config.txt: '{key} {config[key]}' is not a valid {kind.__name__}") from None


def variant(config) -> str:
    """The request's variant (`layers` unless given)."""
    name = config.get("variant", "layers")
    if name not in VARIANTS:
        raise TaskError(f"unknown variant {name!r} (expected layers or fused)")
    return name


def read_params(inputs) -> dict[str, np.ndarray]:
    """The network's parameters W1 (D x H), b1 (H), W2 (H x C), b2 (C), copied, with their shapes checked."""
    params = {name: array(inputs, name, 2 if name.startswith("W") else 1) for name in PARAM_NAMES}
    W1, b1, W2, b2 = (params[name] for name in PARAM_NAMES)
    if not (b1.shape[0] == W1.shape[1] == W2.shape[0] and b2.shape[0] == W2.shape[1]):
        shapes = ", ".join(f"{name} {params[name].shape}" for name in PARAM_NAMES)
        raise TaskError(f"parameter shapes do not fit together: {shapes}")
    return {name: p.copy() for name, p in params.items()}


def targets(inputs, name: str, classes: int, samples: int, one_hot: bool = False) -> np.ndarray:
    """The targets `name` for `samples` samples: int64 or uint8 labels 0..classes-1 (N), converted once to
    int64; with one_hot, also float64 one-hot rows (N x classes)."""
    t = inputs.get(name)
    if one_hot and t is not None and t.ndim == 2:
        t = array(inputs, name, 2)
        if t.shape != (samples, classes):
            raise TaskError(f"one-hot targets '{name}' must be {samples} x {classes}, got {t.shape}")
        return t
    t = array(inputs, name, 1, "iu")
    if t.shape[0] != samples:
        raise TaskError(f"{t.shape[0]} labels in '{name}' for {samples} samples")
    if t.size and (t.min() < 0 or t.max() >= classes):
        raise TaskError(f"labels in '{name}' must be 0..{classes - 1}, found {t.min()}..{t.max()}")
    return t.astype(np.int64)


def samples(inputs, name: str, params: dict[str, np.ndarray], kinds: str = "f") -> np.ndarray:
    """The samples `name` (N x D, one per row), D being what W1 expects."""
    x = array(inputs, name, 2, kinds)
    if x.shape[1] != params["W1"].shape[0]:
        raise TaskError(f"{name} has {x.shape[1]} features per sample, W1 expects {params['W1'].shape[0]}")
    return x


def batch(inputs, params, one_hot: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The batch x (N x D float64) and its targets t, checked against the parameters."""
    x = samples(inputs, "x", params)
    return x, targets(inputs, "t", params["W2"].shape[1], x.shape[0], one_hot)


def new_net(name: str, params: dict[str, np.ndarray]) -> Net:
    """A network of the variant `name` on the parameters (shared, not copied)."""
    return fused.FusedNet(params) if name == "fused" else TwoLayerNet(params)


# ---- tasks: each returns its results by name ----------------------------------------------------------------
def task_info(config, inputs, out_dir: Path) -> dict:
    write_info(out_dir, info())
    return {}


def task_grad(config, inputs, out_dir: Path) -> dict:
    model = setting(config, "model")
    numerical = config.get("numerical") == "1"
    if model == "perceptron":
        x = array(inputs, "x", 2)
        W, b, t = array(inputs, "W", 1).copy(), scalar(inputs, "b"), array(inputs, "t", 1)
        if W.shape[0] != x.shape[1] or t.shape[0] != x.shape[0]:
            raise TaskError(f"perceptron: x {x.shape}, W {W.shape} and t {t.shape} do not fit together")
        if numerical:
            from .gradient import numerical_gradient
            bb = np.array([b])
            f = lambda: perceptron.loss(W, bb[0], x, t)  # noqa: E731
            return {"loss": perceptron.loss(W, b, x, t), "W": numerical_gradient(f, W),
                    "b": numerical_gradient(f, bb).reshape(())}
        E, dW, db = perceptron.gradient(W, b, x, t)
        return {"loss": E, "W": dW, "b": db}
    if model != "two_layer_net":
        raise TaskError(f"unknown model {model!r} (two_layer_net or perceptron)")
    params = read_params(inputs)
    x, t = batch(inputs, params, one_hot=True)
    net = TwoLayerNet(params)
    if numerical:
        grads = net.numerical_gradient(x, t)
        return {"loss": net.loss(x, t), **grads}
    L, grads = net.gradient(x, t)
    return {"loss": L, **grads}


LAYER_INPUTS = {"matmul_x": 2, "matmul_W": 2, "matmul_dout": 2, "add_x": 2, "add_y": 2, "add_dout": 2,
                "mul_x": 2, "mul_y": 2, "mul_dout": 2, "relu_x": 2, "relu_dout": 2, "sigmoid_x": 2,
                "sigmoid_dout": 2, "affine_x": 2, "affine_W": 2, "affine_b": 1, "affine_dout": 2, "softmax_x": 2,
                "softmax_t": 2}


def task_layers(config, inputs, out_dir: Path) -> dict:
    g = {name: array(inputs, name, ndim) for name, ndim in LAYER_INPUTS.items()}
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
    epochs, lr, repeats = setting(config, "epochs", int), setting(config, "lr", float), setting(config, "repeats", int)
    x, y, W0, b0 = array(inputs, "x", 2), array(inputs, "y", 1), array(inputs, "W", 1), scalar(inputs, "b")
    if W0.shape[0] != x.shape[1] or y.shape[0] != x.shape[0]:
        raise TaskError(f"perceptron: x {x.shape}, W {W0.shape} and y {y.shape} do not fit together")
    learn = fused.perceptron_train if variant(config) == "fused" else perceptron.train
    times = np.empty(repeats)
    start = time.perf_counter()
    result = learn(W0, b0, x, y, epochs, lr)
    first = time.perf_counter() - start
    for r in range(repeats):
        start = time.perf_counter()
        result = learn(W0, b0, x, y, epochs, lr)
        times[r] = time.perf_counter() - start
    W, b, losses, solved = result
    return {"W": W, "b": b, "losses": losses, "solved_epoch": float(solved), "first_time": first, "times": times}


def load_training(inputs, params) -> dict:
    """The training problem as the reference holds it, checked: images as float64 in [0, 1], labels as int64,
    batch rows 0-based (as in the files)."""
    classes = params["W2"].shape[1]
    x_train, x_test = samples(inputs, "x_train", params, "u"), samples(inputs, "x_test", params, "u")
    batches = array(inputs, "batches", 2, "i")
    if batches.size and (batches.min() < 0 or batches.max() >= x_train.shape[0]):
        raise TaskError(f"batch rows must be 0..{x_train.shape[0] - 1}, found {batches.min()}..{batches.max()}")
    return {"x_train": x_train.astype(np.float64) / 255.0,
            "t_train": targets(inputs, "t_train", classes, x_train.shape[0]),
            "x_test": x_test.astype(np.float64) / 255.0,
            "t_test": targets(inputs, "t_test", classes, x_test.shape[0]), "batches": batches}


def task_train(config, inputs, out_dir: Path) -> dict:
    lr, eval_every = setting(config, "lr", float), setting(config, "eval_every", int)
    if eval_every < 1:
        raise TaskError("eval_every must be at least 1")
    params = read_params(inputs)
    d = load_training(inputs, params)
    net = new_net(variant(config), params)
    iters = d["batches"].shape[0]

    def progress(i: int) -> None:
        print(f"progress {i} {iters}", flush=True)

    result = train(net, d["x_train"], d["t_train"], d["x_test"], d["t_test"], d["batches"], lr, eval_every, progress)
    return {**result, **net.params}


# ---- worker tasks: state kept between requests (docs/interchange.md, "Workers") ----------------------------
STATE: dict[str, dict] = {}


def task_train_begin(config, inputs, out_dir: Path) -> dict:
    """Holds the network, the data and the batch sequence for the train_steps requests that follow, one run per
    variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run."""
    params = read_params(inputs)
    data = load_training(inputs, params)
    STATE["train_" + variant(config)] = {"net": new_net(variant(config), params),
                                         "done": setting(config, "first", int) if "first" in config else 0,
                                         "lr": setting(config, "lr", float), **data}
    return {}


def held_run(config, task: str) -> dict:
    """The training run of the request's variant that train_begin holds."""
    s = STATE.get("train_" + variant(config))
    if s is None:
        raise TaskError(f"{task} before train_begin (variant {variant(config)})")
    return s


def task_train_steps(config, inputs, out_dir: Path) -> dict:
    """Steps first .. first+steps-1 of the held training run; the accuracies too when `evaluate` is 1."""
    s = held_run(config, "train_steps")
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
    return out


def task_train_end(config, inputs, out_dir: Path) -> dict:
    """The trained parameters; the held training run is dropped."""
    s = held_run(config, "train_end")
    del STATE["train_" + variant(config)]
    return dict(s["net"].params)


def task_first_step(config, inputs, out_dir: Path) -> dict:
    """One training step timed alone: in a fresh process, the first call (with any compilation)."""
    lr = setting(config, "lr", float)
    params = read_params(inputs)
    x, t = batch(inputs, params)
    net = new_net(variant(config), params)
    start = time.perf_counter()
    step(net, x, t, lr)
    return {"first_step": time.perf_counter() - start, **net.params}


def task_bench_begin(config, inputs, out_dir: Path) -> dict:
    """Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
    follow."""
    params = read_params(inputs)
    x, t = batch(inputs, params)
    STATE.setdefault("bench", {})[setting(config, "case_id")] = {
        "params": params, "variant": variant(config), "x": x, "t": t, "lr": setting(config, "lr", float)}
    return {}


def task_bench_round(config, inputs, out_dir: Path) -> dict:
    """One round of the held case `case_id`: from its parameters, in its variant, `warmup` untimed steps then
    `inner` timed steps (step_time, per step); then the step's six matrix products alone on the held W1, W2 and
    x, `warmup` times untimed and `inner` times timed (blas_time, per step). With `verify` 1, also what they
    computed: the parameters after warmup + inner steps, and the six products."""
    case = setting(config, "case_id")
    s = STATE.get("bench", {}).get(case)
    if s is None:
        raise TaskError(f"bench_round before bench_begin for case {case!r}")
    warmup, inner = setting(config, "warmup", int), setting(config, "inner", int)
    if warmup < 0 or inner < 1:
        raise TaskError("warmup must be at least 0 and inner at least 1")
    net = new_net(s["variant"], {k: p.copy() for k, p in s["params"].items()})
    x, t, lr = s["x"], s["t"], s["lr"]
    for _ in range(warmup):
        step(net, x, t, lr)
    start = time.perf_counter()
    for _ in range(inner):
        step(net, x, t, lr)
    step_time = (time.perf_counter() - start) / inner
    # The products, with the step's shapes: forward x.W1, h.W2; backward dy.W2^T, h^T.dy, dh.W1^T, x^T.dh.
    W1, W2 = s["params"]["W1"], s["params"]["W2"]
    h = x @ W1
    dy = h @ W2
    dh = dy @ W2.T
    for _ in range(warmup):
        x @ W1, h @ W2, dy @ W2.T, h.T @ dy, dh @ W1.T, x.T @ dh
    start = time.perf_counter()
    for _ in range(inner):
        x @ W1, h @ W2, dy @ W2.T, h.T @ dy, dh @ W1.T, x.T @ dh
    blas_time = (time.perf_counter() - start) / inner
    out = {"step_time": step_time, "blas_time": blas_time}
    if config.get("verify") == "1":
        out.update(net.params)
        out.update(p_xW1=h, p_hW2=dy, p_dyW2t=dh, p_htdy=h.T @ dy, p_dhW1t=dh @ W1.T, p_xtdh=x.T @ dh)
    return out


TASKS = {"noop": lambda c, i, o: {}, "info": task_info, "grad": task_grad, "layers": task_layers,
         "perceptron": task_perceptron, "train": task_train, "first_step": task_first_step,
         "train_begin": task_train_begin, "train_steps": task_train_steps, "train_end": task_train_end,
         "bench_begin": task_bench_begin, "bench_round": task_bench_round}


def run_folder(task_dir: Path) -> None:
    """Runs the task folder: reads config.txt and in/, writes out/ (the manifest last)."""
    config = read_config(task_dir)
    inputs = read_arrays(task_dir / "in") if (task_dir / "in" / "manifest.txt").exists() else {}
    if config.get("task") not in TASKS:
        raise TaskError(f"unknown task {config.get('task')!r} ({', '.join(sorted(TASKS))})")
    result = TASKS[config["task"]](config, inputs, task_dir / "out")
    write_arrays(task_dir / "out", {k: np.asarray(v, dtype=np.float64) for k, v in result.items()})


def one_line(exc: BaseException) -> str:
    return " ".join(f"{type(exc).__name__}: {exc}".split())


def serve() -> int:
    """Worker mode: `run TASK_FOLDER` lines on standard input, one answer line each on standard output."""
    print("nnbench-ready", flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "quit":
            break
        if not request:
            continue
        verb, _, arg = request.partition(" ")
        try:
            if verb != "run" or not arg:
                raise ValueError(f"unknown request {request!r} (expected: run TASK_FOLDER, or quit)")
            run_folder(Path(arg))
        except Exception as exc:  # the task failed; the worker goes on
            print(f"nnbench-error {one_line(exc)}", flush=True)
            continue
        print("nnbench-done", flush=True)
    return 0


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("error: usage: python -m python_impl.entry TASK_FOLDER|--worker", file=sys.stderr)
        return 2
    if argv[0] == "--worker":
        return serve()
    try:
        run_folder(Path(argv[0]))
    except Exception as exc:  # one line for the harness, whatever went wrong
        print(f"error: {one_line(exc)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
