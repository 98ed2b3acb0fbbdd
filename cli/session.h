/*
 * session.h — one interview, kept in step between the rule engine and the
 * session store; shared by the clinician interview and the kiosk.
 *
 * The core prints nothing and prompts for nothing. Each action changes the
 * engine and the store together and leaves a description of what changed
 * (session_delta()) for the front end to show as it sees fit: findings that
 * appeared or went, answers withdrawn because their question is no longer
 * relevant, a stop, a level change.
 *
 * Call order:
 *
 *     session_new(e, d, mode)     borrows an engine and a store
 *     session_start() | session_resume()
 *     session_next_question()     what to ask; NULL when nothing is left
 *     session_answer() / session_set() / session_back() /
 *     session_keep() ...          each followed by
 *     session_delta()             what that action changed
 *     session_finish() | session_abandon()
 *     session_free()
 *
 * After an emergency stop (clinician mode): the session is finished as
 * "emergency_stopped"; session_continue() goes on with the assessment for
 * the record. The stop is then held (engine_stop_hold()): the level never
 * falls below the stop's level, whatever is answered or changed later
 * (session_back() included), the record of the stop (the finding, its
 * level, the answers when it stopped) is kept in every later conclusions
 * of the session with whether the answers now still support it, and the
 * session ends as "emergency_stopped" again, never "complete". A resumed
 * session holds its stops again.
 *
 * One writer: the session's lease in the store is taken when a session is
 * started or resumed and given up by session_free(); every write of the
 * handle refreshes it. A finished session that is resumed keeps its status
 * until the first change, which takes it back to in progress; leaving
 * without a change leaves it as it was (session_status()).
 *
 * Keeping step: an answer is validated and asserted by the engine, then
 * committed to the store, then the rules run. If the store refuses it, the
 * engine goes back to what the store holds (and runs again) before the call
 * returns SESSION_ESTORE, so the two always agree; the front end decides
 * whether to try again. Answers to questions that stop being relevant are
 * withdrawn from both, except red-flag answers: they count wherever they
 * were given (SPEC §4 R2), so a later change of a pain site never erases
 * them.
 *
 * Errors: negative SESSION_E* codes with a message in session_errmsg();
 * messages never hold an answer's value. Ownership: arguments borrowed;
 * everything returned is borrowed and valid until the next action on s.
 */
#ifndef MSKTRIAGE_CLI_SESSION_H
#define MSKTRIAGE_CLI_SESSION_H

#include "db/db.h"
#include "engine/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct session session;

enum {
	SESSION_OK = 0,
	SESSION_EINVAL = -1,    /* the answer or command was refused */
	SESSION_ESTORE = -2,    /* the store refused a write: nothing changed */
	SESSION_EENGINE = -3,   /* the rules failed to run */
	SESSION_ENOMEM = -4,
};

enum session_mode {
	SESSION_CLINICIAN,
	SESSION_KIOSK,          /* clinician-only questions refused */
};

/* What the last action changed. Every pointer is borrowed from the session
 * and valid until its next action. */
struct session_delta {
	const char *question;          /* answered or gone back from; NULL */
	const char *before;            /* its answer before; NULL when none */
	const char *const *found;      /* finding ids new since the action */
	size_t n_found;
	const char *const *withdrawn;  /* finding ids gone since the action */
	size_t n_withdrawn;
	const char *const *answers_withdrawn; /* no longer relevant, removed */
	size_t n_answers_withdrawn;
	const char *const *store_kept; /* withdrawn, but the store refused */
	size_t n_store_kept;
	const char *level_before;      /* level id before the action */
	bool level_changed;
	bool stopped;                  /* a stop appeared with this action */
	bool emergency;                /* the level now ends the interview */
};

/* A stored answer that no longer fits the rule base, dropped on resume. */
struct session_dropped {
	const char *question;
	const char *why;               /* the engine's message */
};

/*
 * A session over e and d (borrowed; both must outlive it). Sets the
 * engine's mode. Returns NULL when out of memory.
 */
session *session_new(engine *e, db *d, enum session_mode mode);

/* Frees s; the engine keeps its answers, the store everything saved. */
void session_free(session *s);

/* The message of the last failing call; borrowed. */
const char *session_errmsg(const session *s);

/* The store's code of the last SESSION_ESTORE (a DB_E* code). */
int session_store_error(const session *s);

/*
 * Start a new session: the engine's answers are cleared, the rules run and
 * the store gets a session described by info (mode, rule-base digest and
 * version filled in here when NULL).
 */
int session_start(session *s, const struct db_session_new *info);

/*
 * As session_start(), but the store gets the session only with its first
 * write (the first answer, a note through session_reopen(), or
 * session_finish()): an interview left before any answer leaves nothing
 * behind. Until then session_id() is 0 and session_code() is "".
 */
