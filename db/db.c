/*
 * db.c — the session store on SQLite (see db.h for the API and call order).
 *
 * How a call runs: every public function validates its arguments, then hands
 * a small "op" function to run(), which wraps it in one transaction (BEGIN
 * IMMEDIATE for writes, BEGIN for reads so a read sees one snapshot), commits
 * or rolls back, and retries the whole op a bounded number of times when
 * SQLite reports SQLITE_BUSY. Ops use only the prepared statements of the
 * stmt_sql table, cached on the handle. Reads copy their rows out before any
 * callback runs, so callbacks may call back into the handle.
 *
 * Errors are turned into DB_E* codes and messages by fail(), which names the
 * action and the store's path but never a value from the store.
 */
#define _GNU_SOURCE
#include "db/db.h"
#include "db/schema.h"

#include <sqlite3.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BUSY_MS 5000
#define MAX_ATTEMPTS 12
#define MAX_TEXT 65536
#define CODE_LEN 8

/* No 0/O, 1/I/L or U (U reads as V): 30 symbols. */
static const char code_alphabet[] = "23456789ABCDEFGHJKMNPQRSTVWXYZ";

static const char *const modes[] = { "clinician", "kiosk", "api", NULL };
static const char *const finish_statuses[] = {
	"complete", "emergency_stopped", "abandoned", NULL
};
static const char *const statuses[] = {
	"in_progress", "complete", "emergency_stopped", "abandoned", NULL
};
static const char *const audit_events[] = {
	"opened", "resumed", "answer_changed", "answer_withdrawn", "finished",
	"signed_off", "note_added", "report_exported", "answers_exported",
	"deleted", "addendum_added", "lease_taken_over", NULL
};
static const char *const kiosk_events[] = {
	"pin_set", "pin_accepted", "pin_refused", "kiosk_started",
	"kiosk_left", "emergency_cleared", "session_abandoned", NULL
};

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
	S_COUNT
};

#define SESSION_COLUMNS \
	"SELECT s.id, s.code, s.mode, s.status, s.started_at, s.updated_at," \
	" s.finished_at, s.rulebase_sha256, s.program_version," \
	" s.patient_label, s.clinician, s.signed_off_by, s.signed_off_at," \
	" c.level, c.body, c.at," \
	" (SELECT count(*) FROM answer a WHERE a.session_id = s.id)" \
	" FROM session s LEFT JOIN conclusion c ON c.id =" \
	" (SELECT max(id) FROM conclusion WHERE session_id = s.id) "

static const char *const stmt_sql[S_COUNT] = {
	[S_SESSION_STATE] =
		"SELECT status, mode, code, signed_off_by IS NOT NULL"
		" FROM session WHERE id = ?1",
	[S_SESSION_INSERT] =
		"INSERT INTO session (code, mode, started_at, updated_at,"
		" rulebase_sha256, program_version, patient_label, clinician)"
		" VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)",
	[S_SESSION_ROW] = SESSION_COLUMNS "WHERE s.id = ?1",
	[S_SESSION_LIST] = SESSION_COLUMNS
		"WHERE (?1 IS NULL OR s.status = ?1) AND s.started_at >= ?2"
		" ORDER BY s.started_at DESC, s.id DESC",
	[S_SESSION_BY_CODE] = "SELECT id FROM session WHERE code = ?1",
	[S_SESSION_TOUCH] = "UPDATE session SET updated_at = ?3 WHERE id = ?1",
	[S_SESSION_FINISH] =
		"UPDATE session SET status = ?2, finished_at = ?3,"
		" updated_at = ?3 WHERE id = ?1",
	[S_SESSION_RESUME] =   /* ?2 unused: the shape of session_write() */
		"UPDATE session SET status = 'in_progress', finished_at = NULL,"
		" updated_at = ?3 WHERE id = ?1",
	[S_SESSION_SIGNOFF] =
		"UPDATE session SET signed_off_by = ?2, signed_off_at = ?3,"
		" updated_at = ?3 WHERE id = ?1",
	[S_SESSION_DELETE] = "DELETE FROM session WHERE id = ?1",
	[S_ANSWER_GET] =
		"SELECT value FROM answer WHERE session_id = ?1"
		" AND question = ?2",
	[S_ANSWER_INSERT] =
		"INSERT INTO answer (session_id, question, value, seq,"
		" answered_at) VALUES (?1, ?2, ?3, (SELECT coalesce(max(seq), 0)"
		" + 1 FROM answer WHERE session_id = ?1), ?4)",
	[S_ANSWER_UPDATE] =
		"UPDATE answer SET value = ?3, answered_at = ?4"
		" WHERE session_id = ?1 AND question = ?2",
	[S_ANSWER_DELETE] =
		"DELETE FROM answer WHERE session_id = ?1 AND question = ?2",
	[S_ANSWERS] =
		"SELECT question, value FROM answer WHERE session_id = ?1"
		" ORDER BY seq",
	[S_REVISION_INSERT] =
		"INSERT INTO answer_revision (session_id, question, value, at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_REVISIONS] =
		"SELECT id, question, value, at FROM answer_revision"
		" WHERE session_id = ?1 ORDER BY id",
	[S_CONCLUSION_INSERT] =
		"INSERT INTO conclusion (session_id, status, level, body, at)"
		" VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_JSON_VALID] = "SELECT json_valid(?1)",
	[S_NOTE_INSERT] =
		"INSERT INTO note (session_id, author, text, at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_NOTES] =
		"SELECT id, at, author, text FROM note WHERE session_id = ?1"
		" ORDER BY id",
	[S_AUDIT_INSERT] =
		"INSERT INTO audit (session_id, code, event, mode, at, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_AUDIT_LOAD] =
		"SELECT id, session_id, code, event, mode, at, detail FROM audit"
		" WHERE ?1 = 0 OR session_id = ?1 ORDER BY id",
	[S_SETTING_GET] = "SELECT value FROM setting WHERE key = ?1",
	[S_SETTING_PUT] =
		"INSERT INTO setting (key, value, updated_at) VALUES (?1, ?2, ?3)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
		" updated_at = excluded.updated_at",
	[S_KIOSK_EVENT_INSERT] =
		"INSERT INTO kiosk_event (event, at, session_id, detail)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_KIOSK_FAILURES] =
		"SELECT count(*), coalesce(max(at), 0) FROM kiosk_event"
		" WHERE event = 'pin_refused' AND id > (SELECT coalesce(max(id), 0)"
		" FROM kiosk_event WHERE event IN ('pin_accepted', 'pin_set'))",
	[S_KIOSK_EVENTS] =
		"SELECT id, session_id, event, at, detail FROM kiosk_event"
		" WHERE ?1 = 0 OR session_id = ?1 ORDER BY id",
	[S_LEASE_GET] =
		"SELECT token, pid, host, started_at, active_at FROM lease"
		" WHERE session_id = ?1",
	[S_LEASE_PUT] =
		"INSERT OR REPLACE INTO lease (session_id, token, pid, host,"
		" started_at, active_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_LEASE_TOUCH] =
		"UPDATE lease SET active_at = ?3 WHERE session_id = ?1"
		" AND token = ?2",
	[S_LEASE_DELETE] =
		"DELETE FROM lease WHERE session_id = ?1 AND token = ?2",
	[S_ADDENDUM_INSERT] =
		"INSERT INTO addendum (session_id, author, text, at)"
		" VALUES (?1, ?2, ?3, ?4)",
	[S_ADDENDA] =
		"SELECT id, at, author, text FROM addendum WHERE session_id = ?1"
		" ORDER BY id",
	[S_SESSION_NEXT] = SESSION_COLUMNS
		"WHERE s.id > ?1 AND (?2 IS NULL OR s.status = ?2)"
		" AND s.started_at >= ?3 ORDER BY s.id LIMIT 1",
};

struct db {
	sqlite3 *h;
	char *path;
	sqlite3_stmt *stmt[S_COUNT];
	int busy_ms;
	int64_t busy_since;     /* when the current wait for a lock began */
	bool read_only;
	char mode[16];          /* db_mode_set(); "" when unset */
	char token[17];         /* names this handle's leases */
	int64_t held;           /* the session whose lease it holds, or 0 */
	int last_err;           /* db_errcode() */
	char msg[512];
};

/* What S_SESSION_STATE tells an op about one session. */
struct state {
	char status[24];
	char mode[16];
	char code[CODE_LEN + 1];
	bool signed_off;
};

/* ---- small helpers ---------------------------------------------------- */

static int64_t now(void)
{
	return (int64_t)time(NULL);
}

