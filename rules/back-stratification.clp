;;; back-stratification.clp — back-pain risk stratification adapted from
;;; STarT Back (NICE NG59).
;;;
;;; Reads:  answers, (declined <id>)
;;; Writes: finding-def (static), evidence, (sbt-item <id>) (static),
;;;         (sbt-point <question-id> <0|1>), (sbt-score <total> <subscale>)
;;;
;;; Nine items: sbt_walk_short, sbt_dress_slowly, leg_radiating_pain,
;;; neck_pain (the physical items) and sbt_fear_activity, sbt_worry,
;;; sbt_catastrophise, sbt_low_mood, sbt_bothersome (the psychological
;;; subscale; bothersome scores on "very much" or "extremely"). Each item
;;; scores 1 on `yes`, 0 on `no` or `unsure`; a skipped item scores 0 and the
;;; score is then a lower bound. The score is made once all nine are known.
;;; Total 0-3: low risk; otherwise subscale 0-3: medium, 4-5: high.
;;; This follows the structure and cut-offs of the STarT Back Screening Tool
;;; but is not the licensed instrument; reports name it "back-pain risk
;;; stratification adapted from STarT Back".

(deffacts sbt-relations
  (relation (id sbt-item) (meaning "a question id that is one of the nine stratification items"))
  (relation (id sbt-point)
            (meaning "a stratification item's score: question id and point (0 or 1); the score rule knows which items are psychological"))
  (relation (id sbt-score) (meaning "stratification total (0-9) and psychological subscale (0-5)")))

(deffacts sbt-items
  (sbt-item sbt_walk_short) (sbt-item sbt_dress_slowly) (sbt-item leg_radiating_pain)
  (sbt-item neck_pain) (sbt-item sbt_fear_activity) (sbt-item sbt_worry)
  (sbt-item sbt_catastrophise) (sbt-item sbt_low_mood) (sbt-item sbt_bothersome))

(deffacts sbt-findings
  (finding-def (id back_pain_risk_high) (kind risk) (level consultation)
    (cites start_back nice_ng59)
    (title "Back pain: high risk of poor outcome (adapted from STarT Back)")
    (clinician-text "Back-pain risk stratification adapted from STarT Back: total 4 or more with psychological subscale 4 or more. High risk of persistent disabling pain: physiotherapy with a psychologically informed approach (NG59: exercise with cognitive behavioural elements).")
    (patient-text "Your answers show that your back pain is affecting you a lot, in body and in mind. A physiotherapist who also helps with worry and low mood can make a real difference.")
    (safety-net "If you feel very low or hopeless, talk to your GP soon; if you think about harming yourself, get help at once."))
  (finding-def (id back_pain_risk_medium) (kind risk) (level consultation)
    (cites start_back nice_ng59)
    (title "Back pain: medium risk (adapted from STarT Back)")
    (clinician-text "Back-pain risk stratification adapted from STarT Back: total 4 or more with psychological subscale 3 or less. Medium risk: refer for physiotherapy-led exercise and reassurance.")
    (patient-text "Your back pain is affecting your daily life. A physiotherapist can give you exercises and advice to get you moving again.")
    (safety-net ""))
  (finding-def (id back_pain_risk_low) (kind risk) (level self_care)
    (cites start_back nice_ng59)
    (title "Back pain: low risk (adapted from STarT Back)")
    (clinician-text "Back-pain risk stratification adapted from STarT Back: total 3 or less. Low risk: self-management advice, reassurance and staying active.")
    (patient-text "Your back pain is likely to get better with simple steps: keep active, keep doing your usual things as much as you can, and use simple pain relief if you need it.")
    (safety-net "")))

