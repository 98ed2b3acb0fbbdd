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
 * exits 2. Batch mode reads JSON Lines and writes exactly one result line per
 * input line, blank lines included, in order, each as soon as it is known;
 * every line carries "line" (1-based) and the request's "id" when it has
 * one; a bad line yields {"line": N, "error": "..."} and the batch goes on.
 * A read error or running out of memory stops the batch with a message on
 * stderr and exit 1; a line longer than MAX_REQUEST gives an error line and
 * exit 2. Batch work is spread over threads, one engine each, in blocks so
 * memory stays bounded whatever the input size. A block is evaluated in an
 * order that puts similar cases together (see similarity_key and
 * run_block); the output keeps the input's order.
 *
 * With --save each case is one transaction: the session, its answers and
 * its conclusions, or nothing. A request's "id" is stored with its
 * session; a case whose id is already stored is refused (an error line
 * naming the session that holds it, or exit 2 in single mode), never saved
 * twice, so a batch can be run again after a kill.
 */
#include "cli/cli.h"
#include "cli/render.h"
#include "cli/result.h"
#include "cli/store.h"
#include "cli/term.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A request (or batch line) larger than this is refused before it is
 * parsed: no answer set comes close, and it bounds what jansson allocates.
 * Jansson's lexer ignores an allocation failure inside a token and goes on
 * with a broken buffer (a crash, not an error), so it must never be the
 * one to run out: with at most 1 MiB of text its needs stay far below the
 * room the engine checks for (see engine_alloc), which is where memory
 * running short is caught and reported. */
#define MAX_REQUEST (1024 * 1024)
/* A block is evaluated in similarity order, so its result lines mostly wait
 * for the lines before them: 2,048 lines keep that memory small (about
 * 8 MB of results) for 2 % more work than 8,192 (docs/benchmarks.md). */
#define BLOCK_LINES 2048

static int read_all(FILE *f, char **out, size_t *len, char *err, size_t errsize)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	if (!buf) {
		snprintf(err, errsize, "out of memory");
		return -2;
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
				return -2;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		snprintf(err, errsize, "cannot read input: %s", strerror(errno));
		return -2;
	}
	*out = buf;
	*len = n;
	return 0;
}

/* The result for a person: wrapped at the terminal's width, or $COLUMNS,
 * or 80 (term_width()). */
static void print_text(const engine *e)
{
	struct term_out o;
	const struct engine_level *l = engine_level(e);
	char line[2048];
	term_out_init(&o, stdout);
	snprintf(line, sizeof(line), "Triage level%s: %s",
		 engine_red_flags_screened(e)
			 ? "" : " (interim, red-flag screening not finished)",
		 l->id);
	term_wrap(&o, 0, 2, TERM_RESET, line);
	term_wrap(&o, 2, 2, TERM_RESET, l->clinician_text);
	if (engine_stop_reason(e)) {
		snprintf(line, sizeof(line), "Interview stopped by: %s",
			 engine_stop_reason(e));
		term_wrap(&o, 0, 2, TERM_RESET, line);
	}
	size_t nf = engine_finding_count(e);
	printf("\nFindings (%zu):\n", nf);
	for (size_t i = 0; i < nf; i++) {
		const struct engine_finding *f = engine_finding_at(e, i);
		snprintf(line, sizeof(line), "%s  %s, %s, confidence %.2f", f->id,
			 f->kind, f->level, f->confidence);
		term_wrap(&o, 2, 6, TERM_RESET, line);
		term_wrap(&o, 4, 4, TERM_RESET, f->title);
		size_t used = (size_t)snprintf(line, sizeof(line), "because:");
		for (size_t j = 0; j < f->n_because && used < sizeof(line); j++) {
			const char *a = engine_answer_text(e, f->because[j]);
			used += (size_t)snprintf(line + used, sizeof(line) - used,
						 " %s=%s", f->because[j],
						 a ? a : "(finding)");
		}
		term_wrap(&o, 4, 6, TERM_RESET, line);
		snprintf(line, sizeof(line), "source: %s", f->source);
		term_wrap(&o, 4, 6, TERM_RESET, line);
	}
	size_t nr = engine_recommendation_count(e);
	printf("\nRecommendations (%zu):\n", nr);
	for (size_t i = 0; i < nr; i++) {
		const struct engine_recommendation *r =
			engine_recommendation_at(e, i);
		snprintf(line, sizeof(line), "%s  %s", r->id, r->title);
		term_wrap(&o, 2, 4, TERM_RESET, line);
	}
	snprintf(line, sizeof(line), "Safety-netting: %s", l->safety_net);
	printf("\n");
	term_wrap(&o, 0, 2, TERM_RESET, line);
	const struct engine_question *next = engine_next_question(e);
	printf("\nNext question: %s\n", next ? next->id : "none (complete)");
	snprintf(line, sizeof(line), "Rule base: %s (sha256 %s)",
		 engine_rulebase_version(e), engine_rulebase_sha256(e));
	term_wrap(&o, 0, 2, TERM_RESET, line);
}

