/*
 * report_html.c — the report model as one self-contained HTML file: inline
 * CSS with an A4 print stylesheet, an inline SVG body diagram and a chart of
 * the pain scores; no script at all, nothing fetched (a Content Security
 * Policy in the file forbids both).
 *
 * The diagram is drawn from the body map (rules/body-map.json): which
 * regions exist, where, which answers and findings mark them, and which
 * findings are drawn as relationships between them. This file only knows
 * how to draw "an ellipse marked or not" and "an arrow between two
 * regions".
 *
 * Escaping: every string from the model goes through html_text() (text
 * nodes: & < > and control characters) and never into an attribute; the
 * only attribute values written are numbers and the body map's own ids,
 * which go through html_attr() all the same. The markup is written in the
 * form a browser serialises it back (every element closed, attributes
 * double-quoted), so the DOM after load can be compared with the file.
 */
#include "cli/report.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* Text content: &, <, > as entities; control characters other than
 * newline and tab, DEL and the C1 controls as '?'. */
static void html_text(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if ((*p < 0x20 && *p != '\n' && *p != '\t') || *p == 0x7f)
			fputc('?', f);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			fputc('?', f);
			p++;
		} else
			fputc(*p, f);
	}
}

static void html_attr(FILE *f, const char *s)
{
	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '&')
			fputs("&amp;", f);
		else if (*p == '"')
			fputs("&quot;", f);
		else if (*p == '<')
			fputs("&lt;", f);
		else if (*p == '>')
			fputs("&gt;", f);
		else if ((unsigned char)*p >= 0x20)
			fputc(*p, f);
	}
}

/* <tag>text</tag> */
static void el(FILE *f, const char *tag, const char *text)
{
	fprintf(f, "<%s>", tag);
	html_text(f, text);
	fprintf(f, "</%s>", tag);
}

/* <date> from an ISO time: "2026-11-21 10:05 UTC". */
static void when(FILE *f, json_t *iso)
{
	const char *s = json_string_value(iso);
	if (!s || strlen(s) < 16) {
		fputs("-", f);
		return;
	}
	fprintf(f, "%.10s %.5s UTC", s, s + 11);
}

static const char css[] =
	"@page{size:A4;margin:11mm 12mm}"
	"*{box-sizing:border-box}"
	"body{font:8.5pt/1.25 \"DejaVu Sans\",\"Liberation Sans\",Arial,sans-serif;"
	"color:#111;margin:0 auto;max-width:186mm;padding:4mm 0}"
	"h1{font-size:14pt;margin:0 0 1.5mm}"
	"h2{font-size:9.5pt;margin:2mm 0 .8mm;border-bottom:.3mm solid #888}"
	"h3{font-size:8.5pt;margin:1mm 0 .5mm;break-after:avoid}"
	"p{margin:.5mm 0}"
	"ul{margin:0;padding-left:4mm}"
	"li{margin:0 0 .6mm}"
	".meta{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:0 3mm;"
	"margin:0;font-size:8.5pt}"
	".meta dt{font-weight:bold}.meta dd{margin:0}"
	".top{display:grid;grid-template-columns:38mm 1fr;gap:4mm;margin-top:2mm}"
	".level{border:.5mm solid #555;padding:1.2mm 2mm;margin:0 0 1.5mm}"
	".level.urgent{border-color:#b00000;color:#b00000}"
	".level strong{font-size:10.5pt}"
	".interim{font-weight:bold}"
	".red li.finding{color:#8a0000}"
	".finding .detail{color:#333;font-size:7.5pt}"
	".conf{color:#555;font-weight:normal}"
	"figure{margin:0}figcaption{font-size:7.5pt;color:#444}"
	"svg.body{width:30mm;height:auto;display:block;margin:0 auto}"
	".outline{fill:#f4f4f4;stroke:#777;stroke-width:1}"
	".region{fill:none;stroke:#aaa;stroke-width:.8;stroke-dasharray:2 1.5}"
	".region.marked{fill:#d22;fill-opacity:.55;stroke:#800;stroke-dasharray:none}"
	".region.unsure{fill:#d22;fill-opacity:.2;stroke:#800}"
	".rel{stroke:#1a4f9c;stroke-width:2;fill:none}"
	".arrowhead{fill:#1a4f9c}"
	"svg.chart{width:38mm;height:auto;display:block;margin-top:2mm}"
	".bar{fill:#c33}.track{fill:#eee}"
	".chart text{font-size:9px;fill:#111}"
	".answers{columns:3;column-gap:4mm;font-size:7pt;line-height:1.2}"
	".answers section{break-inside:avoid-column}"
	".answers ul{list-style:none;padding:0}"
	".answers li{margin:0}"
	".earlier{color:#666}"
	".notes li{white-space:pre-wrap}"
	".appendix{font-size:7pt;color:#444;margin-top:2mm}"
	"footer{font-size:7pt;color:#555;margin-top:2mm}"
	"@media print{body{padding:0}.appendix summary{list-style:none}}";

