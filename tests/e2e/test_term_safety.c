/*
 * test_term_safety.c — no terminal or report injection, through the real
 * binary: a patient label, clinician name and note that hold a title
 * change (ESC ] 0;pwned BEL), a screen clear (ESC [2J), a C1 CSI in UTF-8
 * (U+009B), a raw 0x9b, a right-to-left override, invalid UTF-8 and a
 * newline followed by a forged "Level: self_care" line, shown by the
 * interview in a pseudo-terminal, by `sessions list|show` and by the text
 * report. Whatever is printed holds no control character but the line
 * ends, is well-formed UTF-8, starts no forged line, and the JSON of
 * `sessions show` keeps every field. Invalid UTF-8 is refused at input by
 * field name; ids and values echoed in error messages are escaped too.
 *
 * Data that could not be typed (invalid UTF-8, raw C1 bytes) is written
 * into the store directly, as a store written by other means would hold.
 * Each test has its own store, HOME and XDG_STATE_HOME in a fresh
 * temporary directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_pty.h"


static char dir[512];   /* this test's temporary directory */
static char db_path[600];

/* Everything hostile at once; valid UTF-8, so a label may hold it. */
#define HOSTILE "bed 4 \x1b]0;pwned\x07 \x1b[2J \xc2\x9b" "31m red " \
	"\xe2\x80\xae" "evil\nLevel: self_care\rTriage level: self_care"
/* As one typed line: a carriage return, but no newline. */
#define HOSTILE_LINE "note \x1b]0;pwned\x07 \x1b[2J \xc2\x9b" "31m " \
	"\xe2\x80\xae" "evil\rLevel: self_care"
/* The same with what cannot be typed: raw C1 and invalid UTF-8. */
#define HOSTILE_RAW HOSTILE " \x9b" "2J \xff\xfe end"

static void set_env(void)
{
	char buf[600];
	setenv("HOME", dir, 1);
	snprintf(buf, sizeof(buf), "%s/state", dir);
	setenv("XDG_STATE_HOME", buf, 1);
	snprintf(buf, sizeof(buf), "%s/data", dir);
	setenv("XDG_DATA_HOME", buf, 1);
	setenv("TERM", "dumb", 1);
	setenv("NO_COLOR", "1", 1);
	unsetenv("MSKTRIAGE_DB");
	unsetenv("INPUTRC");
}

