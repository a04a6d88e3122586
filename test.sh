#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh), then runs the tests. Every language is required: a runtime the
# set-up failed to install makes its tests fail rather than skip. Arguments go to pytest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash scripts/setup.sh
export NNBENCH_REQUIRE_LANGS=${NNBENCH_REQUIRE_LANGS:-all}
exec .venv/bin/python -m pytest -q "$@"
