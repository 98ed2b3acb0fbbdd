/*
 * sessions.c — `msktriage sessions list|show|resume|delete`.
 *
 *   sessions list [--status S] [--mode M] [--since YYYY-MM-DD] [--format table|json]
 *   sessions show ID|CODE [--format text|json]
 *   sessions resume ID|CODE        (the same as `msktriage resume`)
 *   sessions delete ID|CODE [--yes] [--reason TEXT]
 *   sessions addendum ID|CODE --author NAME --text TEXT
 *
 * Reads the store only through db/db.h; question wording for `show` comes
 * from the rule base.
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
#include <unistd.h>

static const char sessions_usage[] =
	"usage: msktriage sessions list [--status S] [--mode M] [--since YYYY-MM-DD]\n"
	"                               [--format table|json]\n"
	"       msktriage sessions show ID|CODE [--format text|json]\n"
	"       msktriage sessions resume ID|CODE\n"
	"       msktriage sessions delete ID|CODE [--yes] [--reason TEXT]\n"
	"       msktriage sessions addendum ID|CODE --author NAME --text TEXT\n"
	"\n"
	"  list     sessions in the store, newest first; S is one of in_progress,\n"
	"           complete, emergency_stopped, abandoned; M one of clinician,\n"
	"           kiosk, api\n"
	"  show     one session: answers, conclusions, notes and audit trail\n"
	"  resume   continue an interview where it stopped\n"
	"  delete   remove a session and its answers (asks first; the audit\n"
	"           trail keeps a record of the deletion and its reason); a\n"
	"           signed-off session needs --reason\n"
	"  addendum add a dated addendum to a signed-off session, which itself\n"
	"           can no longer change\n";

static const char *const statuses[] = {
	"in_progress", "complete", "emergency_stopped", "abandoned", NULL,
};

static int usage_error(const char *fmt, const char *arg)
{
	fputs("msktriage: ", stderr);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n%s", sessions_usage);
	return 2;
}

/* "2026-11-21" as local midnight. */
static bool parse_date(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int y, m, d;
	char extra;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}

/* ------------------------------------------------------------------- list */

struct list_ctx {
	bool json;
	const char *mode;       /* --mode: only these; NULL: all */
	json_t *arr;
	size_t n;
};

static json_t *session_json(const struct db_session *s)
{
	json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:i}",
			      "id", (json_int_t)s->id, "code", s->code,
			      "mode", s->mode, "status", s->status,
			      "started_at", (json_int_t)s->started_at,
			      "updated_at", (json_int_t)s->updated_at,
			      "answers", s->answer_count);
	if (!j)
		return NULL;
	json_object_set_new(j, "finished_at", s->finished_at
			    ? json_integer(s->finished_at) : json_null());
	json_object_set_new(j, "level", s->level ? json_string(s->level) : json_null());
	json_object_set_new(j, "patient_label", s->patient_label
			    ? json_string(s->patient_label) : json_null());
	json_object_set_new(j, "clinician", s->clinician
			    ? json_string(s->clinician) : json_null());
	json_object_set_new(j, "signed_off_by", s->signed_off_by
			    ? json_string(s->signed_off_by) : json_null());
	json_object_set_new(j, "rulebase_sha256", json_string(s->rulebase_sha256));
	json_object_set_new(j, "program_version", json_string(s->program_version));
	return j;
}

/* A label shown in a table: printable characters only, cut to width. */
static void print_cell(const char *s, int width)
{
	int n = 0;
	for (; s && *s && n < width; s++) {
		unsigned char c = (unsigned char)*s;
		putchar(c < 0x20 || c == 0x7f ? '?' : c);
		n++;
	}
	printf("%*s", width - n + 1, "");
}

static int list_one(const struct db_session *s, void *ctx)
{
	struct list_ctx *c = ctx;
	if (c->mode && strcmp(s->mode, c->mode) != 0)
		return 0;
	c->n++;
	if (c->json)
		return json_array_append_new(c->arr, session_json(s)) == 0 ? 0 : -1;
	char started[32];
	printf("%-10s %6lld  %-9s %-17s %-19s %-16s %5d  ", s->code,
	       (long long)s->id, s->mode, s->status, s->level ? s->level : "-",
	       cli_time(s->started_at, started, sizeof(started)),
	       s->answer_count);
	print_cell(s->patient_label ? s->patient_label : "", 20);
	putchar('\n');
	return 0;
}