/* ------------------------------------------------------------------ batch */

/*
 * How a batch runs. The main thread reads the input into blocks of at most
 * BLOCK_LINES lines and BLOCK_BYTES bytes; no line is ever held beyond
 * MAX_REQUEST bytes (read_line). Each block is parsed by the workers in
 * parallel, sorted by similarity_key, and evaluated by the workers, each
 * taking contiguous chunks of that order as it is ready for more (take).
 * Meanwhile the main thread walks the block in input order: as soon as a
 * line and all lines before it are evaluated it saves that line's session
 * (--save: one transaction, in input order) and prints its result line,
 * flushing whenever it has to wait. While it waits it reads the lines of
 * the next block that the input has ready (read_ahead), so reading overlaps
 * evaluation; the two blocks never hold more than BLOCK_BYTES of input
 * between them. A batch
 * killed at any point has therefore printed every session it saved, but
 * for at most the one whose line it was about to print; re-running the same
 * input with ids then refuses that one instead of storing it twice.
 */

#define BLOCK_BYTES (64u * 1024 * 1024)
#define MAX_ID 128

/* What --save keeps of an evaluated line, taken from the worker's engine
 * before it moves on to the next case. */
struct save_data {
	struct db_answer *answers;
	size_t n_answers;
	const char *status;        /* static */
	char *level;
	char *conclusions;         /* the result as JSON text */
};

struct line {
	char *text;
	size_t len;
	unsigned long no;  /* line number in the input, 1-based */
	char *id;          /* the request's "id", validated; NULL when none */
	json_t *req;       /* the parsed request, while its block runs */
	struct cli_request fast; /* or the scanned one (scanned true) */
	bool scanned;
	char *key;         /* see similarity_key() */
	json_t *result;    /* --save: the result, until the session is added */
	struct save_data save;
	char *out;         /* the output line, without newline */
	bool fatal;        /* memory ran out: the batch stops before this line */
	bool too_long;     /* longer than MAX_REQUEST: said when its block runs */
	bool done;         /* under block.lock: the line may be written */
};

struct block {
	struct line *lines;
	size_t n;
	struct line **order; /* parsed lines, in similarity order */
	size_t n_order;
	size_t bytes;        /* of input read into the block */
	enum engine_mode mode;
	bool save;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct line *wanted; /* under lock: the line the writer waits for */
	atomic_size_t next;  /* the next chunk a worker takes (see take) */
};

struct worker {
	pthread_t thread;
	engine *e;
	struct cli_render *render; /* NULL: results built with jansson */
	struct block *b;
};

static json_t *line_head(const struct line *l)
{
	json_t *j = json_object();
	if (j && json_object_set_new(j, "line", json_integer((json_int_t)l->no)))
		goto out_fail;
	if (j && l->id && json_object_set_new(j, "id", json_string(l->id)))
		goto out_fail;
	return j;
out_fail:
	json_decref(j);
	return NULL;
}

/* {"line": N, "id": ..., "error": msg}; NULL when out of memory. */
static char *error_line(const struct line *l, const char *msg)
{
	/* A message may quote a path or a value that is not UTF-8, which a
	 * JSON string cannot hold: such bytes become U+FFFD. */
	char *fixed = term_utf8_repair(msg);
	json_t *j = fixed ? line_head(l) : NULL;
	char *s = NULL;
	if (j && json_object_set_new(j, "error", json_string(fixed)) == 0)
		s = json_dumps(j, JSON_COMPACT | CLI_JSON_REAL);
	json_decref(j);
	free(fixed);
	return s;
}

static void set_error(struct line *l, const char *msg)
{
	l->out = error_line(l, msg);
	if (!l->out)
		l->fatal = true;
}

/* The request's optional "id": a string of 1 to MAX_ID bytes with no
 * control character (C0, DEL or C1). Returns 0, or -1 with a message. */
static int request_id(json_t *req, char **out, char *err, size_t errsize)
{
	json_t *id = json_object_get(req, "id");
	*out = NULL;
	if (!id)
		return 0;
	const unsigned char *s = (const unsigned char *)json_string_value(id);
	size_t n = s ? json_string_length(id) : 0;
	bool ok = s && n >= 1 && n <= MAX_ID && n == strlen((const char *)s);
	for (size_t i = 0; ok && i < n; i++)
		if (s[i] < 0x20 || s[i] == 0x7f ||
		    (s[i] == 0xc2 && i + 1 < n && s[i + 1] >= 0x80 &&
		     s[i + 1] <= 0x9f))
			ok = false;
	if (!ok) {
		snprintf(err, errsize, "'id' must be a string of 1 to %d "
			 "printable characters", MAX_ID);
		return -1;
	}
	if (!(*out = strdup((const char *)s))) {
		snprintf(err, errsize, "out of memory");
		return -1;
	}
	return 0;
}

