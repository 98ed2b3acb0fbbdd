/*
 * result.c — JSON in and out of the engine (see result.h).
 *
 * Input is checked here for shape (an object of scalars, known top-level
 * fields) and by the engine for meaning (known question, type, range). A
 * value reaches the engine only as a typed struct engine_value; nothing a
 * user sent is ever turned into rule source.
 */
#include "cli/result.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *cli_answer_value(const struct engine_question *q, const char *text)
{
	char *end = NULL;
	if (q && strcmp(text, "skip") != 0) {
		switch (q->type) {
		case ENGINE_TYPE_INTEGER:
		case ENGINE_TYPE_SCALE: {
			long long n = strtoll(text, &end, 10);
			if (end != text && !*end)
				return json_integer(n);
			break;
		}
		case ENGINE_TYPE_NUMBER: {
			double x = strtod(text, &end);
			if (end != text && !*end)
				return json_real(x);
			break;
		}
		default:
			break;
		}
	}
	return json_string(text);
}

json_t *cli_answer_json(const engine *e, const char *question)
{
	const char *text = engine_answer_text(e, question);
	const struct engine_question *q = engine_question_find(e, question);
	if (!text || !q)
		return json_null();
	return cli_answer_value(q, text);
}

static json_t *string_array(const char *const *items, size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++)
		json_array_append_new(a, json_string(items[i]));
	return a;
}

/* [{"id", "text"}] for the citations a finding or recommendation cites. */
static json_t *citations_json(const engine *e, const char *const *cites,
			      size_t n)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < n; i++) {
		const struct engine_citation *c = engine_citation_find(e, cites[i]);
		if (c)
			json_array_append_new(a, json_pack("{s:s, s:s}", "id",
							   c->id, "text",
							   c->text));
	}
	return a;
}

static json_t *finding_json(const engine *e, const struct engine_finding *f)
{
	json_t *because = json_object();
	for (size_t i = 0; because && i < f->n_because; i++) {
		/* A finding may rest on another finding: list it as such. */
		if (engine_question_find(e, f->because[i]))
			json_object_set_new(because, f->because[i],
					    cli_answer_json(e, f->because[i]));
		else
			json_object_set_new(because, f->because[i],
					    json_string("finding"));
	}
	return json_pack("{s:s, s:s, s:s, s:f, s:s, s:o, s:o, s:o, s:s, s:o}",
			 "id", f->id, "kind", f->kind, "title", f->title,
			 "confidence", f->confidence, "level", f->level,
			 "because", because,
			 "against", string_array(f->against, f->n_against),
			 "rules", string_array(f->rules, f->n_rules),
			 "source", f->source,
			 "citations", citations_json(e, f->cites, f->n_cites));
}

json_t *cli_result_json(const engine *e)
{
	const struct engine_level *l = engine_level(e);
	json_t *findings = json_array();
	for (size_t i = 0; findings && i < engine_finding_count(e); i++)
		json_array_append_new(findings,
				      finding_json(e, engine_finding_at(e, i)));
	json_t *recs = json_array();
	for (size_t i = 0; recs && i < engine_recommendation_count(e); i++) {
		const struct engine_recommendation *r =
			engine_recommendation_at(e, i);
		json_array_append_new(
			recs, json_pack("{s:s, s:s, s:o, s:s, s:o}", "id", r->id,
					"title", r->title, "because",
					string_array(r->because, r->n_because),
					"source", r->source, "citations",
					citations_json(e, r->cites, r->n_cites)));
	}
	const struct engine_question *next = engine_next_question(e);
	const char *stop = engine_stop_reason(e);
	return json_pack(
		"{s:{s:s, s:i, s:s, s:s, s:s}, s:o, s:o, s:o, s:b, s:b, s:o, "
		"s:{s:s, s:s}}",
		"triage", "level", l->id, "rank", l->rank, "meaning",
		l->clinician_text, "patient_meaning", l->patient_text,
		"safety_net", l->safety_net,
		"findings", findings, "recommendations", recs,
		"next_question", next ? json_string(next->id) : json_null(),
		"complete", engine_is_complete(e),
		"red_flags_screened", engine_red_flags_screened(e),
		"stopped_by", stop ? json_string(stop) : json_null(),
		"rulebase", "sha256", engine_rulebase_sha256(e), "version",
		engine_rulebase_version(e));
}

