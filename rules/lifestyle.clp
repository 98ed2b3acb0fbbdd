;;; lifestyle.clp — posture, flexibility, sitting, body weight and
;;; medication.
;;;
;;; Sources: a general-health article on muscle loss and pain, and an
;;; orthopaedic practice's article on back and knee pain, neither citing a
;;; study: their evidence is weak on the certainty-factor scale
;;; (docs/rules.md), 0.3, or 0.4 with a measured sign (a BMI of 30 or more).
;;; Body weight with knee osteoarthritis rests on NICE NG226 (weight loss for
;;; osteoarthritis, 0.6); opioids are the answer itself (0.9), reviewed as
;;; NICE NG193 advises.
;;;
;;; Reads:  answers
;;; Writes: finding-def (static), evidence, (bmi <number>),
;;;         (back-or-knee-pain <question-id>)

(deffacts lifestyle-relations
  (relation (id bmi) (meaning "body mass index, kg/m2, from weight_kg / (height_cm / 100)^2"))
  (relation (id back-or-knee-pain)
            (meaning "low back or knee pain answered yes (the question id)")))

(deffacts lifestyle-findings
  (finding-def (id atrophy_posture_pain) (kind risk) (level self_care)
    (cites muscle_loss_pain_article)
    (title "Posture-related pain from weak muscles")
    (clinician-text "Noticed muscle loss or an inactive lifestyle, with poor posture and back or neck pain: deconditioned postural muscles are a likely contributor. Postural strengthening, flexibility work and activity.")
    (patient-text "When muscles get weak from moving less, it is harder to sit and stand straight, and that can make your back or neck ache. Gentle strength and stretching exercises can help.")
    (safety-net ""))
  (finding-def (id hamstring_imbalance) (kind risk) (level self_care)
    (cites orthopaedic_pain_practice_article)
    (title "Tight hamstrings")
    (clinician-text "Hamstring tightness with knee or low back pain: a muscle imbalance that can load both; hamstring stretching and flexibility work.")
    (patient-text "Tight muscles at the back of your thighs can pull on both your knee and your lower back. Regular gentle stretching can ease this.")
    (safety-net ""))
  (finding-def (id prolonged_sitting) (kind risk) (level self_care)
    (cites orthopaedic_pain_practice_article)
    (title "Long hours of sitting")
    (clinician-text "Sitting 8 hours a day or more with back or knee pain: advise regular breaks, workstation set-up and activity.")
    (patient-text "Sitting for many hours a day can make back and knee pain worse. Try to stand up and move every 30 to 60 minutes.")
    (safety-net ""))
  (finding-def (id joint_load_weight) (kind risk) (level self_care)
    (cites nice_ng226 who_bmi muscle_loss_pain_article orthopaedic_pain_practice_article)
    (title "Body weight loading the joints")
    (clinician-text "BMI 30 or more, or 25 or more with knee osteoarthritis: excess weight increases load on the knees, hips and spine; offer weight management support.")
    (patient-text "Extra body weight puts more load on your knees, hips and back. Losing even a little weight can ease the pain.")
    (safety-net ""))
  (finding-def (id opioid_use) (kind risk) (level consultation)
    (cites nice_ng193 orthopaedic_pain_practice_article)
    (title "Taking opioid painkillers")
    (clinician-text "Opioid analgesia for musculoskeletal pain: review benefit, side effects and dependence risk; consider tapering and non-drug treatment.")
    (patient-text "Strong painkillers like codeine or tramadol can cause side effects and be hard to stop. Ask your GP or pharmacist to review them with you.")
    (safety-net "If you feel very drowsy, confused or have slow breathing, get help at once.")))

(defrule back-or-knee-pain-back
  "Low back pain answered yes."
  (logical (low_back_pain yes))
  =>
  (assert (back-or-knee-pain low_back_pain)))

(defrule back-or-knee-pain-knee
  "Knee pain answered yes."
  (logical (knee_pain yes))
  =>
  (assert (back-or-knee-pain knee_pain)))

(defrule atrophy-posture-pain-muscle-loss
  "Noticed muscle loss with poor posture and back or neck pain. Source: general-health article on muscle loss."
  (logical (muscle_loss_noticed yes) (poor_posture yes)
           (or (low_back_pain yes) (neck_pain yes)))
  =>
  (assert (evidence (finding atrophy_posture_pain) (rule atrophy-posture-pain-muscle-loss) (cf 0.3)
                    (because muscle_loss_noticed poor_posture))))

(defrule atrophy-posture-pain-inactive
  "Inactive lifestyle with poor posture and back or neck pain. Source: general-health article on muscle loss."
  (logical (activity_level inactive) (poor_posture yes)
           (or (low_back_pain yes) (neck_pain yes)))
  =>
  (assert (evidence (finding atrophy_posture_pain) (rule atrophy-posture-pain-inactive) (cf 0.3)
                    (because activity_level poor_posture))))

(defrule hamstring-imbalance
  "Tight hamstrings with knee or low back pain. Source: orthopaedic practice article."
  (logical (back-or-knee-pain ?p) (hamstring_tightness yes))
  =>
  (assert (evidence (finding hamstring_imbalance) (rule hamstring-imbalance) (cf 0.3)
                    (because hamstring_tightness ?p))))

(defrule prolonged-sitting
  "Sitting 8 hours a day or more with knee or low back pain. Source: orthopaedic practice article."
  (logical (back-or-knee-pain ?p) (sitting_hours ?h&:(>= ?h 8)))
  =>
  (assert (evidence (finding prolonged_sitting) (rule prolonged-sitting) (cf 0.3)
                    (because sitting_hours ?p))))

(defrule bmi-from-height-and-weight
  "Body mass index from the measured height and weight: weight_kg / (height_cm / 100)^2. Source: WHO BMI definition."
  (logical (height_cm ?h) (weight_kg ?w))
  =>
  (assert (bmi (/ ?w (* (/ ?h 100.0) (/ ?h 100.0))))))

(defrule joint-load-weight-obesity
  "BMI 30 or more. Source: WHO BMI classification; general-health article; orthopaedic practice article."
  (logical (bmi ?b&:(>= ?b 30.0)))
  =>
  (assert (evidence (finding joint_load_weight) (rule joint-load-weight-obesity) (cf 0.4)
                    (because height_cm weight_kg))))

(defrule joint-load-weight-knee-oa
  "BMI 25 or more with knee osteoarthritis. Source: NICE NG226 (weight loss for osteoarthritis); WHO BMI classification."
  (logical (bmi ?b&:(>= ?b 25.0)) (knee_pain yes) (knee_oa_diagnosed yes))
  =>
  (assert (evidence (finding joint_load_weight) (rule joint-load-weight-knee-oa) (cf 0.6)
                    (because height_cm weight_kg knee_oa_diagnosed))))

(defrule opioid-use
  "Taking opioid painkillers. Source: NICE NG193; orthopaedic practice article."
  (logical (pain_medication opioid))
  =>
  (assert (evidence (finding opioid_use) (rule opioid-use) (cf 0.9)
                    (because pain_medication))))
