;;; sections.clp — the order of the interview, as a clinician takes a history.
;;;
;;; Reads:  nothing
;;; Writes: section-def (static)
;;;
;;; Each question names its section (questions-*.clp); its priority orders it
;;; within the section. The engine asks a relevant red-flag question first
;;; (SPEC section 2), then by section order, then by priority:
;;;   - who the patient is, then where it hurts (the four pain sites);
;;;   - the red-flag screen as one block, the Ottawa knee examination with
;;;     it (a clinician examines an injured knee before going on);
;;;   - leg symptoms next: they open the rest of the cauda equina screen, so
;;;     its follow-ups come straight after the block;
;;;   - each region's history together (morning stiffness with the first
;;;     painful region: knee, else back), the back-pain stratification items
;;;     after the back;
;;;   - muscles (thigh weakness and muscle loss open it: stumbling rests on
;;;     them), walking and falls, daily life, then the examination.
;;; Titles are what a front end shows: clinician-title in clinician mode,
;;; patient-title in the kiosk.

(deffacts sections
  (section-def (id about_you) (order 10)
    (clinician-title "Patient") (patient-title "About you"))
  (section-def (id where_it_hurts) (order 20)
    (clinician-title "Pain sites") (patient-title "Where it hurts"))
  (section-def (id urgent_signs) (order 30)
    (clinician-title "Red-flag screen") (patient-title "Warning signs"))
  (section-def (id nerves) (order 40)
    (clinician-title "Leg symptoms") (patient-title "Feelings in your legs"))
  (section-def (id knee) (order 50)
    (clinician-title "Knee") (patient-title "Your knee"))
  (section-def (id hip) (order 60)
    (clinician-title "Hip") (patient-title "Your hip"))
  (section-def (id back) (order 70)
    (clinician-title "Low back") (patient-title "Your back"))
  (section-def (id back_impact) (order 80)
    (clinician-title "STarT Back items (adapted)")
    (patient-title "How your back pain affects you"))
  (section-def (id muscles) (order 90)
    (clinician-title "Muscles and activity") (patient-title "Your muscles and activity"))
  (section-def (id walking_falls) (order 100)
    (clinician-title "Gait and falls") (patient-title "Walking and falls"))
  (section-def (id lifestyle) (order 110)
    (clinician-title "Lifestyle and treatment") (patient-title "Daily life and treatment"))
  (section-def (id examination) (order 120)
    (clinician-title "Examination") (patient-title "Examination")))
