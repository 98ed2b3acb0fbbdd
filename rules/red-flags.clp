;;; red-flags.clp — red flags on clear answers (SPEC section 4).
;;;
;;; Reads:  answers, (pain-site <site>), (back-or-sciatica <question-id>)
;;; Writes: finding-def (static), evidence, (fracture-criterion <q> <cf>)
;;;
;;; Unsure and skipped answers to these questions are handled in
;;; red-flags-uncertain.clp. A red flag at emergency or ambulance level ends
;;; the interview (levels.clp, flow.clp).

(deffacts red-flag-relations
  (relation (id fracture-criterion)
            (meaning "an answer that, after recent trauma, calls for imaging: the question id and its certainty factor")))

(deffacts red-flag-findings
  (finding-def (id pulmonary_embolism_suspected) (kind red_flag) (level emergency_ambulance)
    (source "Wells criteria for pulmonary embolism; NICE NG158 (venous thromboembolic diseases)")
    (title "Possible pulmonary embolism")
    (clinician-text "Calf swelling with new breathlessness or chest pain: possible DVT with pulmonary embolism. Emergency ambulance; do not delay for further assessment.")
    (patient-text "A swollen calf with new breathlessness or chest pain can mean a blood clot has moved to the lungs. This is an emergency.")
    (safety-net "Call an ambulance now. Sit upright and rest while you wait. Do not drive yourself."))
  (finding-def (id aortic_emergency_suspected) (kind red_flag) (level emergency_ambulance)
    (source "NICE CKS Abdominal aortic aneurysm; red flags for back pain (NICE NG59)")
    (title "Possible aortic emergency")
    (clinician-text "Sudden severe back or abdominal pain with syncope, presyncope or sweating: consider ruptured or dissecting aortic aneurysm. Emergency ambulance.")
    (patient-text "Sudden very bad pain in the back or tummy with fainting or a cold sweat can come from the main blood vessel in the body. This is an emergency.")
    (safety-net "Call an ambulance now. Lie down while you wait. Do not eat or drink."))
  (finding-def (id cauda_equina_suspected) (kind red_flag) (level emergency)
    (source "NICE CKS Sciatica (lumbar radiculopathy) and NICE NG59: red flags for cauda equina syndrome")
    (title "Possible cauda equina syndrome")
    (clinician-text "Back or radiating leg pain with saddle anaesthesia or new bladder or bowel disturbance: suspected cauda equina syndrome. Same-hour emergency assessment and MRI.")
    (patient-text "Back or leg pain with numbness between the legs or new trouble with your bladder or bowels can mean the nerves at the bottom of the spine are squeezed. This needs emergency care now to protect them.")
    (safety-net "Go to an emergency department now, even at night. Do not wait to see if it gets better."))
  (finding-def (id septic_arthritis_suspected) (kind red_flag) (level emergency)
    (source "NICE CKS Knee pain - assessment and British Society for Rheumatology guidance on the hot swollen joint")
    (title "Possible septic arthritis")
    (clinician-text "Hot swollen knee with fever or immunosuppression, or hip pain with fever and inability to bear weight: suspected septic arthritis. Emergency assessment and joint aspiration before antibiotics.")
    (patient-text "A hot swollen joint with a fever, or when your body's defences are low, can be an infection inside the joint. It can damage the joint quickly and needs emergency care now.")
    (safety-net "Go to an emergency department now. If you feel very unwell, confused or faint, call an ambulance."))
  (finding-def (id spinal_infection_suspected) (kind red_flag) (level emergency)
    (source "NICE NG59 and NICE CKS Back pain - low: red flags for spinal infection")
    (title "Possible spinal infection")
    (clinician-text "Low back pain with fever: consider discitis, vertebral osteomyelitis or epidural abscess (higher risk if immunosuppressed). Emergency assessment with bloods and imaging.")
    (patient-text "Back pain with a fever can be an infection in or near the spine. This needs emergency care now.")
    (safety-net "Go to an emergency department now. If your legs get weak or numb, call an ambulance."))
  (finding-def (id fracture_suspected) (kind red_flag) (level emergency)
    (source "Ottawa knee rule (Stiell et al., 1995); NICE NG59 and NICE CKS Back pain - low: red flags for vertebral fracture")
    (title "Possible fracture")
    (clinician-text "Recent trauma with inability to bear weight, a positive Ottawa knee rule criterion (age 55+, isolated patellar or fibular head tenderness, flexion below 90 degrees), or back trauma at age 50+ or with osteoporosis or steroid use: imaging needed now.")
    (patient-text "After your fall or injury, the answers suggest a bone may be broken. You need an X-ray today at an emergency department.")
    (safety-net "Go to an emergency department now. Do not put weight on the leg if it hurts to. If the leg goes cold, pale or numb, call an ambulance."))
  (finding-def (id dvt_suspected) (kind red_flag) (level emergency)
    (source "Wells criteria for deep vein thrombosis; NICE NG158 (venous thromboembolic diseases)")
    (title "Possible deep vein thrombosis")
    (clinician-text "Unilateral calf swelling, tenderness or warmth without breathlessness or chest pain: suspected DVT. Same-day emergency assessment with D-dimer and proximal leg vein ultrasound within hours (NG158).")
    (patient-text "A swollen, sore or warm calf can be a blood clot in a leg vein. It needs checking with a scan today, at an emergency department.")
    (safety-net "If you get short of breath, chest pain or cough up blood, call an ambulance at once."))
  (finding-def (id hot_swollen_joint) (kind red_flag) (level consultation_24)
    (source "NICE CKS Knee pain - assessment; British Society for Rheumatology guidance on the hot swollen joint")
    (title "Hot swollen knee")
    (clinician-text "Hot, red, swollen knee without reported fever or immunosuppression: assess within 24 hours; septic arthritis is not excluded by the absence of fever, consider aspiration; also gout or pseudogout.")
    (patient-text "Your knee is hot, red and swollen. A doctor or nurse needs to see it within 24 hours.")
    (safety-net "If you get a fever, shivers or feel unwell, or cannot put weight on the leg, go to an emergency department now."))
  (finding-def (id progressive_neuro_deficit) (kind red_flag) (level consultation_24)
    (source "NICE CKS Sciatica (lumbar radiculopathy): progressive neurological deficit")
    (title "Progressive leg weakness")
    (clinician-text "Progressive motor weakness of a leg or foot (e.g. foot drop): same-day neurological examination; urgent imaging and spinal referral if confirmed.")
    (patient-text "A leg or foot that is getting weaker can mean a nerve is being squeezed. A doctor needs to check it within 24 hours.")
    (safety-net "If you get numbness between your legs or new trouble with your bladder or bowels, go to an emergency department now."))
  (finding-def (id serious_pathology_suspected) (kind red_flag) (level consultation)
    (source "NICE NG59 and NICE CKS Back pain - low; NICE CKS Knee pain: red flags for malignancy and infection")
    (title "Possible serious underlying cause")
    (clinician-text "Musculoskeletal pain with a history of cancer, unexplained weight loss or constant non-mechanical night pain. Marked for prompt review: consider metastasis, myeloma or infection; bloods and imaging as indicated.")
    (patient-text "Some of your answers mean a doctor should look for other causes of the pain. Please book an appointment soon and mention these answers.")
    (safety-net "If the pain quickly gets worse, or you get a fever, weak legs or new trouble with your bladder or bowels, get help the same day."))
  (finding-def (id locked_knee) (kind red_flag) (level consultation)
    (source "NICE CKS Knee pain - assessment: true locking suggests a mechanical block")
    (title "Locking knee")
    (clinician-text "True locking suggests a displaced meniscal tear or loose body; assess and consider MRI and orthopaedic referral.")
    (patient-text "Your knee gets stuck. This can mean something is catching inside the joint. Please book a check.")
    (safety-net "If the knee locks and will not straighten at all, get it seen the same day."))
  (finding-def (id inflammatory_arthritis_suspected) (kind red_flag) (level consultation)
    (source "NICE NG100 (rheumatoid arthritis in adults): refer persistent synovitis; NICE CKS Knee pain")
    (title "Possible inflammatory arthritis")
    (clinician-text "Morning stiffness over 30 minutes with knee swelling or swelling of other joints: possible inflammatory arthritis. Examine for synovitis, check inflammatory markers and rheumatoid serology; urgent rheumatology referral if synovitis persists.")
    (patient-text "Long stiffness in the morning with swollen joints can be a kind of arthritis caused by inflammation. A doctor should check you soon.")
    (safety-net "If a joint becomes hot and red, or you get a fever, get help the same day."))
  (finding-def (id inflammatory_back_pain_suspected) (kind red_flag) (level consultation)
    (source "NICE NG65 (spondyloarthritis): inflammatory back pain criteria")
    (title "Possible inflammatory back pain")
    (clinician-text "Back pain for 12 weeks or more, onset before 45, morning stiffness over 30 minutes and improvement with exercise not rest: features of axial spondyloarthritis; consider rheumatology referral.")
    (patient-text "Your back pain has some signs of a type of back pain caused by inflammation. A doctor can check this and treat it.")
    (safety-net "If your eyes become red and painful, get help the same day.")))

