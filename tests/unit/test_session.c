/*
 * test_session.c — the interview core (cli/session.h) without a terminal,
 * on the mini fixture rule base and a store in a temporary directory:
 * answer, refuse, back, change with withdrawal of what is no longer
 * relevant (red-flag answers kept), a stop at an emergency level (and the
 * emergency level before a deferred stop), resume (with a stored answer
 * that no longer fits), one writer per session, finished sessions that stay
 * finished until changed, a store that refuses a write, and kiosk mode
 * (clinician-only questions refused and not counted).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "cli/session.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct fx {
	char dir[64];
	char path[128];
	engine *e;
	db *d;
	session *s;
};

static engine *load(void)
{
	char *msg = NULL;
	engine *e = engine_new(FIXTURES_DIR "/mini", &msg);
	if (!e)
		fail_msg("cannot load the fixture: %s", msg ? msg : "?");
	return e;
}

static db *store(struct fx *f, int busy_ms)
{
	struct db_options o = { .busy_timeout_ms = busy_ms };
	char *msg = NULL;
	db *d = db_open_with(f->path, &o, &msg);
	if (!d)
		fail_msg("cannot open the store: %s", msg ? msg : "?");
	return d;
}

static const struct db_session_new info = { .program_version = "test" };

static int setup_mode(void **state, enum session_mode mode)
{
	struct fx *f = calloc(1, sizeof(*f));
	snprintf(f->dir, sizeof(f->dir), "/tmp/msk-session-XXXXXX");
	if (!f || !mkdtemp(f->dir))
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/s.db", f->dir);
	f->e = load();
	f->d = store(f, 100);
	f->s = session_new(f->e, f->d, mode);
	if (!f->s || session_start(f->s, &info) != SESSION_OK)
		return -1;
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_mode(state, SESSION_CLINICIAN);
}

static int setup_kiosk(void **state)
{
	return setup_mode(state, SESSION_KIOSK);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	session_free(f->s);
	db_close(f->d);
	engine_free(f->e);
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	int rc = system(cmd);
	free(f);
	return rc == 0 ? 0 : -1;
}

/* The stored answer to q, or NULL (a static copy). */
struct find {
	const char *q;
	char value[64];
	bool found;
};

static int find_cb(const char *question, const char *value, void *ctx)
{
	struct find *fd = ctx;
	if (strcmp(question, fd->q) == 0) {
		snprintf(fd->value, sizeof(fd->value), "%s", value);
		fd->found = true;
	}
	return 0;
}

static const char *stored(struct fx *f, const char *q)
{
	static struct find fd;
	memset(&fd, 0, sizeof(fd));
	fd.q = q;
	assert_int_equal(db_answers_load(f->d, session_id(f->s), find_cb, &fd),
			 DB_OK);
	return fd.found ? fd.value : NULL;
}

static bool listed(const char *const *v, size_t n, const char *id)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], id) == 0)
			return true;
	return false;
}

static void test_answer(void **state)
{
	struct fx *f = *state;
	assert_string_equal(session_next_question(f->s)->id, "age");
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	assert_string_equal(stored(f, "age"), "40");
	assert_string_equal(engine_answer_text(f->e, "age"), "40");
	const struct session_delta *d = session_delta(f->s);
	assert_string_equal(d->question, "age");
	assert_null(d->before);
	assert_int_equal(session_answered_count(f->s), 1);

	/* Refused: nothing changes in either. */
	assert_int_equal(session_answer(f->s, "age", "200"), SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "'age'"));
	assert_string_equal(stored(f, "age"), "40");
	assert_string_equal(engine_answer_text(f->e, "age"), "40");
	assert_int_equal(session_answer(f->s, "agee", "4"), SESSION_EINVAL);

	/* A change keeps the order and tells what it was. */
	assert_int_equal(session_answer(f->s, "age", "41"), SESSION_OK);
	assert_string_equal(session_delta(f->s)->before, "40");
	assert_string_equal(stored(f, "age"), "41");
	assert_int_equal(session_answered_count(f->s), 1);
}

