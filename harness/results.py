"""The tidy results table: one row per language x variant x task x case x metric (x index for series).

`variant` is `layers` (the book's structure) or `fused` (the same step as fast, clear code: docs/porting.md);
rows that belong to no language (the machine's, all languages') leave it empty.

Rows are appended to results.csv as each task finishes, so an interrupted run keeps what it did.
"""
from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

COLUMNS = ("lang", "variant", "task", "case", "metric", "index", "value", "unit", "note")
VARIANTS = ("layers", "fused")
SETTINGS_TASK = "settings"  # rows (lang "all") holding a run's settings, so that the table stands alone


@dataclass
class Row:
    lang: str
    task: str
    case: str
    metric: str
    index: int | str
    value: float
    unit: str = ""
    note: str = ""
    variant: str = "layers"


class ResultsFile:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            with open(self.path, "w", newline="") as f:
                csv.writer(f).writerow(COLUMNS)

    def add(self, rows: list[Row]) -> None:
        with open(self.path, "a", newline="") as f:
            w = csv.writer(f)
            for r in rows:
                missing = r.value is None or (isinstance(r.value, float) and math.isnan(r.value))
                value = "" if missing else repr(float(r.value))
                variant = "" if r.lang in ("machine", "all") else r.variant
                w.writerow([r.lang, variant, r.task, r.case, r.metric, r.index, value, r.unit, r.note])


def series(lang: str, task: str, case: str, metric: str, values, unit: str = "", start: int = 0,
           variant: str = "layers") -> list[Row]:
    return [Row(lang, task, case, metric, start + i, float(v), unit, variant=variant)
            for i, v in enumerate(np.ravel(values))]


def find_results(run_dir: Path) -> Path:
    """A run folder's results table: results.csv, or results.csv.gz as committed (pandas reads either)."""
    plain = Path(run_dir) / "results.csv"
    packed = plain.with_suffix(".csv.gz")
    return packed if packed.is_file() and not plain.is_file() else plain


def read_results(path: Path):
    import pandas as pd
    df = pd.read_csv(path, dtype={"lang": str, "variant": str, "task": str, "case": str, "metric": str, "unit": str,
                                  "note": str}, keep_default_na=False, na_values={"value": [""]}, low_memory=False)
    if "variant" not in df.columns:  # a run from before the fused variants: all of it is the layered code
        df.insert(1, "variant", np.where(df["lang"].isin(["machine", "all"]), "", "layers"))
    missing = [c for c in COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"no column {missing[0]!r} (expected {', '.join(COLUMNS)})")
    for c in ("lang", "variant", "task", "case", "metric"):  # a few hundred distinct values in 400 000 rows: as
        df[c] = df[c].astype("category")  # categories, a report's thousands of lookups take 1 s, not 2 min
    df["value"] = pd.to_numeric(df["value"], errors="coerce")
    return df
