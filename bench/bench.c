/*
 * bench.c — msktriage benchmarks (run by hand: `make bench`; results go in
 * docs/benchmarks.md). Not a test: nothing here passes or fails.
 *
 *   bench gen N FILE        write N realistic answer sets as JSON Lines:
 *                           each is a simulated interview, answering the
 *                           engine's next question at random until done
 *   bench engine FILE [R]   in-process engine time per case: clear the
 *                           answers, set the case's, run, read conclusions
 *                           (R repetitions over the file, default 1)
 *   bench pipeline FILE [R] the batch's work per line in process: read the
 *                           request, apply it, write the result line
 *   bench floor FILE [R]    the CLIPS floor: the same answer facts in a bare
 *                           environment with trivial rules (see below)
 *   bench load N            engine_new + first run + next question, N times
 *   bench start N BIN       whole process: spawn `BIN assess` with an empty
 *                           answer set until it has printed the first
 *                           question and exited, N times
 *   bench interview N BIN STORE
 *                           whole process on a pseudo-terminal: spawn
 *                           `BIN --db STORE --label bench` until its first
 *                           question's prompt is on the terminal, then
 *                           'quit' and wait for it to exit, N times
 *   bench answer N STORE    answer -> next question through the session
 *                           core (session_answer, its commit included) on
 *                           the store STORE, N interviews; and the time of
 *                           one fsync of a file beside the store
 *   bench questions DIR     interview length: replay each clinical case of
 *                           DIR (tests/cases) through the interview's order
 *                           and report questions asked per interview (see
 *                           bench_questions for the rule)
 *
 * Process start to first question and batch throughput are measured by
 * bench/run.sh around the real binary.
 */
#include "cli/render.h"
#include "cli/result.h"
#include "cli/session.h"
#include "engine/engine.h"
#include "db/db.h"

#include <clips/clips.h>
/* Under callgrind (bench/callgrind.sh runs with --collect-atstart=no),
 * only the measured loops are counted: not loading, not the cases' set-up. */
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MEASURE_TOGGLE() CALLGRIND_TOGGLE_COLLECT
#else
#define MEASURE_TOGGLE() ((void)0)
#endif

#include <glob.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <pty.h>
#include <spawn.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <stdint.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static engine *load(void)
{
	char *msg = NULL;
	engine *e = engine_new(getenv("MSKTRIAGE_RULES"), &msg);
	if (!e) {
		fprintf(stderr, "bench: %s\n", msg ? msg : "cannot load rules");
		exit(1);
	}
	return e;
}

/* A random valid answer to q, mostly plausible: pain sites and yes/no
 * answers lean to "no" so interviews are not all emergencies. */
static json_t *random_answer(const struct engine_question *q, unsigned *seed)
{
	int r = rand_r(seed) % 100;
	if (r < 3)
		return json_string("skip");
	switch (q->type) {
	case ENGINE_TYPE_YESNO:
		if (q->red_flag)
			return json_string(r < 88 ? "no" : r < 97 ? "yes" : "unsure");
		return json_string(r < 50 ? "yes" : r < 95 ? "no" : "unsure");
	case ENGINE_TYPE_CHOICE:
		return json_string(q->choices[(size_t)rand_r(seed) % q->n_choices]);
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE: {
		long long span = (long long)(q->max - q->min);
		/* Most ranges are wide (weeks, minutes): keep values modest. */
		if (span > 120)
			span = 120;
		return json_integer((long long)q->min + rand_r(seed) % (span + 1));
	}
	case ENGINE_TYPE_NUMBER:
		return json_real(q->min + (q->max - q->min) * 0.2 +
				 (double)(rand_r(seed) % 1000) / 1000.0 *
					 (q->max - q->min) * 0.5);
	}
	return json_string("skip");
}

