/*
 * report.c — `msktriage report ID|CODE [--format text] [--output FILE]`,
 * and the conclusions printer the interview shares (see report.h).
 *
 * Only the text format exists for now; markdown, json, html and fhir are
 * refused with exit status 2 until they are written. Every export is
 * recorded in the store's audit trail ('report_exported', detail: the
 * format) before it is written: an export that cannot be recorded is not
 * written. A report file holds patient data, so it is opened with
 * cli_file_create() (mode 0600, never through a symbolic link).
 */
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/store.h"
#include "cli/result.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "because" of a finding: question = answer, ... */
static void print_because(const struct term_out *o, json_t *because)
{
	char buf[1024];
	size_t used = 0;
	const char *q;
	json_t *v;
	buf[0] = '\0';
	json_object_foreach(because, q, v) {
		char val[64], id[256];
		if (json_is_string(v))
			term_escape(val, sizeof(val), json_string_value(v), 0);
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld",
				 (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%g", json_real_value(v));
		else
			snprintf(val, sizeof(val), "unknown");
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s = %s",
				 used ? ", " : "", TERM_SAFE(id, q), val);
		if (w < 0 || (size_t)w >= sizeof(buf) - used)
			break;
		used += (size_t)w;
	}
	char line[1100];
	snprintf(line, sizeof(line), "because: %s", used ? buf : "-");
	term_wrap(o, 5, 7, TERM_RESET, line);
}

static void print_finding(const struct term_out *o, json_t *f, unsigned show)
{
	bool red = strcmp(jstr(f, "kind"), "red_flag") == 0;
	char title[512], id[256], level[64], kind[64];
	fprintf(o->f, "  %s%s%s [%s]\n", term_sgr(o, red ? TERM_RED : TERM_BOLD),
		TERM_SAFE(title, jstr(f, "title")), term_sgr(o, TERM_RESET),
		TERM_SAFE(id, jstr(f, "id")));
	fprintf(o->f, "     level %s, confidence %.2f, %s\n",
		TERM_SAFE(level, jstr(f, "level")),
		json_number_value(json_object_get(f, "confidence")),
		TERM_SAFE(kind, jstr(f, "kind")));
	if (!(show & CLI_SHOW_EVIDENCE))
		return;
	print_because(o, json_object_get(f, "because"));
	char line[1024];
	size_t used = 0;
	size_t i;
	json_t *r;
	line[0] = '\0';
	json_array_foreach(json_object_get(f, "rules"), i, r) {
		char rule[256];
		int w = snprintf(line + used, sizeof(line) - used, "%s%s",
				 used ? ", " : "rules: ",
				 TERM_SAFE(rule, json_string_value(r)));
		if (w < 0 || (size_t)w >= sizeof(line) - used)
			break;
		used += (size_t)w;
	}
	if (used)
		term_wrap(o, 5, 7, TERM_RESET, line);
	snprintf(line, sizeof(line), "source: %s", jstr(f, "source"));
	term_wrap(o, 5, 7, TERM_RESET, line);
}