static bool in_list(const char *s, const char *const *list)
{
	if (!s)
		return false;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void set_msg(db *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_msg(db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
}

static int invalid(db *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int invalid(db *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	d->last_err = DB_EINVAL;
	return DB_EINVAL;
}

/* "K7QX4MRT" -> "K7QX-4MRT" */
static void code_display(const char *stored, char out[DB_CODE_SIZE])
{
	snprintf(out, DB_CODE_SIZE, "%.4s-%.4s", stored, stored + 4);
}

/*
 * Turns a code as typed into its stored form: case folded, dashes and
 * spaces dropped. False if what is left is not CODE_LEN symbols of the
 * alphabet.
 */
static bool code_normalize(const char *in, char out[CODE_LEN + 1])
{
	size_t n = 0;

	for (; *in; in++) {
		int c = toupper((unsigned char)*in);

		if (c == '-' || isspace((unsigned char)c))
			continue;
		if (n == CODE_LEN || !strchr(code_alphabet, c))
			return false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return n == CODE_LEN;
}

static int code_generate(char out[CODE_LEN + 1])
{
	const size_t k = sizeof code_alphabet - 1;   /* 30 */
	const unsigned limit = 256 - 256 % k;        /* unbiased: reject >= */
	bool letter;

	do {
		size_t n = 0;

		letter = false;
		while (n < CODE_LEN) {
			unsigned char buf[16];
			ssize_t got = getrandom(buf, sizeof buf, 0);

			if (got < 0) {
				if (errno == EINTR)
					continue;
				return -1;
			}
			for (ssize_t i = 0; i < got && n < CODE_LEN; i++) {
				if (buf[i] >= limit)
					continue;
				out[n] = code_alphabet[buf[i] % k];
				if (isalpha((unsigned char)out[n]))
					letter = true;
				n++;
			}
		}
		out[CODE_LEN] = '\0';
	} while (!letter);   /* an all-digit code would read as an id */
	return 0;
}

/* A question id as SPEC.md writes them: snake_case, at most 64 bytes. */
static bool question_ok(const char *q)
{
	size_t n = 0;

	if (!q || !*q)
		return false;
	for (; q[n]; n++)
		if (!(islower((unsigned char)q[n]) ||
		      isdigit((unsigned char)q[n]) || q[n] == '_') || n >= 64)
			return false;
	return true;
}

static bool text_ok(const char *s)
{
	return s && *s && strlen(s) < MAX_TEXT;
}

/* ---- errors ----------------------------------------------------------- */

/*
 * Maps an SQLite result code to a DB_E* code and leaves a message naming
 * what was being done. Uses sqlite3_errstr() (fixed English texts), not
 * sqlite3_errmsg(), which can quote SQL.
 */
static int fail(db *d, int rc, const char *doing)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		set_msg(d, "cannot %s: the session store '%s' is locked by "
			   "another process; try again", doing, d->path);
		return DB_EBUSY;
	case SQLITE_READONLY:
		set_msg(d, "cannot %s: the session store '%s' is read-only",
			doing, d->path);
		return DB_EREADONLY;
	case SQLITE_FULL:
		set_msg(d, "cannot %s: the session store '%s' is full "
			   "(no space left on its disk, or its size limit)",
			doing, d->path);
		return DB_EFULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		set_msg(d, "cannot %s: the session store '%s' is damaged or "
			   "is not a msktriage session store", doing, d->path);
		return DB_ECORRUPT;
	case SQLITE_NOMEM:
		set_msg(d, "cannot %s: out of memory", doing);
		return DB_ENOMEM;
	case SQLITE_CONSTRAINT:
		set_msg(d, "cannot %s: the session store refused it (%s)",
			doing, sqlite3_errstr(rc));
		return DB_EINVAL;
	default:
		set_msg(d, "cannot %s: the session store '%s' failed (%s)",
			doing, d->path, sqlite3_errstr(rc));
		return DB_EIO;
	}
}

/* ---- statements ------------------------------------------------------- */

/* The cached statement, reset and unbound; NULL with *err set on failure. */
static sqlite3_stmt *stmt(db *d, enum stmt_id id, int *err)
{
	sqlite3_stmt *s = d->stmt[id];

	if (!s) {
		int rc = sqlite3_prepare_v3(d->h, stmt_sql[id], -1,
					    SQLITE_PREPARE_PERSISTENT, &s,
					    NULL);
		if (rc != SQLITE_OK) {
			*err = fail(d, rc, "read the session store");
			return NULL;
		}
		d->stmt[id] = s;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return s;
}

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

/* Runs a statement that returns no rows. */
static int exec_done(db *d, sqlite3_stmt *s, const char *doing)
{
	int rc = sqlite3_step(s);

	sqlite3_reset(s);
	if (rc != SQLITE_DONE)
		return fail(d, rc, doing);
	return DB_OK;
}

static int exec_sql(db *d, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? DB_OK : fail(d, rc, doing);
}

/* ---- transactions ----------------------------------------------------- */

typedef int op_fn(db *d, void *arg);

static void backoff(int attempt)
{
	unsigned r = 0;
	long ms;
	struct timespec ts;

	if (getrandom(&r, sizeof r, GRND_NONBLOCK) < 0)
		r = (unsigned)attempt * 7919u;
	ms = 1 + (long)(r % (2u << (attempt < 6 ? attempt : 6)));
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
}

/*
 * Runs op in one transaction and commits it. On failure the transaction is
 * rolled back, so nothing of the op stays. On DB_EBUSY when SQLite declined
 * to wait (as it does during WAL recovery or a journal-mode change) the
 * whole op is run again, up to MAX_ATTEMPTS and within the busy timeout.
 * An op must therefore be safe to run again from the start.
 */
static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * SQLite's own busy handler sleeps in steps growing to 100 ms, so under a
 * steady stream of short writes from other processes a waiter can keep
 * waking up just too late and starve. Polling every few milliseconds, with
 * jitter so that waiters do not move in step, keeps the wait near the
 * length of the queue ahead of it. Gives up after busy_ms.
 */
static int busy_wait(void *arg, int count)
{
	db *d = arg;
	unsigned r = 0;
	struct timespec ts;

	if (count == 0)
		d->busy_since = monotonic_ms();
	else if (monotonic_ms() - d->busy_since >= d->busy_ms)
		return 0;
	if (getrandom(&r, sizeof r, GRND_NONBLOCK) < 0)
		r = (unsigned)count * 2654435761u;
	ts.tv_sec = 0;
	ts.tv_nsec = 200000L + (long)(r % 1800000u)
		     + (count > 20 ? 2000000L : 0);
	nanosleep(&ts, NULL);
	return 1;
}

static void set_busy_wait(db *d, bool wait)
{
	if (wait)
		sqlite3_busy_handler(d->h, busy_wait, d);
	else
		sqlite3_busy_handler(d->h, NULL, NULL);
}

static int run(db *d, bool write, op_fn *op, void *arg, const char *doing)
{
	int64_t start = monotonic_ms();
	int rc;

	for (int attempt = 1;; attempt++) {
		rc = exec_sql(d, write ? "BEGIN IMMEDIATE" : "BEGIN", doing);
		if (rc == DB_OK) {
			rc = op(d, arg);
			if (rc == DB_OK)
				rc = exec_sql(d, "COMMIT", doing);
			if (rc != DB_OK && !sqlite3_get_autocommit(d->h))
				sqlite3_exec(d->h, "ROLLBACK", NULL, NULL, NULL);
		}
		/*
		 * Retry only while the busy timeout has not been spent: a
		 * lock held that long will not go away in the next moment.
		 */
		if (rc != DB_EBUSY || attempt == MAX_ATTEMPTS ||
		    monotonic_ms() - start >= d->busy_ms) {
			if (rc != DB_OK)
				d->last_err = rc;
			return rc;
		}
		backoff(attempt);
	}
}

/* Reads a session's status, mode and code; DB_ENOTFOUND if none. */
static int state_get(db *d, int64_t id, struct state *st)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_SESSION_STATE, &err);
	int rc;

	if (!s)
		return err;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		snprintf(st->status, sizeof st->status, "%s", col_text(s, 0));
		snprintf(st->mode, sizeof st->mode, "%s", col_text(s, 1));
		snprintf(st->code, sizeof st->code, "%s", col_text(s, 2));
		st->signed_off = sqlite3_column_int(s, 3) != 0;
		err = DB_OK;
	} else if (rc == SQLITE_DONE) {
		set_msg(d, "no session with id %lld", (long long)id);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the session");
	}
	sqlite3_reset(s);
	return err;
}

static int require_in_progress(db *d, const struct state *st)
{
	char code[DB_CODE_SIZE];

	code_display(st->code, code);
	if (st->signed_off)
		return invalid(d, "session '%s' has been signed off and can no "
				  "longer change; add an addendum instead", code);
	if (strcmp(st->status, "in_progress") == 0)
		return DB_OK;
	return invalid(d, "session '%s' is %s, not in progress; resume it "
			  "first", code, st->status);
}

static int audit_insert(db *d, int64_t id, const struct state *st,
			const char *event, const char *mode,
			const char *detail)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_AUDIT_INSERT, &err);
	char code[DB_CODE_SIZE];

	if (!s)
		return err;
	if (!mode)
		mode = d->mode[0] ? d->mode : st->mode;
	code_display(st->code, code);
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, code);
	bind_text(s, 3, event);
	bind_text(s, 4, mode);
	sqlite3_bind_int64(s, 5, now());
	bind_text(s, 6, detail);
	return exec_done(d, s, "record the audit trail");
}

static int session_write(db *d, enum stmt_id id, int64_t session,
			 const char *text, const char *doing);

static int touch(db *d, int64_t id)
{
	return session_write(d, S_SESSION_TOUCH, id, NULL,
			     "update the session");
}

/* Every public call on a handle starts here: clears the last message. */
static int begin_call(db *d)
{
	if (d) {
		d->msg[0] = '\0';
		d->last_err = DB_OK;
	}
	return d ? DB_OK : DB_EINVAL;
}

/* ---- leases ----------------------------------------------------------- */

static bool lease_stale(const struct db_lease *l)
{
	char host[256] = "";

	gethostname(host, sizeof host - 1);
	if (strcmp(host, l->host) == 0 && l->pid > 0 &&
	    kill((pid_t)l->pid, 0) != 0 && errno == ESRCH)
		return true;   /* its process is gone */
	return now() - l->active_at > DB_LEASE_IDLE_LIMIT;
}

/*
 * Reads the session's lease: DB_OK with *mine set when there is none or
 * this handle holds it, DB_EHELD with *l filled when another does.
 */
static int lease_get(db *d, int64_t session, struct db_lease *l, bool *mine)
{
	int err = DB_OK, rc;
	sqlite3_stmt *s = stmt(d, S_LEASE_GET, &err);

	*mine = true;
	memset(l, 0, sizeof *l);
	if (!s)
		return err;
	sqlite3_bind_int64(s, 1, session);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const char *token = col_text(s, 0);

		*mine = token && strcmp(token, d->token) == 0;
		l->pid = sqlite3_column_int64(s, 1);
		snprintf(l->host, sizeof l->host, "%s",
			 col_text(s, 2) ? col_text(s, 2) : "");
		l->started_at = sqlite3_column_int64(s, 3);
		l->active_at = sqlite3_column_int64(s, 4);
		l->stale = lease_stale(l);
		err = *mine ? DB_OK : DB_EHELD;
	} else if (rc != SQLITE_DONE) {
		err = fail(d, rc, "read the session's lease");
	}
	sqlite3_reset(s);
	return err;
}

static int held_message(db *d, const struct state *st,
			const struct db_lease *l)
{
	char code[DB_CODE_SIZE], since[32] = "?";
	time_t t = (time_t)l->started_at;
	struct tm tm;

	code_display(st->code, code);
	if (localtime_r(&t, &tm))
		strftime(since, sizeof since, "%Y-%m-%d %H:%M", &tm);
	set_msg(d, "session '%s' is open in another interview: process %lld "
		   "on '%s' since %s%s", code, (long long)l->pid, l->host,
		since, l->stale ? " (it looks abandoned)" : "");
	return DB_EHELD;
}

/*
 * In a write op on a session: DB_EHELD when another handle holds its lease
 * (unless allow_stale and the lease is stale); when this handle holds it,
 * the lease is refreshed.
 */
static int lease_check(db *d, int64_t session, const struct state *st,
		       bool allow_stale)
{
	struct db_lease l;
	bool mine;
	int err = lease_get(d, session, &l, &mine);

	if (err == DB_EHELD)
		return allow_stale && l.stale ? DB_OK : held_message(d, st, &l);
	if (err == DB_OK && mine && l.pid) {
		sqlite3_stmt *s = stmt(d, S_LEASE_TOUCH, &err);

		if (!s)
			return err;
		sqlite3_bind_int64(s, 1, session);
		bind_text(s, 2, d->token);
		sqlite3_bind_int64(s, 3, now());
		err = exec_done(d, s, "refresh the session's lease");
	}
	return err;
}

/* ---- paths and opening ------------------------------------------------ */

