/*
 * session.c — the interview core shared by the front ends (see session.h).
 *
 * Every action follows the same steps: reset the delta, copy what is
 * present now (findings, level, stop), change the engine and the store
 * together, run the rules, withdraw answers that are no longer relevant
 * (running again after each), and compare with the copy. Nothing here
 * prints or reads a terminal.
 */
#include "cli/session.h"
#include "cli/result.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A growable list of owned strings. */
struct strs {
	char **v;
	size_t n, cap;
};

struct session {
	engine *e;
	db *d;
	enum session_mode mode;
	int64_t id;
	char code[DB_CODE_SIZE];
	char status[24];        /* in the store */
	bool leased;
	bool pending;           /* created in the store at the first write */
	struct db_session_new info;     /* of a pending session; owned */
	char *info_str[5];
	char msg[512];
	int store_err;

	struct strs order;      /* answered question ids, in answer order */
	json_t *stops;          /* stops continued after (cli_stop_record()),
				   NULL when none */
	/* Answers given with session_set() to a question not relevant yet:
	 * kept although not relevant, until their question becomes relevant
	 * (or the answer is changed or withdrawn). */
	struct strs volunteered;
	/* After session_back(): the position in order being revisited, its
	 * answer still held until a new one is given; SIZE_MAX when none. */
	size_t revisit;

	/* Before the action under way. */
	struct strs had;        /* finding ids present */
	char *level_before;
	bool had_stop;
	bool had_emergency;

	/* The delta and the strings it points to. */
	struct session_delta delta;
	char *question;
	char *before;
	struct strs found, withdrawn, gone, kept;

	struct strs dropped_q, dropped_why;
	struct session_dropped *dropped;
};

/* ------------------------------------------------------------- helpers */

static void fail_msg(session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail_msg(session *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s->msg, sizeof(s->msg), fmt, ap);
	va_end(ap);
}

static int strs_push(struct strs *l, const char *str)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return -1;
		l->v = v;
		l->cap = cap;
	}
	if (!(l->v[l->n] = strdup(str)))
		return -1;
	l->n++;
	return 0;
}

static bool strs_has(const struct strs *l, const char *str)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], str) == 0)
			return true;
	return false;
}

static void strs_remove(struct strs *l, const char *str)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], str) == 0) {
			free(l->v[i]);
			memmove(&l->v[i], &l->v[i + 1],
				(l->n - i - 1) * sizeof(*l->v));
			l->n--;
			return;
		}
}

static void strs_clear(struct strs *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	l->n = 0;
}

static void strs_free(struct strs *l)
{
	strs_clear(l);
	free(l->v);
	l->v = NULL;
	l->cap = 0;
}

static int nomem(session *s)
{
	fail_msg(s, "out of memory");
	return SESSION_ENOMEM;
}

static int store_fail(session *s, int rc)
{
	s->store_err = rc;
	fail_msg(s, "%s", db_errmsg(s->d));
	return SESSION_ESTORE;
}

static int create_stored(session *s);

int session_reopen(session *s)
{
	if (s->pending)
		return create_stored(s);
	if (strcmp(s->status, "in_progress") == 0)
		return SESSION_OK;
	int db_rc = db_session_resume(s->d, s->id, s->mode == SESSION_KIOSK
						    ? "kiosk" : "clinician");
	if (db_rc != DB_OK)
		return store_fail(s, db_rc);
	snprintf(s->status, sizeof(s->status), "in_progress");
	return SESSION_OK;
}

static int run(session *s)
{
	if (engine_run(s->e) == 0)
		return SESSION_OK;
	fail_msg(s, "%s", engine_errmsg(s->e));
	return SESSION_EENGINE;
}

static bool level_stops(const engine *e)
{
	const struct engine_level *l = engine_level(e);
	return l && l->stops;
}

/* ---------------------------------------------------------- the delta */

static void delta_reset(session *s)
{
	free(s->question);
	free(s->before);
	free(s->level_before);
	s->question = s->before = s->level_before = NULL;
	strs_clear(&s->had);
	strs_clear(&s->found);
	strs_clear(&s->withdrawn);
	strs_clear(&s->gone);
	strs_clear(&s->kept);
	memset(&s->delta, 0, sizeof(s->delta));
	s->msg[0] = '\0';
	s->store_err = DB_OK;
}

