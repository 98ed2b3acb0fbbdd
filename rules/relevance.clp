;;; relevance.clp — when each question is asked (SPEC section 2, "asked when").
;;;
;;; Reads:  answers, (declined <id>), (pain-site <site>), (any-pain)
;;; Writes: (relevant <question-id>)
;;;
;;; Every rule asserts under (logical ...), so changing an answer withdraws
;;; the relevance it supported. Conventions:
;;;   - a pain site counts when answered yes or unsure (pain-site);
;;;   - a follow-up to a red-flag question is asked when that question was
;;;     answered yes, unsure or skipped: an unknown red flag is never
;;;     treated as absent (SPEC section 1);
;;;   - a follow-up to any other question is asked on yes or unsure.
;;;   - relevance decides what is asked, never what an answer means: the
;;;     finding rules read answers whether or not their question was
;;;     relevant (SPEC section 4, R2).
;;; Tightened against SPEC where the question cannot change the result:
;;;   sitting_hours and physio_tried need knee or back pain
;;;   (prolonged_sitting and rehabilitation_not_started concern those).
;;;   knee_replacement_considered needs knee pain with low back pain, radiating
;;;   leg pain or leg numbness (yes or unsure): back_exam_before_knee_replacement
;;;   is the only finding that reads it, and only beside one of those (a
;;;   young patient with an acute knee injury alone is not asked).
;;;   back_better_with_exercise needs low back pain (yes or unsure) at an age
;;;   under 45, for 12 weeks or more, with morning stiffness over 30 minutes:
;;;   red-flag-inflammatory-back-pain reads it only then, and nothing else
;;;   reads it.
;;;   exam_quadriceps_wasting needs knee pain with knee osteoarthritis (yes or
;;;   unsure) or knee pain for 12 weeks or more: quad_glute_atrophy_risk reads
;;;   it only then (knee-oa-or-chronic).
;;;   exam_trendelenburg needs hip and knee pain: the knee-hip findings are
;;;   the only ones that read it.
;;;   limp and offloading need hip and knee pain: knee_hip_gait_compensation
;;;   is the only finding that reads them.
;;;   stumbling needs stair difficulty or thigh weakness (yes or unsure):
;;;   fall_risk reads it only beside one of them.
;;;   poor_posture needs low back or neck pain with muscle loss (yes or
;;;   unsure) or an inactive lifestyle: the atrophy-posture rules read it
;;;   only then.
;;;   physio_tried needs knee pain for 12 weeks or more, knee osteoarthritis
;;;   (yes or unsure), or low back pain for 12 weeks or more: the
;;;   rehabilitation_not_started rules read it only then.

;;; --- always -------------------------------------------------------------

(defrule relevant-always
  "Scope questions asked of everyone (SPEC section 2: always)."
  =>
  (assert (relevant age) (relevant knee_pain) (relevant hip_pain)
          (relevant low_back_pain) (relevant neck_pain)
          (relevant thigh_weakness) (relevant muscle_loss_noticed)
          (relevant activity_level) (relevant height_cm) (relevant weight_kg)))

;;; --- any pain -----------------------------------------------------------

(defrule relevant-any-pain
  "Asked of anyone with pain (SPEC section 2: any pain), and the trauma and serious-pathology screen, the neck included (SPEC section 2, R2)."
  (logical (any-pain))
  =>
  (assert (relevant fever) (relevant pain_medication)
          (relevant recent_trauma) (relevant cancer_history)
          (relevant weight_loss_unexplained) (relevant night_pain)))

(defrule relevant-weight-loss-with-muscle-loss
  "Unexplained weight loss also beside muscle loss or thigh weakness, pain or not (SPEC section 2, R2)."
  (logical (or (muscle_loss_noticed yes) (muscle_loss_noticed unsure)
               (thigh_weakness yes) (thigh_weakness unsure)))
  =>
  (assert (relevant weight_loss_unexplained)))

(defrule relevant-limb-or-back-pain
  "The nerve symptoms in the leg: knee, hip or back pain."
  (logical (or (pain-site knee) (pain-site hip) (pain-site back)))
  =>
  (assert (relevant leg_radiating_pain) (relevant leg_numbness_tingling)))

