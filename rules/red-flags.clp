;;; red-flags.clp — red flags on clear answers (SPEC section 4).
;;;
;;; Reads:  answers, (site-open <q> [<q>]), (any-site-open), evidence (other
;;;         red flags)
;;; Writes: finding-def (static), evidence, (fracture-criterion <q> <cf>),
;;;         (xray-criterion <q> <cf>)
;;;
;;; Unsure and skipped answers to these questions are handled in
;;; red-flags-uncertain.clp. A red flag at emergency or ambulance level ends
;;; the interview (levels.clp, flow.clp).
;;;
;;; Revision 2:
;;;   - A red-flag answer counts wherever it was given, relevant or not.
;;;     Where a flag names a pain site, only a `no` to that site blocks it
;;;     (site-open, rulebase.clp); a flag that names no site is never gated.
;;;   - A finding's level counts from the moment its own conditions hold: a
;;;     swollen calf is dvt_suspected while breathlessness is not known to be
;;;     present; the deferred stop (engine) still asks breathlessness, which
;;;     informs the ambulance-level pulmonary_embolism_suspected, before the
;;;     interview ends.
;;;   - Fracture triage follows the Ottawa knee rule: age alone (knee 55+,
;;;     or the older person's hip at 65+) with weight bearing not known to be
;;;     lost is an X-ray today (fracture_xray_today), not the emergency
;;;     department; weight bearing and the Ottawa examination are still asked.
;;;   - Red flags never take negative evidence.
;;;
;;; Certainty factors follow the scale in docs/rules.md: a sign that a
;;; guideline or a validated decision rule names as a reason to act is 0.8
;;; or 0.9; a criterion among several, 0.6 or 0.7; a risk factor that only
;;; adds to a flag already raised, 0.5.

(deffacts red-flag-relations
  (relation (id fracture-criterion)
            (meaning "an answer that, after recent trauma, calls for imaging now (emergency): the question id and its certainty factor"))
  (relation (id xray-criterion)
            (meaning "an age criterion that, after recent trauma, calls for an X-ray the same day: the pain site's question id, its certainty factor, and the site again when answered yes or unsure")))

(deffacts red-flag-findings
  (finding-def (id pulmonary_embolism_suspected) (kind red_flag) (level emergency_ambulance)
    (cites wells_pe nice_ng158)
    (title "Possible pulmonary embolism")
    (clinician-text "Calf swelling with new breathlessness or chest pain: possible DVT with pulmonary embolism. Emergency ambulance; do not delay for further assessment.")
    (patient-text "A swollen calf with new breathlessness or chest pain can mean a blood clot has moved to the lungs. This is an emergency.")
    (safety-net "Sit upright and rest while you wait for the ambulance."))
  (finding-def (id aortic_emergency_suspected) (kind red_flag) (level emergency_ambulance)
    (cites nice_cks_aaa nice_ng59)
    (title "Possible aortic emergency")
    (clinician-text "Sudden severe back or abdominal pain with syncope, presyncope or sweating: consider ruptured or dissecting aortic aneurysm, whatever else hurts. Emergency ambulance.")
    (patient-text "Sudden very bad pain in the back or tummy with fainting or a cold sweat can come from the main blood vessel in the body. This is an emergency.")
    (safety-net "Lie down while you wait for the ambulance, and do not eat or drink."))
  (finding-def (id cauda_equina_suspected) (kind red_flag) (level emergency)
    (cites nice_cks_sciatica nice_ng59)
    (title "Possible cauda equina syndrome")
    (clinician-text "Back or radiating leg pain (or either not yet excluded) with saddle anaesthesia or new bladder or bowel disturbance: suspected cauda equina syndrome. Same-hour emergency assessment and MRI.")
    (patient-text "Numbness between the legs or new trouble with your bladder or bowels, with back or leg pain, can mean the nerves at the bottom of the spine are squeezed. This needs emergency care now to protect them.")
    (safety-net "Even at night: do not wait to see if it gets better."))
  (finding-def (id septic_arthritis_suspected) (kind red_flag) (level emergency)
    (cites bsr_hot_swollen_joint nice_cks_knee_pain nice_cks_hip_pain)
    (title "Possible septic arthritis")
    (clinician-text "Hot swollen knee with fever or immunosuppression, or hip pain with fever and inability to bear weight: suspected septic arthritis. Emergency assessment and joint aspiration before antibiotics.")
    (patient-text "A hot swollen joint with a fever, or when your body's defences are low, can be an infection inside the joint. It can damage the joint quickly and needs emergency care now.")
    (safety-net "If you feel very unwell, confused or faint, call an ambulance."))
  (finding-def (id spinal_infection_suspected) (kind red_flag) (level emergency)
    (cites nice_ng59 nice_cks_back_pain)
    (title "Possible spinal infection")
    (clinician-text "Low back pain (or back pain not yet excluded) with fever: consider discitis, vertebral osteomyelitis or epidural abscess (higher risk if immunosuppressed). Emergency assessment with bloods and imaging.")
    (patient-text "Back pain with a fever can be an infection in or near the spine. This needs emergency care now.")
    (safety-net "If your legs get weak or numb, call an ambulance."))
  (finding-def (id fracture_suspected) (kind red_flag) (level emergency)
    (cites ottawa_knee_rule nice_ng59 nice_cks_back_pain)
    (title "Possible fracture")
    (clinician-text "Recent trauma with inability to bear weight, an Ottawa knee rule examination criterion (isolated patellar or fibular head tenderness, flexion below 90 degrees), or back trauma at age 50 or over or with osteoporosis or long-term steroids: imaging needed now.")
    (patient-text "After your fall or injury, the answers suggest a bone may be broken. You need an X-ray today at an emergency department.")
    (safety-net "Do not put weight on the leg if it hurts to. If the leg goes cold, pale or numb, call an ambulance."))
  (finding-def (id fracture_xray_today) (kind red_flag) (level consultation_24)
    (gives-way-to fracture_suspected)
    (cites ottawa_knee_rule nice_cks_hip_pain nice_cg124)
    (title "X-ray today after an injury")
    (clinician-text "Recent knee trauma at age 55 or over (the Ottawa knee rule's age criterion alone), or hip pain after trauma at age 65 or over (occult hip fracture), with the patient able to bear weight or weight bearing not yet known: X-ray the same day; check weight bearing and the Ottawa examination items now. If the hip X-ray is normal but pain on weight bearing persists, further imaging (NICE CG124).")
    (patient-text "After your injury, at your age a small break in the bone is possible even if you can walk. You need an X-ray today: contact your GP surgery, an urgent treatment centre or a minor injuries unit.")
    (safety-net "If you cannot get an X-ray today, go to a minor injuries unit or an emergency department."))
  (finding-def (id cervical_injury_suspected) (kind red_flag) (level emergency)
    (cites canadian_c_spine_rule nice_ng41)
    (title "Possible neck (cervical spine) injury")
    (clinician-text "Neck pain after trauma with a Canadian C-spine rule high-risk factor (age 65 or over, or numbness or tingling in the arms): immobilise and image the cervical spine now.")
    (patient-text "After an injury, neck pain at your age or with numbness or tingling in an arm can mean the neck bones or the nerves in the neck are hurt. This needs emergency care now.")
    (safety-net "Keep your head and neck as still as you can. If your arms or legs become weak or numb, call an ambulance."))
  (finding-def (id acute_knee_injury) (kind red_flag) (level consultation_24)
    (cites nice_cks_knee_pain ottawa_knee_rule)
    (title "Acute knee injury")
    (clinician-text "Knee injury with swelling within 2 hours (haemarthrosis: ligament tear, osteochondral fracture or patellar dislocation) or a knee locked since the injury (displaced meniscal tear): assess within 24 hours, with imaging and orthopaedic referral as indicated.")
    (patient-text "Your knee swelled up quickly or got stuck after the injury. This can mean a torn ligament or cartilage, or a small break, inside the knee. A doctor or nurse needs to check it within 24 hours.")
    (safety-net "If the knee becomes hot and red, or you get a fever, go to an emergency department now."))
  (finding-def (id dvt_suspected) (kind red_flag) (level emergency)
    (cites wells_dvt nice_ng158)
    (title "Possible deep vein thrombosis")
    (clinician-text "Unilateral calf swelling, tenderness or warmth, with new breathlessness or chest pain not known to be present: suspected DVT. Same-day emergency assessment with D-dimer and proximal leg vein ultrasound within hours (NG158). Ask about breathlessness and chest pain now.")
    (patient-text "A swollen, sore or warm calf can be a blood clot in a leg vein. It needs checking with a scan today, at an emergency department.")
    (safety-net "If you get short of breath, chest pain or cough up blood, call an ambulance at once."))
  (finding-def (id hot_swollen_joint) (kind red_flag) (level consultation_24)
    (cites nice_cks_knee_pain bsr_hot_swollen_joint)
    (title "Hot swollen knee")
    (clinician-text "Hot, red, swollen knee without reported fever or immunosuppression: assess within 24 hours; septic arthritis is not excluded by the absence of fever, consider aspiration; also gout or pseudogout.")
    (patient-text "Your knee is hot, red and swollen. A doctor or nurse needs to see it within 24 hours.")
    (safety-net "If you start to feel shivery or generally unwell, go to an emergency department now."))
  (finding-def (id progressive_neuro_deficit) (kind red_flag) (level consultation_24)
    (cites nice_cks_sciatica)
    (title "Progressive leg weakness")
    (clinician-text "Progressive motor weakness of a leg or foot (e.g. foot drop): same-day neurological examination; urgent imaging and spinal referral if confirmed.")
    (patient-text "A leg or foot that is getting weaker can mean a nerve is being squeezed. A doctor needs to check it within 24 hours.")
    (safety-net "If the leg gets weaker within hours, or both legs become weak, go to an emergency department now."))
  (finding-def (id serious_pathology_suspected) (kind red_flag) (level consultation)
    (cites nice_ng59 nice_cks_back_pain nice_cks_neck_pain nice_cks_knee_pain)
    (title "Possible serious underlying cause")
    (clinician-text "Back, hip, knee or neck pain with a history of cancer, unexplained weight loss or constant non-mechanical night pain, or unexplained weight loss beside muscle loss or thigh weakness. Marked for prompt review: consider metastasis, myeloma, infection or another systemic disease; bloods and imaging as indicated.")
    (patient-text "Some of your answers mean a doctor should look for other causes of your symptoms. Please book an appointment soon and mention these answers.")
    (safety-net "If the pain quickly gets worse, or you feel very unwell, get help the same day."))
  (finding-def (id locked_knee) (kind red_flag) (level consultation)
    (cites nice_cks_knee_pain)
    (title "Locking knee")
    (clinician-text "True locking suggests a displaced meniscal tear or loose body; assess and consider MRI and orthopaedic referral.")
    (patient-text "Your knee gets stuck. This can mean something is catching inside the joint. Please book a check.")
    (safety-net "If the knee locks and will not straighten at all, get it seen the same day."))
  (finding-def (id inflammatory_arthritis_suspected) (kind red_flag) (level consultation)
    (cites nice_ng100 nice_cks_knee_pain)
    (title "Possible inflammatory arthritis")
    (clinician-text "Morning stiffness over 30 minutes with knee swelling or swelling of other joints: possible inflammatory arthritis. Examine for synovitis, check inflammatory markers and rheumatoid serology; urgent rheumatology referral if synovitis persists.")
    (patient-text "Long stiffness in the morning with swollen joints can be a kind of arthritis caused by inflammation. A doctor should check you soon.")
    (safety-net "A joint that becomes hot and red needs to be seen the same day; with a fever, go to an emergency department now."))
  (finding-def (id inflammatory_back_pain_suspected) (kind red_flag) (level consultation)
    (cites nice_ng65)
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
  "Sudden severe back or abdominal pain with fainting, whatever the pain sites (R2). Source: NICE CKS Abdominal aortic aneurysm."
  (logical (sudden_severe_pain_faint yes))
  =>
  (assert (evidence (finding aortic_emergency_suspected)
                    (rule red-flag-aortic-emergency) (cf 0.9)
                    (because sudden_severe_pain_faint))))

;;; --- emergency level ----------------------------------------------------

(defrule red-flag-cauda-equina-saddle
  "Saddle numbness, with back or radiating leg pain not both answered no. Source: NICE CKS Sciatica, NICE NG59."
  (logical (site-open ?s&low_back_pain|leg_radiating_pain $?shown)
           ;; one piece of evidence when both sites are open: the one
           ;; answered yes or unsure, else the back
           (not (site-open ?t&~?s&low_back_pain|leg_radiating_pain
                           $?ts&:(or (> (length$ ?ts) (length$ ?shown))
                                     (and (= (length$ ?ts) (length$ ?shown))
                                          (eq ?t low_back_pain)))))
           (saddle_numbness yes))
  =>
  (assert (evidence (finding cauda_equina_suspected)
                    (rule red-flag-cauda-equina-saddle) (cf 0.9)
                    (because saddle_numbness $?shown))))

(defrule red-flag-cauda-equina-sphincter
  "New bladder or bowel disturbance, with back or radiating leg pain not both answered no. Source: NICE CKS Sciatica, NICE NG59."
  (logical (site-open ?s&low_back_pain|leg_radiating_pain $?shown)
           ;; one piece of evidence when both sites are open: the one
           ;; answered yes or unsure, else the back
           (not (site-open ?t&~?s&low_back_pain|leg_radiating_pain
                           $?ts&:(or (> (length$ ?ts) (length$ ?shown))
                                     (and (= (length$ ?ts) (length$ ?shown))
                                          (eq ?t low_back_pain)))))
           (bladder_bowel_change yes))
  =>
  (assert (evidence (finding cauda_equina_suspected)
                    (rule red-flag-cauda-equina-sphincter) (cf 0.9)
                    (because bladder_bowel_change $?shown))))

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
  "Fever and inability to bear weight, with hip pain not answered no. Source: NICE CKS Hip pain, BSR hot swollen joint guidance."
  (logical (site-open hip_pain $?shown) (fever yes) (unable_to_bear_weight yes))
  =>
  (assert (evidence (finding septic_arthritis_suspected)
                    (rule red-flag-septic-arthritis-hip) (cf 0.8)
                    (because $?shown fever unable_to_bear_weight))))

(defrule red-flag-spinal-infection
  "Fever, with low back pain not answered no. Source: NICE NG59, NICE CKS Back pain - low."
  (logical (site-open low_back_pain $?shown) (fever yes))
  =>
  (assert (evidence (finding spinal_infection_suspected)
                    (rule red-flag-spinal-infection) (cf 0.8)
                    (because $?shown fever))))

(defrule red-flag-spinal-infection-immunosuppressed
  "Immunosuppression adds to back pain with fever. Source: NICE CKS Back pain - low."
  (logical (site-open low_back_pain $?) (fever yes) (immunosuppressed yes))
  =>
  (assert (evidence (finding spinal_infection_suspected)
                    (rule red-flag-spinal-infection-immunosuppressed) (cf 0.5)
                    (because immunosuppressed))))

;;; Fracture: a criterion plus recent trauma. The criteria are derived first,
;;; so that the unsure-trauma rules in red-flags-uncertain.clp reuse them.
;;; fracture-criterion: imaging now (fracture_suspected, emergency).
;;; xray-criterion: age alone, an X-ray the same day (fracture_xray_today).

(defrule fracture-criterion-non-weight-bearing
  "Cannot take 4 steps after an injury, whatever hurts (knee, hip or back). Source: Ottawa knee rule; NICE CKS Back pain - low."
  (logical (unable_to_bear_weight yes))
  =>
  (assert (fracture-criterion unable_to_bear_weight 0.8)))

(defrule fracture-criterion-ottawa-patella
  "Isolated patellar tenderness, knee pain not answered no. Source: Ottawa knee rule."
  (logical (site-open knee_pain $?) (exam_patellar_tenderness yes))
  =>
  (assert (fracture-criterion exam_patellar_tenderness 0.7)))

(defrule fracture-criterion-ottawa-fibular-head
  "Fibular head tenderness, knee pain not answered no. Source: Ottawa knee rule."
  (logical (site-open knee_pain $?) (exam_fibular_head_tenderness yes))
  =>
  (assert (fracture-criterion exam_fibular_head_tenderness 0.7)))

(defrule fracture-criterion-ottawa-flexion
  "Cannot flex the knee to 90 degrees, knee pain not answered no. Source: Ottawa knee rule."
  (logical (site-open knee_pain $?) (exam_knee_flexion_below_90 yes))
  =>
  (assert (fracture-criterion exam_knee_flexion_below_90 0.7)))

(defrule fracture-criterion-spine-age
  "Age 50 or over, low back pain not answered no. Source: NICE NG59 red flags for vertebral fracture."
  (logical (site-open low_back_pain $?) (age ?a&:(>= ?a 50)))
  =>
  (assert (fracture-criterion age 0.6)))

(defrule fracture-criterion-spine-osteoporosis
  "Osteoporosis or long-term steroids, low back pain not answered no. Source: NICE NG59 red flags for vertebral fracture."
  (logical (site-open low_back_pain $?) (osteoporosis_or_steroids yes))
  =>
  (assert (fracture-criterion osteoporosis_or_steroids 0.7)))

(defrule xray-criterion-ottawa-age
  "Knee pain (not answered no) at age 55 or over: the Ottawa rule's age criterion. Source: Ottawa knee rule."
  (logical (site-open knee_pain $?shown) (age ?a&:(>= ?a 55)))
  =>
  (assert (xray-criterion knee_pain 0.7 $?shown)))

(defrule xray-criterion-older-hip
  "Hip pain (not answered no) at age 65 or over: occult hip fracture after a fall. Source: NICE CKS Hip pain; NICE CG124."
  (logical (site-open hip_pain $?shown) (age ?a&:(>= ?a 65)))
  =>
  (assert (xray-criterion hip_pain 0.6 $?shown)))

(defrule red-flag-fracture-after-trauma
  "Recent trauma with a fracture criterion. Source: Ottawa knee rule; NICE NG59."
  (logical (recent_trauma yes) (fracture-criterion ?q ?cf))
  =>
  (assert (evidence (finding fracture_suspected)
                    (rule red-flag-fracture-after-trauma) (cf ?cf)
                    (because recent_trauma ?q))))

(defrule red-flag-fracture-xray-today
  "Recent trauma with an age criterion and weight bearing not known to be lost: X-ray today. Source: Ottawa knee rule; NICE CKS Hip pain; NICE CG124."
  (logical (recent_trauma yes) (xray-criterion ?site ?cf $?shown)
           (not (unable_to_bear_weight yes)))
  =>
  (assert (evidence (finding fracture_xray_today)
                    (rule red-flag-fracture-xray-today) (cf ?cf)
                    (because $?shown recent_trauma age))))

;;; Neck: the Canadian C-spine rule's high-risk factors that the interview
;;; can ask (age 65 or over, paraesthesia in the arms).

(defrule red-flag-cervical-injury-age
  "Neck pain (not answered no) after trauma at age 65 or over. Source: Canadian C-spine rule; NICE NG41."
  (logical (site-open neck_pain $?shown) (recent_trauma yes) (age ?a&:(>= ?a 65)))
  =>
  (assert (evidence (finding cervical_injury_suspected)
                    (rule red-flag-cervical-injury-age) (cf 0.8)
                    (because $?shown recent_trauma age))))

(defrule red-flag-cervical-injury-arm-symptoms
  "Neck pain (not answered no) after trauma with numbness, tingling or weakness in an arm. Source: Canadian C-spine rule; NICE NG41."
  (logical (site-open neck_pain $?shown) (recent_trauma yes) (arm_numbness_tingling yes))
  =>
  (assert (evidence (finding cervical_injury_suspected)
                    (rule red-flag-cervical-injury-arm-symptoms) (cf 0.8)
                    (because $?shown recent_trauma arm_numbness_tingling))))

;;; A swollen calf is a DVT until breathlessness is known to be present
;;; (then it is a pulmonary embolism): no, unsure, skipped or not yet asked.

(defrule red-flag-dvt
  "One swollen, tender or warm calf, with breathlessness or chest pain not known to be present. Source: Wells DVT criteria, NICE NG158."
  (logical (calf_swelling yes) (not (breathless_or_chest_pain yes)))
  =>
  (assert (evidence (finding dvt_suspected) (rule red-flag-dvt) (cf 0.8)
                    (because calf_swelling))))

(defrule red-flag-dvt-risk-factor
  "Recent surgery or immobilisation adds to a suspected DVT. Source: Wells DVT criteria."
  (logical (calf_swelling yes) (not (breathless_or_chest_pain yes))
           (recent_surgery_or_immobilisation yes))
  =>
  (assert (evidence (finding dvt_suspected) (rule red-flag-dvt-risk-factor) (cf 0.5)
                    (because recent_surgery_or_immobilisation))))

;;; --- same day -----------------------------------------------------------

(defrule red-flag-acute-knee-injury-rapid-swelling
  "Knee pain (not answered no) after trauma with swelling within 2 hours: haemarthrosis. Source: NICE CKS Knee pain."
  (logical (site-open knee_pain $?shown) (recent_trauma yes) (knee_swelling_rapid yes))
  =>
  (assert (evidence (finding acute_knee_injury)
                    (rule red-flag-acute-knee-injury-rapid-swelling) (cf 0.7)
                    (because $?shown recent_trauma knee_swelling_rapid))))

(defrule red-flag-acute-knee-injury-locking
  "Knee pain (not answered no) after trauma with a knee that locks. Source: NICE CKS Knee pain."
  (logical (site-open knee_pain $?shown) (recent_trauma yes) (knee_locking yes))
  =>
  (assert (evidence (finding acute_knee_injury)
                    (rule red-flag-acute-knee-injury-locking) (cf 0.6)
                    (because $?shown recent_trauma knee_locking))))

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

;;; --- routine, marked for prompt review ------------------------------------

(defrule red-flag-serious-pathology-cancer
  "History of cancer with back, hip, knee or neck pain (not all answered no). Source: NICE NG59, NICE CKS Back pain - low and Neck pain."
  (logical (any-site-open) (cancer_history yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-cancer) (cf 0.6)
                    (because cancer_history))))

