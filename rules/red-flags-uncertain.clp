;;; red-flags-uncertain.clp — unsure and skipped answers to red-flag
;;; questions (SPEC section 1).
;;;
;;; Reads:  answers, (declined <id>), (site-open <q> [<q>]), (any-site-open),
;;;         (fracture-criterion <q> <cf>), (xray-criterion <q> <cf> [<q>]),
;;;         evidence (other red flags)
;;; Writes: finding-def (static), evidence,
;;;         (fracture-criterion-uncertain <question-id>)
;;;
;;; Policy: an `unsure` or skipped answer to a red-flag question is never
;;; read as `no`.
;;;   - Where the flag itself is at emergency or ambulance level, the rule
;;;     base raises a separate *_unconfirmed finding at consultation_24: a
;;;     clinician checks that sign the same day. It never raises the
;;;     emergency itself on an uncertain answer alone, so a patient who skips
;;;     questions is not sent to an emergency department for skipping.
;;;     One exception is deliberate: new breathlessness or chest pain
;;;     answered yes with a calf that may be swollen raises
;;;     pulmonary_embolism_suspected at lower confidence, because the
;;;     certain answer is itself an emergency symptom.
;;;     Each *_unconfirmed finding gives way to its *_suspected finding
;;;     (finding-def gives-way-to): once the flag itself holds, the
;;;     "not ruled out" finding is withdrawn.
;;;   - Where the flag is at consultation_24 or consultation level
;;;     (fracture_xray_today, acute_knee_injury, hot_swollen_joint,
;;;     progressive_neuro_deficit, non_weight_bearing, fever_with_msk_pain,
;;;     serious_pathology_suspected), the same finding is raised at lower
;;;     confidence.
;;;   - The same site rule as the flags themselves (R2): a pain site gates
;;;     an uncertain flag only where the flag's own row names it, and only a
;;;     `no` to that site blocks it. Relevance never gates a flag.
;;;   - recent_surgery_or_immobilisation only strengthens a clot already
;;;     suspected on a swollen calf, so an unsure answer leaves that flag
;;;     standing at its own confidence.

(deffacts uncertain-relations
  (relation (id fracture-criterion-uncertain)
            (meaning "a fracture criterion whose answer is unsure or skipped: the question id")))

