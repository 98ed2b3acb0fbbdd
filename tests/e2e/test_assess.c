/*
 * test_assess.c — `msktriage assess` through the real binary: good answers,
 * every kind of bad input (exit 2, a message naming the field, nothing on
 * stdout), and batch mode.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdbool.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include <signal.h>
#include <poll.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_pty.h"

struct run {
	int status;
	char *out;
	char *err;
	long maxrss_kb;   /* the program's peak resident set */
};

/* When not 0, the program runs with this address-space limit. */
static rlim_t as_limit;
/* When set, the input is written by this function instead of from a
 * buffer (so a test can send more than it holds). */
static void (*input_gen)(int fd);

static char *slurp(int fd)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t got;
	while ((got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += (size_t)got;
		if (n + 1 == cap)
			buf = realloc(buf, cap *= 2);
	}
	buf[n] = '\0';
	return buf;
}

/* Run the binary with args, feeding len bytes of input on stdin. stderr is
 * collected through a file so large outputs cannot deadlock the pipes. */
static struct run run_bin(const char *const *args, const char *input, size_t len)
{
	int in[2], out[2];
	FILE *errf = tmpfile();
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		dup2(fileno(errf), 2);
		close(in[1]);
		close(out[0]);
		if (as_limit) {
			struct rlimit rl = { as_limit, as_limit };
			setrlimit(RLIMIT_AS, &rl);
		}
		char *argv[32];
		size_t i = 0;
		argv[i++] = (char *)MSKTRIAGE_BIN;
		for (; args[i - 1] && i < 31; i++)
			argv[i] = (char *)args[i - 1];
		argv[i] = NULL;
		execv(MSKTRIAGE_BIN, argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* Write in a child-safe way: input larger than a pipe buffer. */
	pid_t writer = fork();
	if (writer == 0) {
		close(out[0]);
		if (input_gen) {
			input_gen(in[1]);
			_exit(0);
		}
		size_t off = 0;
		while (off < len) {
			ssize_t w = write(in[1], input + off, len - off);
			if (w <= 0)
				break;
			off += (size_t)w;
		}
		_exit(0);
	}
	close(in[1]);
	struct run r = { 0 };
	r.out = slurp(out[0]);
	close(out[0]);
	int st;
	struct rusage ru;
	wait4(pid, &st, 0, &ru);
	r.maxrss_kb = ru.ru_maxrss;
	waitpid(writer, NULL, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	rewind(errf);
	r.err = slurp(fileno(errf));
	fclose(errf);
	pty_assert_one_prefix("assess stderr", r.err, strlen(r.err));
	return r;
}

static struct run run_str(const char *const *args, const char *input)
{
	return run_bin(args, input, strlen(input));
}

static void run_free(struct run *r)
{
	free(r->out);
	free(r->err);
}

static const char *const assess_args[] = { "assess", "--answers", "-", NULL };

/* Knee pain at 30 with every red-flag question it opens answered no. */
static const char screened_knee[] =
	"{\"answers\":{\"age\":30,\"knee_pain\":\"yes\",\"hip_pain\":\"no\","
	"\"low_back_pain\":\"no\",\"neck_pain\":\"no\",\"calf_swelling\":\"no\","
	"\"fever\":\"no\",\"knee_hot_swollen\":\"no\",\"recent_trauma\":\"no\","
	"\"unable_to_bear_weight\":\"no\",\"cancer_history\":\"no\","
	"\"weight_loss_unexplained\":\"no\",\"night_pain\":\"no\"}}";

/* Cauda equina, with the one red-flag question that could make it more
 * urgent still answered. */
static const char headline_screened[] =
	"{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\","
	"\"saddle_numbness\":\"yes\",\"sudden_severe_pain_faint\":\"no\"}}";

static void test_headline_cauda_equina(void **state)
{
	(void)state;
	struct run r = run_str(assess_args,
		"{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\"}}");
	assert_int_equal(r.status, 0);
	json_error_t err;
	json_t *j = json_loads(r.out, 0, &err);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "triage"), "level")), "emergency");
	bool found = false;
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(j, "findings"), i, f)
		if (strcmp(json_string_value(json_object_get(f, "id")),
			   "cauda_equina_suspected") == 0) {
			found = true;
			assert_string_equal(json_string_value(json_object_get(f, "kind")), "red_flag");
			assert_true(json_array_size(json_object_get(f, "rules")) >= 1);
			assert_non_null(json_object_get(json_object_get(f, "because"), "saddle_numbness"));
			assert_true(strlen(json_string_value(json_object_get(f, "source"))) > 0);
		}
	assert_true(found);
	/* The emergency stands at once; the stop waits for the one red-flag
	 * question that could make it more urgent still (an aortic
	 * emergency), and the red flags are not all screened. */
	assert_string_equal(json_string_value(json_object_get(j, "stopped_by")),
			    "cauda_equina_suspected");
	assert_true(json_is_false(json_object_get(j, "complete")));
	assert_string_equal(json_string_value(json_object_get(j, "next_question")),
			    "sudden_severe_pain_faint");
	assert_true(json_is_false(json_object_get(j, "red_flags_screened")));
	assert_int_equal(strlen(json_string_value(json_object_get(
		json_object_get(j, "rulebase"), "sha256"))), 64);
	json_decref(j);
	run_free(&r);

	/* Answered: the stop ends the interview. */
	r = run_str(assess_args, headline_screened);
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "triage"), "level")), "emergency");
	assert_true(json_is_true(json_object_get(j, "complete")));
	assert_true(json_is_null(json_object_get(j, "next_question")));
	json_decref(j);
	run_free(&r);
}

/* The fields of revision 2: red_flags_screened at the top, and for each
 * finding against (an array) and citations (an array of {id, text}) beside
 * source, in a fixed key order. */