;;; --- ambulance level ----------------------------------------------------

(defrule red-flag-pulmonary-embolism
  "Calf swelling with new breathlessness or chest pain. Source: Wells PE criteria, NICE NG158."
  (logical (calf_swelling yes) (breathless_or_chest_pain yes))
  =>
  (assert (evidence (finding pulmonary_embolism_suspected)
                    (rule red-flag-pulmonary-embolism) (cf 0.9)
                    (because calf_swelling breathless_or_chest_pain))))

(defrule red-flag-pulmonary-embolism-risk-factor
  "Recent surgery or immobilisation adds to a suspected pulmonary embolism. Source: Wells PE criteria."
  (logical (calf_swelling yes) (breathless_or_chest_pain yes)
           (recent_surgery_or_immobilisation yes))
  =>
  (assert (evidence (finding pulmonary_embolism_suspected)
                    (rule red-flag-pulmonary-embolism-risk-factor) (cf 0.5)
                    (because recent_surgery_or_immobilisation))))

(defrule red-flag-aortic-emergency
  "Sudden severe back or abdominal pain with fainting, with back or hip pain. Source: NICE CKS Abdominal aortic aneurysm."
  (logical (or (pain-site back) (pain-site hip))
           (sudden_severe_pain_faint yes))
  =>
  (assert (evidence (finding aortic_emergency_suspected)
                    (rule red-flag-aortic-emergency) (cf 0.9)
                    (because sudden_severe_pain_faint))))

