/*
 * pg.c — the PostgreSQL backend of the session store, through libpq: one
 * database shared by every machine of a clinic. The only code that
 * includes <libpq-fe.h>.
 *
 * The URI is handed to libpq whole, so everything libpq reads besides it
 * holds: PGPASSFILE (~/.pgpass), PGSSLMODE and sslmode=, PGSERVICE, and
 * the other PG* variables. The password is never shown: db_path() and every
 * message name the URI without it, and libpq's own messages have it
 * masked.
 *
 * Writes are SERIALIZABLE transactions; a serialization failure or a
 * deadlock is DB_EBUSY, which the front retries as a whole. A connection
 * lost before COMMIT was sent is made again and the transaction run once
 * more; one lost while COMMIT was on its way is reported (it may or may not
 * have been committed), never retried. Migrations run under an advisory
 * lock in a READ COMMITTED transaction and are versioned in
 * msktriage_schema.
 */
#define _GNU_SOURCE
#include "db/backend.h"
#include "db/schema.h"

#include <libpq-fe.h>

#include <dlfcn.h>
#include <pthread.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * libpq is loaded when a postgresql:// store is first opened, not at
 * start-up: a program that uses a SQLite store never maps it (nor the TLS,
 * Kerberos and LDAP libraries it pulls in), so its memory footprint and its
 * start under an address-space limit stay as they were.
 */
static struct {
	__typeof__(PQconnectdb) *PQconnectdb;
	__typeof__(PQstatus) *PQstatus;
	__typeof__(PQerrorMessage) *PQerrorMessage;
	__typeof__(PQfinish) *PQfinish;
	__typeof__(PQreset) *PQreset;
	__typeof__(PQexec) *PQexec;
	__typeof__(PQprepare) *PQprepare;
	__typeof__(PQexecPrepared) *PQexecPrepared;
	__typeof__(PQresultStatus) *PQresultStatus;
	__typeof__(PQresultErrorField) *PQresultErrorField;
	__typeof__(PQclear) *PQclear;
	__typeof__(PQcmdTuples) *PQcmdTuples;
	__typeof__(PQntuples) *PQntuples;
	__typeof__(PQnfields) *PQnfields;
	__typeof__(PQgetvalue) *PQgetvalue;
	__typeof__(PQgetisnull) *PQgetisnull;
	__typeof__(PQtransactionStatus) *PQtransactionStatus;
	__typeof__(PQsetNoticeProcessor) *PQsetNoticeProcessor;
} pq;

static const char *const pq_names[] = {
	"PQconnectdb",
	"PQstatus",
	"PQerrorMessage",
	"PQfinish",
	"PQreset",
	"PQexec",
	"PQprepare",
	"PQexecPrepared",
	"PQresultStatus",
	"PQresultErrorField",
	"PQclear",
	"PQcmdTuples",
	"PQntuples",
	"PQnfields",
	"PQgetvalue",
	"PQgetisnull",
	"PQtransactionStatus",
	"PQsetNoticeProcessor"
};

_Static_assert(sizeof pq == sizeof pq_names / sizeof pq_names[0]
	       * sizeof(void (*)(void)), "one name per libpq function");

static pthread_once_t pq_once = PTHREAD_ONCE_INIT;
static char pq_why[160];   /* why libpq could not be loaded; "" if it was */

static void pq_load_once(void)
{
	void *h = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		snprintf(pq_why, sizeof pq_why, "the PostgreSQL client "
			 "library libpq.so.5 is not installed (Debian: libpq5)");
		return;
	}
	for (size_t i = 0; i < sizeof pq_names / sizeof pq_names[0]; i++) {
		void *f = dlsym(h, pq_names[i]);

		if (!f) {
			snprintf(pq_why, sizeof pq_why, "libpq.so.5 lacks %s",
				 pq_names[i]);
			dlclose(h);
			return;
		}
		memcpy((char *)&pq + i * sizeof f, &f, sizeof f);
	}
}

/* Loads libpq once (from any thread); false with a message in why when it
 * cannot. */
