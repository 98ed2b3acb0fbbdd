#!/usr/bin/env python3
"""test_fhir.py — FHIR R4 output checked by real validators and by a
conformance check of each QuestionnaireResponse against the Questionnaire.

Usage: test_fhir.py MSKTRIAGE_BIN SOURCE_DIR WORK_DIR

WORK_DIR (in the build tree) gets a copy of package.json, package-lock.json
and validate.js and `npm ci` there, so parallel build trees never share a
node_modules. The validators (FHIR.js and Medplum, pinned in the lock file)
check the Questionnaire of `rules export-questionnaire` and the Bundle of
`report --format fhir` for fixed sessions (clinician, kiosk,
emergency-stopped, interim). No validator checks a response against its
Questionnaire offline, so conformance() below does: linkIds exist, order
and nesting follow the Questionnaire, answers have the item's type and one
of its options, every answered item is enabled by its enableWhen.
"""
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN, SRC, WORK = sys.argv[1], sys.argv[2], os.path.abspath(sys.argv[3])
HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(SRC, "tests", "e2e", "fixtures")
RULES = os.path.join(SRC, "rules")
failures = []

VALUE_TYPES = {"boolean": "valueBoolean", "integer": "valueInteger",
               "decimal": "valueDecimal", "choice": "valueCoding"}
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env):
    p = subprocess.run([BIN, "--rules", RULES, *args], capture_output=True,
                       env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def setup_node():
    try:
        v = subprocess.run(["node", "--version"], capture_output=True,
                           text=True).stdout.strip()
    except FileNotFoundError:
        v = ""
    parts = [int(x) for x in v.lstrip("v").split(".")[:2]] if v else [0, 0]
    if parts < [20, 19]:
        print("node %s found; the FHIR validators (@medplum/core 4.5.2) need "
              "node 20.19 or newer (Debian 12's own node 18 is too old: "
              "install Node 20 LTS)" % (v or "not"))
        return False
    os.makedirs(WORK, exist_ok=True)
    changed = False
    for f in ("package.json", "package-lock.json", "validate.js"):
        src, dst = os.path.join(HERE, f), os.path.join(WORK, f)
        if not os.path.exists(dst) or open(src, "rb").read() != open(dst, "rb").read():
            shutil.copyfile(src, dst)
            changed = True
    if changed or not os.path.isdir(os.path.join(WORK, "node_modules")):
        p = subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=WORK,
                           capture_output=True, text=True)
        if p.returncode != 0:
            print("npm ci failed:\n" + p.stdout + p.stderr)
            return False
    return True


def enabled(qitem, answers):
    """FHIR R4 enableWhen over the answers given so far (linkId -> list of
    answer objects)."""
    conds = qitem.get("enableWhen")
    if not conds:
        return True
    results = []
    for c in conds:
        got = answers.get(c["question"], [])
        key = next(k for k in c if k.startswith("answer"))
        want = c[key]
        values = [a.get("value" + key[len("answer"):]) for a in got]
        if c["operator"] == "exists":
            results.append(bool(got) == want)
        elif c["operator"] == "=":
            results.append(want in values)
        elif c["operator"] == "!=":
            results.append(want not in values)
        else:
            results.append(False)   # not used by msktriage
    if qitem.get("enableBehavior") == "any":
        return any(results)
    return all(results)