/* Copy what is present before an action. */
static int delta_begin(session *s)
{
	delta_reset(s);
	for (size_t i = 0; i < engine_finding_count(s->e); i++)
		if (strs_push(&s->had, engine_finding_at(s->e, i)->id) != 0)
			return nomem(s);
	if (!(s->level_before = strdup(engine_level(s->e)->id)))
		return nomem(s);
	s->had_stop = engine_stop_reason(s->e) != NULL;
	s->had_emergency = level_stops(s->e);
	return SESSION_OK;
}

/* Compare with the copy; fill the delta. */
static int delta_end(session *s)
{
	for (size_t i = 0; i < engine_finding_count(s->e); i++) {
		const char *id = engine_finding_at(s->e, i)->id;
		if (!strs_has(&s->had, id) && strs_push(&s->found, id) != 0)
			return nomem(s);
	}
	for (size_t i = 0; i < s->had.n; i++)
		if (!engine_finding_find(s->e, s->had.v[i]) &&
		    strs_push(&s->withdrawn, s->had.v[i]) != 0)
			return nomem(s);
	struct session_delta *d = &s->delta;
	d->question = s->question;
	d->before = s->before;
	d->found = (const char *const *)s->found.v;
	d->n_found = s->found.n;
	d->withdrawn = (const char *const *)s->withdrawn.v;
	d->n_withdrawn = s->withdrawn.n;
	d->answers_withdrawn = (const char *const *)s->gone.v;
	d->n_answers_withdrawn = s->gone.n;
	d->store_kept = (const char *const *)s->kept.v;
	d->n_store_kept = s->kept.n;
	d->level_before = s->level_before;
	d->level_changed = s->level_before &&
			   strcmp(s->level_before, engine_level(s->e)->id) != 0;
	d->stopped = !s->had_stop && engine_stop_reason(s->e) != NULL;
	d->emergency = level_stops(s->e);
	return SESSION_OK;
}

/* Position of id in the answer order, or order.n. */
static size_t order_index(const session *s, const char *id)
{
	for (size_t i = 0; i < s->order.n; i++)
		if (strcmp(s->order.v[i], id) == 0)
			return i;
	return s->order.n;
}

static bool revisiting(const session *s)
{
	return s->revisit != SIZE_MAX && s->revisit < s->order.n;
}

/* id is about to leave the answer order: the revisit position follows it,
 * and revisiting ends when the question revisited is the one going. */
static void forget_revisit(session *s, const char *id)
{
	size_t i = order_index(s, id);
	if (!revisiting(s) || i == s->order.n)
		return;
	if (i == s->revisit)
		s->revisit = SIZE_MAX;
	else if (i < s->revisit)
		s->revisit--;
}

/*
 * Withdraw answers to questions that are no longer relevant, in the engine
 * and the store, running again after each, until none is left. Red-flag
 * answers stay: they count wherever they were given (SPEC §4 R2). When the
 * store will not let an answer go, the engine still does (the answer is
 * listed in store_kept) so what is asked next follows the rules.
 */
static int withdraw_irrelevant(session *s)
{
	bool again = true;
	while (again) {
		again = false;
		for (size_t i = 0; i < s->order.n; i++) {
			const char *id = s->order.v[i];
			const struct engine_question *q =
				engine_question_find(s->e, id);
			if (engine_question_is_relevant(s->e, id)) {
				/* relevant now: an ordinary answer from here */
				strs_remove(&s->volunteered, id);
				continue;
			}
			if ((q && q->red_flag) || strs_has(&s->volunteered, id))
				continue;
			if (strs_push(&s->gone, id) != 0)
				return nomem(s);
			if ((session_reopen(s) != SESSION_OK ||
			     db_answer_remove(s->d, s->id, id) != DB_OK) &&
			    strs_push(&s->kept, id) != 0)
				return nomem(s);
			engine_answer_clear(s->e, id);
			forget_revisit(s, s->gone.v[s->gone.n - 1]);
			strs_remove(&s->order, s->gone.v[s->gone.n - 1]);
			again = true;
			break;
		}
		if (again) {
			int rc = run(s);
			if (rc != SESSION_OK)
				return rc;
		}
	}
	return SESSION_OK;
}

static int settle(session *s)
{
	int rc = run(s);
	if (rc == SESSION_OK)
		rc = withdraw_irrelevant(s);
	if (rc == SESSION_OK)
		rc = delta_end(s);
	return rc;
}

/* ------------------------------------------------------------ lifecycle */

