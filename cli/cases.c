/*
 * cases.c — run the data-driven clinical cases of tests/cases/ (format in
 * tests/cases/README.md) against an engine.
 *
 * Used by the case runner (CTest label "cases") and by `rules check`, which
 * runs every case with rule coverage on.
 *
 * A case is checked for its shape before anything runs: every case states
 * its level (exactly, or as a minimum), and a key, level, finding,
 * recommendation or question id the runner or the rule base does not know
 * fails the case, naming the file and what is wrong, instead of silently
 * checking nothing.
 */
#include "cli/cases.h"
#include "cli/result.h"
#include "cli/term.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void fail(struct cli_case_ctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct cli_case_ctx *c, const char *name, const char *fmt, ...)
{
	if (c->out) {
		/* Names and values come from case files: shown escaped. */
		char msg[1024];
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg, sizeof(msg), fmt, ap);
		va_end(ap);
		fputs("FAIL ", c->out);
		term_put_untrusted(c->out, name);
		fputs(": ", c->out);
		term_put_untrusted(c->out, msg);
		fputc('\n', c->out);
	}
	c->failures++;
}

/* ------------------------------------------------------ the file's shape */

static const char *const single_keys[] = {
	"description", "mode", "answers", "expect", NULL,
};
static const char *const order_keys[] = {
	"description", "mode", "stronger", "weaker", "finding", "level",
	"min_level", NULL,
};
static const char *const expect_keys[] = {
	"level", "min_level", "findings", "absent", "recommendations",
	"absent_recommendations", "complete", "red_flags_screened",
	"next_question", "confidence", "because", "against", "relevant",
	"not_relevant", NULL,
};

static bool listed(const char *const *list, const char *key)
{
	for (size_t i = 0; list[i]; i++)
		if (strcmp(list[i], key) == 0)
			return true;
	return false;
}

static void list_join(const char *const *list, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; list[i] && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s",
					 i ? ", " : "", list[i]);
}

/* Every key of obj must be in allowed; where names the object. */
static bool known_keys(struct cli_case_ctx *c, const char *name, json_t *obj,
		       const char *const *allowed, const char *where)
{
	bool ok = true;
	const char *key;
	json_t *v;
	char all[256];
	list_join(allowed, all, sizeof(all));
	json_object_foreach(obj, key, v) {
		if (!listed(allowed, key)) {
			fail(c, name, "unknown key '%.64s' %s (allowed: %s)", key,
			     where, all);
			ok = false;
		}
	}
	return ok;
}

/* An array of ids, each of which must pass exists(). */
static bool id_list(struct cli_case_ctx *c, engine *e, const char *name,
		    json_t *expect, const char *key,
		    bool (*exists)(engine *, const char *), const char *what)
{
	json_t *arr = json_object_get(expect, key);
	size_t i;
	json_t *item;
	if (!arr)
		return true;
	if (!json_is_array(arr)) {
		fail(c, name, "'%s' in 'expect' must be an array of %s ids", key,
		     what);
		return false;
	}
	bool ok = true;
	json_array_foreach(arr, i, item) {
		if (!json_is_string(item)) {
			fail(c, name, "'%s' in 'expect' must be an array of %s ids",
			     key, what);
			ok = false;
		} else if (!exists(e, json_string_value(item))) {
			fail(c, name, "'%s' in 'expect' names unknown %s '%.64s'",
			     key, what, json_string_value(item));
			ok = false;
		}
	}
	return ok;
}

static bool finding_exists(engine *e, const char *id)
{
	return engine_finding_def_find(e, id) != NULL;
}

static bool recommendation_exists(engine *e, const char *id)
{
	for (size_t i = 0; i < engine_recommendation_def_count(e); i++)
		if (strcmp(engine_recommendation_def_at(e, i)->id, id) == 0)
			return true;
	return false;
}

static bool question_exists(engine *e, const char *id)
{
	return engine_question_find(e, id) != NULL;
}

/*
 * The level a case demands: exactly one of "level" (exactly this level) and
 * "min_level" (this level or a more urgent one) in obj, naming a level of
 * the rule base. Sets *want and *at_least; false (and a failure) otherwise.
 */
