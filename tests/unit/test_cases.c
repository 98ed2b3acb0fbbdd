/*
 * test_cases.c — the case runner (cli/cases.c) checks what a case file
 * claims and refuses what it does not understand.
 *
 * Each test writes one case file into a mkdtemp directory, runs it against
 * the mini rule base (tests/unit/fixtures/mini: back_flag is an emergency
 * red flag raised by low_back_pain yes with numb yes; tall a consultation
 * risk), and reads what the runner said.
 */
#include "cli/cases.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIX(name) FIXTURES_DIR "/" name

struct run {
	int rv;
	size_t failures;
	char *said;
};

static engine *mini, *r2;
static char dir[] = "/tmp/msk-test-cases-XXXXXX";

static int setup(void **state)
{
	(void)state;
	char *msg = NULL;
	mini = engine_new(FIX("mini"), &msg);
	free(msg);
	msg = NULL;
	r2 = engine_new(FIX("r2"), &msg);
	free(msg);
	return mini && r2 && mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	engine_free(mini);
	engine_free(r2);
	rmdir(dir);
	return 0;
}

/* Run the case text as file name, collecting what the runner says. */
static struct run run_case_on(engine *e, const char *name, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);

	struct run r = { 0 };
	size_t len = 0;
	FILE *out = open_memstream(&r.said, &len);
	assert_non_null(out);
	struct cli_case_ctx c = { .out = out };
	r.rv = cli_case_run(&c, e, path);
	fclose(out);
	r.failures = c.failures;
	unlink(path);
	return r;
}

static void assert_fails_saying_on(engine *e, const char *name,
				   const char *text, const char *want)
{
	struct run r = run_case_on(e, name, text);
	if (r.rv == 0 || r.failures == 0 || !strstr(r.said, want) ||
	    !strstr(r.said, name))
		fail_msg("case %s: rv %d, %zu failures, said '%s', expected a "
			 "failure naming the file and saying '%s'", name, r.rv,
			 r.failures, r.said, want);
	free(r.said);
}

static void assert_fails_saying(const char *name, const char *text,
				const char *want)
{
	assert_fails_saying_on(mini, name, text, want);
}

static void assert_passes_on(engine *e, const char *name, const char *text)
{
	struct run r = run_case_on(e, name, text);
	if (r.rv != 0 || r.failures != 0)
		fail_msg("case %s failed: %s", name, r.said);
	free(r.said);
}

static void assert_passes(const char *name, const char *text)
{
	assert_passes_on(mini, name, text);
}

#define FLAG_ANSWERS "{\"low_back_pain\": \"yes\", \"numb\": \"yes\"}"
#define TALL_ANSWERS "{\"height_cm\": 210, \"side\": \"left\"}"

static void test_level_exact_and_at_least(void **state)
{
	(void)state;
	assert_passes("flag.json", "{\"answers\": " FLAG_ANSWERS ", \"expect\": "
		      "{\"level\": \"emergency\", \"findings\": [\"back_flag\"]}}");
	assert_fails_saying("flag-wrong.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"consultation\"}}",
			    "level is emergency, expected consultation");
	/* min_level: the result may be more urgent, never less. */
	assert_passes("flag-min.json", "{\"answers\": " FLAG_ANSWERS ", \"expect\": "
		      "{\"min_level\": \"consultation_24\"}}");
	assert_passes("flag-min-same.json", "{\"answers\": " FLAG_ANSWERS
		      ", \"expect\": {\"min_level\": \"emergency\"}}");
	assert_fails_saying("flag-min-above.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"min_level\": \"emergency_ambulance\"}}",
			    "level is emergency, expected at least "
			    "emergency_ambulance");
	assert_fails_saying("tall-min.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"min_level\": \"consultation_24\"}}",
			    "level is consultation, expected at least "
			    "consultation_24");
	assert_passes("tall.json", "{\"answers\": " TALL_ANSWERS ", \"expect\": "
		      "{\"level\": \"consultation\", \"absent\": [\"back_flag\"]}}");
}

