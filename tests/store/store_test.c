/*
 * store_test.c — the session store against real files, processes and damage.
 *
 * Usage: store_test CASE SCRATCH_DIR
 *
 *   permissions  directories 0700, file 0600 (and its -wal/-shm) whatever
 *                the umask; a store readable by others narrowed, one
 *                writable by others or in a directory writable by others
 *                refused; symbolic links never followed; files a second
 *                user planted never used; SPEC §6 default path
 *   readonly     read-only file or directory: clear message, DB_EREADONLY,
 *                nothing half-written, the same answer saved on retry
 *   full         size limit reached (PRAGMA max_page_count): DB_EFULL,
 *                nothing half-written, saved on retry without the limit
 *   atomic_save  whole sessions (db_session_save) into a store that fills
 *                up: every session stored has all its answers and its
 *                conclusions, the one that did not fit left nothing; an
 *                external id is never stored twice
 *   corrupt      garbage, text, a foreign SQLite file, a newer schema,
 *                damaged pages, a truncated file: clear message, no crash,
 *                foreign files left untouched
 *   locked       another process holding the write lock: waited out when
 *                short, DB_EBUSY (never "database is locked") when not
 *   crash        a child killed with SIGKILL at random points of a session,
 *                the store reopened and checked answer by answer
 *   concurrency  8 processes x 200 sessions in one new file, plus a reader:
 *                every session complete and untorn
 *   lease        one writer per session: 40 rounds of 8 processes racing
 *                for one lease, one winner each; a holder killed with SIGKILL or
 *                idle too long is stale and taken over, a live one not;
 *                the file refuses changes to a signed-off session
 *
 * Each case works in SCRATCH_DIR/CASE, removed first. Exit status 0 when
 * every check held; failed checks are printed with their line.
 */
#define _GNU_SOURCE
#include "db/db.h"

#include <sqlite3.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SHA "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static int failures;

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
			__LINE__, #c); \
		failures++; \
	} \
} while (0)

/* For preconditions without which the rest of a case makes no sense. */
#define REQUIRE(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: required: %s\n", __FILE__, __LINE__, \
			#c); \
		exit(1); \
	} \
} while (0)

static const struct db_session_new kiosk = {
	.mode = "kiosk", .rulebase_sha256 = SHA, .program_version = "test",
};

/* ---- helpers ---------------------------------------------------------- */

static char scratch[2000];

static char *pathf(const char *fmt, ...)
{
	static char buf[8][4096];
	static int next;
	char *p = buf[next++ % 8];
	char rel[2000];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof rel, fmt, ap);
	va_end(ap);
	snprintf(p, sizeof buf[0], "%s/%s", scratch, rel);
	return p;
}

static int rm_one(const char *p, const struct stat *st, int flag,
		  struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(p);
	return unlink(p);
}

static void rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_p(const char *p, mode_t mode)
{
	char tmp[4096];

	snprintf(tmp, sizeof tmp, "%s", p);
	for (char *s = tmp + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		mkdir(tmp, 0755);
		*s = '/';
	}
	mkdir(tmp, mode);
	chmod(tmp, mode);
}