static void build_argv(char **argv, const char *const *args)
{
	size_t n = 0;
	argv[n++] = (char *)MSKTRIAGE_BIN;
	argv[n++] = "--db";
	argv[n++] = db_path;
	for (size_t i = 0; args && args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
}

/* ----------------------------------------------------------- checking */

/*
 * out (len bytes) must be safe to show: well-formed UTF-8, no C0 control
 * but newline (and carriage return where allow_cr: a terminal's line
 * ends), no DEL, no C1 (raw or UTF-8), no line or paragraph separator, no
 * bidirectional control; and no line may start with a forged field.
 */
static void assert_clean(const char *what, const char *out, size_t len,
			 bool allow_cr)
{
	const unsigned char *p = (const unsigned char *)out;
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2
			 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (n == 0 || i + n > len)
			fail_msg("%s: byte 0x%02x at %zu is not UTF-8:\n%.*s", what,
				 c, i, (int)len, out);
		uint32_t cp = n == 1 ? c : c & (0x7F >> n);
		for (size_t k = 1; k < n; k++) {
			if ((p[i + k] & 0xC0) != 0x80)
				fail_msg("%s: ill-formed UTF-8 at %zu", what, i);
			cp = (cp << 6) | (p[i + k] & 0x3F);
		}
		bool bad = (cp < 0x20 && cp != '\n' && !(allow_cr && cp == '\r')) ||
			   (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 ||
			   cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
			   (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E ||
			   cp == 0x200F || cp == 0x061C;
		if (bad)
			fail_msg("%s: U+%04X at byte %zu:\n%.*s", what, (unsigned)cp,
				 i, (int)len, out);
		i += n;
	}
	/* A line (after a newline or a carriage return) never starts with a
	 * forged field. */
	for (size_t i = 0; i < len; i++) {
		if (i > 0 && out[i - 1] != '\n' && out[i - 1] != '\r')
			continue;
		size_t j = i;
		while (j < len && out[j] == ' ')
			j++;
		if (len - j >= 6 && strncmp(out + j, "Level:", 6) == 0)
			fail_msg("%s: a forged line at byte %zu:\n%.*s", what, j,
				 (int)len, out);
	}
}

#define CLEAN(what, s) assert_clean(what, s, strlen(s), false)

/* ---------------------------------------------------------- processes */

struct run {
	int status;
	char *out, *err;
};

static char *drain(int fd)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);
	assert_non_null(buf);
	ssize_t got;
	while ((got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 >= cap) {
			cap *= 2;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
	}
	buf[n] = '\0';
	close(fd);
	return buf;
}

/* Run the binary without a terminal: stdin from input, stdout and stderr
 * apart. */
static struct run run(const char *const *args, const char *input)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/in.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(input ? input : "", f);
	fclose(f);
	int o[2], e[2];
	assert_int_equal(pipe(o), 0);
	assert_int_equal(pipe(e), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[32];
		int in = open(path, O_RDONLY);
		dup2(in, 0);
		dup2(o[1], 1);
		dup2(e[1], 2);
		close(o[0]);
		close(e[0]);
		set_env();
		build_argv(argv, args);
		execv(MSKTRIAGE_BIN, argv);
		_exit(127);
	}
	close(o[1]);
	close(e[1]);
	struct run r;
	/* stderr is small: read stdout first, then stderr. */
	r.out = drain(o[0]);
	r.err = drain(e[0]);
	pty_assert_one_prefix("stderr", r.err, strlen(r.err));
	int st;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return r;
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

/* The session code in the first "session XXXX-XXXX" (a session is saved
 * with its first answer or note, and named then). */
static void find_code(const char *out, char code[16])
{
	const char *s = out;
	while ((s = strstr(s, "session ")) != NULL &&
	       (strlen(s) < 17 || s[12] != '-'))
		s++;
	assert_non_null(s);
	memcpy(code, s + 8, 9);
	code[9] = '\0';
	assert_int_equal(code[4], '-');
}

/* Execute SQL on the test's store. */
static void sql(const char *stmt, const char *a, const char *b)
{
	sqlite3 *d;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open(db_path, &d), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(d, stmt, -1, &st, NULL), SQLITE_OK);
	if (a)
		sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(d);
}

/* A session with a hostile label, clinician and note, as typed (no
 * terminal), then given raw C1 and invalid UTF-8 in the store. */
