#!/usr/bin/env bash
# Make sure what the test suite needs is installed and running:
#   postgres  PostgreSQL on 127.0.0.1:5432, user postgres reachable over TCP with password "postgres"
#   redis     Redis on 127.0.0.1:6379 (nothing kept on disk)
#   chromium  Debian's /usr/bin/chromium for the Playwright tests
#   pdf       the fonts and libraries WeasyPrint loads at run time
# Usage: scripts/test_services.sh [postgres] [redis] [chromium] [pdf]   (no argument = all four)
# Each check is cheap; apt-get runs (after one apt-get update) only for what is missing.
set -euo pipefail

PG_HOST=127.0.0.1
PG_PORT=5432
PG_PASSWORD=postgres
REDIS_PORT=6379
PDF_PACKAGES=(fonts-dejavu-core fonts-liberation libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

say() { printf '[services] %s\n' "$*" >&2; }
die() {
	say "ERROR: $*"
	exit 1
}

# Root runs commands directly; anyone else goes through sudo when there is one.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root to run: $* (run as root or install sudo)"
	fi
}

is_installed() {
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

APT_UPDATED=no
apt_install() {
	local missing=()
	local package
	for package in "$@"; do
		is_installed "$package" || missing+=("$package")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing: ${missing[*]}"
	if [ "$APT_UPDATED" = no ]; then
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
		APT_UPDATED=yes
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Poll a check for up to 30 s.
wait_for() {
	for _ in $(seq 1 60); do
		if "$@" >/dev/null 2>&1; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

pg_ready() { pg_isready -q -h "$PG_HOST" -p "$PG_PORT"; }

# Run psql as the postgres OS user over the local socket (peer auth works on a fresh install).
psql_as_postgres() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- psql -X -q "$@"
	else
		sudo -u postgres psql -X -q "$@"
	fi
}

ensure_postgres() {
	if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! is_installed postgresql; then
		apt_install postgresql
	fi
	if ! pg_ready; then
		local version
		version=$(find /etc/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$version" ]; then
			version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf "%f\n" | sort -V | tail -n 1)
			say "creating PostgreSQL $version cluster main"
			as_root pg_createcluster "$version" main
		fi
		say "starting PostgreSQL $version"
		as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
		if ! wait_for pg_ready; then
			pg_lsclusters >&2 || true
			die "PostgreSQL did not answer on $PG_HOST:$PG_PORT within 30 s (is the cluster on another port?)"
		fi
	fi
	# A fresh install asks for a password on TCP (scram); a machine with trust ignores it.
	# Either way the test URL postgres://postgres:postgres@127.0.0.1:5432/… then works.
	if ! PGPASSWORD=$PG_PASSWORD psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null 2>&1; then
		say "setting a password for the postgres role so tests can connect over TCP"
		psql_as_postgres -c "ALTER ROLE postgres PASSWORD '$PG_PASSWORD'"
		PGPASSWORD=$PG_PASSWORD psql -X -w -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -tAc 'select 1' >/dev/null ||
			die "cannot connect to PostgreSQL as postgres on $PG_HOST:$PG_PORT; check pg_hba.conf"
	fi
	say "PostgreSQL ok on $PG_HOST:$PG_PORT"
}

redis_ready() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; }

ensure_redis() {
	if ! command -v redis-server >/dev/null 2>&1; then
		apt_install redis-server
	fi
	if ! redis_ready; then
		say "starting Redis"
		# The package's own start may have failed without systemd; this one needs nothing.
		(cd /tmp && redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no) >/dev/null
		wait_for redis_ready || die "Redis did not answer on 127.0.0.1:$REDIS_PORT within 30 s"
	fi
	say "Redis ok on 127.0.0.1:$REDIS_PORT"
}

ensure_chromium() {
	if [ ! -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ]; then
		apt_install chromium
	fi
	say "Chromium ok at ${CHROMIUM_PATH:-/usr/bin/chromium}"
}

ensure_pdf_libs() {
	apt_install "${PDF_PACKAGES[@]}"
	say "WeasyPrint fonts and libraries ok"
}

wanted=("$@")
[ ${#wanted[@]} -eq 0 ] && wanted=(postgres redis chromium pdf)
for service in "${wanted[@]}"; do
	case "$service" in
	postgres) ensure_postgres ;;
	redis) ensure_redis ;;
	chromium) ensure_chromium ;;
	pdf) ensure_pdf_libs ;;
	*) die "unknown service '$service'; choose from: postgres redis chromium pdf" ;;
	esac
done
