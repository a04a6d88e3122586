"""`harness run`: every language on identical inputs, each task's results written as soon as it finishes."""
from __future__ import annotations

import json
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

import numpy as np

from . import inputs as mk
from .data import load_raw
from .check import GRAD_TOL, RUN_TRAIN_TOL
from .parity import max_rel_each, rel_diff
from .progress import Progress
from .results import ResultsFile, Row, series
from .runners import RUNNERS, PortError, get_runner
from .runners.base import REPO
from .stats import flops_per_step

GATES = ("AND", "OR", "NAND", "XOR")


@dataclass
class Settings:
    """What a run does. `quick()` gives the short version with the same report."""
    iters: int = 10000
    batch: int = 100
    lr: float = 0.1
    hidden: int = 50
    eval_every: int = 600
    perceptron_epochs: int = 2000
    perceptron_lr: float = 1.0
    perceptron_repeats: int = 7
    startup_repeats: int = 5
    bench_repeats: int = 11
    bench_target_s: float = 0.05  # each timed measurement lasts about this long
    scaling_hidden: tuple[int, ...] = (50, 100, 200, 400, 800)
    scaling_batch: tuple[int, ...] = (1, 10, 100, 1000)
    gradcheck_batch: int = 3
    tasks: tuple[str, ...] = ("startup", "perceptron", "gradcheck", "train", "scaling")
    quick_version: bool = False

    @classmethod
    def quick(cls) -> "Settings":
        return cls(quick_version=True, iters=600, eval_every=100, perceptron_epochs=500, perceptron_repeats=3,
                   startup_repeats=3, bench_repeats=5, bench_target_s=0.02, scaling_hidden=(50, 200, 800),
                   scaling_batch=(1, 100, 1000))


@dataclass
class RunContext:
    run_dir: Path
    langs: list[str]
    settings: Settings
    seed: int
    threads: int
    results: ResultsFile
    progress: Progress
    data_dir: Path | None = None
    log: Callable[[str], None] = print
    reference: dict = field(default_factory=dict)  # Python's results, for parity
    _mnist: dict | None = None

    @property
    def mnist(self) -> dict[str, np.ndarray]:
        if self._mnist is None:
            self._mnist = load_raw(self.data_dir, log=self.log)
        return self._mnist

    def run(self, lang: str, task: str, config: dict, inputs=None, timeout: float = 900, **kw):
        return get_runner(lang).run(task, config, inputs, timeout=timeout, threads=self.threads, **kw)


# ---- the tasks -------------------------------------------------------------------------------------------

def task_startup(ctx: RunContext, lang: str) -> list[Row]:
    walls = [ctx.run(lang, "noop", {}, timeout=300).wall for _ in range(ctx.settings.startup_repeats)]
    return series(lang, "startup", "", "startup_time", walls, "s")


def task_perceptron(ctx: RunContext, lang: str) -> list[Row]:
    s = ctx.settings
    rows = []
    for gate in GATES:
        timed = gate == "AND"  # tiny arrays: AND measures per-operation overhead; the others only learn
        config = {"epochs": s.perceptron_epochs, "lr": s.perceptron_lr, "repeats": s.perceptron_repeats if timed else 1}
        data = mk.perceptron_inputs(ctx.seed, gate)
        out = ctx.run(lang, "perceptron", config, data).arrays
        need(lang, "perceptron", out, {"W": data["W"].shape, "b": (), "losses": (s.perceptron_epochs,), "solved_epoch": (),
                                       "first_time": (), "times": (config["repeats"],)})
        solved = int(out["solved_epoch"])
        rows += [Row(lang, "perceptron", gate, "solved_epoch", "", solved, "epochs",
                     "never classified all four inputs" if solved < 0 else ""),
                 Row(lang, "perceptron", gate, "final_loss", "", float(out["losses"][-1]))]
        if timed:
            rows += series(lang, "perceptron", gate, "epoch_time", out["times"] / s.perceptron_epochs, "s")
            rows.append(Row(lang, "perceptron", gate, "first_epoch_time", "", float(out["first_time"]) / s.perceptron_epochs, "s"))
        rows += parity_rows(ctx, lang, "perceptron", gate, out, ["W", "b", "losses"], floor=1.0)
    return rows


