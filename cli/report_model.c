/*
 * report_model.c — report_load(): one read-only model of a session that
 * every report format is written from (see report.h and
 * docs/report-schema.md).
 *
 * Where the words come from: the conclusions a session stored when it
 * finished ("format": 2) carry the wording, sources and safety-netting that
 * were shown, and the model takes them from there only. A session still in
 * progress gets interim conclusions worked out again on the rule base loaded
 * now. Conclusions stored before they kept their wording (no "format") take
 * it from the loaded rule base only when it is the one they were made with;
 * otherwise the model says the wording was not kept.
 */
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/result.h"
#include "cli/term.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct report {
	json_t *doc;
};

/* json_object_set_new that remembers a failure (out of memory). */
struct builder {
	bool oom;
};

static void put(struct builder *b, json_t *o, const char *key, json_t *v)
{
	if (!v || json_object_set_new(o, key, v) != 0)
		b->oom = true;
}

static void push(struct builder *b, json_t *a, json_t *v)
{
	if (!v || json_array_append_new(a, v) != 0)
		b->oom = true;
}

/* Text a person typed (label, names, notes), or null. The model holds
 * valid UTF-8 only: bytes that are not (typed before input was checked)
 * become U+FFFD here, in every format alike; each writer then escapes what
 * is left for its own medium (term_escape for text and markdown). */
static json_t *str_or_null(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (!j) {
		char *fixed = term_utf8_repair(s);
		j = fixed ? json_string(fixed) : NULL;
		free(fixed);
	}
	return j;
}

