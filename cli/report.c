/*
 * report.c — `msktriage report ID|CODE [--format text] [--output FILE]`,
 * and the conclusions printer the interview shares (see report.h).
 *
 * The report itself is the model of report_model.c written by
 * report_write.c, report_html.c and report_fhir.c. Every export is
 * recorded in the store's audit trail ('report_exported', detail: the
 * format) before it is written: an export that cannot be recorded is not
 * written. A report file holds patient data, so it is opened with
 * cli_file_create() (mode 0600, never through a symbolic link).
 */
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/store.h"
#include "cli/result.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

/* "because" of a finding: question = answer, ... */
static void print_because(const struct term_out *o, json_t *because)
{
	char buf[1024];
	size_t used = 0;
	const char *q;
	json_t *v;
	buf[0] = '\0';
	json_object_foreach(because, q, v) {
		char val[64], id[256];
		if (json_is_string(v))
			term_escape(val, sizeof(val), json_string_value(v), 0);
		else if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld",
				 (long long)json_integer_value(v));
		else if (json_is_real(v))
			snprintf(val, sizeof(val), "%g", json_real_value(v));
		else
			snprintf(val, sizeof(val), "unknown");
		int w = snprintf(buf + used, sizeof(buf) - used, "%s%s = %s",
				 used ? ", " : "", TERM_SAFE(id, q), val);
		if (w < 0 || (size_t)w >= sizeof(buf) - used)
			break;
		used += (size_t)w;
	}
	char line[1100];
	snprintf(line, sizeof(line), "because: %s", used ? buf : "-");
	term_wrap(o, 5, 7, TERM_RESET, line);
}

static void print_finding(const struct term_out *o, json_t *f, unsigned show)
{
	bool red = strcmp(jstr(f, "kind"), "red_flag") == 0;
	char title[512], id[256], level[64], kind[64], head[1024];
	snprintf(head, sizeof(head), "%s [%s]", TERM_SAFE(title, jstr(f, "title")),
		 TERM_SAFE(id, jstr(f, "id")));
	term_wrap(o, 2, 4, red ? TERM_RED : TERM_BOLD, head);
	snprintf(head, sizeof(head), "level %s, confidence %.2f, %s",
		 TERM_SAFE(level, jstr(f, "level")),
		 json_number_value(json_object_get(f, "confidence")),
		 TERM_SAFE(kind, jstr(f, "kind")));
	term_wrap(o, 5, 7, TERM_RESET, head);
	if (!(show & CLI_SHOW_EVIDENCE))
		return;
	print_because(o, json_object_get(f, "because"));
	char line[1024];
	size_t used = 0;
	size_t i;
	json_t *r;
	line[0] = '\0';
	json_array_foreach(json_object_get(f, "rules"), i, r) {
		char rule[256];
		int w = snprintf(line + used, sizeof(line) - used, "%s%s",
				 used ? ", " : "rules: ",
				 TERM_SAFE(rule, json_string_value(r)));
		if (w < 0 || (size_t)w >= sizeof(line) - used)
			break;
		used += (size_t)w;
	}
	if (used)
		term_wrap(o, 5, 7, TERM_RESET, line);
	snprintf(line, sizeof(line), "source: %s", jstr(f, "source"));
	term_wrap(o, 5, 7, TERM_RESET, line);
}

void cli_stops_print(const struct term_out *o, json_t *stops)
{
	size_t i;
	json_t *x;
	json_array_foreach(stops, i, x) {
		char line[2048], a[512], b[512], c[512];
		snprintf(line, sizeof(line), "EMERGENCY STOP: %s [%s]",
			 TERM_SAFE(a, jstr(x, "title")),
			 TERM_SAFE(b, jstr(x, "finding")));
		term_wrap(o, 0, 2, TERM_RED, line);
		snprintf(line, sizeof(line), "level %s: %s",
			 TERM_SAFE(a, jstr(x, "level")),
			 TERM_SAFE(b, jstr(x, "meaning")));
		term_wrap(o, 2, 2, TERM_RED, line);
		term_wrap(o, 2, 2, TERM_RESET, TERM_SAFE(a, jstr(x, "text")));
		snprintf(line, sizeof(line), "The assessment was continued for "
			 "the record after this stop; the level stays at least "
			 "%s.", TERM_SAFE(c, jstr(x, "level")));
		term_wrap(o, 2, 2, TERM_RESET, line);
		if (json_is_false(json_object_get(x, "supported")))
			term_wrap(o, 2, 2, TERM_YELLOW, "The answers now no longer "
				  "support this finding; the stop stands as it "
				  "was made.");
	}
}

