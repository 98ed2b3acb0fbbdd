/*
 * assess.c — `msktriage assess`: evaluate answers without a terminal.
 *
 *   assess --answers FILE|- [--format json|text] [--mode clinician|kiosk]
 *   assess --batch [--answers FILE|-] [--jobs N]
 *   either with --save: each evaluated case is also kept in the session
 *   store as an "api" session, and its result names the session.
 *
 * Single mode reads one JSON request, prints one result and exits 0, or
 * prints a message naming the bad field on stderr, nothing on stdout, and
 * exits 2. Batch mode reads JSON Lines and writes one result line per input
 * line, in order; a bad line yields {"line": N, "error": "..."} and the batch
 * goes on. Batch work is spread over threads, one engine each, in blocks
 * so memory stays bounded whatever the input size. A block is evaluated
 * in an order that puts similar cases together (see similarity_key and
 * run_block); the output keeps the input's order.
 */
#include "cli/cli.h"
#include "cli/result.h"
#include "cli/store.h"
#include "cli/term.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A request larger than this is refused: no answer set comes close. */
#define MAX_REQUEST (1024 * 1024)
#define BLOCK_LINES 8192

static int read_all(FILE *f, char **out, size_t *len, char *err, size_t errsize)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	size_t got;
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n > MAX_REQUEST) {
			free(buf);
			snprintf(err, errsize, "input is larger than %d bytes",
				 MAX_REQUEST);
			return -1;
		}
		if (n == cap) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				snprintf(err, errsize, "out of memory");
				return -1;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		snprintf(err, errsize, "cannot read input: %s", strerror(errno));
		return -1;
	}
	*out = buf;
	*len = n;
	return 0;
}

static void print_text(const engine *e)
{
	const struct engine_level *l = engine_level(e);
	printf("Triage level%s: %s\n  %s\n",
	       engine_red_flags_screened(e)
		       ? "" : " (interim, red-flag screening not finished)",
	       l->id, l->clinician_text);
	if (engine_stop_reason(e))
		printf("Interview stopped by: %s\n", engine_stop_reason(e));
	size_t nf = engine_finding_count(e);
	printf("\nFindings (%zu):\n", nf);
	for (size_t i = 0; i < nf; i++) {
		const struct engine_finding *f = engine_finding_at(e, i);
		printf("  %-36s %-10s %-20s confidence %.2f\n", f->id, f->kind,
		       f->level, f->confidence);
		printf("    %s\n    because:", f->title);
		for (size_t j = 0; j < f->n_because; j++) {
			const char *a = engine_answer_text(e, f->because[j]);
			printf(" %s=%s", f->because[j], a ? a : "(finding)");
		}
		printf("\n    source: %s\n", f->source);
	}
	size_t nr = engine_recommendation_count(e);
	printf("\nRecommendations (%zu):\n", nr);
	for (size_t i = 0; i < nr; i++) {
		const struct engine_recommendation *r =
			engine_recommendation_at(e, i);
		printf("  %-36s %s\n", r->id, r->title);
	}
	printf("\nSafety-netting: %s\n", l->safety_net);
	const struct engine_question *next = engine_next_question(e);
	printf("\nNext question: %s\n", next ? next->id : "none (complete)");
	printf("Rule base: %s (sha256 %s)\n", engine_rulebase_version(e),
	       engine_rulebase_sha256(e));
}

/*
 * Keep e's answers and conclusions as a new "api" session and add
 * "session": {"id", "code", "status"} to result. Returns 0, or -1 with a
 * message in err (nothing of the session is then reported).
 */
static int save_session(db *d, const engine *e, json_t *result, char *err,
			size_t errsize)
{
	struct db_session_new sn = {
		.mode = "api",
		.rulebase_sha256 = engine_rulebase_sha256(e),
		.program_version = cli_version,
	};
	int64_t id;
	char code[DB_CODE_SIZE];
	if (db_session_create(d, &sn, &id, code) != DB_OK)
		goto out_db;
	for (size_t i = 0; i < engine_question_count(e); i++) {
		const char *q = engine_question_at(e, i)->id;
		const char *text = engine_answer_text(e, q);
		if (text && db_answer_put(d, id, q, text) != DB_OK)
			goto out_db;
	}
	if (cli_store_conclusions(d, id, e) != DB_OK)
		goto out_db;
	json_object_set_new(result, "session",
			    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
				      "code", code, "status", cli_session_status(e)));
	return 0;
