/*
 * engine.c — the CLIPS environment behind engine.h.
 *
 * Life of an engine:
 *
 *   engine_new      create an environment, remove exit/system and file I/O,
 *                   route all output into a buffer, load the rule sources
 *                   (all or nothing), reset, read the static catalogue
 *                   (rulebase, question, level-def, finding-def,
 *                   recommendation-def facts) into C arrays.
 *   answers         each answer is one ordered fact (<question-id> <value>)
 *                   built with the fact API after validation in C; a skipped
 *                   question is (declined <question-id>). Changing an answer
 *                   retracts the old fact, so truth maintenance withdraws all
 *                   that rested on it.
 *   engine_run      fire to quiescence under a firing cap and a watchdog,
 *                   then snapshot relevant questions, evidence (combined
 *                   MYCIN-style into findings, see combine()), which findings
 *                   are reported (threshold, gives-way-to, when-complete),
 *                   recommendations, the stop and the next question (a stop
 *                   defers to a red-flag question that could make the case
 *                   more urgent still).
 *
 * The built-in rule base is loaded from a binary image (made at build time
 * by engine/rulec.c from the same sources, see rules_image.h) through a
 * memory file, which is about ten times faster than parsing the text.
 *
 * Reading facts back looks ids up through one hash index per catalogue
 * (questions, findings, recommendations, rules), never by scanning.
 */
#define _GNU_SOURCE /* memfd_create */
#include "engine/engine.h"
#include "engine/rules_image.h"
#include "engine/rules_source.h"

#include <clips/clips.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <time.h>
#include <unistd.h>

/* A run may not fire more rules than this; a sound rule base needs a few
 * hundred at most. */
#define FIRING_CAP 100000L
/* Nor take longer than this (the watchdog halts loops inside one rule). */
#define RUN_DEADLINE_NS (2LL * 1000 * 1000 * 1000)
/* Nor grow working memory beyond this many facts. */
#define FACT_CAP 20000L
/* Room an environment with the rule base needs, with a margin (one takes
 * 2-3 MB): see engine_alloc. */
#define ENV_HEADROOM (16u * 1024 * 1024)

struct answer {
	void *fact;     /* asserted fact, or NULL (declined, or no rule reads it) */
	char *text;     /* canonical text, "skip" when declined; NULL: none */
};

struct qslot {
	struct engine_question q;
	void *symbol;   /* interned id */
	void *tmpl;     /* implied deftemplate, NULL when no rule reads it */
	struct answer ans;
	bool relevant;
	size_t home;    /* index of its own section, SIZE_MAX without one */
	int home_order; /* that section's order (INT_MAX without one) */
	size_t sec;     /* the section it is asked in after the last run */
};

struct fslot {
	struct engine_finding f;  /* def; the run's state is in the fields below */
	bool red_flag;  /* kind red_flag: negative evidence is ignored */
	double p, n;    /* combined positive and negative evidence */
	bool has_pos, has_neg;
	bool supported; /* some evidence with cf > 0: the finding holds, as
			   the rules see it (a rule reads it as positive
			   evidence) */
	bool present;   /* any evidence at all */
	bool gives_way_to_firm; /* finding-def gives-way-to-firm yes */
	bool candidate; /* passes the evidence test (reported but for
			   gives-way-to and when-complete) */
	bool reported;
	bool stops_def; /* its level or its finding-def ends the interview */
	bool stops;     /* it stops the interview in this run */
	bool held;      /* a stop held for the record (engine_stop_hold);
			   not part of a run's snapshot */
	const char **because; size_t n_because, cap_because;
	const char **against; size_t n_against, cap_against;
	const char **rules; size_t n_rules, cap_rules;
};

struct rslot {
	struct engine_recommendation r;
	bool present;
	const char **because; size_t n_because, cap_because;
};

/* A finding-condition fact: a relation that holds while a finding holds
 * whose kind and level it lists (or, with stopping yes, one that stops the
 * interview). Read once at load, worked out after each run. */
struct finding_condition {
	char *id;
	bool *member;            /* by finding position */
	bool holds;              /* in this run */
};

/* What withholds a recommendation-for entry: a fact of a relation some
 * rule asserts (tmpl), or a finding condition (cond). */
struct unless {
	void *tmpl;
	const struct finding_condition *cond;
};

/* A recommendation-for fact: finding leads to recommendation unless one
 * of the unless relations holds. Read once at load. */
struct rec_for {
	size_t finding, rec;     /* catalogue positions; finding SIZE_MAX:
				    every finding (every-finding yes) */
	struct unless *unless;
	size_t n_unless;
};

struct rule_info {
	char *name;
	unsigned long fired;
};

/* A unit-def fact: amounts in one of words are factor / per of unit. */
struct unit_def {
	char *unit;
	char *one;
	const char *const *words;
	size_t n_words;
	double factor, per;
};

/* One rule's evidence for one finding, as its source text says. */
struct rule_use {
	char *rule, *doc, *finding;
	int sign;
	const char **reads;     /* question ids (the catalogue's strings) */
	size_t n_reads;
};

struct source;

/* An open-addressing table from id to catalogue position. */
struct id_index {
	size_t *slot;   /* position + 1; 0 is an empty slot */
	size_t mask;
};

/* Catalogue positions by pointer: each id's CLIPS symbol (what a fact
 * read after a run holds) and the engine's own copy of the id (what a
 * finding's because and rules lists hold), so that reading results looks
 * nothing up by its text. NONE where the id is not of that kind. */
#define NONE UINT32_MAX
struct ptr_entry {
	const void *key;
	uint32_t q, f, r, rule;
};
struct ptr_index {
	struct ptr_entry *slot; /* key NULL: empty */
	size_t mask;
};

struct engine {
	void *env;
	char errmsg[1024];
	char sha256[crypto_hash_sha256_BYTES * 2 + 1];
	char *version;
	enum engine_mode mode;

	struct qslot *qs;        size_t n_qs;
	struct ptr_index pix;    /* by symbol or id pointer, see ptr_entry */
	struct id_index qix, fix, rix, ruleix, cix; /* questions, findings,
						  recommendations, rules,
						  citations */
	struct engine_level *levels; size_t n_levels;
	const struct engine_level *default_level;
	struct fslot *fs;        size_t n_fs;
	struct rslot *rs;        size_t n_rs;
	struct rec_for *recfor;  size_t n_recfor;
	struct finding_condition *conds; size_t n_conds;
	struct rule_info *rules; size_t n_rules;
	struct engine_citation *cits; size_t n_cits;
	/* Slot positions while the catalogue is read: (template, name) ->
	 * position, direct-mapped on the addresses (names are literals). */
	struct { const void *tmpl; const char *name; int pos; } slot_pos[128];
	struct engine_section *secs; size_t n_secs; /* in order */
	double threshold;        /* rulebase report-threshold */

	/* slot positions of the facts read after every run (-1: absent) */
	int ev_finding, ev_rule, ev_cf, ev_because, rec_id, rec_because;
	void *tmpl_declined, *tmpl_relevant, *tmpl_evidence, *tmpl_recommend,
	     *tmpl_stop;

	size_t n_answers;

	/* snapshot of the last run */
	bool have_run;
	const struct engine_finding **found; size_t n_found;
	const struct engine_recommendation **recs; size_t n_recs;
	const struct engine_question *next;
	const char *stop;
	const struct engine_level *level;
	bool red_flags_screened;

	/* watchdog and output capture */
	bool armed;
	struct timespec deadline;
	bool watchdog_fired;
	char trace[256]; size_t trace_len;
	bool coverage;
	char *load_errors; size_t load_errors_len;
	char parse_where[300];   /* "file:line" of the first parse error */

	/* unit-def facts: words for amounts in other units (read at load) */
	struct unit_def *units;  size_t n_units;
	/* the rule sources of a directory, kept for engine_finding_rules();
	 * the built-in ones are rules_source[] */
	struct source *src;      size_t n_src;
	/* what the rule sources say about each rule (parsed when first
	 * asked), and the last engine_finding_rules() answer */
	struct rule_use *uses;   size_t n_uses;
	bool uses_read;
	struct engine_rule_use *uview; size_t cap_uview;

	/* what runs revealed about the rule base, for engine_check */
	char **anomalies; size_t n_anomalies, cap_anomalies;

	/* out of memory inside CLIPS: see out_of_memory() */
	jmp_buf oom_jmp;
	int guard_depth;         /* > 0 while a guarded call runs */
	bool oom;                /* the environment is lost for good */
};

/* ---------------------------------------------------------------- helpers */

static void set_error(engine *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_error(engine *e, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(e->errmsg, sizeof(e->errmsg), fmt, ap);
	va_end(ap);
}

/* An id as it may appear in a message: printable, bounded, quoted by the
 * caller. Anything else is shown as a placeholder, never echoed raw. */
static const char *printable_id(const char *id, char *buf, size_t size)
{
	size_t n = 0;
	for (const char *p = id; *p; p++) {
		unsigned char c = (unsigned char)*p;
		if (c < 0x20 || c > 0x7e || c == '\'' || n + 4 >= size)
			return "(unprintable)";
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return n ? buf : "(empty)";
}

static char *xstrdup(const char *s)
{
	return strdup(s ? s : "");
}

static bool grow(void *arrp, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 8;
	while (ncap < need)
		ncap *= 2;
	void *p = realloc(*(void **)arrp, ncap * elem);
	if (!p)
		return false;
	*(void **)arrp = p;
	*cap = ncap;
	return true;
}

static void *intern(engine *e, const char *s)
{
	void *sym = EnvAddSymbol(e->env, s);
	IncrementSymbolCount(sym);
	return sym;
}

/* ------------------------------------------------------------- the router */

static const char *const routed_names[] = {
	"werror", "wwarning", "wdisplay", "stdout", "wtrace", "wdialog", "t",
	NULL,
};

static int router_query(void *env, const char *name)
{
	(void)env;
	for (size_t i = 0; routed_names[i]; i++)
		if (strcmp(name, routed_names[i]) == 0)
			return TRUE;
	return FALSE;
}

static void note_firing(engine *e, const char *line)
{
	/* "FIRE    1 rule-name: f-1,f-2" */
	if (strncmp(line, "FIRE", 4) != 0)
		return;
	const char *p = line + 4;
	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9')
		p++;
	while (*p == ' ')
		p++;
	const char *end = strchr(p, ':');
	if (!end)
		return;
	size_t len = (size_t)(end - p);
	for (size_t i = 0; i < e->n_rules; i++)
		if (strlen(e->rules[i].name) == len &&
		    strncmp(e->rules[i].name, p, len) == 0) {
			e->rules[i].fired++;
			return;
		}
}

static void append_load_error(engine *e, const char *s)
{
	size_t n = strlen(s);
	if (e->load_errors_len + n > 16384)
		return;
	char *p = realloc(e->load_errors, e->load_errors_len + n + 1);
	if (!p)
		return;
	memcpy(p + e->load_errors_len, s, n + 1);
	e->load_errors = p;
	e->load_errors_len += n;
}

static int router_print(void *env, const char *name, const char *str)
{
	engine *e = GetEnvironmentContext(env);
	if (!e)
		return TRUE;
	if (strcmp(name, "werror") == 0 || strcmp(name, "wwarning") == 0) {
		append_load_error(e, str);
	} else if (strcmp(name, "wtrace") == 0 && e->coverage) {
		for (const char *p = str; *p; p++) {
			if (*p == '\n' || e->trace_len + 1 >= sizeof(e->trace)) {
				e->trace[e->trace_len] = '\0';
				note_firing(e, e->trace);
				e->trace_len = 0;
				if (*p == '\n')
					continue;
			}
			e->trace[e->trace_len++] = *p;
		}
	}
	return TRUE;
}

static int router_getc(void *env, const char *name)
{
	(void)env;
	(void)name;
	return EOF;
}

static int router_ungetc(void *env, int ch, const char *name)
{
	(void)env;
	(void)name;
	return ch;
}

static int router_exit(void *env, int num)
{
	(void)env;
	(void)num;
	return TRUE;
}

/* ---------------------------------------------------------- out of memory */

/*
 * CLIPS's allocator (genalloc) first releases its own free pools, then
 * calls this hook in a loop until malloc succeeds: returning TRUE makes it
 * return NULL, which most of CLIPS does not check (a crash follows), and
 * returning FALSE retries for ever. So the hook never returns: every entry
 * point that reaches CLIPS runs under GUARDED(), which did setjmp, and the
 * hook jumps back there. The call then fails with ENGINE_ENOMEM and the
 * environment, left in the middle of whatever it was doing, is never used
 * again: every later call fails the same way, and engine_free() does not
 * destroy it (that may allocate) but leaves it to the process's end.
 */
static int out_of_memory(void *env, size_t size)
{
	engine *e = GetEnvironmentContext(env);
	(void)size;
	if (e && e->guard_depth > 0)
		longjmp(e->oom_jmp, 1);
	/* Unreachable while every entry point is guarded; never print on
	 * stdout, never return into CLIPS. */
	static const char msg[] = "msktriage: out of memory in the rule engine\n";
	if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	abort();
}

static int oom_caught(engine *e)
{
	e->guard_depth = 0;
	e->oom = true;
	e->armed = false;
	e->have_run = false;
	set_error(e, "out of memory");
	return ENGINE_ENOMEM;
}

static int oom_refused(engine *e)
{
	set_error(e, "out of memory (the rule engine ran out of memory "
		     "earlier and cannot be used again)");
	return ENGINE_ENOMEM;
}

/* return call (an int expression) run with the out-of-memory hook armed;
 * a guarded call made inside another runs under the outer one's setjmp.
 * Any ENGINE_ENOMEM, from CLIPS or from the engine's own allocations,
 * retires the engine: memory is short, and a caller must not go on. */
#define GUARDED(e, call)                                                \
	do {                                                            \
		if ((e)->oom)                                           \
			return oom_refused(e);                          \
		if ((e)->guard_depth > 0)                               \
			return (call);                                  \
		if (setjmp((e)->oom_jmp) != 0)                          \
			return oom_caught(e);                           \
		(e)->guard_depth = 1;                                   \
		int guarded_rv_ = (call);                               \
		(e)->guard_depth = 0;                                   \
		if (guarded_rv_ == ENGINE_ENOMEM)                       \
			(e)->oom = true;                                \
		return guarded_rv_;                                     \
	} while (0)

bool engine_is_out_of_memory(const engine *e)
{
	return !e || e->oom;
}

/* ----------------------------------------------------------- the watchdog */

static void watchdog(void *env)
{
	engine *e = GetEnvironmentContext(env);
	if (!e || !e->armed)
		return;
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	bool late = now.tv_sec > e->deadline.tv_sec ||
		    (now.tv_sec == e->deadline.tv_sec &&
		     now.tv_nsec > e->deadline.tv_nsec);
	if (late || FactData(env)->NumberOfFacts > FACT_CAP) {
		e->watchdog_fired = true;
		SetHaltExecution(env, TRUE);
		EnvSetHaltRules(env, TRUE);
	}
}

/* -------------------------------------------------------------- loading */

static void parser_error(void *env, const char *file, const char *warning,
			 const char *error, long line)
{
	engine *e = GetEnvironmentContext(env);
	(void)warning;
	if (!e || !error || e->parse_where[0])
		return;
	snprintf(e->parse_where, sizeof(e->parse_where), "%s:%ld",
		 file ? file : "(rules)", line);
}

/* Functions a rule must never reach: leaving the process, the shell, files,
 * and evaluating text as code. */
static const char *const removed_functions[] = {
	"exit", "system", "open", "close", "remove", "rename", "load",
	"load*", "batch", "batch*", "bload", "bsave", "save", "save-facts",
	"load-facts", "bload-instances", "bsave-instances", "load-instances",
	"save-instances", "restore-instances", "dribble-on", "dribble-off",
	"eval", "build", "clear", "reset", "run", "halt", "set-strategy",
	"constructs-to-c", NULL,
};

static int load_one(engine *e, const char *name, const char *text, size_t len)
{
	EnvSetParsingFileName(e->env, name);
	if (!OpenStringSource(e->env, "msk-rules", text, 0)) {
		set_error(e, "cannot read rule source '%s'", name);
		return ENGINE_ELOAD;
	}
	(void)len;
	int rv = LoadConstructsFromLogicalName(e->env, "msk-rules");
	CloseStringSource(e->env, "msk-rules");
	EnvSetParsingFileName(e->env, NULL);
	if (rv != 1 || e->load_errors_len) {
		/* CLIPS's message names what is wrong; the construct it echoes
		 * after "ERROR:" is noise here. */
		char msg[400] = "parse error";
		if (e->load_errors) {
			const char *p = e->load_errors;
			while (*p == '\n')
				p++;
			size_t n = strcspn(p, "\n");
			if (n) {
				snprintf(msg, sizeof(msg), "%.*s",
					 (int)(n < sizeof(msg) - 1 ? n : sizeof(msg) - 1), p);
			}
			const char *next = p + n;
			while (*next == '\n')
				next++;
			/* Messages like [PRNTUTIL2] put the detail on the next line. */
			if (*next && strncmp(next, "ERROR:", 6) != 0) {
				size_t used = strlen(msg);
				snprintf(msg + used, sizeof(msg) - used, " %.*s",
					 (int)strcspn(next, "\n"), next);
			}
		}
		set_error(e, "%s: %s", e->parse_where[0] ? e->parse_where : name,
			  msg);
		return ENGINE_ELOAD;
	}
	return 0;
}

struct source {
	char *name;
	char *text;
	size_t len;
};

static int cmp_source(const void *a, const void *b)
{
	const struct source *x = a, *y = b;
	bool xs = strcmp(x->name, "schema.clp") == 0;
	bool ys = strcmp(y->name, "schema.clp") == 0;
	if (xs != ys)
		return xs ? -1 : 1;
	return strcmp(x->name, y->name);
}

static void sources_free(struct source *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(s[i].name);
		free(s[i].text);
	}
	free(s);
}

static int read_dir_sources(engine *e, const char *dir, struct source **out,
			    size_t *n_out)
{
	struct source *src = NULL;
	size_t n = 0, cap = 0;
	int rv = ENGINE_ELOAD;
	DIR *d = opendir(dir);
	if (!d) {
		set_error(e, "cannot open rules directory '%s': %s", dir,
			  strerror(errno));
		return ENGINE_ELOAD;
	}
	struct dirent *de;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 5 || strcmp(de->d_name + len - 4, ".clp") != 0 ||
		    de->d_name[0] == '.')
			continue;
		if (!grow(&src, &cap, n + 1, sizeof(*src))) {
			set_error(e, "out of memory");
			goto out_free;
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		FILE *f = fopen(path, "rb");
		if (!f) {
			set_error(e, "cannot open rule source '%s': %s", path,
				  strerror(errno));
			goto out_free;
		}
		struct source s = { .name = xstrdup(de->d_name) };
		char buf[8192];
		size_t got;
		while ((got = fread(buf, 1, sizeof(buf), f)) > 0) {
			char *p = realloc(s.text, s.len + got + 1);
			if (!p)
				break;
			memcpy(p + s.len, buf, got);
			s.text = p;
			s.len += got;
			s.text[s.len] = '\0';
		}
		bool bad = ferror(f) || !s.text;
		fclose(f);
		src[n++] = s;
		if (bad) {
			set_error(e, "cannot read rule source '%s'", path);
			goto out_free;
		}
	}
	if (n == 0) {
		set_error(e, "no rule sources (*.clp) in '%s'", dir);
		goto out_free;
	}
	qsort(src, n, sizeof(*src), cmp_source);
	*out = src;
	*n_out = n;
	src = NULL;
	n = 0;
	rv = 0;
out_free:
	closedir(d);
	sources_free(src, n);
	return rv;
}

