;;; scope.clp — who this tool is for, and the case with no finding.
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence
;;;
;;; out_of_scope stops the interview (finding-def stops yes, flow.clp). A
;;; case with no other firm finding (positive evidence and none against it:
;;; gives-way-to-firm, which the engine applies) gets no_specific_concern,
;;; at the default
;;; self_care level, so that every result names a finding behind its
;;; safety-netting advice. "Mild, recent pain with none of the above" lands
;;; here. It is reported only once the interview is complete (when-complete,
;;; R2): before that, "nothing found so far" is not a conclusion. A finding
;;; that negative evidence may push below the reporting threshold does not
;;; hold it back here; no_specific_concern gives way to it instead while it
;;; is reported (gives-way-to), so a case whose only findings were argued
;;; away still ends with no_specific_concern and its safety-netting.

(deffacts scope-findings
  (finding-def (id out_of_scope) (kind scope) (level consultation) (stops yes)
    (cites msktriage_scope)
    (title "Not for this tool")
    (clinician-text "Outside the scope of this triage: under 16, or no pain, thigh weakness or muscle loss reported. Assess in the usual way.")
    (patient-text "This check is not the right one for you. If you are worried about your health, please book an appointment with your GP or nurse.")
    (safety-net "If you feel very unwell, or have a fever with a hot swollen joint, go to an emergency department now."))
  (finding-def (id no_specific_concern) (kind scope) (level self_care)
    (when-complete yes) (gives-way-to-firm yes)
    (gives-way-to quad_glute_atrophy_risk knee_hip_gait_compensation
                  knee_hip_muscle_instability lumbar_referred_pain sarcopenia_risk)
    (cites msktriage_scope safety_netting_practice)
    (title "No specific concern found so far")
    (clinician-text "No red flag, relationship or risk finding on the answers so far. Self-care with advice and safety-netting; review if not improving in 2 weeks.")
    (patient-text "Nothing in your answers so far needs a doctor soon. Keep gently active, use simple pain relief if you need it, and watch for the warning signs below.")
    (safety-net "")))

(defrule out-of-scope-under-16
  "Under 16 years: not for this tool. Source: msktriage scope."
  (logical (age ?a&:(< ?a 16)))
  =>
  (assert (evidence (finding out_of_scope) (rule out-of-scope-under-16) (cf 1.0)
                    (because age))))

(defrule out-of-scope-no-complaint
  "No pain at any site, no thigh weakness and no muscle loss. Source: msktriage scope."
  (logical (knee_pain no) (hip_pain no) (low_back_pain no) (neck_pain no)
           (thigh_weakness no) (muscle_loss_noticed no))
  =>
  (assert (evidence (finding out_of_scope) (rule out-of-scope-no-complaint) (cf 1.0)
                    (because knee_pain hip_pain low_back_pain neck_pain
                             thigh_weakness muscle_loss_noticed))))

(defrule no-specific-concern
  "The default self-care level, given while no other finding holds with nothing against it (gives-way-to-firm). Source: msktriage scope."
  =>
  (assert (evidence (finding no_specific_concern) (rule no-specific-concern) (cf 1.0)
                    (because))))
