/*
 * test_db.c — the store's contract suite, run on each backend:
 *
 *     test_db            SQLite, a fresh ":memory:" store per test
 *     test_db pg         PostgreSQL at the server the PG* variables name
 *                        (CTest runs it under `pg_virtualenv`, a throwaway
 *                        server); the database is emptied before each test
 *
 * Each test opens a fresh private store through setup() and checks one part
 * of the contract in db.h: sessions and reference codes, answers and their
 * history, finishing / resuming / signing off, notes, the audit trail,
 * deletion, listing, the default path, and that error messages never carry
 * an answer's value. The file-level behaviour (crash, concurrency,
 * permissions, read-only, full, corrupt, locked) is in store_test.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/schema.h"

/* The store under test: ":memory:" or "postgresql://" (the PG* variables
 * say where). */
static const char *store = ":memory:";
static bool on_pg;

/* A PostgreSQL command through psql, as another client of the server
 * would run it; returns psql's exit status. */
static int psql(const char *sql)
{
	char cmd[1024];

	snprintf(cmd, sizeof cmd,
		 "psql -X -q -v ON_ERROR_STOP=1 -c \"%s\" >/dev/null 2>&1", sql);
	return system(cmd);
}

/* Empties the database (every test starts from nothing). */
static void fresh(void)
{
	if (on_pg && psql("DROP SCHEMA public CASCADE; CREATE SCHEMA public") != 0) {
		fprintf(stderr, "cannot empty the test database\n");
		exit(2);
	}
}

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const struct db_session_new kiosk = {
	.mode = "kiosk", .rulebase_sha256 = SHA, .program_version = "0.1.0",
};

static const struct db_session_new clinician = {
	.mode = "clinician", .rulebase_sha256 = SHA, .program_version = "0.1.0",
	.patient_label = "bed 4", .clinician = "Dr Jones",
};

static int setup(void **state)
{
	char *err = NULL;
	db *d;

	fresh();
	d = db_open(store, NULL, &err);
	if (!d) {
		fprintf(stderr, "db_open: %s\n", err);
		free(err);
		return -1;
	}
	*state = d;
	return 0;
}

static int teardown(void **state)
{
	db_close(*state);
	return 0;
}

static int64_t new_session(db *d, const struct db_session_new *s,
			   char code[DB_CODE_SIZE])
{
	int64_t id = 0;
	char scratch[DB_CODE_SIZE];

	assert_int_equal(db_session_create(d, s, &id, code ? code : scratch),
			 DB_OK);
	assert_true(id > 0);
	return id;
}

/* ---- collectors ---- */

struct answers {
	int n;
	char q[64][64];
	char v[64][128];
};

static int collect_answer(const char *q, const char *v, void *ctx)
{
	struct answers *a = ctx;

	assert_true(a->n < 64);
	snprintf(a->q[a->n], sizeof a->q[0], "%s", q);
	snprintf(a->v[a->n], sizeof a->v[0], "%s", v);
	a->n++;
	return 0;
}

struct history {
	int n;
	char q[64][64];
	char v[64][128];   /* "<withdrawn>" for NULL */
};

static int collect_revision(const struct db_revision *r, void *ctx)
{
	struct history *h = ctx;

	assert_true(h->n < 64);
	assert_true(r->at > 0);
	snprintf(h->q[h->n], sizeof h->q[0], "%s", r->question);
	snprintf(h->v[h->n], sizeof h->v[0], "%s",
		 r->value ? r->value : "<withdrawn>");
	h->n++;
	return 0;
}

struct audit {
	int n;
	int64_t session[64];
	char code[64][DB_CODE_SIZE];
	char event[64][32];
	char mode[64][16];
	char detail[64][64];
};

static int collect_audit(const struct db_audit *a, void *ctx)
{
	struct audit *t = ctx;

	assert_true(t->n < 64);
	assert_true(a->at > 0);
	t->session[t->n] = a->session_id;
	snprintf(t->code[t->n], sizeof t->code[0], "%s", a->code);
	snprintf(t->event[t->n], sizeof t->event[0], "%s", a->event);
	snprintf(t->mode[t->n], sizeof t->mode[0], "%s", a->mode);
	snprintf(t->detail[t->n], sizeof t->detail[0], "%s",
		 a->detail ? a->detail : "");
	t->n++;
	return 0;
}

/* ---- tests ---- */

static void test_open_close(void **state)
{
	db *d = *state;

	assert_string_equal(db_errmsg(d), "");
	assert_string_equal(db_path(d), store);
	assert_int_equal(db_check(d), DB_OK);
	db_close(NULL);
	{
		char *err = NULL;

		assert_null(db_open("", NULL, &err));
		assert_non_null(err);
		free(err);
		assert_null(db_open(NULL, NULL, NULL));
	}
}

static void test_default_path(void **state)
{
	char *p;

	(void)state;
	setenv("MSKTRIAGE_DB", "/srv/triage/x.db", 1);
	setenv("XDG_DATA_HOME", "/xdg", 1);
	setenv("HOME", "/home/kim", 1);
	p = db_default_path();
	assert_string_equal(p, "/srv/triage/x.db");
	free(p);

	setenv("MSKTRIAGE_DB", "", 1);   /* empty counts as unset */
	p = db_default_path();
	assert_string_equal(p, "/xdg/msktriage/sessions.db");
	free(p);

	unsetenv("MSKTRIAGE_DB");
	setenv("XDG_DATA_HOME", "relative/dir", 1);   /* ignored: not absolute */
	p = db_default_path();
	assert_string_equal(p, "/home/kim/.local/share/msktriage/sessions.db");
	free(p);

	unsetenv("XDG_DATA_HOME");
	p = db_default_path();
	assert_string_equal(p, "/home/kim/.local/share/msktriage/sessions.db");
	free(p);
}

static void test_session_create(void **state)
{
	db *d = *state;
	char code[DB_CODE_SIZE];
	int64_t id = new_session(d, &clinician, code), id2;
	struct db_session *s = NULL;
	struct db_session_new bad;

	assert_int_equal(strlen(code), 9);
	assert_int_equal(code[4], '-');
	for (int i = 0; i < 9; i++) {
		if (i == 4)
			continue;
		assert_non_null(strchr("23456789ABCDEFGHJKMNPQRSTVWXYZ",
				       code[i]));
	}
	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_int_equal(s->id, id);
	assert_string_equal(s->code, code);
	assert_string_equal(s->mode, "clinician");
	assert_string_equal(s->status, "in_progress");
	assert_string_equal(s->rulebase_sha256, SHA);
	assert_string_equal(s->program_version, "0.1.0");
	assert_string_equal(s->patient_label, "bed 4");
	assert_string_equal(s->clinician, "Dr Jones");
	assert_null(s->signed_off_by);
	assert_null(s->level);
	assert_null(s->conclusions_json);
	assert_true(s->started_at > 0);
	assert_int_equal(s->updated_at, s->started_at);
	assert_int_equal(s->finished_at, 0);
	assert_int_equal(s->answer_count, 0);
	db_session_free(s);
	db_session_free(NULL);

	id2 = new_session(d, &kiosk, NULL);
	assert_true(id2 > id);

	bad = kiosk;
	bad.patient_label = "bed 5";   /* clinician mode only */
	assert_int_equal(db_session_create(d, &bad, NULL, NULL), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "clinician mode only"));
	assert_null(strstr(db_errmsg(d), "bed 5"));
	bad = kiosk;
	bad.mode = "web";
	assert_int_equal(db_session_create(d, &bad, NULL, NULL), DB_EINVAL);
	assert_string_equal(db_errmsg(d), "unknown mode 'web'");
	bad = kiosk;
	bad.rulebase_sha256 = NULL;
	assert_int_equal(db_session_create(d, &bad, NULL, NULL), DB_EINVAL);
	bad = kiosk;
	bad.mode = "api";
	assert_int_equal(db_session_create(d, &bad, NULL, NULL), DB_OK);
	assert_int_equal(db_session_create(d, NULL, NULL, NULL), DB_EINVAL);
}

