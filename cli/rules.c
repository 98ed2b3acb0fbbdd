/*
 * rules.c — `msktriage rules check|list`.
 *
 * check: the engine's consistency checks, then (with --cases DIR) every
 * case run with rule coverage on: every rule must fire, every question must
 * become relevant, every finding and recommendation must be raised at least
 * once, and every case must pass. Exit 0 clean, 1 problems found.
 *
 * list: questions, findings and recommendations with their sources, and
 * the bibliography they cite.
 *
 * export-questionnaire: the question bank as a FHIR R4 Questionnaire
 * (report_fhir.c).
 */
#include "cli/cases.h"
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/store.h"
#include "engine/engine.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char rules_usage[] =
	"usage: msktriage rules check [--cases DIR]\n"
	"       msktriage rules list [--format text|json]\n"
	"       msktriage rules export-questionnaire\n"
	"\n"
	"  check   consistency of the rule base; with --cases DIR, also runs\n"
	"          every case and requires every rule to fire, every question\n"
	"          to be reachable and every finding and recommendation to be\n"
	"          raised (exit 1 when anything is wrong)\n"
	"  list    questions, findings and recommendations with their sources\n"
	"  export-questionnaire\n"
	"          the question bank as a FHIR R4 Questionnaire (docs/fhir.md)\n";

struct reach {
	bool *question;    /* by catalogue index */
	bool *finding;
	bool *recommendation;
};

static void print_problem(void *ctx, const char *msg)
{
	(void)ctx;
	printf("problem: %s\n", msg);
}

static void note_reach(engine *e, void *ctx)
{
	struct reach *r = ctx;
	for (size_t i = 0; i < engine_question_count(e); i++)
		if (engine_question_is_relevant(e, engine_question_at(e, i)->id))
			r->question[i] = true;
	for (size_t i = 0; i < engine_finding_def_count(e); i++)
		if (engine_finding_find(e, engine_finding_def_at(e, i)->id))
			r->finding[i] = true;
	for (size_t i = 0; i < engine_recommendation_count(e); i++) {
		const char *id = engine_recommendation_at(e, i)->id;
		for (size_t j = 0; j < engine_recommendation_def_count(e); j++)
			if (strcmp(engine_recommendation_def_at(e, j)->id, id) == 0)
				r->recommendation[j] = true;
	}
}

static int rules_check(engine *e, const char *cases_dir)
{
	size_t problems = 0;
	struct reach r = { 0 };
	struct cli_case_ctx c = { .out = stdout, .after_run = note_reach,
				  .hook_ctx = &r };
	if (cases_dir) {
		r.question = calloc(engine_question_count(e) + 1, sizeof(bool));
		r.finding = calloc(engine_finding_def_count(e) + 1, sizeof(bool));
		r.recommendation = calloc(engine_recommendation_def_count(e) + 1,
					  sizeof(bool));
		if (!r.question || !r.finding || !r.recommendation) {
			fprintf(stderr, "msktriage: out of memory\n");
			problems = 1;
			goto out_free;
		}
		engine_coverage_enable(e);
		if (cli_cases_run_dir(&c, e, cases_dir) < 0) {
			fprintf(stderr, "msktriage: cannot open cases directory "
				"'%s'\n", cases_dir);
			problems = 1;
			goto out_free;
		}
		problems += c.failures;
	}

	/* After the cases: their runs also reveal rule-base defects. */
	problems += engine_check(e, print_problem, NULL);

	if (cases_dir) {
		size_t fired = 0, n = engine_rule_count(e);
		for (size_t i = 0; i < n; i++) {
			if (engine_rule_fired(e, i))
				fired++;
			else
				printf("problem: rule '%s' fires in no case\n",
				       engine_rule_name(e, i));
		}
		problems += n - fired;
		for (size_t i = 0; i < engine_question_count(e); i++)
			if (!r.question[i]) {
				printf("problem: question '%s' is never reached "
				       "in the cases\n", engine_question_at(e, i)->id);
				problems++;
			}
		for (size_t i = 0; i < engine_finding_def_count(e); i++)
			if (!r.finding[i]) {
				printf("problem: finding '%s' is raised by no "
				       "case\n", engine_finding_def_at(e, i)->id);
				problems++;
			}
		for (size_t i = 0; i < engine_recommendation_def_count(e); i++)
			if (!r.recommendation[i]) {
				printf("problem: recommendation '%s' is given "
				       "in no case\n",
				       engine_recommendation_def_at(e, i)->id);
				problems++;
			}
		printf("cases: %zu run, %zu failed expectations\n", c.cases,
		       c.failures);
		printf("rule coverage: %zu of %zu rules fired (%.1f%%)\n", fired,
		       n, n ? 100.0 * (double)fired / (double)n : 100.0);
	}
	printf("rule base %s (sha256 %s): %zu questions, %zu findings, "
	       "%zu recommendations, %zu rules\n",
	       engine_rulebase_version(e), engine_rulebase_sha256(e),
	       engine_question_count(e), engine_finding_def_count(e),
	       engine_recommendation_def_count(e), engine_rule_count(e));
	printf("%s\n", problems ? "check FAILED" : "check passed");
out_free:
	free(r.question);
	free(r.finding);
	free(r.recommendation);
	return problems ? 1 : 0;
}