/* "2026-11-21T10:05:00Z", or null for 0. */
static json_t *iso_time(int64_t t)
{
	char buf[32];
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !gmtime_r(&tt, &tm) ||
	    strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return json_null();
	return json_string(buf);
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* ------------------------------------------------------------- answers */

static int collect_answer(const char *question, const char *value, void *ctx)
{
	json_t *a = ctx;
	return json_array_append_new(a, json_pack("{s:s, s:s}", "question",
						  question, "value", value));
}

static int collect_revision(const struct db_revision *r, void *ctx)
{
	json_t *h = ctx;
	json_t *list = json_object_get(h, r->question);
	if (!list) {
		list = json_array();
		if (json_object_set_new(h, r->question, list) != 0)
			return -1;
	}
	return json_array_append_new(list, json_pack("{s:o, s:o}", "value",
		str_or_null(r->value), "at", iso_time(r->at)));
}

/* An answer as the store keeps it ("67", "left", "skip") as a JSON value
 * of the question's type. */
static json_t *typed_value(json_t *qinfo, const char *value)
{
	const char *type = jstr(qinfo, "type");
	if (strcmp(value, DB_SKIP) == 0)
		return json_string(value);
	if (strcmp(type, "integer") == 0 || strcmp(type, "scale") == 0)
		return json_integer(strtoll(value, NULL, 10));
	if (strcmp(type, "number") == 0)
		return json_real(strtod(value, NULL));
	return json_string(value);
}

/* An answer in plain words: "skipped", a choice's label, "72.5 kg". */
static json_t *display_value(json_t *qinfo, const char *value)
{
	if (!value)
		return json_string("withdrawn");
	if (strcmp(value, DB_SKIP) == 0)
		return json_string("skipped");
	const char *label = json_string_value(
		json_object_get(json_object_get(qinfo, "choices"), value));
	if (label && *label)
		return json_string(label);
	const char *unit = jstr(qinfo, "unit");
	if (*unit) {
		char buf[256];
		snprintf(buf, sizeof(buf), "%s %s", value, unit);
		return json_string(buf);
	}
	return json_string(value);
}

const char *report_patient_interim(json_t *c)
{
	return json_is_true(json_object_get(c, "interim_can_fall"))
		? "Not all the questions were answered, so this advice may "
		  "change. If you are worried, ask a clinician today."
		: "Not all the questions were answered, and the missing "
		  "answers could make this more urgent, never less. Follow "
		  "this advice now; if you are unsure, ask a clinician.";
}

json_t *report_section_title(const engine *e, const char *id,
			     enum report_audience aud)
{
	const struct engine_section *sec = e ? engine_section_find(e, id) : NULL;
	if (sec) {
		const char *t = aud == REPORT_PATIENT ? sec->patient_title
						     : sec->clinician_title;
		if (t && *t)
			return json_string(t);
	}
	char buf[128];
	size_t i = 0;
	for (; id[i] && i + 1 < sizeof(buf); i++)
		buf[i] = id[i] == '_' ? ' ' : id[i];
	buf[i] = '\0';
	if (buf[0] >= 'a' && buf[0] <= 'z')
		buf[0] = (char)(buf[0] - 'a' + 'A');
	return json_string(buf);
}

/*
 * The answers grouped by section, sections in the order of the question
 * catalogue (the engine's) and then any the catalogue does not know, each
 * answer with its wording from qinfo (question id -> cli_question_json
 * shape) and its earlier values.
 */
static json_t *answers_model(struct builder *b, json_t *answers,
			     json_t *history, json_t *qinfo, const engine *e,
			     enum report_audience aud)
{
	json_t *sections = json_array();
	json_t *by_section = json_object();   /* borrowed items arrays */
	size_t i;
	json_t *a;
	if (!sections || !by_section) {
		b->oom = true;
		goto out;
	}
	/* Sections in catalogue order first. */
	for (i = 0; e && i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		json_t *qi = json_object_get(qinfo, q->id);
		if (!qi || json_object_get(by_section, jstr(qi, "section")))
			continue;
		bool answered = false;
		size_t k;
		json_t *x;
		json_array_foreach(answers, k, x)
			answered |= strcmp(jstr(x, "question"), q->id) == 0;
		if (!answered)
			continue;
		json_t *items = json_array();
		json_t *s = json_pack("{s:s, s:o, s:O}", "section",
				      jstr(qi, "section"), "title",
				      report_section_title(e, jstr(qi, "section"),
							   aud),
				      "items", items);
		push(b, sections, s);
		put(b, by_section, jstr(qi, "section"), items);
	}
	json_array_foreach(answers, i, a) {
		const char *qid = jstr(a, "question");
		const char *value = jstr(a, "value");
		json_t *qi = json_object_get(qinfo, qid);
		const char *sec = qi ? jstr(qi, "section") : "other";
		json_t *items = json_object_get(by_section, sec);
		if (!items) {
			items = json_array();
			push(b, sections, json_pack("{s:s, s:o, s:O}", "section", sec,
						    "title", report_section_title(e, sec, aud),
						    "items", items));
			put(b, by_section, sec, items);
		}
		json_t *item = json_object();
		push(b, items, item);
		if (!item)
			continue;
		put(b, item, "question", json_string(qid));
		put(b, item, "text", json_string(jstr(qi, aud == REPORT_PATIENT
						     ? "patient_text" : "text")));
		put(b, item, "type", json_string(*jstr(qi, "type") ? jstr(qi, "type")
						 : "unknown"));
		put(b, item, "value", typed_value(qi, value));
		put(b, item, "display", display_value(qi, value));
		if (aud == REPORT_PATIENT)
			continue;
		/* Earlier values: every revision but the current one. */
		json_t *revs = json_object_get(history, qid);
		json_t *earlier = json_array();
		size_t n = json_array_size(revs);
		size_t k;
		json_t *r;
		json_array_foreach(revs, k, r) {
			if (k + 1 == n)
				break;
			const char *v = json_string_value(json_object_get(r, "value"));
			push(b, earlier, json_pack("{s:o, s:o, s:O}", "value",
				v ? typed_value(qi, v) : json_null(), "display",
				display_value(qi, v), "at", json_object_get(r, "at")));
		}
		put(b, item, "history", earlier);
	}
out:
	json_decref(by_section);
	return sections;
}

/* --------------------------------------------------------- conclusions */

/* Wording of conclusions stored without it, from e (the same rule base). */
static void add_wording(struct builder *b, json_t *c, const engine *e)
{
	size_t i;
	json_t *item;
	json_array_foreach(json_object_get(c, "findings"), i, item) {
		const struct engine_finding *f =
			engine_finding_def_find(e, jstr(item, "id"));
		if (!f)
			continue;
		put(b, item, "text", json_string(f->clinician_text));
		put(b, item, "patient_text", json_string(f->patient_text));
		put(b, item, "safety_net", json_string(f->safety_net));
	}
	json_array_foreach(json_object_get(c, "recommendations"), i, item) {
		for (size_t k = 0; k < engine_recommendation_def_count(e); k++) {
			const struct engine_recommendation *r =
				engine_recommendation_def_at(e, k);
			if (strcmp(r->id, jstr(item, "id")) != 0)
				continue;
			put(b, item, "text", json_string(r->clinician_text));
			put(b, item, "patient_text", json_string(r->patient_text));
		}
	}
}

/* The answer to question q among the session's answers, or NULL. */
static const char *answer_value(json_t *answers, const char *q)
{
	size_t i;
	json_t *a;
	json_array_foreach(answers, i, a)
		if (strcmp(jstr(a, "question"), q) == 0)
			return jstr(a, "value");
	return NULL;
}

/* One entry of what a finding rests on or what argues against it. */
static json_t *evidence_one(const char *q, const char *value, json_t *qinfo,
			    json_t *findings)
{
	json_t *qi = json_object_get(qinfo, q);
	if (!qi || !value) {
		/* Another finding, or a question whose wording is not known. */
		const char *title = q;
		size_t i;
		json_t *f;
		json_array_foreach(findings, i, f)
			if (strcmp(jstr(f, "id"), q) == 0)
				title = jstr(f, "title");
		return json_pack("{s:s, s:s}", "id", q, "text", title);
	}
	return json_pack("{s:s, s:s, s:o}", "id", q, "text", jstr(qi, "text"),
			 "answer", display_value(qi, value));
}

/*
 * What a finding rests on ("because": {question: answer}) or what argues
 * against it ("against": [question ids], or the same object form), in
 * plain words, answers as the session holds them.
 */
static json_t *evidence_model(struct builder *b, json_t *from, json_t *qinfo,
			      json_t *findings, json_t *answers)
{
	json_t *out = json_array();
	const char *q;
	json_t *v;
	size_t i;
	if (json_is_array(from)) {
		json_array_foreach(from, i, v) {
			const char *id = json_string_value(v);
			if (id)
				push(b, out, evidence_one(id, answer_value(answers, id),
							  qinfo, findings));
		}
		return out;
	}
	json_object_foreach(from, q, v) {
		(void)v;
		push(b, out, evidence_one(q, answer_value(answers, q), qinfo,
					  findings));
	}
	return out;
}

/* What a stop rested on when it was made: the answers then, which may
 * differ from the session's answers now. */
static json_t *stop_evidence(struct builder *b, json_t *because,
			     json_t *qinfo, json_t *findings)
{
	json_t *out = json_array();
	const char *q;
	json_t *v;
	json_object_foreach(because, q, v) {
		char num[64];
		const char *text = json_string_value(v);
		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			text = num;
		} else if (json_is_real(v)) {
			snprintf(num, sizeof(num), "%g", json_real_value(v));
			text = num;
		}
		push(b, out, evidence_one(q, text, qinfo, findings));
	}
	return out;
}