static bool pq_load(char *why, size_t n)
{
	pthread_once(&pq_once, pq_load_once);
	if (pq_why[0])
		snprintf(why, n, "%s", pq_why);
	return pq_why[0] == '\0';
}

#define PQconnectdb pq.PQconnectdb
#define PQstatus pq.PQstatus
#define PQerrorMessage pq.PQerrorMessage
#define PQfinish pq.PQfinish
#define PQreset pq.PQreset
#define PQexec pq.PQexec
#define PQprepare pq.PQprepare
#define PQexecPrepared pq.PQexecPrepared
#define PQresultStatus pq.PQresultStatus
#define PQresultErrorField pq.PQresultErrorField
#define PQclear pq.PQclear
#define PQcmdTuples pq.PQcmdTuples
#define PQntuples pq.PQntuples
#define PQnfields pq.PQnfields
#define PQgetvalue pq.PQgetvalue
#define PQgetisnull pq.PQgetisnull
#define PQtransactionStatus pq.PQtransactionStatus
#define PQsetNoticeProcessor pq.PQsetNoticeProcessor

#define set_msg dbi_set_msg
#define MAX_PARAMS 16
#define PG_FAIL 1        /* a step's error; the SQLSTATE is on the conn */
#define PG_LOST 2        /* the connection is gone */

struct conn {
	PGconn *pc;
	char *uri;            /* as given, with any password */
	char *secret;         /* the password as it appears in uri, or NULL */
	unsigned gen;         /* bumped when the connection is made again */
	int64_t changes;
	char sqlstate[6];
	char primary[200];    /* a message raised by the schema's triggers */
	bool lost;            /* lost during the current transaction */
	bool commit_sent;
	int next_name;
};

struct dbx_stmt {
	db *d;
	const char *sql;      /* with $n parameters */
	char name[16];
	unsigned gen;         /* connection generation it was prepared in */
	bool prepared;
	int nparams;
	const char *vals[MAX_PARAMS];
	char num[MAX_PARAMS][24];
	PGresult *res;
	int row;              /* the current row, -1 before the first */
	int nrows;
};

#define C(d) ((struct conn *)(d)->conn)

#define SESSION_COLUMNS \
	"SELECT s.id, s.code, s.mode, s.status, s.started_at, s.updated_at," \
	" s.finished_at, s.rulebase_sha256, s.program_version," \
	" s.patient_label, s.clinician, s.signed_off_by, s.signed_off_at," \
	" c.level, c.body, c.at," \
	" (SELECT count(*) FROM answer a WHERE a.session_id = s.id)" \
	" FROM session s LEFT JOIN conclusion c ON c.id =" \
	" (SELECT max(id) FROM conclusion WHERE session_id = s.id) "