(defrule relevant-falls
  "Falls: any pain or thigh weakness (SPEC section 2)."
  (logical (or (any-pain) (thigh_weakness yes) (thigh_weakness unsure)))
  =>
  (assert (relevant falls_12m)))

(defrule relevant-stumbling
  "Stumbling: stair difficulty or thigh weakness (yes or unsure)."
  (logical (or (knee_stairs_difficulty yes) (knee_stairs_difficulty unsure)
               (thigh_weakness yes) (thigh_weakness unsure)))
  =>
  (assert (relevant stumbling)))

;;; --- knee and hip -------------------------------------------------------

(defrule relevant-knee-or-hip-pain
  "Weight bearing, calf, limp and offloading: knee or hip pain."
  (logical (or (pain-site knee) (pain-site hip)))
  =>
  (assert (relevant unable_to_bear_weight) (relevant calf_swelling)))

(defrule relevant-knee-pain
  "The knee questions: knee pain."
  (logical (pain-site knee))
  =>
  (assert (relevant knee_hot_swollen) (relevant knee_side)
          (relevant knee_duration_weeks) (relevant knee_pain_score)
          (relevant knee_oa_diagnosed) (relevant knee_stairs_difficulty)
          (relevant knee_giving_way) (relevant knee_locking)
          (relevant knee_swelling) (relevant other_joints_swollen)))

(defrule relevant-quadriceps-wasting-exam
  "Examined quadriceps wasting: knee pain with knee osteoarthritis (yes or unsure) or for 12 weeks or more."
  (logical (pain-site knee)
           (or (knee_oa_diagnosed yes) (knee_oa_diagnosed unsure)
               (knee_duration_weeks ?w&:(>= ?w 12))))
  =>
  (assert (relevant exam_quadriceps_wasting)))

(defrule relevant-knee-replacement
  "Knee replacement: knee pain with low back pain, radiating leg pain or leg numbness (yes or unsure)."
  (logical (pain-site knee)
           (or (pain-site back)
               (leg_radiating_pain yes) (leg_radiating_pain unsure)
               (leg_numbness_tingling yes) (leg_numbness_tingling unsure)))
  =>
  (assert (relevant knee_replacement_considered)))

(defrule relevant-hip-pain
  "The hip questions: hip pain."
  (logical (pain-site hip))
  =>
  (assert (relevant hip_side) (relevant hip_pain_score)))

(defrule relevant-hip-onset
  "When the hip pain began relative to the knee pain, and the Trendelenburg sign: hip and knee pain."
  (logical (pain-site hip) (pain-site knee))
  =>
  (assert (relevant hip_onset) (relevant exam_trendelenburg)
          (relevant limp) (relevant offloading)))

(defrule relevant-knee-or-back-pain
  "Morning stiffness, hamstrings, sitting and physiotherapy: knee or low back pain."
  (logical (or (pain-site knee) (pain-site back)))
  =>
  (assert (relevant morning_stiffness_minutes) (relevant hamstring_tightness)
          (relevant sitting_hours)))

(defrule relevant-physio-knee
  "Physiotherapy tried: knee pain for 12 weeks or more, or with osteoarthritis (yes or unsure)."
  (logical (pain-site knee)
           (or (knee_duration_weeks ?w&:(>= ?w 12))
               (knee_oa_diagnosed yes) (knee_oa_diagnosed unsure)))
  =>
  (assert (relevant physio_tried)))

(defrule relevant-physio-back
  "Physiotherapy tried: low back pain for 12 weeks or more."
  (logical (pain-site back) (back_duration_weeks ?w&:(>= ?w 12)))
  =>
  (assert (relevant physio_tried)))

;;; --- back ---------------------------------------------------------------

(defrule relevant-back-pain
  "The back questions and the seven sbt_* items: low back pain."
  (logical (pain-site back))
  =>
  (assert (relevant back_pain_score) (relevant back_duration_weeks)
          (relevant sbt_walk_short) (relevant sbt_dress_slowly)
          (relevant sbt_fear_activity) (relevant sbt_worry)
          (relevant sbt_catastrophise) (relevant sbt_low_mood)
          (relevant sbt_bothersome)))