static void test_session_find(void **state)
{
	db *d = *state;
	char code[DB_CODE_SIZE], typed[32], idtext[32];
	int64_t id = new_session(d, &kiosk, code);
	struct db_session *s = NULL;
	size_t j = 0;

	assert_int_equal(db_session_find(d, code, &s), DB_OK);
	assert_int_equal(s->id, id);
	db_session_free(s);

	/* lower case, no dash */
	for (size_t i = 0; code[i]; i++)
		if (code[i] != '-')
			typed[j++] = (char)(code[i] >= 'A' && code[i] <= 'Z'
					    ? code[i] - 'A' + 'a' : code[i]);
	typed[j] = '\0';
	assert_int_equal(db_session_find(d, typed, &s), DB_OK);
	assert_int_equal(s->id, id);
	db_session_free(s);

	/* with a space instead of the dash, and surrounding blanks */
	snprintf(typed, sizeof typed, "  %.4s %.4s ", code, code + 5);
	assert_int_equal(db_session_find(d, typed, &s), DB_OK);
	assert_int_equal(s->id, id);
	db_session_free(s);

	snprintf(idtext, sizeof idtext, "%lld", (long long)id);
	assert_int_equal(db_session_find(d, idtext, &s), DB_OK);
	assert_string_equal(s->code, code);
	db_session_free(s);

	assert_int_equal(db_session_find(d, "99999", &s), DB_ENOTFOUND);
	assert_null(s);
	assert_int_equal(db_session_get(d, 99999, &s), DB_ENOTFOUND);
	assert_string_equal(db_errmsg(d), "no session with id 99999");
	/* valid symbols, no such session (codes always hold a letter) */
	assert_int_equal(db_session_find(d, "2222-222A", &s), DB_ENOTFOUND);
	assert_string_equal(db_errmsg(d),
			    "no session with reference code '2222-222A'");
	/* O, 0, I, 1, L, U are never in a code */
	assert_int_equal(db_session_find(d, "K7QX-4MR0", &s), DB_EINVAL);
	assert_int_equal(db_session_find(d, "K7QX-4MRT-X", &s), DB_EINVAL);
	assert_int_equal(db_session_find(d, "", &s), DB_EINVAL);
	assert_int_equal(db_session_find(d, NULL, &s), DB_EINVAL);
}

static void test_codes_unique(void **state)
{
	db *d = *state;
	enum { N = 1500 };
	static char codes[N][DB_CODE_SIZE];

	for (int i = 0; i < N; i++) {
		bool letter = false;

		new_session(d, &kiosk, codes[i]);
		for (int k = 0; k < 9; k++)
			if (codes[i][k] >= 'A' && codes[i][k] <= 'Z')
				letter = true;
		assert_true(letter);
		for (int k = 0; k < i; k++)
			assert_string_not_equal(codes[i], codes[k]);
	}
}

static void test_answers(void **state)
{
	db *d = *state;
	char code[DB_CODE_SIZE];
	int64_t id = new_session(d, &kiosk, code);
	struct answers a = { 0 };
	struct history h = { 0 };
	struct audit t = { 0 };
	struct db_session *s;

	assert_int_equal(db_answer_put(d, id, "age", "67"), DB_OK);
	assert_int_equal(db_answer_put(d, id, "knee_pain", "yes"), DB_OK);
	assert_int_equal(db_answer_put(d, id, "fever", DB_SKIP), DB_OK);
	assert_int_equal(db_answer_put(d, id, "hip_pain", "no"), DB_OK);
	/* the same value again: nothing new */
	assert_int_equal(db_answer_put(d, id, "knee_pain", "yes"), DB_OK);
	/* a change: keeps its place, adds a revision and an audit row */
	assert_int_equal(db_answer_put(d, id, "age", "68"), DB_OK);
	/* withdrawn, then given again: goes to the end */
	assert_int_equal(db_answer_remove(d, id, "knee_pain"), DB_OK);
	assert_int_equal(db_answer_remove(d, id, "knee_pain"), DB_OK);
	assert_int_equal(db_answer_remove(d, id, "never_answered"), DB_OK);
	assert_int_equal(db_answer_put(d, id, "knee_pain", "unsure"), DB_OK);

	assert_int_equal(db_answers_load(d, id, collect_answer, &a), DB_OK);
	assert_int_equal(a.n, 4);
	assert_string_equal(a.q[0], "age");
	assert_string_equal(a.v[0], "68");
	assert_string_equal(a.q[1], "fever");
	assert_string_equal(a.v[1], "skip");
	assert_string_equal(a.q[2], "hip_pain");
	assert_string_equal(a.v[2], "no");
	assert_string_equal(a.q[3], "knee_pain");
	assert_string_equal(a.v[3], "unsure");

	assert_int_equal(db_answer_history(d, id, collect_revision, &h), DB_OK);
	assert_int_equal(h.n, 7);
	assert_string_equal(h.q[0], "age");
	assert_string_equal(h.v[0], "67");
	assert_string_equal(h.q[1], "knee_pain");
	assert_string_equal(h.v[1], "yes");
	assert_string_equal(h.v[2], "skip");
	assert_string_equal(h.v[3], "no");
	assert_string_equal(h.q[4], "age");
	assert_string_equal(h.v[4], "68");
	assert_string_equal(h.q[5], "knee_pain");
	assert_string_equal(h.v[5], "<withdrawn>");
	assert_string_equal(h.q[6], "knee_pain");
	assert_string_equal(h.v[6], "unsure");

	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.event[0], "opened");
	assert_string_equal(t.mode[0], "kiosk");
	assert_string_equal(t.code[0], code);
	assert_string_equal(t.event[1], "answer_changed");
	assert_string_equal(t.detail[1], "age");   /* the question, no value */
	assert_string_equal(t.event[2], "answer_withdrawn");
	assert_string_equal(t.detail[2], "knee_pain");

	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_int_equal(s->answer_count, 4);
	db_session_free(s);
}

