#!/usr/bin/env bash
# Installs what is needed (scripts/setup.sh), then runs the benchmark: every language, the book's settings.
# Arguments go to `python -m harness run` (e.g. --quick, --langs python,julia, --threads 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
bash scripts/setup.sh
exec .venv/bin/python -m harness run "$@"