out_db:
	snprintf(err, errsize, "cannot save the session: %s", db_errmsg(d));
	return -1;
}

/* ------------------------------------------------------------------ batch */

struct line {
	char *text;
	size_t len;
	char *out;      /* result or error line, without newline */
	unsigned long no; /* line number in the input */
	json_t *req;    /* the parsed request, while its block runs */
	char *key;      /* see similarity_key() */
};

struct block {
	struct line *lines;
	size_t n;
	struct line **order; /* parsed lines, in similarity order */
	size_t n_order;
	enum engine_mode mode;
};

struct worker {
	pthread_t thread;
	engine *e;
	db *d;          /* --save: this thread's own store handle */
	struct block *b;
	size_t first, end; /* this worker's share of lines, then of order */
};

static char *error_line(unsigned long no, const char *msg)
{
	/* A message may quote a path or a value that is not UTF-8, which a
	 * JSON string cannot hold: such bytes become U+FFFD. */
	char *fixed = term_utf8_repair(msg);
	json_t *j = fixed ? json_pack("{s:I, s:s}", "line", (json_int_t)no,
				      "error", fixed) : NULL;
	char *s = j ? json_dumps(j, JSON_COMPACT | CLI_JSON_REAL) : NULL;
	json_decref(j);
	free(fixed);
	return s;
}

static void run_line(engine *e, db *d, enum engine_mode mode, struct line *l)
{
	char err[512];
	int rv = cli_request_apply(e, mode, l->req, err, sizeof(err));
	if (rv != 0) {
		l->out = error_line(l->no, err);
		return;
	}
	json_t *j = cli_result_json(e);
	if (j && d && save_session(d, e, j, err, sizeof(err)) != 0) {
		json_decref(j);
		l->out = error_line(l->no, err);
		return;
	}
	l->out = j ? json_dumps(j, JSON_COMPACT | CLI_JSON_REAL) : NULL;
	json_decref(j);
	if (!l->out)
		l->out = error_line(l->no, "out of memory");
}

/*
 * The key that orders a block: the request's yes/no and choice answers in
 * catalogue order. Cases with equal prefixes then run one after the other,
 * and the engine, which applies each request as a difference from the one
 * before, keeps most of what it derived. Numbers are left out: they vary
 * most and few rules read them.
 */
static char *similarity_key(const engine *e, json_t *req)
{
	json_t *answers = json_object_get(req, "answers");
	size_t cap = 256, n = 0;
	char *key = malloc(cap);
	for (size_t i = 0; key && i < engine_question_count(e); i++) {
		const struct engine_question *q = engine_question_at(e, i);
		if (q->type != ENGINE_TYPE_YESNO && q->type != ENGINE_TYPE_CHOICE)
			continue;
		const char *v = json_string_value(json_object_get(answers, q->id));
		size_t len = v ? strlen(v) : 0;
		if (n + len + 2 > cap) {
			char *p = realloc(key, cap = (n + len + 2) * 2);
			if (!p) {
				free(key);
				return NULL;
			}
			key = p;
		}
		if (v)
			memcpy(key + n, v, len);
		n += len;
		key[n++] = v ? ',' : '~';
	}
	if (key)
		key[n] = '\0';
	return key;
}