static char *join(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *p = malloc(n);

	if (p)
		snprintf(p, n, "%s%s", a, b);
	return p;
}

char *db_default_path(void)
{
	const char *env = getenv("MSKTRIAGE_DB");
	const char *xdg = getenv("XDG_DATA_HOME");
	const char *home = getenv("HOME");
	char *path = NULL;

	if (env && *env) {
		path = strdup(env);
		goto out;
	}
	/* The XDG spec says relative values are to be ignored. */
	if (xdg && xdg[0] == '/') {
		path = join(xdg, "/msktriage/sessions.db");
		goto out;
	}
	if (!home || !*home) {
		struct passwd *pw = getpwuid(getuid());

		home = pw ? pw->pw_dir : NULL;
	}
	if (home && *home)
		path = join(home, "/.local/share/msktriage/sessions.db");
out:
	return path;
}

static char *open_error(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static char *open_error(const char *fmt, ...)
{
	char buf[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return strdup(buf);
}

/*
 * Creates the missing directories above path with mode 0700 (chmod'ed, so
 * the umask cannot widen or narrow it). Existing directories are left as
 * they are: the one that will hold the store is judged by check_dir().
 */
static int make_parents(db *d)
{
	char *p = strdup(d->path);
	int err = DB_OK;

	if (!p) {
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	for (char *s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0700) == 0) {
			if (chmod(p, 0700) != 0)
				goto out_errno;
		} else if (errno != EEXIST) {
			goto out_errno;
		}
		*s = '/';
	}
	goto out_free;
out_errno:
	set_msg(d, "cannot create the directory '%s': %s", p,
		strerror(errno));
	err = errno == EACCES || errno == EROFS || errno == EPERM
		? DB_EREADONLY : DB_EIO;
out_free:
	free(p);
	return err;
}

/*
 * Opening a file store safely.
 *
 * SQLite opens its files by name, and creates the -wal, -shm and -journal
 * files by name next to the store. The name can only be trusted when no one
 * but us can change the directory that holds it, so:
 *
 *   1. The directory is opened and judged with fstat(): it must belong to
 *      us (or to root) and must not be writable by group or others;
 *      otherwise the open is refused with the chmod to run. Its mode is
 *      never changed here: an existing directory may be a home or project
 *      directory with other uses.
 *   2. The store is created (O_EXCL, mode 0600) or opened with openat() on
 *      that directory and O_NOFOLLOW, so a symbolic link, dangling or not,
 *      is refused rather than followed; fstat() checks it is a regular file
 *      of ours. A store writable by group or others is refused (someone
 *      else may have changed it: its owner decides, with the chmod we name);
 *      one only readable by them is narrowed to owner-only with fchmod().
 *      That is safe: the file is ours, bits are only taken away, and
 *      nothing else could have changed its content.
 *   3. The -wal, -shm and -journal files, when present, get the same checks
 *      and are narrowed the same way, so an old world-readable log does not
 *      keep leaking; SQLite gives the ones it creates the store's mode.
 *   4. Our descriptor is closed before SQLite opens the name (closing a
 *      second descriptor later would drop SQLite's POSIX locks). After the
 *      open, the name must still be a regular file with the device and
 *      inode we checked (fstatat without following), and SQLite must report
 *      that the file it holds is the one at that name
 *      (SQLITE_FCNTL_HAS_MOVED). With the directory closed to others in 1,
 *      nothing but this process can change the name in between, and the
 *      comparison detects it if anything did.
 *
 * SQLITE_OPEN_NOFOLLOW is not used: it also refuses a symbolic link in any
 * directory above the store, which is a legitimate way to place a data
 * directory on another disk.
 */

struct place {
	int dir_fd;
	char *dir;          /* the directory, as given (for messages) */
	const char *base;   /* the file name inside it (points into path) */
	dev_t dev;          /* the store we checked */
	ino_t ino;
};

static void place_clear(struct place *pl)
{
	if (pl->dir_fd >= 0)
		close(pl->dir_fd);
	pl->dir_fd = -1;
	free(pl->dir);
	pl->dir = NULL;
}

static int errno_code(int e)
{
	return e == EACCES || e == EROFS || e == EPERM ? DB_EREADONLY
		: e == ENOMEM ? DB_ENOMEM : DB_EIO;
}

static int check_dir(db *d, struct place *pl, bool may_create)
{
	const char *slash = strrchr(d->path, '/');
	struct stat st;

	pl->base = slash ? slash + 1 : d->path;
	pl->dir = slash ? strndup(d->path, (size_t)(slash - d->path))
			: strdup(".");
	if (pl->dir && !*pl->dir) {   /* "/x.db" */
		free(pl->dir);
		pl->dir = strdup("/");
	}
	if (!pl->dir) {
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	if (!*pl->base) {
		set_msg(d, "the session store '%s' names a directory, not a "
			   "file", d->path);
		return DB_EINVAL;
	}
	pl->dir_fd = open(pl->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pl->dir_fd < 0) {
		int e = errno;

		if (e == ENOENT && !may_create) {
			set_msg(d, "no session store at '%s'", d->path);
			return DB_ENOTFOUND;
		}
		set_msg(d, "cannot open the directory '%s' of the session "
			   "store: %s", pl->dir, strerror(e));
		return errno_code(e);
	}
	if (fstat(pl->dir_fd, &st) != 0) {
		set_msg(d, "cannot read the directory '%s': %s", pl->dir,
			strerror(errno));
		return DB_EIO;
	}
	/* Root's directories are trusted: root can do anything anyway. */
	if (st.st_uid != geteuid() && st.st_uid != 0) {
		set_msg(d, "the directory '%s' of the session store belongs to "
			   "another user (uid %lu); keep the store in a "
			   "directory of your own", pl->dir,
			(unsigned long)st.st_uid);
		return DB_EINVAL;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		if (st.st_uid == geteuid() && !(st.st_mode & S_ISVTX))
			set_msg(d, "the directory '%s' of the session store can "
				   "be written by other users; run: chmod 700 "
				   "'%s'", pl->dir, pl->dir);
		else
			set_msg(d, "the directory '%s' of the session store can "
				   "be written by other users; keep the store in "
				   "a directory of your own", pl->dir);
		return DB_EINVAL;
	}
	return DB_OK;
}

/*
 * Judges an open file of the store (name is for messages): a regular file
 * of ours, not writable by group or others; readable by them is narrowed
 * to the owner's bits. Fills *st with what it found before narrowing.
 */
static int check_file(db *d, int fd, const char *name, const char *what,
		      struct stat *st)
{
	if (fstat(fd, st) != 0) {
		set_msg(d, "cannot read '%s': %s", name, strerror(errno));
		return DB_EIO;
	}
	if (!S_ISREG(st->st_mode)) {
		set_msg(d, "%s '%s' is not a regular file", what, name);
		return DB_EINVAL;
	}
	if (st->st_uid != geteuid()) {
		set_msg(d, "%s '%s' belongs to another user (uid %lu); it is "
			   "not used", what, name, (unsigned long)st->st_uid);
		return DB_EINVAL;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		set_msg(d, "%s '%s' can be written by other users; check it, "
			   "then run: chmod 600 '%s'", what, name, name);
		return DB_EINVAL;
	}
	if ((st->st_mode & 077) && fchmod(fd, st->st_mode & 0700) != 0) {
		set_msg(d, "%s '%s' can be read by other users and its mode "
			   "cannot be changed (%s); run: chmod 600 '%s'", what,
			name, strerror(errno), name);
		return DB_EINVAL;
	}
	return DB_OK;
}

/* Opens, without following a link, a file of the store for checking. */
static int open_nofollow(db *d, struct place *pl, const char *name,
			 const char *shown, const char *what, int *fd)
{
	*fd = openat(pl->dir_fd, name,
		     O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (*fd >= 0)
		return DB_OK;
	if (errno == ELOOP) {
		set_msg(d, "%s '%s' is a symbolic link; the session store and "
			   "its files must be regular files", what, shown);
		return DB_EINVAL;
	}
	if (errno == ENOENT)
		return DB_ENOTFOUND;
	set_msg(d, "cannot open %s '%s': %s", what, shown, strerror(errno));
	return errno_code(errno);
}

static int check_store_file(db *d, struct place *pl, bool may_create)
{
	struct stat st;
	int fd = -1, err;

	if (may_create) {
		fd = openat(pl->dir_fd, pl->base,
			    O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
			    0600);
		if (fd < 0 && errno != EEXIST) {
			set_msg(d, "cannot create the session store '%s': %s",
				d->path, strerror(errno));
			return errno_code(errno);
		}
		/* The umask may have taken bits away from 0600. */
		if (fd >= 0 && fchmod(fd, 0600) != 0) {
			set_msg(d, "cannot set the mode of '%s': %s", d->path,
				strerror(errno));
			close(fd);
			return DB_EIO;
		}
	}
	if (fd < 0) {
		err = open_nofollow(d, pl, pl->base, d->path,
				    "the session store", &fd);
		if (err == DB_ENOTFOUND)
			set_msg(d, "no session store at '%s'", d->path);
		if (err != DB_OK)
			return err;
	}
	err = check_file(d, fd, d->path, "the session store", &st);
	pl->dev = st.st_dev;
	pl->ino = st.st_ino;
	close(fd);
	if (err != DB_OK)
		return err;

	static const char *const suffix[] = { "-wal", "-shm", "-journal" };
	for (int i = 0; i < 3 && err == DB_OK; i++) {
		char name[4200], shown[4200];
		struct stat sst;

		if (strlen(d->path) + 10 > sizeof shown) {
			set_msg(d, "the session store's path is too long");
			return DB_EINVAL;
		}
		snprintf(name, sizeof name, "%s%s", pl->base, suffix[i]);
		snprintf(shown, sizeof shown, "%s%s", d->path, suffix[i]);
		err = open_nofollow(d, pl, name, shown,
				    "the session store's file", &fd);
		if (err == DB_ENOTFOUND) {
			err = DB_OK;
			continue;
		}
		if (err != DB_OK)
			break;
		err = check_file(d, fd, shown, "the session store's file",
				 &sst);
		/*
		 * A reader of a read-only store leaves -wal/-shm read-only;
		 * once the store is writable again, so must they be, or
		 * every write fails as "read-only".
		 */
		if (err == DB_OK && (st.st_mode & S_IWUSR) &&
		    !(sst.st_mode & S_IWUSR))
			fchmod(fd, 0600);
		close(fd);
	}
	return err;
}

/* After sqlite3_open: SQLite holds the file we checked. */
static int check_same(db *d, struct place *pl)
{
	struct stat st;
	int moved = 1;

	if (fstatat(pl->dir_fd, pl->base, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
	    !S_ISREG(st.st_mode) || st.st_dev != pl->dev ||
	    st.st_ino != pl->ino ||
	    sqlite3_file_control(d->h, "main", SQLITE_FCNTL_HAS_MOVED,
				 &moved) != SQLITE_OK ||
	    moved) {
		set_msg(d, "the session store '%s' was replaced while it was "
			   "being opened; try again", d->path);
		return DB_EINVAL;
	}
	return DB_OK;
}

static int pragma_int(db *d, const char *sql, int64_t *out)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(d->h, sql, -1, &s, NULL);

	if (rc == SQLITE_OK) {
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(s, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK ? DB_OK : fail(d, rc, "open the session store");
}

/* Switches a file store to WAL; switching needs a moment alone with it. */
static int use_wal(db *d)
{
	int err = DB_OK;

	for (int attempt = 1;; attempt++) {
		sqlite3_stmt *s = NULL;
		int rc = sqlite3_prepare_v2(d->h, "PRAGMA journal_mode=WAL",
					    -1, &s, NULL);
		bool wal = false;

		if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
			const char *m = col_text(s, 0);

			wal = m && strcmp(m, "wal") == 0;
			rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
		if (rc == SQLITE_OK && !wal) {
			set_msg(d, "cannot open the session store '%s': it "
				   "cannot use write-ahead logging", d->path);
			err = DB_EIO;
		} else if (rc != SQLITE_OK) {
			err = fail(d, rc, "open the session store");
		} else {
			err = DB_OK;
		}
		if (err != DB_EBUSY || attempt == MAX_ATTEMPTS)
			break;
		backoff(attempt);
	}
	return err;
}

struct schema_info {
	int64_t app_id;
	int64_t version;
	int64_t objects;
};

static int schema_read(db *d, void *arg)
{
	struct schema_info *si = arg;
	int err;

	err = pragma_int(d, "PRAGMA application_id", &si->app_id);
	if (err == DB_OK)
		err = pragma_int(d, "PRAGMA user_version", &si->version);
	if (err == DB_OK)
		err = pragma_int(d, "SELECT count(*) FROM sqlite_schema",
				 &si->objects);
	return err;
}

/* Refuses files that belong to something else or to a newer msktriage. */
static int schema_judge(db *d, const struct schema_info *si)
{
	int err = DB_OK;

	if (si->app_id != DB_APPLICATION_ID &&
	    (si->app_id != 0 || si->objects != 0 || si->version != 0)) {
		set_msg(d, "'%s' is not a msktriage session store", d->path);
		err = DB_ECORRUPT;
	} else if (si->version > db_migration_count) {
		set_msg(d, "the session store '%s' has schema version %lld, "
			   "newer than this msktriage knows (%d); upgrade "
			   "msktriage", d->path, (long long)si->version,
			db_migration_count);
		err = DB_EINVAL;
	}
	return err;
}

static int op_migrate(db *d, void *arg)
{
	struct schema_info *si = arg;
	char sql[64];
	int err;

	/* Another process may have migrated since we looked. */
	err = schema_read(d, si);
	if (err == DB_OK)
		err = schema_judge(d, si);
	for (int64_t v = si->version; err == DB_OK && v < db_migration_count;
	     v++) {
		err = exec_sql(d, db_migrations[v], "upgrade the session store");
		snprintf(sql, sizeof sql, "PRAGMA user_version = %lld",
			 (long long)v + 1);
		if (err == DB_OK)
			err = exec_sql(d, sql, "upgrade the session store");
	}
	if (err == DB_OK && si->app_id != DB_APPLICATION_ID) {
		snprintf(sql, sizeof sql, "PRAGMA application_id = %d",
			 DB_APPLICATION_ID);
		err = exec_sql(d, sql, "upgrade the session store");
	}
	return err;
}

/*
 * Judges the file before anything is written to it (switching to WAL
 * rewrites the header), then switches to WAL and runs the migrations the
 * file lacks.
 */
static int configure(db *d, const struct db_options *opt, bool memory)
{
	struct schema_info si = { 0 };
	char sql[64];
	int err;

	sqlite3_extended_result_codes(d->h, 1);
	set_busy_wait(d, true);
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(d->h, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	err = exec_sql(d, "PRAGMA foreign_keys = ON", "open the session store");
	if (err == DB_OK)
		err = exec_sql(d, "PRAGMA secure_delete = ON",
			       "open the session store");
	if (err == DB_OK)
		err = run(d, false, schema_read, &si, "open the session store");
	if (err == DB_OK)
		err = schema_judge(d, &si);
	if (err == DB_OK && !memory && !d->read_only)
		err = use_wal(d);
	if (err == DB_OK)
		err = exec_sql(d, "PRAGMA synchronous = FULL",
			       "open the session store");
	if (err == DB_OK && opt && opt->max_bytes > 0) {
		int64_t page = 0;

		err = pragma_int(d, "PRAGMA page_size", &page);
		if (err == DB_OK) {
			int64_t pages = opt->max_bytes / (page ? page : 4096);

			snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld",
				 (long long)(pages > 0 ? pages : 1));
			err = exec_sql(d, sql, "open the session store");
		}
	}
	if (err != DB_OK || si.version == db_migration_count)
		return err;
	if (d->read_only) {
		set_msg(d, "the session store '%s' needs an upgrade; open it "
			   "once without read-only", d->path);
		return DB_EREADONLY;
	}
	return run(d, true, op_migrate, &si, "upgrade the session store");
}

db *db_open_with(const char *path, const struct db_options *opt,
		 char **errmsg)
{
	db *d = NULL;
	struct place pl = { .dir_fd = -1 };
	bool memory, may_create;
	int flags, rc;

	if (errmsg)
		*errmsg = NULL;
	if (!path || !*path) {
		if (errmsg)
			*errmsg = strdup("no session store path given");
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d)
		goto out_nomem;
	d->path = strdup(path);
	if (!d->path)
		goto out_nomem;
	d->read_only = opt && opt->read_only;
	{
		unsigned char r[8];

		/* Without random bytes, process and clock still tell
		 * handles apart. */
		if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
			uint64_t x = (uint64_t)getpid() << 32 ^
				     (uint64_t)monotonic_ms() ^
				     (uint64_t)(uintptr_t)d;

			memcpy(r, &x, sizeof r);
		}
		for (int i = 0; i < 8; i++)
			snprintf(d->token + 2 * i, 3, "%02x", r[i]);
	}
	d->busy_ms = opt && opt->busy_timeout_ms > 0
		? opt->busy_timeout_ms : DEFAULT_BUSY_MS;
	memory = strcmp(path, ":memory:") == 0;

	may_create = !memory && !d->read_only && !(opt && opt->must_exist);
	if (!memory) {
		if (may_create && make_parents(d) != DB_OK)
			goto out_fail;
		if (check_dir(d, &pl, may_create) != DB_OK ||
		    check_store_file(d, &pl, may_create) != DB_OK)
			goto out_fail;
	}
	/* The file exists (checked above): SQLite never creates it. */
	flags = d->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (memory)
		flags |= SQLITE_OPEN_CREATE;
	rc = sqlite3_open_v2(path, &d->h, flags, NULL);
	if (rc != SQLITE_OK) {
		if (!d->h) {
			goto out_nomem;
		}
		set_msg(d, "cannot open the session store '%s': %s", path,
			sqlite3_errstr(rc));
		goto out_fail;
	}
	if (!memory && check_same(d, &pl) != DB_OK)
		goto out_fail;
	place_clear(&pl);
	if (configure(d, opt, memory) != DB_OK)
		goto out_fail;
	return d;

out_nomem:
	if (errmsg)
		*errmsg = strdup("cannot open the session store: out of memory");
	place_clear(&pl);
	db_close(d);
	return NULL;
out_fail:
	if (errmsg)
		*errmsg = open_error("%s", d->msg);
	place_clear(&pl);
	db_close(d);
	return NULL;
}

db *db_open(const char *path, char **errmsg)
{
	return db_open_with(path, NULL, errmsg);
}

void db_close(db *d)
{
	if (!d)
		return;
	/* Best effort: a lease left behind is stale once we are gone. */
	if (d->h && d->held)
		db_lease_release(d, d->held);
	for (int i = 0; i < S_COUNT; i++)
		sqlite3_finalize(d->stmt[i]);
	sqlite3_close_v2(d->h);
	free(d->path);
	free(d);
}

int db_errcode(const db *d)
{
	return d ? d->last_err : DB_EINVAL;
}

const char *db_errmsg(const db *d)
{
	return d ? d->msg : "no session store";
}

const char *db_path(const db *d)
{
	return d ? d->path : NULL;
}

int db_mode_set(db *d, const char *mode)
{
	int err = begin_call(d);

	if (err == DB_OK && !in_list(mode, modes))
		err = invalid(d, "unknown mode '%s'", mode ? mode : "");
	if (err == DB_OK)
		snprintf(d->mode, sizeof d->mode, "%s", mode);
	return err;
}

/* ---- sessions --------------------------------------------------------- */

struct create_arg {
	const struct db_session_new *s;
	char code[CODE_LEN + 1];
	int64_t id;
};

static int op_session_create(db *d, void *arg)
{
	struct create_arg *a = arg;
	struct state st = { .signed_off = false };
	int err = DB_OK;
	int64_t t = now();

	/* A clash of 8 random symbols is rare; try fresh codes a few times. */
	for (int tries = 0;; tries++) {
		sqlite3_stmt *s = stmt(d, S_SESSION_INSERT, &err);
		int rc;

		if (!s)
			goto out;
		if (code_generate(a->code) != 0) {
			set_msg(d, "cannot create a session: no random "
				   "numbers: %s", strerror(errno));
			err = DB_EIO;
			goto out;
		}
		bind_text(s, 1, a->code);
		bind_text(s, 2, a->s->mode);
		sqlite3_bind_int64(s, 3, t);
		bind_text(s, 4, a->s->rulebase_sha256);
		bind_text(s, 5, a->s->program_version);
		bind_text(s, 6, a->s->patient_label);
		bind_text(s, 7, a->s->clinician);
		rc = sqlite3_step(s);
		sqlite3_reset(s);
		if (rc == SQLITE_DONE)
			break;
		if (rc != SQLITE_CONSTRAINT_UNIQUE || tries == 16) {
			err = fail(d, rc, "create a session");
			goto out;
		}
	}
	a->id = sqlite3_last_insert_rowid(d->h);
	snprintf(st.mode, sizeof st.mode, "%s", a->s->mode);
	memcpy(st.code, a->code, sizeof st.code);
	/* 'opened' is written with the session's own mode. */
	err = audit_insert(d, a->id, &st, "opened", a->s->mode, NULL);
out:
	return err;
}

int db_session_create(db *d, const struct db_session_new *s,
		      int64_t *id_out, char code_out[DB_CODE_SIZE])
{
	struct create_arg a = { .s = s };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!s || !in_list(s->mode, modes))
		err = invalid(d, "unknown mode '%s'",
			      s && s->mode ? s->mode : "");
	else if (!text_ok(s->rulebase_sha256) || !text_ok(s->program_version))
		err = invalid(d, "a session needs the rule-base digest and "
				 "the program version");
	else if (strcmp(s->mode, "clinician") != 0 &&
		 (s->patient_label || s->clinician))
		err = invalid(d, "a patient label or clinician name is kept "
				 "in clinician mode only");
	else if ((s->patient_label && !text_ok(s->patient_label)) ||
		 (s->clinician && !text_ok(s->clinician)))
		err = invalid(d, "patient label and clinician name must not "
				 "be empty");
	if (err == DB_OK)
		err = run(d, true, op_session_create, &a, "create a session");
	if (err != DB_OK)
		goto out;
	if (id_out)
		*id_out = a.id;
	if (code_out)
		code_display(a.code, code_out);
out:
	return err;
}

void db_session_free(struct db_session *s)
{
	if (!s)
		return;
	free(s->mode);
	free(s->status);
	free(s->rulebase_sha256);
	free(s->program_version);
	free(s->patient_label);
	free(s->clinician);
	free(s->signed_off_by);
	free(s->level);
	free(s->conclusions_json);
	free(s);
}

/* Copies one S_SESSION_ROW / S_SESSION_LIST row into *out (fields owned). */
static int session_from_row(db *d, sqlite3_stmt *s, struct db_session *out)
{
	memset(out, 0, sizeof *out);
	out->id = sqlite3_column_int64(s, 0);
	code_display(col_text(s, 1), out->code);
	out->mode = xstrdup(col_text(s, 2));
	out->status = xstrdup(col_text(s, 3));
	out->started_at = sqlite3_column_int64(s, 4);
	out->updated_at = sqlite3_column_int64(s, 5);
	out->finished_at = sqlite3_column_int64(s, 6);
	out->rulebase_sha256 = xstrdup(col_text(s, 7));
	out->program_version = xstrdup(col_text(s, 8));
	out->patient_label = xstrdup(col_text(s, 9));
	out->clinician = xstrdup(col_text(s, 10));
	out->signed_off_by = xstrdup(col_text(s, 11));
	out->signed_off_at = sqlite3_column_int64(s, 12);
	out->level = xstrdup(col_text(s, 13));
	out->conclusions_json = xstrdup(col_text(s, 14));
	out->concluded_at = sqlite3_column_int64(s, 15);
	out->answer_count = sqlite3_column_int(s, 16);
	if (!out->mode || !out->status || !out->rulebase_sha256 ||
	    !out->program_version ||
	    (sqlite3_column_type(s, 9) != SQLITE_NULL && !out->patient_label) ||
	    (sqlite3_column_type(s, 10) != SQLITE_NULL && !out->clinician) ||
	    (sqlite3_column_type(s, 11) != SQLITE_NULL && !out->signed_off_by) ||
	    (sqlite3_column_type(s, 13) != SQLITE_NULL && !out->level) ||
	    (sqlite3_column_type(s, 14) != SQLITE_NULL &&
	     !out->conclusions_json)) {
		set_msg(d, "cannot read the session: out of memory");
		return DB_ENOMEM;
	}
	return DB_OK;
}

/* Frees the strings of a record that lives in an array. */
static void session_clear(struct db_session *s)
{
	free(s->mode);
	free(s->status);
	free(s->rulebase_sha256);
	free(s->program_version);
	free(s->patient_label);
	free(s->clinician);
	free(s->signed_off_by);
	free(s->level);
	free(s->conclusions_json);
	memset(s, 0, sizeof *s);
}

struct get_arg {
	int64_t id;
	const char *code;        /* stored form, or NULL to look up by id */
	struct db_session *out;
};

/* The id of the session with stored code `code`, or DB_ENOTFOUND. */
static int id_by_code(db *d, const char *code, int64_t *id)
{
	int err = DB_OK, rc;
	sqlite3_stmt *s = stmt(d, S_SESSION_BY_CODE, &err);
	char shown[DB_CODE_SIZE];

	if (!s)
		goto out;
	bind_text(s, 1, code);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
	} else if (rc == SQLITE_DONE) {
		code_display(code, shown);
		set_msg(d, "no session with reference code '%s'", shown);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "find the session");
	}
	sqlite3_reset(s);
out:
	return err;
}

static int op_session_get(db *d, void *arg)
{
	struct get_arg *a = arg;
	int err = DB_OK, rc;
	sqlite3_stmt *s;

	session_clear(a->out);   /* a retried op starts afresh */
	if (a->code)
		err = id_by_code(d, a->code, &a->id);
	if (err != DB_OK)
		goto out;
	s = stmt(d, S_SESSION_ROW, &err);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		err = session_from_row(d, s, a->out);
	} else if (rc == SQLITE_DONE) {
		set_msg(d, "no session with id %lld", (long long)a->id);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the session");
	}
	sqlite3_reset(s);
out:
	if (err != DB_OK)
		session_clear(a->out);
	return err;
}