/* ---------------------------------------------------------- body diagram */

/* The current answer to question in the model, or NULL. */
static const char *answer_of(json_t *doc, const char *question)
{
	size_t i, k;
	json_t *sec, *item;
	json_array_foreach(json_object_get(doc, "answers"), i, sec)
		json_array_foreach(json_object_get(sec, "items"), k, item)
			if (strcmp(jstr(item, "question"), question) == 0) {
				json_t *v = json_object_get(item, "value");
				return json_is_string(v) ? json_string_value(v) : "";
			}
	return NULL;
}

static bool has_finding(json_t *doc, const char *id)
{
	json_t *c = json_object_get(doc, "conclusions");
	const char *lists[] = { "red_flags", "findings" };
	for (size_t l = 0; l < 2; l++) {
		size_t i;
		json_t *f;
		json_array_foreach(json_object_get(c, lists[l]), i, f)
			if (strcmp(jstr(f, "id"), id) == 0)
				return true;
	}
	return false;
}

static bool in_list(json_t *list, const char *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x)
		if (json_string_value(x) && strcmp(json_string_value(x), s) == 0)
			return true;
	return false;
}

enum mark { UNMARKED, MARKED, SIDE_UNKNOWN };

/* Whether a region is marked: one of its when_yes answers is yes or one of
 * its when_findings was concluded, and its side (if it has a side
 * question) is one of its sides; SIDE_UNKNOWN when that side question was
 * not answered or skipped. */
static enum mark region_mark(json_t *doc, json_t *region)
{
	bool hit = false;
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(region, "when_yes"), i, x) {
		const char *a = answer_of(doc, json_string_value(x) ? json_string_value(x) : "");
		hit |= a && strcmp(a, "yes") == 0;
	}
	json_array_foreach(json_object_get(region, "when_findings"), i, x)
		hit |= has_finding(doc, json_string_value(x) ? json_string_value(x) : "");
	if (!hit)
		return UNMARKED;
	const char *sq = json_string_value(json_object_get(region, "side_question"));
	if (!sq)
		return MARKED;
	const char *side = answer_of(doc, sq);
	if (!side || strcmp(side, "skip") == 0 || !*side)
		return SIDE_UNKNOWN;
	return in_list(json_object_get(region, "sides"), side) ? MARKED : UNMARKED;
}

/* The region of group to draw a relationship to: a marked one, on side
 * when one is, else the first of the group. */
static json_t *pick_region(json_t *doc, json_t *regions, const char *group,
			   const char *side)
{
	json_t *first = NULL, *marked = NULL;
	size_t i;
	json_t *r;
	json_array_foreach(regions, i, r) {
		if (strcmp(jstr(r, "group"), group) != 0)
			continue;
		if (!first)
			first = r;
		if (region_mark(doc, r) == UNMARKED)
			continue;
		if (!marked)
			marked = r;
		if (side && strcmp(jstr(r, "side"), side) == 0)
			return r;
	}
	return marked ? marked : first;
}

static double num(json_t *shape, const char *key)
{
	return json_number_value(json_object_get(shape, key));
}

static void write_arrow(FILE *f, json_t *from, json_t *to, bool both)
{
	json_t *a = json_object_get(from, "shape"), *b = json_object_get(to, "shape");
	fprintf(f, "<line class=\"rel\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" "
		"y2=\"%.1f\" marker-end=\"url(#arrow)\"%s></line>",
		num(a, "cx"), num(a, "cy"), num(b, "cx"), num(b, "cy"),
		both ? " marker-start=\"url(#arrow-back)\"" : "");
}