static void hash_hex(engine *e, const unsigned char *digest)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i < crypto_hash_sha256_BYTES; i++) {
		e->sha256[2 * i] = hex[digest[i] >> 4];
		e->sha256[2 * i + 1] = hex[digest[i] & 15];
	}
	e->sha256[2 * crypto_hash_sha256_BYTES] = '\0';
}

/* --------------------------------------------------- reading the catalogue */

static int slot_position(void *tmpl, const char *name);

/*
 * A slot of a catalogue fact, as EnvGetFactSlot() gives it, but found by
 * its position in the template: EnvGetFactSlot() interns the slot's name as
 * a symbol on every call, which made up a third of reading the catalogue.
 */
static bool slot(engine *e, void *fact, const char *name, DATA_OBJECT *out)
{
	struct fact *f = fact;
	if (f->whichDeftemplate->implied)
		return EnvGetFactSlot(e->env, fact, name, out) != 0;
	uintptr_t h = ((uintptr_t)f->whichDeftemplate >> 4) ^
		      ((uintptr_t)name >> 2);
	h = (h ^ (h >> 7)) & 127;
	int pos;
	if (e->slot_pos[h].tmpl == f->whichDeftemplate &&
	    e->slot_pos[h].name == name) {
		pos = e->slot_pos[h].pos;
	} else {
		pos = slot_position(f->whichDeftemplate, name);
		e->slot_pos[h].tmpl = f->whichDeftemplate;
		e->slot_pos[h].name = name;
		e->slot_pos[h].pos = pos;
	}
	if (pos < 0 || pos >= f->theProposition.multifieldLength)
		return false;
	const struct field *v = &f->theProposition.theFields[pos];
	SetpType(out, v->type);
	SetpValue(out, v->value);
	if (v->type == MULTIFIELD) {
		SetpDOBegin(out, 1);
		SetpDOEnd(out, ((struct multifield *)v->value)->multifieldLength);
	}
	return true;
}

static char *slot_str(engine *e, void *fact, const char *name)
{
	DATA_OBJECT v;
	if (!slot(e, fact, name, &v))
		return xstrdup("");
	switch (GetType(v)) {
	case SYMBOL:
	case STRING:
		return xstrdup(DOToString(v));
	default:
		return xstrdup("");
	}
}

static double slot_num(engine *e, void *fact, const char *name)
{
	DATA_OBJECT v;
	if (!slot(e, fact, name, &v))
		return 0;
	if (GetType(v) == INTEGER)
		return (double)DOToLong(v);
	if (GetType(v) == FLOAT)
		return DOToDouble(v);
	return 0;
}

static bool slot_yes(engine *e, void *fact, const char *name)
{
	DATA_OBJECT v;
	return slot(e, fact, name, &v) && GetType(v) == SYMBOL &&
	       strcmp(DOToString(v), "yes") == 0;
}

/* A multislot of symbols or strings as a NULL-free array of copies. */
static const char *const *slot_list(engine *e, void *fact, const char *name,
				    size_t *n)
{
	DATA_OBJECT v;
	*n = 0;
	if (!slot(e, fact, name, &v) || GetType(v) != MULTIFIELD)
		return NULL;
	long len = GetDOLength(v);
	if (len <= 0)
		return NULL;
	char **arr = calloc((size_t)len, sizeof(*arr));
	if (!arr)
		return NULL;
	void *mf = GetValue(v);
	for (long i = GetDOBegin(v); i <= GetDOEnd(v); i++) {
		int t = GetMFType(mf, i);
		arr[*n] = xstrdup(t == SYMBOL || t == STRING
					  ? ValueToString(GetMFValue(mf, i))
					  : "");
		(*n)++;
	}
	return (const char *const *)arr;
}

static void list_free(const char *const *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)l[i]);
	free((void *)l);
}

/* Remember a rule-base defect seen while reading a run (once each). */
static void anomaly(engine *e, const char *fmt, const char *name)
{
	char msg[256];
	snprintf(msg, sizeof(msg), fmt, name);
	for (size_t i = 0; i < e->n_anomalies; i++)
		if (strcmp(e->anomalies[i], msg) == 0)
			return;
	if (e->n_anomalies >= 100 ||
	    !grow(&e->anomalies, &e->cap_anomalies, e->n_anomalies + 1,
		  sizeof(*e->anomalies)))
		return;
	e->anomalies[e->n_anomalies++] = xstrdup(msg);
}

static void *template_named(engine *e, const char *name)
{
	return EnvFindDeftemplate(e->env, name);
}

/* The position of a deftemplate's slot, or -1; found once at load, so a
 * fact read after every run is read by position, not by name. */
static int slot_position(void *tmpl, const char *name)
{
	int i = 0;
	if (!tmpl)
		return -1;
	for (struct templateSlot *s = ((struct deftemplate *)tmpl)->slotList;
	     s; s = s->next, i++)
		if (strcmp(ValueToString(s->slotName), name) == 0)
			return i;
	return -1;
}

static enum engine_type parse_type(const char *s)
{
	if (strcmp(s, "integer") == 0) return ENGINE_TYPE_INTEGER;
	if (strcmp(s, "number") == 0) return ENGINE_TYPE_NUMBER;
	if (strcmp(s, "scale") == 0) return ENGINE_TYPE_SCALE;
	if (strcmp(s, "choice") == 0) return ENGINE_TYPE_CHOICE;
	return ENGINE_TYPE_YESNO;
}

static int cmp_question(const void *a, const void *b)
{
	const struct qslot *x = a, *y = b;
	if (x->home_order != y->home_order)
		return x->home_order < y->home_order ? -1 : 1;
	if (x->q.priority != y->q.priority)
		return x->q.priority < y->q.priority ? -1 : 1;
	return strcmp(x->q.id, y->q.id);
}

static int cmp_section(const void *a, const void *b)
{
	const struct engine_section *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int cmp_level(const void *a, const void *b)
{
	const struct engine_level *x = a, *y = b;
	return x->rank - y->rank;
}

static size_t count_facts(engine *e, void *tmpl)
{
	size_t n = 0;
	for (void *f = EnvGetNextFactInTemplate(e->env, tmpl, NULL); f;
	     f = EnvGetNextFactInTemplate(e->env, tmpl, f))
		n++;
	return n;
}

static uint32_t hash_id(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

typedef const char *id_at_fn(const engine *e, size_t i);

static const char *question_id_at(const engine *e, size_t i) { return e->qs[i].q.id; }
static const char *finding_id_at(const engine *e, size_t i) { return e->fs[i].f.id; }
static const char *recommendation_id_at(const engine *e, size_t i) { return e->rs[i].r.id; }
static const char *rule_name_at(const engine *e, size_t i) { return e->rules[i].name; }
static const char *citation_id_at(const engine *e, size_t i) { return e->cits[i].id; }

static int index_build(struct id_index *ix, const engine *e, size_t n,
		       id_at_fn *id_at)
{
	size_t size = 16;
	while (size < n * 2)
		size *= 2;
	ix->slot = calloc(size, sizeof(*ix->slot));
	if (!ix->slot)
		return ENGINE_ENOMEM;
	ix->mask = size - 1;
	for (size_t i = 0; i < n; i++) {
		size_t h = hash_id(id_at(e, i)) & ix->mask;
		while (ix->slot[h])
			h = (h + 1) & ix->mask;
		ix->slot[h] = i + 1;
	}
	return 0;
}

/* The catalogue position of id, or SIZE_MAX. */
static size_t index_find(const struct id_index *ix, const engine *e,
			 id_at_fn *id_at, const char *id)
{
	if (!id || !ix->slot)
		return SIZE_MAX;
	for (size_t h = hash_id(id) & ix->mask; ix->slot[h]; h = (h + 1) & ix->mask)
		if (strcmp(id_at(e, ix->slot[h] - 1), id) == 0)
			return ix->slot[h] - 1;
	return SIZE_MAX;
}

static size_t ptr_hash(const void *p)
{
	uint64_t x = (uint64_t)(uintptr_t)p;
	x ^= x >> 29;
	x *= 0xbf58476d1ce4e5b9ull;
	return (size_t)(x ^ (x >> 32));
}

static const struct ptr_entry *ptr_find(const engine *e, const void *key)
{
	const struct ptr_index *ix = &e->pix;
	if (!key || !ix->slot)
		return NULL;
	for (size_t h = ptr_hash(key) & ix->mask; ix->slot[h].key;
	     h = (h + 1) & ix->mask)
		if (ix->slot[h].key == key)
			return &ix->slot[h];
	return NULL;
}

/* The entry for key, added when absent (the table is sized at build). */
static struct ptr_entry *ptr_add(engine *e, const void *key)
{
	struct ptr_index *ix = &e->pix;
	size_t h = ptr_hash(key) & ix->mask;
	for (; ix->slot[h].key; h = (h + 1) & ix->mask)
		if (ix->slot[h].key == key)
			return &ix->slot[h];
	ix->slot[h] = (struct ptr_entry){ key, NONE, NONE, NONE, NONE };
	return &ix->slot[h];
}

static int read_questions(engine *e)
{
	void *t = template_named(e, "question");
	if (!t) {
		set_error(e, "the rule base defines no 'question' template");
		return ENGINE_ELOAD;
	}
	size_t n = count_facts(e, t);
	e->qs = calloc(n ? n : 1, sizeof(*e->qs));
	if (!e->qs)
		return ENGINE_ENOMEM;
	for (void *f = EnvGetNextFactInTemplate(e->env, t, NULL); f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct qslot *s = &e->qs[e->n_qs++];
		struct engine_question *q = &s->q;
		q->id = slot_str(e, f, "id");
		char *type = slot_str(e, f, "type");
		q->type = parse_type(type);
		free(type);
		q->min = slot_num(e, f, "min");
		q->max = slot_num(e, f, "max");
		q->choices = slot_list(e, f, "choices", &q->n_choices);
		size_t n_labels;
		q->choice_labels = slot_list(e, f, "choice-labels", &n_labels);
		if (n_labels != q->n_choices) {
			list_free(q->choice_labels, n_labels);
			q->choice_labels = NULL;
		}
		q->unit = slot_str(e, f, "unit");
		char *aud = slot_str(e, f, "audience");
		q->clinician_only = strcmp(aud, "clinician") == 0;
		free(aud);
		q->red_flag = slot_yes(e, f, "red-flag");
		q->section = slot_str(e, f, "section");
		q->also_in = slot_list(e, f, "also-in", &q->n_also_in);
		q->priority = (int)slot_num(e, f, "priority");
		s->home = SIZE_MAX;
		s->home_order = INT_MAX;
		for (size_t k = 0; k < e->n_secs; k++)
			if (strcmp(e->secs[k].id, q->section) == 0) {
				s->home = k;
				s->home_order = e->secs[k].order;
			}
		s->sec = s->home;
		q->clinician_text = slot_str(e, f, "clinician-text");
		q->patient_text = slot_str(e, f, "patient-text");
		q->why = slot_str(e, f, "why");
		q->informs = slot_list(e, f, "informs", &q->n_informs);
	}
	qsort(e->qs, e->n_qs, sizeof(*e->qs), cmp_question);
	for (size_t i = 0; i < e->n_qs; i++) {
		struct qslot *s = &e->qs[i];
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->qs[j].q.id, s->q.id) == 0) {
				set_error(e, "question '%s' is defined twice",
					  s->q.id);
				return ENGINE_ELOAD;
			}
		if (s->q.type == ENGINE_TYPE_CHOICE && s->q.n_choices == 0) {
			set_error(e, "choice question '%s' has no choices",
				  s->q.id);
			return ENGINE_ELOAD;
		}
		s->symbol = intern(e, s->q.id);
	}
	int rv = index_build(&e->qix, e, e->n_qs, question_id_at);
	if (rv != 0)
		return rv;
	/* An implied deftemplate exists once any rule pattern names the
	 * question; with none, the answer is kept in C only. One pass over
	 * the templates instead of a search by name for each question. */
	for (void *tm = EnvGetNextDeftemplate(e->env, NULL); tm;
	     tm = EnvGetNextDeftemplate(e->env, tm)) {
		size_t i = index_find(&e->qix, e, question_id_at,
				      EnvGetDeftemplateName(e->env, tm));
		if (i != SIZE_MAX)
			e->qs[i].tmpl = tm;
	}
	return 0;
}

/* The interview's sections (section-def facts), in their order. A rule
 * base without any has none: its questions are asked by priority. */
static int read_sections(engine *e)
{
	void *t = template_named(e, "section-def");
	size_t n = t ? count_facts(e, t) : 0;
	if (n == 0)
		return 0;
	e->secs = calloc(n, sizeof(*e->secs));
	if (!e->secs)
		return ENGINE_ENOMEM;
	for (void *f = EnvGetNextFactInTemplate(e->env, t, NULL); f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct engine_section *c = &e->secs[e->n_secs++];
		c->id = slot_str(e, f, "id");
		c->order = (int)slot_num(e, f, "order");
		c->clinician_title = slot_str(e, f, "clinician-title");
		c->patient_title = slot_str(e, f, "patient-title");
	}
	qsort(e->secs, e->n_secs, sizeof(*e->secs), cmp_section);
	for (size_t i = 0; i < e->n_secs; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->secs[j].id, e->secs[i].id) == 0) {
				set_error(e, "section '%s' is defined twice",
					  e->secs[i].id);
				return ENGINE_ELOAD;
			}
	return 0;
}

