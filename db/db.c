/*
 * db.c — the backend-neutral front of the session store (see db.h for the
 * API and call order, backend.h for what a backend provides).
 *
 * How a call runs: every public function validates its arguments, then hands
 * a small "op" function to run(), which wraps it in one transaction (a
 * write transaction that takes the store's write lock at once on SQLite, a
 * SERIALIZABLE one on PostgreSQL; reads see one snapshot), commits or rolls
 * back, and retries the whole op a bounded number of times when the backend
 * reports contention (SQLITE_BUSY, a serialization failure or deadlock),
 * and once after a lost connection was made again. Ops use only the
 * prepared statements of enum stmt_id, whose text each backend gives,
 * cached on the handle. Reads copy their rows out before any callback runs,
 * so callbacks may call back into the handle.
 *
 * Errors are turned into DB_E* codes and messages by the backend's fail(),
 * which names the action and the store but never a value from the store.
 */
#define _GNU_SOURCE
#include "db/db.h"
#include "db/backend.h"

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
	"deleted", "addendum_added", "lease_taken_over", "continued_after_stop",
	NULL
};
static const char *const kiosk_events[] = {
	"pin_set", "pin_accepted", "pin_refused", "kiosk_started",
	"kiosk_left", "emergency_cleared", "session_abandoned", NULL
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

#define set_msg dbi_set_msg

void dbi_set_msg(db *d, const char *fmt, ...)
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

/* ---- statements ------------------------------------------------------- */

static int fail(db *d, int rc, const char *doing)
{
	return d->be->fail(d, rc, doing);
}

/* The cached statement, reset and unbound; NULL with *err set on failure. */
static dbx_stmt *stmt(db *d, enum stmt_id id, int *err)
{
	dbx_stmt *s = d->stmt[id];

	if (!s) {
		s = d->be->prepare(d, id, err);
		if (!s)
			return NULL;
		d->stmt[id] = s;
	}
	d->be->reset(s);
	return s;
}

static void bind_text(db *d, dbx_stmt *s, int i, const char *v)
{
	d->be->bind_text(s, i, v);
}

static void bind_int64(db *d, dbx_stmt *s, int i, int64_t v)
{
	d->be->bind_int64(s, i, v);
}

static int step(db *d, dbx_stmt *s)
{
	return d->be->step(d, s);
}

static void reset(db *d, dbx_stmt *s)
{
	d->be->reset(s);
}

static const char *col_text(db *d, dbx_stmt *s, int i)
{
	return d->be->col_text(s, i);
}

static int64_t col_int64(db *d, dbx_stmt *s, int i)
{
	return d->be->col_int64(s, i);
}

static bool col_null(db *d, dbx_stmt *s, int i)
{
	return d->be->col_null(s, i);
}

static int col_count(db *d, dbx_stmt *s)
{
	return d->be->col_count(s);
}

/* Runs a statement that returns no rows. */
static int exec_done(db *d, dbx_stmt *s, const char *doing)
{
	int rc = step(d, s);

	reset(d, s);
	if (rc != DBX_DONE)
		return fail(d, rc, doing);
	return DB_OK;
}


typedef int op_fn(db *d, void *arg);

void dbi_backoff(int attempt)
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

int64_t dbi_monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}


/*
 * Runs op in one transaction and commits it. On failure the transaction is
 * rolled back, so nothing of the op stays. On DB_EBUSY (SQLite declined to
 * wait, as it does during WAL recovery or a journal-mode change; or
 * PostgreSQL found a serialization failure or deadlock) the whole op is run
 * again, with a growing random pause, until the busy timeout is spent:
 * under heavy contention a writer keeps its turn for as long as the
 * timeout promises rather than giving up after a fixed count. When the
 * connection was lost before COMMIT was sent and could be made again, the
 * whole op is run once more. An op must therefore be safe to run again
 * from the start.
 */