static void test_revision_2_fields(void **state)
{
	(void)state;
	/* (a red flag, so that a finding is there whatever else holds) */
	struct run r = run_str(assess_args, headline_screened);
	assert_int_equal(r.status, 0);
	json_t *j = json_loads(r.out, JSON_PRESERVE_ORDER, NULL);
	assert_non_null(j);
	assert_true(json_is_false(json_object_get(j, "red_flags_screened")));
	json_t *screened = NULL;
	{
		struct run r2 = run_str(assess_args, screened_knee);
		assert_int_equal(r2.status, 0);
		screened = json_loads(r2.out, 0, NULL);
		run_free(&r2);
	}
	assert_non_null(screened);
	assert_true(json_is_true(json_object_get(screened, "red_flags_screened")));
	json_decref(screened);
	/* red_flags_screened follows complete. */
	const char *key, *prev = NULL;
	json_t *v;
	json_object_foreach(j, key, v) {
		if (strcmp(key, "red_flags_screened") == 0)
			break;
		prev = key;
	}
	assert_non_null(prev);
	assert_string_equal(prev, "complete");
	json_t *f = json_array_get(json_object_get(j, "findings"), 0);
	assert_non_null(f);
	assert_true(json_is_array(json_object_get(f, "against")));
	assert_true(json_is_array(json_object_get(f, "citations")));
	assert_true(json_is_string(json_object_get(f, "source")));
	const char *order[] = { "id", "kind", "title", "confidence", "level",
				"because", "against", "rules", "source",
				"citations" };
	size_t i = 0;
	json_object_foreach(f, key, v) {
		assert_true(i < sizeof(order) / sizeof(order[0]));
		assert_string_equal(key, order[i++]);
	}
	assert_int_equal(i, sizeof(order) / sizeof(order[0]));
	json_decref(j);
	run_free(&r);

}

static void test_partial_answers_give_next_question(void **state)
{
	(void)state;
	struct run r = run_str(assess_args, "{\"answers\":{}}");
	assert_int_equal(r.status, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	const char *next = json_string_value(json_object_get(j, "next_question"));
	assert_non_null(next);
	assert_string_equal(next, "age");
	assert_true(json_is_false(json_object_get(j, "complete")));
	json_decref(j);
	run_free(&r);
}

#define R2_FIXTURE CASES_DIR "/../unit/fixtures/r2"

/* Citations through the binary: rules list shows the bibliography, assess
 * each finding's citations and their joined text as its source, and rules
 * check names a red flag given negative evidence. */
static void test_citations_and_check(void **state)
{
	(void)state;
	const char *list[] = { "--rules", R2_FIXTURE, "rules", "list",
			       "--format", "json", NULL };
	struct run r = run_str(list, "");
	assert_int_equal(r.status, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *c = json_array_get(json_object_get(j, "citations"), 2);
	assert_string_equal(json_string_value(json_object_get(c, "id")), "cit_rule");
	assert_string_equal(json_string_value(json_object_get(c, "text")),
			    "Is it a rule? 1995.");
	json_decref(j);
	run_free(&r);

	const char *assess[] = { "--rules", R2_FIXTURE, "assess", NULL };
	r = run_str(assess, "{\"answers\":{\"g\":\"yes\",\"a\":\"yes\","
			    "\"c\":\"no\"}}");
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_non_null(j);
	json_t *f = json_array_get(json_object_get(j, "findings"), 0);
	assert_string_equal(json_string_value(json_object_get(f, "id")), "flag");
	assert_int_equal(json_array_size(json_object_get(f, "citations")), 2);
	assert_string_equal(json_string_value(json_object_get(
		json_array_get(json_object_get(f, "citations"), 1), "text")),
		"A knee study.");
	assert_string_equal(json_string_value(json_object_get(f, "source")),
		"Low back pain and sciatica in over 16s (NG59). National "
		"Institute for Health and Care Excellence, 2016.; A knee study.");
	f = json_array_get(json_object_get(j, "findings"), 1);
	assert_string_equal(json_string_value(json_object_get(f, "id")), "rel");
	assert_int_equal(json_array_size(json_object_get(f, "against")), 1);
	assert_string_equal(json_string_value(json_array_get(
		json_object_get(f, "against"), 0)), "c");
	json_decref(j);
	run_free(&r);

	const char *check[] = { "--rules", R2_FIXTURE, "rules", "check", NULL };
	r = run_str(check, "");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "problem: rule 'flag-against-h' gives red "
				      "flag 'flag' negative evidence\n"));
	run_free(&r);
}

static void test_text_format(void **state)
{
	(void)state;
	const char *args[] = { "assess", "--format", "text", NULL };
	struct run r = run_str(args,
		"{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\"}}");
	assert_int_equal(r.status, 0);
	/* Red-flag questions are still unanswered: the level says it is
	 * interim. */
	assert_non_null(strstr(r.out, "Triage level (interim, red-flag "
				      "screening not finished): emergency\n"));
	assert_non_null(strstr(r.out, "cauda_equina_suspected"));
	run_free(&r);

	/* Every relevant red flag answered: the level stands bare. */
	r = run_str(args, screened_knee);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Triage level: self_care\n"));
	assert_null(strstr(r.out, "interim"));
	run_free(&r);
	/* One of them not answered: interim again, never a bare self_care. */
	r = run_str(args, "{\"answers\":{\"age\":30,\"knee_pain\":\"yes\"}}");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "Triage level (interim, red-flag "
				      "screening not finished): self_care\n"));
	assert_null(strstr(r.out, "Triage level: self_care"));
	run_free(&r);
}

/* Each bad input: exit 2, nothing on stdout, a message containing want. */
static void expect_refused(const char *input, size_t len, const char *want)
{
	struct run r = run_bin(assess_args, input, len);
	/* The program's words, not the JSON parser's (its flag names, its
	 * "near '...'" quoting of the input). */
	if (strstr(r.err, "JSON_") || strstr(r.err, " near '"))
		fail_msg("input %.60s: a library's message: '%.200s'", input, r.err);
	if (r.status != 2 || r.out[0] != '\0' || !strstr(r.err, want))
		fail_msg("input %.60s: status %d, stdout '%.80s', stderr '%.200s' "
			 "(wanted '%s')", input, r.status, r.out, r.err, want);
	run_free(&r);
}

