#!/usr/bin/env python3
"""test_report.py — `msktriage report` through the real binary.

Usage: test_report.py MSKTRIAGE_BIN SOURCE_DIR

Sessions are made with `assess --save` from tests/e2e/fixtures/report-*.json
(clinician, kiosk, emergency-stopped, interim); what no command writes yet
(a note, a sign-off, an earlier answer, a conclusion stored before format
2) is put into the store with SQL, as an older program version or another
front end would have left it. Every JSON report must validate against
docs/report-schema.json; every format must show typed text as text.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

import jsonschema

BIN, SRC = sys.argv[1], sys.argv[2]
FIX = os.path.join(SRC, "tests", "e2e", "fixtures")
HOSTILE = ("<script>alert(1)</script> *bold* [x](http://e.invalid) # h\n| a |"
           "\x1b[31m=1+1\n# h2\n12. item\n- dash\n===")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env=None, input=None):
    p = subprocess.run([BIN, *args], capture_output=True, text=True,
                       env=env, input=input)
    return p.returncode, p.stdout, p.stderr


def main():
    tmp = tempfile.mkdtemp(prefix="msk-report-")
    env = dict(os.environ, MSKTRIAGE_DB=os.path.join(tmp, "s.db"),
               SOURCE_DATE_EPOCH="1790000000", TZ="UTC")
    ids = {}
    for name in ("clinician", "kiosk", "emergency", "interim"):
        rc, out, err = run("--rules", os.path.join(SRC, "rules"), "assess",
                           "--save", "--answers",
                           os.path.join(FIX, "report-%s.json" % name), env=env)
        check(rc == 0, "assess --save %s: %s" % (name, err))
        ids[name] = json.loads(out)["session"]["id"]

    db = sqlite3.connect(env["MSKTRIAGE_DB"])
    sid = ids["clinician"]
    db.execute("INSERT INTO note (session_id, author, text, at) VALUES "
               "(?, 'Dr Who', ?, 1790000000)", (sid, HOSTILE))
    db.execute("INSERT INTO answer_revision (id, session_id, question, value,"
               " at) VALUES (-1, ?, 'knee_pain_score', '9', 1789990000)",
               (sid,))
    db.execute("UPDATE session SET mode='clinician', patient_label=?, "
               "clinician='Dr Who', signed_off_by='Dr Who', signed_off_at="
               "started_at + 60 WHERE id=?", ("Bed 4 <b>", sid))
    db.execute("INSERT INTO addendum (session_id, author, text, at) VALUES "
               "(?, 'Dr Who', 'MRI *booked* <today>', 1790000100)", (sid,))
    db.execute("UPDATE session SET mode='kiosk' WHERE id IN (?, ?)",
               (ids["kiosk"], ids["emergency"]))
    # A session finished before conclusions kept their wording (format 1).
    old = json.loads(db.execute("SELECT body FROM conclusion WHERE "
                                "session_id=?", (ids["kiosk"],)).fetchone()[0])
    for key in ("format", "questions"):
        old.pop(key)
    for f in old["findings"]:
        for key in ("text", "patient_text", "safety_net"):
            f.pop(key)
    for r in old["recommendations"]:
        for key in ("text", "patient_text"):
            r.pop(key)
    db.commit()
    rc, out, err = run("--rules", os.path.join(SRC, "rules"), "assess",
                       "--save", "--answers",
                       os.path.join(FIX, "report-kiosk.json"), env=env)
    ids["old"] = json.loads(out)["session"]["id"]
    db.execute("UPDATE conclusion SET body=? WHERE session_id=?",
               (json.dumps(old), ids["old"]))
    db.commit()
    # An emergency stop the clinician went on after, whose answers no
    # longer support it: the stop record the interview keeps.
    rc, out, err = run("--rules", os.path.join(SRC, "rules"), "assess",
                       "--save", "--answers",
                       os.path.join(FIX, "report-emergency.json"), env=env)
    ids["continued"] = json.loads(out)["session"]["id"]
    body = json.loads(db.execute("SELECT body FROM conclusion WHERE "
                                 "session_id=?",
                                 (ids["continued"],)).fetchone()[0])
    flag = body["findings"][0]
    body["stops"] = [{
        "finding": flag["id"], "title": flag["title"], "text": flag["text"],
        "patient_text": flag["patient_text"], "level": "emergency",
        "meaning": body["triage"]["meaning"],
        "patient_meaning": body["triage"]["patient_meaning"],
        "safety_net": body["triage"]["safety_net"],
        "continued_at": 1790000050, "because": flag["because"],
        "answers": {"saddle_numbness": "yes"}, "supported": False}]
    db.execute("UPDATE conclusion SET body=? WHERE session_id=?",
               (json.dumps(body), ids["continued"]))
    db.execute("UPDATE session SET mode='clinician' WHERE id=?",
               (ids["continued"],))
    db.commit()
    db.close()

    schema = json.load(open(os.path.join(SRC, "docs", "report-schema.json")))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)

    stored = {}
    for name, i in ids.items():
        for aud in ("clinician", "patient"):
            rc, out, err = run("--rules", os.path.join(SRC, "rules"), "report",
                               str(i), "--format", "json", "--for", aud,
                               env=env)
            check(rc == 0, "json report %s/%s: %s" % (name, aud, err))
            doc = json.loads(out)
            errors = list(validator.iter_errors(doc))
            check(not errors, "%s/%s validates: %s" % (
                name, aud, [e.message for e in errors[:3]]))
            stored[name, aud] = doc
            for fmt in ("text", "markdown"):
                rc, out, err = run("--rules", os.path.join(SRC, "rules"),
                                   "report", str(i), "--format", fmt, "--for",
                                   aud, env=env)
                check(rc == 0 and out, "%s report %s/%s" % (fmt, name, aud))
                check("\x1b" not in out, "%s %s/%s: no escape" % (fmt, name, aud))
                stored[name, aud, fmt] = out

    c = stored["clinician", "clinician"]
    # What each session is.
    check(c["session"]["status"] == "complete", "clinician session complete")
    check(c["conclusions"]["interim"] is False, "complete is not interim")
    check(c["conclusions"]["wording"] == "kept", "format 2 keeps wording")
    check(c["conclusions"]["stored_format"] == 2, "stored format 2")
    e = stored["emergency", "clinician"]
    check(e["session"]["status"] == "emergency_stopped", "emergency stopped")
    check(e["conclusions"]["stopped_by"]["id"] == "cauda_equina_suspected",
          "stopped by the red flag")
    check([f["id"] for f in e["conclusions"]["red_flags"]] ==
          ["cauda_equina_suspected"], "red flag listed first")
    check(e["conclusions"]["red_flags"][0]["supports"], "red flag support")
    k = stored["continued", "clinician"]["conclusions"]
    stop = k["continued_after_stop"][0]
    check(stop["finding"] == "cauda_equina_suspected" and
          stop["supported"] is False and stop["level"] == "emergency" and
          stop["because"] and stop["continued_at"].startswith("2026-"),
          "continued stop in the clinician model")
    check("continued_after_stop" not in e["conclusions"],
          "a stop not continued after has no such record")
    kp = stored["continued", "patient"]["conclusions"]["continued_after_stop"]
    check(kp[0]["text"] and "because" not in kp[0],
          "continued stop in patient words, without the evidence")
    kt = stored["continued", "clinician", "text"]
    check("Emergency stop\n--------------\nThe interview stopped on: " in kt and
          "continued for the record after this stop" in kt and
          "no longer support this finding" in kt, "text: continued stop")
    check("## Emergency stop" in stored["continued", "clinician", "markdown"],
          "markdown: continued stop")
    check("Emergency: " in stored["continued", "patient", "text"],
          "patient text: the emergency")
    it = stored["interim", "clinician"]
    check(it["conclusions"]["interim"] is True and
          it["conclusions"]["origin"] == "worked_out", "interim worked out")
    check("(interim)" in stored["interim", "clinician", "text"],
          "interim level said in text")
    o = stored["old", "clinician"]
    check(o["conclusions"]["stored_format"] == 1 and
          o["conclusions"]["wording"] == "rule_base", "old session readable")
    check(all(f["text"] for f in o["conclusions"]["findings"]),
          "old session wording from the same rule base")

    # Answers grouped by section, with history and plain words.
    items = {i["question"]: i for s in c["answers"] for i in s["items"]}
    check([h["value"] for h in items["knee_pain_score"]["history"]] == [9],
          "earlier answer kept in history, the current one not repeated")
    check(items["age"]["history"] == [], "no history for an unchanged answer")
    check(items["hip_side"]["display"] == "Both", "choice label shown")
    check(items["sbt_low_mood"]["display"] == "skipped", "skip shown as such")
    check(items["stumbling"]["display"] == "unsure", "unsure shown as such")
    check(items["height_cm"]["display"] == "165 cm" or
          items["height_cm"]["display"].endswith(" cm"), "unit shown")
    secs = [s["section"] for s in c["answers"]]
    check(len(secs) == len(set(secs)) and secs[0] == "about_you",
          "sections once each, catalogue order")

    # Notes and typed text: data in JSON, escaped elsewhere.
    check(c["notes"][0]["text"] == HOSTILE, "note kept exactly in json")
    check(c["sign_off"]["by"] == "Dr Who", "sign-off in the model")
    check([a["text"] for a in c["addenda"]] == ["MRI *booked* <today>"],
          "addenda in the model")
    check("MRI \\*booked\\* &lt;today&gt;" in
          stored["clinician", "clinician", "markdown"], "md: addendum escaped")
    check("Addenda (after sign-off)" in stored["clinician", "clinician", "text"],
          "text: addenda")
    md = stored["clinician", "clinician", "markdown"]
    check("<script>" not in md and "&lt;script&gt;" in md, "md: no raw html")
    check("\\*bold\\*" in md and "\\[x\\](http" in md, "md: emphasis, link escaped")
    # A typed note is one escaped line (term_escape): its newlines are shown
    # as \n, so nothing in it starts a heading, table, list or underline.
    check("\n# h" not in md and "\n| a" not in md, "md: no heading or table from a note")
    check("\\\\n# h2\\\\n12. item\\\\n- dash\\\\n===" in md,
          "md: no heading, list or underline at a line start")
    check("Bed 4 &lt;b&gt;" in md, "md: patient label escaped")
    txt = stored["clinician", "clinician", "text"]
    check("<script>alert(1)</script>" in txt and "\\x1b[31m" in txt and
          "\\n# h2\\n12. item" in txt and "\n# h2" not in txt,
          "text: note as typed, control characters and newlines escaped")
    # Technical details only in the appendix.
    body, _, appendix = txt.partition("Appendix: technical details")
    check(appendix and c["technical"]["rulebase_sha256"] in appendix and
          c["technical"]["rulebase_sha256"] not in body, "sha256 in appendix only")
    rule = c["technical"]["findings"][0]["rules"][0]
    check(rule in appendix and rule not in body, "rule names in appendix only")

    # Patient: advice, no clinician material.
    for name in ids:
        p = stored[name, "patient"]
        t = stored[name, "patient", "text"]
        check("notes" not in p and "technical" not in p and "audit" not in p,
              "patient json %s: nothing clinical-only" % name)
        check(HOSTILE.split()[0] not in t and "confidence" not in t and
              "Dr Who" not in t and "Bed 4" not in t,
              "patient text %s: no notes, confidence, names" % name)
        check(p["conclusions"]["safety_net"], "patient %s: safety-netting" % name)

    # Stored wording wins over a newer rule base.
    rules2 = os.path.join(tmp, "rules")
    shutil.copytree(os.path.join(SRC, "rules"), rules2)
    first = c["conclusions"]["findings"][0]
    for fn in os.listdir(rules2):
        path = os.path.join(rules2, fn)
        s = open(path).read()
        if first["text"] in s:
            open(path, "w").write(s.replace(first["text"], "NEWER WORDING"))
    rc, out, err = run("--rules", rules2, "report", str(sid), env=env)
    check(rc == 0 and "NEWER WORDING" not in out and
          first["text"].split()[0] in out, "stored wording, not the newer")
    rc, out, err = run("--rules", rules2, "report", str(ids["old"]),
                       "--format", "json", env=env)
    check(rc == 0 and json.loads(out)["conclusions"]["wording"] == "not_kept",
          "format 1 with another rule base: wording not kept, not mixed")

    # Output file, audit, usage errors.
    path = os.path.join(tmp, "r.md")
    rc, out, err = run("report", str(sid), "--format", "markdown", "--output",
                       path, env=env)
    check(rc == 0 and out == "" and os.stat(path).st_mode & 0o777 == 0o600,
          "--output writes a 0600 file")
    rc, out, err = run("sessions", "show", str(sid), "--format", "json", env=env)
    details = [a.get("detail") for a in json.loads(out)["audit"]
               if a["event"] == "report_exported"]
    check("markdown" in details and "json" in details, "exports audited by format")
    rc, out, err = run("report", str(sid), "--format", "pdf", env=env)
    check(rc == 2 and "'--format'" in err and out == "", "bad --format refused")
    rc, out, err = run("report", str(sid), "--for", "nurse", env=env)
    check(rc == 2 and "'--for'" in err and out == "", "bad --for refused")
    rc, out, err = run("report", str(sid), "--format", "fhir", "--for",
                       "patient", env=env)
    check(rc == 2 and "'--for patient'" in err and out == "",
          "fhir for a patient refused")

    shutil.rmtree(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
