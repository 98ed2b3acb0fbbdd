/*
 * test_interview_cmds.c — the interview's commands for information given
 * out of order and for explanations, through a pseudo-terminal on the
 * built-in rule base: set ID VALUE (validated, stored, the next question
 * worked out again, a stop like an answer's, closest ids for an unknown
 * one, Tab completion of ids), durations as people say them ("2y",
 * "10 days") converted and echoed, how/whynot for a finding that is absent,
 * the recap on resume, and back that keeps the stored answer.
 *
 * Each flow takes the terminal width (80 and 120 columns here; 60 waits
 * for the interview's other screens to fit it) and checks that no line is
 * wider. Each test has its
 * own store, HOME and XDG_STATE_HOME in a fresh temporary directory. A
 * wait for screen text that times out is a failure, not a measurement.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
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

/* The binary in a terminal of the given width. */
static void pty_start(struct pty *p, const char *const *args, int columns)
{
	pty_spawn(p, columns, 40, exec_binary, (void *)args);
}

/* No line of the screen is wider than columns (typed lines aside). */
static void assert_fits(struct pty *p, int columns)
{
	static const char *const typed[] = { "> ", "]: ", "): ", NULL };
	pty_pump(p, 0);
	pty_assert_fits("the interview", p->raw, p->len, columns, typed);
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
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char *argv[32], db[600];
		int in = open(path, O_RDONLY);
		dup2(in, 0);
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
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
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* --------------------------------------------------------------- set-up */

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/msk-e2e-cmds-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The code of the session saved so far (sessions list), in code. */
static void only_code(char code[16])
{
	char *out = NULL;
	const char *const args[] = { "sessions", "list", NULL };
	assert_int_equal(run_plain(args, "", &out), 0);
	const char *dash = strchr(out, '-');
	while (dash && !(dash - out >= 4 && isalnum((unsigned char)dash[-4]) &&
			 isalnum((unsigned char)dash[4])))
		dash = strchr(dash + 1, '-');
	assert_non_null(dash);
	memcpy(code, dash - 4, 9);
	code[9] = '\0';
	free(out);
}

/* ----------------------------------------------------------------- flows */

static const char *const start_args[] = { "interview", "--label", "x", NULL };

static void flow_set(int columns)
{
	struct pty p;
	char code[16];
	pty_start(&p, start_args, columns);
	const char *first = pty_next_prompt(&p);
	char want_first[128];
	snprintf(want_first, sizeof(want_first), "%s", first);

	/* unknown id: what ids look like, and the closest ones */
	pty_type(&p, "set kneee_pain yes\n");
	pty_expect(&p, "unknown question 'kneee_pain'");
	pty_expect(&p, "closest: knee_pain");
	assert_string_equal(pty_next_prompt(&p), want_first);
	/* validated like any answer: the question and what is allowed */
	pty_type(&p, "set knee_pain maybe\n");
	pty_expect(&p, "'knee_pain' must be one of yes, no, unsure");
	pty_next_prompt(&p);
	/* a duration as people say it, converted, echoed and stored */
	pty_type(&p, "set knee_duration_weeks 2y\n");
	pty_expect(&p, "= 104 weeks");
	pty_expect(&p, "saved with the first answer");
	pty_expect(&p, "set 'knee_duration_weeks' to 104");
	/* the question asked is still the one that was (set asks nothing) */
	assert_string_equal(pty_next_prompt(&p), want_first);
	/* answered already: change it instead */
	pty_type(&p, "set knee_duration_weeks 3\n");
	pty_expect(&p, "'knee_duration_weeks' is answered already; 'change "
		   "knee_duration_weeks' answers it again");
	pty_next_prompt(&p);
	/* an examination finding made early, in clinician mode */
	pty_type(&p, "set exam_straight_leg_raise no\n");
	pty_expect(&p, "set 'exam_straight_leg_raise' to no");
	pty_next_prompt(&p);
	/* the next question is worked out again: a pain site set is not
	 * asked, and a red flag set stops the interview as an answer would */
	pty_type(&p, "set low_back_pain yes\n");
	pty_expect(&p, "set 'low_back_pain' to yes");
	pty_next_prompt(&p);
	pty_type(&p, "set saddle_numbness yes\n");
	pty_expect(&p, "RED FLAG");
	pty_expect(&p, "[cauda_equina_suspected]");
	assert_false(pty_seen(&p, "low_back_pain>"));
	/* the red-flag questions a stop waits for, then the stop */
	drive(&p, NULL, NULL, "INTERVIEW STOPPED", NULL, 0);
	pty_expect(&p, "INTERVIEW STOPPED");
	pty_expect(&p, "saved as emergency_stopped");
	pty_expect(&p, "stop>");
	pty_type(&p, "signoff\n");
	pty_expect(&p, "sign off as");
	pty_type(&p, "\n");
	pty_expect(&p, "write a plain-text report?");
	pty_type(&p, "\n");
	pty_expect(&p, "Goodbye.");
	assert_fits(&p, columns);
	assert_int_equal(pty_finish(&p), 0);

	/* stored as the converted integer: a JSON number */
	only_code(code);
	char *out = NULL;
	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	assert_non_null(strstr(out, "\"knee_duration_weeks\": 104,"));
	assert_non_null(strstr(out, "\"exam_straight_leg_raise\": \"no\""));
	assert_non_null(strstr(out, "\"status\": \"emergency_stopped\""));
	free(out);
}

static void flow_durations(int columns)
{
	struct pty p;
	static const struct answer script[] = {
		{ "age", "50" }, { "knee_pain", "y" }, { NULL, NULL },
	};
	pty_start(&p, start_args, columns);
	drive(&p, script, "knee_duration_weeks>", NULL, NULL, 0);
	/* out of range after the conversion: the converted value named */
	pty_type(&p, "60 years\n");
	pty_expect(&p, "= 3120 weeks");
	pty_expect(&p, "'knee_duration_weeks' must be an integer from 0 to 2600");
	assert_string_equal(pty_next_prompt(&p), "knee_duration_weeks>");
	/* a unit word the question does not take */
	pty_type(&p, "3 fortnights\n");
	pty_expect(&p, "'knee_duration_weeks' takes a number of weeks, or an amount "
		   "in days, weeks, months or years");
	assert_string_equal(pty_next_prompt(&p), "knee_duration_weeks>");
	/* days to the nearest week, never 0 weeks */
	pty_type(&p, "3 days\n");
	pty_expect(&p, "= 1 week\r\n");
	const char *line = pty_next_prompt(&p);
	assert_string_not_equal(line, "knee_duration_weeks>");
	/* other forms, through change */
	pty_type(&p, "change knee_duration_weeks\n");
	assert_string_equal(pty_next_prompt(&p), "knee_duration_weeks>");
	pty_type(&p, "18 months\n");
	pty_expect(&p, "= 78 weeks");
	pty_expect(&p, "changed 'knee_duration_weeks' from 1 to 78");
	pty_next_prompt(&p);
	pty_type(&p, "change knee_duration_weeks\n");
	pty_next_prompt(&p);
	pty_type(&p, "6 wk\n");
	/* the question's own unit: nothing to echo */
	pty_expect(&p, "changed 'knee_duration_weeks' from 78 to 6");
	pty_next_prompt(&p);
	pty_type(&p, "change knee_duration_weeks\n");
	pty_next_prompt(&p);
	pty_type(&p, "10d\n");
	pty_expect(&p, "= 1 week");
	pty_expect(&p, "from 6 to 1");
	pty_next_prompt(&p);
	assert_fits(&p, columns);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void flow_how_absent(int columns)
{
	struct pty p;
	pty_start(&p, start_args, columns);
	pty_next_prompt(&p);
	/* nothing answered: the rules that could give it, what they need */
	pty_type(&p, "how knee_back_comorbidity\n");
	pty_expect(&p, "[knee_back_comorbidity] is not a current finding");
	pty_expect(&p, "it would need one of these:");
	pty_expect(&p, "[knee-back-comorbidity]");
	pty_expect(&p, "not answered yet: knee_pain, low_back_pain");
	pty_expect(&p, "nothing argued against it");
	pty_next_prompt(&p);
	/* the answers that block it, by name */
	pty_type(&p, "set knee_pain yes\n");
	pty_next_prompt(&p);
	pty_type(&p, "set low_back_pain no\n");
	pty_next_prompt(&p);
	pty_type(&p, "whynot knee_back_comorbidity\n");
	pty_expect(&p, "[knee-back-comorbidity]");
	pty_expect(&p, "answered: knee_pain = yes; low_back_pain = no");
	pty_next_prompt(&p);
	/* negative evidence: supported, argued down below the threshold */
	pty_type(&p, "set leg_numbness_tingling yes\n");
	pty_next_prompt(&p);
	pty_type(&p, "set exam_straight_leg_raise no\n");
	pty_next_prompt(&p);
	pty_type(&p, "whynot lumbar_referred_pain\n");
	pty_expect(&p, "[lumbar_referred_pain] is not a current finding");
	pty_expect(&p, "[lumbar-referred-pain-numbness] (holds)");
	pty_expect(&p, "argued against it:");
	pty_expect(&p, "negative evidence: exam_straight_leg_raise = no");
	pty_expect(&p, "[lumbar-referred-pain-no-straight-leg-raise]");
	pty_expect(&p, "the evidence so far combines to 0.14; reported above 0.20");
	pty_next_prompt(&p);
	/* a present finding keeps the explanation it had */
	pty_type(&p, "change low_back_pain\n");
	pty_next_prompt(&p);
	pty_type(&p, "y\n");
	pty_expect(&p, "new finding:");
	pty_next_prompt(&p);
	pty_type(&p, "how knee_back_comorbidity\n");
	pty_expect(&p, "because:");
	pty_expect(&p, "rules: knee-back-comorbidity");
	pty_next_prompt(&p);
	assert_fits(&p, columns);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void flow_resume_recap(int columns)
{
	struct pty p;
	char code[16];
	static const struct answer script[] = {
		{ "age", "50" }, { "knee_pain", "y" }, { "low_back_pain", "y" },
		{ NULL, NULL },
	};
	pty_start(&p, start_args, columns);
	drive(&p, script, NULL, "new finding: Knee", NULL, 0);
	pty_next_prompt(&p);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
	only_code(code);

	const char *const resume[] = { "resume", code, NULL };
	pty_start(&p, resume, columns);
	pty_expect(&p, "answers so far");
	pty_expect(&p, "level so far: consultation (interim: red-flag screening "
		   "not finished)");
	pty_expect(&p, "findings so far:");
	pty_expect(&p, "[knee_back_comorbidity] (consultation, confidence 0.50)");
	const char *line = pty_next_prompt(&p);
	assert_non_null(pty_prompt_id(line));
	assert_fits(&p, columns);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void flow_back_keeps(int columns)
{
	struct pty p;
	char code[16], last[128], want[256];
	static const struct answer script[] = {
		{ "age", "50" }, { "knee_pain", "y" }, { "low_back_pain", "y" },
		{ NULL, NULL },
	};
	pty_start(&p, start_args, columns);
	drive(&p, script, NULL, "new finding: Knee", last, sizeof(last));
	pty_next_prompt(&p);
	pty_type(&p, "back\n");
	snprintf(want, sizeof(want), "back to '%s'", last);
	pty_expect(&p, want);
	pty_expect(&p, "(now yes; Enter keeps it)");
	snprintf(want, sizeof(want), "%s>", last);
	assert_string_equal(pty_next_prompt(&p), want);
	pty_type(&p, "back\n");
	pty_expect(&p, "Enter keeps it");
	pty_next_prompt(&p);
	/* leaving now loses nothing */
	pty_type(&p, "quit\n");
	pty_expect(&p, "saved (in progress)");
	assert_int_equal(pty_finish(&p), 0);
	only_code(code);
	char *out = NULL;
	const char *const show[] = { "sessions", "show", code, "--format", "json",
				     NULL };
	assert_int_equal(run_plain(show, "", &out), 0);
	snprintf(want, sizeof(want), "\"%s\": \"yes\"", last);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\"age\": 50"));
	free(out);
	const char *const resume[] = { "resume", code, NULL };
	pty_start(&p, resume, columns);
	pty_expect(&p, "[knee_back_comorbidity]");
	pty_next_prompt(&p);
	pty_type(&p, "quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void flow_tab_completes_ids(int columns)
{
	struct pty p;
	pty_start(&p, start_args, columns);
	pty_next_prompt(&p);
	/* Tab completes to what the knee question ids share and lists
	 * them: question ids only, no finding id */
	pty_type(&p, "set kne\t");
	pty_expect(&p, "knee_duration_weeks");
	assert_true(pty_seen(&p, "knee_pain"));
	assert_true(pty_seen(&p, "knee_side"));
	assert_false(pty_seen(&p, "knee_back_comorbidity"));
	pty_expect(&p, "set knee_");
	/* a unique one is completed whole */
	pty_type(&p, "dur\t");
	pty_expect(&p, "ation_weeks");
	/* only unanswered questions are offered to set */
	pty_type(&p, " 6\n");
	pty_expect(&p, "set 'knee_duration_weeks' to 6");
	pty_next_prompt(&p);
	pty_type(&p, "set knee_du\t");
	assert_false(pty_seen(&p, "knee_duration_weeks"));
	/* Ctrl-U clears the line; finding ids after how */
	pty_type(&p, "\025how knee_back_c\t");
	pty_expect(&p, "how knee_back_comorbidity");
	pty_type(&p, "\n");
	pty_expect(&p, "is not a current finding");
	pty_next_prompt(&p);
	/* command words at the start */
	pty_type(&p, "whyn\t");
	pty_expect(&p, "whynot");
	pty_type(&p, "\025quit\n");
	assert_int_equal(pty_finish(&p), 0);
}

static void test_set_80(void **state) { (void)state; flow_set(80); }
static void test_durations_80(void **state) { (void)state; flow_durations(80); }
static void test_how_absent_80(void **state) { (void)state; flow_how_absent(80); }
static void test_resume_recap_80(void **state) { (void)state; flow_resume_recap(80); }
static void test_back_keeps_80(void **state) { (void)state; flow_back_keeps(80); }
static void test_set_120(void **state) { (void)state; flow_set(120); }
static void test_how_absent_120(void **state) { (void)state; flow_how_absent(120); }
static void test_tab_completes_ids(void **state)
{
	(void)state;
	flow_tab_completes_ids(80);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	rules_dir[0] = '\0';    /* the built-in rule base */
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_set_80, setup, teardown),
		cmocka_unit_test_setup_teardown(test_durations_80, setup, teardown),
		cmocka_unit_test_setup_teardown(test_how_absent_80, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resume_recap_80, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_back_keeps_80, setup, teardown),
		cmocka_unit_test_setup_teardown(test_set_120, setup, teardown),
		cmocka_unit_test_setup_teardown(test_how_absent_120, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tab_completes_ids, setup,
						teardown),
	};
	return cmocka_run_group_tests_name("interview commands", tests, NULL,
					   NULL);
}