static void test_back(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_back(f->s), SESSION_EINVAL);
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	const char *next = session_next_question(f->s)->id;
	char was_next[32];
	snprintf(was_next, sizeof(was_next), "%s", next);
	assert_null(session_revisiting(f->s));
	assert_int_equal(session_keep(f->s), SESSION_EINVAL);

	/* back: the question again, its answer kept in both until a new
	 * one is given. */
	assert_int_equal(session_back(f->s), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_string_equal(d->question, "low_back_pain");
	assert_string_equal(d->before, "yes");
	assert_string_equal(session_revisiting(f->s), "low_back_pain");
	assert_string_equal(session_next_question(f->s)->id, "low_back_pain");
	assert_string_equal(stored(f, "low_back_pain"), "yes");
	assert_string_equal(engine_answer_text(f->e, "low_back_pain"), "yes");
	assert_int_equal(session_answered_count(f->s), 2);

	/* back again: further back; then keep walks forward. */
	assert_int_equal(session_back(f->s), SESSION_OK);
	assert_string_equal(session_next_question(f->s)->id, "age");
	assert_string_equal(session_delta(f->s)->before, "40");
	assert_int_equal(session_back(f->s), SESSION_EINVAL);
	assert_int_equal(session_keep(f->s), SESSION_OK);
	assert_string_equal(session_next_question(f->s)->id, "low_back_pain");
	assert_int_equal(session_keep(f->s), SESSION_OK);
	assert_null(session_revisiting(f->s));
	assert_string_equal(session_next_question(f->s)->id, was_next);
	assert_string_equal(stored(f, "low_back_pain"), "yes");

	/* A new answer replaces it and goes on from there. */
	assert_int_equal(session_back(f->s), SESSION_OK);
	assert_int_equal(session_answer(f->s, "low_back_pain", "no"), SESSION_OK);
	assert_string_equal(session_delta(f->s)->before, "yes");
	assert_null(session_revisiting(f->s));
	assert_string_equal(stored(f, "low_back_pain"), "no");
	assert_string_equal(stored(f, "age"), "40");
}

/* back, then leaving: everything stored is still there on resume. */
static void test_back_then_quit_loses_nothing(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_int_equal(session_back(f->s), SESSION_OK);
	int64_t id = session_id(f->s);
	session_free(f->s);
	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_int_equal(session_answered_count(f->s), 2);
	assert_string_equal(stored(f, "low_back_pain"), "yes");
	assert_string_equal(engine_answer_text(f->e, "low_back_pain"), "yes");
	assert_null(session_revisiting(f->s));
}

static void test_set(void **state)
{
	struct fx *f = *state;
	assert_string_equal(session_next_question(f->s)->id, "age");
	/* side is asked only with back pain: volunteered early, it is
	 * stored and kept although not relevant yet. */
	assert_false(engine_question_is_relevant(f->e, "side"));
	assert_int_equal(session_set(f->s, "side", "left"), SESSION_OK);
	assert_string_equal(stored(f, "side"), "left");
	assert_string_equal(engine_answer_text(f->e, "side"), "left");
	assert_string_equal(session_delta(f->s)->question, "side");
	assert_string_equal(session_next_question(f->s)->id, "age");
	/* validated like any answer, named in the message */
	assert_int_equal(session_set(f->s, "height_cm", "20"), SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "'height_cm'"));
	assert_null(stored(f, "height_cm"));
	assert_int_equal(session_set(f->s, "heigt_cm", "200"), SESSION_EINVAL);
	/* the rules use it at once: a finding appears with the set */
	assert_int_equal(session_set(f->s, "height_cm", "210"), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_true(listed(d->found, d->n_found, "tall"));
	/* answered already: change it instead */
	assert_int_equal(session_set(f->s, "side", "right"), SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "change side"));
	assert_string_equal(stored(f, "side"), "left");
	/* an answer that makes it relevant leaves it as it is; age is
	 * still the next question asked (set does not skip it) */
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_string_equal(stored(f, "side"), "left");
	/* a volunteered red flag stops the interview like an answer */
	assert_int_equal(session_set(f->s, "numb", "yes"), SESSION_OK);
	assert_true(session_delta(f->s)->stopped);
	assert_true(session_is_emergency(f->s));
	/* kept over a resume */
	int64_t id = session_id(f->s);
	session_free(f->s);
	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_string_equal(engine_answer_text(f->e, "side"), "left");
}

