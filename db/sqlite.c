/*
 * sqlite.c — the SQLite backend of the session store: one file on this
 * machine (or ":memory:"), its file-mode and symbolic-link policy, WAL with
 * synchronous=FULL, its schema (schema.c) versioned in PRAGMA user_version.
 * The only code that includes <sqlite3.h>.
 *
 * Writes are BEGIN IMMEDIATE transactions; a busy handler polls for the
 * write lock within the busy timeout. Errors are told in the program's
 * own words (reason()), never sqlite3_errmsg(), which can quote SQL.
 */
#define _GNU_SOURCE
#include "db/backend.h"
#include "db/schema.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define set_msg dbi_set_msg
#define MAX_ATTEMPTS DB_MAX_ATTEMPTS

_Static_assert(DBX_ROW == SQLITE_ROW && DBX_DONE == SQLITE_DONE,
	       "step results are SQLite's");

struct conn {
	sqlite3 *h;
	int64_t busy_since;     /* when the current wait for a lock began */
};

#define H(d) (((struct conn *)(d)->conn)->h)

#define SESSION_COLUMNS \
	"SELECT s.id, s.code, s.mode, s.status, s.started_at, s.updated_at," \
	" s.finished_at, s.rulebase_sha256, s.program_version," \
	" s.patient_label, s.clinician, s.signed_off_by, s.signed_off_at," \
	" c.level, c.body, c.at," \
	" (SELECT count(*) FROM answer a WHERE a.session_id = s.id)" \
	" FROM session s LEFT JOIN conclusion c ON c.id =" \
	" (SELECT max(id) FROM conclusion WHERE session_id = s.id) "

static const char *const sqlite_sql[S_COUNT] = {
	[S_SESSION_STATE] =
		"SELECT status, mode, code, signed_off_by IS NOT NULL"
		" FROM session WHERE id = ?1",
	[S_SESSION_INSERT] =
		"INSERT INTO session (code, mode, started_at, updated_at,"
		" rulebase_sha256, program_version, patient_label, clinician)"
		" VALUES (?1, ?2, ?3, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (code) DO NOTHING",
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
	[S_EXTERNAL_FIND] =
		"SELECT id, code FROM session WHERE external_id = ?1",
	[S_EXTERNAL_SET] =
		"UPDATE session SET external_id = ?1 WHERE id = ?2",
	DB_COPY_SQL
};
/*
 * Why an SQLite call failed, in words a clinician can act on: never
 * sqlite3_errmsg(), which can quote SQL, nor the library's own wording
 * ("SQL logic error").
 */
static const char *reason(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_IOERR: return "a read or write on its disk failed";
	case SQLITE_CANTOPEN: return "the file cannot be opened";
	case SQLITE_PERM:
	case SQLITE_AUTH: return "permission denied";
	case SQLITE_PROTOCOL: return "file locking failed";
	case SQLITE_CONSTRAINT: return "the change conflicts with what it holds";
	case SQLITE_TOOBIG: return "a value is too large";
	case SQLITE_NOLFS: return "the file is too large for this system";
	default: return "an internal error";
	}
}

/*
 * Maps an SQLite result code to a DB_E* code and leaves a message naming
 * what was being done, with reason() and the code for the record.
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
		set_msg(d, "cannot %s: the session store refused it: %s "
			   "(code %d)", doing, reason(rc), rc);
		return DB_EINVAL;
	default:
		set_msg(d, "cannot %s: the session store '%s' failed: %s "
			   "(code %d)", doing, d->path, reason(rc), rc);
		return DB_EIO;
	}
}

/* ---- statements ------------------------------------------------------- */

static dbx_stmt *sq_prepare(db *d, enum stmt_id id, int *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v3(H(d), sqlite_sql[id], -1,
				    SQLITE_PREPARE_PERSISTENT, &s, NULL);

	if (rc != SQLITE_OK) {
		*err = fail(d, rc, "read the session store");
		return NULL;
	}
	return (dbx_stmt *)s;
}

#define ST(s) ((sqlite3_stmt *)(s))