void cli_conclusions_print(const struct term_out *o, json_t *c,
			   const engine *e, unsigned show)
{
	json_t *triage = json_object_get(c, "triage");
	json_t *findings = json_object_get(c, "findings");
	bool urgent = json_integer_value(json_object_get(triage, "rank")) <= 2;
	size_t i;
	json_t *f;
	char level[64], title[512], id[256];

	/* While a relevant red-flag question is unanswered the level is
	 * interim and says so (conclusions kept before the field existed
	 * are taken as they were shown). */
	json_t *screened = json_object_get(c, "red_flags_screened");
	char head[1024];
	snprintf(head, sizeof(head), "Triage level%s: %s",
		 json_is_false(screened)
			 ? " (interim, red-flag screening not finished)" : "",
		 TERM_SAFE(level, jstr(triage, "level")));
	term_wrap(o, 0, 2, urgent ? TERM_RED : TERM_BOLD, head);
	term_wrap(o, 2, 2, TERM_RESET, jstr(triage, "meaning"));
	const char *stop = json_string_value(json_object_get(c, "stopped_by"));
	if (stop) {
		char title_s[512];
		const char *title = stop;
		json_array_foreach(findings, i, f)
			if (strcmp(jstr(f, "id"), stop) == 0)
				title = jstr(f, "title");
		snprintf(head, sizeof(head), "Interview stopped by: %s [%s]",
			 term_escape(title_s, sizeof(title_s), title, 0),
			 TERM_SAFE(id, stop));
		term_wrap(o, 0, 2, TERM_RESET, head);
	}

	cli_stops_print(o, json_object_get(c, "stops"));

	size_t n_red = 0, n_other = 0;
	json_array_foreach(findings, i, f) {
		if (strcmp(jstr(f, "kind"), "red_flag") == 0)
			n_red++;
		else
			n_other++;
	}
	fprintf(o->f, "\n%sRed flags (%zu)%s\n", term_sgr(o, TERM_BOLD), n_red,
		term_sgr(o, TERM_RESET));
	if (!n_red)
		fputs("  none found\n", o->f);
	json_array_foreach(findings, i, f)
		if (strcmp(jstr(f, "kind"), "red_flag") == 0)
			print_finding(o, f, show);
	fprintf(o->f, "\n%sFindings (%zu, most urgent first, then by confidence)%s\n",
		term_sgr(o, TERM_BOLD), n_other, term_sgr(o, TERM_RESET));
	if (!n_other)
		fputs("  none\n", o->f);
	json_array_foreach(findings, i, f)
		if (strcmp(jstr(f, "kind"), "red_flag") != 0)
			print_finding(o, f, show);

	if (show & CLI_SHOW_RECOMMENDATIONS) {
		json_t *recs = json_object_get(c, "recommendations");
		fprintf(o->f, "\n%sRecommendations (%zu)%s\n",
			term_sgr(o, TERM_BOLD), json_array_size(recs),
			term_sgr(o, TERM_RESET));
		if (!json_array_size(recs))
			fputs("  none\n", o->f);
		json_t *r;
		json_array_foreach(recs, i, r) {
			char line[1024];
			size_t used = (size_t)snprintf(line, sizeof(line),
						       "- %s [%s]",
						       TERM_SAFE(title, jstr(r, "title")),
						       TERM_SAFE(id, jstr(r, "id")));
			size_t j;
			json_t *b;
			json_array_foreach(json_object_get(r, "because"), j, b) {
				if (used >= sizeof(line))
					break;
				used += (size_t)snprintf(line + used,
					sizeof(line) - used, "%s%s",
					j ? ", " : " for: ",
					TERM_SAFE(id, json_string_value(b)));
			}
			term_wrap(o, 2, 4, TERM_RESET, line);
		}
	}

	if (show & CLI_SHOW_SAFETY_NET) {
		/* the rule base's safety-netting speaks to the patient: said
		 * so, on a clinician's screen */
		fprintf(o->f, "\n%sSafety-netting (advice to give the patient)%s\n",
			term_sgr(o, TERM_BOLD), term_sgr(o, TERM_RESET));
		term_wrap(o, 2, 2, TERM_RESET, jstr(triage, "safety_net"));
		json_array_foreach(findings, i, f) {
			const struct engine_finding *d = engine_finding_def_find(e, jstr(f, "id"));
			if (d && d->safety_net && *d->safety_net)
				term_wrap(o, 2, 2, TERM_RESET, d->safety_net);
		}
	}
}

