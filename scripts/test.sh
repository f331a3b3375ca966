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

# poppler-utils: the report tests render PDF pages with pdftoppm.
if ! command -v pdftoppm >/dev/null; then
  echo "Installing Debian's poppler-utils for the PDF tests …"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq poppler-utils >/dev/null
fi

# Redis on 127.0.0.1:6379 for the test that two gunicorn processes share one rate limit
# (started here, nothing kept on disk, when it is not already running).
if ! (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null; then
  if ! command -v redis-server >/dev/null; then
    echo "Installing Debian's redis-server for the shared rate-limit test …"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  fi
  redis-server --bind 127.0.0.1 --port 6379 --save "" --appendonly no --daemonize yes >/dev/null
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/6379) 2>/dev/null && break; sleep 1; done
fi

.venv/bin/pybabel compile -d translations >/dev/null
exec .venv/bin/pytest -n "${TEST_WORKERS:-2}" "$@"