int dbi_run(db *d, bool write, op_fn *op, void *arg, const char *doing)
{
	int64_t start = dbi_monotonic_ms();
	bool reconnected = false;
	int rc;

	for (int attempt = 1;; attempt++) {
		rc = d->be->begin(d, write, doing);
		if (rc == DB_OK) {
			rc = op(d, arg);
			if (rc == DB_OK)
				rc = d->be->commit(d, doing);
			if (rc != DB_OK)
				d->be->rollback(d);
		}
		if (rc != DB_OK && !reconnected && d->be->reconnected &&
		    d->be->reconnected(d)) {
			reconnected = true;
			d->msg[0] = '\0';
			continue;
		}
		/*
		 * Retry only while the busy timeout has not been spent: a
		 * lock held that long will not go away in the next moment.
		 */
		if (rc != DB_EBUSY ||
		    dbi_monotonic_ms() - start >= d->busy_ms) {
			if (rc != DB_OK)
				d->last_err = rc;
			return rc;
		}
		dbi_backoff(attempt);
	}
}

/* Reads a session's status, mode and code; DB_ENOTFOUND if none. */
static int state_get(db *d, int64_t id, struct state *st)
{
	int err = DB_OK;
	dbx_stmt *s = stmt(d, S_SESSION_STATE, &err);
	int rc;

	if (!s)
		return err;
	bind_int64(d, s, 1, id);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		snprintf(st->status, sizeof st->status, "%s", col_text(d, s, 0));
		snprintf(st->mode, sizeof st->mode, "%s", col_text(d, s, 1));
		snprintf(st->code, sizeof st->code, "%s", col_text(d, s, 2));
		st->signed_off = (int)col_int64(d, s, 3) != 0;
		err = DB_OK;
	} else if (rc == DBX_DONE) {
		set_msg(d, "no session with id %lld", (long long)id);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the session");
	}
	reset(d, s);
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
	dbx_stmt *s = stmt(d, S_AUDIT_INSERT, &err);
	char code[DB_CODE_SIZE];

	if (!s)
		return err;
	if (!mode)
		mode = d->mode[0] ? d->mode : st->mode;
	code_display(st->code, code);
	bind_int64(d, s, 1, id);
	bind_text(d, s, 2, code);
	bind_text(d, s, 3, event);
	bind_text(d, s, 4, mode);
	bind_int64(d, s, 5, now());
	bind_text(d, s, 6, detail);
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
	dbx_stmt *s = stmt(d, S_LEASE_GET, &err);

	*mine = true;
	memset(l, 0, sizeof *l);
	if (!s)
		return err;
	bind_int64(d, s, 1, session);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		const char *token = col_text(d, s, 0);

		*mine = token && strcmp(token, d->token) == 0;
		l->pid = col_int64(d, s, 1);
		snprintf(l->host, sizeof l->host, "%s",
			 col_text(d, s, 2) ? col_text(d, s, 2) : "");
		l->started_at = col_int64(d, s, 3);
		l->active_at = col_int64(d, s, 4);
		l->stale = lease_stale(l);
		err = *mine ? DB_OK : DB_EHELD;
	} else if (rc != DBX_DONE) {
		err = fail(d, rc, "read the session's lease");
	}
	reset(d, s);
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
		dbx_stmt *s = stmt(d, S_LEASE_TOUCH, &err);

		if (!s)
			return err;
		bind_int64(d, s, 1, session);
		bind_text(d, s, 2, d->token);
		bind_int64(d, s, 3, now());
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


/* A URI naming a PostgreSQL server rather than a file. */
static bool is_pg_uri(const char *where)
{
	return strncmp(where, "postgresql://", 13) == 0 ||
	       strncmp(where, "postgres://", 11) == 0;
}