static int gen(long n, const char *path)
{
	engine *e = load();
	FILE *out = fopen(path, "w");
	if (!out) {
		perror(path);
		return 1;
	}
	unsigned seed = 20261121;
	long answers = 0;
	for (long i = 0; i < n; i++) {
		json_t *a = json_object();
		engine_answers_clear(e);
		for (;;) {
			if (engine_run(e) != 0) {
				fprintf(stderr, "bench: %s\n", engine_errmsg(e));
				return 1;
			}
			const struct engine_question *q = engine_next_question(e);
			if (!q)
				break;
			json_t *v = random_answer(q, &seed);
			const char *text = json_string_value(v);
			char buf[64];
			if (!text) {
				if (json_is_integer(v))
					snprintf(buf, sizeof(buf), "%lld",
						 (long long)json_integer_value(v));
				else
					snprintf(buf, sizeof(buf), "%.1f", json_real_value(v));
				text = buf;
			}
			if (engine_answer_set_text(e, q->id, text) != 0) {
				fprintf(stderr, "bench: %s\n", engine_errmsg(e));
				return 1;
			}
			json_object_set_new(a, q->id, v);
		}
		answers += (long)json_object_size(a);
		json_t *line = json_pack("{s:o}", "answers", a);
		char *s = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
		fprintf(out, "%s\n", s);
		free(s);
		json_decref(line);
	}
	fclose(out);
	fprintf(stderr, "wrote %ld cases, %.1f answers per case on average\n", n,
		(double)answers / (double)n);
	engine_free(e);
	return 0;
}

struct kase {
	size_t n;
	char **ids;
	char **texts;
	char *key;
	const char **byq; /* the answer texts by catalogue position, or NULL */
	char *line;     /* the request as read */
	size_t len;
};

static int cmp_kase(const void *a, const void *b)
{
	return strcmp(((const struct kase *)a)->key, ((const struct kase *)b)->key);
}

/* The cases of a JSON Lines file; with BENCH_SORT set, in the order a
 * batch block evaluates them (similar cases together). */
static struct kase *load_cases(engine *e, const char *path, size_t *count)
{
	FILE *in = fopen(path, "r");
	if (!in) {
		perror(path);
		exit(1);
	}
	struct kase *cases = NULL;
	size_t n = 0, cap = 0;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;
	while ((got = getline(&line, &lcap, in)) > 0) {
		json_t *j = json_loads(line, 0, NULL);
		json_t *a = json_object_get(j, "answers");
		if (!a)
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			cases = realloc(cases, cap * sizeof(*cases));
		}
		struct kase *k = &cases[n++];
		k->key = NULL;
		while (got > 0 && (line[got - 1] == '\n' || line[got - 1] == '\r'))
			got--;
		k->line = strndup(line, (size_t)got);
		k->len = (size_t)got;
		k->n = json_object_size(a);
		k->ids = calloc(k->n, sizeof(char *));
		k->texts = calloc(k->n, sizeof(char *));
		const char *id;
		json_t *v;
		size_t i = 0;
		json_object_foreach(a, id, v) {
			char buf[64];
			k->ids[i] = strdup(id);
			if (json_is_string(v))
				snprintf(buf, sizeof(buf), "%s", json_string_value(v));
			else if (json_is_integer(v))
				snprintf(buf, sizeof(buf), "%lld", (long long)json_integer_value(v));
			else
				snprintf(buf, sizeof(buf), "%g", json_real_value(v));
			k->texts[i++] = strdup(buf);
		}
		json_decref(j);
	}
	free(line);
	fclose(in);
	/* by catalogue position, so the harness looks nothing up per case */
	for (size_t c = 0; c < n; c++) {
		cases[c].byq = calloc(engine_question_count(e) + 1, sizeof(char *));
		for (size_t i = 0; i < cases[c].n; i++) {
			size_t q = engine_question_index(
				e, engine_question_find(e, cases[c].ids[i]));
			if (q != SIZE_MAX)
				cases[c].byq[q] = cases[c].texts[i];
		}
	}
	if (getenv("BENCH_SORT")) {
		/* Order cases by their symbolic answers in catalogue order, as
		 * a batch evaluator could: similar cases become neighbours. */
		for (size_t c = 0; c < n; c++) {
			char key[4096] = "";
			size_t used = 0;
			for (size_t q = 0; q < engine_question_count(e); q++) {
				const struct engine_question *qq = engine_question_at(e, q);
				if (qq->type != ENGINE_TYPE_YESNO && qq->type != ENGINE_TYPE_CHOICE)
					continue;
				const char *v = "~";
				for (size_t i = 0; i < cases[c].n; i++)
					if (strcmp(cases[c].ids[i], qq->id) == 0)
						v = cases[c].texts[i];
				used += (size_t)snprintf(key + used, sizeof(key) - used, "%s,", v);
			}
			cases[c].key = strdup(key);
		}
		qsort(cases, n, sizeof(*cases), cmp_kase);
	}
	*count = n;
	return cases;
}