static int read_levels(engine *e)
{
	void *t = template_named(e, "level-def");
	size_t n = t ? count_facts(e, t) : 0;
	if (n == 0) {
		set_error(e, "the rule base defines no triage levels");
		return ENGINE_ELOAD;
	}
	e->levels = calloc(n, sizeof(*e->levels));
	if (!e->levels)
		return ENGINE_ENOMEM;
	int n_default = 0;
	char *default_id = NULL;
	for (void *f = EnvGetNextFactInTemplate(e->env, t, NULL); f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct engine_level *l = &e->levels[e->n_levels++];
		l->id = slot_str(e, f, "id");
		l->rank = (int)slot_num(e, f, "rank");
		l->stops = slot_yes(e, f, "stops");
		l->clinician_text = slot_str(e, f, "clinician-text");
		l->patient_text = slot_str(e, f, "patient-text");
		l->safety_net = slot_str(e, f, "safety-net");
		if (slot_yes(e, f, "default")) {
			n_default++;
			default_id = (char *)l->id;
		}
	}
	if (n_default != 1) {
		set_error(e, "exactly one triage level must be the default, "
			     "found %d", n_default);
		return ENGINE_ELOAD;
	}
	qsort(e->levels, e->n_levels, sizeof(*e->levels), cmp_level);
	e->default_level = engine_level_find(e, default_id);
	return 0;
}

/* "Title. Author, 2019." — the parts that are known, each once, and one
 * full stop at the end. */
static char *citation_text(const struct engine_citation *c)
{
	size_t size = strlen(c->title) + strlen(c->author) + strlen(c->year) + 8;
	char *t = malloc(size);
	if (!t)
		return NULL;
	size_t n = (size_t)snprintf(t, size, "%s", c->title);
	bool closed = n && strchr(".?!", t[n - 1]);
	if (*c->author)
		n += (size_t)snprintf(t + n, size - n, "%s%s",
				      n ? (closed ? " " : ". ") : "", c->author);
	if (*c->year)
		n += (size_t)snprintf(t + n, size - n, "%s%s",
				      n ? (*c->author ? ", " : closed ? " " : ". ")
					: "",
				      c->year);
	if (n && !strchr(".?!", t[n - 1]))
		snprintf(t + n, size - n, ".");
	return t;
}

static int read_citations(engine *e)
{
	void *t = template_named(e, "citation");
	size_t n = t ? count_facts(e, t) : 0;
	e->cits = calloc(n ? n : 1, sizeof(*e->cits));
	if (!e->cits)
		return ENGINE_ENOMEM;
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct engine_citation *c = &e->cits[e->n_cits++];
		c->id = slot_str(e, f, "id");
		c->kind = slot_str(e, f, "kind");
		c->title = slot_str(e, f, "title");
		c->author = slot_str(e, f, "author");
		c->year = slot_str(e, f, "year");
		c->note = slot_str(e, f, "note");
		c->text = citation_text(c);
		if (!c->id || !c->kind || !c->title || !c->author || !c->year ||
		    !c->note || !c->text)
			return ENGINE_ENOMEM;
	}
	return index_build(&e->cix, e, e->n_cits, citation_id_at);
}

/* What a user reads as the source of a finding or recommendation: the texts
 * of the citations it cites, joined by "; ", or its own source slot while it
 * cites none that exists (a rule base before citations). Takes own_source. */
static char *source_text(const engine *e, const char *const *cites,
			 size_t n_cites, char *own_source)
{
	size_t len = 0, used = 0;
	for (size_t i = 0; i < n_cites; i++) {
		const struct engine_citation *c = engine_citation_find(e, cites[i]);
		if (c)
			len += strlen(c->text) + 2;
	}
	if (len == 0)
		return own_source;
	char *t = malloc(len + 1);
	if (!t)
		return own_source;
	t[0] = '\0';
	for (size_t i = 0; i < n_cites; i++) {
		const struct engine_citation *c = engine_citation_find(e, cites[i]);
		if (c)
			used += (size_t)snprintf(t + used, len + 1 - used, "%s%s",
						 used ? "; " : "", c->text);
	}
	free(own_source);
	return t;
}

static int read_findings(engine *e)
{
	void *t = template_named(e, "finding-def");
	size_t n = t ? count_facts(e, t) : 0;
	e->fs = calloc(n ? n : 1, sizeof(*e->fs));
	e->found = calloc(n ? n : 1, sizeof(*e->found));
	if (!e->fs || !e->found)
		return ENGINE_ENOMEM;
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct fslot *s = &e->fs[e->n_fs++];
		struct engine_finding *d = &s->f;
		d->id = slot_str(e, f, "id");
		d->kind = slot_str(e, f, "kind");
		d->level = slot_str(e, f, "level");
		d->cites = slot_list(e, f, "cites", &d->n_cites);
		d->source = source_text(e, d->cites, d->n_cites,
					slot_str(e, f, "source"));
		d->gives_way_to = slot_list(e, f, "gives-way-to",
					    &d->n_gives_way_to);
		d->when_complete = slot_yes(e, f, "when-complete");
		s->red_flag = strcmp(d->kind, "red_flag") == 0;
		d->title = slot_str(e, f, "title");
		d->clinician_text = slot_str(e, f, "clinician-text");
		d->patient_text = slot_str(e, f, "patient-text");
		d->safety_net = slot_str(e, f, "safety-net");
		const struct engine_level *l = engine_level_find(e, d->level);
		if (!l) {
			set_error(e, "finding '%s' demands unknown level '%s'",
				  d->id, d->level);
			return ENGINE_ELOAD;
		}
		d->level_rank = l->rank;
		/* The stop is data (level-def and finding-def stops): a
		 * finding with positive evidence stops the interview when
		 * either says so, with no fact derived per case. */
		s->stops_def = l->stops || slot_yes(e, f, "stops");
		s->gives_way_to_firm = slot_yes(e, f, "gives-way-to-firm");
	}
	return index_build(&e->fix, e, e->n_fs, finding_id_at);
}

static int read_recommendations(engine *e)
{
	void *t = template_named(e, "recommendation-def");
	size_t n = t ? count_facts(e, t) : 0;
	e->rs = calloc(n ? n : 1, sizeof(*e->rs));
	e->recs = calloc(n ? n : 1, sizeof(*e->recs));
	if (!e->rs || !e->recs)
		return ENGINE_ENOMEM;
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct rslot *s = &e->rs[e->n_rs++];
		s->r.id = slot_str(e, f, "id");
		s->r.cites = slot_list(e, f, "cites", &s->r.n_cites);
		s->r.source = source_text(e, s->r.cites, s->r.n_cites,
					  slot_str(e, f, "source"));
		s->r.title = slot_str(e, f, "title");
		s->r.clinician_text = slot_str(e, f, "clinician-text");
		s->r.patient_text = slot_str(e, f, "patient-text");
	}
	return index_build(&e->rix, e, e->n_rs, recommendation_id_at);
}

/* Whether list (a symbol multifield slot) holds name. */
static bool slot_has(engine *e, void *fact, const char *name, const char *s)
{
	DATA_OBJECT v;
	if (!slot(e, fact, name, &v) || GetType(v) != MULTIFIELD)
		return false;
	void *mf = GetValue(v);
	for (long i = GetDOBegin(v); i <= GetDOEnd(v); i++)
		if (GetMFType(mf, i) == SYMBOL &&
		    strcmp(ValueToString(GetMFValue(mf, i)), s) == 0)
			return true;
	return false;
}

/* The finding conditions (finding-condition facts): which findings make
 * each hold, worked out once from the finding definitions. */
static int read_finding_conditions(engine *e)
{
	void *t = template_named(e, "finding-condition");
	size_t n = t ? count_facts(e, t) : 0;
	e->conds = calloc(n ? n : 1, sizeof(*e->conds));
	if (!e->conds)
		return ENGINE_ENOMEM;
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct finding_condition *c = &e->conds[e->n_conds++];
		c->id = slot_str(e, f, "id");
		c->member = calloc(e->n_fs ? e->n_fs : 1, sizeof(*c->member));
		if (!c->id || !c->member)
			return ENGINE_ENOMEM;
		bool stopping = slot_yes(e, f, "or-stopping");
		for (size_t i = 0; i < e->n_fs; i++) {
			const struct fslot *s = &e->fs[i];
			c->member[i] = (stopping && s->stops_def) ||
				       (slot_has(e, f, "kinds", s->f.kind) &&
					slot_has(e, f, "levels", s->f.level));
		}
		DATA_OBJECT v;
		if (slot(e, f, "levels", &v) && GetType(v) == MULTIFIELD)
			for (long i = GetDOBegin(v); i <= GetDOEnd(v); i++) {
				const char *l = ValueToString(GetMFValue(GetValue(v), i));
				if (!engine_level_find(e, l))
					anomaly(e, "finding-condition names undefined "
						"level '%s'", l);
			}
	}
	return 0;
}

/* The finding-to-recommendation table (recommendation-for facts): the
 * engine gives these recommendations itself after each run, so no rule
 * derives a fact for them. A name the catalogue does not know is an
 * anomaly for `rules check`. */
static int read_recommendation_table(engine *e)
{
	void *t = template_named(e, "recommendation-for");
	size_t n = t ? count_facts(e, t) : 0;
	e->recfor = calloc(n ? n : 1, sizeof(*e->recfor));
	if (!e->recfor)
		return ENGINE_ENOMEM;
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		DATA_OBJECT v;
		const char *fid = slot(e, f, "finding", &v) && GetType(v) == SYMBOL
					  ? DOToString(v) : "";
		bool every = slot_position(t, "every-finding") >= 0 &&
			     slot_yes(e, f, "every-finding");
		size_t fi = index_find(&e->fix, e, finding_id_at, fid);
		if (every && strcmp(fid, "nil") != 0) {
			anomaly(e, "recommendation-for names finding '%s' and "
				"every finding", fid);
			continue;
		}
		if (fi == SIZE_MAX && !every) {
			anomaly(e, "recommendation-for names undefined finding "
				"'%s'", fid);
			continue;
		}
		const char *rid = slot(e, f, "recommendation", &v) &&
						  GetType(v) == SYMBOL
					  ? DOToString(v) : "";
		size_t ri = index_find(&e->rix, e, recommendation_id_at, rid);
		if (ri == SIZE_MAX) {
			anomaly(e, "recommendation-for names undefined "
				"recommendation '%s'", rid);
			continue;
		}
		struct rec_for *x = &e->recfor[e->n_recfor];
		*x = (struct rec_for){ .finding = fi, .rec = ri };
		if (slot(e, f, "unless", &v) && GetType(v) == MULTIFIELD &&
		    GetDOLength(v) > 0) {
			x->unless = calloc((size_t)GetDOLength(v),
					   sizeof(*x->unless));
			if (!x->unless)
				return ENGINE_ENOMEM;
			void *mf = GetValue(v);
			for (long i = GetDOBegin(v); i <= GetDOEnd(v); i++) {
				const char *rel = ValueToString(GetMFValue(mf, i));
				const struct finding_condition *c = NULL;
				for (size_t k = 0; k < e->n_conds && !c; k++)
					if (strcmp(e->conds[k].id, rel) == 0)
						c = &e->conds[k];
				void *tm = c ? NULL : template_named(e, rel);
				if (!c && !tm)
					anomaly(e, "recommendation-for is withheld by "
						"'%s', which no rule asserts", rel);
				else
					x->unless[x->n_unless++] =
						(struct unless){ tm, c };
			}
		}
		e->n_recfor++;
	}
	return 0;
}

static int read_rules(engine *e)
{
	size_t n = 0;
	for (void *r = EnvGetNextDefrule(e->env, NULL); r;
	     r = EnvGetNextDefrule(e->env, r))
		n++;
	e->rules = calloc(n ? n : 1, sizeof(*e->rules));
	if (!e->rules)
		return ENGINE_ENOMEM;
	for (void *r = EnvGetNextDefrule(e->env, NULL); r;
	     r = EnvGetNextDefrule(e->env, r)) {
		struct rule_info *ri = &e->rules[e->n_rules++];
		ri->name = xstrdup(EnvGetDefruleName(e->env, r));
	}
	return index_build(&e->ruleix, e, e->n_rules, rule_name_at);
}

/* The pointer index (ptr_entry): every question, finding and
 * recommendation id and rule name, as a CLIPS symbol (held, so that it
 * stays the same symbol) and as the engine's own copy. */
static int ptr_index_build(engine *e)
{
	size_t keys = 2 * (e->n_qs + e->n_fs + e->n_rs + e->n_rules);
	size_t size = 16;
	while (size < keys * 2)
		size *= 2;
	e->pix.slot = calloc(size, sizeof(*e->pix.slot));
	if (!e->pix.slot)
		return ENGINE_ENOMEM;
	e->pix.mask = size - 1;
	for (size_t i = 0; i < e->n_qs; i++) {
		ptr_add(e, e->qs[i].symbol)->q = (uint32_t)i;
		ptr_add(e, e->qs[i].q.id)->q = (uint32_t)i;
	}
	for (size_t i = 0; i < e->n_fs; i++) {
		ptr_add(e, intern(e, e->fs[i].f.id))->f = (uint32_t)i;
		ptr_add(e, e->fs[i].f.id)->f = (uint32_t)i;
	}
	for (size_t i = 0; i < e->n_rs; i++) {
		ptr_add(e, intern(e, e->rs[i].r.id))->r = (uint32_t)i;
		ptr_add(e, e->rs[i].r.id)->r = (uint32_t)i;
	}
	for (size_t i = 0; i < e->n_rules; i++) {
		ptr_add(e, intern(e, e->rules[i].name))->rule = (uint32_t)i;
		ptr_add(e, e->rules[i].name)->rule = (uint32_t)i;
	}
	return 0;
}

/* A symbol's catalogue entry, or NULL (not a symbol, or not an id). */
static const struct ptr_entry *symbol_entry(const engine *e,
					    const struct field *v)
{
	return v && v->type == SYMBOL ? ptr_find(e, v->value) : NULL;
}

static int read_units(engine *e);

static int read_catalogue(engine *e)
{
	int rv;
	void *t = template_named(e, "rulebase");
	void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL;
	e->version = f ? slot_str(e, f, "version") : xstrdup("unversioned");
	/* The template's own default when the rule base has no rulebase
	 * fact at all. */
	e->threshold = f ? slot_num(e, f, "report-threshold") : 0.2;
	if ((rv = read_levels(e)) != 0 || (rv = read_citations(e)) != 0 ||
	    (rv = read_sections(e)) != 0 || (rv = read_questions(e)) != 0 ||
	    (rv = read_findings(e)) != 0 ||
	    (rv = read_recommendations(e)) != 0 ||
	    (rv = read_finding_conditions(e)) != 0 ||
	    (rv = read_recommendation_table(e)) != 0 ||
	    (rv = read_rules(e)) != 0 || (rv = read_units(e)) != 0 ||
	    (rv = ptr_index_build(e)) != 0)
		return rv;
	e->tmpl_declined = template_named(e, "declined");
	e->tmpl_relevant = template_named(e, "relevant");
	e->tmpl_evidence = template_named(e, "evidence");
	e->tmpl_recommend = template_named(e, "recommend");
	e->ev_finding = slot_position(e->tmpl_evidence, "finding");
	e->ev_rule = slot_position(e->tmpl_evidence, "rule");
	e->ev_cf = slot_position(e->tmpl_evidence, "cf");
	e->ev_because = slot_position(e->tmpl_evidence, "because");
	e->rec_id = slot_position(e->tmpl_recommend, "id");
	e->rec_because = slot_position(e->tmpl_recommend, "because");
	e->tmpl_stop = template_named(e, "interview-stop");
	return 0;
}

/* ------------------------------------------------------------ life cycle */

__attribute__((noinline)) static engine *engine_alloc(char **errmsg)
{
	engine *e = calloc(1, sizeof(*e));
	if (!e) {
		if (errmsg)
			*errmsg = xstrdup("out of memory");
		return NULL;
	}
	if (sodium_init() < 0) {
		free(e);
		if (errmsg)
			*errmsg = xstrdup("cannot initialise libsodium");
		return NULL;
	}
	/*
	 * CreateEnvironment() allocates with plain malloc before any hook or
	 * router can be installed, and on failure prints on stdout and exits
	 * the process (InitializeMemory calls EnvExitRouter). So first check
	 * that the process has room for an environment, several times what
	 * one takes, and fail with "out of memory" otherwise. The check is a
	 * probe, not a reservation: only memory taken by another thread in
	 * between could still end in that exit.
	 */
	void *probe = malloc(ENV_HEADROOM);
	if (!probe) {
		free(e);
		if (errmsg)
			*errmsg = xstrdup("out of memory");
		return NULL;
	}
	free(probe);
	e->env = CreateEnvironment();
	if (!e->env) {
		free(e);
		if (errmsg)
			*errmsg = xstrdup("cannot create a rule environment");
		return NULL;
	}
	SetEnvironmentContext(e->env, e);
	EnvSetOutOfMemoryFunction(e->env, out_of_memory);
	e->mode = ENGINE_MODE_CLINICIAN;
	return e;
}

/* Routers, removed functions and the watchdog; guarded by engine_new. */
static void env_setup(engine *e)
{
	EnvAddRouter(e->env, "msk-capture", 40, router_query, router_print,
		     router_getc, router_ungetc, router_exit);
	EnvSetParserErrorCallback(e->env, parser_error);
	EnvUnwatch(e->env, "all");
	for (size_t i = 0; removed_functions[i]; i++)
		UndefineFunction(e->env, removed_functions[i]);
	EnvAddPeriodicFunction(e->env, "msk-watchdog", watchdog, 0);
}