;;; --- emergency level ----------------------------------------------------

(defrule red-flag-cauda-equina-saddle
  "Back or radiating leg pain with saddle numbness. Source: NICE CKS Sciatica, NICE NG59."
  (logical (back-or-sciatica ?site) (saddle_numbness yes))
  =>
  (assert (evidence (finding cauda_equina_suspected)
                    (rule red-flag-cauda-equina-saddle) (cf 0.9)
                    (because saddle_numbness ?site))))

(defrule red-flag-cauda-equina-sphincter
  "Back or radiating leg pain with new bladder or bowel disturbance. Source: NICE CKS Sciatica, NICE NG59."
  (logical (back-or-sciatica ?site) (bladder_bowel_change yes))
  =>
  (assert (evidence (finding cauda_equina_suspected)
                    (rule red-flag-cauda-equina-sphincter) (cf 0.9)
                    (because bladder_bowel_change ?site))))

(defrule red-flag-septic-arthritis-hot-knee-fever
  "Hot swollen knee with fever. Source: NICE CKS Knee pain, BSR hot swollen joint guidance."
  (logical (knee_hot_swollen yes) (fever yes))
  =>
  (assert (evidence (finding septic_arthritis_suspected)
                    (rule red-flag-septic-arthritis-hot-knee-fever) (cf 0.9)
                    (because knee_hot_swollen fever))))

