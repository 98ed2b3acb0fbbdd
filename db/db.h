/*
 * db.h — the session store: every interview kept safely.
 *
 * A store is a SQLite file on one machine, or a PostgreSQL database shared
 * by a clinic's machines (see docs/deployment.md), used by any number of
 * clinician, kiosk and `assess --save` processes. It keeps sessions, their
 * answers with every revision, the conclusions at completion, clinician
 * notes and an audit trail that outlives deleted sessions. db.c is the
 * backend-neutral front; sqlite.c (the only code that includes <sqlite3.h>)
 * and pg.c (the only code that includes <libpq-fe.h>) are the backends,
 * each a table of functions (backend.h). Every guarantee below holds on
 * both unless it says otherwise.
 *
 * Call order:
 *
 *     db_default_path()            where the store lives (SPEC §6), or --db
 *     db_open()                    a path, ":memory:" or a postgresql://
 *                                  URI; creates (SQLite: dirs 0700 + file
 *                                  0600), migrates
 *     db_mode_set()                optional: who is acting (audit rows)
 *     db_session_create()          a new interview; or db_session_find()
 *                                  then db_session_resume() to continue one
 *     db_answer_put() ...          each answer committed before the next
 *     db_answer_remove()           'back': the answer withdrawn, history kept
 *     db_session_finish()          status + conclusions (level, JSON)
 *     db_session_signoff()         clinician sign-off of a finished session
 *     db_lease_take() ... db_lease_release()
 *                                  one writer per session (interviews)
 *     db_addendum_add()            what is added to a signed-off session
 *     db_session_list(), db_answers_load(), db_answer_history(),
 *     db_notes_load(), db_addenda_load(), db_audit_load(), db_note_add(),
 *     db_audit_add(), db_session_delete(), db_check()
 *     db_close()                   releases the leases the handle holds
 *
 * One writer per session: an interview takes the session's lease; while
 * another handle holds it, every change to the session (answers, notes,
 * finishing, resuming, signing off, deleting) fails with DB_EHELD. A lease
 * whose process is gone (on this host) or that has not been refreshed for
 * DB_LEASE_IDLE_LIMIT is stale and may be taken over.
 *
 * A signed-off session is a closed record: its answers, notes and
 * conclusions cannot change (the store's triggers refuse it too), it is
 * deleted only with a reason, and what comes later goes into addenda.
 *
 * Durability: every write function is one transaction (SQLite: BEGIN
 * IMMEDIATE .. COMMIT in WAL mode with synchronous=FULL; PostgreSQL: a
 * SERIALIZABLE transaction). When it returns DB_OK the change is on disk;
 * when it returns an error nothing of it was written, the store is as it
 * was, and the caller still holds its arguments and may retry. A process
 * killed at any point loses nothing that was committed. On PostgreSQL a
 * connection lost before COMMIT was sent is made again and the whole
 * transaction run once more; one lost during COMMIT is DB_EIO with a
 * message saying the change may or may not have been saved.
 *
 * Concurrency: a busy timeout plus a bounded retry of whole transactions on
 * SQLITE_BUSY, or PostgreSQL's serialization failures and deadlocks, so
 * neither is an error a caller sees unless it lasted longer than the
 * timeout (then DB_EBUSY).
 *
 * Errors: functions returning int give DB_OK (0) or a negative DB_E* code
 * and leave a message for db_errmsg(). Messages are lower case, name the
 * subject in quotes and never contain an answer's value, a patient label or
 * a note. A handle is not thread-safe: use one per thread or process.
 *
 * Times are Unix epoch seconds. Reference codes are 8 characters from an
 * alphabet without 0/O/1/I/L/U, shown as "K7QX-4MRT".
 *
 * Ownership: arguments are borrowed. Records handed to a callback are
 * borrowed for the duration of that call only. Anything returned through a
 * `**out` parameter is the caller's, freed with the named _free function.
 */
