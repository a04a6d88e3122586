"""The registry of languages (harness/languages.py): a language added there alone is in `check`, in a run and in
every table of its report; and what the rest of the project reads from the registry."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from harness.languages import LANGUAGES, NAMES, PORTS, REFERENCE, color, debian_packages, ordered
from harness.runners import RUNNERS
from harness.runners.base import REPO

# the reference's own port under another name: a fifth language whose every result is known
CLONE = ('    Language("pyclone", "PyClone", "#8C564B", "python_impl", "entry.py", "python:PythonRunner", (),\n'
         '             r"Python 3\\.\\d+", "library", "monotonic"),\n')


def test_every_language_has_a_runner_a_port_folder_and_its_dispatcher():
    assert NAMES[0] == REFERENCE and REFERENCE not in PORTS and set(PORTS) | {REFERENCE} == set(NAMES)
    for name, lang in LANGUAGES.items():
        assert RUNNERS[name].name == name
        assert (REPO / lang.folder / lang.entry).is_file(), lang
        assert re.fullmatch(r"#[0-9A-Fa-f]{6}", lang.color) and lang.threads_source in ("library", "inferred")
    assert len({lang.color for lang in LANGUAGES.values()}) == len(NAMES)  # no two languages look alike
    assert ordered(["scilab", "zeta", REFERENCE]) == [REFERENCE, "scilab", "zeta"] and color("zeta") == "#555555"


def test_every_runner_starts_the_dispatcher_the_registry_names():
    """The command each runner builds (Julia's without the -C its CPU would add, as the cpu_target task starts it
    too) starts the registry's dispatcher; so does the benchmark's recognition of its own workers."""
    from harness.machine import looks_like_bench
    from harness.runners.base import Found
    from harness.runners.julia import JuliaRunner
    for runner in (*RUNNERS.values(), JuliaRunner("julia-native", native=True)):
        lang = runner.language or runner.name
        if lang == "julia" and not runner.native:
            continue  # the tuned Julia asks the executable for its CPU name: run by the Julia tests
        cmd = runner.command(Found("/usr/bin/true", "test"), "--worker")
        entry = REPO / LANGUAGES[lang].folder / LANGUAGES[lang].entry
        assert str(entry) in cmd or LANGUAGES[lang].folder + ".entry" in cmd, (runner.name, cmd)
        assert looks_like_bench(cmd), cmd


def test_the_set_up_installs_the_registrys_packages():
    out = subprocess.run([sys.executable, str(REPO / "harness" / "languages.py"), "packages"], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == debian_packages() and {"octave", "scilab-cli", "libopenblas0-pthread"} <= set(out)
    assert "harness/languages.py packages" in (REPO / "scripts" / "setup.sh").read_text()


@pytest.fixture(scope="module")
def five(tmp_path_factory):
    """A copy of the project whose registry alone has one more language: the reference's port as `pyclone`."""
    root = tmp_path_factory.mktemp("five") / "project"
    listing = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]  # the working tree's files
    tracked = subprocess.run(listing, cwd=REPO, capture_output=True, check=True).stdout
    for rel in filter(None, tracked.decode().split("\0")):
        src = REPO / rel
        if src.is_file() and not rel.startswith("results/"):
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, root / rel)
    registry = root / "harness" / "languages.py"
    text = registry.read_text()
    assert text.count("\n)}") == 1
    registry.write_text(text.replace("\n)}", "\n" + CLONE.rstrip("\n") + "\n)}"))
    return root


def harness(root, *args, timeout=600):
    return subprocess.run([sys.executable, "-m", "harness", *args], cwd=root, capture_output=True, text=True,
                          timeout=timeout)


def test_a_language_added_to_the_registry_alone_is_checked(five):
    done = harness(five, "check", "--langs", "pyclone")
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"(\d+) of \1 comparisons within tolerance", done.stdout)
    assert "pyclone" in done.stdout


@pytest.mark.slow
def test_a_language_added_to_the_registry_alone_is_in_every_table_of_a_run(five, tmp_path):
    done = harness(five, "run", "--quick", "--langs", "pyclone", "--tasks", "perceptron,gradcheck,train,bench",
                   "--iters", "100", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert re.search(r"^pyclone\s", done.stdout, re.M) and re.search(r"^pyclone fused\s", done.stdout, re.M)
    (run_dir,) = tmp_path.iterdir()
    report = (run_dir / "report.md").read_text()
    sections = re.split(r"^## ", report, flags=re.M)
    for title in ("Summary", "Cost of the abstraction", "Perceptron", "Gradient check", "Training"):
        (body,) = [s for s in sections if s.startswith(title)]
        assert "| pyclone |" in body, title
    (scaling,) = [s for s in sections if s.startswith("Scaling")]
    assert re.search(r"^\| case \| variant \| rounds \| python \| pyclone \|", scaling, re.M)
    df = pd.read_csv(run_dir / "results.csv", low_memory=False)
    agree = df[(df.lang == "pyclone") & (df.metric == "vs_python_rel")].value
    assert len(agree) and (agree <= 1e-12).all()  # the same port: Python's own numbers


def test_every_language_has_a_colour_of_its_own():
    """Two languages drawn in near colours cannot be told apart in a plot (Python's and R's blues once were)."""
    rgb = {lang.name: np.array([int(lang.color[i:i + 2], 16) for i in (1, 3, 5)]) for lang in LANGUAGES.values()}
    near = [(a, b) for a in rgb for b in rgb if a < b and np.linalg.norm(rgb[a] - rgb[b]) < 60]
    assert not near, f"colours too near to tell apart: {near}"
