;;; knee-back.clp — how the lower back and the knee are linked.
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence, (referred-pain-site <question-id>)
;;;
;;; A clinic's blog (Regenexx) reports a study of 260 knee-arthritis
;;; patients: 58% also had low back pain, and they had more knee pain and
;;; disability. The same blog argues that knee pain may come from a lumbar
;;; nerve even without back pain, that the back should be examined before a
;;; knee replacement, and reports a further study of smaller, weaker
;;; paraspinal muscles in knee arthritis. An orthopaedic practice's article:
;;; sciatica can radiate to the knee. NICE's sciatica summary: radiating leg
;;; pain and the straight-leg-raise test.
;;;
;;; Certainty factors (docs/rules.md): a study as a clinic's blog reports it
;;; 0.5; the blog's own argument 0.3-0.4; radiating pain 0.5 and a positive
;;; straight-leg raise 0.6 (NICE); a negative straight-leg raise -0.3 (the
;;; test is sensitive for the lower roots, but upper lumbar roots, which
;;; refer pain to the knee, often leave it negative).

(deffacts knee-back-relations
  (relation (id referred-pain-site)
            (meaning "knee or hip pain answered yes, a site where lumbar referred pain may be felt (the question id)")))

(deffacts knee-back-findings
  (finding-def (id knee_back_comorbidity) (kind relationship) (level consultation)
    (cites regenexx_back_knee_article)
    (title "Knee and low back pain together")
    (clinician-text "Knee pain with low back pain: expect more pain and disability than with knee pain alone; assess and treat the back and the knee together.")
    (patient-text "Your knee and your lower back both hurt. People with both often have more pain, and do better when both are treated together.")
    (safety-net ""))
  (finding-def (id lumbar_referred_pain) (kind relationship) (level consultation)
    (cites nice_cks_sciatica regenexx_back_knee_article orthopaedic_pain_practice_article)
    (title "Possible pain referred from the lumbar spine")
    (clinician-text "Knee or hip pain with radiating leg pain or leg numbness or paraesthesia, with or without back pain: consider a lumbar nerve root source. Stronger with a positive straight-leg raise, weaker with a negative one (which does not exclude an upper lumbar root). Examine the lumbar spine.")
    (patient-text "Pain or tingling that travels down the leg can come from a nerve in the lower back, even if your back does not hurt. This may be part of your knee or hip pain, so your back should be checked.")
    (safety-net ""))
  (finding-def (id back_exam_before_knee_replacement) (kind relationship) (level consultation)
    (cites regenexx_back_knee_article)
    (title "Examine the back before knee replacement")
    (clinician-text "Knee replacement considered in a patient with low back pain or possible lumbar referred pain: examine the lumbar spine (and image if indicated) before surgery; a knee replacement does not relieve pain of spinal origin.")
    (patient-text "Before a knee operation, your lower back should be checked. If some of the knee pain comes from the back, a new knee would not fix it.")
    (safety-net ""))
  (finding-def (id paraspinal_weakness_risk) (kind risk) (level consultation)
    (cites regenexx_back_knee_article)
    (title "Paraspinal muscle weakness")
    (clinician-text "Knee osteoarthritis with low back pain: paraspinal muscles are often smaller and weaker; include trunk and paraspinal strengthening in the programme.")
    (patient-text "People with knee arthritis often have weaker muscles along the spine, which can add to back pain. Exercises for these muscles can help.")
    (safety-net "")))

(defrule knee-back-comorbidity
  "Knee pain with low back pain. Source: Regenexx blog reporting a study of 260 knee-arthritis patients, 58% with back pain."
  (logical (knee_pain yes) (low_back_pain yes))
  =>
  (assert (evidence (finding knee_back_comorbidity) (rule knee-back-comorbidity) (cf 0.5)
                    (because knee_pain low_back_pain))))

(defrule knee-back-comorbidity-knee-oa
  "Knee osteoarthritis with back pain, the study population where pain and disability were higher. Source: Regenexx blog reporting a study of 260 knee-arthritis patients."
  (logical (knee_pain yes) (low_back_pain yes) (knee_oa_diagnosed yes))
  =>
  (assert (evidence (finding knee_back_comorbidity) (rule knee-back-comorbidity-knee-oa) (cf 0.3)
                    (because knee_oa_diagnosed))))

(defrule referred-pain-site-knee
  "Knee pain is a site of lumbar referred pain."
  (logical (knee_pain yes))
  =>
  (assert (referred-pain-site knee_pain)))

