/*
 * test_kiosk.c — the patient self-check kiosk through a pseudo-terminal, on
 * the built-in rule base: the real binary started with forkpty(), typed at
 * like a patient (and like someone trying to get out), the screen read back.
 *
 * Flows: a complete check-in with its code, found by `sessions list --mode
 * kiosk` and opened by `report`; an emergency stop whose screen stays until
 * the staff PIN clears it; Ctrl-C, Ctrl-Z, Ctrl-\ and Ctrl-D (and the
 * signals themselves) neither end nor suspend the kiosk; the PIN is needed
 * to leave, wrong PINs make the next try wait, and every attempt is in the
 * kiosk trail; an idle patient is asked whether they are still there and,
 * without a key, their session is abandoned and the screen and scrollback
 * cleared, and the next patient sees and reaches nothing of theirs;
 * nothing is written outside the store (HOME and the working directory stay
 * empty); `assess --mode kiosk` refuses clinician-only answers.
 *
 * Each test has its own store, HOME and working directory in a fresh
 * temporary directory. A wait for screen text that times out is a failure
 * (the screen is printed), not a measurement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <dirent.h>
#include <grp.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "e2e_pty.h"

#define PIN "2468"

static char dir[512];         /* this test's temporary directory */

/* ------------------------------------------------------------ a terminal */

