/*
 * cases.c — run the data-driven clinical cases of tests/cases/ (format in
 * tests/cases/README.md) against an engine.
 *
 * Used by the case runner (CTest label "cases") and by `rules check`, which
 * runs every case with rule coverage on.
 */
#include "cli/cases.h"
#include "cli/result.h"
#include "cli/term.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void fail(struct cli_case_ctx *c, const char *name, const char *fmt,
		 const char *a, const char *b)
{
	if (c->out) {
		/* Names and values come from case files: shown escaped. */
		char msg[1024];
		snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
		fputs("FAIL ", c->out);
		term_put_untrusted(c->out, name);
		fputs(": ", c->out);
		term_put_untrusted(c->out, msg);
		fputc('\n', c->out);
	}
	c->failures++;
}

static int apply(struct cli_case_ctx *c, engine *e, const char *name,
		 json_t *answers, const char *mode)
{
	char err[512];
	if (!json_is_object(answers)) {
		fail(c, name, "answers must be an object%s%s", NULL, NULL);
		return -1;
	}
	engine_answers_clear(e);
	engine_mode_set(e, mode && strcmp(mode, "kiosk") == 0
				   ? ENGINE_MODE_KIOSK : ENGINE_MODE_CLINICIAN);
	if (cli_answers_apply(e, answers, err, sizeof(err)) != 0) {
		fail(c, name, "bad answers: %s%s", err, NULL);
		return -1;
	}
	if (engine_run(e) != 0) {
		fail(c, name, "run failed: %s%s", engine_errmsg(e), NULL);
		return -1;
	}
	if (c->after_run)
		c->after_run(e, c->hook_ctx);
	return 0;
}

static void check_expect(struct cli_case_ctx *c, engine *e, const char *name,
			 json_t *expect)
{
	json_t *v;
	size_t i;
	const char *key;

	if ((v = json_object_get(expect, "level")) &&
	    strcmp(engine_level(e)->id, json_string_value(v) ? json_string_value(v) : "") != 0)
		fail(c, name, "level is %s, expected %s", engine_level(e)->id,
		     json_string_value(v));

	json_t *item;
	json_array_foreach(json_object_get(expect, "findings"), i, item)
		if (!engine_finding_find(e, json_string_value(item)))
			fail(c, name, "finding %s missing%s",
			     json_string_value(item), NULL);
	json_array_foreach(json_object_get(expect, "absent"), i, item)
		if (engine_finding_find(e, json_string_value(item)))
			fail(c, name, "finding %s present but must not be%s",
			     json_string_value(item), NULL);

	json_t *recs = json_object_get(expect, "recommendations");
	json_t *norecs = json_object_get(expect, "absent_recommendations");
	json_array_foreach(recs, i, item) {
		bool found = false;
		for (size_t j = 0; j < engine_recommendation_count(e); j++)
			found |= strcmp(engine_recommendation_at(e, j)->id,
					json_string_value(item)) == 0;
		if (!found)
			fail(c, name, "recommendation %s missing%s",
			     json_string_value(item), NULL);
	}
	json_array_foreach(norecs, i, item)
		for (size_t j = 0; j < engine_recommendation_count(e); j++)
			if (strcmp(engine_recommendation_at(e, j)->id,
				   json_string_value(item)) == 0)
				fail(c, name, "recommendation %s present but "
				     "must not be%s", json_string_value(item), NULL);

	if ((v = json_object_get(expect, "complete")) &&
	    json_is_true(v) != engine_is_complete(e))
		fail(c, name, "complete is %s, expected %s",
		     engine_is_complete(e) ? "true" : "false",
		     json_is_true(v) ? "true" : "false");

	if ((v = json_object_get(expect, "next_question"))) {
		const struct engine_question *q = engine_next_question(e);
		const char *got = q ? q->id : "null";
		const char *want = json_is_null(v) ? "null" : json_string_value(v);
		if (!want || strcmp(got, want) != 0)
			fail(c, name, "next question is %s, expected %s", got,
			     want ? want : "(not a string)");
	}

	json_t *range;
	json_object_foreach(json_object_get(expect, "confidence"), key, range) {
		const struct engine_finding *f = engine_finding_find(e, key);
		if (!f) {
			fail(c, name, "finding %s missing (confidence expected)%s",
			     key, NULL);
			continue;
		}
		json_t *lo = json_object_get(range, "min");
		json_t *hi = json_object_get(range, "max");
		char got[32];
		snprintf(got, sizeof(got), "%.3f", f->confidence);
		if (lo && f->confidence < json_number_value(lo))
			fail(c, name, "confidence of %s is %s, below its minimum",
			     key, got);
		if (hi && f->confidence > json_number_value(hi))
			fail(c, name, "confidence of %s is %s, above its maximum",
			     key, got);
	}

	json_t *ids;
	json_object_foreach(json_object_get(expect, "because"), key, ids) {
		const struct engine_finding *f = engine_finding_find(e, key);
		json_array_foreach(ids, i, item) {
			bool found = false;
			for (size_t j = 0; f && j < f->n_because; j++)
				found |= strcmp(f->because[j],
						json_string_value(item)) == 0;
			if (!found)
				fail(c, name, "%s does not rest on %s", key,
				     json_string_value(item));
		}
	}
}

static void run_order_case(struct cli_case_ctx *c, engine *e, const char *name,
			   json_t *root)
{
	const char *finding = json_string_value(json_object_get(root, "finding"));
	const char *mode = json_string_value(json_object_get(root, "mode"));
	if (!finding) {
		fail(c, name, "an order case needs 'finding'%s%s", NULL, NULL);
		return;
	}
	double conf[2] = { -1, -1 };
	const char *sides[2] = { "weaker", "stronger" };
	for (int k = 0; k < 2; k++) {
		if (apply(c, e, name, json_object_get(root, sides[k]), mode) != 0)
			return;
		const struct engine_finding *f = engine_finding_find(e, finding);
		if (!f) {
			fail(c, name, "finding %s missing in the %s case",
			     finding, sides[k]);
			return;
		}
		conf[k] = f->confidence;
	}
	if (!(conf[1] > conf[0])) {
		char a[32], b[32];
		snprintf(a, sizeof(a), "%.3f", conf[1]);
		snprintf(b, sizeof(b), "%.3f", conf[0]);
		fail(c, name, "stronger confidence %s is not above weaker %s",
		     a, b);
	}
}

int cli_case_run(struct cli_case_ctx *c, engine *e, const char *path)
{
	const char *name = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	size_t before = c->failures;
	json_error_t jerr;
	char why[256] = "";
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!root)
		cli_json_error(&jerr, why, sizeof(why));
	if (!root || !json_is_object(root)) {
		fail(c, name, "not a JSON object%s%s", *why ? ": " : "", why);
		json_decref(root);
		return -1;
	}
	c->cases++;
	if (json_object_get(root, "stronger")) {
		run_order_case(c, e, name, root);
	} else if (apply(c, e, name, json_object_get(root, "answers"),
			 json_string_value(json_object_get(root, "mode"))) == 0) {
		check_expect(c, e, name, json_object_get(root, "expect"));
	}
	json_decref(root);
	return c->failures == before ? 0 : 1;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int cli_cases_run_dir(struct cli_case_ctx *c, engine *e, const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			char **p = realloc(names, cap * sizeof(*names));
			if (!p)
				break;
			names = p;
		}
		names[n++] = strdup(de->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_str);
	int rv = 0;
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if (cli_case_run(c, e, path) != 0)
			rv = 1;
		free(names[i]);
	}
	free(names);
	return rv;
}
