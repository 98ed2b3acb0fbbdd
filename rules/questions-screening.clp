;;; questions-screening.clp — who the patient is and where it hurts.
;;;
;;; Writes: question (static)
;;; These are the "always" questions that decide scope (SPEC section 2):
;;; age first, then the four pain sites. Thigh weakness and muscle loss open
;;; the muscles section (sections.clp): with pain they come with the other
;;; muscle questions, after the red-flag screen and the regions; without
;;; pain nothing before them is relevant, so out_of_scope is still decided
;;; before anything else is asked.
;;;
;;; Age and the four pain sites are red-flag questions (R2): red-flag answers
;;; count wherever they are given, and a red flag that names a pain site is
;;; blocked only by a `no` to that site, so the sites must be known before
;;; the other red-flag questions are asked; and red-flag screening is not
;;; finished while they are unknown. Their `informs` name no finding more
;;; urgent than `consultation`, so that a stop for out_of_scope is not held
;;; open to ask them.

(deffacts questions-screening
  (question (id age) (type integer) (min 0) (max 120) (unit "years")
    (section about_you) (priority 1) (red-flag yes)
    (clinician-text "Age in completed years.")
    (patient-text "How old are you, in years?")
    (why "Sets the scope (16 and over) and several thresholds: the Ottawa knee rule (55 and over), occult hip fracture and the Canadian C-spine rule (65 and over), spinal fracture after trauma (50 and over), sarcopenia (65 and over) and inflammatory back pain (under 45).")
    (informs out_of_scope sarcopenia_risk inflammatory_back_pain_suspected))
  (question (id knee_pain) (type yesno) (section where_it_hurts) (priority 2) (red-flag yes)
    (clinician-text "Pain in or around either knee?")
    (patient-text "Do you have pain in or around a knee?")
    (why "Knee pain is the index complaint: it opens the knee questions and the links to the hip, the lower back and the thigh muscles.")
    (informs out_of_scope knee_back_comorbidity knee_hip_gait_compensation quad_glute_atrophy_risk hip_referred_knee_pain))
  (question (id hip_pain) (type yesno) (section where_it_hurts) (priority 3) (red-flag yes)
    (clinician-text "Pain in a hip, the groin or the buttock?")
    (patient-text "Do you have pain in a hip, the groin or the buttock?")
    (why "Hip pain alongside knee pain points to gait compensation, muscle instability or joint stress; hip pain alone opens the hip red flags.")
    (informs out_of_scope knee_hip_gait_compensation knee_hip_muscle_instability knee_hip_joint_stress hip_referred_knee_pain))
  (question (id low_back_pain) (type yesno) (section where_it_hurts) (priority 4) (red-flag yes)
    (clinician-text "Pain in the lower back?")
    (patient-text "Do you have pain in your lower back?")
    (why "Low back pain opens the spinal red flags and the back questions; with knee pain it predicts more pain and disability.")
    (informs out_of_scope knee_back_comorbidity back_pain_risk_low))
  (question (id neck_pain) (type yesno) (section where_it_hurts) (priority 5) (red-flag yes)
    (clinician-text "Pain in the neck or shoulders (last 2 weeks)?")
    (patient-text "Have you had pain in your neck or shoulders in the last 2 weeks?")
    (why "Scope, posture-related pain, the neck red flags (injury, cancer, weight loss, night pain), and one of the nine items of the back-pain risk stratification adapted from STarT Back.")
    (informs out_of_scope atrophy_posture_pain back_pain_risk_medium serious_pathology_suspected))
  (question (id thigh_weakness) (type yesno) (section muscles) (priority 58)
    (clinician-text "Subjective weakness of the front of the thigh (quadriceps)?")
    (patient-text "Does the front of your thigh feel weak?")
    (why "Quadriceps weakness is part of the muscle deterioration seen with knee pain and feeds fall risk, sarcopenia and knee-hip instability.")
    (informs out_of_scope fall_risk sarcopenia_risk quad_glute_atrophy_risk knee_hip_muscle_instability serious_pathology_suspected))
  (question (id muscle_loss_noticed) (type yesno) (section muscles) (priority 59)
    (clinician-text "Noticed loss of thigh or buttock bulk?")
    (patient-text "Do your thighs or buttocks look or feel smaller than before?")
    (why "Visible thigh or gluteal muscle loss supports quadriceps-gluteal atrophy, sarcopenia and posture-related pain.")
    (informs out_of_scope sarcopenia_risk quad_glute_atrophy_risk atrophy_posture_pain neurological_muscle_loss serious_pathology_suspected)))