session *session_new(engine *e, db *d, enum session_mode mode)
{
	session *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->e = e;
	s->d = d;
	s->mode = mode;
	s->revisit = SIZE_MAX;
	engine_mode_set(e, mode == SESSION_KIOSK ? ENGINE_MODE_KIOSK
						 : ENGINE_MODE_CLINICIAN);
	return s;
}

static void dropped_clear(session *s)
{
	strs_clear(&s->dropped_q);
	strs_clear(&s->dropped_why);
	free(s->dropped);
	s->dropped = NULL;
}

void session_free(session *s)
{
	if (!s)
		return;
	if (s->leased)
		db_lease_release(s->d, s->id);
	delta_reset(s);
	dropped_clear(s);
	strs_free(&s->order);
	strs_free(&s->volunteered);
	strs_free(&s->had);
	strs_free(&s->found);
	strs_free(&s->withdrawn);
	strs_free(&s->gone);
	strs_free(&s->kept);
	strs_free(&s->dropped_q);
	strs_free(&s->dropped_why);
	for (size_t i = 0; i < 5; i++)
		free(s->info_str[i]);
	json_decref(s->stops);
	free(s);
}

const char *session_errmsg(const session *s)
{
	return s->msg;
}

int session_store_error(const session *s)
{
	return s->store_err;
}

int64_t session_id(const session *s)
{
	return s->id;
}

const char *session_status(const session *s)
{
	return s->status;
}

const char *session_code(const session *s)
{
	return s->code;
}

/* Create the session described by s->info in the store and take its lease. */
static int create_stored(session *s)
{
	int db_rc = db_session_create(s->d, &s->info, &s->id, s->code);
	if (db_rc != DB_OK)
		return store_fail(s, db_rc);
	s->pending = false;
	snprintf(s->status, sizeof(s->status), "in_progress");
	if ((db_rc = db_lease_take(s->d, s->id, false, NULL)) != DB_OK)
		return store_fail(s, db_rc);
	s->leased = true;
	return SESSION_OK;
}

static int start(session *s, const struct db_session_new *info, bool later)
{
	delta_reset(s);
	engine_answers_clear(s->e);
	strs_clear(&s->order);
	json_decref(s->stops);
	s->stops = NULL;
	strs_clear(&s->volunteered);
	s->revisit = SIZE_MAX;
	int rc = run(s);
	if (rc != SESSION_OK)
		return rc;
	const char *from[5] = {
		info->mode ? info->mode
			   : s->mode == SESSION_KIOSK ? "kiosk" : "clinician",
		info->rulebase_sha256 ? info->rulebase_sha256
				      : engine_rulebase_sha256(s->e),
		info->program_version, info->patient_label, info->clinician,
	};
	for (size_t i = 0; i < 5; i++) {
		free(s->info_str[i]);
		s->info_str[i] = NULL;
		if (from[i] && !(s->info_str[i] = strdup(from[i])))
			return nomem(s);
	}
	s->info = (struct db_session_new){
		.mode = s->info_str[0], .rulebase_sha256 = s->info_str[1],
		.program_version = s->info_str[2],
		.patient_label = s->info_str[3], .clinician = s->info_str[4],
	};
	if (s->leased)
		db_lease_release(s->d, s->id);
	s->leased = false;
	s->id = 0;
	s->code[0] = '\0';
	snprintf(s->status, sizeof(s->status), "in_progress");
	s->pending = true;
	if (!later && (rc = create_stored(s)) != SESSION_OK)
		return rc;
	return delta_end(s);
}

int session_start(session *s, const struct db_session_new *info)
{
	return start(s, info, false);
}

int session_start_later(session *s, const struct db_session_new *info)
{
	return start(s, info, true);
}

bool session_is_stored(const session *s)
{
	return !s->pending && s->id != 0;
}

/* The stops kept in a session's latest conclusions, held on the engine
 * again. Conclusions that cannot be read hold nothing: the session's
 * status and audit trail still say that it stopped. */
static int stops_restore(session *s, const char *conclusions)
{
	json_t *c = conclusions ? json_loads(conclusions, 0, NULL) : NULL;
	json_t *stops = json_object_get(c, "stops");
	char err[256];
	int rc = SESSION_OK;
	if (json_is_array(stops) && json_array_size(stops)) {
		if (cli_stops_hold(s->e, stops, err, sizeof(err)) != 0) {
			fail_msg(s, "%s", err);
			rc = SESSION_EINVAL;
		} else {
			s->stops = json_incref(stops);
		}
	}
	json_decref(c);
	return rc;
}

struct replay {
	session *s;
	int rc;
};

