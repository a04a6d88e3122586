#!/usr/bin/env bash
# Installs everything the benchmark and the tests need, on Debian 12 or 13; safe to run again (each step
# is skipped when already done). Used by ./bench.sh and ./test.sh.
#
#   1. Debian packages, as the registry of languages lists them (harness/languages.py): python3-venv, Octave,
#      Scilab (scilab-cli), R (r-base-core) and OpenBLAS (libopenblas0-pthread, so that Octave, Scilab and R use
#      OpenBLAS instead of the slow reference BLAS). Needs root or sudo.
#      NNBENCH_NO_APT=1 skips this step (then missing languages are reported and left out).
#   2. A virtual environment .venv/ with this project and its Python packages, with the test extra (pytest and
#      ruff; Debian's Python refuses `pip install` outside one).
#   3. Julia 1.5.3 into .runtime/julia/ (scripts/install-julia.sh), unless a Julia is found already
#      ($JULIA or `julia` on PATH). NNBENCH_NO_JULIA=1 skips it.
#   4. MNIST, verified against the official MD5s, into the user cache (python -m harness data).
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"
say() { printf '\n[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

[ -f /etc/debian_version ] || say "warning: not a Debian machine; the package step assumes apt-get"

# ---- 1. Debian packages -----------------------------------------------------------------------------------
# every language's packages and the shared ones, from the registry of languages (harness/languages.py)
command -v python3 >/dev/null || die "python3 is needed (Debian: apt-get install python3 python3-venv)"
read -r -a PACKAGES <<< "$(python3 harness/languages.py packages)" || die "harness/languages.py gave no package list"
[ ${#PACKAGES[@]} -gt 0 ] || die "harness/languages.py gave no package list"
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  say "Debian packages: all present (${PACKAGES[*]})"
elif [ "${NNBENCH_NO_APT:-0}" = 1 ]; then
  say "Debian packages missing but NNBENCH_NO_APT=1: ${missing[*]} (those languages will be reported missing)"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]} (or set NNBENCH_NO_APT=1)"
    SUDO=sudo
  fi
  say "installing Debian packages: ${missing[*]} (a few minutes the first time)"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- 2. Python virtual environment ------------------------------------------------------------------------
PY=${PYTHON:-python3}
command -v "$PY" >/dev/null || die "python3 not found"
"$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || die "Python 3.11 or newer is needed ($("$PY" --version))"
if [ ! -x .venv/bin/python ]; then
  say "creating .venv"
  "$PY" -m venv .venv || die "python3 -m venv failed: install python3-venv"
fi
stamp=.venv/.nnbench-installed
want=$(sha256sum pyproject.toml | cut -c1-16)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing the project and its Python packages into .venv"
  .venv/bin/python -m pip install -q --disable-pip-version-check -e ".[test]"
  echo "$want" > "$stamp"
else
  say "Python packages: up to date"
fi

# ---- 3. Julia ---------------------------------------------------------------------------------------------
if [ "${NNBENCH_NO_JULIA:-0}" = 1 ]; then
  say "Julia: skipped (NNBENCH_NO_JULIA=1)"
elif [ -n "${JULIA:-}" ] || command -v julia >/dev/null; then
  say "Julia: using ${JULIA:-$(command -v julia)}"
elif [ -x .runtime/julia/bin/julia ] && .runtime/julia/bin/julia --startup-file=no -e 'exit(0)' >/dev/null 2>&1; then
  say "Julia: installed in .runtime/julia ($(.runtime/julia/bin/julia --version 2>/dev/null))"
else
  say "Julia: none on this machine; installing Julia 1.5.3 into .runtime/julia"
  # a failed install must not stop the other languages: Julia is then reported missing (and its tests fail)
  bash scripts/install-julia.sh || say "warning: Julia could not be installed (see above); it will be reported missing"
fi

# ---- 4. MNIST ---------------------------------------------------------------------------------------------
say "MNIST"
.venv/bin/python -m harness data

say "what was found"
.venv/bin/python -m harness doctor || true