static bool level_expectation(struct cli_case_ctx *c, engine *e,
			      const char *name, json_t *obj, const char *where,
			      const struct engine_level **want, bool *at_least)
{
	json_t *exact = json_object_get(obj, "level");
	json_t *min = json_object_get(obj, "min_level");
	if (!exact && !min) {
		fail(c, name, "no 'level' or 'min_level' %s: every case states "
		     "the level it demands", where);
		return false;
	}
	if (exact && min) {
		fail(c, name, "both 'level' and 'min_level' %s: give one", where);
		return false;
	}
	json_t *v = exact ? exact : min;
	const char *key = exact ? "level" : "min_level";
	*want = json_is_string(v) ? engine_level_find(e, json_string_value(v))
				  : NULL;
	*at_least = min != NULL;
	if (!*want) {
		char all[256] = "";
		size_t used = 0;
		for (size_t i = 0; i < engine_level_count(e) && used < sizeof(all); i++)
			used += (size_t)snprintf(all + used, sizeof(all) - used,
						 "%s%s", i ? ", " : "",
						 engine_level_at(e, i)->id);
		fail(c, name, "'%s' %s must be one of %s", key, where, all);
		return false;
	}
	/* At least the least urgent level: true of every result. */
	if (*at_least &&
	    (*want)->rank >= engine_level_at(e, engine_level_count(e) - 1)->rank) {
		fail(c, name, "'min_level' %s is %s, which every result meets: "
		     "give 'level'", where, (*want)->id);
		return false;
	}
	return true;
}

static void check_level(struct cli_case_ctx *c, engine *e, const char *name,
			const struct engine_level *want, bool at_least,
			const char *side)
{
	const struct engine_level *got = engine_level(e);
	if (at_least ? got->rank > want->rank : got->rank != want->rank)
		fail(c, name, "level%s%s is %s, expected %s%s", side ? " of " : "",
		     side ? side : "", got->id, at_least ? "at least " : "",
		     want->id);
}

/* "because" or "against": finding id -> non-empty array of the question or
 * finding ids it must rest on (or be argued against by). */
static bool ids_by_finding_valid(struct cli_case_ctx *c, engine *e,
				 const char *name, json_t *expect,
				 const char *rkey)
{
	bool ok = true;
	const char *key;
	json_t *item;
	json_t *v = json_object_get(expect, rkey);
	if (v && !json_is_object(v)) {
		fail(c, name, "'%s' in 'expect' must be an object of finding ids",
		     rkey);
		return false;
	}
	json_object_foreach(json_is_object(v) ? v : NULL, key, item) {
		size_t i;
		json_t *id;
		if (!finding_exists(e, key)) {
			fail(c, name, "'%s' in 'expect' names unknown finding "
			     "'%.64s'", rkey, key);
			ok = false;
			continue;
		}
		if (!json_is_array(item) || json_array_size(item) == 0) {
			fail(c, name, "'%s' of '%s' must be a non-empty array of "
			     "ids", rkey, key);
			ok = false;
			continue;
		}
		json_array_foreach(item, i, id)
			if (!json_is_string(id) ||
			    (!question_exists(e, json_string_value(id)) &&
			     !finding_exists(e, json_string_value(id)))) {
				fail(c, name, "'%s' of '%s' names something that "
				     "is neither a question nor a finding", rkey,
				     key);
				ok = false;
			}
	}
	return ok;
}

