/*
 * report_fhir.c — FHIR R4: the question bank as a Questionnaire, and a
 * session as a Bundle (type collection) holding a Patient, the
 * QuestionnaireResponse, a RiskAssessment and the patient-facing advice as
 * a Communication. See docs/fhir.md.
 *
 * The Questionnaire has one group per section (linkId "section.<id>", in
 * the order sections first appear in the catalogue) holding the section's
 * questions in catalogue order (linkId = question id). A response is
 * written by walking that same structure, so its order and nesting are the
 * Questionnaire's by construction.
 *
 * Answer types: yesno is boolean (yes/no as valueBoolean); unsure and
 * skip are not false: the item is kept without an answer and carries the
 * standard data-absent-reason extension, asked-unknown for unsure,
 * asked-declined for skip. integer and scale are valueInteger, number is
 * valueDecimal, choice is valueCoding in the product's answer CodeSystem.
 *
 * enableWhen: the rule base decides relevance in CLIPS rules, which FHIR
 * cannot hold. Where the engine shows that a question becomes relevant on
 * a yes (or an unsure) to one of a few yes/no questions alone, and not
 * when they are all no, the item gets enableWhen "<that question> != false"
 * (any of them). Anything else has no enableWhen (always enabled).
 */
#include "cli/cli.h"
#include "cli/report.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FHIR_BASE "https://msktriage.invalid/fhir"
#define CS_QUESTION FHIR_BASE "/CodeSystem/question"
#define CS_FINDING FHIR_BASE "/CodeSystem/finding"
#define CS_ANSWER FHIR_BASE "/CodeSystem/answer"
#define QUESTIONNAIRE_URL FHIR_BASE "/Questionnaire/msktriage"
#define EXT_ABSENT "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
#define EXT_MIN "http://hl7.org/fhir/StructureDefinition/minValue"
#define EXT_MAX "http://hl7.org/fhir/StructureDefinition/maxValue"

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* --------------------------------------------------------- Questionnaire */

static const char *item_type(enum engine_type t)
{
	switch (t) {
	case ENGINE_TYPE_YESNO:
		return "boolean";
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		return "integer";
	case ENGINE_TYPE_NUMBER:
		return "decimal";
	default:
		return "choice";
	}
}

static bool relevant_with(engine *e, const char *q, const char *const *ids,
			  size_t n, const char *value)
{
	engine_answers_clear(e);
	for (size_t i = 0; i < n; i++)
		engine_answer_set_text(e, ids[i], value);
	return engine_run(e) == 0 && engine_question_is_relevant(e, q);
}

/* enableWhen for q as described at the top, or NULL. */
static json_t *enable_when(engine *e, const struct engine_question *q)
{
	if (relevant_with(e, q->id, NULL, 0, NULL))
		return NULL;   /* always relevant */
	size_t nq = engine_question_count(e), n = 0;
	const char **p = calloc(nq ? nq : 1, sizeof(*p));
	json_t *ew = NULL;
	if (!p)
		return NULL;
	for (size_t i = 0; i < nq; i++) {
		const struct engine_question *c = engine_question_at(e, i);
		if (c == q || c->type != ENGINE_TYPE_YESNO)
			continue;
		if (relevant_with(e, q->id, &c->id, 1, "yes") &&
		    relevant_with(e, q->id, &c->id, 1, "unsure"))
			p[n++] = c->id;
	}
	if (!n || relevant_with(e, q->id, p, n, "no"))
		goto out;
	ew = json_array();
	for (size_t i = 0; ew && i < n; i++)
		json_array_append_new(ew, json_pack("{s:s, s:s, s:b}", "question",
						    p[i], "operator", "!=",
						    "answerBoolean", 0));
out:
	free(p);
	return ew;
}