(deffacts uncertain-findings
  (finding-def (id pulmonary_embolism_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to pulmonary_embolism_suspected)
    (cites wells_pe nice_ng158)
    (title "Breathlessness or chest pain not ruled out")
    (clinician-text "Calf swelling present or not excluded, and new breathlessness or chest pain answered unsure or skipped: ask and examine the same day (Wells score, oxygen saturation); treat as suspected PE if present. A swollen calf itself needs DVT assessment within hours.")
    (patient-text "We could not be sure whether you have new breathlessness or chest pain. A doctor or nurse needs to check this with you today.")
    (safety-net ""))
  (finding-def (id dvt_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to dvt_suspected)
    (cites wells_dvt nice_ng158)
    (title "Calf swelling not ruled out")
    (clinician-text "Calf swelling, tenderness or warmth answered unsure or skipped: examine the calves the same day (Wells DVT score); D-dimer and ultrasound if DVT is likely.")
    (patient-text "We could not be sure whether your calf is swollen. A doctor or nurse needs to look at your legs today.")
    (safety-net ""))
  (finding-def (id aortic_emergency_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to aortic_emergency_suspected)
    (cites nice_cks_aaa)
    (title "Sudden severe pain with fainting not ruled out")
    (clinician-text "Sudden severe back or abdominal pain with fainting answered unsure or skipped: clarify the onset and check pulse, blood pressure and abdomen the same day.")
    (patient-text "We could not be sure whether your pain started suddenly with fainting. A doctor or nurse needs to ask you about this today.")
    (safety-net "If you get sudden very bad pain in the back or tummy, or feel faint or sweaty, call an ambulance at once."))
  (finding-def (id cauda_equina_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to cauda_equina_suspected)
    (cites nice_cks_sciatica nice_ng59)
    (title "Cauda equina signs not ruled out")
    (clinician-text "Saddle numbness or bladder or bowel change answered unsure or skipped with back or radiating leg pain (or either not yet excluded): ask directly and examine (saddle sensation, post-void residual where available) the same day.")
    (patient-text "We could not be sure about numbness between your legs or changes in your bladder or bowels. A doctor or nurse needs to check this with you today.")
    (safety-net ""))
  (finding-def (id septic_arthritis_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to septic_arthritis_suspected)
    (cites bsr_hot_swollen_joint nice_cks_knee_pain nice_cks_hip_pain)
    (title "Joint infection not ruled out")
    (clinician-text "A hot swollen knee, fever, immunosuppression or weight bearing is uncertain in a combination that would suggest septic arthritis: measure the temperature and examine the joint the same day; aspirate if in doubt.")
    (patient-text "Some answers about a hot joint or a fever were unclear. A doctor or nurse needs to check your temperature and the joint today.")
    (safety-net "Measure your temperature if you can: 38 degrees or more counts as a fever."))
  (finding-def (id spinal_infection_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to spinal_infection_suspected)
    (cites nice_ng59 nice_cks_back_pain)
    (title "Fever with back pain not ruled out")
    (clinician-text "Low back pain (or back pain not yet excluded) with fever answered unsure or skipped: measure the temperature and assess the same day.")
    (patient-text "We could not be sure whether you have a fever. With back pain, a doctor or nurse should check your temperature today.")
    (safety-net "If your temperature is 38 degrees or more, or you feel shivery and unwell, go to an emergency department now."))
  (finding-def (id fracture_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to fracture_suspected)
    (cites ottawa_knee_rule nice_ng59)
    (title "Fracture not ruled out")
    (clinician-text "Recent trauma or a fracture criterion (weight bearing, Ottawa item, age, osteoporosis or steroids) is uncertain: examine the same day and apply the Ottawa knee rule or spinal fracture criteria; image if in doubt.")
    (patient-text "After an injury, some answers were unclear. A doctor or nurse needs to check today whether a bone could be broken.")
    (safety-net "If the pain gets much worse after the injury, go to an emergency department now."))
  (finding-def (id cervical_injury_unconfirmed) (kind red_flag) (level consultation_24)
    (gives-way-to cervical_injury_suspected)
    (cites canadian_c_spine_rule nice_ng41)
    (title "Neck injury not ruled out")
    (clinician-text "Neck pain with recent trauma, age or arm numbness or tingling uncertain in a combination that would meet a Canadian C-spine rule high-risk factor: assess the same day and apply the rule; image if it cannot be applied.")
    (patient-text "After a possible injury, some answers about your neck were unclear. A doctor or nurse needs to check your neck today.")
    (safety-net "If your arms or legs become numb, tingly or weak, call an ambulance and keep your neck still.")))

;;; --- ambulance-level flags ---------------------------------------------

(defrule red-flag-pulmonary-embolism-calf-uncertain
  "New breathlessness or chest pain with calf swelling unsure or skipped: raised at lower confidence. Source: Wells PE criteria, NICE NG158."
  (logical (or (calf_swelling unsure) (declined calf_swelling))
           (breathless_or_chest_pain yes))
  =>
  (assert (evidence (finding pulmonary_embolism_suspected)
                    (rule red-flag-pulmonary-embolism-calf-uncertain) (cf 0.5)
                    (because calf_swelling breathless_or_chest_pain))))

(defrule red-flag-pulmonary-embolism-unconfirmed
  "Breathlessness or chest pain unsure or skipped when the calf may be swollen. Source: NICE NG158."
  (logical (or (calf_swelling yes) (calf_swelling unsure) (declined calf_swelling))
           (or (breathless_or_chest_pain unsure) (declined breathless_or_chest_pain)))
  =>
  (assert (evidence (finding pulmonary_embolism_unconfirmed)
                    (rule red-flag-pulmonary-embolism-unconfirmed) (cf 0.5)
                    (because calf_swelling breathless_or_chest_pain))))

(defrule red-flag-aortic-emergency-unconfirmed
  "Sudden severe pain with fainting unsure or skipped, whatever the pain sites. Source: NICE CKS Abdominal aortic aneurysm."
  (logical (or (sudden_severe_pain_faint unsure) (declined sudden_severe_pain_faint)))
  =>
  (assert (evidence (finding aortic_emergency_unconfirmed)
                    (rule red-flag-aortic-emergency-unconfirmed) (cf 0.5)
                    (because sudden_severe_pain_faint))))

