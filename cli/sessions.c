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
#include "cli/term.h"

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
	"       msktriage sessions audit ID|CODE\n"
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
	"           can no longer change\n"
	"  audit    the session's audit trail alone\n"
	"\n"
	"'show --format json' gives each answer with its type (numbers as\n"
	"numbers), so its \"answers\" object can be given to 'assess' as it is;\n"
	"a session in progress shows its interim level.\n";

static const char *const statuses[] = {
	"in_progress", "complete", "emergency_stopped", "abandoned", NULL,
};

static int usage_error(const char *fmt, const char *arg)
{
	char shown[512];
	fputs("msktriage: ", stderr);
	fprintf(stderr, fmt, term_escape(shown, sizeof(shown), arg, 64));
	fprintf(stderr, "\n%s", sessions_usage);
	return 2;
}

/* ------------------------------------------------------------------- list */

struct list_ctx {
	bool json;
	const char *mode;       /* --mode: only these; NULL: all */
	json_t *arr;
	size_t n;
};

/*
 * Text from the store as a JSON string, or null. JSON holds UTF-8 only:
 * text stored before it was checked at input, or written by other means,
 * has each byte that is not UTF-8 replaced by U+FFFD rather than the field
 * left out.
 */
static json_t *text_json(const char *s)
{
	if (!s)
		return json_null();
	if (term_utf8_valid(s))
		return json_string(s);
	char *fixed = term_utf8_repair(s);
	json_t *j = fixed ? json_string(fixed) : NULL;
	free(fixed);
	return j;
}

static json_t *session_json(const struct db_session *s)
{
	json_t *j = json_pack("{s:I, s:s, s:I, s:I, s:i}",
			      "id", (json_int_t)s->id, "code", s->code,
			      "started_at", (json_int_t)s->started_at,
			      "updated_at", (json_int_t)s->updated_at,
			      "answers", s->answer_count);
	if (!j)
		return NULL;
	json_object_set_new(j, "mode", text_json(s->mode));
	json_object_set_new(j, "status", text_json(s->status));
	json_object_set_new(j, "finished_at", s->finished_at
			    ? json_integer(s->finished_at) : json_null());
	json_object_set_new(j, "level", text_json(s->level));
	json_object_set_new(j, "patient_label", text_json(s->patient_label));
	json_object_set_new(j, "clinician", text_json(s->clinician));
	json_object_set_new(j, "signed_off_by", text_json(s->signed_off_by));
	json_object_set_new(j, "rulebase_sha256", text_json(s->rulebase_sha256));
	json_object_set_new(j, "program_version", text_json(s->program_version));
	return j;
}

/* A label shown in a table: escaped (see term.h), cut to width. */
static void print_cell(const char *s, int width)
{
	char cell[256];
	term_escape(cell, sizeof(cell), s, width);
	printf("%s%*s", cell, width - term_columns(cell) + 1, "");
}

static int list_one(const struct db_session *s, void *ctx)
{
	struct list_ctx *c = ctx;
	if (c->mode && strcmp(s->mode, c->mode) != 0)
		return 0;
	c->n++;
	if (c->json)
		return json_array_append_new(c->arr, session_json(s)) == 0 ? 0 : -1;
	char started[32], mode[32], status[64], level[64];
	printf("%-10s %6lld  %-9s %-17s %-19s %-16s %5d  ", s->code,
	       (long long)s->id, term_escape(mode, sizeof(mode), s->mode, 9),
	       term_escape(status, sizeof(status), s->status, 17),
	       s->level ? term_escape(level, sizeof(level), s->level, 19) : "-",
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
			if (!cli_date_parse(argv[++i], &since))
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
		char msg[1024];
		fprintf(stderr, "msktriage: cannot list sessions: %s\n",
			TERM_SAFE(msg, db_errmsg(d)));
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

/* A stored answer as JSON of its question's type, as 'assess' takes it;
 * text that is not valid UTF-8 as text_json() shows it. */
static json_t *typed_answer(const struct engine_question *q, const char *value)
{
	json_t *v = cli_answer_value(q, value);
	return v ? v : text_json(value);
}

static int show_answer(const char *question, const char *value, void *ctx)
{
	struct show_ctx *c = ctx;
	const struct engine_question *q = c->e ? engine_question_find(c->e, question) : NULL;
	if (c->e)
		(void)engine_answer_set_text((engine *)c->e, question, value);
	if (c->answers) {
		/* Question ids are checked by the store: always UTF-8. */
		json_object_set_new(c->answers, question, typed_answer(q, value));
		return 0;
	}
	char id[256];
	printf("  %-34s ", term_escape(id, sizeof(id), question, 64));
	term_put_untrusted(stdout, value);
	putchar('\n');
	if (q && q->clinician_text[0])
		printf("      %s\n", q->clinician_text);
	return 0;
}

static int show_note(const struct db_note *n, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->notes) {
		json_t *j = json_pack("{s:I}", "at", (json_int_t)n->at);
		if (!j)
			return -1;
		json_object_set_new(j, "author", text_json(n->author));
		json_object_set_new(j, "text", text_json(n->text));
		return json_array_append_new(c->notes, j) == 0 ? 0 : -1;
	}
	char at[32];
	printf("  %s", cli_time(n->at, at, sizeof(at)));
	if (n->author) {
		putchar(' ');
		term_put_untrusted(stdout, n->author);
	}
	fputs(": ", stdout);
	term_put_untrusted(stdout, n->text);
	putchar('\n');
	return 0;
}

static int show_addendum(const struct db_note *n, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->addenda) {
		json_t *j = json_pack("{s:I}", "at", (json_int_t)n->at);
		if (!j)
			return -1;
		json_object_set_new(j, "author", text_json(n->author));
		json_object_set_new(j, "text", text_json(n->text));
		return json_array_append_new(c->addenda, j) == 0 ? 0 : -1;
	}
	char at[32];
	printf("  %s ", cli_time(n->at, at, sizeof(at)));
	term_put_untrusted(stdout, n->author);
	fputs(": ", stdout);
	term_put_untrusted(stdout, n->text);
	putchar('\n');
	return 0;
}