static json_t *question_item(engine *e, const struct engine_question *q)
{
	json_t *item = json_pack("{s:s, s:[{s:s, s:s}], s:s, s:s}",
				 "linkId", q->id, "code", "system", CS_QUESTION,
				 "code", q->id, "text", q->clinician_text,
				 "type", item_type(q->type));
	if (!item)
		return NULL;
	if (q->type == ENGINE_TYPE_CHOICE) {
		json_t *opts = json_array();
		for (size_t i = 0; i < q->n_choices; i++)
			json_array_append_new(opts, json_pack(
				"{s:{s:s, s:s, s:s}}", "valueCoding", "system",
				CS_ANSWER, "code", q->choices[i], "display",
				q->choice_labels[i]));
		json_object_set_new(item, "answerOption", opts);
	} else if (q->type != ENGINE_TYPE_YESNO) {
		bool dec = q->type == ENGINE_TYPE_NUMBER;
		json_t *ext = json_array();
		json_array_append_new(ext, dec
			? json_pack("{s:s, s:f}", "url", EXT_MIN, "valueDecimal", q->min)
			: json_pack("{s:s, s:I}", "url", EXT_MIN, "valueInteger",
				    (json_int_t)q->min));
		json_array_append_new(ext, dec
			? json_pack("{s:s, s:f}", "url", EXT_MAX, "valueDecimal", q->max)
			: json_pack("{s:s, s:I}", "url", EXT_MAX, "valueInteger",
				    (json_int_t)q->max));
		json_object_set_new(item, "extension", ext);
	}
	json_t *ew = enable_when(e, q);
	if (ew) {
		json_object_set_new(item, "enableWhen", ew);
		if (json_array_size(ew) > 1)
			json_object_set_new(item, "enableBehavior", json_string("any"));
	}
	return item;
}

json_t *report_fhir_questionnaire(engine *e)
{
	json_t *groups = json_array();
	json_t *by_section = json_object();
	for (size_t i = 0; groups && by_section && i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		json_t *items = json_object_get(by_section, q->section);
		if (!items) {
			char link[160];
			snprintf(link, sizeof(link), "section.%s", q->section);
			items = json_array();
			json_array_append_new(groups, json_pack("{s:s, s:o, s:s, s:O}",
				"linkId", link, "text", report_section_title(e, q->section,
							     REPORT_CLINICIAN),
				"type", "group", "item", items));
			json_object_set_new(by_section, q->section, items);
		}
		json_array_append_new(items, question_item(e, q));
	}
	engine_answers_clear(e);
	json_decref(by_section);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:s, s:o}",
		"resourceType", "Questionnaire", "url", QUESTIONNAIRE_URL,
		"version", engine_rulebase_version(e), "name", "MsktriageQuestionBank",
		"title", "msktriage musculoskeletal triage question bank",
		"status", "active", "subjectType", "Patient",
		"description", "The msktriage question bank. Questions are asked "
		"when the rule base finds them relevant; enableWhen gives that "
		"condition where it is a yes or unsure to other questions.",
		"item", groups);
}

/* ---------------------------------------------------------------- Bundle */

/* A stable urn:uuid for resource kind of the session with this code. */
static json_t *urn(const char *code, const char *kind)
{
	unsigned char h[16];
	char in[128], out[64];
	snprintf(in, sizeof(in), "msktriage:%s:%s", code, kind);
	crypto_generichash(h, sizeof(h), (const unsigned char *)in, strlen(in),
			   NULL, 0);
	h[6] = (unsigned char)((h[6] & 0x0f) | 0x80);   /* version 8 */
	h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);   /* RFC 9562 variant */
	snprintf(out, sizeof(out), "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x-%02x%02x%02x%02x%02x%02x", h[0], h[1], h[2], h[3],
		 h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12], h[13],
		 h[14], h[15]);
	return json_string(out);
}

/* The model's answer item for question id, or NULL. */
static json_t *answer_item(json_t *doc, const char *id)
{
	size_t i, k;
	json_t *sec, *item;
	json_array_foreach(json_object_get(doc, "answers"), i, sec)
		json_array_foreach(json_object_get(sec, "items"), k, item)
			if (strcmp(jstr(item, "question"), id) == 0)
				return item;
	return NULL;
}

static json_t *response_item(json_t *qitem, json_t *a)
{
	json_t *v = json_object_get(a, "value");
	const char *type = jstr(qitem, "type");
	const char *s = json_string_value(v);
	json_t *out = json_pack("{s:s, s:s}", "linkId", jstr(qitem, "linkId"),
				"text", jstr(qitem, "text"));
	const char *absent = NULL;
	json_t *ans = NULL;
	if (s && strcmp(s, "skip") == 0)
		absent = "asked-declined";
	else if (strcmp(type, "boolean") == 0) {
		if (s && strcmp(s, "yes") == 0)
			ans = json_pack("{s:b}", "valueBoolean", 1);
		else if (s && strcmp(s, "no") == 0)
			ans = json_pack("{s:b}", "valueBoolean", 0);
		else
			absent = "asked-unknown";   /* unsure */
	} else if (strcmp(type, "integer") == 0 && json_is_integer(v)) {
		ans = json_pack("{s:O}", "valueInteger", v);
	} else if (strcmp(type, "decimal") == 0 && json_is_number(v)) {
		ans = json_pack("{s:f}", "valueDecimal", json_number_value(v));
	} else if (strcmp(type, "choice") == 0 && s) {
		ans = json_pack("{s:{s:s, s:s, s:s}}", "valueCoding", "system",
				CS_ANSWER, "code", s, "display", jstr(a, "display"));
	} else {
		absent = "asked-unknown";
	}
	if (ans)
		json_object_set_new(out, "answer", json_pack("[o]", ans));
	else
		json_object_set_new(out, "extension", json_pack("[{s:s, s:s}]",
			"url", EXT_ABSENT, "valueCode", absent));
	return out;
}