static void save_data_free(struct save_data *s)
{
	for (size_t i = 0; i < s->n_answers; i++) {
		free((char *)s->answers[i].question);
		free((char *)s->answers[i].value);
	}
	free(s->answers);
	free(s->level);
	free(s->conclusions);
	memset(s, 0, sizeof(*s));
}

/* Copy what a session of e's case keeps; conclusions are those of
 * cli_result_stored_json(): the result without line, id and session, and
 * the wording it was shown with. Returns 0, or -1 when out of memory. */
static int save_data_take(const engine *e, struct save_data *s)
{
	size_t n = engine_question_count(e);
	s->answers = calloc(n ? n : 1, sizeof(*s->answers));
	if (!s->answers)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *q = engine_question_at(e, i)->id;
		const char *text = engine_answer_text(e, q);
		if (!text)
			continue;
		struct db_answer *a = &s->answers[s->n_answers++];
		a->question = strdup(q);
		a->value = strdup(text);
		if (!a->question || !a->value)
			return -1;
	}
	s->status = cli_session_status(e);
	if (strcmp(s->status, "in_progress") != 0) {
		/* Stored self-contained (format 2): the result plus the
		 * wording it was shown with. */
		json_t *stored = cli_result_stored_json(e);
		s->level = strdup(engine_level(e)->id);
		s->conclusions = stored ? json_dumps(stored, JSON_COMPACT |
						     CLI_JSON_REAL) : NULL;
		json_decref(stored);
		if (!s->level || !s->conclusions)
			return -1;
	}
	return 0;
}

/* Evaluate one parsed line on e. Returns -1 when e can no longer be used
 * (it ran out of memory). */
static int run_line(engine *e, const struct cli_render *render,
		    struct block *b, struct line *l)
{
	char err[512];
	int rv = l->scanned
		? cli_request_apply_scanned(e, b->mode, &l->fast, err, sizeof(err))
		: cli_request_apply(e, b->mode, l->req, err, sizeof(err));
	if (rv != 0 && engine_is_out_of_memory(e)) {
		l->fatal = true;
		return -1;
	}
	if (rv != 0) {
		set_error(l, err);
		return 0;
	}
	/* Without --save the line is written from prepared fragments; the
	 * jansson tree below stays the reference and the fallback. */
	if (!b->save && render &&
	    (l->out = cli_render_line(render, e, l->no, l->id)))
		return 0;
	json_t *r = cli_result_json(e);
	json_t *j = r ? line_head(l) : NULL;
	if (!j || json_object_update(j, r) != 0 ||
	    (b->save && save_data_take(e, &l->save) != 0)) {
		json_decref(r);
		json_decref(j);
		l->fatal = true;
		return 0;
	}
	json_decref(r);
	if (b->save) {
		l->result = j;
		return 0;
	}
	l->out = json_dumps(j, JSON_COMPACT | CLI_JSON_REAL);
	json_decref(j);
	if (!l->out)
		l->fatal = true;
	return 0;
}

/*
 * The key that orders a block: the request's yes/no and choice answers in
 * catalogue order. Cases with equal prefixes then run one after the other,
 * and the engine, which applies each request as a difference from the one
 * before, keeps most of what it derived. Numbers are left out: they vary
 * most and few rules read them.
 */