static json_t *finding_model(struct builder *b, json_t *f, json_t *c,
			     json_t *qinfo, json_t *answers,
			     enum report_audience aud)
{
	if (aud == REPORT_PATIENT)
		return json_pack("{s:s, s:s, s:s}", "id", jstr(f, "id"), "title",
				 jstr(f, "title"), "text", jstr(f, "patient_text"));
	json_t *findings = json_object_get(c, "findings");
	json_t *actions = json_array();
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(c, "recommendations"), i, r) {
		size_t k;
		json_t *by;
		json_array_foreach(json_object_get(r, "because"), k, by)
			if (strcmp(json_string_value(by) ? json_string_value(by) : "",
				   jstr(f, "id")) == 0)
				push(b, actions, json_pack("{s:s, s:s}", "id",
					jstr(r, "id"), "title", jstr(r, "title")));
	}
	json_t *citations = json_object_get(f, "citations");
	return json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:o, s:o, s:o, s:o}",
		"id", jstr(f, "id"), "kind", jstr(f, "kind"),
		"title", jstr(f, "title"), "level", jstr(f, "level"),
		"confidence", json_number_value(json_object_get(f, "confidence")),
		"text", jstr(f, "text"), "safety_net", jstr(f, "safety_net"),
		"supports", evidence_model(b, json_object_get(f, "because"), qinfo,
					   findings, answers),
		"against", evidence_model(b, json_object_get(f, "against"), qinfo,
					  findings, answers),
		"actions", actions,
		"citations", citations ? json_incref(citations) : json_array());
}