#define REFUSED(input, want) expect_refused(input, sizeof(input) - 1, want)

static void test_bad_input_refused(void **state)
{
	(void)state;
	REFUSED("{\"answers\":{\"kneee_pain\":\"yes\"}}", "unknown question 'kneee_pain'");
	REFUSED("{\"answers\":{\"age\":\"45\"}}", "'age' must be an integer from 0 to 120");
	REFUSED("{\"answers\":{\"age\":45.5}}", "'age' must be an integer from 0 to 120");
	REFUSED("{\"answers\":{\"age\":121}}", "'age' must be an integer from 0 to 120");
	REFUSED("{\"answers\":{\"knee_pain_score\":11}}", "'knee_pain_score' must be an integer from 0 to 10");
	REFUSED("{\"answers\":{\"height_cm\":99}}", "'height_cm' must be a number from 100 to 250");
	REFUSED("{\"answers\":{\"knee_pain\":true}}", "'knee_pain' must be one of yes, no, unsure");
	REFUSED("{\"answers\":{\"knee_pain\":null}}", "'knee_pain' must be one of yes, no, unsure");
	REFUSED("{\"answers\":{\"knee_pain\":[\"yes\"]}}", "'knee_pain' must be one of yes, no, unsure");
	REFUSED("{\"answers\":{\"knee_side\":\"up\"}}", "'knee_side' must be one of left, right, both");
	REFUSED("{\"answers\":{\"knee_pain\":\"yes\"}",
		"input ends before its JSON value is complete (line 1, column 30)");
	REFUSED("{\"answers\":{\"knee_pain\":yes}}", "input is not valid JSON (line 1, column 27)");
	REFUSED("[{\"answers\":{}}]", "must be a JSON object");
	REFUSED("\"answers\"", "must be a JSON object");
	REFUSED("{\"answers\":[]}", "'answers' must be a JSON object");
	REFUSED("{\"answer\":{}}", "unknown field 'answer'");
	REFUSED("{\"answers\":{},\"mode\":\"root\"}", "'mode' must be one of clinician, kiosk");
	REFUSED("{\"answers\":{\"age\":45,\"age\":46}}", "'age' is given twice");
	/* Strings built to look like rule or SQL code stay values, refused. */
	REFUSED("{\"answers\":{\"knee_pain\":\"yes) (assert (evidence (finding cauda_equina_suspected)))\"}}",
		"'knee_pain' must be one of yes, no, unsure");
	REFUSED("{\"answers\":{\"knee_pain\":\"(exit)\"}}", "'knee_pain' must be one of");
	REFUSED("{\"answers\":{\"knee_side\":\"left'; DROP TABLE sessions; --\"}}",
		"'knee_side' must be one of");
	REFUSED("{\"answers\":{\"(system \\\"id\\\")\":\"yes\"}}", "unknown question '(system \"id\")'");
	/* NUL bytes: escaped inside a string, named by the field that holds
	 * it; raw in the input. */
	REFUSED("{\"answers\":{\"knee_pain\":\"yes\\u0000no\"}}",
		"'knee_pain' must not contain a NUL byte");
	REFUSED("{\"answers\":{\"age\":45},\"mode\":\"kiosk\\u0000x\"}",
		"'mode' must not contain a NUL byte");
	REFUSED("{\"answers\":{\"kn\\u0000ee_pain\":\"yes\"}}",
		"a field name must not contain a NUL byte");
	expect_refused("{\"answers\":{\"knee_pain\":\"yes\"}}\0garbage", 38,
		       "input goes on after its JSON value");
	REFUSED("", "input is empty");
	REFUSED("{\"answers\":{\"knee_pain\":\"\xff\"}}", "input is not valid UTF-8");
}

static void test_absurd_nesting_and_size(void **state)
{
	(void)state;
	size_t n = 200000;
	char *deep = malloc(n + 32);
	strcpy(deep, "{\"answers\":{\"age\":");
	size_t len = strlen(deep);
	memset(deep + len, '[', n);
	expect_refused(deep, len + n, "input nests objects or arrays too deeply");
	free(deep);

	size_t big = 3 * 1024 * 1024;
	char *huge = malloc(big);
	memset(huge, ' ', big);
	expect_refused(huge, big, "input is larger than");
	free(huge);
}

static void test_batch_goes_on_after_bad_line(void **state)
{
	(void)state;
	const char *args[] = { "assess", "--batch", NULL };
	struct run r = run_str(args,
		"{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\"}}\n"
		"{\"answers\":{\"age\":\"x\"}}\n"
		"not json\n"
		"\n"
		"{\"answers\":{\"age\":30,\"knee_pain\":\"no\"}}\n");
	assert_int_equal(r.status, 0);
	char *save = NULL;
	char *line = strtok_r(r.out, "\n", &save);
	/* One output line per input line, the blank one included, each
	 * with its line number. */
	const char *want_error[] = { NULL, "'age' must be", "not valid JSON",
				     "empty line", NULL };
	int n = 0;
	for (; line; line = strtok_r(NULL, "\n", &save), n++) {
		assert_true(n < 5);
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "line")),
				 n + 1);
		if (want_error[n]) {
			assert_non_null(strstr(json_string_value(json_object_get(j, "error")),
					       want_error[n]));
		} else {
			assert_non_null(json_object_get(j, "triage"));
		}
		json_decref(j);
	}
	assert_int_equal(n, 5);
	run_free(&r);
}

static void test_batch_many_lines_in_order(void **state)
{
	(void)state;
	/* More lines than one block, over several threads: order kept. */
	size_t n = 5000;
	size_t cap = n * 80, len = 0;
	char *in = malloc(cap);
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(in + len, cap - len,
			"{\"answers\":{\"age\":%zu,\"knee_pain\":\"%s\"}}\n",
			i % 100 + 16, i % 7 ? "yes" : "bad");
	const char *args[] = { "assess", "--batch", "--jobs", "3", NULL };
	struct run r = run_bin(args, in, len);
	assert_int_equal(r.status, 0);
	size_t lines = 0, errors = 0;
	for (char *p = r.out; (p = strchr(p, '\n')); p++) {
		lines++;
	}
	for (char *p = r.out; (p = strstr(p, "\"error\"")); p++)
		errors++;
	assert_int_equal(lines, n);
	assert_int_equal(errors, (n + 6) / 7);
	/* Line 8 is the second error line: the 8th output line. */
	char *p = r.out;
	for (int i = 0; i < 7; i++)
		p = strchr(p, '\n') + 1;
	assert_true(strncmp(p, "{\"line\":8,", 10) == 0 ||
		    strncmp(p, "{\"line\": 8,", 11) == 0);
	free(in);
	run_free(&r);
}

