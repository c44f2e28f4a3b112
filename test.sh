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

# The browser tests (tests/web) drive Debian's Chromium; Playwright's own browser download is not used.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== Cài Chromium cho kiểm thử trên trình duyệt =="
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Documents are checked as the PDF LibreOffice prints them, with a font metric-compatible with
# Times New Roman (Liberation Serif), as on the clerks' machines.
# The printed pages are read back with pdftotext (poppler-utils).
if { ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; } \
    && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "== Cài LibreOffice Writer, phông chữ và poppler-utils cho kiểm thử bản in =="
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui fonts-liberation2 poppler-utils >/dev/null
fi

echo "== Bộ kiểm thử trên SQLite =="
env -u TEST_DATABASE_URL .venv/bin/python -m pytest "$@"

if [ -n "${TEST_DATABASE_URL:-}" ]; then
  echo "== Bộ kiểm thử trên PostgreSQL =="
  .venv/bin/python -m pytest "$@"
fi