static void test_answer_errors(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &kiosk, NULL);
	struct answers a = { 0 };

	assert_int_equal(db_answer_put(d, id, "Knee Pain", "yes"), DB_EINVAL);
	assert_string_equal(db_errmsg(d), "'Knee Pain' is not a question id");
	assert_int_equal(db_answer_put(d, id, "", "yes"), DB_EINVAL);
	assert_int_equal(db_answer_put(d, id, NULL, "yes"), DB_EINVAL);
	assert_int_equal(db_answer_put(d, id, "age", ""), DB_EINVAL);
	assert_int_equal(db_answer_put(d, id, "age", NULL), DB_EINVAL);
	assert_int_equal(db_answer_put(d, id + 100, "age", "secret-41"),
			 DB_ENOTFOUND);
	assert_null(strstr(db_errmsg(d), "secret-41"));
	assert_int_equal(db_answers_load(d, id + 100, collect_answer, &a),
			 DB_ENOTFOUND);
	assert_int_equal(db_answers_load(d, id, collect_answer, &a), DB_OK);
	assert_int_equal(a.n, 0);
	assert_int_equal(db_answer_put(NULL, id, "age", "1"), DB_EINVAL);
}

static void test_finish_resume(void **state)
{
	db *d = *state;
	char code[DB_CODE_SIZE];
	int64_t id = new_session(d, &clinician, code);
	struct db_session *s;
	struct answers a = { 0 };
	struct audit t = { 0 };
	const char *json = "{\"findings\":[{\"id\":\"chronic_pain\"}]}";

	assert_int_equal(db_answer_put(d, id, "knee_pain", "secret-yes"), DB_OK);
	assert_int_equal(db_session_finish(d, id, "complete", NULL, json),
			 DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "complete", "consultation",
					   NULL), DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "done", "consultation",
					   json), DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "in_progress",
					   "consultation", json), DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "complete", "consultation",
					   "{not json"), DB_EINVAL);
	assert_string_equal(db_errmsg(d),
			    "the conclusions are not well-formed JSON");
	assert_int_equal(db_session_finish(d, id, "complete", "consultation",
					   json), DB_OK);

	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_string_equal(s->status, "complete");
	assert_string_equal(s->level, "consultation");
	assert_string_equal(s->conclusions_json, json);
	assert_true(s->finished_at > 0);
	assert_true(s->concluded_at > 0);
	db_session_free(s);

	/* a finished session takes no answers until resumed */
	assert_int_equal(db_answer_put(d, id, "knee_pain", "secret-no"),
			 DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "not in progress"));
	assert_non_null(strstr(db_errmsg(d), code));
	assert_null(strstr(db_errmsg(d), "secret"));
	assert_int_equal(db_answer_remove(d, id, "knee_pain"), DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "complete", "consultation",
					   json), DB_EINVAL);

	assert_int_equal(db_session_resume(d, id, "clinician"), DB_OK);
	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_string_equal(s->status, "in_progress");
	assert_int_equal(s->finished_at, 0);
	assert_string_equal(s->level, "consultation");   /* until re-finished */
	db_session_free(s);
	assert_int_equal(db_answer_put(d, id, "knee_pain", "secret-no"), DB_OK);
	assert_int_equal(db_session_finish(d, id, "emergency_stopped",
					   "emergency", "{\"level\":1}"), DB_OK);
	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_string_equal(s->status, "emergency_stopped");
	assert_string_equal(s->level, "emergency");
	assert_string_equal(s->conclusions_json, "{\"level\":1}");
	db_session_free(s);

	assert_int_equal(db_answers_load(d, id, collect_answer, &a), DB_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0], "secret-no");

	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.event[0], "opened");
	assert_string_equal(t.event[1], "finished");
	assert_string_equal(t.detail[1], "complete");
	assert_string_equal(t.event[2], "resumed");
	assert_string_equal(t.event[3], "answer_changed");
	assert_string_equal(t.event[4], "finished");
	assert_string_equal(t.detail[4], "emergency_stopped");

	/* abandoned: conclusions optional */
	id = new_session(d, &kiosk, NULL);
	assert_int_equal(db_session_finish(d, id, "abandoned", NULL, NULL),
			 DB_OK);
	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_string_equal(s->status, "abandoned");
	assert_null(s->level);
	db_session_free(s);
	assert_int_equal(db_session_finish(d, 4242, "abandoned", NULL, NULL),
			 DB_ENOTFOUND);
	assert_int_equal(db_session_resume(d, id, "web"), DB_EINVAL);
}

static void test_signoff(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &clinician, NULL);
	struct db_session *s;
	struct audit t = { 0 };

	assert_int_equal(db_session_signoff(d, id, "Dr Jones"), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "still in progress"));
	assert_int_equal(db_session_finish(d, id, "complete", "self_care",
					   "{}"), DB_OK);
	assert_int_equal(db_session_signoff(d, id, ""), DB_EINVAL);
	assert_int_equal(db_session_signoff(d, id, "Dr Jones"), DB_OK);
	assert_int_equal(db_session_signoff(d, id, "Dr Jones"), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "already signed off"));
	assert_int_equal(db_session_resume(d, id, NULL), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "signed off"));
	assert_int_equal(db_session_get(d, id, &s), DB_OK);
	assert_string_equal(s->signed_off_by, "Dr Jones");
	assert_true(s->signed_off_at > 0);
	assert_string_equal(s->status, "complete");
	db_session_free(s);
	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_string_equal(t.event[t.n - 1], "signed_off");
	assert_string_equal(t.mode[t.n - 1], "clinician");
}

struct notes {
	int n;
	char author[8][32];
	char text[8][64];
};

static int collect_note(const struct db_note *n, void *ctx)
{
	struct notes *c = ctx;

	snprintf(c->author[c->n], sizeof c->author[0], "%s",
		 n->author ? n->author : "<none>");
	snprintf(c->text[c->n], sizeof c->text[0], "%s", n->text);
	c->n++;
	return 0;
}

static void test_notes(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &clinician, NULL);
	struct notes c = { 0 };
	struct audit t = { 0 };

	assert_int_equal(db_note_add(d, id, "Dr Jones", "effusion left knee"),
			 DB_OK);
	assert_int_equal(db_note_add(d, id, NULL, "refer to physio"), DB_OK);
	assert_int_equal(db_note_add(d, id, NULL, ""), DB_EINVAL);
	assert_int_equal(db_note_add(d, id + 50, NULL, "x"), DB_ENOTFOUND);
	assert_int_equal(db_notes_load(d, id, collect_note, &c), DB_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.author[0], "Dr Jones");
	assert_string_equal(c.text[0], "effusion left knee");
	assert_string_equal(c.author[1], "<none>");
	assert_string_equal(c.text[1], "refer to physio");
	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_int_equal(t.n, 3);
	assert_string_equal(t.event[1], "note_added");
	assert_string_equal(t.detail[1], "");   /* never the note's text */
}