static json_t *strings(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

static json_t *catalogue_json(const engine *e)
{
	json_t *qs = json_array(), *fs = json_array(), *rs = json_array(),
	       *ls = json_array();
	for (size_t i = 0; i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:o}",
				      "id", q->id, "type", engine_type_name(q->type),
				      "section", q->section, "audience",
				      q->clinician_only ? "clinician" : "all",
				      "red_flag", q->red_flag,
				      "clinician_text", q->clinician_text,
				      "patient_text", q->patient_text,
				      "informs", strings(q->informs, q->n_informs));
		if (q->type == ENGINE_TYPE_CHOICE)
			json_object_set_new(j, "choices",
					    strings(q->choices, q->n_choices));
		else if (q->type != ENGINE_TYPE_YESNO) {
			json_object_set_new(j, "min", json_real(q->min));
			json_object_set_new(j, "max", json_real(q->max));
		}
		json_array_append_new(qs, j);
	}
	for (size_t i = 0; i < engine_finding_def_count(e); i++) {
		const struct engine_finding *f = engine_finding_def_at(e, i);
		json_array_append_new(fs, json_pack("{s:s, s:s, s:s, s:s, s:s}",
			"id", f->id, "kind", f->kind, "level", f->level,
			"title", f->title, "source", f->source));
	}
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++) {
		const struct engine_recommendation *r =
			engine_recommendation_def_at(e, i);
		json_array_append_new(rs, json_pack("{s:s, s:s, s:s}", "id", r->id,
			"title", r->title, "source", r->source));
	}
	for (size_t i = 0; i < engine_level_count(e); i++) {
		const struct engine_level *l = engine_level_at(e, i);
		json_array_append_new(ls, json_pack("{s:s, s:i, s:s}", "id", l->id,
			"rank", l->rank, "meaning", l->clinician_text));
	}
	json_t *cs = json_array();
	for (size_t i = 0; cs && i < engine_citation_count(e); i++) {
		const struct engine_citation *c = engine_citation_at(e, i);
		json_array_append_new(cs, json_pack("{s:s, s:s, s:s}", "id", c->id,
			"kind", c->kind, "text", c->text));
	}
	return json_pack("{s:{s:s, s:s}, s:o, s:o, s:o, s:o, s:o}", "rulebase",
			 "version", engine_rulebase_version(e), "sha256",
			 engine_rulebase_sha256(e), "levels", ls, "questions", qs,
			 "findings", fs, "recommendations", rs, "citations", cs);
}