def task_gradcheck(ctx: RunContext, lang: str) -> list[Row]:
    """The book's check: backprop against central differences on the first 3 training images, book weights."""
    n = ctx.settings.gradcheck_batch
    data = {**mk.net_params(ctx.seed, ctx.settings.hidden),
            "x": ctx.mnist["x_train"][:n].astype(np.float64) / 255.0, "t": ctx.mnist["t_train"][:n].astype(np.int64)}
    start = time.perf_counter()
    backprop = ctx.run(lang, "grad", {"model": "two_layer_net", "numerical": 0}, data).arrays
    numerical = ctx.run(lang, "grad", {"model": "two_layer_net", "numerical": 1}, data, timeout=1800).arrays
    shapes = {"loss": (), **{k: v.shape for k, v in data.items() if k not in ("x", "t")}}
    need(lang, "gradcheck (backprop)", backprop, shapes)
    need(lang, "gradcheck (numerical)", numerical, shapes)
    rows = []
    for name in ("W1", "b1", "W2", "b2"):
        diff = np.abs(backprop[name] - numerical[name])
        rows += [Row(lang, "gradcheck", name, "numerical_max_abs", "", float(diff.max())),
                 Row(lang, "gradcheck", name, "numerical_mean_abs", "", float(diff.mean())),
                 Row(lang, "gradcheck", name, "numerical_rel", "", rel_diff(numerical[name], backprop[name]))]
    rows.append(Row(lang, "gradcheck", "", "wall_time", "", time.perf_counter() - start, "s"))
    return rows + parity_rows(ctx, lang, "gradcheck", "", backprop, ["loss", "W1", "b1", "W2", "b2"])


def task_train(ctx: RunContext, lang: str) -> list[Row]:
    s = ctx.settings
    folder = ctx.run_dir / "inputs" / "train"
    params = mk.net_params(ctx.seed, s.hidden)
    if not (folder / "manifest.txt").exists():  # written once, read by every language
        from .interchange import write_arrays
        write_arrays(folder, {**params, "batches": mk.batch_sequence(ctx.seed, s.iters, s.batch), **ctx.mnist})
    evals = eval_iterations(s.iters, s.eval_every)

    def on_progress(done: int, total: int) -> None:
        ctx.progress.detail(f"step {done}/{total}")

    start = time.perf_counter()
    out = ctx.run(lang, "train", {"lr": s.lr, "eval_every": s.eval_every}, input_dir=folder,
                  timeout=max(1800, s.iters * 0.5), on_progress=on_progress).arrays
    wall = time.perf_counter() - start
    need(lang, "train", out, {"loss": (s.iters,), "step_times": (s.iters,), "train_acc": (len(evals),),
                              "test_acc": (len(evals),), **{k: v.shape for k, v in params.items()}})
    case = f"hidden={s.hidden} batch={s.batch}"
    rows = series(lang, "train", case, "loss", out["loss"])
    rows += series(lang, "train", case, "step_time", out["step_times"], "s")
    rows += [Row(lang, "train", case, "train_acc", it, float(a)) for it, a in zip(evals, out["train_acc"])]
    rows += [Row(lang, "train", case, "test_acc", it, float(a)) for it, a in zip(evals, out["test_acc"])]
    rows.append(Row(lang, "train", case, "wall_time", "", wall, "s", "whole process: start-up, loading, training, evaluation"))
    return rows + parity_rows(ctx, lang, "train", case, out, ["loss", "W1", "b1", "W2", "b2", "test_acc"])


