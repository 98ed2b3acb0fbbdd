;;; recommendations.clp — what to do (SPEC section 5), each linked to the
;;; findings that lead to it.
;;;
;;; Reads:  (finding <id>), finding-def, (interview-stop <id>)
;;; Writes: recommendation-def (static), recommend, (urgent-first)
;;;
;;; One recommend fact per supporting finding. safety_netting goes with
;;; every finding, and every result has at least one finding (scope.clp), so
;;; every result carries it. Routine advice (exercise, weight, posture ...)
;;; is withheld while a red flag needs same-day or emergency care, or the
;;; interview has stopped: that problem comes first.

(deffacts recommendation-relations
  (relation (id urgent-first)
            (meaning "a red flag needing same-day or emergency care is present, or the interview stopped: routine advice waits")))

(deffacts recommendation-catalogue
  (recommendation-def (id quadriceps_gluteal_strengthening)
    (source "seeds/000_95bd99f7b68740f6.txt: rehabilitation aimed at the wasted quadriceps and gluteus maximus (CT study of 89 knee-OA patients); seeds/002_1c40d3d8e215d82f.txt: strengthening restores knee and hip support")
    (title "Quadriceps and gluteal strengthening")
    (clinician-text "Progressive resistance exercise for the quadriceps and gluteal muscles (e.g. sit-to-stand, step-ups, bridges, hip abduction), supervised by a physiotherapist at first.")
    (patient-text "Do exercises that make the front of your thigh and your buttock muscles stronger, like standing up from a chair slowly and step-ups. A physiotherapist can show you how."))
  (recommendation-def (id early_pain_control)
    (source "seeds/000_95bd99f7b68740f6.txt: early pain control with muscle rehabilitation improves function and surgical outcomes; NICE NG226 (osteoarthritis)")
    (title "Early pain control")
    (clinician-text "Optimise pain control early (topical NSAID for the knee, short courses of oral NSAID with gastroprotection if suitable, activity pacing) so that rehabilitation can begin.")
    (patient-text "Get your pain under control early, so you can keep moving and exercising. Ask a pharmacist, GP or physiotherapist what is best for you."))
  (recommendation-def (id gait_retraining_physiotherapy)
    (source "seeds/002_1c40d3d8e215d82f.txt: a physical therapist can correct walking mechanics, balance and alignment")
    (title "Physiotherapy for gait and balance")
    (clinician-text "Physiotherapy for gait retraining, balance and alignment: correct offloading and limp, movement training, walking aid if needed.")
    (patient-text "A physiotherapist can help you walk more evenly and with better balance, which takes strain off your hips and other leg."))
  (recommendation-def (id treat_back_and_knee_together)
    (source "seeds/003_d0dca1b4b1e846d5.txt: study of 260 knee-arthritis patients (58% with low back pain): treating back and knee together may give the best outcomes")
    (title "Treat the back and the knee together")
    (clinician-text "Assess and manage the lumbar spine and the knee in one plan rather than in isolation.")
    (patient-text "Ask for your back and your knee to be treated together, in one plan."))
  (recommendation-def (id lumbar_spine_assessment)
    (source "seeds/003_d0dca1b4b1e846d5.txt: knee pain can come from the lower back, which should be examined, especially before knee replacement; seeds/004_ef5f7cc1f08e3fbc.txt: sciatica")
    (title "Lumbar spine assessment")
    (clinician-text "Examine the lumbar spine and lower-limb neurology (straight-leg raise, myotomes, dermatomes, reflexes); image only if red flags or before surgery when indicated.")
    (patient-text "Ask for your lower back to be checked, as it may be part of the cause of your leg, hip or knee pain."))
  (recommendation-def (id paraspinal_strengthening)
    (source "seeds/003_d0dca1b4b1e846d5.txt: smaller, weaker paraspinal muscles found in knee arthritis (paraspinal muscle study)")
    (title "Back (paraspinal) muscle strengthening")
    (clinician-text "Include trunk and paraspinal strengthening (e.g. graded back extension, bird-dog) in the exercise programme.")
    (patient-text "Do exercises that strengthen the muscles along your spine. A physiotherapist can show you safe ones."))
  (recommendation-def (id fall_prevention)
    (source "seeds/000_95bd99f7b68740f6.txt: weakness and stumbling raise the risk of falls and fractures; NICE NG249 / CG161 falls in older people")
    (title "Falls prevention")
    (clinician-text "Strength and balance training, home hazard review, footwear, vision and medication review; multifactorial falls assessment after 2 or more falls.")
    (patient-text "Do strength and balance exercises, keep floors clear, wear well-fitting shoes, and use good lighting at night. Tell your GP about any falls."))
  (recommendation-def (id weight_management)
    (source "seeds/001_47a8acde776644df.txt: a healthy weight lowers stress on weight-bearing joints; seeds/004_ef5f7cc1f08e3fbc.txt: weight loss relieves back and knee pain")
    (title "Weight management")
    (clinician-text "Offer weight management support (diet and activity); a 5-10% loss reduces knee load and pain.")
    (patient-text "Losing some weight, even a small amount, takes pressure off your knees, hips and back. Your GP can help with a plan."))
  (recommendation-def (id low_impact_exercise)
    (source "seeds/004_ef5f7cc1f08e3fbc.txt: low-impact activity such as swimming, walking and cycling; seeds/001_47a8acde776644df.txt: regular exercise keeps muscle mass; NICE NG59")
    (title "Low-impact exercise")
    (clinician-text "Regular low-impact aerobic activity (walking, cycling, swimming, water exercise), built up gradually.")
    (patient-text "Try gentle exercise most days, like walking, cycling or swimming. Start small and build up slowly."))
  (recommendation-def (id stretching_flexibility)
    (source "seeds/001_47a8acde776644df.txt: stretching improves flexibility and reduces muscle tightness; seeds/004_ef5f7cc1f08e3fbc.txt: tight hamstrings and flexibility exercises")
    (title "Stretching and flexibility")
    (clinician-text "Daily stretching, in particular hamstrings, hip flexors and calves; flexibility exercise to restore range of motion.")
    (patient-text "Stretch gently every day, especially the backs of your thighs. Hold each stretch for about 30 seconds and do not bounce."))
  (recommendation-def (id posture_and_sitting_breaks)
    (source "seeds/004_ef5f7cc1f08e3fbc.txt: better posture and avoiding long periods of sitting; seeds/001_47a8acde776644df.txt: posture and weak muscles")
    (title "Posture and sitting breaks")
    (clinician-text "Advise posture awareness, workstation set-up and a break from sitting every 30-60 minutes.")
    (patient-text "Get up and move about every 30 to 60 minutes when you sit. Set up your chair and screen so you sit upright without strain."))
  (recommendation-def (id medication_review)
    (source "seeds/004_ef5f7cc1f08e3fbc.txt: opioids carry risks of side effects and dependence; NICE NG193 and NG59")
    (title "Medication review")
    (clinician-text "Review analgesia: benefit, side effects and dependence risk of opioids; consider tapering and alternatives.")
    (patient-text "Ask your GP or pharmacist to review your painkillers with you."))
  (recommendation-def (id psychologically_informed_care)
    (source "NICE NG59: for back pain at high risk of a poor outcome, exercise combined with a psychological (cognitive behavioural) approach")
    (title "Physiotherapy with a psychological approach")
    (clinician-text "High-risk back pain on the adapted stratification: combined physical and psychological programme (cognitive behavioural approach) within physiotherapy.")
    (patient-text "Ask for a physiotherapist who also helps with the worry and low mood that long back pain can bring. Working on both helps most."))
  (recommendation-def (id safety_netting)
    (source "Standard triage safety-netting practice; NICE CKS red flags for knee, hip and low back pain")
    (title "Safety-netting")
    (clinician-text "Give safety-netting advice: which new symptoms mean seeking help now, and when to return if not improving.")
    (patient-text "Know the warning signs. Get help at once for: numbness between the legs, new trouble passing urine or controlling your bowels, a fever with a hot swollen joint, a swollen painful calf, sudden breathlessness or chest pain, or a leg you cannot stand on. Get advice if you are not getting better.")))