static void cases_free(struct kase *cases, size_t n)
{
	for (size_t c = 0; c < n; c++) {
		for (size_t i = 0; i < cases[c].n; i++) {
			free(cases[c].ids[i]);
			free(cases[c].texts[i]);
		}
		free(cases[c].ids);
		free(cases[c].texts);
		free(cases[c].key);
		free(cases[c].line);
		free(cases[c].byq);
	}
	free(cases);
}

static int bench_engine(const char *path, long reps)
{
	engine *e = load();
	size_t n;
	struct kase *cases = load_cases(e, path, &n);

	size_t findings = 0;
	double t0 = now_us();
	MEASURE_TOGGLE();
	for (long r = 0; r < reps; r++)
		for (size_t c = 0; c < n; c++) {
			/* As assess applies a request: set the case's answers,
			 * forget the ones it does not give. */
			struct kase *k = &cases[c];
			for (size_t i = 0; i < k->n; i++)
				engine_answer_set_text(e, k->ids[i], k->texts[i]);
			for (size_t q = 0; q < engine_question_count(e); q++)
				if (!k->byq[q] && engine_answer_text_at(e, q))
					engine_answer_clear(e, engine_question_at(e, q)->id);
			engine_run(e);
			findings += engine_finding_count(e);
			(void)engine_level(e);
			(void)engine_next_question(e);
		}
	MEASURE_TOGGLE();
	double t = now_us() - t0;
	double per = t / (double)(n * (size_t)reps);
	printf("engine: %zu cases x %ld: %.1f us per case (%.0f cases/s on one "
	       "thread), %.2f findings per case\n", n, reps, per, 1e6 / per,
	       (double)findings / (double)(n * (size_t)reps));
	cases_free(cases, n);
	engine_free(e);
	return 0;
}

/*
 * The batch's work per line, in process and on one thread: read the
 * request (scanner, or jansson when it declines), apply it, write the
 * result line from prepared fragments. Input order, or with BENCH_SORT
 * the order a batch block evaluates.
 */
static int bench_pipeline(const char *path, long reps)
{
	engine *e = load();
	size_t n;
	struct kase *cases = load_cases(e, path, &n);
	struct cli_render *r = cli_render_new(e);
	size_t bytes = 0;
	double t0 = now_us();
	MEASURE_TOGGLE();
	for (long rep = 0; rep < reps; rep++)
		for (size_t c = 0; c < n; c++) {
			char err[512];
			char *text = strndup(cases[c].line, cases[c].len);
			struct cli_request req;
			int sc = cli_request_scan(text, cases[c].len, 128, &req);
			int rv;
			if (sc == 1) {
				rv = cli_request_apply_scanned(e, ENGINE_MODE_CLINICIAN,
							       &req, err, sizeof(err));
			} else {
				rv = cli_request_run(e, ENGINE_MODE_CLINICIAN, text,
						     cases[c].len, err, sizeof(err));
				req.id = NULL;
			}
			char *out = rv == 0 && r ? cli_render_line(r, e, c + 1, req.id)
						 : NULL;
			bytes += out ? strlen(out) : 0;
			free(out);
			if (sc == 1)
				cli_request_release(&req);
			free(text);
		}
	MEASURE_TOGGLE();
	double t = now_us() - t0;
	double per = t / (double)(n * (size_t)reps);
	printf("pipeline: %zu cases x %ld: %.1f us per case (%.0f cases/s on "
	       "one thread), %.0f bytes out per case\n", n, reps, per, 1e6 / per,
	       (double)bytes / (double)(n * (size_t)reps));
	cli_render_free(r);
	cases_free(cases, n);
	engine_free(e);
	return 0;
}

/*
 * The CLIPS floor: a bare environment with, per question, BENCH_FLOOR_RULES
 * (default 1) trivial rules that match its answer fact and do nothing.
 * Each case's answers are asserted as the engine asserts them (one ordered
 * fact per answer, through the fact API, as a difference from the case
 * before) and the rules are run. What the engine costs beyond this is the
 * rule base's own work and the engine's reading of it.
 */