def conformance(q, qr, what):
    """Problems of response qr against Questionnaire q, as a list."""
    problems = []
    if qr.get("questionnaire") != "%s|%s" % (q["url"], q["version"]):
        problems.append("questionnaire reference %r" % qr.get("questionnaire"))
    answers = {}

    def walk(qitems, ritems, path):
        pos = 0
        links = [i["linkId"] for i in qitems]
        for r in ritems:
            link = r.get("linkId")
            if link not in links:
                problems.append("%s: linkId %r not in the questionnaire here"
                                % (path, link))
                continue
            k = links.index(link)
            if k < pos:
                problems.append("%s: %r out of order" % (path, link))
            pos = k + 1
            qi = qitems[k]
            if qi["type"] == "group":
                if r.get("answer"):
                    problems.append("%s: group %r has answers" % (path, link))
                walk(qi.get("item", []), r.get("item", []), path + "/" + link)
                continue
            if r.get("item"):
                problems.append("%s: %r nests items" % (path, link))
            if not enabled(qi, answers):
                problems.append("%s: %r answered but not enabled" % (path, link))
            got = r.get("answer", [])
            if len(got) > 1 and not qi.get("repeats"):
                problems.append("%s: %r repeats" % (path, link))
            for a in got:
                keys = [x for x in a if x.startswith("value")]
                if keys != [VALUE_TYPES[qi["type"]]]:
                    problems.append("%s: %r answer %s for type %s"
                                    % (path, link, keys, qi["type"]))
                    continue
                v = a[keys[0]]
                if qi["type"] == "choice":
                    opts = [o["valueCoding"] for o in qi.get("answerOption", [])]
                    if not any(o["system"] == v.get("system") and
                               o["code"] == v.get("code") for o in opts):
                        problems.append("%s: %r answer %r not an option"
                                        % (path, link, v.get("code")))
                if qi["type"] == "integer" and (
                        not isinstance(v, int) or isinstance(v, bool)):
                    problems.append("%s: %r not an integer" % (path, link))
                if qi["type"] in ("integer", "decimal"):
                    for e in qi.get("extension", []):
                        lim = e.get("valueInteger", e.get("valueDecimal"))
                        if e["url"].endswith("/minValue") and v < lim or \
                                e["url"].endswith("/maxValue") and v > lim:
                            problems.append("%s: %r out of range" % (path, link))
            if not got:
                codes = [e.get("valueCode") for e in r.get("extension", [])
                         if e["url"] == ABSENT]
                if codes not in (["asked-unknown"], ["asked-declined"]):
                    problems.append("%s: %r has neither an answer nor a "
                                    "reason for its absence" % (path, link))
            answers[link] = got

    walk(q["item"], qr.get("item", []), "")
    return problems


