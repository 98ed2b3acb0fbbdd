/*
 * result.h — an engine's conclusions as JSON, and answers from JSON.
 *
 * Shared by `assess`, the case runner and the reports, so every consumer
 * sees the same shape (SPEC §6):
 *
 *   { "triage": {"level", "rank", "meaning", "patient_meaning", "safety_net"},
 *     "findings": [{"id", "kind", "title", "confidence", "level",
 *                   "because": {question: answer}, "against": [question ids],
 *                   "rules": [], "source", "citations": [{"id", "text"}]}],
 *     "recommendations": [{"id", "title", "because": [finding ids], "source",
 *                          "citations": [{"id", "text"}]}],
 *     "next_question": id | null, "complete": bool,
 *     "red_flags_screened": bool, "stopped_by": id | null,
 *     "rulebase": {"sha256", "version"} }
 */
#ifndef MSKTRIAGE_CLI_RESULT_H
#define MSKTRIAGE_CLI_RESULT_H

#include "engine/engine.h"

#include <jansson.h>
#include <stddef.h>

/* Flags for every JSON the program writes: enough digits for any answer,
 * and a confidence of 0.95 prints as 0.95. */
#define CLI_JSON_REAL JSON_REAL_PRECISION(10)

/* The conclusions of e's last run. Returns a new reference (caller
 * json_decref's), NULL when out of memory. */
json_t *cli_result_json(const engine *e);

/*
 * The conclusions of e's last run as the store keeps them (format 2): those
 * of cli_result_json() plus "format": 2 and everything a report of them
 * shows later, so that it never takes wording from a newer rule base:
 * each finding's "text", "patient_text" and "safety_net", each
 * recommendation's "text" and "patient_text", and "questions": for every
 * answered question {"section", "text", "patient_text", "type", "unit",
 * "choices": {value: label}}. New reference, NULL when out of memory.
 */
json_t *cli_result_stored_json(const engine *e);

/*
 * Stops the assessment was continued after ("continued for the record").
 * The conclusions a session keeps carry them as "stops": an array of
 *
 *   {"finding", "title", "text", "patient_text": the stop finding's,
 *    "level", "meaning", "patient_meaning", "safety_net": its level's,
 *    "continued_at": seconds since the epoch,
 *    "because": {question: answer} the answers behind it then,
 *    "answers": {question: answer} every answer when it stopped,
 *    "supported": whether the answers now still report the finding}
 *
 * cli_stop_record: the record of the stop on finding, on e as it is now
 * (its answers at the stop). cli_stops_hold: hold every stop of records on
 * e (engine_stop_hold()); -1 with a message in err when one cannot be.
 * cli_stops_now: a copy of records with "supported" worked out from e's
 * reported findings. New references, NULL when out of memory.
 */
json_t *cli_stop_record(const engine *e, const char *finding, long long at);
int cli_stops_hold(engine *e, json_t *records, char *err, size_t errsize);
json_t *cli_stops_now(const engine *e, json_t *records);

/* A question's wording as cli_result_stored_json() keeps it. New
 * reference, NULL when out of memory. */
json_t *cli_question_json(const struct engine_question *q);

/* An answer text to q (q NULL: unknown question) as a JSON value: numbers
 * for integer, scale and number questions when the text is one, strings
 * otherwise ("skip" included). New reference; NULL when out of memory or
 * the text is not valid UTF-8. */
json_t *cli_answer_value(const struct engine_question *q, const char *text);

/* The canonical answer text of a question as a JSON value, as
 * cli_answer_value(); null when unanswered. New reference. */
json_t *cli_answer_json(const engine *e, const char *question);

/*
 * Apply every member of the JSON object answers to e. On bad input returns
 * -1 and writes a message naming the question and what is allowed into err;
 * the answers before the bad one stay applied, so a caller that goes on
 * with e must treat its state as unknown (cli_request_run replaces it
 * whole on the next request).
 */
int cli_answers_apply(engine *e, json_t *answers, char *err, size_t errsize);

/*
 * What a JSON parser's error je says, in the program's words with its line
 * and column, into err: never the parser's own text, which names its flags
 * and quotes the input.
 */
void cli_json_error(const json_error_t *je, char *err, size_t errsize);

/*
 * Parse one request and check its shape: a JSON object with an "answers"
 * object, an optional "mode" (clinician or kiosk) and "id", nothing else.
 * Returns a new reference, or NULL with a message in err.
 */
json_t *cli_request_parse(const char *text, size_t len, char *err,
			  size_t errsize);

/* Apply a parsed request to e (see cli_request_run) and run. */
int cli_request_apply(engine *e, enum engine_mode default_mode, json_t *root,
		      char *err, size_t errsize);

/*
 * Parse one request ({"answers": {...}, "mode": "clinician"|"kiosk"}) from
 * text of length len, apply it to e (in default_mode unless the request
 * names one) and run. Returns 0 ok, -1 bad input (message in err), -2 engine
 * failure (message in err).
 */
int cli_request_run(engine *e, enum engine_mode default_mode, const char *text,
		    size_t len, char *err, size_t errsize);

/*
 * The common request, read without jansson: a flat object
 * {"answers": {"q": "text" | integer | decimal, ...}, "id": "...",
 * "mode": "clinician" | "kiosk"} whose strings are printable ASCII with
 * no escape. Anything else (escapes, other bytes, nesting, true/false/null,
 * exponents, long integers, duplicate names, other fields, any error)
 * is left to cli_request_parse, so error messages stay jansson's own.
 */
struct cli_scanned_answer {
	const char *question;
	struct engine_value value;
};

struct cli_request {
	struct cli_scanned_answer *answers; /* in the order given */
	size_t n;
	const char *id;      /* NULL when none */
	int mode;            /* -1 when none, else an enum engine_mode */
};

/*
 * Scan text (len bytes, text[len] == '\0'). Returns 1 with req filled:
 * its strings point into text, which is changed in place (each string's
 * closing quote becomes a NUL) only then; 0 when the request needs
 * cli_request_parse (text untouched); -1 when out of memory. An "id"
 * longer than max_id bytes also returns 0. Free with cli_request_release.
 */
int cli_request_scan(char *text, size_t len, size_t max_id,
		     struct cli_request *req);
void cli_request_release(struct cli_request *req);

/* As cli_request_apply, for a scanned request. */
int cli_request_apply_scanned(engine *e, enum engine_mode default_mode,
			      const struct cli_request *req, char *err,
			      size_t errsize);

#endif
