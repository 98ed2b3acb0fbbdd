#!/usr/bin/env python3
"""The five clinician walk-throughs of docs/walkthroughs.md, replayed.

Each walk-through is typed into the real binary in an 80-column
pseudo-terminal on a throwaway store, one line at a time and only once the
prompt it answers is on the screen, so a question asked in another order, a
line the document quotes that the screen no longer shows, another level or
another set of findings fails the test. The report the document quotes is
then written with `report CODE --format md` and checked as well.

    test_walkthroughs.py MSKTRIAGE_BIN [NAME...]
"""
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import tempfile
import termios

BIN = sys.argv[1] if len(sys.argv) > 1 else "build/msktriage"
WAIT_S = 60  # generous: a failure, not a measurement

# A step is (prompt, typed): wait for "prompt>" (or a prompt's own text),
# then type. expect: lines the document quotes, in the order they show.
WALKS = {}

WALKS["knee-oa-hip-after-knee"] = {
    "steps": [
        ("age>", "68"), ("knee_pain>", "y"), ("hip_pain>", "y"),
        ("low_back_pain>", "n"), ("neck_pain>", "n"),
        ("sudden_severe_pain_faint>", "n"), ("calf_swelling>", "n"),
        ("fever>", "n"), ("knee_hot_swollen>", "n"),
        ("recent_trauma>", "n"), ("unable_to_bear_weight>", "n"),
        ("cancer_history>", "n"), ("weight_loss_unexplained>", "n"),
        ("night_pain>", "n"), ("leg_radiating_pain>", "n"),
        ("leg_numbness_tingling>", "n"), ("knee_side>", "2"),
        ("knee_duration_weeks>", "18 months"), ("knee_pain_score>", "6"),
        ("knee_oa_diagnosed>", "y"),
        ("knee_swelling>", "set exam_quadriceps_wasting y"),
        ("knee_swelling>", "n"), ("knee_locking>", "n"),
        ("knee_giving_way>", "n"), ("knee_stairs_difficulty>", "y"),
        ("other_joints_swollen>", "n"),
        ("morning_stiffness_minutes>", "20"), ("hip_side>", "2"),
        ("hip_onset>", "why"), ("hip_onset>", "1"),
        ("hip_pain_score>", "5"), ("thigh_weakness>", "y"),
        ("muscle_loss_noticed>", "n"), ("activity_level>", "n"),
        ("activity_level>", "2"),
        ("hamstring_tightness>", "n"), ("limp>", "y"),
        ("offloading>", "y"),
        ("stumbling>", "how knee_hip_gait_compensation"),
        ("stumbling>", "whynot hip_referred_knee_pain"),
        ("stumbling>", "n"), ("falls_12m>", "0"), ("height_cm>", "170"),
        ("weight_kg>", "88"), ("sitting_hours>", "4"),
        ("pain_medication>", "2"), ("physio_tried>", "n"),
        ("exam_trendelenburg>", "n"), ("finish>", "summary"),
        ("finish>", ""), ("sign off as", ""), ("[y/N]", "y"),
        ("write a plain-text report?", "n"),
    ],
    "expect": [
        "answer: a whole number from 0 to 2600 weeks, or in another unit "
        "(converted); or skip, why, help knee_duration_weeks> 18 months",
        "= 78 weeks",
        "set 'exam_quadriceps_wasting' to yes",
        "Hip pain that began after the knee pain supports a knee-driven gait "
        "compensation",
        "activity_level> n 'activity_level' must be one of active, reduced, "
        "inactive (or skip) or type its number, 1 to 3 activity_level> 2",
        "new finding: Hip pain from gait compensation "
        "[knee_hip_gait_compensation] (consultation, confidence 0.58)",
        "relationship, level consultation, confidence 0.75",
        "hip_onset = after_knee (Onset of the hip pain relative to the knee "
        "pain.)",
        "Knee pain referred from the hip [hip_referred_knee_pain] is not a "
        "current finding",
        "answered: hip_onset = after_knee",
        "withdrawn: Knee-hip muscle instability [knee_hip_muscle_instability]",
        "Triage level: consultation",
        "Quadriceps and gluteal muscle loss [quad_glute_atrophy_risk] level "
        "consultation, confidence 0.89",
        "Hip pain from gait compensation [knee_hip_gait_compensation] level "
        "consultation, confidence 0.75",
        "signed off by Dr A",
    ],
    "level": "consultation",
    "findings": ["chronic_pain", "quad_glute_atrophy_risk",
                 "rehabilitation_not_started", "knee_hip_gait_compensation",
                 "sarcopenia_risk", "knee_hip_joint_stress",
                 "joint_load_weight"],
    "absent": ["hip_referred_knee_pain", "knee_hip_muscle_instability"],
    "report": ["- **Status:** complete",
               "- Hip pain from gait compensation (confidence 0.75, level "
               "consultation)",
               "Examination: visible or measured quadriceps wasting on the "
               "painful side? yes"],
}

