;;; rulebase.clp — identity of the msktriage rule base and the helper
;;; relations shared by several topic files.
;;;
;;; Reads:  answers (<question-id> <value>), (declined <question-id>)
;;; Writes: rulebase (static), relation (static),
;;;         (pain-site <site>), (any-pain)
;;;
;;; File map (loaded after schema.clp, in name order):
;;;   questions-*.clp      the question bank (SPEC section 2) and its wording
;;;   relevance.clp        when each question is asked
;;;   red-flags.clp        red flags (SPEC section 4) on clear answers
;;;   red-flags-uncertain.clp  the unsure/skipped red-flag policy (SPEC section 1)
;;;   knee-hip.clp, knee-back.clp, muscle-falls.clp, lifestyle.clp,
;;;   pain-course.clp, back-stratification.clp   relationships and risks
;;;   scope.clp            out_of_scope and the no-finding case
;;;   recommendations.clp  SPEC section 5, linked to the findings behind them
;;;   levels.clp           the five triage levels
;;;
;;; Conventions used throughout:
;;;   - A pain site answered `unsure` counts as present for asking that
;;;     site's questions and screening its red flags (pain-site), but a
;;;     relationship or risk finding needs a clear `yes`.
;;;   - Findings rest on the answers themselves, not on relevance: answers
;;;     to questions that were not asked may be present.

(deffacts rulebase-identity
  (rulebase (version "1.0.0")
            (title "msktriage: knee, hip, low back and thigh-muscle triage with red-flag screening")))

(deffacts rulebase-relations
  (relation (id pain-site)
            (meaning "pain at a site (knee, hip, back or neck) answered yes or unsure"))
  (relation (id any-pain)
            (meaning "at least one pain site answered yes or unsure")))

(defrule pain-site-knee
  "Knee pain answered yes or unsure opens the knee questions."
  (logical (or (knee_pain yes) (knee_pain unsure)))
  =>
  (assert (pain-site knee)))

(defrule pain-site-hip
  "Hip, groin or buttock pain answered yes or unsure opens the hip questions."
  (logical (or (hip_pain yes) (hip_pain unsure)))
  =>
  (assert (pain-site hip)))

(defrule pain-site-back
  "Low back pain answered yes or unsure opens the back questions."
  (logical (or (low_back_pain yes) (low_back_pain unsure)))
  =>
  (assert (pain-site back)))

(defrule pain-site-neck
  "Neck or shoulder pain answered yes or unsure."
  (logical (or (neck_pain yes) (neck_pain unsure)))
  =>
  (assert (pain-site neck)))

(defrule any-pain-present
  "Any pain site present."
  (logical (pain-site ?))
  =>
  (assert (any-pain)))