static void rules_list_text(const engine *e)
{
	printf("Rule base %s (sha256 %s)\n\n", engine_rulebase_version(e),
	       engine_rulebase_sha256(e));
	printf("Levels (most urgent first):\n");
	for (size_t i = 0; i < engine_level_count(e); i++) {
		const struct engine_level *l = engine_level_at(e, i);
		printf("  %-22s %s\n", l->id, l->clinician_text);
	}
	printf("\nQuestions (%zu, in the order they may be asked):\n",
	       engine_question_count(e));
	for (size_t i = 0; i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		printf("  %-34s %-8s %-10s%s%s\n", q->id, engine_type_name(q->type),
		       q->section, q->red_flag ? " red-flag" : "",
		       q->clinician_only ? " clinician-only" : "");
	}
	printf("\nFindings (%zu):\n", engine_finding_def_count(e));
	for (size_t i = 0; i < engine_finding_def_count(e); i++) {
		const struct engine_finding *f = engine_finding_def_at(e, i);
		printf("  %-34s %-12s %-20s\n      source: %s\n", f->id, f->kind,
		       f->level, f->source);
	}
	printf("\nRecommendations (%zu):\n", engine_recommendation_def_count(e));
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++) {
		const struct engine_recommendation *r =
			engine_recommendation_def_at(e, i);
		printf("  %-34s\n      source: %s\n", r->id, r->source);
	}
	if (engine_citation_count(e) == 0)
		return;
	printf("\nCitations (%zu):\n", engine_citation_count(e));
	for (size_t i = 0; i < engine_citation_count(e); i++) {
		const struct engine_citation *c = engine_citation_at(e, i);
		printf("  %-34s %s\n", c->id, c->text);
	}
}

int cli_rules(int argc, char **argv, const struct cli_options *opt)
{
	const char *sub = argc > 1 ? argv[1] : NULL;
	const char *cases_dir = NULL;
	const char *format = "text";
	if (!sub || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
		fputs(rules_usage, sub ? stdout : stderr);
		return sub ? 0 : 2;
	}
	if (strcmp(sub, "check") != 0 && strcmp(sub, "list") != 0 &&
	    strcmp(sub, "export-questionnaire") != 0) {
		fprintf(stderr, "msktriage: unknown rules command '%.32s'\n%s",
			sub, rules_usage);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(rules_usage, stdout);
			return 0;
		} else if (strcmp(sub, "check") == 0 && i + 1 < argc &&
			   strcmp(argv[i], "--cases") == 0) {
			cases_dir = argv[++i];
		} else if (strcmp(sub, "list") == 0 && i + 1 < argc &&
			   strcmp(argv[i], "--format") == 0) {
			format = argv[++i];
			if (strcmp(format, "text") && strcmp(format, "json")) {
				fprintf(stderr, "msktriage: '--format' must be "
					"one of text, json\n");
				return 2;
			}
		} else {
			fprintf(stderr, "msktriage: unknown or incomplete option "
				"'%s' for rules %s\n%s", argv[i], sub, rules_usage);
			return 2;
		}
	}

	engine *e = cli_engine_open(opt);
	if (!e)
		return 1;
	int status = 0;
	if (strcmp(sub, "check") == 0) {
		status = rules_check(e, cases_dir);
	} else if (strcmp(sub, "export-questionnaire") == 0) {
		json_t *q = report_fhir_questionnaire(e);
		if (!q || json_dumpf(q, stdout, JSON_INDENT(2)) != 0 ||
		    putchar('\n') == EOF || fflush(stdout) != 0) {
			fprintf(stderr, "msktriage: cannot write the "
				"questionnaire\n");
			status = 1;
		}
		json_decref(q);
	} else if (strcmp(format, "json") == 0) {
		json_t *j = catalogue_json(e);
		json_dumpf(j, stdout, JSON_INDENT(2));
		putchar('\n');
		json_decref(j);
	} else {
		rules_list_text(e);
	}
	engine_free(e);
	return status;
}
