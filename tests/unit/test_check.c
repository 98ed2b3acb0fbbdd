/*
 * test_check.c — engine_check (behind `msktriage rules check`) finds every
 * defect it claims to find.
 *
 * tests/unit/fixtures/check-defects is the mini rule base plus exactly one
 * of each defect (zz-defects.clp names them). The test asserts that each is
 * reported exactly once, recognised by a distinctive part of its message,
 * that nothing else is reported, and that the mini rule base, run on the
 * same answers, reports nothing. Defects that only a run reveals (evidence
 * or recommendations naming what does not exist) must be absent before the
 * run and present after it.
 *
 * tests/unit/fixtures/check-sections does the same for the sections a
 * question names, once the rule base orders its sections (section-def).
 *
 * tests/unit/fixtures/check-citations does the same for the checks that
 * need a bibliography: citations, giving way, negative evidence for a red
 * flag, and user-facing text that names the specification or a seed file.
 */
#include "engine/engine.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX(name) FIXTURES_DIR "/" name

/* What engine_check must say about each defect of the fixture. */
static const char *const static_defects[] = {
	"relation 'low_back_pian', which is neither a question id nor a declared relation",
	"relation 'undeclared_helper_fact', which is neither a question id nor a declared relation",
	"question 'unread_question' is read by no rule",
	"question 'wordless_question' lacks clinician or patient wording",
	"question 'whyless_question' does not say why it is asked",
	"question 'sectionless_question' has no section",
	"question 'rangeless_question' has an empty range",
	"question 'labelless_question' lacks a plain label for each choice",
	"question 'skipchoice_question' uses the reserved choice 'skip'",
	"question 'ghostinforms_question' informs undefined finding 'ghost_informed_finding'",
	"question 'uninforming_question' informs no finding",
	"finding 'kindless_finding' has no valid kind",
	"finding 'sourceless_finding' names no source",
	"finding 'wordless_finding' lacks a title, clinician or patient wording",
	"finding 'twice_defined_finding' is defined twice",
	"recommendation 'sourceless_recommendation' names no source",
	"recommendation 'wordless_recommendation' lacks a title, clinician or patient wording",
	"level 'netless_level' lacks wording or safety-netting",
	"unit-def names unit 'fortnights', which no question asks in",
	"unit word 'F' of 'fortnights' is given twice",
};

static const char *const run_defects[] = {
	"evidence names undefined finding 'ghost_evidence_finding'",
	"evidence names undefined rule 'ghost-evidence-rule'",
	"evidence rests on 'ghost_because_answer', which is neither a question nor a finding",
	"a rule recommends undefined 'ghost_recommendation'",
	"recommendation rests on undefined finding 'ghost_recommended_finding'",
};

#define N_STATIC (sizeof(static_defects) / sizeof(*static_defects))
#define N_RUN (sizeof(run_defects) / sizeof(*run_defects))

struct reported {
	char *msg[64];
	size_t n;
};

static void collect(void *ctx, const char *problem)
{
	struct reported *r = ctx;
	assert_non_null(problem);
	if (r->n < sizeof(r->msg) / sizeof(*r->msg))
		r->msg[r->n] = strdup(problem);
	r->n++;
}

static void reported_free(struct reported *r)
{
	for (size_t i = 0; i < r->n && i < sizeof(r->msg) / sizeof(*r->msg); i++)
		free(r->msg[i]);
	r->n = 0;
}

/* How many reported messages contain want. */
static size_t times_reported(const struct reported *r, const char *want)
{
	size_t n = 0;
	for (size_t i = 0; i < r->n && i < sizeof(r->msg) / sizeof(*r->msg); i++)
		if (strstr(r->msg[i], want))
			n++;
	return n;
}

/* Every expected defect once, and every message accounted for. */
static void assert_reports_exactly(const struct reported *r, size_t count,
				   const char *const *sets[], const size_t sizes[],
				   size_t n_sets)
{
	size_t expected = 0;
	for (size_t s = 0; s < n_sets; s++)
		for (size_t i = 0; i < sizes[s]; i++) {
			size_t times = times_reported(r, sets[s][i]);
			if (times != 1)
				fail_msg("'%s' reported %zu times, expected once",
					 sets[s][i], times);
			expected++;
		}
	if (r->n != expected || count != expected) {
		for (size_t i = 0; i < r->n && i < 64; i++)
			print_message("reported: %s\n", r->msg[i]);
		fail_msg("%zu problems reported (check returned %zu), "
			 "expected %zu", r->n, count, expected);
	}
}

static engine *load(const char *dir)
{
	char *msg = NULL;
	engine *e = engine_new(dir, &msg);
	if (!e)
		fail_msg("cannot load %s: %s", dir, msg ? msg : "?");
	free(msg);
	return e;
}

