#!/bin/sh
# two_machines.sh — one clinic, two machines, one PostgreSQL store.
#
#   sh tests/pg_virtualenv.sh sh two_machines.sh MSKTRIAGE_BIN REQUEST_FILE
#
# The kiosk machine (this user, its own HOME) finishes a session on the
# PostgreSQL store in kiosk mode (`assess --save --mode kiosk`); the
# clinician's machine, another Unix user (nobody) with its own HOME and the
# password only in its own ~/.pgpass (PGPASSFILE), opens the report by the
# reference code the kiosk gave. Needs root (to become nobody) and the PG*
# variables of pg_virtualenv; fails, saying why, without them.
set -eu
bin=$1
case_file=$2   # an assess request a kiosk completes
fail() { echo "two_machines: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "must run as root, to act as a second user"
[ -n "${PGHOST:-}" ] && [ -n "${PGPASSWORD:-}" ] ||
	fail "no PostgreSQL server: run under pg_virtualenv"
id nobody >/dev/null 2>&1 || fail "no user 'nobody'"

work=$(mktemp -d /tmp/msk-two-machines-XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
mkdir -m 0700 "$work/kiosk" "$work/clinic"
cp "$bin" "$work/msktriage"
chmod 0755 "$work/msktriage"

# The kiosk: the URI without a password; libpq takes it from PGPASSWORD.
uri="postgresql://$PGUSER@$PGHOST:$PGPORT/$PGDATABASE"
HOME="$work/kiosk" "$work/msktriage" --db "$uri" assess --save \
	--mode kiosk --answers "$case_file" >"$work/kiosk/out.json" ||
	fail "the kiosk could not save its session"
code=$(sed -n 's/.*"code": *"\([A-Z0-9-]*\)".*/\1/p' "$work/kiosk/out.json" |
	head -n 1)
[ -n "$code" ] || fail "the kiosk gave no reference code"
grep -q '"status": *"complete"' "$work/kiosk/out.json" ||
	fail "the kiosk's session is not complete"

# The clinic machine: another user, its own home, its password file only.
printf '%s:%s:%s:%s:%s\n' "$PGHOST" "$PGPORT" "$PGDATABASE" "$PGUSER" \
	"$PGPASSWORD" >"$work/clinic/.pgpass"
chmod 0600 "$work/clinic/.pgpass"
chown -R nobody "$work/clinic"
report=$(env -u PGPASSWORD HOME="$work/clinic" \
	PGPASSFILE="$work/clinic/.pgpass" \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$work/msktriage" --db "$uri" report "$code" --format text) ||
	fail "the clinic machine could not open session $code"
echo "$report" | grep -q "$code" ||
	fail "the report does not name session $code"
echo "$report" | grep -q "^consultation: " ||
	fail "the report does not hold the kiosk's triage level"
# Nothing of the password reached the report or the clinic's home.
echo "$report" | grep -q "$PGPASSWORD" && fail "the report shows the password"

# Without the password the clinic machine is refused, and the message
# does not hold it either.
if err=$(env -u PGPASSWORD HOME="$work/clinic" PGPASSFILE=/dev/null \
	setpriv --reuid=nobody --regid=nogroup --clear-groups \
	"$work/msktriage" --db "$uri" report "$code" --format text 2>&1); then
	fail "the store opened without a password"
fi
echo "$err" | grep -q "cannot connect to the session store" ||
	fail "unexpected refusal: $err"
# The clinic's store moved back to one machine: the same report by the
# same code; a second copy into it is refused.
HOME="$work/kiosk" "$work/msktriage" store copy "$uri" "$work/kiosk/copy.db" \
	>/dev/null || fail "store copy to SQLite failed"
HOME="$work/kiosk" "$work/msktriage" --db "$work/kiosk/copy.db" report "$code" \
	--format text >"$work/kiosk/copy.txt" ||
	fail "the copy does not open session $code"
# (Apart from when each report was written and the audit trail's length:
# writing the first report is itself in the audit trail.)
echo "$report" | grep -v '^Report written\|^Audit trail' >"$work/kiosk/a.txt"
grep -v '^Report written\|^Audit trail' "$work/kiosk/copy.txt" >"$work/kiosk/b.txt"
cmp -s "$work/kiosk/a.txt" "$work/kiosk/b.txt" ||
	fail "the copy's report differs: $(diff "$work/kiosk/a.txt" "$work/kiosk/b.txt")"
if HOME="$work/kiosk" "$work/msktriage" store copy "$uri" "$work/kiosk/copy.db" \
	2>/dev/null; then
	fail "a second copy into a store with sessions was not refused"
fi
echo "two_machines: session $code finished at the kiosk, reported at the clinic and from a copy: ok"