static const char *const pg_sql[S_COUNT] = {
	[S_SESSION_STATE] =
		"SELECT status, mode, code, signed_off_by IS NOT NULL"
		" FROM session WHERE id = $1",
	[S_SESSION_INSERT] =
		"INSERT INTO session (code, mode, started_at, updated_at,"
		" rulebase_sha256, program_version, patient_label, clinician)"
		" VALUES ($1, $2, $3, $3, $4, $5, $6, $7)"
		" ON CONFLICT (code) DO NOTHING",
	[S_SESSION_ROW] = SESSION_COLUMNS "WHERE s.id = $1",
	[S_SESSION_LIST] = SESSION_COLUMNS
		"WHERE ($1::text IS NULL OR s.status = $1::text)"
		" AND s.started_at >= $2"
		" ORDER BY s.started_at DESC, s.id DESC",
	[S_SESSION_BY_CODE] = "SELECT id FROM session WHERE code = $1",
	[S_SESSION_TOUCH] =
		"UPDATE session SET updated_at = $3 WHERE id = $1"
		" AND ($2::text IS NULL OR true)",
	[S_SESSION_FINISH] =
		"UPDATE session SET status = $2, finished_at = $3,"
		" updated_at = $3 WHERE id = $1",
	[S_SESSION_RESUME] =   /* $2 unused: the shape of session_write() */
		"UPDATE session SET status = 'in_progress', finished_at = NULL,"
		" updated_at = $3 WHERE id = $1 AND ($2::text IS NULL OR true)",
	[S_SESSION_SIGNOFF] =
		"UPDATE session SET signed_off_by = $2, signed_off_at = $3,"
		" updated_at = $3 WHERE id = $1",
	[S_SESSION_DELETE] = "DELETE FROM session WHERE id = $1",
	[S_ANSWER_GET] =
		"SELECT value FROM answer WHERE session_id = $1"
		" AND question = $2",
	[S_ANSWER_INSERT] =
		"INSERT INTO answer (session_id, question, value, seq,"
		" answered_at) VALUES ($1, $2, $3, (SELECT coalesce(max(seq), 0)"
		" + 1 FROM answer WHERE session_id = $1), $4)",
	[S_ANSWER_UPDATE] =
		"UPDATE answer SET value = $3, answered_at = $4"
		" WHERE session_id = $1 AND question = $2",
	[S_ANSWER_DELETE] =
		"DELETE FROM answer WHERE session_id = $1 AND question = $2",
	[S_ANSWERS] =
		"SELECT question, value FROM answer WHERE session_id = $1"
		" ORDER BY seq",
	[S_REVISION_INSERT] =
		"INSERT INTO answer_revision (session_id, question, value, at)"
		" VALUES ($1, $2, $3, $4)",
	[S_REVISIONS] =
		"SELECT id, question, value, at FROM answer_revision"
		" WHERE session_id = $1 ORDER BY id",
	[S_CONCLUSION_INSERT] =
		"INSERT INTO conclusion (session_id, status, level, body, at)"
		" VALUES ($1, $2, $3, $4, $5)",
	[S_JSON_VALID] = "SELECT msk_json_valid($1)",
	[S_NOTE_INSERT] =
		"INSERT INTO note (session_id, author, text, at)"
		" VALUES ($1, $2, $3, $4)",
	[S_NOTES] =
		"SELECT id, at, author, text FROM note WHERE session_id = $1"
		" ORDER BY id",
	[S_AUDIT_INSERT] =
		"INSERT INTO audit (session_id, code, event, mode, at, detail)"
		" VALUES ($1, $2, $3, $4, $5, $6)",
	[S_AUDIT_LOAD] =
		"SELECT id, session_id, code, event, mode, at, detail FROM audit"
		" WHERE $1::bigint = 0 OR session_id = $1::bigint ORDER BY id",
	[S_SETTING_GET] = "SELECT value FROM setting WHERE key = $1",
	[S_SETTING_PUT] =
		"INSERT INTO setting (key, value, updated_at) VALUES ($1, $2, $3)"
		" ON CONFLICT (key) DO UPDATE SET value = excluded.value,"
		" updated_at = excluded.updated_at",
	[S_KIOSK_EVENT_INSERT] =
		"INSERT INTO kiosk_event (event, at, session_id, detail)"
		" VALUES ($1, $2, $3, $4)",
	[S_KIOSK_FAILURES] =
		"SELECT count(*), coalesce(max(at), 0) FROM kiosk_event"
		" WHERE event = 'pin_refused' AND id > (SELECT coalesce(max(id), 0)"
		" FROM kiosk_event WHERE event IN ('pin_accepted', 'pin_set'))",
	[S_KIOSK_EVENTS] =
		"SELECT id, session_id, event, at, detail FROM kiosk_event"
		" WHERE $1::bigint = 0 OR session_id = $1::bigint ORDER BY id",
	[S_LEASE_GET] =
		"SELECT token, pid, host, started_at, active_at FROM lease"
		" WHERE session_id = $1",
	[S_LEASE_PUT] =
		"INSERT INTO lease (session_id, token, pid, host,"
		" started_at, active_at) VALUES ($1, $2, $3, $4, $5, $6)"
		" ON CONFLICT (session_id) DO UPDATE SET token = EXCLUDED.token,"
		" pid = EXCLUDED.pid, host = EXCLUDED.host,"
		" started_at = EXCLUDED.started_at,"
		" active_at = EXCLUDED.active_at",
	[S_LEASE_TOUCH] =
		"UPDATE lease SET active_at = $3 WHERE session_id = $1"
		" AND token = $2",
	[S_LEASE_DELETE] =
		"DELETE FROM lease WHERE session_id = $1 AND token = $2",
	[S_ADDENDUM_INSERT] =
		"INSERT INTO addendum (session_id, author, text, at)"
		" VALUES ($1, $2, $3, $4)",
	[S_ADDENDA] =
		"SELECT id, at, author, text FROM addendum WHERE session_id = $1"
		" ORDER BY id",
	[S_SESSION_NEXT] = SESSION_COLUMNS
		"WHERE s.id > $1 AND ($2::text IS NULL OR s.status = $2::text)"
		" AND s.started_at >= $3 ORDER BY s.id LIMIT 1",
	[S_EXTERNAL_FIND] =
		"SELECT id, code FROM session WHERE external_id = $1",
	[S_EXTERNAL_SET] =
		"UPDATE session SET external_id = $1 WHERE id = $2",
	DB_COPY_SQL
};