static void hostile_session(char code[16])
{
	const char *const args[] = { "interview", "--label", HOSTILE,
				     "--clinician", "Dr \x1b[31mRed\x1b[0m", NULL };
	struct run r = run(args, "note " HOSTILE_LINE "\nquit\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "note saved"));
	find_code(r.out, code);
	run_free(&r);
	sql("UPDATE session SET patient_label = ?1, clinician = ?2",
	    HOSTILE_RAW, "Dr \xff\x9b" "2J");
	sql("INSERT INTO note (session_id, author, text, at) SELECT id, ?1, ?2, "
	    "strftime('%s','now') FROM session", "Nurse \x9b" "31m\xc0\xaf", HOSTILE_RAW);
}

/* ------------------------------------------------------------- a pty */

/* In the child: the test's environment, then the binary. */
static void exec_binary(void *ctx)
{
	char *argv[32];
	set_env();
	build_argv(argv, ctx);
	execv(MSKTRIAGE_BIN, argv);
	_exit(127);
}

static void pty_start(struct pty *p, const char *const *args)
{
	pty_spawn(p, 80, 40, exec_binary, (void *)args);
}

/* pty_finish(), keeping everything shown in *out (*len bytes; the caller
 * frees it). */
static int pty_finish_keep(struct pty *p, char **out, size_t *len)
{
	time_t end = time(NULL) + PTY_WAIT_S;
	while (!p->eof && time(NULL) <= end)
		pty_pump(p, 200);
	*len = p->len;
	*out = malloc(p->len + 1);
	assert_non_null(*out);
	memcpy(*out, p->raw, p->len + 1);
	return pty_finish(p);
}

/* --------------------------------------------------------------- set-up */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/msk-term-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(db_path, sizeof(db_path), "%s/sessions.db", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ----------------------------------------------------------------- flows */

/*
 * At a terminal: the label and clinician from the command line, a note
 * and ids typed with control characters (Ctrl-V inserts the next key as
 * it is), then resume shows the label again. Nothing the program prints
 * holds a control character; readline shows what is typed as ^[ and ^G.
 */
static void test_interview_at_a_terminal(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", "--label", HOSTILE,
				     "--clinician", "Dr \x1b[31mRed", NULL };
	pty_start(&p, args);
	pty_expect(&p, "saved from the first answer");
	pty_expect(&p, "> ");
	pty_type(&p, "note \x16\x1b]0;pwned\x16\x07 \x16\x1b[2J and \x16\n"
		     "Level: self_care\r");
	pty_expect(&p, "note saved");
	pty_type(&p, "change \x16\x1b[2Jx\r");
	pty_expect(&p, "unknown question '\\x1b[2jx'");
	pty_type(&p, "how \x16\x1b]0;x\x16\x07\r");
	pty_expect(&p, "unknown finding '\\x1b]0;x\\x07'");
	pty_type(&p, "quit\r");
	char *out;
	size_t len;
	assert_int_equal(pty_finish_keep(&p, &out, &len), 0);
	assert_clean("interview at a terminal", out, len, true);
	char code[16];
	find_code(out, code);
	free(out);

	const char *const again[] = { "resume", code, NULL };
	pty_start(&p, again);
	pty_expect(&p, "resumed: bed 4 \\x1b]0;pwned\\x07 \\x1b[2J "
			"\\u009b31m red \\u202eevil\\nLevel: self_care\\rTriage");
	pty_expect(&p, "> ");
	pty_type(&p, "quit\r");
	assert_int_equal(pty_finish_keep(&p, &out, &len), 0);
	assert_clean("resume at a terminal", out, len, true);
	free(out);

	/* The store holds what was typed, as it was typed. */
	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	struct run r = run(show, NULL);
	assert_int_equal(r.status, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "patient_label")),
			    HOSTILE);
	json_t *note = json_array_get(json_object_get(j, "notes"), 0);
	assert_string_equal(json_string_value(json_object_get(note, "text")),
			    "\x1b]0;pwned\x07 \x1b[2J and \nLevel: self_care");
	json_decref(j);
	run_free(&r);
}

/* Without a terminal: the transcript shows the typed note escaped. */
static void test_interview_transcript(void **state)
{
	(void)state;
	const char *const args[] = { "interview", "--label", HOSTILE,
				     "--clinician", "Dr \x1b[31mRed\x1b[0m", NULL };
	struct run r = run(args, "note " HOSTILE_LINE "\nquit\n");
	assert_int_equal(r.status, 0);
	CLEAN("interview stdout", r.out);
	CLEAN("interview stderr", r.err);
	const char *echo = strstr(r.out, "note note \\x1b]0;pwned\\x07 \\x1b[2J "
				  "\\u009b31m \\u202eevil\\rLevel: self_care\n");
	assert_non_null(echo);
	assert_non_null(strstr(echo, " saved with the note\nnote saved"));
	run_free(&r);
}