static const char *response_status(const char *status)
{
	if (strcmp(status, "complete") == 0)
		return "completed";
	if (strcmp(status, "in_progress") == 0)
		return "in-progress";
	return "stopped";   /* emergency_stopped, abandoned */
}

/* Qualitative risk of a finding from its level, as the map gives it. */
static const char *qualitative(json_t *map, json_t *f)
{
	const char *q = json_string_value(json_object_get(
		json_object_get(map, "qualitative_risk_by_level"), jstr(f, "level")));
	return q ? q : "moderate";
}

static json_t *prediction(json_t *map, json_t *f)
{
	const char *risk = qualitative(map, f);
	json_t *p = json_pack("{s:{s:[{s:s, s:s, s:s}], s:s}, s:f, "
			      "s:{s:[{s:s, s:s}], s:s}}",
		"outcome", "coding", "system", CS_FINDING, "code", jstr(f, "id"),
		"display", jstr(f, "title"), "text", jstr(f, "title"),
		"probabilityDecimal",
		json_number_value(json_object_get(f, "confidence")),
		"qualitativeRisk", "coding", "system",
		"http://terminology.hl7.org/CodeSystem/risk-probability",
		"code", risk, "text", risk);
	if (p && *jstr(f, "text"))
		json_object_set_new(p, "rationale", json_string(jstr(f, "text")));
	return p;
}

/* What a patient is told, in the patient model's words: the meaning of
 * the level, each piece of advice, the safety-netting. */
static json_t *advice_payload(const struct report *p)
{
	json_t *doc = report_json(p);
	json_t *c = json_object_get(doc, "conclusions");
	json_t *payload = json_array();
	const char *lists[] = { "red_flags", "findings", "recommendations" };
	size_t i;
	json_t *x;
	json_array_append_new(payload, json_pack("{s:s}", "contentString",
		jstr(json_object_get(c, "level"), "meaning")));
	json_array_foreach(json_object_get(c, "continued_after_stop"), i, x)
		if (*jstr(x, "text"))
			json_array_append_new(payload, json_pack("{s:s}",
				"contentString", jstr(x, "text")));
	for (size_t l = 0; l < 3; l++)
		json_array_foreach(json_object_get(c, lists[l]), i, x)
			if (*jstr(x, "text"))
				json_array_append_new(payload, json_pack("{s:s}",
					"contentString", jstr(x, "text")));
	json_array_foreach(json_object_get(c, "safety_net"), i, x)
		json_array_append_new(payload, json_pack("{s:O}", "contentString", x));
	return payload;
}

