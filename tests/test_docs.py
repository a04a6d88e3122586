"""The README and the docs quote the committed reference run: every interval they quote from it, and the accuracies,
must be in its results.csv, to the digits printed. A new reference run without a README that follows it fails here."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from harness.results import find_results, read_results

ROOT = Path(__file__).resolve().parents[1]
CITED = re.compile(r"results/(\d{8}-\d{6})/")
# "1.51 [1.39, 1.63]", "13% [9.9, 17]", "0.576 [0.519,\n0.638]": an estimate and its 95% interval
INTERVAL = re.compile(r"(\d+(?:\.\d+)?)(?:%|×| ms| µs)? \[(\d+(?:\.\d+)?), (\d+(?:\.\d+)?)\]")
SCALES = (1.0, 1e3, 1e6, 100.0)  # as a ratio or count, in ms, in µs, in %


def quoting_files() -> list[tuple[Path, str]]:
    """(file, run id) for the README and every doc that cites a committed run whose folder exists."""
    out = []
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for run in dict.fromkeys(CITED.findall(path.read_text())):
            if (ROOT / "results" / run).is_dir():
                out.append((path, run))
    return out


def intervals_of(run: str) -> np.ndarray:
    """Every (estimate, ci_low, ci_high) the run wrote."""
    df = read_results(find_results(ROOT / "results" / run))
    part = df[df["index"].astype(str).isin(["estimate", "ci_low", "ci_high"])]
    wide = part.pivot_table(index=["lang", "variant", "task", "case", "metric"], columns="index", values="value",
                            aggfunc="last", dropna=False)
    return wide[["estimate", "ci_low", "ci_high"]].dropna().to_numpy(dtype=float)


def printed(text: str, value: np.ndarray) -> np.ndarray:
    """Whether each value reads as `text` at the digits printed."""
    decimals = len(text.split(".")[1]) if "." in text else 0
    return np.abs(value - float(text)) <= 0.5 * 10.0 ** -decimals * (1 + 1e-9)


def section(path: Path, run: str) -> str:
    """The text that quotes the run: the README's *Reference run* section, or a doc's paragraphs that cite it."""
    text = path.read_text()
    if path.name == "README.md":
        text = text[text.index("## Reference run"):]
        text = text[:text.index("\n## ", 3)]
    else:
        text = "\n\n".join(p for p in text.split("\n\n") if f"results/{run}" in p)
    return " ".join(text.split())


@pytest.mark.parametrize("path, run", quoting_files(), ids=lambda v: getattr(v, "name", v))
def test_every_interval_quoted_from_the_reference_run_is_in_its_results(path, run):
    known = intervals_of(run)
    quoted = INTERVAL.findall(section(path, run))
    missing = [q for q in quoted
               if not any((printed(q[0], known[:, 0] * s) & printed(q[1], known[:, 1] * s)
                           & printed(q[2], known[:, 2] * s)).any() for s in SCALES)]
    assert not missing, f"{path.name} quotes intervals that results/{run} does not have: {missing}"


def test_the_readme_quotes_the_reference_runs_accuracies():
    (path, run), = [(p, r) for p, r in quoting_files() if p.name == "README.md"]
    df = read_results(find_results(ROOT / "results" / run))
    last = df[(df.task == "train") & df.metric.isin(["test_acc", "train_acc"])].groupby(["lang", "variant", "metric"])
    finals = {f"{v:.4f}" for v in last.value.last()}
    text = section(path, run)
    quoted = set(re.findall(r"\b0\.9\d{3}\b", text))
    assert quoted and quoted <= finals, f"README quotes accuracies {quoted - finals} the run does not end at"
    assert "Python" in text and len(finals) == 2  # one train and one test accuracy for every language and variant
