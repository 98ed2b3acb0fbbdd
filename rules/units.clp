;;; units.clp — amounts as people say them, in the units questions ask in.
;;;
;;; Writes: unit-def (static)
;;;
;;; Where a question asks in weeks, minutes or hours, the answer may be
;;; given as an amount with a word: "2y", "18 months", "6 wk", "10 days",
;;; "1.5 h". The interview echoes the converted answer ("= 104 weeks", "= 1
;;; week": the own unit's unit-def names the unit for one of it); the
;;; answer stored is the converted one. Rounding (schema.clp, unit-def): to
;;; the nearest whole unit, never 0 for an amount that is not 0, so "3 days"
;;; of back pain is 1 week and "10 days" is 1 week. A year is 52 weeks and a
;;; month 52/12 weeks (18 months = 78 weeks): durations are asked to judge
;;; thresholds of 6 and 12 weeks, where the spare day a year does not
;;; matter. Words are matched whole and without regard to case.

(deffacts unit-words
  ;; durations asked in weeks (knee_duration_weeks, back_duration_weeks)
  (unit-def (unit "weeks") (one "week") (words "w" "wk" "wks" "week" "weeks"))
  (unit-def (unit "weeks") (words "d" "day" "days") (factor 1) (per 7))
  (unit-def (unit "weeks") (words "m" "mo" "mth" "mths" "month" "months")
    (factor 52) (per 12))
  (unit-def (unit "weeks") (words "y" "yr" "yrs" "year" "years") (factor 52))
  ;; morning stiffness, asked in minutes
  (unit-def (unit "minutes") (one "minute") (words "min" "mins" "minute" "minutes"))
  (unit-def (unit "minutes") (words "h" "hr" "hrs" "hour" "hours") (factor 60))
  ;; sitting, asked in hours
  (unit-def (unit "hours") (one "hour") (words "h" "hr" "hrs" "hour" "hours"))
  (unit-def (unit "hours") (words "min" "mins" "minute" "minutes")
    (factor 1) (per 60)))