static int replay_answer(const char *question, const char *value, void *ctx)
{
	struct replay *rp = ctx;
	session *s = rp->s;
	if (engine_answer_set_text(s->e, question, value) == 0) {
		if (!strs_has(&s->order, question) &&
		    strs_push(&s->order, question) != 0)
			goto out_nomem;
		return 0;
	}
	if (strs_push(&s->dropped_q, question) != 0 ||
	    strs_push(&s->dropped_why, engine_errmsg(s->e)) != 0)
		goto out_nomem;
	return 0;
out_nomem:
	rp->rc = nomem(s);
	return -1;
}

int session_resume(session *s, int64_t id)
{
	struct db_session *rec = NULL;
	struct replay rp = { .s = s, .rc = SESSION_OK };
	int rc;

	delta_reset(s);
	dropped_clear(s);
	strs_clear(&s->order);
	strs_clear(&s->volunteered);
	s->revisit = SIZE_MAX;
	engine_answers_clear(s->e);
	json_decref(s->stops);
	s->stops = NULL;
	if ((rc = run(s)) != SESSION_OK || (rc = delta_begin(s)) != SESSION_OK)
		return rc;
	int db_rc = db_session_get(s->d, id, &rec);
	if (db_rc == DB_ENOTFOUND) {
		fail_msg(s, "%s", db_errmsg(s->d));
		rc = SESSION_EINVAL;
		goto out_free;
	}
	if (db_rc != DB_OK) {
		rc = store_fail(s, db_rc);
		goto out_free;
	}
	if (rec->signed_off_by) {
		fail_msg(s, "session '%s' has been signed off and can no longer "
			 "change", rec->code);
		rc = SESSION_EINVAL;
		goto out_free;
	}
	if (s->leased && s->id != id)
		db_lease_release(s->d, s->id);
	if ((db_rc = db_lease_take(s->d, id, false, NULL)) != DB_OK) {
		rc = store_fail(s, db_rc);
		goto out_free;
	}
	s->leased = true;
	s->id = id;
	s->pending = false;
	memcpy(s->code, rec->code, sizeof(s->code));
	snprintf(s->status, sizeof(s->status), "%s", rec->status);
	/* A stop continued after is held again: the latest conclusions,
	 * finished or not, carry it. */
	if ((rc = stops_restore(s, rec->conclusions_json)) != SESSION_OK)
		goto out_free;
	db_rc = db_answers_load(s->d, id, replay_answer, &rp);
	if (rp.rc != SESSION_OK) {
		rc = rp.rc;
		goto out_free;
	}
	if (db_rc != DB_OK) {
		rc = store_fail(s, db_rc);
		goto out_free;
	}
	if (s->dropped_q.n &&
	    !(s->dropped = calloc(s->dropped_q.n, sizeof(*s->dropped)))) {
		rc = nomem(s);
		goto out_free;
	}
	for (size_t i = 0; i < s->dropped_q.n; i++) {
		s->dropped[i].question = s->dropped_q.v[i];
		s->dropped[i].why = s->dropped_why.v[i];
		/* Not kept: asked again. A store that refuses keeps it, and
		 * the next resume drops it again. */
		if (session_reopen(s) == SESSION_OK)
			db_answer_remove(s->d, id, s->dropped_q.v[i]);
	}
	if ((rc = run(s)) != SESSION_OK)
		goto out_free;
	/* A stored answer to a question not relevant now was given with
	 * session_set() (any other would have been withdrawn): it stays. */
	for (size_t i = 0; i < s->order.n; i++) {
		const char *qid = s->order.v[i];
		if (!engine_question_is_relevant(s->e, qid) &&
		    strs_push(&s->volunteered, qid) != 0) {
			rc = nomem(s);
			goto out_free;
		}
	}
	rc = delta_end(s);
out_free:
	db_session_free(rec);
	return rc;
}

size_t session_dropped_count(const session *s)
{
	return s->dropped_q.n;
}

const struct session_dropped *session_dropped_at(const session *s, size_t i)
{
	return i < s->dropped_q.n ? &s->dropped[i] : NULL;
}

/* -------------------------------------------------------------- actions */

const struct engine_question *session_next_question(const session *s)
{
	if (revisiting(s))
		return engine_question_find(s->e, s->order.v[s->revisit]);
	return engine_next_question(s->e);
}

const char *session_revisiting(const session *s)
{
	return revisiting(s) ? s->order.v[s->revisit] : NULL;
}

