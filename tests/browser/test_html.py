#!/usr/bin/env python3
"""test_html.py — HTML reports in headless Chromium.

Usage: test_html.py MSKTRIAGE_BIN SOURCE_DIR

For fixed sessions (tests/e2e/fixtures/report-*.json): the file is
self-contained (no script element, nothing fetched, a Content Security
Policy), a note `<script>alert(1)</script>` is text, the body diagram marks
what the answers say, Chromium renders it, prints it to PDF on one A4 page
for a typical session (pdfinfo counts), and the DOM after load equals the
file's own (no script ran, nothing rewrote the page).
"""
import html.parser
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

BIN, SRC = sys.argv[1], sys.argv[2]
FIX = os.path.join(SRC, "tests", "e2e", "fixtures")
RULES = os.path.join(SRC, "rules")
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
NOTE = "<script>alert(1)</script> & \"quotes\" \x1b[31m"
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, env):
    p = subprocess.run([BIN, "--rules", RULES, *args], capture_output=True,
                       env=env)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


class Tokens(html.parser.HTMLParser):
    """The document as a list of start tags (with attributes), end tags and
    non-blank text: what two serialisations of one DOM share."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tokens, self.scripts, self.text = [], 0, []
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.scripts += tag == "script"
        for name, value in attrs:
            if name in ("src", "href", "xlink:href", "action", "data") or (
                    value and re.search(r"url\((?!#)", value)):
                self.urls.append((tag, name, value))
        self.tokens.append(("start", tag, tuple(sorted(
            (n, v or "") for n, v in attrs))))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        self.handle_endtag(tag)

    def handle_endtag(self, tag):
        self.tokens.append(("end", tag))

    def handle_data(self, data):
        self.text.append(data)
        if data.strip():
            self.tokens.append(("text", data))


def parse(text):
    t = Tokens()
    t.feed(text)
    t.close()
    return t


def chromium(*args, url):
    profile = tempfile.mkdtemp(prefix="msk-chromium-")
    try:
        p = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--user-data-dir=" + profile, *args, url],
            capture_output=True, timeout=180)
        return p.returncode, p.stdout.decode()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def pages(pdf):
    out = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", out, re.M)
    return int(m.group(1)) if m else -1


def marked(text):
    return set(re.findall(r'class="region marked" data-region="([a-z_]+)"', text))


def main():
    if not os.access(CHROMIUM, os.X_OK):
        print("chromium not found at %s: install Debian's chromium "
              "(make test-deps)" % CHROMIUM)
        return 1
    tmp = tempfile.mkdtemp(prefix="msk-html-")
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
               ("<b>Bed 4</b>", ids["clinician"]))
    db.execute("UPDATE session SET mode='kiosk' WHERE id IN (?, ?)",
               (ids["kiosk"], ids["emergency"]))
    for name in ids:
        db.execute("INSERT INTO note (session_id, author, text, at) VALUES "
                   "(?, 'Dr Who', ?, 1790000000)", (ids[name], NOTE))
    db.commit()
    db.close()

    files = {}
    for name, i in ids.items():
        for aud in ("clinician", "patient"):
            path = os.path.join(tmp, "%s-%s.html" % (name, aud))
            rc, out, err = run("report", str(i), "--format", "html", "--for",
                               aud, "--output", path, env=env)
            check(rc == 0, "html report %s/%s: %s" % (name, aud, err))
            files[name, aud] = path

    for (name, aud), path in files.items():
        text = open(path, encoding="utf-8").read()
        doc = parse(text)
        what = "%s/%s" % (name, aud)
        check(doc.scripts == 0, what + ": no script element")
        check(not doc.urls, what + ": nothing fetched %s" % doc.urls[:3])
        check("Content-Security-Policy" in text and "default-src 'none'" in text,
              what + ": content security policy")
        check("\x1b" not in text, what + ": no control characters")
        if aud == "clinician":
            check(any("<script>alert(1)</script>" in t for t in doc.text),
                  what + ": the note is shown as text")
            check("&lt;script&gt;alert(1)&lt;/script&gt;" in text,
                  what + ": the note is escaped")
        else:
            check("alert(1)" not in text, what + ": notes not in a patient report")

        rc, dom = chromium("--dump-dom", url="file://" + path)
        check(rc == 0 and "</html>" in dom, what + ": chromium renders it")
        check(parse(dom).tokens == doc.tokens,
              what + ": the DOM after load equals the file")

    # Printing: one A4 page for a typical session (kiosk, emergency-stopped,
    # interim; both audiences).
    for name in ("kiosk", "emergency", "interim"):
        for aud in ("clinician", "patient"):
            pdf = os.path.join(tmp, "%s-%s.pdf" % (name, aud))
            chromium("--no-pdf-header-footer", "--print-to-pdf=" + pdf,
                     url="file://" + files[name, aud])
            n = pages(pdf)
            check(n == 1, "%s/%s prints on one page (got %d)" % (name, aud, n))
    pdf = os.path.join(tmp, "clinician.pdf")
    chromium("--no-pdf-header-footer", "--print-to-pdf=" + pdf,
             url="file://" + files["clinician", "clinician"])
    check(pages(pdf) >= 1, "the long clinician session prints")

    # The body diagram marks what the answers say.
    c = open(files["clinician", "clinician"]).read()
    check(marked(c) == {"low_back", "hip_left", "hip_right", "knee_left",
                        "thigh_left", "thigh_right"},
          "clinician: left knee, both hips, back, thighs: %s" % marked(c))
    check(c.count('class="rel"') >= 3, "clinician: relationships drawn")
    check(c.count('class="bar"') == 3, "clinician: three pain scores charted")
    e = open(files["emergency", "clinician"]).read()
    check(marked(e) == {"low_back"} and 'class="rel"' not in e,
          "emergency: the back only, no relationship")
    i = open(files["interim", "clinician"]).read()
    check(marked(i) == {"knee_right"}, "interim: the right knee")
    check("Interim level" in i, "interim: the level is called interim")

    # The diagram comes from the body map, not from the program.
    rules2 = os.path.join(tmp, "rules")
    shutil.copytree(RULES, rules2)
    m = json.load(open(os.path.join(rules2, "body-map.json")))
    for r in m["regions"]:
        if r["id"] == "knee_right":
            r["id"], r["shape"]["cx"] = "knee_right_moved", 31.5
    json.dump(m, open(os.path.join(rules2, "body-map.json"), "w"))
    p = subprocess.run([BIN, "--rules", rules2, "report", str(ids["interim"]),
                        "--format", "html"], capture_output=True, text=True,
                       env=env)
    check(p.returncode == 0 and 'data-region="knee_right_moved" cx="31.5"'
          in p.stdout and marked(p.stdout) == {"knee_right_moved"},
          "regions and coordinates from rules/body-map.json")

    shutil.rmtree(tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
