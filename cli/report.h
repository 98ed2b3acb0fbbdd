/*
 * report.h — a session's conclusions for people: the interview's summaries
 * and the plain-text report of `msktriage report`.
 *
 * Everything is printed from the conclusions JSON of cli_result_json()
 * (result.h), so what the interview shows, what the store keeps and what a
 * report says are the same. An engine, when given, only adds the rule
 * base's wording (question text, finding safety-netting).
 */
#ifndef MSKTRIAGE_CLI_REPORT_H
#define MSKTRIAGE_CLI_REPORT_H

#include "cli/term.h"
#include "db/db.h"
#include "engine/engine.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

/* What cli_conclusions_print() shows beyond the level, red flags and
 * findings with their confidence. */
enum {
	CLI_SHOW_RECOMMENDATIONS = 1 << 0,
	CLI_SHOW_SAFETY_NET = 1 << 1,
	CLI_SHOW_EVIDENCE = 1 << 2,   /* because, rules and source of each */
};

/*
 * Print conclusions c (the shape of cli_result_json()) on o: the level and
 * its meaning, what stopped the interview, red flags, the other findings by
 * urgency then confidence, and what show asks for. e may be NULL; when given
 * it supplies each finding's own safety-netting advice. Borrowed arguments.
 */
void cli_conclusions_print(const struct term_out *o, json_t *c,
			   const engine *e, unsigned show);

/* Print the stops an assessment was continued after ("stops" of
 * conclusions, see cli_stop_record()) on o: the stop finding, its level and
 * what to do, that the assessment went on, and whether the answers still
 * support it. Nothing when stops is NULL or empty. */
void cli_stops_print(const struct term_out *o, json_t *stops);

/*
 * Write the plain-text report of session sid to f: the session's details,
 * its conclusions (the stored ones; for a session still in progress,
 * interim ones worked out again from its answers on e, whose answers are
 * replaced), its answers with the questions' wording, and its notes.
 * Returns 0, or -1 with a message in err (lower case, no patient data).
 */
int cli_report_text(FILE *f, db *d, int64_t sid, engine *e, char *err,
		    size_t errsize);

/*
 * The report model: one read-only picture of a session that every report
 * format is written from. It is a JSON document in the shape of
 * docs/report-schema.md (the JSON format writes it as it is), built by
 * report_load() from the store and, for wording the stored conclusions do
 * not carry, the rule base.
 *
 *     report_load()     session, answers by section with their history,
 *                       conclusions, notes, addenda, sign-off, audit summary
 *     report_write()    one format, to a stream
 *     report_free()
 */
struct report;

enum report_audience {
	REPORT_CLINICIAN,
	REPORT_PATIENT,     /* plain words and advice only */
};

enum report_format {
	REPORT_TEXT,
	REPORT_MARKDOWN,
	REPORT_JSON,
	REPORT_HTML,
	REPORT_FHIR,     /* report_fhir_bundle(), not report_write() */
};

/* The schema version of the model (docs/report-schema.md). */
#define REPORT_SCHEMA_VERSION 1

/*
 * Build the report of session sid. e supplies the conclusions of a session
 * still in progress (worked out again from its answers; e's answers are
 * replaced) and the wording of sessions stored before conclusions kept their
 * own (only when e is the rule base they were made with). now is the time
 * the report is written. Returns 0 with *out set (free with report_free), or
 * -1 with a message in err (lower case, no patient data).
 */
int report_load(db *d, int64_t sid, engine *e, enum report_audience audience,
		int64_t now, struct report **out, char *err, size_t errsize);

void report_free(struct report *r);

/* A section's heading for the audience: its title from the rule base's
 * section-def, or, for a section the rule base does not define (an older
 * session's), the id in words ("where_it_hurts" -> "Where it hurts"). e may
 * be NULL. New reference. */
json_t *report_section_title(const engine *e, const char *id,
			     enum report_audience aud);

/* What a patient reads beside an interim level: for a level that can only
 * rise, that the advice stands; otherwise that it may change. */
const char *report_patient_interim(json_t *conclusions);

/* The model as JSON; borrowed, valid until report_free(). */
json_t *report_json(const struct report *r);

/* Write r as format on f (HTML with the built-in body map). Returns 0, or
 * -1 on a write error. */
int report_write(const struct report *r, enum report_format format, FILE *f);

/*
 * The body map of HTML reports (regions, coordinates, what marks them, the
 * relationships drawn): rules_dir/body-map.json when rules_dir is given and
 * holds one, else the built-in rules/body-map.json. New reference, or NULL
 * with a message in err.
 */
json_t *report_body_map_load(const char *rules_dir, char *err, size_t errsize);

/* r as one self-contained HTML file (no script, nothing fetched) with the
 * body diagram of body_map. Returns 0, or -1 on a write error. */
int report_write_html(const struct report *r, json_t *body_map, FILE *f);

/* The built-in rules/body-map.json and rules/fhir-map.json, embedded at
 * build time. */
extern const char report_body_map_builtin[];
extern const char report_fhir_map_builtin[];

/*
 * A report data file: rules_dir/name when rules_dir is given and holds one,
 * else builtin. New reference to its JSON object, or NULL with a message
 * in err.
 */
json_t *report_data_load(const char *rules_dir, const char *name,
			 const char *builtin, char *err, size_t errsize);

/*
 * FHIR R4 (docs/fhir.md). report_fhir_questionnaire: the question bank of
 * e as a Questionnaire (e's answers are cleared: enableWhen is worked out by
 * running it). report_fhir_bundle: the session of clinician model r as a
 * Bundle of type collection, its response following questionnaire, the
 * patient's advice taken from patient model p, qualitative risks from map
 * (rules/fhir-map.json). New references, NULL when out of memory.
 */
json_t *report_fhir_questionnaire(engine *e);
json_t *report_fhir_bundle(const struct report *r, const struct report *p,
			   json_t *questionnaire, json_t *map);

/* Format and audience names as on the command line; -1 when unknown. */
int report_format_parse(const char *name);
int report_audience_parse(const char *name);

#endif
