;;; flow.clp — generic interview flow, shared by every topic file.
;;;
;;; No rules: the flow is data that the engine reads once at load, so no
;;; fact is derived per case for it.
;;;
;;;   - A finding holds while it has at least one piece of evidence with a
;;;     positive certainty factor: negative evidence (R2) only lowers a
;;;     finding the engine combines and reports, it never creates one. A
;;;     rule that chains on a finding reads that evidence:
;;;     (evidence (finding X) (cf ?c&:(> ?c 0.0))).
;;;   - Whether a relationship or risk is reported (combined certainty
;;;     factor above the rule base's report-threshold) is the engine's to
;;;     decide.
;;;   - A finding stops the interview when its level does (level-def stops,
;;;     levels.clp) or its finding-def does (stops yes, e.g. out_of_scope).
;;;   - A finding-def with gives-way-to-firm yes (no_specific_concern,
;;;     scope.clp) is not given while any other finding holds with nothing
;;;     against it.
;;;
;;; No clinical knowledge lives here.
