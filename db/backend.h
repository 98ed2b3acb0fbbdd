/*
 * backend.h — the table of functions a store backend provides (internal to
 * db/).
 *
 * db.c, the backend-neutral front, checks arguments, keeps the vocabularies,
 * reference codes, leases and the rules of signed-off records, and runs
 * every call as ops on prepared statements inside one transaction. A
 * backend (sqlite.c, pg.c) connects, keeps its schema and migrations, gives
 * the text of each statement of enum stmt_id in its own dialect (numbered
 * parameters ?1.., which a backend may rewrite), and runs statements. Like
 * sqlite3_vfs: one struct of function pointers per backend, no #ifdef.
 *
 * Statement steps return DBX_ROW, DBX_DONE or a backend error code that only
 * the same backend's fail() interprets.
 */
#ifndef MSKTRIAGE_DB_BACKEND_H
#define MSKTRIAGE_DB_BACKEND_H

#include "db/db.h"

#include <stdbool.h>
#include <stdint.h>

#define DBX_ROW 100
#define DBX_DONE 101
#define DB_DEFAULT_BUSY_MS 5000
#define DB_MAX_ATTEMPTS 12

enum stmt_id {
	S_SESSION_STATE,
	S_SESSION_INSERT,
	S_SESSION_ROW,
	S_SESSION_LIST,
	S_SESSION_BY_CODE,
	S_SESSION_TOUCH,
	S_SESSION_FINISH,
	S_SESSION_RESUME,
	S_SESSION_SIGNOFF,
	S_SESSION_DELETE,
	S_ANSWER_GET,
	S_ANSWER_INSERT,
	S_ANSWER_UPDATE,
	S_ANSWER_DELETE,
	S_ANSWERS,
	S_REVISION_INSERT,
	S_REVISIONS,
	S_CONCLUSION_INSERT,
	S_JSON_VALID,
	S_NOTE_INSERT,
	S_NOTES,
	S_AUDIT_INSERT,
	S_AUDIT_LOAD,
	S_SETTING_GET,
	S_SETTING_PUT,
	S_KIOSK_EVENT_INSERT,
	S_KIOSK_FAILURES,
	S_KIOSK_EVENTS,
	S_LEASE_GET,
	S_LEASE_PUT,
	S_LEASE_TOUCH,
	S_LEASE_DELETE,
	S_ADDENDUM_INSERT,
	S_ADDENDA,
	S_SESSION_NEXT,
	S_EXTERNAL_FIND,
	S_EXTERNAL_SET,
	/* db_copy(): each table read whole, then written with its ids */
	S_COPY_SESSIONS,
	S_COPY_SESSION_PUT,
	S_COPY_SIGNOFF_PUT,
	S_COPY_ANSWERS,
	S_COPY_ANSWER_PUT,
	S_COPY_REVISIONS,
	S_COPY_REVISION_PUT,
	S_COPY_CONCLUSIONS,
	S_COPY_CONCLUSION_PUT,
	S_COPY_NOTES,
	S_COPY_NOTE_PUT,
	S_COPY_ADDENDA,
	S_COPY_ADDENDUM_PUT,
	S_COPY_AUDIT,
	S_COPY_AUDIT_PUT,
	S_COPY_SETTINGS,
	S_COPY_SETTING_PUT,
	S_COPY_KIOSK_EVENTS,
	S_COPY_KIOSK_EVENT_PUT,
	S_COPY_COUNTS,
	S_COUNT
};

/*
 * The copy statements are the same text on every backend: parameters are
 * $1..$n, each once and in order, which SQLite numbers as PostgreSQL does.
 */