(defrule red-flag-septic-arthritis-hot-knee-immunosuppressed
  "Hot swollen knee in an immunosuppressed patient, fever or not. Source: NICE CKS Knee pain, BSR hot swollen joint guidance."
  (logical (knee_hot_swollen yes) (immunosuppressed yes))
  =>
  (assert (evidence (finding septic_arthritis_suspected)
                    (rule red-flag-septic-arthritis-hot-knee-immunosuppressed) (cf 0.8)
                    (because knee_hot_swollen immunosuppressed))))

(defrule red-flag-septic-arthritis-hip
  "Hip pain with fever and inability to bear weight. Source: NICE CKS Hip pain, BSR hot swollen joint guidance."
  (logical (pain-site hip) (fever yes) (unable_to_bear_weight yes))
  =>
  (assert (evidence (finding septic_arthritis_suspected)
                    (rule red-flag-septic-arthritis-hip) (cf 0.8)
                    (because hip_pain fever unable_to_bear_weight))))

(defrule red-flag-spinal-infection
  "Low back pain with fever. Source: NICE NG59, NICE CKS Back pain - low."
  (logical (pain-site back) (fever yes))
  =>
  (assert (evidence (finding spinal_infection_suspected)
                    (rule red-flag-spinal-infection) (cf 0.8)
                    (because low_back_pain fever))))

(defrule red-flag-spinal-infection-immunosuppressed
  "Immunosuppression adds to back pain with fever. Source: NICE CKS Back pain - low."
  (logical (pain-site back) (fever yes) (immunosuppressed yes))
  =>
  (assert (evidence (finding spinal_infection_suspected)
                    (rule red-flag-spinal-infection-immunosuppressed) (cf 0.5)
                    (because immunosuppressed))))

;;; Fracture: a criterion (from the knee, hip or back side) plus recent
;;; trauma. The criteria are derived first, so that the unsure-trauma rule in
;;; red-flags-uncertain.clp can reuse them.

(defrule fracture-criterion-non-weight-bearing
  "Cannot take 4 steps on a painful knee or hip. Source: Ottawa knee rule."
  (logical (or (pain-site knee) (pain-site hip)) (unable_to_bear_weight yes))
  =>
  (assert (fracture-criterion unable_to_bear_weight 0.8)))

(defrule fracture-criterion-ottawa-age
  "Knee pain at age 55 or over. Source: Ottawa knee rule."
  (logical (pain-site knee) (age ?a&:(>= ?a 55)))
  =>
  (assert (fracture-criterion age 0.7)))

(defrule fracture-criterion-ottawa-patella
  "Isolated patellar tenderness. Source: Ottawa knee rule."
  (logical (pain-site knee) (exam_patellar_tenderness yes))
  =>
  (assert (fracture-criterion exam_patellar_tenderness 0.7)))

(defrule fracture-criterion-ottawa-fibular-head
  "Fibular head tenderness. Source: Ottawa knee rule."
  (logical (pain-site knee) (exam_fibular_head_tenderness yes))
  =>
  (assert (fracture-criterion exam_fibular_head_tenderness 0.7)))

(defrule fracture-criterion-ottawa-flexion
  "Cannot flex the knee to 90 degrees. Source: Ottawa knee rule."
  (logical (pain-site knee) (exam_knee_flexion_below_90 yes))
  =>
  (assert (fracture-criterion exam_knee_flexion_below_90 0.7)))

(defrule fracture-criterion-spine-age
  "Low back pain at age 50 or over. Source: NICE NG59 red flags for vertebral fracture."
  (logical (pain-site back) (age ?a&:(>= ?a 50)))
  =>
  (assert (fracture-criterion age 0.6)))

(defrule fracture-criterion-spine-osteoporosis
  "Low back pain with osteoporosis or long-term steroids. Source: NICE NG59 red flags for vertebral fracture."
  (logical (pain-site back) (osteoporosis_or_steroids yes))
  =>
  (assert (fracture-criterion osteoporosis_or_steroids 0.7)))

