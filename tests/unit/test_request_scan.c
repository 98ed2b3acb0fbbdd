/*
 * test_request_scan.c — the batch's fast request scanner
 * (cli_request_scan) against jansson (cli_request_parse): whenever the
 * scanner accepts a text, jansson must accept it too and read the same
 * answers in the same order, the same id and mode; applying either gives
 * the same result line. Inputs: generated requests in varied layouts, and
 * those mutated (bytes replaced, inserted, removed; members repeated;
 * cut short) so that escapes, nesting, duplicates, literals, exponents
 * and plain errors all occur. Anything the scanner declines goes to
 * jansson, whose behaviour (and messages) the e2e tests pin.
 */
#include "cli/render.h"
#include "cli/result.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define MAX_ID 128

static engine *load(void)
{
	char *msg = NULL;
	engine *e = engine_new(RULES_DIR, &msg);
	if (!e)
		fprintf(stderr, "%s\n", msg ? msg : "cannot load");
	assert_non_null(e);
	return e;
}

struct text {
	char s[8192];
	size_t n;
};

static void add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(t->s + t->n, sizeof(t->s) - t->n, fmt, ap);
	va_end(ap);
	if (k > 0 && (size_t)k < sizeof(t->s) - t->n)
		t->n += (size_t)k;
}

static const char *ws(unsigned *seed)
{
	static const char *const w[] = { "", "", "", " ", "\t", "\r\n", "  " };
	return w[rand_r(seed) % 7];
}

/* A request as a client might send it. */
static void generate(const engine *e, unsigned *seed, struct text *t)
{
	t->n = 0;
	add(t, "%s{%s", ws(seed), ws(seed));
	int order = rand_r(seed) % 3;
	bool id = rand_r(seed) % 2, mode = rand_r(seed) % 4 == 0;
	if (order == 1 && id)
		add(t, "\"id\":%s\"case-%d\",", ws(seed), rand_r(seed) % 100000);
	if (order == 2 && mode)
		add(t, "\"mode\":\"%s\",%s", rand_r(seed) % 2 ? "kiosk" : "clinician",
		    ws(seed));
	add(t, "\"answers\"%s:%s{", ws(seed), ws(seed));
	size_t nq = engine_question_count(e);
	bool first = true;
	for (size_t i = 0; i < nq; i++) {
		if (rand_r(seed) % 3 == 0)
			continue;
		const struct engine_question *q = engine_question_at(e, i);
		add(t, "%s%s\"%s\"%s:%s", first ? "" : ",", ws(seed), q->id,
		    ws(seed), ws(seed));
		first = false;
		int r = rand_r(seed) % 100;
		if (r < 3) {
			add(t, "\"skip\"");
			continue;
		}
		switch (q->type) {
		case ENGINE_TYPE_YESNO:
			add(t, "\"%s\"", r < 45 ? "yes" : r < 90 ? "no" : "unsure");
			break;
		case ENGINE_TYPE_CHOICE:
			add(t, "\"%s\"", q->choices[(size_t)rand_r(seed) % q->n_choices]);
			break;
		case ENGINE_TYPE_INTEGER:
		case ENGINE_TYPE_SCALE:
			add(t, "%lld", (long long)q->min +
					       rand_r(seed) % ((long long)(q->max - q->min) + 1));
			break;
		case ENGINE_TYPE_NUMBER:
			if (r < 30)
				add(t, "%lld", (long long)(q->min + 10));
			else
				add(t, "%.*f", 1 + r % 6, q->min + (q->max - q->min) *
						  (double)(rand_r(seed) % 9973) / 9973.0);
			break;
		}
	}
	add(t, "%s}", ws(seed));
	if (order != 1 && id)
		add(t, ",%s\"id\":\"c %d\"", ws(seed), rand_r(seed) % 100000);
	if (order != 2 && mode)
		add(t, ",\"mode\":\"%s\"", rand_r(seed) % 2 ? "kiosk" : "clinician");
	add(t, "}%s", ws(seed));
}

static const char pieces[] = "\"\\{}[],:0123456789.-+eEtfn u\x01\x7f\xc3\xa9";

static void mutate(unsigned *seed, struct text *t)
{
	int kinds = 1 + rand_r(seed) % 3;
	for (int k = 0; k < kinds && t->n > 2; k++) {
		t->s[t->n] = '\0'; /* string searches stop at the text's end */
		size_t at = (size_t)rand_r(seed) % t->n;
		char c = pieces[(size_t)rand_r(seed) % (sizeof(pieces) - 1)];
		switch (rand_r(seed) % 6) {
		case 0: /* replace */
			t->s[at] = c;
			break;
		case 1: /* insert */
			if (t->n + 1 < sizeof(t->s)) {
				memmove(t->s + at + 1, t->s + at, t->n - at);
				t->s[at] = c;
				t->n++;
			}
			break;
		case 2: /* remove */
			memmove(t->s + at, t->s + at + 1, t->n - at - 1);
			t->n--;
			break;
		case 3: { /* repeat an answer member: a duplicate name */
			char *a = strstr(t->s, "{\"");
			char *b = a ? strchr(a + 1, ',') : NULL;
			if (a && b && t->n + (size_t)(b - a) < sizeof(t->s)) {
				size_t len = (size_t)(b - a); /* {"q":v */
				memmove(b + len, b, t->n - (size_t)(b - t->s));
				memcpy(b, ",", 1);
				memcpy(b + 1, a + 1, len - 1);
				t->n += len;
			}
			break;
		}
		case 4: /* cut short */
			t->n = at;
			break;
		default: { /* an escape or a literal in place of a value */
			static const char *const lit[] = {
				"\"y\\u0065s\"", "true", "null", "[1]", "{\"a\":1}",
				"1e2", "01", "-", "1.", "99999999999999999999",
				"\"\\\"\"", "\"a\\/b\"",
			};
			char *colon = memchr(t->s, ':', t->n);
			const char *l = lit[rand_r(seed) % 12];
			size_t ln = strlen(l);
			char *q = colon ? strchr(colon + 1, ':') : NULL;
			if (q && t->n + ln < sizeof(t->s)) {
				q++;
				memmove(q + ln, q, t->n - (size_t)(q - t->s));
				memcpy(q, l, ln);
				t->n += ln;
			}
			break;
		}
		}
	}
	t->s[t->n] = '\0';
}

