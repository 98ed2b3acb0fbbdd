/*
 * engine.h — the rule engine behind every msktriage front end.
 *
 * The engine wraps one CLIPS environment loaded with the rule base in
 * rules/<name>.clp. It is the only module that includes CLIPS. All clinical
 * knowledge (questions, relevance, findings, levels, wording, sources) comes
 * from the rule base; this module only validates answers against the
 * question catalogue, asserts them as facts through the CLIPS fact API, runs
 * the rules and reads the conclusions back.
 *
 * Call order:
 *
 *     engine_new()                 load the built-in rule base (or a directory)
 *     engine_answer_set() ...      validate and assert answers (or _decline)
 *     engine_run()                 fire rules, snapshot the conclusions
 *     engine_next_question(), engine_level(), engine_finding_at(), ...
 *     engine_answer_set() / engine_answer_clear() / engine_run() ...
 *     engine_free()
 *
 * Results read after engine_run() stay valid until the next call that
 * changes answers or runs again. An engine is not thread-safe; use one per
 * thread (they do not share state).
 *
 * Errors: functions returning int give 0 on success and a negative
 * ENGINE_E* code on failure, leaving a message in engine_errmsg(). Messages
 * never contain an answer's value.
 */
#ifndef MSKTRIAGE_ENGINE_H
#define MSKTRIAGE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct engine engine;

enum {
	ENGINE_OK = 0,
	ENGINE_EINVAL = -1,   /* bad answer, unknown id: the caller's input */
	ENGINE_ELOAD = -2,    /* the rule base could not be loaded whole */
	ENGINE_ERUN = -3,     /* a rule failed or a run exceeded its limits */
	ENGINE_ENOMEM = -4,
};

enum engine_type {
	ENGINE_TYPE_YESNO,
	ENGINE_TYPE_INTEGER,
	ENGINE_TYPE_NUMBER,
	ENGINE_TYPE_SCALE,
	ENGINE_TYPE_CHOICE,
};

enum engine_mode {
	ENGINE_MODE_CLINICIAN, /* every question, examination findings included */
	ENGINE_MODE_KIOSK,     /* never asks audience-clinician questions */
};

/* One question of the catalogue. All strings are owned by the engine. */
struct engine_question {
	const char *id;
	enum engine_type type;
	double min, max;                /* integer, number, scale */
	const char *const *choices;     /* choice: n_choices symbols */
	const char *const *choice_labels; /* plain words, parallel to choices */
	size_t n_choices;
	const char *unit;               /* "" when none */
	bool clinician_only;            /* audience clinician: never in a kiosk */
	bool red_flag;                  /* a red-flag screening question */
	const char *section;            /* its own section (section-def id) */
	/* sections it may be asked in instead: the first, in section order,
	 * of its own and these that holds another relevant question */
	const char *const *also_in;
	size_t n_also_in;
	int priority;                   /* order within its section */
	const char *clinician_text;
	const char *patient_text;
	const char *why;                /* why a clinician would ask it */
	const char *const *informs;     /* finding ids it can confirm or rule out */
	size_t n_informs;
};

/* A section of the interview (section-def), e.g. the knee questions. */
struct engine_section {
	const char *id;
	int order;                      /* sections are asked in this order */
	const char *clinician_title;
	const char *patient_title;
};

/* Where the interview stands, after engine_run(). */
struct engine_progress {
	/* the next question's section: its position (from 1) among the
	 * sections that hold a relevant question the mode allows; 0 when
	 * nothing is left to ask */
	size_t section;
	size_t sections;                /* how many such sections */
	/* relevant, unanswered questions the mode allows that the interview
	 * would still ask (after a stop: the deferred red-flag questions);
	 * the next question included. "About": answers open or close others */
	size_t left;
};

/* A triage level. rank 1 is the most urgent. */
struct engine_level {
	const char *id;
	int rank;
	bool stops;                     /* a finding at this level ends the interview */
	const char *clinician_text;
	const char *patient_text;
	const char *safety_net;
};

/* One citation of the rule base's bibliography. */
struct engine_citation {
	const char *id;
	const char *kind;               /* guideline, study, article, ... */
	const char *title;
	const char *author;             /* "" when not known */
	const char *year;               /* "" when not known */
	const char *note;               /* "" when none */
	const char *text;               /* "Title. Author, 2019." */
};

/*
 * A finding definition and, after engine_run(), its current state.
 *
 * Evidence carries a signed certainty factor: positive supports the finding
 * (because), negative argues against it (against). A relationship or risk
 * finding is reported only while its combined factor is above the rule
 * base's report threshold; a finding with no positive evidence never is; a
 * red flag ignores negative evidence.
 */