static char *similarity_key(const engine *e, const struct line *l)
{
	json_t *answers = l->scanned ? NULL : json_object_get(l->req, "answers");
	size_t nq = engine_question_count(e);
	/* a scanned request's text answers by catalogue position */
	const char **texts = l->scanned ? calloc(nq + 1, sizeof(*texts)) : NULL;
	if (l->scanned && !texts)
		return NULL;
	for (size_t i = 0; texts && i < l->fast.n; i++) {
		const struct cli_scanned_answer *a = &l->fast.answers[i];
		size_t qi = engine_question_index(
			e, engine_question_find(e, a->question));
		if (qi < nq && a->value.kind == ENGINE_VALUE_TEXT)
			texts[qi] = a->value.text;
	}
	size_t cap = 256, n = 0;
	char *key = malloc(cap);
	for (size_t i = 0; key && i < nq; i++) {
		const struct engine_question *q = engine_question_at(e, i);
		if (q->type != ENGINE_TYPE_YESNO && q->type != ENGINE_TYPE_CHOICE)
			continue;
		const char *v = texts ? texts[i]
				      : json_string_value(json_object_get(answers, q->id));
		size_t len = v ? strlen(v) : 0;
		if (n + len + 2 > cap) {
			char *p = realloc(key, cap = (n + len + 2) * 2);
			if (!p) {
				free(key);
				free(texts);
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
	free(texts);
	return key;
}

static int cmp_line_key(const void *a, const void *b)
{
	const struct line *x = *(struct line *const *)a;
	const struct line *y = *(struct line *const *)b;
	return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* The writer is woken only for the line it waits for, not for every line
 * that is done out of order. */
static void mark_done(struct block *b, struct line *l)
{
	pthread_mutex_lock(&b->lock);
	l->done = true;
	if (b->wanted == l)
		pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->lock);
}

/*
 * Work is handed out in chunks of CHUNK_LINES from an atomic counter, so a
 * worker that finishes early takes more instead of waiting for the other's
 * fixed share. A chunk is contiguous in the order being worked through, so
 * in the evaluation phase most cases still follow a similar one.
 */
#define CHUNK_LINES 64

static bool take(struct block *b, size_t n, size_t *first, size_t *end)
{
	size_t i = atomic_fetch_add(&b->next, CHUNK_LINES);
	if (i >= n)
		return false;
	*first = i;
	*end = n - i < CHUNK_LINES ? n : i + CHUNK_LINES;
	return true;
}

static void line_drop_request(struct line *l)
{
	json_decref(l->req);
	l->req = NULL;
	cli_request_release(&l->fast);
	free(l->key);
	l->key = NULL;
	free(l->text);
	l->text = NULL;
}

/* Phase 1, in parallel: parse a share of the block's lines and key them.
 * A line that is already settled (an error) is marked done. */
static void *worker_parse(void *arg)
{
	struct worker *w = arg;
	char err[512];
	size_t i, end;
	while (take(w->b, w->b->n, &i, &end))
		for (; i < end; i++) {
			struct line *l = &w->b->lines[i];
			if (l->out || l->fatal) {
				mark_done(w->b, l);
				continue;
			}
			/* The common flat request without jansson; anything else,
			 * errors included, with it. */
			int sc = cli_request_scan(l->text, l->len, MAX_ID, &l->fast);
			if (sc == 1 && l->fast.id && !(l->id = strdup(l->fast.id)))
				sc = -1;
			if (sc < 0) {
				cli_request_release(&l->fast);
				l->fatal = true;
				mark_done(w->b, l);
				continue;
			}
			l->scanned = sc == 1;
			if (!l->scanned) {
				l->req = cli_request_parse(l->text, l->len, err,
							   sizeof(err));
				if (l->req &&
				    request_id(l->req, &l->id, err, sizeof(err)) != 0) {
					json_decref(l->req);
					l->req = NULL;
				}
				if (!l->req) {
					set_error(l, err);
					mark_done(w->b, l);
					continue;
				}
			}
			l->key = similarity_key(w->e, l);
			if (!l->key) {
				json_decref(l->req);
				l->req = NULL;
				cli_request_release(&l->fast);
				l->scanned = false;
				l->fatal = true;
				mark_done(w->b, l);
			}
		}
	return NULL;
}

/* Phase 2, in parallel: evaluate a contiguous share of the sorted order.
 * After the engine ran out of memory the rest of the share is marked
 * fatal: the main thread stops at the first of them. */
static void *worker_run(void *arg)
{
	struct worker *w = arg;
	bool dead = false;
	size_t i, end;
	while (take(w->b, w->b->n_order, &i, &end))
		for (; i < end; i++) {
			struct line *l = w->b->order[i];
			if (dead || run_line(w->e, w->render, w->b, l) != 0) {
				dead = true;
				l->fatal = true;
			}
			/* What only evaluation needed is freed here, by the
			 * thread that used it, not by the writer. */
			line_drop_request(l);
			mark_done(w->b, l);
		}
	return NULL;
}

/* Start fn on every worker, each on its own thread, so that this thread
 * can write results meanwhile. Returns the number of threads started. */
static size_t start(struct worker *ws, size_t n_workers, void *(*fn)(void *))
{
	size_t started = 0;
	for (size_t i = 0; i < n_workers; i++) {
		if (pthread_create(&ws[i].thread, NULL, fn, &ws[i]) != 0)
			break;
		started++;
	}
	/* A thread that cannot be started: its share runs here. */
	for (size_t i = started; i < n_workers; i++)
		fn(&ws[i]);
	return started;
}

static void join(struct worker *ws, size_t started)
{
	for (size_t i = 0; i < started; i++)
		pthread_join(ws[i].thread, NULL);
}

struct writer {
	db *d;             /* --save */
	bool save_failed;
	bool fatal;        /* stopped: out of memory */
	bool write_failed;
};

/* Keep l's session (one transaction) and give its result line. */
static void save_line(struct writer *wr, struct line *l)
{
	struct save_data *s = &l->save;
	struct db_session_record rec = {
		.session = { .mode = "api",
			     .rulebase_sha256 = json_string_value(json_object_get(
				     json_object_get(l->result, "rulebase"), "sha256")),
			     .program_version = cli_version },
		.external_id = l->id,
		.answers = s->answers,
		.n_answers = s->n_answers,
		.status = s->status,
		.level = s->level,
		.conclusions_json = s->conclusions,
	};
	int64_t id = 0;
	char code[DB_CODE_SIZE] = "";
	int rv = db_session_save(wr->d, &rec, &id, code);
	json_t *j = l->result;
	l->result = NULL;
	if (rv == DB_OK) {
		json_object_set_new(j, "session",
				    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)id,
					      "code", code, "status", s->status));
		l->out = json_dumps(j, JSON_COMPACT | CLI_JSON_REAL);
		if (!l->out)
			l->fatal = true;
	} else if (rv == DB_EEXIST) {
		/* Refused, never stored twice: the line names the session
		 * that holds the case. */
		json_t *e = line_head(l);
		char msg[200];
		snprintf(msg, sizeof(msg), "not saved: a case with this id "
			 "was saved before, as session %s", code);
		if (e && json_object_set_new(e, "error", json_string(msg)) == 0 &&
		    json_object_set_new(e, "session", json_pack("{s:I, s:s}",
				"id", (json_int_t)id, "code", code)) == 0)
			l->out = json_dumps(e, JSON_COMPACT | CLI_JSON_REAL);
		json_decref(e);
		if (!l->out)
			l->fatal = true;
	} else {
		/* The store's message says what it could not do already. */
		char msg[600];
		const char *why = db_errmsg(wr->d);
		snprintf(msg, sizeof(msg), "%s%s",
			 strncmp(why, "cannot ", 7) == 0 ? ""
							: "cannot save the session: ",
			 why);
		char shown[1024];
		if (!wr->save_failed)
			fprintf(stderr, "msktriage: line %lu: %s\n", l->no,
				TERM_SAFE(shown, msg));
		wr->save_failed = true;
		set_error(l, msg);
	}
	json_decref(j);
}

struct ahead;
static bool read_ahead(struct ahead *a, const struct block *running);

/* Write the block's lines in input order, each as soon as it and every
 * line before it are settled; while waiting for one, read the next block's
 * lines the input has ready (a: NULL for none). Returns false when the
 * batch must stop. */
static bool write_block(struct writer *wr, struct block *b, struct ahead *a)
{
	for (size_t i = 0; i < b->n; i++) {
		struct line *l = &b->lines[i];
		pthread_mutex_lock(&b->lock);
		if (!l->done) {
			/* Everything printed so far goes out before waiting. */
			pthread_mutex_unlock(&b->lock);
			if (fflush(stdout) != 0)
				wr->write_failed = true;
			bool more = a != NULL;
			pthread_mutex_lock(&b->lock);
			while (!l->done && more) {
				pthread_mutex_unlock(&b->lock);
				more = read_ahead(a, b);
				pthread_mutex_lock(&b->lock);
			}
			b->wanted = l;
			while (!l->done)
				pthread_cond_wait(&b->cond, &b->lock);
			b->wanted = NULL;
		}
		pthread_mutex_unlock(&b->lock);
		if (wr->fatal || wr->write_failed)
			continue; /* wait for the workers, print no more */
		if (!l->fatal && l->result)
			save_line(wr, l);
		if (l->fatal) {
			fflush(stdout);
			fprintf(stderr, "msktriage: out of memory at line %lu; "
				"the lines before it were written in full, "
				"no later line was written or saved\n", l->no);
			wr->fatal = true;
			continue;
		}
		if (fputs(l->out, stdout) == EOF || putchar('\n') == EOF)
			wr->write_failed = true;
		free(l->out);
		l->out = NULL;
		/* A saved session is told at once: a kill after the commit
		 * must not lose the line that names it. */
		if (wr->d && fflush(stdout) != 0)
			wr->write_failed = true;
	}
	if (fflush(stdout) != 0)
		wr->write_failed = true;
	return !wr->fatal && !wr->write_failed;
}

static void block_clear(struct block *b)
{
	for (size_t i = 0; i < b->n; i++) {
		struct line *l = &b->lines[i];
		free(l->text);
		free(l->id);
		json_decref(l->req);
		cli_request_release(&l->fast);
		free(l->key);
		json_decref(l->result);
		save_data_free(&l->save);
		free(l->out);
		memset(l, 0, sizeof(*l));
	}
	b->n = 0;
	b->bytes = 0;
}

/* Evaluate a block and write it (see the comment at the top of batch),
 * reading ahead into the next meanwhile (a). */
static bool run_block(struct worker *ws, size_t n_workers, struct block *b,
		      struct writer *wr, struct ahead *a)
{
	for (size_t i = 0; i < n_workers; i++)
		ws[i].b = b;
	atomic_store(&b->next, 0);
	size_t started = start(ws, n_workers, worker_parse);
	join(ws, started);
	b->n_order = 0;
	for (size_t i = 0; i < b->n; i++)
		if (b->lines[i].req || b->lines[i].scanned)
			b->order[b->n_order++] = &b->lines[i];
	qsort(b->order, b->n_order, sizeof(*b->order), cmp_line_key);
	atomic_store(&b->next, 0);
	started = start(ws, n_workers, worker_run);
	bool ok = write_block(wr, b, a);
	join(ws, started);
	return ok;
}

enum read_status { READ_LINE, READ_EOF, READ_LONG, READ_ERROR, READ_NOMEM,
		   READ_WAIT };

/* The batch's input, read with read(2) so that the reader knows when no
 * more is available yet (see read_block). */
struct reader {
	int fd;
	char buf[1 << 16];
	size_t pos, end;
	bool eof;
	int err;           /* errno of a failed read */
};

/* Refill r->buf; false at the end of input or on an error. */
static bool refill(struct reader *r)
{
	if (r->eof || r->err)
		return false;
	ssize_t got;
	do
		got = read(r->fd, r->buf, sizeof(r->buf));
	while (got < 0 && errno == EINTR);
	if (got < 0)
		r->err = errno;
	else if (got == 0)
		r->eof = true;
	r->pos = 0;
	r->end = got > 0 ? (size_t)got : 0;
	return got > 0;
}

/*
 * True when reading now would wait for the producer of the input. A
 * producer that is merely slower to refill a pipe than this process is to
 * drain it gets a moment (PRODUCER_MS), so that a fast pipe still fills
 * whole blocks; one with nothing to say for longer has its results now.
 */
#define PRODUCER_MS 10

static bool would_wait(struct reader *r)
{
	if (r->pos < r->end || r->eof || r->err)
		return false;
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	return poll(&p, 1, 0) == 0 && poll(&p, 1, PRODUCER_MS) == 0;
}

/*
 * Read one line into l->text (without its newline or a CR before it). A
 * line longer than MAX_REQUEST is read past, never held: READ_LONG, with
 * l->len its length. No JSON text longer than that is ever handed to
 * jansson, whose lexer does not survive an allocation failure inside a
 * token (it drops the error and goes on with a broken buffer): bounding
 * the input keeps what it allocates small beside the room the engine
 * checks for before each environment is made (see engine_alloc).
 */
static enum read_status read_line(struct reader *r, struct line *l,
				  size_t *bytes)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	bool any = false, nl = false;
	while (!nl) {
		if (r->pos == r->end && !refill(r))
			break;
		any = true;
		const char *p = r->buf + r->pos;
		size_t avail = r->end - r->pos;
		const char *q = memchr(p, '\n', avail);
		size_t take = q ? (size_t)(q - p) : avail;
		r->pos += take + (q ? 1 : 0);
		nl = q != NULL;
		if (n + take > MAX_REQUEST) {
			n += take; /* past the limit: counted, not kept */
			continue;
		}
		if (n + take + 1 > cap) {
			size_t ncap = cap ? cap : 512;
			while (ncap < n + take + 1)
				ncap *= 2;
			char *np = realloc(buf, ncap);
			if (!np) {
				free(buf);
				return READ_NOMEM;
			}
			buf = np;
			cap = ncap;
		}
		memcpy(buf + n, p, take);
		n += take;
	}
	if (r->err) {
		free(buf);
		return READ_ERROR;
	}
	if (!any) {
		free(buf);
		return READ_EOF;
	}
	l->len = n;
	if (n > MAX_REQUEST) {
		free(buf);
		return READ_LONG;
	}
	if (n && buf[n - 1] == '\r')
		n--;
	if (!buf && !(buf = malloc(1)))
		return READ_NOMEM;
	buf[n] = '\0';
	l->text = buf;
	l->len = n;
	*bytes += n;
	return READ_LINE;
}

