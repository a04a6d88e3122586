"""The machine's state during a run, read from /proc: the CPU time the host stole, the CPU time of processes that
are not this run's, the load average, and another benchmark of this project running at the same time (which
poisons both runs' timings). docs/measurement.md says how a run uses them."""
from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .languages import LANGUAGES, entry_path

PROC = Path("/proc")
TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
BUSY_OTHERS = 0.25  # CPUs' worth of other processes' time, on average, that makes a run "busy"
BUSY_STEAL = 0.05  # share of the CPU time stolen by the host that makes a run "busy"
# what another run of this project looks like in a process's command line
# (every port's worker: its dispatcher's path, or Python's folder as a module name, then --worker)
BENCH_MARKS = (("-m", "harness", "run"),
               *((lang.folder if lang.entry.endswith(".py") else entry_path(lang.name), "--worker")
                 for lang in LANGUAGES.values()))


def cpu_counters() -> tuple[int, int, int] | None:
    """(all, busy, stolen) CPU ticks since boot, summed over CPUs, from /proc/stat; None where there is none."""
    try:
        fields = (PROC / "stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return None
    if fields[0] != "cpu":
        return None
    v = [int(x) for x in fields[1:]]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    steal = v[7] if len(v) > 7 else 0
    total = sum(v[:8])  # guest time is already counted in user
    return total, total - idle, steal


def process_table() -> dict[int, tuple[int, int, list[str]]]:
    """pid -> (parent pid, CPU ticks used (user + system, of itself and its reaped children), command line)."""
    out = {}
    for d in PROC.glob("[0-9]*"):
        try:
            stat = (d / "stat").read_text()
            cmd = (d / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2:].split()
        ppid, cpu = int(rest[1]), sum(int(x) for x in rest[11:15])
        out[int(d.name)] = (ppid, cpu, [c.decode(errors="replace") for c in cmd if c])
    return out


def family(table: dict[int, tuple[int, int, list[str]]], root: int) -> set[int]:
    """root and every process descended from it."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    found, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.add(pid)
            todo += children.get(pid, [])
    return found


def ancestors(table: dict[int, tuple[int, int, list[str]]], pid: int) -> set[int]:
    found = set()
    while pid in table and pid not in found and pid > 1:
        found.add(pid)
        pid = table[pid][0]
    return found


def looks_like_bench(cmd: list[str]) -> bool:
    text = " ".join(cmd)
    return any(all(mark in text for mark in marks) for marks in BENCH_MARKS)


def other_benchmarks(table: dict[int, tuple[int, int, list[str]]] | None = None, me: int | None = None) -> list[str]:
    """Other runs of this project's benchmark on this machine, each named ("pid 123: python -m harness run --quick
    (in /home/u/nnbench)"), the harness rather than its workers where both are seen; a test suite of this project
    whose ports are running, named by its pytest process; the set-up and a test suite starting no port excluded."""
    table = process_table() if table is None else table
    me = os.getpid() if me is None else me
    mine = family(table, me) | ancestors(table, me)
    found = {}
    for pid, (_, _, cmd) in table.items():
        if pid in mine or not looks_like_bench(cmd):
            continue
        top = min((p for p in ancestors(table, pid) if looks_like_bench(table[p][2])),
                  key=lambda p: len(ancestors(table, p)), default=pid)
        tests = next((p for p in ancestors(table, pid) if "pytest" in " ".join(table[p][2])), None)
        if top in mine or tests in mine:
            continue
        if tests is not None:  # a test suite of this project: its workers compete for the CPUs all the same
            top = tests
        try:
            where = os.readlink(PROC / str(top) / "cwd")
        except OSError:
            where = "?"
        found[top] = f"pid {top}: {' '.join(table[top][2])[:120]} (in {where})"
    return list(found.values())


@dataclass
class Machine:
    """Samples the machine's state between rounds; `summary()` is what environment.json records."""
    me: int = field(default_factory=os.getpid)
    start: tuple | None = None
    last: tuple | None = None
    load: list[tuple[float, float]] = field(default_factory=list)  # (time, 1-minute load average)
    others: set[str] = field(default_factory=set)
    _checked: float = 0.0

    def _now(self) -> tuple | None:
        counters = cpu_counters()
        if counters is None:
            return None
        table = process_table()
        mine = sum(table[p][1] for p in family(table, self.me) if p in table)
        return time.monotonic(), *counters, mine, table

    def sample(self) -> None:
        now = self._now()
        if now is None:
            return
        if self.start is None:
            self.start = now[:5]
        self.last = now[:5]
        try:
            self.load.append((now[0], float((PROC / "loadavg").read_text().split()[0])))
        except (OSError, ValueError, IndexError):
            pass
        if now[0] - self._checked >= 5.0:  # another benchmark: looked for every few seconds
            self._checked = now[0]
            self.others.update(other_benchmarks(now[5], self.me))

    def mark(self) -> tuple | None:
        """The latest sample, to summarise from (`summary(since=...)`)."""
        self.sample()
        return self.last

    def summary(self, since: tuple | None = None) -> dict:
        """Over the samples so far (or since a mark): the share of CPU time stolen by the host, other processes' CPU
        use (in CPUs, on average), the mean 1-minute load average, whether that makes the run busy, and other
        benchmarks seen."""
        first = since or self.start
        if first is None or self.last is None or self.last[1] <= first[1]:
            return {"other_benchmarks": sorted(self.others)}
        dt = self.last[0] - first[0]
        total, busy, steal = (self.last[k] - first[k] for k in (1, 2, 3))
        others = max(0.0, (busy - (self.last[4] - first[4])) / TICKS / dt) if dt > 0 else 0.0
        stolen = steal / total if total else 0.0
        load = [v for t, v in self.load if t >= first[0]]
        return {"seconds": round(dt, 1), "steal_share": round(stolen, 4), "other_processes_cpus": round(others, 3),
                "load_average": round(sum(load) / len(load), 2) if load else None,
                "busy": bool(others > BUSY_OTHERS or stolen > BUSY_STEAL), "other_benchmarks": sorted(self.others)}


def pinned_cpus(pin: bool, threads: int) -> set[int] | None:
    """The one CPU every worker is pinned to, when pinning is asked for, BLAS uses one thread and the harness
    may use more than one CPU (the last one: the first tends to take the machine's interrupts)."""
    if not pin or threads != 1 or not hasattr(os, "sched_getaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    return {cpus[-1]} if len(cpus) > 1 else None