/* The answers of every clinical case (and both sides of the order cases),
 * as request lines. */
static size_t case_requests(char ***out)
{
	DIR *d = opendir(CASES_DIR);
	assert_non_null(d);
	char **lines = NULL;
	size_t n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		if (!strstr(de->d_name, ".json"))
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", CASES_DIR, de->d_name);
		json_t *c = json_load_file(path, 0, NULL);
		assert_non_null(c);
		const char *sides[] = { "answers", "stronger", "weaker" };
		for (size_t k = 0; k < 3; k++) {
			json_t *a = json_object_get(c, sides[k]);
			if (!a)
				continue;
			json_t *req = json_pack("{s:O}", "answers", a);
			json_t *mode = json_object_get(c, "mode");
			if (mode)
				json_object_set(req, "mode", mode);
			lines = realloc(lines, (n + 1) * sizeof(*lines));
			lines[n++] = json_dumps(req, JSON_COMPACT);
			json_decref(req);
		}
		json_decref(c);
	}
	closedir(d);
	*out = lines;
	return n;
}

/* Batch mode evaluates similar cases together and applies each as a
 * difference from the one before; its results must be exactly those of
 * evaluating every case on its own, in any order. */
static void test_batch_equals_single_runs(void **state)
{
	(void)state;
	char **reqs;
	size_t n = case_requests(&reqs);
	assert_true(n >= 80);
	/* Three passes: in order, reversed, and interleaved, so that each case
	 * follows many different predecessors. */
	size_t total = 3 * n, len = 0, cap = 0;
	char *in = NULL;
	size_t *which = malloc(total * sizeof(*which));
	for (size_t i = 0; i < total; i++) {
		size_t k = i < n ? i : i < 2 * n ? 2 * n - 1 - i : (i * 7919) % n;
		which[i] = k;
		size_t need = strlen(reqs[k]) + 2;
		if (len + need > cap)
			in = realloc(in, cap = (len + need) * 2);
		len += (size_t)sprintf(in + len, "%s\n", reqs[k]);
	}
	const char *args[] = { "assess", "--batch", "--jobs", "2", NULL };
	struct run batch = run_bin(args, in, len);
	assert_int_equal(batch.status, 0);

	json_t **single = calloc(n, sizeof(*single));
	for (size_t k = 0; k < n; k++) {
		struct run r = run_str(assess_args, reqs[k]);
		assert_int_equal(r.status, 0);
		single[k] = json_loads(r.out, 0, NULL);
		assert_non_null(single[k]);
		run_free(&r);
	}
	char *save = NULL;
	size_t i = 0;
	for (char *line = strtok_r(batch.out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		assert_true(i < total);
		json_t *j = json_loads(line, 0, NULL);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(j, "line")),
				 i + 1);
		json_object_del(j, "line");
		if (!json_equal(j, single[which[i]]))
			fail_msg("batch line %zu differs from a single run of: %s",
				 i + 1, reqs[which[i]]);
		json_decref(j);
	}
	assert_int_equal(i, total);
	for (size_t k = 0; k < n; k++) {
		json_decref(single[k]);
		free(reqs[k]);
	}
	free(single);
	free(reqs);
	free(which);
	free(in);
	run_free(&batch);
}

static const char headline[] =
	"{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\"}}";

static mode_t mode_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_mode & 07777;
}

/* assess --save keeps the case as a session that the sessions commands
 * list, show and delete; the store is created 0600 in a 0700 directory. */
