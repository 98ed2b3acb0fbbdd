/*
 * report_write.c — the report model (report_model.c) written out: plain
 * text, Markdown and JSON.
 *
 * Text and Markdown say the same things in the same order: one walk over
 * the model (write_body) calls a table of five small functions (struct
 * style) that know the format's syntax and its escaping. Every string that
 * reaches a page goes through the style's escaping, whoever typed it:
 * plain text drops control characters (no terminal sequence survives), and
 * Markdown escapes its punctuation and writes <, > and & as entities.
 */
#include "cli/report.h"
#include "cli/result.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct style {
	void (*heading)(FILE *f, int level, const char *text);
	void (*para)(FILE *f, const char *text);
	/* A list item; depth 0 or 1. */
	void (*item)(FILE *f, int depth, const char *text);
	void (*field)(FILE *f, const char *label, const char *value);
	void (*end_list)(FILE *f);
};

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* printf into a new string; NULL when out of memory. */
static char *fmt(const char *format, ...)
{
	va_list ap;
	va_start(ap, format);
	int n = vsnprintf(NULL, 0, format, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return NULL;
	va_start(ap, format);
	vsnprintf(s, (size_t)n + 1, format, ap);
	va_end(ap);
	return s;
}

/* "2026-11-21T10:05:00Z" -> "2026-11-21 10:05 UTC" into buf. */
static const char *when(json_t *iso, char *buf, size_t size)
{
	const char *s = json_string_value(iso);
	if (!s || strlen(s) < 16) {
		snprintf(buf, size, "-");
		return buf;
	}
	snprintf(buf, size, "%.10s %.5s UTC", s, s + 11);
	return buf;
}

/* --------------------------------------------------------------- text */

/*
 * A copy of s that is safe on a terminal and in a file: C0 controls other
 * than newline and tab, DEL and the C1 controls (U+0080..U+009F in UTF-8)
 * become '?'. The caller frees it; NULL when out of memory.
 */
static char *text_clean(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 1);
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
		    (unsigned char)s[i + 1] <= 0x9f) {
			out[o++] = '?';
			i++;
		} else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7f) {
			out[o++] = '?';
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = '\0';
	return out;
}

/*
 * What a person typed (label, names, notes, addenda), made visible: control
 * characters, newlines, C1 and bidi controls as escapes (term_escape), so it
 * can neither colour the terminal nor start a line of the report. The
 * caller frees the result; NULL when out of memory.
 */
static char *typed(const char *s)
{
	size_t size = 6 * strlen(s) + 1;   /* the longest escape per byte */
	char *buf = malloc(size);
	return buf ? (char *)term_escape(buf, size, s, 0) : NULL;
}

static void text_wrap(FILE *f, int indent, int hang, const char *text)
{
	struct term_out o;
	char *clean = text_clean(text);
	term_out_plain(&o, f);
	term_wrap(&o, indent, hang, TERM_RESET, clean ? clean : "");
	free(clean);
}

static void text_heading(FILE *f, int level, const char *text)
{
	char *clean = text_clean(text);
	size_t n = clean ? strlen(clean) : 0;
	if (level > 1)
		fputc('\n', f);
	if (level >= 3) {
		fprintf(f, "%s\n", clean ? clean : "");
	} else {
		fprintf(f, "%s\n", clean ? clean : "");
		for (size_t i = 0; i < n; i++)
			fputc(level == 1 ? '=' : '-', f);
		fputc('\n', f);
	}
	free(clean);
}

static void text_para(FILE *f, const char *text)
{
	text_wrap(f, 0, 0, text);
}

static void text_item(FILE *f, int depth, const char *text)
{
	if (depth) {
		text_wrap(f, 2, 2, text);
		return;
	}
	char *line = fmt("- %s", text);
	text_wrap(f, 0, 2, line ? line : "");
	free(line);
}

static void text_field(FILE *f, const char *label, const char *value)
{
	char *l = text_clean(label), *v = text_clean(value);
	fprintf(f, "%-12s %s\n", l ? l : "", v ? v : "");
	free(l);
	free(v);
}

static void text_end_list(FILE *f)
{
	(void)f;
}

static const struct style text_style = {
	text_heading, text_para, text_item, text_field, text_end_list,
};

/* ----------------------------------------------------------- markdown */