db *db_open(const char *where, const struct db_options *opt, char **errmsg)
{
	db *d = NULL;
	unsigned char r[8];

	if (errmsg)
		*errmsg = NULL;
	if (!where || !*where) {
		if (errmsg)
			*errmsg = strdup("no session store given");
		return NULL;
	}
	d = calloc(1, sizeof *d);
	if (!d) {
		if (errmsg)
			*errmsg = strdup("cannot open the session store: out "
					 "of memory");
		return NULL;
	}
	d->be = is_pg_uri(where) ? &db_pg_backend : &db_sqlite_backend;
	d->read_only = opt && opt->read_only;
	d->busy_ms = opt && opt->busy_timeout_ms > 0
		? opt->busy_timeout_ms : DB_DEFAULT_BUSY_MS;
	/* Without random bytes, process and clock still tell handles
	 * apart. */
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r) {
		uint64_t x = (uint64_t)getpid() << 32 ^
			     (uint64_t)dbi_monotonic_ms() ^
			     (uint64_t)(uintptr_t)d;

		memcpy(r, &x, sizeof r);
	}
	for (int i = 0; i < 8; i++)
		snprintf(d->token + 2 * i, 3, "%02x", r[i]);
	if (d->be->open(d, where, opt) != DB_OK) {
		if (errmsg)
			*errmsg = strdup(d->msg[0] ? d->msg
				  : "cannot open the session store");
		db_close(d);
		return NULL;
	}
	return d;
}

db *db_open_with(const char *where, const struct db_options *opt,
		 char **errmsg)
{
	return db_open(where, opt, errmsg);
}

void db_close(db *d)
{
	if (!d)
		return;
	/* Best effort: a lease left behind is stale once we are gone. */
	if (d->conn && d->held)
		db_lease_release(d, d->held);
	for (int i = 0; i < S_COUNT; i++)
		if (d->stmt[i])
			d->be->finalize(d->stmt[i]);
	if (d->conn)
		d->be->close(d);
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
		dbx_stmt *s = stmt(d, S_SESSION_INSERT, &err);
		int rc;

		if (!s)
			goto out;
		if (code_generate(a->code) != 0) {
			set_msg(d, "cannot create a session: no random "
				   "numbers: %s", strerror(errno));
			err = DB_EIO;
			goto out;
		}
		bind_text(d, s, 1, a->code);
		bind_text(d, s, 2, a->s->mode);
		bind_int64(d, s, 3, t);
		bind_text(d, s, 4, a->s->rulebase_sha256);
		bind_text(d, s, 5, a->s->program_version);
		bind_text(d, s, 6, a->s->patient_label);
		bind_text(d, s, 7, a->s->clinician);
		rc = step(d, s);
		reset(d, s);
		if (rc != DBX_DONE) {
			err = fail(d, rc, "create a session");
			goto out;
		}
		/* The statement inserts nothing when the code is taken. */
		if (d->be->changes(d) > 0)
			break;
		if (tries == 16) {
			set_msg(d, "cannot create a session: no free reference "
				   "code found");
			err = DB_EIO;
			goto out;
		}
	}
	err = d->be->last_id(d, &a->id);
	if (err != DB_OK)
		goto out;
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
		err = dbi_run(d, true, op_session_create, &a, "create a session");
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
static int session_from_row(db *d, dbx_stmt *s, struct db_session *out)
{
	memset(out, 0, sizeof *out);
	out->id = col_int64(d, s, 0);
	code_display(col_text(d, s, 1), out->code);
	out->mode = xstrdup(col_text(d, s, 2));
	out->status = xstrdup(col_text(d, s, 3));
	out->started_at = col_int64(d, s, 4);
	out->updated_at = col_int64(d, s, 5);
	out->finished_at = col_int64(d, s, 6);
	out->rulebase_sha256 = xstrdup(col_text(d, s, 7));
	out->program_version = xstrdup(col_text(d, s, 8));
	out->patient_label = xstrdup(col_text(d, s, 9));
	out->clinician = xstrdup(col_text(d, s, 10));
	out->signed_off_by = xstrdup(col_text(d, s, 11));
	out->signed_off_at = col_int64(d, s, 12);
	out->level = xstrdup(col_text(d, s, 13));
	out->conclusions_json = xstrdup(col_text(d, s, 14));
	out->concluded_at = col_int64(d, s, 15);
	out->answer_count = (int)col_int64(d, s, 16);
	if (!out->mode || !out->status || !out->rulebase_sha256 ||
	    !out->program_version ||
	    (!col_null(d, s, 9) && !out->patient_label) ||
	    (!col_null(d, s, 10) && !out->clinician) ||
	    (!col_null(d, s, 11) && !out->signed_off_by) ||
	    (!col_null(d, s, 13) && !out->level) ||
	    (!col_null(d, s, 14) &&
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
	dbx_stmt *s = stmt(d, S_SESSION_BY_CODE, &err);
	char shown[DB_CODE_SIZE];

	if (!s)
		goto out;
	bind_text(d, s, 1, code);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		*id = col_int64(d, s, 0);
	} else if (rc == DBX_DONE) {
		code_display(code, shown);
		set_msg(d, "no session with reference code '%s'", shown);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "find the session");
	}
	reset(d, s);
out:
	return err;
}