static void test_save_and_sessions(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/msktriage-e2e-XXXXXX", db[320], sub[256];
	assert_non_null(mkdtemp(tmpl));
	snprintf(sub, sizeof(sub), "%s/new/dir", tmpl);
	snprintf(db, sizeof(db), "%s/sessions.db", sub);
	setenv("MSKTRIAGE_DB", db, 1);

	const char *save[] = { "assess", "--save", NULL };
	struct run r = run_str(save, headline_screened);
	assert_int_equal(r.status, 0);
	json_t *j = json_loads(r.out, 0, NULL);
	json_t *session = json_object_get(j, "session");
	assert_non_null(session);
	char code[16];
	snprintf(code, sizeof(code), "%s", json_string_value(json_object_get(session, "code")));
	assert_int_equal(strlen(code), 9);
	assert_string_equal(json_string_value(json_object_get(session, "status")),
			    "emergency_stopped");
	json_decref(j);
	run_free(&r);
	assert_int_equal(mode_of(db), 0600);
	assert_int_equal(mode_of(sub), 0700);

	/* A batch saves one session per good line. */
	const char *batch[] = { "assess", "--batch", "--save", NULL };
	r = run_str(batch, "{\"answers\":{\"age\":30,\"knee_pain\":\"yes\"}}\n"
			   "{\"answers\":{\"age\":\"x\"}}\n"
			   "{\"answers\":{\"age\":70,\"knee_pain\":\"no\"}}\n");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "\"session\""));
	run_free(&r);

	const char *list[] = { "sessions", "list", "--format", "json", NULL };
	r = run_str(list, "");
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_int_equal(json_array_size(j), 3);
	bool listed = false;
	size_t i;
	json_t *s;
	json_array_foreach(j, i, s) {
		assert_string_equal(json_string_value(json_object_get(s, "mode")), "api");
		if (strcmp(json_string_value(json_object_get(s, "code")), code) == 0) {
			listed = true;
			assert_string_equal(json_string_value(json_object_get(s, "level")),
					    "emergency");
		}
	}
	assert_true(listed);
	json_decref(j);
	run_free(&r);

	const char *stopped[] = { "sessions", "list", "--status", "emergency_stopped", NULL };
	r = run_str(stopped, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, code));
	run_free(&r);
	const char *bad_status[] = { "sessions", "list", "--status", "done", NULL };
	r = run_str(bad_status, "");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "'--status' must be one of"));
	run_free(&r);

	/* Show by code as a person types it: lower case, no dash. */
	char typed[16];
	snprintf(typed, sizeof(typed), "%.4s%s", code, code + 5);
	for (char *c = typed; *c; c++)
		*c = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
	const char *show[] = { "sessions", "show", typed, NULL };
	r = run_str(show, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "saddle_numbness"));
	/* Saved with other red-flag questions unanswered: interim. */
	assert_non_null(strstr(r.out, "Conclusions (interim, red-flag screening "
				      "not finished): emergency"));
	assert_non_null(strstr(r.out, "opened"));
	run_free(&r);

	/* Delete asks first; without a terminal it needs --yes. */
	const char *del[] = { "sessions", "delete", code, NULL };
	r = run_str(del, "y\n");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "without confirmation"));
	run_free(&r);
	const char *del_yes[] = { "sessions", "delete", code, "--yes", NULL };
	r = run_str(del_yes, "");
	assert_int_equal(r.status, 0);
	run_free(&r);
	r = run_str(show, "");
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	run_free(&r);

	/* Without MSKTRIAGE_DB the store goes under XDG_DATA_HOME. */
	unsetenv("MSKTRIAGE_DB");
	char xdg[256], def[320];
	snprintf(xdg, sizeof(xdg), "%s/xdg", tmpl);
	setenv("XDG_DATA_HOME", xdg, 1);
	r = run_str(save, headline);
	assert_int_equal(r.status, 0);
	run_free(&r);
	snprintf(def, sizeof(def), "%s/msktriage/sessions.db", xdg);
	assert_int_equal(mode_of(def), 0600);
	snprintf(def, sizeof(def), "%s/msktriage", xdg);
	assert_int_equal(mode_of(def), 0700);
	unsetenv("XDG_DATA_HOME");

	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
}

/* ---- batch safety ------------------------------------------------------ */

static json_t *out_line(const char *out, size_t k)
{
	const char *p = out;
	for (size_t i = 0; i < k && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	assert_non_null(p);
	const char *end = strchr(p, '\n');
	assert_non_null(end);
	json_t *j = json_loadb(p, (size_t)(end - p), 0, NULL);
	assert_non_null(j);
	return j;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; (s = strchr(s, '\n')); s++)
		n++;
	return n;
}

static const char *error_of(json_t *j)
{
	const char *e = json_string_value(json_object_get(j, "error"));
	return e ? e : "";
}

/* A request's "id" comes back on its line; a bad id is refused by name. */
static void test_batch_ids(void **state)
{
	(void)state;
	char long_id[200];
	memset(long_id, 'x', 129);
	long_id[129] = '\0';
	char in[1024];
	snprintf(in, sizeof(in),
		 "{\"id\":\"case-1\",\"answers\":{\"age\":30,\"knee_pain\":\"yes\"}}\n"
		 "{\"id\":\"%s\",\"answers\":{\"age\":30}}\n"
		 "{\"id\":\"bell\\u0007\",\"answers\":{\"age\":30}}\n"
		 "{\"id\":\"c1\\u0085\",\"answers\":{\"age\":30}}\n"
		 "{\"id\":7,\"answers\":{\"age\":30}}\n"
		 "{\"id\":\"\",\"answers\":{\"age\":30}}\n"
		 "{\"id\":\"case-7\",\"answers\":{\"age\":\"x\"}}\n",
		 long_id);
	const char *args[] = { "assess", "--batch", NULL };
	struct run r = run_str(args, in);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 7);
	json_t *j = out_line(r.out, 0);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "case-1");
	assert_non_null(json_object_get(j, "triage"));
	json_decref(j);
	for (size_t k = 1; k <= 5; k++) {
		j = out_line(r.out, k);
		assert_int_equal(json_integer_value(json_object_get(j, "line")), k + 1);
		assert_non_null(strstr(error_of(j), "'id' must be a string of 1 to 128 printable"));
		assert_null(json_object_get(j, "id"));
		json_decref(j);
	}
	/* A good id stays on a line that fails for another reason. */
	j = out_line(r.out, 6);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "case-7");
	assert_non_null(strstr(error_of(j), "'age' must be"));
	json_decref(j);
	run_free(&r);

	/* Single mode: the id is echoed, a bad one refused (exit 2). */
	r = run_str(assess_args, "{\"id\":\"one\",\"answers\":{\"age\":30}}");
	assert_int_equal(r.status, 0);
	j = json_loads(r.out, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(j, "id")), "one");
	json_decref(j);
	run_free(&r);
	r = run_str(assess_args, "{\"id\":[],\"answers\":{\"age\":30}}");
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "'id' must be"));
	run_free(&r);
}

static char *scratch_store(char *tmpl)
{
	assert_non_null(mkdtemp(tmpl));
	char *db = malloc(strlen(tmpl) + 32);
	sprintf(db, "%s/sessions.db", tmpl);
	setenv("MSKTRIAGE_DB", db, 1);
	return db;
}

static void scratch_remove(const char *tmpl, char *db)
{
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	assert_int_equal(system(cmd), 0);
	unsetenv("MSKTRIAGE_DB");
	free(db);
}

