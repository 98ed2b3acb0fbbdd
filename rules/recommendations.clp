;;; recommendations.clp — what to do (SPEC section 5), each linked to the
;;; findings that lead to it.
;;;
;;; No rules: everything here is data the engine reads once at load.
;;;
;;; Referral and imaging (rheumatology_referral, same_day_imaging) are not
;;; routine advice: they are given beside any red flag. safety_netting's own
;;; wording does not repeat the warning signs: the level and each finding
;;; carry their own, consistent with their urgency (levels.clp).
;;; Writes: recommendation-def, recommendation-for and finding-condition
;;;         (static)
;;;
;;; One table entry per supporting finding. safety_netting goes with
;;; every finding, and every result has at least one finding (scope.clp), so
;;; every result carries it. Routine advice (exercise, weight, posture ...)
;;; is withheld while a red flag needs same-day or emergency care, or the
;;; interview has stopped: that problem comes first.

(deffacts recommendation-catalogue
  (recommendation-def (id quadriceps_gluteal_strengthening)
    (cites ct_study_knee_oa_muscle nice_ng226 repair_si_knee_hip_article)
    (title "Quadriceps and gluteal strengthening")
    (clinician-text "Progressive resistance exercise for the quadriceps and gluteal muscles (e.g. sit-to-stand, step-ups, bridges, hip abduction), supervised by a physiotherapist at first.")
    (patient-text "Do exercises that make the front of your thigh and your buttock muscles stronger, like standing up from a chair slowly and step-ups. A physiotherapist can show you how."))
  (recommendation-def (id early_pain_control)
    (cites nice_ng226 ct_study_knee_oa_muscle)
    (title "Early pain control")
    (clinician-text "Optimise pain control early (topical NSAID for the knee, short courses of oral NSAID with gastroprotection if suitable, activity pacing) so that rehabilitation can begin.")
    (patient-text "Get your pain under control early, so you can keep moving and exercising. Ask a pharmacist, GP or physiotherapist what is best for you."))
  (recommendation-def (id gait_retraining_physiotherapy)
    (cites repair_si_knee_hip_article)
    (title "Physiotherapy for gait and balance")
    (clinician-text "Physiotherapy for gait retraining, balance and alignment: correct offloading and limp, movement training, walking aid if needed.")
    (patient-text "A physiotherapist can help you walk more evenly and with better balance, which takes strain off your hips and other leg."))
  (recommendation-def (id treat_back_and_knee_together)
    (cites regenexx_back_knee_article)
    (title "Treat the back and the knee together")
    (clinician-text "Assess and manage the lumbar spine and the knee in one plan rather than in isolation.")
    (patient-text "Ask for your back and your knee to be treated together, in one plan."))
  (recommendation-def (id lumbar_spine_assessment)
    (cites nice_cks_sciatica regenexx_back_knee_article orthopaedic_pain_practice_article)
    (title "Lumbar spine assessment")
    (clinician-text "Examine the lumbar spine and lower-limb neurology (straight-leg raise, myotomes, dermatomes, reflexes); image only if red flags or before surgery when indicated.")
    (patient-text "Ask for your lower back to be checked, as it may be part of the cause of your leg, hip or knee pain."))
  (recommendation-def (id paraspinal_strengthening)
    (cites regenexx_back_knee_article muscle_loss_pain_article)
    (title "Back (paraspinal) muscle strengthening")
    (clinician-text "Include trunk and paraspinal strengthening (e.g. graded back extension, bird-dog) in the exercise programme.")
    (patient-text "Do exercises that strengthen the muscles along your spine. A physiotherapist can show you safe ones."))
  (recommendation-def (id fall_prevention)
    (cites nice_ng249 ct_study_knee_oa_muscle)
    (title "Falls prevention")
    (clinician-text "Strength and balance training, home hazard review, footwear, vision and medication review; multifactorial falls assessment after 2 or more falls.")
    (patient-text "Do strength and balance exercises, keep floors clear, wear well-fitting shoes, and use good lighting at night. Tell your GP about any falls."))
  (recommendation-def (id weight_management)
    (cites nice_ng226 muscle_loss_pain_article orthopaedic_pain_practice_article)
    (title "Weight management")
    (clinician-text "Offer weight management support (diet and activity); a 5-10% loss reduces knee load and pain.")
    (patient-text "Losing some weight, even a small amount, takes pressure off your knees, hips and back. Your GP can help with a plan."))
  (recommendation-def (id low_impact_exercise)
    (cites nice_ng59 nice_ng226 orthopaedic_pain_practice_article muscle_loss_pain_article)
    (title "Low-impact exercise")
    (clinician-text "Regular low-impact aerobic activity (walking, cycling, swimming, water exercise), built up gradually.")
    (patient-text "Try gentle exercise most days, like walking, cycling or swimming. Start small and build up slowly."))
  (recommendation-def (id stretching_flexibility)
    (cites muscle_loss_pain_article orthopaedic_pain_practice_article)
    (title "Stretching and flexibility")
    (clinician-text "Daily stretching, in particular hamstrings, hip flexors and calves; flexibility exercise to restore range of motion.")
    (patient-text "Stretch gently every day, especially the backs of your thighs. Hold each stretch for about 30 seconds and do not bounce."))
  (recommendation-def (id posture_and_sitting_breaks)
    (cites orthopaedic_pain_practice_article muscle_loss_pain_article)
    (title "Posture and sitting breaks")
    (clinician-text "Advise posture awareness, workstation set-up and a break from sitting every 30-60 minutes.")
    (patient-text "Get up and move about every 30 to 60 minutes when you sit. Set up your chair and screen so you sit upright without strain."))
  (recommendation-def (id medication_review)
    (cites nice_ng193 nice_ng59 orthopaedic_pain_practice_article)
    (title "Medication review")
    (clinician-text "Review analgesia: benefit, side effects and dependence risk of opioids; consider tapering and alternatives.")
    (patient-text "Ask your GP or pharmacist to review your painkillers with you."))
  (recommendation-def (id psychologically_informed_care)
    (cites nice_ng59 start_back)
    (title "Physiotherapy with a psychological approach")
    (clinician-text "High-risk back pain on the adapted stratification: combined physical and psychological programme (cognitive behavioural approach) within physiotherapy.")
    (patient-text "Ask for a physiotherapist who also helps with the worry and low mood that long back pain can bring. Working on both helps most."))
  (recommendation-def (id safety_netting)
    (cites safety_netting_practice nice_cks_knee_pain nice_cks_back_pain)
    (title "Safety-netting")
    (clinician-text "Give safety-netting advice: which new symptoms mean seeking help now, and when to return if not improving.")
    (patient-text "Know the warning signs and act on them: they are listed with your result. Get advice if you are not getting better."))
  (recommendation-def (id rheumatology_referral)
    (cites nice_ng100 nice_ng65)
    (title "Rheumatology referral")
    (clinician-text "Refer to rheumatology: urgently for persistent synovitis (NG100); for suspected axial spondyloarthritis with inflammatory back pain (NG65). Check inflammatory markers and serology while waiting.")
    (patient-text "Ask your GP to refer you to a joint specialist (rheumatologist), who can test for arthritis caused by inflammation and treat it early."))
  (recommendation-def (id same_day_imaging)
    (cites ottawa_knee_rule nice_cg124 nice_cks_knee_pain)
    (title "Imaging the same day")
    (clinician-text "Arrange imaging today: plain X-ray after knee injury at 55 or over or hip injury at 65 or over (further imaging if a hip fracture is still suspected); X-ray and orthopaedic assessment, with MRI as indicated, for an acutely injured knee with rapid swelling or locking.")
    (patient-text "You need an X-ray or scan today. Contact your GP surgery, an urgent treatment centre or a minor injuries unit now.")))