/* ---- secrets ---------------------------------------------------------- */

/*
 * The password of a postgresql:// URI, as written in it (userinfo after
 * the first ':' or a password= parameter); NULL when there is none.
 */
static char *uri_password(const char *uri)
{
	const char *auth = strstr(uri, "://");
	const char *end, *at = NULL, *colon, *q;

	if (!auth)
		return NULL;
	auth += 3;
	end = auth + strcspn(auth, "/?");
	for (const char *p = auth; p < end; p++)
		if (*p == '@')
			at = p;
	if (at) {
		colon = memchr(auth, ':', (size_t)(at - auth));
		if (colon && at > colon + 1)
			return strndup(colon + 1, (size_t)(at - colon - 1));
	}
	for (q = strchr(uri, '?'); q; q = strchr(q + 1, '&')) {
		if (strncmp(q + 1, "password=", 9) == 0) {
			const char *v = q + 10;
			size_t n = strcspn(v, "&");

			return n ? strndup(v, n) : NULL;
		}
	}
	return NULL;
}

/* Copies src into dst (size n) with every occurrence of secret masked. */
static void mask(char *dst, size_t n, const char *src, const char *secret)
{
	size_t k = secret ? strlen(secret) : 0, o = 0;

	while (*src && o + 1 < n) {
		if (k && strncmp(src, secret, k) == 0) {
			for (const char *m = "***"; *m && o + 1 < n; m++)
				dst[o++] = *m;
			src += k;
		} else {
			dst[o++] = *src++;
		}
	}
	dst[o] = '\0';
}

/* The URI as it may be shown: the password masked, no trailing newline. */
static char *uri_shown(const char *uri, const char *secret)
{
	size_t n = strlen(uri) + 4;
	char *s = malloc(n);

	if (s)
		mask(s, n, uri, secret);
	return s;
}

/* ---- errors ----------------------------------------------------------- */

static void note_error(db *d, const PGresult *r)
{
	struct conn *c = C(d);
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	const char *pm = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
			   : NULL;

	snprintf(c->sqlstate, sizeof c->sqlstate, "%s", st ? st : "");
	c->primary[0] = '\0';
	/* Only the schema's own RAISE texts are repeated: others can quote
	 * values. */
	if (pm && strcmp(c->sqlstate, "P0001") == 0)
		snprintf(c->primary, sizeof c->primary, "%s", pm);
	if (PQstatus(c->pc) == CONNECTION_BAD) {
		c->lost = true;
		snprintf(c->sqlstate, sizeof c->sqlstate, "08006");
	}
}