/*
 * Markdown (CommonMark): nothing typed may start a heading, a list, a quote,
 * a table, a link, emphasis, code or raw HTML. Everywhere: \ ` * _ [ ] | ~ !
 * are backslash-escaped and <, > and & written as entities. At the start of
 * a line (and of every piece written, which may follow a list marker):
 * # - + = are escaped too, and the . or ) after leading digits (an ordered
 * list). Control characters become '?'; a newline is a hard line break.
 */
static void md_put(FILE *f, const char *s)
{
	char *clean = text_clean(s);
	bool line_start = true;
	for (const char *p = clean ? clean : ""; *p; p++) {
		bool was_start = line_start;
		line_start = false;
		switch (*p) {
		case '<':
			fputs("&lt;", f);
			continue;
		case '>':
			fputs("&gt;", f);
			continue;
		case '&':
			fputs("&amp;", f);
			continue;
		case '\n':
			fputs("\\\n", f);
			line_start = true;
			continue;
		case '\t':
			fputc(' ', f);
			continue;
		default:
			break;
		}
		if (strchr("\\`*_[]|~!", *p) ||
		    (was_start && strchr("#-+=", *p)))
			fputc('\\', f);
		if (was_start && *p >= '0' && *p <= '9') {
			const char *q = p;
			while (*q >= '0' && *q <= '9')
				q++;
			fwrite(p, 1, (size_t)(q - p), f);
			p = q - 1;
			if (q[0] == '.' || q[0] == ')') {
				fputc('\\', f);
				fputc(*q, f);
				p = q;
			}
			continue;
		}
		if (*p == ' ' && was_start)
			line_start = true;   /* leading spaces: still the start */
		fputc(*p, f);
	}
	free(clean);
}

static void md_heading(FILE *f, int level, const char *text)
{
	if (level > 1)
		fputc('\n', f);
	for (int i = 0; i < level; i++)
		fputc('#', f);
	fputc(' ', f);
	md_put(f, text);
	fputs("\n\n", f);
}

static void md_para(FILE *f, const char *text)
{
	md_put(f, text);
	fputs("\n\n", f);
}

static void md_item(FILE *f, int depth, const char *text)
{
	fputs(depth ? "  - " : "- ", f);
	md_put(f, text);
	fputc('\n', f);
}

static void md_field(FILE *f, const char *label, const char *value)
{
	fputs("- **", f);
	md_put(f, label);
	fputs(":** ", f);
	md_put(f, value);
	fputc('\n', f);
}

static void md_end_list(FILE *f)
{
	fputc('\n', f);
}

static const struct style md_style = {
	md_heading, md_para, md_item, md_field, md_end_list,
};

/* --------------------------------------------------------------- body */

/* "Question? answer" or "Statement: answer", question wording as written. */
static char *qa(const char *question, const char *answer)
{
	size_t n = strlen(question);
	if (n && question[n - 1] == '?')
		return fmt("%s %s", question, answer);
	if (n && question[n - 1] == '.')
		n--;
	return fmt("%.*s: %s", (int)n, question, answer);
}

/* "what: answer; what: answer" of a finding's supports or against. */
static char *evidence_line(const char *lead, json_t *list)
{
	char *line = fmt("%s", lead);
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) {
		const char *answer = jstr(x, "answer");
		char *one = *answer
			? qa(*jstr(x, "text") ? jstr(x, "text") : jstr(x, "id"), answer)
			: fmt("%s", jstr(x, "text"));
		char *next = fmt("%s%s%s", line ? line : "", i ? "; " : " ",
				 one ? one : "");
		free(one);
		free(line);
		line = next;
	}
	return line;
}

/* The stops the assessment went on after: what stopped it and at which
 * level, what to do, that it went on, and whether the answers now still
 * support the stop. */
