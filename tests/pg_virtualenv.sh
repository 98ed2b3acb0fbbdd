#!/bin/sh
# pg_virtualenv.sh COMMAND [ARG...] — runs COMMAND against a throwaway
# PostgreSQL server: Debian postgresql-common's `pg_virtualenv -t` (a
# temporary cluster even as root, removed afterwards; the PG* variables
# name it), on a random port of its own so that test runs going on at the
# same time (-j, other builds on the machine) do not choose the same one.
# Fails, saying so, when no server can be started.
set -eu
if ! command -v pg_virtualenv >/dev/null 2>&1; then
	echo "pg_virtualenv.sh: pg_virtualenv is not installed: install" \
		"postgresql and postgresql-common (make test does)" >&2
	exit 1
fi
port=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 20000))
exec pg_virtualenv -t -c "--port=$port" "$@"