static int fail(db *d, int rc, const char *doing)
{
	struct conn *c = C(d);
	const char *st = c->sqlstate;

	(void)rc;
	if (c->lost || strncmp(st, "08", 2) == 0) {
		if (c->commit_sent) {
			set_msg(d, "cannot %s: the connection to the session "
				   "store '%s' was lost while committing; the "
				   "change may or may not have been saved",
				doing, d->path);
			return DB_EIO;
		}
		set_msg(d, "cannot %s: the connection to the session store "
			   "'%s' was lost", doing, d->path);
		return DB_EIO;
	}
	if (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0 ||
	    strcmp(st, "55P03") == 0) {
		set_msg(d, "cannot %s: the session store '%s' is busy with "
			   "other changes; try again", doing, d->path);
		return DB_EBUSY;
	}
	if (strcmp(st, "25006") == 0 || strcmp(st, "42501") == 0) {
		set_msg(d, "cannot %s: the session store '%s' is read-only "
			   "for this connection", doing, d->path);
		return DB_EREADONLY;
	}
	if (strncmp(st, "53", 2) == 0) {
		set_msg(d, "cannot %s: the session store '%s' is full "
			   "(the database server is out of space or memory)",
			doing, d->path);
		return DB_EFULL;
	}
	if (strcmp(st, "P0001") == 0) {
		set_msg(d, "cannot %s: the session store refused it (%s)",
			doing, c->primary);
		return DB_EINVAL;
	}
	if (strncmp(st, "23", 2) == 0) {
		set_msg(d, "cannot %s: the session store refused it "
			   "(constraint failed)", doing);
		return DB_EINVAL;
	}
	if (strcmp(st, "42P01") == 0 || strcmp(st, "42703") == 0) {
		set_msg(d, "cannot %s: '%s' is not a msktriage session store "
			   "of this version", doing, d->path);
		return DB_ECORRUPT;
	}
	set_msg(d, "cannot %s: the session store '%s' failed (SQLSTATE %s)",
		doing, d->path, st[0] ? st : "unknown");
	return DB_EIO;
}

/* ---- statements ------------------------------------------------------- */

/* "?1".."?9" of the neutral dialect are already "$1".. in pg_sql. */
static int count_params(const char *sql)
{
	int n = 0;

	for (const char *p = sql; (p = strchr(p, '$')); p++) {
		int v = atoi(p + 1);

		if (v > n)
			n = v;
	}
	return n;
}

static dbx_stmt *pg_prepare(db *d, enum stmt_id id, int *err)
{
	dbx_stmt *s = calloc(1, sizeof *s);

	if (!s) {
		set_msg(d, "cannot read the session store: out of memory");
		*err = DB_ENOMEM;
		return NULL;
	}
	s->d = d;
	s->sql = pg_sql[id];
	s->nparams = count_params(s->sql);
	s->row = -1;
	snprintf(s->name, sizeof s->name, "msk%d", C(d)->next_name++);
	return s;
}

static void pg_reset(dbx_stmt *s)
{
	PQclear(s->res);
	s->res = NULL;
	s->row = -1;
	s->nrows = 0;
	for (int i = 0; i < MAX_PARAMS; i++)
		s->vals[i] = NULL;
}

static void pg_finalize(dbx_stmt *s)
{
	pg_reset(s);
	free(s);
}

static int pg_param_count(dbx_stmt *s)
{
	return s->nparams;
}

static void pg_bind_int64(dbx_stmt *s, int i, int64_t v)
{
	if (i < 1 || i > MAX_PARAMS)
		return;
	snprintf(s->num[i - 1], sizeof s->num[i - 1], "%lld", (long long)v);
	s->vals[i - 1] = s->num[i - 1];
}

static void pg_bind_text(dbx_stmt *s, int i, const char *v)
{
	if (i >= 1 && i <= MAX_PARAMS)
		s->vals[i - 1] = v;   /* borrowed until the step */
}