;;; --- emergency-level flags ---------------------------------------------

(defrule red-flag-cauda-equina-saddle-unconfirmed
  "Saddle numbness unsure or skipped, with back or radiating leg pain not both answered no. Source: NICE CKS Sciatica."
  (logical (site-open ?s&low_back_pain|leg_radiating_pain $?shown)
           ;; one piece of evidence when both sites are open: the one
           ;; answered yes or unsure, else the back
           (not (site-open ?t&~?s&low_back_pain|leg_radiating_pain
                           $?ts&:(or (> (length$ ?ts) (length$ ?shown))
                                     (and (= (length$ ?ts) (length$ ?shown))
                                          (eq ?t low_back_pain)))))
           (or (saddle_numbness unsure) (declined saddle_numbness)))
  =>
  (assert (evidence (finding cauda_equina_unconfirmed)
                    (rule red-flag-cauda-equina-saddle-unconfirmed) (cf 0.5)
                    (because saddle_numbness $?shown))))

(defrule red-flag-cauda-equina-sphincter-unconfirmed
  "Bladder or bowel change unsure or skipped, with back or radiating leg pain not both answered no. Source: NICE CKS Sciatica."
  (logical (site-open ?s&low_back_pain|leg_radiating_pain $?shown)
           ;; one piece of evidence when both sites are open: the one
           ;; answered yes or unsure, else the back
           (not (site-open ?t&~?s&low_back_pain|leg_radiating_pain
                           $?ts&:(or (> (length$ ?ts) (length$ ?shown))
                                     (and (= (length$ ?ts) (length$ ?shown))
                                          (eq ?t low_back_pain)))))
           (or (bladder_bowel_change unsure) (declined bladder_bowel_change)))
  =>
  (assert (evidence (finding cauda_equina_unconfirmed)
                    (rule red-flag-cauda-equina-sphincter-unconfirmed) (cf 0.5)
                    (because bladder_bowel_change $?shown))))

(defrule red-flag-septic-arthritis-fever-uncertain
  "Hot swollen knee with fever unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (knee_hot_swollen yes) (or (fever unsure) (declined fever)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-fever-uncertain) (cf 0.5)
                    (because knee_hot_swollen fever))))

(defrule red-flag-septic-arthritis-immunity-uncertain
  "Hot swollen knee with immunosuppression unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (knee_hot_swollen yes)
           (or (immunosuppressed unsure) (declined immunosuppressed)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-immunity-uncertain) (cf 0.4)
                    (because knee_hot_swollen immunosuppressed))))

(defrule red-flag-septic-arthritis-hot-knee-uncertain-fever
  "Fever with a hot swollen knee unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (or (knee_hot_swollen unsure) (declined knee_hot_swollen))
           (fever yes))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hot-knee-uncertain-fever) (cf 0.5)
                    (because knee_hot_swollen fever))))

(defrule red-flag-septic-arthritis-hot-knee-uncertain-immunosuppressed
  "Immunosuppression with a hot swollen knee unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (or (knee_hot_swollen unsure) (declined knee_hot_swollen))
           (immunosuppressed yes))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hot-knee-uncertain-immunosuppressed) (cf 0.4)
                    (because knee_hot_swollen immunosuppressed))))

(defrule red-flag-septic-arthritis-hip-weight-bearing-uncertain
  "Hip pain (not answered no) with fever, weight bearing unsure or skipped. Source: NICE CKS Hip pain."
  (logical (site-open hip_pain $?shown) (fever yes)
           (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hip-weight-bearing-uncertain) (cf 0.5)
                    (because $?shown fever unable_to_bear_weight))))

(defrule red-flag-septic-arthritis-hip-fever-uncertain
  "Hip pain (not answered no) with inability to bear weight, fever unsure or skipped. Source: NICE CKS Hip pain."
  (logical (site-open hip_pain $?shown) (unable_to_bear_weight yes)
           (or (fever unsure) (declined fever)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hip-fever-uncertain) (cf 0.5)
                    (because $?shown fever unable_to_bear_weight))))

