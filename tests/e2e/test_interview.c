/*
 * test_interview.c — the clinician interview through a pseudo-terminal:
 * the real binary started with forkpty(), typed at like a person, the
 * screen read back and compared.
 *
 *   test_interview fixture   on tests/e2e/fixtures/interview.clp with the
 *                            real schema.clp, flow.clp and levels.clp
 *   test_interview builtin   on the built-in rule base (fails, saying
 *                            so, while it lacks the SPEC questions used)
 *
 * Flows: a full interview to its summary, sign-off and report; the progress
 * line above each question, its numbers falling as questions are answered;
 * why and how
 * (and a history that holds commands only); back and change with a finding
 * visibly withdrawn; a red-flag stop marked emergency_stopped; quit, Ctrl-C,
 * Ctrl-D and resume to the same question; end of input on a non-terminal
 * stdin; the report command's formats and errors; a store that stays
 * locked while an answer is saved, and the answers file that goes back
 * into its session; two terminals on one session (one writer, a stale
 * lease taken over); finished and signed-off sessions that stay as they
 * are (addenda, deletion with a reason).
 *
 * Scripts name the answers that matter by SPEC question id and answer
 * anything else "n" (or skip it if refused), so they hold whatever order
 * the rule base asks in. Each test has its own store, HOME and
 * XDG_STATE_HOME in a fresh temporary directory. A wait for screen text
 * that times out is a failure (the screen is printed), not a measurement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_pty.h"


static char rules_dir[512];   /* "" for the built-in rule base */
static char dir[512];         /* this test's temporary directory */
static bool colour_term;      /* TERM=xterm without NO_COLOR */

/* ------------------------------------------------------------ a terminal */

static void set_env(void)
{
	char buf[600];
	setenv("HOME", dir, 1);
	snprintf(buf, sizeof(buf), "%s/state", dir);
	setenv("XDG_STATE_HOME", buf, 1);
	snprintf(buf, sizeof(buf), "%s/data", dir);
	setenv("XDG_DATA_HOME", buf, 1);
	if (colour_term) {
		setenv("TERM", "xterm-256color", 1);
		unsetenv("NO_COLOR");
	} else {
		setenv("TERM", "dumb", 1);
		setenv("NO_COLOR", "1", 1);
	}
	unsetenv("MSKTRIAGE_DB");
	unsetenv("INPUTRC");
}