static int pg_step(db *d, dbx_stmt *s)
{
	struct conn *c = C(d);

	if (!s->res) {
		PGresult *r;
		ExecStatusType t;

		if (!s->prepared || s->gen != c->gen) {
			r = PQprepare(c->pc, s->name, s->sql, s->nparams, NULL);
			if (PQresultStatus(r) != PGRES_COMMAND_OK) {
				note_error(d, r);
				PQclear(r);
				return PG_FAIL;
			}
			PQclear(r);
			s->prepared = true;
			s->gen = c->gen;
		}
		r = PQexecPrepared(c->pc, s->name, s->nparams, s->vals, NULL,
				   NULL, 0);
		t = PQresultStatus(r);
		if (t == PGRES_COMMAND_OK) {
			c->changes = atoll(PQcmdTuples(r));
			PQclear(r);
			return DBX_DONE;
		}
		if (t != PGRES_TUPLES_OK) {
			note_error(d, r);
			PQclear(r);
			return PG_FAIL;
		}
		s->res = r;
		s->nrows = PQntuples(r);
		s->row = -1;
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return DBX_ROW;
	}
	return DBX_DONE;
}

static const char *pg_col_text(dbx_stmt *s, int i)
{
	if (!s->res || s->row < 0 || PQgetisnull(s->res, s->row, i))
		return NULL;
	return PQgetvalue(s->res, s->row, i);
}

static int64_t pg_col_int64(dbx_stmt *s, int i)
{
	const char *v = pg_col_text(s, i);

	if (!v)
		return 0;
	if (strcmp(v, "t") == 0)
		return 1;
	return strtoll(v, NULL, 10);
}

static bool pg_col_null(dbx_stmt *s, int i)
{
	return !s->res || s->row < 0 || PQgetisnull(s->res, s->row, i);
}

static int pg_col_count(dbx_stmt *s)
{
	return s->res ? PQnfields(s->res) : 0;
}

static int64_t pg_changes(db *d)
{
	return C(d)->changes;
}

/* Runs a command outside the statement cache; DB_OK or a DB_E* code. */
static int command(db *d, const char *sql, const char *doing)
{
	struct conn *c = C(d);
	PGresult *r = PQexec(c->pc, sql);
	ExecStatusType t = PQresultStatus(r);
	int err = DB_OK;

	if (t != PGRES_COMMAND_OK && t != PGRES_TUPLES_OK) {
		note_error(d, r);
		err = fail(d, PG_FAIL, doing);
	}
	PQclear(r);
	return err;
}

/* One value of a one-row query, or NULL (caller frees). */
static char *query_value(db *d, const char *sql, int *err, const char *doing)
{
	PGresult *r = PQexec(C(d)->pc, sql);
	char *v = NULL;

	*err = DB_OK;
	if (PQresultStatus(r) != PGRES_TUPLES_OK) {
		note_error(d, r);
		*err = fail(d, PG_FAIL, doing);
	} else if (PQntuples(r) > 0 && !PQgetisnull(r, 0, 0)) {
		v = strdup(PQgetvalue(r, 0, 0));
	}
	PQclear(r);
	return v;
}

static int pg_last_id(db *d, int64_t *id)
{
	int err;
	char *v = query_value(d, "SELECT lastval()", &err,
			      "create a session");

	*id = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	if (err == DB_OK && *id <= 0) {
		set_msg(d, "cannot create a session: the session store '%s' "
			   "gave no id", d->path);
		err = DB_EIO;
	}
	return err;
}

/* ---- transactions ----------------------------------------------------- */

static int pg_begin(db *d, bool write, const char *doing)
{
	struct conn *c = C(d);

	c->commit_sent = false;
	c->lost = false;
	if (PQstatus(c->pc) == CONNECTION_BAD) {
		PQreset(c->pc);
		c->gen++;
	}
	if (write && !d->read_only)
		return command(d, "BEGIN ISOLATION LEVEL SERIALIZABLE", doing);
	return command(d, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
		       doing);
}

static int pg_commit(db *d, const char *doing)
{
	C(d)->commit_sent = true;
	return command(d, "COMMIT", doing);
}