static void path_in(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

static void set_env(void)
{
	char buf[600];
	path_in(buf, sizeof(buf), "home");
	setenv("HOME", buf, 1);
	unsetenv("XDG_STATE_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("MSKTRIAGE_DB");
	unsetenv("INPUTRC");
	setenv("TERM", "xterm", 1);
	unsetenv("NO_COLOR");
	path_in(buf, sizeof(buf), "cwd");
	if (chdir(buf) != 0)
		_exit(126);
}

/* `test_kiosk pg`: the store is this PostgreSQL URI instead of a file. */
static const char *pg_store;

static void build_argv(char **argv, char *db, const char *const *args)
{
	size_t n = 0;
	argv[n++] = (char *)MSKTRIAGE_BIN;
	if (pg_store)
		snprintf(db, 600, "%s", pg_store);
	else
		snprintf(db, 600, "%s/store/sessions.db", dir);
	argv[n++] = "--db";
	argv[n++] = db;
	for (size_t i = 0; args && args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
}

/* In the child: a stand-in for a login shell with job control. The kiosk
 * runs in its own foreground process group (so a stop signal would really
 * stop it), and if it stops or ends this "shell" shows its prompt. */
static void shell(void *ctx)
{
	const char *const *args = ctx;
	char *argv[32], db[600];
	set_env();
	build_argv(argv, db, args);
	signal(SIGTTOU, SIG_IGN);
	pid_t kid = fork();
	if (kid == 0) {
		setpgid(0, 0);
		tcsetpgrp(STDIN_FILENO, getpid());
		signal(SIGTTOU, SIG_DFL);
		execv(MSKTRIAGE_BIN, argv);
		_exit(127);
	}
	setpgid(kid, kid);
	tcsetpgrp(STDIN_FILENO, kid);
	int st = 0;
	waitpid(kid, &st, WUNTRACED);
	tcsetpgrp(STDIN_FILENO, getpgrp());
	if (WIFSTOPPED(st)) {
		kill(kid, SIGKILL);
		(void)!write(STDOUT_FILENO, "\r\n[stopped]\r\n$ ", 16);
		sleep(1);
		_exit(99);
	}
	(void)!write(STDOUT_FILENO, "\r\n$ ", 4);
	_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
}

static int columns = 80;   /* of the terminals started */

static void pty_start(struct pty *p, const char *const *args)
{
	pty_spawn(p, columns, 24, shell, (void *)args);
}

/* Stop a kiosk that is still running (it cannot be left without the PIN)
 * as the system would at shutdown: SIGTERM, which ends it cleanly (under
 * the sanitizers, with its leak check) after putting away the session in
 * hand. */
static void pty_stop(struct pty *p)
{
	pid_t fg = tcgetpgrp(p->fd);
	assert_true(fg > 0 && fg != p->pid);
	kill(-fg, SIGTERM);
	assert_int_equal(pty_finish(p), 0);
}

/* The process is there and neither ended nor stopped. */
static void assert_alive(struct pty *p)
{
	int st = 0;
	pid_t r = waitpid(p->pid, &st, WNOHANG | WUNTRACED);
	if (r != 0) {
		pty_dump(p);
		fail_msg("the kiosk %s", r == p->pid && WIFSTOPPED(st)
			 ? "was suspended" : "ended");
	}
}

/* Every screen (from one clear to the next) fits columns x 24, and no line
 * is wider than the terminal. */
static void assert_screens_fit(struct pty *p)
{
	pty_pump(p, 0);
	const char *clear = "\033[2J";
	const char *s = p->raw;
	while (s && *s) {
		const char *next = strstr(s + 1, clear);
		size_t n = next ? (size_t)(next - s) : strlen(s);
		int rows = 0, w = 0;
		for (size_t i = 0; i < n; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c == '\n') {
				rows++;
				w = 0;
			} else if (c == 0x1b && i + 1 < n && s[i + 1] == ']') {
				while (i < n && s[i] != '\a')
					i++;
			} else if (c == 0x1b && i + 1 < n && s[i + 1] == '[') {
				for (i += 2; i < n && !isalpha((unsigned char)s[i]); i++)
					;
			} else if (c == '\b') {
				w--;
			} else if ((c & 0xC0) != 0x80 && c >= 0x20) {
				if (++w > columns) {
					const char *l = s + i;
					while (l > s && l[-1] != '\n')
						l--;
					fail_msg("a line is wider than %d columns: "
						 "%.100s", columns, l);
				}
			}
		}
		if (rows > 24) {
			fprintf(stderr, "%.*s\n", (int)n, s);
			fail_msg("a screen has %d rows", rows);
		}
		s = next;
	}
}

/* ------------------------------------------------------------ running */

static int run_plain(const char *const *args, const char *input, char **out)
{
	char path[600];
	path_in(path, sizeof(path), "in.txt");
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(input, f);
	fclose(f);
	int pipefd[2];
	FILE *errf = tmpfile();
	assert_non_null(errf);
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[32], db[600];
		int in = open(path, O_RDONLY);
		dup2(in, 0);
		dup2(pipefd[1], 1);
		dup2(fileno(errf), 2);
		close(pipefd[0]);
		set_env();
		build_argv(argv, db, args);
		execv(MSKTRIAGE_BIN, argv);
		_exit(127);
	}
	close(pipefd[1]);
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	ssize_t got;
	while ((got = read(pipefd[0], buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	close(pipefd[0]);
	unlink(path);
	int st;
	waitpid(pid, &st, 0);
	/* stderr after stdout: checked for repeated prefixes on its own */
	rewind(errf);
	size_t at = n;
	while ((got = read(fileno(errf), buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	fclose(errf);
	pty_assert_one_prefix("stderr", buf + at, n - at);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/*
 * Every question's patient wording that a screen began to show is shown
 * whole: as the screen reads, so a line break inside it is fine but a
 * break inside a word (which adds a space) is not.
 */
static void assert_patient_texts_whole(struct pty *p)
{
	char *out = NULL;
	const char *const args[] = { "rules", "list", "--format", "json", NULL };
	assert_int_equal(run_plain(args, "", &out), 0);
	json_t *list = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(list);
	char *norm = pty_normalise(p->raw, p->len);
	size_t i, shown = 0;
	json_t *q;
	json_array_foreach(json_object_get(list, "questions"), i, q) {
		const char *t = json_string_value(json_object_get(q, "patient_text"));
		char start[40];
		if (!t || strlen(t) < sizeof(start))
			continue;
		memcpy(start, t, sizeof(start) - 1);
		start[sizeof(start) - 1] = '\0';
		if (!strstr(norm, start))
			continue;
		pty_assert_whole("the kiosk", p->raw, p->len, t);
		shown++;
	}
	assert_true(shown > 0);
	free(norm);
	json_decref(list);
}

static void set_pin(void)
{
	char *out = NULL;
	const char *const args[] = { "kiosk", "--set-pin", NULL };
	assert_int_equal(run_plain(args, PIN "\n" PIN "\n", &out), 0);
	assert_non_null(strstr(out, "staff PIN set"));
	free(out);
}

/* One number from a query on the store. */
static long long store_count(const char *sql)
{
	char path[600];
	sqlite3 *h;
	sqlite3_stmt *s;
	path_in(path, sizeof(path), "store/sessions.db");
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	long long v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return v;
}

/* One text from a query on the store, into buf. */
static void store_text(const char *sql, char *buf, size_t size)
{
	char path[600];
	sqlite3 *h;
	sqlite3_stmt *s;
	path_in(path, sizeof(path), "store/sessions.db");
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(s), SQLITE_ROW);
	snprintf(buf, size, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(h);
}

/* A directory holds nothing. */
static void assert_empty(const char *name)
{
	char path[600];
	path_in(path, sizeof(path), name);
	DIR *d = opendir(path);
	assert_non_null(d);
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			fail_msg("'%s' was created in %s", e->d_name, name);
	closedir(d);
}

/* ------------------------------------------------------------ answering */

/* What the screen asks now: the text from the last clear. */
static char *last_screen(struct pty *p)
{
	pty_pump(p, 0);
	const char *s = p->raw, *hit;
	while ((hit = strstr(s, "\033[2J")))
		s = hit + 1;
	return pty_normalise(s, strlen(s));
}

/* Wait until a screen drawn since we last typed ends with one of the
 * prompts the kiosk uses. */
static char *wait_screen(struct pty *p)
{
	time_t end = time(NULL) + PTY_WAIT_S;
	for (;;) {
		pty_pump(p, 100);
		const char *s = p->raw, *hit;
		while ((hit = strstr(s, "\033[2J")))
			s = hit + 1;
		if (s > p->raw && (size_t)(s - p->raw) > p->typed_at) {
			char *t = last_screen(p);
			size_t n = strlen(t);
			if ((n >= 12 && strcmp(t + n - 12, "Your answer:") == 0) ||
			    strstr(t, "Press any key") || strstr(t, "PIN:") ||
			    strstr(t, "Press Enter to start"))
				return t;
			free(t);
		}
		if (p->eof || time(NULL) > end) {
			pty_dump(p);
			fail_msg("no new screen appeared%s",
				 p->eof ? " (the program ended)" : "");
		}
	}
}

struct rule {
	const char *words;   /* in the question's patient wording */
	const char *keys;
};

/*
 * Answer questions until a screen that is not a question: by the script
 * when the wording matches, else the lowest number allowed for a number,
 * 2 (No) for yes/no, 1 for a choice. Returns that screen (caller frees).
 */
static char *answer_all(struct pty *p, const struct rule *script)
{
	for (int guard = 0; guard < 120; guard++) {
		char *s = wait_screen(p);
		if (!strstr(s, "Your answer:"))
			return s;
		/* Never an id, a rule name, a confidence or a source. */
		assert_null(strstr(s, "_pain"));
		assert_null(strstr(s, "confidence"));
		assert_null(strstr(s, "source"));
		assert_non_null(strstr(s, "question "));
		assert_non_null(strstr(s, " of about "));
		const char *keys = NULL;
		for (const struct rule *r = script; r && r->words; r++)
			if (strstr(s, r->words)) {
				keys = r->keys;
				break;
			}
		char buf[32];
		const char *from = strstr(s, "number from ");
		if (!keys && from) {
			snprintf(buf, sizeof(buf), "%d",
				 atoi(from + strlen("number from ")));
			keys = buf;
		}
		if (!keys)
			keys = strstr(s, "1 Yes 2 No") ? "2" : "1";
		free(s);
		char typed[64];
		snprintf(typed, sizeof(typed), "%s\r", keys);
		pty_type(p, typed);
	}
	fail_msg("the check-in did not end within 120 questions");
	return NULL;
}

/* "Reference for the staff: XXXX-XXXX". */
static void code_from(const char *screen, const char *after, char code[16])
{
	const char *s = strstr(screen, after);
	assert_non_null(s);
	s += strlen(after);
	while (*s == ' ')
		s++;
	snprintf(code, 16, "%.9s", s);
	assert_int_equal(strlen(code), 9);
	assert_int_equal(code[4], '-');
}

/* The code spaced out on the thank-you screen: "K 7 Q X - 4 M R T". */
static void spaced_code_from(const char *screen, char code[16])
{
	for (const char *s = screen; strlen(s) >= 17; s++) {
		bool ok = true;
		for (int j = 0; j < 9 && ok; j++) {
			char c = s[2 * j];
			ok = j == 4 ? c == '-' : isupper((unsigned char)c) ||
						 isdigit((unsigned char)c);
			if (j < 8)
				ok = ok && s[2 * j + 1] == ' ';
		}
		if (ok) {
			for (int j = 0; j < 9; j++)
				code[j] = s[2 * j];
			code[9] = '\0';
			return;
		}
	}
	fail_msg("no spaced reference code on the screen: %s", screen);
}

/* --------------------------------------------------------------- set-up */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/msk-kiosk-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	static const char *const sub[] = { "home", "cwd", "store", NULL };
	for (size_t i = 0; sub[i]; i++) {
		char path[600];
		path_in(path, sizeof(path), sub[i]);
		if (mkdir(path, 0700) != 0)
			return -1;
	}
	return 0;
}

/* The same in a terminal 60 or 120 columns wide. */
static int setup_60(void **state)
{
	columns = 60;
	return setup(state);
}

static int setup_120(void **state)
{
	columns = 120;
	return setup(state);
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	columns = 80;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ----------------------------------------------------------------- flows */

static void report_as_other_user(const char *code);

static void test_complete_check_in(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	set_pin();
	const char *const args[] = { "kiosk", NULL };
	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "\r");
	pty_expect(&p, "question 1 of about");
	pty_expect(&p, "How old are you");

	/* Not one of the answers: said in plain words, asked again. */
	pty_type(&p, "200\r");
	pty_expect(&p, "Please type a whole number from 0 to 120");
	pty_type(&p, "help\r");
	pty_expect(&p, "The question is:");
	pty_expect(&p, "Press Enter to go back to the question");
	pty_type(&p, "\r");
	pty_expect(&p, "How old are you");
	pty_type(&p, "44\r");
	pty_expect(&p, "question 2 of about");
	/* back: the age again (its answer kept until a new one is given). */
	pty_type(&p, "back\r");
	pty_expect(&p, "question 1 of about");
	pty_expect(&p, "How old are you");

	static const struct rule script[] = {
		{ "How old are you", "44" },
		{ "pain in or around a knee", "1" },
		{ NULL, NULL },
	};
	char *s = answer_all(&p, script);
	assert_non_null(strstr(s, "Thank you"));
	spaced_code_from(s, code);
	/* the code in large characters above its spaced form */
	size_t hashes = 0;
	for (const char *c = s; *c; c++)
		hashes += *c == '#';
	assert_true(hashes >= 8 * 9);
	free(s);
	pty_type(&p, " ");
	s = wait_screen(&p);
	assert_non_null(strstr(s, "your advice"));
	/* Keys until the welcome screen is back. */
	for (int i = 0; i < 6 && !strstr(s, "Press Enter to start"); i++) {
		free(s);
		pty_type(&p, "x");
		s = wait_screen(&p);
	}
	assert_non_null(strstr(s, "Press Enter to start"));
	free(s);
	assert_screens_fit(&p);
	assert_patient_texts_whole(&p);
	assert_alive(&p);
	pty_stop(&p);

	char *out = NULL;
	const char *const list[] = { "sessions", "list", "--mode", "kiosk", NULL };
	assert_int_equal(run_plain(list, "", &out), 0);
	assert_non_null(strstr(out, code));
	assert_non_null(strstr(out, "complete"));
	free(out);
	const char *const clin[] = { "sessions", "list", "--mode", "clinician", NULL };
	assert_int_equal(run_plain(clin, "", &out), 0);
	assert_null(strstr(out, code));
	free(out);
	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Status       complete"));
	assert_non_null(strstr(out, "kiosk"));
	assert_non_null(strstr(out, "Pain in or around either knee? yes"));
	free(out);

	/* Nothing written outside the store. */
	assert_empty("home");
	assert_empty("cwd");
	if (pg_store)
		report_as_other_user(code);
}

/*
 * Another machine of the clinic: a second Unix user (nobody) with a home
 * of its own, running its own copy of the program, opens the report of the
 * session just finished at the kiosk, by its code, on the shared store.
 */
static void report_as_other_user(const char *code)
{
	char bindir[] = "/tmp/msk-clinic-XXXXXX", bin[64], home[64], cmd[2048];
	char buf[8192];
	size_t n = 0;
	int pipefd[2], st = 0;

	assert_non_null(mkdtemp(bindir));
	assert_int_equal(chmod(bindir, 0755), 0);
	snprintf(bin, sizeof bin, "%s/msktriage", bindir);
	snprintf(home, sizeof home, "%s/home", bindir);
	snprintf(cmd, sizeof cmd, "cp '%s' '%s' && chmod 0755 '%s' && mkdir -m 0700"
		 " '%s' && chown 65534 '%s'", MSKTRIAGE_BIN, bin, bin, home, home);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			_exit(126);
		setenv("HOME", home, 1);
		if (chdir(home) != 0)
			_exit(126);
		execl(bin, bin, "--db", pg_store, "report", code, (char *)NULL);
		_exit(127);
	}
	close(pipefd[1]);
	for (ssize_t r; (r = read(pipefd[0], buf + n, sizeof buf - 1 - n)) > 0;)
		n += (size_t)r;
	buf[n] = '\0';
	close(pipefd[0]);
	waitpid(pid, &st, 0);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", bindir);
	assert_int_equal(system(cmd), 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fail_msg("report as another user: %s", buf);
	assert_non_null(strstr(buf, code));
	assert_non_null(strstr(buf, "Status       complete"));
	assert_non_null(strstr(buf, "Mode         kiosk"));
}

static void test_emergency_stop(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	set_pin();
	const char *const args[] = { "kiosk", NULL };
	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "\r");
	static const struct rule script[] = {
		{ "How old are you", "45" },
		{ "lower back", "1" },
		{ "numbness", "1" },
		{ NULL, NULL },
	};
	char *s = answer_all(&p, script);
	assert_non_null(strstr(s, "PLEASE ACT NOW"));
	assert_non_null(strstr(s, "emergency department"));
	assert_non_null(strstr(s, "Tell a member of staff now"));
	code_from(s, "Reference for the staff:", code);
	free(s);

	/* It stays: keys, an empty line and a wrong PIN do not clear it. */
	pty_type(&p, "\r");
	pty_type(&p, "\003\032\034\004");
	pty_type(&p, "9999\r");
	pty_expect(&p, "Wrong PIN");
	s = last_screen(&p);
	assert_non_null(strstr(s, "PLEASE ACT NOW"));
	free(s);
	assert_alive(&p);
	pty_type(&p, PIN "\r");
	pty_expect(&p, "Press Enter to start");
	assert_screens_fit(&p);
	assert_patient_texts_whole(&p);
	pty_stop(&p);

	char *out = NULL;
	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Status       emergency_stopped"));
	assert_non_null(strstr(out, "Possible cauda equina syndrome"));
	free(out);
	assert_int_equal(store_count("SELECT count(*) FROM kiosk_event WHERE "
				     "event = 'emergency_cleared'"), 1);
	assert_empty("home");
	assert_empty("cwd");
}

/* The kiosk's emergency screen offers nothing but the staff PIN: no
 * continuing after the stop, no note, no sign-off; "continue" typed there
 * is a wrong PIN and the screen stays. */
static void test_emergency_offers_no_continue(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	set_pin();
	const char *const args[] = { "kiosk", NULL };
	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "\r");
	static const struct rule script[] = {
		{ "How old are you", "45" },
		{ "lower back", "1" },
		{ "numbness", "1" },
		{ NULL, NULL },
	};
	char *s = answer_all(&p, script);
	assert_non_null(strstr(s, "PLEASE ACT NOW"));
	code_from(s, "Reference for the staff:", code);
	for (char *c = s; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	assert_null(strstr(s, "continue"));
	assert_null(strstr(s, "sign off"));
	assert_null(strstr(s, "signoff"));
	assert_null(strstr(s, "note"));
	free(s);
	pty_type(&p, "continue\r");
	pty_expect(&p, "Wrong PIN");
	s = last_screen(&p);
	assert_non_null(strstr(s, "PLEASE ACT NOW"));
	free(s);
	assert_alive(&p);
	pty_stop(&p);
	assert_int_equal(store_count("SELECT count(*) FROM audit WHERE "
				     "event = 'continued_after_stop'"), 0);
	assert_int_equal(store_count("SELECT count(*) FROM session WHERE "
				     "status = 'emergency_stopped'"), 1);
	assert_int_equal(store_count("SELECT count(*) FROM conclusion WHERE "
				     "body LIKE '%\"stops\"%'"), 0);
}

static void test_cannot_escape(void **state)
{
	(void)state;
	struct pty p;
	set_pin();
	const char *const args[] = { "kiosk", NULL };
	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "\003\032\034\004");
	assert_alive(&p);
	pty_type(&p, "\r");
	pty_expect(&p, "How old are you");
	pty_type(&p, "4");
	/* Ctrl-C, Ctrl-Z, Ctrl-\, Ctrl-D as keys, then as signals. */
	pty_type(&p, "\003\032\034\004\004");
	pid_t fg = tcgetpgrp(p.fd);
	assert_true(fg > 0 && fg != p.pid);
	kill(-fg, SIGINT);
	kill(-fg, SIGTSTP);
	kill(-fg, SIGQUIT);
	kill(-fg, SIGTTIN);
	pty_pump(&p, 500);
	assert_alive(&p);
	assert_null(strstr(p.raw, "$ "));
	/* Still in the kiosk, the line still being typed: 4 then 2. */
	pty_type(&p, "2\r");
	pty_expect(&p, "question 2 of about");
	assert_alive(&p);
	/* Arrow keys and other escape sequences do nothing either. */
	pty_type(&p, "\033[A\033[D\033OP2\r");
	pty_expect(&p, "question 3 of about");

	/* The kiosk holds the patient's session: no one resumes it meanwhile. */
	char code[16], *out = NULL;
	store_text("SELECT substr(code, 1, 4) || '-' || substr(code, 5)"
		   " FROM session WHERE status = 'in_progress'", code, sizeof(code));
	const char *const res[] = { "resume", code, NULL };
	assert_int_not_equal(run_plain(res, "", &out), 0);
	assert_non_null(strstr(out, "one interview at a time"));
	free(out);
	assert_alive(&p);
	pty_stop(&p);
	/* The patient in hand when the system stopped it: put away. */
	assert_int_equal(store_count("SELECT count(*) FROM session WHERE status"
				     " = 'abandoned'"), 1);
	assert_empty("home");
	assert_empty("cwd");
}

static void test_pin_required_and_rate_limited(void **state)
{
	(void)state;
	struct pty p;
	char *out = NULL;
	const char *const args[] = { "kiosk", NULL };

	/* No PIN, no kiosk: it could not be left. */
	assert_int_equal(run_plain(args, "", &out), 2);
	assert_non_null(strstr(out, "no staff PIN is set"));
	free(out);
	set_pin();
	/* Only the hash is kept. */
	assert_int_equal(store_count("SELECT count(*) FROM setting WHERE key = "
				     "'kiosk_pin_hash' AND value LIKE '$argon2id$%'"), 1);
	assert_int_equal(store_count("SELECT count(*) FROM setting WHERE "
				     "instr(value, '" PIN "') > 0"), 0);

	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "staff\r");
	pty_expect(&p, "PIN:");
	pty_type(&p, "0000\r");
	pty_expect(&p, "Wrong PIN.");
	pty_type(&p, "1111\r");
	pty_expect(&p, "Wrong PIN. Wait 5 seconds");
	/* The right PIN within the wait is refused unchecked. */
	pty_type(&p, PIN "\r");
	pty_expect(&p, "Too many wrong PINs");
	assert_alive(&p);
	assert_false(pty_seen(&p, "Press Enter to start"));
	/* The wait is 10 seconds now; after it the PIN lets staff out. */
	sleep(11);
	pty_type(&p, PIN "\r");
	assert_int_equal(pty_finish(&p), 0);

	assert_int_equal(store_count("SELECT count(*) FROM kiosk_event WHERE "
				     "event = 'pin_refused'"), 3);
	assert_int_equal(store_count("SELECT count(*) FROM kiosk_event WHERE "
				     "event = 'pin_accepted'"), 1);
	assert_int_equal(store_count("SELECT count(*) FROM kiosk_event WHERE "
				     "event = 'kiosk_left'"), 1);

	/* Changing the PIN needs the current one. */
	const char *const again[] = { "kiosk", "--set-pin", NULL };
	assert_int_equal(run_plain(again, "0000\n1357\n1357\n", &out), 2);
	assert_non_null(strstr(out, "wrong PIN"));
	free(out);
}

static void test_idle_patient(void **state)
{
	(void)state;
	struct pty p;
	set_pin();
	const char *const args[] = { "kiosk", "--idle-timeout", "2",
				     "--idle-grace", "2", NULL };
	pty_start(&p, args);
	pty_expect(&p, "Press Enter to start");
	pty_type(&p, "\r");
	pty_expect(&p, "How old are you");
	pty_type(&p, "73\r");
	pty_expect(&p, "question 2 of about");
	/* A key in time: back to the same question. */
	pty_expect(&p, "Are you still there?");
	pty_type(&p, "x");
	pty_expect(&p, "question 2 of about");
	/* No key: put away, cleared, started again. */
	pty_expect(&p, "Are you still there?");
	size_t at = p.len;
	pty_expect(&p, "Press Enter to start");
	char *tail = p.raw + at;
	assert_non_null(strstr(tail, "\033[3J"));   /* scrollback too */
	assert_non_null(strstr(tail, "\033]2;"));   /* the title reset */
	/* Nothing of that patient after the clear. */
	const char *clear = strstr(tail, "\033[3J");
	assert_null(strstr(clear, "73"));
	assert_null(strstr(clear, "pain in or around a knee"));

	/* The next patient starts afresh and cannot reach those answers. */
	pty_type(&p, "\r");
	pty_expect(&p, "question 1 of about");
	pty_expect(&p, "How old are you");
	pty_type(&p, "back\r");
	pty_expect(&p, "This is the first question.");
	assert_null(strstr(p.raw + p.len - 200 > p.raw ? p.raw + p.len - 200
						       : p.raw, "73"));
	pty_stop(&p);

	/* The idle patient, and the next one when the kiosk was stopped. */
	assert_int_equal(store_count("SELECT count(*) FROM session WHERE mode = "
				     "'kiosk' AND status = 'abandoned'"), 2);
	assert_int_equal(store_count("SELECT count(*) FROM answer a JOIN session s"
				     " ON s.id = a.session_id WHERE s.status = "
				     "'abandoned' AND a.question = 'age' AND "
				     "a.value = '73'"), 1);
	assert_empty("home");
	assert_empty("cwd");
}

static void test_assess_kiosk_refuses_examination(void **state)
{
	(void)state;
	char *out = NULL;
	const char *const args[] = { "assess", "--answers", "-", "--mode",
				     "kiosk", NULL };
	assert_int_equal(run_plain(args, "{\"answers\": {\"age\": 40, "
				   "\"hip_pain\": \"yes\", "
				   "\"exam_trendelenburg\": \"yes\"}}", &out), 2);
	assert_non_null(strstr(out, "'exam_trendelenburg'"));
	assert_non_null(strstr(out, "kiosk"));
	free(out);
	const char *const clin[] = { "assess", "--answers", "-", NULL };
	assert_int_equal(run_plain(clin, "{\"answers\": {\"age\": 40, "
				   "\"hip_pain\": \"yes\", "
				   "\"exam_trendelenburg\": \"yes\"}}", &out), 0);
	free(out);
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "pg") == 0) {
		/* A clinic on PostgreSQL (under tests/pg_virtualenv.sh): the
		 * check-in at the kiosk, then its report on "another machine"
		 * as another user. */
		const struct CMUnitTest clinic[] = {
			cmocka_unit_test_setup_teardown(test_complete_check_in,
							setup, teardown),
		};
		if (!getenv("PGHOST") || geteuid() != 0) {
			fprintf(stderr, "test_kiosk pg: needs root (to act as a "
				"second user) and a PostgreSQL server: run it "
				"under tests/pg_virtualenv.sh as root\n");
			return 1;
		}
		pg_store = "postgresql://";
		return cmocka_run_group_tests_name("kiosk on PostgreSQL, "
						   "reported by another user",
						   clinic, NULL, NULL);
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_complete_check_in, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emergency_offers_no_continue,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_cannot_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pin_required_and_rate_limited,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_patient, setup, teardown),
		cmocka_unit_test_setup_teardown(test_assess_kiosk_refuses_examination,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_complete_check_in, setup_60,
						teardown),
		cmocka_unit_test_setup_teardown(test_emergency_stop, setup_60,
						teardown),
		cmocka_unit_test_setup_teardown(test_complete_check_in, setup_120,
						teardown),
		cmocka_unit_test_setup_teardown(test_emergency_stop, setup_120,
						teardown),
	};
	return cmocka_run_group_tests_name("kiosk (built-in rules)", tests,
					   NULL, NULL);
}