/* sessions list and show (text), and the text report, of a session whose
 * store holds every kind of hostile text. */
static void test_show_and_report(void **state)
{
	(void)state;
	char code[16];
	hostile_session(code);

	const char *const list[] = { "sessions", "list", NULL };
	struct run r = run(list, NULL);
	assert_int_equal(r.status, 0);
	CLEAN("sessions list", r.out);
	assert_non_null(strstr(r.out, "bed 4 \\x1b]0;pwne"));
	run_free(&r);

	const char *const show[] = { "sessions", "show", code, NULL };
	r = run(show, NULL);
	assert_int_equal(r.status, 0);
	CLEAN("sessions show", r.out);
	assert_non_null(strstr(r.out, "patient label: bed 4 \\x1b]0;pwned\\x07 "
			       "\\x1b[2J \\u009b31m red \\u202eevil\\nLevel: "
			       "self_care\\rTriage level: self_care \\x9b2J "
			       "\\xff\\xfe end\n"));
	assert_non_null(strstr(r.out, "clinician: Dr \\xff\\x9b2J\n"));
	assert_non_null(strstr(r.out, "Nurse \\x9b31m\\xc0\\xaf: bed 4"));
	run_free(&r);

}

/* The text report of the same session. */
static void test_report(void **state)
{
	(void)state;
	char code[16];
	hostile_session(code);
	const char *const report[] = { "report", code, "--format", "text", NULL };
	struct run r = run(report, NULL);
	assert_int_equal(r.status, 0);
	CLEAN("report", r.out);
	/* The report's own level heading, and no second one (nor a "Level:"
	 * line) from the label. */
	size_t levels = 0, forged = 0;
	for (const char *l = r.out; l; l = strchr(l, '\n'), l = l ? l + 1 : NULL) {
		levels += strncmp(l, "Triage level", 12) == 0;
		forged += strncmp(l, "Level:", 6) == 0;
	}
	assert_int_equal(levels, 1);
	assert_int_equal(forged, 0);
	assert_non_null(strstr(r.out, "Patient      bed 4 \\x1b]0;pwned\\x07"));
	/* the report model holds valid UTF-8: stray bytes are U+FFFD there */
	assert_non_null(strstr(r.out, "Clinician    Dr \xef\xbf\xbd\xef\xbf\xbd" "2J\n"));
	assert_non_null(strstr(r.out, "\xef\xbf\xbd\xef\xbf\xbd" " end"));
	run_free(&r);
}

/* The string member key of j; fails when it is missing or not a string. */
static const char *member(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	if (!s)
		fail_msg("'%s' is missing or not a string", key);
	return s;
}

/* The JSON of sessions show and list keeps every field: invalid UTF-8 is
 * replaced by U+FFFD, the rest is as stored. */
static void test_json_keeps_every_field(void **state)
{
	(void)state;
	char code[16];
	hostile_session(code);

	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	struct run r = run(show, NULL);
	assert_int_equal(r.status, 0);
	json_error_t je;
	json_t *j = json_loads(r.out, 0, &je);
	if (!j)
		fail_msg("not JSON: %s\n%s", je.text, r.out);
	assert_string_equal(member(j, "patient_label"),
			    HOSTILE " \xef\xbf\xbd" "2J \xef\xbf\xbd\xef\xbf\xbd end");
	assert_string_equal(member(j, "clinician"),
			    "Dr \xef\xbf\xbd\xef\xbf\xbd" "2J");
	json_t *notes = json_object_get(j, "notes");
	assert_int_equal(json_array_size(notes), 2);
	json_t *n = json_array_get(notes, 1);
	assert_string_equal(member(n, "author"),
			    "Nurse \xef\xbf\xbd" "31m\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(member(n, "text"),
			    HOSTILE " \xef\xbf\xbd" "2J \xef\xbf\xbd\xef\xbf\xbd end");
	assert_string_equal(member(json_array_get(notes, 0), "text"), HOSTILE_LINE);
	json_decref(j);
	run_free(&r);

	const char *const list[] = { "sessions", "list", "--format", "json", NULL };
	r = run(list, NULL);
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *s = json_array_get(j, 0);
	assert_true(json_is_string(json_object_get(s, "patient_label")));
	assert_true(json_is_string(json_object_get(s, "clinician")));
	json_decref(j);
	run_free(&r);
}