/* A volunteered answer to a question that is not relevant is not
 * withdrawn by the next answer, nor after a resume. */
static void test_set_not_relevant_kept(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_set(f->s, "side", "both"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "age", "30"), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_false(listed(d->answers_withdrawn, d->n_answers_withdrawn, "side"));
	assert_string_equal(stored(f, "side"), "both");
	int64_t id = session_id(f->s);
	session_free(f->s);
	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_int_equal(session_answer(f->s, "low_back_pain", "no"), SESSION_OK);
	assert_string_equal(stored(f, "side"), "both");
}

static void test_change_withdraws_irrelevant(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "numb", "no"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "side", "left"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "height_cm", "210"), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_true(listed(d->found, d->n_found, "tall"));
	assert_non_null(engine_finding_find(f->e, "tall"));

	assert_int_equal(session_answer(f->s, "low_back_pain", "no"), SESSION_OK);
	d = session_delta(f->s);
	assert_true(listed(d->answers_withdrawn, d->n_answers_withdrawn, "side"));
	assert_true(listed(d->withdrawn, d->n_withdrawn, "tall"));
	assert_null(engine_finding_find(f->e, "tall"));
	assert_null(stored(f, "side"));
	assert_null(engine_answer_text(f->e, "side"));
	/* A red-flag answer counts wherever it was given: kept. */
	assert_false(listed(d->answers_withdrawn, d->n_answers_withdrawn, "numb"));
	assert_string_equal(stored(f, "numb"), "no");
	assert_string_equal(engine_answer_text(f->e, "numb"), "no");
}

