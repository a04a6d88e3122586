"""The registry of languages: one record per language with every fact the project keeps about it. The runners,
the order of the report's columns, the plots' colours, the set-up's Debian packages and the tests' list of ports
all come from here (docs/porting.md, "Adding a language", is the checklist).

Standard library only: scripts/setup.sh runs this file with the system's python3, before any virtual environment
exists, to read the packages to install (`python3 harness/languages.py packages`).
"""
from __future__ import annotations

import sys
from dataclasses import dataclass

REFERENCE = "python"  # the language every other one is compared with
SHARED_PACKAGES = ("libopenblas0-pthread", "ca-certificates")  # Debian packages every language's BLAS and download need


@dataclass(frozen=True)
class Language:
    name: str  # as in results.csv, --langs and the folders: lower case
    display: str  # as a reader writes it
    color: str  # in every plot
    folder: str  # the port's folder, beside harness/
    entry: str  # the port's dispatcher, in its folder: what the runner starts
    runner: str  # "module:Class" under harness.runners: how the runtime is found and a task started
    packages: tuple[str, ...]  # the Debian packages that bring its runtime (Julia: scripts/install-julia.sh)
    version: str  # a regular expression the runtime's version (as `doctor` reports it) matches
    threads_source: str  # where the BLAS thread count it reports comes from: "library" (asked) or "inferred"
    clock: str  # the clock its steps are timed with


LANGUAGES: dict[str, Language] = {lang.name: lang for lang in (
    Language("python", "Python", "#3572A5", "python_impl", "entry.py", "python:PythonRunner", ("python3-venv",),
             r"Python 3\.\d+", "library", "monotonic"),
    Language("julia", "Julia", "#9558B2", "julia_impl", "entry.jl", "julia:JuliaRunner", (),
             r"Julia \d+\.\d+", "library", "monotonic"),
    Language("octave", "Octave", "#E16737", "octave_impl", "entry.m", "octave:OctaveRunner", ("octave",),
             r"GNU Octave \d+\.\d+", "inferred", "tic/toc"),
    Language("scilab", "Scilab", "#2E8B57", "scilab_impl", "entry.sce", "scilab:ScilabRunner", ("scilab-cli",),
             r"Scilab \d+", "inferred", "tic/toc"),
    Language("r", "R", "#B8860B", "r_impl", "entry.R", "r:RRunner", ("r-base-core",),
             r"R version \d+\.\d+", "inferred", "Sys.time"),
)}
NAMES = tuple(LANGUAGES)  # in the order of the report's columns
PORTS = tuple(n for n in NAMES if n != REFERENCE)  # every language but the reference


def entry_path(lang: str) -> str:
    """A language's dispatcher, relative to the repository: "octave_impl/entry.m"."""
    return f"{LANGUAGES[lang].folder}/{LANGUAGES[lang].entry}"


def ordered(langs) -> list[str]:
    """Languages in the registry's order; unknown ones after, by name."""
    return sorted(langs, key=lambda x: (NAMES.index(x) if x in NAMES else len(NAMES), x))


def color(lang: str) -> str:
    """A language's colour; grey for one the registry does not know."""
    known = LANGUAGES.get(lang)
    return known.color if known else "#555555"


def debian_packages() -> list[str]:
    """Every Debian package the set-up installs: each language's, then the shared ones."""
    return list(dict.fromkeys([p for lang in LANGUAGES.values() for p in lang.packages] + list(SHARED_PACKAGES)))


def clocks() -> str:
    """Which clock each language times with, for the report: "monotonic in Python and Julia, tic/toc in ..."."""
    by_clock: dict[str, list[str]] = {}
    for lang in LANGUAGES.values():
        by_clock.setdefault(lang.clock, []).append(lang.display)
    return ", ".join(f"{clock} in {' and '.join(names) if len(names) < 3 else ', '.join(names)}"
                     for clock, names in by_clock.items())


if __name__ == "__main__":
    if sys.argv[1:] == ["packages"]:
        print(" ".join(debian_packages()))
    else:
        sys.exit("usage: python3 harness/languages.py packages")