/* The shape of "expect", checked before anything runs. */
static bool expect_valid(struct cli_case_ctx *c, engine *e, const char *name,
			 json_t *expect)
{
	if (!json_is_object(expect)) {
		fail(c, name, "'expect' must be an object");
		return false;
	}
	const struct engine_level *want;
	bool at_least;
	bool ok = known_keys(c, name, expect, expect_keys, "in 'expect'");
	ok &= level_expectation(c, e, name, expect, "in 'expect'", &want,
				&at_least);
	ok &= id_list(c, e, name, expect, "findings", finding_exists, "finding");
	ok &= id_list(c, e, name, expect, "absent", finding_exists, "finding");
	ok &= id_list(c, e, name, expect, "recommendations",
		      recommendation_exists, "recommendation");
	ok &= id_list(c, e, name, expect, "absent_recommendations",
		      recommendation_exists, "recommendation");
	ok &= id_list(c, e, name, expect, "relevant", question_exists,
		      "question");
	ok &= id_list(c, e, name, expect, "not_relevant", question_exists,
		      "question");

	static const char *const flags[] = { "complete", "red_flags_screened",
					      NULL };
	json_t *v;
	for (size_t k = 0; flags[k]; k++) {
		v = json_object_get(expect, flags[k]);
		if (v && !json_is_boolean(v)) {
			fail(c, name, "'%s' in 'expect' must be true or false",
			     flags[k]);
			ok = false;
		}
	}
	v = json_object_get(expect, "next_question");
	if (v && !json_is_null(v) &&
	    !(json_is_string(v) && question_exists(e, json_string_value(v)))) {
		fail(c, name, "'next_question' in 'expect' must be null or a "
		     "question id");
		ok = false;
	}

	const char *key;
	json_t *item;
	v = json_object_get(expect, "confidence");
	if (v && !json_is_object(v)) {
		fail(c, name, "'confidence' in 'expect' must be an object of "
		     "finding ids");
		ok = false;
	}
	json_object_foreach(json_is_object(v) ? v : NULL, key, item) {
		static const char *const range_keys[] = { "min", "max", NULL };
		json_t *lo = json_object_get(item, "min");
		json_t *hi = json_object_get(item, "max");
		if (!finding_exists(e, key)) {
			fail(c, name, "'confidence' in 'expect' names unknown "
			     "finding '%.64s'", key);
			ok = false;
		} else if (!json_is_object(item) || (!lo && !hi) ||
			   (lo && !json_is_number(lo)) ||
			   (hi && !json_is_number(hi))) {
			fail(c, name, "'confidence' of '%s' must be an object "
			     "with a number 'min', 'max' or both", key);
			ok = false;
		} else {
			ok &= known_keys(c, name, item, range_keys,
					 "in a 'confidence' range");
		}
	}

	static const char *const rests_on[] = { "because", "against", NULL };
	for (size_t k = 0; rests_on[k]; k++)
		ok &= ids_by_finding_valid(c, e, name, expect, rests_on[k]);
	return ok;
}

static bool mode_valid(struct cli_case_ctx *c, const char *name, json_t *root)
{
	json_t *m = json_object_get(root, "mode");
	if (m && !(json_is_string(m) &&
		   (strcmp(json_string_value(m), "clinician") == 0 ||
		    strcmp(json_string_value(m), "kiosk") == 0))) {
		fail(c, name, "'mode' must be clinician or kiosk");
		return false;
	}
	return true;
}