/* The answers that make the fixture's run-time defects fire. */
static void run_defect_answers(engine *e)
{
	assert_int_equal(engine_answer_set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(engine_answer_set_text(e, "numb", "yes"), 0);
	assert_int_equal(engine_answer_set_text(e, "side", "left"), 0);
	assert_int_equal(engine_answer_set_text(e, "height_cm", "210"), 0);
	assert_int_equal(engine_run(e), 0);
}

static void test_each_static_defect_reported(void **state)
{
	(void)state;
	engine *e = load(FIX("check-defects"));
	struct reported r = { 0 };
	size_t count = engine_check(e, collect, &r);
	const char *const *sets[] = { static_defects };
	const size_t sizes[] = { N_STATIC };
	assert_reports_exactly(&r, count, sets, sizes, 1);
	/* Nothing has run: what only a run reveals is not claimed yet. */
	for (size_t i = 0; i < N_RUN; i++)
		assert_int_equal(times_reported(&r, run_defects[i]), 0);
	reported_free(&r);
	engine_free(e);
}

static void test_each_run_defect_reported(void **state)
{
	(void)state;
	engine *e = load(FIX("check-defects"));
	run_defect_answers(e);
	/* The run went on despite the defects: the red flag is still there. */
	assert_non_null(engine_finding_find(e, "back_flag"));
	struct reported r = { 0 };
	size_t count = engine_check(e, collect, &r);
	const char *const *sets[] = { static_defects, run_defects };
	const size_t sizes[] = { N_STATIC, N_RUN };
	assert_reports_exactly(&r, count, sets, sizes, 2);
	reported_free(&r);

	/* A defect seen again in a later run is still reported once. */
	assert_int_equal(engine_answer_set_text(e, "height_cm", "220"), 0);
	assert_int_equal(engine_run(e), 0);
	count = engine_check(e, collect, &r);
	assert_reports_exactly(&r, count, sets, sizes, 2);
	reported_free(&r);

	/* No report function: the count alone. */
	assert_int_equal(engine_check(e, NULL, NULL), N_STATIC + N_RUN);
	engine_free(e);
}

static void test_clean_rule_base_reports_none(void **state)
{
	(void)state;
	engine *e = load(FIX("mini"));
	struct reported r = { 0 };
	assert_int_equal(engine_check(e, collect, &r), 0);
	assert_int_equal(r.n, 0);
	run_defect_answers(e);
	assert_non_null(engine_finding_find(e, "back_flag"));
	assert_non_null(engine_finding_find(e, "tall"));
	assert_int_equal(engine_check(e, collect, &r), 0);
	for (size_t i = 0; i < r.n && i < 64; i++)
		print_message("reported: %s\n", r.msg[i]);
	assert_int_equal(r.n, 0);
	reported_free(&r);
	engine_free(e);
}

/* tests/unit/fixtures/check-citations: a rule base with a bibliography and
 * one of each defect in citations, giving way, red-flag evidence and
 * user-facing text. */
static const char *const citation_defects[] = {
	"question 'seeded_question': the why names the specification or a seed file",
	"finding 'citeless_finding' cites no citation",
	"finding 'ghostcite_finding' cites undefined citation 'ghost_citation'",
	"finding 'spec_worded_finding': the patient text names the specification or a seed file",
	"finding 'ghostyield_finding' gives way to undefined finding 'ghost_yield_target'",
	"finding 'selfyield_finding' gives way to itself",
	"finding 'circle_a_finding' gives way in a circle",
	"finding 'circle_b_finding' gives way in a circle",
	"recommendation 'citeless_recommendation' cites no citation",
	"citation 'untitled_cite' has no title",
	"citation 'twice_cite' is defined twice",
	"citation 'uncited_cite' is cited by no finding or recommendation",
	"rule 'red-flag-argued-away' gives red flag 'back_flag' negative evidence",
};

static const char *const citation_run_defects[] = {
	"red flag 'back_flag' takes negative evidence",
};

static void test_each_citation_defect_reported(void **state)
{
	(void)state;
	engine *e = load(FIX("check-citations"));
	struct reported r = { 0 };
	size_t count = engine_check(e, collect, &r);
	const char *const *sets[] = { citation_defects, citation_run_defects };
	const size_t sizes[] = {
		sizeof(citation_defects) / sizeof(*citation_defects),
		sizeof(citation_run_defects) / sizeof(*citation_run_defects),
	};
	assert_reports_exactly(&r, count, sets, sizes, 1);
	reported_free(&r);

	/* The negative evidence reaches the engine, which refuses it: the red
	 * flag keeps its full confidence, and the check says so. */
	assert_int_equal(engine_answer_set_text(e, "low_back_pain", "yes"), 0);
	assert_int_equal(engine_answer_set_text(e, "numb", "yes"), 0);
	assert_int_equal(engine_answer_set_text(e, "seeded_question", "no"), 0);
	assert_int_equal(engine_run(e), 0);
	const struct engine_finding *f = engine_finding_find(e, "back_flag");
	assert_non_null(f);
	assert_true(f->confidence > 0.899 && f->confidence < 0.901);
	count = engine_check(e, collect, &r);
	assert_reports_exactly(&r, count, sets, sizes, 2);
	reported_free(&r);
	engine_free(e);
}

static const char *const section_defects[] = {
	"question 'homeless_question' names section 'nowhere', which has no section-def",
	"question 'straying_question' is also in section 'elsewhere', which has no section-def",
};

static void test_each_section_defect_reported(void **state)
{
	(void)state;
	engine *e = load(FIX("check-sections"));
	struct reported r = { 0 };
	size_t count = engine_check(e, collect, &r);
	const char *const *sets[] = { section_defects };
	const size_t sizes[] = { sizeof(section_defects) / sizeof(*section_defects) };
	assert_reports_exactly(&r, count, sets, sizes, 1);
	reported_free(&r);
	engine_free(e);

	/* The same rule base without the defects reports nothing. */
	e = load(FIX("sections"));
	assert_int_equal(engine_check(e, collect, &r), 0);
	reported_free(&r);
	engine_free(e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_each_static_defect_reported),
		cmocka_unit_test(test_each_run_defect_reported),
		cmocka_unit_test(test_clean_rule_base_reports_none),
		cmocka_unit_test(test_each_citation_defect_reported),
		cmocka_unit_test(test_each_section_defect_reported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
