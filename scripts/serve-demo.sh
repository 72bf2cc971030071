#!/usr/bin/env bash
# Serve the demo on HOST:PORT. With REDIS_URL (or CELERY_BROKER_URL) set, a real Celery
# worker runs beside the web server; without a broker, jobs run eagerly in the web process.
set -euo pipefail
host="${1:-127.0.0.1}"; port="${2:-8000}"
py=.venv/bin/python
worker_pid=""
if [ -n "${REDIS_URL:-}${CELERY_BROKER_URL:-}" ]; then
  echo "==> Starting a Celery worker with beat (broker: ${CELERY_BROKER_URL:-$REDIS_URL})"
  # -B: the beat schedule (the stale-job reaper) runs inside this one worker.
  .venv/bin/celery -A portal worker -B --schedule var/celerybeat-schedule \
    --loglevel=warning --concurrency=2 &
  worker_pid=$!
  trap '[ -n "$worker_pid" ] && kill "$worker_pid" 2>/dev/null || true' EXIT
else
  echo "==> No broker configured: background jobs run in the web process (eager mode)."
fi
echo "==> Portal on http://${host}:${port}/  (Ctrl-C stops it)"
exec_cmd=(.venv/bin/gunicorn portal.wsgi:application --config gunicorn.conf.py
          --bind "${host}:${port}" --timeout 300)
"${exec_cmd[@]}"