(deffacts recommendation-conditions
  ;; Routine advice waits while a red flag at same-day or emergency level
  ;; holds, or the interview has stopped (emergency or out of scope).
  (finding-condition (id urgent-first) (kinds red_flag)
                     (levels emergency_ambulance emergency consultation_24)
                     (or-stopping yes)))

;;; Which recommendation each finding leads to: data the engine reads once
;;; at load (recommendation-for in schema.clp), so no rule derives a fact
;;; per case for them. Each entry holds while its finding does and no
;;; `unless` relation does: routine advice waits while urgent-first (a
;;; finding-condition, above) holds; referral and imaging have no `unless`. Safety-netting goes with
;;; every finding (every-finding yes).

(deffacts recommendation-table
  ;; Safety-netting goes with every finding. Source: standard triage practice.
  (recommendation-for (every-finding yes) (recommendation safety_netting))
  ;; Strengthen the quadriceps and glutei for atrophy, instability, sarcopenia, falls or late rehabilitation. Source: CT study of 89 knee-OA patients; NICE NG226; REPAIR SI article.
  (recommendation-for (finding quad_glute_atrophy_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding knee_hip_muscle_instability) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding fall_risk) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  (recommendation-for (finding rehabilitation_not_started) (recommendation quadriceps_gluteal_strengthening) (unless urgent-first))
  ;; Control severe or long-lasting pain early, and before atrophy sets in. Source: NICE NG226; CT study of 89 knee-OA patients.
  (recommendation-for (finding severe_pain) (recommendation early_pain_control) (unless urgent-first))
  (recommendation-for (finding chronic_pain) (recommendation early_pain_control) (unless urgent-first))
  (recommendation-for (finding quad_glute_atrophy_risk) (recommendation early_pain_control) (unless urgent-first))
  ;; Physiotherapy for gait, balance and alignment. Source: REPAIR SI physiotherapy article.
  (recommendation-for (finding knee_hip_gait_compensation) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  (recommendation-for (finding knee_hip_joint_stress) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  (recommendation-for (finding fall_risk) (recommendation gait_retraining_physiotherapy) (unless urgent-first))
  ;; Treat the back and the knee in one plan. Source: Regenexx blog (study of 260 knee-arthritis patients).
  (recommendation-for (finding knee_back_comorbidity) (recommendation treat_back_and_knee_together) (unless urgent-first))
  (recommendation-for (finding paraspinal_weakness_risk) (recommendation treat_back_and_knee_together) (unless urgent-first))
  ;; Examine the lumbar spine for referred pain and before knee replacement. Source: NICE CKS Sciatica; Regenexx blog; orthopaedic practice article.
  (recommendation-for (finding lumbar_referred_pain) (recommendation lumbar_spine_assessment) (unless urgent-first))
  (recommendation-for (finding back_exam_before_knee_replacement) (recommendation lumbar_spine_assessment) (unless urgent-first))
  ;; Strengthen the paraspinal muscles in knee OA with back pain, and for posture-related pain. Source: Regenexx blog; general-health article.
  (recommendation-for (finding paraspinal_weakness_risk) (recommendation paraspinal_strengthening) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation paraspinal_strengthening) (unless urgent-first))
  ;; Falls prevention for fall risk and sarcopenia. Source: NICE NG249; CT study of 89 knee-OA patients.
  (recommendation-for (finding fall_risk) (recommendation fall_prevention) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation fall_prevention) (unless urgent-first))
  ;; Weight management when body weight loads the joints. Source: NICE NG226; general-health and orthopaedic practice articles.
  (recommendation-for (finding joint_load_weight) (recommendation weight_management) (unless urgent-first))
  ;; Low-impact exercise for weight, muscle loss, long-lasting pain and stratified back pain. Source: NICE NG59 and NG226; orthopaedic practice and general-health articles.
  (recommendation-for (finding joint_load_weight) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding sarcopenia_risk) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding chronic_pain) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding knee_back_comorbidity) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_low) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_medium) (recommendation low_impact_exercise) (unless urgent-first))
  (recommendation-for (finding back_pain_risk_high) (recommendation low_impact_exercise) (unless urgent-first))
  ;; Stretching for tight hamstrings and posture-related pain. Source: general-health and orthopaedic practice articles.
  (recommendation-for (finding hamstring_imbalance) (recommendation stretching_flexibility) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation stretching_flexibility) (unless urgent-first))
  ;; Posture and breaks from sitting. Source: orthopaedic practice and general-health articles.
  (recommendation-for (finding prolonged_sitting) (recommendation posture_and_sitting_breaks) (unless urgent-first))
  (recommendation-for (finding atrophy_posture_pain) (recommendation posture_and_sitting_breaks) (unless urgent-first))
  ;; Review opioids, and analgesia for severe pain. Source: NICE NG193; orthopaedic practice article.
  (recommendation-for (finding opioid_use) (recommendation medication_review) (unless urgent-first))
  (recommendation-for (finding severe_pain) (recommendation medication_review) (unless urgent-first))
  ;; High-risk back pain: physiotherapy with a psychological approach. Source: NICE NG59.
  (recommendation-for (finding back_pain_risk_high) (recommendation psychologically_informed_care) (unless urgent-first))
  ;; Refer inflammatory arthritis or inflammatory back pain to rheumatology, beside any other flag. Source: NICE NG100, NG65.
  (recommendation-for (finding inflammatory_arthritis_suspected) (recommendation rheumatology_referral))
  (recommendation-for (finding inflammatory_back_pain_suspected) (recommendation rheumatology_referral))
  ;; Imaging today for an X-ray-today fracture criterion or an acute knee injury. Source: Ottawa knee rule; NICE CG124; NICE CKS Knee pain.
  (recommendation-for (finding fracture_xray_today) (recommendation same_day_imaging))
  (recommendation-for (finding acute_knee_injury) (recommendation same_day_imaging)))