(defrule urgent-first-red-flag
  "A red flag at same-day or emergency level is present."
  (logical (finding ?f)
           (finding-def (id ?f) (kind red_flag)
                        (level emergency_ambulance|emergency|consultation_24)))
  =>
  (assert (urgent-first)))

(defrule urgent-first-stopped
  "The interview has stopped (emergency or out of scope)."
  (logical (interview-stop ?))
  =>
  (assert (urgent-first)))

(defrule recommend-safety-netting
  "Safety-netting goes with every finding. Source: standard triage practice."
  (logical (finding ?f))
  =>
  (assert (recommend (id safety_netting) (because ?f))))

(defrule recommend-quadriceps-gluteal-strengthening
  "Strengthen the quadriceps and glutei for atrophy, instability, sarcopenia, falls or late rehabilitation. Source: seeds 000, 002."
  (logical (finding ?f&quad_glute_atrophy_risk|knee_hip_muscle_instability|sarcopenia_risk|fall_risk|rehabilitation_not_started)
           (not (urgent-first)))
  =>
  (assert (recommend (id quadriceps_gluteal_strengthening) (because ?f))))

(defrule recommend-early-pain-control
  "Control severe or long-lasting pain early, and before atrophy sets in. Source: seed 000."
  (logical (finding ?f&severe_pain|chronic_pain|quad_glute_atrophy_risk)
           (not (urgent-first)))
  =>
  (assert (recommend (id early_pain_control) (because ?f))))

