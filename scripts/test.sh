#!/usr/bin/env bash
# `make test` after services and .venv are ready: the whole suite on PostgreSQL, in parallel.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/worker).
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

export DEBUG=true
export DATABASE_URL=${TEST_DATABASE_URL:-postgres://postgres:postgres@127.0.0.1:5432/hourbank}
# The real broker is for the worker test only; the rest of the suite keeps tasks in-process
# and its cache in memory, so no test depends on what an earlier run left in Redis.
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}
unset REDIS_URL

.venv/bin/pytest -n "${PYTEST_WORKERS:-2}" --dist ${PYTEST_DIST:-loadscope} -p no:cacheprovider "$@"
status=$?
if [ "$status" -eq 5 ]; then
	echo "pytest collected no tests: that is a failure" >&2
	exit 1
fi
exit "$status"