static void write_stops(const struct style *st, FILE *f, json_t *c,
			bool clinician)
{
	size_t i;
	json_t *x;
	char t[64];
	json_array_foreach(json_object_get(c, "continued_after_stop"), i, x) {
		char *line;
		if (!clinician) {
			/* Under "What to do": the level's meaning is above. */
			line = fmt("Emergency: %s", jstr(x, "text"));
			st->item(f, 0, line ? line : "");
			free(line);
			continue;
		}
		st->heading(f, 2, "Emergency stop");
		line = fmt("The interview stopped on: %s (level %s). %s",
			   jstr(x, "title"), jstr(x, "level"), jstr(x, "meaning"));
		st->para(f, line ? line : "");
		free(line);
		if (*jstr(x, "text"))
			st->item(f, 0, jstr(x, "text"));
		json_t *sup = json_object_get(x, "because");
		if (json_array_size(sup)) {
			line = evidence_line("Supported when it stopped by:", sup);
			st->item(f, 0, line ? line : "");
			free(line);
		}
		st->end_list(f);
		line = fmt("The assessment was continued for the record after "
			   "this stop (%s); the level stays at least %s whatever "
			   "was answered later.",
			   when(json_object_get(x, "continued_at"), t, sizeof(t)),
			   jstr(x, "level"));
		st->para(f, line ? line : "");
		free(line);
		if (json_is_false(json_object_get(x, "supported")))
			st->para(f, "The answers now no longer support this "
				 "finding; the stop stands as it was made.");
	}
}

static void finding_clinician(const struct style *st, FILE *f, json_t *x)
{
	char *s = fmt("%s (confidence %.2f, level %s)", jstr(x, "title"),
		      json_number_value(json_object_get(x, "confidence")),
		      jstr(x, "level"));
	st->item(f, 0, s ? s : "");
	free(s);
	if (*jstr(x, "text"))
		st->item(f, 1, jstr(x, "text"));
	json_t *sup = json_object_get(x, "supports");
	if (json_array_size(sup)) {
		s = evidence_line("Supported by:", sup);
		st->item(f, 1, s ? s : "");
		free(s);
	}
	json_t *against = json_object_get(x, "against");
	if (json_array_size(against)) {
		s = evidence_line("Argues against:", against);
		st->item(f, 1, s ? s : "");
		free(s);
	}
	json_t *acts = json_object_get(x, "actions");
	size_t i;
	json_t *a;
	json_array_foreach(acts, i, a) {
		s = fmt("Action: %s", jstr(a, "title"));
		st->item(f, 1, s ? s : "");
		free(s);
	}
	json_array_foreach(json_object_get(x, "citations"), i, a) {
		const char *c = json_is_string(a) ? json_string_value(a)
			       : jstr(a, "text");
		s = fmt("Source: %s", c);
		st->item(f, 1, s ? s : "");
		free(s);
	}
}

static void write_answers(const struct style *st, FILE *f, json_t *doc,
			  bool clinician)
{
	size_t i, k;
	json_t *sec, *item;
	json_t *sections = json_object_get(doc, "answers");
	size_t n = 0;
	json_array_foreach(sections, i, sec)
		n += json_array_size(json_object_get(sec, "items"));
	char *title = fmt("%s (%zu)", clinician ? "Answers" : "Your answers", n);
	st->heading(f, 2, title ? title : "Answers");
	free(title);
	if (!json_array_size(sections))
		st->para(f, "No answers were given.");
	json_array_foreach(sections, i, sec) {
		st->heading(f, 3, jstr(sec, "title"));
		json_array_foreach(json_object_get(sec, "items"), k, item) {
			const char *q = *jstr(item, "text") ? jstr(item, "text")
							    : jstr(item, "question");
			char *s = qa(q, jstr(item, "display"));
			st->item(f, 0, s ? s : "");
			free(s);
			size_t h;
			json_t *rev;
			json_array_foreach(json_object_get(item, "history"), h, rev) {
				char at[40];
				s = fmt("earlier: %s (%s)", jstr(rev, "display"),
					when(json_object_get(rev, "at"), at, sizeof(at)));
				st->item(f, 1, s ? s : "");
				free(s);
			}
		}
		st->end_list(f);
	}
}

/* A note or an addendum: "when, author: text", the author and the text as
 * typed(). The caller frees the result. */
static char *typed_entry(json_t *x, char *t, size_t tsize)
{
	char *author = typed(jstr(x, "author")), *text = typed(jstr(x, "text"));
	char *line = author && text
		? fmt("%s%s%s: %s", when(json_object_get(x, "at"), t, tsize),
		      *author ? ", " : "", author, text)
		: NULL;
	free(author);
	free(text);
	return line;
}