static mode_t mode_of(const char *p)
{
	struct stat st;

	if (stat(p, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

static bool exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

static db *open_or_die(const char *path, const struct db_options *opt)
{
	char *err = NULL;
	db *d = db_open_with(path, opt, &err);

	if (!d) {
		fprintf(stderr, "db_open '%s': %s\n", path, err);
		free(err);
		exit(1);
	}
	return d;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed printed at start */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static int wait_child(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

struct answers {
	int n;
	char q[128][32];
	char v[128][32];
};

static int collect_answer(const char *q, const char *v, void *ctx)
{
	struct answers *a = ctx;

	if (a->n < 128) {
		snprintf(a->q[a->n], sizeof a->q[0], "%s", q);
		snprintf(a->v[a->n], sizeof a->v[0], "%s", v);
	}
	a->n++;
	return 0;
}

static int count_revision(const struct db_revision *r, void *ctx)
{
	(void)r;
	++*(int *)ctx;
	return 0;
}

static int count_session(const struct db_session *s, void *ctx)
{
	(void)s;
	++*(int *)ctx;
	return 0;
}

static int count_answers(db *d, int64_t id)
{
	struct answers a = { 0 };

	return db_answers_load(d, id, collect_answer, &a) == DB_OK ? a.n : -1;
}

/* A SQLite connection of our own, as another program would have. */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	char *err = NULL;

	REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, &err) != SQLITE_OK) {
		fprintf(stderr, "raw_exec: %s\n", err);
		exit(1);
	}
	sqlite3_close(h);
}

/*
 * STORE_TEST_PG: the crash and concurrency cases run on the PostgreSQL
 * store it names ("postgresql://": the server the PG* variables name, as
 * under pg_virtualenv) instead of a file.
 */
static const char *pg_store;

/* Empties the PostgreSQL test database, as another client would. */
static void pg_empty(void)
{
	REQUIRE(system("psql -X -q -v ON_ERROR_STOP=1 -c 'DROP SCHEMA public"
		       " CASCADE; CREATE SCHEMA public' >/dev/null") == 0);
}

static long raw_count(const char *path, const char *sql)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	long n = -1;

	if (pg_store) {
		char cmd[512];
		FILE *p;

		snprintf(cmd, sizeof cmd, "psql -X -A -t -c \"%s\"", sql);
		p = popen(cmd, "r");
		REQUIRE(p);
		if (fscanf(p, "%ld", &n) != 1)
			n = -1;
		pclose(p);
		return n;
	}
	REQUIRE(sqlite3_open_v2(path, &h, SQLITE_OPEN_READONLY, NULL)
		== SQLITE_OK);
	if (sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

static size_t read_file(const char *p, char **out)
{
	FILE *f = fopen(p, "rb");
	size_t n = 0, cap = 0;
	char *buf = NULL;

	REQUIRE(f);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
			REQUIRE(buf);
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		if (got == 0)
			break;
		n += got;
	}
	fclose(f);
	*out = buf;
	return n;
}

static void write_file(const char *p, const void *data, size_t n)
{
	FILE *f = fopen(p, "wb");

	REQUIRE(f);
	REQUIRE(fwrite(data, 1, n, f) == n);
	REQUIRE(fclose(f) == 0);
}

/* ---- permissions ------------------------------------------------------ */

static void drop_root(void);

static void perm_child(const char *file, mode_t mask)
{
	db *d;
	int64_t id;

	umask(mask);
	d = open_or_die(file, NULL);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	REQUIRE(db_answer_put(d, id, "age", "44") == DB_OK);
	/* the WAL and shared-memory files exist while the store is open */
	{
		char wal[4200], shm[4200];

		snprintf(wal, sizeof wal, "%s-wal", file);
		snprintf(shm, sizeof shm, "%s-shm", file);
		if (mode_of(wal) != 0600 || mode_of(shm) != 0600) {
			fprintf(stderr, "umask %03o: -wal %o, -shm %o\n",
				(unsigned)mask, (unsigned)mode_of(wal),
				(unsigned)mode_of(shm));
			exit(2);
		}
	}
	db_close(d);
	exit(0);
}

/* db_open fails, with a message holding want (if given), creating nothing. */
static void expect_open_refused_at(int line, const char *file,
				   const struct db_options *opt,
				   const char *want)
{
	char *err = NULL;
	db *d = db_open_with(file, opt, &err);

	if (d || !err || (want && !strstr(err, want))) {
		fprintf(stderr, "%s:%d: open of '%s' not refused as expected "
			"(want '%s'): %s\n", __FILE__, line, file,
			want ? want : "", err ? err : "(opened)");
		failures++;
	}
	db_close(d);
	free(err);
}
#define expect_open_refused(f, o, w) expect_open_refused_at(__LINE__, f, o, w)

static void touch_mode(const char *p, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	REQUIRE(fd >= 0);
	REQUIRE(fchmod(fd, mode) == 0);
	close(fd);
}

/* Child as another user: plants files where it can. */
static void planter(const char *dir)
{
	char p[4300];
	db *d;
	char *err = NULL;

	drop_root();
	umask(0);
	/* a store of its own in the shared directory, readable by all */
	snprintf(p, sizeof p, "%s/planted.db", dir);
	touch_mode(p, 0644);
	/* and a link where the first user's store would go */
	snprintf(p, sizeof p, "%s/victim.db", dir);
	if (symlink("planted.db", p) != 0)
		exit(3);
	/* it cannot use a store of the first user, even one readable by it */
	snprintf(p, sizeof p, "%s/own/sessions.db", dir);
	d = db_open(p, NULL, &err);
	if (d || !err || !strstr(err, "another user"))
		exit(4);
	free(err);
	exit(0);
}

/*
 * The 0600/0700 promise: pre-created files, symbolic links (dangling or
 * not), the store's directory, -wal/-shm/-journal files, a second user.
 */
static void private_files(void)
{
	char dir[4200], file[4200], target[4200], link[4200], other[4200];
	db *d;
	int64_t id;

	/* pathf() reuses its buffers: keep copies */
	snprintf(dir, sizeof dir, "%s", pathf("priv"));
	snprintf(file, sizeof file, "%s", pathf("priv/sessions.db"));
	snprintf(target, sizeof target, "%s", pathf("priv/target.db"));
	snprintf(link, sizeof link, "%s", pathf("priv/link.db"));
	snprintf(other, sizeof other, "%s", pathf("priv/other.db"));

	mkdir_p(dir, 0700);
	/* a pre-created empty file keeps nothing of its mode but the owner's */
	touch_mode(file, 0644);
	d = open_or_die(file, NULL);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	CHECK(mode_of(pathf("priv/sessions.db-wal")) == 0600);
	db_close(d);
	CHECK(mode_of(file) == 0600);

	/* a dangling link at the store's path: refused, nothing created */
	REQUIRE(symlink("target.db", link) == 0);
	expect_open_refused(link, NULL, "symbolic link");
	CHECK(!exists(target));
	/* a link to a real store: refused too, the store untouched */
	REQUIRE(symlink("sessions.db", pathf("priv/link2.db")) == 0);
	expect_open_refused(pathf("priv/link2.db"), NULL, "symbolic link");
	{
		struct db_options ro = { .read_only = true };

		expect_open_refused(pathf("priv/link2.db"), &ro,
				    "symbolic link");
	}

	/* old world-readable -wal/-shm/-journal of ours are narrowed */
	touch_mode(pathf("priv/other.db"), 0600);
	touch_mode(pathf("priv/other.db-wal"), 0644);
	touch_mode(pathf("priv/other.db-shm"), 0666 & ~0022);
	touch_mode(pathf("priv/other.db-journal"), 0640);
	d = open_or_die(other, NULL);
	CHECK(mode_of(pathf("priv/other.db-wal")) == 0600);
	CHECK(mode_of(pathf("priv/other.db-shm")) == 0600);
	CHECK(!exists(pathf("priv/other.db-journal")) ||
	      mode_of(pathf("priv/other.db-journal")) == 0600);
	db_close(d);
	/* a -wal writable by others, or a link in its place: refused */
	touch_mode(pathf("priv/w.db"), 0600);
	touch_mode(pathf("priv/w.db-wal"), 0622);
	expect_open_refused(pathf("priv/w.db"), NULL, "chmod 600 '");
	touch_mode(pathf("priv/s.db"), 0600);
	REQUIRE(symlink("target.db", pathf("priv/s.db-shm")) == 0);
	expect_open_refused(pathf("priv/s.db"), NULL, "symbolic link");
	CHECK(!exists(target));

	/* the store's directory: writable by others is refused */
	chmod(dir, 0770);
	expect_open_refused(file, NULL, "chmod 700 '");
	chmod(dir, 0757);
	expect_open_refused(file, NULL, "chmod 700 '");
	chmod(dir, 01777);
	expect_open_refused(file, NULL, "directory of your own");
	expect_open_refused(pathf("priv/new.db"), NULL, "written by other");
	CHECK(!exists(pathf("priv/new.db")));
	chmod(dir, 0755);   /* readable is fine: the files are 0600 */
	d = open_or_die(file, NULL);
	db_close(d);
	chmod(dir, 0700);

	/* a second user */
	if (geteuid() == 0) {
		char shared[4200];
		pid_t pid;

		snprintf(shared, sizeof shared, "%s", pathf("shared"));

		mkdir_p(shared, 01777);
		mkdir_p(pathf("shared/own"), 0755);
		d = open_or_die(pathf("shared/own/sessions.db"), NULL);
		db_close(d);
		chmod(pathf("shared/own/sessions.db"), 0644);  /* an old mode */
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0)
			planter(shared);
		CHECK(wait_child(pid) == 0);
		/* what the other user planted is never used */
		expect_open_refused(pathf("shared/victim.db"), NULL,
				    "directory of your own");
		expect_open_refused(pathf("shared/planted.db"), NULL,
				    "directory of your own");
		chmod(shared, 0755);   /* even where the directory is safe */
		expect_open_refused(pathf("shared/victim.db"), NULL,
				    "symbolic link");
		expect_open_refused(pathf("shared/planted.db"), NULL,
				    "another user");
		/* a directory of another user */
		mkdir_p(pathf("theirs"), 0755);
		REQUIRE(chown(pathf("theirs"), 65534, 65534) == 0);
		expect_open_refused(pathf("theirs/x.db"), NULL, "another user");
		CHECK(!exists(pathf("theirs/x.db")));
	}
}

static void case_permissions(void)
{
	const mode_t masks[] = { 0000, 0022, 0077, 0277, 0777 };

	for (size_t i = 0; i < sizeof masks / sizeof masks[0]; i++) {
		char *base = pathf("u%03o", (unsigned)masks[i]);
		char *file = pathf("u%03o/a/b/sessions.db",
				   (unsigned)masks[i]);
		pid_t pid;

		mkdir_p(base, 0755);
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0)
			perm_child(file, masks[i]);
		CHECK(wait_child(pid) == 0);
		CHECK(mode_of(base) == 0755);   /* existing: left alone */
		CHECK(mode_of(pathf("u%03o/a", (unsigned)masks[i])) == 0700);
		CHECK(mode_of(pathf("u%03o/a/b", (unsigned)masks[i])) == 0700);
		CHECK(mode_of(file) == 0600);
	}

	/*
	 * An existing store readable by others is narrowed to 0600; one
	 * writable by others is refused with the chmod to run, and left as
	 * it is for its owner to judge.
	 */
	{
		char *file = pathf("u000/a/b/sessions.db");
		db *d;

		chmod(file, 0644);
		d = open_or_die(file, NULL);
		db_close(d);
		CHECK(mode_of(file) == 0600);
		chmod(file, 0640);
		d = open_or_die(file, NULL);
		db_close(d);
		CHECK(mode_of(file) == 0600);

		chmod(file, 0666);
		expect_open_refused(file, NULL, "chmod 600 '");
		CHECK(mode_of(file) == 0666);
		chmod(file, 0620);
		expect_open_refused(file, NULL, "written by other users");
		chmod(file, 0600);
	}
	private_files();
	/* SPEC §6: $MSKTRIAGE_DB, else $XDG_DATA_HOME/msktriage/sessions.db */
	{
		char *p;
		db *d;

		unsetenv("MSKTRIAGE_DB");
		setenv("XDG_DATA_HOME", pathf("xdg"), 1);
		p = db_default_path();
		REQUIRE(p);
		CHECK(strcmp(p, pathf("xdg/msktriage/sessions.db")) == 0);
		d = open_or_die(p, NULL);
		db_close(d);
		free(p);
		CHECK(mode_of(pathf("xdg")) == 0700);
		CHECK(mode_of(pathf("xdg/msktriage")) == 0700);
		CHECK(mode_of(pathf("xdg/msktriage/sessions.db")) == 0600);

		setenv("MSKTRIAGE_DB", pathf("env/x.db"), 1);
		p = db_default_path();
		REQUIRE(p);
		d = open_or_die(p, NULL);
		db_close(d);
		free(p);
		CHECK(mode_of(pathf("env/x.db")) == 0600);
		unsetenv("MSKTRIAGE_DB");
	}
}

