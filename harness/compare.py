"""`python -m harness compare RUN_DIR RUN_DIR [...]`: runs side by side, from their results.csv (and
environment.json where there is one). What differs between the runs' machines, runtimes and settings comes first;
then, per language and quantity, each run's estimate and ratio to Python with their 95% CIs, a change flagged
where the later run's interval does not overlap the first run's, and whether the runs' ratios lie within each
other's prediction intervals (counted over all pairs, and the count weighed against what honest intervals give).
Quantities whose settings differ are not compared: the table says which settings differ instead."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .languages import REFERENCE
from .readout import base_case, estimate, languages, load_run, run_settings, time_unit, with_ci
from .settings import Participant
from .stats import Estimate, honest_agreement

# Which settings each quantity depends on: a difference there makes two runs' numbers unlike.
DEPENDS = {"train": ("iters", "batch", "hidden", "lr", "train_chunk", "eval_every"),
           "perceptron": ("perceptron_epochs", "perceptron_lr", "perceptron_repeats"),
           "bench": ("bench_target_s",), "startup": ("batch", "hidden")}
ENV_KEYS = (("machine", "cpu"), ("machine", "cores"), ("machine", "os"), ("machine", "kernel"), ("machine", "python"),
            ("machine", "openblas_coretype"), ("threads",), ("project",), ("malloc", "GLIBC_TUNABLES"),
            ("schedule", "pinned_cpus"))
LANG_KEYS = ("version", "blas", "blas_threads")


def _get(d: dict, path: tuple[str, ...]):
    for k in path:
        d = d.get(k, {}) if isinstance(d, dict) else {}
    return d if d != {} else None


def environment_differences(envs: list[dict]) -> list[str]:
    out = []
    langs = sorted({x for e in envs for x in e.get("languages", {})})
    paths = list(ENV_KEYS) + [("languages", lang, key) for lang in langs for key in LANG_KEYS]
    for path in paths:
        values = [_get(e, path) for e in envs]
        if len({repr(v) for v in values}) > 1:
            out.append(f"{'.'.join(path)}: " + " | ".join("not recorded" if v is None else str(v) for v in values))
    return out


def change(first: Estimate, later: Estimate, up: str, down: str) -> str:
    """How `later` differs from `first`: a word only when their 95% CIs do not overlap."""
    if not (np.isfinite(first.value) and np.isfinite(later.value)):
        return ""
    if not all(np.isfinite(x) for x in (first.low, first.high, later.low, later.high)):
        return "no CI"
    factor = later.value / first.value if first.value else float("nan")
    if later.low > first.high:
        return f"{up} ×{factor:.2f}"
    if later.high < first.low:
        return f"{down} ×{factor:.2f}"
    return "same within CIs"


def agreement(ests: list[Estimate]) -> tuple[int, int]:
    """(pairs that agree, pairs): two runs agree when each one's estimate lies in the other's 95% prediction
    interval (runs from before prediction intervals are not counted)."""
    agree = pairs = 0
    for i, a in enumerate(ests):
        for b in ests[i + 1:]:
            if all(np.isfinite(x) for x in (a.value, b.value, a.pred_low, b.pred_low)):
                pairs += 1
                agree += a.predicts(b.value) and b.predicts(a.value)
    return agree, pairs


def agreement_verdict(rows: list[list[Estimate]]) -> list[str]:
    """The count of agreeing pairs over every quantity (`rows`: one list of the runs' estimates per quantity),
    weighed against what runs of an unchanged program on an unchanged machine give when their 95% prediction
    intervals are honest (stats.honest_agreement): such intervals leave about one pair in twelve disagreeing, so
    the count says whether the runs differ by more than their intervals allow, not whether all pairs agree."""
    counted = [agreement(r) for r in rows]
    agree, pairs = sum(a for a, _ in counted), sum(n for _, n in counted)
    if not pairs:
        return []
    gens = [[e.generations for e in r if np.isfinite(e.value) and np.isfinite(e.pred_low)] for r in rows]
    honest = honest_agreement(gens)
    low, high = (int(x) for x in np.percentile(honest, [2.5, 97.5]))
    if agree < low:
        verdict = ("these runs agree less often than that: they differ by more than their intervals allow (the code, "
                   "the machine or its state changed between them; the agree column says where)")
    elif agree > high:
        verdict = "these runs agree more often than that: their intervals are wider than the runs' spread needs"
    else:
        verdict = "these runs agree as often as that"
    return [f"**Agreement**: {agree} of {pairs} pairs of ratios ({agree / pairs:.0%}) lie within each other's 95% "
            f"prediction intervals. Runs of one program on one machine in one state, their intervals honest, give "
            f"about {honest.mean():.0f} ({honest.mean() / pairs:.0%}), {low} to {high} in 95% of such comparisons, "
            f"and all {pairs} in {np.mean(honest == pairs):.1%} of them: {verdict}."]


def quantities(dfs, settings) -> list[tuple[str, str, str, str]]:
    """(task, case, metric name, label) measured in every run; the training run at each run's own base case."""
    out = []
    cases = [base_case(df, s) for df, s in zip(dfs, settings)]
    if len(set(cases)) == 1 and cases[0]:
        out.append(("train", cases[0], "step_time", f"training step {cases[0]} (amortized)"))
        out.append(("train", cases[0], "step_time_typical", f"training step {cases[0]} (typical)"))
    common = set.intersection(*[set(df.loc[(df.task == "bench") & (df.metric == "step_time_estimate"), "case"])
                                for df in dfs])
    out += [("bench", c, "step_time", f"bench step {c}") for c in sorted(common)]
    out.append(("perceptron", "AND", "epoch_time", "perceptron epoch (AND)"))
    out.append(("startup", "", "startup_time", "process start-up"))
    return out


def compare_runs(run_dirs: list[Path]) -> list[str]:
    loaded = [load_run(d) for d in run_dirs]
    dfs, envs = [df for df, _ in loaded], [env for _, env in loaded]
    settings = [run_settings(df, env) for df, env in loaded]
    names = [env.get("run_id") or Path(d).name for d, env in zip(run_dirs, envs)]
    lines = ["# Comparison of runs", "", "| | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label, path in (("started", ("started",)), ("CPU", ("machine", "cpu")), ("OS", ("machine", "os"))):
        lines.append(f"| {label} | " + " | ".join(str(_get(e, path) or "not recorded") for e in envs) + " |")
    diffs = environment_differences(envs)
    lines += ["", "## What differs between the runs", ""]
    lines += [f"- {d}" for d in diffs] or ["- Machine, runtimes, BLAS and threads: the same, as far as recorded."]
    keys = sorted({k for s in settings for k in s} - {"tasks", "variants", "timeout"})
    differing = [k for k in keys if len({repr(s.get(k)) for s in settings}) > 1]
    lines += [f"- setting {k}: " + " | ".join(str(s.get(k, "not recorded")) for s in settings) for k in differing]
    lines += ["", "## Measurements", "",
              "Each run's estimate with its 95% CI; the change is the later run against the first, named only where "
              "the two intervals do not overlap (a regression is a longer time; for ratios, *up* means further behind "
              "Python). *Agree*: of the pairs of runs, how many have each run's ratio inside the other's 95% "
              "prediction interval (the range a next run's estimate should fall in, on the same machine).", "",
              "| quantity | language | " + " | ".join(f"{n}" for n in names) + " | change | ratio to Python: "
              + " | ".join(names) + " | change | agree |",
              "|---|---|" + "---|" * (2 * len(names) + 3)]
    compared = []
    langs = list(dict.fromkeys(lang for df in dfs for lang in languages(df)))
    for task, case, metric, label in quantities(dfs, settings):
        unlike = [k for k in DEPENDS.get(task, ()) if k in differing]
        if unlike:
            lines.append(f"| {label} | all | not compared: {', '.join(unlike)} differ |" + " |" * (2 * len(names) + 2))
            continue
        for lang in langs:
            for variant in ("layers", "fused"):
                times = [estimate(df, lang, task, case, f"{metric}_estimate", variant) for df in dfs]
                if not any(np.isfinite(t.value) for t in times):
                    continue
                scale, unit = time_unit(min(t.value for t in times if np.isfinite(t.value)))
                ratios = [estimate(df, lang, task, case, f"{metric}_ratio", variant) for df in dfs]
                who = str(Participant(lang, variant))
                cells = [f"{with_ci(t, scale)} {unit}" if np.isfinite(t.value) else "–" for t in times]
                rcells = ["reference" if lang == REFERENCE else with_ci(r) for r in ratios]
                tchange = "; ".join(filter(None, (change(times[0], t, "regression", "improvement") for t in times[1:])))
                rchange = "" if lang == REFERENCE else "; ".join(filter(None, (change(ratios[0], r, "up", "down")
                                                                               for r in ratios[1:])))
                agree, pairs = agreement(ratios) if lang != REFERENCE else (0, 0)
                if pairs:
                    compared.append(ratios)
                agreed = f"{agree} of {pairs}" if pairs else "–"
                lines.append(f"| {label} | {who} | " + " | ".join(cells) + f" | {tchange or '–'} | "
                             + " | ".join(rcells) + f" | {rchange or '–'} | {agreed} |")
    return lines + [""] + [line for v in agreement_verdict(compared) for line in (v, "")]
