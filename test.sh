#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh), then runs the linters and the tests. Every language is required: a
# runtime the set-up failed to install makes its tests fail rather than skip. Arguments go to pytest; `--fast`
# is the working loop's subset (no whole runs, no clean-stop runs, nothing of Julia's), the full suite what CI
# runs. The tests run in one process per CPU, at most four (pytest-xdist; `-n 0` after it runs them in this one);
# every test looks only at the processes and files it made, so they may run side by side.
#
# The linters: ruff on all the Python (its rules are in pyproject.toml), and scripts/matlab_compat.py on
# octave_impl/ (code MATLAB would not run). A finding fails the run; the tests run all the same, so that one
# run reports everything.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash scripts/setup.sh

failed=()
printf '\n[lint] ruff check .\n'
.venv/bin/ruff check --output-format concise . || failed+=(ruff)
printf '\n[lint] python scripts/matlab_compat.py octave_impl/\n'
.venv/bin/python scripts/matlab_compat.py octave_impl/ || failed+=(matlab_compat)

printf '\n[test] pytest\n'
export NNBENCH_REQUIRE_LANGS=${NNBENCH_REQUIRE_LANGS:-all}
status=0
cpus=$(nproc 2>/dev/null || echo 1)
.venv/bin/python -m pytest -q -rs -n "$(( cpus < 4 ? cpus : 4 ))" "$@" || status=$?  # -rs: why each test skipped
if [ ${#failed[@]} -gt 0 ]; then
  printf '\n[lint] FAILED: %s (the findings are listed before the tests)\n' "${failed[*]}" >&2
  [ "$status" -ne 0 ] || status=1
fi
exit "$status"