/* ---- read-only -------------------------------------------------------- */

/* In a child: become an unprivileged user, as root ignores file modes. */
static void drop_root(void)
{
	if (geteuid() != 0)
		return;
	REQUIRE(setgroups(0, NULL) == 0);
	REQUIRE(setgid(65534) == 0);
	REQUIRE(setuid(65534) == 0);
}

static void chown_tree(const char *dir, const char *file)
{
	if (geteuid() != 0)
		return;
	REQUIRE(chown(dir, 65534, 65534) == 0);
	REQUIRE(chown(file, 65534, 65534) == 0);
}

/* The tree is the test's own again (a store of another user is refused). */
static void chown_back(const char *dir, const char *file)
{
	char side[4200];

	if (geteuid() != 0)
		return;
	REQUIRE(chown(dir, 0, 0) == 0);
	REQUIRE(chown(file, 0, 0) == 0);
	for (int i = 0; i < 2; i++) {
		snprintf(side, sizeof side, "%s%s", file, i ? "-shm" : "-wal");
		if (exists(side))
			REQUIRE(chown(side, 0, 0) == 0);
	}
}

/*
 * Child: the store is read-only. Expects db_open to work (dir writable) or
 * to fail with a message saying read-only (dir read-only too), and any
 * write to fail with DB_EREADONLY, leaving the answers as they were.
 */
static void readonly_child(const char *file, int64_t id, bool may_refuse)
{
	char *err = NULL;
	db *d;
	struct db_session *s = NULL;
	int rc;

	drop_root();
	d = db_open(file, NULL, &err);
	if (!d) {
		if (!may_refuse || !err || !strstr(err, "read-only")) {
			fprintf(stderr, "open: %s\n", err ? err : "(null)");
			exit(2);
		}
		free(err);
		exit(0);
	}
	if (db_session_get(d, id, &s) != DB_OK || s->answer_count != 1) {
		fprintf(stderr, "read: %s\n", db_errmsg(d));
		exit(3);
	}
	db_session_free(s);
	rc = db_answer_put(d, id, "knee_pain", "ro-secret");
	if (rc != DB_EREADONLY || !strstr(db_errmsg(d), "read-only") ||
	    strstr(db_errmsg(d), "ro-secret")) {
		fprintf(stderr, "put: %d %s\n", rc, db_errmsg(d));
		exit(4);
	}
	if (db_session_create(d, &kiosk, NULL, NULL) != DB_EREADONLY)
		exit(5);
	if (count_answers(d, id) != 1)
		exit(6);
	db_close(d);
	exit(0);
}

static void case_readonly(void)
{
	char *dir = pathf("ro"), *file = pathf("ro/sessions.db");
	int64_t id;
	db *d;
	pid_t pid;
	int revisions = 0;

	d = open_or_die(file, NULL);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	REQUIRE(db_answer_put(d, id, "age", "61") == DB_OK);
	db_close(d);

	/* read-only file in a writable directory */
	chown_tree(dir, file);
	chmod(file, 0400);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		readonly_child(file, id, false);
	CHECK(wait_child(pid) == 0);

	/* read-only file in a read-only directory */
	chmod(dir, 0500);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		readonly_child(file, id, true);
	CHECK(wait_child(pid) == 0);
	chmod(dir, 0700);
	chmod(file, 0600);
	chown_back(dir, file);

	/* a store opened read-only on purpose */
	{
		struct db_options ro = { .read_only = true };

		d = open_or_die(file, &ro);
		CHECK(count_answers(d, id) == 1);
		CHECK(db_answer_put(d, id, "knee_pain", "yes") == DB_EREADONLY);
		CHECK(strstr(db_errmsg(d), "read-only") != NULL);
		db_close(d);
	}

	/* a read-only open never creates a store */
	{
		struct db_options ro = { .read_only = true };
		char *err = NULL;

		CHECK(db_open_with(pathf("ro/none.db"), &ro, &err) == NULL);
		CHECK(err != NULL);
		free(err);
		CHECK(!exists(pathf("ro/none.db")));
	}

	/*
	 * Writable again: the caller still held the answer and the retry
	 * saves it once (a -shm file a reader left read-only is repaired).
	 */
	d = open_or_die(file, NULL);
	CHECK(db_answer_put(d, id, "knee_pain", "ro-secret") == DB_OK);
	CHECK(count_answers(d, id) == 2);
	CHECK(db_answer_history(d, id, count_revision, &revisions) == DB_OK);
	CHECK(revisions == 2);
	CHECK(db_check(d) == DB_OK);
	db_close(d);

	/* the store's directory cannot be created */
	if (geteuid() != 0) {
		char *err = NULL;

		chmod(dir, 0500);
		CHECK(db_open(pathf("ro/sub/x.db"), NULL, &err) == NULL);
		CHECK(err && strstr(err, "cannot create the directory"));
		free(err);
		chmod(dir, 0700);
	}
}

/* ---- full ------------------------------------------------------------- */

