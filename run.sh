#!/usr/bin/env bash
# Install what the service needs and start it on http://127.0.0.1:5000
# (embedded SQLite with demo data unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt

export FLASK_APP=service
# Start-up work happens once here, not in every worker process.
export AUTO_MIGRATE=0
.venv/bin/flask migrate
if [ "${LOAD_DEMO_DATA:-1}" != "0" ]; then
  .venv/bin/flask load-demo
fi

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-5000}
# service/gunicorn.conf.py: requests are read on an event loop and reach the app's THREADS threads only once
# complete, so clients that dribble their headers cannot hold every thread (README, "Slow clients").
export WORKERS=${WORKERS:-2} THREADS=${THREADS:-4}
GUNICORN=(.venv/bin/gunicorn --config service/gunicorn.conf.py --bind "$HOST:$PORT")
echo "Dịch vụ chạy tại http://$HOST:$PORT/  (tài liệu API: http://$HOST:$PORT/api/v1/docs)"
# Background jobs never run in the web workers: with REDIS_URL they go to its queue, without it they
# wait in the jobs table; either way `flask jobs-worker` processes run them. Each is restarted if it
# stops, and a restarted worker marks the jobs its predecessor was running as interrupted at once.
# On several machines, run `flask --app service jobs-worker` wherever suits.
supervise_worker() {
  local child=""
  trap '[ -n "$child" ] && kill "$child" 2>/dev/null; exit 0' TERM INT
  while true; do
    # At a lower priority: when the cores are busy, people's requests go first.
    nice -n "${JOB_NICE:-10}" .venv/bin/flask jobs-worker &
    child=$!
    wait "$child" || true
    sleep 1
  done
}
worker_pids=()
for _ in $(seq "${JOB_WORKERS:-1}"); do
  supervise_worker &
  worker_pids+=("$!")
done
trap 'kill "${worker_pids[@]}" 2>/dev/null; wait' EXIT INT TERM
"${GUNICORN[@]}"
