/*
 * export.c — `msktriage export --format csv|jsonl [--since DATE]
 * [--status S] [--mode M] [--output FILE]`: one row (CSV) or one line
 * (JSON Lines) per session, for audit and research.
 *
 * Streamed: sessions are read one at a time (db_session_next) in id order
 * and written at once, with one row's worth of memory reused throughout, so
 * a store of any size exports in constant memory. The columns are fixed by
 * the rule base loaded (docs/export.md): the session's own fields, then one
 * column per question in catalogue order, then one per finding and per
 * recommendation in catalogue order. Patient labels, clinician names and
 * notes are never exported.
 *
 * CSV follows RFC 4180 (CRLF line ends, a field with a comma, a quote or a
 * line break quoted, quotes doubled). A field that starts with '=', '+',
 * '-', '@', a tab or a carriage return gets a leading apostrophe, so a
 * spreadsheet shows it as text instead of running it as a formula.
 */
#include "cli/cli.h"
#include "cli/result.h"
#include "cli/store.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char export_usage[] =
	"usage: msktriage export --format csv|jsonl [--since YYYY-MM-DD]\n"
	"                        [--status S] [--mode M]\n"
	"\n"
	"Write every session (one CSV row or one JSON line each, oldest first)\n"
	"for audit and research. Columns: docs/export.md. Patient labels,\n"
	"clinician names and notes are not exported.\n"
	"\n"
	"  --format csv|jsonl  RFC 4180 CSV with a header row, or JSON Lines\n"
	"  --since DATE        sessions started on or after DATE (local time)\n"
	"  --status S          in_progress, complete, emergency_stopped, abandoned\n"
	"  --mode M            clinician, kiosk or api\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 bad usage.\n";

/* The session columns before the questions. */
static const char *const session_columns[] = {
	"session_id", "code", "mode", "status", "started_at", "finished_at",
	"level", "red_flags_screened", "signed_off", "answers",
	"rulebase_sha256", "program_version", NULL,
};

struct row {
	const engine *e;
	size_t n_q;
	const char **value;     /* per catalogue question, borrowed ... */
	char **owned;           /* ... from these copies */
};

/* ----------------------------------------------------------------- CSV */

static void csv_field(FILE *f, const char *s, bool first)
{
	if (!first)
		fputc(',', f);
	if (!s || !*s)
		return;
	bool formula = strchr("=+-@\t\r", s[0]) != NULL;
	bool quote = formula || strpbrk(s, ",\"\r\n") != NULL;
	if (quote)
		fputc('"', f);
	if (formula)
		fputc('\'', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	if (quote)
		fputc('"', f);
}

static void csv_header(FILE *f, const engine *e)
{
	char name[300];
	for (size_t i = 0; session_columns[i]; i++)
		csv_field(f, session_columns[i], i == 0);
	for (size_t i = 0; i < engine_question_count(e); i++)
		csv_field(f, engine_question_at(e, i)->id, false);
	for (size_t i = 0; i < engine_finding_def_count(e); i++) {
		snprintf(name, sizeof(name), "finding.%s",
			 engine_finding_def_at(e, i)->id);
		csv_field(f, name, false);
	}
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++) {
		snprintf(name, sizeof(name), "recommendation.%s",
			 engine_recommendation_def_at(e, i)->id);
		csv_field(f, name, false);
	}
	fputs("\r\n", f);
}

/* ------------------------------------------------------------ one row */

static void iso(char *buf, size_t size, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) ||
	    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		buf[0] = '\0';
}

static void row_clear(struct row *r)
{
	for (size_t i = 0; i < r->n_q; i++) {
		free(r->owned[i]);
		r->owned[i] = NULL;
		r->value[i] = NULL;
	}
}

static int take_answer(const char *question, const char *value, void *ctx)
{
	struct row *r = ctx;
	/* Catalogue position by the engine's hashed lookup. */
	const struct engine_question *q = engine_question_find(r->e, question);
	if (!q)
		return 0;   /* not in the loaded rule base: no column */
	for (size_t i = 0; i < r->n_q; i++) {
		if (engine_question_at(r->e, i) != q)
			continue;
		free(r->owned[i]);
		if (!(r->owned[i] = strdup(value)))
			return -1;
		r->value[i] = r->owned[i];
		break;
	}
	return 0;
}