def task_scaling(ctx: RunContext, lang: str) -> list[Row]:
    s = ctx.settings
    configs = [(h, s.batch) for h in s.scaling_hidden] + [(s.hidden, n) for n in s.scaling_batch if n != s.batch]
    if (s.hidden, s.batch) not in configs:
        configs.insert(0, (s.hidden, s.batch))
    rows = []
    x_all, t_all = ctx.mnist["x_train"], ctx.mnist["t_train"]
    for i, (hidden, batch) in enumerate(configs):
        ctx.progress.detail(f"hidden {hidden}, batch {batch} ({i + 1}/{len(configs)})")
        idx = mk.batch_sequence(ctx.seed, 1, batch)[0]
        data = {**mk.net_params(ctx.seed, hidden), "x": x_all[idx].astype(np.float64) / 255.0,
                "t": t_all[idx].astype(np.int64)}
        inner = inner_steps(ctx, lang, hidden, batch)
        config = {"lr": s.lr, "warmup": max(2, inner), "repeats": s.bench_repeats, "inner": inner}
        out = ctx.run(lang, "bench", config, data).arrays
        need(lang, "bench", out, {"first_step": (), "step_times": (s.bench_repeats,), "blas_times": (s.bench_repeats,)})
        case = f"hidden={hidden} batch={batch}"
        rows += series(lang, "bench", case, "step_time", out["step_times"], "s")
        rows += series(lang, "bench", case, "blas_time", out["blas_times"], "s")
        rows.append(Row(lang, "bench", case, "first_step", "", float(out["first_step"]), "s"))
        rows.append(Row(lang, "bench", case, "flops", "", flops_per_step(batch, hidden), "FLOP"))
    return rows


TASKS: dict[str, Callable[[RunContext, str], list[Row]]] = {
    "startup": task_startup, "perceptron": task_perceptron, "gradcheck": task_gradcheck,
    "train": task_train, "scaling": task_scaling,
}


# ---- helpers ---------------------------------------------------------------------------------------------

def eval_iterations(iters: int, every: int) -> list[int]:
    """The step counts after which accuracy is measured: every `every` steps, and after the last."""
    its = list(range(every, iters + 1, every))
    return its if its and its[-1] == iters else its + [iters]


def inner_steps(ctx: RunContext, lang: str, hidden: int, batch: int) -> int:
    """Steps per timed measurement, so that one measurement lasts about bench_target_s (clock resolution
    and per-call noise then do not matter). Estimated from the FLOPs at a modest rate plus a per-step
    overhead; the same count for every language keeps the work identical."""
    est = flops_per_step(batch, hidden) / 5e9 + 1e-4
    return int(max(1, min(1000, round(ctx.settings.bench_target_s / est))))


# Parity tolerance per task (norm-wise relative to Python; per step for loss curves): see check.py.
PARITY_TOL = {"perceptron": RUN_TRAIN_TOL, "gradcheck": GRAD_TOL, "train": RUN_TRAIN_TOL}
CURVES = {("train", "loss"), ("perceptron", "losses")}  # compared point by point


def parity_rows(ctx: RunContext, lang: str, task: str, case: str, out: dict, names: list[str],
                floor: float = 0.0) -> list[Row]:
    """Stores Python's result as the reference, and compares every other language's with it."""
    key = (task, case)
    if lang == "python":
        ctx.reference[key] = {n: out[n] for n in names}
        return []
    ref = ctx.reference.get(key)
    if ref is None:  # Python failed this task: nothing to compare with
        return []
    return [Row(lang, task, case, "vs_python_rel", n,
                max_rel_each(out[n], ref[n]) if (task, n) in CURVES else rel_diff(out[n], ref[n], floor),
                "", "largest relative difference over the curve" if (task, n) in CURVES else "norm-wise")
            for n in names]


def mismatches(rows: list[Row]) -> list[str]:
    """The comparisons with Python beyond the task's tolerance, described."""
    return [f"{r.index} of {r.case or r.task} differs from Python by {r.value:.2e} (tolerance {PARITY_TOL[r.task]:g})"
            for r in rows if r.metric == "vs_python_rel" and not r.value <= PARITY_TOL[r.task]]


