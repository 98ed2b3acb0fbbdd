;;; knee-back.clp — how the lower back and the knee are linked (seeds 003, 004).
;;;
;;; Reads:  answers, (finding lumbar_referred_pain)
;;; Writes: finding-def (static), evidence, (referred-pain-site <question-id>)
;;;
;;; Seed 003: in 260 knee-arthritis patients, 58% also had low back pain, and
;;; they had more knee pain and disability; knee pain may come from a lumbar
;;; nerve even without back pain; the back should be examined before a knee
;;; replacement; and a further study found smaller, weaker paraspinal
;;; muscles in knee arthritis. Seed 004: sciatica can radiate to the knee.

(deffacts knee-back-relations
  (relation (id referred-pain-site)
            (meaning "knee or hip pain answered yes, a site where lumbar referred pain may be felt (the question id)")))

(deffacts knee-back-findings
  (finding-def (id knee_back_comorbidity) (kind relationship) (level consultation)
    (source "seeds/003_d0dca1b4b1e846d5.txt: study of 260 knee-arthritis patients, 58% with low back pain, who had more knee pain and disability")
    (title "Knee and low back pain together")
    (clinician-text "Knee pain with low back pain: expect more pain and disability than with knee pain alone; assess and treat the back and the knee together.")
    (patient-text "Your knee and your lower back both hurt. People with both often have more pain, and do better when both are treated together.")
    (safety-net ""))
  (finding-def (id lumbar_referred_pain) (kind relationship) (level consultation)
    (source "seeds/003_d0dca1b4b1e846d5.txt: lumbar nerve problems can cause knee pain with or without back pain; seeds/004_ef5f7cc1f08e3fbc.txt: sciatica radiates from the lower back down the leg to the knee")
    (title "Possible pain referred from the lumbar spine")
    (clinician-text "Knee or hip pain with radiating leg pain or leg numbness or paraesthesia, with or without back pain: consider a lumbar nerve root source. Stronger with a positive straight-leg raise. Examine the lumbar spine.")
    (patient-text "Pain or tingling that travels down the leg can come from a nerve in the lower back, even if your back does not hurt. This may be part of your knee or hip pain, so your back should be checked.")
    (safety-net "If you get numbness between your legs, trouble with your bladder or bowels, or a leg that is getting weaker, get help the same day."))
  (finding-def (id back_exam_before_knee_replacement) (kind relationship) (level consultation)
    (source "seeds/003_d0dca1b4b1e846d5.txt: examine the lower back before a knee replacement, which will not help pain that comes from the back")
    (title "Examine the back before knee replacement")
    (clinician-text "Knee replacement considered in a patient with low back pain or possible lumbar referred pain: examine the lumbar spine (and image if indicated) before surgery; a knee replacement does not relieve pain of spinal origin.")
    (patient-text "Before a knee operation, your lower back should be checked. If some of the knee pain comes from the back, a new knee would not fix it.")
    (safety-net ""))
  (finding-def (id paraspinal_weakness_risk) (kind risk) (level consultation)
    (source "seeds/003_d0dca1b4b1e846d5.txt: study finding smaller, weaker paraspinal muscles in knee arthritis")
    (title "Paraspinal muscle weakness")
    (clinician-text "Knee osteoarthritis with low back pain: paraspinal muscles are often smaller and weaker; include trunk and paraspinal strengthening in the programme.")
    (patient-text "People with knee arthritis often have weaker muscles along the spine, which can add to back pain. Exercises for these muscles can help.")
    (safety-net "")))

(defrule knee-back-comorbidity
  "Knee pain with low back pain. Source: seed 003 (260 knee-arthritis patients, 58% with back pain)."
  (logical (knee_pain yes) (low_back_pain yes))
  =>
  (assert (evidence (finding knee_back_comorbidity) (rule knee-back-comorbidity) (cf 0.7)
                    (because knee_pain low_back_pain))))

(defrule knee-back-comorbidity-knee-oa
  "Knee osteoarthritis with back pain, the study population where pain and disability were higher. Source: seed 003 (260 knee-arthritis patients)."
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
  "Knee or hip pain with pain radiating down the leg, back pain or not. Source: seeds 003 and 004."
  (logical (referred-pain-site ?s) (leg_radiating_pain yes))
  =>
  (assert (evidence (finding lumbar_referred_pain) (rule lumbar-referred-pain-radiating) (cf 0.5)
                    (because ?s leg_radiating_pain))))

(defrule lumbar-referred-pain-numbness
  "Knee or hip pain with numbness or pins and needles in the leg. Source: seeds 003 and 004."
  (logical (referred-pain-site ?s) (leg_numbness_tingling yes))
  =>
  (assert (evidence (finding lumbar_referred_pain) (rule lumbar-referred-pain-numbness) (cf 0.4)
                    (because ?s leg_numbness_tingling))))

(defrule lumbar-referred-pain-straight-leg-raise
  "A positive straight-leg raise with radiating pain strengthens a lumbar source. Source: seed 003; NICE CKS Sciatica."
  (logical (referred-pain-site ?) (leg_radiating_pain yes) (exam_straight_leg_raise yes))
  =>
  (assert (evidence (finding lumbar_referred_pain)
                    (rule lumbar-referred-pain-straight-leg-raise) (cf 0.6)
                    (because exam_straight_leg_raise))))

(defrule back-exam-before-knee-replacement-back-pain
  "Knee replacement considered with low back pain. Source: seed 003."
  (logical (knee_pain yes) (knee_replacement_considered yes) (low_back_pain yes))
  =>
  (assert (evidence (finding back_exam_before_knee_replacement)
                    (rule back-exam-before-knee-replacement-back-pain) (cf 0.7)
                    (because knee_replacement_considered low_back_pain))))

(defrule back-exam-before-knee-replacement-referred-pain
  "Knee replacement considered with possible lumbar referred pain. Source: seed 003."
  (logical (knee_pain yes) (knee_replacement_considered yes) (finding lumbar_referred_pain))
  =>
  (assert (evidence (finding back_exam_before_knee_replacement)
                    (rule back-exam-before-knee-replacement-referred-pain) (cf 0.6)
                    (because knee_replacement_considered lumbar_referred_pain))))

(defrule paraspinal-weakness-risk
  "Knee osteoarthritis with low back pain. Source: seed 003 (paraspinal muscle study)."
  (logical (knee_pain yes) (knee_oa_diagnosed yes) (low_back_pain yes))
  =>
  (assert (evidence (finding paraspinal_weakness_risk) (rule paraspinal-weakness-risk) (cf 0.6)
                    (because knee_oa_diagnosed low_back_pain))))