(defrule red-flag-fracture-after-trauma
  "Recent trauma with a fracture criterion. Source: Ottawa knee rule; NICE NG59."
  (logical (recent_trauma yes) (fracture-criterion ?q ?cf))
  =>
  (assert (evidence (finding fracture_suspected)
                    (rule red-flag-fracture-after-trauma) (cf ?cf)
                    (because recent_trauma ?q))))

(defrule red-flag-dvt
  "One swollen, tender or warm calf, with breathlessness and chest pain answered no (or not known to be present). Source: Wells DVT criteria, NICE NG158."
  (logical (calf_swelling yes)
           (or (breathless_or_chest_pain no) (breathless_or_chest_pain unsure)
               (declined breathless_or_chest_pain)))
  =>
  (assert (evidence (finding dvt_suspected) (rule red-flag-dvt) (cf 0.8)
                    (because calf_swelling breathless_or_chest_pain))))

(defrule red-flag-dvt-risk-factor
  "Recent surgery or immobilisation adds to a suspected DVT. Source: Wells DVT criteria."
  (logical (calf_swelling yes)
           (or (breathless_or_chest_pain no) (breathless_or_chest_pain unsure)
               (declined breathless_or_chest_pain))
           (recent_surgery_or_immobilisation yes))
  =>
  (assert (evidence (finding dvt_suspected) (rule red-flag-dvt-risk-factor) (cf 0.5)
                    (because recent_surgery_or_immobilisation))))

;;; --- same day and routine -----------------------------------------------

(defrule red-flag-hot-swollen-joint
  "Hot swollen knee with fever and immunosuppression not reported. Source: NICE CKS Knee pain."
  (logical (knee_hot_swollen yes)
           (not (fever yes))
           (not (immunosuppressed yes)))
  =>
  (assert (evidence (finding hot_swollen_joint) (rule red-flag-hot-swollen-joint) (cf 0.8)
                    (because knee_hot_swollen))))

(defrule red-flag-progressive-neuro-deficit
  "Progressive leg or foot weakness. Source: NICE CKS Sciatica."
  (logical (leg_weakness_progressive yes))
  =>
  (assert (evidence (finding progressive_neuro_deficit)
                    (rule red-flag-progressive-neuro-deficit) (cf 0.8)
                    (because leg_weakness_progressive))))

(defrule red-flag-serious-pathology-cancer
  "History of cancer with back, hip or knee pain. Source: NICE NG59, NICE CKS."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee)) (cancer_history yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-cancer) (cf 0.6)
                    (because cancer_history))))

(defrule red-flag-serious-pathology-weight-loss
  "Unexplained weight loss with back, hip or knee pain. Source: NICE NG59, NICE CKS."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee)) (weight_loss_unexplained yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-weight-loss) (cf 0.5)
                    (because weight_loss_unexplained))))

(defrule red-flag-serious-pathology-night-pain
  "Constant night pain with back, hip or knee pain. Source: NICE NG59, NICE CKS."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee)) (night_pain yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-night-pain) (cf 0.5)
                    (because night_pain))))

(defrule red-flag-locked-knee
  "True locking of the knee. Source: NICE CKS Knee pain."
  (logical (pain-site knee) (knee_locking yes))
  =>
  (assert (evidence (finding locked_knee) (rule red-flag-locked-knee) (cf 0.8)
                    (because knee_locking))))

(defrule red-flag-inflammatory-arthritis-other-joints
  "Morning stiffness over 30 minutes with other swollen joints. Source: NICE NG100."
  (logical (morning_stiffness_minutes ?m&:(> ?m 30)) (other_joints_swollen yes))
  =>
  (assert (evidence (finding inflammatory_arthritis_suspected)
                    (rule red-flag-inflammatory-arthritis-other-joints) (cf 0.6)
                    (because morning_stiffness_minutes other_joints_swollen))))

(defrule red-flag-inflammatory-arthritis-knee-swelling
  "Morning stiffness over 30 minutes with a swollen knee. Source: NICE NG100, NICE CKS Knee pain."
  (logical (morning_stiffness_minutes ?m&:(> ?m 30)) (knee_swelling yes))
  =>
  (assert (evidence (finding inflammatory_arthritis_suspected)
                    (rule red-flag-inflammatory-arthritis-knee-swelling) (cf 0.5)
                    (because morning_stiffness_minutes knee_swelling))))