def need(lang: str, task: str, out: dict, shapes: dict[str, tuple]) -> None:
    """Raises PortError unless the port's result has every named array, in its shape, all finite."""
    for name, shape in shapes.items():
        if name not in out:
            raise PortError(lang, f"{task}: the result has no {name!r}")
        if out[name].shape != shape:
            raise PortError(lang, f"{task}: {name} has shape {out[name].shape}, expected {shape}")
        if not np.all(np.isfinite(out[name])):
            raise PortError(lang, f"{task}: {name} has non-finite values")


def record_language(run_dir: Path, lang: str, info: dict) -> None:
    found = RUNNERS[lang].find()
    env = read_environment(run_dir)
    env.setdefault("languages", {})[lang] = {"executable": found.exe if found else None,
                                             "found_by": found.how if found else None, **info}
    write_environment(run_dir, env)


def read_environment(run_dir: Path) -> dict:
    path = Path(run_dir) / "environment.json"
    return json.loads(path.read_text()) if path.exists() else {}


def write_environment(run_dir: Path, env: dict) -> None:
    path = Path(run_dir) / "environment.json"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(env, indent=2) + "\n")
    os.replace(tmp, path)


def machine_record() -> dict:
    cpu = "unknown"
    try:
        for ln in Path("/proc/cpuinfo").read_text().splitlines():
            if ln.startswith("model name"):
                cpu = ln.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    os_name = platform.platform()
    try:
        for ln in Path("/etc/os-release").read_text().splitlines():
            if ln.startswith("PRETTY_NAME="):
                os_name = ln.split("=", 1)[1].strip('"')
    except OSError:
        pass
    debian = Path("/etc/debian_version")
    return {"cpu": cpu, "cores": os.cpu_count(), "os": os_name,
            "debian_version": debian.read_text().strip() if debian.exists() else None,
            "kernel": platform.release(), "python": platform.python_version(),
            "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE")}


def dgemm_gflops(threads: int, n: int = 2000, repeats: int = 5) -> float:
    """The machine's reference: NumPy's DGEMM rate on one n x n product, with the run's thread count (median)."""
    from threadpoolctl import threadpool_limits
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((n, n)), rng.standard_normal((n, n))
    with threadpool_limits(limits=threads, user_api="blas"):
        a @ b
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            a @ b
            times.append(time.perf_counter() - start)
    return 2 * n ** 3 / float(np.median(times)) / 1e9


def new_run_dir(base: Path, quick: bool) -> Path:
    """results/<date-time>[-quick], with a counter when two runs start in the same second."""
    name = datetime.now().strftime("%Y%m%d-%H%M%S") + ("-quick" if quick else "")
    Path(base).mkdir(parents=True, exist_ok=True)
    for n in range(1, 100):
        run_dir = Path(base) / (name if n == 1 else f"{name}-{n}")
        try:
            run_dir.mkdir()
            return run_dir
        except FileExistsError:
            continue
    raise RuntimeError(f"could not make a new run folder in {base}")


def probe(langs: list[str], threads: int, run_dir: Path, results: ResultsFile, log: Callable[[str], None]) -> list[str]:
    """The languages that start: each one's version, BLAS and threads are recorded; the others are marked."""
    available = []
    for lang in langs:
        runner = get_runner(lang)
        if not runner.available():
            reason = runner.missing_reason()
            if runner.install_hint not in reason:
                reason += f"; install: {runner.install_hint}"
            log(f"{lang}: missing ({reason})")
            results.add([Row(lang, "all", "", "status", "", 0, "", "missing: " + reason)])
            continue
        try:  # the runtime's version, BLAS and threads, and proof that it starts at all
            info = runner.run("info", {}, timeout=300, threads=threads).info
        except PortError as exc:
            log(f"{lang}: does not work: {exc.describe()}")
            results.add([Row(lang, "all", "", "status", "", 0, "", "broken: " + exc.reason)])
            continue
        record_language(run_dir, lang, info)
        available.append(lang)
    return available


