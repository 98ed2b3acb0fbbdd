;;; rulebase.clp — identity of the msktriage rule base and the helper
;;; relations shared by several topic files.
;;;
;;; Reads:  answers (<question-id> <value>), (declined <question-id>)
;;; Writes: rulebase (static), relation (static),
;;;         (pain-site <site>), (any-pain), (site-open <question-id>),
;;;         (any-site-open)
;;;
;;; File map (loaded after schema.clp, in name order):
;;;   bibliography.clp     every source, once (citation facts)
;;;   questions-*.clp      the question bank (SPEC section 2) and its wording
;;;   relevance.clp        when each question is asked
;;;   red-flags.clp        red flags (SPEC section 4) on clear answers
;;;   red-flags-uncertain.clp  the unsure/skipped red-flag policy (SPEC section 1)
;;;   knee-hip.clp, knee-back.clp, muscle-falls.clp, lifestyle.clp,
;;;   pain-course.clp, back-stratification.clp   relationships and risks
;;;   scope.clp            out_of_scope and the no-finding case
;;;   recommendations.clp  SPEC section 5, linked to the findings behind them
;;;   levels.clp           the five triage levels
;;;   units.clp            the words for amounts in other units
;;;
;;; Conventions used throughout:
;;;   - A pain site answered `unsure` counts as present for asking that
;;;     site's questions and screening its red flags (pain-site), but a
;;;     relationship or risk finding needs a clear `yes`.
;;;   - Findings rest on the answers themselves, not on relevance: answers
;;;     to questions that were not asked may be present, and count.
;;;   - A red flag whose SPEC row names a pain site is blocked only by a `no`
;;;     to that site: a site answered yes or unsure, skipped, or not yet
;;;     answered leaves it open (site-open). The interview asks age and the
;;;     four pain sites before any other red-flag question (they are
;;;     red-flag questions themselves, questions-screening.clp), so in an
;;;     interview the sites are known before a site-gated flag can fire.

(deffacts rulebase-identity
  (rulebase (version "2.0.0")
            (title "msktriage: knee, hip, low back and thigh-muscle triage with red-flag screening")))

(deffacts rulebase-relations
  (relation (id pain-site)
            (meaning "pain at a site (knee, hip, back or neck) answered yes or unsure"))
  (relation (id any-pain)
            (meaning "at least one pain site answered yes or unsure"))
  (relation (id site-open)
            (meaning "a pain site, or radiating leg pain, not answered no: the question id, repeated when answered yes or unsure so that a flag can show it; a red flag that names the site is not blocked"))
  (relation (id any-site-open)
            (meaning "at least one of the four pain sites is not answered no")))

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

;;; --- sites that do not block a red flag (SPEC section 4, R2) ------------
;;; (site-open <q> <q>) when the site is answered yes or unsure: the site is
;;; shown among the answers the flag rests on; (site-open <q>) when it is
;;; skipped or not yet answered: the flag stands on its own answer. A site
;;; answered no asserts nothing. A rule reads both shapes with
;;; (site-open ?s $?shown) and lists $?shown in its evidence.

(defrule site-open-knee-present
  "Knee pain answered yes or unsure: a red flag naming it stands, and shows it."
  (logical (or (knee_pain yes) (knee_pain unsure)))
  =>
  (assert (site-open knee_pain knee_pain)))

(defrule site-open-knee-unknown
  "Knee pain skipped or not yet answered: it does not block a red flag naming it."
  (logical (not (knee_pain ?)))
  =>
  (assert (site-open knee_pain)))

(defrule site-open-hip-present
  "Hip pain answered yes or unsure: a red flag naming it stands, and shows it."
  (logical (or (hip_pain yes) (hip_pain unsure)))
  =>
  (assert (site-open hip_pain hip_pain)))

(defrule site-open-hip-unknown
  "Hip pain skipped or not yet answered: it does not block a red flag naming it."
  (logical (not (hip_pain ?)))
  =>
  (assert (site-open hip_pain)))

(defrule site-open-back-present
  "Low back pain answered yes or unsure: a red flag naming it stands, and shows it."
  (logical (or (low_back_pain yes) (low_back_pain unsure)))
  =>
  (assert (site-open low_back_pain low_back_pain)))

(defrule site-open-back-unknown
  "Low back pain skipped or not yet answered: it does not block a red flag naming it."
  (logical (not (low_back_pain ?)))
  =>
  (assert (site-open low_back_pain)))

(defrule site-open-neck-present
  "Neck pain answered yes or unsure: a red flag naming it stands, and shows it."
  (logical (or (neck_pain yes) (neck_pain unsure)))
  =>
  (assert (site-open neck_pain neck_pain)))

(defrule site-open-neck-unknown
  "Neck pain skipped or not yet answered: it does not block a red flag naming it."
  (logical (not (neck_pain ?)))
  =>
  (assert (site-open neck_pain)))

(defrule site-open-radiating-leg-pain-present
  "Radiating leg pain answered yes or unsure: a red flag naming it stands, and shows it."
  (logical (or (leg_radiating_pain yes) (leg_radiating_pain unsure)))
  =>
  (assert (site-open leg_radiating_pain leg_radiating_pain)))

(defrule site-open-radiating-leg-pain-unknown
  "Radiating leg pain skipped or not yet answered: it does not block a red flag naming it."
  (logical (not (leg_radiating_pain ?)))
  =>
  (assert (site-open leg_radiating_pain)))

(defrule any-site-open
  "At least one of the four pain sites is not answered no."
  (logical (site-open ?q&knee_pain|hip_pain|low_back_pain|neck_pain $?))
  =>
  (assert (any-site-open)))
