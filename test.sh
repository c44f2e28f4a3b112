#!/usr/bin/env bash
# Install everything the tests need and run the whole suite: on SQLite, then again on
# PostgreSQL when TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/test).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt

echo "== Bộ kiểm thử trên SQLite =="
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Bộ kiểm thử trên PostgreSQL =="
  .venv/bin/python -m pytest "$@"
fi
