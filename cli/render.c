/*
 * render.c — a result line from prepared fragments (see render.h).
 *
 * The shape mirrors cli_result_json() in result.c member for member; a
 * change there needs the same change here, and test_render fails until
 * both agree byte for byte.
 */
#include "cli/render.h"
#include "cli/result.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct frag {
	char *s;
	size_t n;
};

struct cli_render {
	size_t n_qs, n_fs, n_rs, n_levels;
	struct frag *f_head;  /* {"id":..,"kind":..,"title":..,"confidence": */
	struct frag *f_mid;   /* ,"level":..,"because":{ */
	struct frag *f_tail;  /* ,"source":..,"citations":[..]} */
	struct frag *r_head;  /* {"id":..,"title":..,"because":[ */
	struct frag *r_tail;  /* ],"source":..,"citations":[..]} */
	struct frag *q_key;   /* "question": */
	struct frag *level;   /* {"level":..,"rank":..,..,"safety_net":..} */
	struct frag rulebase; /* ,"rulebase":{..}} */
};

struct buf {
	char *s;
	size_t n, cap;
	bool failed;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *p = realloc(b->s, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->s = p;
		b->cap = cap;
	}
	memcpy(b->s + b->n, s, n);
	b->n += n;
	b->s[b->n] = '\0';
}

#define PUT_LIT(b, lit) put((b), (lit), sizeof(lit) - 1)

static void put_frag(struct buf *b, const struct frag *f)
{
	put(b, f->s, f->n);
}

/* s as a JSON string, escaped by jansson itself. */
static void put_escaped_jansson(struct buf *b, const char *s)
{
	json_t *j = json_string(s);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	json_decref(j);
	if (!t) {
		b->failed = true;
		return;
	}
	put(b, t, strlen(t));
	free(t);
}

/* s as a JSON string: printable ASCII needs no escape and is copied; any
 * other byte goes to jansson, which escapes as it always does. */
static void put_str(struct buf *b, const char *s)
{
	size_t n = 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++, n++)
		if (*p < 0x20 || *p > 0x7e || *p == '"' || *p == '\\')
			return put_escaped_jansson(b, s);
	put(b, "\"", 1);
	put(b, s, n);
	put(b, "\"", 1);
}

static void put_int(struct buf *b, long long x)
{
	char t[32];
	int n = snprintf(t, sizeof(t), "%lld", x);
	put(b, t, (size_t)n);
}

/* A real as jansson writes it with JSON_REAL_PRECISION(10): "%.10g", a
 * ".0" when that has neither dot nor exponent, the exponent without a
 * plus sign or leading zeros. */
static void put_real(struct buf *b, double x)
{
	char t[64];
	int r = snprintf(t, sizeof(t) - 3, "%.10g", x);
	if (r < 0 || (size_t)r >= sizeof(t) - 3) {
		b->failed = true;
		return;
	}
	size_t len = (size_t)r;
	for (char *p = t; *p; p++)
		if (*p == ',')  /* a locale's decimal comma */
			*p = '.';
	if (!strchr(t, '.') && !strchr(t, 'e')) {
		memcpy(t + len, ".0", 3);
		len += 2;
	}
	char *start = strchr(t, 'e');
	if (start) {
		start++;
		char *end = start + 1;
		if (*start == '-')
			start++;
		while (*end == '0')
			end++;
		if (end != start) {
			memmove(start, end, len - (size_t)(end - t) + 1);
			len -= (size_t)(end - start);
		}
	}
	put(b, t, len);
}

static bool take(struct buf *b, struct frag *f)
{
	if (b->failed || !b->s) {
		free(b->s);
		*b = (struct buf){ 0 };
		return false;
	}
	f->s = b->s;
	f->n = b->n;
	*b = (struct buf){ 0 };
	return true;
}

static void put_citations(struct buf *b, const engine *e,
			  const char *const *cites, size_t n)
{
	PUT_LIT(b, ",\"citations\":[");
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		const struct engine_citation *c = engine_citation_find(e, cites[i]);
		if (!c)
			continue;
		if (!first)
			PUT_LIT(b, ",");
		first = false;
		PUT_LIT(b, "{\"id\":");
		put_escaped_jansson(b, c->id);
		PUT_LIT(b, ",\"text\":");
		put_escaped_jansson(b, c->text);
		PUT_LIT(b, "}");
	}
	PUT_LIT(b, "]}");
}

static void frags_free(struct frag *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		free(f[i].s);
	free(f);
}