(defrule relevant-back-better-with-exercise
  "Better with exercise: low back pain for 12 weeks or more, under 45, morning stiffness over 30 minutes (the inflammatory back pain pattern)."
  (logical (pain-site back)
           (age ?a&:(< ?a 45))
           (back_duration_weeks ?w&:(>= ?w 12))
           (morning_stiffness_minutes ?m&:(> ?m 30)))
  =>
  (assert (relevant back_better_with_exercise)))

(defrule relevant-back-or-neck-pain
  "Posture: low back or neck pain with muscle loss (yes or unsure) or an inactive lifestyle."
  (logical (or (pain-site back) (pain-site neck))
           (or (muscle_loss_noticed yes) (muscle_loss_noticed unsure)
               (activity_level inactive)))
  =>
  (assert (relevant poor_posture)))

(defrule relevant-back-or-hip-pain
  "Sudden severe pain with fainting: low back or hip pain."
  (logical (or (pain-site back) (pain-site hip)))
  =>
  (assert (relevant sudden_severe_pain_faint)))

(defrule relevant-cauda-equina-screen
  "Saddle numbness, bladder or bowel change and progressive leg weakness: low back pain or radiating leg pain (yes or unsure)."
  (logical (or (pain-site back) (leg_radiating_pain yes) (leg_radiating_pain unsure)))
  =>
  (assert (relevant saddle_numbness) (relevant bladder_bowel_change)
          (relevant leg_weakness_progressive)))

(defrule relevant-progressive-weakness
  "Progressive leg weakness also with leg numbness or tingling (yes or unsure)."
  (logical (or (leg_numbness_tingling yes) (leg_numbness_tingling unsure)))
  =>
  (assert (relevant leg_weakness_progressive)))

(defrule relevant-after-back-trauma
  "Weight bearing (SPEC section 2, R2), and osteoporosis or steroids: low back pain with recent trauma (yes, unsure or skipped)."
  (logical (pain-site back)
           (or (recent_trauma yes) (recent_trauma unsure) (declined recent_trauma)))
  =>
  (assert (relevant unable_to_bear_weight) (relevant osteoporosis_or_steroids)))

(defrule relevant-straight-leg-raise
  "Straight-leg-raise test: radiating leg pain, or numbness or tingling in the leg."
  (logical (or (leg_radiating_pain yes) (leg_radiating_pain unsure)
               (leg_numbness_tingling yes) (leg_numbness_tingling unsure)))
  =>
  (assert (relevant exam_straight_leg_raise)))

;;; --- red-flag follow-ups ------------------------------------------------

(defrule relevant-immunosuppression
  "Immunosuppression: fever or a hot swollen knee (yes, unsure or skipped)."
  (logical (or (fever yes) (fever unsure) (declined fever)
               (knee_hot_swollen yes) (knee_hot_swollen unsure)
               (declined knee_hot_swollen)))
  =>
  (assert (relevant immunosuppressed)))

(defrule relevant-after-calf-swelling
  "Breathlessness and clot risk factors: calf swelling (yes, unsure or skipped)."
  (logical (or (calf_swelling yes) (calf_swelling unsure) (declined calf_swelling)))
  =>
  (assert (relevant breathless_or_chest_pain)
          (relevant recent_surgery_or_immobilisation)))

(defrule relevant-ottawa-knee-exam
  "Ottawa knee rule examination and rapid swelling: knee pain with recent trauma (yes, unsure or skipped)."
  (logical (pain-site knee)
           (or (recent_trauma yes) (recent_trauma unsure) (declined recent_trauma)))
  =>
  (assert (relevant exam_patellar_tenderness)
          (relevant exam_fibular_head_tenderness)
          (relevant exam_knee_flexion_below_90)
          (relevant knee_swelling_rapid)))

(defrule relevant-arm-symptoms
  "Numbness, tingling or weakness in an arm: neck pain (SPEC section 2, R2)."
  (logical (pain-site neck))
  =>
  (assert (relevant arm_numbness_tingling)))

;;; --- muscles ------------------------------------------------------------

(defrule relevant-neurological-condition
  "Nerve or muscle disease: muscle loss noticed."
  (logical (or (muscle_loss_noticed yes) (muscle_loss_noticed unsure)))
  =>
  (assert (relevant neurological_condition)))