static int op_session_get(db *d, void *arg)
{
	struct get_arg *a = arg;
	int err = DB_OK, rc;
	dbx_stmt *s;

	session_clear(a->out);   /* a retried op starts afresh */
	if (a->code)
		err = id_by_code(d, a->code, &a->id);
	if (err != DB_OK)
		goto out;
	s = stmt(d, S_SESSION_ROW, &err);
	if (!s)
		goto out;
	bind_int64(d, s, 1, a->id);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		err = session_from_row(d, s, a->out);
	} else if (rc == DBX_DONE) {
		set_msg(d, "no session with id %lld", (long long)a->id);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the session");
	}
	reset(d, s);
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
	err = dbi_run(d, false, op_session_get, a, "read the session");
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
	dbx_stmt *s = stmt(d, S_SESSION_NEXT, &err);

	session_clear(a->out);   /* a retried op starts afresh */
	if (!s)
		return err;
	bind_int64(d, s, 1, a->after);
	bind_text(d, s, 2, a->status);
	bind_int64(d, s, 3, a->since);
	rc = step(d, s);
	if (rc == DBX_ROW)
		err = session_from_row(d, s, a->out);
	else if (rc == DBX_DONE)
		err = DB_ENOTFOUND;
	else
		err = fail(d, rc, "list the sessions");
	reset(d, s);
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
	err = dbi_run(d, false, op_session_next, &a, "list the sessions");
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
	dbx_stmt *s = stmt(d, S_SESSION_LIST, &err);
	int rc;

	list_clear(a);
	if (!s)
		return err;
	bind_text(d, s, 1, a->status);
	bind_int64(d, s, 2, a->since);
	while ((rc = step(d, s)) == DBX_ROW) {
		err = grow(d, &a->rows, &a->cap, a->n, sizeof *a->rows);
		if (err != DB_OK)
			goto out_reset;
		err = session_from_row(d, s, &a->rows[a->n]);
		a->n++;
		if (err != DB_OK)
			goto out_reset;
	}
	if (rc != DBX_DONE)
		err = fail(d, rc, "list the sessions");
out_reset:
	reset(d, s);
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
		err = dbi_run(d, false, op_session_list, &a, "list the sessions");
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
	dbx_stmt *s = stmt(d, S_ANSWER_GET, &err);
	int rc;

	*had = *same = false;
	if (!s)
		goto out;
	bind_int64(d, s, 1, a->session);
	bind_text(d, s, 2, a->question);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		*had = true;
		*same = strcmp(col_text(d, s, 0), a->value) == 0;
	} else if (rc != DBX_DONE) {
		err = fail(d, rc, "save the answer");
	}
	reset(d, s);
out:
	return err;
}

