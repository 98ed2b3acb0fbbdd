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

/*
 * Write the plain-text report of session sid to f: the session's details,
 * its conclusions (the stored ones; for a session still in progress,
 * interim ones worked out again from its answers on e, whose answers are
 * replaced), its answers with the questions' wording, and its notes.
 * Returns 0, or -1 with a message in err (lower case, no patient data).
 */
int cli_report_text(FILE *f, db *d, int64_t sid, engine *e, char *err,
		    size_t errsize);

#endif
