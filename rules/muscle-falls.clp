;;; muscle-falls.clp — thigh and hip muscle loss, sarcopenia and falls
;;; (seeds 000, 001).
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence, (knee-oa-or-chronic <question-id>),
;;;         (muscle-sign <question-id>), (fall-sign <question-id>),
;;;         (leg-weakness-sign <question-id>)
;;;
;;; Seed 000: CT of 89 knee-osteoarthritis patients showed selective loss and
;;; fatty change of the quadriceps and gluteus maximus in the painful leg;
;;; knee OA behaves as a systemic disease that promotes sarcopenia; late
;;; rehabilitation leaves stair difficulty, knee weakness, stumbling and a
;;; higher risk of falls and fractures. Seed 001: inactivity and ageing cause
;;; muscle loss, which loads the joints and weakens posture.

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
    (source "seeds/000_95bd99f7b68740f6.txt: CT study of 89 knee-OA patients (Samsung Changwon / Inha): quadriceps and gluteus maximus selectively wasted in the painful leg")
    (title "Quadriceps and gluteal muscle loss")
    (clinician-text "Knee osteoarthritis or knee pain for 12 weeks or more: the quadriceps and gluteus maximus of the painful leg tend to lose mass and take up fat. Stronger with thigh weakness, noticed muscle loss or examined quadriceps wasting. Early pain control and targeted strengthening.")
    (patient-text "Long-lasting knee pain or knee arthritis can make the muscles at the front of the thigh and in the buttock shrink and weaken. Treating the pain early and doing the right exercises helps keep them strong.")
    (safety-net ""))
  (finding-def (id sarcopenia_risk) (kind risk) (level consultation)
    (source "seeds/000_95bd99f7b68740f6.txt: knee OA as a systemic disease promoting sarcopenia (CT study of 89 patients); seeds/001_47a8acde776644df.txt: muscle loss with ageing and inactivity")
    (title "Risk of sarcopenia")
    (clinician-text "Thigh weakness or noticed muscle loss at age 65 or over, or with an inactive lifestyle: screen for sarcopenia (grip strength, chair-stand test, gait speed) and start resistance exercise; check nutrition.")
    (patient-text "Your answers suggest your muscles may be getting smaller and weaker, which is common with age or when we move less. Strength exercises and enough protein in your food can help.")
    (safety-net "If you fall, or become too weak to get up from a chair, get help soon."))
  (finding-def (id fall_risk) (kind risk) (level consultation)
    (source "seeds/000_95bd99f7b68740f6.txt: late rehabilitation leaves stair difficulty, knee weakness and stumbling, raising the risk of falls and fractures; NICE NG249 / CG161 falls assessment")
    (title "Risk of falls")
    (clinician-text "Giving way, stumbling or a fall in the last year, with stair difficulty or thigh weakness. High when there were 2 or more falls in 12 months: offer a multifactorial falls assessment (NICE).")
    (patient-text "Your answers show a higher chance of falling. Stronger leg muscles, balance exercises and a safer home can lower this.")
    (safety-net "If you fall and hurt yourself, hit your head, or cannot get up, get help at once."))
  (finding-def (id neurological_muscle_loss) (kind risk) (level consultation)
    (source "seeds/001_47a8acde776644df.txt: muscle loss from an underlying neurological condition needs that condition managed with the clinical team")
    (title "Muscle loss with a neurological condition")
    (clinician-text "Noticed muscle loss in a patient with a neurological or neuromuscular disease: the wasting may be neurogenic; review with the team managing that condition before attributing it to disuse.")
    (patient-text "You have an illness of the nerves or muscles and your muscles look smaller. The team that looks after that illness should know about this.")
    (safety-net "If the weakness gets worse quickly, get help the same day.")))

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
  "Knee OA or chronic knee pain. Source: seed 000 (CT study of 89 knee-OA patients)."
  (logical (knee-oa-or-chronic ?q))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk) (rule quad-glute-atrophy-risk) (cf 0.4)
                    (because knee_pain ?q))))

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
  "Thigh weakness or noticed muscle loss strengthens quadriceps-gluteal atrophy. Source: seed 000."
  (logical (knee-oa-or-chronic ?) (muscle-sign ?m))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-muscle-sign) (cf 0.3)
                    (because ?m))))

(defrule quad-glute-atrophy-risk-examined-wasting
  "Examined quadriceps wasting strengthens quadriceps-gluteal atrophy. Source: seed 000."
  (logical (knee-oa-or-chronic ?) (exam_quadriceps_wasting yes))
  =>
  (assert (evidence (finding quad_glute_atrophy_risk)
                    (rule quad-glute-atrophy-risk-examined-wasting) (cf 0.6)
                    (because exam_quadriceps_wasting))))

;;; --- sarcopenia --------------------------------------------------------

(defrule sarcopenia-risk-age
  "Thigh weakness or muscle loss at age 65 or over. Source: seeds 000 and 001."
  (logical (muscle-sign ?m) (age ?a&:(>= ?a 65)))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-age) (cf 0.5)
                    (because ?m age))))

(defrule sarcopenia-risk-inactive
  "Thigh weakness or muscle loss with an inactive lifestyle. Source: seed 001."
  (logical (muscle-sign ?m) (activity_level inactive))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-inactive) (cf 0.4)
                    (because ?m activity_level))))

(defrule sarcopenia-risk-knee-oa
  "Knee osteoarthritis adds to sarcopenia risk already suggested by age or inactivity: OA as a systemic muscle disease. Source: seed 000."
  (logical (muscle-sign ?) (knee_pain yes) (knee_oa_diagnosed yes)
           (or (age ?a&:(>= ?a 65)) (activity_level inactive)))
  =>
  (assert (evidence (finding sarcopenia_risk) (rule sarcopenia-risk-knee-oa) (cf 0.3)
                    (because knee_oa_diagnosed))))

(defrule neurological-muscle-loss
  "Muscle loss with a known neurological or neuromuscular condition. Source: seed 001."
  (logical (muscle_loss_noticed yes) (neurological_condition yes))
  =>
  (assert (evidence (finding neurological_muscle_loss) (rule neurological-muscle-loss) (cf 0.7)
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
  "Giving way or stumbling with stair difficulty or thigh weakness. Source: seed 000."
  (logical (fall-sign ?f) (leg-weakness-sign ?w))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-giving-way-or-stumbling) (cf 0.4)
                    (because ?f ?w))))

(defrule fall-risk-fallen
  "A fall in the last 12 months with stair difficulty or thigh weakness. Source: seed 000."
  (logical (falls_12m ?n&:(>= ?n 1)) (leg-weakness-sign ?w))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-fallen) (cf 0.5)
                    (because falls_12m ?w))))

(defrule fall-risk-recurrent-falls
  "Two or more falls in 12 months: high fall risk, a multifactorial falls assessment is due. Source: NICE NG249 / CG161; seed 000."
  (logical (falls_12m ?n&:(>= ?n 2)))
  =>
  (assert (evidence (finding fall_risk) (rule fall-risk-recurrent-falls) (cf 0.6)
                    (because falls_12m))))