/* ----------------------------------------------------------- text report */

/* The time a report is written: $SOURCE_DATE_EPOCH when set (reproducible
 * output), else now. */
static int64_t report_now(void)
{
	const char *s = getenv("SOURCE_DATE_EPOCH");
	char *end;
	if (s && *s) {
		long long t = strtoll(s, &end, 10);
		if (*end == '\0' && t > 0)
			return (int64_t)t;
	}
	return (int64_t)time(NULL);
}

int cli_report_text(FILE *f, db *d, int64_t sid, engine *e, char *err,
		    size_t errsize)
{
	struct report *r = NULL;
	if (report_load(d, sid, e, REPORT_CLINICIAN, report_now(), &r, err,
			errsize) != 0)
		return -1;
	int rc = report_write(r, REPORT_TEXT, f);
	if (rc != 0)
		snprintf(err, errsize, "cannot write the report");
	report_free(r);
	return rc;
}

/* ---------------------------------------------------------------- command */

/* The FHIR Bundle of session sid (clinician model r) on f. */
static int write_fhir(FILE *f, db *d, int64_t sid, const struct report *r,
		      engine *e, const struct cli_options *opt, char *err,
		      size_t errsize)
{
	struct report *p = NULL;
	json_t *map = NULL, *q = NULL, *b = NULL;
	int rc = -1;
	if (report_load(d, sid, e, REPORT_PATIENT, report_now(), &p, err,
			errsize) != 0)
		goto out_free;
	if (!(map = report_data_load(opt->rules_dir, "fhir-map.json",
				     report_fhir_map_builtin, err, errsize)))
		goto out_free;
	if (!(q = report_fhir_questionnaire(e)) ||
	    !(b = report_fhir_bundle(r, p, q, map))) {
		snprintf(err, errsize, "out of memory");
		goto out_free;
	}
	if (json_dumpf(b, f, JSON_INDENT(2) | CLI_JSON_REAL) != 0) {
		snprintf(err, errsize, "cannot write the report");
		goto out_free;
	}
	fputc('\n', f);
	rc = 0;
out_free:
	json_decref(b);
	json_decref(q);
	json_decref(map);
	report_free(p);
	return rc;
}

static const char report_usage[] =
	"usage: msktriage report ID|CODE [--format F] [--for clinician|patient]\n"
	"                        [--output FILE]\n"
	"\n"
	"Write a session (finished or interrupted) as a report.\n"
	"\n"
	"  ID|CODE           the session's number or reference code (K7QX-4MRT)\n"
	"  --format F        text (default), markdown, json (the schema is in\n"
	"                    docs/report-schema.md) or html (one self-contained\n"
	"                    file, printable on A4) or fhir (an R4 Bundle;\n"
	"                    see docs/fhir.md)\n"
	"  --for clinician   everything, with a technical appendix (default)\n"
	"  --for patient     plain words, advice and safety-netting only\n"
	"  --output FILE     write to FILE (created mode 0600) instead of stdout\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 bad usage or unknown session.\n";