static void test_emergency_stop(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_false(session_is_emergency(f->s));
	assert_string_equal(session_final_status(f->s), "complete");
	assert_int_equal(session_answer(f->s, "numb", "yes"), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_true(listed(d->found, d->n_found, "back_flag"));
	assert_true(d->emergency);
	assert_true(d->stopped);
	assert_true(d->level_changed);
	assert_true(session_is_emergency(f->s));
	assert_string_equal(session_final_status(f->s), "emergency_stopped");
	assert_int_equal(session_finish(f->s, NULL), SESSION_OK);

	struct db_session *rec = NULL;
	assert_int_equal(db_session_get(f->d, session_id(f->s), &rec), DB_OK);
	assert_string_equal(rec->status, "emergency_stopped");
	assert_string_equal(rec->level, "emergency");
	db_session_free(rec);
}

/* The latest stored conclusions of the fixture's session, parsed. */
static json_t *kept(struct fx *f)
{
	struct db_session *rec = NULL;
	assert_int_equal(db_session_get(f->d, session_id(f->s), &rec), DB_OK);
	json_t *c = json_loads(rec->conclusions_json, 0, NULL);
	db_session_free(rec);
	assert_non_null(c);
	return c;
}

static int count_event(const struct db_audit *a, void *ctx)
{
	if (strcmp(a->event, "continued_after_stop") == 0)
		++*(int *)ctx;
	return 0;
}

static int continued_events(struct fx *f)
{
	int n = 0;
	assert_int_equal(db_audit_load(f->d, session_id(f->s), count_event, &n),
			 DB_OK);
	return n;
}

/*
 * After an emergency stop the assessment goes on for the record: the
 * remaining questions are asked, the level never falls below the stop's
 * (the answer that caused it changed, an answer taken back, a pain site
 * withdrawn), the stop is kept with the answers it was made on and whether
 * they still support it, the session ends stopped, and a resumed session
 * holds the stop again.
 */
static void test_continue_after_stop(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_continue(f->s), SESSION_EINVAL);
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_int_equal(session_continue(f->s), SESSION_EINVAL);
	assert_int_equal(session_answer(f->s, "numb", "yes"), SESSION_OK);
	assert_null(session_next_question(f->s));
	assert_int_equal(session_finish(f->s, NULL), SESSION_OK);
	assert_false(session_is_continued(f->s));

	assert_int_equal(session_continue(f->s), SESSION_OK);
	assert_true(session_is_continued(f->s));
	assert_int_equal(continued_events(f), 1);
	assert_string_equal(session_status(f->s), "emergency_stopped");
	json_t *c = kept(f);
	json_t *stop = json_array_get(json_object_get(c, "stops"), 0);
	assert_string_equal(json_string_value(json_object_get(stop, "finding")),
			    "back_flag");
	assert_string_equal(json_string_value(json_object_get(stop, "level")),
			    "emergency");
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(stop, "answers"), "numb")), "yes");
	assert_true(json_is_true(json_object_get(stop, "supported")));
	json_decref(c);

	/* The remaining questions are asked as usual. */
	const struct engine_question *q = session_next_question(f->s);
	assert_non_null(q);
	assert_string_equal(engine_level(f->e)->id, "emergency");

	/* The answer that caused the stop changed: the finding goes, the
	 * level and the stop stay. */
	assert_int_equal(session_answer(f->s, "numb", "no"), SESSION_OK);
	const struct session_delta *d = session_delta(f->s);
	assert_true(listed(d->withdrawn, d->n_withdrawn, "back_flag"));
	assert_false(d->level_changed);
	assert_string_equal(engine_level(f->e)->id, "emergency");
	assert_true(session_is_emergency(f->s));
	assert_string_equal(session_final_status(f->s), "emergency_stopped");
	json_t *now = session_result_json(f->s);
	stop = json_array_get(json_object_get(now, "stops"), 0);
	assert_true(json_is_false(json_object_get(stop, "supported")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(now, "triage"), "level")), "emergency");
	json_decref(now);

	/* Taken back, and the pain site withdrawn: still emergency. */
	assert_int_equal(session_back(f->s), SESSION_OK);
	assert_string_equal(engine_level(f->e)->id, "emergency");
	assert_int_equal(session_answer(f->s, "low_back_pain", "no"), SESSION_OK);
	assert_string_equal(engine_level(f->e)->id, "emergency");
	assert_int_equal(session_finish(f->s, NULL), SESSION_OK);
	assert_string_equal(session_status(f->s), "emergency_stopped");
	c = kept(f);
	stop = json_array_get(json_object_get(c, "stops"), 0);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(stop, "answers"), "numb")), "yes");
	assert_true(json_is_false(json_object_get(stop, "supported")));
	json_decref(c);
	struct db_session *rec = NULL;
	assert_int_equal(db_session_get(f->d, session_id(f->s), &rec), DB_OK);
	assert_string_equal(rec->status, "emergency_stopped");
	assert_string_equal(rec->level, "emergency");
	db_session_free(rec);

	/* Resumed on another engine: held again. */
	int64_t id = session_id(f->s);
	session_free(f->s);
	engine *e2 = load();
	f->s = session_new(e2, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_true(session_is_continued(f->s));
	assert_int_equal(engine_stop_held_count(e2), 1);
	assert_string_equal(engine_level(e2)->id, "emergency");
	assert_null(engine_stop_reason(e2));
	/* Signed off: the record closes. */
	assert_int_equal(db_session_signoff(f->d, id, "Dr Test"), DB_OK);
	/* A new session holds nothing. */
	assert_int_equal(session_start(f->s, &info), SESSION_OK);
	assert_false(session_is_continued(f->s));
	assert_string_equal(engine_level(e2)->id, "self_care");
	session_free(f->s);
	f->s = NULL;
	engine_free(e2);
}

/* The kiosk never goes on after an emergency stop. */
static void test_kiosk_never_continues(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "numb", "yes"), SESSION_OK);
	assert_true(session_is_emergency(f->s));
	assert_int_equal(session_finish(f->s, NULL), SESSION_OK);
	assert_int_equal(session_continue(f->s), SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "kiosk"));
	assert_false(session_is_continued(f->s));
	assert_int_equal(engine_stop_held_count(f->e), 0);
	assert_string_equal(engine_stop_reason(f->e), "back_flag");
	assert_int_equal(continued_events(f), 0);
	assert_string_equal(session_status(f->s), "emergency_stopped");
}