static void write_clinician(const struct style *st, FILE *f, json_t *doc)
{
	json_t *s = json_object_get(doc, "session");
	json_t *c = json_object_get(doc, "conclusions");
	json_t *level = json_object_get(c, "level");
	char t[64], *line;
	size_t i;
	json_t *x;

	st->heading(f, 1, "Musculoskeletal triage report");
	line = fmt("%s (id %lld)", jstr(s, "code"),
		   (long long)json_integer_value(json_object_get(s, "id")));
	st->field(f, "Session", line ? line : "");
	free(line);
	if (*jstr(s, "patient_label")) {
		line = typed(jstr(s, "patient_label"));
		st->field(f, "Patient", line ? line : "");
		free(line);
	}
	st->field(f, "Mode", jstr(s, "mode"));
	st->field(f, "Status", jstr(s, "status"));
	st->field(f, "Started", when(json_object_get(s, "started_at"), t, sizeof(t)));
	st->field(f, "Finished", when(json_object_get(s, "finished_at"), t, sizeof(t)));
	if (*jstr(s, "clinician")) {
		line = typed(jstr(s, "clinician"));
		st->field(f, "Clinician", line ? line : "");
		free(line);
	}
	json_t *so = json_object_get(doc, "sign_off");
	if (json_is_object(so)) {
		char *by = typed(jstr(so, "by"));
		line = by ? fmt("by %s, %s", by,
				when(json_object_get(so, "at"), t, sizeof(t))) : NULL;
		free(by);
		st->field(f, "Signed off", line ? line : "");
		free(line);
	} else {
		st->field(f, "Signed off", "not signed off");
	}
	st->field(f, "Rule base", jstr(s, "rulebase_version"));
	st->end_list(f);

	st->heading(f, 2, json_is_true(json_object_get(c, "interim"))
		    ? "Triage level (interim)" : "Triage level");
	line = fmt("%s: %s", jstr(level, "id"), jstr(level, "meaning"));
	st->para(f, line ? line : "");
	free(line);
	if (json_is_true(json_object_get(c, "interim"))) {
		line = fmt("Interim: %s. %s", jstr(c, "interim_reason"),
			   json_is_true(json_object_get(c, "interim_can_fall"))
				   ? "The level may still change."
				   : "The open red-flag questions can raise the "
				     "level, never lower it.");
		st->para(f, line ? line : "");
		free(line);
	}
	json_t *stop = json_object_get(c, "stopped_by");
	if (json_is_object(stop)) {
		line = fmt("The interview was stopped by: %s.", jstr(stop, "title"));
		st->para(f, line ? line : "");
		free(line);
	}
	write_stops(st, f, c, true);
	if (strcmp(jstr(c, "wording"), "not_kept") == 0)
		st->para(f, "These conclusions were stored without their wording "
			 "by an earlier rule base; only titles are shown.");

	json_t *red = json_object_get(c, "red_flags");
	st->heading(f, 2, "Red flags");
	if (!json_array_size(red))
		st->para(f, "None found.");
	json_array_foreach(red, i, x)
		finding_clinician(st, f, x);
	st->end_list(f);

	json_t *fs = json_object_get(c, "findings");
	st->heading(f, 2, "Findings");
	if (!json_array_size(fs))
		st->para(f, "None.");
	json_array_foreach(fs, i, x)
		finding_clinician(st, f, x);
	st->end_list(f);

	json_t *recs = json_object_get(c, "recommendations");
	st->heading(f, 2, "Recommendations");
	if (!json_array_size(recs))
		st->para(f, "None.");
	json_array_foreach(recs, i, x) {
		st->item(f, 0, jstr(x, "title"));
		if (*jstr(x, "text"))
			st->item(f, 1, jstr(x, "text"));
		size_t k;
		json_t *cite;
		json_array_foreach(json_object_get(x, "citations"), k, cite) {
			line = fmt("Source: %s", json_is_string(cite)
				   ? json_string_value(cite) : jstr(cite, "text"));
			st->item(f, 1, line ? line : "");
			free(line);
		}
	}
	st->end_list(f);

	st->heading(f, 2, "Safety-netting");
	json_array_foreach(json_object_get(c, "safety_net"), i, x)
		st->item(f, 0, json_string_value(x));
	st->end_list(f);

	write_answers(st, f, doc, true);

	st->heading(f, 2, "Notes");
	json_t *notes = json_object_get(doc, "notes");
	if (!json_array_size(notes))
		st->para(f, "None.");
	json_array_foreach(notes, i, x) {
		line = typed_entry(x, t, sizeof(t));
		st->item(f, 0, line ? line : "");
		free(line);
	}
	st->end_list(f);

	json_t *addenda = json_object_get(doc, "addenda");
	if (json_array_size(addenda)) {
		st->heading(f, 2, "Addenda (after sign-off)");
		json_array_foreach(addenda, i, x) {
			line = typed_entry(x, t, sizeof(t));
			st->item(f, 0, line ? line : "");
			free(line);
		}
		st->end_list(f);
	}

	json_t *tech = json_object_get(doc, "technical");
	json_t *audit = json_object_get(doc, "audit");
	st->heading(f, 2, "Appendix: technical details");
	st->field(f, "Rule base", jstr(tech, "rulebase_sha256"));
	st->field(f, "Conclusions", jstr(tech, "conclusions_rulebase_sha256"));
	st->field(f, "Program", jstr(tech, "program_version"));
	line = fmt("%s, stored format %lld, wording %s", jstr(c, "origin"),
		   (long long)json_integer_value(json_object_get(c, "stored_format")),
		   jstr(c, "wording"));
	st->field(f, "Origin", line ? line : "");
	free(line);
	line = fmt("%lld events", (long long)json_integer_value(
		json_object_get(audit, "events")));
	st->field(f, "Audit trail", line ? line : "");
	free(line);
	st->end_list(f);
	json_array_foreach(json_object_get(tech, "findings"), i, x) {
		char *rules = fmt("%s", "");
		size_t k;
		json_t *r;
		json_array_foreach(json_object_get(x, "rules"), k, r) {
			char *next = fmt("%s%s%s", rules ? rules : "", k ? ", " : "",
					 json_string_value(r));
			free(rules);
			rules = next;
		}
		line = fmt("%s: rules %s; source %s", jstr(x, "id"),
			   rules ? rules : "", jstr(x, "source"));
		st->item(f, 0, line ? line : "");
		free(line);
		free(rules);
	}
	st->end_list(f);
	line = fmt("Report written %s by msktriage %s.",
		   when(json_object_get(doc, "generated_at"), t, sizeof(t)),
		   jstr(json_object_get(doc, "generator"), "version"));
	st->para(f, line ? line : "");
	free(line);
}

