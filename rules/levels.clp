;;; levels.clp — the five triage levels (SPEC section 3) and their wording.
;;;
;;; Writes: level-def (static)
;;; Level names follow the Infermedica triage API. rank 1 is most urgent;
;;; levels marked (stops yes) end the interview as soon as a finding demands
;;; them; self_care is the level of a case with no finding (in practice the
;;; no_specific_concern finding of scope.clp). Every level carries its own
;;; safety-netting advice; findings may add a more specific one.

(deffacts triage-levels
  (level-def (id emergency_ambulance) (rank 1) (stops yes)
    (clinician-text "Emergency: call an ambulance now.")
    (patient-text "Call an ambulance now (999 or 112).")
    (safety-net "Do not drive yourself. Stay where someone can reach you. If you feel worse while you wait, call again."))
  (level-def (id emergency) (rank 2) (stops yes)
    (clinician-text "Emergency: send to an emergency department now.")
    (patient-text "Go to an emergency department (A&E) now.")
    (safety-net "Go now. Ask someone to take you rather than driving yourself. If you cannot get there safely, or you feel worse on the way, call an ambulance."))
  (level-def (id consultation_24) (rank 3)
    (clinician-text "Urgent: needs a clinician's assessment within 24 hours.")
    (patient-text "See a doctor or nurse within 24 hours. Phone your GP surgery or an urgent care service today.")
    (safety-net "Go to an emergency department now if you get a fever with a hot swollen joint, numbness between the legs, new trouble passing urine or controlling your bowels, a swollen painful calf, or you cannot stand on the leg. Call an ambulance for chest pain or sudden breathlessness."))
  (level-def (id consultation) (rank 4)
    (clinician-text "Routine: book an appointment with a GP or physiotherapist.")
    (patient-text "Book an appointment with your GP or a physiotherapist.")
    (safety-net "Go to an emergency department now if you get numbness between the legs, new trouble passing urine or controlling your bowels, a fever with a hot swollen joint, a swollen painful calf, or you cannot stand on the leg; call an ambulance for chest pain or sudden breathlessness. Get help the same day for a fever, a hot swollen joint or a leg that is getting weaker."))
  (level-def (id self_care) (rank 5) (default yes)
    (clinician-text "Self-care: manage at home with advice and safety-netting.")
    (patient-text "You can look after this at home.")
    (safety-net "Keep gently active. Book an appointment if the pain is not better in 2 weeks. Go to an emergency department now if you get numbness between the legs, new trouble passing urine or controlling your bowels, a fever with a hot swollen joint, a swollen painful calf, or you cannot stand on the leg; call an ambulance for chest pain or sudden breathlessness. Get help the same day for a fever, a hot swollen joint or a leg that is getting weaker.")))
