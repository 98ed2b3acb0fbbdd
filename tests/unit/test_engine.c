/*
 * test_engine.c — unit tests of engine/ on small fixture rule bases
 * (tests/unit/fixtures/) and on the real rule base.
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
#include <unistd.h>

#define FIX(name) FIXTURES_DIR "/" name

static engine *load(const char *dir)
{
	char *msg = NULL;
	engine *e = engine_new(dir, &msg);
	if (!e)
		fail_msg("cannot load %s: %s", dir, msg ? msg : "?");
	free(msg);
	return e;
}

static int set_text(engine *e, const char *id, const char *text)
{
	return engine_answer_set_text(e, id, text);
}

static void test_catalogue(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(engine_question_count(e), 6);
	assert_string_equal(engine_rulebase_version(e), "test-1");
	assert_int_equal(strlen(engine_rulebase_sha256(e)), 64);

	const struct engine_question *q = engine_question_find(e, "age");
	assert_non_null(q);
	assert_int_equal(q->type, ENGINE_TYPE_INTEGER);
	assert_true(q->min == 0 && q->max == 120);
	assert_string_equal(q->patient_text, "How old are you?");

	q = engine_question_find(e, "side");
	assert_int_equal(q->type, ENGINE_TYPE_CHOICE);
	assert_int_equal(q->n_choices, 3);
	assert_string_equal(q->choices[1], "right");
	assert_string_equal(q->choice_labels[2], "Both");
	assert_true(engine_question_find(e, "exam_reflex")->clinician_only);
	assert_true(engine_question_find(e, "numb")->red_flag);

	/* Levels come most urgent first; the default is self_care. */
	assert_int_equal(engine_level_count(e), 5);
	assert_string_equal(engine_level_at(e, 0)->id, "emergency_ambulance");
	assert_string_equal(engine_level(e)->id, "self_care");
	assert_null(engine_question_find(e, "nope"));
	engine_free(e);
	engine_free(NULL);
}

static void test_partial_load_refused(void **state)
{
	(void)state;
	char *msg = NULL;
	engine *e = engine_new(FIX("broken"), &msg);
	assert_null(e);
	assert_non_null(msg);
	/* The message names the file and the line of the error. */
	assert_non_null(strstr(msg, "zz-broken.clp"));
	assert_non_null(strstr(msg, "zz-broken.clp:4: "));
	free(msg);

	msg = NULL;
	assert_null(engine_new(FIX("no-such-dir"), &msg));
	assert_non_null(strstr(msg, "no-such-dir"));
	free(msg);
}

static void test_shell_and_exit_removed(void **state)
{
	(void)state;
	unlink("/tmp/msktriage-escape");
	char *msg = NULL;
	engine *e = engine_new(FIX("shell"), &msg);
	/* The rule calls functions that do not exist here: refused whole. */
	assert_null(e);
	assert_non_null(strstr(msg, "zz-shell.clp"));
	free(msg);
	assert_int_equal(access("/tmp/msktriage-escape", F_OK), -1);
}