static int session_get(db *d, struct get_arg *a, struct db_session **out)
{
	int err = DB_OK;

	*out = NULL;
	a->out = calloc(1, sizeof *a->out);
	if (!a->out) {
		set_msg(d, "cannot read the session: out of memory");
		err = DB_ENOMEM;
		goto out;
	}
	err = run(d, false, op_session_get, a, "read the session");
	if (err != DB_OK)
		goto out_free;
	*out = a->out;
	goto out;
out_free:
	free(a->out);
out:
	return err;
}

int db_session_get(db *d, int64_t id, struct db_session **out)
{
	struct get_arg a = { .id = id };
	int err = begin_call(d);

	if (err == DB_OK && !out)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = session_get(d, &a, out);
	return err;
}

int db_session_find(db *d, const char *id_or_code, struct db_session **out)
{
	struct get_arg a = { 0 };
	char code[CODE_LEN + 1];
	const char *p;
	int err = begin_call(d);

	if (err == DB_OK && !out)
		err = DB_EINVAL;
	if (err != DB_OK)
		goto out;
	*out = NULL;
	if (!id_or_code) {
		err = invalid(d, "no session id or reference code given");
		goto out;
	}
	while (isspace((unsigned char)*id_or_code))
		id_or_code++;
	for (p = id_or_code; isdigit((unsigned char)*p); p++)
		;
	if (p != id_or_code && strspn(p, " \t\r\n") == strlen(p) &&
	    p - id_or_code <= 18)
		a.id = strtoll(id_or_code, NULL, 10);   /* digits only: an id */
	else if (code_normalize(id_or_code, code))
		a.code = code;
	else
		err = invalid(d, "'%.40s' is not a session id or reference "
				 "code", id_or_code);
	if (err == DB_OK)
		err = session_get(d, &a, out);
out:
	return err;
}