int cli_report(int argc, char **argv, const struct cli_options *opt)
{
	const char *which = NULL, *format = "text", *output = NULL;
	const char *audience = "clinician";
	int status = 2;
	char *buf = NULL;
	size_t len = 0;
	db *d = NULL;
	engine *e = NULL;
	struct db_session *s = NULL;
	struct report *r = NULL;
	FILE *mem = NULL;
	char err[512], shown[1024], msg[1024];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(report_usage, stdout);
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--format") == 0) {
			format = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--for") == 0) {
			audience = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--output") == 0) {
			output = argv[++i];
		} else if (a[0] != '-' && !which) {
			which = a;
		} else {
			fprintf(stderr, "msktriage: unknown or incomplete option '%s' for report\n%s",
				term_escape(shown, sizeof(shown), a, 64), report_usage);
			return 2;
		}
	}
	if (!which) {
		fprintf(stderr, "msktriage: report needs a session id or code\n%s",
			report_usage);
		return 2;
	}
	int fmt_id = report_format_parse(format);
	if (fmt_id < 0) {
		fprintf(stderr, "msktriage: '--format' must be one of "
			"text, markdown, json, html, fhir\n");
		return 2;
	}
	int aud = report_audience_parse(audience);
	if (aud < 0) {
		fprintf(stderr, "msktriage: '--for' must be one of clinician, "
			"patient\n");
		return 2;
	}
	if (fmt_id == REPORT_FHIR && aud == REPORT_PATIENT) {
		fprintf(stderr, "msktriage: '--for patient' does not apply to "
			"--format fhir (the bundle holds the record and the "
			"patient's advice)\n");
		return 2;
	}

	status = 1;
	if (!(d = cli_store_open(opt, "clinician")))
		goto out_free;
	int rc = cli_session_find(d, which, &s);
	if (rc != 0) {
		status = rc;
		goto out_free;
	}
	if (!(e = cli_engine_open(opt)))
		goto out_free;
	mem = open_memstream(&buf, &len);
	if (!mem) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	rc = report_load(d, s->id, e, (enum report_audience)aud, report_now(),
			 &r, err, sizeof(err));
	if (rc == 0 && fmt_id == REPORT_FHIR)
		rc = write_fhir(mem, d, s->id, r, e, opt, err, sizeof(err));
	else if (rc == 0 && fmt_id == REPORT_HTML) {
		json_t *map = report_body_map_load(opt->rules_dir, err, sizeof(err));
		rc = map ? report_write_html(r, map, mem) : -1;
		json_decref(map);
		if (map && rc != 0)
			snprintf(err, sizeof(err), "cannot write the report");
	} else if (rc == 0 && report_write(r, (enum report_format)fmt_id, mem) != 0) {
		snprintf(err, sizeof(err), "cannot write the report");
		rc = -1;
	}
	if (fclose(mem) != 0 || rc != 0) {
		mem = NULL;
		fprintf(stderr, "msktriage: %s\n",
			rc ? TERM_SAFE(msg, err) : "out of memory");
		goto out_free;
	}
	mem = NULL;
	/* An export that cannot be audited is not written: the file is
	 * opened (and checked) first, the export recorded, then written. */
	FILE *out = stdout;
	bool created = false;
	if (output && !(out = cli_file_create(output, &created, err, sizeof(err)))) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, err));
		goto out_free;
	}
	if (db_audit_add(d, s->id, "report_exported", NULL, format) != DB_OK) {
		fprintf(stderr, "msktriage: the report was not written: its "
			"export cannot be recorded in the audit trail: %s\n",
			TERM_SAFE(msg, db_errmsg(d)));
		if (output)
			cli_file_abandon(out, output, created);
		goto out_free;
	}
	if (output) {
		size_t put = cli_file_begin(out) == 0 ? fwrite(buf, 1, len, out) : 0;
		if (fclose(out) != 0 || put != len) {
			fprintf(stderr, "msktriage: cannot write '%s': %s\n",
				TERM_SAFE(shown, output), strerror(errno));
			goto out_free;
		}
	} else if (fwrite(buf, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "msktriage: cannot write the report: %s\n",
			strerror(errno));
		goto out_free;
	}
	if (output)
		fprintf(stderr, "report of session %s written to '%s'\n", s->code,
			TERM_SAFE(shown, output));
	status = 0;
out_free:
	if (mem)
		fclose(mem);
	free(buf);
	report_free(r);
	engine_free(e);
	db_session_free(s);
	db_close(d);
	return status;
}