json_t *cli_question_json(const struct engine_question *q)
{
	json_t *choices = json_object();
	for (size_t i = 0; choices && i < q->n_choices; i++)
		json_object_set_new(choices, q->choices[i],
				    json_string(q->choice_labels[i]));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "section", q->section,
			 "text", q->clinician_text, "patient_text",
			 q->patient_text, "type", engine_type_name(q->type),
			 "unit", q->unit, "choices", choices);
}

json_t *cli_result_stored_json(const engine *e)
{
	json_t *j = cli_result_json(e);
	json_t *questions = json_object();
	if (!j || !questions)
		goto out_fail;
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(j, "findings"), i, item) {
		const struct engine_finding *f = engine_finding_find(
			e, json_string_value(json_object_get(item, "id")));
		if (!f)
			continue;
		json_object_set_new(item, "text", json_string(f->clinician_text));
		json_object_set_new(item, "patient_text",
				    json_string(f->patient_text));
		json_object_set_new(item, "safety_net", json_string(f->safety_net));
	}
	json_array_foreach(json_object_get(j, "recommendations"), i, item) {
		const struct engine_recommendation *r = engine_recommendation_at(e, i);
		if (!r || strcmp(r->id, json_string_value(json_object_get(item, "id"))))
			continue;
		json_object_set_new(item, "text", json_string(r->clinician_text));
		json_object_set_new(item, "patient_text",
				    json_string(r->patient_text));
	}
	for (i = 0; i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		if (engine_answer_text(e, q->id) &&
		    json_object_set_new(questions, q->id, cli_question_json(q)) != 0)
			goto out_fail;
	}
	if (json_object_set_new(j, "questions", questions) != 0 ||
	    json_object_set_new(j, "format", json_integer(2)) != 0)
		goto out_fail_j;
	return j;
out_fail:
	json_decref(questions);
out_fail_j:
	json_decref(j);
	return NULL;
}

json_t *cli_stop_record(const engine *e, const char *finding, long long at)
{
	const struct engine_finding *f = engine_finding_def_find(e, finding);
	const struct engine_level *l = f ? engine_level_find(e, f->level) : NULL;
	if (!f || !l)
		return NULL;
	json_t *answers = json_object();
	for (size_t i = 0; answers && i < engine_question_count(e); i++) {
		const char *id = engine_question_at(e, i)->id;
		if (engine_answer_text(e, id) &&
		    json_object_set_new(answers, id, cli_answer_json(e, id)) != 0) {
			json_decref(answers);
			return NULL;
		}
	}
	/* The answers that supported it then, as a finding lists them. */
	const struct engine_finding *now = engine_finding_find(e, f->id);
	json_t *fj = now ? finding_json(e, now) : NULL;
	json_t *because = json_object_get(fj, "because");
	json_t *b = because ? json_incref(because) : json_object();
	json_decref(fj);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:o, "
			 "s:o, s:b}", "finding", f->id, "title", f->title, "text",
			 f->clinician_text, "patient_text", f->patient_text,
			 "level", l->id, "meaning", l->clinician_text,
			 "patient_meaning", l->patient_text, "safety_net",
			 l->safety_net, "continued_at", (json_int_t)at,
			 "because", b, "answers", answers, "supported", now != NULL);
}

int cli_stops_hold(engine *e, json_t *records, char *err, size_t errsize)
{
	size_t i;
	json_t *r;
	json_array_foreach(records, i, r) {
		const char *id = json_string_value(json_object_get(r, "finding"));
		if (!id) {
			snprintf(err, errsize, "a kept stop names no finding");
			return -1;
		}
		if (engine_stop_hold(e, id) != 0) {
			snprintf(err, errsize, "%s", engine_errmsg(e));
			return -1;
		}
	}
	return 0;
}

