;;; muscle-falls.clp — thigh and hip muscle loss, sarcopenia and falls.
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence, (knee-oa-or-chronic <question-id>),
;;;         (muscle-sign <question-id>), (fall-sign <question-id>),
;;;         (leg-weakness-sign <question-id>)
;;;
;;; The CT study (89 knee-osteoarthritis patients, Samsung Changwon and Inha
;;; University hospitals, known to us through a news report) showed
;;; selective loss and fatty change of the quadriceps and gluteus maximus in
;;; the painful leg; knee OA behaves as a systemic disease that promotes
;;; sarcopenia; late rehabilitation leaves stair difficulty, knee weakness,
;;; stumbling and a higher risk of falls and fractures. A general-health
;;; article: inactivity and ageing cause muscle loss, which loads the joints
;;; and weakens posture. EWGSOP2: suspect sarcopenia when an older person
;;; reports weakness or muscle loss.
;;;
;;; Certainty factors (docs/rules.md): the study's own population (knee OA)
;;; 0.5, an extrapolation from it (long knee pain without a diagnosis) 0.3,
;;; a patient's report of weakness or muscle loss 0.3, an examination sign
;;; 0.6. Negative evidence: a patient who feels no weakness -0.2, who has
;;; noticed no loss of bulk -0.1 (wasting is rarely noticed by the patient),
;;; an examination that finds no quadriceps wasting -0.5; an active
;;; lifestyle -0.3 against sarcopenia.

(deffacts muscle-falls-relations
  (relation (id knee-oa-or-chronic)
            (meaning "knee pain (yes) with knee osteoarthritis or pain for 12 weeks or more (the question id)"))
  (relation (id muscle-sign)
            (meaning "thigh weakness or noticed muscle loss answered yes (the question id)"))
  (relation (id fall-sign)
            (meaning "knee giving way or stumbling answered yes (the question id)"))
  (relation (id leg-weakness-sign)
            (meaning "difficulty with stairs or thigh weakness answered yes (the question id)")))

(deffacts muscle-falls-findings
  (finding-def (id quad_glute_atrophy_risk) (kind risk) (level consultation)
    (cites ct_study_knee_oa_muscle)
    (title "Quadriceps and gluteal muscle loss")
    (clinician-text "Knee osteoarthritis or knee pain for 12 weeks or more: the quadriceps and gluteus maximus of the painful leg tend to lose mass and take up fat. Stronger with thigh weakness, noticed muscle loss or examined quadriceps wasting; weaker when the patient feels no weakness or the examination finds no wasting. Early pain control and targeted strengthening.")
    (patient-text "Long-lasting knee pain or knee arthritis can make the muscles at the front of the thigh and in the buttock shrink and weaken. Treating the pain early and doing the right exercises helps keep them strong.")
    (safety-net ""))
  (finding-def (id sarcopenia_risk) (kind risk) (level consultation)
    (cites ewgsop2 ct_study_knee_oa_muscle muscle_loss_pain_article)
    (title "Risk of sarcopenia")
    (clinician-text "Thigh weakness or noticed muscle loss at age 65 or over, or with an inactive lifestyle (an active lifestyle argues against it): screen for sarcopenia (grip strength, chair-stand test, gait speed) and start resistance exercise; check nutrition.")
    (patient-text "Your answers suggest your muscles may be getting smaller and weaker, which is common with age or when we move less. Strength exercises and enough protein in your food can help.")
    (safety-net "If you fall, or become too weak to get up from a chair, get help soon."))
  (finding-def (id fall_risk) (kind risk) (level consultation)
    (cites nice_ng249 ct_study_knee_oa_muscle)
    (title "Risk of falls")
    (clinician-text "Giving way, stumbling or a fall in the last year, with stair difficulty or thigh weakness. High when there were 2 or more falls in 12 months: offer a multifactorial falls assessment (NICE).")
    (patient-text "Your answers show a higher chance of falling. Stronger leg muscles, balance exercises and a safer home can lower this.")
    (safety-net "If you fall and hurt yourself, hit your head, or cannot get up, get help at once."))
  (finding-def (id neurological_muscle_loss) (kind risk) (level consultation)
    (cites muscle_loss_pain_article)
    (title "Muscle loss with a neurological condition")
    (clinician-text "Noticed muscle loss in a patient with a neurological or neuromuscular disease: the wasting may be neurogenic; review with the team managing that condition before attributing it to disuse.")
    (patient-text "You have an illness of the nerves or muscles and your muscles look smaller. The team that looks after that illness should know about this.")
    (safety-net "If the weakness gets worse over days, get help the same day.")))

