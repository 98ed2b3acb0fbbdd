;;; recommendations.clp — what to do (SPEC section 5), each linked to the
;;; findings that lead to it.
;;;
;;; Reads:  (finding <id>), finding-def, (interview-stop <id>)
;;; Writes: recommendation-def and recommendation-for (static), recommend,
;;;         (urgent-first)
;;;
;;; One recommend fact (or table entry) per supporting finding. safety_netting goes with
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

;;; Which recommendation each finding leads to: data the engine reads once
;;; at load (recommendation-for in schema.clp), so no rule derives a fact
;;; per case for them. Each entry holds while its finding does and no fact
;;; of an `unless` relation does: routine advice waits while (urgent-first)
;;; holds. Safety-netting, which goes with every finding, stays a rule.

(deffacts recommendation-table
  ;; Strengthen the quadriceps and glutei for atrophy, instability, sarcopenia, falls or late rehabilitation. Source: seeds 000, 002.
  (recommendation-for (finding quad_glute_atrophy_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding knee_hip_muscle_instability) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding fall_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding rehabilitation_not_started) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  ;; Control severe or long-lasting pain early, and before atrophy sets in. Source: seed 000.
  (recommendation-for (finding severe_pain) (recommendation early_pain_control) (unless urgent-first))
  (recommendation-for (finding chronic_pain) (recommendation early_pain_control) (unless urgent-first))
  (recommendation-for (finding quad_glute_atrophy_risk) (recommendation early_pain_control) (unless urgent-first))
  ;; Physiotherapy for gait, balance and alignment. Source: seed 002.
  (recommendation-for (finding knee_hip_gait_compensation) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  (recommendation-for (finding knee_hip_joint_stress) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  (recommendation-for (finding fall_risk) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  ;; Treat the back and the knee in one plan. Source: seed 003.
  (recommendation-for (finding knee_back_comorbidity) (recommendation treat_back_and_knee_together) (unless urgent-first))
  (recommendation-for (finding paraspinal_weakness_risk) (recommendation treat_back_and_knee_together) (unless urgent-first))
  ;; Examine the lumbar spine for referred pain and before knee replacement. Source: seeds 003, 004.
  (recommendation-for (finding lumbar_referred_pain) (recommendation lumbar_spine_assessment) (unless urgent-first))
  (recommendation-for (finding back_exam_before_knee_replacement) (recommendation lumbar_spine_assessment) (unless urgent-first))
  ;; Strengthen the paraspinal muscles in knee OA with back pain, and for posture-related pain. Source: seeds 003, 001.
  (recommendation-for (finding paraspinal_weakness_risk) (recommendation paraspinal_strengthening) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation paraspinal_strengthening) (unless urgent-first))
  ;; Falls prevention for fall risk and sarcopenia. Source: seed 000, NICE falls guidance.
  (recommendation-for (finding fall_risk) (recommendation fall_prevention) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation fall_prevention) (unless urgent-first))
  ;; Weight management when body weight loads the joints. Source: seeds 001, 004.
  (recommendation-for (finding joint_load_weight) (recommendation weight_management) (unless urgent-first))
  ;; Low-impact exercise for weight, muscle loss, long-lasting pain and stratified back pain. Source: seeds 001, 004; NICE NG59.
  (recommendation-for (finding joint_load_weight) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding chronic_pain) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding knee_back_comorbidity) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_low) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_medium) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_high) (recommendation low_impact_exercise) (unless urgent-first))
  ;; Stretching for tight hamstrings and posture-related pain. Source: seeds 001, 004.
  (recommendation-for (finding hamstring_imbalance) (recommendation stretching_flexibility) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation stretching_flexibility) (unless urgent-first))
  ;; Posture and breaks from sitting. Source: seeds 004, 001.
  (recommendation-for (finding prolonged_sitting) (recommendation posture_and_sitting_breaks) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation posture_and_sitting_breaks) (unless urgent-first))
  ;; Review opioids, and analgesia for severe pain. Source: seed 004.
  (recommendation-for (finding opioid_use) (recommendation medication_review) (unless urgent-first))
  (recommendation-for (finding severe_pain) (recommendation medication_review) (unless urgent-first))
  ;; High-risk back pain: physiotherapy with a psychological approach. Source: NICE NG59.
  (recommendation-for (finding back_pain_risk_high) (recommendation psychologically_informed_care) (unless urgent-first)))