static int bench_floor(const char *path, long reps)
{
	engine *e = load();
	size_t n;
	struct kase *cases = load_cases(e, path, &n);
	long per_q = getenv("BENCH_FLOOR_RULES") ? atol(getenv("BENCH_FLOOR_RULES")) : 1;
	size_t nq = engine_question_count(e);
	void *env = CreateEnvironment();
	void **tmpl = calloc(nq, sizeof(*tmpl));
	void **facts = calloc(nq, sizeof(*facts));
	char **cur = calloc(nq, sizeof(*cur));
	for (size_t q = 0; q < nq; q++) {
		const char *id = engine_question_at(e, q)->id;
		for (long k = 0; k < per_q; k++) {
			char rule[256];
			snprintf(rule, sizeof(rule), "(defrule floor-%s-%ld (%s ?v) =>)",
				 id, k, id);
			EnvBuild(env, rule);
		}
		tmpl[q] = EnvFindDeftemplate(env, id);
	}
	EnvReset(env);
	double t0 = now_us();
	MEASURE_TOGGLE();
	for (long rep = 0; rep < reps; rep++)
		for (size_t c = 0; c < n; c++) {
			const struct kase *k = &cases[c];
			for (size_t q = 0; q < nq; q++) {
				const struct engine_question *qq = engine_question_at(e, q);
				const char *text = k->byq[q];
				if (text && cur[q] && strcmp(text, cur[q]) == 0)
					continue;
				if (facts[q])
					EnvRetract(env, facts[q]);
				facts[q] = NULL;
				free(cur[q]);
				cur[q] = text ? strdup(text) : NULL;
				if (!text || strcmp(text, "skip") == 0 || !tmpl[q])
					continue;
				struct fact *f = EnvCreateFact(env, tmpl[q]);
				void *mf = EnvCreateMultifield(env, 1);
				if (qq->type == ENGINE_TYPE_INTEGER ||
				    qq->type == ENGINE_TYPE_SCALE) {
					SetMFType(mf, 1, INTEGER);
					SetMFValue(mf, 1, EnvAddLong(env, atoll(text)));
				} else if (qq->type == ENGINE_TYPE_NUMBER) {
					SetMFType(mf, 1, FLOAT);
					SetMFValue(mf, 1, EnvAddDouble(env, atof(text)));
				} else {
					SetMFType(mf, 1, SYMBOL);
					SetMFValue(mf, 1, EnvAddSymbol(env, text));
				}
				DATA_OBJECT d;
				SetType(d, MULTIFIELD);
				SetValue(d, mf);
				SetDOBegin(d, 1);
				SetDOEnd(d, 1);
				EnvPutFactSlot(env, f, NULL, &d);
				facts[q] = EnvAssert(env, f);
			}
			EnvRun(env, -1);
		}
	MEASURE_TOGGLE();
	double t = now_us() - t0;
	double per = t / (double)(n * (size_t)reps);
	printf("floor: %zu cases x %ld, %ld trivial rule%s per question: %.1f us "
	       "per case\n", n, reps, per_q, per_q == 1 ? "" : "s", per);
	for (size_t q = 0; q < nq; q++)
		free(cur[q]);
	free(cur);
	free(facts);
	free(tmpl);
	DestroyEnvironment(env);
	cases_free(cases, n);
	engine_free(e);
	return 0;
}

static int bench_load(long n)
{
	double best = 1e18, total = 0;
	for (long i = 0; i < n; i++) {
		double t0 = now_us();
		engine *e = load();
		engine_run(e);
		(void)engine_next_question(e);
		double t = now_us() - t0;
		engine_free(e);
		total += t;
		if (t < best)
			best = t;
	}
	printf("load: engine_new + first run + next question: best %.0f us, "
	       "mean %.0f us over %ld\n", best, total / (double)n, n);
	return 0;
}

extern char **environ;

static int cmp_double(const void *a, const void *b);

/*
 * Answer to next question with the store: for n simulated interviews on
 * the store `where` (a file or a postgresql:// URI), each answer is
 * committed (db_answer_put, as the interview does before moving on), then
 * given to the engine, which runs and picks the next question. Timed per
 * answer, from the commit's start to the next question in hand.
 */
