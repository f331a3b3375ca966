#!/usr/bin/env bash
# One command for a newcomer: set everything up, then serve http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "Serving Brukarenkät at http://127.0.0.1:5000 (Ctrl-C stops it)"
exec .venv/bin/flask --app survey run --host 127.0.0.1 --port 5000