WALKS["knee-back-before-replacement"] = {
    "steps": [
        ("age>", "71"), ("knee_pain>", "y"), ("hip_pain>", "n"),
        ("low_back_pain>", "y"), ("neck_pain>", "n"),
        ("sudden_severe_pain_faint>", "n"), ("calf_swelling>", "n"),
        ("saddle_numbness>", "n"), ("bladder_bowel_change>", "n"),
        ("fever>", "n"), ("knee_hot_swollen>", "n"),
        ("recent_trauma>", "n"), ("unable_to_bear_weight>", "n"),
        ("leg_weakness_progressive>", "n"), ("cancer_history>", "n"),
        ("weight_loss_unexplained>", "n"), ("night_pain>", "n"),
        ("leg_radiating_pain>", "y"), ("leg_numbness_tingling>", "n"),
        ("knee_side>", "3"), ("knee_duration_weeks>", "2y"),
        ("knee_pain_score>", "7"), ("knee_oa_diagnosed>", "y"),
        ("knee_swelling>", "n"), ("knee_locking>", "n"),
        ("knee_giving_way>", "n"), ("knee_stairs_difficulty>", "y"),
        ("other_joints_swollen>", "n"),
        ("knee_replacement_considered>", "why"),
        ("knee_replacement_considered>", "y"),
        ("morning_stiffness_minutes>", "45"),
        ("back_duration_weeks>", "6 months"), ("back_pain_score>", "5"),
        ("sbt_walk_short>", "n"), ("sbt_dress_slowly>", "n"),
        ("sbt_fear_activity>", "n"), ("sbt_worry>", "y"),
        ("sbt_catastrophise>", "n"), ("sbt_low_mood>", "n"),
        ("sbt_bothersome>", "3"), ("thigh_weakness>", "n"),
        ("muscle_loss_noticed>", "n"), ("activity_level>", "2"),
        ("hamstring_tightness>", "n"), ("stumbling>", "n"),
        ("falls_12m>", "0"), ("height_cm>", "165"), ("weight_kg>", "70"),
        ("sitting_hours>", "6"), ("pain_medication>", "3"),
        ("physio_tried>", "y"), ("exam_quadriceps_wasting>", "n"),
        ("exam_straight_leg_raise>", "back"),
        ("exam_quadriceps_wasting>", ""),
        ("exam_straight_leg_raise>", "y"),
        ("finish>", "how back_exam_before_knee_replacement"),
        ("finish>", "note listed for left TKR at the orthopaedic clinic"),
        ("finish>", "summary"), ("finish>", ""), ("sign off as", ""),
        ("[y/N]", "y"), ("write a plain-text report?", "n"),
    ],
    "expect": [
        "knee_duration_weeks> 2y",
        "= 104 weeks",
        "Before a knee replacement the lumbar spine should be examined: knee "
        "pain can come from the back, and then a new knee will not help.",
        "new finding: Examine the back before knee replacement "
        "[back_exam_before_knee_replacement] (consultation, confidence 0.64)",
        "= 26 weeks",
        "STarT Back items (adapted) · section 7 of 11 · about",
        "back to 'exam_quadriceps_wasting'",
        "(now no; Enter keeps it)",
        "kept 'exam_quadriceps_wasting' = no",
        "knee_replacement_considered = yes (Knee replacement suggested or "
        "planned?)",
        "rules: back-exam-before-knee-replacement-back-pain, "
        "back-exam-before-knee-replacement-referred-pain",
        "note saved",
        "Possible pain referred from the lumbar spine [lumbar_referred_pain] "
        "level consultation, confidence 0.80",
        "Back pain: low risk (adapted from STarT Back) [back_pain_risk_low]",
        "signed off by Dr A",
    ],
    "level": "consultation",
    "findings": ["back_exam_before_knee_replacement", "lumbar_referred_pain",
                 "knee_back_comorbidity", "paraspinal_weakness_risk",
                 "back_pain_risk_low", "opioid_use", "chronic_pain",
                 "severe_pain", "joint_load_weight"],
    "absent": ["quad_glute_atrophy_risk"],
    "report": ["- Examine the back before knee replacement (confidence 0.64, "
               "level consultation)",
               "  - Action: Lumbar spine assessment",
               "Dr A: listed for left TKR at the orthopaedic clinic"],
}