static void pg_rollback(db *d)
{
	struct conn *c = C(d);

	if (PQstatus(c->pc) == CONNECTION_OK &&
	    PQtransactionStatus(c->pc) != PQTRANS_IDLE) {
		PGresult *r = PQexec(c->pc, "ROLLBACK");

		PQclear(r);
	}
}

static bool pg_reconnected(db *d)
{
	struct conn *c = C(d);

	if (!c->lost || c->commit_sent)
		return false;
	PQreset(c->pc);
	c->gen++;
	c->lost = false;
	return PQstatus(c->pc) == CONNECTION_OK;
}

/* ---- schema ----------------------------------------------------------- */

static int schema_version(db *d, int64_t *version, bool *present)
{
	int err;
	/*
	 * pg_tables, not to_regclass(): a plain query sees what others have
	 * committed since; a cached catalog lookup may not yet.
	 */
	char *v = query_value(d, "SELECT EXISTS (SELECT 1 FROM pg_tables "
				 "WHERE schemaname = current_schema() AND "
				 "tablename = 'msktriage_schema')", &err,
			      "open the session store");

	*present = v && strcmp(v, "t") == 0;
	free(v);
	*version = 0;
	if (err != DB_OK || !*present)
		return err;
	v = query_value(d, "SELECT max(version) FROM msktriage_schema", &err,
			"open the session store");
	*version = v ? strtoll(v, NULL, 10) : 0;
	free(v);
	return err;
}

static int judge(db *d, int64_t version, bool present)
{
	int err;
	char *other;

	if (version > db_pg_migration_count) {
		set_msg(d, "the session store '%s' has schema version %lld, "
			   "newer than this msktriage knows (%d); upgrade "
			   "msktriage", d->path, (long long)version,
			db_pg_migration_count);
		return DB_EINVAL;
	}
	if (present)
		return DB_OK;
	other = query_value(d, "SELECT EXISTS (SELECT 1 FROM pg_tables "
				"WHERE schemaname = current_schema() AND "
				"tablename = 'session')",
			    &err, "open the session store");
	if (err == DB_OK && other && strcmp(other, "t") == 0) {
		set_msg(d, "'%s' is not a msktriage session store", d->path);
		err = DB_ECORRUPT;
	}
	free(other);
	return err;
}

static int migrate(db *d)
{
	int64_t version = 0;
	bool present = false;
	char sql[96];
	int err;

	err = command(d, "BEGIN ISOLATION LEVEL READ COMMITTED",
		      "upgrade the session store");
	if (err == DB_OK) {
		snprintf(sql, sizeof sql, "SELECT pg_advisory_xact_lock(%d)",
			 DB_APPLICATION_ID);
		err = command(d, sql, "upgrade the session store");
	}
	if (err == DB_OK)
		err = schema_version(d, &version, &present);
	if (err == DB_OK)
		err = judge(d, version, present);
	if (err == DB_OK && !present)
		err = command(d, "CREATE TABLE msktriage_schema ("
				 "version INTEGER NOT NULL)",
			      "upgrade the session store");
	for (int64_t v = version; err == DB_OK && v < db_pg_migration_count;
	     v++) {
		err = command(d, db_pg_migrations[v],
			      "upgrade the session store");
		snprintf(sql, sizeof sql,
			 "INSERT INTO msktriage_schema VALUES (%lld)",
			 (long long)v + 1);
		if (err == DB_OK)
			err = command(d, sql, "upgrade the session store");
	}
	if (err == DB_OK)
		err = command(d, "COMMIT", "upgrade the session store");
	else
		pg_rollback(d);
	return err;
}

static void quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