/* Read one line into the block's next place. */
static enum read_status block_read_line(struct reader *r, struct block *b,
					unsigned long *no,
					unsigned long *long_lines)
{
	struct line *l = &b->lines[b->n];
	enum read_status rs = read_line(r, l, &b->bytes);
	if (rs == READ_EOF || rs == READ_ERROR || rs == READ_NOMEM)
		return rs;
	l->no = ++*no;
	b->n++;
	if (rs == READ_LONG) {
		char msg[160];
		snprintf(msg, sizeof(msg), "line is longer than %d bytes",
			 MAX_REQUEST);
		set_error(l, msg);
		l->too_long = true;
		++*long_lines;
	} else if (l->len == 0) {
		set_error(l, "empty line: each line must be a JSON object "
			     "with an 'answers' object");
	}
	return READ_LINE;
}

/*
 * Fill b from r, going on from the lines it holds (see read_ahead): up to
 * BLOCK_LINES lines and BLOCK_BYTES bytes, or fewer when the input has no
 * more for now (READ_WAIT: evaluate what is there rather than keep results
 * back). READ_EOF at the end of input, READ_ERROR
 * or READ_NOMEM when reading must stop (the lines read so far are in b).
 * *long_lines counts lines over the limit.
 */
static enum read_status read_block(struct reader *r, struct block *b,
				   unsigned long *no, unsigned long *long_lines)
{
	while (b->n < BLOCK_LINES && b->bytes < BLOCK_BYTES) {
		if (b->n > 0 && would_wait(r))
			return READ_WAIT;
		enum read_status rs = block_read_line(r, b, no, long_lines);
		if (rs != READ_LINE)
			return rs;
	}
	return READ_LINE;
}