struct engine_finding {
	const char *id;
	const char *kind;               /* red_flag, relationship, risk, scope */
	const char *level;              /* the level it demands */
	int level_rank;
	double confidence;              /* combined certainty factor, -1..1 */
	/* readable sources: the cited citations' texts joined by "; ", or
	 * the definition's own source text when it cites none */
	const char *source;
	const char *const *cites;       /* citation ids */
	size_t n_cites;
	const char *const *gives_way_to; /* not reported while one of these is */
	size_t n_gives_way_to;
	bool when_complete;             /* reported only once complete */
	const char *title;
	const char *clinician_text;
	const char *patient_text;
	const char *safety_net;         /* "" when none beyond the level's */
	/* question ids of the positive evidence, catalogue order, no
	 * duplicates */
	const char *const *because;
	size_t n_because;
	/* question ids of the negative evidence, likewise (never for a red
	 * flag) */
	const char *const *against;
	size_t n_against;
	const char *const *rules;       /* rule names that fired, no duplicates */
	size_t n_rules;
};

struct engine_recommendation {
	const char *id;
	const char *source;             /* as a finding's source */
	const char *const *cites;       /* citation ids */
	size_t n_cites;
	const char *title;
	const char *clinician_text;
	const char *patient_text;
	const char *const *because;     /* reported finding ids */
	size_t n_because;
};

/* An answer value as a front end hands it over, before validation. */
enum engine_value_kind {
	ENGINE_VALUE_TEXT,    /* yes/no/unsure, a choice, or "skip" */
	ENGINE_VALUE_INTEGER,
	ENGINE_VALUE_NUMBER,
};

struct engine_value {
	enum engine_value_kind kind;
	const char *text;     /* borrowed; ENGINE_VALUE_TEXT */
	long long integer;    /* ENGINE_VALUE_INTEGER */
	double number;        /* ENGINE_VALUE_NUMBER */
};

/*
 * Create an engine. rules_dir NULL loads the rule base built into the
 * program; otherwise every *.clp file in rules_dir is loaded (schema.clp
 * first, then the rest in name order). A load with any error is refused
 * whole. On failure returns NULL and, if errmsg is not NULL, sets *errmsg to
 * a message the caller must free (file and line of a parse error).
 */
engine *engine_new(const char *rules_dir, char **errmsg);

/* Free an engine. engine_free(NULL) is a no-op. */
void engine_free(engine *e);

/*
 * As engine_free, when the process is about to exit: the CLIPS environment
 * (a few megabytes in many small blocks, 0.5 ms to take apart) is left to
 * the operating system. A build with AddressSanitizer destroys it as
 * engine_free does, so leak checks still see everything freed.
 */
void engine_free_at_exit(engine *e);

/*
 * True once the engine ran out of memory inside the rule environment (or
 * while reading its conclusions): every later call fails with ENGINE_ENOMEM
 * and the engine can only be freed. Nothing is printed and the process
 * does not exit.
 */
bool engine_is_out_of_memory(const engine *e);

/* The message of the last failed call; borrowed. */
const char *engine_errmsg(const engine *e);

/* Rule base identity: hex SHA-256 of the rule sources, and their version. */
const char *engine_rulebase_sha256(const engine *e);
const char *engine_rulebase_version(const engine *e);

/* The question catalogue, in its own section's order, then priority. */
size_t engine_question_count(const engine *e);
const struct engine_question *engine_question_at(const engine *e, size_t i);
const struct engine_question *engine_question_find(const engine *e,
						   const char *id);

/* The interview's sections, in order (none when the rule base defines no
 * section-def). A question whose section has no section-def is asked after
 * every section's questions. */
size_t engine_section_count(const engine *e);
const struct engine_section *engine_section_at(const engine *e, size_t i);
const struct engine_section *engine_section_find(const engine *e,
						 const char *id);

/* The index (for engine_section_at) of the section question q is asked in:
 * after engine_run() its own or one of its also-in sections, before any
 * run its own; SIZE_MAX when that has no section-def or q is not the
 * engine's. */
size_t engine_question_section_index(const engine *e,
				     const struct engine_question *q);

/* The triage levels, most urgent first. */
size_t engine_level_count(const engine *e);
const struct engine_level *engine_level_at(const engine *e, size_t i);
const struct engine_level *engine_level_find(const engine *e, const char *id);

/* Catalogue of every finding and recommendation the rule base can give
 * (confidence 0, no because/rules). */
size_t engine_finding_def_count(const engine *e);
const struct engine_finding *engine_finding_def_at(const engine *e, size_t i);
const struct engine_finding *engine_finding_def_find(const engine *e,
						     const char *id);
size_t engine_recommendation_def_count(const engine *e);
const struct engine_recommendation *
engine_recommendation_def_at(const engine *e, size_t i);