static void write_patient(const struct style *st, FILE *f, json_t *doc)
{
	json_t *s = json_object_get(doc, "session");
	json_t *c = json_object_get(doc, "conclusions");
	char t[64];
	size_t i;
	json_t *x;

	st->heading(f, 1, "Your triage summary");
	st->field(f, "Reference", jstr(s, "code"));
	st->field(f, "Date", when(json_object_get(s, "started_at"), t, sizeof(t)));
	st->end_list(f);
	st->heading(f, 2, "What this means");
	st->para(f, jstr(json_object_get(c, "level"), "meaning"));
	if (json_is_true(json_object_get(c, "interim")))
		st->para(f, report_patient_interim(c));
	st->heading(f, 2, "What to do");
	write_stops(st, f, c, false);
	const char *lists[] = { "red_flags", "findings", "recommendations" };
	size_t n = json_array_size(json_object_get(c, "continued_after_stop"));
	for (size_t l = 0; l < 3; l++)
		json_array_foreach(json_object_get(c, lists[l]), i, x)
			if (*jstr(x, "text")) {
				st->item(f, 0, jstr(x, "text"));
				n++;
			}
	if (!n)
		st->para(f, "Nothing beyond the advice below.");
	st->end_list(f);
	st->heading(f, 2, "If things change");
	json_array_foreach(json_object_get(c, "safety_net"), i, x)
		st->item(f, 0, json_string_value(x));
	st->end_list(f);
	write_answers(st, f, doc, false);
}

int report_write(const struct report *r, enum report_format format, FILE *f)
{
	json_t *doc = report_json(r);
	if (format == REPORT_FHIR)
		return -1;   /* needs the engine: report_fhir_bundle() */
	if (format == REPORT_HTML) {
		char err[128];
		json_t *map = report_body_map_load(NULL, err, sizeof(err));
		int rc = map ? report_write_html(r, map, f) : -1;
		json_decref(map);
		return rc;
	}
	if (format == REPORT_JSON) {
		if (json_dumpf(doc, f, JSON_INDENT(2) | CLI_JSON_REAL) != 0)
			return -1;
		fputc('\n', f);
	} else {
		const struct style *st = format == REPORT_MARKDOWN ? &md_style
								   : &text_style;
		if (strcmp(jstr(doc, "audience"), "patient") == 0)
			write_patient(st, f, doc);
		else
			write_clinician(st, f, doc);
	}
	return ferror(f) ? -1 : 0;
}