static void write_body(FILE *f, json_t *doc, json_t *map)
{
	json_t *vb = json_object_get(map, "view_box");
	json_t *regions = json_object_get(map, "regions");
	size_t i;
	json_t *x;

	fputs("<figure>", f);
	fprintf(f, "<svg class=\"body\" xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"%g %g %g %g\" role=\"img\" aria-labelledby=\"body-title\">",
		json_number_value(json_array_get(vb, 0)),
		json_number_value(json_array_get(vb, 1)),
		json_number_value(json_array_get(vb, 2)),
		json_number_value(json_array_get(vb, 3)));
	fputs("<title id=\"body-title\">Body diagram: painful regions and the "
	      "relationships found</title>", f);
	fputs("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" "
	      "refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\">"
	      "<path class=\"arrowhead\" d=\"M0 0 L10 5 L0 10 Z\"></path></marker>"
	      "<marker id=\"arrow-back\" viewBox=\"0 0 10 10\" refX=\"1\" "
	      "refY=\"5\" markerWidth=\"5\" markerHeight=\"5\" orient=\"auto\">"
	      "<path class=\"arrowhead\" d=\"M10 0 L0 5 L10 10 Z\"></path></marker>"
	      "</defs>", f);
	json_array_foreach(json_object_get(map, "outline"), i, x) {
		fputs("<path class=\"outline\" d=\"", f);
		html_attr(f, json_string_value(x));
		fputs("\"></path>", f);
	}
	json_array_foreach(regions, i, x) {
		json_t *s = json_object_get(x, "shape");
		enum mark m = region_mark(doc, x);
		fprintf(f, "<ellipse class=\"region%s\" data-region=\"",
			m == MARKED ? " marked" : m == SIDE_UNKNOWN ? " unsure" : "");
		html_attr(f, jstr(x, "id"));
		fprintf(f, "\" cx=\"%.1f\" cy=\"%.1f\" rx=\"%.1f\" ry=\"%.1f\">",
			num(s, "cx"), num(s, "cy"), num(s, "rx"), num(s, "ry"));
		fputs("<title>", f);
		html_text(f, jstr(x, "label"));
		html_text(f, m == MARKED ? ": marked" : m == SIDE_UNKNOWN
			  ? ": marked, side not known" : "");
		fputs("</title></ellipse>", f);
	}
	json_array_foreach(json_object_get(map, "relationships"), i, x) {
		if (!has_finding(doc, jstr(x, "finding")))
			continue;
		bool both = json_is_true(json_object_get(x, "both_ways"));
		size_t k;
		json_t *from;
		bool drawn = false;
		/* One arrow per marked region of the first group. */
		json_array_foreach(regions, k, from) {
			if (strcmp(jstr(from, "group"), jstr(x, "from")) != 0 ||
			    region_mark(doc, from) == UNMARKED)
				continue;
			const char *side = *jstr(from, "side") ? jstr(from, "side") : NULL;
			json_t *to = pick_region(doc, regions, jstr(x, "to"), side);
			if (to) {
				write_arrow(f, from, to, both);
				drawn = true;
			}
		}
		if (!drawn) {
			json_t *from1 = pick_region(doc, regions, jstr(x, "from"), NULL);
			json_t *to = pick_region(doc, regions, jstr(x, "to"), NULL);
			if (from1 && to)
				write_arrow(f, from1, to, both);
		}
	}
	fputs("</svg><figcaption>", f);
	bool any = false;
	json_array_foreach(json_object_get(map, "relationships"), i, x) {
		if (!has_finding(doc, jstr(x, "finding")))
			continue;
		/* Captions name each relationship found, once each. */
		bool seen = false;
		size_t k;
		json_t *y;
		json_array_foreach(json_object_get(map, "relationships"), k, y) {
			if (k >= i)
				break;
			seen |= has_finding(doc, jstr(y, "finding")) &&
				strcmp(jstr(x, "label"), jstr(y, "label")) == 0;
		}
		if (seen)
			continue;
		fputs(any ? ", " : "Arrows: ", f);
		html_text(f, jstr(x, "label"));
		any = true;
	}
	if (!any)
		fputs("Marked: painful regions. No relationship found.", f);
	fputs("</figcaption></figure>", f);
}