static int sessions_list(db *d, int argc, char **argv)
{
	const char *status = NULL, *format = "table", *mode = NULL;
	int64_t since = 0;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--status") == 0 && i + 1 < argc) {
			status = argv[++i];
			bool ok = false;
			for (size_t k = 0; statuses[k]; k++)
				ok |= strcmp(status, statuses[k]) == 0;
			if (!ok)
				return usage_error("'--status' must be one of in_progress, "
						   "complete, emergency_stopped, abandoned%s", "");
		} else if (strcmp(argv[i], "--mode") == 0 && i + 1 < argc) {
			mode = argv[++i];
			if (strcmp(mode, "clinician") && strcmp(mode, "kiosk") &&
			    strcmp(mode, "api"))
				return usage_error("'--mode' must be one of clinician, "
						   "kiosk, api%s", "");
		} else if (strcmp(argv[i], "--since") == 0 && i + 1 < argc) {
			if (!parse_date(argv[++i], &since))
				return usage_error("'--since' must be a date like "
						   "2026-11-21%s", "");
		} else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			format = argv[++i];
			if (strcmp(format, "table") && strcmp(format, "json"))
				return usage_error("'--format' must be one of table, "
						   "json%s", "");
		} else {
			return usage_error("unknown or incomplete option '%s' for "
					   "sessions list", argv[i]);
		}
	}
	struct list_ctx c = { .json = strcmp(format, "json") == 0, .mode = mode };
	if (c.json)
		c.arr = json_array();
	else
		printf("%-10s %6s  %-9s %-17s %-19s %-16s %5s  %s\n", "CODE", "ID",
		       "MODE", "STATUS", "LEVEL", "STARTED", "ANSW", "LABEL");
	int rv = db_session_list(d, status, since, list_one, &c);
	if (rv != DB_OK) {
		fprintf(stderr, "msktriage: cannot list sessions: %s\n", db_errmsg(d));
		json_decref(c.arr);
		return 1;
	}
	if (c.json) {
		json_dumpf(c.arr, stdout, JSON_INDENT(2) | CLI_JSON_REAL);
		putchar('\n');
		json_decref(c.arr);
	} else if (c.n == 0) {
		printf("(no sessions)\n");
	}
	return 0;
}

/* ------------------------------------------------------------------- show */

struct show_ctx {
	const engine *e;
	json_t *answers, *notes, *audit, *addenda;
};

static int show_answer(const char *question, const char *value, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->answers) {
		json_object_set_new(c->answers, question, json_string(value));
		return 0;
	}
	const struct engine_question *q = c->e ? engine_question_find(c->e, question) : NULL;
	printf("  %-34s %s\n", question, value);
	if (q && q->clinician_text[0])
		printf("      %s\n", q->clinician_text);
	return 0;
}

static int show_note(const struct db_note *n, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->notes) {
		json_array_append_new(c->notes, json_pack("{s:I, s:s?, s:s}",
			"at", (json_int_t)n->at, "author", n->author, "text", n->text));
		return 0;
	}
	char at[32];
	printf("  %s%s%s: %s\n", cli_time(n->at, at, sizeof(at)),
	       n->author ? " " : "", n->author ? n->author : "", n->text);
	return 0;
}

static int show_addendum(const struct db_note *n, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->addenda) {
		json_array_append_new(c->addenda, json_pack("{s:I, s:s, s:s}",
			"at", (json_int_t)n->at, "author", n->author, "text", n->text));
		return 0;
	}
	char at[32];
	printf("  %s %s: %s\n", cli_time(n->at, at, sizeof(at)), n->author,
	       n->text);
	return 0;
}

static int show_audit(const struct db_audit *a, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->audit) {
		json_array_append_new(c->audit, json_pack("{s:I, s:s, s:s, s:s?}",
			"at", (json_int_t)a->at, "event", a->event, "mode", a->mode,
			"detail", a->detail));
		return 0;
	}
	char at[32];
	printf("  %s  %-16s %-9s %s\n", cli_time(a->at, at, sizeof(at)), a->event,
	       a->mode, a->detail ? a->detail : "");
	return 0;
}

static void show_conclusions_text(const struct db_session *s)
{
	json_t *j = s->conclusions_json ? json_loads(s->conclusions_json, 0, NULL) : NULL;
	if (!j) {
		printf("\nConclusions: none stored yet\n");
		return;
	}
	json_t *triage = json_object_get(j, "triage");
	printf("\nConclusions%s: %s\n  %s\n",
	       json_is_false(json_object_get(j, "red_flags_screened"))
		       ? " (interim, red-flag screening not finished)" : "",
	       json_string_value(json_object_get(triage, "level")),
	       json_string_value(json_object_get(triage, "meaning")));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f)
		printf("  %-36s %-12s %-18s confidence %.2f\n",
		       json_string_value(json_object_get(f, "id")),
		       json_string_value(json_object_get(f, "kind")),
		       json_string_value(json_object_get(f, "level")),
		       json_number_value(json_object_get(f, "confidence")));
	json_decref(j);
}