void cli_conclusions_print(const struct term_out *o, json_t *c,
			   const engine *e, unsigned show)
{
	json_t *triage = json_object_get(c, "triage");
	json_t *findings = json_object_get(c, "findings");
	bool urgent = json_integer_value(json_object_get(triage, "rank")) <= 2;
	size_t i;
	json_t *f;
	char level[64], title[512], id[256];

	/* While a relevant red-flag question is unanswered the level is
	 * interim and says so (conclusions kept before the field existed
	 * are taken as they were shown). */
	json_t *screened = json_object_get(c, "red_flags_screened");
	fprintf(o->f, "%sTriage level%s: %s%s\n",
		term_sgr(o, urgent ? TERM_RED : TERM_BOLD),
		json_is_false(screened)
			? " (interim, red-flag screening not finished)" : "",
		TERM_SAFE(level, jstr(triage, "level")), term_sgr(o, TERM_RESET));
	term_wrap(o, 2, 2, TERM_RESET, jstr(triage, "meaning"));
	const char *stop = json_string_value(json_object_get(c, "stopped_by"));
	if (stop) {
		char title_s[512];
		const char *title = stop;
		json_array_foreach(findings, i, f)
			if (strcmp(jstr(f, "id"), stop) == 0)
				title = jstr(f, "title");
		fprintf(o->f, "Interview stopped by: %s [%s]\n",
			term_escape(title_s, sizeof(title_s), title, 0),
			TERM_SAFE(id, stop));
	}

	size_t n_red = 0, n_other = 0;
	json_array_foreach(findings, i, f) {
		if (strcmp(jstr(f, "kind"), "red_flag") == 0)
			n_red++;
		else
			n_other++;
	}
	fprintf(o->f, "\n%sRed flags (%zu)%s\n", term_sgr(o, TERM_BOLD), n_red,
		term_sgr(o, TERM_RESET));
	if (!n_red)
		fputs("  none found\n", o->f);
	json_array_foreach(findings, i, f)
		if (strcmp(jstr(f, "kind"), "red_flag") == 0)
			print_finding(o, f, show);
	fprintf(o->f, "\n%sFindings (%zu, most urgent first, then by confidence)%s\n",
		term_sgr(o, TERM_BOLD), n_other, term_sgr(o, TERM_RESET));
	if (!n_other)
		fputs("  none\n", o->f);
	json_array_foreach(findings, i, f)
		if (strcmp(jstr(f, "kind"), "red_flag") != 0)
			print_finding(o, f, show);

	if (show & CLI_SHOW_RECOMMENDATIONS) {
		json_t *recs = json_object_get(c, "recommendations");
		fprintf(o->f, "\n%sRecommendations (%zu)%s\n",
			term_sgr(o, TERM_BOLD), json_array_size(recs),
			term_sgr(o, TERM_RESET));
		if (!json_array_size(recs))
			fputs("  none\n", o->f);
		json_t *r;
		json_array_foreach(recs, i, r) {
			char line[1024];
			size_t used = (size_t)snprintf(line, sizeof(line),
						       "- %s [%s]",
						       TERM_SAFE(title, jstr(r, "title")),
						       TERM_SAFE(id, jstr(r, "id")));
			size_t j;
			json_t *b;
			json_array_foreach(json_object_get(r, "because"), j, b) {
				if (used >= sizeof(line))
					break;
				used += (size_t)snprintf(line + used,
					sizeof(line) - used, "%s%s",
					j ? ", " : " for: ",
					TERM_SAFE(id, json_string_value(b)));
			}
			term_wrap(o, 2, 4, TERM_RESET, line);
		}
	}

	if (show & CLI_SHOW_SAFETY_NET) {
		fprintf(o->f, "\n%sSafety-netting%s\n", term_sgr(o, TERM_BOLD),
			term_sgr(o, TERM_RESET));
		term_wrap(o, 2, 2, TERM_RESET, jstr(triage, "safety_net"));
		json_array_foreach(findings, i, f) {
			const struct engine_finding *d = engine_finding_def_find(e, jstr(f, "id"));
			if (d && d->safety_net && *d->safety_net)
				term_wrap(o, 2, 2, TERM_RESET, d->safety_net);
		}
	}
}

/* ----------------------------------------------------------- text report */