struct next_arg {
	int64_t after;
	const char *status;
	int64_t since;
	struct db_session *out;
};

static int op_session_next(db *d, void *arg)
{
	struct next_arg *a = arg;
	int err = DB_OK, rc;
	sqlite3_stmt *s = stmt(d, S_SESSION_NEXT, &err);

	session_clear(a->out);   /* a retried op starts afresh */
	if (!s)
		return err;
	sqlite3_bind_int64(s, 1, a->after);
	bind_text(s, 2, a->status);
	sqlite3_bind_int64(s, 3, a->since);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		err = session_from_row(d, s, a->out);
	else if (rc == SQLITE_DONE)
		err = DB_ENOTFOUND;
	else
		err = fail(d, rc, "list the sessions");
	sqlite3_reset(s);
	if (err != DB_OK)
		session_clear(a->out);
	return err;
}

int db_session_next(db *d, int64_t after, const char *status, int64_t since,
		    struct db_session **out)
{
	struct next_arg a = { .after = after, .status = status, .since = since };
	int err = begin_call(d);

	if (err == DB_OK && !out)
		err = DB_EINVAL;
	if (err != DB_OK)
		return err;
	*out = NULL;
	if (status && !in_list(status, statuses))
		return invalid(d, "unknown status '%s'", status);
	if (!(a.out = calloc(1, sizeof *a.out))) {
		set_msg(d, "cannot read the session store: out of memory");
		return DB_ENOMEM;
	}
	err = run(d, false, op_session_next, &a, "list the sessions");
	if (err != DB_OK) {
		free(a.out);
		return err;
	}
	*out = a.out;
	return DB_OK;
}

struct list_arg {
	const char *status;
	int64_t since;
	struct db_session *rows;
	size_t n, cap;
};

static void list_clear(struct list_arg *a)
{
	for (size_t i = 0; i < a->n; i++)
		session_clear(&a->rows[i]);
	free(a->rows);
	a->rows = NULL;
	a->n = a->cap = 0;
}

/*
 * Makes room for one more `size`-byte item in the array *rowsp holding n
 * items with room for *cap. The array is a struct's pointer member, passed
 * by address as void *.
 */
static int grow(db *d, void *rowsp, size_t *cap, size_t n, size_t size)
{
	size_t c = *cap ? *cap * 2 : 16;
	void *old, *p;

	if (n < *cap)
		return DB_OK;
	memcpy(&old, rowsp, sizeof old);
	p = realloc(old, c * size);
	if (!p) {
		set_msg(d, "cannot read the session store: out of memory");
		return DB_ENOMEM;
	}
	memcpy(rowsp, &p, sizeof p);
	*cap = c;
	return DB_OK;
}

static int op_session_list(db *d, void *arg)
{
	struct list_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_SESSION_LIST, &err);
	int rc;

	list_clear(a);
	if (!s)
		return err;
	bind_text(s, 1, a->status);
	sqlite3_bind_int64(s, 2, a->since);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		err = grow(d, &a->rows, &a->cap, a->n, sizeof *a->rows);
		if (err != DB_OK)
			goto out_reset;
		err = session_from_row(d, s, &a->rows[a->n]);
		a->n++;
		if (err != DB_OK)
			goto out_reset;
	}
	if (rc != SQLITE_DONE)
		err = fail(d, rc, "list the sessions");
out_reset:
	sqlite3_reset(s);
	return err;
}

int db_session_list(db *d, const char *status, int64_t since,
		    db_session_cb *cb, void *ctx)
{
	struct list_arg a = { .status = status, .since = since };
	int err = begin_call(d);

	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK && status && !in_list(status, statuses))
		err = invalid(d, "unknown status '%s'", status);
	if (err == DB_OK)
		err = run(d, false, op_session_list, &a, "list the sessions");
	for (size_t i = 0; err == DB_OK && i < a.n; i++)
		err = cb(&a.rows[i], ctx);
	list_clear(&a);
	return err;
}

/* ---- answers ---------------------------------------------------------- */

struct answer_arg {
	int64_t session;
	const char *question;
	const char *value;       /* NULL: withdraw */
};