static void test_validation_messages(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	struct {
		const char *id, *text, *msg;
	} bad[] = {
		{ "age", "121", "'age' must be an integer from 0 to 120" },
		{ "age", "-1", "'age' must be an integer from 0 to 120" },
		{ "age", "4.5", "'age' must be an integer from 0 to 120" },
		{ "age", "", "'age' must be an integer from 0 to 120" },
		{ "age", "12abc", "'age' must be an integer from 0 to 120" },
		{ "height_cm", "99.9", "'height_cm' must be a number from 100 to 250" },
		{ "height_cm", "nan", "'height_cm' must be a number from 100 to 250" },
		{ "height_cm", "inf", "'height_cm' must be a number from 100 to 250" },
		{ "low_back_pain", "Yes", "'low_back_pain' must be one of yes, no, unsure (or skip)" },
		{ "low_back_pain", "yes) (assert (finding back_flag))",
		  "'low_back_pain' must be one of yes, no, unsure (or skip)" },
		{ "side", "up", "'side' must be one of left, right, both (or skip)" },
		{ "kneee", "yes", "unknown question 'kneee'" },
		{ "a\nb", "yes", "unknown question '(unprintable)'" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(set_text(e, bad[i].id, bad[i].text), ENGINE_EINVAL);
		assert_string_equal(engine_errmsg(e), bad[i].msg);
	}
	assert_int_equal(engine_answer_count(e), 0);

	/* Typed values: an integer question refuses a real, a number
	 * question takes an integer. */
	struct engine_value v = { .kind = ENGINE_VALUE_NUMBER, .number = 45.0 };
	assert_int_equal(engine_answer_set(e, "age", &v), ENGINE_EINVAL);
	v = (struct engine_value){ .kind = ENGINE_VALUE_INTEGER, .integer = 180 };
	assert_int_equal(engine_answer_set(e, "height_cm", &v), 0);
	assert_string_equal(engine_answer_text(e, "height_cm"), "180");
	v = (struct engine_value){ .kind = ENGINE_VALUE_TEXT, .text = "45" };
	assert_int_equal(engine_answer_set(e, "age", &v), ENGINE_EINVAL);

	/* Good values, and their canonical text. */
	assert_int_equal(set_text(e, "age", "120"), 0);
	assert_int_equal(set_text(e, "height_cm", "172.5"), 0);
	assert_string_equal(engine_answer_text(e, "height_cm"), "172.5");
	assert_int_equal(set_text(e, "side", "both"), 0);
	assert_int_equal(set_text(e, "low_back_pain", "unsure"), 0);
	assert_int_equal(engine_answer_count(e), 4);
	/* Every type can be declined. */
	assert_int_equal(set_text(e, "side", "skip"), 0);
	assert_string_equal(engine_answer_text(e, "side"), "skip");
	assert_int_equal(engine_answer_count(e), 4);
	engine_free(e);
}

static void test_flow_and_truth_maintenance(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_next_question(e)->id, "age");
	assert_false(engine_is_complete(e));

	assert_int_equal(set_text(e, "age", "60"), 0);
	assert_int_equal(set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	/* The red flag is asked before lower-priority ordinary questions. */
	assert_string_equal(engine_next_question(e)->id, "numb");

	assert_int_equal(set_text(e, "numb", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	const struct engine_finding *f = engine_finding_find(e, "back_flag");
	assert_non_null(f);
	/* 0.9 and 0.5 combine to 0.9 + 0.5 * 0.1. */
	assert_true(f->confidence > 0.9499 && f->confidence < 0.9501);
	assert_int_equal(f->n_rules, 2);
	assert_int_equal(f->n_because, 3);
	assert_string_equal(engine_level(e)->id, "emergency");
	assert_true(engine_is_complete(e));
	assert_null(engine_next_question(e));
	assert_string_equal(engine_stop_reason(e), "back_flag");
	assert_int_equal(engine_recommendation_count(e), 1);
	assert_string_equal(engine_recommendation_at(e, 0)->because[0], "back_flag");

	/* Changing one supporting answer withdraws exactly its evidence. */
	assert_int_equal(set_text(e, "age", "40"), 0);
	assert_int_equal(engine_run(e), 0);
	f = engine_finding_find(e, "back_flag");
	assert_non_null(f);
	assert_true(f->confidence > 0.8999 && f->confidence < 0.9001);
	assert_int_equal(f->n_rules, 1);

	/* Changing the red-flag answer withdraws the finding, the stop, the
	 * recommendation; the level falls back. */
	assert_int_equal(set_text(e, "numb", "no"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_null(engine_finding_find(e, "back_flag"));
	assert_int_equal(engine_recommendation_count(e), 0);
	assert_string_equal(engine_level(e)->id, "self_care");
	assert_null(engine_stop_reason(e));

	/* Clearing the answer a relevance condition rests on makes the
	 * dependent question irrelevant again. */
	assert_true(engine_question_is_relevant(e, "side"));
	assert_int_equal(engine_answer_clear(e, "low_back_pain"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_false(engine_question_is_relevant(e, "side"));
	assert_null(engine_answer_text(e, "low_back_pain"));
	assert_string_equal(engine_next_question(e)->id, "exam_reflex");
	engine_free(e);
}

static void test_decline_never_asked_again(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_next_question(e)->id, "age");
	assert_int_equal(engine_answer_decline(e, "age"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_next_question(e)->id, "exam_reflex");
	/* The rules see the decline as a fact of its own. */
	assert_true(engine_question_is_relevant(e, "age"));
	engine_free(e);
}

static void test_kiosk_skips_clinician_questions(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(set_text(e, "age", "30"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_next_question(e)->id, "exam_reflex");
	engine_mode_set(e, ENGINE_MODE_KIOSK);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_next_question(e)->id, "low_back_pain");
	engine_free(e);
}

static void test_hostile_values_inert(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	/* Hostile text never reaches the engine as a value: it is not one of
	 * the allowed symbols. Every finding stays absent. */
	const char *hostile[] = {
		"yes) (assert (evidence (finding back_flag) (rule x) (cf 1.0)))",
		"\"; DROP TABLE sessions; --",
		"(exit)",
	};
	for (size_t i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		assert_int_equal(set_text(e, "low_back_pain", hostile[i]), ENGINE_EINVAL);
		assert_int_equal(set_text(e, "side", hostile[i]), ENGINE_EINVAL);
		assert_null(strstr(engine_errmsg(e), "DROP"));
	}
	assert_int_equal(engine_run(e), 0);
	assert_int_equal(engine_finding_count(e), 0);
	engine_free(e);
}

static void test_runaway_rules_stopped(void **state)
{
	(void)state;
	engine *e = load(FIX("runaway-loop"));
	assert_int_equal(set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(engine_run(e), ENGINE_ERUN);
	assert_non_null(strstr(engine_errmsg(e), "limit"));
	assert_int_equal(engine_finding_count(e), 0);
	engine_free(e);

	e = load(FIX("runaway-fire"));
	assert_int_equal(set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(engine_run(e), ENGINE_ERUN);
	assert_non_null(strstr(engine_errmsg(e), "fired more than"));
	engine_free(e);
}

static void test_coverage_counts_firings(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(engine_coverage_enable(e), 0);
	assert_int_equal(set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(set_text(e, "numb", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	bool numb = false, older = false;
	for (size_t i = 0; i < engine_rule_count(e); i++) {
		if (strcmp(engine_rule_name(e, i), "back-flag-numb") == 0)
			numb = engine_rule_fired(e, i) == 1;
		if (strcmp(engine_rule_name(e, i), "back-flag-older") == 0)
			older = engine_rule_fired(e, i) > 0;
	}
	assert_true(numb);
	assert_false(older);
	assert_true(engine_rule_exists(e, "tall-risk"));
	assert_false(engine_rule_exists(e, "no-such-rule"));
	engine_free(e);
}

static void note(void *ctx, const char *msg)
{
	(void)msg;
	(*(int *)ctx)++;
}

static void test_check_finds_defects(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	int n = 0;
	/* The fixture has a patient text "-" but every question is read by
	 * a rule and every relation is declared: no problem. */
	assert_int_equal(engine_check(e, note, &n), 0);
	assert_int_equal(n, 0);
	engine_free(e);

	/* runaway-fire uses an undeclared-by-question template 'tick' but
	 * declares it as a relation; its rules are fine statically. */
	e = load(FIX("runaway-fire"));
	assert_int_equal(engine_check(e, NULL, NULL), 0);
	engine_free(e);
}

/* Changing answers again and again to values CLIPS has not seen before:
 * the retraction of the old fact may collect unreferenced atoms, which must
 * never include the new value (it once did, and CLIPS aborted). */
static void test_changing_answers_to_new_values(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	const char *sides[] = { "left", "right", "both" };
	char buf[32];
	for (int i = 0; i < 20000; i++) {
		assert_int_equal(set_text(e, "side", sides[i % 3]), 0);
		snprintf(buf, sizeof(buf), "%d", i % 121);
		assert_int_equal(set_text(e, "age", buf), 0);
		snprintf(buf, sizeof(buf), "%d.%d", 100 + i % 150, i % 10);
		assert_int_equal(set_text(e, "height_cm", buf), 0);
		assert_int_equal(set_text(e, "low_back_pain", i % 2 ? "yes" : "no"), 0);
		if (i % 7 == 0)
			assert_int_equal(engine_run(e), 0);
	}
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_answer_text(e, "side"), sides[19999 % 3]);
	engine_free(e);
}

static void test_real_rules_builtin_matches_directory(void **state)
{
	(void)state;
	engine *built = load(NULL);
	engine *dir = load(RULES_DIR);
	assert_string_equal(engine_rulebase_sha256(built), engine_rulebase_sha256(dir));
	assert_int_equal(engine_question_count(built), engine_question_count(dir));
	assert_int_equal(engine_check(dir, NULL, NULL), 0);
	engine_free(built);
	engine_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_partial_load_refused),
		cmocka_unit_test(test_shell_and_exit_removed),
		cmocka_unit_test(test_validation_messages),
		cmocka_unit_test(test_flow_and_truth_maintenance),
		cmocka_unit_test(test_decline_never_asked_again),
		cmocka_unit_test(test_kiosk_skips_clinician_questions),
		cmocka_unit_test(test_hostile_values_inert),
		cmocka_unit_test(test_runaway_rules_stopped),
		cmocka_unit_test(test_coverage_counts_firings),
		cmocka_unit_test(test_check_finds_defects),
		cmocka_unit_test(test_changing_answers_to_new_values),
		cmocka_unit_test(test_real_rules_builtin_matches_directory),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