static void when(char *buf, size_t size, int64_t t)
{
	if (t <= 0) {
		snprintf(buf, size, "-");
		return;
	}
	time_t tt = (time_t)t;
	struct tm tm;
	if (!localtime_r(&tt, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M %Z", &tm) == 0)
		snprintf(buf, size, "%lld", (long long)t);
}

struct answers {
	char **q, **v;
	size_t n, cap;
};

static int collect_answer(const char *question, const char *value, void *ctx)
{
	struct answers *a = ctx;
	if (a->n == a->cap) {
		size_t cap = a->cap ? a->cap * 2 : 32;
		char **q = realloc(a->q, cap * sizeof(*q));
		if (!q)
			return -1;
		a->q = q;
		char **v = realloc(a->v, cap * sizeof(*v));
		if (!v)
			return -1;
		a->v = v;
		a->cap = cap;
	}
	a->q[a->n] = strdup(question);
	a->v[a->n] = strdup(value);
	if (!a->q[a->n] || !a->v[a->n]) {
		free(a->q[a->n]);
		free(a->v[a->n]);
		return -1;
	}
	a->n++;
	return 0;
}

static void answers_free(struct answers *a)
{
	for (size_t i = 0; i < a->n; i++) {
		free(a->q[i]);
		free(a->v[i]);
	}
	free(a->q);
	free(a->v);
}

/* A note: its author and text as typed, escaped (see term.h), so that
 * nothing in them can start a line of the report. */
static int print_note(const struct db_note *n, void *ctx)
{
	FILE *f = ctx;
	struct term_out o;
	char at[64];
	term_out_plain(&o, f);
	when(at, sizeof(at), n->at);
	fprintf(f, "  %s", at);
	if (n->author) {
		fputs(", ", f);
		term_put_untrusted(f, n->author);
	}
	fputs(":\n", f);
	term_wrap_untrusted(&o, 4, 4, TERM_RESET, n->text);
	return 0;
}

int cli_report_text(FILE *f, db *d, int64_t sid, engine *e, char *err,
		    size_t errsize)
{
	int rc = -1;
	struct db_session *s = NULL;
	struct answers a = { 0 };
	json_t *c = NULL;
	struct term_out o;
	char t1[64];
	bool interim;

	term_out_plain(&o, f);
	if (db_session_get(d, sid, &s) != DB_OK) {
		snprintf(err, errsize, "%s", db_errmsg(d));
		goto out_free;
	}
	if (db_answers_load(d, sid, collect_answer, &a) != DB_OK) {
		snprintf(err, errsize, "cannot read the answers: %s", db_errmsg(d));
		goto out_free;
	}
	interim = strcmp(s->status, "in_progress") == 0 || !s->conclusions_json;
	if (!interim) {
		c = json_loads(s->conclusions_json, 0, NULL);
		if (!c) {
			snprintf(err, errsize, "the stored conclusions of session "
				 "'%s' cannot be read", s->code);
			goto out_free;
		}
	} else {
		/* Work the conclusions out again from the answers given. */
		engine_answers_clear(e);
		for (size_t i = 0; i < a.n; i++)
			engine_answer_set_text(e, a.q[i], a.v[i]);
		if (engine_run(e) != 0) {
			snprintf(err, errsize, "%s", engine_errmsg(e));
			goto out_free;
		}
		c = cli_result_json(e);
		if (!c) {
			snprintf(err, errsize, "out of memory");
			goto out_free;
		}
	}

	fputs("MSKTRIAGE SESSION REPORT\n========================\n\n", f);
	/* Whatever a person typed, and anything else read back from the
	 * store, is escaped: no value can forge a line of the report. */
	char safe[256], safe2[256];
	fprintf(f, "Session      %s (id %lld)\n", s->code, (long long)s->id);
	fprintf(f, "Status       %s%s\n", TERM_SAFE(safe, s->status),
		interim ? " (interim conclusions: the interview is not finished)"
			: "");
	fprintf(f, "Mode         %s\n", s->mode ? TERM_SAFE(safe, s->mode) : "-");
	if (s->patient_label) {
		fputs("Patient      ", f);
		term_put_untrusted(f, s->patient_label);
		fputc('\n', f);
	}
	when(t1, sizeof(t1), s->started_at);
	fprintf(f, "Started      %s\n", t1);
	when(t1, sizeof(t1), s->finished_at);
	fprintf(f, "Finished     %s\n", t1);
	if (s->clinician) {
		fputs("Clinician    ", f);
		term_put_untrusted(f, s->clinician);
		fputc('\n', f);
	}
	if (s->signed_off_by) {
		when(t1, sizeof(t1), s->signed_off_at);
		fputs("Signed off   by ", f);
		term_put_untrusted(f, s->signed_off_by);
		fprintf(f, ", %s\n", t1);
	} else {
		fputs("Signed off   not signed off\n", f);
	}
	json_t *rb = json_object_get(c, "rulebase");
	fprintf(f, "Rule base    %s (sha256 %s)\n", TERM_SAFE(safe, jstr(rb, "version")),
		s->rulebase_sha256 ? TERM_SAFE(safe2, s->rulebase_sha256) : "-");
	fprintf(f, "Program      msktriage %s\n\n",
		s->program_version ? TERM_SAFE(safe, s->program_version) : "-");

	cli_conclusions_print(&o, c, e, CLI_SHOW_RECOMMENDATIONS |
				CLI_SHOW_SAFETY_NET | CLI_SHOW_EVIDENCE);

	fprintf(f, "\nAnswers (%zu, in the order given)\n", a.n);
	for (size_t i = 0; i < a.n; i++) {
		const struct engine_question *q = engine_question_find(e, a.q[i]);
		const char *unit = q && q->unit ? q->unit : "";
		bool skipped = strcmp(a.v[i], DB_SKIP) == 0;
		fprintf(f, "  %-32s %s%s%s\n", TERM_SAFE(safe, a.q[i]),
			skipped ? "skipped" : TERM_SAFE(safe2, a.v[i]),
			!skipped && *unit ? " " : "", skipped ? "" : unit);
		if (q)
			term_wrap(&o, 4, 4, TERM_RESET, q->clinician_text);
	}
	fputs("\nNotes\n", f);
	size_t before = (size_t)ftell(f);
	if (db_notes_load(d, sid, print_note, f) != DB_OK) {
		snprintf(err, errsize, "cannot read the notes: %s", db_errmsg(d));
		goto out_free;
	}
	if ((size_t)ftell(f) == before)
		fputs("  none\n", f);
	if (s->signed_off_by) {
		fputs("\nAddenda (after sign-off)\n", f);
		before = (size_t)ftell(f);
		if (db_addenda_load(d, sid, print_note, f) != DB_OK) {
			snprintf(err, errsize, "cannot read the addenda: %s",
				 db_errmsg(d));
			goto out_free;
		}
		if ((size_t)ftell(f) == before)
			fputs("  none\n", f);
	}
	when(t1, sizeof(t1), (int64_t)time(NULL));
	fprintf(f, "\nReport written %s by msktriage %s.\n", t1, cli_version);
	rc = 0;
out_free:
	json_decref(c);
	answers_free(&a);
	db_session_free(s);
	return rc;
}

/* ---------------------------------------------------------------- command */

static const char report_usage[] =
	"usage: msktriage report ID|CODE [--format text] [--output FILE]\n"
	"\n"
	"Write a session (finished or interrupted) as a report.\n"
	"\n"
	"  ID|CODE           the session's number or reference code (K7QX-4MRT)\n"
	"  --format text     plain text (markdown, json, html and fhir are not\n"
	"                    available yet)\n"
	"  --output FILE     write to FILE (created mode 0600) instead of stdout\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 bad usage or unknown session.\n";

int cli_report(int argc, char **argv, const struct cli_options *opt)
{
	const char *which = NULL, *format = "text", *output = NULL;
	int status = 2;
	char *buf = NULL;
	size_t len = 0;
	db *d = NULL;
	engine *e = NULL;
	struct db_session *s = NULL;
	FILE *mem = NULL;
	char err[512], shown[1024], msg[1024];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(report_usage, stdout);
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--format") == 0) {
			format = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--output") == 0) {
			output = argv[++i];
		} else if (a[0] != '-' && !which) {
			which = a;
		} else {
			fprintf(stderr, "msktriage: unknown or incomplete option '%s' for report\n%s",
				term_escape(shown, sizeof(shown), a, 64), report_usage);
			return 2;
		}
	}
	if (!which) {
		fprintf(stderr, "msktriage: report needs a session id or code\n%s",
			report_usage);
		return 2;
	}
	if (strcmp(format, "text") != 0) {
		static const char *const later[] = { "markdown", "json", "html",
						     "fhir", NULL };
		bool known = false;
		for (size_t i = 0; later[i]; i++)
			known |= strcmp(format, later[i]) == 0;
		if (known)
			fprintf(stderr, "msktriage: report format '%s' is not "
				"available yet; use --format text\n",
				TERM_SAFE(shown, format));
		else
			fprintf(stderr, "msktriage: '--format' must be text "
				"(markdown, json, html and fhir are to come)\n");
		return 2;
	}

	status = 1;
	if (!(d = cli_store_open(opt, "clinician")))
		goto out_free;
	int rc = cli_session_find(d, which, &s);
	if (rc != 0) {
		status = rc;
		goto out_free;
	}
	if (!(e = cli_engine_open(opt)))
		goto out_free;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	rc = cli_report_text(mem, d, s->id, e, err, sizeof(err));
	if (fclose(mem) != 0 || rc != 0) {
		mem = NULL;
		fprintf(stderr, "msktriage: %s\n",
			rc ? TERM_SAFE(msg, err) : "out of memory");
		goto out_free;
	}
	mem = NULL;
	/* An export that cannot be audited is not written: the file is
	 * opened (and checked) first, the export recorded, then written. */
	FILE *out = stdout;
	bool created = false;
	if (output && !(out = cli_file_create(output, &created, err, sizeof(err)))) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, err));
		goto out_free;
	}
	if (db_audit_add(d, s->id, "report_exported", NULL, "text") != DB_OK) {
		fprintf(stderr, "msktriage: the report was not written: its "
			"export cannot be recorded in the audit trail: %s\n",
			TERM_SAFE(msg, db_errmsg(d)));
		if (output)
			cli_file_abandon(out, output, created);
		goto out_free;
	}
	if (output) {
		size_t put = cli_file_begin(out) == 0 ? fwrite(buf, 1, len, out) : 0;
		if (fclose(out) != 0 || put != len) {
			fprintf(stderr, "msktriage: cannot write '%s': %s\n",
				TERM_SAFE(shown, output), strerror(errno));
			goto out_free;
		}
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "msktriage: cannot write the report: %s\n",
			strerror(errno));
		goto out_free;
	}
	if (output)
		fprintf(stderr, "report of session %s written to '%s'\n", s->code,
			TERM_SAFE(shown, output));
	status = 0;
out_free:
	if (mem)
		fclose(mem);
	free(buf);
	engine_free(e);
	db_session_free(s);
	db_close(d);
	return status;
}
