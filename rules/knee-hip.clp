;;; knee-hip.clp — how knee pain and hip pain are linked, both ways.
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence, (knee-hip-pain),
;;;         (gait-change <question-id>)
;;;
;;; A physiotherapy clinic's article (REPAIR SI) describes three routes from
;;; a painful knee to a painful hip: gait compensation, muscle instability
;;; and joint stress. It cites no study, so its evidence stays weak on the
;;; certainty-factor scale (docs/rules.md): 0.3-0.4 per answer, 0.5 only for
;;; an examination sign. The other direction, hip disease felt at the knee,
;;; is in NICE's osteoarthritis knowledge summary (hip_referred_knee_pain).
;;; All need clear (yes) knee and hip pain. Stronger evidence comes from
;;; separate rules whose certainty factors the engine combines; answers that
;;; argue against a route give negative evidence (R2).

(deffacts knee-hip-relations
  (relation (id knee-hip-pain) (meaning "knee pain and hip pain both answered yes"))
  (relation (id gait-change) (meaning "a gait change answered yes: limp or offloading (the question id)")))

(deffacts knee-hip-findings
  (finding-def (id knee_hip_gait_compensation) (kind relationship) (level consultation)
    (cites repair_si_knee_hip_article)
    (title "Hip pain from gait compensation")
    (clinician-text "Knee and hip pain with a limp or offloading: the altered gait probably loads the hips and the other leg. Stronger when the hip pain began after the knee pain, or is on the side opposite the painful knee; weaker when the hip pain came first. Physiotherapy for gait and balance.")
    (patient-text "When a knee hurts, people often walk differently to protect it. This can put extra strain on the hips and the other leg, and may be why your hip hurts. A physiotherapist can help you walk more evenly.")
    (safety-net ""))
  (finding-def (id knee_hip_muscle_instability) (kind relationship) (level consultation)
    (cites repair_si_knee_hip_article)
    (title "Knee-hip muscle instability")
    (clinician-text "Knee and hip pain with thigh weakness, loss of thigh or buttock bulk, or a positive Trendelenburg sign: weak quadriceps and glutei fail to stabilise the knee and hip; a negative Trendelenburg sign argues against it. Progressive strengthening.")
    (patient-text "The muscles of your thigh and buttock help hold the knee and hip steady. When they get weak, both joints can hurt. Exercises to make them stronger can help.")
    (safety-net ""))
  (finding-def (id knee_hip_joint_stress) (kind relationship) (level consultation)
    (cites repair_si_knee_hip_article)
    (title "Hip joint stress from the knee")
    (clinician-text "Knee and hip pain with knee osteoarthritis or knee pain for 12 weeks or more: altered knee alignment can load the hip unevenly and wear the joint. Assess lower-limb alignment; movement training.")
    (patient-text "A knee that has hurt for a long time, or has arthritis, can change how weight passes through your hip. Over time this can wear the hip. A physiotherapist can work on how you move.")
    (safety-net ""))
  (finding-def (id hip_referred_knee_pain) (kind relationship) (level consultation)
    (cites nice_cks_osteoarthritis nice_cks_knee_pain repair_si_knee_hip_article)
    (title "Knee pain referred from the hip")
    (clinician-text "Knee and hip pain where the hip pain came first: hip disease (osteoarthritis above all) often presents as knee pain. Stronger with a positive Trendelenburg sign. Examine the hip (range of movement, pain on internal rotation) before attributing the pain to the knee.")
    (patient-text "Your hip started hurting before your knee. A problem in the hip is often felt in the knee, so your hip should be checked as well as your knee.")
    (safety-net "")))

(defrule knee-hip-pain-present
  "Knee and hip pain both answered yes."
  (logical (knee_pain yes) (hip_pain yes))
  =>
  (assert (knee-hip-pain)))

(defrule gait-change-limp
  "Walks with a limp."
  (logical (limp yes))
  =>
  (assert (gait-change limp)))

(defrule gait-change-offloading
  "Offloads the painful leg."
  (logical (offloading yes))
  =>
  (assert (gait-change offloading)))

(defrule knee-hip-gait-compensation
  "Knee and hip pain with a limp or offloading. Source: REPAIR SI physiotherapy article (gait compensation)."
  (logical (knee-hip-pain) (gait-change ?g))
  =>
  (assert (evidence (finding knee_hip_gait_compensation)
                    (rule knee-hip-gait-compensation) (cf 0.4)
                    (because knee_pain hip_pain ?g))))

(defrule knee-hip-gait-compensation-hip-after-knee
  "Hip pain that began after the knee pain strengthens gait compensation. Source: REPAIR SI physiotherapy article."
  (logical (knee-hip-pain) (gait-change ?) (hip_onset after_knee))
  =>
  (assert (evidence (finding knee_hip_gait_compensation)
                    (rule knee-hip-gait-compensation-hip-after-knee) (cf 0.3)
                    (because hip_onset))))