static void case_full(void)
{
	char *file = pathf("full/sessions.db");
	/* Room for the schema (each migration's tables and indexes take pages)
	 * and a few answers; far less than the answers tried. */
	struct db_options small = { .max_bytes = 256 * 1024 };
	static char big[3000];
	char q[32], failed_q[32] = "";
	int64_t id;
	db *d;
	int rc = DB_OK, saved = 0, revisions = 0, sessions = 0, audit_before;

	memset(big, 'x', sizeof big - 1);
	d = open_or_die(file, &small);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	for (int i = 0; i < 1000; i++) {
		snprintf(q, sizeof q, "q%03d", i);
		big[0] = (char)('a' + i % 26);
		rc = db_answer_put(d, id, q, big);
		if (rc != DB_OK) {
			snprintf(failed_q, sizeof failed_q, "%s", q);
			break;
		}
		saved++;
	}
	CHECK(rc == DB_EFULL);
	CHECK(strstr(db_errmsg(d), "is full") != NULL);
	CHECK(strstr(db_errmsg(d), "xxxx") == NULL);
	CHECK(saved > 5);
	/* nothing of the failed answer was written */
	CHECK(count_answers(d, id) == saved);
	CHECK(db_answer_history(d, id, count_revision, &revisions) == DB_OK);
	CHECK(revisions == saved);
	/* other writes fail the same way; reads and checks still work */
	for (int i = 0; i < 200; i++) {
		long notes = raw_count(file, "SELECT count(*) FROM note");

		audit_before = (int)raw_count(file, "SELECT count(*) FROM audit");
		rc = db_note_add(d, id, NULL, big);
		if (rc == DB_OK)
			continue;
		CHECK(rc == DB_EFULL);
		CHECK(raw_count(file, "SELECT count(*) FROM audit")
		      == audit_before);
		CHECK(raw_count(file, "SELECT count(*) FROM note") == notes);
		break;
	}
	CHECK(rc == DB_EFULL);
	CHECK(db_session_list(d, NULL, 0, count_session, &sessions) == DB_OK);
	CHECK(sessions == 1);
	CHECK(db_check(d) == DB_OK);
	db_close(d);

	/* space again: the same answer, still in the caller's hands, saved */
	d = open_or_die(file, NULL);
	big[0] = (char)('a' + saved % 26);
	CHECK(db_answer_put(d, id, failed_q, big) == DB_OK);
	CHECK(count_answers(d, id) == saved + 1);
	CHECK(db_check(d) == DB_OK);
	db_close(d);
}

/* ---- atomic_save -------------------------------------------------------- */

#define SAVE_ANSWERS 24

static int save_whole(db *d, int i, const char *value, int64_t *id,
		      char code[DB_CODE_SIZE])
{
	char qs[SAVE_ANSWERS][16], x[32];
	struct db_answer answers[SAVE_ANSWERS];

	for (int k = 0; k < SAVE_ANSWERS; k++) {
		snprintf(qs[k], sizeof qs[k], "q%02d", k);
		answers[k].question = qs[k];
		answers[k].value = value;
	}
	snprintf(x, sizeof x, "case-%d", i);
	struct db_session_record r = {
		.session = { .mode = "api", .rulebase_sha256 = SHA,
			     .program_version = "test" },
		.external_id = x,
		.answers = answers,
		.n_answers = SAVE_ANSWERS,
		.status = "complete",
		.level = "self_care",
		.conclusions_json = "{\"triage\":{\"level\":\"self_care\"}}",
	};
	return db_session_save(d, &r, id, code);
}

static void case_atomic_save(void)
{
	char *file = pathf("atomic_save/sessions.db");
	struct db_options small = { .max_bytes = 512 * 1024 };
	static char big[1000];
	int64_t id, first_id = 0;
	char code[DB_CODE_SIZE], first_code[DB_CODE_SIZE] = "";
	int rc = DB_OK, saved = 0;
	db *d;

	memset(big, 'v', sizeof big - 1);
	d = open_or_die(file, &small);
	for (int i = 0; i < 1000; i++) {
		rc = save_whole(d, i, big, &id, code);
		if (rc != DB_OK)
			break;
		if (i == 0) {
			first_id = id;
			memcpy(first_code, code, sizeof code);
		}
		saved++;
	}
	CHECK(rc == DB_EFULL);
	CHECK(saved >= 2);
	/* every stored session is whole; the one that did not fit left
	 * nothing: no session row, no answer, no audit row */
	CHECK(raw_count(file, "SELECT count(*) FROM session") == saved);
	CHECK(raw_count(file, "SELECT count(*) FROM answer") ==
	      (long)saved * SAVE_ANSWERS);
	CHECK(raw_count(file, "SELECT count(*) FROM answer_revision") ==
	      (long)saved * SAVE_ANSWERS);
	CHECK(raw_count(file, "SELECT count(*) FROM conclusion") == saved);
	CHECK(raw_count(file, "SELECT count(*) FROM session"
			      " WHERE status = 'complete'") == saved);
	CHECK(raw_count(file, "SELECT count(*) FROM audit") == 2L * saved);
	CHECK(raw_count(file, "SELECT count(*) FROM session WHERE"
			      " external_id IS NOT NULL") == saved);

	/* the same case again: refused, named, nothing written */
	id = 0;
	CHECK(save_whole(d, 0, "x", &id, code) == DB_EEXIST);
	CHECK(id == first_id);
	CHECK(strcmp(code, first_code) == 0);
	CHECK(raw_count(file, "SELECT count(*) FROM session") == saved);
	CHECK(db_check(d) == DB_OK);
	db_close(d);

	/* space again: the case that did not fit is saved whole, once */
	d = open_or_die(file, NULL);
	CHECK(save_whole(d, saved, big, &id, code) == DB_OK);
	CHECK(count_answers(d, id) == SAVE_ANSWERS);
	CHECK(save_whole(d, saved, big, &id, code) == DB_EEXIST);
	CHECK(raw_count(file, "SELECT count(*) FROM session") == saved + 1);
	CHECK(db_check(d) == DB_OK);
	db_close(d);
}

/* ---- corrupt ---------------------------------------------------------- */

static void expect_refused(const char *file, const char *what,
			   const char *needle)
{
	char *err = NULL, *before = NULL, *after = NULL;
	size_t n_before = read_file(file, &before), n_after;
	db *d = db_open(file, NULL, &err);

	CHECK(d == NULL);
	if (d) {
		fprintf(stderr, "%s: opened\n", what);
		db_close(d);
	} else if (!err || !strstr(err, needle)) {
		fprintf(stderr, "%s: message '%s'\n", what, err ? err : "");
		CHECK(!"the message names the problem");
	}
	free(err);
	n_after = read_file(file, &after);
	CHECK(n_before == n_after && memcmp(before, after, n_before) == 0);
	if (n_before != n_after || memcmp(before, after, n_before) != 0)
		fprintf(stderr, "%s: the file was changed\n", what);
	free(before);
	free(after);
}

static int noop_answer(const char *q, const char *v, void *ctx)
{
	(void)q;
	(void)v;
	(void)ctx;
	return 0;
}

/*
 * A damaged store may open (its header is fine) but its calls must fail
 * cleanly, db_check must report the damage, and nothing may crash.
 */
static void poke_damaged(const char *file, const char *what)
{
	char *err = NULL;
	db *d = db_open(file, NULL, &err);
	int n = 0, rc;

	if (!d) {
		CHECK(err && (strstr(err, "damaged") ||
			      strstr(err, "not a msktriage")));
		if (err && !strstr(err, "damaged") &&
		    !strstr(err, "not a msktriage"))
			fprintf(stderr, "%s: open message '%s'\n", what, err);
		free(err);
		return;
	}
	rc = db_check(d);
	CHECK(rc == DB_ECORRUPT);
	CHECK(strstr(db_errmsg(d), "damaged") != NULL);
	rc = db_session_list(d, NULL, 0, count_session, &n);
	CHECK(rc == DB_OK || rc == DB_ECORRUPT);
	for (int64_t id = 1; id <= 300; id += 7) {
		rc = db_answers_load(d, id, noop_answer, NULL);
		CHECK(rc == DB_OK || rc == DB_ECORRUPT || rc == DB_ENOTFOUND);
		rc = db_answer_put(d, id, "age", "70");
		CHECK(rc == DB_OK || rc == DB_ECORRUPT || rc == DB_ENOTFOUND ||
		      rc == DB_EINVAL);
		if (rc == DB_ECORRUPT)
			CHECK(strstr(db_errmsg(d), "damaged") != NULL);
	}
	db_close(d);
}