static void test_audit(void **state)
{
	db *d = *state;
	int64_t k = new_session(d, &kiosk, NULL);
	struct audit t = { 0 };

	assert_int_equal(db_audit_add(d, k, "report_exported", "clinician",
				      "fhir"), DB_OK);
	assert_int_equal(db_audit_add(d, k, "exploded", NULL, NULL), DB_EINVAL);
	assert_string_equal(db_errmsg(d), "unknown audit event 'exploded'");
	assert_int_equal(db_audit_add(d, k, "opened", "web", NULL), DB_EINVAL);
	assert_int_equal(db_audit_add(d, k + 9, "opened", NULL, NULL),
			 DB_ENOTFOUND);

	/* rows the store writes itself take the handle's mode once set */
	assert_int_equal(db_answer_put(d, k, "age", "30"), DB_OK);
	assert_int_equal(db_answer_put(d, k, "age", "31"), DB_OK);
	assert_int_equal(db_mode_set(d, "clinician"), DB_OK);
	assert_int_equal(db_answer_put(d, k, "age", "32"), DB_OK);
	assert_int_equal(db_mode_set(d, "nurse"), DB_EINVAL);
	assert_int_equal(db_audit_add(d, k, "opened", NULL, NULL), DB_OK);

	assert_int_equal(db_audit_load(d, k, collect_audit, &t), DB_OK);
	assert_int_equal(t.n, 5);
	assert_string_equal(t.event[0], "opened");
	assert_string_equal(t.mode[0], "kiosk");
	assert_string_equal(t.event[1], "report_exported");
	assert_string_equal(t.mode[1], "clinician");
	assert_string_equal(t.detail[1], "fhir");
	assert_string_equal(t.mode[2], "kiosk");
	assert_string_equal(t.mode[3], "clinician");
	assert_string_equal(t.event[4], "opened");
	assert_string_equal(t.mode[4], "clinician");
}

static void test_delete(void **state)
{
	db *d = *state;
	char code[DB_CODE_SIZE];
	int64_t keep = new_session(d, &kiosk, NULL);
	int64_t id = new_session(d, &clinician, code), next;
	struct db_session *s = NULL;
	struct answers a = { 0 };
	struct history h = { 0 };
	struct audit t = { 0 };
	struct notes c = { 0 };

	assert_int_equal(db_answer_put(d, id, "age", "50"), DB_OK);
	assert_int_equal(db_answer_put(d, keep, "age", "20"), DB_OK);
	assert_int_equal(db_note_add(d, id, NULL, "n"), DB_OK);
	assert_int_equal(db_session_finish(d, id, "complete", "self_care",
					   "{}"), DB_OK);
	assert_int_equal(db_session_delete(d, id, NULL), DB_OK);
	assert_int_equal(db_session_delete(d, id, NULL), DB_ENOTFOUND);

	assert_int_equal(db_session_get(d, id, &s), DB_ENOTFOUND);
	assert_int_equal(db_session_find(d, code, &s), DB_ENOTFOUND);
	assert_int_equal(db_answers_load(d, id, collect_answer, &a),
			 DB_ENOTFOUND);
	assert_int_equal(db_answer_history(d, id, collect_revision, &h),
			 DB_ENOTFOUND);
	assert_int_equal(db_notes_load(d, id, collect_note, &c), DB_ENOTFOUND);
	assert_int_equal(db_check(d), DB_OK);

	/* the audit trail outlives the session */
	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_int_equal(t.n, 4);
	assert_string_equal(t.event[0], "opened");
	assert_string_equal(t.event[3], "deleted");
	assert_int_equal(t.session[3], id);
	assert_string_equal(t.code[3], code);
	assert_string_equal(t.mode[3], "clinician");

	/* the other session is untouched */
	assert_int_equal(db_answers_load(d, keep, collect_answer, &a), DB_OK);
	assert_int_equal(a.n, 1);

	/* ids are not reused, even for the highest one */
	next = new_session(d, &kiosk, NULL);
	assert_true(next > id);
}

struct listing {
	db *d;
	int n;
	int64_t ids[16];
	int answers[16];
	int stop_after;
};

static int collect_session(const struct db_session *s, void *ctx)
{
	struct listing *l = ctx;
	struct answers a = { 0 };

	/* callbacks may call back into the store */
	assert_int_equal(db_answers_load(l->d, s->id, collect_answer, &a),
			 DB_OK);
	assert_int_equal(a.n, s->answer_count);
	l->answers[l->n] = a.n;
	l->ids[l->n++] = s->id;
	return l->stop_after && l->n == l->stop_after ? 7 : 0;
}

static void test_list(void **state)
{
	db *d = *state;
	int64_t a = new_session(d, &kiosk, NULL);
	int64_t b = new_session(d, &clinician, NULL);
	int64_t c = new_session(d, &kiosk, NULL);
	struct listing l = { .d = d };

	assert_int_equal(db_answer_put(d, b, "age", "40"), DB_OK);
	assert_int_equal(db_answer_put(d, b, "neck_pain", "no"), DB_OK);
	assert_int_equal(db_session_finish(d, b, "complete", "self_care", "{}"),
			 DB_OK);
	assert_int_equal(db_session_finish(d, c, "abandoned", NULL, NULL),
			 DB_OK);

	assert_int_equal(db_session_list(d, NULL, 0, collect_session, &l),
			 DB_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.ids[0], c);   /* newest first */
	assert_int_equal(l.ids[1], b);
	assert_int_equal(l.ids[2], a);
	assert_int_equal(l.answers[1], 2);

	memset(&l, 0, sizeof l);
	l.d = d;
	assert_int_equal(db_session_list(d, "complete", 0, collect_session,
					 &l), DB_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.ids[0], b);

	memset(&l, 0, sizeof l);
	l.d = d;
	assert_int_equal(db_session_list(d, "in_progress", 0, collect_session,
					 &l), DB_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.ids[0], a);

	memset(&l, 0, sizeof l);
	l.d = d;
	assert_int_equal(db_session_list(d, NULL, INT64_MAX, collect_session,
					 &l), DB_OK);
	assert_int_equal(l.n, 0);

	memset(&l, 0, sizeof l);
	l.d = d;
	l.stop_after = 2;
	assert_int_equal(db_session_list(d, NULL, 0, collect_session, &l), 7);
	assert_int_equal(l.n, 2);

	assert_int_equal(db_session_list(d, "lost", 0, collect_session, &l),
			 DB_EINVAL);
	assert_int_equal(db_session_list(d, NULL, 0, NULL, NULL), DB_EINVAL);
}

static int stop_answers(const char *q, const char *v, void *ctx)
{
	(void)q;
	(void)v;
	++*(int *)ctx;
	return 3;
}