(defrule red-flag-serious-pathology-weight-loss
  "Unexplained weight loss with back, hip, knee or neck pain (not all answered no). Source: NICE NG59, NICE CKS Back pain - low and Neck pain."
  (logical (any-site-open) (weight_loss_unexplained yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-weight-loss) (cf 0.5)
                    (because weight_loss_unexplained))))

(defrule red-flag-serious-pathology-weight-loss-muscle-loss
  "Unexplained weight loss beside muscle loss or thigh weakness, pain or not (R2). Source: NICE CKS Back pain - low and Knee pain (unexplained weight loss)."
  (logical (weight_loss_unexplained yes)
           (or (muscle_loss_noticed yes) (thigh_weakness yes)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-weight-loss-muscle-loss) (cf 0.5)
                    (because weight_loss_unexplained))))

(defrule red-flag-serious-pathology-night-pain
  "Constant night pain with back, hip, knee or neck pain (not all answered no). Source: NICE NG59, NICE CKS Back pain - low and Neck pain."
  (logical (any-site-open) (night_pain yes))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-night-pain) (cf 0.5)
                    (because night_pain))))

(defrule red-flag-locked-knee
  "True locking of the knee (the answer is about the knee; no pain site gates it). Source: NICE CKS Knee pain."
  (logical (knee_locking yes))
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
  "Back pain 12 weeks or more (back pain not answered no), age under 45, morning stiffness over 30 minutes, better with exercise. Source: NICE NG65."
  (logical (site-open low_back_pain $?shown)
           (back_duration_weeks ?w&:(>= ?w 12))
           (age ?a&:(< ?a 45))
           (morning_stiffness_minutes ?m&:(> ?m 30))
           (back_better_with_exercise yes))
  =>
  (assert (evidence (finding inflammatory_back_pain_suspected)
                    (rule red-flag-inflammatory-back-pain) (cf 0.7)
                    (because $?shown back_duration_weeks age
                             morning_stiffness_minutes back_better_with_exercise))))