#ifndef MSKTRIAGE_DB_H
#define MSKTRIAGE_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct db db;

enum {
	DB_OK = 0,
	DB_EINVAL = -1,     /* bad argument or a state that forbids the call */
	DB_ENOTFOUND = -2,  /* no such session */
	DB_EBUSY = -3,      /* still locked by another process after retries */
	DB_EREADONLY = -4,  /* the store (file, directory or mount) is read-only */
	DB_EFULL = -5,      /* disk full or the store's size limit reached */
	DB_ECORRUPT = -6,   /* damaged file, or not a msktriage store */
	DB_EIO = -7,        /* any other I/O or SQLite failure */
	DB_ENOMEM = -8,
	DB_EHELD = -9,      /* another interview holds the session's lease */
	DB_EEXIST = -10,    /* a session with that external id is stored */
};

/* A lease not refreshed for this long (seconds) may be taken over. */
#define DB_LEASE_IDLE_LIMIT (30 * 60)

/* "K7QX-4MRT" and its terminating NUL. */
#define DB_CODE_SIZE 10

/* The value stored for a declined question (SPEC §1 "skip"). */
#define DB_SKIP "skip"

/*
 * Where the store lives: $MSKTRIAGE_DB if set and non-empty, else
 * $XDG_DATA_HOME/msktriage/sessions.db if XDG_DATA_HOME is an absolute
 * path, else ~/.local/share/msktriage/sessions.db ($HOME, else the password
 * database). Creates nothing. Returns NULL when there is no home directory
 * or memory ran out. The caller frees the result.
 */
char *db_default_path(void);

struct db_options {
	bool read_only;        /* never write; no creation, no migration */
	bool must_exist;       /* open an existing store only: create no
	                          directory and no file */
	int busy_timeout_ms;   /* 0: the default, 5000 */
	int64_t max_bytes;     /* refuse to grow the file beyond this; 0: none */
};

/*
 * Opens the store `where`: a postgresql:// (or postgres://) URI names a
 * PostgreSQL database, handed to libpq as given (so PGPASSFILE, sslmode and
 * the PG* variables apply); db_path() and every message show it with any
 * password masked as "***". read_only opens read-only transactions,
 * must_exist refuses a database without the store's tables, max_bytes does
 * not apply. libpq is loaded on first use.
 *
 * Anything else is a SQLite file path (or ":memory:"): opens the store at
 * path, creating any missing directories (mode 0700) and
 * the file (mode 0600) whatever the umask, then brings its schema up to date.
 * With read_only or must_exist nothing is created: a missing store fails
 * with "no session store at '...'".
 *
 * The store is kept private: a symbolic link at path is refused, never
 * followed; the directory holding the store must belong to the user (or
 * root) and not be writable by group or others; the store and its -wal,
 * -shm and -journal files must be regular files of the user, not writable
 * by group or others (refused with the chmod to run), and any of them
 * readable by others is narrowed to the owner. ":memory:" gives a
 * private, empty store. Returns NULL on failure with a message in *errmsg
 * (the caller frees it; errmsg may be NULL), e.g. when the file is not a
 * msktriage store, is damaged, was written by a newer version, or is
 * read-only and cannot be read in WAL mode. opt may be NULL (defaults).
 * Free the handle with db_close(). db_open_with() is the same as db_open().
 */
db *db_open(const char *where, const struct db_options *opt,
	    char **errmsg);
db *db_open_with(const char *where, const struct db_options *opt,
		 char **errmsg);

/* Closes the store. NULL is a no-op. */
void db_close(db *d);

/*
 * The message left by the last failing call on d; "" when there is none.
 * Borrowed: valid until the next call on d.
 */
const char *db_errmsg(const db *d);

/* The DB_E* code of the last failing call on d; DB_OK when none. */
int db_errcode(const db *d);

