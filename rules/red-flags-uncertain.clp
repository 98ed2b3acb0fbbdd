;;; red-flags-uncertain.clp — unsure and skipped answers to red-flag
;;; questions (SPEC section 1).
;;;
;;; Reads:  answers, (declined <id>), (pain-site <site>), (any-pain),
;;;         (back-or-sciatica <question-id>), (fracture-criterion <q> <cf>),
;;;         (relevant <id>), (finding <id>)
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
;;;   - Where the flag is at consultation_24 or consultation level
;;;     (hot_swollen_joint, progressive_neuro_deficit, non_weight_bearing,
;;;     fever_with_msk_pain, serious_pathology_suspected), the same finding is
;;;     raised at lower confidence.
;;;   - A swollen calf waits for the breathlessness question before it is
;;;     called a DVT (emergency, which would end the interview before the
;;;     ambulance-level PE question could be asked); meanwhile the case sits
;;;     at consultation_24 with pulmonary_embolism_unconfirmed.
;;;   - recent_surgery_or_immobilisation only strengthens a clot already
;;;     suspected on a swollen calf, so an unsure answer leaves that flag
;;;     standing at its own confidence.

(deffacts uncertain-relations
  (relation (id fracture-criterion-uncertain)
            (meaning "a fracture criterion whose answer is unsure or skipped: the question id")))

(deffacts uncertain-findings
  (finding-def (id pulmonary_embolism_unconfirmed) (kind red_flag) (level consultation_24)
    (source "Wells criteria for pulmonary embolism; NICE NG158; SPEC section 1 unsure/skip policy")
    (title "Breathlessness or chest pain not ruled out")
    (clinician-text "Calf swelling present or not excluded, and new breathlessness or chest pain answered unsure, skipped or not yet asked: ask and examine the same day (Wells score, oxygen saturation); treat as suspected PE if present. A swollen calf itself needs DVT assessment within hours.")
    (patient-text "We could not be sure whether you have new breathlessness or chest pain. A doctor or nurse needs to check this with you today.")
    (safety-net "If you get short of breath, chest pain or cough up blood, call an ambulance at once."))
  (finding-def (id dvt_unconfirmed) (kind red_flag) (level consultation_24)
    (source "Wells criteria for deep vein thrombosis; NICE NG158; SPEC section 1 unsure/skip policy")
    (title "Calf swelling not ruled out")
    (clinician-text "Calf swelling, tenderness or warmth answered unsure or skipped: examine the calves the same day (Wells DVT score); D-dimer and ultrasound if DVT is likely.")
    (patient-text "We could not be sure whether your calf is swollen. A doctor or nurse needs to look at your legs today.")
    (safety-net "If one calf becomes swollen, red or painful, go to an emergency department. If you get short of breath or chest pain, call an ambulance."))
  (finding-def (id aortic_emergency_unconfirmed) (kind red_flag) (level consultation_24)
    (source "NICE CKS Abdominal aortic aneurysm; SPEC section 1 unsure/skip policy")
    (title "Sudden severe pain with fainting not ruled out")
    (clinician-text "Sudden severe back or abdominal pain with fainting answered unsure or skipped: clarify the onset and check pulse, blood pressure and abdomen the same day.")
    (patient-text "We could not be sure whether your pain started suddenly with fainting. A doctor or nurse needs to ask you about this today.")
    (safety-net "If you get sudden very bad pain in the back or tummy, feel faint or sweaty, call an ambulance at once."))
  (finding-def (id cauda_equina_unconfirmed) (kind red_flag) (level consultation_24)
    (source "NICE CKS Sciatica (lumbar radiculopathy); SPEC section 1 unsure/skip policy")
    (title "Cauda equina signs not ruled out")
    (clinician-text "Saddle numbness or bladder or bowel change answered unsure or skipped with back or radiating leg pain: ask directly and examine (saddle sensation, post-void residual where available) the same day.")
    (patient-text "We could not be sure about numbness between your legs or changes in your bladder or bowels. A doctor or nurse needs to check this with you today.")
    (safety-net "If you get numbness between your legs, cannot pass urine, or leak urine or poo, go to an emergency department at once."))
  (finding-def (id septic_arthritis_unconfirmed) (kind red_flag) (level consultation_24)
    (source "NICE CKS Knee pain - assessment; BSR hot swollen joint guidance; SPEC section 1 unsure/skip policy")
    (title "Joint infection not ruled out")
    (clinician-text "A hot swollen knee, fever, immunosuppression or weight bearing is uncertain in a combination that would suggest septic arthritis: measure the temperature and examine the joint the same day; aspirate if in doubt.")
    (patient-text "Some answers about a hot joint or a fever were unclear. A doctor or nurse needs to check your temperature and the joint today.")
    (safety-net "If your temperature is 38 degrees or more, or the joint becomes hot, red and swollen, go to an emergency department now."))
  (finding-def (id spinal_infection_unconfirmed) (kind red_flag) (level consultation_24)
    (source "NICE NG59; NICE CKS Back pain - low; SPEC section 1 unsure/skip policy")
    (title "Fever with back pain not ruled out")
    (clinician-text "Low back pain with fever answered unsure or skipped: measure the temperature and assess the same day.")
    (patient-text "We could not be sure whether you have a fever. With back pain, a doctor or nurse should check your temperature today.")
    (safety-net "If your temperature is 38 degrees or more, or you feel shivery and unwell, go to an emergency department now."))
  (finding-def (id fracture_unconfirmed) (kind red_flag) (level consultation_24)
    (source "Ottawa knee rule (Stiell et al., 1995); NICE NG59; SPEC section 1 unsure/skip policy")
    (title "Fracture not ruled out")
    (clinician-text "Recent trauma or a fracture criterion (weight bearing, Ottawa item, age, osteoporosis or steroids) is uncertain: examine the same day and apply the Ottawa knee rule or spinal fracture criteria; image if in doubt.")
    (patient-text "After an injury, some answers were unclear. A doctor or nurse needs to check today whether a bone could be broken.")
    (safety-net "If you cannot put weight on the leg, or the pain gets much worse, go to an emergency department now.")))

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

