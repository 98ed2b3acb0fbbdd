#!/usr/bin/env python3
"""test_golden.py — every report format of fixed sessions, compared with
the files in tests/golden/.

Usage: test_golden.py MSKTRIAGE_BIN SOURCE_DIR
       MSK_GOLDEN_UPDATE=1 test_golden.py ...   (rewrite the golden files;
                                               review the diff before committing)

Sessions: tests/e2e/fixtures/report-{clinician,kiosk,emergency,interim}.json
saved with `assess --save`; the clinician one gets a patient label, a
sign-off and a note full of characters that mean something in HTML,
Markdown, CSV and a terminal. What changes from run to run (times,
reference codes, the rule base's sha256, the urn:uuid derived from a code)
is replaced by placeholders before comparing.
"""
import difflib
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
FIX = os.path.join(SRC, "tests", "e2e", "fixtures")
RULES = os.path.join(SRC, "rules")
GOLDEN = os.path.join(SRC, "tests", "golden")
UPDATE = os.environ.get("MSK_GOLDEN_UPDATE") == "1"
NOTE = ("<script>alert(1)</script> *not bold* _x_ [link](http://e.invalid) "
        "# heading\n| a | b |\n=1+1 @SUM(A1) \x1b[31mred\x1b[0m & \"q\"")
FORMATS = [("text", "txt"), ("markdown", "md"), ("json", "json"),
           ("html", "html"), ("fhir", "fhir.json")]


def run(*args, env):
    p = subprocess.run([BIN, "--rules", RULES, *args], capture_output=True,
                       env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def normalise(text, codes):
    for n, code in enumerate(codes):
        text = text.replace(code, "<CODE-%d>" % n)
        text = text.replace(code.replace("-", "\\-"), "<CODE-%d>" % n)  # md
    text = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "<TIME>", text)
    text = re.sub(r"\d{4}\\?-\d\d\\?-\d\d \d\d:\d\d UTC", "<TIME>", text)
    text = re.sub(r"\b[0-9a-f]{64}\b", "<SHA256>", text)
    seen = {}
    return re.sub(r"urn:uuid:[0-9a-f-]{36}",
                  lambda m: seen.setdefault(m.group(0), "urn:uuid:<UUID-%d>"
                                            % len(seen)), text)


def main():
    tmp = tempfile.mkdtemp(prefix="msk-golden-")
    env = dict(os.environ, MSKTRIAGE_DB=os.path.join(tmp, "s.db"),
               SOURCE_DATE_EPOCH="1790000000", TZ="UTC")
    ids, codes = {}, []
    for name in ("clinician", "kiosk", "emergency", "interim"):
        rc, out, err = run("assess", "--save", "--answers",
                           os.path.join(FIX, "report-%s.json" % name), env=env)
        if rc != 0:
            print("assess --save %s failed: %s" % (name, err))
            return 1
        s = json.loads(out)["session"]
        ids[name] = s["id"]
        codes.append(s["code"])
    db = sqlite3.connect(env["MSKTRIAGE_DB"])
    db.execute("INSERT INTO note (session_id, author, text, at) VALUES "
               "(?, 'Dr <b>Who</b>', ?, 1790000000)", (ids["clinician"], NOTE))
    db.execute("UPDATE session SET mode='clinician', patient_label=?, "
               "clinician='Dr <b>Who</b>', signed_off_by='Dr <b>Who</b>', "
               "signed_off_at=finished_at WHERE id=?",
               ("Bed 4 *urgent* <i>", ids["clinician"]))
    db.execute("INSERT INTO addendum (session_id, author, text, at) VALUES "
               "(?, 'Dr <b>Who</b>', ?, 1790000100)", (ids["clinician"],
                                                     "addendum: " + NOTE))
    db.execute("UPDATE session SET mode='kiosk' WHERE id IN (?, ?)",
               (ids["kiosk"], ids["emergency"]))
    db.commit()
    db.close()

    outputs = {}
    for name, i in ids.items():
        for fmt, ext in FORMATS:
            for aud in ("clinician", "patient"):
                if fmt == "fhir" and aud == "patient":
                    continue
                rc, out, err = run("report", str(i), "--format", fmt, "--for",
                                   aud, env=env)
                if rc != 0:
                    print("report %s %s %s failed: %s" % (name, fmt, aud, err))
                    return 1
                outputs["%s.%s.%s" % (name, aud, ext)] = normalise(out, codes)
    for fmt in ("csv", "jsonl"):
        rc, out, err = run("export", "--format", fmt, env=env)
        outputs["export." + fmt] = normalise(out, codes)

    failed = 0
    for fname, got in sorted(outputs.items()):
        path = os.path.join(GOLDEN, fname)
        if UPDATE:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(got)
            continue
        try:
            with open(path, encoding="utf-8", newline="") as f:
                want = f.read()
        except FileNotFoundError:
            want = None
        if want != got:
            failed += 1
            print("FAIL: %s differs from the golden file" % fname)
            if want is not None:
                sys.stdout.writelines(list(difflib.unified_diff(
                    want.splitlines(True), got.splitlines(True),
                    "golden/" + fname, "now/" + fname))[:40])
    if UPDATE:
        print("wrote %d golden files" % len(outputs))
        return 0
    print("%d of %d differ" % (failed, len(outputs)) if failed else "ok")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