/* The path d was opened with. Borrowed, valid until db_close(). */
const char *db_path(const db *d);

/*
 * Sets the mode ("clinician", "kiosk" or "api") written into audit rows that
 * d records by itself (answer changed or withdrawn, finished, signed off,
 * note added, resumed). Until it is set, each row takes its session's mode.
 * Fails with DB_EINVAL on an unknown mode.
 */
int db_mode_set(db *d, const char *mode);

/* What a new session needs. All strings borrowed. */
struct db_session_new {
	const char *mode;             /* "clinician", "kiosk" or "api" */
	const char *rulebase_sha256;  /* hex digest of the rule base in use */
	const char *program_version;
	const char *patient_label;    /* optional; clinician mode only */
	const char *clinician;        /* optional; clinician mode only */
};

/*
 * A stored session. Every string is owned by the record: freed by
 * db_session_free() for records from db_session_get()/_find(), borrowed for
 * records passed to a db_session_list() callback. Optional fields are NULL
 * (strings) or 0 (times) when absent.
 */
struct db_session {
	int64_t id;
	char code[DB_CODE_SIZE];   /* "K7QX-4MRT" */
	char *mode;                /* "clinician", "kiosk", "api" */
	char *status;              /* "in_progress", "complete",
	                              "emergency_stopped", "abandoned" */
	int64_t started_at;
	int64_t updated_at;
	int64_t finished_at;       /* 0 while in progress */
	char *rulebase_sha256;
	char *program_version;
	char *patient_label;       /* optional */
	char *clinician;           /* optional */
	char *signed_off_by;       /* optional: set by db_session_signoff() */
	int64_t signed_off_at;
	char *level;               /* latest conclusions' level, optional */
	char *conclusions_json;    /* latest conclusions as given, optional */
	int64_t concluded_at;
	int answer_count;          /* current answers, skipped ones included */
};

/*
 * Creates a session in status "in_progress" and records 'opened' in the
 * audit trail, in one transaction. Writes its id to *id_out and its
 * reference code, as displayed, to code_out (either may be NULL). Fails with
 * DB_EINVAL on an unknown mode, a missing rule-base digest or version, or a
 * patient label / clinician name outside clinician mode.
 */
int db_session_create(db *d, const struct db_session_new *s,
		      int64_t *id_out, char code_out[DB_CODE_SIZE]);

/* One answer of a session saved whole (db_session_save). Borrowed. */
struct db_answer {
	const char *question;
	const char *value;            /* canonical text, DB_SKIP when declined */
};

/* Everything db_session_save() keeps. All pointers borrowed. */
struct db_session_record {
	struct db_session_new session;
	const char *external_id;      /* optional: the caller's id of the case,
	                                 unique in the store, at most
	                                 DB_EXTERNAL_ID_MAX bytes */
	const struct db_answer *answers;
	size_t n_answers;
	const char *status;           /* "in_progress", "complete" or
	                                 "emergency_stopped" */
	const char *level;            /* required unless in progress */
	const char *conclusions_json; /* required unless in progress */
};

#define DB_EXTERNAL_ID_MAX 128

/*
 * Saves a whole session in ONE transaction: the session ('opened'), every
 * answer with its revision, and, unless the status is "in_progress", its
 * conclusions ('finished'). A kill, a full disk or any error leaves the
 * whole session or nothing of it. When external_id names a session already
 * stored, nothing is written, *id_out and code_out name that session and
 * DB_EEXIST is returned: the same case is never stored twice. Other errors
 * as db_session_create(), db_answer_put() and db_session_finish().
 */
int db_session_save(db *d, const struct db_session_record *r,
		    int64_t *id_out, char code_out[DB_CODE_SIZE]);

/*
 * Looks a session up by id, or by reference code as a person would type it:
 * case-insensitive, with or without a dash or spaces ("k7qx 4mrt"). A string
 * of digits only is an id (codes always hold a letter). On success *out is a
 * new record the caller frees with db_session_free(). DB_ENOTFOUND when
 * there is no such session; DB_EINVAL when id_or_code is neither.
 */