static long store_count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *s;
	long n = -1;
	assert_int_equal(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(h, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = (long)sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}

/* Saving the same id twice is refused and names the saved session; a
 * re-run of a batch stores nothing twice. */
static void test_save_same_id_refused(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/msktriage-e2e-XXXXXX";
	char *db = scratch_store(tmpl);
	const char *in =
		"{\"id\":\"a\",\"answers\":{\"age\":30,\"knee_pain\":\"yes\"}}\n"
		"{\"id\":\"b\",\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\","
		"\"sudden_severe_pain_faint\":\"no\"}}\n"
		"{\"answers\":{\"age\":70,\"knee_pain\":\"no\"}}\n";
	const char *batch[] = { "assess", "--batch", "--save", NULL };
	struct run r = run_str(batch, in);
	assert_int_equal(r.status, 0);
	char code_a[16], code_b[16];
	json_t *j = out_line(r.out, 0);
	snprintf(code_a, sizeof(code_a), "%s", json_string_value(json_object_get(
		json_object_get(j, "session"), "code")));
	json_decref(j);
	j = out_line(r.out, 1);
	snprintf(code_b, sizeof(code_b), "%s", json_string_value(json_object_get(
		json_object_get(j, "session"), "code")));
	assert_string_equal(json_string_value(json_object_get(
		json_object_get(j, "session"), "status")), "emergency_stopped");
	json_decref(j);
	run_free(&r);
	assert_int_equal(store_count(db, "SELECT count(*) FROM session"), 3);

	/* Again: the lines with an id are refused and name their session. */
	r = run_str(batch, in);
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 3);
	const char *codes[] = { code_a, code_b };
	for (size_t k = 0; k < 2; k++) {
		j = out_line(r.out, k);
		assert_non_null(strstr(error_of(j), "saved before"));
		assert_string_equal(json_string_value(json_object_get(
			json_object_get(j, "session"), "code")), codes[k]);
		json_decref(j);
	}
	j = out_line(r.out, 2);
	assert_non_null(json_object_get(j, "session")); /* no id: a new one */
	json_decref(j);
	run_free(&r);
	assert_int_equal(store_count(db, "SELECT count(*) FROM session"), 4);

	/* Single mode the same: exit 2, nothing on stdout, nothing stored. */
	const char *single[] = { "assess", "--save", NULL };
	r = run_str(single, "{\"id\":\"b\",\"answers\":{\"age\":30}}");
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, code_b));
	run_free(&r);
	assert_int_equal(store_count(db, "SELECT count(*) FROM session"), 4);
	/* Every saved session is whole: its answers and, when finished,
	 * its conclusions. */
	assert_int_equal(store_count(db, "SELECT count(*) FROM session s WHERE"
		" s.status <> 'in_progress' AND NOT EXISTS (SELECT 1 FROM"
		" conclusion c WHERE c.session_id = s.id)"), 0);
	scratch_remove(tmpl, db);
}

/* A read error is a message and a non-zero exit, never a quiet end. */
static void test_read_error_is_an_error(void **state)
{
	(void)state;
	char dir[] = "/tmp/msktriage-e2e-XXXXXX";
	assert_non_null(mkdtemp(dir));
	const char *batch[] = { "assess", "--batch", "--answers", dir, NULL };
	struct run r = run_str(batch, "");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "cannot read"));
	assert_non_null(strstr(r.err, "Is a directory"));
	run_free(&r);
	const char *single[] = { "assess", "--answers", dir, NULL };
	r = run_str(single, "");
	assert_int_equal(r.status, 1);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "cannot read"));
	run_free(&r);
	rmdir(dir);
}

#define HUGE_LINE (300u * 1024 * 1024)

static void gen_huge_line(int fd)
{
	static char chunk[1 << 16];
	const char *first = "{\"answers\":{\"age\":30,\"knee_pain\":\"yes\"}}\n"
			    "{\"answers\":{\"age\":\"";
	const char *last = "\"}}\n{\"answers\":{\"age\":40,\"knee_pain\":\"no\"}}\n";
	memset(chunk, '7', sizeof(chunk));
	if (write(fd, first, strlen(first)) < 0)
		return;
	for (size_t sent = 0; sent < HUGE_LINE; sent += sizeof(chunk))
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			return;
	if (write(fd, last, strlen(last)) < 0)
		return;
}

/* A 300 MB line is refused without being held: the process stays small,
 * the line has its error line, the next line is still evaluated, and the
 * exit status says something was wrong. */
static void test_long_line_never_held(void **state)
{
	(void)state;
	const char *args[] = { "assess", "--batch", NULL };
	input_gen = gen_huge_line;
	struct run r = run_bin(args, "", 0);
	input_gen = NULL;
	assert_int_equal(r.status, 2);
	assert_int_equal(count_lines(r.out), 3);
	json_t *j = out_line(r.out, 1);
	assert_int_equal(json_integer_value(json_object_get(j, "line")), 2);
	assert_non_null(strstr(error_of(j), "longer than"));
	json_decref(j);
	j = out_line(r.out, 2);
	assert_int_equal(json_integer_value(json_object_get(j, "line")), 3);
	assert_non_null(json_object_get(j, "triage"));
	json_decref(j);
	assert_non_null(strstr(r.err, "line 2"));
	if (r.maxrss_kb > 64 * 1024)
		fail_msg("peak RSS %ld KiB for a 300 MB line", r.maxrss_kb);
	run_free(&r);
}

/* The lines after the first block are read while that block is evaluated:
 * an empty line, a broken one and one over the limit there keep their own
 * numbers and error lines, the long one is told on stderr by its number,
 * and every line after them is still evaluated, in order. */