static void test_resume(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_int_equal(session_answer(f->s, "numb", "no"), SESSION_OK);
	const char *next = session_next_question(f->s)->id;
	char want[32];
	snprintf(want, sizeof(want), "%s", next);
	/* A stored answer the rule base no longer takes. */
	assert_int_equal(db_answer_put(f->d, session_id(f->s), "side", "middle"),
			 DB_OK);
	int64_t id = session_id(f->s);
	char code[DB_CODE_SIZE];
	memcpy(code, session_code(f->s), sizeof(code));
	session_free(f->s);

	engine *e2 = load();
	f->s = session_new(e2, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_string_equal(session_code(f->s), code);
	assert_int_equal(session_answered_count(f->s), 3);
	assert_string_equal(session_answered_at(f->s, 0), "age");
	assert_string_equal(session_answered_at(f->s, 2), "numb");
	assert_int_equal(session_dropped_count(f->s), 1);
	assert_string_equal(session_dropped_at(f->s, 0)->question, "side");
	assert_null(stored(f, "side"));
	assert_string_equal(session_next_question(f->s)->id, want);
	assert_string_equal(engine_answer_text(e2, "low_back_pain"), "yes");
	session_free(f->s);
	f->s = NULL;
	engine_free(e2);
}

static void test_store_failure(void **state)
{
	struct fx *f = *state;
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	const struct engine_question *next = session_next_question(f->s);
	sqlite3 *other;
	assert_int_equal(sqlite3_open(f->path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	/* The store refuses: the engine goes back to what the store holds. */
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"),
			 SESSION_ESTORE);
	assert_int_equal(session_store_error(f->s), DB_EBUSY);
	assert_null(engine_answer_text(f->e, "low_back_pain"));
	assert_int_equal(session_answered_count(f->s), 1);
	assert_ptr_equal(session_next_question(f->s), next);
	assert_int_equal(session_answer(f->s, "age", "41"), SESSION_ESTORE);
	assert_string_equal(engine_answer_text(f->e, "age"), "40");
	/* back writes nothing: it works while the store refuses */
	assert_int_equal(session_back(f->s), SESSION_OK);
	assert_string_equal(engine_answer_text(f->e, "age"), "40");
	assert_int_equal(session_keep(f->s), SESSION_OK);
	assert_int_equal(session_abandon(f->s), SESSION_ESTORE);

	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(other);
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	assert_string_equal(stored(f, "low_back_pain"), "yes");
	assert_int_equal(session_abandon(f->s), SESSION_OK);
}

static void test_kiosk_mode(void **state)
{
	struct fx *f = *state;
	/* set is the clinician's: never in the kiosk, not even for a
	 * question the kiosk asks */
	assert_int_equal(session_set(f->s, "age", "40"), SESSION_EINVAL);
	assert_null(engine_answer_text(f->e, "age"));
	size_t done, left;
	session_progress(f->s, &done, &left);
	assert_int_equal(done, 0);
	assert_int_equal(left, 3);   /* age, low_back_pain, height_cm */
	assert_int_equal(session_answer(f->s, "exam_reflex", "yes"),
			 SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "'exam_reflex'"));
	assert_null(engine_answer_text(f->e, "exam_reflex"));
	assert_null(stored(f, "exam_reflex"));
	assert_int_equal(session_answer(f->s, "low_back_pain", "yes"), SESSION_OK);
	session_progress(f->s, &done, &left);
	assert_int_equal(done, 1);
	assert_int_equal(left, 4);   /* + numb, side */
	const struct engine_question *q;
	while ((q = session_next_question(f->s))) {
		assert_false(q->clinician_only);
		assert_int_equal(session_answer(f->s, q->id, "skip"), SESSION_OK);
	}
}

/* The deferred stop (SPEC §4 R2): the level is the emergency's at once,
 * while one more red-flag question, which could only make it more urgent,
 * is still to be asked. The kiosk shows its emergency screen on the level,
 * so it does not wait for that question. */
static void test_emergency_level_before_the_stop(void **state)
{
	struct fx *f = *state;
	char *msg = NULL;
	engine *e = engine_new(FIXTURES_DIR "/r2", &msg);
	if (!e)
		fail_msg("cannot load the r2 fixture: %s", msg ? msg : "?");
	db *d = store(f, 100);   /* a handle holds one session's lease */
	session *s = session_new(e, d, SESSION_KIOSK);
	assert_int_equal(session_start(s, &info), SESSION_OK);
	assert_false(session_is_emergency(s));
	assert_int_equal(session_answer(s, "calf", "yes"), SESSION_OK);
	assert_true(session_delta(s)->emergency);
	assert_true(session_is_emergency(s));
	assert_string_equal(session_final_status(s), "emergency_stopped");
	const struct engine_question *next = session_next_question(s);
	assert_non_null(next);
	assert_string_equal(next->id, "breathless");
	assert_int_equal(session_finish(s, NULL), SESSION_OK);
	struct db_session *rec = NULL;
	assert_int_equal(db_session_get(d, session_id(s), &rec), DB_OK);
	assert_string_equal(rec->status, "emergency_stopped");
	db_session_free(rec);
	session_free(s);
	db_close(d);
	engine_free(e);
}

/* One writer: the lease taken at the start keeps a second interview out
 * until the first lets the session go. */
static void test_one_writer(void **state)
{
	struct fx *f = *state;
	engine *e2 = load();
	db *d2 = store(f, 100);
	session *other = session_new(e2, d2, SESSION_CLINICIAN);
	int64_t id = session_id(f->s);
	assert_int_equal(session_resume(other, id), SESSION_ESTORE);
	assert_int_equal(session_store_error(other), DB_EHELD);
	session_free(f->s);          /* lets the session go */
	f->s = NULL;
	assert_int_equal(session_resume(other, id), SESSION_OK);
	session_free(other);
	db_close(d2);
	engine_free(e2);
}

/* A finished session resumed keeps its status until the first change; a
 * signed-off one is refused. */
static void test_finished_stays_finished(void **state)
{
	struct fx *f = *state;
	struct db_session *rec = NULL;
	assert_int_equal(session_answer(f->s, "age", "40"), SESSION_OK);
	assert_int_equal(session_finish(f->s, "complete"), SESSION_OK);
	assert_string_equal(session_status(f->s), "complete");
	int64_t id = session_id(f->s);
	session_free(f->s);

	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_string_equal(session_status(f->s), "complete");
	session_free(f->s);
	assert_int_equal(db_session_get(f->d, id, &rec), DB_OK);
	assert_string_equal(rec->status, "complete");
	db_session_free(rec);

	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_OK);
	assert_int_equal(session_answer(f->s, "age", "41"), SESSION_OK);
	assert_string_equal(session_status(f->s), "in_progress");
	assert_int_equal(db_session_get(f->d, id, &rec), DB_OK);
	assert_string_equal(rec->status, "in_progress");
	db_session_free(rec);
	assert_int_equal(session_finish(f->s, NULL), SESSION_OK);
	assert_int_equal(db_session_signoff(f->d, id, "Dr Test"), DB_OK);
	session_free(f->s);

	f->s = session_new(f->e, f->d, SESSION_CLINICIAN);
	assert_int_equal(session_resume(f->s, id), SESSION_EINVAL);
	assert_non_null(strstr(session_errmsg(f->s), "signed off"));
}

static void test_clinician_progress(void **state)
{
	struct fx *f = *state;
	size_t done, left;
	session_progress(f->s, &done, &left);
	assert_int_equal(left, 4);   /* the examination counts here */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_answer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_then_quit_loses_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_set, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_not_relevant_kept,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_change_withdraws_irrelevant,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_continue_after_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_kiosk_never_continues,
						setup_kiosk, teardown),
		cmocka_unit_test_setup_teardown(test_store_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kiosk_mode, setup_kiosk,
						teardown),
		cmocka_unit_test_setup_teardown(test_clinician_progress, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_emergency_level_before_the_stop,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finished_stays_finished, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("session core", tests, NULL, NULL);
}