(defrule recommend-gait-retraining-physiotherapy
  "Physiotherapy for gait, balance and alignment. Source: seed 002."
  (logical (finding ?f&knee_hip_gait_compensation|knee_hip_joint_stress|fall_risk)
           (not (urgent-first)))
  =>
  (assert (recommend (id gait_retraining_physiotherapy) (because ?f))))

(defrule recommend-treat-back-and-knee-together
  "Treat the back and the knee in one plan. Source: seed 003."
  (logical (finding ?f&knee_back_comorbidity|paraspinal_weakness_risk)
           (not (urgent-first)))
  =>
  (assert (recommend (id treat_back_and_knee_together) (because ?f))))

(defrule recommend-lumbar-spine-assessment
  "Examine the lumbar spine for referred pain and before knee replacement. Source: seeds 003, 004."
  (logical (finding ?f&lumbar_referred_pain|back_exam_before_knee_replacement)
           (not (urgent-first)))
  =>
  (assert (recommend (id lumbar_spine_assessment) (because ?f))))

(defrule recommend-paraspinal-strengthening
  "Strengthen the paraspinal muscles in knee OA with back pain, and for posture-related pain. Source: seeds 003, 001."
  (logical (finding ?f&paraspinal_weakness_risk|atrophy_posture_pain)
           (not (urgent-first)))
  =>
  (assert (recommend (id paraspinal_strengthening) (because ?f))))

(defrule recommend-fall-prevention
  "Falls prevention for fall risk and sarcopenia. Source: seed 000, NICE falls guidance."
  (logical (finding ?f&fall_risk|sarcopenia_risk)
           (not (urgent-first)))
  =>
  (assert (recommend (id fall_prevention) (because ?f))))

(defrule recommend-weight-management
  "Weight management when body weight loads the joints. Source: seeds 001, 004."
  (logical (finding joint_load_weight) (not (urgent-first)))
  =>
  (assert (recommend (id weight_management) (because joint_load_weight))))

(defrule recommend-low-impact-exercise
  "Low-impact exercise for weight, muscle loss, long-lasting pain and stratified back pain. Source: seeds 001, 004; NICE NG59."
  (logical (finding ?f&joint_load_weight|sarcopenia_risk|chronic_pain|knee_back_comorbidity|back_pain_risk_low|back_pain_risk_medium|back_pain_risk_high)
           (not (urgent-first)))
  =>
  (assert (recommend (id low_impact_exercise) (because ?f))))

(defrule recommend-stretching-flexibility
  "Stretching for tight hamstrings and posture-related pain. Source: seeds 001, 004."
  (logical (finding ?f&hamstring_imbalance|atrophy_posture_pain)
           (not (urgent-first)))
  =>
  (assert (recommend (id stretching_flexibility) (because ?f))))

(defrule recommend-posture-and-sitting-breaks
  "Posture and breaks from sitting. Source: seeds 004, 001."
  (logical (finding ?f&prolonged_sitting|atrophy_posture_pain)
           (not (urgent-first)))
  =>
  (assert (recommend (id posture_and_sitting_breaks) (because ?f))))

(defrule recommend-medication-review
  "Review opioids, and analgesia for severe pain. Source: seed 004."
  (logical (finding ?f&opioid_use|severe_pain)
           (not (urgent-first)))
  =>
  (assert (recommend (id medication_review) (because ?f))))

(defrule recommend-psychologically-informed-care
  "High-risk back pain: physiotherapy with a psychological approach. Source: NICE NG59."
  (logical (finding back_pain_risk_high) (not (urgent-first)))
  =>
  (assert (recommend (id psychologically_informed_care) (because back_pain_risk_high))))