/* Whether the session holds an answer to a->question, and if it is a->value. */
static int answer_current(db *d, const struct answer_arg *a, bool *had,
			  bool *same)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_ANSWER_GET, &err);
	int rc;

	*had = *same = false;
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, a->question);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*had = true;
		*same = strcmp(col_text(s, 0), a->value) == 0;
	} else if (rc != SQLITE_DONE) {
		err = fail(d, rc, "save the answer");
	}
	sqlite3_reset(s);
out:
	return err;
}

/* Runs S_ANSWER_INSERT/_UPDATE/_DELETE or S_REVISION_INSERT for a. */
static int answer_write(db *d, enum stmt_id id, const struct answer_arg *a,
			int64_t t)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, id, &err);

	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, a->question);
	if (id != S_ANSWER_DELETE) {
		bind_text(s, 3, a->value);
		sqlite3_bind_int64(s, 4, t);
	}
	err = exec_done(d, s, a->value ? "save the answer"
				       : "withdraw the answer");
out:
	return err;
}

static int op_answer_put(db *d, void *arg)
{
	struct answer_arg *a = arg;
	struct state st;
	bool had = false, same = false;
	int64_t t = now();
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK)
		err = require_in_progress(d, &st);
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err == DB_OK)
		err = answer_current(d, a, &had, &same);
	if (err != DB_OK || same)
		goto out;
	err = answer_write(d, had ? S_ANSWER_UPDATE : S_ANSWER_INSERT, a, t);
	if (err == DB_OK)
		err = answer_write(d, S_REVISION_INSERT, a, t);
	if (err == DB_OK && had)
		err = audit_insert(d, a->session, &st, "answer_changed", NULL,
				   a->question);
	if (err == DB_OK)
		err = touch(d, a->session);
out:
	return err;
}

int db_answer_put(db *d, int64_t session, const char *question,
		  const char *value)
{
	struct answer_arg a = { session, question, value };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!question_ok(question))
		err = invalid(d, "'%.64s' is not a question id",
			      question ? question : "");
	else if (!text_ok(value))
		err = invalid(d, "the answer to '%s' is empty or too long",
			      question);
	else
		err = run(d, true, op_answer_put, &a, "save the answer");
out:
	return err;
}

static int op_answer_remove(db *d, void *arg)
{
	struct answer_arg *a = arg;
	struct state st;
	int64_t t = now();
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK)
		err = require_in_progress(d, &st);
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err == DB_OK)
		err = answer_write(d, S_ANSWER_DELETE, a, t);
	if (err != DB_OK || sqlite3_changes(d->h) == 0)
		goto out;   /* nothing to withdraw is not an error */
	err = answer_write(d, S_REVISION_INSERT, a, t);
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "answer_withdrawn", NULL,
				   a->question);
	if (err == DB_OK)
		err = touch(d, a->session);
out:
	return err;
}

int db_answer_remove(db *d, int64_t session, const char *question)
{
	struct answer_arg a = { session, question, NULL };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!question_ok(question))
		err = invalid(d, "'%.64s' is not a question id",
			      question ? question : "");
	else
		err = run(d, true, op_answer_remove, &a, "withdraw the answer");
out:
	return err;
}

/*
 * Rows copied out of a read op: up to 7 columns each, as owned strings
 * (NULL for SQL NULL) and integers, so callbacks run after the transaction.
 */
#define MAX_COLS 7

struct row {
	char *text[MAX_COLS];
	int64_t num[MAX_COLS];
};

struct rows_arg {
	int64_t session;
	enum stmt_id id;
	bool check_session;
	struct row *rows;
	size_t n, cap;
};

static void rows_clear(struct rows_arg *a)
{
	for (size_t i = 0; i < a->n; i++)
		for (int c = 0; c < MAX_COLS; c++)
			free(a->rows[i].text[c]);
	free(a->rows);
	a->rows = NULL;
	a->n = a->cap = 0;
}

static int op_rows(db *d, void *arg)
{
	struct rows_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s;
	int rc;

	rows_clear(a);
	if (a->check_session) {
		struct state st;

		err = state_get(d, a->session, &st);
		if (err != DB_OK)
			return err;
	}
	s = stmt(d, a->id, &err);
	if (!s)
		return err;
	sqlite3_bind_int64(s, 1, a->session);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct row *r;
		int cols = sqlite3_column_count(s);

		err = grow(d, &a->rows, &a->cap, a->n, sizeof *a->rows);
		if (err != DB_OK)
			goto out_reset;
		r = &a->rows[a->n++];
		memset(r, 0, sizeof *r);
		for (int c = 0; c < cols && c < MAX_COLS; c++) {
			r->num[c] = sqlite3_column_int64(s, c);
			if (sqlite3_column_type(s, c) == SQLITE_NULL)
				continue;
			r->text[c] = xstrdup(col_text(s, c));
			if (!r->text[c]) {
				set_msg(d, "cannot read the session store: "
					   "out of memory");
				err = DB_ENOMEM;
				goto out_reset;
			}
		}
	}
	if (rc != SQLITE_DONE)
		err = fail(d, rc, "read the session store");
out_reset:
	sqlite3_reset(s);
	return err;
}

static int load_rows(db *d, struct rows_arg *a, const char *doing)
{
	return run(d, false, op_rows, a, doing);
}

int db_answers_load(db *d, int64_t session, db_answer_cb *cb, void *ctx)
{
	struct rows_arg a = { session, S_ANSWERS, true, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "load the answers");
	for (size_t i = 0; err == DB_OK && i < a.n; i++)
		err = cb(a.rows[i].text[0], a.rows[i].text[1], ctx);
	rows_clear(&a);
	return err;
}

int db_answer_history(db *d, int64_t session, db_revision_cb *cb, void *ctx)
{
	struct rows_arg a = { session, S_REVISIONS, true, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "load the answer history");
	for (size_t i = 0; err == DB_OK && i < a.n; i++) {
		struct db_revision r = {
			.id = a.rows[i].num[0],
			.question = a.rows[i].text[1],
			.value = a.rows[i].text[2],
			.at = a.rows[i].num[3],
		};
		err = cb(&r, ctx);
	}
	rows_clear(&a);
	return err;
}

/* ---- finishing, resuming, signing off, deleting ----------------------- */

struct finish_arg {
	int64_t session;
	const char *status;
	const char *level;
	const char *json;
	const char *who;         /* resume: mode; signoff: clinician */
};

/*
 * Runs one of the S_SESSION_* updates: ?1 the session, ?2 text (if the
 * statement has it), ?3 the time.
 */
static int session_write(db *d, enum stmt_id id, int64_t session,
			 const char *text, const char *doing)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, id, &err);

	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, session);
	if (sqlite3_bind_parameter_count(s) >= 3) {
		bind_text(s, 2, text);
		sqlite3_bind_int64(s, 3, now());
	}
	err = exec_done(d, s, doing);
out:
	return err;
}

static int json_check(db *d, const char *json)
{
	int err = DB_OK, rc;
	sqlite3_stmt *s = stmt(d, S_JSON_VALID, &err);

	if (!s)
		goto out;
	bind_text(s, 1, json);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW)
		err = fail(d, rc, "finish the session");
	else if (!sqlite3_column_int(s, 0))
		err = invalid(d, "the conclusions are not well-formed JSON");
	sqlite3_reset(s);
out:
	return err;
}

static int conclusion_insert(db *d, const struct finish_arg *a)
{
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_CONCLUSION_INSERT, &err);

	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, a->status);
	bind_text(s, 3, a->level);
	bind_text(s, 4, a->json);
	sqlite3_bind_int64(s, 5, now());
	err = exec_done(d, s, "save the conclusions");
out:
	return err;
}

static int op_session_finish(db *d, void *arg)
{
	struct finish_arg *a = arg;
	struct state st;
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK)
		err = require_in_progress(d, &st);
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err == DB_OK && a->json)
		err = json_check(d, a->json);
	if (err == DB_OK)
		err = session_write(d, S_SESSION_FINISH, a->session, a->status,
				    "finish the session");
	if (err == DB_OK && (a->level || a->json))
		err = conclusion_insert(d, a);
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "finished", NULL,
				   a->status);
	return err;
}

int db_session_finish(db *d, int64_t session, const char *status,
		      const char *level, const char *conclusions_json)
{
	struct finish_arg a = { session, status, level, conclusions_json, NULL };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!in_list(status, finish_statuses))
		err = invalid(d, "'%s' is not a status a session can end with",
			      status ? status : "");
	else if (strcmp(status, "abandoned") != 0 &&
		 (!text_ok(level) || !conclusions_json))
		err = invalid(d, "a %s session needs its level and "
				 "conclusions", status);
	else if ((level && !text_ok(level)) ||
		 (conclusions_json &&
		  strlen(conclusions_json) >= 16 * MAX_TEXT))
		err = invalid(d, "the level or conclusions are empty or too "
				 "long");
	else
		err = run(d, true, op_session_finish, &a, "finish the session");
out:
	return err;
}

static int op_session_resume(db *d, void *arg)
{
	struct finish_arg *a = arg;
	struct state st;
	char code[DB_CODE_SIZE];
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK && st.signed_off) {
		code_display(st.code, code);
		err = invalid(d, "session '%s' has been signed off and can no "
				 "longer change", code);
	}
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err == DB_OK)
		err = session_write(d, S_SESSION_RESUME, a->session, NULL,
				    "resume the session");
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "resumed", a->who, NULL);
	return err;
}

int db_session_resume(db *d, int64_t session, const char *mode)
{
	struct finish_arg a = { .session = session, .who = mode };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (mode && !in_list(mode, modes))
		err = invalid(d, "unknown mode '%s'", mode);
	else
		err = run(d, true, op_session_resume, &a, "resume the session");
out:
	return err;
}

static int op_session_signoff(db *d, void *arg)
{
	struct finish_arg *a = arg;
	struct state st;
	char code[DB_CODE_SIZE];
	int err;

	err = state_get(d, a->session, &st);
	if (err != DB_OK)
		goto out;
	code_display(st.code, code);
	if (strcmp(st.status, "in_progress") == 0)
		err = invalid(d, "session '%s' is still in progress; finish it "
				 "before signing it off", code);
	else if (st.signed_off)
		err = invalid(d, "session '%s' is already signed off", code);
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err == DB_OK)
		err = session_write(d, S_SESSION_SIGNOFF, a->session, a->who,
				    "sign the session off");
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "signed_off", NULL, NULL);
out:
	return err;
}

int db_session_signoff(db *d, int64_t session, const char *clinician)
{
	struct finish_arg a = { .session = session, .who = clinician };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!text_ok(clinician))
		err = invalid(d, "a sign-off needs the clinician's name");
	else
		err = run(d, true, op_session_signoff, &a,
			  "sign the session off");
out:
	return err;
}

struct delete_arg {
	int64_t id;
	const char *reason;
};