struct image_place {
	uintptr_t addr;     /* in: where the image is in memory */
	const char *file;   /* out: the file it was mapped from ("" the program) */
	off_t offset;       /* out: its offset there */
	bool found;
};

static int image_find(struct dl_phdr_info *info, size_t size, void *ctx)
{
	(void)size;
	struct image_place *p = ctx;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type != PT_LOAD || p->addr < start ||
		    p->addr + rules_image_len > start + ph->p_filesz)
			continue;
		p->file = info->dlpi_name;
		p->offset = (off_t)(ph->p_offset + (p->addr - start));
		p->found = true;
		return 1;
	}
	return 0;
}

/*
 * Copy the image into fd from the executable file itself, inside the
 * kernel: the image's pages are never touched through the process's own
 * mapping, so they do not count in its memory (peak RSS −0.4 MB). False
 * when that cannot be done; the caller then copies from memory.
 */
static bool image_copy_from_file(int fd)
{
	struct image_place p = { .addr = (uintptr_t)rules_image };
	dl_iterate_phdr(image_find, &p);
	if (!p.found)
		return false;
	int in = open(p.file && p.file[0] ? p.file : "/proc/self/exe",
		      O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return false;
	off_t off = p.offset;
	size_t left = rules_image_len;
	while (left > 0) {
		ssize_t n = sendfile(fd, in, &off, left);
		if (n <= 0)
			break;
		left -= (size_t)n;
	}
	close(in);
	/* The same bytes at both ends of the image, or copy from memory. */
	unsigned char head[16], tail[16];
	size_t k = rules_image_len < 16 ? rules_image_len : 16;
	if (left != 0 ||
	    pread(fd, head, k, 0) != (ssize_t)k ||
	    pread(fd, tail, k, (off_t)(rules_image_len - k)) != (ssize_t)k ||
	    memcmp(head, rules_image, k) != 0 ||
	    memcmp(tail, rules_image + rules_image_len - k, k) != 0)
		return false;
	return true;
}

/* Load the built-in binary image through a memory file. */
static int load_image(engine *e)
{
	int rv = ENGINE_ELOAD;
	int fd = memfd_create("msktriage-rules", MFD_CLOEXEC);
	size_t off = 0;
	if (fd >= 0 && image_copy_from_file(fd)) {
		off = rules_image_len;
	} else if (fd >= 0) { /* from memory, into a fresh file */
		close(fd);
		fd = memfd_create("msktriage-rules", MFD_CLOEXEC);
	}
	if (fd < 0) {
		set_error(e, "cannot load the built-in rule base: %s",
			  strerror(errno));
		return ENGINE_ELOAD;
	}
	while (off < rules_image_len) {
		ssize_t w = write(fd, rules_image + off, rules_image_len - off);
		if (w <= 0) {
			set_error(e, "cannot load the built-in rule base: %s",
				  strerror(errno));
			goto out_close;
		}
		off += (size_t)w;
	}
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (!EnvBload(e->env, path) || e->load_errors_len) {
		set_error(e, "the built-in rule base image does not load");
		goto out_close;
	}
	rv = 0;
out_close:
	close(fd);
	return rv;
}

int engine_image_save(engine *e, const char *path)
{
	if (!EnvBsave(e->env, path)) {
		set_error(e, "cannot write the rule base image '%s'", path);
		return ENGINE_ERUN;
	}
	return 0;
}

engine *engine_new(const char *rules_dir, char **errmsg)
{
	/* volatile: read after a longjmp from the out-of-memory hook */
	struct source *volatile src = NULL;
	volatile size_t n_src = 0;
	volatile bool own_src = false;
	engine *e = engine_alloc(errmsg);
	if (!e)
		return NULL;
	if (errmsg)
		*errmsg = NULL;
	if (setjmp(e->oom_jmp) != 0) {
		oom_caught(e);
		goto out_fail;
	}
	e->guard_depth = 1;
	env_setup(e);

	if (!rules_dir && rules_image_len > 0) {
		if (load_image(e) != 0)
			goto out_fail;
		snprintf(e->sha256, sizeof(e->sha256), "%s", rules_source_sha256);
		goto out_loaded;
	}
	if (rules_dir) {
		struct source *s = NULL;
		size_t n = 0;
		if (read_dir_sources(e, rules_dir, &s, &n) != 0)
			goto out_fail;
		src = s;
		n_src = n;
		own_src = true;
	} else {
		src = calloc(rules_source_count, sizeof(*src));
		if (!src) {
			set_error(e, "out of memory");
			goto out_fail;
		}
		for (size_t i = 0; i < rules_source_count; i++) {
			src[i].name = (char *)rules_source[i].name;
			src[i].text = (char *)rules_source[i].text;
			src[i].len = rules_source[i].len;
		}
		n_src = rules_source_count;
	}

	/* The built-in sources were hashed when the program was built. */
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	for (size_t i = 0; i < n_src; i++) {
		if (own_src)
			crypto_hash_sha256_update(
				&st, (const unsigned char *)src[i].text,
				src[i].len);
		if (load_one(e, src[i].name, src[i].text, src[i].len) != 0)
			goto out_fail;
	}
	if (own_src) {
		unsigned char digest[crypto_hash_sha256_BYTES];
		crypto_hash_sha256_final(&st, digest);
		hash_hex(e, digest);
	} else {
		snprintf(e->sha256, sizeof(e->sha256), "%s",
			 rules_source_sha256);
	}

out_loaded:
	EnvReset(e->env);
	if (e->load_errors_len) {
		set_error(e, "the rule base fails on reset: %.600s",
			  e->load_errors);
		goto out_fail;
	}
	int rv = read_catalogue(e);
	if (rv == ENGINE_ENOMEM)
		set_error(e, "out of memory");
	if (rv != 0)
		goto out_fail;

	if (own_src) {
		/* kept: engine_finding_rules() reads them when asked */
		e->src = src;
		e->n_src = n_src;
	} else {
		free(src);
	}
	e->guard_depth = 0;
	return e;

out_fail:
	e->guard_depth = 0;
	if (errmsg)
		*errmsg = xstrdup(e->errmsg);
	if (own_src)
		sources_free(src, n_src);
	else
		free(src);
	engine_free(e);
	return NULL;
}

static int destroy_env_unguarded(engine *e)
{
	DestroyEnvironment(e->env);
	return 0;
}

static int destroy_env(engine *e)
{
	GUARDED(e, destroy_env_unguarded(e));
}

static void engine_free_env(engine *e, bool destroy_env_too);

void engine_free(engine *e)
{
	engine_free_env(e, true);
}

#if defined(__SANITIZE_ADDRESS__)
#define MSK_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MSK_ASAN 1
#endif
#endif

void engine_free_at_exit(engine *e)
{
#ifdef MSK_ASAN
	engine_free_env(e, true);
#else
	engine_free_env(e, false);
#endif
}

static void engine_free_env(engine *e, bool destroy_env_too)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n_qs; i++) {
		struct engine_question *q = &e->qs[i].q;
		free((char *)q->id);
		list_free(q->choices, q->n_choices);
		list_free(q->choice_labels, q->choice_labels ? q->n_choices : 0);
		free((char *)q->unit);
		free((char *)q->section);
		list_free(q->also_in, q->n_also_in);
		free((char *)q->clinician_text);
		free((char *)q->patient_text);
		free((char *)q->why);
		list_free(q->informs, q->n_informs);
		free(e->qs[i].ans.text);
	}
	free(e->qs);
	free(e->pix.slot);
	for (size_t i = 0; i < e->n_secs; i++) {
		free((char *)e->secs[i].id);
		free((char *)e->secs[i].clinician_title);
		free((char *)e->secs[i].patient_title);
	}
	free(e->secs);
	free(e->qix.slot);
	free(e->fix.slot);
	free(e->rix.slot);
	free(e->ruleix.slot);
	free(e->cix.slot);
	for (size_t i = 0; i < e->n_levels; i++) {
		struct engine_level *l = &e->levels[i];
		free((char *)l->id);
		free((char *)l->clinician_text);
		free((char *)l->patient_text);
		free((char *)l->safety_net);
	}
	free(e->levels);
	for (size_t i = 0; i < e->n_fs; i++) {
		struct engine_finding *d = &e->fs[i].f;
		free((char *)d->id);
		free((char *)d->kind);
		free((char *)d->level);
		free((char *)d->source);
		free((char *)d->title);
		free((char *)d->clinician_text);
		free((char *)d->patient_text);
		free((char *)d->safety_net);
		list_free(d->cites, d->n_cites);
		list_free(d->gives_way_to, d->n_gives_way_to);
		free(e->fs[i].because);
		free(e->fs[i].against);
		free(e->fs[i].rules);
	}
	free(e->fs);
	for (size_t i = 0; i < e->n_rs; i++) {
		struct engine_recommendation *r = &e->rs[i].r;
		free((char *)r->id);
		free((char *)r->source);
		free((char *)r->title);
		free((char *)r->clinician_text);
		free((char *)r->patient_text);
		list_free(r->cites, r->n_cites);
		free(e->rs[i].because);
	}
	free(e->rs);
	for (size_t i = 0; i < e->n_recfor; i++)
		free(e->recfor[i].unless);
	free(e->recfor);
	for (size_t i = 0; i < e->n_conds; i++) {
		free(e->conds[i].id);
		free(e->conds[i].member);
	}
	free(e->conds);
	for (size_t i = 0; i < e->n_cits; i++) {
		struct engine_citation *c = &e->cits[i];
		free((char *)c->id);
		free((char *)c->kind);
		free((char *)c->title);
		free((char *)c->author);
		free((char *)c->year);
		free((char *)c->note);
		free((char *)c->text);
	}
	free(e->cits);
	for (size_t i = 0; i < e->n_rules; i++)
		free(e->rules[i].name);
	free(e->rules);
	for (size_t i = 0; i < e->n_units; i++) {
		free(e->units[i].unit);
		free(e->units[i].one);
		list_free(e->units[i].words, e->units[i].n_words);
	}
	free(e->units);
	sources_free(e->src, e->n_src);
	for (size_t i = 0; i < e->n_uses; i++) {
		free(e->uses[i].rule);
		free(e->uses[i].doc);
		free(e->uses[i].finding);
		free(e->uses[i].reads);
	}
	free(e->uses);
	free(e->uview);
	free(e->found);
	free(e->recs);
	free(e->version);
	free(e->load_errors);
	for (size_t i = 0; i < e->n_anomalies; i++)
		free(e->anomalies[i]);
	free(e->anomalies);
	/* After running out of memory the environment is left as it is. */
	if (e->env && !e->oom && destroy_env_too)
		destroy_env(e);
	free(e);
}

const char *engine_errmsg(const engine *e)
{
	return e ? e->errmsg : "out of memory";
}

const char *engine_rulebase_sha256(const engine *e) { return e->sha256; }
const char *engine_rulebase_version(const engine *e) { return e->version; }

/* -------------------------------------------------------------- catalogue */

size_t engine_question_count(const engine *e) { return e->n_qs; }

const struct engine_question *engine_question_at(const engine *e, size_t i)
{
	return i < e->n_qs ? &e->qs[i].q : NULL;
}

static struct qslot *qslot_find(const engine *e, const char *id)
{
	size_t i = index_find(&e->qix, e, question_id_at, id);
	return i == SIZE_MAX ? NULL : &e->qs[i];
}

static struct fslot *fslot_find(const engine *e, const char *id)
{
	size_t i = index_find(&e->fix, e, finding_id_at, id);
	return i == SIZE_MAX ? NULL : &e->fs[i];
}

static size_t rule_find(const engine *e, const char *name)
{
	return index_find(&e->ruleix, e, rule_name_at, name);
}

const struct engine_question *engine_question_find(const engine *e,
						   const char *id)
{
	struct qslot *s = qslot_find(e, id);
	return s ? &s->q : NULL;
}

size_t engine_level_count(const engine *e) { return e->n_levels; }

const struct engine_level *engine_level_at(const engine *e, size_t i)
{
	return i < e->n_levels ? &e->levels[i] : NULL;
}

const struct engine_level *engine_level_find(const engine *e, const char *id)
{
	for (size_t i = 0; id && i < e->n_levels; i++)
		if (strcmp(e->levels[i].id, id) == 0)
			return &e->levels[i];
	return NULL;
}

size_t engine_finding_def_count(const engine *e) { return e->n_fs; }

const struct engine_finding *engine_finding_def_at(const engine *e, size_t i)
{
	return i < e->n_fs ? &e->fs[i].f : NULL;
}

const struct engine_finding *engine_finding_def_find(const engine *e,
						     const char *id)
{
	struct fslot *s = fslot_find(e, id);
	return s ? &s->f : NULL;
}

size_t engine_recommendation_def_count(const engine *e) { return e->n_rs; }

const struct engine_recommendation *
engine_recommendation_def_at(const engine *e, size_t i)
{
	return i < e->n_rs ? &e->rs[i].r : NULL;
}

/* Each public struct is the first member of its slot. */
size_t engine_question_index(const engine *e, const struct engine_question *q)
{
	uintptr_t p = (uintptr_t)q, lo = (uintptr_t)e->qs;
	if (!q || !e->n_qs || p < lo || p >= (uintptr_t)(e->qs + e->n_qs))
		return SIZE_MAX;
	return (size_t)((const struct qslot *)q - e->qs);
}

size_t engine_finding_index(const engine *e, const struct engine_finding *f)
{
	uintptr_t p = (uintptr_t)f, lo = (uintptr_t)e->fs;
	if (!f || !e->n_fs || p < lo || p >= (uintptr_t)(e->fs + e->n_fs))
		return SIZE_MAX;
	return (size_t)((const struct fslot *)f - e->fs);
}

size_t engine_recommendation_index(const engine *e,
				   const struct engine_recommendation *r)
{
	uintptr_t p = (uintptr_t)r, lo = (uintptr_t)e->rs;
	if (!r || !e->n_rs || p < lo || p >= (uintptr_t)(e->rs + e->n_rs))
		return SIZE_MAX;
	return (size_t)((const struct rslot *)r - e->rs);
}

size_t engine_citation_count(const engine *e) { return e->n_cits; }

const struct engine_citation *engine_citation_at(const engine *e, size_t i)
{
	return i < e->n_cits ? &e->cits[i] : NULL;
}

const struct engine_citation *engine_citation_find(const engine *e,
						   const char *id)
{
	size_t i = index_find(&e->cix, e, citation_id_at, id);
	return i == SIZE_MAX ? NULL : &e->cits[i];
}

double engine_report_threshold(const engine *e) { return e->threshold; }

void engine_mode_set(engine *e, enum engine_mode mode)
{
	e->mode = mode;
	e->have_run = false;
}

const char *engine_type_name(enum engine_type t)
{
	switch (t) {
	case ENGINE_TYPE_YESNO: return "yesno";
	case ENGINE_TYPE_INTEGER: return "integer";
	case ENGINE_TYPE_NUMBER: return "number";
	case ENGINE_TYPE_SCALE: return "scale";
	case ENGINE_TYPE_CHOICE: return "choice";
	}
	return "unknown";
}

/* ---------------------------------------------------------------- answers */

static void forget(engine *e, struct qslot *s)
{
	if (s->ans.fact)
		EnvRetract(e->env, s->ans.fact);
	if (s->ans.text)
		e->n_answers--;
	free(s->ans.text);
	s->ans.fact = NULL;
	s->ans.text = NULL;
	e->have_run = false;
}

static void *assert_ordered(engine *e, void *tmpl, DATA_OBJECT *value)
{
	struct fact *f = EnvCreateFact(e->env, tmpl);
	if (!f)
		return NULL;
	void *mf = EnvCreateMultifield(e->env, 1);
	SetMFType(mf, 1, GetType(*value));
	SetMFValue(mf, 1, GetValue(*value));
	DATA_OBJECT d;
	SetType(d, MULTIFIELD);
	SetValue(d, mf);
	SetDOBegin(d, 1);
	SetDOEnd(d, 1);
	if (!EnvPutFactSlot(e->env, f, NULL, &d))
		return NULL;
	return EnvAssert(e->env, f);
}

/* Shortest plain decimal (no exponent) that reads back as the same double;
 * every range in the catalogue is small, so this stays short. */