void cli_render_free(struct cli_render *r)
{
	if (!r)
		return;
	frags_free(r->f_head, r->n_fs);
	frags_free(r->f_mid, r->n_fs);
	frags_free(r->f_tail, r->n_fs);
	frags_free(r->r_head, r->n_rs);
	frags_free(r->r_tail, r->n_rs);
	frags_free(r->q_key, r->n_qs);
	frags_free(r->level, r->n_levels);
	free(r->rulebase.s);
	free(r);
}

struct cli_render *cli_render_new(const engine *e)
{
	struct cli_render *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->n_qs = engine_question_count(e);
	r->n_fs = engine_finding_def_count(e);
	r->n_rs = engine_recommendation_def_count(e);
	r->n_levels = engine_level_count(e);
	r->f_head = calloc(r->n_fs + 1, sizeof(struct frag));
	r->f_mid = calloc(r->n_fs + 1, sizeof(struct frag));
	r->f_tail = calloc(r->n_fs + 1, sizeof(struct frag));
	r->r_head = calloc(r->n_rs + 1, sizeof(struct frag));
	r->r_tail = calloc(r->n_rs + 1, sizeof(struct frag));
	r->q_key = calloc(r->n_qs + 1, sizeof(struct frag));
	r->level = calloc(r->n_levels + 1, sizeof(struct frag));
	if (!r->f_head || !r->f_mid || !r->f_tail || !r->r_head ||
	    !r->r_tail || !r->q_key || !r->level)
		goto out_fail;
	struct buf b = { 0 };
	for (size_t i = 0; i < r->n_fs; i++) {
		const struct engine_finding *f = engine_finding_def_at(e, i);
		PUT_LIT(&b, "{\"id\":");
		put_escaped_jansson(&b, f->id);
		PUT_LIT(&b, ",\"kind\":");
		put_escaped_jansson(&b, f->kind);
		PUT_LIT(&b, ",\"title\":");
		put_escaped_jansson(&b, f->title);
		PUT_LIT(&b, ",\"confidence\":");
		if (!take(&b, &r->f_head[i]))
			goto out_fail;
		PUT_LIT(&b, ",\"level\":");
		put_escaped_jansson(&b, f->level);
		PUT_LIT(&b, ",\"because\":{");
		if (!take(&b, &r->f_mid[i]))
			goto out_fail;
		PUT_LIT(&b, ",\"source\":");
		put_escaped_jansson(&b, f->source);
		put_citations(&b, e, f->cites, f->n_cites);
		if (!take(&b, &r->f_tail[i]))
			goto out_fail;
	}
	for (size_t i = 0; i < r->n_rs; i++) {
		const struct engine_recommendation *x =
			engine_recommendation_def_at(e, i);
		PUT_LIT(&b, "{\"id\":");
		put_escaped_jansson(&b, x->id);
		PUT_LIT(&b, ",\"title\":");
		put_escaped_jansson(&b, x->title);
		PUT_LIT(&b, ",\"because\":[");
		if (!take(&b, &r->r_head[i]))
			goto out_fail;
		PUT_LIT(&b, "],\"source\":");
		put_escaped_jansson(&b, x->source);
		put_citations(&b, e, x->cites, x->n_cites);
		if (!take(&b, &r->r_tail[i]))
			goto out_fail;
	}
	for (size_t i = 0; i < r->n_qs; i++) {
		put_escaped_jansson(&b, engine_question_at(e, i)->id);
		PUT_LIT(&b, ":");
		if (!take(&b, &r->q_key[i]))
			goto out_fail;
	}
	for (size_t i = 0; i < r->n_levels; i++) {
		const struct engine_level *l = engine_level_at(e, i);
		PUT_LIT(&b, "{\"level\":");
		put_escaped_jansson(&b, l->id);
		PUT_LIT(&b, ",\"rank\":");
		put_int(&b, l->rank);
		PUT_LIT(&b, ",\"meaning\":");
		put_escaped_jansson(&b, l->clinician_text);
		PUT_LIT(&b, ",\"patient_meaning\":");
		put_escaped_jansson(&b, l->patient_text);
		PUT_LIT(&b, ",\"safety_net\":");
		put_escaped_jansson(&b, l->safety_net);
		PUT_LIT(&b, "}");
		if (!take(&b, &r->level[i]))
			goto out_fail;
	}
	PUT_LIT(&b, ",\"rulebase\":{\"sha256\":");
	put_escaped_jansson(&b, engine_rulebase_sha256(e));
	PUT_LIT(&b, ",\"version\":");
	put_escaped_jansson(&b, engine_rulebase_version(e));
	PUT_LIT(&b, "}}");
	if (!take(&b, &r->rulebase))
		goto out_fail;
	return r;
out_fail:
	cli_render_free(r);
	return NULL;
}