/* Answer (or, with set, volunteer an answer to) question id. */
static int answer(session *s, const char *id, const char *text, bool set)
{
	int rc = delta_begin(s);
	if (rc != SESSION_OK)
		return rc;
	if (set && s->mode == SESSION_KIOSK) {
		fail_msg(s, "'set' is not offered in the kiosk");
		return SESSION_EINVAL;
	}
	const struct engine_question *q = engine_question_find(s->e, id);
	if (!q) {
		fail_msg(s, "unknown question '%.64s'", id);
		return SESSION_EINVAL;
	}
	if (s->mode == SESSION_KIOSK && q->clinician_only) {
		fail_msg(s, "'%s' is a clinician's examination finding: not "
			 "answered in the kiosk", q->id);
		return SESSION_EINVAL;
	}
	const char *held = engine_answer_text(s->e, q->id);
	if (set && held) {
		fail_msg(s, "'%s' is answered already; 'change %s' answers it "
			 "again", q->id, q->id);
		return SESSION_EINVAL;
	}
	/* Relevance as the answers so far decide it (this answer aside). */
	bool relevant = engine_question_is_relevant(s->e, q->id);
	bool was_revisited = revisiting(s) &&
			     strcmp(s->order.v[s->revisit], q->id) == 0;
	if (held && !(s->before = strdup(held)))
		return nomem(s);
	if (!(s->question = strdup(q->id)))
		return nomem(s);
	if (engine_answer_set_text(s->e, q->id, text) != 0) {
		fail_msg(s, "%s", engine_errmsg(s->e));
		return SESSION_EINVAL;
	}
	int db_rc = session_reopen(s) == SESSION_OK ? DB_OK : s->store_err;
	if (db_rc == DB_OK)
		db_rc = db_answer_put(s->d, s->id, q->id,
				  engine_answer_text(s->e, q->id));
	if (db_rc != DB_OK) {
		/* The engine goes back to what the store holds. */
		if (s->before)
			engine_answer_set_text(s->e, q->id, s->before);
		else
			engine_answer_clear(s->e, q->id);
		rc = store_fail(s, db_rc);
		if (run(s) != SESSION_OK)
			return SESSION_EENGINE;
		return rc;
	}
	if (!strs_has(&s->order, q->id) && strs_push(&s->order, q->id) != 0)
		return nomem(s);
	if (set && !relevant && !strs_has(&s->volunteered, q->id) &&
	    strs_push(&s->volunteered, q->id) != 0)
		return nomem(s);
	rc = settle(s);
	if (was_revisited) {
		/* On to the question answered after it, or to the first
		 * question not answered yet. */
		size_t i = order_index(s, s->question);
		s->revisit = i + 1 < s->order.n ? i + 1 : SIZE_MAX;
	}
	return rc;
}

int session_answer(session *s, const char *id, const char *text)
{
	return answer(s, id, text, false);
}

int session_set(session *s, const char *id, const char *text)
{
	return answer(s, id, text, true);
}

int session_back(session *s)
{
	int rc = delta_begin(s);
	if (rc != SESSION_OK)
		return rc;
	size_t k = revisiting(s) ? s->revisit : s->order.n;
	if (k == 0) {
		fail_msg(s, "nothing to go back to");
		return SESSION_EINVAL;
	}
	k--;
	const char *id = s->order.v[k];
	const char *held = engine_answer_text(s->e, id);
	if (!(s->question = strdup(id)) || (held && !(s->before = strdup(held))))
		return nomem(s);
	/* Nothing changes in the engine or the store until a new answer is
	 * given: 'back' then 'quit' loses nothing. */
	s->revisit = k;
	return delta_end(s);
}

int session_keep(session *s)
{
	int rc = delta_begin(s);
	if (rc != SESSION_OK)
		return rc;
	if (!revisiting(s)) {
		fail_msg(s, "no earlier answer is being revisited");
		return SESSION_EINVAL;
	}
	if (!(s->question = strdup(s->order.v[s->revisit])))
		return nomem(s);
	s->revisit = s->revisit + 1 < s->order.n ? s->revisit + 1 : SIZE_MAX;
	return delta_end(s);
}

const struct session_delta *session_delta(const session *s)
{
	return &s->delta;
}

size_t session_answered_count(const session *s)
{
	return s->order.n;
}

const char *session_answered_at(const session *s, size_t i)
{
	return i < s->order.n ? s->order.v[i] : NULL;
}