static size_t accepted, declined;

/* Scan and parse t; when the scanner accepts, jansson must agree in
 * every detail. Returns whether the scanner accepted. */
static bool compare(const engine *e, const struct text *t,
		    struct cli_request *req, char *copy)
{
	memcpy(copy, t->s, t->n);
	copy[t->n] = '\0';
	int rv = cli_request_scan(copy, t->n, MAX_ID, req);
	assert_true(rv == 0 || rv == 1);
	char err[512];
	json_t *j = cli_request_parse(t->s, t->n, err, sizeof(err));
	if (rv == 0) {
		/* untouched, for jansson */
		assert_memory_equal(copy, t->s, t->n);
		declined++;
		json_decref(j);
		return false;
	}
	accepted++;
	if (!j)
		fprintf(stderr, "scanned, jansson refuses (%s): %s\n", err, t->s);
	assert_non_null(j);
	json_t *answers = json_object_get(j, "answers");
	assert_int_equal(json_object_size(answers), req->n);
	const char *key;
	json_t *v;
	size_t i = 0;
	json_object_foreach(answers, key, v) {
		const struct cli_scanned_answer *a = &req->answers[i++];
		assert_string_equal(key, a->question);
		switch (json_typeof(v)) {
		case JSON_STRING:
			assert_int_equal(a->value.kind, ENGINE_VALUE_TEXT);
			assert_string_equal(json_string_value(v), a->value.text);
			break;
		case JSON_INTEGER:
			assert_int_equal(a->value.kind, ENGINE_VALUE_INTEGER);
			assert_true(json_integer_value(v) == a->value.integer);
			break;
		case JSON_REAL:
			assert_int_equal(a->value.kind, ENGINE_VALUE_NUMBER);
			assert_true(json_real_value(v) == a->value.number);
			break;
		default:
			fail_msg("scanned a value jansson reads as type %d",
				 (int)json_typeof(v));
		}
	}
	json_t *id = json_object_get(j, "id");
	if (req->id) {
		assert_string_equal(json_string_value(id), req->id);
		assert_true(json_string_length(id) >= 1 &&
			    json_string_length(id) <= MAX_ID);
	} else {
		assert_null(id);
	}
	const char *mode = json_string_value(json_object_get(j, "mode"));
	if (req->mode < 0)
		assert_null(mode);
	else
		assert_string_equal(mode, req->mode == ENGINE_MODE_KIOSK
						  ? "kiosk" : "clinician");
	(void)e;
	json_decref(j);
	return true;
}

static void scanner_agrees_with_jansson(void **state)
{
	(void)state;
	engine *e = load();
	engine *e2 = load();
	struct cli_render *r = cli_render_new(e);
	assert_non_null(r);
	static struct text t;
	static char copy[sizeof(t.s) + 1];
	unsigned seed = 1414;
	size_t plain = 0, plain_accepted = 0, applied = 0;
	for (int c = 0; c < 20000; c++) {
		generate(e, &seed, &t);
		bool mutated = c % 4 != 0;
		if (mutated)
			mutate(&seed, &t);
		t.s[t.n] = '\0';
		struct cli_request req;
		bool ok = compare(e, &t, &req, copy);
		if (!mutated) {
			plain++;
			plain_accepted += ok;
		}
		/* Both ways of applying give the same line. */
		if (ok && c % 10 == 0) {
			char e1[512], e2m[512];
			json_t *j = cli_request_parse(t.s, t.n, e1, sizeof(e1));
			int a = cli_request_apply_scanned(e, ENGINE_MODE_CLINICIAN,
							  &req, e1, sizeof(e1));
			int b = cli_request_apply(e2, ENGINE_MODE_CLINICIAN, j,
						  e2m, sizeof(e2m));
			assert_int_equal(a, b);
			if (a == 0) {
				char *x = cli_render_line(r, e, 1, req.id);
				char *y = cli_render_line(r, e2, 1, req.id);
				assert_non_null(x);
				assert_non_null(y);
				assert_string_equal(x, y);
				free(x);
				free(y);
			} else {
				assert_string_equal(e1, e2m);
			}
			applied++;
			json_decref(j);
		}
		cli_request_release(&req);
	}
	fprintf(stderr, "%zu scanned, %zu left to jansson; %zu of %zu plain "
		"requests scanned; %zu applied both ways\n", accepted, declined,
		plain_accepted, plain, applied);
	/* The fast path is the common path. */
	assert_int_equal(plain_accepted, plain);
	assert_true(declined > 5000);
	cli_render_free(r);
	engine_free(e);
	engine_free(e2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(scanner_agrees_with_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