static void make_store(const char *file, int sessions)
{
	db *d = open_or_die(file, NULL);
	char q[16], v[64];

	for (int i = 0; i < sessions; i++) {
		int64_t id;

		REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
		for (int j = 0; j < 10; j++) {
			snprintf(q, sizeof q, "q%d", j);
			snprintf(v, sizeof v, "session-%d-answer-%d", i, j);
			REQUIRE(db_answer_put(d, id, q, v) == DB_OK);
		}
	}
	db_close(d);
}

static void case_corrupt(void)
{
	char *dir = pathf("corrupt");
	char *file;
	char *data;
	size_t n;

	mkdir_p(dir, 0700);

	/* random bytes */
	file = pathf("corrupt/garbage.db");
	data = malloc(65536);
	REQUIRE(data);
	REQUIRE(getrandom(data, 65536, 0) == 65536);
	write_file(file, data, 65536);
	free(data);
	expect_refused(file, "garbage", "is damaged or is not a msktriage");

	/* a text file */
	file = pathf("corrupt/notes.txt");
	write_file(file, "shopping: milk, eggs\n", 21);
	expect_refused(file, "text", "is damaged or is not a msktriage");

	/* somebody else's SQLite database is not touched */
	file = pathf("corrupt/other.db");
	raw_exec(file, "CREATE TABLE patients (name TEXT);"
		       "INSERT INTO patients VALUES ('x');");
	expect_refused(file, "foreign", "is not a msktriage session store");
	CHECK(raw_count(file, "SELECT count(*) FROM sqlite_schema "
			      "WHERE name = 'session'") == 0);

	/* a store from a newer msktriage */
	file = pathf("corrupt/newer.db");
	make_store(file, 1);
	raw_exec(file, "PRAGMA user_version = 99");
	expect_refused(file, "newer", "newer than this msktriage");

	/* a store whose pages were damaged in place */
	file = pathf("corrupt/damaged.db");
	make_store(file, 300);
	n = read_file(file, &data);
	REQUIRE(n > 40 * 4096);
	for (size_t off = 2 * 4096; off + 4096 < n; off += 3 * 4096)
		REQUIRE(getrandom(data + off + 100, 2000, 0) == 2000);
	write_file(file, data, n);
	free(data);
	poke_damaged(file, "damaged");

	/* a store cut short */
	file = pathf("corrupt/truncated.db");
	make_store(file, 300);
	REQUIRE(truncate(file, 12 * 4096) == 0);
	poke_damaged(file, "truncated");

	/* an empty file is a new store */
	file = pathf("corrupt/empty.db");
	write_file(file, "", 0);
	{
		db *d = open_or_die(file, NULL);

		CHECK(db_session_create(d, &kiosk, NULL, NULL) == DB_OK);
		CHECK(db_check(d) == DB_OK);
		db_close(d);
	}
}

/* ---- locked ----------------------------------------------------------- */

/*
 * Child: takes the write lock with a connection of its own, says so on
 * `ready`, holds it for hold_ms (or until `release` is readable when
 * hold_ms < 0), then commits.
 */
