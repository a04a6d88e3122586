"""The Python port's entry point: `python -m python_impl.entry TASK` (tasks in docs/interchange.md)."""
from __future__ import annotations

import platform
import sys
import time
from pathlib import Path

import numpy as np

from harness.interchange import read_arrays, read_config, write_arrays

from . import fused, perceptron
from .layers import Add, Affine, MatMul, Mul, Relu, Sigmoid, SoftmaxWithLoss
from .train import Net, accuracy, step, train, train_steps
from .two_layer_net import PARAM_NAMES, TwoLayerNet

VARIANTS = ("layers", "fused")  # the book's layers, and the same step written as fast, clear code


def variant(config) -> str:
    """The request's variant (`layers` unless given)."""
    name = config.get("variant", "layers")
    if name not in VARIANTS:
        raise ValueError(f"unknown variant {name!r} (expected layers or fused)")
    return name


def new_net(config, arrays) -> Net:
    """A network of the request's variant, on copies of the arrays' W1, b1, W2, b2."""
    params = {k: arrays[k].copy() for k in PARAM_NAMES}
    return fused.FusedNet(params) if variant(config) == "fused" else TwoLayerNet(params)


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


def load_training(inputs) -> dict:
    """The training problem as the reference holds it: images as float64 in [0, 1], labels as int64."""
    return {"x_train": inputs["x_train"].astype(np.float64) / 255.0, "t_train": inputs["t_train"].astype(np.int64),
            "x_test": inputs["x_test"].astype(np.float64) / 255.0, "t_test": inputs["t_test"].astype(np.int64),
            "batches": inputs["batches"]}


def task_train(config, inputs, out_dir: Path) -> dict:
    net = new_net(config, inputs)
    d = load_training(inputs)
    iters = d["batches"].shape[0]

    def progress(i: int) -> None:
        print(f"progress {i} {iters}", flush=True)

    result = train(net, d["x_train"], d["t_train"], d["x_test"], d["t_test"], d["batches"], float(config["lr"]),
                   int(config["eval_every"]), progress)
    return {**result, **net.params}


# ---- worker tasks: state kept between requests (docs/interchange.md, "Workers") ----------------------------
STATE: dict[str, dict] = {}


def task_train_begin(config, inputs, out_dir: Path) -> dict:
    """Holds the network, the data and the batch sequence for the train_steps requests that follow, one run per
    variant; `first` (0 unless given) is the number of steps already done, when a new worker takes over a run."""
    STATE["train_" + variant(config)] = {"net": new_net(config, inputs), "done": int(config.get("first", 0)),
                                         "lr": float(config["lr"]), **load_training(inputs)}
    return {}


def held_run(config, task: str) -> dict:
    """The training run of the request's variant that train_begin holds."""
    s = STATE.get("train_" + variant(config))
    if s is None:
        raise RuntimeError(f"{task} before train_begin (variant {variant(config)})")
    return s


def task_train_steps(config, inputs, out_dir: Path) -> dict:
    """Steps first .. first+steps-1 of the held training run; the accuracies too when `evaluate` is 1."""
    s = held_run(config, "train_steps")
    first, steps = int(config["first"]), int(config["steps"])
    if first != s["done"] or steps < 1 or first + steps > s["batches"].shape[0]:
        raise ValueError(f"steps {first}..{first + steps - 1} do not follow the {s['done']} done "
                         f"(of {s['batches'].shape[0]})")
    net = s["net"]
    loss, step_times = train_steps(net, s["x_train"], s["t_train"], s["batches"][first:first + steps], s["lr"])
    s["done"] += steps
    out = {"loss": loss, "step_times": step_times}
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
    net = new_net(config, inputs)
    start = time.perf_counter()
    step(net, inputs["x"], inputs["t"], float(config["lr"]))
    return {"first_step": time.perf_counter() - start, **net.params}


def task_bench_begin(config, inputs, out_dir: Path) -> dict:
    """Holds one case's parameters, batch and variant, under the name `case_id`, for the bench_round requests that
    follow."""
    STATE.setdefault("bench", {})[config["case_id"]] = {"params": {k: inputs[k].copy() for k in PARAM_NAMES},
                                                        "variant": variant(config), "x": inputs["x"],
                                                        "t": inputs["t"], "lr": float(config["lr"])}
    return {}


def task_bench_round(config, inputs, out_dir: Path) -> dict:
    """One round of the held case `case_id`: from its parameters, in its variant, `warmup` untimed steps then `inner` timed steps
    (step_time, per step); then the step's six matrix products alone on the held W1, W2 and x, `warmup` times
    untimed and `inner` times timed (blas_time, per step). With `verify` 1, also what they computed: the
    parameters after warmup + inner steps, and the six products."""
    s = STATE.get("bench", {}).get(config["case_id"])
    if s is None:
        raise RuntimeError(f"bench_round before bench_begin for case {config['case_id']!r}")
    warmup, inner = int(config["warmup"]), int(config["inner"])
    net = new_net(s, s["params"])
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
        raise ValueError(f"unknown task {config.get('task')!r}")
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