static json_t *conclusions_model(struct builder *b, json_t *c, json_t *qinfo,
				 json_t *answers, const char *origin, int stored_format,
				 const char *wording, const char *status,
				 enum report_audience aud)
{
	json_t *triage = json_object_get(c, "triage");
	json_t *screened = json_object_get(c, "red_flags_screened");
	bool in_progress = strcmp(status, "in_progress") == 0;
	bool unscreened = json_is_false(screened);
	const char *reason = in_progress ? "the interview is not finished"
			   : unscreened ? "red-flag screening not finished" : NULL;
	if (in_progress && unscreened)
		reason = "the interview is not finished and red-flag screening "
			 "is not finished";
	json_t *m = json_object();
	if (!m) {
		b->oom = true;
		return NULL;
	}
	put(b, m, "interim", json_boolean(reason != NULL));
	put(b, m, "interim_reason", str_or_null(reason));
	/* A finished session's open questions are red-flag questions, and red
	 * flags only add evidence: its level can rise, never fall. Only an
	 * interview still in progress can lower it (an answer changed). */
	put(b, m, "interim_can_fall", json_boolean(reason != NULL && in_progress));
	put(b, m, "level", json_pack("{s:s, s:I, s:s}", "id", jstr(triage, "level"),
		"rank", json_integer_value(json_object_get(triage, "rank")),
		"meaning", jstr(triage, aud == REPORT_PATIENT ? "patient_meaning"
							       : "meaning")));