/* The catalogue position of a question, finding or recommendation the
 * engine handed out (from _at, _find, or a run's results: a result is its
 * definition's entry), or SIZE_MAX for any other pointer. */
size_t engine_question_index(const engine *e, const struct engine_question *q);
size_t engine_finding_index(const engine *e, const struct engine_finding *f);
size_t engine_recommendation_index(const engine *e,
				   const struct engine_recommendation *r);

/* The bibliography (citation facts), in the rule base's order. */
size_t engine_citation_count(const engine *e);
const struct engine_citation *engine_citation_at(const engine *e, size_t i);
const struct engine_citation *engine_citation_find(const engine *e,
						   const char *id);

/* The rule base's report threshold for relationship and risk findings
 * (the rulebase fact's report-threshold). */
double engine_report_threshold(const engine *e);

/* Which questions may be asked. Default ENGINE_MODE_CLINICIAN. */
void engine_mode_set(engine *e, enum engine_mode mode);

/*
 * Validate value against question id and assert it, replacing any earlier
 * answer (everything derived from the old answer is withdrawn; the same
 * answer again changes nothing). A text
 * "skip" declines the question for any type. Fails with ENGINE_EINVAL and a
 * message such as "'age' must be an integer from 0 to 120".
 */
int engine_answer_set(engine *e, const char *id, const struct engine_value *v);

/* As engine_answer_set, from the canonical text form that
 * engine_answer_text() gives ("yes", "67", "72.5", "left", "skip"). */
int engine_answer_set_text(engine *e, const char *id, const char *text);

/*
 * An amount as people say it ("2y", "18 months", "6 wk", "10 days") in
 * question id's own unit, with the rule base's unit-def facts for that unit
 * (the words, and the factor into the unit). Integer and number questions
 * only. Rounded to the nearest whole unit (a hundredth for a number
 * question), halves away from zero; an amount that is not 0 never becomes
 * 0. Writes the canonical text to buf ("104") and returns:
 *   ENGINE_CONVERT_NONE  not an amount with a word, or the unit has no
 *                        conversions: buf holds text as it is, to be
 *                        validated as typed;
 *   ENGINE_CONVERT_OWN   the question's own unit ("6 weeks"): buf holds 6;
 *   ENGINE_CONVERT_DONE  converted or rounded: buf holds the new amount;
 *   ENGINE_EINVAL        a word the unit does not know (the message names
 *                        the question and the words it takes), or an
 *                        amount out of any range.
 * The range is not checked here: engine_answer_set_text() does that.
 */
enum {
	ENGINE_CONVERT_NONE = 0,
	ENGINE_CONVERT_OWN = 1,
	ENGINE_CONVERT_DONE = 2,
};
int engine_answer_convert(engine *e, const char *id, const char *text,
			  char *buf, size_t size);

/* The unit of question id for an amount (canonical text): the unit-def's
 * word for one ("week") when amount is "1", else the question's unit.
 * Borrowed. */
const char *engine_unit_word(const engine *e, const char *id,
			     const char *amount);

/* True if question id's unit has unit-def conversions. */
bool engine_unit_has_conversions(const engine *e, const char *id);

/* Decline (skip) question id: unknown, never asked again. */
int engine_answer_decline(engine *e, const char *id);

/* Forget the answer to id (or the decline); 0 also when there was none. */
int engine_answer_clear(engine *e, const char *id);

/* Forget every answer, and every held stop. */
void engine_answers_clear(engine *e);

/* The canonical text of the answer to id ("skip" when declined), or NULL
 * when unanswered. Borrowed, valid until that answer changes. */
const char *engine_answer_text(const engine *e, const char *id);

/* As engine_answer_text, for the question at catalogue position i. */
const char *engine_answer_text_at(const engine *e, size_t i);

/* Number of answered or declined questions. */
size_t engine_answer_count(const engine *e);

/*
 * Fire the rules to quiescence, within a firing cap and a time limit, then
 * snapshot the conclusions. On ENGINE_ERUN the previous conclusions are
 * dropped (nothing is read from a half-run network).
 */
int engine_run(engine *e);

/* After engine_run(): */

/*
 * The next question to ask (relevant, unanswered, allowed for the mode; red
 * flags first; then in section order, then priority), or NULL when the
 * interview is complete.
 *
 * A stop defers: while a reported finding stops the interview, the next
 * question is the first relevant, unanswered, allowed red-flag question
 * that informs a finding more urgent than the level reported now, and
 * NULL when there is none.
 */
const struct engine_question *engine_next_question(const engine *e);

/* Where the interview stands: the next question's section among the
 * sections with relevant questions, and about how many questions are left.
 * All zero before the first run. */
void engine_progress(const engine *e, struct engine_progress *p);

/* True when there is nothing more to ask or a finding ended the interview
 * (and no deferred question is left). */