int db_session_find(db *d, const char *id_or_code, struct db_session **out);
int db_session_get(db *d, int64_t id, struct db_session **out);

/* Frees a record from db_session_get()/_find(). NULL is a no-op. */
void db_session_free(struct db_session *s);

/*
 * Calls cb for each session, newest first, optionally only those with the
 * given status (NULL: any) started at or after since (0: any time). The
 * record is borrowed for the call. The callback may call other functions on
 * d. If cb returns non-zero, the listing stops and db_session_list returns
 * that value; otherwise DB_OK or a negative DB_E* code.
 */
typedef int db_session_cb(const struct db_session *s, void *ctx);
int db_session_list(db *d, const char *status, int64_t since,
		    db_session_cb *cb, void *ctx);

/*
 * The session with the smallest id greater than after (0: the first) that
 * has the given status (NULL: any) and was started at or after since (0:
 * any time). One short read per call, nothing held between calls, so a
 * caller can walk a store of any size in constant memory. On DB_OK *out is
 * a new record (free with db_session_free); DB_ENOTFOUND when there is none
 * left (no message set).
 */
int db_session_next(db *d, int64_t after, const char *status, int64_t since,
		    struct db_session **out);

/*
 * Stores the answer to one question: value is the canonical text of the
 * answer, DB_SKIP when declined. One transaction: the first answer to a
 * question, or a different value from the current one, adds a revision to
 * the history; replacing a different value also records 'answer_changed' in
 * the audit trail (question id, never the value); the session's updated_at
 * is set. Putting the value already held changes nothing. The session must
 * be in progress (DB_EINVAL otherwise; see db_session_resume()). On any
 * error nothing was written: the caller keeps the value and may retry;
 * DB_EBUSY, DB_EREADONLY, DB_EFULL, DB_ECORRUPT and DB_EIO tell why.
 */
int db_answer_put(db *d, int64_t session, const char *question,
		  const char *value);

/*
 * Withdraws the current answer to question (e.g. the interview went back):
 * the history gets a revision with no value and the audit trail
 * 'answer_withdrawn'. No current answer is not an error. The session must be
 * in progress.
 */
int db_answer_remove(db *d, int64_t session, const char *question);

/*
 * Calls cb with each current answer of the session, in the order the
 * questions were first answered (a withdrawn and re-given answer counts from
 * when it was given again). Strings borrowed for the call. Stops and returns
 * cb's value if non-zero. DB_ENOTFOUND if there is no such session.
 */
typedef int db_answer_cb(const char *question, const char *value, void *ctx);
int db_answers_load(db *d, int64_t session, db_answer_cb *cb, void *ctx);

/* One revision of an answer; value NULL when the answer was withdrawn. */
struct db_revision {
	int64_t id;
	const char *question;
	const char *value;
	int64_t at;
};

/*
 * Calls cb with every revision of every answer of the session, oldest first.
 * Strings borrowed for the call; stops and returns cb's value if non-zero.
 */
typedef int db_revision_cb(const struct db_revision *r, void *ctx);
int db_answer_history(db *d, int64_t session, db_revision_cb *cb, void *ctx);

/*
 * Ends a session in progress: status is "complete", "emergency_stopped" or
 * "abandoned". level and conclusions_json are the engine's conclusions
 * (triage level id, and findings and recommendations as a JSON text kept as
 * given); both are required unless the status is "abandoned", where they
 * may be NULL. Sets finished_at and records 'finished' in the audit trail.
 * DB_EINVAL if the session is not in progress, the status is unknown or the
 * JSON is not well-formed.
 */
int db_session_finish(db *d, int64_t session, const char *status,
		      const char *level, const char *conclusions_json);