static int bench_store(const char *where, long n)
{
	engine *e = load();
	char *msg = NULL;
	db *d = db_open(where, NULL, &msg);
	if (!d) {
		fprintf(stderr, "bench: %s\n", msg ? msg : "cannot open store");
		return 1;
	}
	size_t cap = 4096, k = 0;
	double *t = malloc(cap * sizeof *t), commit_sum = 0;
	unsigned seed = 20261122;
	const struct db_session_new s = {
		.mode = "kiosk", .rulebase_sha256 = engine_rulebase_sha256(e),
		.program_version = "bench",
	};
	for (long i = 0; i < n; i++) {
		int64_t id;
		engine_answers_clear(e);
		if (db_session_create(d, &s, &id, NULL) != DB_OK ||
		    engine_run(e) != 0) {
			fprintf(stderr, "bench: %s\n", db_errmsg(d));
			return 1;
		}
		const struct engine_question *q = engine_next_question(e);
		while (q) {
			json_t *v = random_answer(q, &seed);
			const char *text = json_string_value(v);
			char buf[64];
			if (!text) {
				if (json_is_integer(v))
					snprintf(buf, sizeof(buf), "%lld",
						 (long long)json_integer_value(v));
				else
					snprintf(buf, sizeof(buf), "%.1f", json_real_value(v));
				text = buf;
			}
			double t0 = now_us();
			if (db_answer_put(d, id, q->id, text) != DB_OK) {
				fprintf(stderr, "bench: %s\n", db_errmsg(d));
				return 1;
			}
			double t1 = now_us();
			if (engine_answer_set_text(e, q->id, text) != 0 ||
			    engine_run(e) != 0) {
				fprintf(stderr, "bench: %s\n", engine_errmsg(e));
				return 1;
			}
			q = engine_next_question(e);
			double t2 = now_us();
			json_decref(v);
			if (k == cap) {
				cap *= 2;
				t = realloc(t, cap * sizeof *t);
			}
			t[k++] = t2 - t0;
			commit_sum += t1 - t0;
		}
	}
	qsort(t, k, sizeof *t, cmp_double);
	printf("answer -> next question on %s: %zu answers in %ld interviews: "
	       "median %.0f us, 90th percentile %.0f us, 99th %.0f us; "
	       "commit alone %.0f us on average\n", db_path(d), k, n,
	       t[k / 2], t[k * 9 / 10], t[k * 99 / 100], commit_sum / (double)k);
	free(t);
	db_close(d);
	engine_free(e);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static int bench_start(long n, const char *bin)
{
	double *t = calloc((size_t)n, sizeof(*t));
	for (long i = 0; i < n; i++) {
		int in[2], out[2];
		if (pipe(in) || pipe(out))
			return 1;
		posix_spawn_file_actions_t fa;
		posix_spawn_file_actions_init(&fa);
		posix_spawn_file_actions_adddup2(&fa, in[0], 0);
		posix_spawn_file_actions_adddup2(&fa, out[1], 1);
		posix_spawn_file_actions_addclose(&fa, in[1]);
		posix_spawn_file_actions_addclose(&fa, out[0]);
		char *argv[] = { (char *)bin, "assess", NULL };
		const char req[] = "{\"answers\":{}}";
		double t0 = now_us();
		pid_t pid;
		if (posix_spawn(&pid, bin, &fa, NULL, argv, environ) != 0)
			return 1;
		close(in[0]);
		close(out[1]);
		if (write(in[1], req, sizeof(req) - 1) < 0)
			return 1;
		close(in[1]);
		char buf[8192];
		bool seen = false;
		ssize_t got;
		while ((got = read(out[0], buf, sizeof(buf) - 1)) > 0) {
			buf[got] = '\0';
			seen |= strstr(buf, "\"next_question\": \"age\"") != NULL;
		}
		waitpid(pid, NULL, 0);
		t[i] = now_us() - t0;
		close(out[0]);
		posix_spawn_file_actions_destroy(&fa);
		if (!seen) {
			fprintf(stderr, "bench: no first question in the output\n");
			return 1;
		}
	}
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("start: process start to first question (assess, whole process): "
	       "median %.0f us, best %.0f us, 90th percentile %.0f us over %ld\n",
	       t[n / 2], t[0], t[n * 9 / 10], n);
	free(t);
	return 0;
}

/* Reads what the child writes on the pseudo-terminal until `want` has
 * been seen (NULL: until it closes). False on end or error first. */
static bool pty_wait(int fd, const char *want)
{
	char buf[16384];
	size_t len = 0;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 10000) <= 0)
			return false;
		ssize_t got = read(fd, buf + len, sizeof(buf) - 1 - len);
		if (got <= 0)
			return want == NULL;
		len += (size_t)got;
		buf[len] = '\0';
		if (want && strstr(buf, want))
			return true;
		if (len > sizeof(buf) / 2) { /* keep the tail */
			memmove(buf, buf + len - 256, 256);
			len = 256;
		}
	}
}

