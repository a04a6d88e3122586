"""Reading a run back: the values, estimates and settings in a results table, and their formatting.

Everything that reads a run (report.md, the plots, the terminal summary, `compare`) goes through these, so that
they all say the same thing about the same numbers. They need results.csv alone; environment.json, when there
is one, adds the machine and the settings as recorded at the start of the run.
"""
from __future__ import annotations

import json
import weakref
from pathlib import Path

import numpy as np
import pandas as pd

from .languages import REFERENCE, ordered
from .results import SETTINGS_TASK, find_results, read_results
from .settings import Participant
from .stats import WIDE, Estimate

NAN = float("nan")


def load_run(run_dir: Path) -> tuple[pd.DataFrame, dict]:
    """A run folder's results table and environment record ({} when there is none)."""
    run_dir = Path(run_dir)
    df = read_results(find_results(run_dir))
    env_path = run_dir / "environment.json"
    env = json.loads(env_path.read_text()) if env_path.exists() else {}
    return df, env


def run_settings(df: pd.DataFrame, env: dict) -> dict:
    """The run's settings: from environment.json where recorded, else from the settings rows of the CSV."""
    if env.get("settings"):
        return {**env["settings"], "seed": env.get("seed"), "threads": env.get("threads")}
    rows = df[(df.lang == "all") & (df.task == SETTINGS_TASK)]
    return {m: (int(v) if float(v).is_integer() else float(v)) for m, v in zip(rows.metric, rows.value)
            if np.isfinite(v)}


def base_case(df: pd.DataFrame, settings: dict | None = None) -> str | None:
    """The case of the training run and of the headline bench step: from the settings (hidden, batch) when known,
    else the training run's case in the table."""
    if settings and "hidden" in settings and "batch" in settings:
        return f"hidden={settings['hidden']} batch={settings['batch']}"
    for task in ("train", "startup"):
        cases = [c for c in df.loc[df.task == task, "case"].unique() if c]
        if cases:
            return str(cases[0])
    return None


def case_shape(df: pd.DataFrame, task: str, case: str) -> dict[str, int]:
    """A case's sizes (hidden, batch) as the run recorded them (rows `hidden` and `batch` of lang "all"); for a run
    from before those rows, as its case name spells them ("hidden=50 batch=100")."""
    rows = df[(df.lang == "all") & (df.task == task) & (df.case == case) & df.metric.isin(["hidden", "batch"])]
    if len(rows):
        return {m: int(v) for m, v in zip(rows.metric, rows.value)}
    parts = [p.split("=", 1) for p in case.split()]
    if not all(len(p) == 2 for p in parts):
        return {}
    return {k: int(v) for k, v in parts if k in ("hidden", "batch") and v.isdigit()}


def vals(df: pd.DataFrame, lang: str, task: str, metric: str, case: str | None = None) -> np.ndarray:
    sel = (df.lang == lang) & (df.task == task) & (df.metric == metric)
    if case is not None:
        sel &= df.case == case
    return df.loc[sel, "value"].to_numpy(dtype=float)


def one(df: pd.DataFrame, lang: str, task: str, metric: str, case: str | None = None) -> float:
    v = vals(df, lang, task, metric, case)
    return float(v[-1]) if v.size else NAN


def layered(df: pd.DataFrame) -> pd.DataFrame:
    """The rows of the book's layered code (and those of no language)."""
    return df[df.variant != "fused"]


ESTIMATE_FIELDS = ("estimate", "median", "ci_low", "ci_high", "pi_low", "pi_high", "generations", "rounds", "outliers")
_ESTIMATES: dict[int, dict[tuple, dict[str, float]]] = {}  # id(table) -> its estimates; dropped with the table