	json_t *red = json_array(), *other = json_array();
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(c, "findings"), i, f) {
		bool is_red = strcmp(jstr(f, "kind"), "red_flag") == 0;
		push(b, is_red ? red : other,
		     finding_model(b, f, c, qinfo, answers, aud));
	}
	put(b, m, "red_flags", red);
	put(b, m, "findings", other);

	json_t *recs = json_array();
	json_t *r;
	json_array_foreach(json_object_get(c, "recommendations"), i, r) {
		if (aud == REPORT_PATIENT)
			push(b, recs, json_pack("{s:s, s:s, s:s}", "id", jstr(r, "id"),
				"title", jstr(r, "title"), "text",
				jstr(r, "patient_text")));
		else
			push(b, recs, json_pack("{s:s, s:s, s:s, s:o, s:o}", "id",
				jstr(r, "id"), "title", jstr(r, "title"), "text",
				jstr(r, "text"), "for", json_object_get(r, "because")
				? json_incref(json_object_get(r, "because"))
				: json_array(), "citations",
				json_object_get(r, "citations")
				? json_incref(json_object_get(r, "citations"))
				: json_array()));
	}
	put(b, m, "recommendations", recs);

	/* Safety-netting: the level's, then each finding's own, once each. */
	json_t *net = json_array();
	if (*jstr(triage, "safety_net"))
		push(b, net, json_string(jstr(triage, "safety_net")));
	json_array_foreach(json_object_get(c, "findings"), i, f) {
		const char *s = jstr(f, "safety_net");
		bool seen = !*s;
		size_t k;
		json_t *x;
		json_array_foreach(net, k, x)
			seen |= strcmp(json_string_value(x), s) == 0;
		if (!seen)
			push(b, net, json_string(s));
	}
	put(b, m, "safety_net", net);

	/* Stops the assessment went on after: the level stays at least
	 * theirs, and the record says whether the answers still support
	 * them. */
	json_t *stops = json_array();
	json_array_foreach(json_object_get(c, "stops"), i, f) {
		json_t *x = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:b}",
			"finding", jstr(f, "finding"), "title", jstr(f, "title"),
			"level", jstr(f, "level"), "meaning",
			jstr(f, aud == REPORT_PATIENT ? "patient_meaning"
						      : "meaning"),
			"text", jstr(f, aud == REPORT_PATIENT ? "patient_text"
							      : "text"),
			"continued_at", iso_time(json_integer_value(
				json_object_get(f, "continued_at"))),
			"supported", !json_is_false(json_object_get(f, "supported")));
		if (x && aud == REPORT_CLINICIAN)
			put(b, x, "because", stop_evidence(b,
				json_object_get(f, "because"), qinfo,
				json_object_get(c, "findings")));
		push(b, stops, x);
	}
	/* Only when there is one: reports of other sessions stay as they
	 * were. */
	if (json_array_size(stops))
		put(b, m, "continued_after_stop", stops);
	else
		json_decref(stops);
	if (aud == REPORT_PATIENT)
		return m;

	put(b, m, "origin", json_string(origin));
	put(b, m, "stored_format", json_integer(stored_format));
	put(b, m, "wording", json_string(wording));
	put(b, m, "complete", json_boolean(json_is_true(json_object_get(c, "complete"))));
	put(b, m, "red_flags_screened", screened ? json_incref(screened) : json_null());
	const char *stop = json_string_value(json_object_get(c, "stopped_by"));
	json_t *stopped = json_null();
	if (stop) {
		const char *title = stop;
		json_array_foreach(json_object_get(c, "findings"), i, f)
			if (strcmp(jstr(f, "id"), stop) == 0)
				title = jstr(f, "title");
		stopped = json_pack("{s:s, s:s}", "id", stop, "title", title);
	}
	put(b, m, "stopped_by", stopped);
	return m;
}

/* ------------------------------------------------------ notes and audit */

static int collect_note(const struct db_note *n, void *ctx)
{
	return json_array_append_new(ctx, json_pack("{s:o, s:o, s:o}", "at",
		iso_time(n->at), "author", str_or_null(n->author), "text", str_or_null(n->text)));
}

struct audit_sum {
	json_t *counts;
	int64_t first, last;
	json_int_t n;
};

static int count_audit(const struct db_audit *a, void *ctx)
{
	struct audit_sum *s = ctx;
	json_t *c = json_object_get(s->counts, a->event);
	if (json_object_set_new(s->counts, a->event, json_integer(
		c ? json_integer_value(c) + 1 : 1)) != 0)
		return -1;
	if (!s->n || a->at < s->first)
		s->first = a->at;
	if (a->at > s->last)
		s->last = a->at;
	s->n++;
	return 0;
}

/* ---------------------------------------------------------------- load */