static void test_callback_stop(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &kiosk, NULL);
	int n = 0;

	assert_int_equal(db_answer_put(d, id, "age", "1"), DB_OK);
	assert_int_equal(db_answer_put(d, id, "knee_pain", "no"), DB_OK);
	assert_int_equal(db_answers_load(d, id, stop_answers, &n), 3);
	assert_int_equal(n, 1);
}

/* A signed-off session is a closed record: no change, deletion with a
 * reason only, addenda kept, dated and audited. */
static void test_signed_off_closed(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &clinician, NULL);
	int64_t open_id = new_session(d, &clinician, NULL);
	struct answers a = { 0 };
	struct notes c = { 0 };
	struct audit t = { 0 };

	assert_int_equal(db_answer_put(d, id, "age", "50"), DB_OK);
	assert_int_equal(db_note_add(d, id, NULL, "before"), DB_OK);
	assert_int_equal(db_session_finish(d, id, "complete", "self_care",
					   "{}"), DB_OK);
	/* not signed off yet: no addendum, a note is for that */
	assert_int_equal(db_addendum_add(d, id, "Dr Jones", "x"), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "not been signed off"));
	assert_int_equal(db_session_signoff(d, id, "Dr Jones"), DB_OK);

	assert_int_equal(db_answer_put(d, id, "age", "51"), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "signed off"));
	assert_int_equal(db_answer_remove(d, id, "age"), DB_EINVAL);
	assert_int_equal(db_note_add(d, id, NULL, "after"), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "addendum"));
	assert_int_equal(db_errcode(d), DB_EINVAL);
	assert_int_equal(db_session_finish(d, id, "abandoned", NULL, NULL),
			 DB_EINVAL);
	assert_int_equal(db_session_resume(d, id, NULL), DB_EINVAL);
	assert_int_equal(db_answers_load(d, id, collect_answer, &a), DB_OK);
	assert_int_equal(a.n, 1);
	assert_string_equal(a.v[0], "50");
	assert_int_equal(db_notes_load(d, id, collect_note, &c), DB_OK);
	assert_int_equal(c.n, 1);

	/* addenda: author and text required, kept in order, audited */
	assert_int_equal(db_addendum_add(d, id, NULL, "x"), DB_EINVAL);
	assert_int_equal(db_addendum_add(d, id, "Dr Jones", ""), DB_EINVAL);
	assert_int_equal(db_addendum_add(d, id, "Dr Jones", "x-ray normal"),
			 DB_OK);
	assert_int_equal(db_addendum_add(d, id, "Dr Lee", "seen again"),
			 DB_OK);
	memset(&c, 0, sizeof c);
	assert_int_equal(db_addenda_load(d, id, collect_note, &c), DB_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.author[0], "Dr Jones");
	assert_string_equal(c.text[0], "x-ray normal");
	assert_string_equal(c.author[1], "Dr Lee");
	assert_int_equal(db_addenda_load(d, open_id, collect_note, &c), DB_OK);
	assert_int_equal(c.n, 2);

	/* deletion needs a reason, which the audit trail keeps */
	assert_int_equal(db_session_delete(d, id, NULL), DB_EINVAL);
	assert_non_null(strstr(db_errmsg(d), "--reason"));
	assert_int_equal(db_session_delete(d, id, ""), DB_EINVAL);
	assert_int_equal(db_answers_load(d, id, collect_answer, &a), DB_OK);
	assert_int_equal(db_session_delete(d, id, "duplicate of K7QX"), DB_OK);
	assert_int_equal(db_audit_load(d, id, collect_audit, &t), DB_OK);
	assert_string_equal(t.event[t.n - 3], "addendum_added");
	assert_string_equal(t.event[t.n - 2], "addendum_added");
	assert_string_equal(t.event[t.n - 1], "deleted");
	assert_string_equal(t.detail[t.n - 1], "duplicate of K7QX");
	/* a session not signed off is deleted without a reason */
	assert_int_equal(db_session_delete(d, open_id, NULL), DB_OK);
}