static void test_level_required(void **state)
{
	(void)state;
	assert_fails_saying("no-level.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"findings\": [\"back_flag\"]}}",
			    "no 'level' or 'min_level' in 'expect'");
	assert_fails_saying("no-expect.json", "{\"answers\": " FLAG_ANSWERS "}",
			    "no 'expect'");
	assert_fails_saying("both-levels.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"emergency\", "
			    "\"min_level\": \"emergency\"}}",
			    "both 'level' and 'min_level'");
	assert_fails_saying("unknown-level.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"urgent\"}}",
			    "'level' in 'expect' must be one of emergency_ambulance");
	assert_fails_saying("min-level-vacuous.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"min_level\": \"self_care\"}}",
			    "'min_level' in 'expect' is self_care, which every "
			    "result meets");
	assert_fails_saying("level-not-string.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"min_level\": 2}}",
			    "'min_level' in 'expect' must be one of");
}

static void test_unknown_keys_refused(void **state)
{
	(void)state;
	/* A misspelt key would otherwise check nothing at all. */
	assert_fails_saying("typo-expect.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"emergency\", "
			    "\"absnet\": [\"tall\"]}}",
			    "unknown key 'absnet' in 'expect'");
	assert_fails_saying("typo-top.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"emergency\"}, "
			    "\"mdoe\": \"kiosk\"}",
			    "unknown key 'mdoe' at the top level");
	assert_fails_saying("typo-range.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"emergency\", "
			    "\"confidence\": {\"back_flag\": {\"min\": 0.5, "
			    "\"maxi\": 1}}}}",
			    "unknown key 'maxi' in a 'confidence' range");
	assert_fails_saying("bad-mode.json", "{\"mode\": \"patient\", \"answers\": "
			    FLAG_ANSWERS ", \"expect\": {\"level\": \"emergency\"}}",
			    "'mode' must be clinician or kiosk");
}

static void test_unknown_ids_refused(void **state)
{
	(void)state;
	assert_fails_saying("ghost-absent.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"level\": \"consultation\", "
			    "\"absent\": [\"back_flagg\"]}}",
			    "'absent' in 'expect' names unknown finding 'back_flagg'");
	assert_fails_saying("ghost-rec.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"level\": \"consultation\", "
			    "\"absent_recommendations\": [\"see_some1\"]}}",
			    "names unknown recommendation 'see_some1'");
	assert_fails_saying("ghost-next.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"level\": \"consultation\", "
			    "\"next_question\": \"agee\"}}",
			    "'next_question' in 'expect' must be null or a "
			    "question id");
	assert_fails_saying("ghost-because.json", "{\"answers\": " FLAG_ANSWERS
			    ", \"expect\": {\"level\": \"emergency\", "
			    "\"because\": {\"back_flag\": [\"numbb\"]}}}",
			    "'because' of 'back_flag' names something that is "
			    "neither a question nor a finding");
	assert_fails_saying("not-array.json", "{\"answers\": " TALL_ANSWERS
			    ", \"expect\": {\"level\": \"consultation\", "
			    "\"absent\": \"back_flag\"}}",
			    "'absent' in 'expect' must be an array of finding ids");
}

static void test_order_cases_state_a_level(void **state)
{
	(void)state;
	static const char order[] =
		"{\"weaker\": {\"low_back_pain\": \"yes\", \"numb\": \"yes\"}, "
		"\"stronger\": {\"low_back_pain\": \"yes\", \"numb\": \"yes\", "
		"\"age\": 60}, \"finding\": \"back_flag\"%s}";
	char text[512];
	snprintf(text, sizeof(text), order, ", \"level\": \"emergency\"");
	assert_passes("order.json", text);
	snprintf(text, sizeof(text), order, ", \"min_level\": \"consultation_24\"");
	assert_passes("order-min.json", text);
	snprintf(text, sizeof(text), order, "");
	assert_fails_saying("order-no-level.json", text,
			    "no 'level' or 'min_level' in an order case");
	snprintf(text, sizeof(text), order, ", \"min_level\": \"emergency_ambulance\"");
	assert_fails_saying("order-too-low.json", text,
			    "level of weaker is emergency, expected at least "
			    "emergency_ambulance");
	snprintf(text, sizeof(text), order,
		 ", \"level\": \"emergency\", \"expect\": {}");
	assert_fails_saying("order-stray-key.json", text,
			    "unknown key 'expect' in an order case");
	/* The order itself is still checked. */
	assert_fails_saying("order-reversed.json",
			    "{\"stronger\": {\"low_back_pain\": \"yes\", \"numb\": "
			    "\"yes\"}, \"weaker\": {\"low_back_pain\": \"yes\", "
			    "\"numb\": \"yes\", \"age\": 60}, \"finding\": "
			    "\"back_flag\", \"level\": \"emergency\"}",
			    "is not above weaker");
}