/* The confidence of finding id in conclusions c, or a negative number. */
static double confidence_of(json_t *c, const char *id)
{
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(c, "findings"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "id"))
			   ? json_string_value(json_object_get(f, "id")) : "", id) == 0)
			return json_number_value(json_object_get(f, "confidence"));
	return -1;
}

static bool recommended(json_t *c, const char *id)
{
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(c, "recommendations"), i, r) {
		const char *rid = json_string_value(json_object_get(r, "id"));
		if (rid && strcmp(rid, id) == 0)
			return true;
	}
	return false;
}

static const char *screened(json_t *c)
{
	json_t *v = json_object_get(c, "red_flags_screened");
	return json_is_true(v) ? "true" : json_is_false(v) ? "false" : "";
}

static void write_csv(FILE *f, const struct db_session *s, struct row *r,
		      json_t *c)
{
	const engine *e = r->e;
	char started[32], finished[32], id[32], n[32], num[32];
	iso(started, sizeof(started), s->started_at);
	iso(finished, sizeof(finished), s->finished_at);
	snprintf(id, sizeof(id), "%lld", (long long)s->id);
	snprintf(n, sizeof(n), "%d", s->answer_count);
	const char *cols[] = {
		id, s->code, s->mode, s->status, started, finished,
		s->level ? s->level : "", screened(c),
		s->signed_off_by ? "true" : "false", n,
		s->rulebase_sha256, s->program_version,
	};
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		csv_field(f, cols[i], i == 0);
	for (size_t i = 0; i < r->n_q; i++)
		csv_field(f, r->value[i], false);
	for (size_t i = 0; i < engine_finding_def_count(e); i++) {
		double cf = confidence_of(c, engine_finding_def_at(e, i)->id);
		num[0] = '\0';
		if (cf >= 0)
			snprintf(num, sizeof(num), "%.2f", cf);
		csv_field(f, num, false);
	}
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++)
		csv_field(f, recommended(c, engine_recommendation_def_at(e, i)->id)
			  ? "1" : "", false);
	fputs("\r\n", f);
}

static int write_jsonl(FILE *f, const struct db_session *s, struct row *r,
		       json_t *c)
{
	const engine *e = r->e;
	char started[32], finished[32];
	iso(started, sizeof(started), s->started_at);
	iso(finished, sizeof(finished), s->finished_at);
	json_t *answers = json_object(), *findings = json_object();
	json_t *recs = json_array();
	json_t *v = json_object_get(c, "red_flags_screened");
	json_t *line = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, "
				 "s:i, s:s, s:s, s:o, s:o, s:o}",
		"session_id", (json_int_t)s->id, "code", s->code, "mode", s->mode,
		"status", s->status, "started_at", started,
		"finished_at", *finished ? json_string(finished) : json_null(),
		"level", s->level ? json_string(s->level) : json_null(),
		"red_flags_screened", json_is_boolean(v) ? json_incref(v) : json_null(),
		"signed_off", s->signed_off_by != NULL, "answers_count",
		s->answer_count, "rulebase_sha256", s->rulebase_sha256,
		"program_version", s->program_version,
		"answers", answers, "findings", findings,
		"recommendations", recs);
	if (!line)
		return -1;
	for (size_t i = 0; i < r->n_q; i++) {
		const struct engine_question *q = engine_question_at(e, i);
		const char *a = r->value[i];
		if (!a)
			continue;
		json_t *jv;
		if (strcmp(a, DB_SKIP) != 0 && (q->type == ENGINE_TYPE_INTEGER ||
						q->type == ENGINE_TYPE_SCALE))
			jv = json_integer(strtoll(a, NULL, 10));
		else if (strcmp(a, DB_SKIP) != 0 && q->type == ENGINE_TYPE_NUMBER)
			jv = json_real(strtod(a, NULL));
		else
			jv = json_string(a);
		json_object_set_new(answers, q->id, jv);
	}
	for (size_t i = 0; i < engine_finding_def_count(e); i++) {
		const char *id = engine_finding_def_at(e, i)->id;
		double cf = confidence_of(c, id);
		if (cf >= 0)
			json_object_set_new(findings, id, json_real(cf));
	}
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++) {
		const char *id = engine_recommendation_def_at(e, i)->id;
		if (recommended(c, id))
			json_array_append_new(recs, json_string(id));
	}
	int rc = json_dumpf(line, f, JSON_COMPACT | CLI_JSON_REAL);
	fputc('\n', f);
	json_decref(line);
	return rc;
}

