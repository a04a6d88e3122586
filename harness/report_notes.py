"""The report's last sections: Julia's CPU target, and the anomalies (a table at the end, not ahead of the
results)."""
from __future__ import annotations

import numpy as np

from .readout import anomalies, estimate, wide_intervals, with_ci
from .stats import WIDE


def target_section(df, env) -> list[str]:
    """Julia with and without the CPU target it was started with, measured in the same rounds."""
    part = df[df.task == "cpu_target"]
    info = env.get("languages", {}).get("julia", {})
    if part.empty:
        return []
    target = info.get("cpu_target", "?")
    lines = ["## Julia's CPU target", "",
             f"Julia's compiler does not know this CPU (Sys.CPU_NAME: {info.get('cpu', '?')}), and left to itself "
             f"compiles for a generic x86-64 without AVX; the run started it with `-C {target}`, the best target "
             "the CPU's flags support. The bench step at the base size, by a Julia started that way and by one left "
             "to its own choice (*native*), in the same rounds:", "",
             f"| variant | -C {target} (ms) | native (ms) | native / {target} |", "|---|---|---|---|"]
    for variant in ("layers", "fused"):
        case = next((c for c in part.case.unique() if c.endswith(f" {target}")), None)
        if case is None:
            return []
        base = case.removesuffix(f" {target}")
        tuned = estimate(df, "julia", "cpu_target", case, "step_time_estimate", variant)
        native = estimate(df, "julia", "cpu_target", f"{base} native", "step_time_estimate", variant)
        r = estimate(df, "julia", "cpu_target", base, "native_over_target_ratio", variant)
        if np.isfinite(tuned.value):
            lines.append(f"| {variant} | {with_ci(tuned, 1e3)} | {with_ci(native, 1e3)} | {with_ci(r)} |")
    return lines + [""]


def anomalies_section(df, langs) -> list[str]:
    """The table at the end of the report: every interval wider than ±3%, every BLAS floor above its step, and
    every quantity with measurements over 3x its median."""
    found = anomalies(df, langs)
    wide, total = wide_intervals(df)
    lines = ["## Anomalies", "", f"{wide} of {total} ratios to Python have a 95% interval wider than ±{WIDE:.0%}."]
    if not found:
        return lines + ["No BLAS floor is above its step, and no measurement is over 3× its median.", ""]
    return lines + ["", "| who | quantity | what |", "|---|---|---|", *[f"| {w} | {q} | {a} |" for w, q, a in found],
                    ""]