/*
 * True when a whole line is in r's buffer, after reading what the input
 * has ready now: never waits for the input's producer. False at the end
 * of input, on an error (kept for read_line to report) and for a line
 * longer than the buffer; read_block then reads on as usual.
 */
static bool line_ready(struct reader *r)
{
	for (;;) {
		if (r->pos < r->end &&
		    memchr(r->buf + r->pos, '\n', r->end - r->pos))
			return true;
		size_t keep = r->end - r->pos;
		if (r->eof || r->err || keep == sizeof(r->buf))
			return false;
		struct pollfd p = { .fd = r->fd, .events = POLLIN };
		if (poll(&p, 1, 0) != 1)
			return false;
		memmove(r->buf, r->buf + r->pos, keep);
		r->pos = 0;
		r->end = keep;
		ssize_t got;
		do
			got = read(r->fd, r->buf + keep, sizeof(r->buf) - keep);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			r->err = errno;
		else if (got == 0)
			r->eof = true;
		else
			r->end += (size_t)got;
		if (got <= 0)
			return false;
	}
}

/* Reading the next block while the current one runs. */
struct ahead {
	struct reader *r;
	struct block *b;
	unsigned long *no, *long_lines;
	enum read_status rs;  /* READ_LINE until reading had to stop */
	bool stuck;           /* a line longer than the buffer: read_block's */
};

