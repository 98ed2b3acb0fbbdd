#!/usr/bin/env bash
# export.sh BUILD_DIR — `msktriage export` over stores of 1,000 and 10,000
# sessions: wall time and peak memory (max RSS, /usr/bin/time). The export
# reads one session at a time, so peak memory should not grow with the
# store. Results: docs/benchmarks.md.
set -euo pipefail
build=${1:-build}
bin=$(cd "$build" && pwd)/msktriage
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for n in 1000 10000; do
	db=$out/store-$n.db
	MSKTRIAGE_DB=$db "$bin" assess --save \
		--answers "$src/tests/e2e/fixtures/report-clinician.json" > /dev/null
	# Copies of that finished session (answers, history, conclusions) with
	# fresh codes, straight into the store.
	python3 - "$db" "$n" <<'PY'
import random, sqlite3, string, sys
db, n = sys.argv[1], int(sys.argv[2])
c = sqlite3.connect(db)
alphabet = "".join(ch for ch in string.ascii_uppercase + string.digits
                   if ch not in "0O1ILU")
cols = [r[1] for r in c.execute("PRAGMA table_info(session)") if r[1] != "id"]
codes = set()
for i in range(n - 1):
    code = "".join(random.choice(alphabet) for _ in range(8))
    if code in codes:
        continue
    codes.add(code)
    sel = ", ".join("?" if k == "code" else k for k in cols)
    cur = c.execute("INSERT INTO session (%s) SELECT %s FROM session WHERE id = 1"
                    % (", ".join(cols), sel), (code,))
    sid = cur.lastrowid
    c.execute("INSERT INTO answer SELECT ?, question, value, seq, answered_at "
              "FROM answer WHERE session_id = 1", (sid,))
    c.execute("INSERT INTO answer_revision (session_id, question, value, at) "
              "SELECT ?, question, value, at FROM answer_revision "
              "WHERE session_id = 1", (sid,))
    c.execute("INSERT INTO conclusion (session_id, status, level, body, at) "
              "SELECT ?, status, level, body, at FROM conclusion "
              "WHERE session_id = 1", (sid,))
c.commit()
PY
	for fmt in csv jsonl; do
		/usr/bin/time -f "%e s, max RSS %M KiB" -o "$out/time" \
			env MSKTRIAGE_DB="$db" "$bin" export --format "$fmt" \
			> "$out/export.$fmt" 2> /dev/null
		echo "export --format $fmt, $n sessions: $(cat "$out/time"), $(wc -c < "$out/export.$fmt") bytes"
	done
done