json_t *report_fhir_bundle(const struct report *r, const struct report *pr,
			   json_t *questionnaire, json_t *map)
{
	json_t *doc = report_json(r);
	json_t *s = json_object_get(doc, "session");
	json_t *c = json_object_get(doc, "conclusions");
	const char *code = jstr(s, "code");
	json_t *qr_urn = urn(code, "response"), *ra_urn = urn(code, "risk");
	json_t *pt_urn = urn(code, "patient"), *cm_urn = urn(code, "advice");
	json_t *authored = json_object_get(s, "finished_at");
	if (!json_is_string(authored))
		authored = json_object_get(s, "updated_at");
	size_t i, k;
	json_t *g, *qi;

	/* Patient: nothing but the label a clinician gave, when there is one. */
	json_t *patient = json_pack("{s:s}", "resourceType", "Patient");
	if (*jstr(s, "patient_label"))
		json_object_set_new(patient, "identifier", json_pack(
			"[{s:s, s:s}]", "system", FHIR_BASE "/patient-label",
			"value", jstr(s, "patient_label")));

	/* QuestionnaireResponse: the Questionnaire's structure, answered
	 * items only, groups with no answered item left out. */
	json_t *items = json_array();
	json_array_foreach(json_object_get(questionnaire, "item"), i, g) {
		json_t *sub = json_array();
		json_array_foreach(json_object_get(g, "item"), k, qi) {
			json_t *a = answer_item(doc, jstr(qi, "linkId"));
			if (a)
				json_array_append_new(sub, response_item(qi, a));
		}
		if (json_array_size(sub))
			json_array_append_new(items, json_pack("{s:s, s:s, s:o}",
				"linkId", jstr(g, "linkId"), "text", jstr(g, "text"),
				"item", sub));
		else
			json_decref(sub);
	}
	char canonical[256];
	snprintf(canonical, sizeof(canonical), "%s|%s",
		 jstr(questionnaire, "url"), jstr(questionnaire, "version"));
	json_t *qr = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:{s:O}, s:O, s:o}",
		"resourceType", "QuestionnaireResponse",
		"identifier", "system", FHIR_BASE "/session-code", "value", code,
		"questionnaire", canonical,
		"status", response_status(jstr(s, "status")),
		"subject", "reference", pt_urn, "authored", authored,
		"item", items);

	/* RiskAssessment: one prediction per finding, red flags first. */
	bool final = !json_is_true(json_object_get(c, "interim"));
	json_t *preds = json_array();
	const char *lists[] = { "red_flags", "findings" };
	json_t *f;
	for (size_t l = 0; l < 2; l++)
		json_array_foreach(json_object_get(c, lists[l]), i, f)
			json_array_append_new(preds, prediction(map, f));
	json_t *level = json_object_get(c, "level");
	json_t *ra = json_pack("{s:s, s:s, s:{s:[{s:s, s:s, s:s}], s:s}, "
			       "s:{s:O}, s:O, s:[{s:O}], s:o}",
		"resourceType", "RiskAssessment",
		"status", final ? "final" : "preliminary",
		"code", "coding", "system", FHIR_BASE "/CodeSystem/level",
		"code", jstr(level, "id"), "display", jstr(level, "meaning"),
		"text", jstr(level, "meaning"),
		"subject", "reference", pt_urn, "occurrenceDateTime", authored,
		"basis", "reference", qr_urn, "prediction", preds);
	json_t *notes = json_array();
	if (!final)
		json_array_append_new(notes, json_pack("{s:s}", "text",
			jstr(c, "interim_reason")));
	/* A stop the assessment went on after: the level held, said. */
	json_array_foreach(json_object_get(c, "continued_after_stop"), i, f) {
		char text[2048];
		snprintf(text, sizeof(text), "Emergency stop: the interview "
			 "stopped on %s (level %s). %s The assessment was "
			 "continued for the record after this stop; the level "
			 "stays at least %s whatever was answered later.%s",
			 jstr(f, "title"), jstr(f, "level"), jstr(f, "text"),
			 jstr(f, "level"),
			 json_is_false(json_object_get(f, "supported"))
			 ? " The answers now no longer support this finding; "
			   "the stop stands as it was made." : "");
		json_array_append_new(notes, json_pack("{s:s}", "text", text));
	}
	json_t *rec;
	char *mitigation = NULL;
	size_t mlen = 0;
	FILE *m = open_memstream(&mitigation, &mlen);
	json_array_foreach(json_object_get(c, "recommendations"), i, rec)
		if (m)
			fprintf(m, "%s%s: %s", i ? "\n" : "", jstr(rec, "title"),
				jstr(rec, "text"));
	if (m && fclose(m) == 0 && mlen)
		json_object_set_new(ra, "mitigation", json_string(mitigation));
	free(mitigation);
	if (json_array_size(notes))
		json_object_set_new(ra, "note", notes);
	else
		json_decref(notes);

	/* The advice a patient is given, in the patient's words. */
	json_t *payload = advice_payload(pr);
	json_t *advice = json_pack("{s:s, s:s, s:{s:O}, s:[{s:O}], s:O, s:o}",
		"resourceType", "Communication", "status", "completed",
		"subject", "reference", pt_urn, "about", "reference", ra_urn,
		"sent", authored, "payload", payload);

	json_t *bundle = json_pack(
		"{s:s, s:{s:s, s:s}, s:s, s:O, s:[{s:o, s:o}, {s:o, s:o}, "
		"{s:o, s:o}, {s:o, s:o}]}",
		"resourceType", "Bundle", "identifier", "system",
		FHIR_BASE "/session-code", "value", code, "type", "collection",
		"timestamp", json_object_get(doc, "generated_at"), "entry",
		"fullUrl", pt_urn, "resource", patient,
		"fullUrl", qr_urn, "resource", qr,
		"fullUrl", ra_urn, "resource", ra,
		"fullUrl", cm_urn, "resource", advice);
	return bundle;
}