/* The r2 fixture: rel is a relationship with a = yes for it and c = no
 * against it; g, calf and minor_rf are red-flag questions always relevant. */
static void test_against_and_screening(void **state)
{
	(void)state;
	assert_passes_on(r2, "against.json", "{\"answers\": {\"a\": \"yes\", "
			 "\"c\": \"no\"}, \"expect\": {\"level\": "
			 "\"consultation\", \"because\": {\"rel\": [\"a\"]}, "
			 "\"against\": {\"rel\": [\"c\"]}, "
			 "\"red_flags_screened\": false}}");
	assert_fails_saying_on(r2, "against-wrong.json", "{\"answers\": "
			       "{\"a\": \"yes\", \"c\": \"no\"}, \"expect\": "
			       "{\"level\": \"consultation\", \"against\": "
			       "{\"rel\": [\"a\"]}}}",
			       "rel is not argued against by a");
	assert_fails_saying_on(r2, "screened-wrong.json", "{\"answers\": "
			       "{\"a\": \"yes\"}, \"expect\": {\"level\": "
			       "\"consultation\", \"red_flags_screened\": true}}",
			       "red_flags_screened is false, expected true");
	assert_passes_on(r2, "screened.json", "{\"answers\": {\"a\": \"yes\", "
			 "\"g\": \"no\", \"calf\": \"no\", \"minor_rf\": "
			 "\"no\"}, \"expect\": {\"level\": \"consultation\", "
			 "\"red_flags_screened\": true}}");
	assert_fails_saying_on(r2, "screened-not-bool.json", "{\"answers\": "
			       "{\"a\": \"yes\"}, \"expect\": {\"level\": "
			       "\"consultation\", \"red_flags_screened\": \"no\"}}",
			       "'red_flags_screened' in 'expect' must be true or false");
	assert_fails_saying_on(r2, "against-ghost.json", "{\"answers\": "
			       "{\"a\": \"yes\"}, \"expect\": {\"level\": "
			       "\"consultation\", \"against\": {\"rel\": "
			       "[\"cc\"]}}}",
			       "'against' of 'rel' names something that is neither");
}

static void test_relevance_expectations(void **state)
{
	(void)state;
	/* numb is asked only with low back pain. */
	assert_passes("numb-asked.json", "{\"answers\": {\"low_back_pain\": "
		      "\"yes\"}, \"expect\": {\"level\": \"self_care\", "
		      "\"relevant\": [\"numb\", \"age\"]}}");
	assert_passes("numb-not-asked.json", "{\"answers\": {\"low_back_pain\": "
		      "\"no\"}, \"expect\": {\"level\": \"self_care\", "
		      "\"not_relevant\": [\"numb\", \"side\"]}}");
	assert_fails_saying("numb-wrongly-asked.json", "{\"answers\": "
			    "{\"low_back_pain\": \"yes\"}, \"expect\": "
			    "{\"level\": \"self_care\", \"not_relevant\": "
			    "[\"numb\"]}}",
			    "question numb relevant but must not be");
	assert_fails_saying("numb-wrongly-silent.json", "{\"answers\": "
			    "{\"low_back_pain\": \"no\"}, \"expect\": "
			    "{\"level\": \"self_care\", \"relevant\": "
			    "[\"numb\"]}}",
			    "question numb not relevant but must be");
	assert_fails_saying("ghost-relevant.json", "{\"answers\": "
			    "{\"low_back_pain\": \"no\"}, \"expect\": "
			    "{\"level\": \"self_care\", \"not_relevant\": "
			    "[\"nmub\"]}}",
			    "'not_relevant' in 'expect' names unknown question "
			    "'nmub'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_level_exact_and_at_least),
		cmocka_unit_test(test_level_required),
		cmocka_unit_test(test_unknown_keys_refused),
		cmocka_unit_test(test_unknown_ids_refused),
		cmocka_unit_test(test_order_cases_state_a_level),
		cmocka_unit_test(test_against_and_screening),
		cmocka_unit_test(test_relevance_expectations),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