;;; --- same-day flags added beyond SPEC -----------------------------------
;;; A fever or an inability to bear weight that none of the flags above
;;; explains still needs a clinician the same day.

(deffacts red-flag-findings-added
  (finding-def (id fever_with_msk_pain) (kind red_flag) (level consultation_24)
    (cites nice_cks_knee_pain nice_cks_back_pain)
    (title "Fever with joint or back pain")
    (clinician-text "Fever with musculoskeletal pain that does not meet a more specific flag: assess within 24 hours for joint, bone or soft-tissue infection, or a systemic illness; lower threshold if immunosuppressed.")
    (patient-text "You have pain and a fever. A doctor or nurse should check you within 24 hours.")
    (safety-net "If you feel very unwell, confused or faint, go to an emergency department now."))
  (finding-def (id non_weight_bearing) (kind red_flag) (level consultation_24)
    (cites nice_cks_knee_pain nice_cks_hip_pain)
    (title "Unable to bear weight")
    (clinician-text "Unable to take 4 steps without reported trauma or fever: same-day assessment for occult fracture (e.g. insufficiency fracture), acute arthropathy or infection.")
    (patient-text "You cannot put weight on the leg. A doctor or nurse needs to see you within 24 hours.")
    (safety-net "If you get a fever, the leg goes cold, pale or numb, or the pain becomes severe, go to an emergency department now.")))