static int op_session_delete(db *d, void *arg)
{
	struct delete_arg *a = arg;
	struct state st;
	char code[DB_CODE_SIZE];
	int err;

	err = state_get(d, a->id, &st);
	if (err == DB_OK && st.signed_off && !a->reason) {
		code_display(st.code, code);
		err = invalid(d, "session '%s' has been signed off: deleting it "
				 "needs a reason (sessions delete %s --reason "
				 "TEXT)", code, code);
	}
	/* A crashed interview's lease does not keep a session forever. */
	if (err == DB_OK)
		err = lease_check(d, a->id, &st, true);
	if (err == DB_OK)
		err = session_write(d, S_SESSION_DELETE, a->id, NULL,
				    "delete the session");
	if (err == DB_OK)
		err = audit_insert(d, a->id, &st, "deleted", NULL, a->reason);
	return err;
}

int db_session_delete(db *d, int64_t session, const char *reason)
{
	struct delete_arg a = { session, reason };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (reason && (!text_ok(reason) || strlen(reason) >= 1024)) {
		err = invalid(d, "the reason for a deletion must not be empty "
				 "or longer than 1023 bytes");
		goto out;
	}
	err = run(d, true, op_session_delete, &a, "delete the session");
	if (err == DB_OK && strcmp(d->path, ":memory:") != 0) {
		/*
		 * Old copies of the deleted pages stay in the WAL until a
		 * checkpoint; take one now unless others are reading, without
		 * waiting for them (the deletion itself is committed).
		 */
		set_busy_wait(d, false);
		sqlite3_wal_checkpoint_v2(d->h, NULL,
					  SQLITE_CHECKPOINT_TRUNCATE, NULL,
					  NULL);
		set_busy_wait(d, true);
	}
out:
	return err;
}

/* ---- notes and audit -------------------------------------------------- */

struct note_arg {
	int64_t session;
	const char *author;
	const char *text;
};

static int op_note_add(db *d, void *arg)
{
	struct note_arg *a = arg;
	struct state st;
	sqlite3_stmt *s;
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK && st.signed_off) {
		char code[DB_CODE_SIZE];

		code_display(st.code, code);
		err = invalid(d, "session '%s' has been signed off and takes no "
				 "more notes; add an addendum instead", code);
	}
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, false);
	if (err != DB_OK)
		goto out;
	s = stmt(d, S_NOTE_INSERT, &err);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, a->author);
	bind_text(s, 3, a->text);
	sqlite3_bind_int64(s, 4, now());
	err = exec_done(d, s, "save the note");
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "note_added", NULL, NULL);
	if (err == DB_OK)
		err = touch(d, a->session);
out:
	return err;
}

int db_note_add(db *d, int64_t session, const char *author, const char *text)
{
	struct note_arg a = { session, author, text };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!text_ok(text) || (author && !text_ok(author)))
		err = invalid(d, "a note must not be empty or too long");
	else
		err = run(d, true, op_note_add, &a, "save the note");
out:
	return err;
}

int db_notes_load(db *d, int64_t session, db_note_cb *cb, void *ctx)
{
	struct rows_arg a = { session, S_NOTES, true, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "load the notes");
	for (size_t i = 0; err == DB_OK && i < a.n; i++) {
		struct db_note n = {
			.id = a.rows[i].num[0],
			.at = a.rows[i].num[1],
			.author = a.rows[i].text[2],
			.text = a.rows[i].text[3],
		};
		err = cb(&n, ctx);
	}
	rows_clear(&a);
	return err;
}

static int op_addendum_add(db *d, void *arg)
{
	struct note_arg *a = arg;
	struct state st;
	sqlite3_stmt *s;
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK && !st.signed_off) {
		char code[DB_CODE_SIZE];

		code_display(st.code, code);
		err = invalid(d, "session '%s' has not been signed off: add a "
				 "note instead of an addendum", code);
	}
	if (err == DB_OK)
		err = lease_check(d, a->session, &st, true);
	if (err != DB_OK)
		goto out;
	s = stmt(d, S_ADDENDUM_INSERT, &err);
	if (!s)
		goto out;
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, a->author);
	bind_text(s, 3, a->text);
	sqlite3_bind_int64(s, 4, now());
	err = exec_done(d, s, "save the addendum");
	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, "addendum_added", NULL,
				   NULL);
out:
	return err;
}

int db_addendum_add(db *d, int64_t session, const char *author,
		    const char *text)
{
	struct note_arg a = { session, author, text };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!text_ok(author))
		err = invalid(d, "an addendum needs its author's name");
	else if (!text_ok(text))
		err = invalid(d, "an addendum must not be empty or too long");
	else
		err = run(d, true, op_addendum_add, &a, "save the addendum");
out:
	return err;
}

int db_addenda_load(db *d, int64_t session, db_note_cb *cb, void *ctx)
{
	struct rows_arg a = { session, S_ADDENDA, true, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "load the addenda");
	for (size_t i = 0; err == DB_OK && i < a.n; i++) {
		struct db_note n = {
			.id = a.rows[i].num[0],
			.at = a.rows[i].num[1],
			.author = a.rows[i].text[2],
			.text = a.rows[i].text[3],
		};
		err = cb(&n, ctx);
	}
	rows_clear(&a);
	return err;
}

/* ---- leases: taking and releasing ------------------------------------- */

struct lease_arg {
	int64_t session;
	bool take_over;
	struct db_lease *holder;
};

static int op_lease_take(db *d, void *arg)
{
	struct lease_arg *a = arg;
	struct state st;
	struct db_lease l;
	bool mine, over = false;
	char host[256] = "", detail[320];
	sqlite3_stmt *s;
	int err;

	err = state_get(d, a->session, &st);
	if (err == DB_OK)
		err = lease_get(d, a->session, &l, &mine);
	if (err == DB_EHELD) {
		if (a->holder)
			*a->holder = l;
		if (!a->take_over || !l.stale)
			return held_message(d, &st, &l);
		over = true;
		err = DB_OK;
	}
	if (err != DB_OK)
		return err;
	s = stmt(d, S_LEASE_PUT, &err);
	if (!s)
		return err;
	gethostname(host, sizeof host - 1);
	sqlite3_bind_int64(s, 1, a->session);
	bind_text(s, 2, d->token);
	sqlite3_bind_int64(s, 3, (int64_t)getpid());
	bind_text(s, 4, host);
	sqlite3_bind_int64(s, 5, mine && l.pid ? l.started_at : now());
	sqlite3_bind_int64(s, 6, now());
	err = exec_done(d, s, "take the session's lease");
	if (err == DB_OK && over) {
		snprintf(detail, sizeof detail, "from process %lld on '%.255s'",
			 (long long)l.pid, l.host);
		err = audit_insert(d, a->session, &st, "lease_taken_over", NULL,
				   detail);
	}
	return err;
}

int db_lease_take(db *d, int64_t session, bool take_over,
		  struct db_lease *holder)
{
	struct lease_arg a = { session, take_over, holder };
	int err = begin_call(d);

	if (err != DB_OK)
		return err;
	if (d->held && d->held != session)
		return invalid(d, "this handle already holds another session");
	err = run(d, true, op_lease_take, &a, "take the session's lease");
	if (err == DB_OK)
		d->held = session;
	return err;
}

static int op_lease_release(db *d, void *arg)
{
	int64_t *session = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_LEASE_DELETE, &err);

	if (!s)
		return err;
	sqlite3_bind_int64(s, 1, *session);
	bind_text(s, 2, d->token);
	return exec_done(d, s, "release the session's lease");
}

int db_lease_release(db *d, int64_t session)
{
	int err = begin_call(d);

	if (err == DB_OK && d->held == session && session) {
		err = run(d, true, op_lease_release, &session,
			  "release the session's lease");
		if (err == DB_OK)
			d->held = 0;
	}
	return err;
}

struct audit_arg {
	int64_t session;
	const char *event;
	const char *mode;
	const char *detail;
};

static int op_audit_add(db *d, void *arg)
{
	struct audit_arg *a = arg;
	struct state st;
	int err = state_get(d, a->session, &st);

	if (err == DB_OK)
		err = audit_insert(d, a->session, &st, a->event, a->mode,
				   a->detail);
	return err;
}

int db_audit_add(db *d, int64_t session, const char *event, const char *mode,
		 const char *detail)
{
	struct audit_arg a = { session, event, mode, detail };
	int err = begin_call(d);

	if (err != DB_OK)
		goto out;
	if (!in_list(event, audit_events))
		err = invalid(d, "unknown audit event '%.40s'",
			      event ? event : "");
	else if (mode && !in_list(mode, modes))
		err = invalid(d, "unknown mode '%s'", mode);
	else if (detail && strlen(detail) >= 1024)
		err = invalid(d, "the audit detail is too long");
	else
		err = run(d, true, op_audit_add, &a, "record the audit trail");
out:
	return err;
}

int db_audit_load(db *d, int64_t session, db_audit_cb *cb, void *ctx)
{
	struct rows_arg a = { session, S_AUDIT_LOAD, false, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && (!cb || session < 0))
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "load the audit trail");
	for (size_t i = 0; err == DB_OK && i < a.n; i++) {
		struct db_audit r = {
			.id = a.rows[i].num[0],
			.session_id = a.rows[i].num[1],
			.code = a.rows[i].text[2],
			.event = a.rows[i].text[3],
			.mode = a.rows[i].text[4],
			.at = a.rows[i].num[5],
			.detail = a.rows[i].text[6],
		};
		err = cb(&r, ctx);
	}
	rows_clear(&a);
	return err;
}

/* ---- kiosk settings and staff events ---------------------------------- */

static bool key_ok(const char *k)
{
	size_t n = 0;

	if (!k || !*k)
		return false;
	for (; k[n]; n++)
		if (!(islower((unsigned char)k[n]) ||
		      isdigit((unsigned char)k[n]) || k[n] == '_') || n >= 64)
			return false;
	return true;
}

struct setting_arg {
	const char *key;
	const char *value;
	char *out;
};

static int op_setting_put(db *d, void *arg)
{
	struct setting_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_SETTING_PUT, &err);

	if (!s)
		return err;
	bind_text(s, 1, a->key);
	bind_text(s, 2, a->value);
	sqlite3_bind_int64(s, 3, now());
	return exec_done(d, s, "save the setting");
}

int db_setting_put(db *d, const char *key, const char *value)
{
	struct setting_arg a = { key, value, NULL };
	int err = begin_call(d);

	if (err != DB_OK)
		return err;
	if (!key_ok(key))
		return invalid(d, "a setting's name must be lower-case letters, "
				  "digits and '_'");
	if (!value || strlen(value) > 4095)
		return invalid(d, "the setting '%s' must be text of at most "
				  "4095 bytes", key);
	return run(d, true, op_setting_put, &a, "save the setting");
}