static void format_number(double x, char *buf, size_t size)
{
	static const double pow10[] = { 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6,
		1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17 };
	for (int prec = 0; prec <= 17; prec++) {
		/*
		 * Without snprintf where x * 10^prec is below 2^51 (and x is
		 * not -0): "%.*f" writes the digits of m, the whole number
		 * nearest x * 10^prec, and they read back as x exactly when
		 * m / 10^prec, a correctly rounded division of two exact
		 * values, is x. (Were they to read back as x, x * 10^prec
		 * would lie within m * 2^-53 of m, far nearer than half a
		 * unit, so m is the nearest whole number either way.) The
		 * last precision stands whether or not it reads back, as
		 * snprintf writes it.
		 */
		double y = x * pow10[prec];
		if (fabs(y) < 2251799813685248.0 && !(x == 0 && signbit(x))) {
			double m = nearbyint(y);
			if (m / pow10[prec] == x) {
				char digits[24];
				long long n = llabs((long long)m);
				int len = 0;
				do {
					digits[len++] = (char)('0' + n % 10);
					n /= 10;
				} while (n);
				while (len <= prec)
					digits[len++] = '0';
				size_t o = 0;
				if (m < 0 && o + 1 < size)
					buf[o++] = '-';
				for (int i = len - 1; i >= 0 && o + 1 < size; i--) {
					buf[o++] = digits[i];
					if (i == prec && prec > 0 && o + 1 < size)
						buf[o++] = '.';
				}
				buf[o] = '\0';
				return;
			}
			if (prec < 17)
				continue;
		}
		snprintf(buf, size, "%.*f", prec, x);
		if (strtod(buf, NULL) == x)
			return;
	}
}