static int cmp_line_key(const void *a, const void *b)
{
	const struct line *x = *(struct line *const *)a;
	const struct line *y = *(struct line *const *)b;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* Phase 1, in parallel: parse a share of the block's lines and key them. */
static void *worker_parse(void *arg)
{
	struct worker *w = arg;
	char err[512];
	for (size_t i = w->first; i < w->end; i++) {
		struct line *l = &w->b->lines[i];
		if (l->out)
			continue;
		l->req = cli_request_parse(l->text, l->len, err, sizeof(err));
		if (!l->req) {
			l->out = error_line(l->no, err);
			continue;
		}
		l->key = similarity_key(w->e, l->req);
	}
	return NULL;
}

/* Phase 2, in parallel: evaluate a contiguous share of the sorted order. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	for (size_t i = w->first; i < w->end; i++)
		run_line(w->e, w->d, w->b->mode, w->b->order[i]);
	return NULL;
}

static void in_parallel(struct worker *ws, size_t n_workers, size_t n,
			void *(*fn)(void *))
{
	size_t per = (n + n_workers - 1) / n_workers;
	for (size_t i = 0; i < n_workers; i++) {
		ws[i].first = i * per < n ? i * per : n;
		ws[i].end = (i + 1) * per < n ? (i + 1) * per : n;
	}
	if (n_workers == 1) {
		fn(&ws[0]);
		return;
	}
	for (size_t i = 0; i < n_workers; i++)
		pthread_create(&ws[i].thread, NULL, fn, &ws[i]);
	for (size_t i = 0; i < n_workers; i++)
		pthread_join(ws[i].thread, NULL);
}

/*
 * Evaluate a block: parse it in parallel, sort the good requests by their
 * similarity key so that neighbours share most answers, then give each
 * worker a contiguous share of that order. Results land in each line's
 * own slot, so the output keeps the input's order.
 */
static void run_block(struct worker *ws, size_t n_workers, struct block *b)
{
	for (size_t i = 0; i < n_workers; i++)
		ws[i].b = b;
	in_parallel(ws, n_workers, b->n, worker_parse);
	b->n_order = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->lines[i].req)
			b->order[b->n_order++] = &b->lines[i];
	qsort(b->order, b->n_order, sizeof(*b->order), cmp_line_key);
	in_parallel(ws, n_workers, b->n_order, worker_run);
	for (size_t i = 0; i < b->n; i++) {
		json_decref(b->lines[i].req);
		free(b->lines[i].key);
		b->lines[i].req = NULL;
		b->lines[i].key = NULL;
	}
}

static int assess_batch(FILE *in, const struct cli_options *opt,
			enum engine_mode mode, long jobs, bool save)
{
	int status = 1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	size_t n_workers = (size_t)(jobs > 0 ? jobs : (ncpu > 0 ? ncpu : 1));
	struct worker *ws = calloc(n_workers, sizeof(*ws));
	struct block b = { .mode = mode };
	b.lines = calloc(BLOCK_LINES, sizeof(*b.lines));
	b.order = calloc(BLOCK_LINES, sizeof(*b.order));
	if (!ws || !b.lines || !b.order) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	for (size_t i = 0; i < n_workers; i++) {
		if (!(ws[i].e = cli_engine_open(opt)))
			goto out_free;
		if (save && !(ws[i].d = cli_store_open(opt, "api")))
			goto out_free;
	}

	char *buf = NULL;
	size_t cap = 0;
	ssize_t got;
	unsigned long no = 0;
	bool more = true;
	while (more) {
		b.n = 0;
		while (b.n < BLOCK_LINES &&
		       (got = getline(&buf, &cap, in)) != -1) {
			no++;
			struct line *l = &b.lines[b.n];
			size_t len = (size_t)got;
			while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
				len--;
			if (len == 0)
				continue; /* blank lines carry no request */
			l->text = len > MAX_REQUEST ? NULL : malloc(len + 1);
			if (l->text) {
				memcpy(l->text, buf, len);
				l->text[len] = '\0';
			}
			l->len = len;
			l->no = no;
			l->out = l->text ? NULL
				 : error_line(no, "line is too long or out of memory");
			b.n++;
		}
		if (b.n < BLOCK_LINES)
			more = false;
		run_block(ws, n_workers, &b);
		for (size_t i = 0; i < b.n; i++) {
			if (b.lines[i].out)
				puts(b.lines[i].out);
			free(b.lines[i].text);
			free(b.lines[i].out);
			b.lines[i].text = b.lines[i].out = NULL;
		}
	}
	free(buf);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "msktriage: cannot write the results: %s\n",
			strerror(errno));
		goto out_free;
	}
	status = 0;
out_free:
	for (size_t i = 0; ws && i < n_workers; i++) {
		engine_free(ws[i].e);
		db_close(ws[i].d);
	}
	free(ws);
	free(b.lines);
	free(b.order);
	return status;
}

/* ---------------------------------------------------------------- command */

static const char assess_usage[] =
	"usage: msktriage assess --answers FILE|- [--format json|text] [--mode clinician|kiosk] [--save]\n"
	"       msktriage assess --batch [--answers FILE|-] [--jobs N] [--save]\n"
	"\n"
	"Evaluate answers without a terminal.\n"
	"\n"
	"  --answers FILE|-   a JSON object {\"answers\": {\"age\": 67, \"knee_pain\": \"yes\", ...}}\n"
	"                     (- or no --answers: standard input)\n"
	"  --format json|text output format (default json)\n"
	"  --mode M           clinician (default) or kiosk; a request's \"mode\" wins\n"
	"  --batch            JSON Lines in, one result line out per input line;\n"
	"                     a bad line gives {\"line\": N, \"error\": ...}\n"
	"  --jobs N           batch threads (default: one per core)\n"
	"  --save             also keep each case in the session store as an\n"
	"                     'api' session; the result gives its id and code\n"
	"\n"
	"Exit status: 0 ok, 1 runtime failure, 2 bad usage or bad input.\n";