/* Two handles on one file: one writer per session. */
static void test_lease(void **state)
{
	char dir[] = "/tmp/msk-lease-XXXXXX", path[64], cmd[96];
	char *err = NULL;
	db *a, *b;
	int64_t id, other;
	struct db_lease h;
	struct audit t = { 0 };

	(void)state;
	fresh();
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s", on_pg ? store : dir);
	if (!on_pg)
		strcat(path, "/s.db");
	a = db_open(path, NULL, &err);
	assert_non_null(a);
	b = db_open(path, NULL, &err);
	assert_non_null(b);
	id = new_session(a, &clinician, NULL);
	other = new_session(a, &clinician, NULL);
	assert_int_equal(db_lease_take(a, id, false, NULL), DB_OK);
	assert_int_equal(db_lease_take(a, id, false, NULL), DB_OK);
	assert_int_equal(db_lease_take(a, other, false, NULL), DB_EINVAL);

	/* b is refused, told who holds it; a live lease is not taken over */
	memset(&h, 0, sizeof h);
	assert_int_equal(db_lease_take(b, id, false, &h), DB_EHELD);
	assert_int_equal(h.pid, (int64_t)getpid());
	assert_false(h.stale);
	assert_true(h.started_at > 0);
	assert_non_null(strstr(db_errmsg(b), "open in another interview"));
	assert_int_equal(db_errcode(b), DB_EHELD);
	assert_int_equal(db_lease_take(b, id, true, &h), DB_EHELD);
	/* and cannot change the session behind a's back */
	assert_int_equal(db_answer_put(b, id, "age", "40"), DB_EHELD);
	assert_int_equal(db_answer_remove(b, id, "age"), DB_EHELD);
	assert_int_equal(db_note_add(b, id, NULL, "x"), DB_EHELD);
	assert_int_equal(db_session_finish(b, id, "abandoned", NULL, NULL),
			 DB_EHELD);
	assert_int_equal(db_session_delete(b, id, NULL), DB_EHELD);
	assert_int_equal(db_answer_put(a, id, "age", "41"), DB_OK);
	/* other sessions are free */
	assert_int_equal(db_answer_put(b, other, "age", "40"), DB_OK);

	/* released: b may take it; then a is the one refused */
	assert_int_equal(db_lease_release(a, id), DB_OK);
	assert_int_equal(db_lease_take(b, id, false, NULL), DB_OK);
	assert_int_equal(db_answer_put(a, id, "age", "42"), DB_EHELD);
	/* closing the handle releases its lease */
	db_close(b);
	assert_int_equal(db_answer_put(a, id, "age", "42"), DB_OK);
	assert_int_equal(db_audit_load(a, id, collect_audit, &t), DB_OK);
	for (int i = 0; i < t.n; i++)
		assert_string_not_equal(t.event[i], "lease_taken_over");
	db_close(a);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* ---- copying a store ---- */

struct dump {
	db *d;
	char text[16384];
	size_t n;
};

static void dump_add(struct dump *u, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void dump_add(struct dump *u, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(u->text + u->n, sizeof u->text - u->n, fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof u->text - u->n);
	u->n += (size_t)k;
}

static int dump_revision(const struct db_revision *r, void *ctx)
{
	dump_add(ctx, " rev %lld %s=%s@%lld", (long long)r->id, r->question,
		 r->value ? r->value : "(withdrawn)", (long long)r->at);
	return 0;
}

static int dump_answer(const char *q, const char *v, void *ctx)
{
	dump_add(ctx, " ans %s=%s", q, v);
	return 0;
}

static int dump_note(const struct db_note *n, void *ctx)
{
	dump_add(ctx, " note %lld %s:%s@%lld", (long long)n->id,
		 n->author ? n->author : "-", n->text, (long long)n->at);
	return 0;
}

static int dump_audit(const struct db_audit *a, void *ctx)
{
	dump_add(ctx, "audit %lld %lld %s %s %s %lld %s\n", (long long)a->id,
		 (long long)a->session_id, a->code, a->event, a->mode,
		 (long long)a->at, a->detail ? a->detail : "-");
	return 0;
}

static int dump_kiosk(const struct db_kiosk_event *e, void *ctx)
{
	dump_add(ctx, "kiosk %lld %s %lld %lld %s\n", (long long)e->id,
		 e->event, (long long)e->at, (long long)e->session_id,
		 e->detail ? e->detail : "-");
	return 0;
}

static int dump_session(const struct db_session *s, void *ctx)
{
	struct dump *u = ctx;

	dump_add(u, "session %lld %s %s %s %lld %lld %lld %s %s %s %s %s %lld "
		 "%s %s %lld %d:", (long long)s->id, s->code, s->mode,
		 s->status, (long long)s->started_at,
		 (long long)s->updated_at, (long long)s->finished_at,
		 s->rulebase_sha256, s->program_version,
		 s->patient_label ? s->patient_label : "-",
		 s->clinician ? s->clinician : "-",
		 s->signed_off_by ? s->signed_off_by : "-",
		 (long long)s->signed_off_at, s->level ? s->level : "-",
		 s->conclusions_json ? s->conclusions_json : "-",
		 (long long)s->concluded_at, s->answer_count);
	assert_int_equal(db_answers_load(u->d, s->id, dump_answer, u), DB_OK);
	assert_int_equal(db_answer_history(u->d, s->id, dump_revision, u),
			 DB_OK);
	assert_int_equal(db_notes_load(u->d, s->id, dump_note, u), DB_OK);
	dump_add(u, " |");
	assert_int_equal(db_addenda_load(u->d, s->id, dump_note, u), DB_OK);
	dump_add(u, "\n");
	return 0;
}

/* Everything a store holds, as text, through the API only. */
static void dump(db *d, struct dump *u)
{
	memset(u, 0, sizeof *u);
	u->d = d;
	assert_int_equal(db_session_list(d, NULL, 0, dump_session, u), DB_OK);
	assert_int_equal(db_audit_load(d, 0, dump_audit, u), DB_OK);
	assert_int_equal(db_kiosk_events_load(d, 0, dump_kiosk, u), DB_OK);
	{
		char *v = NULL;

		if (db_setting_get(d, DB_SETTING_KIOSK_PIN, &v) == DB_OK)
			dump_add(u, "setting %s\n", v);
		free(v);
	}
}

static db *open_memory(void)
{
	char *err = NULL;
	db *m = db_open(":memory:", NULL, &err);

	assert_non_null(m);
	return m;
}

/*
 * A store with every kind of row copied to the backend under test and
 * back to SQLite holds the same, codes and ids and times included; a
 * deleted session's id is not given again; the copied signed-off record
 * stays closed; a store that holds sessions is not copied into.
 */
static void test_copy(void **state)
{
	db *d = *state, *src = open_memory(), *back = open_memory();
	static struct dump a, b, c;
	struct db_copy_counts n = { 0 };
	int64_t s1 = new_session(src, &clinician, NULL);
	int64_t s2 = new_session(src, &kiosk, NULL);
	int64_t gone = new_session(src, &kiosk, NULL), later;

	assert_int_equal(db_answer_put(src, s1, "age", "50"), DB_OK);
	assert_int_equal(db_answer_put(src, s1, "age", "51"), DB_OK);
	assert_int_equal(db_answer_put(src, s1, "knee_pain", "yes"), DB_OK);
	assert_int_equal(db_answer_remove(src, s1, "knee_pain"), DB_OK);
	assert_int_equal(db_note_add(src, s1, "Dr Jones", "seen"), DB_OK);
	assert_int_equal(db_session_finish(src, s1, "complete", "routine",
					   "{\"level\":\"routine\"}"), DB_OK);
	assert_int_equal(db_session_signoff(src, s1, "Dr Jones"), DB_OK);
	assert_int_equal(db_addendum_add(src, s1, "Dr Jones", "later"), DB_OK);
	assert_int_equal(db_answer_put(src, s2, "age", "30"), DB_OK);
	assert_int_equal(db_audit_add(src, s2, "report_exported", "api",
				      "text"), DB_OK);
	assert_int_equal(db_session_delete(src, gone, "entered twice"), DB_OK);
	assert_int_equal(db_setting_put(src, DB_SETTING_KIOSK_PIN, "$hash$"),
			 DB_OK);
	assert_int_equal(db_kiosk_event_add(src, "pin_refused", 0, NULL), DB_OK);
	assert_int_equal(db_kiosk_event_add(src, "kiosk_left", s2, "timeout"),
			 DB_OK);

	assert_int_equal(db_copy(src, d, &n), DB_OK);
	assert_int_equal(n.sessions, 2);
	assert_int_equal(n.revisions, 5);
	assert_int_equal(n.addenda, 1);
	assert_int_equal(n.settings, 1);
	assert_int_equal(n.kiosk_events, 2);
	assert_int_equal(db_copy(d, back, NULL), DB_OK);
	dump(src, &a);
	dump(d, &b);
	dump(back, &c);
	assert_string_equal(a.text, b.text);
	assert_string_equal(a.text, c.text);
	assert_non_null(strstr(a.text, "deleted"));
	assert_non_null(strstr(a.text, "kiosk 2"));
	assert_non_null(strstr(a.text, "setting $hash$"));

	/* refused into a store with sessions; nothing written */
	assert_int_equal(db_copy(src, d, NULL), DB_EEXIST);
	assert_non_null(strstr(db_errmsg(d), "empty"));
	dump(d, &b);
	assert_string_equal(a.text, b.text);

	/* the copy goes on where the original left off */
	later = new_session(d, &kiosk, NULL);
	assert_true(later > gone);
	assert_int_equal(db_answer_put(d, s1, "age", "52"), DB_EINVAL);
	assert_int_equal(db_addendum_add(d, s1, "Dr Jones", "more"), DB_OK);
	db_close(src);
	db_close(back);
}

/* Walking the store one session at a time, on each backend. */
static void test_session_next(void **state)
{
	db *d = *state;
	int64_t a = new_session(d, &kiosk, NULL), b = new_session(d, &kiosk, NULL);
	int64_t c = new_session(d, &kiosk, NULL);
	struct db_session *s = NULL;

	assert_int_equal(db_session_finish(d, b, "abandoned", NULL, NULL),
			 DB_OK);
	assert_int_equal(db_session_next(d, 0, NULL, 0, &s), DB_OK);
	assert_int_equal(s->id, a);
	db_session_free(s);
	assert_int_equal(db_session_next(d, a, NULL, 0, &s), DB_OK);
	assert_int_equal(s->id, b);
	db_session_free(s);
	assert_int_equal(db_session_next(d, a, "in_progress", 0, &s), DB_OK);
	assert_int_equal(s->id, c);
	db_session_free(s);
	assert_int_equal(db_session_next(d, c, NULL, 0, &s), DB_ENOTFOUND);
	assert_null(s);
	assert_int_equal(db_session_next(d, 0, "nonsense", 0, &s), DB_EINVAL);
}

/* The kiosk's settings and trail, on each backend. */
static void test_kiosk_store(void **state)
{
	db *d = *state;
	char *v = NULL;
	int count = -1;
	int64_t last = -1, id = new_session(d, &kiosk, NULL);
	static struct dump u;

	assert_int_equal(db_setting_get(d, DB_SETTING_KIOSK_PIN, &v),
			 DB_ENOTFOUND);
	assert_int_equal(db_setting_put(d, DB_SETTING_KIOSK_PIN, "h1"), DB_OK);
	assert_int_equal(db_setting_put(d, DB_SETTING_KIOSK_PIN, "h2"), DB_OK);
	assert_int_equal(db_setting_get(d, DB_SETTING_KIOSK_PIN, &v), DB_OK);
	assert_string_equal(v, "h2");
	free(v);
	assert_int_equal(db_kiosk_event_add(d, "pin_set", 0, NULL), DB_OK);
	assert_int_equal(db_kiosk_event_add(d, "pin_refused", 0, NULL), DB_OK);
	assert_int_equal(db_kiosk_event_add(d, "pin_refused", id, "x"), DB_OK);
	assert_int_equal(db_kiosk_failures(d, &count, &last), DB_OK);
	assert_int_equal(count, 2);
	assert_true(last > 0);
	assert_int_equal(db_kiosk_event_add(d, "pin_accepted", 0, NULL), DB_OK);
	assert_int_equal(db_kiosk_failures(d, &count, &last), DB_OK);
	assert_int_equal(count, 0);
	assert_int_equal(db_kiosk_event_add(d, "nonsense", 0, NULL), DB_EINVAL);
	dump(d, &u);
	assert_non_null(strstr(u.text, "pin_refused"));
	assert_non_null(strstr(u.text, " x\n"));
	if (on_pg) {
		assert_int_not_equal(psql("UPDATE kiosk_event SET event = 'x'"),
				     0);
		assert_int_not_equal(psql("DELETE FROM kiosk_event"), 0);
		assert_int_not_equal(psql("TRUNCATE kiosk_event"), 0);
	}
}

/* A failing connection's message never shows the URI's password. */
static void test_password_hidden(void **state)
{
	char *err = NULL;
	const char *uris[] = {
		"postgresql://msk:Xq7pw-secret@127.0.0.1:1/none",
		"postgresql://msk@127.0.0.1:1/none?password=Xq7pw-secret",
		"postgresql://msk:Xq7pw-secret@127.0.0.1:1/none?bad=%zz",
	};

	(void)state;
	for (size_t i = 0; i < sizeof uris / sizeof uris[0]; i++) {
		assert_null(db_open(uris[i], NULL, &err));
		assert_non_null(err);
		assert_null(strstr(err, "Xq7pw-secret"));
		assert_non_null(strstr(err, "***"));
		free(err);
		err = NULL;
	}
}

/* Both backends know the same schema versions. */
static void test_migrations_align(void **state)
{
	(void)state;
	assert_int_equal(db_migration_count, db_pg_migration_count);
}

/*
 * The audit trail is append-only in the database itself: another client
 * of the server cannot change or remove it, nor the signed-off answers.
 */
static void test_pg_triggers(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &clinician, NULL);

	assert_int_equal(db_answer_put(d, id, "age", "40"), DB_OK);
	assert_int_equal(db_session_finish(d, id, "complete", "routine", "{}"),
			 DB_OK);
	assert_int_equal(db_session_signoff(d, id, "Dr Jones"), DB_OK);
	assert_int_equal(psql("SELECT 1 FROM audit"), 0);
	assert_int_not_equal(psql("UPDATE audit SET event = 'x'"), 0);
	assert_int_not_equal(psql("DELETE FROM audit"), 0);
	assert_int_not_equal(psql("TRUNCATE audit"), 0);
	assert_int_not_equal(psql("UPDATE answer SET value = '41'"), 0);
	assert_int_not_equal(psql("INSERT INTO note (session_id, text, at)"
				  " SELECT id, 'x', 0 FROM session"), 0);
	assert_int_not_equal(psql("UPDATE session SET status = 'abandoned'"),
			     0);
}

/*
 * The URI goes to libpq whole: its sslmode, and PGSSLMODE, are obeyed (the
 * throwaway server has no TLS, so requiring it fails, in libpq's words);
 * a read-only handle reads and cannot write.
 */
static void test_pg_sslmode_read_only(void **state)
{
	db *d = *state, *ro;
	char *err = NULL, uri[512];
	struct db_options r = { .read_only = true };
	const char *host = getenv("PGHOST"), *port = getenv("PGPORT");
	int64_t id = new_session(d, &kiosk, NULL);

	snprintf(uri, sizeof uri, "postgresql://%s:%s/?sslmode=require",
		 host ? host : "localhost", port ? port : "5432");
	assert_null(db_open(uri, NULL, &err));
	assert_non_null(strstr(err, "SSL"));
	free(err);
	err = NULL;
	snprintf(uri, sizeof uri, "postgresql://%s:%s/?sslmode=disable",
		 host ? host : "localhost", port ? port : "5432");
	ro = db_open(uri, &r, &err);
	assert_non_null(ro);
	setenv("PGSSLMODE", "require", 1);
	assert_null(db_open(store, NULL, &err));
	assert_non_null(strstr(err, "SSL"));
	free(err);
	unsetenv("PGSSLMODE");

	assert_int_equal(db_answer_put(ro, id, "age", "40"), DB_EREADONLY);
	assert_non_null(strstr(db_errmsg(ro), "read-only"));
	assert_int_equal(db_answer_put(d, id, "age", "40"), DB_OK);
	{
		struct answers a = { 0 };

		assert_int_equal(db_answers_load(ro, id, collect_answer, &a),
				 DB_OK);
		assert_int_equal(a.n, 1);
	}
	db_close(ro);
}

/*
 * A database without the store's tables: commands that only read refuse it
 * and create nothing; one that is not a msktriage store is refused.
 */
static void test_pg_must_exist(void **state)
{
	struct db_options must = { .must_exist = true };
	char *err = NULL;

	(void)state;
	fresh();
	assert_null(db_open(store, &must, &err));
	assert_non_null(strstr(err, "no session store at 'postgresql://'"));
	free(err);
	err = NULL;
	assert_int_not_equal(psql("SELECT 1 FROM msktriage_schema"), 0);
	assert_int_equal(psql("CREATE TABLE session (x int)"), 0);
	assert_null(db_open(store, NULL, &err));
	assert_non_null(strstr(err, "is not a msktriage session store"));
	free(err);
}

/*
 * The server drops the connection (a restart, a network cut): the next
 * call connects again and runs its whole transaction once more; the
 * answer is stored exactly once.
 */
static void test_pg_reconnect(void **state)
{
	db *d = *state;
	int64_t id = new_session(d, &kiosk, NULL);
	struct history h = { 0 };
	const char *kill_others =
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
		" WHERE pid <> pg_backend_pid() AND datname = current_database()";

	assert_int_equal(db_answer_put(d, id, "age", "40"), DB_OK);
	assert_int_equal(psql(kill_others), 0);
	assert_int_equal(db_answer_put(d, id, "age", "41"), DB_OK);
	assert_int_equal(psql(kill_others), 0);
	assert_int_equal(db_answer_history(d, id, collect_revision, &h),
			 DB_OK);
	assert_int_equal(h.n, 2);
}

/*
 * The program's role as docs/deployment.md sets it up
 * (db/postgresql-roles.sql): everything msktriage does works, and the
 * audit trail cannot be changed or removed by that role at all.
 */
static void test_pg_app_role(void **state)
{
	db *d = *state, *app;
	char *err = NULL, uri[512], cmd[1024];
	const char *host = getenv("PGHOST"), *port = getenv("PGPORT");
	const char *dbname = getenv("PGDATABASE");
	int64_t id, other;
	struct audit t = { 0 };

	(void)d;   /* the owner's open made the schema */
	assert_int_equal(psql("DROP ROLE IF EXISTS msk_app; CREATE ROLE msk_app"
			      " LOGIN PASSWORD 'app-pw'"), 0);
	snprintf(cmd, sizeof cmd, "psql -X -q -v app=msk_app -f '%s' >/dev/null"
		 " 2>&1", MSK_SOURCE_DIR "/db/postgresql-roles.sql");
	assert_int_equal(system(cmd), 0);
	snprintf(uri, sizeof uri, "postgresql://msk_app:app-pw@%s:%s/%s",
		 host ? host : "localhost", port ? port : "5432",
		 dbname ? dbname : "postgres");
	app = db_open(uri, NULL, &err);
	if (!app)
		fail_msg("%s", err);
	assert_null(strstr(db_path(app), "app-pw"));
	assert_int_equal(db_session_create(app, &clinician, &id, NULL), DB_OK);
	assert_int_equal(db_session_create(app, &kiosk, &other, NULL), DB_OK);
	assert_int_equal(db_lease_take(app, id, false, NULL), DB_OK);
	assert_int_equal(db_answer_put(app, id, "age", "40"), DB_OK);
	assert_int_equal(db_answer_put(app, id, "age", "41"), DB_OK);
	assert_int_equal(db_answer_remove(app, id, "age"), DB_OK);
	assert_int_equal(db_note_add(app, id, NULL, "n"), DB_OK);
	assert_int_equal(db_session_finish(app, id, "complete", "routine",
					   "{}"), DB_OK);
	assert_int_equal(db_session_resume(app, id, NULL), DB_OK);
	assert_int_equal(db_session_finish(app, id, "complete", "routine",
					   "{}"), DB_OK);
	assert_int_equal(db_session_signoff(app, id, "Dr Jones"), DB_OK);
	assert_int_equal(db_addendum_add(app, id, "Dr Jones", "a"), DB_OK);
	assert_int_equal(db_audit_add(app, id, "report_exported", NULL, "text"),
			 DB_OK);
	assert_int_equal(db_setting_put(app, DB_SETTING_KIOSK_PIN, "h"), DB_OK);
	assert_int_equal(db_setting_put(app, DB_SETTING_KIOSK_PIN, "h2"), DB_OK);
	assert_int_equal(db_kiosk_event_add(app, "pin_set", 0, NULL), DB_OK);
	assert_int_equal(db_lease_release(app, id), DB_OK);
	assert_int_equal(db_session_delete(app, id, "test"), DB_OK);
	assert_int_equal(db_session_delete(app, other, NULL), DB_OK);
	assert_int_equal(db_audit_load(app, id, collect_audit, &t), DB_OK);
	assert_string_equal(t.event[t.n - 1], "deleted");
	assert_int_equal(db_check(app), DB_OK);
	db_close(app);

	/* the role itself is refused, before any trigger */
	snprintf(cmd, sizeof cmd, "PGUSER=msk_app PGPASSWORD=app-pw psql -X -q"
		 " -c 'UPDATE audit SET event = event' 2>&1 | grep -q"
		 " 'permission denied'");
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "PGUSER=msk_app PGPASSWORD=app-pw psql -X -q"
		 " -c 'DELETE FROM audit' 2>&1 | grep -q 'permission denied'");
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof cmd, "PGUSER=msk_app PGPASSWORD=app-pw psql -X -q"
		 " -c 'DELETE FROM kiosk_event' 2>&1 | grep -q"
		 " 'permission denied'");
	assert_int_equal(system(cmd), 0);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "pg") == 0) {
		if (!getenv("PGHOST") && !getenv("PGDATABASE")) {
			fprintf(stderr, "test_db pg: no PostgreSQL server to "
				"test on: run it under pg_virtualenv (Debian "
				"postgresql-common), as CTest does\n");
			return 2;
		}
		store = "postgresql://";
		on_pg = true;
	}
	const struct CMUnitTest pg_only[] = {
		cmocka_unit_test_setup_teardown(test_pg_triggers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pg_reconnect, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pg_app_role, setup,
						teardown),
		cmocka_unit_test(test_pg_must_exist),
		cmocka_unit_test_setup_teardown(test_pg_sslmode_read_only, setup,
						teardown),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_password_hidden),
		cmocka_unit_test(test_migrations_align),
		cmocka_unit_test_setup_teardown(test_open_close, setup, teardown),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test_setup_teardown(test_session_create, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_session_find, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_codes_unique, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_answers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_answer_errors, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_finish_resume, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signoff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_notes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_callback_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signed_off_closed, setup,
						teardown),
		cmocka_unit_test(test_lease),
		cmocka_unit_test_setup_teardown(test_copy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kiosk_store, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_session_next, setup,
						teardown),
	};

	int failed = cmocka_run_group_tests_name(on_pg ? "db (postgresql)"
						 : "db (sqlite)", tests, NULL, NULL);

	if (on_pg)
		failed += cmocka_run_group_tests_name("db (postgresql only)",
						      pg_only, NULL, NULL);
	return failed;
}