;;; --- quadriceps and gluteal atrophy -----------------------------------

(defrule knee-oa-or-chronic-oa
  "Knee pain with diagnosed knee osteoarthritis."
  (logical (knee_pain yes) (knee_oa_diagnosed yes))
  =>
  (assert (knee-oa-or-chronic knee_oa_diagnosed)))

(defrule knee-oa-or-chronic-duration
  "Knee pain for 12 weeks or more."
  (logical (knee_pain yes) (knee_duration_weeks ?w&:(>= ?w 12)))
  =>
  (assert (knee-oa-or-chronic knee_duration_weeks)))

(defrule quad-glute-atrophy-risk
  "Knee osteoarthritis, the CT study's population. Source: CT study of 89 knee-OA patients (news report)."
  (logical (knee-oa-or-chronic knee_oa_diagnosed))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk) (rule quad-glute-atrophy-risk) (cf 0.5)
                    (because knee_pain knee_oa_diagnosed))))

(defrule quad-glute-atrophy-risk-chronic-pain
  "Knee pain for 12 weeks or more, extrapolated from the CT study's osteoarthritis patients. Source: CT study of 89 knee-OA patients (news report: untreated knee pain)."
  (logical (knee-oa-or-chronic knee_duration_weeks))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk) (rule quad-glute-atrophy-risk-chronic-pain) (cf 0.3)
                    (because knee_pain knee_duration_weeks))))

(defrule muscle-sign-thigh-weakness
  "Thigh weakness answered yes."
  (logical (thigh_weakness yes))
  =>
  (assert (muscle-sign thigh_weakness)))

(defrule muscle-sign-muscle-loss
  "Muscle loss answered yes."
  (logical (muscle_loss_noticed yes))
  =>
  (assert (muscle-sign muscle_loss_noticed)))

(defrule quad-glute-atrophy-risk-muscle-sign
  "Thigh weakness or noticed muscle loss strengthens quadriceps-gluteal atrophy. Source: CT study of 89 knee-OA patients (news report)."
  (logical (knee-oa-or-chronic ?) (muscle-sign ?m))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-muscle-sign) (cf 0.3)
                    (because ?m))))

(defrule quad-glute-atrophy-risk-examined-wasting
  "Examined quadriceps wasting strengthens quadriceps-gluteal atrophy. Source: CT study of 89 knee-OA patients (news report)."
  (logical (knee-oa-or-chronic ?) (exam_quadriceps_wasting yes))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-examined-wasting) (cf 0.6)
                    (because exam_quadriceps_wasting))))

;;; --- sarcopenia --------------------------------------------------------

(defrule sarcopenia-risk-age
  "Thigh weakness or muscle loss at age 65 or over. Source: EWGSOP2; CT study of 89 knee-OA patients."
  (logical (muscle-sign ?m) (age ?a&:(>= ?a 65)))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-age) (cf 0.5)
                    (because ?m age))))

(defrule sarcopenia-risk-inactive
  "Thigh weakness or muscle loss with an inactive lifestyle. Source: general-health article on muscle loss; EWGSOP2."
  (logical (muscle-sign ?m) (activity_level inactive))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-inactive) (cf 0.3)
                    (because ?m activity_level))))

(defrule sarcopenia-risk-knee-oa
  "Knee osteoarthritis adds to sarcopenia risk already suggested by age or inactivity: OA as a systemic muscle disease. Source: CT study of 89 knee-OA patients (news report)."
  (logical (muscle-sign ?) (knee_pain yes) (knee_oa_diagnosed yes)
           (or (age ?a&:(>= ?a 65)) (activity_level inactive)))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-knee-oa) (cf 0.3)
                    (because knee_oa_diagnosed))))