(defrule red-flag-spinal-infection-unconfirmed
  "Low back pain (not answered no) with fever unsure or skipped. Source: NICE NG59."
  (logical (site-open low_back_pain $?shown) (or (fever unsure) (declined fever)))
  =>
  (assert (evidence (finding spinal_infection_unconfirmed)
                    (rule red-flag-spinal-infection-unconfirmed) (cf 0.5)
                    (because $?shown fever))))

;;; Fracture: trauma uncertain with a clear criterion, trauma clear with a
;;; criterion uncertain, or both uncertain (neither answer is a no, so the
;;; fracture is not ruled out: SPEC section 1), at falling confidence.

(defrule red-flag-fracture-trauma-uncertain
  "A fracture criterion with recent trauma unsure or skipped. Source: Ottawa knee rule, NICE NG59."
  (logical (or (recent_trauma unsure) (declined recent_trauma))
           (fracture-criterion ?q ?))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-trauma-uncertain) (cf 0.5)
                    (because recent_trauma ?q))))

(defrule red-flag-fracture-age-trauma-uncertain
  "An age criterion (knee 55+, hip 65+) with recent trauma unsure or skipped: check for an injury the same day. Source: Ottawa knee rule; NICE CKS Hip pain."
  (logical (or (recent_trauma unsure) (declined recent_trauma))
           (xray-criterion ?site ? $?shown))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-age-trauma-uncertain) (cf 0.4)
                    (because $?shown recent_trauma age))))

(defrule fracture-criterion-uncertain-weight-bearing
  "Weight bearing unsure or skipped, whatever hurts. Source: Ottawa knee rule."
  (logical (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight)))
  =>
  (assert (fracture-criterion-uncertain unable_to_bear_weight)))

(defrule fracture-criterion-uncertain-age
  "Age skipped with knee, hip or back pain not ruled out: the age criteria cannot be applied. Source: Ottawa knee rule, NICE NG59."
  (logical (site-open ?s&knee_pain|hip_pain|low_back_pain $?) (declined age))
  =>
  (assert (fracture-criterion-uncertain age)))

(defrule fracture-criterion-uncertain-ottawa-patella
  "Patellar tenderness examined but unsure, or skipped (knee pain not answered no). Source: Ottawa knee rule."
  (logical (site-open knee_pain $?)
           (or (exam_patellar_tenderness unsure) (declined exam_patellar_tenderness)))
  =>
  (assert (fracture-criterion-uncertain exam_patellar_tenderness)))

(defrule fracture-criterion-uncertain-ottawa-fibular-head
  "Fibular head tenderness examined but unsure, or skipped (knee pain not answered no). Source: Ottawa knee rule."
  (logical (site-open knee_pain $?)
           (or (exam_fibular_head_tenderness unsure) (declined exam_fibular_head_tenderness)))
  =>
  (assert (fracture-criterion-uncertain exam_fibular_head_tenderness)))

(defrule fracture-criterion-uncertain-ottawa-flexion
  "Knee flexion to 90 degrees examined but unsure, or skipped (knee pain not answered no). Source: Ottawa knee rule."
  (logical (site-open knee_pain $?)
           (or (exam_knee_flexion_below_90 unsure) (declined exam_knee_flexion_below_90)))
  =>
  (assert (fracture-criterion-uncertain exam_knee_flexion_below_90)))

(defrule fracture-criterion-uncertain-osteoporosis
  "Osteoporosis or steroid use unsure or skipped (back pain not answered no). Source: NICE NG59."
  (logical (site-open low_back_pain $?)
           (or (osteoporosis_or_steroids unsure) (declined osteoporosis_or_steroids)))
  =>
  (assert (fracture-criterion-uncertain osteoporosis_or_steroids)))

(defrule red-flag-fracture-trauma-and-criterion-uncertain
  "Recent trauma and a fracture criterion both unsure or skipped: not ruled out. Source: Ottawa knee rule, NICE NG59."
  (logical (or (recent_trauma unsure) (declined recent_trauma))
           (fracture-criterion-uncertain ?q))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-trauma-and-criterion-uncertain) (cf 0.3)
                    (because recent_trauma ?q))))

(defrule red-flag-fracture-criterion-uncertain
  "Recent trauma with a fracture criterion unsure or skipped. Source: Ottawa knee rule, NICE NG59."
  (logical (recent_trauma yes) (fracture-criterion-uncertain ?q))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-criterion-uncertain) (cf 0.5)
                    (because recent_trauma ?q))))