(defrule red-flag-pulmonary-embolism-not-yet-asked
  "A swollen calf before breathlessness has been asked: the clot screen is incomplete, so the case is not left at a lower level meanwhile. Source: NICE NG158."
  (logical (calf_swelling yes)
           (not (breathless_or_chest_pain ?))
           (not (declined breathless_or_chest_pain)))
  =>
  (assert (evidence (finding pulmonary_embolism_unconfirmed)
                    (rule red-flag-pulmonary-embolism-not-yet-asked) (cf 0.3)
                    (because calf_swelling))))

(defrule red-flag-aortic-emergency-unconfirmed
  "Sudden severe pain with fainting unsure or skipped, with back or hip pain. Source: NICE CKS Abdominal aortic aneurysm."
  (logical (or (pain-site back) (pain-site hip))
           (or (sudden_severe_pain_faint unsure) (declined sudden_severe_pain_faint)))
  =>
  (assert (evidence (finding aortic_emergency_unconfirmed)
                    (rule red-flag-aortic-emergency-unconfirmed) (cf 0.5)
                    (because sudden_severe_pain_faint))))

;;; --- emergency-level flags ---------------------------------------------

(defrule red-flag-cauda-equina-saddle-unconfirmed
  "Saddle numbness unsure or skipped with back or radiating leg pain. Source: NICE CKS Sciatica."
  (logical (back-or-sciatica ?site)
           (or (saddle_numbness unsure) (declined saddle_numbness)))
  =>
  (assert (evidence (finding cauda_equina_unconfirmed)
                    (rule red-flag-cauda-equina-saddle-unconfirmed) (cf 0.5)
                    (because saddle_numbness ?site))))

(defrule red-flag-cauda-equina-sphincter-unconfirmed
  "Bladder or bowel change unsure or skipped with back or radiating leg pain. Source: NICE CKS Sciatica."
  (logical (back-or-sciatica ?site)
           (or (bladder_bowel_change unsure) (declined bladder_bowel_change)))
  =>
  (assert (evidence (finding cauda_equina_unconfirmed)
                    (rule red-flag-cauda-equina-sphincter-unconfirmed) (cf 0.5)
                    (because bladder_bowel_change ?site))))

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
  "Knee pain with fever, a hot swollen knee unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (pain-site knee)
           (or (knee_hot_swollen unsure) (declined knee_hot_swollen))
           (fever yes))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hot-knee-uncertain-fever) (cf 0.5)
                    (because knee_hot_swollen fever))))