/* x in decimal, as "%lld" writes it; buf holds at least 21 bytes. */
static void format_long(long long x, char *buf)
{
	char t[24];
	size_t n = 0, k = 0;
	unsigned long long u = x < 0 ? 0ULL - (unsigned long long)x
				     : (unsigned long long)x;
	do
		t[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (x < 0)
		buf[k++] = '-';
	while (n)
		buf[k++] = t[--n];
	buf[k] = '\0';
}

static const char *kind_noun(enum engine_type t)
{
	switch (t) {
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		return "an integer";
	default:
		return "a number";
	}
}

static int range_error(engine *e, const struct engine_question *q)
{
	char lo[32], hi[32];
	format_number(q->min, lo, sizeof(lo));
	format_number(q->max, hi, sizeof(hi));
	set_error(e, "'%s' must be %s from %s to %s", q->id, kind_noun(q->type),
		  lo, hi);
	return ENGINE_EINVAL;
}

static int choice_error(engine *e, const struct engine_question *q)
{
	char list[512] = "";
	size_t used = 0;
	if (q->type == ENGINE_TYPE_YESNO) {
		snprintf(list, sizeof(list), "yes, no, unsure");
	} else {
		for (size_t i = 0; i < q->n_choices; i++) {
			int w = snprintf(list + used, sizeof(list) - used,
					 "%s%s", i ? ", " : "", q->choices[i]);
			if (w < 0 || (size_t)w >= sizeof(list) - used)
				break;
			used += (size_t)w;
		}
	}
	set_error(e, "'%s' must be one of %s (or skip)", q->id, list);
	return ENGINE_EINVAL;
}

static int unknown_question(engine *e, const char *id)
{
	char buf[80];
	set_error(e, "unknown question '%s'",
		  printable_id(id ? id : "", buf, sizeof(buf)));
	return ENGINE_EINVAL;
}

static int answer_decline(engine *e, const char *id)
{
	struct qslot *s = qslot_find(e, id);
	if (!s)
		return unknown_question(e, id);
	if (s->ans.text && strcmp(s->ans.text, "skip") == 0)
		return 0;
	forget(e, s);
	if (e->tmpl_declined) {
		DATA_OBJECT v;
		SetType(v, SYMBOL);
		SetValue(v, s->symbol);
		s->ans.fact = assert_ordered(e, e->tmpl_declined, &v);
	}
	s->ans.text = xstrdup("skip");
	e->n_answers++;
	return 0;
}

static int answer_set(engine *e, const char *id, const struct engine_value *v)
{
	struct qslot *s = qslot_find(e, id);
	if (!s)
		return unknown_question(e, id);
	const struct engine_question *q = &s->q;
	if (v->kind == ENGINE_VALUE_TEXT && v->text &&
	    strcmp(v->text, "skip") == 0)
		return engine_answer_decline(e, id);

	/* Validate into a plain value first; the CLIPS value is made only
	 * after the old fact is retracted (see below). */
	enum { AS_SYMBOL, AS_LONG, AS_DOUBLE } as;
	const char *symbol = NULL;
	long long integer = 0;
	double number = 0;
	char text[64];
	switch (q->type) {
	case ENGINE_TYPE_YESNO:
		if (v->kind != ENGINE_VALUE_TEXT || !v->text ||
		    (strcmp(v->text, "yes") && strcmp(v->text, "no") &&
		     strcmp(v->text, "unsure")))
			return choice_error(e, q);
		as = AS_SYMBOL;
		symbol = v->text;
		break;
	case ENGINE_TYPE_CHOICE: {
		size_t i;
		if (v->kind != ENGINE_VALUE_TEXT || !v->text)
			return choice_error(e, q);
		for (i = 0; i < q->n_choices; i++)
			if (strcmp(v->text, q->choices[i]) == 0)
				break;
		if (i == q->n_choices)
			return choice_error(e, q);
		as = AS_SYMBOL;
		symbol = q->choices[i];
		break;
	}
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		if (v->kind != ENGINE_VALUE_INTEGER ||
		    (double)v->integer < q->min || (double)v->integer > q->max)
			return range_error(e, q);
		as = AS_LONG;
		integer = v->integer;
		break;
	case ENGINE_TYPE_NUMBER:
		if (v->kind == ENGINE_VALUE_INTEGER)
			number = (double)v->integer;
		else if (v->kind == ENGINE_VALUE_NUMBER)
			number = v->number;
		else
			return range_error(e, q);
		if (!isfinite(number) || number < q->min || number > q->max)
			return range_error(e, q);
		as = AS_DOUBLE;
		break;
	default:
		return choice_error(e, q);
	}
	/* A symbol is its own canonical text: compared as it is. */
	const char *canon = text;
	if (as == AS_SYMBOL)
		canon = symbol;
	else if (as == AS_LONG)
		format_long(integer, text);
	else
		format_number(number, text, sizeof(text));

	/* The same answer again changes nothing: keep the fact and all that
	 * rests on it rather than withdrawing and deriving it anew. */
	if (s->ans.text && strcmp(s->ans.text, canon) == 0)
		return 0;
	char *copy = xstrdup(canon);
	if (!copy) {
		set_error(e, "out of memory");
		return ENGINE_ENOMEM;
	}
	forget(e, s);

	/* Retracting can collect CLIPS's unreferenced atoms, so a value made
	 * before it could be freed before it is asserted: make it now. */
	if (s->tmpl) {
		DATA_OBJECT value;
		if (as == AS_SYMBOL) {
			SetType(value, SYMBOL);
			SetValue(value, EnvAddSymbol(e->env, symbol));
		} else if (as == AS_LONG) {
			SetType(value, INTEGER);
			SetValue(value, EnvAddLong(e->env, integer));
		} else {
			SetType(value, FLOAT);
			SetValue(value, EnvAddDouble(e->env, number));
		}
		s->ans.fact = assert_ordered(e, s->tmpl, &value);
		if (!s->ans.fact) {
			free(copy);
			set_error(e, "cannot record the answer to '%s'", q->id);
			return ENGINE_ERUN;
		}
	}
	s->ans.text = copy;
	e->n_answers++;
	return 0;
}

static bool parse_integer(const char *s, long long *out)
{
	const char *p = s;
	if (*p == '-' || *p == '+')
		p++;
	if (!*p)
		return false;
	for (const char *q = p; *q; q++)
		if (*q < '0' || *q > '9')
			return false;
	errno = 0;
	char *end;
	long long x = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = x;
	return true;
}

int engine_answer_set_text(engine *e, const char *id, const char *text)
{
	const struct engine_question *q = engine_question_find(e, id);
	if (!q)
		return unknown_question(e, id);
	struct engine_value v = { .kind = ENGINE_VALUE_TEXT, .text = text };
	if (!text)
		return choice_error(e, q);
	if (strcmp(text, "skip") == 0)
		return engine_answer_decline(e, id);
	switch (q->type) {
	case ENGINE_TYPE_INTEGER:
	case ENGINE_TYPE_SCALE:
		if (!parse_integer(text, &v.integer))
			return range_error(e, q);
		v.kind = ENGINE_VALUE_INTEGER;
		break;
	case ENGINE_TYPE_NUMBER: {
		char *end;
		if (!*text || strchr(text, ' '))
			return range_error(e, q);
		errno = 0;
		v.number = strtod(text, &end);
		if (errno || *end)
			return range_error(e, q);
		v.kind = ENGINE_VALUE_NUMBER;
		break;
	}
	default:
		break;
	}
	return engine_answer_set(e, id, &v);
}

static int answer_clear(engine *e, const char *id)
{
	struct qslot *s = qslot_find(e, id);
	if (!s)
		return unknown_question(e, id);
	forget(e, s);
	return 0;
}

static int answers_clear(engine *e)
{
	for (size_t i = 0; i < e->n_qs; i++)
		if (e->qs[i].ans.text)
			forget(e, &e->qs[i]);
	return 0;
}

int engine_answer_decline(engine *e, const char *id)
{
	GUARDED(e, answer_decline(e, id));
}

int engine_answer_set(engine *e, const char *id, const struct engine_value *v)
{
	GUARDED(e, answer_set(e, id, v));
}

int engine_answer_clear(engine *e, const char *id)
{
	GUARDED(e, answer_clear(e, id));
}

static int answers_clear_guarded(engine *e)
{
	GUARDED(e, answers_clear(e));
}

void engine_answers_clear(engine *e)
{
	(void)answers_clear_guarded(e);
	for (size_t i = 0; i < e->n_fs; i++)
		e->fs[i].held = false;
}

int engine_stop_hold(engine *e, const char *finding)
{
	struct fslot *s = fslot_find(e, finding);
	const struct engine_level *l = s ? engine_level_find(e, s->f.level)
					 : NULL;
	if (!s) {
		set_error(e, "unknown finding '%.64s'", finding);
		return ENGINE_EINVAL;
	}
	if (!l || !s->stops_def) {
		set_error(e, "'%s' does not stop the interview: there is no "
			  "stop to hold", s->f.id);
		return ENGINE_EINVAL;
	}
	s->held = true;
	return ENGINE_OK;
}

size_t engine_stop_held_count(const engine *e)
{
	size_t n = 0;
	for (size_t i = 0; i < e->n_fs; i++)
		n += e->fs[i].held;
	return n;
}

const char *engine_stop_held_at(const engine *e, size_t i)
{
	for (size_t k = 0; k < e->n_fs; k++)
		if (e->fs[k].held && i-- == 0)
			return e->fs[k].f.id;
	return NULL;
}

const struct engine_level *engine_stop_held_level(const engine *e)
{
	const struct engine_level *most = NULL;
	for (size_t i = 0; i < e->n_fs; i++) {
		const struct engine_level *l;
		if (e->fs[i].held &&
		    (l = engine_level_find(e, e->fs[i].f.level)) &&
		    (!most || l->rank < most->rank))
			most = l;
	}
	return most;
}

const char *engine_answer_text(const engine *e, const char *id)
{
	struct qslot *s = qslot_find(e, id);
	return s ? s->ans.text : NULL;
}

const char *engine_answer_text_at(const engine *e, size_t i)
{
	return i < e->n_qs ? e->qs[i].ans.text : NULL;
}

size_t engine_answer_count(const engine *e) { return e->n_answers; }

/* -------------------------------------------------------------------- run */

/* The first field of an ordered fact, or NULL. */
static void *ordered_value(engine *e, void *fact, int *type)
{
	DATA_OBJECT v;
	if (!EnvGetFactSlot(e->env, fact, NULL, &v) || GetType(v) != MULTIFIELD ||
	    GetDOLength(v) < 1)
		return NULL;
	*type = GetMFType(GetValue(v), GetDOBegin(v));
	return GetMFValue(GetValue(v), GetDOBegin(v));
}

static bool add_unique(const char ***arr, size_t *n, size_t *cap,
		       const char *s)
{
	for (size_t i = 0; i < *n; i++)
		if ((*arr)[i] == s)
			return true;
	if (!grow(arr, cap, *n + 1, sizeof(**arr)))
		return false;
	(*arr)[(*n)++] = s;
	return true;
}

/* A name from a because slot: a question or finding id, as the engine's own
 * copy so it outlives CLIPS garbage collection. */
static const char *because_name(const engine *e, const struct field *v)
{
	const struct ptr_entry *x = symbol_entry(e, v);
	if (x && x->q != NONE)
		return e->qs[x->q].q.id;
	return x && x->f != NONE ? e->fs[x->f].f.id : NULL;
}

/* Slot pos of a template fact, or NULL when the template has none. */
static const struct field *fact_slot(void *fact, int pos)
{
	struct fact *f = fact;
	if (pos < 0 || pos >= f->theProposition.multifieldLength)
		return NULL;
	return &f->theProposition.theFields[pos];
}

static int read_evidence(engine *e)
{
	if (!e->tmpl_evidence)
		return 0;
	for (void *f = EnvGetNextFactInTemplate(e->env, e->tmpl_evidence, NULL);
	     f; f = EnvGetNextFactInTemplate(e->env, e->tmpl_evidence, f)) {
		const struct field *v = fact_slot(f, e->ev_finding);
		if (!v || v->type != SYMBOL)
			continue;
		const struct ptr_entry *x = symbol_entry(e, v);
		struct fslot *s = x && x->f != NONE ? &e->fs[x->f] : NULL;
		if (!s) {
			anomaly(e, "evidence names undefined finding '%s'",
				ValueToString(v->value));
			continue;
		}
		double cf = 0;
		if ((v = fact_slot(f, e->ev_cf))) {
			if (v->type == FLOAT)
				cf = ValueToDouble(v->value);
			else if (v->type == INTEGER)
				cf = (double)ValueToLong(v->value);
		}
		if (cf < -1)
			cf = -1;
		if (cf > 1)
			cf = 1;
		bool against = cf < 0;
		if (against && s->red_flag) {
			/* Nothing argues a red flag away but a no to its own
			 * question: the evidence is ignored, and reported. */
			anomaly(e, "red flag '%s' takes negative evidence",
				s->f.id);
			continue;
		}
		if (against) {
			s->n = s->n + cf * (1 + s->n);
			s->has_neg = true;
		} else {
			s->p = s->p + cf * (1 - s->p);
			s->has_pos = true;
			if (cf > 0)
				s->supported = true;
		}
		s->present = true;
		if ((v = fact_slot(f, e->ev_rule)) && v->type == SYMBOL) {
			x = symbol_entry(e, v);
			const char *name = x && x->rule != NONE
						   ? e->rules[x->rule].name : NULL;
			if (!name)
				anomaly(e, "evidence names undefined rule '%s'",
					ValueToString(v->value));
			if (name && !add_unique(&s->rules, &s->n_rules,
						&s->cap_rules, name))
				return ENGINE_ENOMEM;
		}
		if ((v = fact_slot(f, e->ev_because)) && v->type == MULTIFIELD) {
			const struct multifield *mf = v->value;
			for (long i = 0; i < mf->multifieldLength; i++) {
				const struct field *x = &mf->theFields[i];
				if (x->type != SYMBOL)
					continue;
				const char *name = because_name(e, x);
				if (!name)
					anomaly(e, "evidence rests on '%s', which is "
						"neither a question nor a finding",
						ValueToString(x->value));
				if (name && against &&
				    !add_unique(&s->against, &s->n_against,
						&s->cap_against, name))
					return ENGINE_ENOMEM;
				if (name && !against &&
				    !add_unique(&s->because, &s->n_because,
						&s->cap_because, name))
					return ENGINE_ENOMEM;
			}
		}
	}
	return 0;
}

static int read_recommends(engine *e)
{
	if (!e->tmpl_recommend)
		return 0;
	for (void *f = EnvGetNextFactInTemplate(e->env, e->tmpl_recommend, NULL);
	     f; f = EnvGetNextFactInTemplate(e->env, e->tmpl_recommend, f)) {
		const struct field *v = fact_slot(f, e->rec_id);
		if (!v || v->type != SYMBOL)
			continue;
		const struct ptr_entry *x = symbol_entry(e, v);
		struct rslot *s = x && x->r != NONE ? &e->rs[x->r] : NULL;
		if (!s) {
			anomaly(e, "a rule recommends undefined '%s'",
				ValueToString(v->value));
			continue;
		}
		s->present = true;
		if ((v = fact_slot(f, e->rec_because)) && v->type == SYMBOL) {
			x = symbol_entry(e, v);
			struct fslot *fs = x && x->f != NONE ? &e->fs[x->f] : NULL;
			if (!fs)
				anomaly(e, "recommendation rests on undefined "
					"finding '%s'", ValueToString(v->value));
			if (fs && !add_unique(&s->because, &s->n_because,
					      &s->cap_because, fs->f.id))
				return ENGINE_ENOMEM;
		}
	}
	return 0;
}

/* The table's recommendations for the findings present, as if a rule had
 * asserted (recommend (id R) (because F)) under (logical (finding F)
 * (not (U)) ...) for each of its unless relations U. */
static int apply_recommendation_table(engine *e)
{
	for (size_t k = 0; k < e->n_conds; k++) {
		struct finding_condition *c = &e->conds[k];
		c->holds = false;
		/* A stop held for the record counts while held, even once
		 * later answers no longer support its finding: the level is
		 * held with it, and what it withholds stays withheld. */
		for (size_t i = 0; i < e->n_fs && !c->holds; i++)
			c->holds = c->member[i] &&
				   (e->fs[i].supported || e->fs[i].held);
	}
	for (size_t i = 0; i < e->n_recfor; i++) {
		const struct rec_for *x = &e->recfor[i];
		size_t from = x->finding, to = x->finding + 1;
		if (x->finding == SIZE_MAX) {
			from = 0;
			to = e->n_fs;
		}
		bool withheld = false, checked = false;
		for (size_t i_f = from; i_f < to; i_f++) {
			if (!e->fs[i_f].supported)
				continue;
			if (!checked) {
				for (size_t j = 0; j < x->n_unless && !withheld; j++) {
					const struct unless *u = &x->unless[j];
					withheld = u->cond ? u->cond->holds
						: EnvGetNextFactInTemplate(
							  e->env, u->tmpl, NULL) != NULL;
				}
				checked = true;
			}
			if (withheld)
				break;
			struct rslot *s = &e->rs[x->rec];
			s->present = true;
			if (!add_unique(&s->because, &s->n_because,
					&s->cap_because, e->fs[i_f].f.id))
				return ENGINE_ENOMEM;
		}
	}
	return 0;
}

/* Catalogue positions, so that what a finding rests on reads in a fixed
 * order (questions in the order they are asked, then findings; rules as
 * defined) whatever order the facts were asserted in. */
static size_t because_rank(const engine *e, const char *name)
{
	/* names are the engine's own copies of the ids: by pointer */
	const struct ptr_entry *x = ptr_find(e, name);
	if (x && x->q != NONE)
		return x->q;
	if (x && x->f != NONE)
		return e->n_qs + x->f;
	size_t i = index_find(&e->qix, e, question_id_at, name);
	if (i != SIZE_MAX)
		return i;
	i = index_find(&e->fix, e, finding_id_at, name);
	return i == SIZE_MAX ? SIZE_MAX : e->n_qs + i;
}

static size_t rule_rank(const engine *e, const char *name)
{
	const struct ptr_entry *x = ptr_find(e, name);
	return x && x->rule != NONE ? x->rule : rule_find(e, name);
}

/*
 * Order names by their catalogue rank: each rank is looked up once, then
 * the names are sorted by number (insertion sort: a finding rests on a
 * handful of names), so no comparison looks anything up. Names are
 * unique, so equal ranks (SIZE_MAX: unknown) keep their order.
 */
static bool sort_by_rank(const engine *e, const char **names, size_t n,
			 size_t (*rank)(const engine *, const char *))
{
	struct ranked {
		size_t rank;
		const char *name;
	} small[32], *r = small;
	if (n < 2)
		return true;
	if (n > sizeof(small) / sizeof(*small) &&
	    !(r = malloc(n * sizeof(*r))))
		return false;
	for (size_t i = 0; i < n; i++) {
		struct ranked x = { rank(e, names[i]), names[i] };
		size_t j = i;
		for (; j > 0 && r[j - 1].rank > x.rank; j--)
			r[j] = r[j - 1];
		r[j] = x;
	}
	for (size_t i = 0; i < n; i++)
		names[i] = r[i].name;
	if (r != small)
		free(r);
	return true;
}

static int cmp_found(const void *a, const void *b)
{
	const struct engine_finding *x = *(const struct engine_finding *const *)a;
	const struct engine_finding *y = *(const struct engine_finding *const *)b;
	if (x->level_rank != y->level_rank)
		return x->level_rank - y->level_rank;
	if (x->confidence != y->confidence)
		return x->confidence > y->confidence ? -1 : 1;
	return strcmp(x->id, y->id);
}

static void reset_snapshot(engine *e)
{
	for (size_t i = 0; i < e->n_qs; i++)
		e->qs[i].relevant = false;
	for (size_t i = 0; i < e->n_fs; i++) {
		struct fslot *s = &e->fs[i];
		s->present = s->candidate = s->reported = false;
		s->has_pos = s->has_neg = s->supported = false;
		s->stops = false;
		s->p = s->n = 0;
		s->n_because = s->n_against = s->n_rules = 0;
		s->f.confidence = 0;
		s->f.because = NULL;
		s->f.n_because = 0;
		s->f.against = NULL;
		s->f.n_against = 0;
		s->f.rules = NULL;
		s->f.n_rules = 0;
	}
	for (size_t i = 0; i < e->n_rs; i++) {
		e->rs[i].present = false;
		e->rs[i].n_because = 0;
		e->rs[i].r.because = NULL;
		e->rs[i].r.n_because = 0;
	}
	e->n_found = e->n_recs = 0;
	e->next = NULL;
	e->stop = NULL;
	e->level = e->default_level;
	e->red_flags_screened = false;
}

static bool allowed(const engine *e, const struct engine_question *q)
{
	return !(q->clinician_only && e->mode == ENGINE_MODE_KIOSK);
}

/*
 * The combined certainty factor of a finding (SPEC section 4, R2).
 *
 * read_evidence() folds the positive factors into p with p + c(1 - p) and
 * the negative ones into n with n + c(1 + n). Each fold is order-independent:
 * 1 - p is the product of every (1 - c), 1 + n of every (1 + c), and
 * products commute. The mixed rule (p + n) / (1 - min(|p|, |n|)) is applied
 * once, to the two totals, never step by step (MYCIN's step-by-step mixed
 * rule depends on the order), so the result is the same whatever order
 * the evidence facts were asserted or are read in. Certain support against
 * certain refutation (p = 1, n = -1) has no defined value: it counts as 0.
 *
 * In floating point the folds are order-independent only to the last bit,
 * and a result such as 0.5625 may come out a hair either side of it: the
 * value is snapped to 9 decimals, so that the reported confidence (rounded
 * to 3) and the threshold test are the same in every order.
 */
static double snap(double x)
{
	return round(x * 1e9) / 1e9;
}

static double combine(const struct fslot *s)
{
	if (!s->has_neg)
		return snap(s->p);
	if (!s->has_pos)
		return snap(s->n);
	double den = 1 - fmin(fabs(s->p), fabs(s->n));
	return den > 0 ? snap((s->p + s->n) / den) : 0;
}

/* Whether a finding's evidence is enough to report it, gives-way-to and
 * when-complete aside: some positive evidence, and for a relationship or a
 * risk a combined factor above the rule base's threshold. */
static bool passes_evidence(const engine *e, const struct fslot *s, double cf)
{
	if (!s->has_pos)
		return false;
	if (strcmp(s->f.kind, "relationship") == 0 ||
	    strcmp(s->f.kind, "risk") == 0)
		return cf > e->threshold;
	return true;
}

/*
 * Settle which candidates are reported: a when-complete finding only once
 * the interview is complete, and no finding while one it gives way to is
 * reported. Giving way can chain (X to Y, Y to Z); the passes settle an
 * acyclic chain in its length, and `rules check` refuses a finding that
 * gives way to itself or in a circle.
 */
static void settle_reported(engine *e, bool complete)
{
	for (size_t i = 0; i < e->n_fs; i++) {
		struct fslot *s = &e->fs[i];
		s->reported = s->candidate && (complete || !s->f.when_complete);
	}
	bool changed = true;
	for (size_t pass = 0; changed && pass <= e->n_fs; pass++) {
		changed = false;
		for (size_t i = 0; i < e->n_fs; i++) {
			struct fslot *s = &e->fs[i];
			if (!s->candidate || (!complete && s->f.when_complete))
				continue;
			bool r = true;
			for (size_t j = 0; r && j < s->f.n_gives_way_to; j++) {
				struct fslot *t = fslot_find(e, s->f.gives_way_to[j]);
				if (t && t != s && t->reported)
					r = false;
			}
			if (r != s->reported) {
				s->reported = r;
				changed = true;
			}
		}
	}
	e->n_found = 0;
	for (size_t i = 0; i < e->n_fs; i++)
		if (e->fs[i].reported)
			e->found[e->n_found++] = &e->fs[i].f;
	qsort(e->found, e->n_found, sizeof(*e->found), cmp_found);
	e->level = e->n_found ? engine_level_find(e, e->found[0]->level)
			      : e->default_level;
	/* A held stop: the level never falls below it, whatever the
	 * answers say now. */
	const struct engine_level *hold = engine_stop_held_level(e);
	if (hold && hold->rank < e->level->rank)
		e->level = hold;
}

/*
 * The next question. Without a stop: the first relevant, unanswered,
 * allowed question, a red flag before any other. With a stop (SPEC section
 * 4, R2: the level never waits for a follow-up; only the stop may): the first
 * relevant, unanswered, allowed red-flag question that informs a finding
 * more urgent than the level reported now, else none.
 */
static int section_order(const engine *e, size_t sec)
{
	return sec < e->n_secs ? e->secs[sec].order : INT_MAX;
}

/*
 * The section each question is asked in now: its own, or, for a question
 * with also-in sections, the first of its sections in section order that
 * holds another relevant question the mode allows (morning stiffness is
 * asked with the knee for knee pain, with the back for back pain alone).
 */
static void place_questions(engine *e)
{
	for (size_t i = 0; i < e->n_qs; i++) {
		struct qslot *s = &e->qs[i];
		s->sec = s->home;
		if (!s->q.n_also_in)
			continue;
		size_t best = SIZE_MAX;
		for (size_t k = 0; k <= s->q.n_also_in; k++) {
			const char *id = k ? s->q.also_in[k - 1] : s->q.section;
			size_t sec = SIZE_MAX;
			for (size_t c = 0; c < e->n_secs; c++)
				if (strcmp(e->secs[c].id, id) == 0)
					sec = c;
			if (sec == SIZE_MAX ||
			    (best != SIZE_MAX && sec >= best))
				continue;
			for (size_t j = 0; j < e->n_qs; j++) {
				const struct qslot *o = &e->qs[j];
				if (j != i && o->home == sec && o->relevant &&
				    allowed(e, &o->q)) {
					best = sec;
					break;
				}
			}
		}
		if (best != SIZE_MAX)
			s->sec = best;
	}
}

/* x is asked before y (both relevant, unanswered, allowed). */
static bool asked_before(const engine *e, const struct qslot *x,
			 const struct qslot *y)
{
	int ox = section_order(e, x->sec), oy = section_order(e, y->sec);
	if (ox != oy)
		return ox < oy;
	if (x->q.priority != y->q.priority)
		return x->q.priority < y->q.priority;
	return x < y;
}

/* Would the interview still ask s (relevant, unanswered, allowed)? With a
 * stop, only a red flag that informs a more urgent finding. */
static bool still_asked(const engine *e, const struct qslot *s)
{
	if (!s->relevant || s->ans.text || !allowed(e, &s->q))
		return false;
	if (!e->stop)
		return true;
	if (!s->q.red_flag)
		return false;
	for (size_t j = 0; j < s->q.n_informs; j++) {
		const struct fslot *f = fslot_find(e, s->q.informs[j]);
		if (f && f->f.level_rank < e->level->rank)
			return true;
	}
	return false;
}

static const struct engine_question *next_question(const engine *e)
{
	const struct qslot *flag = NULL, *first = NULL;
	for (size_t i = 0; i < e->n_qs; i++) {
		const struct qslot *s = &e->qs[i];
		if (!still_asked(e, s))
			continue;
		if (s->q.red_flag) {
			if (!flag || asked_before(e, s, flag))
				flag = s;
		} else if (!first || asked_before(e, s, first)) {
			first = s;
		}
	}
	return flag ? &flag->q : first ? &first->q : NULL;
}

/* Whether a finding other than s holds with nothing against it: a
 * gives-way-to-firm finding (no_specific_concern) is not given then. */
static bool firm_besides(const engine *e, const struct fslot *s)
{
	for (size_t i = 0; i < e->n_fs; i++)
		if (&e->fs[i] != s && e->fs[i].supported && !e->fs[i].has_neg)
			return true;
	return false;
}

static int snapshot(engine *e)
{
	int rv;
	reset_snapshot(e);

	if (e->tmpl_relevant)
		for (void *f = EnvGetNextFactInTemplate(e->env, e->tmpl_relevant, NULL);
		     f; f = EnvGetNextFactInTemplate(e->env, e->tmpl_relevant, f)) {
			int type;
			void *sym = ordered_value(e, f, &type);
			const struct ptr_entry *x = sym && type == SYMBOL
							    ? ptr_find(e, sym) : NULL;
			if (x && x->q != NONE)
				e->qs[x->q].relevant = true;
		}

	if ((rv = read_evidence(e)) != 0 || (rv = read_recommends(e)) != 0 ||
	    (rv = apply_recommendation_table(e)) != 0)
		return rv;

	for (size_t i = 0; i < e->n_fs; i++) {
		struct fslot *s = &e->fs[i];
		if (!s->present)
			continue;
		double cf = combine(s);
		s->f.confidence = round(cf * 1000) / 1000;
		s->candidate = passes_evidence(e, s, cf) && !(s->gives_way_to_firm &&
							      firm_besides(e, s));
		if (!sort_by_rank(e, s->because, s->n_because, because_rank) ||
		    !sort_by_rank(e, s->against, s->n_against, because_rank) ||
		    !sort_by_rank(e, s->rules, s->n_rules, rule_rank))
			return ENGINE_ENOMEM;
		s->f.because = s->because;
		s->f.n_because = s->n_because;
		s->f.against = s->against;
		s->f.n_against = s->n_against;
		s->f.rules = s->rules;
		s->f.n_rules = s->n_rules;
	}

	for (size_t i = 0; i < e->n_fs; i++)
		e->fs[i].stops = e->fs[i].supported && e->fs[i].stops_def;
	/* A rule base may still derive the stop itself. */
	if (e->tmpl_stop)
		for (void *f = EnvGetNextFactInTemplate(e->env, e->tmpl_stop, NULL);
		     f; f = EnvGetNextFactInTemplate(e->env, e->tmpl_stop, f)) {
			int type;
			void *sym = ordered_value(e, f, &type);
			struct fslot *s = sym && type == SYMBOL
						  ? fslot_find(e, ValueToString(sym)) : NULL;
			if (s)
				s->stops = true;
		}

	/* The level counts from what is reported now; the stop is named by
	 * the first reported stopping finding in the findings' order (most
	 * urgent, then most certain), whatever the fact order; a finding that
	 * is not reported stops nothing. */
	settle_reported(e, false);
	/* A held stop no longer stops the interview; a stopping finding
	 * more urgent than every held one still does. */
	const struct engine_level *hold = engine_stop_held_level(e);
	for (size_t i = 0; i < e->n_found && !e->stop; i++) {
		/* found[] points at the f member, the first of its fslot. */
		struct fslot *s = (struct fslot *)e->found[i];
		if (s->stops && (!hold || s->f.level_rank < hold->rank))
			e->stop = s->f.id;
	}
	place_questions(e);
	e->next = next_question(e);
	/* A when-complete finding joins once nothing is left to ask; it does
	 * not reopen the interview. */
	if (!e->next)
		settle_reported(e, true);

	e->red_flags_screened = true;
	for (size_t i = 0; i < e->n_qs; i++) {
		const struct qslot *s = &e->qs[i];
		if (s->relevant && s->q.red_flag && !s->ans.text &&
		    allowed(e, &s->q))
			e->red_flags_screened = false;
	}

	/* A recommendation keeps the reported findings behind it, and goes
	 * with the last of them. */
	for (size_t i = 0; i < e->n_rs; i++) {
		struct rslot *s = &e->rs[i];
		if (!s->present)
			continue;
		size_t had = s->n_because, kept = 0;
		for (size_t j = 0; j < had; j++) {
			const struct ptr_entry *x = ptr_find(e, s->because[j]);
			const struct fslot *f = x && x->f != NONE ? &e->fs[x->f]
						  : fslot_find(e, s->because[j]);
			if (f && f->reported)
				s->because[kept++] = s->because[j];
		}
		s->n_because = kept;
		if (had && !kept)
			continue;
		if (!sort_by_rank(e, s->because, s->n_because, because_rank))
			return ENGINE_ENOMEM;
		s->r.because = s->n_because ? s->because : NULL;
		s->r.n_because = s->n_because;
		e->recs[e->n_recs++] = &s->r;
	}
	e->have_run = true;
	return 0;
}

static int run(engine *e)
{
	SetHaltExecution(e->env, FALSE);
	SetEvaluationError(e->env, FALSE);
	EnvSetHaltRules(e->env, FALSE);
	if (e->load_errors) {
		free(e->load_errors);
		e->load_errors = NULL;
		e->load_errors_len = 0;
	}
	e->watchdog_fired = false;
	clock_gettime(CLOCK_MONOTONIC, &e->deadline);
	e->deadline.tv_sec += RUN_DEADLINE_NS / 1000000000LL;
	e->armed = true;
	long fired = EnvRun(e->env, FIRING_CAP);
	e->armed = false;

	bool halted = GetHaltExecution(e->env) || e->watchdog_fired;
	bool runaway = fired >= FIRING_CAP &&
		       EnvGetNextActivation(e->env, NULL) != NULL;
	if (halted || runaway || e->load_errors_len) {
		reset_snapshot(e);
		e->have_run = false;
		SetHaltExecution(e->env, FALSE);
		SetEvaluationError(e->env, FALSE);
		EnvSetHaltRules(e->env, FALSE);
		if (e->watchdog_fired)
			set_error(e, "the rules ran past their time or "
				     "working-memory limit");
		else if (runaway)
			set_error(e, "the rules fired more than %ld times "
				     "without settling", FIRING_CAP);
		else
			set_error(e, "a rule failed while running%s%.400s",
				  e->load_errors_len ? ": " : "",
				  e->load_errors ? e->load_errors : "");
		return ENGINE_ERUN;
	}
	int rv = snapshot(e);
	if (rv == ENGINE_ENOMEM) {
		/* Memory is short: treat it as the environment's own failure. */
		e->oom = true;
		set_error(e, "out of memory");
	}
	return rv;
}

int engine_run(engine *e)
{
	GUARDED(e, run(e));
}

const struct engine_question *engine_next_question(const engine *e)
{
	return e->have_run ? e->next : NULL;
}

size_t engine_section_count(const engine *e)
{
	return e->n_secs;
}

const struct engine_section *engine_section_at(const engine *e, size_t i)
{
	return i < e->n_secs ? &e->secs[i] : NULL;
}

const struct engine_section *engine_section_find(const engine *e,
						 const char *id)
{
	for (size_t i = 0; id && i < e->n_secs; i++)
		if (strcmp(e->secs[i].id, id) == 0)
			return &e->secs[i];
	return NULL;
}

size_t engine_question_section_index(const engine *e,
				     const struct engine_question *q)
{
	size_t i = engine_question_index(e, q);
	if (i == SIZE_MAX)
		return SIZE_MAX;
	return e->have_run ? e->qs[i].sec : e->qs[i].home;
}

void engine_progress(const engine *e, struct engine_progress *p)
{
	*p = (struct engine_progress){ 0 };
	if (!e->have_run)
		return;
	size_t next_sec = e->next ? engine_question_section_index(e, e->next)
				  : SIZE_MAX;
	/* sections holding a relevant question the mode allows; questions
	 * without a section-def count as one section after all others */
	for (size_t c = 0; c <= e->n_secs; c++) {
		size_t sec = c < e->n_secs ? c : SIZE_MAX;
		bool any = false;
		for (size_t i = 0; i < e->n_qs && !any; i++) {
			const struct qslot *s = &e->qs[i];
			any = s->sec == sec && s->relevant && allowed(e, &s->q);
		}
		if (!any)
			continue;
		p->sections++;
		if (e->next && sec == next_sec)
			p->section = p->sections;
	}
	for (size_t i = 0; i < e->n_qs; i++)
		if (still_asked(e, &e->qs[i]))
			p->left++;
}

bool engine_is_complete(const engine *e)
{
	return e->have_run && e->next == NULL;
}

const char *engine_stop_reason(const engine *e)
{
	return e->have_run ? e->stop : NULL;
}

bool engine_red_flags_screened(const engine *e)
{
	return e->have_run && e->red_flags_screened;
}

const struct engine_level *engine_level(const engine *e)
{
	return e->have_run ? e->level : e->default_level;
}

size_t engine_finding_count(const engine *e)
{
	return e->have_run ? e->n_found : 0;
}

const struct engine_finding *engine_finding_at(const engine *e, size_t i)
{
	return i < engine_finding_count(e) ? e->found[i] : NULL;
}

const struct engine_finding *engine_finding_find(const engine *e,
						 const char *id)
{
	for (size_t i = 0; i < engine_finding_count(e); i++)
		if (strcmp(e->found[i]->id, id) == 0)
			return e->found[i];
	return NULL;
}

size_t engine_recommendation_count(const engine *e)
{
	return e->have_run ? e->n_recs : 0;
}

const struct engine_recommendation *engine_recommendation_at(const engine *e,
							     size_t i)
{
	return i < engine_recommendation_count(e) ? e->recs[i] : NULL;
}

bool engine_question_is_relevant(const engine *e, const char *id)
{
	struct qslot *s = qslot_find(e, id);
	return e->have_run && s && s->relevant;
}

/* --------------------------------------------------------------- coverage */

static int coverage_enable(engine *e)
{
	e->coverage = true;
	for (size_t i = 0; i < e->n_rules; i++)
		e->rules[i].fired = 0;
	return EnvWatch(e->env, "rules") ? 0 : ENGINE_ERUN;
}

int engine_coverage_enable(engine *e)
{
	GUARDED(e, coverage_enable(e));
}

size_t engine_rule_count(const engine *e) { return e->n_rules; }

const char *engine_rule_name(const engine *e, size_t i)
{
	return i < e->n_rules ? e->rules[i].name : NULL;
}

unsigned long engine_rule_fired(const engine *e, size_t i)
{
	return i < e->n_rules ? e->rules[i].fired : 0;
}

bool engine_rule_exists(const engine *e, const char *name)
{
	return rule_find(e, name) != SIZE_MAX;
}

/* ------------------------------------------------------------------ check */

struct checker {
	void (*report)(void *, const char *);
	void *ctx;
	size_t n;
};

static void problem(struct checker *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problem(struct checker *c, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->n++;
	if (c->report)
		c->report(c->ctx, msg);
}

static bool blank(const char *s)
{
	return !s || !*s;
}

static bool is_declared_relation(const engine *e, const char *name)
{
	void *t = EnvFindDeftemplate(e->env, "relation");
	for (void *f = t ? EnvGetNextFactInTemplate(e->env, t, NULL) : NULL; f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		DATA_OBJECT v;
		if (EnvGetFactSlot(e->env, f, "id", &v) && GetType(v) == SYMBOL &&
		    strcmp(DOToString(v), name) == 0)
			return true;
	}
	return false;
}

/* True when text names the specification or a seed file (NNN_ and 16 hex
 * digits, or a .txt file): words a user must never read. */
static bool names_internal_document(const char *text)
{
	if (!text)
		return false;
	if (strstr(text, "SPEC") || strstr(text, ".txt"))
		return true;
	for (const char *p = text; *p; p++) {
		size_t i = 0;
		while (i < 3 && p[i] >= '0' && p[i] <= '9')
			i++;
		if (i < 3 || p[3] != '_')
			continue;
		size_t h = 0;
		while (h < 16 && p[4 + h] && strchr("0123456789abcdefABCDEF", p[4 + h]))
			h++;
		if (h == 16)
			return true;
	}
	return false;
}

static void check_text(struct checker *c, const char *what, const char *id,
		       const char *field, const char *text)
{
	if (names_internal_document(text))
		problem(c, "%s '%s': the %s names the specification or a "
			   "seed file", what, id, field);
}

/* The value of "(name VALUE" inside [p, end), or NULL. */
static const char *pp_field(const char *p, const char *end, const char *name,
			    size_t *len)
{
	size_t nl = strlen(name);
	for (const char *q = p; q + nl + 2 < end; q++) {
		if (q[0] != '(' || strncmp(q + 1, name, nl) != 0 || q[nl + 1] != ' ')
			continue;
		const char *v = q + nl + 2;
		*len = strcspn(v, " )");
		return v;
	}
	return NULL;
}

/* Rules that assert negative evidence for a red flag, found in their text
 * (a rule base loaded from a binary image keeps no text: then only runs
 * reveal it, see read_evidence). */
static void check_red_flag_evidence(const engine *e, struct checker *c)
{
	for (void *r = EnvGetNextDefrule(e->env, NULL); r;
	     r = EnvGetNextDefrule(e->env, r)) {
		const char *pp = EnvGetDefrulePPForm(e->env, r);
		for (const char *p = pp ? strstr(pp, "(evidence ") : NULL; p;
		     p = strstr(p + 1, "(evidence ")) {
			int depth = 0;
			const char *end = p;
			for (; *end; end++) {
				if (*end == '(')
					depth++;
				else if (*end == ')' && --depth == 0)
					break;
			}
			size_t fl, cl;
			const char *fv = pp_field(p + 1, end, "finding", &fl);
			const char *cv = pp_field(p + 1, end, "cf", &cl);
			if (!fv || !cv || *cv != '-' || fl >= 128)
				continue;
			char id[128];
			snprintf(id, sizeof(id), "%.*s", (int)fl, fv);
			const struct fslot *f = fslot_find(e, id);
			if (f && f->red_flag)
				problem(c, "rule '%s' gives red flag '%s' negative "
					   "evidence", EnvGetDefruleName(e->env, r),
					id);
		}
	}
}

static void check_citations(const engine *e, struct checker *c)
{
	for (size_t i = 0; i < e->n_cits; i++) {
		const struct engine_citation *ct = &e->cits[i];
		if (blank(ct->title))
			problem(c, "citation '%s' has no title", ct->id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->cits[j].id, ct->id) == 0)
				problem(c, "citation '%s' is defined twice", ct->id);
		check_text(c, "citation", ct->id, "text", ct->text);
		check_text(c, "citation", ct->id, "note", ct->note);
		bool cited = false;
		for (size_t j = 0; !cited && j < e->n_fs; j++)
			for (size_t k = 0; k < e->fs[j].f.n_cites; k++)
				if (strcmp(e->fs[j].f.cites[k], ct->id) == 0)
					cited = true;
		for (size_t j = 0; !cited && j < e->n_rs; j++)
			for (size_t k = 0; k < e->rs[j].r.n_cites; k++)
				if (strcmp(e->rs[j].r.cites[k], ct->id) == 0)
					cited = true;
		if (!cited)
			problem(c, "citation '%s' is cited by no finding or "
				   "recommendation", ct->id);
	}
}

/* Whether finding from can reach finding to by giving way, in two steps or
 * more (a finding that gives way to itself is reported on its own). */
static bool gives_way_through(const engine *e, size_t from, size_t to,
			      bool *seen)
{
	const struct engine_finding *f = &e->fs[from].f;
	for (size_t j = 0; j < f->n_gives_way_to; j++) {
		size_t t = index_find(&e->fix, e, finding_id_at, f->gives_way_to[j]);
		if (t == SIZE_MAX || t == from || seen[t])
			continue;
		if (t == to)
			return true;
		seen[t] = true;
		if (gives_way_through(e, t, to, seen))
			return true;
	}
	return false;
}

/* Every finding and recommendation cites at least one existing citation.
 * Required only once the rule base has a bibliography at all, so that a
 * rule base from before citations (sources as text) still passes. */
static void check_cites(const engine *e, struct checker *c, const char *what,
			const char *id, const char *const *cites, size_t n)
{
	if (e->n_cits == 0)
		return;
	if (n == 0)
		problem(c, "%s '%s' cites no citation", what, id);
	for (size_t i = 0; i < n; i++)
		if (!engine_citation_find(e, cites[i]))
			problem(c, "%s '%s' cites undefined citation '%s'", what,
				id, cites[i]);
}

/* unit-def facts: for a unit some question asks in, each word once. */
static void check_units(const engine *e, struct checker *c)
{
	for (size_t i = 0; i < e->n_units; i++) {
		const struct unit_def *u = &e->units[i];
		bool asked = false;
		for (size_t q = 0; q < e->n_qs && !asked; q++)
			asked = strcmp(e->qs[q].q.unit, u->unit) == 0;
		if (!asked && (i == 0 || strcmp(e->units[i - 1].unit, u->unit)))
			problem(c, "unit-def names unit '%s', which no question "
				"asks in", u->unit);
		for (size_t w = 0; w < u->n_words; w++)
			for (size_t j = 0; j <= i; j++) {
				const struct unit_def *o = &e->units[j];
				if (strcmp(o->unit, u->unit) != 0)
					continue;
				size_t last = j == i ? w : o->n_words;
				size_t k = 0;
				while (k < last &&
				       strcasecmp(o->words[k], u->words[w]) != 0)
					k++;
				if (k < last) {
					problem(c, "unit word '%s' of '%s' is "
						"given twice", u->words[w], u->unit);
					j = i;
				}
			}
	}
}

size_t engine_check(const engine *e,
		    void (*report)(void *ctx, const char *problem), void *ctx)
{
	struct checker c = { report, ctx, 0 };

	/* Relations: an implied template is an ordered fact some rule uses. */
	for (void *t = EnvGetNextDeftemplate(e->env, NULL); t;
	     t = EnvGetNextDeftemplate(e->env, t)) {
		const struct deftemplate *d = t;
		const char *name = EnvGetDeftemplateName(e->env, t);
		if (!d->implied || strcmp(name, "initial-fact") == 0)
			continue;
		if (!engine_question_find(e, name) &&
		    !is_declared_relation(e, name))
			problem(&c, "rules use relation '%s', which is neither "
				    "a question id nor a declared relation", name);
	}

	for (size_t i = 0; i < e->n_qs; i++) {
		const struct qslot *s = &e->qs[i];
		const struct engine_question *q = &s->q;
		if (!s->tmpl)
			problem(&c, "question '%s' is read by no rule", q->id);
		if (blank(q->clinician_text) || blank(q->patient_text))
			problem(&c, "question '%s' lacks clinician or patient "
				    "wording", q->id);
		if (blank(q->why))
			problem(&c, "question '%s' does not say why it is asked",
				q->id);
		/* (a symbol slot left out reads as nil) */
		if (blank(q->section) || strcmp(q->section, "nil") == 0)
			problem(&c, "question '%s' has no section", q->id);
		/* Once the rule base orders its sections, every section a
		 * question names must be one of them. */
		else if (e->n_secs && !engine_section_find(e, q->section))
			problem(&c, "question '%s' names section '%s', which "
				"has no section-def", q->id, q->section);
		for (size_t k = 0; e->n_secs && k < q->n_also_in; k++)
			if (!engine_section_find(e, q->also_in[k]))
				problem(&c, "question '%s' is also in section "
					"'%s', which has no section-def", q->id,
					q->also_in[k]);
		if (q->type != ENGINE_TYPE_YESNO && q->type != ENGINE_TYPE_CHOICE &&
		    !(q->min < q->max))
			problem(&c, "question '%s' has an empty range", q->id);
		if (q->type == ENGINE_TYPE_CHOICE && !q->choice_labels)
			problem(&c, "question '%s' lacks a plain label for each "
				    "choice", q->id);
		for (size_t j = 0; j < q->n_choices; j++)
			if (strcmp(q->choices[j], "skip") == 0)
				problem(&c, "question '%s' uses the reserved "
					    "choice 'skip'", q->id);
		for (size_t j = 0; j < q->n_informs; j++)
			if (!engine_finding_def_find(e, q->informs[j]))
				problem(&c, "question '%s' informs undefined "
					    "finding '%s'", q->id, q->informs[j]);
		if (q->n_informs == 0)
			problem(&c, "question '%s' informs no finding", q->id);
		check_text(&c, "question", q->id, "clinician text",
			   q->clinician_text);
		check_text(&c, "question", q->id, "patient text", q->patient_text);
		check_text(&c, "question", q->id, "why", q->why);
		for (size_t j = 0; q->choice_labels && j < q->n_choices; j++)
			check_text(&c, "question", q->id, "choice label",
				   q->choice_labels[j]);
	}

	for (size_t i = 0; i < e->n_fs; i++) {
		const struct engine_finding *f = &e->fs[i].f;
		if (strcmp(f->kind, "red_flag") && strcmp(f->kind, "relationship") &&
		    strcmp(f->kind, "risk") && strcmp(f->kind, "scope"))
			problem(&c, "finding '%s' has no valid kind", f->id);
		if (blank(f->source))
			problem(&c, "finding '%s' names no source", f->id);
		if (blank(f->title) || blank(f->clinician_text) ||
		    blank(f->patient_text))
			problem(&c, "finding '%s' lacks a title, clinician or "
				    "patient wording", f->id);
		for (size_t j = 0; j < i; j++)
			if (strcmp(e->fs[j].f.id, f->id) == 0)
				problem(&c, "finding '%s' is defined twice", f->id);
		for (size_t j = 0; j < f->n_gives_way_to; j++) {
			if (strcmp(f->gives_way_to[j], f->id) == 0)
				problem(&c, "finding '%s' gives way to itself",
					f->id);
			else if (!engine_finding_def_find(e, f->gives_way_to[j]))
				problem(&c, "finding '%s' gives way to undefined "
					    "finding '%s'", f->id,
					f->gives_way_to[j]);
		}
		bool *seen = calloc(e->n_fs, sizeof(*seen));
		if (seen && gives_way_through(e, i, i, seen))
			problem(&c, "finding '%s' gives way in a circle", f->id);
		free(seen);
		check_cites(e, &c, "finding", f->id, f->cites, f->n_cites);
		check_text(&c, "finding", f->id, "title", f->title);
		check_text(&c, "finding", f->id, "clinician text",
			   f->clinician_text);
		check_text(&c, "finding", f->id, "patient text", f->patient_text);
		check_text(&c, "finding", f->id, "safety-net", f->safety_net);
	}

	for (size_t i = 0; i < e->n_rs; i++) {
		const struct engine_recommendation *r = &e->rs[i].r;
		if (blank(r->source))
			problem(&c, "recommendation '%s' names no source", r->id);
		if (blank(r->title) || blank(r->clinician_text) ||
		    blank(r->patient_text))
			problem(&c, "recommendation '%s' lacks a title, clinician "
				    "or patient wording", r->id);
		check_cites(e, &c, "recommendation", r->id, r->cites, r->n_cites);
		check_text(&c, "recommendation", r->id, "title", r->title);
		check_text(&c, "recommendation", r->id, "clinician text",
			   r->clinician_text);
		check_text(&c, "recommendation", r->id, "patient text",
			   r->patient_text);
	}
	check_citations(e, &c);
	check_red_flag_evidence(e, &c);
	check_units(e, &c);

	for (size_t i = 0; i < e->n_levels; i++) {
		const struct engine_level *l = &e->levels[i];
		if (blank(l->clinician_text) || blank(l->patient_text) ||
		    blank(l->safety_net))
			problem(&c, "level '%s' lacks wording or safety-netting",
				l->id);
		check_text(&c, "level", l->id, "clinician text",
			   l->clinician_text);
		check_text(&c, "level", l->id, "patient text", l->patient_text);
		check_text(&c, "level", l->id, "safety-net", l->safety_net);
	}

	for (size_t i = 0; i < e->n_anomalies; i++)
		problem(&c, "%s", e->anomalies[i]);
	return c.n;
}

/* ------------------------------------------------------ amounts in units */

/* By unit, then from the smallest amount to the largest. */
static int cmp_unit(const void *a, const void *b)
{
	const struct unit_def *x = a, *y = b;
	int c = strcmp(x->unit, y->unit);
	if (c)
		return c;
	double fx = x->factor / x->per, fy = y->factor / y->per;
	return (fx > fy) - (fx < fy);
}

/* The unit-def facts (none when the rule base has no such template). */
static int read_units(engine *e)
{
	void *t = template_named(e, "unit-def");
	if (!t)
		return 0;
	size_t n = count_facts(e, t);
	e->units = calloc(n ? n : 1, sizeof(*e->units));
	if (!e->units)
		return ENGINE_ENOMEM;
	for (void *f = EnvGetNextFactInTemplate(e->env, t, NULL); f;
	     f = EnvGetNextFactInTemplate(e->env, t, f)) {
		struct unit_def *u = &e->units[e->n_units++];
		u->unit = slot_str(e, f, "unit");
		u->one = slot_str(e, f, "one");
		u->words = slot_list(e, f, "words", &u->n_words);
		u->factor = slot_num(e, f, "factor");
		u->per = slot_num(e, f, "per");
		if (!u->unit || !u->one || (u->n_words && !u->words))
			return ENGINE_ENOMEM;
		if (!(u->factor > 0) || !(u->per > 0)) {
			set_error(e, "unit-def for '%s' needs a factor and a per "
				  "above 0", u->unit);
			return ENGINE_ELOAD;
		}
	}
	qsort(e->units, e->n_units, sizeof(*e->units), cmp_unit);
	return 0;
}

/* "unit words" of q's unit for a message: the longest word of each
 * unit-def, e.g. "days, weeks, months or years". */
static void unit_words(const engine *e, const char *unit, char *buf,
		       size_t size)
{
	size_t used = 0, k = 0, n = 0;
	for (size_t i = 0; i < e->n_units; i++)
		n += strcmp(e->units[i].unit, unit) == 0 &&
		     e->units[i].n_words > 0;
	buf[0] = '\0';
	for (size_t i = 0; i < e->n_units; i++) {
		const struct unit_def *u = &e->units[i];
		if (strcmp(u->unit, unit) != 0 || !u->n_words)
			continue;
		const char *w = u->words[0];
		for (size_t j = 1; j < u->n_words; j++)
			if (strlen(u->words[j]) > strlen(w))
				w = u->words[j];
		int r = snprintf(buf + used, size - used, "%s%s",
				 k == 0 ? "" : k + 1 == n ? " or " : ", ", w);
		if (r < 0 || (size_t)r >= size - used)
			return;
		used += (size_t)r;
		k++;
	}
}

int engine_answer_convert(engine *e, const char *id, const char *text,
			  char *buf, size_t size)
{
	const struct engine_question *q = engine_question_find(e, id);
	if (!q)
		return unknown_question(e, id);
	snprintf(buf, size, "%s", text);
	if (q->type != ENGINE_TYPE_INTEGER && q->type != ENGINE_TYPE_NUMBER)
		return ENGINE_CONVERT_NONE;
	/* an amount, then a word: "2y", "18 months", "1.5 years" */
	const char *p = text;
	while (*p == ' ')
		p++;
	const char *num = p;
	if (*p == '-' || *p == '+')
		p++;
	size_t digits = 0, dots = 0;
	for (; (*p >= '0' && *p <= '9') || *p == '.'; p++) {
		if (*p == '.')
			dots++;
		else
			digits++;
	}
	if (!digits || dots > 1)
		return ENGINE_CONVERT_NONE;
	size_t num_len = (size_t)(p - num);
	while (*p == ' ')
		p++;
	const char *word = p;
	size_t wl = 0;
	while ((word[wl] >= 'a' && word[wl] <= 'z') ||
	       (word[wl] >= 'A' && word[wl] <= 'Z'))
		wl++;
	const char *rest = word + wl;
	while (*rest == ' ')
		rest++;
	if (!wl || *rest)
		return ENGINE_CONVERT_NONE;
	bool any = false;
	const struct unit_def *hit = NULL;
	for (size_t i = 0; i < e->n_units && !hit; i++) {
		const struct unit_def *u = &e->units[i];
		if (strcmp(u->unit, q->unit) != 0)
			continue;
		any = true;
		for (size_t j = 0; j < u->n_words && !hit; j++)
			if (strlen(u->words[j]) == wl &&
			    strncasecmp(u->words[j], word, wl) == 0)
				hit = u;
	}
	if (!any)
		return ENGINE_CONVERT_NONE;     /* no conversions: as typed */
	if (!hit) {
		char words[256];
		unit_words(e, q->unit, words, sizeof(words));
		set_error(e, "'%s' takes a number of %s, or an amount in %s",
			  q->id, q->unit, words);
		return ENGINE_EINVAL;
	}
	char amount[64];
	if (num_len >= sizeof(amount))
		return range_error(e, q);
	memcpy(amount, num, num_len);
	amount[num_len] = '\0';
	errno = 0;
	double x = strtod(amount, NULL);
	if (errno || !isfinite(x))
		return range_error(e, q);
	double y = x * hit->factor / hit->per;
	if (!isfinite(y) || fabs(y) > 1e15)
		return range_error(e, q);
	/* to the nearest whole unit (hundredth for a number), never 0 for
	 * an amount that is not 0 */
	double step = q->type == ENGINE_TYPE_INTEGER ? 1 : 0.01;
	double r = floor(fabs(y) / step + 0.5) * step;
	if (r == 0 && y != 0)
		r = step;
	if (y < 0)
		r = -r;
	if (q->type == ENGINE_TYPE_INTEGER) {
		char t[24];
		format_long((long long)r, t);
		snprintf(buf, size, "%s", t);
	} else {
		format_number(r, buf, size);
	}
	return hit->factor == hit->per && r == y ? ENGINE_CONVERT_OWN
						 : ENGINE_CONVERT_DONE;
}

bool engine_unit_has_conversions(const engine *e, const char *id)
{
	const struct engine_question *q = engine_question_find(e, id);
	for (size_t i = 0; q && *q->unit && i < e->n_units; i++)
		if (strcmp(e->units[i].unit, q->unit) == 0)
			return true;
	return false;
}

/* ------------------------------------------ what the rule sources say */

/* Past spaces and ; comments. */
static const char *skip_blank(const char *p, const char *end)
{
	while (p < end) {
		if (*p == ';') {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			p++;
		} else {
			break;
		}
	}
	return p;
}

/* Past a string that starts at p (on its opening quote). */
static const char *skip_string(const char *p, const char *end)
{
	for (p++; p < end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < end)
			p++;
	return p < end ? p + 1 : end;
}

/* Past the form that opens at p, strings and comments included. */
static const char *form_end(const char *p, const char *end)
{
	int depth = 0;
	while (p < end) {
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p == ';') {
			p = skip_blank(p, end);
			continue;
		}
		if (*p == '(')
			depth++;
		else if (*p == ')' && --depth == 0)
			return p + 1;
		p++;
	}
	return end;
}