(defrule red-flag-inflammatory-back-pain
  "Back pain 12 weeks or more, age under 45, morning stiffness over 30 minutes, better with exercise. Source: NICE NG65."
  (logical (low_back_pain yes)
           (back_duration_weeks ?w&:(>= ?w 12))
           (age ?a&:(< ?a 45))
           (morning_stiffness_minutes ?m&:(> ?m 30))
           (back_better_with_exercise yes))
  =>
  (assert (evidence (finding inflammatory_back_pain_suspected)
                    (rule red-flag-inflammatory-back-pain) (cf 0.7)
                    (because low_back_pain back_duration_weeks age
                             morning_stiffness_minutes back_better_with_exercise))))

;;; --- same-day flags added beyond SPEC -----------------------------------
;;; A fever or an inability to bear weight that none of the flags above
;;; explains still needs a clinician the same day.

(deffacts red-flag-findings-added
  (finding-def (id fever_with_msk_pain) (kind red_flag) (level consultation_24)
    (source "NICE CKS Knee pain - assessment and NICE CKS Back pain - low: fever with musculoskeletal pain may be infection")
    (title "Fever with joint or back pain")
    (clinician-text "Fever with musculoskeletal pain that does not meet a more specific flag: assess within 24 hours for joint, bone or soft-tissue infection, or a systemic illness; lower threshold if immunosuppressed.")
    (patient-text "You have pain and a fever. A doctor or nurse should check you within 24 hours.")
    (safety-net "If a joint becomes hot and swollen, you cannot walk on the leg, or you feel very unwell, go to an emergency department now."))
  (finding-def (id non_weight_bearing) (kind red_flag) (level consultation_24)
    (source "NICE CKS Knee pain - assessment and NICE CKS Hip pain: inability to bear weight")
    (title "Unable to bear weight")
    (clinician-text "Unable to take 4 steps on the affected leg without reported trauma or fever: same-day assessment for occult fracture (e.g. insufficiency fracture), acute arthropathy or infection.")
    (patient-text "You cannot put weight on the leg. A doctor or nurse needs to see you within 24 hours.")
    (safety-net "If you get a fever, the leg goes cold, pale or numb, or the pain becomes severe, go to an emergency department now.")))

(defrule red-flag-fever-with-pain
  "Fever with musculoskeletal pain, no septic arthritis or spinal infection flag. Source: NICE CKS Knee pain, NICE CKS Back pain - low."
  (logical (any-pain) (fever yes)
           (not (finding septic_arthritis_suspected))
           (not (finding spinal_infection_suspected)))
  =>
  (assert (evidence (finding fever_with_msk_pain) (rule red-flag-fever-with-pain) (cf 0.6)
                    (because fever))))

(defrule red-flag-fever-with-pain-immunosuppressed
  "Immunosuppression adds to fever with musculoskeletal pain. Source: NICE CKS Knee pain."
  (logical (any-pain) (fever yes) (immunosuppressed yes)
           (not (finding septic_arthritis_suspected))
           (not (finding spinal_infection_suspected)))
  =>
  (assert (evidence (finding fever_with_msk_pain)
                    (rule red-flag-fever-with-pain-immunosuppressed) (cf 0.4)
                    (because immunosuppressed))))

(defrule red-flag-non-weight-bearing
  "Cannot bear weight on a painful knee or hip, not explained by a fracture or septic arthritis flag. Source: NICE CKS Knee pain, NICE CKS Hip pain."
  (logical (or (pain-site knee) (pain-site hip)) (unable_to_bear_weight yes)
           (not (finding fracture_suspected))
           (not (finding septic_arthritis_suspected)))
  =>
  (assert (evidence (finding non_weight_bearing) (rule red-flag-non-weight-bearing) (cf 0.7)
                    (because unable_to_bear_weight))))