static int show_audit(const struct db_audit *a, void *ctx)
{
	struct show_ctx *c = ctx;
	if (c->audit) {
		json_t *j = json_pack("{s:I}", "at", (json_int_t)a->at);
		if (!j)
			return -1;
		json_object_set_new(j, "event", text_json(a->event));
		json_object_set_new(j, "mode", text_json(a->mode));
		json_object_set_new(j, "detail", text_json(a->detail));
		return json_array_append_new(c->audit, j) == 0 ? 0 : -1;
	}
	char at[32], event[64], mode[32];
	printf("  %s  %-16s %-9s ", cli_time(a->at, at, sizeof(at)),
	       term_escape(event, sizeof(event), a->event, 16),
	       term_escape(mode, sizeof(mode), a->mode, 9));
	term_put_untrusted(stdout, a->detail);
	putchar('\n');
	return 0;
}

static void show_conclusions_text(const struct db_session *s)
{
	json_t *j = s->conclusions_json ? json_loads(s->conclusions_json, 0, NULL) : NULL;
	if (!j) {
		printf("\nConclusions: none stored yet\n");
		return;
	}
	/* Stored text, shown escaped like everything read back. */
	json_t *triage = json_object_get(j, "triage");
	fputs("\nConclusions", stdout);
	if (json_is_false(json_object_get(j, "red_flags_screened")))
		fputs(" (interim, red-flag screening not finished)", stdout);
	fputs(": ", stdout);
	term_put_untrusted(stdout, json_string_value(json_object_get(triage, "level")));
	fputs("\n  ", stdout);
	term_put_untrusted(stdout, json_string_value(json_object_get(triage, "meaning")));
	putchar('\n');
	size_t i;
	json_t *f;
	char id[256], kind[64], level[64];
	json_array_foreach(json_object_get(j, "findings"), i, f)
		printf("  %-36s %-12s %-18s confidence %.2f\n",
		       term_escape(id, sizeof(id),
				   json_string_value(json_object_get(f, "id")), 64),
		       term_escape(kind, sizeof(kind),
				   json_string_value(json_object_get(f, "kind")), 12),
		       term_escape(level, sizeof(level),
				   json_string_value(json_object_get(f, "level")), 18),
		       json_number_value(json_object_get(f, "confidence")));
	json_decref(j);
}

/*
 * The level of a session in progress from its answers, which show_answer()
 * gave the engine; NULL when it is finished, the rule base is not loaded,
 * is not the one it was recorded with, or the rules fail.
 */
static const char *interim_level(engine *e, const struct db_session *s)
{
	if (!e || strcmp(s->status, "in_progress") != 0 ||
	    strcmp(s->rulebase_sha256, engine_rulebase_sha256(e)) != 0 ||
	    engine_run(e) != 0)
		return NULL;
	const struct engine_level *l = engine_level(e);
	return l ? l->id : NULL;
}

/* ------------------------------------------------------------------ audit */