/* The length of the symbol at p. */
static size_t token_len(const char *p, const char *end)
{
	size_t n = 0;
	while (p + n < end && !strchr(" \t\r\n()\";", p[n]))
		n++;
	return n;
}

static bool token_is(const char *p, const char *end, const char *word)
{
	size_t n = token_len(p, end);
	return n == strlen(word) && strncmp(p, word, n) == 0;
}

static char *token_dup(const char *p, size_t n)
{
	char *t = malloc(n + 1);
	if (t) {
		memcpy(t, p, n);
		t[n] = '\0';
	}
	return t;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return (x > y) - (x < y);
}

/*
 * One defrule (p on its opening parenthesis, end past its close): a
 * rule_use for each evidence fact it asserts with a finding named.
 */
static int parse_rule(engine *e, const char *p, const char *end,
		      size_t *cap)
{
	int rv = 0;
	char *name = NULL, *doc = NULL;
	size_t *qs = NULL, n_qs = 0, cap_qs = 0;
	p = skip_blank(p + 1 + strlen("defrule"), end);
	size_t nl = token_len(p, end);
	if (!nl || !(name = token_dup(p, nl)))
		return nl ? ENGINE_ENOMEM : 0;
	p = skip_blank(p + nl, end);
	if (p < end && *p == '"') {
		const char *close = skip_string(p, end);
		size_t n = 0;
		if (!(doc = malloc((size_t)(close - p) + 1))) {
			rv = ENGINE_ENOMEM;
			goto out_free;
		}
		for (const char *c = p + 1; c < close - 1; c++) {
			if (*c == '\\' && c + 1 < close - 1)
				c++;
			doc[n++] = *c;
		}
		doc[n] = '\0';
		p = close;
	}
	/* The conditions up to "=>": every question id a pattern opens
	 * with. */
	const char *arrow = NULL;
	for (const char *c = p; c < end && !arrow;) {
		if (*c == '"') {
			c = skip_string(c, end);
		} else if (*c == ';') {
			c = skip_blank(c, end);
		} else if (*c == '=' && c + 1 < end && c[1] == '>') {
			arrow = c + 2;
		} else if (*c == '(') {
			size_t n = token_len(c + 1, end);
			char id[128];
			if (n && n < sizeof(id)) {
				memcpy(id, c + 1, n);
				id[n] = '\0';
				struct qslot *q = qslot_find(e, id);
				if (q) {
					if (!grow(&qs, &cap_qs, n_qs + 1, sizeof(*qs))) {
						rv = ENGINE_ENOMEM;
						goto out_free;
					}
					qs[n_qs++] = (size_t)(q - e->qs);
				}
			}
			c++;
		} else {
			c++;
		}
	}
	if (!arrow)
		goto out_free;
	if (n_qs)
		qsort(qs, n_qs, sizeof(*qs), cmp_size);
	/* The actions: (evidence ... (finding X) ... (cf N) ...). */
	for (const char *c = arrow; c < end;) {
		if (*c == '"') {
			c = skip_string(c, end);
			continue;
		}
		if (*c != '(' || !token_is(c + 1, end, "evidence")) {
			c++;
			continue;
		}
		const char *stop = form_end(c, end);
		char *finding = NULL;
		int sign = 0;
		for (const char *f = c + 1; f < stop; f++) {
			if (*f != '(')
				continue;
			const char *v = skip_blank(f + 1 + token_len(f + 1, stop), stop);
			size_t vl = token_len(v, stop);
			if (token_is(f + 1, stop, "finding") && vl && *v != '?' &&
			    !finding && !(finding = token_dup(v, vl))) {
				rv = ENGINE_ENOMEM;
				goto out_free;
			}
			if (token_is(f + 1, stop, "cf") && vl)
				sign = *v == '-' ? -1
				       : (*v >= '0' && *v <= '9') && strtod(v, NULL) > 0 ? 1
				       : 0;
		}
		c = stop;
		if (!finding)
			continue;
		if (!grow(&e->uses, cap, e->n_uses + 1, sizeof(*e->uses))) {
			free(finding);
			rv = ENGINE_ENOMEM;
			goto out_free;
		}
		struct rule_use *u = &e->uses[e->n_uses];
		memset(u, 0, sizeof(*u));
		u->finding = finding;
		u->sign = sign;
		u->rule = xstrdup(name);
		u->doc = xstrdup(doc ? doc : "");
		u->reads = n_qs ? calloc(n_qs, sizeof(*u->reads)) : NULL;
		e->n_uses++;
		if (!u->rule || !u->doc || (n_qs && !u->reads)) {
			rv = ENGINE_ENOMEM;
			goto out_free;
		}
		for (size_t i = 0; i < n_qs; i++)
			if (i == 0 || qs[i] != qs[i - 1])
				u->reads[u->n_reads++] = e->qs[qs[i]].q.id;
	}
out_free:
	free(name);
	free(doc);
	free(qs);
	return rv;
}