json_t *cli_stops_now(const engine *e, json_t *records)
{
	json_t *now = json_deep_copy(records);
	size_t i;
	json_t *r;
	json_array_foreach(now, i, r) {
		const char *id = json_string_value(json_object_get(r, "finding"));
		if (json_object_set_new(r, "supported", json_boolean(
				id && engine_finding_find(e, id))) != 0) {
			json_decref(now);
			return NULL;
		}
	}
	return now;
}

int cli_answers_apply(engine *e, json_t *answers, char *err, size_t errsize)
{
	const char *id;
	json_t *value;
	json_object_foreach(answers, id, value) {
		struct engine_value v = { 0 };
		switch (json_typeof(value)) {
		case JSON_STRING:
			v.kind = ENGINE_VALUE_TEXT;
			v.text = json_string_value(value);
			/* An embedded NUL would hide the rest of the text. An
			 * unknown question is named as such by the engine. */
			if (strlen(v.text) != json_string_length(value)) {
				if (engine_question_find(e, id)) {
					snprintf(err, errsize, "'%s' must not contain "
						 "a NUL byte", id);
					return -1;
				}
				v.text = "";
			}
			break;
		case JSON_INTEGER:
			v.kind = ENGINE_VALUE_INTEGER;
			v.integer = json_integer_value(value);
			break;
		case JSON_REAL:
			v.kind = ENGINE_VALUE_NUMBER;
			v.number = json_real_value(value);
			break;
		default:
			/* Objects, arrays, booleans, null: never a valid
			 * answer; the engine says what is allowed. */
			v.kind = ENGINE_VALUE_TEXT;
			v.text = "";
			break;
		}
		if (engine_answer_set(e, id, &v) != 0) {
			snprintf(err, errsize, "%s", engine_errmsg(e));
			return -1;
		}
	}
	return 0;
}

/*
 * How many bytes of s to quote in a message: at most max, never part of a
 * UTF-8 character, so that the message stays valid UTF-8 for JSON (batch
 * errors). It is escaped where it is printed.
 */
static int utf8_cut(const char *s, size_t max)
{
	size_t n = strlen(s);
	if (n <= max)
		return (int)n;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/*
 * What the JSON parser found wrong, in the program's words and with where
 * it is; never the parser's own text, which speaks of its flags and quotes
 * the input. A duplicate field is named (it is valid UTF-8: the parser
 * checks that first).
 */
void cli_json_error(const json_error_t *je, char *err, size_t errsize)
{
	const char *what = "input is not valid JSON";
	switch (json_error_code(je)) {
	case json_error_out_of_memory:
		snprintf(err, errsize, "out of memory");
		return;
	case json_error_cannot_open_file:
		snprintf(err, errsize, "the file cannot be opened");
		return;
	case json_error_stack_overflow:
		what = "input nests objects or arrays too deeply";
		break;
	case json_error_invalid_utf8:
		what = "input is not valid UTF-8";
		break;
	case json_error_premature_end_of_input:
		what = je->position == 0 ? "input is empty"
			: "input ends before its JSON value is complete";
		break;
	case json_error_end_of_input_expected:
		what = "input goes on after its JSON value";
		break;
	case json_error_null_byte_in_key:
		what = "a field name must not contain a NUL byte";
		break;
	case json_error_numeric_overflow:
		what = "a number is too large";
		break;
	case json_error_duplicate_key: {
		/* jansson: duplicate object key near '"age"' */
		const char *near = strstr(je->text, "near '\"");
		size_t n = near ? strlen(near + 7) : 0;
		if (n >= 2 && strcmp(near + 7 + n - 2, "\"'") == 0) {
			char name[JSON_ERROR_TEXT_LENGTH];
			snprintf(name, sizeof(name), "%.*s", (int)(n - 2), near + 7);
			snprintf(err, errsize, "'%.*s' is given twice (line %d, "
				 "column %d)", utf8_cut(name, 64), name, je->line,
				 je->column);
			return;
		}
		what = "a field is given twice";
		break;
	}
	default:
		break;
	}
	snprintf(err, errsize, "%s (line %d, column %d)", what, je->line,
		 je->column);
}

json_t *cli_request_parse(const char *text, size_t len, char *err,
			  size_t errsize)
{
	json_error_t jerr;
	/* NULs are let through the parser to be refused by field name. */
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES |
				  JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		cli_json_error(&jerr, err, errsize);
		return NULL;
	}
	if (!json_is_object(root)) {
		snprintf(err, errsize, "input must be a JSON object with an "
			 "'answers' object");
		goto out_bad;
	}
	const char *key;
	json_t *member;
	json_object_foreach(root, key, member) {
		if (strcmp(key, "answers") != 0 && strcmp(key, "mode") != 0 &&
		    strcmp(key, "id") != 0) {
			snprintf(err, errsize, "unknown field '%.*s': allowed "
				 "are answers, mode, id", utf8_cut(key, 64), key);
			goto out_bad;
		}
		if (json_is_string(member) &&
		    strlen(json_string_value(member)) != json_string_length(member)) {
			snprintf(err, errsize, "'%s' must not contain a NUL byte",
				 key);
			goto out_bad;
		}
	}
	if (!json_is_object(json_object_get(root, "answers"))) {
		snprintf(err, errsize, "'answers' must be a JSON object of "
			 "question ids and answers");
		goto out_bad;
	}
	json_t *mode = json_object_get(root, "mode");
	const char *ms = json_string_value(mode);
	if (mode && (!ms || (strcmp(ms, "kiosk") && strcmp(ms, "clinician")))) {
		snprintf(err, errsize, "'mode' must be one of clinician, kiosk");
		goto out_bad;
	}
	return root;
out_bad:
	json_decref(root);
	return NULL;
}