/* Horizontal bars of the answered scale questions. */
static void write_chart(FILE *f, json_t *doc, json_t *map)
{
	json_t *chart = json_object_get(map, "pain_chart");
	double max = json_number_value(json_object_get(chart, "max"));
	json_t *bars = json_array();
	size_t i, k;
	json_t *sec, *item;
	if (max <= 0)
		max = 10;
	/* Each bar is labelled with its question's section ("Knee"). */
	json_array_foreach(json_object_get(doc, "answers"), i, sec)
		json_array_foreach(json_object_get(sec, "items"), k, item)
			if (strcmp(jstr(item, "type"), "scale") == 0 &&
			    json_is_integer(json_object_get(item, "value")))
				json_array_append_new(bars, json_pack("{s:O, s:O}",
					"title", json_object_get(sec, "title"),
					"value", json_object_get(item, "value")));
	if (!json_array_size(bars)) {
		json_decref(bars);
		return;
	}
	size_t n = json_array_size(bars);
	fprintf(f, "<figure><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
		"viewBox=\"0 0 200 %zu\" role=\"img\" aria-labelledby=\"chart-title\">"
		"<title id=\"chart-title\">Pain scores, 0 to %g</title>",
		n * 22 + 4, max);
	json_array_foreach(bars, i, item) {
		double v = (double)json_integer_value(json_object_get(item, "value"));
		const char *band = "";
		size_t b;
		json_t *bd;
		json_array_foreach(json_object_get(chart, "bands"), b, bd)
			if (v >= json_number_value(json_object_get(bd, "from")))
				band = jstr(bd, "label");
		fprintf(f, "<text x=\"0\" y=\"%zu\">", i * 22 + 9);
		html_text(f, jstr(item, "title"));
		fputs("</text>", f);
		fprintf(f, "<rect class=\"track\" x=\"0\" y=\"%zu\" width=\"140\" "
			"height=\"8\"></rect>", i * 22 + 12);
		fprintf(f, "<rect class=\"bar\" x=\"0\" y=\"%zu\" width=\"%.1f\" "
			"height=\"8\"></rect>", i * 22 + 12, 140.0 * (v > max ? max : v) / max);
		fprintf(f, "<text x=\"144\" y=\"%zu\">%g ", i * 22 + 19, v);
		html_text(f, band);
		fputs("</text>", f);
	}
	fputs("</svg><figcaption>Pain scores (0 none, 10 worst)</figcaption></figure>", f);
	json_decref(bars);
}

/* ------------------------------------------------------------- sections */

static void evidence(FILE *f, const char *lead, json_t *list)
{
	if (!json_array_size(list))
		return;
	fputs("<div class=\"detail\">", f);
	html_text(f, lead);
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) {
		fputs(i ? "; " : " ", f);
		html_text(f, jstr(x, "text"));
		if (*jstr(x, "answer")) {
			fputs(" ", f);
			el(f, "em", jstr(x, "answer"));
		}
	}
	fputs("</div>", f);
}

/* The stops the assessment went on after, inside the level's box. */
static void stops(FILE *f, json_t *list, bool clinician)
{
	size_t i;
	json_t *x;
	json_array_foreach(list, i, x) {
		fputs("<div class=\"stop\"><p><strong>", f);
		if (clinician) {
			html_text(f, "Emergency stop: ");
			html_text(f, jstr(x, "title"));
			html_text(f, " (level ");
			html_text(f, jstr(x, "level"));
			html_text(f, ")");
			fputs("</strong> ", f);
			html_text(f, jstr(x, "meaning"));
			fputs(" ", f);
			html_text(f, jstr(x, "text"));
			fputs("</p>", f);
			evidence(f, "Supported when it stopped by:",
				 json_object_get(x, "because"));
			fputs("<p>The assessment was continued for the record "
			      "after this stop (", f);
			when(f, json_object_get(x, "continued_at"));
			html_text(f, "); the level stays at least ");
			html_text(f, jstr(x, "level"));
			fputs(" whatever was answered later.</p>", f);
			if (json_is_false(json_object_get(x, "supported")))
				el(f, "p", "The answers now no longer support "
				   "this finding; the stop stands as it was "
				   "made.");
		} else {
			html_text(f, "Emergency: ");
			fputs("</strong> ", f);
			html_text(f, jstr(x, "text"));
			fputs("</p>", f);
		}
		fputs("</div>", f);
	}
}