/*
 * Takes a finished or interrupted session back to "in_progress" so answers
 * can be changed, and records 'resumed' with mode (NULL: as db_mode_set()).
 * The earlier conclusions stay in the store until db_session_finish()
 * records new ones. DB_EINVAL if the session has been signed off.
 */
int db_session_resume(db *d, int64_t session, const char *mode);

/*
 * Records a clinician's sign-off of a session that is no longer in progress
 * and has not been signed off yet (DB_EINVAL otherwise), with
 * 'signed_off' in the audit trail. From then on the session is closed (see
 * the top of this file).
 */
int db_session_signoff(db *d, int64_t session, const char *clinician);

/*
 * Deletes a session with its answers, history, conclusions and notes, and
 * records 'deleted' (with the session's id and code, and reason as its
 * detail) in the audit trail, which is kept. A signed-off session needs a
 * reason (DB_EINVAL without one); reason is optional otherwise. DB_EHELD
 * while another interview holds a lease that is not stale. Ids are never
 * reused. SQLite: deleted content is overwritten in the file
 * (secure_delete) and the write-ahead log is checkpointed when no other
 * process prevents it. PostgreSQL: the rows are gone for every reader at
 * once; their space is reclaimed by the server's VACUUM, and they live on
 * in earlier backups (pg_dump) as they would in copies of a SQLite file.
 */
int db_session_delete(db *d, int64_t session, const char *reason);

/* Who holds a session's lease. */
struct db_lease {
	int64_t pid;
	char host[256];
	int64_t started_at;
	int64_t active_at;   /* last refreshed */
	bool stale;          /* process gone on this host, or idle too long */
};

/*
 * Takes the session's lease for this handle, or refreshes it if the handle
 * holds it already. While another handle holds it: DB_EHELD, with the
 * holder in *holder (may be NULL) and a message naming process, host and
 * start; with take_over, a stale lease is taken over instead (recorded as
 * 'lease_taken_over' in the audit trail), a live one still refused. The
 * lease is refreshed by every change the handle makes to the session and
 * given up by db_lease_release() or db_close(). A handle holds one
 * session's lease at a time (DB_EINVAL for a second).
 */
int db_lease_take(db *d, int64_t session, bool take_over,
		  struct db_lease *holder);

/* Gives the lease up if this handle holds it; otherwise does nothing. */
int db_lease_release(db *d, int64_t session);

/*
 * Adds an addendum (author and text required) to a signed-off session,
 * with 'addendum_added' in the audit trail; DB_EINVAL for a session not
 * signed off (a note is for that). db_addenda_load() calls cb with each,
 * oldest first (struct db_note: author is always set).
 */
int db_addendum_add(db *d, int64_t session, const char *author,
		    const char *text);

/* One clinician note. Strings borrowed for the callback. */
struct db_note {
	int64_t id;
	int64_t at;
	const char *author;   /* optional */
	const char *text;
};

/*
 * Adds a note (author optional) to a session in any status but signed off
 * (DB_EINVAL: an addendum is for that), with 'note_added' in the audit
 * trail. db_notes_load() calls cb with each note, oldest first; stops and
 * returns cb's value if non-zero.
 */
int db_note_add(db *d, int64_t session, const char *author, const char *text);
typedef int db_note_cb(const struct db_note *n, void *ctx);
int db_notes_load(db *d, int64_t session, db_note_cb *cb, void *ctx);
int db_addenda_load(db *d, int64_t session, db_note_cb *cb, void *ctx);

/* One row of the audit trail. Strings borrowed for the callback. */
struct db_audit {
	int64_t id;
	int64_t session_id;
	const char *code;     /* the session's code, as displayed */
	const char *event;
	const char *mode;     /* "clinician", "kiosk" or "api" */
	int64_t at;
	const char *detail;   /* optional: a question id, a report format */
};

