"""What is particular to the Scilab port: no name of it may hide a Scilab function (dynamic scoping), its
step clock survives a jump of the local time, and its two variants (layers, fused) hold their runs and cases
apart. The parity, interchange and failure tests every port shares are in test_ports.py.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from conftest import bench_inputs, require_lang

from harness.interchange import write_arrays
from harness.parity import rel_diff
from harness.runners import PortError
from harness.workers import Workers

LANG = "scilab"
PORT = Path(__file__).resolve().parents[1] / "scilab_impl"


@pytest.fixture
def scilab():
    return require_lang(LANG)


# --- Scilab's dynamic scoping --------------------------------------------------------------------------

def names_defined_by_the_port() -> set[str]:
    """Function names, parameters, outputs, loop variables and assigned variables of every port file."""
    names: set[str] = set()
    for path in sorted(PORT.glob("*.sci")) + [PORT / "entry.sce"]:
        code = re.sub(r"//.*", "", re.sub(r'"[^"\n]*"', '""', path.read_text()))
        for m in re.finditer(r"function\s+(?:\[([^\]]*)\]|(\w+))\s*=\s*(\w+)\s*\(([^)]*)\)", code):
            names.add(m.group(3))
            for group in (m.group(1) or m.group(2) or "", m.group(4)):
                names.update(n.strip() for n in group.split(","))
        for m in re.finditer(r"^\s*\[([^\]]*)\]\s*=", code, re.M):
            names.update(n.strip().split("(")[0].split(".")[0] for n in m.group(1).split(","))
        names.update(re.findall(r"^\s*(?:for\s+)?(\w+)\s*(?:\([^)]*\))?\s*=[^=]", code, re.M))
    return {n for n in names if re.fullmatch(r"[A-Za-z_]\w*", n)}


def test_no_name_hides_a_scilab_function(scilab, tmp_path):
    """A caller's variable hides a Scilab function of the same name from every macro it calls (Scilab 2024's
    modulo() failed under a variable named ndims), so no variable or function of the port may take one."""
    names = sorted(names_defined_by_the_port())
    assert len(names) > 50
    (tmp_path / "names.txt").write_text("\n".join(names) + "\n")
    script = tmp_path / "check.sce"
    script.write_text(f'nnbench_check_names = mgetl("{tmp_path / "names.txt"}");\n'
                      'for nnbench_check_i = 1:size(nnbench_check_names, "*")\n'
                      '    if exists(nnbench_check_names(nnbench_check_i)) then\n'
                      '        mprintf("taken %s\\n", nnbench_check_names(nnbench_check_i));\n'
                      '    end\n'
                      'end\nexit(0);\n')
    out = subprocess.run([scilab.find().exe, "-nb", "-nouserstartup", "-f", str(script)], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    taken = [ln.split()[1] for ln in out.stdout.splitlines() if ln.startswith("taken ")]
    assert out.returncode == 0, out.stderr
    assert not taken, f"names of Scilab functions used in scilab_impl: {taken}"


def test_step_clock_survives_a_time_zone_jump(scilab, tmp_path):
    """tic/toc subtract local clock fields: toc jumps by hours when the local time does (midnight, daylight
    saving, TZ). wall_toc folds such jumps back for the short intervals the port times."""
    script = tmp_path / "clock.sce"
    script.write_text(f'exec("{PORT / "train.sci"}", -1);\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC+5"); a = toc();\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC+5"); b = wall_toc();\n'
                      'setenv("TZ", "UTC"); tic(); sleep(50); setenv("TZ", "UTC-1"); c = wall_toc();\n'
                      'mprintf("clock %.6f %.6f %.6f\\n", a, b, c);\nexit(0);\n')
    out = subprocess.run([scilab.find().exe, "-nb", "-nouserstartup", "-f", str(script)], capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("clock "))
    raw, after_minus_5h, after_plus_1h = map(float, line.split()[1:])
    # the jump is real: -5 h, or +19 h when the local date changes in between (from 00:00 to 05:00 UTC), since toc
    # ignores the date (if this fails, Scilab's toc became monotonic: good news)
    assert min(abs(raw + 18000), abs(raw - 68400)) < 5
    assert 0.04 < after_minus_5h < 5 and 0.04 < after_plus_1h < 5


# --- the two variants (layers, fused) ------------------------------------------------------------------


@pytest.fixture
def pool(scilab):
    with Workers() as workers:
        yield workers


def test_held_runs_and_cases_are_per_variant(pool, tmp_path):
    """A request for a variant that holds nothing says so and names it; a bench_round that names another variant
    than its case's is an error; the worker goes on after both."""
    write_arrays(tmp_path / "case", bench_inputs(5, 2))
    pool.request(LANG, "bench_begin", {"case_id": "c_fused", "lr": 0.1, "variant": "fused"},
                 input_dir=tmp_path / "case", timeout=120)
    with pytest.raises(PortError, match="held with variant fused, not layers"):
        pool.request(LANG, "bench_round", {"case_id": "c_fused", "warmup": 0, "inner": 1, "verify": 0,
                                           "variant": "layers"}, timeout=60)
    got = pool.request(LANG, "bench_round", {"case_id": "c_fused", "warmup": 0, "inner": 1, "verify": 1,
                                             "variant": "fused"}, timeout=60).arrays
    assert rel_diff(got["W1"], bench_inputs(5, 2)["W1"]) > 0
    with pytest.raises(PortError, match=r"train_steps \(variant fused\) before train_begin \(variant fused\)"):
        pool.request(LANG, "train_steps", {"first": 0, "steps": 1, "variant": "fused"}, timeout=60)
    with pytest.raises(PortError, match=r"train_end \(variant layers\) before train_begin"):
        pool.request(LANG, "train_end", {}, timeout=60)
    assert pool.serial(LANG) == 1