(defrule red-flag-fever-with-pain
  "Fever with musculoskeletal pain (not all sites answered no), no septic arthritis or spinal infection flag. Source: NICE CKS Knee pain, NICE CKS Back pain - low."
  (logical (any-site-open) (fever yes)
           (not (evidence (finding septic_arthritis_suspected) (cf ?c&:(> ?c 0.0))))
           (not (evidence (finding spinal_infection_suspected) (cf ?c&:(> ?c 0.0)))))
  =>
  (assert (evidence (finding fever_with_msk_pain) (rule red-flag-fever-with-pain) (cf 0.6)
                    (because fever))))

(defrule red-flag-fever-with-pain-immunosuppressed
  "Immunosuppression adds to fever with musculoskeletal pain. Source: NICE CKS Knee pain."
  (logical (any-site-open) (fever yes) (immunosuppressed yes)
           (not (evidence (finding septic_arthritis_suspected) (cf ?c&:(> ?c 0.0))))
           (not (evidence (finding spinal_infection_suspected) (cf ?c&:(> ?c 0.0)))))
  =>
  (assert (evidence (finding fever_with_msk_pain)
                    (rule red-flag-fever-with-pain-immunosuppressed) (cf 0.4)
                    (because immunosuppressed))))

(defrule red-flag-non-weight-bearing
  "Cannot bear weight, not explained by a fracture or septic arthritis flag. Source: NICE CKS Knee pain, NICE CKS Hip pain."
  (logical (unable_to_bear_weight yes)
           (not (evidence (finding fracture_suspected) (cf ?c&:(> ?c 0.0))))
           (not (evidence (finding septic_arthritis_suspected) (cf ?c&:(> ?c 0.0)))))
  =>
  (assert (evidence (finding non_weight_bearing) (rule red-flag-non-weight-bearing) (cf 0.7)
                    (because unable_to_bear_weight))))