def estimates_of(df: pd.DataFrame) -> dict[tuple, dict[str, float]]:
    """Every estimate the table holds, by (lang, variant, task, case, metric): made once per table (a report asks
    for thousands, and a full run's table has some 400 000 rows). The table must not change afterwards."""
    found = _ESTIMATES.get(id(df))
    if found is None:
        part = df[df["index"].astype(str).isin(ESTIMATE_FIELDS)]
        found = {}
        for key, field, value in zip(zip(part.lang, part.variant, part.task, part.case, part.metric),
                                     part["index"].astype(str), part.value.astype(float)):
            found.setdefault(key, {})[field] = value
        _ESTIMATES[id(df)] = found
        weakref.finalize(df, _ESTIMATES.pop, id(df), None)
    return found


def estimate(df: pd.DataFrame, lang: str, task: str, case: str, metric: str, variant: str = "layers") -> Estimate:
    """An estimate the run wrote (METRIC rows with index estimate, ci_low, ci_high, pi_low, pi_high, generations,
    rounds, outliers; runs from before the generations wrote `median` and no prediction interval)."""
    v = estimates_of(df).get((lang, variant, task, case, metric), {})
    value = v.get("estimate", v.get("median"))
    if value is None:
        return Estimate(NAN, NAN, NAN, 0)
    return Estimate(value, v.get("ci_low", NAN), v.get("ci_high", NAN), int(v.get("rounds", 0) or 0),
                    int(v.get("outliers", 0) or 0), v.get("pi_low", NAN), v.get("pi_high", NAN),
                    int(v.get("generations", 0) or 0))


def languages(df: pd.DataFrame) -> list[str]:
    langs = [x for x in df.lang.unique() if x not in ("machine", "all")]
    return ordered(langs)


def failed(df: pd.DataFrame, lang: str, task: str, variant: str = "layers") -> bool:
    """The task's status row says the language failed it."""
    sel = df[(df.lang == lang) & (df.variant == variant) & (df.task == task) & (df.metric == "status")]
    return bool(len(sel)) and not sel.value.iloc[-1] > 0


def failures(df: pd.DataFrame) -> list[tuple[Participant, str, str]]:
    """(who, task, why) for every task a language failed."""
    rows = df[(df.metric == "status") & (df.value == 0)]
    return [(Participant(r.lang, r.variant), r.task, r.note) for _, r in rows.iterrows()]


def largest_vs_python(df: pd.DataFrame, lang: str, task: str, index: str | None = None) -> float:
    """The largest recorded difference from Python for a task (and array); NaN when none was recorded."""
    sel = (df.lang == lang) & (df.task == task) & (df.metric == "vs_python_rel")
    if index is not None:
        sel &= df["index"].astype(str) == index
    v = df.loc[sel, "value"]
    return float(v.max()) if len(v) else NAN


def fmt(v, digits: int = 3) -> str:
    if isinstance(v, str):
        return v
    if v is None or not np.isfinite(v):
        return "–"
    if v != 0 and (abs(v) < 1e-3 or abs(v) >= 1e5):
        return f"{v:.2e}"
    return f"{v:.{digits}g}"


def with_ci(e: Estimate | None, scale: float = 1.0, digits: int = 3) -> str:
    """'1.23 [1.20, 1.26]': an estimate with its 95% CI ('–' when there is none)."""
    if e is None or not np.isfinite(e.value):
        return "–"
    text = fmt(e.value * scale, digits)
    if np.isfinite(e.low) and np.isfinite(e.high):
        text += f" [{fmt(e.low * scale, digits)}, {fmt(e.high * scale, digits)}]"
    return text


def time_unit(seconds: float) -> tuple[float, str]:
    """The scale and unit (ms or µs) in which `seconds` reads best."""
    return (1e3, "ms") if seconds >= 1e-4 else (1e6, "µs")


def ratio_cell(df: pd.DataFrame, lang: str, task: str, case: str, name: str, variant: str = "layers") -> str:
    if lang == REFERENCE:
        if failed(df, lang, task, variant):
            return "failed: no reference"
        measured = np.isfinite(estimate(df, lang, task, case, f"{name}_estimate", variant).value)
        return "1 (reference)" if measured else "–"
    return with_ci(estimate(df, lang, task, case, f"{name}_ratio", variant))