/* argv for the binary: --rules and --db first, then args. */
static void build_argv(char **argv, char *db, const char *const *args)
{
	size_t n = 0;
	argv[n++] = (char *)MSKTRIAGE_BIN;
	if (rules_dir[0]) {
		argv[n++] = "--rules";
		argv[n++] = rules_dir;
	}
	snprintf(db, 600, "%s/sessions.db", dir);
	argv[n++] = "--db";
	argv[n++] = db;
	for (size_t i = 0; args && args[i] && n < 30; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
}

/* In the child: the test's environment, then the binary. */
static void exec_binary(void *ctx)
{
	char *argv[32], db[600];
	set_env();
	build_argv(argv, db, ctx);
	execv(MSKTRIAGE_BIN, argv);
	_exit(127);
}

static int columns = 80;   /* of the terminals started */

static void pty_start(struct pty *p, const char *const *args)
{
	pty_spawn(p, columns, 40, exec_binary, (void *)args);
}

static void assert_fits_from(struct pty *p, size_t from, size_t to,
			     int columns);

/* No line of the screen is wider than columns (typed lines aside). */
static void assert_fits(struct pty *p, int cols)
{
	static const char *const typed[] = { "> ", "]: ", "): ", NULL };
	pty_pump(p, 0);
	pty_assert_fits("the interview", p->raw, p->len, cols, typed);
}

/* The width of the line at l (up to its newline), in characters. */
static int line_width(const char *l)
{
	int w = 0;
	for (; *l && *l != '\n'; l++)
		if (((unsigned char)*l & 0xC0) != 0x80 && *l != '\r')
			w++;
	return w;
}

/* Every emergency banner from raw offset from on, its continuation lines
 * included, fits columns. Returns how many there were. */
static int assert_banners_fit(struct pty *p, size_t from, int columns)
{
	int n = 0;
	pty_pump(p, 0);
	for (const char *b = p->raw + from; (b = strstr(b, "!! EMERGENCY STOP"));
	     b++) {
		n++;
		for (const char *l = b; l;) {
			if (line_width(l) > columns) {
				pty_dump(p);
				fail_msg("a banner line is %d columns wide: %.*s",
					 line_width(l), (int)strcspn(l, "\n"), l);
			}
			const char *nl = strchr(l, '\n');
			l = nl && strncmp(nl + 1, "   ", 3) == 0 ? nl + 1 : NULL;
		}
	}
	return n;
}

/* The same as assert_fits, for what the program wrote from raw offset
 * from on, up to offset to (0: the end). */
static void assert_fits_from(struct pty *p, size_t from, size_t to,
			     int columns)
{
	static const char *const typed[] = { "> ", "]: ", "): ", NULL };
	pty_pump(p, 0);
	pty_assert_fits("the interview", p->raw + from,
			(to ? to : p->len) - from, columns, typed);
}

/* ------------------------------------------------------------- scripts */

struct answer {
	const char *id;
	const char *keys;
};

static const char *lookup(const struct answer *a, const char *id)
{
	for (; a && a->id; a++)
		if (strcmp(a->id, id) == 0)
			return a->keys;
	return "n";
}

/*
 * Answer questions from script (anything else "n", or "skip" if refused)
 * until the prompt line is stop_prompt, or the screen shows stop_text.
 * Returns the prompt line reached; *last is the id answered last.
 */
static const char *drive(struct pty *p, const struct answer *script,
			 const char *stop_prompt, const char *stop_text,
			 char *last, size_t last_size)
{
	const char *line = pty_next_prompt(p);
	for (int guard = 0; guard < 300; guard++) {
		const char *id = pty_prompt_id(line);
		if ((stop_prompt && strcmp(line, stop_prompt) == 0) ||
		    (stop_text && pty_seen(p, stop_text)) || !id ||
		    strcmp(id, "finish") == 0)
			return line;
		char keys[128];
		snprintf(keys, sizeof(keys), "%s\n", lookup(script, id));
		if (last)
			snprintf(last, last_size, "%s", id);
		pty_type(p, keys);
		line = pty_next_prompt(p);
		const char *again = pty_prompt_id(line);
		if (again && strcmp(again, id) == 0 && pty_seen(p, "must be")) {
			pty_type(p, "skip\n");
			line = pty_next_prompt(p);
		}
		/* stop_text is looked for from the answer that showed it. */
		if (stop_text && pty_seen(p, stop_text))
			return line;
	}
	fail_msg("the interview did not end within 300 questions");
	return NULL;
}

/* The session code shown with the first answer, "session XXXX-XXXX saved
 * with the first answer", looked for in everything shown so far. */
static void read_code(struct pty *p, char code[16])
{
	static const char tail[] = " saved with the first answer";
	char *norm = pty_normalise(p->raw, p->len);
	const char *hit = strstr(norm, tail);
	assert_non_null(hit);
	assert_true(hit - norm >= 9);
	memcpy(code, hit - 9, 9);
	code[9] = '\0';
	assert_int_equal(code[4], '-');
	free(norm);
}

/* Run the binary without a terminal: stdin from input, stdout captured. */
static int run_plain(const char *const *args, const char *input, char **out)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/in.txt", dir);
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

static char *slurp_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = calloc(1, 1 << 20);
	size_t n = fread(buf, 1, (1 << 20) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *store_text(const char *sql);

/* --------------------------------------------------------------- set-up */

static int setup(void **state)
{
	(void)state;
	columns = 80;
	snprintf(dir, sizeof(dir), "/tmp/msk-e2e-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* ----------------------------------------------------------------- flows */

static void test_full_interview(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	const char *const args[] = { "interview", NULL };
	pty_start(&p, args);
	pty_expect(&p, "patient label");
	pty_type(&p, "bed 4\n");

	/* A wrong answer is refused with what is allowed, and asked again. */
	const char *line = pty_next_prompt(&p);
	assert_string_equal(line, "age>");
	pty_expect(&p, "a whole number from 0 to 120");
	pty_type(&p, "200\n");
	pty_expect(&p, "'age' must be an integer from 0 to 120");
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "help\n");
	pty_expect(&p, "change ID");
	assert_string_equal(pty_next_prompt(&p), "age>");

	static const struct answer script[] = {
		{ "age", "67" }, { "knee_pain", "y" }, { "low_back_pain", "no" },
		{ "knee_side", "ri\t" },   /* Tab completes "right" */
		{ "knee_pain_score", "3" },
		{ "height_cm", "175 cm" }, { "weight_kg", "70" },
		{ NULL, NULL },
	};
	line = drive(&p, script, NULL, NULL, NULL, 0);
	assert_string_equal(line, "finish>");
	pty_expect(&p, "all questions are answered");
	read_code(&p, code);
	pty_type(&p, "summary\n");
	pty_expect(&p, "Triage level:");
	pty_next_prompt(&p);
	pty_type(&p, "\n");
	pty_expect(&p, "Summary of session");
	pty_expect(&p, code);
	pty_expect(&p, "Triage level:");
	pty_expect(&p, "Red flags");
	pty_expect(&p, "Findings");
	pty_expect(&p, "Recommendations");
	pty_expect(&p, "Safety-netting");
	pty_expect(&p, "saved as complete");
	pty_expect(&p, "sign off as");
	/* command words and single letters are not names */
	pty_type(&p, "quit\n");
	pty_expect(&p, "'quit' is not a name to sign with");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");
	pty_expect(&p, "'n' is not a name to sign with");
	pty_next_prompt(&p);
	pty_type(&p, "Dr Test\n");
	pty_expect(&p, "cannot be changed afterwards");
	pty_expect(&p, "sign off as 'Dr Test'? [y/N]");
	pty_type(&p, "y\n");
	pty_expect(&p, "signed off by Dr Test");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "y\n");
	pty_expect(&p, "file [");
	char report[700], keys[720];
	snprintf(report, sizeof(report), "%s/report.txt", dir);
	snprintf(keys, sizeof(keys), "%s\n", report);
	pty_type(&p, keys);
	pty_expect(&p, "report written to");
	pty_expect(&p, "Goodbye");
	assert_fits(&p, 80);
	assert_null(strstr(p.raw, "\033[1m")); /* NO_COLOR: no colour */
	/* Scope findings are not narrated as they come and go. */
	assert_null(strstr(p.raw, "new finding: No specific concern"));
	assert_null(strstr(p.raw, "withdrawn: No specific concern"));
	assert_int_equal(pty_finish(&p), 0);

	struct stat st;
	assert_int_equal(stat(report, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *text = slurp_file(report);
	assert_non_null(text);
	assert_non_null(strstr(text, "Status       complete"));
	assert_non_null(strstr(text, "Patient      bed 4"));
	assert_non_null(strstr(text, "Signed off   by Dr Test"));
	/* The answer in plain words after the question's wording (the
	 * fixture's or the built-in rule base's). */
	char *side = strstr(text, "Which knee? ");
	if (!side)
		side = strstr(text, "Side of the knee pain: ");
	assert_non_null(side);
	char *eol = strchr(side, '\n');
	assert_non_null(eol);
	*eol = '\0';
	assert_true(strstr(side, " right") || strstr(side, " Right"));
	free(text);
}

static const struct answer knee_and_back[] = {
	{ "age", "50" }, { "knee_pain", "y" }, { "hip_pain", "n" },
	{ "low_back_pain", "y" }, { NULL, NULL },
};

/*
 * The progress line above the question just asked ("Knee · section 4 of 6
 * · about 12 questions left"), read from what was shown since the last
 * typing. False when there is none.
 */
static bool read_progress(struct pty *p, size_t *section, size_t *sections,
			  size_t *left)
{
	char *norm = pty_normalise(p->raw + p->typed_at, p->len - p->typed_at);
	const char *hit = NULL;
	for (const char *at = norm; (at = strstr(at, "section ")); at++)
		hit = at;
	bool ok = hit && sscanf(hit, "section %zu of %zu \xc2\xb7 about %zu "
				"question", section, sections, left) == 3;
	free(norm);
	return ok;
}

static void test_progress_line(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", "--label", "bay 1", NULL };
	size_t sec, secs, left, sec0, secs0, left0;
	pty_start(&p, args);
	assert_string_equal(pty_next_prompt(&p), "age>");
	p.typed_at = 0;
	assert_true(read_progress(&p, &sec0, &secs0, &left0));
	assert_true(pty_seen(&p, "Patient \xc2\xb7 section 1 of"));
	assert_int_equal(sec0, 1);
	assert_true(secs0 >= 2 && left0 >= 2);

	/* Age opens nothing: one question fewer, the next section. */
	pty_type(&p, "40\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	assert_true(read_progress(&p, &sec, &secs, &left));
	assert_true(pty_seen(&p, "Pain sites \xc2\xb7 section 2 of"));
	assert_int_equal(sec, 2);
	assert_int_equal(left, left0 - 1);

	/* Knee pain opens the knee's questions and the red-flag screen. */
	pty_type(&p, "y\n");
	pty_next_prompt(&p);
	assert_true(read_progress(&p, &sec, &secs0, &left0));
	assert_true(left0 > left);
	assert_true(secs0 > secs);

	/* Answered "no", questions open nothing more: every answer leaves
	 * one fewer; the section is always one of those counted. */
	int answered = 0;
	for (; answered < 8 && left0 > 1; answered++) {
		pty_type(&p, "n\n");
		const char *line = pty_next_prompt(&p);
		assert_non_null(pty_prompt_id(line));
		if (pty_seen(&p, "must be")) {
			pty_type(&p, "skip\n");
			pty_next_prompt(&p);
		}
		assert_true(read_progress(&p, &sec, &secs, &left));
		if (left != left0 - 1) {
			pty_dump(&p);
			fail_msg("about %zu questions left after %zu", left, left0);
		}
		assert_true(sec >= 1 && sec <= secs);
		left0 = left;
	}
	assert_true(answered >= 3);
	assert_true(sec >= 3); /* past the pain sites */
	assert_fits(&p, 80);
	pty_type(&p, "quit\n");
	pty_finish(&p);
}

/* Choice options in words: the STarT Back bothersomeness item in the
 * tool's own words, every option labelled (the built-in rule base; the
 * fixture has only a side question, whose labels are its values). */
static void test_choice_labels(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", "--label", "bay 2", NULL };
	pty_start(&p, args);
	if (rules_dir[0]) {
		const char *line = drive(&p, knee_and_back, "knee_side>", NULL,
					 NULL, 0);
		assert_string_equal(line, "knee_side>");
		assert_true(pty_seen(&p, "answer: 1 left, 2 right, 3 both;"));
	} else {
		const char *line = drive(&p, knee_and_back, "sbt_bothersome>",
					 NULL, NULL, 0);
		assert_string_equal(line, "sbt_bothersome>");
		assert_true(pty_seen(&p, "how bothersome has the back pain been"));
		assert_true(pty_seen(&p, "answer: 1 Not at all, 2 Slightly, 3 "
				 "Moderately, 4 Very much, 5 Extremely;"));
		pty_type(&p, "4\n");
		pty_next_prompt(&p);
	}
	pty_type(&p, "quit\n");
	pty_finish(&p);
}

static void test_why_and_how(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", "--label", "cubicle 2", NULL };
	pty_start(&p, args);
	const char *line = pty_next_prompt(&p);
	assert_string_equal(line, "age>");
	pty_type(&p, "why\n");
	pty_expect(&p, "why 'age':");
	pty_expect(&p, "it can confirm or rule out:");
	pty_next_prompt(&p);

	line = drive(&p, knee_and_back, NULL, "[knee_back_comorbidity]", NULL, 0);
	assert_non_null(pty_prompt_id(line));
	pty_type(&p, "why\n");
	pty_expect(&p, "why '");
	pty_next_prompt(&p);
	pty_type(&p, "how\n");
	pty_expect(&p, "current findings");
	pty_expect(&p, "knee_back_comorbidity");
	pty_next_prompt(&p);
	pty_type(&p, "how knee_back\n");   /* a unique prefix will do */
	pty_expect(&p, "[knee_back_comorbidity]");
	pty_expect(&p, "because:");
	pty_expect(&p, "knee_pain = yes");
	pty_expect(&p, "low_back_pain = yes");
	pty_expect(&p, "rules:");
	pty_expect(&p, "source:");
	pty_next_prompt(&p);
	pty_type(&p, "note private-note-words\n");
	pty_expect(&p, "note saved");
	pty_next_prompt(&p);
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);

	/* The history holds the commands, never answers, labels or notes. */
	char path[700];
	snprintf(path, sizeof(path), "%s/state/msktriage/history", dir);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *hist = slurp_file(path);
	assert_non_null(hist);
	assert_non_null(strstr(hist, "why"));
	assert_non_null(strstr(hist, "how knee_back"));
	assert_null(strstr(hist, "private-note-words"));
	assert_null(strstr(hist, "cubicle"));
	assert_null(strstr(hist, "50\n"));
	free(hist);
}

static void test_back_and_change(void **state)
{
	(void)state;
	struct pty p;
	char last[128];
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	drive(&p, knee_and_back, NULL, "new finding: Knee", last, sizeof(last));
	pty_expect(&p, "[knee_back_comorbidity]");

	/* back: the question answered last, its answer (and the finding
	 * resting on it) kept until a new answer is given; Enter keeps it. */
	pty_type(&p, "back\n");
	char want[256];
	snprintf(want, sizeof(want), "back to '%s'", last);
	pty_expect(&p, want);
	pty_expect(&p, "(now yes; Enter keeps it)");
	snprintf(want, sizeof(want), "%s>", last);
	assert_string_equal(pty_next_prompt(&p), want);
	assert_false(pty_seen(&p, "withdrawn:"));
	{	/* said once, in the question's heading, not twice */
		char *shown = pty_normalise(p.raw + p.typed_at,
					    p.len - p.typed_at);
		const char *at = strstr(shown, "Enter keeps it");
		assert_non_null(at);
		assert_null(strstr(at + 1, "Enter keeps it"));
		free(shown);
	}
	pty_type(&p, "\n");
	snprintf(want, sizeof(want), "kept '%s' = yes", last);
	pty_expect(&p, want);
	const char *after = pty_next_prompt(&p);
	assert_non_null(pty_prompt_id(after));
	assert_string_not_equal(after, last);
	assert_false(pty_seen(&p, "withdrawn:"));
	pty_type(&p, "how knee_back_comorbidity\n");
	pty_expect(&p, "because:");
	pty_next_prompt(&p);

	/* change: re-answer an earlier question; what hung on it goes. */
	pty_type(&p, "change low_back_pain\n");
	pty_expect(&p, "changing: now yes");
	assert_string_equal(pty_next_prompt(&p), "low_back_pain>");
	pty_type(&p, "n\n");
	pty_expect(&p, "changed 'low_back_pain' from yes to no");
	pty_expect(&p, "withdrawn:");
	pty_expect(&p, "[knee_back_comorbidity]");
	const char *line = pty_next_prompt(&p);
	assert_non_null(pty_prompt_id(line));
	pty_type(&p, "how knee_back_comorbidity\n");
	pty_expect(&p, "is not a current finding");
	pty_next_prompt(&p);
	pty_type(&p, "change kneee_pain\n");
	pty_expect(&p, "unknown question 'kneee_pain'");
	pty_next_prompt(&p);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void test_red_flag_stop(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	static const struct answer script[] = {
		{ "age", "45" }, { "knee_pain", "n" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	drive(&p, script, NULL, "INTERVIEW STOPPED", NULL, 0);
	read_code(&p, code);
	pty_expect(&p, "RED FLAG");
	pty_expect(&p, "[cauda_equina_suspected]");
	pty_expect(&p, "level emergency");
	pty_expect(&p, "INTERVIEW STOPPED");
	pty_expect(&p, "saved as emergency_stopped");
	/* The stop screen's choices, by single words. */
	pty_expect(&p, "note TEXT");
	pty_expect(&p, "signoff");
	pty_expect(&p, "continue");
	pty_expect(&p, "quit");
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "nonsense\n");
	pty_expect(&p, "'nonsense' is not a choice here");
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "note sent to the emergency department by ambulance\n");
	pty_expect(&p, "note saved");
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "signoff\n");
	pty_expect(&p, "sign off as");
	pty_type(&p, "Dr Stop\n");
	pty_expect(&p, "sign off as 'Dr Stop'? [y/N]");
	pty_type(&p, "y\n");
	pty_expect(&p, "signed off by Dr Stop");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	pty_expect(&p, "emergency_stopped. Goodbye.");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text("SELECT status || ' ' || signed_off_by "
				       "FROM session"),
			    "emergency_stopped Dr Stop");
	assert_string_equal(store_text("SELECT text FROM note"),
			    "sent to the emergency department by ambulance");
	/* Not continued: no record of going on. */
	assert_string_equal(store_text("SELECT count(*) FROM audit WHERE "
				       "event = 'continued_after_stop'"), "0");

	char *out = NULL;
	const char *const rep[] = { "report", code, "--format", "text", NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Status       emergency_stopped"));
	/* The fixture asks every red flag it has before saddle numbness;
	 * the built-in rule base stops with others unasked, and its level
	 * says it is interim. */
	if (rules_dir[0]) {
		assert_non_null(strstr(out, "Triage level\n------------\nemergency: "));
	} else {
		assert_non_null(strstr(out, "Triage level (interim)\n"
					    "----------------------\nemergency: "));
		assert_non_null(strstr(out, "red-flag screening not finished"));
	}
	assert_non_null(strstr(out, "cauda_equina_suspected: rules"));
	char *support = strstr(out, "Supported by:");
	assert_non_null(support);
	assert_true(strstr(support, "saddle") || strstr(support, "Saddle"));
	free(out);
}

/*
 * Answer every question from script (anything else "n", or "skip" if
 * refused) up to the finish prompt, checking that each new question's
 * screen carries the emergency banner of a continued stop. Returns how many
 * questions were asked.
 */
static int answer_under_banner(struct pty *p, const struct answer *script)
{
	const char *line = pty_next_prompt(p);
	int asked = 0;
	for (int guard = 0; guard < 300; guard++) {
		const char *id = pty_prompt_id(line);
		if (!id)
			fail_msg("not a question prompt: '%s'", line);
		if (strcmp(id, "finish") == 0)
			return asked;
		if (!pty_seen(p, "!! EMERGENCY STOP (emergency):")) {
			pty_dump(p);
			fail_msg("the question '%s' was shown without the "
				 "emergency banner", id);
		}
		asked++;
		char keys[128];
		snprintf(keys, sizeof(keys), "%s\n", lookup(script, id));
		pty_type(p, keys);
		line = pty_next_prompt(p);
		const char *again = pty_prompt_id(line);
		if (again && strcmp(again, id) == 0 && pty_seen(p, "must be")) {
			/* A refused answer: the same question again, after
			 * its screen, so the banner is looked for from the
			 * skip on. */
			pty_type(p, "skip\n");
			line = pty_next_prompt(p);
		}
	}
	fail_msg("the interview did not end within 300 questions");
	return asked;
}

/* Type 'summary' and check the level it shows (interim or not), then
 * wait for the prompt again. */
static void assert_last_level(struct pty *p, const char *level)
{
	const char *at = NULL;
	for (const char *x = p->raw; (x = strstr(x, "Triage level")); x++)
		at = x;
	assert_non_null(at);
	const char *colon = strchr(at, ':');
	const char *nl = strchr(at, '\n');
	assert_true(colon && nl && colon < nl);
	char got[64];
	size_t n = (size_t)(nl - colon - 2);
	if (n >= sizeof(got))
		n = sizeof(got) - 1;
	memcpy(got, colon + 2, n);
	got[n] = '\0';
	while (n && (got[n - 1] == '\r' || got[n - 1] == ' '))
		got[--n] = '\0';
	assert_string_equal(got, level);
}

static void assert_summary_level(struct pty *p, const char *level)
{
	pty_type(p, "summary\n");
	pty_expect(p, "answers so far");
	assert_last_level(p, level);
	pty_next_prompt(p);
}

/* True if word shows in s after lead. */
static __attribute__((noinline)) bool text_after(const char *s,
						 const char *lead,
						 const char *word)
{
	const char *at = strstr(s, lead);
	return at && strstr(at, word);
}

/* Run `report CODE --format F [--for A]`; its output (caller frees). */
static char *report_of(const char *code, const char *format,
		       const char *audience)
{
	char *out = NULL;
	const char *const rep[] = { "report", code, "--format", format,
				    audience ? "--for" : NULL, audience,
				    NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	return out;
}

static void test_stop_continue(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	static const struct answer script[] = {
		{ "age", "45" }, { "knee_pain", "y" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x",
				     "--clinician", "Dr Test", NULL };
	columns = 60;
	pty_start(&p, args);
	drive(&p, script, NULL, "INTERVIEW STOPPED", NULL, 0);
	read_code(&p, code);
	pty_expect(&p, "saved as emergency_stopped");
	/* The stop's choices fit 60 columns. */
	assert_string_equal(pty_next_prompt(&p), "stop>");
	const char *menu = strstr(p.raw, "the session is stopped. Next:");
	assert_non_null(menu);
	size_t from = (size_t)(menu - p.raw);
	assert_fits_from(&p, from, p.len, 60);
	pty_type(&p, "continue\n");
	pty_expect(&p, "continuing the assessment for the record");
	pty_expect(&p, "the level stays at least emergency");
	/* The remaining questions, each under the banner. */
	assert_true(answer_under_banner(&p, script) > 0);
	/* The finish screen and the summary carry it too. */
	assert_true(pty_seen(&p, "!! EMERGENCY STOP (emergency):"));
	pty_type(&p, "summary\n");
	pty_expect(&p, "Triage level: emergency");
	pty_expect(&p, "EMERGENCY STOP:");
	pty_expect(&p, "continued for the record after this stop");
	pty_next_prompt(&p);
	pty_type(&p, "\n");
	pty_expect(&p, "Summary of session");
	pty_expect(&p, "Triage level: emergency");
	pty_expect(&p, "EMERGENCY STOP:");
	pty_expect(&p, "saved as emergency_stopped");
	pty_expect(&p, "sign off as (Enter: Dr Test");
	pty_type(&p, "\n");
	pty_expect(&p, "sign off as 'Dr Test'? [y/N]");
	pty_type(&p, "y\n");
	pty_expect(&p, "signed off by Dr Test");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	pty_expect(&p, "emergency_stopped. Goodbye.");
	/* Every banner fits 60 columns too, and so does the whole screen. */
	assert_true(assert_banners_fit(&p, from, 60) > 1);
	assert_fits(&p, 60);
	assert_int_equal(pty_finish(&p), 0);

	/* Stopped stays the status; the record is closed. */
	assert_string_equal(store_text("SELECT status || ' ' || signed_off_by "
				       "FROM session"),
			    "emergency_stopped Dr Test");
	assert_string_equal(store_text("SELECT count(*) FROM audit WHERE "
				       "event = 'continued_after_stop'"), "1");
	assert_string_equal(store_text("SELECT level FROM conclusion ORDER BY "
				       "id DESC LIMIT 1"), "emergency");
	assert_string_equal(store_text("SELECT json_extract(body, "
				       "'$.stops[0].finding') || ' ' || "
				       "json_extract(body, '$.stops[0].supported') "
				       "FROM conclusion ORDER BY id DESC LIMIT 1"),
			    "cauda_equina_suspected 1");

	/* Every report format says it. */
	char *out = report_of(code, "text", NULL);
	assert_non_null(strstr(out, "Status       emergency_stopped"));
	assert_non_null(strstr(out, "Triage level\n------------\nemergency: "));
	assert_non_null(strstr(out, "Emergency stop\n--------------\n"
				    "The interview stopped on: "));
	assert_non_null(strstr(out, "(level emergency)"));
	assert_non_null(strstr(out, "The assessment was continued for the record "
				    "after this stop"));
	assert_non_null(strstr(out, "Supported when it stopped by:"));
	assert_null(strstr(out, "no longer support"));
	free(out);
	out = report_of(code, "markdown", NULL);
	assert_non_null(strstr(out, "## Emergency stop"));
	assert_non_null(strstr(out, "continued for the record after this stop"));
	free(out);
	out = report_of(code, "json", NULL);
	assert_non_null(strstr(out, "\"continued_after_stop\": ["));
	assert_non_null(strstr(out, "\"supported\": true"));
	assert_non_null(strstr(out, "\"finding\": \"cauda_equina_suspected\""));
	free(out);
	out = report_of(code, "html", NULL);
	assert_non_null(strstr(out, "<div class=\"stop\"><p><strong>Emergency "
				    "stop: "));
	assert_non_null(strstr(out, "continued for the record after this stop"));
	free(out);
	out = report_of(code, "fhir", NULL);
	assert_non_null(strstr(out, "Emergency stop: the interview stopped on"));
	assert_non_null(strstr(out, "continued for the record after this stop"));
	free(out);
	out = report_of(code, "text", "patient");
	assert_non_null(strstr(out, "Emergency: "));
	free(out);
	out = report_of(code, "html", "patient");
	assert_non_null(strstr(out, "Emergency: "));
	free(out);
}

/*
 * After continuing, the answer that caused the stop is changed and the
 * last answer taken back: the level stays at the stop's, the record keeps
 * the stop and says the answers no longer support it; leaving keeps the
 * session stopped, and resuming holds the stop again.
 */
static void test_stop_level_holds(void **state)
{
	(void)state;
	struct pty p;
	char code[16], want[64];
	static const struct answer script[] = {
		{ "age", "45" }, { "knee_pain", "n" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	drive(&p, script, NULL, "INTERVIEW STOPPED", NULL, 0);
	read_code(&p, code);
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "continue\n");
	pty_expect(&p, "continuing the assessment for the record");
	pty_next_prompt(&p);
	pty_type(&p, "change saddle_numbness\n");
	pty_expect(&p, "changing: now yes");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");
	pty_expect(&p, "changed 'saddle_numbness' from yes to no");
	pty_expect(&p, "withdrawn:");
	pty_expect(&p, "[cauda_equina_suspected]");
	pty_expect(&p, "the emergency stop on it stands as it was made");
	pty_expect(&p, "the level stays at least emergency");
	pty_next_prompt(&p);
	pty_type(&p, "summary\n");
	pty_expect(&p, "EMERGENCY STOP:");
	pty_expect(&p, "The answers now no longer support this finding");
	pty_expect(&p, "answers so far");
	assert_last_level(&p, "emergency");
	pty_next_prompt(&p);
	pty_type(&p, "back\n");
	pty_expect(&p, "back to '");
	pty_next_prompt(&p);
	assert_summary_level(&p, "emergency");
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved as emergency_stopped (continued for the record");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text("SELECT status FROM session"),
			    "emergency_stopped");
	/* Kept as it was when it stopped, and no longer supported now. */
	assert_string_equal(store_text("SELECT level || ' ' || json_extract(body, "
				       "'$.stops[0].answers.saddle_numbness') || "
				       "' ' || json_extract(body, "
				       "'$.stops[0].supported') FROM conclusion "
				       "ORDER BY id DESC LIMIT 1"),
			    "emergency yes 0");

	char *out = report_of(code, "text", NULL);
	assert_non_null(strstr(out, "emergency: "));
	assert_non_null(strstr(out, "The answers now no longer support this "
				    "finding; the stop stands as it was made."));
	/* The answer as it was when it stopped. */
	assert_true(text_after(out, "Supported when it stopped by:", "saddle") ||
		    text_after(out, "Supported when it stopped by:", "Saddle"));
	free(out);

	/* Resumed: the stop is held again, the banner back on screen. */
	const char *const res[] = { "resume", code, NULL };
	pty_start(&p, res);
	snprintf(want, sizeof(want), "session %s resumed", code);
	pty_expect(&p, want);
	pty_expect(&p, "!! EMERGENCY STOP (emergency):");
	pty_expect(&p, "the answers now no longer support it");
	pty_next_prompt(&p);
	assert_summary_level(&p, "emergency");
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text("SELECT status FROM session"),
			    "emergency_stopped");

	/* Answers put back from a file keep the stop and its level. */
	char file[700], body[128];
	snprintf(file, sizeof(file), "%s/answers.json", dir);
	FILE *af = fopen(file, "w");
	assert_non_null(af);
	snprintf(body, sizeof(body), "{\"session\": \"%s\", \"answers\": "
		 "{\"height_cm\": 170}}\n", code);
	fputs(body, af);
	fclose(af);
	const char *const put[] = { "resume", code, "--answers", file, NULL };
	out = NULL;
	assert_int_equal(run_plain(put, "", &out), 0);
	free(out);
	assert_string_equal(store_text("SELECT status FROM session"),
			    "emergency_stopped");
	assert_string_equal(store_text("SELECT level || ' ' || json_extract(body, "
				       "'$.stops[0].finding') FROM conclusion "
				       "ORDER BY id DESC LIMIT 1"),
			    "emergency cauda_equina_suspected");
}

/*
 * Killed while going on after a stop, with the answer that caused it
 * changed: the session is in progress, and its report, worked out again
 * from the answers, still holds the stop and its level.
 */
static void test_stop_continue_killed(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	static const struct answer script[] = {
		{ "age", "45" }, { "knee_pain", "n" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	drive(&p, script, NULL, "INTERVIEW STOPPED", NULL, 0);
	read_code(&p, code);
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "continue\n");
	pty_expect(&p, "continuing the assessment for the record");
	pty_next_prompt(&p);
	pty_type(&p, "change saddle_numbness\n");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");
	pty_expect(&p, "changed 'saddle_numbness' from yes to no");
	pty_next_prompt(&p);
	kill(p.pid, SIGKILL);
	assert_int_equal(pty_finish(&p), 128 + SIGKILL);
	assert_string_equal(store_text("SELECT status FROM session"),
			    "in_progress");

	char *out = report_of(code, "text", NULL);
	assert_non_null(strstr(out, "Triage level (interim)"));
	assert_non_null(strstr(out, "\nemergency: "));
	assert_non_null(strstr(out, "Emergency stop\n--------------\n"));
	assert_non_null(strstr(out, "The answers now no longer support this "
				    "finding"));
	free(out);
}

static void test_quit_and_resume(void **state)
{
	(void)state;
	struct pty p;
	char code[16], at[128];
	static const struct answer script[] = {
		{ "age", "70" }, { "knee_pain", "y" }, { NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "70\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	read_code(&p, code);
	pty_type(&p, "y\n");
	const char *line = pty_next_prompt(&p);
	const char *id = pty_prompt_id(line);
	assert_non_null(id);
	snprintf(at, sizeof(at), "%s>", id);

	/* Ctrl-C drops the line being typed and asks again. */
	pty_type(&p, "yes please\003");
	pty_expect(&p, "^C");
	assert_string_equal(pty_next_prompt(&p), at);
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	pty_expect(&p, "msktriage resume");
	assert_int_equal(pty_finish(&p), 0);
	(void)script;

	/* Resume by code, typed as a person might: lower case, no dash. */
	char lower_code[16];
	snprintf(lower_code, sizeof(lower_code), "%.4s%s", code, code + 5);
	for (char *c = lower_code; *c; c++)
		*c = (char)tolower((unsigned char)*c);
	const char *const res[] = { "resume", lower_code, NULL };
	pty_start(&p, res);
	pty_expect(&p, "resumed");
	pty_expect(&p, "2 answers so far");
	assert_string_equal(pty_next_prompt(&p), at);

	/* Ctrl-D offers to save and quit. */
	pty_type(&p, "\004");
	pty_expect(&p, "save and quit?");
	pty_type(&p, "y\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
}

/* Killed with SIGKILL while a question is on the screen: every answer given
 * before it is in the store, and resume lands on that same question. */
static void test_killed_interview_resumes(void **state)
{
	(void)state;
	struct pty p;
	char code[16], at[600], expect_text[160], ids[8][64], values[8][16];
	static const struct answer script[] = {
		{ "age", "70" }, { "knee_pain", "y" }, { "low_back_pain", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	const char *line = pty_next_prompt(&p);
	for (int i = 0; i < 8; i++) {
		const char *id = pty_prompt_id(line);
		assert_non_null(id);
		snprintf(ids[i], sizeof(ids[i]), "%s", id);
		const char *keys = lookup(script, id);
		snprintf(values[i], sizeof(values[i]), "%s",
			 strcmp(keys, "y") == 0 ? "yes" :
			 strcmp(keys, "n") == 0 ? "no" : keys);
		char typed[64];
		snprintf(typed, sizeof(typed), "%s\n", keys);
		pty_type(&p, typed);
		line = pty_next_prompt(&p);
		const char *again = pty_prompt_id(line);
		if (again && strcmp(again, ids[i]) == 0 && pty_seen(&p, "must be")) {
			pty_type(&p, "skip\n");
			snprintf(values[i], sizeof(values[i]), "skip");
			line = pty_next_prompt(&p);
		}
	}
	/* The next question is on the screen: everything before it is
	 * committed. Kill the process without warning. */
	read_code(&p, code);
	snprintf(at, sizeof(at), "%s", line);
	kill(p.pid, SIGKILL);
	assert_int_equal(pty_finish(&p), 128 + SIGKILL);

	char *out = NULL;
	const char *const show[] = { "sessions", "show", code, "--format", "json", NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	assert_non_null(strstr(out, "\"status\": \"in_progress\""));
	for (int i = 0; i < 8; i++) {
		bool number = values[i][0] && strspn(values[i], "0123456789")
						    == strlen(values[i]);
		int w = snprintf(expect_text, sizeof(expect_text),
				 number ? "\"%s\": %s" : "\"%s\": \"%s\"",
				 ids[i], values[i]);
		assert_true(w > 0 && (size_t)w < sizeof(expect_text));
		if (!strstr(out, expect_text))
			fail_msg("answer %s not in the store after the kill:\n%s",
				 expect_text, out);
	}
	free(out);

	/* The killed interview's lease is stale (its process is gone) and is
	 * taken over after a question. */
	const char *const res[] = { "resume", code, NULL };
	pty_start(&p, res);
	pty_expect(&p, "is open in another interview");
	pty_expect(&p, "(it looks abandoned)");
	pty_expect(&p, "take the session over? [y/N]");
	pty_type(&p, "y\n");
	pty_expect(&p, "resumed");
	pty_expect(&p, "8 answers so far");
	assert_string_equal(pty_next_prompt(&p), at);
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
}

static void test_end_of_input_without_terminal(void **state)
{
	(void)state;
	char *out = NULL;
	const char *const args[] = { NULL };
	/* No command at all is the interview. */
	int rc = run_plain(args, "45\ny\n", &out);
	assert_int_equal(rc, 1);
	/* as read: wrapped lines joined */
	char *raw = out;
	out = pty_normalise(raw, strlen(raw));
	free(raw);
	assert_non_null(strstr(out, "age> 45"));
	assert_non_null(strstr(out, "saved (in progress)"));
	assert_non_null(strstr(out, "input ended before the interview was complete"));
	char *s = strstr(out, "msktriage resume ");
	assert_non_null(s);
	char code[16];
	snprintf(code, sizeof(code), "%.9s", s + strlen("msktriage resume "));
	free(out);

	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Status       in_progress"));
	assert_non_null(strstr(out, "Triage level (interim)"));
	assert_non_null(strstr(out, "Answers (2)"));
	free(out);
}

static void test_report_command(void **state)
{
	(void)state;
	char *out = NULL;
	const char *const args[] = { "interview", "--label", "y", NULL };
	assert_int_equal(run_plain(args, "30\nn\n", &out), 1);
	char *raw = out;
	out = pty_normalise(raw, strlen(raw));
	free(raw);
	char *s = strstr(out, "msktriage resume ");
	assert_non_null(s);
	char code[16];
	snprintf(code, sizeof(code), "%.9s", s + strlen("msktriage resume "));
	free(out);

	const char *const fhir[] = { "report", code, "--format", "fhir", NULL };
	assert_int_equal(run_plain(fhir, "", &out), 0);
	assert_non_null(strstr(out, "\"resourceType\": \"Bundle\""));
	free(out);
	const char *const xml[] = { "report", code, "--format", "xml", NULL };
	assert_int_equal(run_plain(xml, "", &out), 2);
	assert_non_null(strstr(out, "'--format' must be one of text"));
	free(out);
	const char *const none[] = { "report", "ZZZZ-ZZZZ", NULL };
	assert_int_equal(run_plain(none, "", &out), 2);
	free(out);
	const char *const bare[] = { "report", NULL };
	assert_int_equal(run_plain(bare, "", &out), 2);
	free(out);

	char file[700];
	snprintf(file, sizeof(file), "%s/r.txt", dir);
	const char *const to_file[] = { "report", code, "--format", "text",
					"--output", file, NULL };
	assert_int_equal(run_plain(to_file, "", &out), 0);
	free(out);
	struct stat st;
	assert_int_equal(stat(file, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *text = slurp_file(file);
	assert_non_null(strstr(text, "Musculoskeletal triage report"));
	assert_non_null(strstr(text, code));
	assert_non_null(strstr(text, "Patient      y"));
	free(text);
}

/* Colour on a colour terminal when NO_COLOR is not set. */
static void test_colour(void **state)
{
	(void)state;
	struct pty p;
	const char *const args[] = { "interview", "--label", "x", NULL };
	colour_term = true;
	pty_start(&p, args);
	colour_term = false;
	pty_expect(&p, "age");
	pty_next_prompt(&p);
	assert_non_null(strstr(p.raw, "\033[1;36mage"));
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static const char *store_text(const char *sql);

/* A session is created at the first answer: an interview left before any
 * answer leaves no session behind; the first answer saves it with the
 * label and clinician given as top-level options (no 'interview'). */
static void test_session_at_first_answer(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	const char *const args[] = { "--clinician", "Dr Who", "--label",
				     "bed 9", NULL };
	pty_start(&p, args);
	pty_expect(&p, "clinician interview");
	pty_expect(&p, "saved from the first answer");
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "quit\n");
	pty_expect(&p, "nothing was answered: no session saved");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text("SELECT count(*) FROM session"), "0");

	pty_start(&p, args);
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "summary\n");
	pty_expect(&p, "(0 answers so far; not saved yet)");
	assert_string_equal(pty_next_prompt(&p), "age>");
	assert_string_equal(store_text("SELECT count(*) FROM session"), "0");
	pty_type(&p, "61\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	read_code(&p, code);
	pty_type(&p, "summary\n");
	pty_expect(&p, "(1 answer so far; session ");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT clinician || '|' || patient_label || "
		 "'|' || status FROM session WHERE code = '%.4s%.4s'", code,
		 code + 5);
	assert_string_equal(store_text(sql), "Dr Who|bed 9|in_progress");
	assert_string_equal(store_text("SELECT count(*) FROM session"), "1");

	/* The session in progress shows its interim level; its audit trail
	 * on its own. */
	char *out = NULL;
	const char *const show[] = { "sessions", "show", code, NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	assert_non_null(strstr(out, "Interim level (in progress, from the "
				    "answers so far): "));
	free(out);
	const char *const audit[] = { "sessions", "audit", code, NULL };
	assert_int_equal(run_plain(audit, "", &out), 0);
	assert_non_null(strstr(out, "Audit trail of session "));
	assert_non_null(strstr(out, "opened"));
	assert_null(strstr(out, "Answers ("));
	free(out);

	/* 'show --format json' gives typed answers that 'assess' takes back,
	 * to the same level. */
	const char *const js[] = { "sessions", "show", code, "--format", "json",
				   NULL };
	assert_int_equal(run_plain(js, "", &out), 0);
	assert_non_null(strstr(out, "\"age\": 61"));
	const char *lv = strstr(out, "\"interim_level\": \"");
	assert_non_null(lv);
	char level[64];
	assert_int_equal(sscanf(lv, "\"interim_level\": \"%63[a-z_]\"", level), 1);
	const char *a = strstr(out, "\"answers\": {");
	assert_non_null(a);
	a += strlen("\"answers\": ");
	const char *end = strchr(a, '}');
	assert_non_null(end);
	char req[600];
	snprintf(req, sizeof(req), "%s/req.json", dir);
	FILE *f = fopen(req, "w");
	assert_non_null(f);
	fprintf(f, "{\"answers\": %.*s}}\n", (int)(end - a), a);
	fclose(f);
	free(out);
	const char *const assess[] = { "assess", "--answers", req, NULL };
	assert_int_equal(run_plain(assess, "", &out), 0);
	char want[120];
	snprintf(want, sizeof(want), "\"level\": \"%s\"", level);
	if (!strstr(out, want))
		fail_msg("assess did not give %s from the shown answers:\n%s",
			 want, out);
	free(out);
}

/* 'resume' without an id lists the sessions in progress, most recent
 * first, and goes on with the one picked; person-typed labels are shown
 * without their control characters. */
static void test_resume_picks(void **state)
{
	(void)state;
	struct pty p;
	char first[16], second[16];
	const char *const a1[] = { "--label", "bed\0331", NULL };
	pty_start(&p, a1);
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "61\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	read_code(&p, first);
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
	const char *const a2[] = { "--label", "bed 2", NULL };
	pty_start(&p, a2);
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "70\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	read_code(&p, second);
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);

	const char *const res[] = { "resume", NULL };
	pty_start(&p, res);
	pty_expect(&p, "sessions in progress (most recent first)");
	pty_expect(&p, "1  ");
	pty_expect(&p, second);
	pty_expect(&p, "bed 2");
	pty_expect(&p, "2  ");
	pty_expect(&p, first);
	pty_expect(&p, "bed\\x1b1");
	pty_expect(&p, "resume which?");
	assert_null(memchr(p.raw, 0x1b, p.len));
	pty_type(&p, "7\n");
	pty_expect(&p, "must be a number from 1 to 2 or a session code");
	pty_expect(&p, "resume which?");
	pty_type(&p, "2\n");
	char want[64];
	snprintf(want, sizeof(want), "session %s resumed", first);
	pty_expect(&p, want);
	pty_expect(&p, "1 answer so far");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
}

/* The store cannot take an answer: said clearly, the answer kept in hand
 * and retried; on giving up, undone so the engine and the store agree. */
static void test_store_locked(void **state)
{
	(void)state;
	struct pty p;
	char code[16], db_path[600];
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&p, args);
	assert_string_equal(pty_next_prompt(&p), "age>");
	pty_type(&p, "61\n");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	read_code(&p, code);

	/* Another process holds the store's write lock. */
	sqlite3 *other;
	snprintf(db_path, sizeof(db_path), "%s/sessions.db", dir);
	assert_int_equal(sqlite3_open(db_path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL),
			 SQLITE_OK);
	pty_type(&p, "y\n");
	pty_expect(&p, "cannot save the answer to 'knee_pain'");
	pty_expect(&p, "retry? [Y/n]");
	pty_next_prompt(&p);
	pty_type(&p, "y\n");                 /* still locked: asked again */
	pty_expect(&p, "cannot save the answer to 'knee_pain'");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");                 /* give up: keep it elsewhere */
	pty_expect(&p, "save the answers so far to a file instead?");
	pty_type(&p, "y\n");
	char saved[700];
	snprintf(saved, sizeof(saved), "%s/held.json\n", dir);
	pty_expect(&p, "file [");
	pty_type(&p, saved);
	/* the export cannot be recorded either: no file */
	pty_expect(&p, "cannot save the record of this export");
	pty_expect(&p, "retry? [Y/n]");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");
	pty_expect(&p, "no file written");
	pty_expect(&p, "was not kept");
	saved[strlen(saved) - 1] = '\0';
	assert_int_equal(access(saved, F_OK), -1);
	saved[strlen(saved)] = '\n';
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	/* again; this time the lock goes while the export is retried */
	pty_type(&p, "y\n");
	pty_expect(&p, "cannot save the answer to 'knee_pain'");
	pty_next_prompt(&p);
	pty_type(&p, "n\n");
	pty_expect(&p, "save the answers so far to a file instead?");
	pty_type(&p, "y\n");
	pty_expect(&p, "file [");
	pty_type(&p, saved);
	pty_expect(&p, "cannot save the record of this export");
	pty_next_prompt(&p);
	sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL);
	pty_type(&p, "y\n");
	pty_expect(&p, "answers written to");
	pty_expect(&p, "resume --answers");
	pty_expect(&p, "was not kept");
	assert_string_equal(pty_next_prompt(&p), "knee_pain>");
	saved[strlen(saved) - 1] = '\0';
	struct stat st;
	assert_int_equal(stat(saved, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	char *held = slurp_file(saved);
	assert_non_null(held);
	assert_non_null(strstr(held, "\"age\": 61"));
	assert_non_null(strstr(held, "\"knee_pain\": \"yes\""));
	free(held);
	/* one export, recorded before the file was written */
	assert_string_equal(store_text("SELECT count(*) FROM audit WHERE "
				       "event = 'answers_exported'"), "1");

	/* Lock released: an answer now goes through (another one than the
	 * file holds, which restoring it below changes back). */
	pty_type(&p, "n\n");
	const char *line = pty_next_prompt(&p);
	assert_non_null(pty_prompt_id(line));
	assert_string_not_equal(line, "knee_pain>");
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
	sqlite3_close(other);

	char *out = NULL;
	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Answers (2)"));
	free(out);

	/* The file kept elsewhere names its session, and goes back into it
	 * (as new revisions), never into a second session. */
	char *held2 = slurp_file(saved);
	char want[64];
	snprintf(want, sizeof(want), "\"session\": \"%s\"", code);
	assert_non_null(strstr(held2, want));
	free(held2);
	const char *const save2[] = { "assess", "--answers", saved, "--save", NULL };
	assert_int_equal(run_plain(save2, "", &out), 2);   /* not a request */
	free(out);
	const char *const restore[] = { "resume", "--answers", saved, NULL };
	assert_int_equal(run_plain(restore, "", &out), 0);
	assert_non_null(strstr(out, "2 answers from"));
	assert_non_null(strstr(out, code));
	free(out);
	const char *const list[] = { "sessions", "list", "--format", "json", NULL };
	assert_int_equal(run_plain(list, "", &out), 0);
	assert_null(strstr(strstr(out, "\"code\"") + 1, "\"code\""));
	free(out);
	const char *const show[] = { "sessions", "show", code, "--format", "json", NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	assert_non_null(strstr(out, "\"age\": 61"));
	assert_non_null(strstr(out, "\"knee_pain\": \"yes\""));
	free(out);
	/* knee_pain: no (the yes was never stored), then yes from the file */
	sqlite3 *h;
	snprintf(db_path, sizeof(db_path), "%s/sessions.db", dir);
	assert_int_equal(sqlite3_open(db_path, &h), SQLITE_OK);
	sqlite3_stmt *st2;
	assert_int_equal(sqlite3_prepare_v2(h, "SELECT group_concat(value, ',') FROM "
		"(SELECT value FROM answer_revision WHERE question = 'knee_pain' "
		"ORDER BY id)", -1, &st2, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st2), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(st2, 0), "no,yes");
	sqlite3_finalize(st2);
	sqlite3_close(h);

	/* a file of one session's answers is refused for another */
	char req[700];
	snprintf(req, sizeof(req), "%s/req.json", dir);
	FILE *rf = fopen(req, "w");
	assert_non_null(rf);
	fputs("{\"answers\": {\"age\": 30}}\n", rf);
	fclose(rf);
	const char *const mk[] = { "assess", "--answers", req, "--save", NULL };
	assert_int_equal(run_plain(mk, "", &out), 0);
	free(out);
	const char *const wrong[] = { "resume", "2", "--answers", saved, NULL };
	assert_int_equal(run_plain(wrong, "", &out), 2);
	assert_non_null(strstr(out, "holds the answers of session"));
	free(out);
}

/* A query on the test's store: the first column of the first row, as text
 * (static buffer; "" when none). */
static const char *store_text(const char *sql)
{
	static char buf[1024];
	char path[600];
	sqlite3 *h;
	sqlite3_stmt *st;
	snprintf(path, sizeof(path), "%s/sessions.db", dir);
	buf[0] = '\0';
	assert_int_equal(sqlite3_open(path, &h), SQLITE_OK);
	sqlite3_busy_timeout(h, 5000);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof(buf), "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(h);
	return buf;
}

/* Two terminals on one session: the second is refused with who holds it;
 * a lease idle past the limit is taken over after a question, and the
 * interview that lost it can no longer write. */
static void test_one_writer(void **state)
{
	(void)state;
	struct pty a, b;
	char code[16], want[96];
	const char *const args[] = { "interview", "--label", "x", NULL };
	pty_start(&a, args);
	assert_string_equal(pty_next_prompt(&a), "age>");
	pty_type(&a, "61\n");
	assert_string_equal(pty_next_prompt(&a), "knee_pain>");
	read_code(&a, code);
	snprintf(want, sizeof(want), "%d", (int)a.pid);
	assert_string_equal(store_text("SELECT pid FROM lease"), want);

	const char *const res[] = { "resume", code, NULL };
	pty_start(&b, res);
	pty_expect(&b, "is open in another interview");
	snprintf(want, sizeof(want), "process %d on '", (int)a.pid);
	pty_expect(&b, want);
	pty_expect(&b, "one interview at a time");
	assert_int_equal(pty_finish(&b), 1);

	/* the holder goes on; each answer refreshes the lease */
	store_text("UPDATE lease SET active_at = active_at - 60 RETURNING 1");
	const char *before = store_text("SELECT active_at FROM lease");
	long long old_active = atoll(before);
	pty_type(&a, "y\n");
	assert_non_null(pty_prompt_id(pty_next_prompt(&a)));
	assert_true(atoll(store_text("SELECT active_at FROM lease")) > old_active);

	/* idle for a day: the lease is stale and can be taken over */
	store_text("UPDATE lease SET active_at = active_at - 86400 RETURNING 1");
	pty_start(&b, res);
	pty_expect(&b, "(it looks abandoned)");
	pty_expect(&b, "take the session over? [y/N]");
	pty_type(&b, "y\n");
	pty_expect(&b, "resumed");
	pty_expect(&b, "2 answers so far");
	assert_non_null(pty_prompt_id(pty_next_prompt(&b)));
	snprintf(want, sizeof(want), "%d", (int)b.pid);
	assert_string_equal(store_text("SELECT pid FROM lease"), want);

	/* the interview that lost the session cannot write to it */
	pty_type(&a, "skip\n");
	pty_expect(&a, "is open in another interview");
	pty_expect(&a, "save the answers so far to a file instead?");
	assert_false(pty_seen(&a, "retry?"));
	pty_type(&a, "\n");
	pty_expect(&a, "was not kept");
	pty_next_prompt(&a);
	pty_type(&a, "quit\n");
	assert_int_equal(pty_finish(&a), 0);
	/* leaving did not release the lease it no longer held */
	assert_string_equal(store_text("SELECT pid FROM lease"), want);

	pty_type(&b, "quit\n");
	pty_expect(&b, "saved (in progress)");
	assert_int_equal(pty_finish(&b), 0);
	assert_string_equal(store_text("SELECT count(*) FROM lease"), "0");
	assert_string_equal(store_text("SELECT count(*) FROM audit WHERE "
				       "event = 'lease_taken_over'"), "1");
	assert_string_equal(store_text("SELECT count(*) FROM answer"), "2");

	/* released on quit: resumed again without a question */
	pty_start(&b, res);
	pty_expect(&b, "resumed");
	assert_false(pty_seen(&b, "another interview"));
	pty_next_prompt(&b);
	pty_type(&b, "\004");    /* Ctrl-D */
	pty_expect(&b, "save and quit?");
	pty_type(&b, "y\n");
	assert_int_equal(pty_finish(&b), 0);
	assert_string_equal(store_text("SELECT count(*) FROM lease"), "0");
}

/* A finished session looked at and left keeps its status; signed off, it
 * is closed: no resume, addenda only, deletion with a reason. */
static void test_finished_stays_finished(void **state)
{
	(void)state;
	struct pty p;
	char code[16];
	static const struct answer script[] = {
		{ "age", "45" }, { "knee_pain", "n" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	const char *const args[] = { "interview", "--label", "x",
				     "--clinician", "Dr Who", NULL };
	pty_start(&p, args);
	drive(&p, script, NULL, "INTERVIEW STOPPED", NULL, 0);
	pty_expect(&p, "saved as emergency_stopped");
	read_code(&p, code);
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "quit\n");
	pty_expect(&p, "left emergency_stopped");
	assert_int_equal(pty_finish(&p), 0);
	char sql[200];
	snprintf(sql, sizeof(sql), "SELECT status FROM session WHERE code = "
		 "'%.4s%.4s'", code, code + 5);
	assert_string_equal(store_text(sql), "emergency_stopped");

	/* looked at and left: quit, then Ctrl-D */
	const char *const res[] = { "resume", code, NULL };
	pty_start(&p, res);
	pty_expect(&p, "resumed");
	assert_string_equal(pty_next_prompt(&p), "finish>");
	pty_type(&p, "summary\n");
	pty_next_prompt(&p);
	pty_type(&p, "quit\n");
	pty_expect(&p, "left unchanged (emergency_stopped)");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text(sql), "emergency_stopped");
	pty_start(&p, res);
	assert_string_equal(pty_next_prompt(&p), "finish>");
	pty_type(&p, "\004");
	pty_expect(&p, "save and quit?");
	pty_type(&p, "y\n");
	pty_expect(&p, "left unchanged (emergency_stopped)");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text(sql), "emergency_stopped");
	assert_string_equal(store_text("SELECT count(*) FROM audit WHERE "
				       "event = 'resumed'"), "0");

	/* finished again without a change: kept, and signed off by the
	 * session's clinician on Enter, after confirming */
	pty_start(&p, res);
	assert_string_equal(pty_next_prompt(&p), "finish>");
	pty_type(&p, "\n");
	pty_expect(&p, "unchanged: emergency_stopped");
	pty_expect(&p, "sign off as (Enter: Dr Who;");
	pty_type(&p, "\n");
	pty_expect(&p, "sign off as 'Dr Who'? [y/N]");
	pty_type(&p, "y\n");
	pty_expect(&p, "signed off by Dr Who");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text(sql), "emergency_stopped");

	/* closed: no resume, no note; an addendum is kept and shown */
	char *out = NULL;
	assert_int_equal(run_plain(res, "", &out), 2);
	assert_non_null(strstr(out, "has been signed off"));
	assert_non_null(strstr(out, "sessions addendum"));
	free(out);
	const char *const add[] = { "sessions", "addendum", code, "--author",
				    "Dr Who", "--text", "MRI booked for today", NULL };
	assert_int_equal(run_plain(add, "", &out), 0);
	free(out);
	/* at a terminal, resuming it offers addenda instead */
	pty_start(&p, res);
	pty_expect(&p, "signed off by Dr Who");
	pty_expect(&p, "can no longer change");
	pty_expect(&p, "addendum (Enter to leave):");
	pty_type(&p, "phoned: numbness better\n");
	pty_expect(&p, "by (Enter: Dr Who):");
	pty_type(&p, "\n");
	pty_expect(&p, "addendum by Dr Who added");
	pty_expect(&p, "addendum (Enter to leave):");
	pty_type(&p, "\n");
	assert_int_equal(pty_finish(&p), 0);
	assert_string_equal(store_text("SELECT group_concat(text, '|') FROM "
				       "(SELECT text FROM addendum ORDER BY id)"),
			    "MRI booked for today|phoned: numbness better");
	assert_string_equal(store_text(sql), "emergency_stopped");
	const char *const add_bad[] = { "sessions", "addendum", code, "--text",
					"x", NULL };
	assert_int_equal(run_plain(add_bad, "", &out), 2);
	free(out);
	const char *const show[] = { "sessions", "show", code, NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	assert_non_null(strstr(out, "Addenda (after sign-off):"));
	assert_non_null(strstr(out, "Dr Who: MRI booked for today"));
	assert_non_null(strstr(out, "addendum_added"));
	free(out);
	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	assert_non_null(strstr(out, "Addenda (after sign-off)"));
	assert_non_null(strstr(out, "MRI booked for today"));
	free(out);

	/* deletion needs a reason, which the audit trail keeps */
	const char *const del[] = { "sessions", "delete", code, "--yes", NULL };
	assert_int_equal(run_plain(del, "", &out), 2);
	assert_non_null(strstr(out, "--reason"));
	free(out);
	assert_string_equal(store_text(sql), "emergency_stopped");
	const char *const del2[] = { "sessions", "delete", code, "--yes",
				     "--reason", "entered for the wrong patient",
				     NULL };
	assert_int_equal(run_plain(del2, "", &out), 0);
	free(out);
	assert_string_equal(store_text(sql), "");
	assert_string_equal(store_text("SELECT detail FROM audit WHERE "
				       "event = 'deleted'"),
			    "entered for the wrong patient");
}

/* ------------------------------------------------------------- widths */

/* What the rule base says, from 'rules list --format json': the texts a
 * screen must show whole, and the words it may not break. */
struct rulebase {
	json_t *list;
	const char **words;     /* NULL-terminated, borrowed from list */
	size_t n_words;
};

static void words_add(struct rulebase *rb, const char *text, size_t *cap)
{
	char *copy = strdup(text);
	assert_non_null(copy);
	for (char *t = strtok(copy, " \t\n"); t; t = strtok(NULL, " \t\n")) {
		size_t a = 0, b = strlen(t);
		while (a < b && !isalnum((unsigned char)t[a]) &&
		       !((unsigned char)t[a] & 0x80))
			a++;
		while (b > a && !isalnum((unsigned char)t[b - 1]) &&
		       !((unsigned char)t[b - 1] & 0x80))
			b--;
		/* A word longer than a line (a checksum) is the one that may
		 * be broken. */
		if (b - a < 2 || b - a > 40)
			continue;
		if (rb->n_words + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 1024;
			rb->words = realloc(rb->words, *cap * sizeof(*rb->words));
			assert_non_null(rb->words);
		}
		rb->words[rb->n_words++] = strndup(t + a, b - a);
		rb->words[rb->n_words] = NULL;
	}
	free(copy);
}

static void words_walk(struct rulebase *rb, json_t *j, size_t *cap)
{
	const char *key;
	json_t *v;
	size_t i;
	if (json_is_string(j))
		words_add(rb, json_string_value(j), cap);
	else if (json_is_object(j))
		json_object_foreach(j, key, v)
			words_walk(rb, v, cap);
	else if (json_is_array(j))
		json_array_foreach(j, i, v)
			words_walk(rb, v, cap);
}

static void rulebase_load(struct rulebase *rb)
{
	char *out = NULL;
	const char *const args[] = { "rules", "list", "--format", "json", NULL };
	memset(rb, 0, sizeof(*rb));
	assert_int_equal(run_plain(args, "", &out), 0);
	rb->list = json_loads(out, 0, NULL);
	free(out);
	assert_non_null(rb->list);
	size_t cap = 0;
	words_walk(rb, rb->list, &cap);
	assert_true(rb->n_words > 50);
}

static void rulebase_free(struct rulebase *rb)
{
	for (size_t i = 0; i < rb->n_words; i++)
		free((char *)rb->words[i]);
	free(rb->words);
	json_decref(rb->list);
}

/* The member text of the item of array (questions, findings) with id. */
static const char *rule_text(const struct rulebase *rb, const char *array,
			     const char *id, const char *member)
{
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(rb->list, array), i, item)
		if (strcmp(json_string_value(json_object_get(item, "id")), id) == 0)
			return json_string_value(json_object_get(item, member));
	return NULL;
}

/*
 * The screen so far fits cols columns; the wording of every question in
 * asked[] and the title of every finding named on it ("[id]") shows whole;
 * no word of the rule base is broken across two lines.
 */
static void assert_screen_fits(struct pty *p, const struct rulebase *rb,
			       int cols, const char *const *asked, size_t n_asked)
{
	char what[64];
	pty_pump(p, 0);
	snprintf(what, sizeof(what), "the interview at %d columns", cols);
	pty_assert_fits(what, p->raw, p->len, cols, NULL);
	for (size_t i = 0; i < n_asked; i++) {
		const char *t = rule_text(rb, "questions", asked[i], "clinician_text");
		assert_non_null(t);
		pty_assert_whole(what, p->raw, p->len, t);
	}
	size_t i, shown = 0;
	json_t *f;
	char *norm = pty_normalise(p->raw, p->len);
	json_array_foreach(json_object_get(rb->list, "findings"), i, f) {
		char tag[160];
		snprintf(tag, sizeof(tag), "[%s]",
			 json_string_value(json_object_get(f, "id")));
		if (!strstr(norm, tag))
			continue;
		pty_assert_whole(what, p->raw, p->len,
				 json_string_value(json_object_get(f, "title")));
		shown++;
	}
	free(norm);
	assert_true(shown > 0);
	pty_assert_no_split(what, p->raw, p->len, rb->words);
}

/*
 * A whole interview at a terminal of cols columns, every screen on the
 * way: help, why, the how table and one finding's reasons, the change
 * list, the summary, the conclusions; then a red-flag stop with its
 * banners; then assess --format text and the text report.
 */
static void interview_at(int cols)
{
	struct pty p;
	struct rulebase rb;
	const char *asked[64];
	size_t n_asked = 0;
	char code[16];

	rulebase_load(&rb);
	columns = cols;
	const char *const args[] = { "interview", "--label", "bed 4", NULL };
	pty_start(&p, args);
	const char *line = pty_next_prompt(&p);
	assert_string_equal(line, "age>");
	pty_type(&p, "help\n");
	pty_expect(&p, "change ID");
	pty_expect(&p, "Ctrl-D offers to save and quit");
	pty_next_prompt(&p);
	pty_type(&p, "why\n");
	pty_expect(&p, "why 'age':");
	pty_next_prompt(&p);
	/* one answer is "1 answer" */
	pty_type(&p, "50\n");
	asked[n_asked++] = "age";
	pty_next_prompt(&p);
	pty_type(&p, "summary\n");
	pty_expect(&p, "(1 answer so far;");
	line = pty_next_prompt(&p);
	for (int guard = 0; guard < 60; guard++) {
		const char *id = pty_prompt_id(line);
		assert_non_null(id);
		if (strcmp(id, "finish") == 0)
			break;
		const char *qid = rule_text(&rb, "questions", id, "id");
		assert_non_null(qid);
		asked[n_asked++] = qid;
		char keys[64];
		snprintf(keys, sizeof(keys), "%s\n", lookup(knee_and_back, qid));
		pty_type(&p, keys);
		line = pty_next_prompt(&p);
		const char *again = pty_prompt_id(line);
		if (again && strcmp(again, qid) == 0 && pty_seen(&p, "must be")) {
			pty_type(&p, "skip\n");
			line = pty_next_prompt(&p);
		}
	}
	assert_string_equal(line, "finish>");
	read_code(&p, code);
	pty_type(&p, "how\n");
	pty_expect(&p, "current findings");
	pty_expect(&p, "knee_back_comorbidity");
	pty_next_prompt(&p);
	pty_type(&p, "how knee_back_comorbidity\n");
	pty_expect(&p, "because:");
	pty_expect(&p, "source:");
	pty_next_prompt(&p);
	pty_type(&p, "change\n");
	pty_expect(&p, "usage: change ID, one of the questions answered so far:");
	pty_expect(&p, "low_back_pain");
	pty_next_prompt(&p);
	pty_type(&p, "summary\n");
	pty_expect(&p, "Triage level");
	pty_next_prompt(&p);
	pty_type(&p, "\n");
	pty_expect(&p, "Summary of session");
	pty_expect(&p, "Safety-netting");
	pty_expect(&p, "sign off as");
	pty_type(&p, "\n");
	pty_expect(&p, "not signed off");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	pty_expect(&p, "Goodbye");
	assert_screen_fits(&p, &rb, cols, asked, n_asked);
	assert_int_equal(pty_finish(&p), 0);

	/* A red flag: its banner, the stop, the summary. */
	static const struct answer stop[] = {
		{ "age", "45" }, { "knee_pain", "n" }, { "hip_pain", "n" },
		{ "low_back_pain", "y" }, { "saddle_numbness", "y" },
		{ NULL, NULL },
	};
	pty_start(&p, args);
	drive(&p, stop, NULL, "INTERVIEW STOPPED", NULL, 0);
	pty_expect(&p, "RED FLAG");
	/* Going on for the record: the banner on every later screen. */
	assert_string_equal(pty_next_prompt(&p), "stop>");
	pty_type(&p, "continue\n");
	pty_expect(&p, "continuing the assessment for the record");
	assert_string_equal(drive(&p, stop, "finish>", NULL, NULL, 0), "finish>");
	pty_type(&p, "\n");
	pty_expect(&p, "EMERGENCY STOP:");
	pty_expect(&p, "sign off as");
	pty_type(&p, "\n");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	pty_expect(&p, "Goodbye");
	const char *red[] = { "saddle_numbness" };
	assert_screen_fits(&p, &rb, cols, red, 1);
	assert_int_equal(pty_finish(&p), 0);

	/* assess --format text at $COLUMNS; the text report at its own 80. */
	char *out = NULL, what[64], cols_s[16];
	snprintf(cols_s, sizeof(cols_s), "%d", cols);
	setenv("COLUMNS", cols_s, 1);
	const char *const assess[] = { "assess", "--answers", "-", "--format",
				       "text", NULL };
	assert_int_equal(run_plain(assess, "{\"answers\": {\"age\": 45, "
				   "\"knee_pain\": \"yes\", \"low_back_pain\": "
				   "\"yes\", \"saddle_numbness\": \"yes\"}}\n",
				   &out), 0);
	unsetenv("COLUMNS");
	snprintf(what, sizeof(what), "assess --format text at %d columns", cols);
	assert_non_null(strstr(out, "Findings ("));
	pty_assert_fits(what, out, strlen(out), cols, NULL);
	pty_assert_no_split(what, out, strlen(out), rb.words);
	pty_assert_whole(what, out, strlen(out),
			 rule_text(&rb, "findings", "cauda_equina_suspected", "title"));
	free(out);
	const char *const rep[] = { "report", code, NULL };
	assert_int_equal(run_plain(rep, "", &out), 0);
	pty_assert_fits("the text report", out, strlen(out), 80, NULL);
	pty_assert_no_split("the text report", out, strlen(out), rb.words);
	free(out);

	columns = 80;
	rulebase_free(&rb);
}

static void test_at_60_columns(void **state)
{
	(void)state;
	interview_at(60);
}

static void test_at_80_columns(void **state)
{
	(void)state;
	interview_at(80);
}

static void test_at_120_columns(void **state)
{
	(void)state;
	interview_at(120);
}

/* ------------------------------------------------------------------ main */

/* Assemble the fixture rule base: the real schema, flow and levels with
 * the test questions. */
static int make_fixture(void)
{
	snprintf(rules_dir, sizeof(rules_dir), "/tmp/msk-e2e-rules-XXXXXX");
	if (!mkdtemp(rules_dir))
		return -1;
	static const char *const files[] = {
		MSK_SOURCE_DIR "/rules/schema.clp", MSK_SOURCE_DIR "/rules/flow.clp",
		MSK_SOURCE_DIR "/rules/levels.clp",
		MSK_SOURCE_DIR "/tests/e2e/fixtures/interview.clp", NULL
	};
	for (size_t i = 0; files[i]; i++) {
		char cmd[1400];
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s/'", files[i], rules_dir);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* True if the built-in rule base has what these scripts rely on. */
static bool builtin_ready(void)
{
	char *out = NULL;
	snprintf(dir, sizeof(dir), "/tmp/msk-e2e-XXXXXX");
	if (!mkdtemp(dir))
		return false;
	const char *const args[] = { "rules", "list", NULL };
	run_plain(args, "", &out);
	static const char *const need[] = { "saddle_numbness", "low_back_pain",
		"knee_pain", "cauda_equina_suspected", "knee_back_comorbidity",
		NULL };
	bool ok = true;
	for (size_t i = 0; need[i]; i++)
		ok &= strstr(out, need[i]) != NULL;
	free(out);
	teardown(NULL);
	return ok;
}

int main(int argc, char **argv)
{
	bool builtin = argc > 1 && strcmp(argv[1], "builtin") == 0;
	signal(SIGPIPE, SIG_IGN);
	if (builtin) {
		rules_dir[0] = '\0';
		if (!builtin_ready()) {
			fprintf(stderr, "the built-in rule base lacks the SPEC "
				"questions and findings these flows use\n");
			return 1;
		}
	} else if (make_fixture() != 0) {
		fprintf(stderr, "cannot assemble the fixture rule base\n");
		return 1;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_full_interview, setup, teardown),
		cmocka_unit_test_setup_teardown(test_why_and_how, setup, teardown),
		cmocka_unit_test_setup_teardown(test_progress_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_choice_labels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_and_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_red_flag_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_continue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_level_holds, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stop_continue_killed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_quit_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_session_at_first_answer,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_picks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_killed_interview_resumes,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_end_of_input_without_terminal,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_command, setup, teardown),
		cmocka_unit_test_setup_teardown(test_colour, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_locked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_writer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finished_stays_finished,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_60_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_80_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_at_120_columns, setup, teardown),
	};
	int failed = cmocka_run_group_tests_name(
		builtin ? "interview (built-in rules)" : "interview (fixture)",
		tests, NULL, NULL);
	if (!builtin) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rules_dir);
		if (system(cmd) != 0)
			failed++;
	}
	return failed;
}