(defrule knee-hip-gait-compensation-opposite-side
  "Hip pain on the side opposite a one-sided knee pain fits offloading onto the pain-free leg. Source: REPAIR SI physiotherapy article."
  (logical (knee-hip-pain) (gait-change ?)
           (or (and (knee_side left) (hip_side right))
               (and (knee_side right) (hip_side left))))
  =>
  (assert (evidence (finding knee_hip_gait_compensation)
                    (rule knee-hip-gait-compensation-opposite-side) (cf 0.3)
                    (because knee_side hip_side))))

(defrule knee-hip-muscle-instability-thigh-weakness
  "Knee and hip pain with thigh weakness. Source: REPAIR SI physiotherapy article (muscle instability)."
  (logical (knee-hip-pain) (thigh_weakness yes))
  =>
  (assert (evidence (finding knee_hip_muscle_instability)
                    (rule knee-hip-muscle-instability-thigh-weakness) (cf 0.3)
                    (because knee_pain hip_pain thigh_weakness))))

(defrule knee-hip-muscle-instability-muscle-loss
  "Knee and hip pain with loss of thigh or buttock bulk. Source: REPAIR SI physiotherapy article (muscle instability)."
  (logical (knee-hip-pain) (muscle_loss_noticed yes))
  =>
  (assert (evidence (finding knee_hip_muscle_instability)
                    (rule knee-hip-muscle-instability-muscle-loss) (cf 0.3)
                    (because knee_pain hip_pain muscle_loss_noticed))))

(defrule knee-hip-muscle-instability-trendelenburg
  "Knee and hip pain with a positive Trendelenburg sign (gluteal weakness). Source: REPAIR SI physiotherapy article."
  (logical (knee-hip-pain) (exam_trendelenburg yes))
  =>
  (assert (evidence (finding knee_hip_muscle_instability)
                    (rule knee-hip-muscle-instability-trendelenburg) (cf 0.5)
                    (because knee_pain hip_pain exam_trendelenburg))))

(defrule knee-hip-joint-stress-knee-oa
  "Knee and hip pain with knee osteoarthritis. Source: REPAIR SI physiotherapy article (joint stress)."
  (logical (knee-hip-pain) (knee_oa_diagnosed yes))
  =>
  (assert (evidence (finding knee_hip_joint_stress)
                    (rule knee-hip-joint-stress-knee-oa) (cf 0.4)
                    (because knee_pain hip_pain knee_oa_diagnosed))))

(defrule knee-hip-joint-stress-chronic-knee-pain
  "Knee and hip pain with knee pain for 12 weeks or more. Source: REPAIR SI physiotherapy article (joint stress)."
  (logical (knee-hip-pain) (knee_duration_weeks ?w&:(>= ?w 12)))
  =>
  (assert (evidence (finding knee_hip_joint_stress)
                    (rule knee-hip-joint-stress-chronic-knee-pain) (cf 0.3)
                    (because knee_pain hip_pain knee_duration_weeks))))

;;; --- negative evidence (R2) ---------------------------------------------

(defrule knee-hip-gait-compensation-hip-before-knee
  "Hip pain that began before the knee pain argues against a knee-driven gait compensation. Source: REPAIR SI physiotherapy article (the route runs from knee to hip)."
  (logical (knee-hip-pain) (gait-change ?) (hip_onset before_knee))
  =>
  (assert (evidence (finding knee_hip_gait_compensation)
                    (rule knee-hip-gait-compensation-hip-before-knee) (cf -0.4)
                    (because hip_onset))))

(defrule knee-hip-muscle-instability-no-trendelenburg
  "A negative Trendelenburg sign (hip abductors hold the pelvis) argues against knee-hip muscle instability. Source: REPAIR SI physiotherapy article."
  (logical (knee-hip-pain) (exam_trendelenburg no))
  =>
  (assert (evidence (finding knee_hip_muscle_instability)
                    (rule knee-hip-muscle-instability-no-trendelenburg) (cf -0.3)
                    (because exam_trendelenburg))))

;;; --- the other direction: the hip hurting at the knee -------------------

(defrule hip-referred-knee-pain
  "Knee and hip pain where the hip pain came first. Source: NICE CKS Osteoarthritis and Knee pain (hip disease presenting as knee pain)."
  (logical (knee-hip-pain) (hip_onset before_knee))
  =>
  (assert (evidence (finding hip_referred_knee_pain) (rule hip-referred-knee-pain) (cf 0.5)
                    (because knee_pain hip_pain hip_onset))))

(defrule hip-referred-knee-pain-trendelenburg
  "A positive Trendelenburg sign points at the hip. Source: NICE CKS Osteoarthritis; REPAIR SI physiotherapy article."
  (logical (knee-hip-pain) (hip_onset before_knee) (exam_trendelenburg yes))
  =>
  (assert (evidence (finding hip_referred_knee_pain)
                    (rule hip-referred-knee-pain-trendelenburg) (cf 0.3)
                    (because exam_trendelenburg))))