static void test_batch_errors_in_later_blocks(void **state)
{
	(void)state;
	const size_t n = 3000, empty = 2500, broken = 2600, longl = 2700;
	const size_t long_len = 1100 * 1024;
	size_t cap = n * 64 + long_len + 64, len = 0;
	char *in = malloc(cap);
	for (size_t i = 1; i <= n; i++) {
		if (i == empty) {
			in[len++] = '\n';
		} else if (i == broken) {
			len += (size_t)snprintf(in + len, cap - len, "{\"answers\":\n");
		} else if (i == longl) {
			len += (size_t)snprintf(in + len, cap - len,
						"{\"answers\":{\"age\":\"");
			memset(in + len, '7', long_len);
			len += long_len;
			len += (size_t)snprintf(in + len, cap - len, "\"}}\n");
		} else {
			len += (size_t)snprintf(in + len, cap - len,
				"{\"answers\":{\"age\":%zu,\"knee_pain\":\"yes\"}}\n",
				i % 80 + 16);
		}
	}
	const char *args[] = { "assess", "--batch", "--jobs", "2", NULL };
	struct run r = run_bin(args, in, len);
	assert_int_equal(r.status, 2);
	assert_int_equal(count_lines(r.out), n);
	for (size_t i = 1; i <= n; i++) {
		json_t *j = out_line(r.out, i - 1);
		const char *e = error_of(j);
		if (i == empty || i == broken || i == longl) {
			assert_int_equal(json_integer_value(json_object_get(j, "line")),
					 (json_int_t)i);
			assert_true(*e != '\0');
			if (i == empty)
				assert_non_null(strstr(e, "empty line"));
			if (i == longl)
				assert_non_null(strstr(e, "longer than"));
		} else {
			assert_string_equal(e, "");
			assert_non_null(json_object_get(j, "triage"));
		}
		json_decref(j);
	}
	assert_non_null(strstr(r.err, "line 2700: line is longer than"));
	assert_null(strstr(r.err, "line 2699:"));
	free(in);
	run_free(&r);
}

/* --jobs is capped by the cores and by the lines: 256 asked for two
 * lines cost two engines at most, not 256. */
static void test_jobs_capped(void **state)
{
	(void)state;
	const char *args[] = { "assess", "--batch", "--jobs", "256", NULL };
	struct run r = run_str(args, "{\"answers\":{\"age\":30}}\n"
				     "{\"answers\":{\"age\":31}}\n");
	assert_int_equal(r.status, 0);
	assert_int_equal(count_lines(r.out), 2);
	if (r.maxrss_kb > 64 * 1024)
		fail_msg("peak RSS %ld KiB for two lines", r.maxrss_kb);
	run_free(&r);
}

/* Each result is written as soon as it is known: the first line's result
 * arrives while the input is still open. */