static int sessions_show(db *d, const struct cli_options *opt, int argc, char **argv)
{
	const char *ref = NULL, *format = "text";
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			format = argv[++i];
			if (strcmp(format, "text") && strcmp(format, "json"))
				return usage_error("'--format' must be one of text, json%s", "");
		} else if (!ref && argv[i][0] != '-') {
			ref = argv[i];
		} else {
			return usage_error("unknown or incomplete option '%s' for "
					   "sessions show", argv[i]);
		}
	}
	if (!ref)
		return usage_error("sessions show needs a session id or code%s", "");
	struct db_session *s = NULL;
	int rv = cli_session_find(d, ref, &s);
	if (rv != 0)
		return rv;
	int status = 1;
	char *msg = NULL;
	engine *e = engine_new(opt->rules_dir, &msg);
	free(msg); /* without the rule base, show answers without wording */
	struct show_ctx c = { .e = e };
	if (strcmp(format, "json") == 0) {
		c.answers = json_object();
		c.notes = json_array();
		c.audit = json_array();
		c.addenda = json_array();
		json_t *j = session_json(s);
		if (db_answers_load(d, s->id, show_answer, &c) != DB_OK ||
		    db_notes_load(d, s->id, show_note, &c) != DB_OK ||
		    db_addenda_load(d, s->id, show_addendum, &c) != DB_OK ||
		    db_audit_load(d, s->id, show_audit, &c) != DB_OK) {
			fprintf(stderr, "msktriage: %s\n", db_errmsg(d));
			json_decref(j);
			json_decref(c.answers);
			json_decref(c.notes);
			json_decref(c.addenda);
			json_decref(c.audit);
			goto out_free;
		}
		json_object_set_new(j, "answers", c.answers);
		json_object_set_new(j, "notes", c.notes);
		json_object_set_new(j, "addenda", c.addenda);
		json_object_set_new(j, "audit", c.audit);
		json_t *concl = s->conclusions_json ? json_loads(s->conclusions_json, 0, NULL) : NULL;
		json_object_set_new(j, "conclusions", concl ? concl : json_null());
		json_dumpf(j, stdout, JSON_INDENT(2) | CLI_JSON_REAL);
		putchar('\n');
		json_decref(j);
		status = 0;
		goto out_free;
	}

	char t1[32], t2[32];
	printf("Session %s (id %lld), %s mode, %s\n", s->code, (long long)s->id,
	       s->mode, s->status);
	printf("  started %s, updated %s", cli_time(s->started_at, t1, sizeof(t1)),
	       cli_time(s->updated_at, t2, sizeof(t2)));
	if (s->finished_at)
		printf(", finished %s", cli_time(s->finished_at, t1, sizeof(t1)));
	printf("\n");
	if (s->patient_label)
		printf("  patient label: %s\n", s->patient_label);
	if (s->clinician)
		printf("  clinician: %s\n", s->clinician);
	if (s->signed_off_by)
		printf("  signed off by %s at %s\n", s->signed_off_by,
		       cli_time(s->signed_off_at, t1, sizeof(t1)));
	printf("  rule base sha256 %s, program %s\n", s->rulebase_sha256,
	       s->program_version);
	if (e && strcmp(s->rulebase_sha256, engine_rulebase_sha256(e)) != 0)
		printf("  (recorded with a different rule base from the one loaded now)\n");
	printf("\nAnswers (%d):\n", s->answer_count);
	if (db_answers_load(d, s->id, show_answer, &c) != DB_OK)
		goto out_db;
	show_conclusions_text(s);
	printf("\nNotes:\n");
	if (db_notes_load(d, s->id, show_note, &c) != DB_OK)
		goto out_db;
	if (s->signed_off_by) {
		printf("\nAddenda (after sign-off):\n");
		if (db_addenda_load(d, s->id, show_addendum, &c) != DB_OK)
			goto out_db;
	}
	printf("\nAudit trail:\n");
	if (db_audit_load(d, s->id, show_audit, &c) != DB_OK)
		goto out_db;
	status = 0;
	goto out_free;
out_db:
	fprintf(stderr, "msktriage: %s\n", db_errmsg(d));
out_free:
	engine_free(e);
	db_session_free(s);
	return status;
}

/* ----------------------------------------------------------------- delete */