/*
 * Read one line into the next block if the input has a whole one ready and
 * there is room: the block not full, and the input held by both blocks
 * within BLOCK_BYTES. False when nothing was read.
 */
static bool read_ahead(struct ahead *a, const struct block *running)
{
	if (a->rs != READ_LINE || a->stuck || a->b->n >= BLOCK_LINES ||
	    a->b->bytes + running->bytes >= BLOCK_BYTES)
		return false;
	if (!line_ready(a->r)) {
		a->stuck = a->r->end - a->r->pos == sizeof(a->r->buf);
		return false;
	}
	a->rs = block_read_line(a->r, a->b, a->no, a->long_lines);
	return a->rs == READ_LINE;
}

static int assess_batch(FILE *in, const char *in_name,
			const struct cli_options *opt, enum engine_mode mode,
			long jobs, bool save)
{
	int status = 1;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 1)
		ncpu = 1;
	/* Never more threads than cores: more only add engines and memory. */
	size_t n_max = (size_t)(jobs > 0 && jobs < ncpu ? jobs : ncpu);
	size_t n_workers = 0;
	struct worker *ws = calloc(n_max, sizeof(*ws));
	struct block b = { .mode = mode, .save = save };
	struct block b2 = { .mode = mode, .save = save };
	struct writer wr = { 0 };
	unsigned long no = 0, long_lines = 0;
	struct reader *rd = NULL;
	b.lines = calloc(BLOCK_LINES, sizeof(*b.lines));
	b.order = calloc(BLOCK_LINES, sizeof(*b.order));
	b2.lines = calloc(BLOCK_LINES, sizeof(*b2.lines));
	b2.order = calloc(BLOCK_LINES, sizeof(*b2.order));
	pthread_mutex_init(&b.lock, NULL);
	pthread_cond_init(&b.cond, NULL);
	pthread_mutex_init(&b2.lock, NULL);
	pthread_cond_init(&b2.cond, NULL);
	if (!ws || !b.lines || !b.order || !b2.lines || !b2.order) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	if (save && !(wr.d = cli_store_open(opt, "api")))
		goto out_free;

	rd = malloc(sizeof(*rd));
	if (!rd) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	*rd = (struct reader){ .fd = fileno(in) };
	struct block *cur = &b, *next = &b2;
	enum read_status rs = read_block(rd, cur, &no, &long_lines);
	while (cur->n > 0) {
		/* Engines for the work at hand: no more than lines. */
		size_t want = cur->n < n_max ? cur->n : n_max;
		for (; n_workers < want; n_workers++) {
			if (!(ws[n_workers].e = cli_engine_open(opt)))
				goto out_free;
			ws[n_workers].render = cli_render_new(ws[n_workers].e);
		}
		for (size_t i = 0; i < cur->n; i++)
			if (cur->lines[i].too_long)
				fprintf(stderr, "msktriage: line %lu: line is "
					"longer than %d bytes\n",
					cur->lines[i].no, MAX_REQUEST);
		struct ahead a = { .r = rd, .b = next, .no = &no,
				   .long_lines = &long_lines,
				   .rs = rs == READ_LINE || rs == READ_WAIT
						 ? READ_LINE : rs };
		bool ok = run_block(ws, n_workers, cur, &wr, &a);
		block_clear(cur);
		if (!ok)
			break;
		if (a.rs != READ_LINE)
			rs = a.rs;
		else if (rs == READ_LINE || rs == READ_WAIT)
			rs = read_block(rd, next, &no, &long_lines);
		struct block *t = cur;
		cur = next;
		next = t;
	}
	if (wr.write_failed) {
		fprintf(stderr, "msktriage: cannot write the results: %s\n",
			strerror(errno));
	} else if (wr.fatal) {
		/* said where it stopped */
	} else if (rs == READ_ERROR) {
		char shown[1024];
		fprintf(stderr, "msktriage: cannot read '%s' after line %lu: %s; "
			"the results of the lines before were written\n",
			TERM_SAFE(shown, in_name), no, strerror(rd->err));
	} else if (rs == READ_NOMEM) {
		fprintf(stderr, "msktriage: out of memory reading line %lu; "
			"the results of the lines before were written\n", no + 1);
	} else if (long_lines) {
		fprintf(stderr, "msktriage: %lu line%s longer than %d bytes "
			"(see the error lines)\n", long_lines,
			long_lines == 1 ? " was" : "s were", MAX_REQUEST);
		status = 2;
	} else {
		status = wr.save_failed ? 1 : 0;
	}
