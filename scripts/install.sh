#!/usr/bin/env bash
# `make install`: .venv at the repository root, the locked dependencies, the app itself (editable).
# The Makefile calls this only when requirements.lock or pyproject.toml is newer than .venv's stamp.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[install] %s\n' "$*" >&2; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		say "ERROR: need root to run: $*"
		exit 1
	fi
}

if [ ! -x .venv/bin/python ]; then
	say "creating .venv"
	if ! python3 -m venv .venv; then
		# Debian ships venv's ensurepip in a separate package.
		rm -rf .venv
		say "python3 -m venv failed: installing python3-venv"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv
		python3 -m venv .venv
	fi
fi

say "installing locked dependencies"
.venv/bin/pip install --disable-pip-version-check -q -r requirements.lock
.venv/bin/pip install --disable-pip-version-check -q --no-deps -e .
say "done: .venv is ready"