/* ------------------------------------------------------------- command */

static bool one_of(const char *s, const char *const *list)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(s, list[i]) == 0)
			return true;
	return false;
}

static int bad_usage(const char *msg)
{
	fprintf(stderr, "msktriage: %s\n%s", msg, export_usage);
	return 2;
}

int cli_export(int argc, char **argv, const struct cli_options *opt)
{
	static const char *const statuses[] = { "in_progress", "complete",
		"emergency_stopped", "abandoned", NULL };
	static const char *const modes[] = { "clinician", "kiosk", "api", NULL };
	const char *format = NULL, *status = NULL, *mode = NULL;
	int64_t since = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(export_usage, stdout);
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--format") == 0) {
			format = argv[++i];
			if (strcmp(format, "csv") && strcmp(format, "jsonl"))
				return bad_usage("'--format' must be one of csv, jsonl");
		} else if (i + 1 < argc && strcmp(a, "--since") == 0) {
			if (!cli_date_parse(argv[++i], &since))
				return bad_usage("'--since' must be a date like 2026-11-21");
		} else if (i + 1 < argc && strcmp(a, "--status") == 0) {
			status = argv[++i];
			if (!one_of(status, statuses))
				return bad_usage("'--status' must be one of in_progress, "
						 "complete, emergency_stopped, abandoned");
		} else if (i + 1 < argc && strcmp(a, "--mode") == 0) {
			mode = argv[++i];
			if (!one_of(mode, modes))
				return bad_usage("'--mode' must be one of clinician, "
						 "kiosk, api");
		} else {
			fprintf(stderr, "msktriage: unknown or incomplete option "
				"'%.64s' for export\n%s", a, export_usage);
			return 2;
		}
	}
	if (!format)
		return bad_usage("export needs '--format csv' or '--format jsonl'");

	int status_code = 1;
	bool csv = strcmp(format, "csv") == 0;
	struct row r = { 0 };
	db *d = NULL;
	engine *e = cli_engine_open(opt);
	if (!e)
		goto out_free;
	if (!(d = cli_store_open(opt, "clinician")))
		goto out_free;
	r.e = e;
	r.n_q = engine_question_count(e);
	r.value = calloc(r.n_q ? r.n_q : 1, sizeof(*r.value));
	r.owned = calloc(r.n_q ? r.n_q : 1, sizeof(*r.owned));
	if (!r.value || !r.owned) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	if (csv)
		csv_header(stdout, e);

	int64_t after = 0;
	size_t n = 0;
	for (;;) {
		struct db_session *s = NULL;
		int rv = db_session_next(d, after, status, since, &s);
		if (rv == DB_ENOTFOUND)
			break;
		if (rv != DB_OK) {
			fprintf(stderr, "msktriage: cannot read the sessions: %s\n",
				db_errmsg(d));
			goto out_free;
		}
		after = s->id;
		if (mode && strcmp(s->mode, mode) != 0) {
			db_session_free(s);
			continue;
		}
		row_clear(&r);
		if (db_answers_load(d, s->id, take_answer, &r) != DB_OK) {
			fprintf(stderr, "msktriage: cannot read the answers of "
				"session %s: %s\n", s->code, db_errmsg(d));
			db_session_free(s);
			goto out_free;
		}
		json_t *c = s->conclusions_json && strcmp(s->status, "in_progress")
			? json_loads(s->conclusions_json, 0, NULL) : NULL;
		int wrc = 0;
		if (csv)
			write_csv(stdout, s, &r, c);
		else
			wrc = write_jsonl(stdout, s, &r, c);
		json_decref(c);
		db_session_free(s);
		if (wrc != 0 || ferror(stdout)) {
			fprintf(stderr, "msktriage: cannot write the export: %s\n",
				strerror(errno));
			goto out_free;
		}
		n++;
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, "msktriage: cannot write the export: %s\n",
			strerror(errno));
		goto out_free;
	}
	fprintf(stderr, "exported %zu session%s\n", n, n == 1 ? "" : "s");
	status_code = 0;
out_free:
	row_clear(&r);
	free(r.value);
	free(r.owned);
	db_close(d);
	engine_free(e);
	return status_code;
}