def bench_cases(df: pd.DataFrame) -> list[str]:
    """The bench cases measured, smallest batch first, then smallest hidden size."""
    cases = df.loc[(df.task == "bench") & (df.metric == "step_time_estimate"), "case"].unique()
    return sorted(cases, key=lambda c: (case_shape(df, "bench", c).get("batch", 0),
                                        case_shape(df, "bench", c).get("hidden", 0), c))


def abstraction_cases(df: pd.DataFrame, settings: dict | None = None) -> list[tuple[str, str]]:
    """(task, case) of the quantities measured in both variants: the bench cases at the base hidden size with batch
    1 and the base batch, the training run, and the perceptron's AND."""
    found = df[(df.variant == "fused") & df.metric.isin(["step_time_estimate", "epoch_time_estimate"])
               & df.task.isin(["bench", "train", "perceptron"])]
    base = case_shape(df, "bench", base_case(df, settings) or "")
    out = []
    for task, case in dict.fromkeys(zip(found.task, found.case)):
        if task == "bench":
            shape = case_shape(df, "bench", case)
            same_hidden = base and shape.get("hidden") == base.get("hidden")
            if not same_hidden or shape.get("batch") not in (1, base.get("batch")):
                continue
        out.append((task, case))
    order = {"bench": 0, "train": 1, "perceptron": 2}
    return sorted(out, key=lambda tc: (order.get(tc[0], 3), case_shape(df, tc[0], tc[1]).get("batch", 0)))


def anomalies(df: pd.DataFrame, langs: list[str]) -> list[tuple[str, str, str]]:
    """What to read with care, found in the results, as (who, quantity, what): a BLAS floor above the layered step
    it is part of (a fused step that reuses buffers may come in under the floor, whose products allocate: that is
    expected), an interval wider than ±3% of its estimate, measurements more than 3x their median."""
    out = []
    for case in df.loc[(df.task == "bench") & (df.metric == "step_time_estimate"), "case"].unique():
        for lang in langs:
            for variant in ("layers",):
                step = estimate(df, lang, "bench", case, "step_time_estimate", variant)
                blas = estimate(df, lang, "bench", case, "blas_time_estimate", variant)
                if blas.value > step.value:
                    out.append((str(Participant(lang, variant)), f"bench {case}",
                                f"the BLAS floor ({with_ci(blas, 1e3)} ms) is above the step "
                                f"({with_ci(step, 1e3)} ms)"))
    for kind in ("_ratio", "_estimate"):
        for (lang, variant, task, case, metric), _ in interval_rows(df, kind):
            e = estimate(df, lang, task, case, metric, variant)
            if e.wide and np.isfinite(e.value) and (kind == "_ratio" or lang == REFERENCE):
                out.append((str(Participant(lang, variant)), f"{task} {case}".strip(),
                            f"{metric.removesuffix(kind).replace('_', ' ')}{kind.replace('_', ' ')} {with_ci(e)}: "
                            f"interval ±{e.half_width:.1%}, wider than ±{WIDE:.0%}"))
    est = df[df.metric.str.endswith("_estimate") & (df["index"].astype(str) == "outliers") & (df.value > 0)]
    for _, r in est.iterrows():
        what = r.metric.removesuffix("_estimate").replace("_", " ")
        out.append((str(Participant(r.lang, r.variant)), f"{r.task} {r.case}".strip(),
                    f"{int(r.value)} measurement(s) of {what} over 3× the median"))
    return out


def interval_rows(df: pd.DataFrame, kind: str):
    """The estimates of a kind (`_ratio` or `_estimate`) the run wrote, grouped by who, task, case and metric."""
    sel = df[df.metric.str.endswith(kind) & (df["index"].astype(str).isin(["estimate", "median"]))
             & ~df.metric.str.contains("abstraction")]
    return sel.groupby(["lang", "variant", "task", "case", "metric"], sort=False)


def wide_intervals(df: pd.DataFrame) -> tuple[int, int]:
    """(how many, of how many) ratios to Python have a 95% interval wider than ±3%."""
    widths = [estimate(df, *key[:1], *key[2:], key[1]).half_width for key, _ in interval_rows(df, "_ratio")]
    return sum(w > WIDE for w in widths), len(widths)