static void finding(FILE *f, json_t *x, bool clinician)
{
	fputs("<li class=\"finding\"><strong>", f);
	html_text(f, jstr(x, "title"));
	fputs("</strong>", f);
	if (clinician) {
		fprintf(f, " <span class=\"conf\">(confidence %.2f, ",
			json_number_value(json_object_get(x, "confidence")));
		html_text(f, jstr(x, "level"));
		fputs(")</span>", f);
	}
	if (*jstr(x, "text")) {
		fputs("<div class=\"detail\">", f);
		html_text(f, jstr(x, "text"));
		fputs("</div>", f);
	}
	if (clinician) {
		evidence(f, "Supported by:", json_object_get(x, "supports"));
		evidence(f, "Argues against:", json_object_get(x, "against"));
		size_t i;
		json_t *a;
		json_t *acts = json_object_get(x, "actions");
		if (json_array_size(acts)) {
			fputs("<div class=\"detail\">Action: ", f);
			json_array_foreach(acts, i, a) {
				if (i)
					fputs("; ", f);
				html_text(f, jstr(a, "title"));
			}
			fputs("</div>", f);
		}
		json_array_foreach(json_object_get(x, "citations"), i, a) {
			fputs("<div class=\"detail\">Source: ", f);
			html_text(f, json_is_string(a) ? json_string_value(a)
				  : jstr(a, "text"));
			fputs("</div>", f);
		}
	}
	fputs("</li>", f);
}

static void findings(FILE *f, const char *title, const char *cls, json_t *list,
		     const char *none, bool clinician)
{
	fprintf(f, "<section class=\"%s\">", cls);
	el(f, "h2", title);
	if (!json_array_size(list)) {
		el(f, "p", none);
	} else {
		fputs("<ul>", f);
		size_t i;
		json_t *x;
		json_array_foreach(list, i, x)
			finding(f, x, clinician);
		fputs("</ul>", f);
	}
	fputs("</section>", f);
}

static void answers(FILE *f, json_t *doc, bool clinician)
{
	size_t i, k, h, n = 0;
	json_t *sec, *item, *rev;
	json_array_foreach(json_object_get(doc, "answers"), i, sec)
		n += json_array_size(json_object_get(sec, "items"));
	fprintf(f, "<h2>%s (%zu)</h2><div class=\"answers\">",
		clinician ? "Answers" : "Your answers", n);
	json_array_foreach(json_object_get(doc, "answers"), i, sec) {
		fputs("<section>", f);
		el(f, "h3", jstr(sec, "title"));
		fputs("<ul>", f);
		json_array_foreach(json_object_get(sec, "items"), k, item) {
			fputs("<li>", f);
			html_text(f, *jstr(item, "text") ? jstr(item, "text")
				  : jstr(item, "question"));
			fputs(" ", f);
			el(f, "strong", jstr(item, "display"));
			json_array_foreach(json_object_get(item, "history"), h, rev) {
				fputs(" <span class=\"earlier\">(earlier ", f);
				html_text(f, jstr(rev, "display"));
				fputs(", ", f);
				when(f, json_object_get(rev, "at"));
				fputs(")</span>", f);
			}
			fputs("</li>", f);
		}
		fputs("</ul></section>", f);
	}
	fputs("</div>", f);
}

static void notes(FILE *f, const char *title, json_t *list)
{
	size_t i;
	json_t *x;
	fprintf(f, "<section class=\"notes\"><h2>%s</h2><ul>", title);
	json_array_foreach(list, i, x) {
		fputs("<li>", f);
		when(f, json_object_get(x, "at"));
		if (*jstr(x, "author")) {
			fputs(", ", f);
			html_text(f, jstr(x, "author"));
		}
		fputs(": ", f);
		html_text(f, jstr(x, "text"));
		fputs("</li>", f);
	}
	fputs("</ul></section>", f);
}