/* A signed-off session: its signer, and addenda typed on the command
 * line, shown escaped; what is not UTF-8 refused by field name. */
static void test_signed_off_and_addenda(void **state)
{
	(void)state;
	char code[16];
	hostile_session(code);
	sql("UPDATE session SET status = 'complete', finished_at = "
	    "strftime('%s','now'), signed_off_by = ?1, signed_off_at = "
	    "strftime('%s','now')", "Dr \x1b[2J\xff", NULL);

	const char *const add[] = { "sessions", "addendum", code, "--author",
				    "A \x1b]0;x\x07", "--text", HOSTILE, NULL };
	struct run r = run(add, NULL);
	assert_int_equal(r.status, 0);
	run_free(&r);
	const char *const bad[] = { "sessions", "addendum", code, "--author",
				    "A", "--text", "late \xff", NULL };
	r = run(bad, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'text' is not valid UTF-8"));
	run_free(&r);

	const char *const show[] = { "sessions", "show", code, NULL };
	r = run(show, NULL);
	assert_int_equal(r.status, 0);
	CLEAN("sessions show", r.out);
	assert_non_null(strstr(r.out, "signed off by Dr \\x1b[2J\\xff at"));
	assert_non_null(strstr(r.out, "A \\x1b]0;x\\x07: bed 4 \\x1b]0;pwned"));
	run_free(&r);

	const char *const report[] = { "report", code, NULL };
	r = run(report, NULL);
	assert_int_equal(r.status, 0);
	CLEAN("report", r.out);
	assert_non_null(strstr(r.out, "Signed off   by Dr \\x1b[2J\xef\xbf\xbd,"));
	assert_non_null(strstr(r.out, "A \\x1b]0;x\\x07: bed 4 \\x1b]0;pwned"));
	run_free(&r);

	const char *const json[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	r = run(json, NULL);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(member(j, "signed_off_by"), "Dr \x1b[2J\xef\xbf\xbd");
	json_t *a = json_array_get(json_object_get(j, "addenda"), 0);
	assert_string_equal(member(a, "text"), HOSTILE);
	assert_string_equal(member(a, "author"), "A \x1b]0;x\x07");
	json_decref(j);
	run_free(&r);

	const char *const del[] = { "sessions", "delete", code, "--yes",
				    "--reason", "gone \xff", NULL };
	r = run(del, NULL);
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'reason' is not valid UTF-8"));
	run_free(&r);
}

/* Invalid UTF-8 is refused at input, naming the field; nothing is kept. */
static void test_invalid_utf8_refused_at_input(void **state)
{
	(void)state;
	const char *const label[] = { "interview", "--label", "bed \xff", NULL };
	struct run r = run(label, "quit\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'label' is not valid UTF-8"));
	assert_string_equal(r.out, "");
	run_free(&r);

	const char *const who[] = { "interview", "--clinician", "Dr \xc2\x9b\x9b",
				    NULL };
	r = run(who, "quit\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'clinician' is not valid UTF-8"));
	run_free(&r);

	/* Refused before the store is opened: nothing was created. */
	assert_int_equal(access(db_path, F_OK), -1);

	const char *const ok[] = { "interview", "--label", "bed 5", NULL };
	r = run(ok, "note caf\xc3\xa9 \xff\x9b\nnote caf\xc3\xa9\nquit\n");
	assert_int_equal(r.status, 0);
	CLEAN("interview", r.out);
	assert_non_null(strstr(r.out, "note caf\xc3\xa9 \\xff\\x9b\n"
			       "'note' is not valid UTF-8; the note was not saved"));
	char code[16];
	find_code(r.out, code);
	run_free(&r);

	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	r = run(show, NULL);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *notes = json_object_get(j, "notes");
	assert_int_equal(json_array_size(notes), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(notes, 0),
							      "text")), "caf\xc3\xa9");
	json_decref(j);
	run_free(&r);
}

