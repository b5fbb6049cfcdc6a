#!/usr/bin/env bash
# `make run`: the demo on SQLite with Celery tasks in-process, at http://127.0.0.1:8000.
# Every step is idempotent, so a second run reuses the database and starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBUG=true
# No broker in the demo: tasks run in-process (INTERFACES §2).
unset REDIS_URL
HOST_PORT=${RUN_ADDRESS:-127.0.0.1:8000}

# Invoice PDFs need these system libraries; without root the rest still runs.
if ! bash scripts/test_services.sh pdf; then
	printf '[run] warning: WeasyPrint libraries are missing, invoice PDFs will fail\n' >&2
fi

.venv/bin/python manage.py migrate --noinput
.venv/bin/python manage.py seed_demo

cat <<EOF

  Hourbank demo: http://$HOST_PORT/   (Ctrl-C stops it)

  username   password        role
  --------   -------------   ---------------------
  admin      hourbank-demo   admin
  finance    hourbank-demo   finance
  manager    hourbank-demo   manager
  alice      hourbank-demo   staff
  acme       hourbank-demo   client (Acme portal)

EOF

exec .venv/bin/python manage.py runserver "$HOST_PORT"