WALKS["knee-tingling-no-back-pain"] = {
    "steps": [
        ("age>", "52"), ("knee_pain>", "y"), ("hip_pain>", "n"),
        ("low_back_pain>", "n"), ("neck_pain>", "n"),
        ("calf_swelling>", "n"), ("fever>", "n"),
        ("knee_hot_swollen>", "n"), ("recent_trauma>", "n"),
        ("unable_to_bear_weight>", "n"), ("cancer_history>", "n"),
        ("weight_loss_unexplained>", "n"), ("night_pain>", "n"),
        ("leg_radiating_pain>", "n"), ("leg_numbness_tingling>", "n"),
        ("knee_side>", "back"), ("leg_numbness_tingling>", "y"),
        ("leg_weakness_progressive>", "n"), ("knee_side>", "1"),
        ("knee_duration_weeks>", "6 wk"), ("knee_pain_score>", "4"),
        ("knee_oa_diagnosed>", "n"), ("knee_swelling>", "n"),
        ("knee_locking>", "n"), ("knee_giving_way>", "n"),
        ("knee_stairs_difficulty>", "n"), ("other_joints_swollen>", "n"),
        ("knee_replacement_considered>", "n"),
        ("morning_stiffness_minutes>", "10"),
        ("thigh_weakness>", "set exam_straight_leg_raise y"),
        ("thigh_weakness>", "whynot knee_back_comorbidity"),
        ("thigh_weakness>", "n"), ("muscle_loss_noticed>", "n"),
        ("activity_level>", "1"), ("hamstring_tightness>", "y"),
        ("falls_12m>", "0"), ("height_cm>", "178"), ("weight_kg>", "80"),
        ("sitting_hours>", "9"), ("pain_medication>", "1"),
        ("finish>", "how lumbar_referred_pain"), ("finish>", "summary"),
        ("finish>", ""), ("sign off as", ""), ("[y/N]", "y"),
        ("write a plain-text report?", "n"),
    ],
    "expect": [
        "back to 'leg_numbness_tingling'",
        "(now no; Enter keeps it)",
        "new finding: Possible pain referred from the lumbar spine "
        "[lumbar_referred_pain] (consultation, confidence 0.40)",
        "knee_duration_weeks> 6 wk",
        "= 6 weeks",
        "set 'exam_straight_leg_raise' to yes",
        "Knee and low back pain together [knee_back_comorbidity] is not a "
        "current finding",
        "answered: knee_pain = yes; low_back_pain = no",
        "nothing argued against it; it is absent because none of the rules "
        "above holds with the answers so far",
        "relationship, level consultation, confidence 0.76",
        "exam_straight_leg_raise = yes",
        "rules: lumbar-referred-pain-numbness, "
        "lumbar-referred-pain-straight-leg-raise",
        "Triage level: consultation",
        "signed off by Dr A",
    ],
    "level": "consultation",
    "findings": ["lumbar_referred_pain", "hamstring_imbalance",
                 "prolonged_sitting"],
    "absent": ["knee_back_comorbidity", "chronic_pain"],
    "report": ["- Possible pain referred from the lumbar spine (confidence "
               "0.76, level consultation)",
               "  - Action: Lumbar spine assessment"],
}

