/*
 * test_render.c — the batch's result lines from prepared fragments
 * (cli/render.c) against jansson's own serialisation of cli_result_json(),
 * byte for byte: every clinical case in tests/cases, then 20,000 generated
 * interviews (each answering the next question at random, ids with quotes,
 * backslashes and non-ASCII text among them).
 */
#include "cli/render.h"
#include "cli/result.h"

#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* What run_line in cli/assess.c writes with jansson. */
static char *reference_line(const engine *e, unsigned long no, const char *id)
{
	json_t *r = cli_result_json(e);
	json_t *j = json_object();
	assert_non_null(r);
	assert_non_null(j);
	json_object_set_new(j, "line", json_integer((json_int_t)no));
	if (id)
		json_object_set_new(j, "id", json_string(id));
	assert_int_equal(json_object_update(j, r), 0);
	char *s = json_dumps(j, JSON_COMPACT | CLI_JSON_REAL);
	json_decref(r);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static size_t compared;

static void check_same(const struct cli_render *r, const engine *e,
		       unsigned long no, const char *id, const char *what)
{
	char *want = reference_line(e, no, id);
	char *got = cli_render_line(r, e, no, id);
	assert_non_null(got);
	if (strcmp(want, got) != 0) {
		fprintf(stderr, "%s differs:\n jansson: %s\n rendered: %s\n",
			what, want, got);
		fail();
	}
	compared++;
	free(want);
	free(got);
}

static engine *load(void)
{
	char *msg = NULL;
	engine *e = engine_new(RULES_DIR, &msg);
	if (!e)
		fprintf(stderr, "%s\n", msg ? msg : "cannot load");
	assert_non_null(e);
	return e;
}

static void every_clinical_case(void **state)
{
	(void)state;
	engine *e = load();
	struct cli_render *r = cli_render_new(e);
	assert_non_null(r);
	DIR *d = opendir(CASES_DIR);
	assert_non_null(d);
	struct dirent *de;
	size_t cases = 0;
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		if (n < 5 || strcmp(de->d_name + n - 5, ".json") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", CASES_DIR, de->d_name);
		json_t *c = json_load_file(path, 0, NULL);
		assert_non_null(c);
		const char *mode = json_string_value(json_object_get(c, "mode"));
		engine_answers_clear(e);
		engine_mode_set(e, mode && strcmp(mode, "kiosk") == 0
					   ? ENGINE_MODE_KIOSK
					   : ENGINE_MODE_CLINICIAN);
		char err[256];
		assert_int_equal(cli_answers_apply(e, json_object_get(c, "answers"),
						   err, sizeof(err)), 0);
		assert_int_equal(engine_run(e), 0);
		cases++;
		check_same(r, e, cases, cases % 2 ? de->d_name : NULL,
			   de->d_name);
		json_decref(c);
	}
	closedir(d);
	assert_true(cases >= 100);
	cli_render_free(r);
	engine_free(e);
}

/* A random valid answer, as canonical text; sometimes "skip". */
static void random_answer(const struct engine_question *q, unsigned *seed,
			  char *buf, size_t size)
{
	int r = rand_r(seed) % 100;
	if (r < 4) {
		snprintf(buf, size, "skip");
		return;
	}
	switch (q->type) {
	case ENGINE_TYPE_YESNO:
		snprintf(buf, size, "%s",
			 q->red_flag ? (r < 85 ? "no" : r < 96 ? "yes" : "unsure")
				     : (r < 50 ? "yes" : r < 94 ? "no" : "unsure"));
		return;
	case ENGINE_TYPE_CHOICE:
		snprintf(buf, size, "%s",
			 q->choices[(size_t)rand_r(seed) % q->n_choices]);
		return;
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE: {
		long long span = (long long)(q->max - q->min);
		if (r < 10) {
			snprintf(buf, size, "%lld", (long long)(r < 5 ? q->min : q->max));
			return;
		}
		if (span > 200)
			span = 200;
		snprintf(buf, size, "%lld",
			 (long long)q->min + rand_r(seed) % (span + 1));
		return;
	}
	case ENGINE_TYPE_NUMBER: {
		/* Varied digits: whole numbers, one decimal, many decimals. */
		double x = q->min + (q->max - q->min) *
				    ((double)(rand_r(seed) % 999983) / 999983.0);
		if (r < 30)
			x = (double)(long long)x;
		if (x < q->min)
			x = q->min;
		snprintf(buf, size, r < 60 ? "%.1f" : "%.12g", x);
		return;
	}
	}
	snprintf(buf, size, "skip");
}

static const char *const odd_ids[] = {
	"case-1", "a \"quoted\" id", "back\\slash", "caf\xc3\xa9 \xe2\x9c\x93",
	"tab\tless? no: tab", "/slash/", "\xf0\x9f\x98\x80 emoji",
};

static void generated_cases(void **state)
{
	(void)state;
	engine *e = load();
	struct cli_render *r = cli_render_new(e);
	assert_non_null(r);
	unsigned seed = 14;
	size_t n_ids = sizeof(odd_ids) / sizeof(*odd_ids);
	for (unsigned long c = 1; c <= 20000; c++) {
		engine_answers_clear(e);
		engine_mode_set(e, rand_r(&seed) % 4 == 0 ? ENGINE_MODE_KIOSK
							   : ENGINE_MODE_CLINICIAN);
		/* Stop anywhere in the interview, often before its end. */
		int stop_after = rand_r(&seed) % 3 == 0 ? rand_r(&seed) % 40 : 1000;
		assert_int_equal(engine_run(e), 0);
		for (int k = 0; k < stop_after; k++) {
			const struct engine_question *q = engine_next_question(e);
			if (!q)
				break;
			char text[64];
			random_answer(q, &seed, text, sizeof(text));
			assert_int_equal(engine_answer_set_text(e, q->id, text), 0);
			assert_int_equal(engine_run(e), 0);
		}
		int pick = rand_r(&seed) % (int)(n_ids + 2);
		const char *id = pick < (int)n_ids ? odd_ids[pick] : NULL;
		check_same(r, e, c, id, "generated case");
	}
	cli_render_free(r);
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_clinical_case),
		cmocka_unit_test(generated_cases),
	};
	int rv = cmocka_run_group_tests(tests, NULL, NULL);
	fprintf(stderr, "%zu lines compared\n", compared);
	return rv;
}