static int pg_open(db *d, const char *uri, const struct db_options *opt)
{
	struct conn *c = calloc(1, sizeof *c);
	int64_t version = 0;
	bool present = false;
	int err;

	if (!c) {
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	d->conn = c;
	c->uri = strdup(uri);
	c->secret = uri_password(uri);
	d->path = uri_shown(uri, c->secret);
	if (!c->uri || !d->path) {
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	{
		char why[160];

		if (!pq_load(why, sizeof why)) {
			set_msg(d, "cannot open the session store '%s': %s",
				d->path, why);
			return DB_EIO;
		}
	}
	c->pc = PQconnectdb(uri);
	if (!c->pc) {
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	if (PQstatus(c->pc) != CONNECTION_OK) {
		char why[400];
		size_t n;

		mask(why, sizeof why, PQerrorMessage(c->pc), c->secret);
		n = strlen(why);
		while (n && (why[n - 1] == '\n' || why[n - 1] == ' '))
			why[--n] = '\0';
		set_msg(d, "cannot connect to the session store '%s': %s",
			d->path, why);
		return DB_EIO;
	}
	/* Nothing a server says is shown on the terminal by libpq. */
	PQsetNoticeProcessor(c->pc, quiet, NULL);
	{
		PGresult *r = PQexec(c->pc, "SET client_min_messages = error");

		PQclear(r);
	}
	/*
	 * Whether a database without our tables holds someone else's is
	 * judged in migrate(), under the lock: here another process may be
	 * creating the store between two queries.
	 */
	err = schema_version(d, &version, &present);
	if (err == DB_OK && present)
		err = judge(d, version, present);
	if (err != DB_OK || (present && version == db_pg_migration_count))
		return err;
	if (!present && (d->read_only || (opt && opt->must_exist))) {
		set_msg(d, "no session store at '%s'", d->path);
		return DB_ENOTFOUND;
	}
	if (d->read_only) {
		set_msg(d, "the session store '%s' needs an upgrade; open it "
			   "once without read-only", d->path);
		return DB_EREADONLY;
	}
	return migrate(d);
}

static void pg_close(db *d)
{
	struct conn *c = d->conn;

	if (c->pc)
		PQfinish(c->pc);
	free(c->uri);
	free(c->secret);
	free(c);
	d->conn = NULL;
}

static int pg_check(db *d, void *unused)
{
	int64_t version = 0;
	bool present = false;
	int err = schema_version(d, &version, &present);

	(void)unused;
	if (err == DB_OK && (!present || version != db_pg_migration_count)) {
		set_msg(d, "the session store '%s' is damaged (schema version "
			   "%lld, expected %d)", d->path, (long long)version,
			db_pg_migration_count);
		err = DB_ECORRUPT;
	}
	return err;
}

static int pg_after_copy(db *d)
{
	static const char *const tables[] = {
		"answer_revision", "conclusion", "note", "addendum", "audit",
		"kiosk_event",
	};
	char sql[256];
	int err = command(d, "SELECT setval(pg_get_serial_sequence('session',"
			     " 'id'), greatest((SELECT max(id) FROM session),"
			     " (SELECT max(session_id) FROM audit), 0) + 1,"
			     " false)", "copy the session store");

	for (size_t i = 0; err == DB_OK && i < sizeof tables / sizeof *tables;
	     i++) {
		snprintf(sql, sizeof sql, "SELECT setval(pg_get_serial_sequence"
			 "('%s', 'id'), coalesce((SELECT max(id) FROM %s), 0)"
			 " + 1, false)", tables[i], tables[i]);
		err = command(d, sql, "copy the session store");
	}
	return err;
}

const struct db_backend db_pg_backend = {
	.name = "postgresql",
	.sql = pg_sql,
	.open = pg_open,
	.close = pg_close,
	.prepare = pg_prepare,
	.finalize = pg_finalize,
	.reset = pg_reset,
	.param_count = pg_param_count,
	.bind_int64 = pg_bind_int64,
	.bind_text = pg_bind_text,
	.step = pg_step,
	.col_int64 = pg_col_int64,
	.col_text = pg_col_text,
	.col_null = pg_col_null,
	.col_count = pg_col_count,
	.changes = pg_changes,
	.last_id = pg_last_id,
	.fail = fail,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.reconnected = pg_reconnected,
	.check = pg_check,
	.after_copy = pg_after_copy,
	.after_delete = NULL,
};