WALKS["older-weakness-falls"] = {
    "steps": [
        ("age>", "79"), ("knee_pain>", "y"), ("hip_pain>", "y"),
        ("low_back_pain>", "n"), ("neck_pain>", "n"),
        ("sudden_severe_pain_faint>", "n"), ("calf_swelling>", "n"),
        ("fever>", "n"), ("knee_hot_swollen>", "n"),
        ("recent_trauma>", "n"), ("unable_to_bear_weight>", "n"),
        ("cancer_history>", "n"), ("weight_loss_unexplained>", "n"),
        ("night_pain>", "n"), ("leg_radiating_pain>", "n"),
        ("leg_numbness_tingling>", "n"), ("knee_side>", "3"),
        ("knee_duration_weeks>", "3y"), ("knee_pain_score>", "5"),
        ("knee_oa_diagnosed>", "y"), ("knee_swelling>", "n"),
        ("knee_locking>", "n"), ("knee_giving_way>", "y"),
        ("knee_stairs_difficulty>", "y"), ("other_joints_swollen>", "n"),
        ("morning_stiffness_minutes>", "15"), ("hip_side>", "3"),
        ("hip_onset>", "3"), ("hip_pain_score>", "4"),
        ("thigh_weakness>", "y"), ("muscle_loss_noticed>", "y"),
        ("neurological_condition>", "n"), ("activity_level>", "3"),
        ("hamstring_tightness>", "n"), ("limp>", "y"), ("offloading>", "y"),
        ("stumbling>", "y"), ("falls_12m>", "3"), ("height_cm>", "how"),
        ("height_cm>", "how fall_risk"), ("height_cm>", "160"),
        ("weight_kg>", "58"), ("sitting_hours>", "8"),
        ("pain_medication>", "2"), ("physio_tried>", "n"),
        ("exam_quadriceps_wasting>", "y"), ("exam_trendelenburg>", "y"),
        ("finish>", "whynot hip_referred_knee_pain"), ("finish>", "summary"),
        ("finish>", ""), ("sign off as", ""), ("[y/N]", "y"),
        ("write a plain-text report?", "n"),
    ],
    "expect": [
        "= 156 weeks",
        "knee_stairs_difficulty> y new finding: Risk of falls [fall_risk] (consultation, confidence "
        "0.40)",
        "new finding: Risk of sarcopenia [sarcopenia_risk]",
        "current findings (most urgent first):",
        "fall_risk consultation 0.99 Risk of falls",
        "falls_12m = 3 (Number of falls in the last 12 months.)",
        "rules: fall-risk-giving-way-or-stumbling, fall-risk-fallen, "
        "fall-risk-recurrent-falls",
        "answered: hip_onset = same_time; exam_trendelenburg = yes",
        "Risk of falls [fall_risk] level consultation, confidence 0.99",
        "Knee-hip muscle instability [knee_hip_muscle_instability] level "
        "consultation, confidence 0.76",
        "signed off by Dr A",
    ],
    "level": "consultation",
    "findings": ["fall_risk", "quad_glute_atrophy_risk", "sarcopenia_risk",
                 "chronic_pain", "rehabilitation_not_started",
                 "knee_hip_muscle_instability", "knee_hip_gait_compensation",
                 "knee_hip_joint_stress", "prolonged_sitting"],
    "absent": ["hip_referred_knee_pain"],
    "report": ["- Risk of falls (confidence 0.99, level consultation)",
               "  - Action: Falls prevention"],
}

WALKS["red-flag-stop"] = {
    "steps": [
        ("age>", "47"), ("knee_pain>", "y"), ("hip_pain>", "n"),
        ("low_back_pain>", "y"), ("neck_pain>", "n"),
        ("sudden_severe_pain_faint>", "n"), ("calf_swelling>", "n"),
        ("saddle_numbness>", "n"),
        ("bladder_bowel_change>", "why"),
        ("bladder_bowel_change>", "y"),
        ("stop>", "note GP letter faxed to ED; patient taken by partner"),
        ("stop>", "summary"), ("stop>", "signoff"),
        ("sign off as", ""), ("[y/N]", "y"),
        ("write a plain-text report?", "n"),
    ],
    "expect": [
        "New sphincter disturbance with back or radiating leg pain suggests "
        "cauda equina syndrome.",
        "!! RED FLAG: Possible cauda equina syndrome [cauda_equina_suspected]",
        "INTERVIEW STOPPED: Possible cauda equina syndrome",
        "Emergency: send to an emergency department now.",
        "Interview stopped by: Possible cauda equina syndrome "
        "[cauda_equina_suspected]",
        "saved as emergency_stopped",
        "the session is stopped. Next: note TEXT add a note to the session "
        "signoff sign the session off (closes the record) continue go on "
        "with the assessment for the record; the emergency and its level "
        "stand quit leave it stopped (resume later to sign off)",
        "stop> note GP letter faxed to ED; patient taken by partner "
        "note saved",
        "stop> signoff",
        "signed off by Dr A",
        ": emergency_stopped. Goodbye.",
    ],
    "level": "emergency",
    "findings": ["knee_back_comorbidity"],
    "red_flags": ["cauda_equina_suspected"],
    "absent": [],
    "report": ["- **Status:** emergency\\_stopped",
               "Possible cauda equina syndrome",
               "Dr A: GP letter faxed to ED; patient taken by partner"],
}

ESC = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][A-Z0-9]|\x1b[=>]")


def normalise(raw):
    """The text as the screen shows it: escapes, CRs and bells gone, each run
    of white space one space (a wrapped line reads as its sentence)."""
    s = ESC.sub("", raw.decode("utf-8", "replace"))
    s = s.replace("\r", "").replace("\a", "")
    return re.sub(r"\s+", " ", s)