int report_load(db *d, int64_t sid, engine *e, enum report_audience aud,
		int64_t now, struct report **out, char *err, size_t errsize)
{
	struct builder b = { 0 };
	struct db_session *s = NULL;
	json_t *answers = json_array(), *history = json_object();
	json_t *notes = json_array(), *addenda = json_array();
	struct audit_sum audit = { .counts = json_object() };
	json_t *c = NULL, *doc = NULL;
	int rc = -1;

	*out = NULL;
	if (!answers || !history || !notes || !addenda || !audit.counts)
		goto out_oom;
	if (db_session_get(d, sid, &s) != DB_OK ||
	    db_answers_load(d, sid, collect_answer, answers) != DB_OK ||
	    db_answer_history(d, sid, collect_revision, history) != DB_OK ||
	    db_notes_load(d, sid, collect_note, notes) != DB_OK ||
	    db_addenda_load(d, sid, collect_note, addenda) != DB_OK ||
	    db_audit_load(d, sid, count_audit, &audit) != DB_OK) {
		snprintf(err, errsize, "cannot read session %lld: %s",
			 (long long)sid, db_errmsg(d));
		goto out_free;
	}

	const char *origin = "stored", *wording = "kept";
	int format = 2;
	bool in_progress = strcmp(s->status, "in_progress") == 0;
	if (!in_progress && s->conclusions_json) {
		c = json_loads(s->conclusions_json, 0, NULL);
		if (!json_is_object(c)) {
			snprintf(err, errsize, "the stored conclusions of session "
				 "'%s' cannot be read", s->code);
			goto out_free;
		}
		format = (int)json_integer_value(json_object_get(c, "format"));
		if (format < 2) {
			format = 1;
			const char *made = jstr(json_object_get(c, "rulebase"), "sha256");
			if (e && strcmp(made, engine_rulebase_sha256(e)) == 0) {
				add_wording(&b, c, e);
				wording = "rule_base";
			} else {
				wording = "not_kept";
			}
		}
	} else {
		/* Interim: work the conclusions out again from the answers. */
		if (!e) {
			snprintf(err, errsize, "session '%s' is not finished and "
				 "no rule base is loaded", s->code);
			goto out_free;
		}
		origin = "worked_out";
		engine_answers_clear(e);
		/* A stop the assessment went on after is held, as the
		 * interview holds it: the latest stored conclusions carry it. */
		json_t *kept = s->conclusions_json
			? json_loads(s->conclusions_json, 0, NULL) : NULL;
		json_t *stops = json_object_get(kept, "stops");
		if (json_array_size(stops) &&
		    cli_stops_hold(e, stops, err, errsize) != 0) {
			json_decref(kept);
			goto out_free;
		}
		size_t i;
		json_t *a;
		json_array_foreach(answers, i, a)
			engine_answer_set_text(e, jstr(a, "question"), jstr(a, "value"));
		if (engine_run(e) != 0) {
			json_decref(kept);
			snprintf(err, errsize, "%s", engine_errmsg(e));
			goto out_free;
		}
		c = cli_result_stored_json(e);
		if (c && json_array_size(stops))
			json_object_set_new(c, "stops", cli_stops_now(e, stops));
		json_decref(kept);
		if (!c)
			goto out_oom;
	}

	/* Question wording: as stored, else from the same rule base. */
	json_t *qinfo = json_object_get(c, "questions");
	json_t *own_qinfo = NULL;
	if (!qinfo) {
		qinfo = own_qinfo = json_object();
		size_t i;
		json_t *a;
		json_array_foreach(answers, i, a) {
			const struct engine_question *q = e && strcmp(wording, "not_kept")
				? engine_question_find(e, jstr(a, "question")) : NULL;
			if (q)
				put(&b, own_qinfo, q->id, cli_question_json(q));
		}
	}

	doc = json_object();
	if (!doc)
		goto out_oom;
	put(&b, doc, "schema", json_string("msktriage-report"));
	put(&b, doc, "schema_version", json_integer(REPORT_SCHEMA_VERSION));
	put(&b, doc, "audience", json_string(aud == REPORT_PATIENT ? "patient"
								    : "clinician"));
	put(&b, doc, "generated_at", iso_time(now));
	put(&b, doc, "generator", json_pack("{s:s, s:s}", "name", "msktriage",
					    "version", cli_version));
	json_t *sess = json_pack("{s:s, s:o, s:o, s:s}", "code", s->code,
				 "started_at", iso_time(s->started_at),
				 "finished_at", iso_time(s->finished_at),
				 "status", s->status);
	put(&b, doc, "session", sess);
	if (sess && aud == REPORT_CLINICIAN) {
		put(&b, sess, "id", json_integer(s->id));
		put(&b, sess, "mode", json_string(s->mode));
		put(&b, sess, "updated_at", iso_time(s->updated_at));
		put(&b, sess, "patient_label", str_or_null(s->patient_label));
		put(&b, sess, "clinician", str_or_null(s->clinician));
		put(&b, sess, "rulebase_version", json_string(
			jstr(json_object_get(c, "rulebase"), "version")));
	}
	put(&b, doc, "conclusions", conclusions_model(&b, c, qinfo, answers,
		origin, format, wording, s->status, aud));
	put(&b, doc, "answers", answers_model(&b, answers, history, qinfo, e, aud));
	if (aud == REPORT_CLINICIAN) {
		put(&b, doc, "notes", json_incref(notes));
		put(&b, doc, "addenda", json_incref(addenda));
		put(&b, doc, "sign_off", s->signed_off_by
		    ? json_pack("{s:o, s:o}", "by", str_or_null(s->signed_off_by), "at",
				iso_time(s->signed_off_at))
		    : json_null());
		put(&b, doc, "audit", json_pack("{s:I, s:O, s:o, s:o}", "events",
			audit.n, "counts", audit.counts, "first_at",
			iso_time(audit.first), "last_at", iso_time(audit.last)));
		json_t *tech = json_pack("{s:s, s:s, s:s, s:s, s:o}",
			"rulebase_sha256", s->rulebase_sha256 ? s->rulebase_sha256 : "",
			"conclusions_rulebase_sha256",
			jstr(json_object_get(c, "rulebase"), "sha256"),
			"program_version", s->program_version ? s->program_version : "",
			"report_program_version", cli_version,
			"findings", json_array());
		put(&b, doc, "technical", tech);
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(c, "findings"), i, f)
			push(&b, json_object_get(tech, "findings"),
			     json_pack("{s:s, s:o, s:s}", "id", jstr(f, "id"),
				       "rules", json_object_get(f, "rules")
				       ? json_incref(json_object_get(f, "rules"))
				       : json_array(),
				       "source", jstr(f, "source")));
	}
	json_decref(own_qinfo);
	if (b.oom)
		goto out_oom;
	if (!(*out = malloc(sizeof(**out))))
		goto out_oom;
	(*out)->doc = doc;
	doc = NULL;
	rc = 0;
	goto out_free;
out_oom:
	snprintf(err, errsize, "out of memory");
out_free:
	json_decref(doc);
	json_decref(c);
	json_decref(answers);
	json_decref(history);
	json_decref(notes);
	json_decref(addenda);
	json_decref(audit.counts);
	db_session_free(s);
	return rc;
}

void report_free(struct report *r)
{
	if (!r)
		return;
	json_decref(r->doc);
	free(r);
}

json_t *report_json(const struct report *r)
{
	return r->doc;
}

int report_format_parse(const char *name)
{
	static const char *const names[] = {
		[REPORT_TEXT] = "text", [REPORT_MARKDOWN] = "markdown",
		[REPORT_JSON] = "json", [REPORT_HTML] = "html",
		[REPORT_FHIR] = "fhir",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return (int)i;
	/* The file extension people type for Markdown. */
	if (strcmp(name, "md") == 0)
		return REPORT_MARKDOWN;
	return -1;
}

int report_audience_parse(const char *name)
{
	if (strcmp(name, "clinician") == 0)
		return REPORT_CLINICIAN;
	if (strcmp(name, "patient") == 0)
		return REPORT_PATIENT;
	return -1;
}