;;; --- negative evidence (R2) ---------------------------------------------
;;; Only where the finding is already under consideration: these answers
;;; lower a risk that something else raised, they do not create one.

(defrule quad-glute-atrophy-risk-no-thigh-weakness
  "The patient feels no thigh weakness: weak evidence against quadriceps wasting. Source: CT study of 89 knee-OA patients (weakness is what the wasting brings)."
  (logical (knee-oa-or-chronic ?) (thigh_weakness no))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-no-thigh-weakness) (cf -0.2)
                    (because thigh_weakness))))

(defrule quad-glute-atrophy-risk-no-muscle-loss
  "The patient has noticed no loss of thigh or buttock bulk: very weak evidence against, as wasting is seldom noticed. Source: CT study of 89 knee-OA patients."
  (logical (knee-oa-or-chronic ?) (muscle_loss_noticed no))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-no-muscle-loss) (cf -0.1)
                    (because muscle_loss_noticed))))

(defrule quad-glute-atrophy-risk-no-examined-wasting
  "The examination finds no quadriceps wasting: good evidence against (early change seen only on CT remains possible). Source: CT study of 89 knee-OA patients."
  (logical (knee-oa-or-chronic ?) (exam_quadriceps_wasting no))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-no-examined-wasting) (cf -0.5)
                    (because exam_quadriceps_wasting))))

(defrule sarcopenia-risk-active
  "An active lifestyle argues against sarcopenia. Source: EWGSOP2 (physical activity protects muscle mass and strength)."
  (logical (muscle-sign ?) (activity_level active))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-active) (cf -0.3)
                    (because activity_level))))

(defrule neurological-muscle-loss
  "Muscle loss with a known neurological or neuromuscular condition. Source: general-health article on muscle loss."
  (logical (muscle_loss_noticed yes) (neurological_condition yes))
  =>
  (assert (evidence (finding neurological_muscle_loss) (rule neurological-muscle-loss) (cf 0.4)
                    (because muscle_loss_noticed neurological_condition))))

;;; --- falls -------------------------------------------------------------

(defrule fall-sign-giving-way
  "The knee gives way."
  (logical (knee_pain yes) (knee_giving_way yes))
  =>
  (assert (fall-sign knee_giving_way)))

(defrule fall-sign-stumbling
  "Trips or stumbles."
  (logical (stumbling yes))
  =>
  (assert (fall-sign stumbling)))

(defrule leg-weakness-sign-stairs
  "Difficulty with stairs."
  (logical (knee_stairs_difficulty yes))
  =>
  (assert (leg-weakness-sign knee_stairs_difficulty)))

(defrule leg-weakness-sign-thigh
  "Thigh weakness."
  (logical (thigh_weakness yes))
  =>
  (assert (leg-weakness-sign thigh_weakness)))

(defrule fall-risk-giving-way-or-stumbling
  "Giving way or stumbling with stair difficulty or thigh weakness. Source: CT study of 89 knee-OA patients (news report)."
  (logical (fall-sign ?f) (leg-weakness-sign ?w))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-giving-way-or-stumbling) (cf 0.4)
                    (because ?f ?w))))

(defrule fall-risk-fallen
  "A fall in the last 12 months with stair difficulty or thigh weakness. Source: CT study of 89 knee-OA patients (news report)."
  (logical (falls_12m ?n&:(>= ?n 1)) (leg-weakness-sign ?w))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-fallen) (cf 0.5)
                    (because falls_12m ?w))))

(defrule fall-risk-recurrent-falls
  "Two or more falls in 12 months: high fall risk, a multifactorial falls assessment is due. Source: NICE NG249; CT study of 89 knee-OA patients."
  (logical (falls_12m ?n&:(>= ?n 2)))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-recurrent-falls) (cf 0.6)
                    (because falls_12m))))