static void sq_finalize(dbx_stmt *s)
{
	sqlite3_finalize(ST(s));
}

static void sq_reset(dbx_stmt *s)
{
	sqlite3_reset(ST(s));
	sqlite3_clear_bindings(ST(s));
}

static int sq_param_count(dbx_stmt *s)
{
	return sqlite3_bind_parameter_count(ST(s));
}

static void sq_bind_int64(dbx_stmt *s, int i, int64_t v)
{
	sqlite3_bind_int64(ST(s), i, v);
}

static void sq_bind_text(dbx_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(ST(s), i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(ST(s), i);
}

static int sq_step(db *d, dbx_stmt *s)
{
	(void)d;
	return sqlite3_step(ST(s));
}

static int64_t sq_col_int64(dbx_stmt *s, int i)
{
	return sqlite3_column_int64(ST(s), i);
}

static const char *sq_col_text(dbx_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(ST(s), i);
}

static bool sq_col_null(dbx_stmt *s, int i)
{
	return sqlite3_column_type(ST(s), i) == SQLITE_NULL;
}

static int sq_col_count(dbx_stmt *s)
{
	return sqlite3_column_count(ST(s));
}

static int64_t sq_changes(db *d)
{
	return sqlite3_changes(H(d));
}

static int sq_last_id(db *d, int64_t *id)
{
	*id = sqlite3_last_insert_rowid(H(d));
	return DB_OK;
}

static const char *col_text(sqlite3_stmt *s, int i)
{
	return (const char *)sqlite3_column_text(s, i);
}

static int exec_sql(db *d, const char *sql, const char *doing)
{
	int rc = sqlite3_exec(H(d), sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? DB_OK : fail(d, rc, doing);
}

static int sq_begin(db *d, bool write, const char *doing)
{
	return exec_sql(d, write ? "BEGIN IMMEDIATE" : "BEGIN", doing);
}

static int sq_commit(db *d, const char *doing)
{
	return exec_sql(d, "COMMIT", doing);
}

static void sq_rollback(db *d)
{
	if (!sqlite3_get_autocommit(H(d)))
		sqlite3_exec(H(d), "ROLLBACK", NULL, NULL, NULL);
}

/* ---- transactions ----------------------------------------------------- */
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
	struct conn *c = d->conn;
	unsigned r = 0;
	struct timespec ts;

	if (count == 0)
		c->busy_since = dbi_monotonic_ms();
	else if (dbi_monotonic_ms() - c->busy_since >= d->busy_ms)
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
		sqlite3_busy_handler(H(d), busy_wait, d);
	else
		sqlite3_busy_handler(H(d), NULL, NULL);
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
	    sqlite3_file_control(H(d), "main", SQLITE_FCNTL_HAS_MOVED,
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
	int rc = sqlite3_prepare_v2(H(d), sql, -1, &s, NULL);

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
		int rc = sqlite3_prepare_v2(H(d), "PRAGMA journal_mode=WAL",
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
		dbi_backoff(attempt);
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

	sqlite3_extended_result_codes(H(d), 1);
	set_busy_wait(d, true);
	sqlite3_db_config(H(d), SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(H(d), SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	err = exec_sql(d, "PRAGMA foreign_keys = ON", "open the session store");
	if (err == DB_OK)
		err = exec_sql(d, "PRAGMA secure_delete = ON",
			       "open the session store");
	if (err == DB_OK)
		err = dbi_run(d, false, schema_read, &si, "open the session store");
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
	return dbi_run(d, true, op_migrate, &si, "upgrade the session store");
}

static int sq_open(db *d, const char *path, const struct db_options *opt)
{
	struct place pl = { .dir_fd = -1 };
	struct conn *c;
	bool memory, may_create;
	int flags, rc, err = DB_EIO;

	d->path = strdup(path);
	c = calloc(1, sizeof *c);
	if (!d->path || !c) {
		free(c);
		set_msg(d, "cannot open the session store: out of memory");
		return DB_ENOMEM;
	}
	memory = strcmp(path, ":memory:") == 0;
	may_create = !memory && !d->read_only && !(opt && opt->must_exist);
	if (!memory) {
		if (may_create && (err = make_parents(d)) != DB_OK)
			goto out_fail;
		if ((err = check_dir(d, &pl, may_create)) != DB_OK ||
		    (err = check_store_file(d, &pl, may_create)) != DB_OK)
			goto out_fail;
	}
	/* The file exists (checked above): SQLite never creates it. */
	flags = d->read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
	if (memory)
		flags |= SQLITE_OPEN_CREATE;
	d->conn = c;
	rc = sqlite3_open_v2(path, &c->h, flags, NULL);
	if (rc != SQLITE_OK) {
		if (!c->h) {
			set_msg(d, "cannot open the session store: out of "
				   "memory");
			err = DB_ENOMEM;
			goto out_fail;
		}
		set_msg(d, "cannot open the session store '%s': %s (code %d)",
			path, reason(rc), rc);
		err = DB_EIO;
		goto out_fail;
	}
	if (!memory && (err = check_same(d, &pl)) != DB_OK)
		goto out_fail;
	place_clear(&pl);
	err = configure(d, opt, memory);
	if (err == DB_OK)
		return DB_OK;
out_fail:
	place_clear(&pl);
	if (!d->conn)
		free(c);
	return err;
}

static void sq_close(db *d)
{
	struct conn *c = d->conn;

	sqlite3_close_v2(c->h);
	free(c);
	d->conn = NULL;
}

/*
 * Old copies of deleted pages stay in the WAL until a checkpoint; take one
 * now unless others are reading, without waiting for them (the deletion
 * itself is committed).
 */
static void sq_after_delete(db *d)
{
	if (strcmp(d->path, ":memory:") == 0)
		return;
	set_busy_wait(d, false);
	sqlite3_wal_checkpoint_v2(H(d), NULL, SQLITE_CHECKPOINT_TRUNCATE,
				  NULL, NULL);
	set_busy_wait(d, true);
}

/* ---- checking --------------------------------------------------------- */

static int op_check(db *d, void *arg)
{
	sqlite3_stmt *s = NULL;
	int err = DB_OK, rc;
	bool sound = false;

	(void)arg;
	rc = sqlite3_prepare_v2(H(d), "PRAGMA integrity_check(1)", -1, &s,
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
		rc = sqlite3_prepare_v2(H(d), "PRAGMA foreign_key_check", -1,
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

static int sq_after_copy(db *d)
{
	/* AUTOINCREMENT keeps the highest id inserted; the audit trail may
	 * name higher ones, of sessions deleted before the copy. */
	return exec_sql(d, "INSERT INTO sqlite_sequence (name, seq)"
			   " SELECT 'session', 0 WHERE NOT EXISTS (SELECT 1"
			   " FROM sqlite_sequence WHERE name = 'session');"
			   "UPDATE sqlite_sequence SET seq = max(seq,"
			   " (SELECT coalesce(max(session_id), 0) FROM audit),"
			   " (SELECT coalesce(max(id), 0) FROM session))"
			   " WHERE name = 'session'",
			"copy the session store");
}

const struct db_backend db_sqlite_backend = {
	.name = "sqlite",
	.sql = sqlite_sql,
	.open = sq_open,
	.close = sq_close,
	.prepare = sq_prepare,
	.finalize = sq_finalize,
	.reset = sq_reset,
	.param_count = sq_param_count,
	.bind_int64 = sq_bind_int64,
	.bind_text = sq_bind_text,
	.step = sq_step,
	.col_int64 = sq_col_int64,
	.col_text = sq_col_text,
	.col_null = sq_col_null,
	.col_count = sq_col_count,
	.changes = sq_changes,
	.last_id = sq_last_id,
	.fail = fail,
	.begin = sq_begin,
	.commit = sq_commit,
	.rollback = sq_rollback,
	.reconnected = NULL,
	.check = op_check,
	.after_copy = sq_after_copy,
	.after_delete = sq_after_delete,
};