(defrule sbt-point-walk-short
  "Item: walked only short distances because of back pain. Source: adapted from STarT Back."
  (logical (sbt_walk_short ?v))
  =>
  (assert (sbt-point sbt_walk_short (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-dress-slowly
  "Item: dressed more slowly because of back pain. Source: adapted from STarT Back."
  (logical (sbt_dress_slowly ?v))
  =>
  (assert (sbt-point sbt_dress_slowly (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-leg-radiating-pain
  "Item: pain spreading down the leg. Scored only with low back pain, as the score is (these two are asked without it). Source: adapted from STarT Back."
  (logical (low_back_pain yes) (leg_radiating_pain ?v))
  =>
  (assert (sbt-point leg_radiating_pain (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-neck-pain
  "Item: neck or shoulder pain. Scored only with low back pain, as the score is (these two are asked without it). Source: adapted from STarT Back."
  (logical (low_back_pain yes) (neck_pain ?v))
  =>
  (assert (sbt-point neck_pain (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-fear-activity
  "Psychological item: not safe to be physically active. Source: adapted from STarT Back."
  (logical (sbt_fear_activity ?v))
  =>
  (assert (sbt-point sbt_fear_activity (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-worry
  "Psychological item: worrying thoughts. Source: adapted from STarT Back."
  (logical (sbt_worry ?v))
  =>
  (assert (sbt-point sbt_worry (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-catastrophise
  "Psychological item: the pain is terrible and will never get better. Source: adapted from STarT Back."
  (logical (sbt_catastrophise ?v))
  =>
  (assert (sbt-point sbt_catastrophise (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-low-mood
  "Psychological item: not enjoyed usual things. Source: adapted from STarT Back."
  (logical (sbt_low_mood ?v))
  =>
  (assert (sbt-point sbt_low_mood (if (eq ?v yes) then 1 else 0))))

(defrule sbt-point-bothersome
  "Psychological item: back pain very much or extremely bothersome. Source: adapted from STarT Back."
  (logical (sbt_bothersome ?v))
  =>
  (assert (sbt-point sbt_bothersome
                     (if (or (eq ?v very_much) (eq ?v extremely)) then 1 else 0))))

(defrule sbt-point-declined
  "A skipped item scores 0 (the score becomes a lower bound). Source: adapted from STarT Back; a skipped answer is unknown."
  (logical (sbt-item ?q) (declined ?q))
  =>
  (assert (sbt-point ?q 0)))

(defrule sbt-score
  "Adds the nine items once all are known, for a patient with low back pain. Source: STarT Back scoring, NICE NG59."
  (logical (low_back_pain yes)
           (sbt-point sbt_walk_short ?a)
           (sbt-point sbt_dress_slowly ?b)
           (sbt-point leg_radiating_pain ?c)
           (sbt-point neck_pain ?d)
           (sbt-point sbt_fear_activity ?e)
           (sbt-point sbt_worry ?f)
           (sbt-point sbt_catastrophise ?g)
           (sbt-point sbt_low_mood ?h)
           (sbt-point sbt_bothersome ?i))
  =>
  (assert (sbt-score (+ ?a ?b ?c ?d ?e ?f ?g ?h ?i) (+ ?e ?f ?g ?h ?i))))

(defrule back-pain-risk-low
  "Total 3 or less: low risk. Source: adapted from STarT Back, NICE NG59."
  (logical (sbt-score ?t&:(<= ?t 3) ?))
  =>
  (assert (evidence (finding back_pain_risk_low) (rule back-pain-risk-low) (cf 0.9)
                    (because sbt_walk_short sbt_dress_slowly leg_radiating_pain neck_pain
                             sbt_fear_activity sbt_worry sbt_catastrophise sbt_low_mood
                             sbt_bothersome))))

(defrule back-pain-risk-medium
  "Total 4 or more, psychological subscale 3 or less: medium risk. Source: adapted from STarT Back, NICE NG59."
  (logical (sbt-score ?t&:(>= ?t 4) ?s&:(<= ?s 3)))
  =>
  (assert (evidence (finding back_pain_risk_medium) (rule back-pain-risk-medium) (cf 0.9)
                    (because sbt_walk_short sbt_dress_slowly leg_radiating_pain neck_pain
                             sbt_fear_activity sbt_worry sbt_catastrophise sbt_low_mood
                             sbt_bothersome))))

(defrule back-pain-risk-high
  "Total 4 or more, psychological subscale 4 or more: high risk. Source: adapted from STarT Back, NICE NG59."
  (logical (sbt-score ?t&:(>= ?t 4) ?s&:(>= ?s 4)))
  =>
  (assert (evidence (finding back_pain_risk_high) (rule back-pain-risk-high) (cf 0.9)
                    (because sbt_walk_short sbt_dress_slowly leg_radiating_pain neck_pain
                             sbt_fear_activity sbt_worry sbt_catastrophise sbt_low_mood
                             sbt_bothersome))))
