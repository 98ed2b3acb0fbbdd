;;; flow.clp — generic interview flow, shared by every topic file.
;;;
;;; Reads:  evidence, finding-def, level-def, recommend
;;; Writes: (finding <id>), (firm-finding <id>), (interview-stop <finding-id>)
;;;
;;; (finding X) holds while X has at least one piece of positive evidence:
;;; negative evidence (R2) only lowers a finding the engine combines and
;;; reports, it never creates one. Whether a relationship or risk is
;;; reported (combined certainty factor above the rule base's
;;; report-threshold) is the engine's to decide; (firm-finding X) marks a
;;; finding that nothing argues against, so it is reported whatever the
;;; threshold (scope.clp reads it).
;;;
;;; No clinical knowledge lives here: which levels stop the interview is data
;;; in levels.clp (level-def stops), and which findings stop it regardless of
;;; level is data in the finding-def (stops yes), e.g. out_of_scope.

(deffacts flow-relations
  (relation (id firm-finding)
            (meaning "a finding with positive evidence and no negative evidence against it")))

(defrule finding-from-evidence
  "A finding exists while at least one piece of positive evidence supports it."
  (logical (evidence (finding ?f) (cf ?c&:(> ?c 0.0))))
  =>
  (assert (finding ?f)))

(defrule firm-finding-from-evidence
  "A finding with no negative evidence against it."
  (logical (finding ?f)
           (not (evidence (finding ?f) (cf ?c&:(< ?c 0.0)))))
  =>
  (assert (firm-finding ?f)))

(defrule stop-on-urgent-level
  "A finding whose level ends the interview (emergency levels) stops it."
  (logical (finding ?f)
           (finding-def (id ?f) (level ?l))
           (level-def (id ?l) (stops yes)))
  =>
  (assert (interview-stop ?f)))

(defrule stop-on-stopping-finding
  "A finding marked to stop the interview whatever its level stops it."
  (logical (finding ?f)
           (finding-def (id ?f) (stops yes)))
  =>
  (assert (interview-stop ?f)))
