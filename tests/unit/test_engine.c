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

#include <math.h>
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

/* -------------------------------------------------------- revision 2 */

static bool near(double x, double want)
{
	return x > want - 0.0005 && x < want + 0.0005;
}

/* Replace e's answers by the id, value pairs given (NULL-ended) and run. */
static void answers(engine *e, ...)
{
	va_list ap;
	va_start(ap, e);
	engine_answers_clear(e);
	for (const char *id; (id = va_arg(ap, const char *)) != NULL;) {
		const char *v = va_arg(ap, const char *);
		if (set_text(e, id, v) != 0)
			fail_msg("answer %s=%s: %s", id, v, engine_errmsg(e));
	}
	va_end(ap);
	assert_int_equal(engine_run(e), 0);
}

static void test_cf_combination(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	/* The threshold is the rule base's (0.25 here), not a constant. */
	assert_true(engine_report_threshold(e) == 0.25);

	/* Positive only: 0.6 + 0.5 (1 - 0.6). */
	answers(e, "a", "yes", "b", "yes", NULL);
	const struct engine_finding *f = engine_finding_find(e, "rel");
	assert_non_null(f);
	assert_true(near(f->confidence, 0.8));

	/* Negative only: never reported, whatever its size. */
	answers(e, "c", "no", NULL);
	assert_null(engine_finding_find(e, "rel"));
	answers(e, "c", "no", "d", "no", NULL);
	assert_null(engine_finding_find(e, "rel"));

	/* Mixed: (0.6 - 0.4) / (1 - 0.4). */
	answers(e, "a", "yes", "c", "no", NULL);
	f = engine_finding_find(e, "rel");
	assert_non_null(f);
	assert_true(near(f->confidence, 1.0 / 3));
	/* Negatives combine n + c (1 + n): -0.4 and -0.7 make -0.82; with
	 * 0.8: (0.8 - 0.82) / (1 - 0.8) = -0.1, not reported. */
	answers(e, "a", "yes", "b", "yes", "c", "no", "d", "no", NULL);
	assert_null(engine_finding_find(e, "rel"));
	/* With 0.9 as well, p = 0.98: (0.98 - 0.82) / (1 - 0.82) = 0.889. */
	answers(e, "s", "yes", "a", "yes", "b", "yes", "c", "no", "d", "no",
		NULL);
	f = engine_finding_find(e, "rel");
	assert_non_null(f);
	assert_true(near(f->confidence, 0.16 / 0.18));
	/* Mixed, below zero: (0.6 - 0.7) / (1 - 0.6) = -0.25. */
	answers(e, "a", "yes", "d", "no", NULL);
	assert_null(engine_finding_find(e, "rel"));

	/* The boundary: reported only above the threshold. */
	answers(e, "t_at", "yes", "t_above", "yes", NULL);
	assert_null(engine_finding_find(e, "at_threshold"));
	f = engine_finding_find(e, "above_threshold");
	assert_non_null(f);
	assert_true(near(f->confidence, 0.26));
	engine_free(e);
}

/* Every order of the same four answers gives the same factor: p = 1 -
 * 0.1 * 0.4 = 0.96, n = -0.82, (0.96 - 0.82) / (1 - 0.82) = 0.778. */
static void test_cf_order_independent(void **state)
{
	(void)state;
	const char *ids[] = { "s", "a", "c", "d" };
	const char *vals[] = { "yes", "yes", "no", "no" };
	int perm[4] = { 0, 1, 2, 3 };
	size_t runs = 0;
	engine *e = load(FIX("r2"));
	for (int i = 0; i < 4; i++)
		for (int j = 0; j < 4; j++)
			for (int k = 0; k < 4; k++) {
				int l = 6 - i - j - k;
				if (i == j || i == k || j == k || l < 0 || l > 3 ||
				    l == i || l == j || l == k)
					continue;
				perm[0] = i, perm[1] = j, perm[2] = k, perm[3] = l;
				engine_answers_clear(e);
				for (int m = 0; m < 4; m++) {
					assert_int_equal(set_text(e, ids[perm[m]],
								  vals[perm[m]]), 0);
					/* run in between, so the evidence
					 * arrives over several runs too */
					if (m == 1 && (i + j) % 2)
						assert_int_equal(engine_run(e), 0);
				}
				assert_int_equal(engine_run(e), 0);
				const struct engine_finding *f =
					engine_finding_find(e, "rel");
				assert_non_null(f);
				assert_true(near(f->confidence, 0.14 / 0.18));
				runs++;
			}
	assert_int_equal(runs, 24);
	engine_free(e);
}

static void test_against(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	/* d's rule argues against rel with d and c, c's with c: against is
	 * c, d in catalogue order, once each, whatever the answer order;
	 * because holds the positive evidence only. */
	answers(e, "d", "no", "c", "no", "b", "yes", "a", "yes", "s", "yes",
		NULL);
	const struct engine_finding *f = engine_finding_find(e, "rel");
	assert_non_null(f);
	assert_int_equal(f->n_against, 2);
	assert_string_equal(f->against[0], "c");
	assert_string_equal(f->against[1], "d");
	assert_int_equal(f->n_because, 3);
	assert_string_equal(f->because[0], "a");
	assert_string_equal(f->because[1], "s");
	assert_string_equal(f->because[2], "b");

	/* No negative evidence: against is empty. */
	answers(e, "a", "yes", NULL);
	f = engine_finding_find(e, "rel");
	assert_non_null(f);
	assert_int_equal(f->n_against, 0);
	assert_int_equal(f->n_because, 1);
	engine_free(e);
}