#define DB_COPY_SQL \
	[S_COPY_SESSIONS] = \
		"SELECT id, code, mode, status, started_at, updated_at," \
		" finished_at, rulebase_sha256, program_version," \
		" patient_label, clinician, external_id, signed_off_by," \
		" signed_off_at FROM session ORDER BY id", \
	[S_COPY_SESSION_PUT] = \
		"INSERT INTO session (id, code, mode, status, started_at," \
		" updated_at, finished_at, rulebase_sha256, program_version," \
		" patient_label, clinician, external_id) VALUES ($1, $2, $3," \
		" $4, $5, $6, $7, $8, $9, $10, $11, $12)", \
	[S_COPY_SIGNOFF_PUT] = \
		"UPDATE session SET signed_off_by = $1, signed_off_at = $2" \
		" WHERE id = $3", \
	[S_COPY_ANSWERS] = \
		"SELECT session_id, question, value, seq, answered_at" \
		" FROM answer ORDER BY session_id, seq", \
	[S_COPY_ANSWER_PUT] = \
		"INSERT INTO answer (session_id, question, value, seq," \
		" answered_at) VALUES ($1, $2, $3, $4, $5)", \
	[S_COPY_REVISIONS] = \
		"SELECT id, session_id, question, value, at" \
		" FROM answer_revision ORDER BY id", \
	[S_COPY_REVISION_PUT] = \
		"INSERT INTO answer_revision (id, session_id, question, value," \
		" at) VALUES ($1, $2, $3, $4, $5)", \
	[S_COPY_CONCLUSIONS] = \
		"SELECT id, session_id, status, level, body, at" \
		" FROM conclusion ORDER BY id", \
	[S_COPY_CONCLUSION_PUT] = \
		"INSERT INTO conclusion (id, session_id, status, level, body," \
		" at) VALUES ($1, $2, $3, $4, $5, $6)", \
	[S_COPY_NOTES] = \
		"SELECT id, session_id, author, text, at FROM note ORDER BY id", \
	[S_COPY_NOTE_PUT] = \
		"INSERT INTO note (id, session_id, author, text, at)" \
		" VALUES ($1, $2, $3, $4, $5)", \
	[S_COPY_ADDENDA] = \
		"SELECT id, session_id, author, text, at FROM addendum" \
		" ORDER BY id", \
	[S_COPY_ADDENDUM_PUT] = \
		"INSERT INTO addendum (id, session_id, author, text, at)" \
		" VALUES ($1, $2, $3, $4, $5)", \
	[S_COPY_AUDIT] = \
		"SELECT id, session_id, code, event, mode, at, detail" \
		" FROM audit ORDER BY id", \
	[S_COPY_AUDIT_PUT] = \
		"INSERT INTO audit (id, session_id, code, event, mode, at," \
		" detail) VALUES ($1, $2, $3, $4, $5, $6, $7)", \
	[S_COPY_SETTINGS] = \
		"SELECT key, value, updated_at FROM setting ORDER BY key", \
	[S_COPY_SETTING_PUT] = \
		"INSERT INTO setting (key, value, updated_at)" \
		" VALUES ($1, $2, $3)", \
	[S_COPY_KIOSK_EVENTS] = \
		"SELECT id, event, at, session_id, detail FROM kiosk_event" \
		" ORDER BY id", \
	[S_COPY_KIOSK_EVENT_PUT] = \
		"INSERT INTO kiosk_event (id, event, at, session_id, detail)" \
		" VALUES ($1, $2, $3, $4, $5)", \
	[S_COPY_COUNTS] = \
		"SELECT (SELECT count(*) FROM session)," \
		" (SELECT count(*) FROM answer)," \
		" (SELECT count(*) FROM answer_revision)," \
		" (SELECT count(*) FROM conclusion)," \
		" (SELECT count(*) FROM note)," \
		" (SELECT count(*) FROM addendum)," \
		" (SELECT count(*) FROM audit)," \
		" (SELECT count(*) FROM setting)," \
		" (SELECT count(*) FROM kiosk_event)",

typedef struct dbx_stmt dbx_stmt;

struct db_backend {
	const char *name;
	/* Statement texts, indexed by enum stmt_id. */
	const char *const *sql;
	/*
	 * Connects d to where (d->path is set by open to what may be shown:
	 * never a password), checks and migrates the schema. DB_OK or a
	 * DB_E* code with d->msg set.
	 */
	int (*open)(db *d, const char *where, const struct db_options *opt);
	void (*close)(db *d);
	dbx_stmt *(*prepare)(db *d, enum stmt_id id, int *err);
	void (*finalize)(dbx_stmt *s);
	void (*reset)(dbx_stmt *s);
	int (*param_count)(dbx_stmt *s);
	void (*bind_int64)(dbx_stmt *s, int i, int64_t v);
	void (*bind_text)(dbx_stmt *s, int i, const char *v);   /* NULL: null */
	int (*step)(db *d, dbx_stmt *s);
	int64_t (*col_int64)(dbx_stmt *s, int i);
	const char *(*col_text)(dbx_stmt *s, int i);
	bool (*col_null)(dbx_stmt *s, int i);
	int (*col_count)(dbx_stmt *s);
	/* Rows changed by the last statement; the id the last INSERT gave
	 * (DB_OK, or a DB_E* code with a message). */
	int64_t (*changes)(db *d);
	int (*last_id)(db *d, int64_t *id);
	/* A step's error code as DB_E*, with a message naming `doing`. */
	int (*fail)(db *d, int rc, const char *doing);
	int (*begin)(db *d, bool write, const char *doing);
	int (*commit)(db *d, const char *doing);
	void (*rollback)(db *d);
	/*
	 * After a failed transaction: true when the connection was lost
	 * before COMMIT was sent and has been made again, so the whole
	 * transaction may run once more. NULL when the backend never loses
	 * its connection.
	 */
	bool (*reconnected)(db *d);
	/* An op (run in a read transaction): is the store sound? */
	int (*check)(db *d, void *unused);
	/*
	 * In db_copy()'s transaction, after rows were written with their ids:
	 * new ids must follow them, and follow every session id the audit
	 * trail names (deleted sessions' ids are never given again).
	 */
	int (*after_copy)(db *d);
	/* After a committed deletion (e.g. a WAL checkpoint). May be NULL. */
	void (*after_delete)(db *d);
};

extern const struct db_backend db_sqlite_backend;
extern const struct db_backend db_pg_backend;

struct db {
	const struct db_backend *be;
	void *conn;             /* the backend's connection */
	char *path;             /* what db_path() shows */
	dbx_stmt *stmt[S_COUNT];
	int busy_ms;
	bool read_only;
	char mode[16];          /* db_mode_set(); "" when unset */
	char token[17];         /* names this handle's leases */
	int64_t held;           /* the session whose lease it holds, or 0 */
	int last_err;           /* db_errcode() */
	char msg[512];
};

void dbi_set_msg(db *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int64_t dbi_monotonic_ms(void);
/* Runs op in one transaction with the retries described in db.c. */
int dbi_run(db *d, bool write, int (*op)(db *d, void *arg), void *arg,
	    const char *doing);
void dbi_backoff(int attempt);

#endif
