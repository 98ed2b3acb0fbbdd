;;; schema.clp — the templates shared by the rule base and the engine.
;;;
;;; Loaded first. The engine (engine/engine.c) reads the static catalogue
;;; facts (rulebase, question, level-def, finding-def, recommendation-def)
;;; (and unit-def, section-def, finding-condition and recommendation-for)
;;; once after reset, and reads the dynamic facts (relevant, evidence,
;;; recommend, any `unless` relation a rule asserts, interview-stop) after
;;; every run. Nothing else is read by C.
;;;
;;; Facts the engine asserts (through the fact API, never as source text):
;;;   (<question-id> <value>)   one ordered fact per known answer, e.g.
;;;                             (knee_pain yes), (age 67), (knee_side left).
;;;                             yesno values are the symbols yes/no/unsure;
;;;                             integer and scale values are INTEGERs;
;;;                             number values are FLOATs; choices are symbols.
;;;   (declined <question-id>)  the question was skipped: unknown, never asked
;;;                             again.
;;;
;;; Facts the rules assert, under (logical ...) support so that changing or
;;; retracting an answer withdraws them (a rule with no conditions, such as
;;; scope.clp's no-specific-concern, asserts once and for good):
;;;   (relevant <question-id>)  the question's "asked when" condition holds.
;;;   (evidence ...)            one supporting rule's contribution to a finding.
;;;   (recommend ...)           a recommendation and the finding behind it.
;;;
;;; A rule chains on a finding by reading its positive evidence,
;;; (evidence (finding X) (cf ?c&:(> ?c 0.0))); which findings stop the
;;; interview is data (level-def and finding-def stops), read by the engine
;;; (flow.clp). A rule base may still assert (interview-stop <finding-id>).

(deftemplate rulebase
  (slot version (type STRING))
  (slot title (type STRING))
  ;; a relationship or risk finding is reported only while its combined
  ;; certainty factor is above this (SPEC section 4, R2)
  (slot report-threshold (type FLOAT) (default 0.2)))

;;; One citation of the bibliography (bibliography.clp). Findings and
;;; recommendations refer to citations by id (their `cites` slot); a user
;;; sees the citation's text, never a file name.
(deftemplate citation
  (slot id (type SYMBOL))
  (slot kind (type SYMBOL) (allowed-symbols guideline study article rule tool scope))
  (slot title (type STRING))
  (slot author (type STRING) (default ""))     ; author, publisher or body
  (slot year (type STRING) (default ""))       ; "" where not known
  (slot note (type STRING) (default "")))      ; what it is, in a few words

;;; One section of the interview (sections.clp). The engine asks, among the
;;; relevant, unanswered questions allowed for the mode, a red-flag question
;;; first, then by section order, then by the question's priority within its
;;; section. Front ends show the section's title and where the interview
;;; stands ("section 3 of 6").
(deftemplate section-def
  (slot id (type SYMBOL))
  (slot order (type INTEGER))
  (slot clinician-title (type STRING))
  (slot patient-title (type STRING)))

;;; One fact per question (SPEC §2). section names a section-def; a question
;;; that belongs with more than one region (morning stiffness: knee or back)
;;; lists the others in also-in and is asked in the first of its sections,
;;; in section order, that holds another relevant question.
(deftemplate question
  (slot id (type SYMBOL))
  (slot type (type SYMBOL) (allowed-symbols yesno integer number scale choice))
  (slot min (type NUMBER) (default 0))
  (slot max (type NUMBER) (default 0))
  (multislot choices (type SYMBOL))
  (multislot choice-labels (type STRING))   ; plain words, parallel to choices
  (slot unit (type STRING) (default ""))
  (slot audience (type SYMBOL) (allowed-symbols all clinician) (default all))
  (slot section (type SYMBOL))
  (multislot also-in (type SYMBOL))
  (slot priority (type INTEGER))                ; order within the section
  (slot red-flag (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot clinician-text (type STRING))
  (slot patient-text (type STRING))
  (slot why (type STRING))                 ; why a clinician would ask it
  (multislot informs (type SYMBOL)))       ; findings it can confirm or rule out

;;; Amounts in other units (units.clp): where a question's unit has
;;; unit-def facts, an answer may be given as an amount with one of their
;;; words ("18 months" where weeks are asked). The amount times factor / per
;;; is the answer in the question's unit, rounded to the nearest whole unit
;;; for an integer question (a hundredth for a number question), and never 0
;;; for an amount that is not 0 ("3 days" is 1 week). The question's own unit
;;; has a unit-def too (factor 1, per 1) so that its words are accepted. A
;;; bare number is always in the question's own unit.
(deftemplate unit-def
  (slot unit (type STRING))                 ; a question's unit, e.g. "weeks"
  (slot one (type STRING) (default ""))     ; the unit for 1 of it: "week"
  (multislot words (type STRING))           ; "d" "day" "days", lower case
  (slot factor (type NUMBER) (default 1))   ; one of these words is
  (slot per (type NUMBER) (default 1)))     ; factor / per of unit

;;; The five triage levels. rank 1 is the most urgent. Exactly one level is
;;; the default: the level of a case with no finding.
(deftemplate level-def
  (slot id (type SYMBOL))
  (slot rank (type INTEGER))
  (slot default (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot stops (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot clinician-text (type STRING))
  (slot patient-text (type STRING))
  (slot safety-net (type STRING)))

(deftemplate finding-def
  (slot id (type SYMBOL))
  (slot kind (type SYMBOL) (allowed-symbols red_flag relationship risk scope))
  (slot level (type SYMBOL))
  (slot stops (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot source (type STRING) (default ""))     ; superseded by cites
  (multislot cites (type SYMBOL))              ; citation ids
  ;; findings whose presence withdraws this one (X_unconfirmed gives way
  ;; to X_suspected)
  (multislot gives-way-to (type SYMBOL))
  ;; reported only once the interview is complete (no_specific_concern)
  (slot when-complete (type SYMBOL) (allowed-symbols no yes) (default no))
  ;; not given while any other finding has positive evidence and none
  ;; against it (no_specific_concern: nothing firm was found)
  (slot gives-way-to-firm (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot title (type STRING))
  (slot clinician-text (type STRING))
  (slot patient-text (type STRING))
  (slot safety-net (type STRING) (default "")))

(deftemplate recommendation-def
  (slot id (type SYMBOL))
  (slot source (type STRING) (default ""))     ; superseded by cites
  (multislot cites (type SYMBOL))              ; citation ids
  (slot title (type STRING))
  (slot clinician-text (type STRING))
  (slot patient-text (type STRING)))

;;; One rule's contribution to a finding. cf is a certainty factor in
;;; [-1, 1]: positive supports the finding, negative argues against it (R2;
;;; never for a red flag). What a given cf means (0.3 weak, 0.5 moderate,
;;; 0.8 strong) and how strong each kind of source may be is written once,
;;; in docs/rules.md, "The certainty-factor scale". The engine combines them the MYCIN way (SPEC
;;; section 4). rule is the name of the defrule that asserted it; because
;;; lists the question ids it rests on (for a negative cf, what argued
;;; against: the finding's `against`).
(deftemplate evidence
  (slot finding (type SYMBOL))
  (slot rule (type SYMBOL))
  (slot cf (type FLOAT) (range -1.0 1.0))
  (multislot because (type SYMBOL)))

(deftemplate recommend
  (slot id (type SYMBOL))
  (slot because (type SYMBOL)))

;;; A finding that leads to a recommendation, as data (recommendations.clp):
;;; the engine reads these once at load and, after each run, gives the
;;; recommendation for every finding present, as a rule asserting
;;; (recommend (id <recommendation>) (because <finding>)) would, except
;;; while a fact of one of the `unless` relations holds.
(deftemplate recommendation-for
  (slot finding (type SYMBOL))
  ;; yes: for every finding present, in place of one named finding
  (slot every-finding (type SYMBOL) (allowed-symbols no yes) (default no))
  (slot recommendation (type SYMBOL))
  (multislot unless (type SYMBOL)))

;;; A relation the engine works out from the findings, for a
;;; recommendation-for's `unless`: it holds while a finding holds whose kind
;;; is one of kinds and whose level is one of levels, or (or-stopping yes)
;;; one that stops the interview. Read once at load; no fact is derived.
(deftemplate finding-condition
  (slot id (type SYMBOL))
  (multislot kinds (type SYMBOL))
  (multislot levels (type SYMBOL))
  (slot or-stopping (type SYMBOL) (allowed-symbols no yes) (default no)))

;;; Every ordered fact a rule may use that is not a question id must be
;;; declared here, with what it means. `msktriage rules check` refuses any
;;; other relation, so a misspelt question id in a rule is caught.
(deftemplate relation
  (slot id (type SYMBOL))
  (slot meaning (type STRING)))

(deffacts engine-relations
  (relation (id relevant) (meaning "the question's asked-when condition holds"))
  (relation (id declined) (meaning "the question was skipped"))
  (relation (id interview-stop) (meaning "a finding that ends the interview")))