/* An answer as cli_answer_json gives it. */
static void put_answer(struct buf *b, const struct engine_question *q,
		       const char *text)
{
	if (strcmp(text, "skip") == 0) {
		PUT_LIT(b, "\"skip\"");
		return;
	}
	switch (q->type) {
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		put_int(b, strtoll(text, NULL, 10));
		return;
	case ENGINE_TYPE_NUMBER:
		put_real(b, strtod(text, NULL));
		return;
	default:
		put_str(b, text);
		return;
	}
}

static void put_finding(struct buf *b, const struct cli_render *r,
			const engine *e, const struct engine_finding *f)
{
	size_t fi = engine_finding_index(e, f);
	if (fi == SIZE_MAX || fi >= r->n_fs) {
		b->failed = true;
		return;
	}
	put_frag(b, &r->f_head[fi]);
	put_real(b, f->confidence);
	put_frag(b, &r->f_mid[fi]);
	for (size_t i = 0; i < f->n_because; i++) {
		if (i)
			PUT_LIT(b, ",");
		const struct engine_question *q =
			engine_question_find(e, f->because[i]);
		size_t qi = engine_question_index(e, q);
		if (qi == SIZE_MAX || qi >= r->n_qs) {
			/* A finding resting on another finding. */
			put_str(b, f->because[i]);
			PUT_LIT(b, ":\"finding\"");
			continue;
		}
		put_frag(b, &r->q_key[qi]);
		const char *text = engine_answer_text(e, q->id);
		if (text)
			put_answer(b, q, text);
		else
			PUT_LIT(b, "null");
	}
	PUT_LIT(b, "},\"against\":[");
	for (size_t i = 0; i < f->n_against; i++) {
		if (i)
			PUT_LIT(b, ",");
		put_str(b, f->against[i]);
	}
	PUT_LIT(b, "],\"rules\":[");
	for (size_t i = 0; i < f->n_rules; i++) {
		if (i)
			PUT_LIT(b, ",");
		put_str(b, f->rules[i]);
	}
	PUT_LIT(b, "]");
	put_frag(b, &r->f_tail[fi]);
}

char *cli_render_line(const struct cli_render *r, const engine *e,
		      unsigned long line, const char *id)
{
	struct buf b = { 0 };
	const struct engine_level *l = engine_level(e);
	const struct engine_level *l0 = engine_level_at(e, 0);
	if (!l || !l0 || l < l0 || l >= l0 + r->n_levels)
		return NULL;
	size_t li = (size_t)(l - l0);
	PUT_LIT(&b, "{\"line\":");
	put_int(&b, (long long)line);
	if (id) {
		PUT_LIT(&b, ",\"id\":");
		put_str(&b, id);
	}
	PUT_LIT(&b, ",\"triage\":");
	put_frag(&b, &r->level[li]);
	PUT_LIT(&b, ",\"findings\":[");
	for (size_t i = 0; i < engine_finding_count(e); i++) {
		if (i)
			PUT_LIT(&b, ",");
		put_finding(&b, r, e, engine_finding_at(e, i));
	}
	PUT_LIT(&b, "],\"recommendations\":[");
	for (size_t i = 0; i < engine_recommendation_count(e); i++) {
		const struct engine_recommendation *x =
			engine_recommendation_at(e, i);
		size_t ri = engine_recommendation_index(e, x);
		if (ri == SIZE_MAX || ri >= r->n_rs) {
			b.failed = true;
			break;
		}
		if (i)
			PUT_LIT(&b, ",");
		put_frag(&b, &r->r_head[ri]);
		for (size_t j = 0; j < x->n_because; j++) {
			if (j)
				PUT_LIT(&b, ",");
			put_str(&b, x->because[j]);
		}
		put_frag(&b, &r->r_tail[ri]);
	}
	PUT_LIT(&b, "],\"next_question\":");
	const struct engine_question *next = engine_next_question(e);
	if (next)
		put_str(&b, next->id);
	else
		PUT_LIT(&b, "null");
	if (engine_is_complete(e))
		PUT_LIT(&b, ",\"complete\":true");
	else
		PUT_LIT(&b, ",\"complete\":false");
	if (engine_red_flags_screened(e))
		PUT_LIT(&b, ",\"red_flags_screened\":true");
	else
		PUT_LIT(&b, ",\"red_flags_screened\":false");
	PUT_LIT(&b, ",\"stopped_by\":");
	const char *stop = engine_stop_reason(e);
	if (stop)
		put_str(&b, stop);
	else
		PUT_LIT(&b, "null");
	put_frag(&b, &r->rulebase);
	if (b.failed) {
		free(b.s);
		return NULL;
	}
	/* A batch holds most lines until those before them are written: each
	 * holds what it needs, not the room it grew in (peak RSS). */
	char *fit = realloc(b.s, b.n + 1);
	return fit ? fit : b.s;
}