static void collect(void *ctx, const char *msg)
{
	char *buf = ctx;
	size_t used = strlen(buf);
	snprintf(buf + used, 8192 - used, "%s\n", msg);
}

static void test_red_flag_ignores_negative_evidence(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	answers(e, "g", "yes", "h", "no", NULL);
	const struct engine_finding *f = engine_finding_find(e, "flag");
	assert_non_null(f);
	assert_true(near(f->confidence, 0.9));
	assert_int_equal(f->n_against, 0);
	assert_int_equal(f->n_rules, 1);
	assert_string_equal(engine_level(e)->id, "emergency");

	/* rules check names it, from the rule's text and from the run. */
	char *buf = calloc(1, 8192);
	assert_int_equal(engine_check(e, collect, buf), 2);
	assert_non_null(strstr(buf, "rule 'flag-against-h' gives red flag "
				    "'flag' negative evidence"));
	assert_non_null(strstr(buf, "red flag 'flag' takes negative evidence"));
	free(buf);
	engine_free(e);

	/* Before any run only the rule's text shows it. */
	e = load(FIX("r2"));
	assert_int_equal(engine_check(e, NULL, NULL), 1);
	engine_free(e);
}

static void test_recommendations_pruned(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	/* rel has only negative evidence: its recommendation goes, and the
	 * one shared with the flag keeps the flag only. */
	answers(e, "c", "no", "g", "yes", NULL);
	assert_null(engine_finding_find(e, "rel"));
	assert_int_equal(engine_recommendation_count(e), 1);
	const struct engine_recommendation *r = engine_recommendation_at(e, 0);
	assert_string_equal(r->id, "rec_both");
	assert_int_equal(r->n_because, 1);
	assert_string_equal(r->because[0], "flag");

	/* Nothing reported behind either: no recommendation. */
	answers(e, "c", "no", NULL);
	assert_int_equal(engine_recommendation_count(e), 0);

	/* Both reported: rec_rel, and rec_both on both findings. */
	answers(e, "a", "yes", "g", "yes", NULL);
	assert_int_equal(engine_recommendation_count(e), 2);
	assert_int_equal(engine_recommendation_at(e, 1)->n_because, 2);

	/* The level counts reported findings only: rel at consultation is
	 * dropped below the threshold, and the level is the default. */
	answers(e, "a", "yes", "d", "no", NULL);
	assert_int_equal(engine_finding_count(e), 0);
	assert_string_equal(engine_level(e)->id, "self_care");
	engine_free(e);
}

static void test_gives_way_to(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	/* Alone, the unconfirmed form is reported, and tail gives way to it. */
	answers(e, "g", "unsure", "h", "yes", NULL);
	assert_non_null(engine_finding_find(e, "flag_unconfirmed"));
	assert_null(engine_finding_find(e, "tail"));
	assert_string_equal(engine_level(e)->id, "consultation_24");

	/* With the flag it gives way; tail gave way only to a reported
	 * finding, so it is back. */
	answers(e, "g", "yes", "h", "yes", NULL);
	assert_non_null(engine_finding_find(e, "flag"));
	assert_null(engine_finding_find(e, "flag_unconfirmed"));
	assert_non_null(engine_finding_find(e, "tail"));
	assert_string_equal(engine_level(e)->id, "emergency");

	const struct engine_finding *d = engine_finding_def_find(e, "tail");
	assert_int_equal(d->n_gives_way_to, 1);
	assert_string_equal(d->gives_way_to[0], "flag_unconfirmed");
	engine_free(e);
}

static void test_when_complete(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	assert_true(engine_finding_def_find(e, "none_found")->when_complete);
	/* Its evidence holds from the start, but it waits for the end. */
	answers(e, "a", "no", NULL);
	assert_false(engine_is_complete(e));
	assert_null(engine_finding_find(e, "none_found"));

	/* Everything answered: complete, and reported. */
	answers(e, "a", "no", "s", "no", "b", "no", "c", "yes", "d", "yes",
		"t_at", "no", "t_above", "no", "w", "no", "h", "skip", "g", "no",
		"calf", "no", "minor_rf", "no", NULL);
	assert_true(engine_is_complete(e));
	assert_non_null(engine_finding_find(e, "none_found"));
	assert_string_equal(engine_level(e)->id, "self_care");

	/* Complete through a stop: reported too. */
	answers(e, "calf", "yes", "breathless", "no", "exam_x", "no", NULL);
	assert_true(engine_is_complete(e));
	assert_non_null(engine_finding_find(e, "none_found"));
	engine_free(e);
}