int cli_request_apply(engine *e, enum engine_mode default_mode, json_t *root,
		      char *err, size_t errsize)
{
	json_t *answers = json_object_get(root, "answers");
	const char *ms = json_string_value(json_object_get(root, "mode"));
	enum engine_mode m = default_mode;
	if (ms)
		m = strcmp(ms, "kiosk") == 0 ? ENGINE_MODE_KIOSK : ENGINE_MODE_CLINICIAN;

	/* The request is the whole answer set: set what it gives and forget
	 * the rest. Answers equal to the engine's current ones stay as they
	 * are, which saves most of the work between similar cases. */
	engine_mode_set(e, m);
	/* A kiosk never takes a clinician's examination findings. */
	const char *id;
	json_t *value;
	json_object_foreach(answers, id, value) {
		const struct engine_question *q = engine_question_find(e, id);
		if (m == ENGINE_MODE_KIOSK && q && q->clinician_only) {
			snprintf(err, errsize, "'%s' is a clinician's examination "
				 "finding: not allowed in kiosk mode", q->id);
			return -1;
		}
	}
	if (cli_answers_apply(e, answers, err, errsize) != 0)
		return -1;
	for (size_t i = 0; i < engine_question_count(e); i++) {
		const char *id = engine_question_at(e, i)->id;
		if (engine_answer_text(e, id) && !json_object_get(answers, id))
			engine_answer_clear(e, id);
	}
	if (engine_run(e) != 0) {
		snprintf(err, errsize, "%s", engine_errmsg(e));
		return -2;
	}
	return 0;
}

int cli_request_run(engine *e, enum engine_mode default_mode, const char *text,
		    size_t len, char *err, size_t errsize)
{
	json_t *root = cli_request_parse(text, len, err, errsize);
	if (!root)
		return -1;
	int rv = cli_request_apply(e, default_mode, root, err, errsize);
	json_decref(root);
	return rv;
}

/* ------------------------------------------------------------ fast path */

struct scan {
	const char *p, *end;
};

