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
#include <string.h>

json_t *cli_answer_json(const engine *e, const char *question)
{
	const char *text = engine_answer_text(e, question);
	const struct engine_question *q = engine_question_find(e, question);
	if (!text || !q)
		return json_null();
	if (strcmp(text, "skip") == 0)
		return json_string("skip");
	switch (q->type) {
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		return json_integer(strtoll(text, NULL, 10));
	case ENGINE_TYPE_NUMBER:
		return json_real(strtod(text, NULL));
	default:
		return json_string(text);
	}
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
			/* An embedded NUL would hide the rest of the text. */
			if (strlen(v.text) != json_string_length(value))
				v.text = "";
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

json_t *cli_request_parse(const char *text, size_t len, char *err,
			  size_t errsize)
{
	json_error_t jerr;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!root) {
		snprintf(err, errsize, "input is not valid JSON: %s (line %d, "
			 "column %d)", jerr.text, jerr.line, jerr.column);
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
			snprintf(err, errsize, "unknown field '%.64s': allowed "
				 "are answers, mode, id", key);
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