/* Every defrule of one source text. */
static int parse_source(engine *e, const char *p, size_t len, size_t *cap)
{
	const char *end = p + len;
	while (p < end) {
		p = skip_blank(p, end);
		if (p >= end)
			break;
		if (*p == '"') {
			p = skip_string(p, end);
			continue;
		}
		if (*p != '(') {
			p++;
			continue;
		}
		const char *close = form_end(p, end);
		if (token_is(skip_blank(p + 1, end), end, "defrule")) {
			int rv = parse_rule(e, p, close, cap);
			if (rv)
				return rv;
		}
		p = close;
	}
	return 0;
}

int engine_finding_rules(engine *e, const char *id,
			 const struct engine_rule_use **uses, size_t *n)
{
	*uses = NULL;
	*n = 0;
	if (!engine_finding_def_find(e, id)) {
		set_error(e, "unknown finding '%.64s'", id);
		return ENGINE_EINVAL;
	}
	if (!e->uses_read) {
		size_t cap = 0;
		int rv = 0;
		if (e->src) {
			for (size_t i = 0; i < e->n_src && !rv; i++)
				rv = parse_source(e, e->src[i].text, e->src[i].len,
						  &cap);
		} else {
			for (size_t i = 0; i < rules_source_count && !rv; i++)
				rv = parse_source(e, rules_source[i].text,
						  rules_source[i].len, &cap);
		}
		if (rv) {
			set_error(e, "out of memory");
			return rv;
		}
		e->uses_read = true;
	}
	size_t k = 0;
	for (size_t i = 0; i < e->n_uses; i++) {
		const struct rule_use *u = &e->uses[i];
		if (strcmp(u->finding, id) != 0)
			continue;
		if (!grow(&e->uview, &e->cap_uview, k + 1, sizeof(*e->uview))) {
			set_error(e, "out of memory");
			return ENGINE_ENOMEM;
		}
		e->uview[k++] = (struct engine_rule_use){
			.rule = u->rule, .doc = u->doc, .sign = u->sign,
			.reads = u->reads, .n_reads = u->n_reads,
			.fired = false,
		};
		const struct engine_finding *f = engine_finding_def_find(e, id);
		for (size_t r = 0; r < f->n_rules; r++)
			if (strcmp(f->rules[r], u->rule) == 0)
				e->uview[k - 1].fired = true;
	}
	*uses = e->uview;
	*n = k;
	return 0;
}

const struct engine_finding *engine_finding_state(const engine *e,
						  const char *id)
{
	return engine_finding_def_find(e, id);
}

const char *engine_unit_word(const engine *e, const char *id,
			     const char *amount)
{
	const struct engine_question *q = engine_question_find(e, id);
	if (!q)
		return "";
	if (amount && strcmp(amount, "1") == 0)
		for (size_t i = 0; i < e->n_units; i++)
			if (strcmp(e->units[i].unit, q->unit) == 0 &&
			    *e->units[i].one)
				return e->units[i].one;
	return q->unit;
}