(defrule red-flag-septic-arthritis-hot-knee-uncertain-immunosuppressed
  "Knee pain with immunosuppression, a hot swollen knee unsure or skipped. Source: NICE CKS Knee pain, BSR."
  (logical (pain-site knee)
           (or (knee_hot_swollen unsure) (declined knee_hot_swollen))
           (immunosuppressed yes))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hot-knee-uncertain-immunosuppressed) (cf 0.4)
                    (because knee_hot_swollen immunosuppressed))))

(defrule red-flag-septic-arthritis-hip-weight-bearing-uncertain
  "Hip pain with fever, weight bearing unsure or skipped. Source: NICE CKS Hip pain."
  (logical (pain-site hip) (fever yes)
           (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hip-weight-bearing-uncertain) (cf 0.5)
                    (because hip_pain fever unable_to_bear_weight))))

(defrule red-flag-septic-arthritis-hip-fever-uncertain
  "Hip pain with inability to bear weight, fever unsure or skipped. Source: NICE CKS Hip pain."
  (logical (pain-site hip) (unable_to_bear_weight yes)
           (or (fever unsure) (declined fever)))
  =>
  (assert (evidence (finding septic_arthritis_unconfirmed)
                    (rule red-flag-septic-arthritis-hip-fever-uncertain) (cf 0.5)
                    (because hip_pain fever unable_to_bear_weight))))

(defrule red-flag-spinal-infection-unconfirmed
  "Low back pain with fever unsure or skipped. Source: NICE NG59."
  (logical (pain-site back) (or (fever unsure) (declined fever)))
  =>
  (assert (evidence (finding spinal_infection_unconfirmed)
                    (rule red-flag-spinal-infection-unconfirmed) (cf 0.5)
                    (because low_back_pain fever))))

;;; Fracture: trauma uncertain with a clear criterion, or trauma clear with
;;; a criterion uncertain. Both uncertain is too weak to flag.

(defrule red-flag-fracture-trauma-uncertain
  "A fracture criterion with recent trauma unsure or skipped. Source: Ottawa knee rule, NICE NG59."
  (logical (or (recent_trauma unsure) (declined recent_trauma))
           (fracture-criterion ?q ?))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-trauma-uncertain) (cf 0.5)
                    (because recent_trauma ?q))))

(defrule fracture-criterion-uncertain-weight-bearing
  "Weight bearing on a painful knee or hip unsure or skipped. Source: Ottawa knee rule."
  (logical (or (pain-site knee) (pain-site hip))
           (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight)))
  =>
  (assert (fracture-criterion-uncertain unable_to_bear_weight)))

(defrule fracture-criterion-uncertain-age
  "Age skipped with knee or back pain: the age criteria cannot be applied. Source: Ottawa knee rule, NICE NG59."
  (logical (or (pain-site knee) (pain-site back)) (declined age))
  =>
  (assert (fracture-criterion-uncertain age)))

(defrule fracture-criterion-uncertain-ottawa-patella
  "Patellar tenderness examined but unsure, or skipped. Source: Ottawa knee rule."
  (logical (pain-site knee)
           (or (exam_patellar_tenderness unsure) (declined exam_patellar_tenderness)))
  =>
  (assert (fracture-criterion-uncertain exam_patellar_tenderness)))

(defrule fracture-criterion-uncertain-ottawa-fibular-head
  "Fibular head tenderness examined but unsure, or skipped. Source: Ottawa knee rule."
  (logical (pain-site knee)
           (or (exam_fibular_head_tenderness unsure) (declined exam_fibular_head_tenderness)))
  =>
  (assert (fracture-criterion-uncertain exam_fibular_head_tenderness)))

(defrule fracture-criterion-uncertain-ottawa-flexion
  "Knee flexion to 90 degrees examined but unsure, or skipped. Source: Ottawa knee rule."
  (logical (pain-site knee)
           (or (exam_knee_flexion_below_90 unsure) (declined exam_knee_flexion_below_90)))
  =>
  (assert (fracture-criterion-uncertain exam_knee_flexion_below_90)))

(defrule fracture-criterion-uncertain-osteoporosis
  "Osteoporosis or steroid use unsure or skipped, with back pain. Source: NICE NG59."
  (logical (pain-site back)
           (or (osteoporosis_or_steroids unsure) (declined osteoporosis_or_steroids)))
  =>
  (assert (fracture-criterion-uncertain osteoporosis_or_steroids)))

(defrule red-flag-fracture-criterion-uncertain
  "Recent trauma with a fracture criterion unsure or skipped. Source: Ottawa knee rule, NICE NG59."
  (logical (recent_trauma yes) (fracture-criterion-uncertain ?q))
  =>
  (assert (evidence (finding fracture_unconfirmed)
                    (rule red-flag-fracture-criterion-uncertain) (cf 0.5)
                    (because recent_trauma ?q))))