(defrule referred-pain-site-hip
  "Hip pain is a site of lumbar referred pain."
  (logical (hip_pain yes))
  =>
  (assert (referred-pain-site hip_pain)))

(defrule lumbar-referred-pain-radiating
  "Knee or hip pain with pain radiating down the leg, back pain or not. Source: NICE CKS Sciatica; Regenexx blog; orthopaedic practice article."
  (logical (referred-pain-site ?s) (leg_radiating_pain yes))
  =>
  (assert (evidence (finding lumbar_referred_pain) (rule lumbar-referred-pain-radiating) (cf 0.5)
                    (because ?s leg_radiating_pain))))

(defrule lumbar-referred-pain-numbness
  "Knee or hip pain with numbness or pins and needles in the leg. Source: NICE CKS Sciatica; Regenexx blog; orthopaedic practice article."
  (logical (referred-pain-site ?s) (leg_numbness_tingling yes))
  =>
  (assert (evidence (finding lumbar_referred_pain) (rule lumbar-referred-pain-numbness) (cf 0.4)
                    (because ?s leg_numbness_tingling))))

(defrule lumbar-referred-pain-straight-leg-raise
  "A positive straight-leg raise with radiating pain or leg numbness strengthens a lumbar source, as a negative one weakens it. Source: NICE CKS Sciatica."
  (logical (referred-pain-site ?) (exam_straight_leg_raise yes)
           (or (leg_radiating_pain yes) (leg_numbness_tingling yes)))
  =>
  (assert (evidence (finding lumbar_referred_pain)
                    (rule lumbar-referred-pain-straight-leg-raise) (cf 0.6)
                    (because exam_straight_leg_raise))))

(defrule back-exam-before-knee-replacement-back-pain
  "Knee replacement considered with low back pain. Source: Regenexx blog (examine the back before a knee replacement)."
  (logical (knee_pain yes) (knee_replacement_considered yes) (low_back_pain yes))
  =>
  (assert (evidence (finding back_exam_before_knee_replacement)
                    (rule back-exam-before-knee-replacement-back-pain) (cf 0.4)
                    (because knee_replacement_considered low_back_pain))))

;;; It rests on the nerve symptoms themselves, not on the lumbar_referred_pain
;;; finding: a negative straight-leg raise may lower that finding below the
;;; reporting threshold, but radiating pain or tingling still asks for a back
;;; examination before knee surgery.
(defrule back-exam-before-knee-replacement-referred-pain
  "Knee replacement considered with pain radiating down the leg (possible lumbar referred pain). Source: Regenexx blog."
  (logical (knee_pain yes) (knee_replacement_considered yes) (leg_radiating_pain yes))
  =>
  (assert (evidence (finding back_exam_before_knee_replacement)
                    (rule back-exam-before-knee-replacement-referred-pain) (cf 0.4)
                    (because knee_replacement_considered leg_radiating_pain))))

(defrule back-exam-before-knee-replacement-leg-numbness
  "Knee replacement considered with numbness or tingling in the leg (possible lumbar referred pain). Source: Regenexx blog."
  (logical (knee_pain yes) (knee_replacement_considered yes) (leg_numbness_tingling yes))
  =>
  (assert (evidence (finding back_exam_before_knee_replacement)
                    (rule back-exam-before-knee-replacement-leg-numbness) (cf 0.3)
                    (because knee_replacement_considered leg_numbness_tingling))))

(defrule paraspinal-weakness-risk
  "Knee osteoarthritis with low back pain. Source: Regenexx blog (a paraspinal muscle study it reports)."
  (logical (knee_pain yes) (knee_oa_diagnosed yes) (low_back_pain yes))
  =>
  (assert (evidence (finding paraspinal_weakness_risk) (rule paraspinal-weakness-risk) (cf 0.4)
                    (because knee_oa_diagnosed low_back_pain))))

;;; --- negative evidence (R2) ---------------------------------------------

(defrule lumbar-referred-pain-no-straight-leg-raise
  "A negative straight-leg raise argues against a lumbar nerve root source. Source: NICE CKS Sciatica."
  (logical (referred-pain-site ?) (exam_straight_leg_raise no)
           (or (leg_radiating_pain yes) (leg_numbness_tingling yes)))
  =>
  (assert (evidence (finding lumbar_referred_pain)
                    (rule lumbar-referred-pain-no-straight-leg-raise) (cf -0.3)
                    (because exam_straight_leg_raise))))