def main():
    if not setup_node():
        return 1
    tmp = tempfile.mkdtemp(prefix="msk-fhir-")
    env = dict(os.environ, MSKTRIAGE_DB=os.path.join(tmp, "s.db"),
               SOURCE_DATE_EPOCH="1790000000", TZ="UTC")
    ids = {}
    for name in ("clinician", "kiosk", "emergency", "interim"):
        rc, out, err = run("assess", "--save", "--answers",
                           os.path.join(FIX, "report-%s.json" % name), env=env)
        check(rc == 0, "assess --save " + name)
        ids[name] = json.loads(out)["session"]["id"]
    db = sqlite3.connect(env["MSKTRIAGE_DB"])
    db.execute("UPDATE session SET mode='clinician', patient_label=? WHERE id=?",
               ("Bed 4 \"<x>\"", ids["clinician"]))
    db.commit()
    db.close()

    rc, out, err = run("rules", "export-questionnaire", env=env)
    check(rc == 0, "export-questionnaire: " + err)
    files = [os.path.join(tmp, "questionnaire.json")]
    open(files[0], "w").write(out)
    q = json.loads(out)
    bundles = {}
    for name, i in ids.items():
        rc, out, err = run("report", str(i), "--format", "fhir", env=env)
        check(rc == 0, "report --format fhir %s: %s" % (name, err))
        path = os.path.join(tmp, "bundle-%s.json" % name)
        open(path, "w").write(out)
        files.append(path)
        bundles[name] = json.loads(out)

    p = subprocess.run(["node", os.path.join(WORK, "validate.js"), *files],
                       capture_output=True, text=True, cwd=WORK)
    print(p.stdout, p.stderr, end="")
    check(p.returncode == 0, "FHIR.js and Medplum accept every resource")
    check(p.stdout.count(": checked") == len(files), "every file validated")

    # The Questionnaire: groups of questions, enableWhen where expressible.
    items = {i["linkId"]: i for g in q["item"] for i in g["item"]}
    check(all(g["type"] == "group" for g in q["item"]), "sections are groups")
    check("enableWhen" not in items["age"], "age is always asked")
    kh = items["knee_hot_swollen"]
    check(kh.get("enableWhen") == [{"question": "knee_pain", "operator": "!=",
                                    "answerBoolean": False}],
          "knee_hot_swollen enabled by knee_pain")
    check(items["knee_side"]["type"] == "choice" and
          [o["valueCoding"]["code"] for o in items["knee_side"]["answerOption"]]
          == ["left", "right", "both"], "choice options")

    for name, b in bundles.items():
        res = {e["resource"]["resourceType"]: e for e in b["entry"]}
        check(b["type"] == "collection", name + ": collection")
        qr = res["QuestionnaireResponse"]["resource"]
        ra = res["RiskAssessment"]["resource"]
        probs = conformance(q, qr, name)
        check(not probs, "%s: response conforms: %s" % (name, probs[:5]))
        check(ra["basis"] == [{"reference": res["QuestionnaireResponse"]["fullUrl"]}],
              name + ": basis is the response")
        check(ra["subject"] == qr["subject"] and
              qr["subject"]["reference"] == res["Patient"]["fullUrl"],
              name + ": one patient")
        check(res["Communication"]["resource"]["payload"], name + ": advice")
        flat = {i["linkId"]: i for g in qr["item"] for i in g["item"]}
        if name == "clinician":
            check(qr["status"] == "completed" and ra["status"] == "final",
                  "complete: completed, final")
            check(flat["stumbling"].get("answer") is None and
                  flat["stumbling"]["extension"][0]["valueCode"] == "asked-unknown",
                  "unsure is asked-unknown, not false")
            check(flat["sbt_low_mood"]["extension"][0]["valueCode"] == "asked-declined",
                  "skip is asked-declined")
            check(flat["age"]["answer"] == [{"valueInteger": 68}], "integer")
            check(flat["height_cm"]["answer"][0]["valueDecimal"] == 165,
                  "decimal")
            check(flat["hip_side"]["answer"][0]["valueCoding"]["code"] == "both",
                  "coding")
            check(flat["neck_pain"]["answer"] == [{"valueBoolean": False}],
                  "boolean no")
            check(res["Patient"]["resource"]["identifier"][0]["value"] ==
                  "Bed 4 \"<x>\"", "patient label kept as data")
        if name == "emergency":
            check(qr["status"] == "stopped", "emergency-stopped: stopped")
            pred = ra["prediction"][0]
            check(pred["outcome"]["coding"][0]["code"] == "cauda_equina_suspected"
                  and pred["probabilityDecimal"] == 0.9 and
                  pred["qualitativeRisk"]["coding"][0]["code"] == "high",
                  "red flag prediction")
        if name == "interim":
            check(qr["status"] == "in-progress" and ra["status"] == "preliminary",
                  "interim: in-progress, preliminary")
        findings = {f["id"] for f in json.loads(run(
            "report", str(ids[name]), "--format", "json", env=env)[1])
            ["technical"]["findings"]}
        check({p["outcome"]["coding"][0]["code"] for p in ra["prediction"]} ==
              findings, name + ": one prediction per finding")

    # The conformance check itself must catch what it is for.
    bad = json.loads(json.dumps(bundles["clinician"]))
    qr = next(e["resource"] for e in bad["entry"]
              if e["resource"]["resourceType"] == "QuestionnaireResponse")
    g = qr["item"][1]["item"]
    g[0], g[1] = g[1], g[0]
    qr["item"][0]["item"].append({"linkId": "no_such_question",
                                  "answer": [{"valueBoolean": True}]})
    qr["item"][2]["item"][0]["answer"] = [{"valueInteger": 1}]
    probs = conformance(q, qr, "broken")
    check(any("out of order" in p for p in probs) and
          any("no_such_question" in p for p in probs) and
          any("answer ['valueInteger']" in p for p in probs),
          "conformance catches order, unknown linkId and type: %s" % probs)
    lone = {"questionnaire": qr["questionnaire"], "item": [
        {"linkId": "section.where_it_hurts", "item": [
            {"linkId": "knee_pain", "answer": [{"valueBoolean": False}]}]},
        {"linkId": "section.urgent_signs", "item": [
            {"linkId": "knee_hot_swollen", "answer": [{"valueBoolean": True}]}]}]}
    check(any("not enabled" in p for p in conformance(q, lone, "lone")),
          "conformance catches an answer to a disabled item")

    shutil.rmtree(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