static void meta(FILE *f, const char *label, const char *value)
{
	el(f, "dt", label);
	el(f, "dd", value);
}

static void meta_time(FILE *f, const char *label, json_t *iso)
{
	el(f, "dt", label);
	fputs("<dd>", f);
	when(f, iso);
	fputs("</dd>", f);
}

int report_write_html(const struct report *r, json_t *map, FILE *f)
{
	json_t *doc = report_json(r);
	json_t *s = json_object_get(doc, "session");
	json_t *c = json_object_get(doc, "conclusions");
	json_t *level = json_object_get(c, "level");
	bool clinician = strcmp(jstr(doc, "audience"), "clinician") == 0;
	bool interim = json_is_true(json_object_get(c, "interim"));
	size_t i;
	json_t *x;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
	      "'none'; style-src 'unsafe-inline'\">"
	      "<meta name=\"viewport\" content=\"width=device-width, "
	      "initial-scale=1\"><title>", f);
	html_text(f, clinician ? "Triage report " : "Your triage summary ");
	html_text(f, jstr(s, "code"));
	fprintf(f, "</title><style>%s</style></head><body>", css);

	fputs("<header>", f);
	el(f, "h1", clinician ? "Musculoskeletal triage report"
			      : "Your triage summary");
	fputs("<dl class=\"meta\">", f);
	meta(f, "Session", jstr(s, "code"));
	if (clinician && *jstr(s, "patient_label"))
		meta(f, "Patient", jstr(s, "patient_label"));
	meta_time(f, "Started", json_object_get(s, "started_at"));
	if (clinician) {
		meta(f, "Mode", jstr(s, "mode"));
		meta(f, "Status", jstr(s, "status"));
		meta_time(f, "Finished", json_object_get(s, "finished_at"));
		if (*jstr(s, "clinician"))
			meta(f, "Clinician", jstr(s, "clinician"));
		json_t *so = json_object_get(doc, "sign_off");
		el(f, "dt", "Signed off");
		fputs("<dd>", f);
		if (json_is_object(so)) {
			html_text(f, jstr(so, "by"));
			fputs(", ", f);
			when(f, json_object_get(so, "at"));
		} else {
			fputs("not signed off", f);
		}
		fputs("</dd>", f);
		meta(f, "Rule base", jstr(s, "rulebase_version"));
	}
	fputs("</dl></header>", f);

	fputs("<div class=\"top\"><div>", f);
	json_t *map_regions = json_object_get(map, "regions");
	if (json_array_size(map_regions))
		write_body(f, doc, map);
	write_chart(f, doc, map);
	fputs("</div><div>", f);
	fprintf(f, "<div class=\"level%s\"><strong>",
		json_integer_value(json_object_get(level, "rank")) <= 2
		? " urgent" : "");
	if (clinician) {
		html_text(f, interim ? "Interim level: " : "Level: ");
		html_text(f, jstr(level, "id"));
		fputs("</strong> ", f);
	} else {
		fputs("What this means</strong> ", f);
	}
	html_text(f, jstr(level, "meaning"));
	if (interim) {
		fputs("<p class=\"interim\">", f);
		if (clinician) {
			html_text(f, "Interim: ");
			html_text(f, jstr(c, "interim_reason"));
			html_text(f, json_is_true(json_object_get(
					     c, "interim_can_fall"))
				? ". The level may still change."
				: ". The open red-flag questions can raise the "
				  "level, never lower it.");
		} else {
			html_text(f, report_patient_interim(c));
		}
		fputs("</p>", f);
	}
	json_t *stop = json_object_get(c, "stopped_by");
	if (clinician && json_is_object(stop)) {
		fputs("<p>The interview was stopped by: ", f);
		html_text(f, jstr(stop, "title"));
		fputs(".</p>", f);
	}
	stops(f, json_object_get(c, "continued_after_stop"), clinician);
	fputs("</div>", f);
	if (clinician) {
		findings(f, "Red flags", "red", json_object_get(c, "red_flags"),
			 "None found.", true);
		findings(f, "Findings", "other", json_object_get(c, "findings"),
			 "None.", true);
	} else {
		fputs("<section><h2>What to do</h2><ul>", f);
		const char *lists[] = { "red_flags", "findings", "recommendations" };
		for (size_t l = 0; l < 3; l++)
			json_array_foreach(json_object_get(c, lists[l]), i, x)
				if (*jstr(x, "text"))
					el(f, "li", jstr(x, "text"));
		fputs("</ul></section>", f);
	}
	fputs("</div></div>", f);

	if (clinician) {
		fputs("<section><h2>Recommendations</h2>", f);
		json_t *recs = json_object_get(c, "recommendations");
		if (!json_array_size(recs))
			el(f, "p", "None.");
		else
			fputs("<ul>", f);
		json_array_foreach(recs, i, x) {
			fputs("<li><strong>", f);
			html_text(f, jstr(x, "title"));
			fputs("</strong> ", f);
			html_text(f, jstr(x, "text"));
			fputs("</li>", f);
		}
		if (json_array_size(recs))
			fputs("</ul>", f);
		fputs("</section>", f);
	}
	fprintf(f, "<section><h2>%s</h2><ul>",
		clinician ? "Safety-netting" : "If things change");
	json_array_foreach(json_object_get(c, "safety_net"), i, x)
		el(f, "li", json_string_value(x));
	fputs("</ul></section>", f);

	answers(f, doc, clinician);
	if (clinician) {
		if (json_array_size(json_object_get(doc, "notes")))
			notes(f, "Notes", json_object_get(doc, "notes"));
		if (json_array_size(json_object_get(doc, "addenda")))
			notes(f, "Addenda (after sign-off)",
			      json_object_get(doc, "addenda"));
		json_t *tech = json_object_get(doc, "technical");
		fputs("<details class=\"appendix\"><summary>Appendix: technical "
		      "details</summary><dl class=\"meta\">", f);
		meta(f, "Rule base", jstr(tech, "rulebase_sha256"));
		meta(f, "Conclusions", jstr(tech, "conclusions_rulebase_sha256"));
		meta(f, "Program", jstr(tech, "program_version"));
		meta(f, "Wording", jstr(c, "wording"));
		fputs("</dl><ul>", f);
		json_array_foreach(json_object_get(tech, "findings"), i, x) {
			fputs("<li>", f);
			html_text(f, jstr(x, "id"));
			fputs(": rules ", f);
			size_t k;
			json_t *rule;
			json_array_foreach(json_object_get(x, "rules"), k, rule) {
				if (k)
					fputs(", ", f);
				html_text(f, json_string_value(rule));
			}
			fputs("; source ", f);
			html_text(f, jstr(x, "source"));
			fputs("</li>", f);
		}
		fputs("</ul></details>", f);
	}
	fputs("<footer>Report written ", f);
	when(f, json_object_get(doc, "generated_at"));
	fputs(" by msktriage ", f);
	html_text(f, jstr(json_object_get(doc, "generator"), "version"));
	fputs(".</footer></body></html>\n", f);
	return ferror(f) ? -1 : 0;
}

json_t *report_data_load(const char *rules_dir, const char *name,
			 const char *builtin, char *err, size_t errsize)
{
	json_error_t jerr;
	json_t *m = NULL;
	if (rules_dir) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", rules_dir, name);
		FILE *f = fopen(path, "r");
		if (f) {
			m = json_loadf(f, 0, &jerr);
			fclose(f);
			if (!m) {
				snprintf(err, errsize, "'%s' is not valid JSON: %s "
					 "(line %d)", path, jerr.text, jerr.line);
				return NULL;
			}
		}
	}
	if (!m)
		m = json_loads(builtin, 0, &jerr);
	if (!json_is_object(m)) {
		snprintf(err, errsize, "'%s' is not a JSON object", name);
		json_decref(m);
		return NULL;
	}
	return m;
}

json_t *report_body_map_load(const char *rules_dir, char *err, size_t errsize)
{
	json_t *m = report_data_load(rules_dir, "body-map.json",
				     report_body_map_builtin, err, errsize);
	if (m && !json_is_array(json_object_get(m, "regions"))) {
		snprintf(err, errsize, "the body map has no 'regions' list");
		json_decref(m);
		return NULL;
	}
	return m;
}