;;; Neck: a Canadian C-spine high-risk factor, or the trauma, uncertain.

(defrule red-flag-cervical-injury-arm-uncertain
  "Neck pain (not answered no) after trauma, arm numbness or tingling unsure or skipped. Source: Canadian C-spine rule."
  (logical (site-open neck_pain $?shown) (recent_trauma yes)
           (or (arm_numbness_tingling unsure) (declined arm_numbness_tingling)))
  =>
  (assert (evidence (finding cervical_injury_unconfirmed)
                    (rule red-flag-cervical-injury-arm-uncertain) (cf 0.5)
                    (because $?shown recent_trauma arm_numbness_tingling))))

(defrule red-flag-cervical-injury-age-uncertain
  "Neck pain (not answered no) after trauma, age skipped. Source: Canadian C-spine rule."
  (logical (site-open neck_pain $?shown) (recent_trauma yes) (declined age))
  =>
  (assert (evidence (finding cervical_injury_unconfirmed)
                    (rule red-flag-cervical-injury-age-uncertain) (cf 0.4)
                    (because $?shown recent_trauma age))))

(defrule red-flag-cervical-injury-trauma-uncertain
  "Neck pain (not answered no) at 65 or over or with arm numbness or tingling, recent trauma unsure or skipped. Source: Canadian C-spine rule."
  (logical (site-open neck_pain $?shown)
           (or (recent_trauma unsure) (declined recent_trauma))
           (or (age ?a&:(>= ?a 65)) (arm_numbness_tingling yes)))
  =>
  (assert (evidence (finding cervical_injury_unconfirmed)
                    (rule red-flag-cervical-injury-trauma-uncertain) (cf 0.5)
                    (because $?shown recent_trauma))))

(defrule red-flag-cervical-injury-trauma-and-arm-uncertain
  "Neck pain (not answered no) with recent trauma and arm numbness or tingling both unsure or skipped. Source: Canadian C-spine rule."
  (logical (site-open neck_pain $?shown)
           (or (recent_trauma unsure) (declined recent_trauma))
           (or (arm_numbness_tingling unsure) (declined arm_numbness_tingling)))
  =>
  (assert (evidence (finding cervical_injury_unconfirmed)
                    (rule red-flag-cervical-injury-trauma-and-arm-uncertain) (cf 0.3)
                    (because $?shown recent_trauma arm_numbness_tingling))))

(defrule red-flag-dvt-unconfirmed
  "Calf swelling unsure or skipped. Source: Wells DVT criteria, NICE NG158."
  (logical (or (calf_swelling unsure) (declined calf_swelling)))
  =>
  (assert (evidence (finding dvt_unconfirmed) (rule red-flag-dvt-unconfirmed) (cf 0.5)
                    (because calf_swelling))))

(defrule red-flag-dvt-unconfirmed-risk-factor
  "Recent surgery or immobilisation adds to an uncertain calf swelling. Source: Wells DVT criteria."
  (logical (or (calf_swelling unsure) (declined calf_swelling))
           (recent_surgery_or_immobilisation yes))
  =>
  (assert (evidence (finding dvt_unconfirmed) (rule red-flag-dvt-unconfirmed-risk-factor) (cf 0.4)
                    (because recent_surgery_or_immobilisation))))

;;; --- same-day and routine flags: the same finding at lower confidence ---

(defrule red-flag-acute-knee-injury-swelling-uncertain
  "Knee pain (not answered no) after trauma, rapid swelling unsure or skipped. Source: NICE CKS Knee pain."
  (logical (site-open knee_pain $?shown) (recent_trauma yes)
           (or (knee_swelling_rapid unsure) (declined knee_swelling_rapid)))
  =>
  (assert (evidence (finding acute_knee_injury)
                    (rule red-flag-acute-knee-injury-swelling-uncertain) (cf 0.3)
                    (because $?shown recent_trauma knee_swelling_rapid))))