static int op_setting_get(db *d, void *arg)
{
	struct setting_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_SETTING_GET, &err);
	int rc;

	free(a->out);
	a->out = NULL;
	if (!s)
		return err;
	bind_text(s, 1, a->key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (!(a->out = xstrdup(col_text(s, 0)))) {
			set_msg(d, "cannot read the setting: out of memory");
			err = DB_ENOMEM;
		}
	} else if (rc == SQLITE_DONE) {
		set_msg(d, "the setting '%s' is not set", a->key);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the setting");
	}
	sqlite3_reset(s);
	return err;
}

int db_setting_get(db *d, const char *key, char **value_out)
{
	struct setting_arg a = { key, NULL, NULL };
	int err = begin_call(d);

	if (err != DB_OK || !value_out)
		return DB_EINVAL;
	*value_out = NULL;
	if (!key_ok(key))
		return invalid(d, "a setting's name must be lower-case letters, "
				  "digits and '_'");
	err = run(d, false, op_setting_get, &a, "read the setting");
	if (err == DB_OK)
		*value_out = a.out;
	else
		free(a.out);
	return err;
}

struct kiosk_arg {
	const char *event;
	int64_t session;
	const char *detail;
	int count;
	int64_t last;
};

static int op_kiosk_event_add(db *d, void *arg)
{
	struct kiosk_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_KIOSK_EVENT_INSERT, &err);

	if (!s)
		return err;
	bind_text(s, 1, a->event);
	sqlite3_bind_int64(s, 2, now());
	if (a->session > 0)
		sqlite3_bind_int64(s, 3, a->session);
	else
		sqlite3_bind_null(s, 3);
	bind_text(s, 4, a->detail);
	return exec_done(d, s, "record the kiosk trail");
}

int db_kiosk_event_add(db *d, const char *event, int64_t session,
		       const char *detail)
{
	struct kiosk_arg a = { event, session, detail, 0, 0 };
	int err = begin_call(d);

	if (err != DB_OK)
		return err;
	if (!in_list(event, kiosk_events))
		return invalid(d, "unknown kiosk event '%.40s'",
			       event ? event : "");
	if (detail && strlen(detail) >= 1024)
		return invalid(d, "the kiosk event detail is too long");
	return run(d, true, op_kiosk_event_add, &a, "record the kiosk trail");
}

static int op_kiosk_failures(db *d, void *arg)
{
	struct kiosk_arg *a = arg;
	int err = DB_OK;
	sqlite3_stmt *s = stmt(d, S_KIOSK_FAILURES, &err);
	int rc;

	if (!s)
		return err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->count = sqlite3_column_int(s, 0);
		a->last = sqlite3_column_int64(s, 1);
	} else {
		err = fail(d, rc, "read the kiosk trail");
	}
	sqlite3_reset(s);
	return err;
}

int db_kiosk_failures(db *d, int *count, int64_t *last_at)
{
	struct kiosk_arg a = { 0 };
	int err = begin_call(d);

	if (err != DB_OK || !count || !last_at)
		return DB_EINVAL;
	err = run(d, false, op_kiosk_failures, &a, "read the kiosk trail");
	*count = err == DB_OK ? a.count : 0;
	*last_at = err == DB_OK ? a.last : 0;
	return err;
}

int db_kiosk_events_load(db *d, int64_t session, db_kiosk_event_cb *cb,
			 void *ctx)
{
	struct rows_arg a = { session, S_KIOSK_EVENTS, false, NULL, 0, 0 };
	int err = begin_call(d);

	if (err == DB_OK && (!cb || session < 0))
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, "read the kiosk trail");
	for (size_t i = 0; err == DB_OK && i < a.n; i++) {
		struct db_kiosk_event r = {
			.id = a.rows[i].num[0],
			.session_id = a.rows[i].num[1],
			.event = a.rows[i].text[2],
			.at = a.rows[i].num[3],
			.detail = a.rows[i].text[4],
		};
		err = cb(&r, ctx);
	}
	rows_clear(&a);
	return err;
}

/* ---- checking --------------------------------------------------------- */

static int op_check(db *d, void *arg)
{
	sqlite3_stmt *s = NULL;
	int err = DB_OK, rc;
	bool sound = false;

	(void)arg;
	rc = sqlite3_prepare_v2(d->h, "PRAGMA integrity_check(1)", -1, &s,
				NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *r = col_text(s, 0);

		sound = r && strcmp(r, "ok") == 0;
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	s = NULL;
	if (rc != SQLITE_OK)
		return fail(d, rc, "check the session store");
	if (sound) {
		rc = sqlite3_prepare_v2(d->h, "PRAGMA foreign_key_check", -1,
					&s, NULL);
		if (rc == SQLITE_OK) {
			rc = sqlite3_step(s);
			if (rc == SQLITE_ROW)
				sound = false;
			if (rc == SQLITE_ROW || rc == SQLITE_DONE)
				rc = SQLITE_OK;
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_OK)
			return fail(d, rc, "check the session store");
	}
	if (!sound) {
		set_msg(d, "the session store '%s' is damaged (integrity "
			   "check failed)", d->path);
		err = DB_ECORRUPT;
	}
	return err;
}

int db_check(db *d)
{
	int err = begin_call(d);

	if (err == DB_OK)
		err = run(d, false, op_check, NULL, "check the session store");
	return err;
}

/* ---- whole sessions in one transaction -------------------------------- */

struct save_arg {
	const struct db_session_record *r;
	int64_t id;
	char code[CODE_LEN + 1];
};

/* Runs sql (not cached: one save uses each once) binding ?1 text, ?2 int. */
static int save_stmt(db *d, const char *sql, const char *text, int64_t n,
		     sqlite3_stmt **out)
{
	int rc = sqlite3_prepare_v2(d->h, sql, -1, out, NULL);

	if (rc != SQLITE_OK)
		return fail(d, rc, "save the session");
	bind_text(*out, 1, text);
	if (sqlite3_bind_parameter_count(*out) >= 2)
		sqlite3_bind_int64(*out, 2, n);
	return DB_OK;
}

/* The session stored under external id x: DB_EEXIST with a->id and a->code
 * set, DB_OK when there is none. */
static int external_find(db *d, struct save_arg *a, const char *x)
{
	sqlite3_stmt *s = NULL;
	int err = save_stmt(d, "SELECT id, code FROM session"
			       " WHERE external_id = ?1", x, 0, &s);
	int rc;

	if (err != DB_OK)
		return err;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		a->id = sqlite3_column_int64(s, 0);
		snprintf(a->code, sizeof a->code, "%s", col_text(s, 1));
		err = DB_EEXIST;
	} else if (rc != SQLITE_DONE) {
		err = fail(d, rc, "save the session");
	}
	sqlite3_finalize(s);
	return err;
}

static int op_session_save(db *d, void *arg)
{
	struct save_arg *a = arg;
	const struct db_session_record *r = a->r;
	struct create_arg c = { .s = &r->session };
	sqlite3_stmt *s = NULL;
	int err = DB_OK;

	if (r->external_id) {
		err = external_find(d, a, r->external_id);
		if (err != DB_OK)
			return err;
	}
	err = op_session_create(d, &c);
	if (err != DB_OK)
		return err;
	if (r->external_id) {
		err = save_stmt(d, "UPDATE session SET external_id = ?1"
				   " WHERE id = ?2", r->external_id, c.id, &s);
		if (err == DB_OK)
			err = exec_done(d, s, "save the session");
		sqlite3_finalize(s);
	}
	for (size_t i = 0; err == DB_OK && i < r->n_answers; i++) {
		struct answer_arg aa = { c.id, r->answers[i].question,
					 r->answers[i].value };
		err = op_answer_put(d, &aa);
	}
	if (err == DB_OK && strcmp(r->status, "in_progress") != 0) {
		struct finish_arg f = { c.id, r->status, r->level,
					r->conclusions_json, NULL };
		err = op_session_finish(d, &f);
	}
	if (err == DB_OK) {
		a->id = c.id;
		memcpy(a->code, c.code, sizeof a->code);
	}
	return err;
}

static bool external_id_ok(const char *x)
{
	size_t n = x ? strlen(x) : 0;

	if (n == 0 || n > DB_EXTERNAL_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)x[i] < 0x20 || x[i] == 0x7f)
			return false;
	return true;
}

int db_session_save(db *d, const struct db_session_record *r,
		    int64_t *id_out, char code_out[DB_CODE_SIZE])
{
	struct save_arg a = { .r = r };
	int err = begin_call(d);
	const struct db_session_new *s = r ? &r->session : NULL;

	if (err != DB_OK)
		return err;
	if (!s || !in_list(s->mode, modes))
		err = invalid(d, "unknown mode '%s'",
			      s && s->mode ? s->mode : "");
	else if (!text_ok(s->rulebase_sha256) || !text_ok(s->program_version))
		err = invalid(d, "a session needs the rule-base digest and "
				 "the program version");
	else if (strcmp(s->mode, "clinician") != 0 &&
		 (s->patient_label || s->clinician))
		err = invalid(d, "a patient label or clinician name is kept "
				 "in clinician mode only");
	else if ((s->patient_label && !text_ok(s->patient_label)) ||
		 (s->clinician && !text_ok(s->clinician)))
		err = invalid(d, "patient label and clinician name must not "
				 "be empty");
	else if (r->external_id && !external_id_ok(r->external_id))
		err = invalid(d, "an external id must be 1 to %d bytes "
				 "without control characters",
			      DB_EXTERNAL_ID_MAX);
	else if (!r->status || (strcmp(r->status, "in_progress") != 0 &&
				!in_list(r->status, finish_statuses)) ||
		 strcmp(r->status, "abandoned") == 0)
		err = invalid(d, "'%s' is not a status a saved session can "
				 "have", r->status ? r->status : "");
	else if (strcmp(r->status, "in_progress") != 0 &&
		 (!text_ok(r->level) || !r->conclusions_json ||
		  strlen(r->conclusions_json) >= 16 * MAX_TEXT))
		err = invalid(d, "a %s session needs its level and "
				 "conclusions", r->status);
	for (size_t i = 0; err == DB_OK && i < r->n_answers; i++) {
		if (!question_ok(r->answers[i].question))
			err = invalid(d, "'%.64s' is not a question id",
				      r->answers[i].question
				      ? r->answers[i].question : "");
		else if (!text_ok(r->answers[i].value))
			err = invalid(d, "the answer to '%s' is empty or too "
					 "long", r->answers[i].question);
	}
	if (err == DB_OK)
		err = run(d, true, op_session_save, &a, "save the session");
	if (err == DB_EEXIST) {
		char code[DB_CODE_SIZE];

		code_display(a.code, code);
		set_msg(d, "this case was saved before, as session '%s'", code);
	}
	if (err != DB_OK && err != DB_EEXIST)
		return err;
	if (id_out)
		*id_out = a.id;
	if (code_out)
		code_display(a.code, code_out);
	return err;
}