/* At the terminal, a label that is not UTF-8 is asked for again. (What
 * readline echoes of the keys typed is not checked here.) */
static void test_label_typed_not_utf8(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", NULL };
	pty_start(&p, args);
	pty_expect(&p, "patient label");
	pty_type(&p, "bed \xff\xfe\r");
	pty_expect(&p, "'label' is not valid UTF-8; type it again");
	pty_expect(&p, "patient label");
	pty_type(&p, "caf\xc3\xa9\r");
	pty_expect(&p, "saved from the first answer");
	pty_expect(&p, "> ");
	pty_type(&p, "61\r");
	pty_expect(&p, "saved with the first answer");
	pty_type(&p, "quit\r");
	char *out;
	size_t len;
	assert_int_equal(pty_finish_keep(&p, &out, &len), 0);
	char code[16];
	find_code(out, code);
	free(out);

	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	struct run r = run(show, NULL);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "patient_label")),
			    "caf\xc3\xa9");
	json_decref(j);
	run_free(&r);
}

/* Every id, value or name echoed in an error message is escaped. */
static void test_errors_echo_escaped(void **state)
{
	(void)state;
	/* A store with a session in it, so that ids are looked up. */
	const char *const start[] = { "interview", "--label", "x", NULL };
	struct run r = run(start, "quit\n");
	assert_int_equal(r.status, 0);
	run_free(&r);

	static const char *const cases[][6] = {
		{ "sessions", "show", "\x1b[2J\x9b", NULL },
		{ "report", "\x1b]0;pwned\x07", NULL },
		{ "\x1b[2J\xc2\x9b", NULL },
		{ "--\x1b[2J", NULL },
		{ "rules", "\x1b[2J", NULL },
		{ "rules", "list", "--\x1b[2J", NULL },
		{ "sessions", "\x1b[2J", NULL },
		{ "sessions", "list", "--\x1b[2J", NULL },
		{ "interview", "--\x1b[2J", NULL },
		{ "resume", "--\x1b[2J", NULL },
		{ "assess", "--\x1b[2J", NULL },
		{ "assess", "--answers", "/nonexistent/\x1b[2J\n", NULL },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = run(cases[i], NULL);
		if (r.status == 0)
			fail_msg("case %zu: exit 0", i);
		CLEAN("stdout", r.out);
		CLEAN("stderr", r.err);
		if (!strstr(r.err, "\\x1b"))
			fail_msg("case %zu: the value is not shown escaped: %s", i,
				 r.err);
		run_free(&r);
	}

	/* A JSON request's own bad key and a NUL in a value. */
	const char *const assess[] = { "assess", NULL };
	r = run(assess, "{\"answers\":{}, \"\\u001b[2J\\u009b\":1}");
	assert_int_equal(r.status, 2);
	CLEAN("assess stderr", r.err);
	assert_non_null(strstr(r.err, "unknown field '\\x1b[2J\\u009b'"));
	run_free(&r);
	r = run(assess, "{\"answers\":{\"knee_pain\":\"yes\\u0000\\u001b[2J\"}}");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'knee_pain' must not contain a NUL byte"));
	assert_null(strstr(r.err, "JSON_ALLOW_NUL"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_interview_at_a_terminal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_interview_transcript, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_show_and_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_keeps_every_field, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_signed_off_and_addenda, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8_refused_at_input,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_label_typed_not_utf8, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_errors_echo_escaped, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
