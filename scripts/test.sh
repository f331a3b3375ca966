#!/usr/bin/env bash
# The whole test suite. Installs what it needs (venv, packages, Debian's chromium).
# Database: SQLite by default; set TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
# to run against PostgreSQL (the tests create and drop throw-away databases there).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/pip install --quiet --upgrade pip
.venv/bin/pip install --quiet -e ".[test]"

if [ ! -x /usr/bin/chromium ]; then
  echo "Installing Debian's chromium for the browser tests …"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

.venv/bin/pybabel compile -d translations >/dev/null
exec .venv/bin/pytest -n "${TEST_WORKERS:-2}" "$@"
