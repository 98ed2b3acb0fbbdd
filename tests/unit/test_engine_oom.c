/*
 * test_engine_oom.c — the engine when memory runs out inside CLIPS.
 *
 * A child process loads the built-in rule base, sets a case's answers,
 * lowers its address-space limit to just above what it uses and takes
 * everything left, then runs the rules. CLIPS's allocator fails; the engine
 * must report ENGINE_ENOMEM (its out-of-memory hook jumps back), refuse
 * every later call the same way, be freed without touching the lost
 * environment, print nothing on stdout, and not exit the process.
 *
 * Not run in the sanitizer build: AddressSanitizer reserves terabytes of
 * address space, so RLIMIT_AS cannot be used with it.
 */
#include "engine/engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define HOLD_MAX (1u << 20)
static void *hold[HOLD_MAX];

/* Address space in use, from /proc/self/statm (pages). */
static size_t vm_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (f) {
		if (fscanf(f, "%lu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* Exit codes of the child. */
enum { OK = 0, NO_ENGINE = 10, SET_FAILED, NO_LIMIT, RAN_FINE, WRONG_ERROR,
       NOT_MARKED, USED_AGAIN };

static const char *const answers[][2] = {
	{ "age", "67" }, { "knee_pain", "yes" }, { "low_back_pain", "yes" },
	{ "hip_pain", "yes" }, { "neck_pain", "yes" }, { "recent_trauma", "yes" },
	{ "fever", "unsure" }, { "night_pain", "yes" }, { "cancer_history", "yes" },
	{ "weight_loss_unexplained", "yes" }, { "calf_swelling", "unsure" },
	{ "thigh_weakness", "yes" }, { "muscle_loss_noticed", "yes" },
	{ "bmi", "31" }, { "pain_severity", "8" },
};

static int child(void)
{
	engine *e = engine_new(NULL, NULL);
	if (!e)
		return NO_ENGINE;
	for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		/* Some ids may not exist in every rule base revision. */
		if (!engine_question_find(e, answers[i][0]))
			continue;
		if (engine_answer_set_text(e, answers[i][0], answers[i][1]) != 0)
			return SET_FAILED;
	}
	struct rlimit rl = { vm_bytes() + (8u << 20), RLIM_INFINITY };
	if (setrlimit(RLIMIT_AS, &rl) != 0)
		return NO_LIMIT;
	/* Take every byte left, big pieces first, then the crumbs. */
	size_t n = 0;
	static const size_t sizes[] = { 1u << 20, 1u << 16, 1u << 12, 512, 64, 16 };
	for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		while (n < HOLD_MAX && (hold[n] = malloc(sizes[k])) != NULL)
			memset(hold[n++], 1, sizes[k] < 64 ? sizes[k] : 64);

	int rv = engine_run(e);
	if (rv == 0)
		return RAN_FINE;
	if (rv != ENGINE_ENOMEM)
		return WRONG_ERROR;
	if (!engine_is_out_of_memory(e))
		return NOT_MARKED;
	/* Memory back: the engine still refuses, it is not used again. */
	for (size_t i = 0; i < n; i++)
		free(hold[i]);
	if (engine_run(e) != ENGINE_ENOMEM ||
	    engine_answer_set_text(e, "age", "30") != ENGINE_ENOMEM)
		return USED_AGAIN;
	engine_free(e);
	return OK;
}

static void test_out_of_memory_is_an_error(void **state)
{
	(void)state;
	int out[2];
	assert_int_equal(pipe(out), 0);
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(out[0]);
		dup2(out[1], STDOUT_FILENO);
		_exit(child());
	}
	close(out[1]);
	char buf[512];
	ssize_t got = read(out[0], buf, sizeof(buf) - 1);
	close(out[0]);
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (got > 0) {
		buf[got] = '\0';
		fail_msg("the engine printed on stdout: %s", buf);
	}
	if (!WIFEXITED(st))
		fail_msg("the child died of signal %d", WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_out_of_memory_is_an_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