(defrule red-flag-dvt-unconfirmed
  "Calf swelling unsure or skipped with knee or hip pain. Source: Wells DVT criteria, NICE NG158."
  (logical (or (pain-site knee) (pain-site hip))
           (or (calf_swelling unsure) (declined calf_swelling)))
  =>
  (assert (evidence (finding dvt_unconfirmed) (rule red-flag-dvt-unconfirmed) (cf 0.5)
                    (because calf_swelling))))

(defrule red-flag-dvt-unconfirmed-risk-factor
  "Recent surgery or immobilisation adds to an uncertain calf swelling. Source: Wells DVT criteria."
  (logical (or (pain-site knee) (pain-site hip))
           (or (calf_swelling unsure) (declined calf_swelling))
           (recent_surgery_or_immobilisation yes))
  =>
  (assert (evidence (finding dvt_unconfirmed) (rule red-flag-dvt-unconfirmed-risk-factor) (cf 0.4)
                    (because recent_surgery_or_immobilisation))))

;;; --- same-day and routine flags: the same finding at lower confidence ---

(defrule red-flag-hot-swollen-joint-uncertain
  "Hot swollen knee unsure or skipped. Source: NICE CKS Knee pain."
  (logical (pain-site knee)
           (or (knee_hot_swollen unsure) (declined knee_hot_swollen)))
  =>
  (assert (evidence (finding hot_swollen_joint) (rule red-flag-hot-swollen-joint-uncertain)
                    (cf 0.4) (because knee_hot_swollen))))

(defrule red-flag-progressive-neuro-deficit-uncertain
  "Progressive leg weakness unsure or skipped when asked. Source: NICE CKS Sciatica."
  (logical (relevant leg_weakness_progressive)
           (or (leg_weakness_progressive unsure) (declined leg_weakness_progressive)))
  =>
  (assert (evidence (finding progressive_neuro_deficit)
                    (rule red-flag-progressive-neuro-deficit-uncertain) (cf 0.4)
                    (because leg_weakness_progressive))))

(defrule red-flag-serious-pathology-cancer-uncertain
  "Cancer history unsure or skipped with back, hip or knee pain. Source: NICE NG59."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee))
           (or (cancer_history unsure) (declined cancer_history)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-cancer-uncertain) (cf 0.2)
                    (because cancer_history))))

(defrule red-flag-serious-pathology-weight-loss-uncertain
  "Unexplained weight loss unsure or skipped with back, hip or knee pain. Source: NICE NG59."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee))
           (or (weight_loss_unexplained unsure) (declined weight_loss_unexplained)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-weight-loss-uncertain) (cf 0.2)
                    (because weight_loss_unexplained))))

(defrule red-flag-serious-pathology-night-pain-uncertain
  "Constant night pain unsure or skipped with back, hip or knee pain. Source: NICE NG59."
  (logical (or (pain-site back) (pain-site hip) (pain-site knee))
           (or (night_pain unsure) (declined night_pain)))
  =>
  (assert (evidence (finding serious_pathology_suspected)
                    (rule red-flag-serious-pathology-night-pain-uncertain) (cf 0.2)
                    (because night_pain))))

(defrule red-flag-fever-uncertain
  "Fever unsure or skipped with pain, not already covered by a joint or spinal infection check. Source: NICE CKS Knee pain."
  (logical (any-pain) (or (fever unsure) (declined fever))
           (not (finding septic_arthritis_unconfirmed))
           (not (finding spinal_infection_unconfirmed)))
  =>
  (assert (evidence (finding fever_with_msk_pain) (rule red-flag-fever-uncertain) (cf 0.3)
                    (because fever))))

(defrule red-flag-non-weight-bearing-uncertain
  "Weight bearing unsure or skipped, not already covered by a fracture or joint infection check. Source: NICE CKS Knee pain."
  (logical (or (pain-site knee) (pain-site hip))
           (or (unable_to_bear_weight unsure) (declined unable_to_bear_weight))
           (not (finding fracture_unconfirmed))
           (not (finding septic_arthritis_unconfirmed)))
  =>
  (assert (evidence (finding non_weight_bearing) (rule red-flag-non-weight-bearing-uncertain)
                    (cf 0.3) (because unable_to_bear_weight))))