void session_progress(const session *s, size_t *answered, size_t *remaining)
{
	struct engine_progress p;
	engine_progress(s->e, &p);
	*answered = s->order.n;
	*remaining = p.left;
	if (revisiting(s)) {
		/* back at an earlier question: counted from there */
		*answered = s->revisit;
		*remaining = p.left + s->order.n - s->revisit;
	}
}

bool session_is_emergency(const session *s)
{
	return level_stops(s->e);
}

const char *session_final_status(const session *s)
{
	return level_stops(s->e) || session_is_continued(s)
		? "emergency_stopped" : "complete";
}

/* The conclusions as stored: self-contained ("format": 2), so a report of
 * the session never takes its wording from a later rule base, with the
 * stops continued after, and more (a record not held yet) when given. */
static char *stored_text(const session *s, json_t *more)
{
	json_t *c = cli_result_stored_json(s->e);
	json_t *stops = s->stops ? cli_stops_now(s->e, s->stops) : json_array();
	char *text = NULL;
	if (c && stops && (!more || json_array_append(stops, more) == 0) &&
	    (!json_array_size(stops) ||
	     json_object_set(c, "stops", stops) == 0))
		text = json_dumps(c, JSON_COMPACT | CLI_JSON_REAL);
	json_decref(stops);
	json_decref(c);
	return text;
}

json_t *session_result_json(const session *s)
{
	json_t *c = cli_result_json(s->e);
	if (c && s->stops &&
	    json_object_set_new(c, "stops", cli_stops_now(s->e, s->stops)) != 0) {
		json_decref(c);
		return NULL;
	}
	return c;
}

bool session_is_continued(const session *s)
{
	return s->stops && json_array_size(s->stops) > 0;
}

int session_continue(session *s)
{
	int rc = delta_begin(s);
	if (rc != SESSION_OK)
		return rc;
	const char *stop = engine_stop_reason(s->e);
	if (s->mode == SESSION_KIOSK) {
		fail_msg(s, "the kiosk does not go on after an emergency stop");
		return SESSION_EINVAL;
	}
	if (!stop || !level_stops(s->e) || !session_is_stored(s)) {
		fail_msg(s, "there is no emergency stop to continue after");
		return SESSION_EINVAL;
	}
	json_t *rec = cli_stop_record(s->e, stop, (long long)time(NULL));
	char *text = rec ? stored_text(s, rec) : NULL;
	if (!text) {
		json_decref(rec);
		return nomem(s);
	}
	/* The record first: once the store has it, every later resume holds
	 * the stop again. */
	int db_rc = DB_OK;
	if ((rc = session_reopen(s)) != SESSION_OK ||
	    (db_rc = db_audit_add(s->d, s->id, "continued_after_stop", NULL,
				  NULL)) != DB_OK ||
	    (db_rc = db_session_finish(s->d, s->id, "emergency_stopped",
				       engine_level(s->e)->id, text)) != DB_OK) {
		free(text);
		json_decref(rec);
		return db_rc != DB_OK ? store_fail(s, db_rc) : rc;
	}
	free(text);
	snprintf(s->status, sizeof(s->status), "emergency_stopped");
	if (!s->stops && !(s->stops = json_array())) {
		json_decref(rec);
		return nomem(s);
	}
	if (json_array_append_new(s->stops, rec) != 0)
		return nomem(s);
	if (engine_stop_hold(s->e, stop) != 0) {
		fail_msg(s, "%s", engine_errmsg(s->e));
		return SESSION_EENGINE;
	}
	return settle(s);
}

int session_finish(session *s, const char *status)
{
	s->msg[0] = '\0';
	if (!status)
		status = session_final_status(s);
	int rc = session_reopen(s);
	if (rc != SESSION_OK)
		return rc;
	char *text = stored_text(s, NULL);
	if (!text)
		return nomem(s);
	int db_rc = db_session_finish(s->d, s->id, status,
				      engine_level(s->e)->id, text);
	free(text);
	if (db_rc != DB_OK)
		return store_fail(s, db_rc);
	snprintf(s->status, sizeof(s->status), "%s", status);
	return SESSION_OK;
}

int session_abandon(session *s)
{
	s->msg[0] = '\0';
	if (s->pending)
		return SESSION_OK;      /* never stored: nothing to end */
	int rc = session_reopen(s);
	if (rc != SESSION_OK)
		return rc;
	int db_rc = db_session_finish(s->d, s->id, "abandoned", NULL, NULL);
	if (db_rc != DB_OK)
		return store_fail(s, db_rc);
	snprintf(s->status, sizeof(s->status), "abandoned");
	return SESSION_OK;
}