/*
 * Appends an event to a session's audit trail. event is one of "opened",
 * "resumed", "answer_changed", "answer_withdrawn", "finished", "signed_off",
 * "note_added", "report_exported", "answers_exported", "deleted",
 * "addendum_added", "lease_taken_over", "continued_after_stop" (the
 * assessment went on for the record after an emergency stop); mode NULL means as
 * db_mode_set(); detail is optional free text that must never hold patient
 * data (e.g. the export format). The session must exist.
 */
int db_audit_add(db *d, int64_t session, const char *event, const char *mode,
		 const char *detail);

/*
 * Calls cb with the audit trail of one session (session > 0; deleted
 * sessions included) or of the whole store (session 0), oldest first. Stops
 * and returns cb's value if non-zero.
 */
typedef int db_audit_cb(const struct db_audit *a, void *ctx);
int db_audit_load(db *d, int64_t session, db_audit_cb *cb, void *ctx);

/* ---- kiosk settings and staff events -------------------------------- */

/* The setting that holds the kiosk's staff PIN, as crypto_pwhash_str()
 * gives it (never the PIN itself). */
#define DB_SETTING_KIOSK_PIN "kiosk_pin_hash"

/*
 * Sets or reads a store-wide setting. key is lower-case letters, digits and
 * '_'; value is text of at most 4095 bytes. db_setting_get() gives a copy
 * the caller frees in *value_out, or DB_ENOTFOUND when the key is unset.
 */
int db_setting_put(db *d, const char *key, const char *value);
int db_setting_get(db *d, const char *key, char **value_out);

/* One event of the kiosk's trail. Strings borrowed for the callback. */
struct db_kiosk_event {
	int64_t id;
	const char *event;
	int64_t at;
	int64_t session_id;   /* 0 when none */
	const char *detail;   /* optional; never a PIN or patient data */
};

/*
 * Appends to the kiosk's trail: event is one of "pin_set", "pin_accepted",
 * "pin_refused", "kiosk_started", "kiosk_left", "emergency_cleared",
 * "session_abandoned"; session 0 when none. The trail cannot be changed or
 * deleted.
 */
int db_kiosk_event_add(db *d, const char *event, int64_t session,
		       const char *detail);

/*
 * Refused PIN attempts since the last accepted one (or since the PIN was
 * set), and when the last of them was made (0 when none).
 */
int db_kiosk_failures(db *d, int *count, int64_t *last_at);

/* Calls cb with the kiosk's trail, oldest first (session 0: all of it). */
typedef int db_kiosk_event_cb(const struct db_kiosk_event *e, void *ctx);
int db_kiosk_events_load(db *d, int64_t session, db_kiosk_event_cb *cb,
			 void *ctx);

/*
 * Checks the whole file (PRAGMA integrity_check and foreign keys). DB_OK when
 * sound, DB_ECORRUPT with a message otherwise.
 */
int db_check(db *d);

/* How many rows of each kind a store holds (db_copy). */
struct db_copy_counts {
	int64_t sessions, answers, revisions, conclusions, notes, addenda,
		audit, settings, kiosk_events;
};

/*
 * Copies every session with its reference code, answers, answer
 * revisions, conclusions, notes, sign-off, addenda, the whole audit
 * trail (deleted sessions' rows included), the settings (the kiosk's PIN
 * hash) and the kiosk's trail from one store to another, e.g.
 * from SQLite to PostgreSQL or back; leases are not copied. Ids and times
 * are kept; ids given later in `to` never reuse one the audit trail names.
 * One transaction on `to`, reading one snapshot of `from`: the copy is
 * whole or nothing. DB_EEXIST, writing nothing, when `to` already holds a
 * session, an audit row, a setting or a kiosk event. After committing, the rows of each kind are
 * counted in both stores: DB_ECORRUPT if they differ. *copied (may be NULL)
 * receives the counts. Messages are left on `to`.
 */
int db_copy(db *from, db *to, struct db_copy_counts *copied);

#endif