out_free:
	free(rd);
	block_clear(&b);
	block_clear(&b2);
	for (size_t i = 0; ws && i < n_workers; i++) {
		cli_render_free(ws[i].render);
		engine_free_at_exit(ws[i].e); /* the process ends next */
	}
	db_close(wr.d);
	free(ws);
	free(b.lines);
	free(b.order);
	free(b2.lines);
	free(b2.order);
	pthread_mutex_destroy(&b.lock);
	pthread_cond_destroy(&b.cond);
	pthread_mutex_destroy(&b2.lock);
	pthread_cond_destroy(&b2.cond);
	return status;
}

/* ---------------------------------------------------------------- command */

/*
 * Keep e's case as a new "api" session, in one transaction, under the
 * request's id if it has one, and add "session": {"id", "code", "status"}
 * to result. Returns 0, or the exit status with a message printed: 2 when
 * the id was saved before (nothing is stored twice), 1 otherwise.
 */
static int save_single(db *d, const engine *e, const char *id, json_t *result)
{
	struct save_data s = { 0 };
	int rv = save_data_take(e, &s);
	if (rv != 0) {
		save_data_free(&s);
		fprintf(stderr, "msktriage: out of memory\n");
		return 1;
	}
	struct db_session_record rec = {
		.session = { .mode = "api",
			     .rulebase_sha256 = engine_rulebase_sha256(e),
			     .program_version = cli_version },
		.external_id = id,
		.answers = s.answers,
		.n_answers = s.n_answers,
		.status = s.status,
		.level = s.level,
		.conclusions_json = s.conclusions,
	};
	int64_t sid = 0;
	char code[DB_CODE_SIZE] = "";
	rv = db_session_save(d, &rec, &sid, code);
	if (rv == DB_OK) {
		json_object_set_new(result, "session",
				    json_pack("{s:I, s:s, s:s}", "id", (json_int_t)sid,
					      "code", code, "status", s.status));
	} else if (rv == DB_EEXIST) {
		fprintf(stderr, "msktriage: not saved: a case with this 'id' "
			"was saved before, as session %s\n", code);
	} else {
		char shown[1024];
		fprintf(stderr, "msktriage: cannot save the session: %s\n",
			TERM_SAFE(shown, db_errmsg(d)));
	}
	save_data_free(&s);
	return rv == DB_OK ? 0 : rv == DB_EEXIST ? 2 : 1;
}

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
	"  --jobs N           batch threads (default and most: one per core)\n"
	"  --save             also keep each case in the session store as an\n"
	"                     'api' session; the result gives its id and code.\n"
	"                     A request may carry an \"id\" (1-128 printable\n"
	"                     characters): a case whose id was saved before is\n"
	"                     refused and its line names the saved session\n"
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
		status = assess_batch(in, answers, opt, m, jobs, save);
		goto out_close;
	}

	char *text = NULL;
	size_t len = 0;
	char err[512], shown[1024];
	int rv = read_all(in, &text, &len, err, sizeof(err));
	if (rv != 0) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, err));
		status = rv == -1 ? 2 : 1;
		goto out_close;
	}
	char *id = NULL;
	json_t *req = cli_request_parse(text, len, err, sizeof(err));
	free(text);
	if (!req || request_id(req, &id, err, sizeof(err)) != 0) {
		json_decref(req);
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, err));
		status = 2;
		goto out_close;
	}
	engine *e = cli_engine_open(opt);
	if (!e) {
		json_decref(req);
		free(id);
		status = 1;
		goto out_close;
	}
	rv = cli_request_apply(e, m, req, err, sizeof(err));
	json_decref(req);
	if (rv != 0) {
		bool oom = engine_is_out_of_memory(e);
		fprintf(stderr, "msktriage: %s\n",
			oom ? "out of memory" : TERM_SAFE(shown, err));
		status = rv == -1 && !oom ? 2 : 1;
		goto out_engine;
	}
	json_t *j = cli_result_json(e);
	if (!j || (id && json_object_set_new(j, "id", json_string(id)) != 0)) {
		json_decref(j);
		fprintf(stderr, "msktriage: out of memory\n");
		status = 1;
		goto out_engine;
	}
	if (save) {
		db *d = cli_store_open(opt, "api");
		rv = d ? save_single(d, e, id, j) : 1;
		db_close(d);
		if (rv != 0) {
			json_decref(j);
			status = rv;
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
	free(id);
	engine_free_at_exit(e); /* the process ends next */
out_close:
	if (in != stdin)
		fclose(in);
	return status;
}
