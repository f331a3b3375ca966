#!/usr/bin/env bash
# Set up a development install: venv, dependencies, catalogues, database, demo data.
# Idempotent: safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[test]"
.venv/bin/pybabel compile -d translations --use-fuzzy >/dev/null
.venv/bin/flask --app survey db upgrade
.venv/bin/flask --app survey demo
