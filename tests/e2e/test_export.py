#!/usr/bin/env python3
"""test_export.py — `msktriage export` through the real binary.

Usage: test_export.py MSKTRIAGE_BIN SOURCE_DIR

The columns must follow docs/export.md (session fields, then the rule
base's questions, findings and recommendations in catalogue order); the CSV
must parse as RFC 4180 and keep every value exactly, with a formula-looking
value neutralised; the filters must select what they say. Values no command
can write (a formula, a quote, a line break) are put into the store with
SQL, as a damaged or hostile store file would hold them.
"""
import csv
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
FIX = os.path.join(SRC, "tests", "e2e", "fixtures")
RULES = os.path.join(SRC, "rules")
failures = []

SESSION_COLUMNS = ["session_id", "code", "mode", "status", "started_at",
                   "finished_at", "level", "red_flags_screened", "signed_off",
                   "answers", "rulebase_sha256", "program_version"]


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env):
    p = subprocess.run([BIN, "--rules", RULES, *args], capture_output=True,
                       env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def main():
    tmp = tempfile.mkdtemp(prefix="msk-export-")
    env = dict(os.environ, MSKTRIAGE_DB=os.path.join(tmp, "s.db"), TZ="UTC")
    ids = {}
    for name in ("clinician", "kiosk", "emergency", "interim"):
        rc, out, err = run("assess", "--save", "--answers",
                           os.path.join(FIX, "report-%s.json" % name), env=env)
        check(rc == 0, "assess --save %s" % name)
        ids[name] = json.loads(out)["session"]["id"]
    tricky = {
        "age": "=HYPERLINK(\"http://e.invalid\",\"x\")",
        "knee_side": "a,b \"quoted\"\r\nnext line",
        "hip_side": "@SUM(A1)",
        "neck_pain": "+1",
        "low_back_pain": "-1",
    }
    db = sqlite3.connect(env["MSKTRIAGE_DB"])
    db.execute("UPDATE session SET mode='kiosk' WHERE id=?", (ids["kiosk"],))
    db.execute("UPDATE session SET mode='clinician', clinician='Dr Secret',"
               " patient_label='Secret Name' WHERE id=?", (ids["clinician"],))
    db.execute("INSERT INTO note (session_id, author, text, at) VALUES "
               "(?, 'x', 'secret note', 1)", (ids["clinician"],))
    for q, v in tricky.items():
        db.execute("UPDATE answer SET value=? WHERE session_id=? AND "
                   "question=?", (v, ids["interim"], q))
        db.execute("INSERT OR IGNORE INTO answer (session_id, question, value,"
                   " seq, answered_at) VALUES (?, ?, ?, 99, 1)",
                   (ids["interim"], q, v))
    db.execute("UPDATE session SET started_at=1000 WHERE id=?",
               (ids["emergency"],))
    db.commit()
    db.close()

    rc, out, err = run("rules", "list", "--format", "json", env=env)
    cat = json.loads(out)
    questions = [q["id"] for q in cat["questions"]]
    findings = [f["id"] for f in cat["findings"]]
    recs = [r["id"] for r in cat["recommendations"]]
    expected_header = (SESSION_COLUMNS + questions +
                       ["finding." + f for f in findings] +
                       ["recommendation." + r for r in recs])

    rc, out, err = run("export", "--format", "csv", env=env)
    check(rc == 0, "export csv: " + err)
    check(out.endswith("\r\n") and "\n" not in out.replace("\r\n", "").replace(
        "\r\nnext", ""), "CRLF line ends")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    check(rows[0] == expected_header, "header in catalogue order")
    check(len(rows) == 1 + len(ids), "one row per session")
    check(all(len(r) == len(expected_header) for r in rows), "every row full")
    by_id = {int(r[0]): dict(zip(rows[0], r)) for r in rows[1:]}
    check(sorted(by_id) == sorted(ids.values()) and
          [int(r[0]) for r in rows[1:]] == sorted(ids.values()),
          "oldest first by id")
    t = by_id[ids["interim"]]
    check(t["age"] == "'" + tricky["age"], "= neutralised, value kept")
    check(t["hip_side"] == "'" + tricky["hip_side"], "@ neutralised")
    check(t["neck_pain"] == "'+1" and t["low_back_pain"] == "'-1",
          "+ and - neutralised")
    check(t["knee_side"] == tricky["knee_side"], "comma, quote, CRLF kept")
    check(t["level"] == "" and t["finished_at"] == "", "in progress: no level")
    c = by_id[ids["clinician"]]
    check(c["status"] == "complete" and c["level"] == "consultation",
          "clinician row")
    check(c["stumbling"] == "unsure" and c["sbt_low_mood"] == "skip",
          "unsure and skip exported as such")
    e = by_id[ids["emergency"]]
    check(e["finding.cauda_equina_suspected"] == "0.90", "finding confidence")
    check(e["recommendation.safety_netting"] == "1", "recommendation marked")
    for secret in ("Secret Name", "Dr Secret", "secret note"):
        check(secret not in out, "not exported: " + secret)

    rc, out, err = run("export", "--format", "jsonl", env=env)
    lines = out.splitlines()
    check(rc == 0 and len(lines) == len(ids), "one json line per session")
    docs = [json.loads(line) for line in lines]
    j = {d["session_id"]: d for d in docs}
    check(j[ids["interim"]]["answers"]["knee_side"] == tricky["knee_side"],
          "jsonl keeps values exactly")
    check(j[ids["clinician"]]["answers"]["age"] == 68, "jsonl typed answers")
    check(list(j[ids["clinician"]]["answers"]) ==
          [q for q in questions if q in j[ids["clinician"]]["answers"]],
          "jsonl answers in catalogue order")
    check("Secret" not in out and "secret note" not in out, "jsonl: no names")

    def count(*args):
        rc, out, err = run("export", "--format", "jsonl", *args, env=env)
        check(rc == 0, "export %s" % (args,))
        return sorted(json.loads(l)["session_id"] for l in out.splitlines())

    check(count("--status", "emergency_stopped") == [ids["emergency"]],
          "--status")
    check(count("--mode", "kiosk") == [ids["kiosk"]], "--mode")
    check(count("--mode", "clinician", "--status", "complete") ==
          [ids["clinician"]], "--mode and --status")
    check(ids["emergency"] not in count("--since", "2000-01-01") and
          len(count("--since", "2000-01-01")) == 3, "--since")
    check(count("--since", "2999-01-01") == [], "--since in the future")

    for args, what in ((["--format", "xml"], "'--format'"),
                       ([], "'--format csv'"),
                       (["--format", "csv", "--status", "done"], "'--status'"),
                       (["--format", "csv", "--mode", "web"], "'--mode'"),
                       (["--format", "csv", "--since", "21/11/2026"], "'--since'")):
        rc, out, err = run("export", *args, env=env)
        check(rc == 2 and what in err and out == "", "refused: %s" % args)

    shutil.rmtree(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