static int apply(struct cli_case_ctx *c, engine *e, const char *name,
		 json_t *answers, const char *mode)
{
	char err[512];
	if (!json_is_object(answers)) {
		fail(c, name, "answers must be an object");
		return -1;
	}
	engine_answers_clear(e);
	engine_mode_set(e, mode && strcmp(mode, "kiosk") == 0
				   ? ENGINE_MODE_KIOSK : ENGINE_MODE_CLINICIAN);
	if (cli_answers_apply(e, answers, err, sizeof(err)) != 0) {
		fail(c, name, "bad answers: %s", err);
		return -1;
	}
	if (engine_run(e) != 0) {
		fail(c, name, "run failed: %s", engine_errmsg(e));
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

	const struct engine_level *want;
	bool at_least;
	if (level_expectation(c, e, name, expect, "in 'expect'", &want, &at_least))
		check_level(c, e, name, want, at_least, NULL);

	json_t *item;
	json_array_foreach(json_object_get(expect, "findings"), i, item)
		if (!engine_finding_find(e, json_string_value(item)))
			fail(c, name, "finding %s missing",
			     json_string_value(item));
	json_array_foreach(json_object_get(expect, "absent"), i, item)
		if (engine_finding_find(e, json_string_value(item)))
			fail(c, name, "finding %s present but must not be",
			     json_string_value(item));

	json_array_foreach(json_object_get(expect, "relevant"), i, item)
		if (!engine_question_is_relevant(e, json_string_value(item)))
			fail(c, name, "question %s not relevant but must be",
			     json_string_value(item));
	json_array_foreach(json_object_get(expect, "not_relevant"), i, item)
		if (engine_question_is_relevant(e, json_string_value(item)))
			fail(c, name, "question %s relevant but must not be",
			     json_string_value(item));

	json_t *recs = json_object_get(expect, "recommendations");
	json_t *norecs = json_object_get(expect, "absent_recommendations");
	json_array_foreach(recs, i, item) {
		bool found = false;
		for (size_t j = 0; j < engine_recommendation_count(e); j++)
			found |= strcmp(engine_recommendation_at(e, j)->id,
					json_string_value(item)) == 0;
		if (!found)
			fail(c, name, "recommendation %s missing",
			     json_string_value(item));
	}
	json_array_foreach(norecs, i, item)
		for (size_t j = 0; j < engine_recommendation_count(e); j++)
			if (strcmp(engine_recommendation_at(e, j)->id,
				   json_string_value(item)) == 0)
				fail(c, name, "recommendation %s present but "
				     "must not be", json_string_value(item));

	if ((v = json_object_get(expect, "complete")) &&
	    json_is_true(v) != engine_is_complete(e))
		fail(c, name, "complete is %s, expected %s",
		     engine_is_complete(e) ? "true" : "false",
		     json_is_true(v) ? "true" : "false");

	if ((v = json_object_get(expect, "red_flags_screened")) &&
	    json_is_true(v) != engine_red_flags_screened(e))
		fail(c, name, "red_flags_screened is %s, expected %s",
		     engine_red_flags_screened(e) ? "true" : "false",
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
			fail(c, name, "finding %s missing (confidence expected)",
			     key);
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
	json_object_foreach(json_object_get(expect, "against"), key, ids) {
		const struct engine_finding *f = engine_finding_find(e, key);
		json_array_foreach(ids, i, item) {
			bool found = false;
			for (size_t j = 0; f && j < f->n_against; j++)
				found |= strcmp(f->against[j],
						json_string_value(item)) == 0;
			if (!found)
				fail(c, name, "%s is not argued against by %s%s",
				     key, json_string_value(item),
				     f ? "" : " (the finding is not reported)");
		}
	}
}

static void run_order_case(struct cli_case_ctx *c, engine *e, const char *name,
			   json_t *root)
{
	const char *finding = json_string_value(json_object_get(root, "finding"));
	const char *mode = json_string_value(json_object_get(root, "mode"));
	const struct engine_level *want;
	bool at_least;
	bool ok = level_expectation(c, e, name, root, "in an order case",
				    &want, &at_least);
	if (!finding) {
		fail(c, name, "an order case needs 'finding'");
		ok = false;
	} else if (!finding_exists(e, finding)) {
		fail(c, name, "'finding' names unknown finding '%.64s'", finding);
		ok = false;
	}
	if (!json_object_get(root, "weaker")) {
		fail(c, name, "an order case needs 'weaker' beside 'stronger'");
		ok = false;
	}
	if (!ok)
		return;
	double conf[2] = { -1, -1 };
	const char *sides[2] = { "weaker", "stronger" };
	for (int k = 0; k < 2; k++) {
		if (apply(c, e, name, json_object_get(root, sides[k]), mode) != 0)
			return;
		check_level(c, e, name, want, at_least, sides[k]);
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
	bool order = json_object_get(root, "stronger") ||
		     json_object_get(root, "weaker");
	bool ok = known_keys(c, name, root, order ? order_keys : single_keys,
			     order ? "in an order case" : "at the top level");
	ok &= mode_valid(c, name, root);
	if (order) {
		if (ok)
			run_order_case(c, e, name, root);
	} else if (!json_object_get(root, "expect")) {
		fail(c, name, "no 'expect': every case states the level it "
		     "demands");
	} else if (expect_valid(c, e, name, json_object_get(root, "expect")) &&
		   ok &&
		   apply(c, e, name, json_object_get(root, "answers"),
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
