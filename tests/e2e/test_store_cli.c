/*
 * test_store_cli.c — the session store's privacy through the real binary:
 * which commands may create a store, the modes of what is created, files
 * and directories others could read, write or plant (a second Unix user
 * when run as root), and report files.
 *
 * Each test has its own directory from mkdtemp(); a run of the binary is
 * a child, as the unprivileged user 65534 where a test says so (root
 * ignores file modes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e_pty.h"

#define NOBODY 65534

static char dir[256];
/* The binary, copied where the second user can run it: the checkout may sit
 * in a directory only its owner can enter. */
static char bin_dir[64];
static char bin[128];

struct run {
	int status;
	char *out;     /* stdout and stderr together */
};

/* Run the binary with args (after --db db_path when given). */
static struct run run_as(bool as_nobody, mode_t mask, const char *db_path,
			 const char *const *args)
{
	int pfd[2];
	struct run r = { 0 };
	assert_int_equal(pipe(pfd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[32];
		size_t n = 0;
		int devnull = open("/dev/null", O_RDONLY);
		dup2(devnull, 0);
		dup2(pfd[1], 1);
		dup2(pfd[1], 2);
		close(pfd[0]);
		if (as_nobody && geteuid() == 0 &&
		    (setgroups(0, NULL) != 0 || setgid(NOBODY) != 0 ||
		     setuid(NOBODY) != 0))
			_exit(126);
		umask(mask);
		setenv("HOME", dir, 1);
		unsetenv("MSKTRIAGE_DB");
		argv[n++] = bin;
		if (db_path) {
			argv[n++] = "--db";
			argv[n++] = (char *)db_path;
		}
		for (size_t i = 0; args[i] && n < 31; i++)
			argv[n++] = (char *)args[i];
		argv[n] = NULL;
		execv(bin, argv);
		_exit(127);
	}
	close(pfd[1]);
	size_t cap = 65536, len = 0;
	r.out = malloc(cap);
	ssize_t got;
	while ((got = read(pfd[0], r.out + len, cap - len - 1)) > 0) {
		len += (size_t)got;
		if (len + 1 >= cap)
			r.out = realloc(r.out, cap *= 2);
	}
	r.out[len] = '\0';
	close(pfd[0]);
	int st;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	pty_assert_one_prefix("the output", r.out, len);
	return r;
}

static struct run run(const char *db_path, const char *const *args)
{
	return run_as(false, 022, db_path, args);
}

static char *path(const char *rel)
{
	static char buf[8][512];
	static int next;
	char *p = buf[next++ % 8];
	snprintf(p, sizeof(buf[0]), "%s/%s", dir, rel);
	return p;
}

static mode_t mode_of(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0 ? st.st_mode & 07777 : (mode_t)-1;
}

static bool exists(const char *p)
{
	struct stat st;
	return lstat(p, &st) == 0;
}

static void write_text(const char *p, const char *text, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static char *read_text(const char *p)
{
	static char buf[65536];
	int fd = open(p, O_RDONLY);
	if (fd < 0)
		return NULL;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* A store with one saved session (id 1), made by assess --save. */
static void make_store(const char *db_path, bool as_nobody)
{
	char req[600];
	snprintf(req, sizeof(req), "%s/req.json", dir);
	if (!exists(req))
		write_text(req, "{\"answers\": {\"age\": 40, \"knee_pain\": \"yes\"}}\n",
			   0644);
	const char *const args[] = { "assess", "--answers", req, "--save", NULL };
	struct run r = run_as(as_nobody, 022, db_path, args);
	if (r.status != 0)
		fail_msg("assess --save: %s", r.out);
	free(r.out);
}

static void expect_run(int line, const char *db_path, const char *const *args,
		       int status, const char *text)
{
	struct run r = run(db_path, args);
	if (r.status != status || (text && !strstr(r.out, text)))
		fail_msg("line %d: '%s ...' exited %d (want %d), said: %s "
			 "(want '%s')", line, args[0], r.status, status, r.out,
			 text ? text : "");
	free(r.out);
}
#define EXPECT_RUN(db, args, st, text) expect_run(__LINE__, db, args, st, text)

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/msk-store-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	/* reachable by the second user; the tests' own directories are 0700 */
	return chmod(dir, 0755);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[400];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ------------------------------------------------------------------ tests */

/* Only commands that start sessions create a store; a mistyped --db
 * leaves nothing behind. */
static void test_read_only_commands_create_nothing(void **state)
{
	(void)state;
	static const char *const cmds[][8] = {
		{ "sessions", "list", NULL },
		{ "sessions", "show", "1", NULL },
		{ "sessions", "delete", "1", "--yes", NULL },
		{ "sessions", "addendum", "1", "--author", "a", "--text", "b", NULL },
		{ "report", "1", NULL },
		{ "resume", "1", NULL },
	};
	char want[600];
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(want, sizeof(want), "no session store at '%s'",
			 path("typo/sub/sessions.db"));
		EXPECT_RUN(path("typo/sub/sessions.db"), cmds[i], 1, want);
		assert_false(exists(path("typo")));
		snprintf(want, sizeof(want), "no session store at '%s'",
			 path("missing.db"));
		EXPECT_RUN(path("missing.db"), cmds[i], 1, want);
		assert_false(exists(path("missing.db")));
	}
	/* assess --save creates it: directories 0700, the file 0600, even
	 * with a permissive umask */
	char req[600];
	snprintf(req, sizeof(req), "%s/req.json", dir);
	write_text(req, "{\"answers\": {\"age\": 40}}\n", 0644);
	const char *const save[] = { "assess", "--answers", req, "--save", NULL };
	struct run r = run_as(false, 0, path("new/a/sessions.db"), save);
	assert_int_equal(r.status, 0);
	free(r.out);
	assert_int_equal(mode_of(path("new")), 0700);
	assert_int_equal(mode_of(path("new/a")), 0700);
	assert_int_equal(mode_of(path("new/a/sessions.db")), 0600);
	/* and the read-only commands then work */
	const char *const list[] = { "sessions", "list", NULL };
	EXPECT_RUN(path("new/a/sessions.db"), list, 0, NULL);
}

/* Stores others could read or write, or plant. */
static void test_store_modes(void **state)
{
	(void)state;
	const char *const list[] = { "sessions", "list", NULL };
	char want[700];
	assert_int_equal(mkdir(path("d"), 0700), 0);
	make_store(path("d/s.db"), false);

	/* readable by others: narrowed, and used */
	assert_int_equal(chmod(path("d/s.db"), 0644), 0);
	EXPECT_RUN(path("d/s.db"), list, 0, "1 ");
	assert_int_equal(mode_of(path("d/s.db")), 0600);
	/* writable by others: refused with what to run, left as it is */
	assert_int_equal(chmod(path("d/s.db"), 0666), 0);
	snprintf(want, sizeof(want), "chmod 600 '%s'", path("d/s.db"));
	EXPECT_RUN(path("d/s.db"), list, 1, want);
	assert_int_equal(mode_of(path("d/s.db")), 0666);
	assert_int_equal(chmod(path("d/s.db"), 0600), 0);
	/* its directory writable by others: refused */
	assert_int_equal(chmod(path("d"), 0777), 0);
	snprintf(want, sizeof(want), "chmod 700 '%s'", path("d"));
	EXPECT_RUN(path("d/s.db"), list, 1, want);
	assert_int_equal(chmod(path("d"), 0700), 0);

	/* a dangling link at the store's path: refused, its target not
	 * created, by a command that may create a store too */
	assert_int_equal(symlink("elsewhere.db", path("d/link.db")), 0);
	char req[600];
	snprintf(req, sizeof(req), "%s/req.json", dir);
	const char *const save[] = { "assess", "--answers", req, "--save", NULL };
	EXPECT_RUN(path("d/link.db"), save, 1, "symbolic link");
	assert_false(exists(path("d/elsewhere.db")));
	EXPECT_RUN(path("d/link.db"), list, 1, "symbolic link");
}

/* A second user: what it plants is never used, and it cannot read ours. */
static void test_second_user(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();   /* needs root to become another user */
		return;
	}
	const char *const list[] = { "sessions", "list", NULL };
	/* the other user's store, made in its own directory, then put in a
	 * shared directory, as /tmp is */
	assert_int_equal(mkdir(path("other"), 0755), 0);
	assert_int_equal(chown(path("other"), NOBODY, NOBODY), 0);
	make_store(path("other/theirs.db"), true);
	assert_int_equal(mkdir(path("shared"), 01777), 0);
	assert_int_equal(chmod(path("shared"), 01777), 0);
	assert_int_equal(rename(path("other/theirs.db"), path("shared/theirs.db")), 0);
	assert_int_equal(symlink("theirs.db", path("shared/ours.db")), 0);
	/* their store, and their link where ours would be: refused */
	EXPECT_RUN(path("shared/theirs.db"), list, 1, "written by other users");
	EXPECT_RUN(path("shared/ours.db"), list, 1, "written by other users");
	assert_int_equal(chmod(path("shared"), 0755), 0);
	EXPECT_RUN(path("shared/theirs.db"), list, 1, "belongs to another user");
	EXPECT_RUN(path("shared/ours.db"), list, 1, "symbolic link");

	/* ours, made with their umask of 0: they can read none of it */
	assert_int_equal(mkdir(path("mine"), 0755), 0);
	make_store(path("mine/s.db"), false);
	struct run r = run_as(true, 0, path("mine/s.db"), list);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "Permission denied"));
	free(r.out);
	pid_t pid = fork();
	if (pid == 0) {
		if (setgroups(0, NULL) || setgid(NOBODY) || setuid(NOBODY))
			_exit(2);
		_exit(open(path("mine/s.db"), O_RDONLY) < 0 && errno == EACCES
		      ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* report --output: never through a link, 0600 always, never another
 * user's file; and no report whose export cannot be audited. */
static void test_report_output(void **state)
{
	(void)state;
	char db[512], want[700];
	snprintf(db, sizeof(db), "%s", path("d/s.db"));
	assert_int_equal(mkdir(path("d"), 0700), 0);
	make_store(db, false);

	/* a dangling link: refused, its target not created */
	assert_int_equal(symlink("target.txt", path("d/r1.txt")), 0);
	const char *const r1[] = { "report", "1", "--output", path("d/r1.txt"), NULL };
	EXPECT_RUN(db, r1, 1, "symbolic link");
	assert_false(exists(path("d/target.txt")));
	/* a link to a file: refused, the file unchanged */
	write_text(path("d/kept.txt"), "kept\n", 0644);
	assert_int_equal(symlink("kept.txt", path("d/r2.txt")), 0);
	const char *const r2[] = { "report", "1", "--output", path("d/r2.txt"), NULL };
	EXPECT_RUN(db, r2, 1, "symbolic link");
	assert_string_equal(read_text(path("d/kept.txt")), "kept\n");
	/* an existing file readable by all: written, and 0600 */
	write_text(path("d/r3.txt"), "old old old old old old old old\n", 0644);
	const char *const r3[] = { "report", "1", "--output", path("d/r3.txt"), NULL };
	EXPECT_RUN(db, r3, 0, NULL);
	assert_int_equal(mode_of(path("d/r3.txt")), 0600);
	assert_non_null(strstr(read_text(path("d/r3.txt")), "Musculoskeletal triage report"));
	assert_null(strstr(read_text(path("d/r3.txt")), "old old"));
	/* a new file with a permissive umask: 0600 */
	const char *const r4[] = { "report", "1", "--output", path("d/r4.txt"), NULL };
	struct run r = run_as(false, 0, db, r4);
	assert_int_equal(r.status, 0);
	free(r.out);
	assert_int_equal(mode_of(path("d/r4.txt")), 0600);
	/* another user's file: refused, unchanged */
	if (geteuid() == 0) {
		write_text(path("d/theirs.txt"), "theirs\n", 0666);
		assert_int_equal(chown(path("d/theirs.txt"), NOBODY, NOBODY), 0);
		const char *const r5[] = { "report", "1", "--output",
					   path("d/theirs.txt"), NULL };
		EXPECT_RUN(db, r5, 1, "belongs to another user");
		assert_string_equal(read_text(path("d/theirs.txt")), "theirs\n");
	}
	/* every written report is in the audit trail */
	const char *const show[] = { "sessions", "show", "1", NULL };
	r = run(db, show);
	int exports = 0;
	for (const char *p = r.out; (p = strstr(p, "report_exported")); p++)
		exports++;
	free(r.out);
	assert_int_equal(exports, 2);

	/* the store cannot record the export: no report at all */
	assert_int_equal(mkdir(path("ro"), 0700), 0);
	if (geteuid() == 0)
		assert_int_equal(chown(path("ro"), NOBODY, NOBODY), 0);
	make_store(path("ro/s.db"), true);
	assert_int_equal(chmod(path("ro/s.db"), 0400), 0);
	const char *const r6[] = { "report", "1", "--output", path("ro/r.txt"), NULL };
	r = run_as(true, 022, path("ro/s.db"), r6);
	snprintf(want, sizeof(want), "audit trail");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, want));
	free(r.out);
	assert_false(exists(path("ro/r.txt")));
	const char *const r7[] = { "report", "1", NULL };
	r = run_as(true, 022, path("ro/s.db"), r7);
	assert_int_equal(r.status, 1);
	assert_null(strstr(r.out, "Musculoskeletal triage report"));
	free(r.out);
}

/* Copy MSKTRIAGE_BIN into a fresh 0755 directory as bin. */
static int copy_binary(void)
{
	snprintf(bin_dir, sizeof(bin_dir), "/tmp/msk-bin-XXXXXX");
	if (!mkdtemp(bin_dir) || chmod(bin_dir, 0755) != 0)
		return -1;
	snprintf(bin, sizeof(bin), "%s/msktriage", bin_dir);
	int in = open(MSKTRIAGE_BIN, O_RDONLY);
	int out = open(bin, O_WRONLY | O_CREAT | O_EXCL, 0755);
	char buf[65536];
	ssize_t got = 0;
	while (in >= 0 && out >= 0 && (got = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)got) != got)
			got = -1;
	int ok = in >= 0 && out >= 0 && got == 0;
	if (in >= 0)
		close(in);
	if (out >= 0 && close(out) != 0)
		ok = 0;
	return ok ? 0 : -1;
}

int main(void)
{
	if (copy_binary() != 0) {
		fprintf(stderr, "cannot copy %s into %s\n", MSKTRIAGE_BIN, bin_dir);
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_only_commands_create_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_output, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name("store (e2e)", tests, NULL, NULL);
	unlink(bin);
	rmdir(bin_dir);
	return failed;
}
