;;; pain-course.clp — how bad and how long the pain is, and whether
;;; rehabilitation has started.
;;;
;;; Reads:  answers, (pain-site <site>), evidence (chronic_pain)
;;; Writes: finding-def (static), evidence
;;;
;;; Pain scores use the numeric rating scale: 7-10 is severe. Pain lasting
;;; 12 weeks or more is chronic (the CT study's news report: untreated knee
;;; pain goes on to wasting). severe_pain and chronic_pain restate the
;;; answers (0.9); rehabilitation_not_started rests on NICE's advice to offer
;;; exercise for osteoarthritis and back pain (0.6).

(deffacts pain-course-findings
  (finding-def (id severe_pain) (kind risk) (level consultation)
    (cites pain_rating_severity ct_study_knee_oa_muscle)
    (title "Severe pain")
    (clinician-text "Worst pain 7 or more out of 10 at the knee, hip or lower back: review analgesia and function; pain control early enables rehabilitation.")
    (patient-text "Your pain is severe. A GP or physiotherapist can help you control it, so that you can keep moving and do your exercises.")
    (safety-net "If the pain suddenly gets much worse, or comes with a fever, get help the same day."))
  (finding-def (id chronic_pain) (kind risk) (level consultation)
    (cites nice_ng59 nice_ng193 ct_study_knee_oa_muscle)
    (title "Long-lasting pain")
    (clinician-text "Knee or low back pain for 12 weeks or more: persistent pain; plan active rehabilitation rather than waiting, and review the treatment so far.")
    (patient-text "Your pain has lasted 12 weeks or more. Pain that goes on this long should be looked at, because treatment and exercise work better when started early.")
    (safety-net ""))
  (finding-def (id rehabilitation_not_started) (kind risk) (level consultation)
    (cites nice_ng226 nice_ng59 ct_study_knee_oa_muscle)
    (title "No physiotherapy yet for long-standing pain")
    (clinician-text "Knee osteoarthritis or knee or back pain for 12 weeks or more, and no physiotherapy so far: refer for rehabilitation now, before muscle loss progresses.")
    (patient-text "You have had this pain for a while but have not yet seen a physiotherapist. Starting exercises with a physiotherapist early gives the best results.")
    (safety-net "")))

(defrule severe-pain-knee
  "Worst knee pain 7 or more out of 10. Source: numeric pain rating scale."
  (logical (pain-site knee) (knee_pain_score ?s&:(>= ?s 7)))
  =>
  (assert (evidence (finding severe_pain) (rule severe-pain-knee) (cf 0.9)
                    (because knee_pain_score))))

(defrule severe-pain-hip
  "Worst hip pain 7 or more out of 10. Source: numeric pain rating scale."
  (logical (pain-site hip) (hip_pain_score ?s&:(>= ?s 7)))
  =>
  (assert (evidence (finding severe_pain) (rule severe-pain-hip) (cf 0.9)
                    (because hip_pain_score))))

(defrule severe-pain-back
  "Worst back pain 7 or more out of 10. Source: numeric pain rating scale."
  (logical (pain-site back) (back_pain_score ?s&:(>= ?s 7)))
  =>
  (assert (evidence (finding severe_pain) (rule severe-pain-back) (cf 0.9)
                    (because back_pain_score))))

(defrule chronic-pain-knee
  "Knee pain for 12 weeks or more. Source: CT study of 89 knee-OA patients (news report)."
  (logical (knee_pain yes) (knee_duration_weeks ?w&:(>= ?w 12)))
  =>
  (assert (evidence (finding chronic_pain) (rule chronic-pain-knee) (cf 0.9)
                    (because knee_duration_weeks))))

(defrule chronic-pain-back
  "Low back pain for 12 weeks or more. Source: NICE NG59."
  (logical (low_back_pain yes) (back_duration_weeks ?w&:(>= ?w 12)))
  =>
  (assert (evidence (finding chronic_pain) (rule chronic-pain-back) (cf 0.9)
                    (because back_duration_weeks))))

(defrule rehabilitation-not-started-chronic-pain
  "Chronic knee or back pain without physiotherapy. Source: NICE NG226 and NG59; CT study of 89 knee-OA patients."
  (logical (evidence (finding chronic_pain) (cf ?p&:(> ?p 0.0)))
           (physio_tried no))
  =>
  (assert (evidence (finding rehabilitation_not_started)
                    (rule rehabilitation-not-started-chronic-pain) (cf 0.6)
                    (because chronic_pain physio_tried))))

(defrule rehabilitation-not-started-knee-oa
  "Knee osteoarthritis without physiotherapy. Source: NICE NG226 and NG59; CT study of 89 knee-OA patients."
  (logical (knee_pain yes) (knee_oa_diagnosed yes) (physio_tried no))
  =>
  (assert (evidence (finding rehabilitation_not_started)
                    (rule rehabilitation-not-started-knee-oa) (cf 0.6)
                    (because knee_oa_diagnosed physio_tried))))
