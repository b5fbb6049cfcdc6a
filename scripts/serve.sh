#!/usr/bin/env bash
# `make serve`: production-like, gunicorn + Celery worker + Celery beat (Procfile) under honcho,
# DEBUG off, on DATABASE_URL and REDIS_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

die() {
	printf '[serve] ERROR: %s\n' "$*" >&2
	exit 1
}

[ -n "${DATABASE_URL:-}" ] || die "set DATABASE_URL, e.g. DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/hourbank"
[ -n "${REDIS_URL:-}" ] || die "set REDIS_URL (the Celery broker), e.g. REDIS_URL=redis://127.0.0.1:6379/0"

export DEBUG=false
if [ -z "${SECRET_KEY:-}" ]; then
	# Keep one key per checkout so sessions survive restarts; production sets its own.
	key_file=.venv/serve-secret-key
	if [ ! -s "$key_file" ]; then
		(umask 077 && .venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))' >"$key_file")
	fi
	SECRET_KEY=$(cat "$key_file")
	export SECRET_KEY
	printf '[serve] SECRET_KEY not set: using the one kept in %s\n' "$key_file" >&2
fi

export PATH="$PWD/.venv/bin:$PATH"
# Log lines reach honcho as they happen, not when a buffer fills.
export PYTHONUNBUFFERED=1
python manage.py migrate --noinput
python manage.py collectstatic --noinput -v 0
exec honcho start -f Procfile
