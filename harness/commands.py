"""The commands around the benchmark: doctor (what is installed), data (MNIST), grad (one language's gradients for
your arrays), check (parity with Python, fast), plot (a run's report again) and compare (runs side by side)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .arguments import parse_langs, usage_error
from .languages import REFERENCE
from .runners import LANGS, RUNNERS, PortError, get_runner


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
        for key in ("version", "blas", "blas_threads", "blas_threads_source"):
            print(f"{'':8}          {key:12} {info.get(key, 'not reported')}")
    from .data import FILES, default_dir, verified
    folder = Path(args.data_dir) if args.data_dir else default_dir()
    ok = verified(folder) if folder.is_dir() else {n: False for n in FILES}
    print(f"{'mnist':8} {'ok      ' if all(ok.values()) else 'MISSING '} {folder}  ({sum(ok.values())} of 4 files "
          "verified)"
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
    from .grad_input import InputError, check_out, load_npz, save_npz, validate
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
    print(f"{args.lang} {kind} gradients of {args.model} written to {args.out} (loss "
          f"{float(result.arrays['loss']):.12g})")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from . import check
    langs = [lang for lang in parse_langs(args.langs) if lang != REFERENCE] if args.langs else \
        [lang for lang in LANGS if lang != REFERENCE and RUNNERS[lang].available()]
    if not langs:
        why = "--langs names none of them" if args.langs else \
            "none of them is installed (see `python -m harness doctor`)"
        print(f"nothing to compare: check compares the other languages with the Python reference, and {why}")
        return 1
    rows, failures = [], []
    for lang in [REFERENCE, *langs]:  # the reference's own fused variant first, against its layered code
        steps = [] if lang == REFERENCE else [lambda lang=lang: check.layer_rows(lang)] + [
            (lambda lang=lang, m=m, lab=lab: check.grad_rows(lang, m, labels=lab))
            for m in ("two_layer_net", "perceptron") for lab in (True, False)]
        steps.append(lambda lang=lang: check.fused_rows(lang))
        if args.full and lang != REFERENCE:
            steps += [lambda lang=lang, m=m: check.numerical_rows(lang, m) for m in ("two_layer_net", "perceptron")]
            steps.append(lambda lang=lang: check.train_rows(lang))
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


def print_summary(run_dir: Path) -> None:
    """The table a run ends with, on standard output."""
    from .readout import load_run
    from .summary import terminal_table
    df, env = load_run(run_dir)
    print("", *terminal_table(df, env), "", sep="\n")


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
              f"({type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''})",
              file=sys.stderr)
        return 2
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    from .compare import compare_runs
    from .results import find_results
    dirs = [Path(d) for d in args.run_dirs]
    if len(dirs) < 2:
        usage_error("compare needs at least two run folders")
    for d in dirs:
        if not find_results(d).is_file():
            print(f"error: {d / 'results.csv'} does not exist", file=sys.stderr)
            return 2
    try:
        lines = compare_runs(dirs)
    except (ValueError, KeyError) as exc:  # pandas' parser errors are ValueErrors
        print(f"error: a results table this harness did not write ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 2
    default = "comparison-" + "-".join(d.resolve().name for d in dirs) + ".md"
    out = Path(args.out) if args.out else dirs[0].resolve().parent / default
    print("\n".join(lines))
    try:
        out.write_text("\n".join(lines))
    except OSError as exc:
        print(f"error: cannot write {out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"comparison: {out}")
    return 0