(defrule red-flag-acute-knee-injury-trauma-uncertain
  "Knee pain (not answered no) with rapid swelling or locking, recent trauma unsure or skipped. Source: NICE CKS Knee pain."
  (logical (site-open knee_pain $?shown)
           (or (recent_trauma unsure) (declined recent_trauma))
           (or (knee_swelling_rapid yes) (knee_locking yes)))
  =>
  (assert (evidence (finding acute_knee_injury)
                    (rule red-flag-acute-knee-injury-trauma-uncertain) (cf 0.4)
                    (because $?shown recent_trauma))))

(defrule red-flag-acute-knee-injury-trauma-and-swelling-uncertain
  "Knee pain (not answered no) with recent trauma and rapid swelling both unsure or skipped. Source: NICE CKS Knee pain."
  (logical (site-open knee_pain $?shown)
           (or (recent_trauma unsure) (declined recent_trauma))
           (or (knee_swelling_rapid unsure) (declined knee_swelling_rapid)))
  =>
  (assert (evidence (finding acute_knee_injury)
                    (rule red-flag-acute-knee-injury-trauma-and-swelling-uncertain) (cf 0.2)
                    (because $?shown recent_trauma knee_swelling_rapid))))

(defrule red-flag-hot-swollen-joint-uncertain
  "Hot swollen knee unsure or skipped. Source: NICE CKS Knee pain."
  (logical (or (knee_hot_swollen unsure) (declined knee_hot_swollen)))
  =>
  (assert (evidence (finding hot_swollen_joint) (rule red-flag-hot-swollen-joint-uncertain)
                    (cf 0.4) (because knee_hot_swollen))))

(defrule red-flag-progressive-neuro-deficit-uncertain
  "Progressive leg weakness unsure or skipped. Source: NICE CKS Sciatica."
  (logical (or (leg_weakness_progressive unsure) (declined leg_weakness_progressive)))
  =>
  (assert (evidence (finding progressive_neuro_deficit)
                    (rule red-flag-progressive-neuro-deficit-uncertain) (cf 0.4)
                    (because leg_weakness_progressive))))

(defrule red-flag-serious-pathology-cancer-uncertain
  "Cancer history unsure or skipped with back, hip, knee or neck pain (not all answered no). Source: NICE NG59."
  (logical (any-site-open)
           (or (cancer_history unsure) (declined cancer_history)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-cancer-uncertain) (cf 0.2)
                    (because cancer_history))))

(defrule red-flag-serious-pathology-weight-loss-uncertain
  "Unexplained weight loss unsure or skipped with pain (not all sites answered no), muscle loss or thigh weakness. Source: NICE NG59."
  (logical (or (any-site-open) (muscle_loss_noticed yes) (thigh_weakness yes))
           (or (weight_loss_unexplained unsure) (declined weight_loss_unexplained)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-weight-loss-uncertain) (cf 0.2)
                    (because weight_loss_unexplained))))

(defrule red-flag-serious-pathology-night-pain-uncertain
  "Constant night pain unsure or skipped with back, hip, knee or neck pain (not all answered no). Source: NICE NG59."
  (logical (any-site-open)
           (or (night_pain unsure) (declined night_pain)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-night-pain-uncertain) (cf 0.2)
                    (because night_pain))))

(defrule red-flag-fever-uncertain
  "Fever unsure or skipped with pain (not all sites answered no), not already covered by a joint or spinal infection check. Source: NICE CKS Knee pain."
  (logical (any-site-open) (or (fever unsure) (declined fever))
           (not (evidence (finding septic_arthritis_unconfirmed) (cf ?c&:(> ?c 0.0))))
           (not (evidence (finding spinal_infection_unconfirmed) (cf ?c&:(> ?c 0.0)))))
  =>
  (assert (evidence (finding fever_with_msk_pain) (rule red-flag-fever-uncertain) (cf 0.3)
                    (because fever))))

(defrule red-flag-non-weight-bearing-uncertain
  "Weight bearing unsure or skipped, not already covered by a fracture or joint infection check. Source: NICE CKS Knee pain."
  (logical (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight))
           (not (evidence (finding fracture_unconfirmed) (cf ?c&:(> ?c 0.0))))
           (not (evidence (finding septic_arthritis_unconfirmed) (cf ?c&:(> ?c 0.0)))))
  =>
  (assert (evidence (finding non_weight_bearing) (rule red-flag-non-weight-bearing-uncertain)
                    (cf 0.3) (because unable_to_bear_weight))))