static void locker(const char *file, int ready, int release, long hold_ms)
{
	sqlite3 *h = NULL;
	char c;

	if (sqlite3_open(file, &h) != SQLITE_OK ||
	    sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		_exit(2);
	if (write(ready, "L", 1) != 1)
		_exit(3);
	if (hold_ms >= 0)
		sleep_ms(hold_ms);
	else if (read(release, &c, 1) < 0)
		_exit(4);
	sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
	sqlite3_close(h);
	_exit(0);
}

static pid_t start_locker(const char *file, long hold_ms, int *release_w)
{
	int ready[2], release[2];
	pid_t pid;
	char c;

	REQUIRE(pipe(ready) == 0 && pipe(release) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0) {
		close(ready[0]);
		close(release[1]);
		locker(file, ready[1], release[0], hold_ms);
	}
	close(ready[1]);
	close(release[0]);
	REQUIRE(read(ready[0], &c, 1) == 1);
	close(ready[0]);
	*release_w = release[1];
	return pid;
}

static void case_locked(void)
{
	char *file = pathf("locked/sessions.db");
	struct db_options quick = { .busy_timeout_ms = 300 };
	int64_t id;
	int release, revisions = 0;
	pid_t pid;
	db *d;

	d = open_or_die(file, NULL);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	db_close(d);

	/* a lock held past the timeout: DB_EBUSY, clear words, no damage */
	pid = start_locker(file, -1, &release);
	d = open_or_die(file, &quick);
	CHECK(db_answer_put(d, id, "age", "lock-secret") == DB_EBUSY);
	CHECK(strstr(db_errmsg(d), "locked by another process; try again"));
	CHECK(!strstr(db_errmsg(d), "database is locked"));
	CHECK(!strstr(db_errmsg(d), "lock-secret"));
	CHECK(db_session_create(d, &kiosk, NULL, NULL) == DB_EBUSY);
	/* reading goes on while another process writes */
	CHECK(count_answers(d, id) == 0);
	CHECK(write(release, "R", 1) == 1);
	close(release);
	CHECK(wait_child(pid) == 0);
	/* the caller retries with the value it still holds */
	CHECK(db_answer_put(d, id, "age", "lock-secret") == DB_OK);
	CHECK(count_answers(d, id) == 1);
	db_close(d);

	/* a short lock is waited out and never seen */
	pid = start_locker(file, 150, &release);
	d = open_or_die(file, NULL);
	CHECK(db_answer_put(d, id, "knee_pain", "yes") == DB_OK);
	CHECK(db_session_finish(d, id, "complete", "self_care", "{}") == DB_OK);
	close(release);
	CHECK(wait_child(pid) == 0);
	CHECK(count_answers(d, id) == 2);
	CHECK(db_answer_history(d, id, count_revision, &revisions) == DB_OK);
	CHECK(revisions == 2);
	db_close(d);
}

/* ---- crash ------------------------------------------------------------ */

#define STEPS 60
#define QUESTIONS 24

struct step {
	int kind;          /* 0 put, 1 remove */
	int q;
	char value[16];
};

/* The answers a session should hold: ordered as the store orders them. */
struct model {
	int n;
	int q[QUESTIONS];
	char v[QUESTIONS][16];
	int revisions;
};

static void make_script(struct step *s)
{
	for (int i = 0; i < STEPS; i++) {
		uint64_t r = rnd();

		s[i].q = (int)(r % QUESTIONS);
		s[i].kind = (r >> 8) % 100 < 15 ? 1 : 0;
		if ((r >> 16) % 100 < 15)
			snprintf(s[i].value, sizeof s[i].value, "skip");
		else
			snprintf(s[i].value, sizeof s[i].value, "v%d", i);
	}
}

static void model_apply(struct model *m, const struct step *s)
{
	int at = -1;

	for (int i = 0; i < m->n; i++)
		if (m->q[i] == s->q)
			at = i;
	if (s->kind == 1) {
		if (at < 0)
			return;
		memmove(&m->q[at], &m->q[at + 1],
			(size_t)(m->n - at - 1) * sizeof m->q[0]);
		memmove(&m->v[at], &m->v[at + 1],
			(size_t)(m->n - at - 1) * sizeof m->v[0]);
		m->n--;
		m->revisions++;
		return;
	}
	if (at >= 0) {
		if (strcmp(m->v[at], s->value) != 0) {
			snprintf(m->v[at], sizeof m->v[0], "%s", s->value);
			m->revisions++;
		}
		return;
	}
	m->q[m->n] = s->q;
	snprintf(m->v[m->n], sizeof m->v[0], "%s", s->value);
	m->n++;
	m->revisions++;
}

static void say(int fd, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (write(fd, buf, (size_t)n) != n)
		_exit(9);
}

/* Child: runs the script, reporting each step once it is committed. */
static void crash_child(const char *file, const struct step *script, int out)
{
	db *d = open_or_die(file, NULL);
	int64_t id;
	char q[16];

	if (db_session_create(d, &kiosk, &id, NULL) != DB_OK)
		_exit(2);
	say(out, "S %lld\n", (long long)id);
	for (int i = 0; i < STEPS; i++) {
		int rc;

		snprintf(q, sizeof q, "q%02d", script[i].q);
		rc = script[i].kind == 1 ? db_answer_remove(d, id, q)
					 : db_answer_put(d, id, q,
							 script[i].value);
		if (rc != DB_OK)
			_exit(3);
		say(out, "%d\n", i);
	}
	if (db_session_finish(d, id, "complete", "self_care", "{}") != DB_OK)
		_exit(4);
	say(out, "F\n");
	db_close(d);
	_exit(0);
}

static bool matches(db *d, int64_t id, const struct model *m)
{
	struct answers a = { 0 };
	int revisions = 0;
	char q[16];

	if (db_answers_load(d, id, collect_answer, &a) != DB_OK || a.n != m->n)
		return false;
	for (int i = 0; i < m->n; i++) {
		snprintf(q, sizeof q, "q%02d", m->q[i]);
		if (strcmp(a.q[i], q) != 0 || strcmp(a.v[i], m->v[i]) != 0)
			return false;
	}
	if (db_answer_history(d, id, count_revision, &revisions) != DB_OK)
		return false;
	return revisions == m->revisions;
}

static void case_crash(void)
{
	char *file = pg_store ? (char *)pg_store : pathf("crash/sessions.db");
	const int rounds = 40;
	int sessions_before = 0, killed = 0, in_flight = 0;

	if (pg_store)
		pg_empty();
	else
		mkdir_p(pathf("crash"), 0700);
	for (int round = 0; round < rounds; round++) {
		struct step script[STEPS];
		struct model before = { 0 }, after = { 0 };
		int p[2], last = -1, kill_at, sessions = 0;
		bool finished = false, have_id = false;
		long long id = 0;
		char line[64];
		pid_t pid;
		FILE *in;
		db *d;

		make_script(script);
		/* kill after a reported step, or after a random moment */
		kill_at = (int)(rnd() % (STEPS + 2)) - 1;
		REQUIRE(pipe(p) == 0);
		pid = fork();
		REQUIRE(pid >= 0);
		if (pid == 0) {
			close(p[0]);
			crash_child(file, script, p[1]);
		}
		close(p[1]);
		in = fdopen(p[0], "r");
		REQUIRE(in);
		if (round % 4 == 3) {
			sleep_ms((long)(rnd() % 40));
			kill(pid, SIGKILL);
		}
		while (fgets(line, sizeof line, in)) {
			if (line[0] == 'S') {
				id = atoll(line + 2);
				have_id = true;
			} else if (line[0] == 'F') {
				finished = true;
			} else {
				last = atoi(line);
			}
			if (round % 4 != 3 && have_id && last >= kill_at)
				kill(pid, SIGKILL);
		}
		fclose(in);
		wait_child(pid);

		/* what it said it committed, and possibly the step in flight */
		for (int i = 0; i <= last; i++)
			model_apply(&before, &script[i]);
		after = before;
		if (last + 1 < STEPS)
			model_apply(&after, &script[last + 1]);

		d = open_or_die(file, NULL);
		CHECK(db_session_list(d, NULL, 0, count_session, &sessions)
		      == DB_OK);
		CHECK(sessions == sessions_before ||
		      sessions == sessions_before + 1);
		if (have_id) {
			struct db_session *s = NULL;

			CHECK(sessions == sessions_before + 1);
			CHECK(matches(d, id, &before) || matches(d, id, &after));
			if (!finished)
				killed++;
			if (last + 1 < STEPS && !matches(d, id, &before))
				in_flight++;
			if (!matches(d, id, &before) && !matches(d, id, &after))
				fprintf(stderr, "round %d: session %lld after "
					"step %d does not match\n", round, id,
					last);
			CHECK(db_session_get(d, id, &s) == DB_OK);
			if (s) {
				CHECK(!finished ||
				      strcmp(s->status, "complete") == 0);
				CHECK(strcmp(s->status, "complete") == 0 ||
				      strcmp(s->status, "in_progress") == 0);
			}
			db_session_free(s);
		}
		CHECK(db_check(d) == DB_OK);
		db_close(d);
		sessions_before = sessions;
	}
	printf("crash: %d rounds, %d killed mid-session, %d with the step in "
	       "flight committed but not yet reported\n", rounds, killed,
	       in_flight);
}

/* ---- concurrency ------------------------------------------------------ */

#define WRITERS 8
#define PER_WRITER 200
#define ANSWERS 10

static void writer(const char *file, int c, int go)
{
	char buf[1], q[16], v[64], label[32], json[64];
	db *d;

	if (read(go, buf, 1) < 0)   /* returns 0 when the parent lets go */
		_exit(2);
	d = open_or_die(file, NULL);
	for (int i = 0; i < PER_WRITER; i++) {
		struct db_session_new s = kiosk;
		int64_t id;
		int rc;

		if (i % 2) {
			s.mode = "clinician";
			snprintf(label, sizeof label, "c%d-s%d", c, i);
			s.patient_label = label;
		}
		rc = db_session_create(d, &s, &id, NULL);
		for (int j = 0; rc == DB_OK && j < ANSWERS; j++) {
			snprintf(q, sizeof q, "q%d", j);
			snprintf(v, sizeof v, "c%d-s%d-q%d", c, i, j);
			rc = db_answer_put(d, id, q, v);
		}
		if (rc == DB_OK) {
			snprintf(v, sizeof v, "c%d-s%d-q3-changed", c, i);
			rc = db_answer_put(d, id, "q3", v);
		}
		if (rc == DB_OK) {
			snprintf(json, sizeof json, "{\"writer\":%d,\"n\":%d}",
				 c, i);
			rc = db_session_finish(d, id, "complete", "self_care",
					       json);
		}
		if (rc != DB_OK) {
			fprintf(stderr, "writer %d session %d: %s\n", c, i,
				db_errmsg(d));
			_exit(3);
		}
	}
	db_close(d);
	_exit(0);
}

struct reader_state {
	db *d;
	int bad;
};

static int read_one(const struct db_session *s, void *ctx)
{
	struct reader_state *r = ctx;
	struct answers a = { 0 };

	if (db_answers_load(r->d, s->id, collect_answer, &a) != DB_OK ||
	    a.n != ANSWERS)
		r->bad++;
	return 1;   /* the newest complete one is enough */
}

static void reader(const char *file, int go)
{
	char buf[1];
	struct reader_state r = { 0 };

	if (read(go, buf, 1) < 0)
		_exit(2);
	sleep_ms(20);   /* let the writers create the store */
	r.d = open_or_die(file, NULL);
	for (int i = 0; i < 300; i++) {
		int rc = db_session_list(r.d, "complete", 0, read_one, &r);

		if (rc < 0 || r.bad) {
			fprintf(stderr, "reader: %d %s\n", rc, db_errmsg(r.d));
			_exit(3);
		}
		sleep_ms(2);
	}
	db_close(r.d);
	_exit(0);
}

struct tally {
	db *d;
	int n, bad;
	int seen[WRITERS][PER_WRITER];
};

static int verify_session(const struct db_session *s, void *ctx)
{
	struct tally *t = ctx;
	struct answers a = { 0 };
	int c = -1, i = -1;
	char want[64];

	t->n++;
	if (!s->conclusions_json ||
	    sscanf(s->conclusions_json, "{\"writer\":%d,\"n\":%d}", &c, &i)
	    != 2 || c < 0 || c >= WRITERS || i < 0 || i >= PER_WRITER) {
		t->bad++;
		return 0;
	}
	t->seen[c][i]++;
	if (strcmp(s->status, "complete") != 0 || s->answer_count != ANSWERS ||
	    strcmp(s->level, "self_care") != 0 ||
	    strcmp(s->mode, i % 2 ? "clinician" : "kiosk") != 0)
		t->bad++;
	if (i % 2) {
		snprintf(want, sizeof want, "c%d-s%d", c, i);
		if (!s->patient_label || strcmp(s->patient_label, want) != 0)
			t->bad++;
	}
	if (db_answers_load(t->d, s->id, collect_answer, &a) != DB_OK ||
	    a.n != ANSWERS) {
		t->bad++;
		return 0;
	}
	for (int j = 0; j < ANSWERS; j++) {
		if (j == 3)
			snprintf(want, sizeof want, "c%d-s%d-q3-changed", c, i);
		else
			snprintf(want, sizeof want, "c%d-s%d-q%d", c, i, j);
		if (strcmp(a.v[j], want) != 0)
			t->bad++;
	}
	return 0;
}

static void case_concurrency(void)
{
	/* a store that does not exist yet: creation races too */
	char *file = pg_store ? (char *)pg_store
		     : pathf("conc/new/sessions.db");
	pid_t pids[WRITERS + 1];
	int go[2];
	double t0, secs;
	static struct tally t;
	db *d;

	if (pg_store)
		pg_empty();

	REQUIRE(pipe(go) == 0);
	for (int c = 0; c <= WRITERS; c++) {
		pids[c] = fork();
		REQUIRE(pids[c] >= 0);
		if (pids[c] == 0) {
			close(go[1]);
			if (c == WRITERS)
				reader(file, go[0]);
			writer(file, c, go[0]);
		}
	}
	close(go[0]);
	t0 = now_s();
	close(go[1]);   /* everyone starts at once */
	for (int c = 0; c <= WRITERS; c++)
		CHECK(wait_child(pids[c]) == 0);
	secs = now_s() - t0;
	printf("concurrency: %d writers x %d sessions (%d transactions each) "
	       "+ 1 reader: %.2f s\n", WRITERS, PER_WRITER, ANSWERS + 3, secs);

	d = open_or_die(file, NULL);
	t.d = d;
	CHECK(db_session_list(d, NULL, 0, verify_session, &t) == DB_OK);
	CHECK(t.n == WRITERS * PER_WRITER);
	CHECK(t.bad == 0);
	for (int c = 0; c < WRITERS; c++)
		for (int i = 0; i < PER_WRITER; i++)
			CHECK(t.seen[c][i] == 1);
	CHECK(raw_count(file, "SELECT count(DISTINCT code) FROM session")
	      == WRITERS * PER_WRITER);
	CHECK(raw_count(file, "SELECT count(*) FROM audit") ==
	      WRITERS * PER_WRITER * 3);   /* opened, answer_changed, finished */
	CHECK(raw_count(file, "SELECT count(*) FROM answer_revision") ==
	      WRITERS * PER_WRITER * (ANSWERS + 1));
	CHECK(db_check(d) == DB_OK);
	db_close(d);
}

/* ---- one writer per session, closed records --------------------------- */

/* Child: takes the session's lease, says so, then waits to be killed. */
static void lease_holder(const char *file, int64_t id, int ready)
{
	db *d = open_or_die(file, NULL);

	if (db_lease_take(d, id, false, NULL) != DB_OK)
		exit(2);
	if (write(ready, "x", 1) != 1)
		exit(3);
	for (;;)
		pause();
}

static bool audit_has(db *d, int64_t id, const char *event);

/* Child: waits for go, tries the lease, reports, holds until done. */
static void lease_racer(const char *file, int64_t id, int go, int report,
			int done)
{
	db *d = open_or_die(file, NULL);
	char c, r;
	int rc;

	if (read(go, &c, 1) != 1)
		exit(2);
	rc = db_lease_take(d, id, false, NULL);
	r = rc == DB_OK ? 'w' : rc == DB_EHELD ? 'h' : 'e';
	if (write(report, &r, 1) != 1)
		exit(3);
	if (read(done, &c, 1) < 0)   /* end of file: the round is over */
		exit(4);
	db_close(d);
	exit(0);
}

/* ROUNDS x RACERS processes race for one session's lease: exactly one
 * wins each round, and every lease is released when its holder closes. */
static void lease_race(const char *file, int64_t id)
{
	enum { ROUNDS = 40, RACERS = 8 };
	int won_total = 0, refused_total = 0;
	double t0 = now_s();

	for (int round = 0; round < ROUNDS; round++) {
		int go[2], rep[2], done[2], wins = 0, held = 0;
		pid_t pids[RACERS];

		REQUIRE(pipe(go) == 0 && pipe(rep) == 0 && pipe(done) == 0);
		for (int i = 0; i < RACERS; i++) {
			pids[i] = fork();
			REQUIRE(pids[i] >= 0);
			if (pids[i] == 0) {
				close(go[1]);
				close(rep[0]);
				close(done[1]);
				lease_racer(file, id, go[0], rep[1], done[0]);
			}
		}
		close(go[0]);
		close(rep[1]);
		close(done[0]);
		REQUIRE(write(go[1], "xxxxxxxx", RACERS) == RACERS);
		for (int i = 0; i < RACERS; i++) {
			char r = 'e';

			REQUIRE(read(rep[0], &r, 1) == 1);
			wins += r == 'w';
			held += r == 'h';
		}
		CHECK(wins == 1 && held == RACERS - 1);
		close(done[1]);
		for (int i = 0; i < RACERS; i++)
			CHECK(wait_child(pids[i]) == 0);
		close(go[1]);
		close(rep[0]);
		CHECK(raw_count(file, "SELECT count(*) FROM lease") == 0);
		won_total += wins;
		refused_total += held;
	}
	printf("lease race: %d rounds x %d processes: %d won, %d refused, "
	       "%.2f s\n", ROUNDS, RACERS, won_total, refused_total,
	       now_s() - t0);
}

static void case_lease(void)
{
	char file[4200];
	db *d, *a;
	int64_t id;
	struct db_lease h;
	int pfd[2];
	char c;
	pid_t pid;
	sqlite3 *raw;

	snprintf(file, sizeof file, "%s", pathf("lease/sessions.db"));
	d = open_or_die(file, NULL);
	REQUIRE(db_session_create(d, &kiosk, &id, NULL) == DB_OK);
	lease_race(file, id);

	/* a holder killed with SIGKILL leaves a lease seen as stale */
	REQUIRE(pipe(pfd) == 0);
	pid = fork();
	REQUIRE(pid >= 0);
	if (pid == 0)
		lease_holder(file, id, pfd[1]);
	REQUIRE(read(pfd[0], &c, 1) == 1);
	memset(&h, 0, sizeof h);
	CHECK(db_lease_take(d, id, false, &h) == DB_EHELD);
	CHECK(h.pid == pid && !h.stale);      /* alive: not stale */
	CHECK(db_lease_take(d, id, true, &h) == DB_EHELD);
	CHECK(db_answer_put(d, id, "age", "30") == DB_EHELD);
	kill(pid, SIGKILL);
	wait_child(pid);
	close(pfd[0]);
	close(pfd[1]);
	memset(&h, 0, sizeof h);
	CHECK(db_lease_take(d, id, false, &h) == DB_EHELD);
	CHECK(h.pid == pid && h.stale);
	CHECK(strstr(db_errmsg(d), "abandoned") != NULL);
	CHECK(db_lease_take(d, id, true, &h) == DB_OK);
	CHECK(audit_has(d, id, "lease_taken_over"));
	CHECK(db_answer_put(d, id, "age", "30") == DB_OK);

	/* a live holder idle longer than the limit can be taken over, and
	 * loses the session: its next write is refused */
	a = open_or_die(file, NULL);
	CHECK(db_lease_take(a, id, false, NULL) == DB_EHELD);
	CHECK(db_lease_release(d, id) == DB_OK);
	CHECK(db_lease_take(a, id, false, NULL) == DB_OK);
	CHECK(db_answer_put(a, id, "age", "31") == DB_OK);
	memset(&h, 0, sizeof h);
	CHECK(db_lease_take(d, id, true, &h) == DB_EHELD);
	CHECK(!h.stale);
	REQUIRE(sqlite3_open(file, &raw) == SQLITE_OK);
	{
		char sql[128];

		snprintf(sql, sizeof sql, "UPDATE lease SET active_at = "
			 "active_at - %d", DB_LEASE_IDLE_LIMIT + 1);
		REQUIRE(sqlite3_exec(raw, sql, NULL, NULL, NULL) == SQLITE_OK);
	}
	memset(&h, 0, sizeof h);
	CHECK(db_lease_take(d, id, false, &h) == DB_EHELD);
	CHECK(h.stale && h.pid == getpid());
	CHECK(db_lease_take(d, id, true, &h) == DB_OK);
	CHECK(db_answer_put(a, id, "age", "32") == DB_EHELD);
	CHECK(db_answer_put(d, id, "age", "33") == DB_OK);
	db_close(a);

	/* the file itself refuses changes to a signed-off session */
	CHECK(db_session_finish(d, id, "complete", "self_care", "{}") == DB_OK);
	CHECK(db_session_signoff(d, id, "Dr Test") == DB_OK);
	{
		char sql[256];
		static const char *const bad[] = {
			"INSERT INTO answer (session_id, question, value, seq,"
			" answered_at) VALUES (%lld, 'x', 'y', 9, 1)",
			"UPDATE answer SET value = 'z' WHERE session_id = %lld",
			"INSERT INTO note (session_id, text, at)"
			" VALUES (%lld, 't', 1)",
			"UPDATE session SET status = 'in_progress'"
			" WHERE id = %lld",
			"UPDATE session SET signed_off_by = 'x' WHERE id = %lld",
			NULL
		};
		for (int i = 0; bad[i]; i++) {
			snprintf(sql, sizeof sql, bad[i], (long long)id);
			CHECK(sqlite3_exec(raw, sql, NULL, NULL, NULL)
			      == SQLITE_CONSTRAINT);
		}
	}
	sqlite3_close(raw);
	CHECK(count_answers(d, id) == 1);
	CHECK(db_check(d) == DB_OK);
	db_close(d);
}

static int audit_event(const struct db_audit *r, void *ctx)
{
	return strcmp(r->event, ctx) == 0 ? 1 : 0;
}

static bool audit_has(db *d, int64_t id, const char *event)
{
	return db_audit_load(d, id, audit_event, (void *)event) == 1;
}

/* ---- main ------------------------------------------------------------- */

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		void (*run)(void);
	} cases[] = {
		{ "permissions", case_permissions },
		{ "readonly", case_readonly },
		{ "full", case_full },
		{ "atomic_save", case_atomic_save },
		{ "corrupt", case_corrupt },
		{ "locked", case_locked },
		{ "crash", case_crash },
		{ "concurrency", case_concurrency },
		{ "lease", case_lease },
	};
	const char *seed_env = getenv("STORE_TEST_SEED");

	pg_store = getenv("STORE_TEST_PG");
	if (pg_store && !*pg_store)
		pg_store = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: store_test CASE SCRATCH_DIR\n");
		return 2;
	}
	if (seed_env)
		rng_state = strtoull(seed_env, NULL, 0);
	else if (getrandom(&rng_state, sizeof rng_state, 0) < 0)
		rng_state = (uint64_t)time(NULL);
	rng_state |= 1;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		if (strcmp(argv[1], cases[i].name) != 0)
			continue;
		/* The read-only and permissions cases run children as an
		 * unprivileged user,
		 * who may not be able to reach a build tree inside a private
		 * home or temporary directory: it works under /tmp instead. */
		char tmp_base[] = "/tmp/msktriage-store-XXXXXX";
		const char *base = argv[2];
		if ((strcmp(argv[1], "readonly") == 0 ||
		     strcmp(argv[1], "permissions") == 0) && geteuid() == 0) {
			if (!mkdtemp(tmp_base) || chmod(tmp_base, 0755) != 0) {
				perror("store_test: scratch under /tmp");
				return 1;
			}
			base = tmp_base;
		}
		snprintf(scratch, sizeof scratch, "%s/%s", base, argv[1]);
		rm_rf(scratch);
		mkdir_p(scratch, 0755);
		printf("%s (STORE_TEST_SEED=%llu)\n", argv[1],
		       (unsigned long long)rng_state);
		fflush(stdout);
		cases[i].run();
		if (failures) {
			fprintf(stderr, "%s: %d check(s) failed; files kept in "
				"%s\n", argv[1], failures, scratch);
			return 1;
		}
		rm_rf(scratch);
		if (base != argv[2])
			rmdir(base);
		printf("%s: ok\n", argv[1]);
		return 0;
	}
	fprintf(stderr, "store_test: unknown case '%s'\n", argv[1]);
	return 2;
}
