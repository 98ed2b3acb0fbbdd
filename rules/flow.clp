;;; flow.clp — generic interview flow, shared by every topic file.
;;;
;;; Reads:  evidence, finding-def, level-def, recommend
;;; Writes: (finding <id>), (interview-stop <finding-id>)
;;;
;;; No clinical knowledge lives here: which levels stop the interview is data
;;; in levels.clp (level-def stops), and which findings stop it regardless of
;;; level is data in the finding-def (stops yes), e.g. out_of_scope.

(defrule finding-from-evidence
  "A finding exists while at least one piece of evidence supports it."
  (logical (evidence (finding ?f)))
  =>
  (assert (finding ?f)))

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