bool engine_is_complete(const engine *e);

/* The reported finding that ends the interview early, or NULL. Set as soon
 * as it holds, also while a deferred question is still to be asked. */
const char *engine_stop_reason(const engine *e);

/*
 * Hold a stop for the record: the interview stopped on finding (a finding
 * whose level stops it) and the assessment goes on after it. From the next
 * engine_run() until engine_answers_clear():
 *
 *   - the level is never less urgent than the held finding's level,
 *     whatever the answers say now (the finding itself may no longer be
 *     reported once its answers change);
 *   - the held stop no longer stops the interview: the next question is
 *     asked as without a stop, and engine_stop_reason() is NULL unless a
 *     stopping finding more urgent than every held one is reported.
 *
 * Holding the same finding twice changes nothing. ENGINE_EINVAL for an
 * unknown finding or one whose level does not stop the interview.
 */
int engine_stop_hold(engine *e, const char *finding);

/* The held stops' finding ids, in catalogue order, and the most urgent
 * of their levels (NULL when none is held). */
size_t engine_stop_held_count(const engine *e);
const char *engine_stop_held_at(const engine *e, size_t i);
const struct engine_level *engine_stop_held_level(const engine *e);

/* False while any relevant red-flag question allowed for the mode is
 * neither answered nor declined: the level is then interim. */
bool engine_red_flags_screened(const engine *e);

/* The case's triage level: the most urgent level any reported finding
 * demands, or the rule base's default level when there is none; never
 * less urgent than a held stop (engine_stop_hold()). */
const struct engine_level *engine_level(const engine *e);

/* Reported findings, most urgent level first, then highest confidence. */
size_t engine_finding_count(const engine *e);
const struct engine_finding *engine_finding_at(const engine *e, size_t i);
const struct engine_finding *engine_finding_find(const engine *e,
						 const char *id);

/*
 * A finding's state after the last run whether it is reported or not:
 * confidence, because, against and rules as for a reported finding (all
 * empty when no rule gave it evidence). NULL for an unknown id.
 */
const struct engine_finding *engine_finding_state(const engine *e,
						  const char *id);

/* A rule that can give a finding evidence, as the rule's source says. */
struct engine_rule_use {
	const char *rule;          /* defrule name */
	const char *doc;           /* its comment string; "" when none */
	int sign;                  /* 1 for, -1 against, 0 either (computed) */
	const char *const *reads;  /* question ids its conditions name,
				      catalogue order */
	size_t n_reads;
	bool fired;                /* it gave the finding evidence in the
				      last run */
};

/*
 * The rules that can give finding id evidence (each evidence fact a rule
 * asserts for it, read from the rule sources the first time it is asked:
 * the built-in ones, or the directory's, kept since engine_new()), for
 * explaining a finding that is absent. *uses is borrowed until the next
 * call. ENGINE_EINVAL for an unknown finding.
 */
int engine_finding_rules(engine *e, const char *id,
			 const struct engine_rule_use **uses, size_t *n);

/* Present recommendations, in catalogue order; each keeps only the
 * reported findings behind it, and one with none left is absent. */
size_t engine_recommendation_count(const engine *e);
const struct engine_recommendation *engine_recommendation_at(const engine *e,
							     size_t i);

/* True if question id is currently relevant (its condition holds). */
bool engine_question_is_relevant(const engine *e, const char *id);

/*
 * Rule coverage, for `rules check`: once enabled, every rule firing is
 * counted. engine_rule_count/_name list every defrule; engine_rule_fired
 * gives how often rule i has fired since coverage was enabled.
 */
int engine_coverage_enable(engine *e);
size_t engine_rule_count(const engine *e);
const char *engine_rule_name(const engine *e, size_t i);
unsigned long engine_rule_fired(const engine *e, size_t i);
/* True if a defrule of that name exists. */
bool engine_rule_exists(const engine *e, const char *name);

/*
 * Check the rule base's consistency: every relation a rule uses is a question
 * id or a declared relation; every question, finding, recommendation and
 * level has its wording, source and a valid definition; every id a question
 * informs or a finding gives way to exists (and none gives way to itself
 * or in a circle); no rule gives a red flag negative evidence; every
 * unit-def is for a unit some question asks in, each word once; once the
 * rule base has citations, every finding and recommendation cites existing
 * ones and every citation is cited; no user-facing text names the
 * specification or a seed file; and whatever
 * runs so far revealed (evidence or recommendations naming an undefined
 * finding, rule or recommendation, negative evidence for a red flag).
 * report is called once per problem with a message; returns the count.
 */
size_t engine_check(const engine *e,
		    void (*report)(void *ctx, const char *problem), void *ctx);

/* The name of an answer type: "yesno", "integer", ... */
const char *engine_type_name(enum engine_type t);

#endif