int cli_assess(int argc, char **argv, const struct cli_options *opt)
{
	const char *answers = "-";
	const char *format = "json";
	const char *mode = NULL;
	bool batch = false, save = false;
	long jobs = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(assess_usage, stdout);
			return 0;
		} else if (strcmp(a, "--batch") == 0) {
			batch = true;
		} else if (strcmp(a, "--save") == 0) {
			save = true;
		} else if (i + 1 < argc && strcmp(a, "--answers") == 0) {
			answers = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--format") == 0) {
			format = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--mode") == 0) {
			mode = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--jobs") == 0) {
			char *end;
			jobs = strtol(argv[++i], &end, 10);
			if (*end || jobs < 1 || jobs > 256) {
				fprintf(stderr, "msktriage: '--jobs' must be an integer from 1 to 256\n");
				return 2;
			}
		} else {
			char shown[512];
			fprintf(stderr, "msktriage: unknown or incomplete option '%s' for assess\n%s",
				term_escape(shown, sizeof(shown), a, 64), assess_usage);
			return 2;
		}
	}
	if (strcmp(format, "json") != 0 && strcmp(format, "text") != 0) {
		fprintf(stderr, "msktriage: '--format' must be one of json, text\n");
		return 2;
	}
	if (mode && strcmp(mode, "clinician") != 0 && strcmp(mode, "kiosk") != 0) {
		fprintf(stderr, "msktriage: '--mode' must be one of clinician, kiosk\n");
		return 2;
	}

	enum engine_mode m = mode && strcmp(mode, "kiosk") == 0
				     ? ENGINE_MODE_KIOSK : ENGINE_MODE_CLINICIAN;
	FILE *in = stdin;
	if (strcmp(answers, "-") != 0) {
		in = fopen(answers, "rb");
		if (!in) {
			char shown[1024];
			fprintf(stderr, "msktriage: cannot open '%s': %s\n",
				TERM_SAFE(shown, answers), strerror(errno));
			return 2;
		}
	}
	int status;
	if (batch) {
		status = assess_batch(in, opt, m, jobs, save);
		goto out_close;
	}

	char *text = NULL;
	size_t len = 0;
	char err[512], shown[1024];
	if (read_all(in, &text, &len, err, sizeof(err)) != 0) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, err));
		status = 2;
		goto out_close;
	}
	engine *e = cli_engine_open(opt);
	if (!e) {
		free(text);
		status = 1;
		goto out_close;
	}
	int rv = cli_request_run(e, m, text, len, err, sizeof(err));
	free(text);
	if (rv != 0) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, err));
		status = rv == -1 ? 2 : 1;
		goto out_engine;
	}
	json_t *j = cli_result_json(e);
	if (!j) {
		fprintf(stderr, "msktriage: out of memory\n");
		status = 1;
		goto out_engine;
	}
	if (save) {
		db *d = cli_store_open(opt, "api");
		rv = d ? save_session(d, e, j, err, sizeof(err)) : -1;
		if (d && rv != 0)
			fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, err));
		db_close(d);
		if (rv != 0) {
			json_decref(j);
			status = 1;
			goto out_engine;
		}
	}
	if (strcmp(format, "text") == 0) {
		print_text(e);
		json_t *session = json_object_get(j, "session");
		if (session)
			printf("Saved as session %s (id %lld)\n",
			       json_string_value(json_object_get(session, "code")),
			       (long long)json_integer_value(json_object_get(session, "id")));
	} else if (json_dumpf(j, stdout, JSON_INDENT(2) | CLI_JSON_REAL) != 0) {
		json_decref(j);
		fprintf(stderr, "msktriage: cannot write the result\n");
		status = 1;
		goto out_engine;
	} else {
		putchar('\n');
	}
	json_decref(j);
	status = fflush(stdout) == 0 ? 0 : 1;
out_engine:
	engine_free(e);
out_close:
	if (in != stdin)
		fclose(in);
	return status;
}