/* Runs S_ANSWER_INSERT/_UPDATE/_DELETE or S_REVISION_INSERT for a. */
static int answer_write(db *d, enum stmt_id id, const struct answer_arg *a,
			int64_t t)
{
	int err = DB_OK;
	dbx_stmt *s = stmt(d, id, &err);

	if (!s)
		goto out;
	bind_int64(d, s, 1, a->session);
	bind_text(d, s, 2, a->question);
	if (id != S_ANSWER_DELETE) {
		bind_text(d, s, 3, a->value);
		bind_int64(d, s, 4, t);
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
		err = dbi_run(d, true, op_answer_put, &a, "save the answer");
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
	if (err != DB_OK || d->be->changes(d) == 0)
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
		err = dbi_run(d, true, op_answer_remove, &a, "withdraw the answer");
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
	dbx_stmt *s;
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
	bind_int64(d, s, 1, a->session);
	while ((rc = step(d, s)) == DBX_ROW) {
		struct row *r;
		int cols = col_count(d, s);

		err = grow(d, &a->rows, &a->cap, a->n, sizeof *a->rows);
		if (err != DB_OK)
			goto out_reset;
		r = &a->rows[a->n++];
		memset(r, 0, sizeof *r);
		for (int c = 0; c < cols && c < MAX_COLS; c++) {
			r->num[c] = col_int64(d, s, c);
			if (col_null(d, s, c))
				continue;
			r->text[c] = xstrdup(col_text(d, s, c));
			if (!r->text[c]) {
				set_msg(d, "cannot read the session store: "
					   "out of memory");
				err = DB_ENOMEM;
				goto out_reset;
			}
		}
	}
	if (rc != DBX_DONE)
		err = fail(d, rc, "read the session store");
out_reset:
	reset(d, s);
	return err;
}

static int load_rows(db *d, struct rows_arg *a, const char *doing)
{
	return dbi_run(d, false, op_rows, a, doing);
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
	dbx_stmt *s = stmt(d, id, &err);

	if (!s)
		goto out;
	bind_int64(d, s, 1, session);
	if (d->be->param_count(s) >= 3) {
		bind_text(d, s, 2, text);
		bind_int64(d, s, 3, now());
	}
	err = exec_done(d, s, doing);
out:
	return err;
}

static int json_check(db *d, const char *json)
{
	int err = DB_OK, rc;
	dbx_stmt *s = stmt(d, S_JSON_VALID, &err);

	if (!s)
		goto out;
	bind_text(d, s, 1, json);
	rc = step(d, s);
	if (rc != DBX_ROW)
		err = fail(d, rc, "finish the session");
	else if (!(int)col_int64(d, s, 0))
		err = invalid(d, "the conclusions are not well-formed JSON");
	reset(d, s);
out:
	return err;
}

static int conclusion_insert(db *d, const struct finish_arg *a)
{
	int err = DB_OK;
	dbx_stmt *s = stmt(d, S_CONCLUSION_INSERT, &err);

	if (!s)
		goto out;
	bind_int64(d, s, 1, a->session);
	bind_text(d, s, 2, a->status);
	bind_text(d, s, 3, a->level);
	bind_text(d, s, 4, a->json);
	bind_int64(d, s, 5, now());
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
		err = dbi_run(d, true, op_session_finish, &a, "finish the session");
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
		err = dbi_run(d, true, op_session_resume, &a, "resume the session");
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
		err = dbi_run(d, true, op_session_signoff, &a,
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
	err = dbi_run(d, true, op_session_delete, &a, "delete the session");
	if (err == DB_OK && d->be->after_delete)
		d->be->after_delete(d);
out:
	return err;
}

/* ---- notes and audit -------------------------------------------------- */

struct note_arg {
	int64_t session;
	const char *author;
	const char *text;
};

/* A note or an addendum row (they share a shape), and its audit event. */
static int note_row_insert(db *d, const struct note_arg *a,
			   const struct state *st, enum stmt_id id,
			   const char *doing, const char *event)
{
	int err;
	dbx_stmt *s = stmt(d, id, &err);

	if (!s)
		return err;
	bind_int64(d, s, 1, a->session);
	bind_text(d, s, 2, a->author);
	bind_text(d, s, 3, a->text);
	bind_int64(d, s, 4, now());
	err = exec_done(d, s, doing);
	if (err == DB_OK)
		err = audit_insert(d, a->session, st, event, NULL, NULL);
	return err;
}

static int op_note_add(db *d, void *arg)
{
	struct note_arg *a = arg;
	struct state st;
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
	err = note_row_insert(d, a, &st, S_NOTE_INSERT, "save the note",
			      "note_added");
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
		err = dbi_run(d, true, op_note_add, &a, "save the note");
out:
	return err;
}

/* Notes and addenda have one shape: id, time, author, text. */
static int note_rows_load(db *d, int64_t session, enum stmt_id stmt,
			  const char *doing, db_note_cb *cb, void *ctx)
{
	struct rows_arg a = { session, stmt, true, NULL, 0, 0 };
	int err;

	err = begin_call(d);
	if (err == DB_OK && !cb)
		err = DB_EINVAL;
	if (err == DB_OK)
		err = load_rows(d, &a, doing);
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

int db_notes_load(db *d, int64_t session, db_note_cb *cb, void *ctx)
{
	return note_rows_load(d, session, S_NOTES, "load the notes", cb, ctx);
}

static int op_addendum_add(db *d, void *arg)
{
	struct note_arg *a = arg;
	struct state st;
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
	err = note_row_insert(d, a, &st, S_ADDENDUM_INSERT, "save the addendum",
			      "addendum_added");
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
		err = dbi_run(d, true, op_addendum_add, &a, "save the addendum");
out:
	return err;
}

int db_addenda_load(db *d, int64_t session, db_note_cb *cb, void *ctx)
{
	return note_rows_load(d, session, S_ADDENDA, "load the addenda", cb, ctx);
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
	dbx_stmt *s;
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
	bind_int64(d, s, 1, a->session);
	bind_text(d, s, 2, d->token);
	bind_int64(d, s, 3, (int64_t)getpid());
	bind_text(d, s, 4, host);
	bind_int64(d, s, 5, mine && l.pid ? l.started_at : now());
	bind_int64(d, s, 6, now());
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
	err = dbi_run(d, true, op_lease_take, &a, "take the session's lease");
	if (err == DB_OK)
		d->held = session;
	return err;
}

static int op_lease_release(db *d, void *arg)
{
	int64_t *session = arg;
	int err = DB_OK;
	dbx_stmt *s = stmt(d, S_LEASE_DELETE, &err);

	if (!s)
		return err;
	bind_int64(d, s, 1, *session);
	bind_text(d, s, 2, d->token);
	return exec_done(d, s, "release the session's lease");
}

int db_lease_release(db *d, int64_t session)
{
	int err = begin_call(d);

	if (err == DB_OK && d->held == session && session) {
		err = dbi_run(d, true, op_lease_release, &session,
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
		err = dbi_run(d, true, op_audit_add, &a, "record the audit trail");
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
	dbx_stmt *s = stmt(d, S_SETTING_PUT, &err);

	if (!s)
		return err;
	bind_text(d, s, 1, a->key);
	bind_text(d, s, 2, a->value);
	bind_int64(d, s, 3, now());
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
	return dbi_run(d, true, op_setting_put, &a, "save the setting");
}

static int op_setting_get(db *d, void *arg)
{
	struct setting_arg *a = arg;
	int err = DB_OK;
	dbx_stmt *s = stmt(d, S_SETTING_GET, &err);
	int rc;

	free(a->out);
	a->out = NULL;
	if (!s)
		return err;
	bind_text(d, s, 1, a->key);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		if (!(a->out = xstrdup(col_text(d, s, 0)))) {
			set_msg(d, "cannot read the setting: out of memory");
			err = DB_ENOMEM;
		}
	} else if (rc == DBX_DONE) {
		set_msg(d, "the setting '%s' is not set", a->key);
		err = DB_ENOTFOUND;
	} else {
		err = fail(d, rc, "read the setting");
	}
	reset(d, s);
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
	err = dbi_run(d, false, op_setting_get, &a, "read the setting");
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
	dbx_stmt *s = stmt(d, S_KIOSK_EVENT_INSERT, &err);

	if (!s)
		return err;
	bind_text(d, s, 1, a->event);
	bind_int64(d, s, 2, now());
	if (a->session > 0)
		bind_int64(d, s, 3, a->session);
	else
		bind_text(d, s, 3, NULL);
	bind_text(d, s, 4, a->detail);
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
	return dbi_run(d, true, op_kiosk_event_add, &a, "record the kiosk trail");
}

static int op_kiosk_failures(db *d, void *arg)
{
	struct kiosk_arg *a = arg;
	int err = DB_OK;
	dbx_stmt *s = stmt(d, S_KIOSK_FAILURES, &err);
	int rc;

	if (!s)
		return err;
	rc = step(d, s);
	if (rc == DBX_ROW) {
		a->count = (int)col_int64(d, s, 0);
		a->last = col_int64(d, s, 1);
	} else {
		err = fail(d, rc, "read the kiosk trail");
	}
	reset(d, s);
	return err;
}

int db_kiosk_failures(db *d, int *count, int64_t *last_at)
{
	struct kiosk_arg a = { 0 };
	int err = begin_call(d);

	if (err != DB_OK || !count || !last_at)
		return DB_EINVAL;
	err = dbi_run(d, false, op_kiosk_failures, &a, "read the kiosk trail");
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


int db_check(db *d)
{
	int err = begin_call(d);

	if (err == DB_OK)
		err = dbi_run(d, false, d->be->check, NULL,
			  "check the session store");
	return err;
}

/* ---- whole sessions in one transaction -------------------------------- */

struct save_arg {
	const struct db_session_record *r;
	int64_t id;
	char code[CODE_LEN + 1];
};

/* The session stored under external id x: DB_EEXIST with a->id and a->code
 * set, DB_OK when there is none. */
static int external_find(db *d, struct save_arg *a, const char *x)
{
	int err = DB_OK, rc;
	dbx_stmt *s = stmt(d, S_EXTERNAL_FIND, &err);

	if (!s)
		return err;
	bind_text(d, s, 1, x);
	rc = step(d, s);
	if (rc == DBX_ROW) {
		a->id = col_int64(d, s, 0);
		snprintf(a->code, sizeof a->code, "%s", col_text(d, s, 1));
		err = DB_EEXIST;
	} else if (rc != DBX_DONE) {
		err = fail(d, rc, "save the session");
	}
	reset(d, s);
	return err;
}

static int op_session_save(db *d, void *arg)
{
	struct save_arg *a = arg;
	const struct db_session_record *r = a->r;
	struct create_arg c = { .s = &r->session };
	dbx_stmt *s;
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
		s = stmt(d, S_EXTERNAL_SET, &err);
		if (s) {
			bind_text(d, s, 1, r->external_id);
			bind_int64(d, s, 2, c.id);
			err = exec_done(d, s, "save the session");
		}
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
		err = dbi_run(d, true, op_session_save, &a, "save the session");
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

/* ---- moving a store --------------------------------------------------- */

struct copy_arg {
	db *from;
	struct db_copy_counts src;
};

/* The row counts of d, in the transaction running on it. */
static int counts_get(db *d, struct db_copy_counts *c)
{
	int err = DB_OK, rc;
	dbx_stmt *s = stmt(d, S_COPY_COUNTS, &err);

	if (!s)
		return err;
	rc = step(d, s);
	if (rc == DBX_ROW) {
		c->sessions = col_int64(d, s, 0);
		c->answers = col_int64(d, s, 1);
		c->revisions = col_int64(d, s, 2);
		c->conclusions = col_int64(d, s, 3);
		c->notes = col_int64(d, s, 4);
		c->addenda = col_int64(d, s, 5);
		c->audit = col_int64(d, s, 6);
		c->settings = col_int64(d, s, 7);
		c->kiosk_events = col_int64(d, s, 8);
	} else {
		err = fail(d, rc, "count the session store's rows");
	}
	reset(d, s);
	return err;
}

static int op_counts(db *d, void *arg)
{
	return counts_get(d, arg);
}

/*
 * Copies the rows of one statement of `from` into `to` through put, the
 * first ncols columns as they are (text or null: each backend turns text
 * into the column's type). With signoff, only signed-off sessions, as
 * (signed_off_by, signed_off_at, id).
 */
static int copy_rows(db *from, db *to, enum stmt_id get, enum stmt_id put,
		     int ncols, bool signoff)
{
	int err = DB_OK, rc;
	dbx_stmt *g = stmt(from, get, &err), *p;

	if (!g)
		return err == DB_OK ? DB_EIO : err;
	while ((rc = step(from, g)) == DBX_ROW) {
		if (signoff && col_null(from, g, 12))
			continue;
		p = stmt(to, put, &err);
		if (!p)
			break;
		if (signoff) {
			bind_text(to, p, 1, col_text(from, g, 12));
			bind_text(to, p, 2, col_text(from, g, 13));
			bind_text(to, p, 3, col_text(from, g, 0));
		} else {
			for (int c = 0; c < ncols; c++)
				bind_text(to, p, c + 1, col_null(from, g, c)
					  ? NULL : col_text(from, g, c));
		}
		err = exec_done(to, p, "copy the session store");
		if (err != DB_OK)
			break;
	}
	if (err == DB_OK && rc != DBX_DONE) {
		err = fail(from, rc, "read the session store to copy");
		snprintf(to->msg, sizeof to->msg, "%s", from->msg);
	}
	reset(from, g);
	return err;
}

static int op_copy(db *to, void *arg)
{
	struct copy_arg *a = arg;
	db *from = a->from;
	struct db_copy_counts there = { 0 };
	static const struct {
		enum stmt_id get, put;
		int ncols;
		bool signoff;
	} steps[] = {
		{ S_COPY_SESSIONS, S_COPY_SESSION_PUT, 12, false },
		{ S_COPY_ANSWERS, S_COPY_ANSWER_PUT, 5, false },
		{ S_COPY_REVISIONS, S_COPY_REVISION_PUT, 5, false },
		{ S_COPY_CONCLUSIONS, S_COPY_CONCLUSION_PUT, 6, false },
		{ S_COPY_NOTES, S_COPY_NOTE_PUT, 5, false },
		/* signed off once its record is whole; then the addenda */
		{ S_COPY_SESSIONS, S_COPY_SIGNOFF_PUT, 3, true },
		{ S_COPY_ADDENDA, S_COPY_ADDENDUM_PUT, 5, false },
		{ S_COPY_AUDIT, S_COPY_AUDIT_PUT, 7, false },
		{ S_COPY_SETTINGS, S_COPY_SETTING_PUT, 3, false },
		{ S_COPY_KIOSK_EVENTS, S_COPY_KIOSK_EVENT_PUT, 5, false },
	};
	int err = counts_get(to, &there);

	if (err != DB_OK)
		return err;
	if (there.sessions || there.audit || there.settings ||
	    there.kiosk_events) {
		set_msg(to, "the session store '%s' already holds sessions, "
			    "an audit trail or kiosk settings; a store is copied "
			    "only into an empty one", to->path);
		return DB_EEXIST;
	}
	err = from->be->begin(from, false, "read the session store to copy");
	if (err != DB_OK) {
		snprintf(to->msg, sizeof to->msg, "%s", from->msg);
		return err;
	}
	err = counts_get(from, &a->src);
	for (size_t i = 0; err == DB_OK && i < sizeof steps / sizeof *steps;
	     i++)
		err = copy_rows(from, to, steps[i].get, steps[i].put,
				steps[i].ncols, steps[i].signoff);
	from->be->rollback(from);
	if (err == DB_OK)
		err = to->be->after_copy(to);
	return err;
}

int db_copy(db *from, db *to, struct db_copy_counts *copied)
{
	struct copy_arg a = { .from = from };
	struct db_copy_counts src = { 0 }, dst = { 0 };
	int err = begin_call(to);

	if (err != DB_OK)
		return err;
	if (begin_call(from) != DB_OK || from == to ||
	    (strcmp(from->path, ":memory:") != 0 &&
	     strcmp(from->path, to->path) == 0))
		return invalid(to, "copy needs two different stores");
	err = dbi_run(to, true, op_copy, &a, "copy the session store");
	if (err != DB_OK)
		return err;
	err = dbi_run(from, false, op_counts, &src,
		      "count the session store's rows");
	if (err == DB_OK)
		err = dbi_run(to, false, op_counts, &dst,
			      "count the session store's rows");
	if (err != DB_OK) {
		if (to->msg[0] == '\0')
			snprintf(to->msg, sizeof to->msg, "%s", from->msg);
		return err;
	}
	if (copied)
		*copied = dst;
	if (memcmp(&src, &dst, sizeof src) != 0 ||
	    memcmp(&a.src, &dst, sizeof dst) != 0) {
		set_msg(to, "the copy in '%s' does not hold as many rows as "
			    "'%s' (sessions %lld and %lld, audit rows %lld and "
			    "%lld)", to->path, from->path,
			(long long)dst.sessions, (long long)src.sessions,
			(long long)dst.audit, (long long)src.audit);
		to->last_err = DB_ECORRUPT;
		return DB_ECORRUPT;
	}
	return DB_OK;
}