int session_start_later(session *s, const struct db_session_new *info);

/* True once the session exists in the store. */
bool session_is_stored(const session *s);

/*
 * Continue stored session id: its lease taken (SESSION_ESTORE with
 * DB_EHELD while another interview holds it; the front end may offer to
 * take a stale one over with db_lease_take() first), its answers replayed
 * in the order given and the rules run. A signed-off session is refused
 * (SESSION_EINVAL). Answers that no longer fit the rule base are removed
 * from the store and listed by session_dropped_*(). The delta lists every
 * present finding as found.
 */
int session_resume(session *s, int64_t id);
size_t session_dropped_count(const session *s);
const struct session_dropped *session_dropped_at(const session *s, size_t i);

int64_t session_id(const session *s);

/* The session's status in the store: "in_progress", or the status of a
 * finished session resumed and not changed yet. */
const char *session_status(const session *s);

/* Take a resumed, finished session back to in progress before a change
 * made outside the core (the core does it before its own changes); a
 * session started with session_start_later() is created in the store. */
int session_reopen(session *s);
const char *session_code(const session *s);   /* "K7QX-4MRT" */

/* The next question to ask, or NULL when none is left: after
 * session_back(), the question revisited. */
const struct engine_question *session_next_question(const session *s);

/* The id of the question revisited after session_back() (its answer still
 * held), or NULL. */
const char *session_revisiting(const session *s);

/*
 * Answer question id with canonical text ("yes", "67", "left", "skip"),
 * changing an earlier answer if there is one. SESSION_EINVAL for an unknown
 * question, a value the engine refuses (its message says what is allowed)
 * or, in kiosk mode, a clinician-only question.
 */
int session_answer(session *s, const char *id, const char *text);

/*
 * Volunteer an answer to a question not answered yet (an examination
 * finding made early, history offered unprompted), validated and stored as
 * session_answer() does; the next question is recomputed. An answer to a
 * question not relevant yet is kept (it counts, SPEC §4 R2) instead of
 * being withdrawn as irrelevant, until its question becomes relevant.
 * SESSION_EINVAL as session_answer(), for a question answered already
 * (change it instead) and always in kiosk mode.
 */
int session_set(session *s, const char *id, const char *text);

/*
 * Go back to the question answered before the one being asked (again:
 * further back). Nothing changes in the engine or the store:
 * session_next_question() gives that question with its answer still held
 * until session_answer() gives a new one (which goes on to the question
 * answered after it) or session_keep() keeps it. The delta names the
 * question and its answer (before). SESSION_EINVAL when there is none.
 */
int session_back(session *s);

/* Keep the answer of the question revisited and go on to the next.
 * SESSION_EINVAL when none is revisited. */
int session_keep(session *s);

/* What the last action changed. */
const struct session_delta *session_delta(const session *s);

/* Answered question ids in the order given (those withdrawn left out). */
size_t session_answered_count(const session *s);
const char *session_answered_at(const session *s, size_t i);

/*
 * Progress: questions answered so far, and the questions that may still be
 * asked now (engine_progress: relevant, unanswered, allowed in this mode;
 * after a stop, only the deferred red-flag questions). Both change as
 * answers make questions relevant or not. After session_back(), counted
 * from the question revisited: those answered before it, and the rest.
 */
void session_progress(const session *s, size_t *answered, size_t *remaining);

/* True when the case's level ends the interview (an emergency level),
 * whether or not a follow-up question is still to be asked. */
bool session_is_emergency(const session *s);

/* "emergency_stopped" when the level ends the interview or a stop is
 * held, else "complete". */
const char *session_final_status(const session *s);

/*
 * Store the conclusions and end the session with status ("complete" or
 * "emergency_stopped"; NULL: session_final_status()). SESSION_ESTORE leaves
 * it in progress; the caller may try again.
 */
int session_finish(session *s, const char *status);

/*
 * Go on with the assessment for the record after the interview stopped on
 * an emergency (engine_stop_reason() at a level that stops it), in
 * clinician mode only: the record of the stop is stored first (with
 * 'continued_after_stop' in the audit trail; the session stays
 * "emergency_stopped" until its next change), then the stop is held and
 * the remaining questions are asked as usual. SESSION_EINVAL in the kiosk
 * or without an emergency stop; SESSION_ESTORE leaves everything as it was.
 */
int session_continue(session *s);

/* True once the assessment went on after a stop (this run or before a
 * resume). */
bool session_is_continued(const session *s);

/*
 * The conclusions now (cli_result_json()) with, once the assessment went on
 * after a stop, "stops" as cli_stops_now() gives them. New reference, NULL
 * when out of memory.
 */
json_t *session_result_json(const session *s);

/* End the session as "abandoned" (a patient who walked away). */
int session_abandon(session *s);

#endif