static void report_ms(const char *what, double *t, long n)
{
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	printf("%s: median %.2f ms, 90th percentile %.2f ms, best %.2f ms over %ld\n",
	       what, t[n / 2] / 1e3, t[n * 9 / 10] / 1e3, t[0] / 1e3, n);
}

/*
 * The interview's start as a person sees it: from spawning the binary on a
 * pseudo-terminal until the first question's prompt ("ID> ", the id from
 * the engine) has been written to the terminal. The store exists already
 * (the first spawn creates it and is not counted).
 */
static int bench_interview(long n, const char *bin, const char *store)
{
	engine *e = load();
	engine_run(e);
	const struct engine_question *q0 = engine_next_question(e);
	char prompt[128];
	snprintf(prompt, sizeof(prompt), "%s> ", q0 ? q0->id : "?");
	engine_free(e);
	double *first = calloc((size_t)n, sizeof(*first));
	double *whole = calloc((size_t)n, sizeof(*whole));
	double *hwm = calloc((size_t)n, sizeof(*hwm));
	struct rusage ru0, ru1;
	getrusage(RUSAGE_CHILDREN, &ru0);
	for (long i = -1; i < n; i++) {
		struct winsize ws = { .ws_row = 50, .ws_col = 100 };
		int fd;
		double t0 = now_us();
		pid_t pid = forkpty(&fd, NULL, NULL, &ws);
		if (pid < 0) {
			perror("bench: forkpty");
			return 1;
		}
		if (pid == 0) {
			char *argv[] = { (char *)bin, "--db", (char *)store,
					 "--label", "bench", NULL };
			execv(bin, argv);
			_exit(127);
		}
		bool seen = pty_wait(fd, prompt);
		double t1 = now_us();
		/* Its peak memory so far, read while it waits for the answer
		 * (getrusage would count the forked copy of this process). */
		char status[64];
		snprintf(status, sizeof(status), "/proc/%d/status", (int)pid);
		FILE *sf = fopen(status, "r");
		char row[256];
		long kb = 0;
		while (sf && fgets(row, sizeof(row), sf))
			if (sscanf(row, "VmHWM: %ld", &kb) == 1)
				break;
		if (sf)
			fclose(sf);
		if (i >= 0)
			hwm[i] = (double)kb;
		if (!seen || write(fd, "quit\r", 5) != 5) {
			fprintf(stderr, "bench: no first question ('%s') on the "
				"terminal\n", prompt);
			kill(pid, SIGKILL);
			return 1;
		}
		pty_wait(fd, NULL);
		int st;
		waitpid(pid, &st, 0);
		double t2 = now_us();
		close(fd);
		if (i >= 0) {
			first[i] = t1 - t0;
			whole[i] = t2 - t0;
		} else {
			getrusage(RUSAGE_CHILDREN, &ru0);
		}
	}
	getrusage(RUSAGE_CHILDREN, &ru1);
	double cpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
			      ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
		     (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
			      ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
	report_ms("interview: start to first question on a terminal", first, n);
	report_ms("interview: start, first question, quit, exit", whole, n);
	qsort(hwm, (size_t)n, sizeof(*hwm), cmp_double);
	printf("interview: CPU time per process (user + system) %.2f ms; "
	       "peak RSS at the first question (VmHWM) median %.0f KiB, "
	       "largest %.0f KiB\n", cpu / (double)n / 1e3, hwm[n / 2],
	       hwm[n - 1]);
	free(hwm);
	free(first);
	free(whole);
	return 0;
}

/* The median time of one 4 KiB write and fdatasync of a file in dir: what
 * the disk charges for the flushes a commit makes. */
static double fsync_median_us(const char *dir, int n)
{
	char path[4200];
	snprintf(path, sizeof(path), "%.4096s/fsync-probe", dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	double *t = calloc((size_t)n, sizeof(*t));
	char block[4096];
	memset(block, 'x', sizeof(block));
	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		if (pwrite(fd, block, sizeof(block), (off_t)(i % 16) * 4096) < 0 ||
		    fdatasync(fd) != 0)
			break;
		t[i] = now_us() - t0;
	}
	close(fd);
	unlink(path);
	qsort(t, (size_t)n, sizeof(*t), cmp_double);
	double m = t[n / 2];
	free(t);
	return m;
}

/*
 * Answer -> next question as the interview does it: session_answer() (the
 * answer validated, asserted, committed to the store in its transaction,
 * the rules run, answers no longer relevant withdrawn) and then
 * session_next_question(), timed together, on a file store with its own
 * settings (WAL, synchronous=FULL). The first answer of each interview
 * also creates the session in the store and is reported apart.
 */
static int bench_answer(long n, const char *where)
{
	engine *e = load();
	char *msg = NULL;
	db *d = db_open(where, NULL, &msg);
	if (!d) {
		fprintf(stderr, "bench: %s\n", msg ? msg : "cannot open store");
		return 1;
	}
	session *s = session_new(e, d, SESSION_CLINICIAN);
	size_t cap = 4096, k = 0, k1 = 0;
	double *t = malloc(cap * sizeof(*t));
	double *first = calloc((size_t)n, sizeof(*first));
	unsigned seed = 20261122;
	const struct db_session_new info = { .program_version = "bench" };
	struct rusage ru0, ru1;
	double cpu = 0;
	for (long i = 0; i < n; i++) {
		if (session_start_later(s, &info) != SESSION_OK) {
			fprintf(stderr, "bench: %s\n", session_errmsg(s));
			return 1;
		}
		const struct engine_question *q = session_next_question(s);
		bool is_first = true;
		while (q) {
			json_t *v = random_answer(q, &seed);
			const char *text = json_string_value(v);
			char buf[64];
			if (!text) {
				if (json_is_integer(v))
					snprintf(buf, sizeof(buf), "%lld",
						 (long long)json_integer_value(v));
				else
					snprintf(buf, sizeof(buf), "%.1f", json_real_value(v));
				text = buf;
			}
			getrusage(RUSAGE_SELF, &ru0);
			double t0 = now_us();
			if (session_answer(s, q->id, text) != SESSION_OK) {
				fprintf(stderr, "bench: %s\n", session_errmsg(s));
				return 1;
			}
			q = session_next_question(s);
			double dt = now_us() - t0;
			getrusage(RUSAGE_SELF, &ru1);
			json_decref(v);
			if (!is_first)
				cpu += (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec +
						ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
				       (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec +
						ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec);
			if (is_first) {
				first[k1++] = dt;
				is_first = false;
				continue;
			}
			if (k == cap) {
				cap *= 2;
				t = realloc(t, cap * sizeof(*t));
			}
			t[k++] = dt;
		}
		if (session_finish(s, NULL) != SESSION_OK) {
			fprintf(stderr, "bench: %s\n", session_errmsg(s));
			return 1;
		}
	}
	qsort(t, k, sizeof(*t), cmp_double);
	qsort(first, k1, sizeof(*first), cmp_double);
	printf("answer -> next question (session core) on %s: %zu answers in "
	       "%ld interviews: median %.0f us, 90th percentile %.0f us, 99th "
	       "%.0f us; CPU time %.0f us per answer on average; first answers "
	       "(the session created too): median %.0f us\n", db_path(d), k, n,
	       t[k / 2], t[k * 9 / 10], t[k * 99 / 100], k ? cpu / (double)k : 0.0,
	       k1 ? first[k1 / 2] : 0.0);
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", where);
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	if (strstr(where, "://") == NULL)
		printf("fsync: one 4 KiB write + fdatasync beside the store: "
		       "median %.0f us\n", fsync_median_us(dir, 200));
	free(t);
	free(first);
	session_free(s);
	db_close(d);
	engine_free(e);
	return 0;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/*
 * Interview length on the clinical cases. Each case with an "answers"
 * object is replayed in its mode: ask the engine's next question; answer it
 * from the case when the case answers it; otherwise answer a yes/no
 * question "no" (a case lists what the patient has, so a sign it does not
 * name is taken as absent) and skip any other. Every question put counts,
 * until the engine has nothing more to ask. Cases that compare two answer
 * sets have no single interview and are left out.
 */
static int bench_questions(const char *dir)
{
	engine *e = load();
	char pattern[4096];
	snprintf(pattern, sizeof(pattern), "%s/*.json", dir);
	glob_t g;
	if (glob(pattern, 0, NULL, &g) != 0) {
		fprintf(stderr, "bench: no case in %s\n", dir);
		return 1;
	}
	long *counts = NULL;
	size_t n = 0, cap = 0;
	for (size_t k = 0; k < g.gl_pathc; k++) {
		const char *path = g.gl_pathv[k];
		json_error_t je;
		json_t *root = json_load_file(path, 0, &je);
		json_t *answers = root ? json_object_get(root, "answers") : NULL;
		if (!json_is_object(answers)) {
			json_decref(root);
			continue;
		}
		const char *mode = json_string_value(json_object_get(root, "mode"));
		engine_answers_clear(e);
		engine_mode_set(e, mode && strcmp(mode, "kiosk") == 0
					   ? ENGINE_MODE_KIOSK
					   : ENGINE_MODE_CLINICIAN);
		long asked = 0;
		for (;;) {
			if (engine_run(e) != 0) {
				fprintf(stderr, "bench: %s: %s\n", path, engine_errmsg(e));
				return 1;
			}
			const struct engine_question *q = engine_next_question(e);
			if (!q)
				break;
			asked++;
			json_t *one = json_object();
			json_t *v = json_object_get(answers, q->id);
			json_object_set_new(one, q->id,
					    v ? json_incref(v)
					      : json_string(q->type == ENGINE_TYPE_YESNO
								    ? "no" : "skip"));
			char err[256];
			if (cli_answers_apply(e, one, err, sizeof(err)) != 0) {
				fprintf(stderr, "bench: %s: %s\n", path, err);
				return 1;
			}
			json_decref(one);
			if (asked > 1000) {
				fprintf(stderr, "bench: %s: no end to the interview\n", path);
				return 1;
			}
		}
		json_decref(root);
		if (n == cap) {
			cap = cap ? cap * 2 : 256;
			long *more = realloc(counts, cap * sizeof(*counts));
			if (!more) {
				perror("realloc");
				return 1;
			}
			counts = more;
		}
		counts[n++] = asked;
	}
	globfree(&g);
	if (n == 0) {
		fprintf(stderr, "bench: no case with answers in %s\n", dir);
		return 1;
	}
	qsort(counts, n, sizeof(*counts), cmp_long);
	double sum = 0;
	for (size_t i = 0; i < n; i++)
		sum += (double)counts[i];
	double median = n % 2 ? (double)counts[n / 2]
			      : ((double)counts[n / 2 - 1] + (double)counts[n / 2]) / 2;
	printf("%zu interviews: median %.1f questions, mean %.1f, fewest %ld, "
	       "most %ld\n", n, median, sum / (double)n, counts[0], counts[n - 1]);
	free(counts);
	engine_free(e);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "gen") == 0)
		return gen(atol(argv[2]), argv[3]);
	if (argc >= 3 && strcmp(argv[1], "engine") == 0)
		return bench_engine(argv[2], argc >= 4 ? atol(argv[3]) : 1);
	if (argc >= 3 && strcmp(argv[1], "pipeline") == 0)
		return bench_pipeline(argv[2], argc >= 4 ? atol(argv[3]) : 1);
	if (argc >= 3 && strcmp(argv[1], "floor") == 0)
		return bench_floor(argv[2], argc >= 4 ? atol(argv[3]) : 1);
	if (argc >= 3 && strcmp(argv[1], "load") == 0)
		return bench_load(atol(argv[2]));
	if (argc >= 4 && strcmp(argv[1], "start") == 0)
		return bench_start(atol(argv[2]), argv[3]);
	if (argc >= 3 && strcmp(argv[1], "questions") == 0)
		return bench_questions(argv[2]);
	if (argc >= 4 && strcmp(argv[1], "store") == 0)
		return bench_store(argv[2], atol(argv[3]));
	if (argc >= 4 && strcmp(argv[1], "answer") == 0)
		return bench_answer(atol(argv[2]), argv[3]);
	if (argc >= 5 && strcmp(argv[1], "interview") == 0)
		return bench_interview(atol(argv[2]), argv[3], argv[4]);
	fprintf(stderr, "usage: bench gen N FILE | bench engine FILE [R] | "
		"bench pipeline FILE [R] | bench floor FILE [R] | bench load N | "
		"bench start N BIN | bench store STORE N | "
		"bench interview N BIN STORE | bench answer N STORE | "
		"bench questions DIR\n");
	return 2;
}