static void test_batch_streams(void **state)
{
	(void)state;
	int in[2], out[2];
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl(MSKTRIAGE_BIN, MSKTRIAGE_BIN, "assess", "--batch", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	const char *l1 = "{\"id\":\"first\",\"answers\":{\"age\":30}}\n";
	assert_int_equal(write(in[1], l1, strlen(l1)), (ssize_t)strlen(l1));
	/* A hang guard, not a time measurement: without streaming the line
	 * never comes while the input stays open. */
	char buf[8192];
	size_t n = 0;
	while (!memchr(buf, '\n', n)) {
		struct pollfd p = { out[0], POLLIN, 0 };
		if (poll(&p, 1, 120000) != 1)
			fail_msg("no result while the input is open");
		ssize_t got = read(out[0], buf + n, sizeof(buf) - 1 - n);
		assert_true(got > 0);
		n += (size_t)got;
	}
	buf[n] = '\0';
	assert_non_null(strstr(buf, "\"id\":\"first\""));
	const char *l2 = "{\"answers\":{\"age\":31}}\n";
	assert_int_equal(write(in[1], l2, strlen(l2)), (ssize_t)strlen(l2));
	close(in[1]);
	char *rest = slurp(out[0]);
	close(out[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	assert_int_equal(count_lines(buf) + count_lines(rest), 2);
	free(rest);
}

#define KILL_LINES 400
#define KILL_ROUNDS 20

static unsigned answers_for(unsigned i) { return 2 + i % 4; }

/* SIGKILL at random points of a batch save, then a re-run until done:
 * after every kill each stored session has all its answers (as many as
 * its input line gave) and, when finished, its conclusions; every result
 * line written names a stored session; at most one stored session was not
 * yet written out; and in the end every line is stored exactly once. */
static void test_batch_save_killed(void **state)
{
	(void)state;
	char tmpl[] = "/tmp/msktriage-e2e-XXXXXX";
	char *db = scratch_store(tmpl);
	char in_path[300], out_path[300];
	snprintf(in_path, sizeof(in_path), "%s/in.jsonl", tmpl);
	snprintf(out_path, sizeof(out_path), "%s/out.jsonl", tmpl);
	FILE *f = fopen(in_path, "w");
	assert_non_null(f);
	static const char *const extra[] = { "knee_pain", "low_back_pain",
					     "hip_pain", "neck_pain" };
	for (unsigned i = 0; i < KILL_LINES; i++) {
		fprintf(f, "{\"id\":\"k%u\",\"answers\":{\"age\":%u", i, 20 + i % 70);
		for (unsigned k = 1; k < answers_for(i); k++)
			fprintf(f, ",\"%s\":\"%s\"", extra[k - 1], (i >> k) & 1 ? "yes" : "no");
		fprintf(f, "}}\n");
	}
	fclose(f);
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	printf("# kill seed %u\n", seed);
	int kills = 0;
	for (int round = 0; round <= KILL_ROUNDS; round++) {
		bool last = round == KILL_ROUNDS;
		long before = access(db, F_OK) == 0
			? store_count(db, "SELECT coalesce(max(id), 0) FROM session") : 0;
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			int o = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
			dup2(o, 1);
			int nul = open("/dev/null", O_WRONLY);
			dup2(nul, 2);
			execl(MSKTRIAGE_BIN, MSKTRIAGE_BIN, "assess", "--batch",
			      "--save", "--answers", in_path, (char *)NULL);
			_exit(127);
		}
		if (!last) {
			long ms = rand_r(&seed) % 1200 + 5;
			struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
			nanosleep(&ts, NULL);
			if (kill(pid, SIGKILL) == 0)
				kills++;
		}
		int st;
		waitpid(pid, &st, 0);
		if (last)
			assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);

		/* Whole sessions only. */
		assert_int_equal(store_count(db, "SELECT count(*) FROM session s"
			" WHERE (SELECT count(*) FROM answer a WHERE a.session_id = s.id)"
			" <> 2 + CAST(substr(s.external_id, 2) AS INTEGER) % 4"
			" OR (SELECT count(*) FROM answer_revision r WHERE r.session_id = s.id)"
			" <> (SELECT count(*) FROM answer a WHERE a.session_id = s.id)"
			" OR (s.status <> 'in_progress' AND (SELECT count(*) FROM conclusion c"
			"     WHERE c.session_id = s.id) <> 1)"
			" OR s.external_id IS NULL"), 0);
		/* What was written names what was stored. */
		char *out = NULL;
		FILE *o = fopen(out_path, "r");
		assert_non_null(o);
		size_t cap = 0;
		ssize_t got;
		long written = 0;
		bool seen[KILL_LINES] = { false };
		while ((got = getline(&out, &cap, o)) > 0) {
			if (out[got - 1] != '\n')
				break; /* cut by the kill */
			json_t *j = json_loads(out, 0, NULL);
			assert_non_null(j);
			const char *id = json_string_value(json_object_get(j, "id"));
			assert_non_null(id);
			json_t *s = json_object_get(j, "session");
			if (!s)
				fail_msg("line without a session: %s", out);
			char sql[200];
			snprintf(sql, sizeof(sql), "SELECT count(*) FROM session WHERE"
				 " external_id = '%s' AND id = %lld", id,
				 (long long)json_integer_value(json_object_get(s, "id")));
			assert_int_equal(store_count(db, sql), 1);
			seen[atoi(id + 1)] = true;
			written++;
			json_decref(j);
		}
		fclose(o);
		free(out);
		/* Lines are written in input order, so the first unwritten line
		 * bounds what may have been stored unseen: at most one more. */
		long first_unseen = 0;
		while (first_unseen < KILL_LINES && seen[first_unseen])
			first_unseen++;
		char sql[200];
		snprintf(sql, sizeof(sql), "SELECT count(*) FROM session WHERE"
			 " id > %ld AND CAST(substr(external_id, 2) AS INTEGER) > %ld",
			 before, first_unseen);
		assert_true(store_count(db, sql) == 0);
		if (last) {
			assert_int_equal(written, KILL_LINES);
			assert_int_equal(store_count(db, "SELECT count(*) FROM session"),
					 KILL_LINES);
			assert_int_equal(store_count(db, "SELECT count(DISTINCT external_id)"
						     " FROM session"), KILL_LINES);
		}
	}
	printf("# %d batch saves killed\n", kills);
	scratch_remove(tmpl, db);
}

/* Under an address-space limit every run either completes or says "out
 * of memory" on stderr and exits 1: never a signal, never a half result,
 * never the rule engine's own text. Not in the sanitizer build, whose
 * shadow memory needs terabytes of address space. */
static void test_out_of_memory_exit(void **state)
{
	(void)state;
#ifdef MSK_SANITIZED
	print_message("skipped in the sanitizer build: AddressSanitizer "
		      "reserves terabytes of address space, so no address-space "
		      "limit can be set\n");
	skip();
#else
	int ok = 0, oom = 0;
	const char *batch[] = { "assess", "--batch", "--jobs", "2", NULL };
	const char *in = "{\"answers\":{\"age\":67,\"knee_pain\":\"yes\",\"low_back_pain\":\"yes\"}}\n"
			 "{\"answers\":{\"age\":45,\"low_back_pain\":\"yes\",\"saddle_numbness\":\"yes\"}}\n";
	for (rlim_t mb = 8; mb <= 48; mb += 2) {
		as_limit = mb << 20;
		for (int b = 0; b < 2; b++) {
			struct run r = b ? run_str(batch, in)
					 : run_str(assess_args, headline);
			if (r.status == 0) {
				ok++;
				if (b) {
					assert_int_equal(count_lines(r.out), 2);
				} else {
					json_t *j = json_loads(r.out, 0, NULL);
					assert_non_null(j);
					json_decref(j);
				}
			} else {
				if (r.status != 1 || !strstr(r.err, "out of memory"))
					fail_msg("limit %lu MiB: status %d, stderr: %s",
						 (unsigned long)mb, r.status, r.err);
				assert_null(strstr(r.out, "MEMORY"));
				if (!b)
					assert_string_equal(r.out, "");
				oom++;
			}
			run_free(&r);
		}
	}
	as_limit = 0;
	assert_true(ok > 0);
	assert_true(oom > 0);
#endif
}

static void test_help_and_version(void **state)
{
	(void)state;
	const char *help[] = { "assess", "--help", NULL };
	struct run r = run_str(help, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: msktriage assess"));
	run_free(&r);

	const char *version[] = { "--version", NULL };
	r = run_str(version, "");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "msktriage "));
	assert_non_null(strstr(r.out, "rule base "));
	run_free(&r);

	const char *bad[] = { "assess", "--format", "xml", NULL };
	r = run_str(bad, "{}");
	assert_int_equal(r.status, 2);
	assert_string_equal(r.out, "");
	assert_non_null(strstr(r.err, "'--format' must be one of json, text"));
	run_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: a child's peak RSS (wait4) starts from this process's
		 * own high-water mark at fork, which the case-file tests below
		 * raise, above all in a sanitizer build. */
		cmocka_unit_test(test_long_line_never_held),
		cmocka_unit_test(test_jobs_capped),
		cmocka_unit_test(test_headline_cauda_equina),
		cmocka_unit_test(test_revision_2_fields),
		cmocka_unit_test(test_citations_and_check),
		cmocka_unit_test(test_partial_answers_give_next_question),
		cmocka_unit_test(test_text_format),
		cmocka_unit_test(test_bad_input_refused),
		cmocka_unit_test(test_absurd_nesting_and_size),
		cmocka_unit_test(test_batch_goes_on_after_bad_line),
		cmocka_unit_test(test_batch_many_lines_in_order),
		cmocka_unit_test(test_batch_errors_in_later_blocks),
		cmocka_unit_test(test_batch_equals_single_runs),
		cmocka_unit_test(test_save_and_sessions),
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_batch_ids),
		cmocka_unit_test(test_save_same_id_refused),
		cmocka_unit_test(test_read_error_is_an_error),
		cmocka_unit_test(test_batch_streams),
		cmocka_unit_test(test_batch_save_killed),
		cmocka_unit_test(test_out_of_memory_exit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