static int sessions_audit(db *d, int argc, char **argv)
{
	const char *ref = NULL;
	for (int i = 0; i < argc; i++) {
		if (!ref && argv[i][0] != '-')
			ref = argv[i];
		else
			return usage_error("unknown option '%s' for sessions audit",
					   argv[i]);
	}
	if (!ref)
		return usage_error("sessions audit needs a session id or code%s", "");
	struct db_session *s = NULL;
	int rv = cli_session_find(d, ref, &s);
	if (rv != 0)
		return rv;
	struct show_ctx c = { 0 };
	printf("Audit trail of session %s (%s):\n", s->code, s->status);
	int status = 0;
	if (db_audit_load(d, s->id, show_audit, &c) != DB_OK) {
		fprintf(stderr, "msktriage: %s\n", db_errmsg(d));
		status = 1;
	}
	db_session_free(s);
	return status;
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
			char msg[1024];
			fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, db_errmsg(d)));
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
		const char *interim = interim_level(e, s);
		if (interim)
			json_object_set_new(j, "interim_level", json_string(interim));
		json_t *concl = s->conclusions_json ? json_loads(s->conclusions_json, 0, NULL) : NULL;
		json_object_set_new(j, "conclusions", concl ? concl : json_null());
		json_dumpf(j, stdout, JSON_INDENT(2) | CLI_JSON_REAL);
		putchar('\n');
		json_decref(j);
		status = 0;
		goto out_free;
	}

	char t1[32], t2[32], mode[32], status_s[64], sha[160], version[160];
	char msg_s[1024];
	printf("Session %s (id %lld), %s mode, %s\n", s->code, (long long)s->id,
	       TERM_SAFE(mode, s->mode), TERM_SAFE(status_s, s->status));
	printf("  started %s, updated %s", cli_time(s->started_at, t1, sizeof(t1)),
	       cli_time(s->updated_at, t2, sizeof(t2)));
	if (s->finished_at)
		printf(", finished %s", cli_time(s->finished_at, t1, sizeof(t1)));
	printf("\n");
	if (s->patient_label) {
		fputs("  patient label: ", stdout);
		term_put_untrusted(stdout, s->patient_label);
		putchar('\n');
	}
	if (s->clinician) {
		fputs("  clinician: ", stdout);
		term_put_untrusted(stdout, s->clinician);
		putchar('\n');
	}
	if (s->signed_off_by) {
		fputs("  signed off by ", stdout);
		term_put_untrusted(stdout, s->signed_off_by);
		printf(" at %s\n", cli_time(s->signed_off_at, t1, sizeof(t1)));
	}
	printf("  rule base sha256 %s, program %s\n",
	       TERM_SAFE(sha, s->rulebase_sha256),
	       TERM_SAFE(version, s->program_version));
	if (e && strcmp(s->rulebase_sha256, engine_rulebase_sha256(e)) != 0)
		printf("  (recorded with a different rule base from the one loaded now)\n");
	printf("\nAnswers (%d):\n", s->answer_count);
	if (db_answers_load(d, s->id, show_answer, &c) != DB_OK)
		goto out_db;
	const char *interim = interim_level(e, s);
	if (interim)
		printf("\nInterim level (in progress, from the answers so far): "
		       "%s\n", interim);
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
	fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg_s, db_errmsg(d)));
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
	if (reason && !term_utf8_valid(reason))
		return usage_error("'reason' is not valid UTF-8%s", "");
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
		char status_s[64];
		printf("Delete session %s (%s, %d answer%s) with its answers, "
		       "notes and conclusions? This cannot be undone. [y/N] ",
		       s->code, TERM_SAFE(status_s, s->status), s->answer_count,
		       s->answer_count == 1 ? "" : "s");
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
		char msg[1024];
		fprintf(stderr, "msktriage: cannot delete session %s: %s\n", s->code,
			TERM_SAFE(msg, db_errmsg(d)));
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
	if (!term_utf8_valid(author))
		return usage_error("'author' is not valid UTF-8%s", "");
	if (!term_utf8_valid(text))
		return usage_error("'text' is not valid UTF-8%s", "");
	struct db_session *s = NULL;
	int rv = cli_session_find(d, ref, &s);
	if (rv != 0)
		return rv;
	int status = 0;
	int rc = db_addendum_add(d, s->id, author, text);
	if (rc != DB_OK) {
		char msg[1024];
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, db_errmsg(d)));
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
	    strcmp(sub, "addendum") && strcmp(sub, "audit"))
		return usage_error("unknown sessions command '%s'", sub);

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
	else if (strcmp(sub, "audit") == 0)
		status = sessions_audit(d, argc - 2, argv + 2);
	else
		status = sessions_delete(d, argc - 2, argv + 2);
	db_close(d);
	return status;
}