static int sessions_delete(db *d, int argc, char **argv)
{
	const char *ref = NULL, *reason = NULL;
	bool yes = false;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--yes") == 0 || strcmp(argv[i], "-y") == 0)
			yes = true;
		else if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
			reason = argv[++i];
		else if (!ref && argv[i][0] != '-')
			ref = argv[i];
		else
			return usage_error("unknown option '%s' for sessions delete",
					   argv[i]);
	}
	if (!ref)
		return usage_error("sessions delete needs a session id or code%s", "");
	struct db_session *s = NULL;
	int rv = cli_session_find(d, ref, &s);
	if (rv != 0)
		return rv;
	int status = 1;
	if (s->signed_off_by && !reason) {
		fprintf(stderr, "msktriage: session %s has been signed off: "
			"deleting it needs a reason, kept in the audit trail "
			"(sessions delete %s --reason TEXT)\n", s->code, s->code);
		status = 2;
		goto out_free;
	}
	if (!yes) {
		if (!isatty(STDIN_FILENO)) {
			fprintf(stderr, "msktriage: not deleting session %s without "
				"confirmation: run it at a terminal or add --yes\n",
				s->code);
			status = 2;
			goto out_free;
		}
		printf("Delete session %s (%s, %d answers) with its answers, notes "
		       "and conclusions? This cannot be undone. [y/N] ", s->code,
		       s->status, s->answer_count);
		fflush(stdout);
		char line[16];
		if (!fgets(line, sizeof(line), stdin) ||
		    (strcmp(line, "y\n") != 0 && strcmp(line, "yes\n") != 0)) {
			printf("Not deleted.\n");
			status = 0;
			goto out_free;
		}
	}
	if (db_session_delete(d, s->id, reason) != DB_OK) {
		fprintf(stderr, "msktriage: cannot delete session %s: %s\n", s->code,
			db_errmsg(d));
		goto out_free;
	}
	printf("Deleted session %s. The audit trail keeps a record of the "
	       "deletion.\n", s->code);
	status = 0;
out_free:
	db_session_free(s);
	return status;
}

/* --------------------------------------------------------------- addendum */

static int sessions_addendum(db *d, int argc, char **argv)
{
	const char *ref = NULL, *author = NULL, *text = NULL;
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--author") == 0 && i + 1 < argc)
			author = argv[++i];
		else if (strcmp(argv[i], "--text") == 0 && i + 1 < argc)
			text = argv[++i];
		else if (!ref && argv[i][0] != '-')
			ref = argv[i];
		else
			return usage_error("unknown or incomplete option '%s' for "
					   "sessions addendum", argv[i]);
	}
	if (!ref)
		return usage_error("sessions addendum needs a session id or code%s", "");
	if (!author || !*author)
		return usage_error("sessions addendum needs '--author NAME'%s", "");
	if (!text || !*text)
		return usage_error("sessions addendum needs '--text TEXT'%s", "");
	struct db_session *s = NULL;
	int rv = cli_session_find(d, ref, &s);
	if (rv != 0)
		return rv;
	int status = 0;
	int rc = db_addendum_add(d, s->id, author, text);
	if (rc != DB_OK) {
		fprintf(stderr, "msktriage: %s\n", db_errmsg(d));
		status = rc == DB_EINVAL ? 2 : 1;
	} else {
		printf("Addendum added to session %s.\n", s->code);
	}
	db_session_free(s);
	return status;
}

int cli_sessions(int argc, char **argv, const struct cli_options *opt)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	if (!sub) {
		fputs(sessions_usage, stderr);
		return 2;
	}
	if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(sessions_usage, stdout);
		return 0;
	}
	for (int i = 2; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0) {
			fputs(sessions_usage, stdout);
			return 0;
		}
	if (strcmp(sub, "resume") == 0)
		return cli_resume(argc - 1, argv + 1, opt);
	if (strcmp(sub, "list") && strcmp(sub, "show") && strcmp(sub, "delete") &&
	    strcmp(sub, "addendum"))
		return usage_error("unknown sessions command '%.32s'", sub);

	db *d = cli_store_open(opt, "clinician");
	if (!d)
		return 1;
	int status;
	if (strcmp(sub, "list") == 0)
		status = sessions_list(d, argc - 2, argv + 2);
	else if (strcmp(sub, "show") == 0)
		status = sessions_show(d, opt, argc - 2, argv + 2);
	else if (strcmp(sub, "addendum") == 0)
		status = sessions_addendum(d, argc - 2, argv + 2);
	else
		status = sessions_delete(d, argc - 2, argv + 2);
	db_close(d);
	return status;
}