def run(langs: list[str], settings: Settings, seed: int = 0, threads: int = 1, out_base: Path | None = None,
        quiet: bool = False, data_dir: Path | None = None, keep_inputs: bool = False,
        log: Callable[[str], None] = print) -> tuple[Path, list[str]]:
    """Runs every task for every language; returns the run folder and the list of failures."""
    langs = ["python", *[lang for lang in langs if lang != "python"]]  # the reference runs first: parity needs it
    run_dir = new_run_dir(out_base or REPO / "results", settings.quick_version)
    results = ResultsFile(run_dir / "results.csv")
    env = {"run_id": run_dir.name, "started": datetime.now().isoformat(timespec="seconds"), "seed": seed,
           "threads": threads, "langs": langs, "settings": {k: v for k, v in settings.__dict__.items()},
           "machine": machine_record()}
    write_environment(run_dir, env)
    log(f"run folder: {run_dir}")
    failed: list[str] = []
    progress = None
    interrupted = False
    try:
        log(f"measuring the machine's DGEMM rate ({threads} thread{'s' if threads > 1 else ''})...")
        results.add([Row("machine", "dgemm", "n=2000", "gflops", "", dgemm_gflops(threads), "GFLOP/s")])
        available = probe(langs, threads, run_dir, results, log)
        failed += [lang for lang in langs if lang not in available]
        progress = Progress(total=len(available) * len(settings.tasks), quiet=quiet)
        ctx = RunContext(run_dir, available, settings, seed, threads, results, progress, data_dir,
                         log=progress.write)
        for task in settings.tasks:
            for lang in available:
                progress.start(lang, task)
                failed += run_task(ctx, task, lang)
                progress.done()
    except KeyboardInterrupt:  # Ctrl-C: what finished is in results.csv already; say so and stop
        interrupted = True
        failed.append("interrupted")
    finally:
        if progress is not None:
            progress.close()
        if not keep_inputs:
            shutil.rmtree(run_dir / "inputs", ignore_errors=True)
        env = read_environment(run_dir)
        env["finished" if not interrupted else "interrupted"] = datetime.now().isoformat(timespec="seconds")
        write_environment(run_dir, env)
    return run_dir, failed


def run_task(ctx: RunContext, task: str, lang: str) -> list[str]:
    """One task of one language, its rows written at once; returns the failure, if any, for the summary."""
    try:
        rows = TASKS[task](ctx, lang)
        bad = [r for r in rows if not np.isfinite(r.value)]
        if bad:
            raise PortError(lang, f"{task}: non-finite value in {bad[0].metric} {bad[0].case} {bad[0].index}")
    except PortError as exc:
        note = exc.reason + (" | last output: " + " / ".join(exc.tail.splitlines()[-5:]) if exc.tail else "")
        return fail(ctx, lang, task, exc.describe(), note)
    except (ArithmeticError, LookupError, ValueError, TypeError) as exc:  # results the harness cannot use
        return fail(ctx, lang, task, f"{lang}: {task}: unusable results ({type(exc).__name__}: {exc})",
                    f"unusable results: {type(exc).__name__}: {exc}")
    wrong = mismatches(rows)
    if wrong:
        ctx.results.add(rows)
        return fail(ctx, lang, task, f"{lang}: {task}: " + "; ".join(wrong), "parity: " + "; ".join(wrong))
    ctx.results.add(rows + [Row(lang, task, "", "status", "", 1)])
    return []


def fail(ctx: RunContext, lang: str, task: str, message: str, note: str) -> list[str]:
    ctx.progress.write(f"FAILED {message}")
    ctx.results.add([Row(lang, task, "", "status", "", 0, "", note)])
    return [f"{lang} {task}"]