class Pty:
    def __init__(self, argv, cols, env):
        pid, fd = pty.fork()
        if pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, cols,
                                                         0, 0))
        self.pid, self.fd, self.raw, self.mark = pid, fd, b"", 0

    def pump(self, timeout):
        r, _, _ = select.select([self.fd], [], [], timeout)
        if not r:
            return False
        try:
            data = os.read(self.fd, 65536)
        except OSError:
            data = b""
        if not data:
            raise EOFError
        self.raw += data
        return True

    def expect(self, text, what):
        """Wait for text after the mark; the mark moves past it."""
        waited = 0.0
        while True:
            screen = normalise(self.raw)
            at = screen.find(text, self.mark)
            if at >= 0:
                self.mark = at + len(text)
                return
            if waited >= WAIT_S:
                fail(what, "no %r on the screen; its end:\n%s"
                     % (text, screen[-1500:]))
            try:
                if not self.pump(0.5):
                    waited += 0.5
            except EOFError:
                fail(what, "the program ended before %r; its end:\n%s"
                     % (text, normalise(self.raw)[-1500:]))

    def type(self, line):
        os.write(self.fd, line.encode() + b"\r")

    def finish(self):
        try:
            while self.pump(WAIT_S):
                pass
        except EOFError:
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


FAILED = []


def fail(what, message):
    print("FAIL %s: %s" % (what, message), file=sys.stderr)
    raise AssertionError(what)


def run(name, walk):
    d = tempfile.mkdtemp(prefix="msk-walk-")
    store = os.path.join(d, "s.db")
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env.update(TERM="xterm", HOME=d, XDG_DATA_HOME=d, LC_ALL="C.UTF-8")
    p = Pty([BIN, "--db", store, "--clinician", "Dr A", "--label", "bay 1"],
            80, env)
    for i, (prompt, typed) in enumerate(walk["steps"]):
        p.expect(prompt, "%s, step %d (%s %s)" % (name, i + 1, prompt, typed))
        p.type(typed)
    rc = p.finish()
    if rc != 0:
        fail(name, "exit status %d" % rc)
    # Every progress line is one line at 80 columns: the section's title,
    # its place and what is left, not broken before "questions left".
    shown = ESC.sub("", p.raw.decode("utf-8", "replace")).replace("\r", "")
    for line in shown.split("\n"):
        if " · section " in line and not re.search(r"questions? left$",
                                                   line.rstrip()):
            fail(name, "a progress line that does not fit: %r" % line)
    screen = normalise(p.raw)
    at = 0
    for line in walk["expect"]:
        found = screen.find(line, at)
        if found < 0:
            fail(name, "the document quotes %r; not on the screen (after "
                 "the lines quoted before it)" % line)
        at = found + len(line)

    code = re.findall(r"session ([A-Z0-9]{4}-[A-Z0-9]{4})", screen)[-1]
    rep = subprocess.run([BIN, "--db", store, "report", code, "--format",
                          "json"], capture_output=True, env=env, check=True)
    c = json.loads(rep.stdout)["conclusions"]
    if c["level"]["id"] != walk["level"]:
        fail(name, "level %s, the document says %s" % (c["level"]["id"],
                                                        walk["level"]))
    got = sorted(f["id"] for f in c["findings"])
    if got != sorted(walk["findings"]):
        fail(name, "findings %s, the document says %s"
             % (got, sorted(walk["findings"])))
    flags = sorted(f["id"] for f in c["red_flags"])
    if flags != sorted(walk.get("red_flags", [])):
        fail(name, "red flags %s, the document says %s"
             % (flags, walk.get("red_flags", [])))
    for a in walk["absent"]:
        if a in got:
            fail(name, "%s is reported; the document says it is not" % a)

    md = subprocess.run([BIN, "--db", store, "report", code, "--format",
                         "md"], capture_output=True, env=env)
    if md.returncode != 0:
        fail(name, "report --format md: %s" % md.stderr.decode())
    text = md.stdout.decode()
    for line in walk["report"]:
        if line not in text:
            fail(name, "the report the document quotes has no %r; it "
                 "begins:\n%s" % (line, text[:800]))
    print("ok %s (%s, %d findings)" % (name, walk["level"], len(got)))


def main():
    names = sys.argv[2:] or list(WALKS)
    bad = 0
    for name in names:
        try:
            run(name, WALKS[name])
        except AssertionError:
            bad += 1
    if bad:
        print("%d of %d walk-throughs failed" % (bad, len(names)),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