static void skip_ws(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
				 *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

/* A string of printable ASCII without escapes: its bounds, the quotes
 * excluded. False for anything else. */
static bool scan_string(struct scan *s, const char **start, size_t *n)
{
	if (s->p >= s->end || *s->p != '"')
		return false;
	const char *b = ++s->p;
	while (s->p < s->end) {
		unsigned char c = (unsigned char)*s->p;
		if (c == '"') {
			*start = b;
			*n = (size_t)(s->p - b);
			s->p++;
			return true;
		}
		if (c < 0x20 || c > 0x7e || c == '\\')
			return false;
		s->p++;
	}
	return false;
}

/* -?(0|[1-9][0-9]*)(.[0-9]+)? with at most 18 digits before the point
 * and 30 after: an integer or a decimal, never an exponent. */
static bool scan_number(struct scan *s, struct engine_value *v)
{
	const char *b = s->p;
	bool neg = false;
	if (s->p < s->end && *s->p == '-') {
		neg = true;
		s->p++;
	}
	const char *d = s->p;
	unsigned long long x = 0;
	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		x = x * 10 + (unsigned long long)(*s->p++ - '0');
	size_t digits = (size_t)(s->p - d);
	if (digits == 0 || digits > 18 || (digits > 1 && *d == '0'))
		return false;
	if (s->p < s->end && *s->p == '.') {
		const char *f = ++s->p;
		while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
			s->p++;
		size_t fdigits = (size_t)(s->p - f);
		if (fdigits == 0 || fdigits > 30)
			return false;
		if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
			return false;
		char buf[64];
		memcpy(buf, b, (size_t)(s->p - b));
		buf[s->p - b] = '\0';
		v->kind = ENGINE_VALUE_NUMBER;
		v->number = strtod(buf, NULL);
		return true;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
		return false;
	v->kind = ENGINE_VALUE_INTEGER;
	v->integer = neg ? -(long long)x : (long long)x;
	return true;
}

static bool same_name(const char *a, size_t an, const char *b, size_t bn)
{
	return an == bn && memcmp(a, b, an) == 0;
}

void cli_request_release(struct cli_request *req)
{
	free(req->answers);
	memset(req, 0, sizeof(*req));
}

int cli_request_scan(char *text, size_t len, size_t max_id,
		     struct cli_request *req)
{
	struct scan s = { text, text + len };
	/* name and string bounds, made NUL-terminated once all is read */
	struct span {
		const char *b;
		size_t n;
	} *names = NULL, *strs = NULL, id = { 0 };
	struct cli_scanned_answer *as = NULL;
	size_t n = 0, cap = 0;
	bool have_answers = false, have_id = false, have_mode = false;
	int mode = -1;
	memset(req, 0, sizeof(*req));

	skip_ws(&s);
	if (s.p >= s.end || *s.p++ != '{')
		goto out_slow;
	skip_ws(&s);
	if (s.p < s.end && *s.p == '}')
		goto out_slow; /* no answers: jansson says so */
	for (;;) {
		const char *key;
		size_t kn;
		skip_ws(&s);
		if (!scan_string(&s, &key, &kn))
			goto out_slow;
		skip_ws(&s);
		if (s.p >= s.end || *s.p++ != ':')
			goto out_slow;
		skip_ws(&s);
		if (same_name(key, kn, "answers", 7) && !have_answers) {
			have_answers = true;
			if (s.p >= s.end || *s.p++ != '{')
				goto out_slow;
			skip_ws(&s);
			if (s.p < s.end && *s.p == '}') {
				s.p++;
			} else {
				for (;;) {
					if (n == cap) {
						size_t nc = cap ? cap * 2 : 32;
						void *a = realloc(as, nc * sizeof(*as));
						void *b = a ? realloc(names, nc * sizeof(*names)) : NULL;
						if (a)
							as = a;
						if (b)
							names = b;
						void *c = b ? realloc(strs, nc * sizeof(*strs)) : NULL;
						if (!c)
							goto out_nomem;
						strs = c;
						cap = nc;
					}
					skip_ws(&s);
					if (!scan_string(&s, &names[n].b, &names[n].n))
						goto out_slow;
					for (size_t i = 0; i < n; i++)
						if (same_name(names[i].b, names[i].n,
							      names[n].b, names[n].n))
							goto out_slow; /* duplicate */
					skip_ws(&s);
					if (s.p >= s.end || *s.p++ != ':')
						goto out_slow;
					skip_ws(&s);
					struct engine_value *v = &as[n].value;
					strs[n].b = NULL;
					if (s.p < s.end && *s.p == '"') {
						if (!scan_string(&s, &strs[n].b, &strs[n].n))
							goto out_slow;
						v->kind = ENGINE_VALUE_TEXT;
					} else if (!scan_number(&s, v)) {
						goto out_slow;
					}
					n++;
					skip_ws(&s);
					if (s.p < s.end && *s.p == ',') {
						s.p++;
						continue;
					}
					if (s.p < s.end && *s.p == '}') {
						s.p++;
						break;
					}
					goto out_slow;
				}
			}
		} else if (same_name(key, kn, "id", 2) && !have_id) {
			have_id = true;
			if (!scan_string(&s, &id.b, &id.n) || id.n < 1 ||
			    id.n > max_id)
				goto out_slow;
		} else if (same_name(key, kn, "mode", 4) && !have_mode) {
			const char *m;
			size_t mn;
			have_mode = true;
			if (!scan_string(&s, &m, &mn))
				goto out_slow;
			if (same_name(m, mn, "clinician", 9))
				mode = ENGINE_MODE_CLINICIAN;
			else if (same_name(m, mn, "kiosk", 5))
				mode = ENGINE_MODE_KIOSK;
			else
				goto out_slow;
		} else {
			goto out_slow; /* unknown or repeated field */
		}
		skip_ws(&s);
		if (s.p < s.end && *s.p == ',') {
			s.p++;
			continue;
		}
		if (s.p < s.end && *s.p == '}') {
			s.p++;
			break;
		}
		goto out_slow;
	}
	skip_ws(&s);
	if (s.p != s.end || !have_answers)
		goto out_slow;

	/* Accepted: terminate the strings in place. */
	for (size_t i = 0; i < n; i++) {
		text[names[i].b - text + (ptrdiff_t)names[i].n] = '\0';
		as[i].question = names[i].b;
		if (strs[i].b) {
			text[strs[i].b - text + (ptrdiff_t)strs[i].n] = '\0';
			as[i].value.text = strs[i].b;
		}
	}
	if (have_id) {
		text[id.b - text + (ptrdiff_t)id.n] = '\0';
		req->id = id.b;
	}
	req->answers = as;
	req->n = n;
	req->mode = mode;
	free(names);
	free(strs);
	return 1;
out_slow:
	free(as);
	free(names);
	free(strs);
	return 0;
out_nomem:
	free(as);
	free(names);
	free(strs);
	return -1;
}

int cli_request_apply_scanned(engine *e, enum engine_mode default_mode,
			      const struct cli_request *req, char *err,
			      size_t errsize)
{
	enum engine_mode m = req->mode < 0 ? default_mode
					   : (enum engine_mode)req->mode;
	engine_mode_set(e, m);
	/* As cli_request_apply: a kiosk never takes a clinician's
	 * examination findings. */
	for (size_t i = 0; m == ENGINE_MODE_KIOSK && i < req->n; i++) {
		const struct engine_question *q =
			engine_question_find(e, req->answers[i].question);
		if (q && q->clinician_only) {
			snprintf(err, errsize, "'%s' is a clinician's examination "
				 "finding: not allowed in kiosk mode", q->id);
			return -1;
		}
	}
	size_t nq = engine_question_count(e);
	bool given_small[256], *given = given_small;
	if (nq > sizeof(given_small) && !(given = calloc(nq, 1))) {
		snprintf(err, errsize, "out of memory");
		return -2;
	}
	if (given == given_small)
		memset(given, 0, nq);
	int rv = 0;
	for (size_t i = 0; i < req->n; i++) {
		const struct cli_scanned_answer *a = &req->answers[i];
		if (engine_answer_set(e, a->question, &a->value) != 0) {
			snprintf(err, errsize, "%s", engine_errmsg(e));
			rv = -1;
			goto out;
		}
		size_t qi = engine_question_index(
			e, engine_question_find(e, a->question));
		if (qi < nq)
			given[qi] = true;
	}
	for (size_t i = 0; i < nq; i++)
		if (!given[i] && engine_answer_text_at(e, i))
			engine_answer_clear(e, engine_question_at(e, i)->id);
	if (engine_run(e) != 0) {
		snprintf(err, errsize, "%s", engine_errmsg(e));
		rv = -2;
	}
out:
	if (given != given_small)
		free(given);
	return rv;
}