static void test_red_flags_screened(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	assert_false(engine_red_flags_screened(e)); /* not run yet */
	answers(e, NULL);
	assert_false(engine_red_flags_screened(e));
	answers(e, "g", "no", "calf", "no", NULL);
	assert_false(engine_red_flags_screened(e)); /* minor_rf */
	answers(e, "g", "no", "calf", "no", "minor_rf", "skip", NULL);
	assert_true(engine_red_flags_screened(e)); /* declined counts */

	/* A new relevant red-flag question reopens it. */
	answers(e, "g", "no", "calf", "yes", "minor_rf", "no",
		"breathless", "no", NULL);
	assert_false(engine_red_flags_screened(e)); /* exam_x */
	/* A kiosk never asks the examination. */
	engine_mode_set(e, ENGINE_MODE_KIOSK);
	assert_int_equal(engine_run(e), 0);
	assert_true(engine_red_flags_screened(e));
	engine_free(e);
}

/* A held stop (engine_stop_hold): the level never falls below it, it no
 * longer stops the interview, and clearing the answers lets it go. */
static void test_stop_held(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	assert_int_equal(engine_stop_hold(e, "nonexistent"), ENGINE_EINVAL);
	assert_non_null(strstr(engine_errmsg(e), "unknown finding"));
	assert_int_equal(engine_stop_hold(e, "tall"), ENGINE_EINVAL);
	assert_non_null(strstr(engine_errmsg(e), "does not stop"));
	assert_int_equal(engine_stop_held_count(e), 0);

	assert_int_equal(set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(set_text(e, "numb", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_stop_reason(e), "back_flag");
	assert_true(engine_is_complete(e));

	assert_int_equal(engine_stop_hold(e, "back_flag"), 0);
	assert_int_equal(engine_stop_hold(e, "back_flag"), 0);
	assert_int_equal(engine_stop_held_count(e), 1);
	assert_string_equal(engine_stop_held_at(e, 0), "back_flag");
	assert_null(engine_stop_held_at(e, 1));
	assert_int_equal(engine_run(e), 0);
	/* Held: the interview goes on, the level stays. */
	assert_null(engine_stop_reason(e));
	assert_non_null(engine_next_question(e));
	assert_string_equal(engine_level(e)->id, "emergency");
	assert_non_null(engine_finding_find(e, "back_flag"));

	/* The answer that caused it withdrawn: the finding goes, the level
	 * does not. */
	assert_int_equal(set_text(e, "numb", "no"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_null(engine_finding_find(e, "back_flag"));
	assert_string_equal(engine_level(e)->id, "emergency");
	assert_string_equal(engine_stop_held_level(e)->id, "emergency");
	assert_int_equal(engine_answer_clear(e, "low_back_pain"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_level(e)->id, "emergency");

	/* A new case: nothing held. */
	engine_answers_clear(e);
	assert_int_equal(engine_run(e), 0);
	assert_int_equal(engine_stop_held_count(e), 0);
	assert_null(engine_stop_held_level(e));
	assert_string_equal(engine_level(e)->id, "self_care");
	engine_free(e);
}

/* Whether recommendation id is among the run's recommendations. */
static bool recommends(const engine *e, const char *id)
{
	for (size_t i = 0; i < engine_recommendation_count(e); i++)
		if (strcmp(engine_recommendation_at(e, i)->id, id) == 0)
			return true;
	return false;
}

/* A held stop keeps routine advice back as the stop did, even once later
 * answers no longer support its finding: the level is held at an
 * emergency, and exercise advice beside it would read as the plan. */
static void test_stop_held_withholds_routine_advice(void **state)
{
	(void)state;
	engine *e = load(RULES_DIR);
	answers(e, "age", "60", "knee_pain", "yes", "low_back_pain", "yes",
		"knee_oa_diagnosed", "yes", NULL);
	assert_true(recommends(e, "quadriceps_gluteal_strengthening"));
	assert_int_equal(set_text(e, "saddle_numbness", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_string_equal(engine_stop_reason(e), "cauda_equina_suspected");
	assert_false(recommends(e, "quadriceps_gluteal_strengthening"));

	assert_int_equal(engine_stop_hold(e, "cauda_equina_suspected"), 0);
	assert_int_equal(set_text(e, "saddle_numbness", "no"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_null(engine_finding_find(e, "cauda_equina_suspected"));
	assert_string_equal(engine_level(e)->id, "emergency");
	assert_false(recommends(e, "quadriceps_gluteal_strengthening"));
	engine_free(e);
}

static void test_deferred_stop(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	/* The emergency holds at once, the stop is named, but the
	 * breathlessness question could make it more urgent: it is next
	 * (before g, which informs nothing more urgent than emergency, and
	 * before the ordinary questions). */
	answers(e, "calf", "yes", NULL);
	assert_string_equal(engine_level(e)->id, "emergency");
	assert_string_equal(engine_stop_reason(e), "emerg_flag");
	assert_false(engine_is_complete(e));
	assert_string_equal(engine_next_question(e)->id, "breathless");

	/* Answered no: the clinician-only examination is next ... */
	answers(e, "calf", "yes", "breathless", "no", NULL);
	assert_string_equal(engine_next_question(e)->id, "exam_x");
	assert_false(engine_is_complete(e));
	/* ... which a kiosk never asks: complete. */
	engine_mode_set(e, ENGINE_MODE_KIOSK);
	assert_int_equal(engine_run(e), 0);
	assert_true(engine_is_complete(e));
	assert_null(engine_next_question(e));
	engine_mode_set(e, ENGINE_MODE_CLINICIAN);

	/* Declined counts as answered. */
	answers(e, "calf", "yes", "breathless", "no", "exam_x", "skip", NULL);
	assert_true(engine_is_complete(e));
	assert_string_equal(engine_stop_reason(e), "emerg_flag");
	assert_string_equal(engine_level(e)->id, "emergency");

	/* Answered yes: the more urgent finding stops, nothing is more
	 * urgent still. */
	answers(e, "calf", "yes", "breathless", "yes", NULL);
	assert_string_equal(engine_level(e)->id, "emergency_ambulance");
	assert_string_equal(engine_stop_reason(e), "ambulance_flag");
	assert_true(engine_is_complete(e));

	/* A finding below the threshold stops nothing, even at a stopping
	 * level (flow.clp's interview-stop holds for it). */
	answers(e, "w", "yes", NULL);
	assert_null(engine_finding_find(e, "weak_urgent"));
	assert_null(engine_stop_reason(e));
	assert_string_equal(engine_level(e)->id, "self_care");
	assert_string_equal(engine_next_question(e)->id, "g");

	/* A stop with no more urgent question pending is complete at once:
	 * the flag (emergency) with calf unanswered would defer to calf,
	 * which informs the ambulance finding... */
	answers(e, "g", "yes", NULL);
	assert_string_equal(engine_next_question(e)->id, "calf");
	/* ... and once calf is no, nothing is left. */
	answers(e, "g", "yes", "calf", "no", NULL);
	assert_true(engine_is_complete(e));
	assert_string_equal(engine_stop_reason(e), "flag");
	engine_free(e);
}

/* The flow as data (flow.clp): stops, every-finding recommendations and
 * gives-way-to-firm, with no rule deriving a fact for them. */
static void test_flow_as_data(void **state)
{
	(void)state;
	engine *e = load(FIX("flow-data"));

	/* Nothing holds: the gives-way-to-firm finding is given, and the
	 * every-finding recommendation goes with it. */
	answers(e, NULL);
	assert_int_equal(engine_finding_count(e), 1);
	assert_string_equal(engine_finding_at(e, 0)->id, "nothing_firm");
	assert_int_equal(engine_recommendation_count(e), 1);
	const struct engine_recommendation *r = engine_recommendation_at(e, 0);
	assert_string_equal(r->id, "rec_every");
	assert_int_equal(r->n_because, 1);
	assert_string_equal(r->because[0], "nothing_firm");
	assert_null(engine_stop_reason(e));

	/* A firm finding: nothing_firm gives way; both recommendations. */
	answers(e, "a", "yes", NULL);
	assert_int_equal(engine_finding_count(e), 1);
	assert_string_equal(engine_finding_at(e, 0)->id, "rel");
	assert_int_equal(engine_recommendation_count(e), 2);
	assert_string_equal(engine_recommendation_at(e, 0)->id, "rec_every");
	assert_string_equal(engine_recommendation_at(e, 0)->because[0], "rel");
	assert_string_equal(engine_recommendation_at(e, 1)->id, "rec_rel");

	/* Something argues against it: reported (0.75), but not firm, so
	 * nothing_firm is given too, and every-finding rests on both. */
	answers(e, "a", "yes", "b", "no", NULL);
	assert_int_equal(engine_finding_count(e), 2);
	assert_string_equal(engine_finding_at(e, 0)->id, "rel");
	assert_string_equal(engine_finding_at(e, 1)->id, "nothing_firm");
	r = engine_recommendation_at(e, 0);
	assert_string_equal(r->id, "rec_every");
	assert_int_equal(r->n_because, 2);
	assert_string_equal(r->because[0], "rel");
	assert_string_equal(r->because[1], "nothing_firm");

	/* Evidence against alone: rel does not hold, nor its table entry. */
	answers(e, "d", "no", NULL);
	assert_int_equal(engine_finding_count(e), 1);
	assert_string_equal(engine_finding_at(e, 0)->id, "nothing_firm");
	assert_int_equal(engine_recommendation_count(e), 1);

	/* A finding-def that stops, at a level that does not: it stops. */
	answers(e, "c", "yes", NULL);
	assert_non_null(engine_stop_reason(e));
	assert_string_equal(engine_stop_reason(e), "outside");
	assert_true(engine_is_complete(e));
	assert_null(engine_finding_find(e, "nothing_firm"));

	/* Changed back: the stop goes with the answer. */
	answers(e, "c", "no", NULL);
	assert_null(engine_stop_reason(e));
	assert_false(engine_is_complete(e));

	/* A finding condition withholds rec_rel: while a red flag at a
	 * listed level holds ... */
	answers(e, "a", "yes", "e", "yes", NULL);
	assert_non_null(engine_finding_find(e, "rel"));
	assert_non_null(engine_finding_find(e, "flag"));
	assert_int_equal(engine_recommendation_count(e), 1);
	assert_string_equal(engine_recommendation_at(e, 0)->id, "rec_every");
	/* ... or a finding that stops the interview holds ... */
	answers(e, "a", "yes", "c", "yes", NULL);
	assert_non_null(engine_finding_find(e, "rel"));
	assert_int_equal(engine_recommendation_count(e), 1);
	/* ... and only then. */
	answers(e, "a", "yes", "e", "no", "c", "no", NULL);
	assert_int_equal(engine_recommendation_count(e), 2);
	assert_string_equal(engine_recommendation_at(e, 1)->id, "rec_rel");
	engine_free(e);
}

/* The text of a number answer: the shortest plain decimal that reads back
 * as the same double, as the snprintf and strtod search below finds it. */
static void reference_number(double x, char *buf, size_t size)
{
	for (int prec = 0; prec <= 17; prec++) {
		snprintf(buf, size, "%.*f", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

static void check_number_text(engine *e, const char *id, double x)
{
	struct engine_value v = { .kind = ENGINE_VALUE_NUMBER, .number = x };
	char want[64];
	reference_number(x, want, sizeof(want));
	if (engine_answer_set(e, id, &v) != 0)
		fail_msg("%.17g: %s", x, engine_errmsg(e));
	const char *got = engine_answer_text(e, id);
	assert_non_null(got);
	if (strcmp(got, want) != 0)
		fail_msg("%.17g: '%s', expected '%s'", x, got, want);
}

static void test_number_text(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	unsigned seed = 14;
	double edges[] = { 100, 250, 172.5, 100.1, 249.99, 180.3, 0x1.9p+7,
			   nextafter(100, 200), nextafter(250, 0),
			   nextafter(172.5, 0), 500.0 / 3, 123.456789012345 };
	for (size_t i = 0; i < sizeof(edges) / sizeof(*edges); i++)
		check_number_text(e, "height_cm", edges[i]);
	for (int i = 0; i < 20000; i++) {
		/* a decimal with 0-6 places, then any double in range */
		int places = rand_r(&seed) % 7;
		double scale = 1;
		for (int p = 0; p < places; p++)
			scale *= 10;
		long long k = (long long)((100 + rand_r(&seed) % 150) * scale) +
			      rand_r(&seed) % (long long)scale;
		check_number_text(e, "height_cm", (double)k / scale);
		check_number_text(e, "height_cm",
				  100 + 150 * ((double)rand_r(&seed) / RAND_MAX));
	}
	engine_free(e);

	/* Below 1 and below 0 (flow-data's n runs from -5 to 5). */
	e = load(FIX("flow-data"));
	double small[] = { 0, -0.0, 0.05, -0.05, 0.5, -4.25, 1e-9, -1e-9,
			   0.1 + 0.2, 5, -5, 1.0 / 3 };
	for (size_t i = 0; i < sizeof(small) / sizeof(*small); i++)
		check_number_text(e, "n", small[i]);
	for (int i = 0; i < 20000; i++) {
		int places = rand_r(&seed) % 7;
		double scale = 1;
		for (int p = 0; p < places; p++)
			scale *= 10;
		long long k = rand_r(&seed) % (long long)(10 * scale + 1) -
			      (long long)(5 * scale);
		check_number_text(e, "n", (double)k / scale);
		check_number_text(e, "n",
				  -5 + 10 * ((double)rand_r(&seed) / RAND_MAX));
	}
	engine_free(e);
}

static void test_citations(void **state)
{
	(void)state;
	engine *e = load(FIX("r2"));
	assert_int_equal(engine_citation_count(e), 3);
	const struct engine_citation *c = engine_citation_find(e, "cit_guideline");
	assert_non_null(c);
	assert_string_equal(c->kind, "guideline");
	assert_string_equal(c->year, "2016");
	assert_string_equal(c->text, "Low back pain and sciatica in over 16s "
		"(NG59). National Institute for Health and Care Excellence, 2016.");
	assert_string_equal(engine_citation_find(e, "cit_study")->text,
			    "A knee study.");
	/* A title that ends a sentence takes no second full stop. */
	assert_string_equal(engine_citation_find(e, "cit_rule")->text,
			    "Is it a rule? 1995.");
	assert_ptr_equal(engine_citation_at(e, 1), engine_citation_find(e, "cit_study"));
	assert_null(engine_citation_find(e, "nope"));

	const struct engine_finding *f = engine_finding_def_find(e, "flag");
	assert_int_equal(f->n_cites, 2);
	assert_string_equal(f->cites[1], "cit_study");
	assert_string_equal(f->source, "Low back pain and sciatica in over 16s "
		"(NG59). National Institute for Health and Care Excellence, "
		"2016.; A knee study.");
	assert_string_equal(engine_recommendation_def_at(e, 0)->source,
			    "A knee study.");
	engine_free(e);

	/* Without cites, the source slot is the source. */
	e = load(FIX("mini"));
	assert_int_equal(engine_citation_count(e), 0);
	f = engine_finding_def_find(e, "back_flag");
	assert_int_equal(f->n_cites, 0);
	assert_string_equal(f->source, "test");
	engine_free(e);
}

/* Amounts in other units, with the real rule base's unit-def facts. */
static void convert_is(engine *e, const char *id, const char *text, int rc,
		       const char *want)
{
	char buf[64];
	int got = engine_answer_convert(e, id, text, buf, sizeof(buf));
	if (got != rc || strcmp(buf, want) != 0)
		fail_msg("%s '%s': %d '%s', expected %d '%s' (%s)", id, text, got,
			 buf, rc, want, got < 0 ? engine_errmsg(e) : "");
}

static void test_unit_conversion(void **state)
{
	(void)state;
	engine *e = load(RULES_DIR);
	const char *w = "knee_duration_weeks";
	assert_true(engine_unit_has_conversions(e, w));
	assert_false(engine_unit_has_conversions(e, "age"));
	assert_false(engine_unit_has_conversions(e, "knee_pain"));
	convert_is(e, w, "2y", ENGINE_CONVERT_DONE, "104");
	convert_is(e, w, "2 years", ENGINE_CONVERT_DONE, "104");
	convert_is(e, w, "2 Years", ENGINE_CONVERT_DONE, "104");
	convert_is(e, w, "18 months", ENGINE_CONVERT_DONE, "78");
	convert_is(e, w, "6 wk", ENGINE_CONVERT_OWN, "6");
	convert_is(e, w, "6 weeks", ENGINE_CONVERT_OWN, "6");
	convert_is(e, w, "10 days", ENGINE_CONVERT_DONE, "1");
	convert_is(e, w, "10d", ENGINE_CONVERT_DONE, "1");
	/* to the nearest week, never 0 for a duration that is not 0 */
	convert_is(e, w, "3 days", ENGINE_CONVERT_DONE, "1");
	convert_is(e, w, "11 days", ENGINE_CONVERT_DONE, "2");
	convert_is(e, w, "0 days", ENGINE_CONVERT_DONE, "0");
	convert_is(e, w, "1.5 years", ENGINE_CONVERT_DONE, "78");
	/* a bare number is the question's own unit: left as typed */
	convert_is(e, w, "12", ENGINE_CONVERT_NONE, "12");
	convert_is(e, w, "yes", ENGINE_CONVERT_NONE, "yes");
	/* a word the unit does not know: named, with the words it takes */
	char buf[64];
	assert_int_equal(engine_answer_convert(e, w, "3 fortnights", buf,
					       sizeof(buf)), ENGINE_EINVAL);
	assert_non_null(strstr(engine_errmsg(e), "'knee_duration_weeks'"));
	assert_non_null(strstr(engine_errmsg(e), "days, weeks, months or years"));
	/* the range is the answer's to check, after the conversion */
	convert_is(e, w, "60 years", ENGINE_CONVERT_DONE, "3120");
	assert_int_equal(set_text(e, w, "3120"), ENGINE_EINVAL);
	assert_non_null(strstr(engine_errmsg(e), "from 0 to 2600"));
	/* other units with conversions: minutes and hours */
	convert_is(e, "morning_stiffness_minutes", "1.5 h", ENGINE_CONVERT_DONE,
		   "90");
	convert_is(e, "sitting_hours", "90 min", ENGINE_CONVERT_DONE, "2");
	/* the unit's own word for one of it */
	assert_string_equal(engine_unit_word(e, w, "1"), "week");
	assert_string_equal(engine_unit_word(e, w, "104"), "weeks");
	assert_string_equal(engine_unit_word(e, "age", "1"), "years");
	engine_free(e);

	/* a rule base without unit-def facts converts nothing */
	e = load(FIX("mini"));
	convert_is(e, "age", "2 years", ENGINE_CONVERT_NONE, "2 years");
	engine_free(e);
}

/* One of each defect engine_check claims to find, each reported. */
static void test_check_reports_each_defect(void **state)
{
	(void)state;
	static const char *const want[] = {
		"rules use relation 'mystery', which is neither a question id nor a declared relation",
		"question 'unread' is read by no rule",
		"question 'mute' lacks clinician or patient wording",
		"question 'whyless' does not say why it is asked",
		"question 'sectionless' has no section",
		"question 'ranged' has an empty range",
		"question 'chosen' lacks a plain label for each choice",
		"question 'chosen' uses the reserved choice 'skip'",
		"question 'informer' informs undefined finding 'nowhere'",
		"question 'idle' informs no finding",
		"question 'specwhy': the why names the specification or a seed file",
		"question 'labelled': the choice label names the specification or a seed file",
		"finding 'sourceless' names no source",
		"finding 'sourceless' cites no citation",
		"finding 'untitled' lacks a title, clinician or patient wording",
		"finding 'good' is defined twice",
		"finding 'yielding' gives way to itself",
		"finding 'yielding' gives way to undefined finding 'ghost'",
		"finding 'circle_a' gives way in a circle",
		"finding 'circle_b' gives way in a circle",
		"finding 'miscited' names no source",
		"finding 'miscited' cites undefined citation 'cit_ghost'",
		"finding 'leaky': the clinician text names the specification or a seed file",
		"recommendation 'bare' names no source",
		"recommendation 'bare' lacks a title, clinician or patient wording",
		"recommendation 'bare' cites no citation",
		"recommendation 'specrec': the patient text names the specification or a seed file",
		"citation 'cit_untitled' has no title",
		"citation 'cit_seed': the text names the specification or a seed file",
		"citation 'cit_seed' is cited by no finding or recommendation",
		"citation 'cit_txt': the note names the specification or a seed file",
		"citation 'cit_ok' is defined twice",
		"rule 'flag-against' gives red flag 'flag' negative evidence",
		"level 'emergency': the safety-net names the specification or a seed file",
		"level 'consultation_24' lacks wording or safety-netting",
		/* found in the finding-to-recommendation table at load */
		"recommendation-for names undefined finding 'nowhere_found'",
		"recommendation-for names undefined recommendation 'no_such_rec'",
		"recommendation-for is withheld by 'never-asserted', which no rule asserts",
		"recommendation-for names finding 'good' and every finding",
		"finding-condition names undefined level 'nowhere_level'",
		/* revealed by runs */
		"evidence names undefined finding 'phantom'",
		"evidence names undefined rule 'no-such-rule'",
		"evidence rests on 'stranger', which is neither a question nor a finding",
		"a rule recommends undefined 'unknown_rec'",
		"recommendation rests on undefined finding 'phantom'",
		"red flag 'flag' takes negative evidence",
	};
	size_t n_want = sizeof(want) / sizeof(want[0]);
	engine *e = load(FIX("defects"));
	assert_int_equal(set_text(e, "fine", "yes"), 0);
	assert_int_equal(engine_run(e), 0);
	assert_int_equal(set_text(e, "fine", "no"), 0);
	assert_int_equal(engine_run(e), 0);
	char *buf = calloc(1, 8192);
	size_t n = engine_check(e, collect, buf);
	for (size_t i = 0; i < n_want; i++) {
		char line[300];
		snprintf(line, sizeof(line), "%s\n", want[i]);
		if (!strstr(buf, line))
			fail_msg("not reported: %s\n(reported:\n%s)", want[i], buf);
	}
	if (n != n_want)
		fail_msg("%zu problems reported, %zu expected:\n%s", n, n_want, buf);
	free(buf);
	engine_free(e);
}

/* ---------------------------------------------- sections and progress */

static const char *next_id(engine *e)
{
	assert_int_equal(engine_run(e), 0);
	const struct engine_question *q = engine_next_question(e);
	return q ? q->id : "(none)";
}

static const char *section_of(engine *e, const char *id)
{
	size_t i = engine_question_section_index(e, engine_question_find(e, id));
	const struct engine_section *c = engine_section_at(e, i);
	return c ? c->id : "(none)";
}

static void test_sections_read_in_order(void **state)
{
	(void)state;
	engine *e = load(FIX("sections"));
	assert_int_equal(engine_section_count(e), 6);
	static const char *const want[] = { "about", "sites", "red", "knee",
					    "back", "exam" };
	for (size_t i = 0; i < 6; i++)
		assert_string_equal(engine_section_at(e, i)->id, want[i]);
	assert_null(engine_section_at(e, 6));
	const struct engine_section *c = engine_section_find(e, "back");
	assert_non_null(c);
	assert_int_equal(c->order, 50);
	assert_string_equal(c->clinician_title, "Low back");
	assert_string_equal(c->patient_title, "Your back");
	assert_null(engine_section_find(e, "nowhere"));
	/* Before any run a question is in its own section. */
	assert_string_equal(section_of(e, "stiff"), "knee");
	assert_int_equal(engine_question_section_index(e, NULL), SIZE_MAX);
	const struct engine_question *stiff = engine_question_find(e, "stiff");
	assert_int_equal(stiff->n_also_in, 1);
	assert_string_equal(stiff->also_in[0], "back");
	/* The catalogue follows the sections, then priority: back_score
	 * (priority 1) comes after knee_score (priority 9). */
	size_t ks = engine_question_index(e, engine_question_find(e, "knee_score"));
	size_t bs = engine_question_index(e, engine_question_find(e, "back_score"));
	assert_true(ks < bs);
	/* The real rule base orders its sections too. */
	engine *real = load(RULES_DIR);
	assert_true(engine_section_count(real) > 0);
	for (size_t i = 0; i < engine_question_count(real); i++)
		assert_non_null(engine_section_find(
			real, engine_question_at(real, i)->section));
	engine_free(real);
	engine_free(e);
}

static void test_section_defined_twice_refused(void **state)
{
	(void)state;
	char tmp[] = "/tmp/msk-test-sections-XXXXXX";
	assert_non_null(mkdtemp(tmp));
	static const char *const files[] = { "schema.clp", "flow.clp",
					     "levels.clp", "questions.clp" };
	char src[600], dst[600];
	for (size_t i = 0; i < 4; i++) {
		snprintf(src, sizeof(src), "%s/%s", FIX("sections"), files[i]);
		snprintf(dst, sizeof(dst), "%s/%s", tmp, files[i]);
		assert_int_equal(symlink(src, dst), 0);
	}
	snprintf(dst, sizeof(dst), "%s/zz-twice.clp", tmp);
	FILE *f = fopen(dst, "w");
	assert_non_null(f);
	/* the same id at another order: not next to its twin once sorted */
	fputs("(deffacts twice (section-def (id about) (order 99) "
	      "(clinician-title \"c\") (patient-title \"p\")))\n", f);
	fclose(f);
	char *msg = NULL;
	engine *e = engine_new(tmp, &msg);
	assert_null(e);
	assert_non_null(msg);
	if (!strstr(msg, "section 'about' is defined twice"))
		fail_msg("load said: %s", msg);
	free(msg);
	for (size_t i = 0; i < 4; i++) {
		snprintf(dst, sizeof(dst), "%s/%s", tmp, files[i]);
		unlink(dst);
	}
	snprintf(dst, sizeof(dst), "%s/zz-twice.clp", tmp);
	unlink(dst);
	rmdir(tmp);
}

static void test_sections_order_the_interview(void **state)
{
	(void)state;
	engine *e = load(FIX("sections"));
	assert_string_equal(next_id(e), "age");
	set_text(e, "age", "40");
	assert_string_equal(next_id(e), "knee");
	set_text(e, "knee", "yes");
	assert_string_equal(next_id(e), "back");
	set_text(e, "back", "yes");
	/* a red flag first, whatever its section */
	assert_string_equal(next_id(e), "numb");
	set_text(e, "numb", "no");
	/* the knee section before the back section, priority notwithstanding;
	 * stiffness with the knee, the first painful region */
	assert_string_equal(next_id(e), "knee_score");
	assert_string_equal(section_of(e, "stiff"), "knee");
	set_text(e, "knee_score", "3");
	assert_string_equal(next_id(e), "stiff");
	set_text(e, "stiff", "10");
	assert_string_equal(next_id(e), "back_score");
	set_text(e, "back_score", "3");
	assert_string_equal(next_id(e), "reflex");

	/* Back pain alone: stiffness is asked with the back. */
	engine_answers_clear(e);
	set_text(e, "age", "40");
	set_text(e, "knee", "no");
	set_text(e, "back", "yes");
	set_text(e, "numb", "no");
	assert_string_equal(next_id(e), "back_score");
	assert_string_equal(section_of(e, "stiff"), "back");
	set_text(e, "back_score", "3");
	assert_string_equal(next_id(e), "stiff");
	engine_free(e);
}

static void test_progress(void **state)
{
	(void)state;
	engine *e = load(FIX("sections"));
	struct engine_progress p;
	engine_progress(e, &p);
	assert_int_equal(p.section, 0);
	assert_int_equal(p.sections, 0);
	assert_int_equal(p.left, 0);

	set_text(e, "age", "40");
	assert_string_equal(next_id(e), "knee");
	/* relevant: age, knee, back, reflex in about, sites, exam */
	engine_progress(e, &p);
	assert_int_equal(p.section, 2);
	assert_int_equal(p.sections, 3);
	assert_int_equal(p.left, 3);

	set_text(e, "knee", "yes");
	set_text(e, "back", "yes");
	assert_string_equal(next_id(e), "numb");
	engine_progress(e, &p);
	assert_int_equal(p.section, 3);
	assert_int_equal(p.sections, 6);
	assert_int_equal(p.left, 5); /* numb, knee_score, stiff, back_score, reflex */

	set_text(e, "numb", "no");
	assert_string_equal(next_id(e), "knee_score");
	engine_progress(e, &p);
	assert_int_equal(p.section, 4);
	assert_int_equal(p.left, 4);

	/* The kiosk never asks the examination: one section, one question
	 * fewer. */
	engine_mode_set(e, ENGINE_MODE_KIOSK);
	assert_string_equal(next_id(e), "knee_score");
	engine_progress(e, &p);
	assert_int_equal(p.section, 4);
	assert_int_equal(p.sections, 5);
	assert_int_equal(p.left, 3);

	/* Back pain withdrawn: its section goes, and stiffness stays with
	 * the knee. */
	engine_mode_set(e, ENGINE_MODE_CLINICIAN);
	set_text(e, "back", "no");
	assert_string_equal(next_id(e), "knee_score");
	engine_progress(e, &p);
	assert_int_equal(p.section, 3);
	assert_int_equal(p.sections, 4); /* about, sites, knee, exam */
	assert_int_equal(p.left, 3);     /* knee_score, stiff, reflex */

	set_text(e, "knee_score", "2");
	set_text(e, "stiff", "0");
	set_text(e, "reflex", "no");
	assert_string_equal(next_id(e), "(none)");
	engine_progress(e, &p);
	assert_int_equal(p.section, 0);
	assert_int_equal(p.left, 0);
	assert_int_equal(p.sections, 4);

	/* A stop leaves only the deferred red-flag questions. */
	engine_answers_clear(e);
	set_text(e, "back", "yes");
	set_text(e, "numb", "yes");
	assert_int_equal(engine_run(e), 0);
	assert_non_null(engine_stop_reason(e));
	engine_progress(e, &p);
	assert_int_equal(p.left, 0);
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sections_read_in_order),
		cmocka_unit_test(test_section_defined_twice_refused),
		cmocka_unit_test(test_sections_order_the_interview),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_catalogue),
		cmocka_unit_test(test_stop_held),
		cmocka_unit_test(test_stop_held_withholds_routine_advice),
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
		cmocka_unit_test(test_cf_combination),
		cmocka_unit_test(test_cf_order_independent),
		cmocka_unit_test(test_against),
		cmocka_unit_test(test_red_flag_ignores_negative_evidence),
		cmocka_unit_test(test_recommendations_pruned),
		cmocka_unit_test(test_gives_way_to),
		cmocka_unit_test(test_when_complete),
		cmocka_unit_test(test_red_flags_screened),
		cmocka_unit_test(test_deferred_stop),
		cmocka_unit_test(test_flow_as_data),
		cmocka_unit_test(test_number_text),
		cmocka_unit_test(test_citations),
		cmocka_unit_test(test_check_reports_each_defect),
		cmocka_unit_test(test_unit_conversion),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
