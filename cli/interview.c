/*
 * interview.c — the clinician interview at a terminal:
 *
 *   msktriage [interview] [--label TEXT] [--clinician NAME]
 *   msktriage resume ID|CODE
 *
 * One loop asks the engine's next question in clinician wording and takes
 * either an answer (short forms mapped here to the canonical text) or a
 * command (why, how, whynot, back, change, set, skip, summary, note, help,
 * quit). An amount typed in another unit ("18 months" where weeks are
 * asked) is converted with the rule base's unit words and echoed.
 * Keeping the engine and the store in step is the interview core's
 * (cli/session.h): this file shows what each action changed and asks the
 * clinician what to do when the store cannot take an answer (retry, or keep
 * the answers in a file: the clinician's choice, never the kiosk's).
 *
 * Whatever an answer changed is shown: red flags the moment they appear
 * (with their level and the action to take), new findings, and findings or
 * answers withdrawn. A finding whose level stops the interview ends it:
 * clear instructions, then the session is marked emergency_stopped with its
 * conclusions, and the clinician may add a note, sign off, continue the
 * assessment for the record (the stop held by the core: its banner on every
 * later screen, the level never lower) or quit (docs/interview-stop.md).
 *
 * Only commands go into the readline history, never answers, labels or
 * notes. All clinical wording comes from the rule base.
 */
#include "cli/cli.h"
#include "cli/report.h"
#include "cli/result.h"
#include "cli/session.h"
#include "cli/store.h"
#include "cli/term.h"
#include "db/db.h"
#include "engine/engine.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

struct iv {
	const struct cli_options *opt;
	struct term_out out;
	engine *e;
	db *d;
	session *s;             /* the interview core */
	char *clinician;        /* author of notes and sign-off, if known */

	const struct engine_question *changing; /* `change ID` under way */
	const struct engine_question *shown;    /* last question printed */
	bool quit;

	/* Completion candidates, rebuilt for each attempt. */
	const char **cands;
	size_t cap_cands;
};

enum outcome {
	GO_ON,
	QUIT,           /* saved in progress, by choice: exit 0 */
	INPUT_ENDED,    /* end of input before the end: exit 1 */
	FAILED,         /* runtime failure: exit 1 */
};

static const char *const commands[] = {
	"why", "how", "whynot", "back", "change", "set", "skip", "summary",
	"note", "help", "quit", "continue", NULL
};

/*
 * Print the program's own message, formatted, in attr (TERM_RESET: no
 * colour). Each whole line of it is wrapped at the terminal's width
 * (term_wrap()): indented as it starts, and its continuation lines two
 * columns further in. A line that holds colour of its own, or the start of
 * a line that the next call finishes, is printed as it is: those are
 * short, or wrapped where they are built.
 */
static void vsay(struct iv *v, enum term_attr attr, const char *fmt,
		 va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	char *text = n >= 0 ? malloc((size_t)n + 1) : NULL;
	if (text)
		vsnprintf(text, (size_t)n + 1, fmt, again);
	va_end(again);
	if (!text)
		return;
	char *p = text;
	for (char *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		int lead = (int)strspn(p, " ");
		if (strchr(p, '\033'))
			fprintf(v->out.f, "%s\n", p);
		else if (p[lead])
			term_wrap(&v->out, lead, lead + 2, attr, p + lead);
		else
			fputc('\n', v->out.f);
	}
	fputs(p, v->out.f);
	free(text);
}

static void say(struct iv *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void say_in(struct iv *v, enum term_attr attr, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(struct iv *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(v, TERM_RESET, fmt, ap);
	va_end(ap);
}

static void say_in(struct iv *v, enum term_attr attr, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsay(v, attr, fmt, ap);
	va_end(ap);
}

#define SAY(v, ...) say((v), __VA_ARGS__)

/* ------------------------------------------------------------ utilities */

/*
 * A prompt that leaves at least 20 columns to type in: a longer one is
 * wrapped, all its lines but the last printed here, and the last returned
 * (in buf) for the prompt itself.
 */
static const char *fit(struct iv *v, const char *prompt, char *buf,
		       size_t size)
{
	int room = v->out.width - 1 - 20;
	if (term_columns(prompt) <= room)
		return prompt;
	char *lines = term_wrap_text(room > 20 ? room + 1 : 21, 0, 0, prompt);
	if (!lines)
		return prompt;
	size_t n = strlen(lines);
	if (n && lines[n - 1] == '\n')
		lines[--n] = '\0';
	char *last = strrchr(lines, '\n');
	if (last) {
		fwrite(lines, 1, (size_t)(last - lines) + 1, v->out.f);
		fflush(v->out.f);
	}
	snprintf(buf, size, "%s ", last ? last + 1 : lines);
	free(lines);
	return buf;
}

#define FIT(v, prompt, buf) fit((v), (prompt), (buf), sizeof(buf))


static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	size_t n = strlen(s);
	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* A stop by a finding whose level ends the interview is an emergency stop
 * (as cli_session_status() decides); other stops (out of scope) complete
 * it. */
static bool is_emergency(const engine *e, const char *finding)
{
	const struct engine_finding *f = engine_finding_find(e, finding);
	const struct engine_level *l = f ? engine_level_find(e, f->level) : NULL;
	return l && l->stops;
}

/* --------------------------------------------------------------- showing */

static void format_num(char *buf, size_t size, double x)
{
	snprintf(buf, size, "%g", x);
}

/* True if a choice's label is its value in words: the same letters, case
 * aside, with spaces for the underscores ("Very much", very_much). */
static bool same_words(const char *label, const char *value)
{
	for (; *label && *value; label++, value++) {
		char a = (char)tolower((unsigned char)*label);
		char b = *value == '_' ? ' ' : (char)tolower((unsigned char)*value);
		if (a != b)
			return false;
	}
	return !*label && !*value;
}

/* The allowed answers of q in one line, e.g. "yes, no, unsure (y, n, u)". */
static void allowed(const struct engine_question *q, char *buf, size_t size)
{
	char lo[32], hi[32];
	size_t used = 0;
	format_num(lo, sizeof(lo), q->min);
	format_num(hi, sizeof(hi), q->max);
	switch (q->type) {
	case ENGINE_TYPE_YESNO:
		snprintf(buf, size, "yes, no or unsure (y, n, u)");
		return;
	case ENGINE_TYPE_INTEGER:
		snprintf(buf, size, "a whole number from %s to %s%s%s", lo, hi,
			 *q->unit ? " " : "", q->unit);
		return;
	case ENGINE_TYPE_NUMBER:
		snprintf(buf, size, "a number from %s to %s%s%s", lo, hi,
			 *q->unit ? " " : "", q->unit);
		return;
	case ENGINE_TYPE_SCALE:
		snprintf(buf, size, "%s to %s (0 none, 10 worst)", lo, hi);
		return;
	case ENGINE_TYPE_CHOICE:
		buf[0] = '\0';
		for (size_t i = 0; i < q->n_choices; i++) {
			const char *label = q->choice_labels && i < q->n_choices
						    ? q->choice_labels[i] : NULL;
			/* Every option in words: the label alone where it
			 * says the value ("Very much" for very_much), else
			 * the value and its label. */
			bool none = !label || !*label;
			bool same = !none && same_words(label, q->choices[i]);
			int w = snprintf(buf + used, size - used, "%s%zu %s%s%s%s",
					 i ? ", " : "", i + 1,
					 same ? label : q->choices[i],
					 none || same ? "" : " (",
					 none || same ? "" : label,
					 none || same ? "" : ")");
			if (w < 0 || (size_t)w >= size - used)
				return;
			used += (size_t)w;
		}
		return;
	}
	snprintf(buf, size, "?");
}

/*
 * The emergency banner of an assessment continued after a stop, in one
 * line per stop: it stays on every screen until the session ends.
 */
static void show_stop_banner(struct iv *v)
{
	for (size_t i = 0; i < engine_stop_held_count(v->e); i++) {
		const char *id = engine_stop_held_at(v->e, i);
		const struct engine_finding *f = engine_finding_def_find(v->e, id);
		const struct engine_level *l =
			f ? engine_level_find(v->e, f->level) : NULL;
		char line[1024];
		snprintf(line, sizeof(line), "!! EMERGENCY STOP (%s): %s. %s "
			 "[continued for the record%s]", l ? l->id : "?",
			 f ? f->title : id, l ? l->clinician_text : "",
			 engine_finding_find(v->e, id) ? ""
			 : "; the answers now no longer support it");
		term_wrap(&v->out, 0, 3, TERM_RED, line);
	}
}

/*
 * Where the interview stands, above the next question: its section's title
 * and position among the sections with relevant questions, and about how
 * many questions are left ("Knee · section 5 of 9 · about 14 questions
 * left"). Everything comes from the engine (section-def, relevance).
 */
static void show_progress(struct iv *v, const struct engine_question *q)
{
	struct engine_progress p;
	engine_progress(v->e, &p);
	if (!p.section || engine_next_question(v->e) != q)
		return;
	const struct engine_section *c = engine_section_at(
		v->e, engine_question_section_index(v->e, q));
	char line[512];
	if (c)
		snprintf(line, sizeof(line), "%s \u00b7 section %zu of %zu \u00b7 "
			 "about %zu question%s left", c->clinician_title,
			 p.section, p.sections, p.left, p.left == 1 ? "" : "s");
	else /* a rule base without sections */
		snprintf(line, sizeof(line), "about %zu question%s left", p.left,
			 p.left == 1 ? "" : "s");
	SAY(v, "\n");
	term_wrap(&v->out, 0, 2, TERM_DIM, line);
}

static void show_question(struct iv *v, const struct engine_question *q)
{
	char line[1024];
	const char *now = engine_answer_text(v->e, q->id);
	if (v->changing != q)
		show_progress(v, q);
	char head[512], was[128];
	snprintf(head, sizeof(head), "%s%s%s%s%s", q->id,
		 q->red_flag ? "  (red-flag screen)" : "",
		 q->clinician_only ? "  (examination)" : "",
		 v->changing == q && now ? "  (changing: now " : "",
		 v->changing == q && now ? term_escape(was, sizeof(was), now, 60)
					 : "");
	if (v->changing == q && now)
		strncat(head, ")", sizeof(head) - strlen(head) - 1);
	else if (now && session_revisiting(v->s) &&
		 strcmp(session_revisiting(v->s), q->id) == 0)
		snprintf(head + strlen(head), sizeof(head) - strlen(head),
			 "  (now %s; Enter keeps it)",
			 term_escape(was, sizeof(was), now, 60));
	else if (engine_stop_reason(v->e))
		strncat(head, "  (asked before the interview stops)",
			sizeof(head) - strlen(head) - 1);
	SAY(v, "\n");
	show_stop_banner(v);
	term_wrap(&v->out, 0, 2, TERM_CYAN, head);
	term_wrap(&v->out, 2, 2, TERM_BOLD, q->clinician_text);
	allowed(q, line, sizeof(line));
	/* An amount the rule base can convert from other units (unit-def)
	 * says so, or nobody finds out that "18 months" is taken. */
	bool other_units = (q->type == ENGINE_TYPE_INTEGER ||
			    q->type == ENGINE_TYPE_NUMBER) &&
			   engine_unit_has_conversions(v->e, q->id);
	char hint[1100];
	snprintf(hint, sizeof(hint), "answer: %s%s; or skip, why, help", line,
		 other_units ? ", or in another unit (converted)" : "");
	term_wrap(&v->out, 2, 4, TERM_DIM, hint);
	v->shown = q;
}

/* A red flag, announced the moment it is found. */
static void announce_red_flag(struct iv *v, const struct engine_finding *f)
{
	const struct engine_level *l = engine_level_find(v->e, f->level);
	char line[1024];
	snprintf(line, sizeof(line), "!! RED FLAG: %s [%s]", f->title, f->id);
	SAY(v, "\n");
	term_wrap(&v->out, 0, 3, TERM_RED, line);
	snprintf(line, sizeof(line), "level %s, confidence %.2f", f->level,
		 f->confidence);
	term_wrap(&v->out, 3, 3, TERM_RESET, line);
	if (l)
		term_wrap(&v->out, 3, 3, TERM_RED, l->clinician_text);
	term_wrap(&v->out, 3, 3, TERM_RESET, f->clinician_text);
}

/*
 * Show what the last action did (the core's delta): answers and findings
 * withdrawn, new red flags and new findings.
 */
static void show_changes(struct iv *v)
{
	const struct session_delta *d = session_delta(v->s);
	char line[512];
	for (size_t i = 0; i < d->n_answers_withdrawn; i++) {
		snprintf(line, sizeof(line), "withdrawn: the answer to '%s' (no "
			 "longer asked)", d->answers_withdrawn[i]);
		term_wrap(&v->out, 0, 2, TERM_YELLOW, line);
	}
	for (size_t i = 0; i < d->n_store_kept; i++) {
		snprintf(line, sizeof(line), "warning: the store still holds the "
			 "answer to '%s'", d->store_kept[i]);
		term_wrap(&v->out, 0, 2, TERM_YELLOW, line);
	}
	/* Scope findings say whether the tool applies (or that nothing else
	 * was found); they are shown at the end and by a stop, not narrated
	 * as they come and go. */
	for (size_t i = 0; i < d->n_withdrawn; i++) {
		const struct engine_finding *f =
			engine_finding_def_find(v->e, d->withdrawn[i]);
		if (f && strcmp(f->kind, "scope") == 0)
			continue;
		snprintf(line, sizeof(line), "withdrawn: %s [%s]",
			 f ? f->title : d->withdrawn[i], d->withdrawn[i]);
		term_wrap(&v->out, 0, 2, TERM_YELLOW, line);
		for (size_t k = 0; k < engine_stop_held_count(v->e); k++)
			if (strcmp(engine_stop_held_at(v->e, k),
				   d->withdrawn[i]) == 0) {
				snprintf(line, sizeof(line), "the emergency stop "
					 "on it stands as it was made: it stays "
					 "in the record and the level stays at "
					 "least %s", f ? f->level : "?");
				term_wrap(&v->out, 2, 2, TERM_RED, line);
			}
	}
	for (size_t i = 0; i < d->n_found; i++) {
		const struct engine_finding *f = engine_finding_find(v->e, d->found[i]);
		if (!f || strcmp(f->kind, "scope") == 0)
			continue;
		if (strcmp(f->kind, "red_flag") == 0) {
			announce_red_flag(v, f);
			continue;
		}
		snprintf(line, sizeof(line), "new finding: %s [%s] (%s, confidence "
			 "%.2f)", f->title, f->id, f->level, f->confidence);
		term_wrap(&v->out, 0, 2, TERM_GREEN, line);
	}
}

static void show_stop(struct iv *v, const char *stop)
{
	const struct engine_finding *f = engine_finding_find(v->e, stop);
	const struct engine_level *l = f ? engine_level_find(v->e, f->level) : NULL;
	SAY(v, "\n%s========================================%s\n",
	    term_sgr(&v->out, TERM_RED), term_sgr(&v->out, TERM_RESET));
	char line[512];
	snprintf(line, sizeof(line), "INTERVIEW STOPPED: %s", f ? f->title : stop);
	term_wrap(&v->out, 0, 2, TERM_RED, line);
	if (l)
		term_wrap(&v->out, 0, 0, TERM_RED, l->clinician_text);
	if (f)
		term_wrap(&v->out, 0, 0, TERM_RESET, f->clinician_text);
	/* the rule base's safety-netting speaks to the patient */
	if ((f && f->safety_net && *f->safety_net) ||
	    (l && l->safety_net && *l->safety_net))
		SAY(v, "advice to give the patient:\n");
	if (f && f->safety_net && *f->safety_net)
		term_wrap(&v->out, 2, 2, TERM_RESET, f->safety_net);
	if (l && l->safety_net && *l->safety_net)
		term_wrap(&v->out, 2, 2, TERM_RESET, l->safety_net);
	SAY(v, "%s========================================%s\n",
	    term_sgr(&v->out, TERM_RED), term_sgr(&v->out, TERM_RESET));
}

/* ------------------------------------------------------------ the core */

/* A failure of the core that ends the interview. */
static enum outcome failed(struct iv *v)
{
	char msg[1024];
	fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, session_errmsg(v->s)));
	fprintf(stderr, "msktriage: the answers so far are saved; resume with "
		"'msktriage resume %s'\n", session_code(v->s));
	return FAILED;
}

/*
 * The reason in a message "cannot VERB THING: reason" (the store's), so
 * that it can follow a "cannot save ...: " of our own without saying
 * "cannot" twice; any other message as it is. Quoted names are skipped.
 */
static const char *reason(const char *msg)
{
	if (strncmp(msg, "cannot ", 7) != 0)
		return msg;
	bool quoted = false;
	for (const char *p = msg; *p; p++) {
		if (*p == '\'')
			quoted = !quoted;
		else if (!quoted && p[0] == ':' && p[1] == ' ' && p[2])
			return p + 2;
	}
	return msg;
}

/* Ask whether to retry a store write that failed. */
static bool store_retry(struct iv *v, const char *what, const char *why)
{
	char msg[1024];
	int code = db_errcode(v->d);
	say_in(v, TERM_YELLOW, "cannot save %s: %s\n", what,
	       TERM_SAFE(msg, reason(why)));
	/* Another interview has the session now, or it refuses the change:
	 * trying again cannot help. */
	if (code == DB_EHELD || code == DB_EINVAL)
		return false;
	return term_input_confirm("retry? [Y/n] ", true, false);
}

/*
 * Map a short form to the canonical text for q: y/n/u, a number or a
 * unique prefix of a choice, "s" for skip, a trailing unit dropped. What
 * does not map is handed to the engine as typed, to be refused there with
 * what is allowed. Writes into buf.
 */
static const char *canonical(const struct engine_question *q, const char *in,
			     char *buf, size_t size)
{
	size_t len = strlen(in);
	snprintf(buf, size, "%s", in);
	if (strcmp(in, "skip") == 0)
		return "skip";
	switch (q->type) {
	case ENGINE_TYPE_YESNO: {
		static const char *const yn[] = { "yes", "no", "unsure" };
		if (strcmp(in, "s") == 0)
			return "skip";
		if (strcmp(in, "?") == 0)
			return "unsure";
		for (size_t i = 0; i < 3 && len; i++)
			if (strncmp(yn[i], in, len) == 0)
				return yn[i];
		return buf;
	}
	case ENGINE_TYPE_CHOICE: {
		size_t hit = q->n_choices, hits = 0;
		char *end;
		for (size_t i = 0; i < q->n_choices; i++)
			if (strcmp(q->choices[i], in) == 0 ||
			    (q->choice_labels && q->choice_labels[i] &&
			     strcasecmp(q->choice_labels[i], in) == 0))
				return q->choices[i];
		long n = strtol(in, &end, 10);
		if (len && *end == '\0' && n >= 1 && (size_t)n <= q->n_choices)
			return q->choices[n - 1];
		for (size_t i = 0; i < q->n_choices && len; i++)
			if (strncmp(q->choices[i], in, len) == 0) {
				hit = i;
				hits++;
			}
		if (hits == 1)
			return q->choices[hit];
		if (hits == 0 && strcmp(in, "s") == 0)
			return "skip";
		return buf;
	}
	default:
		if (strcmp(in, "s") == 0)
			return "skip";
		/* "175 cm" -> "175" */
		if (*q->unit) {
			size_t ul = strlen(q->unit);
			if (len > ul && strcasecmp(in + len - ul, q->unit) == 0) {
				buf[len - ul] = '\0';
				char *t = trim(buf);
				memmove(buf, t, strlen(t) + 1);
			}
		}
		return buf;
	}
}

/*
 * Ask for a file name (Enter: def) and open it for writing with
 * cli_file_create() (mode 0600, never through a link, not emptied yet): it
 * will hold patient data. Returns the stream with *path set (the caller
 * frees it), or NULL after saying why.
 */
static FILE *ask_file(struct iv *v, const char *def, char **path,
		      bool *created)
{
	char prompt[128];
	snprintf(prompt, sizeof(prompt), "file [%s]: ", def);
	char *line = NULL;
	*path = NULL;
	char fitted[160];
	if (term_input_read(FIT(v, prompt, fitted), &line) != TERM_LINE) {
		free(line);
		return NULL;
	}
	*path = strdup(*trim(line) ? trim(line) : def);
	free(line);
	if (!*path)
		return NULL;
	char err[512];
	FILE *f = cli_file_create(*path, created, err, sizeof(err));
	if (!f) {
		char shown[1024];
		SAY(v, "%s\n", TERM_SAFE(shown, err));
		free(*path);
		*path = NULL;
	}
	return f;
}

/*
 * The store would not take the answer text to q: offer to keep every
 * answer the engine holds, the refused one included, in a file that names
 * the session, for `msktriage resume --answers FILE` to put back into it
 * once the store works. Like every export it is recorded in the audit
 * trail first, and not written if that cannot be done: the answers before
 * the refused one are in the store already, so at most that one is lost,
 * and resuming asks it again. The clinician's only: a kiosk never offers a
 * file.
 */
static void save_elsewhere(struct iv *v, const struct engine_question *q,
			   const char *text)
{
	char fitted[160];
	if (!term_input_confirm(FIT(v, "save the answers so far to a file "
				    "instead? [y/N] ", fitted), false, false))
		return;
	char def[64], *path = NULL;
	snprintf(def, sizeof(def), "msktriage-%s-answers.json", session_code(v->s));
	bool created;
	FILE *f = ask_file(v, def, &path, &created);
	if (!f)
		return;
	while (db_audit_add(v->d, session_id(v->s), "answers_exported", NULL,
			    "recovery file") != DB_OK)
		if (!store_retry(v, "the record of this export",
				 db_errmsg(v->d))) {
			SAY(v, "no file written: an export the audit trail cannot "
			    "record is not made; the answers saved so far stay "
			    "in the store\n");
			cli_file_abandon(f, path, created);
			free(path);
			return;
		}
	json_t *answers = json_object();
	for (size_t i = 0; answers && i < engine_question_count(v->e); i++) {
		const char *id = engine_question_at(v->e, i)->id;
		if (engine_answer_text(v->e, id))
			json_object_set_new(answers, id, cli_answer_json(v->e, id));
	}
	if (answers)
		json_object_set_new(answers, q->id, cli_answer_value(q, text));
	json_t *req = json_pack("{s:s, s:o}", "session", session_code(v->s),
				"answers", answers);
	int rc = req && cli_file_begin(f) == 0
		? json_dumpf(req, f, JSON_INDENT(2) | CLI_JSON_REAL) : -1;
	json_decref(req);
	if (fputc('\n', f) == EOF)
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	char shown[1024];
	TERM_SAFE(shown, path);
	if (rc != 0) {
		SAY(v, "cannot write '%s': %s\n", shown, strerror(errno));
	} else {
		SAY(v, "answers written to '%s'; once the store works again, "
		    "put them back with 'msktriage resume --answers %s'\n",
		    shown, shown);
	}
	free(path);
}

/* Give q the answer text (canonical), through the core; with set, as an
 * answer volunteered before its question is asked. */
static enum outcome give_answer(struct iv *v, const struct engine_question *q,
				const char *text, bool set)
{
	char what[128];
	snprintf(what, sizeof(what), "the answer to '%s'", q->id);
	bool was_stored = session_is_stored(v->s);
	for (;;) {
		int rc = set ? session_set(v->s, q->id, text)
			     : session_answer(v->s, q->id, text);
		if (rc == SESSION_OK)
			break;
		if (rc == SESSION_EINVAL) {
			term_wrap(&v->out, 0, 2, TERM_YELLOW, session_errmsg(v->s));
			/* The core names the values; at the terminal a choice
			 * is typed by its number too. */
			if (q->type == ENGINE_TYPE_CHOICE && q->n_choices)
				SAY(v, "  or type its number, 1 to %zu\n",
				    q->n_choices);
			return GO_ON;
		}
		if (rc != SESSION_ESTORE)
			return failed(v);
		if (store_retry(v, what, session_errmsg(v->s)))
			continue;
		save_elsewhere(v, q, text);
		SAY(v, "the answer to '%s' was not kept; it is asked again "
		    "(or 'quit': everything saved so far stays saved)\n", q->id);
		return GO_ON;
	}
	if (!was_stored && session_is_stored(v->s))
		SAY(v, "session %s%s%s saved with the first answer\n",
		    term_sgr(&v->out, TERM_BOLD), session_code(v->s),
		    term_sgr(&v->out, TERM_RESET));
	const struct session_delta *d = session_delta(v->s);
	if (set)
		SAY(v, "set '%s' to %s\n", q->id, engine_answer_text(v->e, q->id));
	if (v->changing == q) {
		SAY(v, "changed '%s'%s%s to %s\n", q->id, d->before ? " from " : "",
		    d->before ? d->before : "", engine_answer_text(v->e, q->id));
		v->changing = NULL;
	}
	show_changes(v);
	return GO_ON;
}

/*
 * The canonical text of what was typed (lower case) as an answer to q: an
 * amount in another unit converted with the rule base's words for it and
 * echoed ("= 104 weeks"; "6 wk" as "= 6 weeks"), else canonical(). NULL after saying why when the
 * unit word is not one q takes.
 */
static const char *answer_text(struct iv *v, const struct engine_question *q,
			       const char *typed, char *buf, size_t size)
{
	int rc = engine_answer_convert(v->e, q->id, typed, buf, size);
	if (rc < 0) {
		term_wrap(&v->out, 0, 2, TERM_YELLOW, engine_errmsg(v->e));
		return NULL;
	}
	/* echoed for a unit word too ("6 wk" = 6 weeks), so the clinician
	 * sees the word was understood */
	if (rc != ENGINE_CONVERT_NONE)
		SAY(v, "= %s %s\n", buf, engine_unit_word(v->e, q->id, buf));
	if (rc != ENGINE_CONVERT_NONE)
		return buf;
	char typed_copy[256];
	snprintf(typed_copy, sizeof(typed_copy), "%s", typed);
	return canonical(q, typed_copy, buf, size);
}

/* Edit distance of a and b, capped at 9 (ids are short). */
static size_t distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 63 || lb > 63)
		return 9;
	size_t row[64];
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t sub = diag + (a[i - 1] != b[j - 1]);
			size_t best = up + 1 < row[j - 1] + 1 ? up + 1
							       : row[j - 1] + 1;
			row[j] = sub < best ? sub : best;
			diag = up;
		}
	}
	return row[lb] > 9 ? 9 : row[lb];
}

/*
 * An unknown question id: say what ids look like and suggest the closest
 * (those starting with what was typed, then containing it, then a typing
 * error or two away).
 */
static void unknown_question_id(struct iv *v, const char *arg)
{
	char shown[512];
	const char *best[3] = { NULL, NULL, NULL };
	size_t score[3] = { 99, 99, 99 };
	size_t len = strlen(arg);
	size_t limit = len < 6 ? 2 : len / 3;
	for (size_t i = 0; i < engine_question_count(v->e); i++) {
		const char *id = engine_question_at(v->e, i)->id;
		size_t sc = strncmp(id, arg, len) == 0 ? 0
			    : strstr(id, arg) ? 1
			    : distance(arg, id) <= limit ? 1 + distance(arg, id)
			    : 99;
		for (size_t k = 0; k < 3 && sc < 99; k++)
			if (sc < score[k]) {
				for (size_t m = 2; m > k; m--) {
					best[m] = best[m - 1];
					score[m] = score[m - 1];
				}
				best[k] = id;
				score[k] = sc;
				break;
			}
	}
	char msg[1024];
	size_t used = (size_t)snprintf(msg, sizeof(msg), "unknown question '%s': "
		"question ids are lower case words joined by '_' (e.g. %s)",
		term_escape(shown, sizeof(shown), arg, 64),
		engine_question_count(v->e) ? engine_question_at(v->e, 0)->id
					    : "");
	for (size_t k = 0; k < 3 && best[k] && used < sizeof(msg); k++)
		used += (size_t)snprintf(msg + used, sizeof(msg) - used, "%s %s",
					 k ? "," : "; closest:", best[k]);
	term_wrap(&v->out, 0, 2, TERM_RESET, msg);
}

/*
 * set ID VALUE: an answer to a question not asked yet (an examination
 * finding made early, history offered unprompted), validated and stored
 * like any answer; the next question is worked out again from there.
 */
static enum outcome cmd_set(struct iv *v, char *arg)
{
	size_t idl = strcspn(arg, " \t");
	char *value = trim(arg + idl);
	arg[idl] = '\0';
	if (!*arg || !*value) {
		SAY(v, "usage: set ID VALUE (an answer to question ID before "
		    "it is asked)\n");
		return GO_ON;
	}
	const struct engine_question *q = engine_question_find(v->e, arg);
	if (!q) {
		unknown_question_id(v, arg);
		return GO_ON;
	}
	char buf[256];
	const char *text = answer_text(v, q, value, buf, sizeof(buf));
	return text ? give_answer(v, q, text, true) : GO_ON;
}

/* -------------------------------------------------------------- commands */

static void cmd_help(struct iv *v)
{
	static const char *const lines[][2] = {
		{ "answer", "yes/no/unsure as y, n, u; a choice by number or by "
			    "the start of its name; a number as digits" },
		{ "why [ID]", "why this question (or question ID) is asked" },
		{ "how [ID]", "how a finding was reached (no ID: the current "
			      "findings); for a finding not reached: what it "
			      "would need and what argued against it ('whynot "
			      "ID' too)" },
		{ "set ID VAL", "answer a question before it is asked (an "
				"examination finding made early, history "
				"offered unprompted)" },
		{ "back", "go back to the previous question (its answer is "
			  "kept: Enter keeps it, or give a new one)" },
		{ "change ID", "answer an earlier question again (e.g. change "
			       "knee_pain)" },
		{ "skip", "decline this question (it counts as unknown)" },
		{ "summary", "level, findings with confidence, red flags so far" },
		{ "note TEXT", "add a note to the session (kept in the store "
			       "only)" },
		{ "continue", "after an emergency stop: go on with the "
			      "assessment for the record (the emergency and "
			      "its level stand)" },
		{ "help", "this list" },
		{ "quit", "save and leave; continue later with 'msktriage "
			  "resume'" },
	};
	/* A table of two columns where the second keeps 30 columns; on a
	 * narrower terminal each command above its meaning. */
	bool table = v->out.width - 1 - 14 >= 30;
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char line[256];
		if (table) {
			snprintf(line, sizeof(line), "%-10s  %s", lines[i][0],
				 lines[i][1]);
			term_wrap(&v->out, 2, 14, TERM_RESET, line);
		} else {
			term_wrap(&v->out, 2, 2, TERM_RESET, lines[i][0]);
			term_wrap(&v->out, 6, 6, TERM_RESET, lines[i][1]);
		}
	}
	term_wrap(&v->out, 2, 2, TERM_RESET, "A duration may be given as 2y, "
		  "18 months, 6 wk or 10 days.");
	term_wrap(&v->out, 2, 2, TERM_RESET, "Tab completes answers, commands "
		  "and ids; Ctrl-C clears the line; Ctrl-D offers to save and "
		  "quit.");
}

static void cmd_why(struct iv *v, const struct engine_question *q)
{
	if (!q) {
		SAY(v, "no question is being asked; 'how' shows how the findings "
		    "were reached\n");
		return;
	}
	SAY(v, "%swhy '%s':%s\n", term_sgr(&v->out, TERM_BOLD), q->id,
	    term_sgr(&v->out, TERM_RESET));
	term_wrap(&v->out, 2, 2, TERM_RESET, q->why);
	if (q->red_flag)
		term_wrap(&v->out, 2, 2, TERM_RESET,
			  "(a red-flag screen: asked as soon as it becomes "
			  "relevant, before any other question)");
	if (q->n_informs) {
		SAY(v, "  it can confirm or rule out:\n");
		for (size_t i = 0; i < q->n_informs; i++) {
			const struct engine_finding *d = engine_finding_def_find(v->e, q->informs[i]);
			const struct engine_finding *now =
				engine_finding_find(v->e, q->informs[i]);
			char line[512];
			snprintf(line, sizeof(line), "- %s [%s]%s",
				 d ? d->title : q->informs[i], q->informs[i],
				 now ? " (found so far)" : "");
			term_wrap(&v->out, 4, 6, TERM_RESET, line);
		}
	}
}

/* The one finding (present first, else defined) whose id is or starts
 * with arg; NULL with a message otherwise. */
static const char *finding_arg(struct iv *v, const char *arg)
{
	size_t len = strlen(arg), hits = 0;
	const char *hit = NULL;
	for (size_t i = 0; i < engine_finding_def_count(v->e); i++) {
		const char *id = engine_finding_def_at(v->e, i)->id;
		if (strcmp(id, arg) == 0)
			return id;
		if (strncmp(id, arg, len) == 0) {
			hit = id;
			hits++;
		}
	}
	if (hits == 1)
		return hit;
	char shown[512];
	SAY(v, "%s finding '%s'; 'how' lists the current findings\n",
	    hits ? "ambiguous" : "unknown",
	    term_escape(shown, sizeof(shown), arg, 64));
	return NULL;
}

/* "q = answer" for each of ids, "; " between; unanswered ones left out
 * (answered true) or only those (false). Empty when none. */
static void answers_line(struct iv *v, const char *const *ids, size_t n,
			 bool answered, char *buf, size_t size)
{
	size_t used = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		const char *a = engine_answer_text(v->e, ids[i]);
		if ((a != NULL) != answered)
			continue;
		int w = answered
			? snprintf(buf + used, size - used, "%s%s = %s",
				   used ? "; " : "", ids[i], a)
			: snprintf(buf + used, size - used, "%s%s",
				   used ? ", " : "", ids[i]);
		if (w < 0 || (size_t)w >= size - used)
			return;
		used += (size_t)w;
	}
}

/*
 * how (or whynot) for a finding that is not reported: what it would need
 * (each rule that can support it, in its own words, with the answers it
 * reads and those still missing), and what argued against it (negative
 * evidence, and evidence too weak or giving way to another finding).
 */
static void how_absent(struct iv *v, const char *id)
{
	const struct engine_finding *d = engine_finding_state(v->e, id);
	const struct engine_rule_use *u = NULL;
	size_t n = 0;
	char line[2048], list[1024];
	snprintf(line, sizeof(line), "%s [%s] is not a current finding",
		 d->title, id);
	term_wrap(&v->out, 0, 2, TERM_BOLD, line);
	if (engine_finding_rules(v->e, id, &u, &n) != 0) {
		SAY(v, "msktriage: %s\n", engine_errmsg(v->e));
		return;
	}
	size_t pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += u[i].sign >= 0;
	SAY(v, "  it would need %s:\n", pos == 1 ? "this" : pos ? "one of these"
						    : "a rule that gives it");
	for (size_t i = 0; i < n; i++) {
		if (u[i].sign < 0)
			continue;
		snprintf(line, sizeof(line), "- %s [%s]%s", *u[i].doc ? u[i].doc
			 : u[i].rule, u[i].rule, u[i].fired ? " (holds)" : "");
		term_wrap(&v->out, 4, 6, TERM_RESET, line);
		answers_line(v, u[i].reads, u[i].n_reads, false, list, sizeof(list));
		if (*list) {
			snprintf(line, sizeof(line), "not answered yet: %s", list);
			term_wrap(&v->out, 6, 8, TERM_YELLOW, line);
		}
		answers_line(v, u[i].reads, u[i].n_reads, true, list, sizeof(list));
		if (*list) {
			snprintf(line, sizeof(line), "answered: %s", list);
			term_wrap(&v->out, 6, 8, TERM_RESET, line);
		}
	}
	bool against = false;
	if (d->n_against) {
		answers_line(v, d->against, d->n_against, true, list, sizeof(list));
		snprintf(line, sizeof(line), "- negative evidence: %s", list);
		if (!against)
			SAY(v, "  argued against it:\n");
		against = true;
		term_wrap(&v->out, 4, 6, TERM_RESET, line);
		for (size_t i = 0; i < n; i++)
			if (u[i].sign <= 0 && u[i].fired) {
				snprintf(line, sizeof(line), "%s [%s]", *u[i].doc
					 ? u[i].doc : u[i].rule, u[i].rule);
				term_wrap(&v->out, 6, 8, TERM_RESET, line);
			}
	}
	if (d->n_because) {
		/* Evidence there is, not enough to report it. */
		const struct engine_finding *over = NULL;
		for (size_t i = 0; i < d->n_gives_way_to; i++)
			if (!over)
				over = engine_finding_find(v->e, d->gives_way_to[i]);
		if (over)
			snprintf(line, sizeof(line), "- not reported while %s [%s] "
				 "is", over->title, over->id);
		else if (d->when_complete && !engine_is_complete(v->e))
			snprintf(line, sizeof(line), "- reported only once the "
				 "interview is complete");
		else
			snprintf(line, sizeof(line), "- the evidence so far "
				 "combines to %.2f; reported above %.2f",
				 d->confidence, engine_report_threshold(v->e));
		if (!against)
			SAY(v, "  argued against it:\n");
		against = true;
		term_wrap(&v->out, 4, 6, TERM_RESET, line);
	}
	if (!against)
		term_wrap(&v->out, 2, 4, TERM_RESET, "nothing argued against it; it is absent "
			  "because none of the rules above holds with the "
			  "answers so far");
}

static void cmd_how(struct iv *v, const char *arg)
{
	size_t n = engine_finding_count(v->e);
	if (!*arg) {
		if (!n) {
			SAY(v, "no findings so far\n");
			return;
		}
		SAY(v, "%scurrent findings (most urgent first):%s\n",
		    term_sgr(&v->out, TERM_BOLD), term_sgr(&v->out, TERM_RESET));
		/* A table while its title column keeps 20 columns and the
		 * terminal has 80; below that, label and value lines. */
		int idw = 0, lvw = 0;
		for (size_t i = 0; i < n; i++) {
			const struct engine_finding *f = engine_finding_at(v->e, i);
			int w = term_columns(f->id), l = term_columns(f->level);
			idw = w > idw ? w : idw;
			lvw = l > lvw ? l : lvw;
		}
		int title_at = 2 + idw + 2 + lvw + 2 + 4 + 2;
		bool table = v->out.width >= 80 && v->out.width - 1 - title_at >= 20;
		for (size_t i = 0; i < n; i++) {
			const struct engine_finding *f = engine_finding_at(v->e, i);
			char line[1024];
			if (table) {
				snprintf(line, sizeof(line), "%-*s  %-*s  %.2f  %s",
					 idw, f->id, lvw, f->level, f->confidence,
					 f->title);
				term_wrap(&v->out, 2, title_at, TERM_RESET, line);
				continue;
			}
			term_wrap(&v->out, 2, 4, TERM_RESET, f->id);
			snprintf(line, sizeof(line), "level %s, confidence %.2f",
				 f->level, f->confidence);
			term_wrap(&v->out, 4, 6, TERM_RESET, line);
			term_wrap(&v->out, 4, 6, TERM_RESET, f->title);
		}
		SAY(v, "'how ID' shows the answers and rules behind one\n");
		return;
	}
	const char *id = finding_arg(v, arg);
	if (!id)
		return;
	const struct engine_finding *f = engine_finding_find(v->e, id);
	if (!f) {
		how_absent(v, id);
		return;
	}
	say_in(v, TERM_BOLD, "%s [%s]\n", f->title, f->id);
	SAY(v, "  %s, level %s, confidence %.2f\n", f->kind, f->level,
	    f->confidence);
	term_wrap(&v->out, 2, 2, TERM_RESET, f->clinician_text);
	SAY(v, "  because:\n");
	for (size_t i = 0; i < f->n_because; i++) {
		const struct engine_question *q =
			engine_question_find(v->e, f->because[i]);
		const char *a = engine_answer_text(v->e, f->because[i]);
		char line[1024];
		if (q)
			snprintf(line, sizeof(line), "%s = %s  (%s)", q->id,
				 a ? a : "unknown", q->clinician_text);
		else
			snprintf(line, sizeof(line), "%s  (a finding)", f->because[i]);
		term_wrap(&v->out, 4, 6, TERM_RESET, line);
	}
	char line[1024];
	size_t used = (size_t)snprintf(line, sizeof(line), "rules:");
	for (size_t i = 0; i < f->n_rules && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s %s",
					 i ? "," : "", f->rules[i]);
	term_wrap(&v->out, 2, 4, TERM_RESET, line);
	snprintf(line, sizeof(line), "source: %s", f->source);
	term_wrap(&v->out, 2, 4, TERM_RESET, line);
}

static void cmd_summary(struct iv *v, unsigned show)
{
	json_t *c = session_result_json(v->s);
	if (!c) {
		fprintf(stderr, "msktriage: out of memory\n");
		return;
	}
	SAY(v, "\n");
	cli_conclusions_print(&v->out, c, v->e, show);
	size_t n = engine_answer_count(v->e);
	if (session_is_stored(v->s))
		SAY(v, "(%zu answer%s so far; session %s)\n", n, n == 1 ? "" : "s",
		    session_code(v->s));
	else
		SAY(v, "(%zu answer%s so far; not saved yet)\n", n,
		    n == 1 ? "" : "s");
	json_decref(c);
}

static enum outcome cmd_back(struct iv *v)
{
	v->changing = NULL;
	size_t n = session_answered_count(v->s);
	if (n == 0) {
		SAY(v, "nothing to go back to\n");
		return GO_ON;
	}
	/* Nothing is withdrawn: the answer stays until a new one is given. */
	int rc = session_back(v->s);
	if (rc == SESSION_EINVAL) {
		SAY(v, "nothing to go back to\n");
		return GO_ON;
	}
	if (rc != SESSION_OK)
		return failed(v);
	const struct session_delta *d = session_delta(v->s);
	/* the question's own heading says what it holds and that Enter
	 * keeps it, once */
	SAY(v, "back to '%s'\n", d->question);
	v->shown = NULL;
	return GO_ON;
}

static void cmd_change(struct iv *v, const char *arg)
{
	if (!*arg) {
		char *list = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&list, &len);
		if (!f)
			return;
		fputs("usage: change ID, one of the questions answered so far:", f);
		for (size_t i = 0; i < session_answered_count(v->s); i++)
			fprintf(f, " %s", session_answered_at(v->s, i));
		if (fclose(f) == 0)
			term_wrap(&v->out, 0, 2, TERM_RESET, list);
		free(list);
		return;
	}
	const struct engine_question *q = engine_question_find(v->e, arg);
	if (!q) {
		unknown_question_id(v, arg);
		return;
	}
	if (!engine_answer_text(v->e, q->id)) {
		SAY(v, "'%s' has not been answered yet\n", q->id);
		return;
	}
	v->changing = q;
	v->shown = NULL;
}

static void cmd_note(struct iv *v, const char *text)
{
	if (!*text) {
		SAY(v, "usage: note TEXT\n");
		return;
	}
	if (!term_utf8_valid(text)) {
		SAY(v, "'note' is not valid UTF-8; the note was not saved\n");
		return;
	}
	if (!session_is_stored(v->s)) {
		bool created;
		while (!(created = session_reopen(v->s) == SESSION_OK) &&
		       store_retry(v, "the session", session_errmsg(v->s)))
			;
		if (!created) {
			SAY(v, "the note was not saved\n");
			return;
		}
		SAY(v, "session %s saved with the note\n", session_code(v->s));
	}
	while (db_note_add(v->d, session_id(v->s), v->clinician, text) != DB_OK)
		if (!store_retry(v, "the note", db_errmsg(v->d))) {
			SAY(v, "the note was not saved\n");
			return;
		}
	SAY(v, "note saved\n");
}

/* ------------------------------------------------------------ completion */

static bool cands_push(struct iv *v, size_t *n, const char *s)
{
	if (*n + 2 > v->cap_cands) {
		size_t cap = v->cap_cands ? v->cap_cands * 2 : 64;
		const char **p = realloc(v->cands, cap * sizeof(*p));
		if (!p)
			return false;
		v->cands = p;
		v->cap_cands = cap;
	}
	v->cands[(*n)++] = s;
	v->cands[*n] = NULL;
	return true;
}

static const char *const *complete(void *ctx, const char *line, int start)
{
	struct iv *v = ctx;
	size_t n = 0;
	static const char *const yn[] = { "yes", "no", "unsure", NULL };
	if (!cands_push(v, &n, NULL))
		return NULL;
	n = 0;
	/* The first word is completed with commands and answers. */
	bool first = true, in_word = false;
	for (int i = 0; i < start && line[i]; i++) {
		if (line[i] != ' ')
			in_word = true;
		else if (in_word)
			first = false;
	}
	while (*line == ' ')
		line++;
	/* Only the word after the command is an id. */
	size_t words = 0;
	for (int i = 0, in = 0; i < start && line[i]; i++) {
		if (line[i] != ' ' && !in)
			words++;
		in = line[i] != ' ';
	}
	bool second = words == 1;
	if (second && strncmp(line, "change ", 7) == 0) {
		for (size_t i = 0; i < session_answered_count(v->s); i++)
			cands_push(v, &n, session_answered_at(v->s, i));
	} else if (second && strncmp(line, "set ", 4) == 0) {
		/* the questions not answered yet that this mode may answer */
		for (size_t i = 0; i < engine_question_count(v->e); i++)
			if (!engine_answer_text_at(v->e, i))
				cands_push(v, &n, engine_question_at(v->e, i)->id);
	} else if (second && strncmp(line, "why ", 4) == 0) {
		for (size_t i = 0; i < engine_question_count(v->e); i++)
			cands_push(v, &n, engine_question_at(v->e, i)->id);
	} else if (second && (strncmp(line, "how ", 4) == 0 ||
			      strncmp(line, "whynot ", 7) == 0)) {
		/* every finding: 'how' of an absent one says what it needs */
		for (size_t i = 0; i < engine_finding_def_count(v->e); i++)
			cands_push(v, &n, engine_finding_def_at(v->e, i)->id);
	} else if (first) {
		for (size_t i = 0; commands[i]; i++)
			cands_push(v, &n, commands[i]);
		const struct engine_question *q = v->changing ? v->changing
					: session_next_question(v->s);
		if (q && q->type == ENGINE_TYPE_YESNO)
			for (size_t i = 0; yn[i]; i++)
				cands_push(v, &n, yn[i]);
		if (q && q->type == ENGINE_TYPE_CHOICE)
			for (size_t i = 0; i < q->n_choices; i++)
				cands_push(v, &n, q->choices[i]);
	}
	return v->cands;
}

/* ------------------------------------------------------------- the loop */

/* Ctrl-D on a terminal: offer to save and quit. Without one: the end. */
static enum outcome on_eof(void)
{
	if (!term_input_is_tty())
		return INPUT_ENDED;
	if (term_input_confirm("save and quit? [Y/n] ", true, true))
		return QUIT;
	return GO_ON;
}

static bool go_on_after_stop(struct iv *v);

/* One line typed at the prompt of question q (NULL: the review prompt). */
static enum outcome dispatch(struct iv *v, const struct engine_question *q,
			     char *typed)
{
	char *line = trim(typed);
	char word[32];
	size_t wl = strcspn(line, " \t");
	char *arg = trim(line + wl);
	if (wl >= sizeof(word))
		wl = sizeof(word) - 1;
	memcpy(word, line, wl);
	word[wl] = '\0';
	lower(word);

	bool is_cmd = false;
	for (size_t i = 0; commands[i]; i++)
		is_cmd |= strcmp(word, commands[i]) == 0;
	if (strcmp(word, "exit") == 0) {
		is_cmd = true;
		strcpy(word, "quit");
	}
	/* Commands, never answers or notes, go into the history. */
	if (is_cmd && strcmp(word, "note") != 0) {
		term_input_history_add(line);
		lower(arg);
	}

	if (!is_cmd) {
		if (!q) {
			if (*line)
				SAY(v, "the interview is complete: press Enter to "
				    "finish, or 'change ID', 'back', 'help'\n");
			return GO_ON;
		}
		if (!*line && session_revisiting(v->s) && !v->changing) {
			if (session_keep(v->s) != SESSION_OK)
				return failed(v);
			SAY(v, "kept '%s' = %s\n", q->id,
			    engine_answer_text(v->e, q->id));
			return GO_ON;
		}
		if (!*line) {
			SAY(v, "type an answer, or 'help'\n");
			return GO_ON;
		}
		char buf[256];
		lower(line);
		const char *text = answer_text(v, q, line, buf, sizeof(buf));
		return text ? give_answer(v, q, text, false) : GO_ON;
	}
	if (strcmp(word, "help") == 0) {
		cmd_help(v);
	} else if (strcmp(word, "why") == 0) {
		const struct engine_question *w = *arg
			? engine_question_find(v->e, arg) : q;
		if (*arg && !w)
			unknown_question_id(v, arg);
		else
			cmd_why(v, w);
	} else if (strcmp(word, "how") == 0 || strcmp(word, "whynot") == 0) {
		cmd_how(v, arg);
	} else if (strcmp(word, "set") == 0) {
		return cmd_set(v, arg);
	} else if (strcmp(word, "summary") == 0) {
		cmd_summary(v, 0);
	} else if (strcmp(word, "note") == 0) {
		cmd_note(v, arg);
	} else if (strcmp(word, "change") == 0) {
		cmd_change(v, arg);
	} else if (strcmp(word, "back") == 0) {
		return cmd_back(v);
	} else if (strcmp(word, "skip") == 0) {
		if (!q) {
			SAY(v, "no question to skip\n");
			return GO_ON;
		}
		return give_answer(v, q, "skip", false);
	} else if (strcmp(word, "continue") == 0) {
		go_on_after_stop(v);
	} else if (strcmp(word, "quit") == 0) {
		return QUIT;
	}
	return GO_ON;
}

/*
 * A name someone signs with: not a command word, an answer or a single
 * character typed by mistake at the prompt.
 */
static bool signer_name_ok(const char *name)
{
	static const char *const words[] = {
		"exit", "yes", "no", "unsure", "none", "cancel", "abort", "ok",
		NULL
	};
	size_t chars = 0;
	bool letter = false;
	for (const char *p = name; *p; p++) {
		if (((unsigned char)*p & 0xC0) != 0x80)
			chars++;
		letter |= isalpha((unsigned char)*p) || (unsigned char)*p >= 0x80;
	}
	if (chars < 2 || !letter)
		return false;
	for (size_t i = 0; commands[i]; i++)
		if (strcasecmp(name, commands[i]) == 0)
			return false;
	for (size_t i = 0; words[i]; i++)
		if (strcasecmp(name, words[i]) == 0)
			return false;
	return true;
}

/*
 * Ask who signs the session off: Enter takes the interview's clinician when
 * known (else leaves it unsigned), '-' leaves it unsigned; a command word or
 * a single letter is refused and asked again; the name is confirmed.
 */
static void sign_off(struct iv *v)
{
	char prompt[320];
	char who[256];
	if (v->clinician)
		snprintf(prompt, sizeof(prompt), "sign off as (Enter: %s; '-': "
			 "leave unsigned): ",
			 term_escape(who, sizeof(who), v->clinician, 60));
	else
		snprintf(prompt, sizeof(prompt), "sign off as (your name; Enter to "
			 "leave unsigned): ");
	SAY(v, "\n");
	for (;;) {
		char *line = NULL, shown[1024];
		char fitted[320];
		if (term_input_read(FIT(v, prompt, fitted), &line) != TERM_LINE) {
			free(line);
			break;
		}
		char *name = trim(line);
		if (!*name && v->clinician)
			name = v->clinician;
		if (!*name || strcmp(name, "-") == 0) {
			free(line);
			break;
		}
		if (!term_utf8_valid(name)) {
			SAY(v, "'name' is not valid UTF-8; type it again\n");
			free(line);
			continue;
		}
		if (!signer_name_ok(name)) {
			SAY(v, "'%s' is not a name to sign with\n  type the "
			    "signing clinician's name, or %s\n",
			    term_escape(shown, sizeof(shown), name, 20),
			    v->clinician ? "'-' to leave it unsigned"
					 : "Enter to leave it unsigned");
			free(line);
			continue;
		}
		char ask[300];
		SAY(v, "a signed-off session cannot be changed afterwards\n");
		snprintf(ask, sizeof(ask), "sign off as '%s'? [y/N] ",
			 term_escape(shown, sizeof(shown), name, 200));
		char fitted_ask[300];
		if (!term_input_confirm(FIT(v, ask, fitted_ask), false, false)) {
			free(line);
			break;
		}
		int rc;
		while ((rc = db_session_signoff(v->d, session_id(v->s), name)) != DB_OK)
			if (!store_retry(v, "the sign-off", db_errmsg(v->d)))
				break;
		if (rc == DB_OK)
			say_in(v, TERM_GREEN, "signed off by %s\n",
			       TERM_SAFE(shown, name));
		else
			SAY(v, "not signed off: %s\n",
			    TERM_SAFE(shown, db_errmsg(v->d)));
		free(line);
		return;
	}
	SAY(v, "not signed off\n");
}

/* Sign-off, and the offer of a written report. Input ending is no error. */
static void sign_off_and_report(struct iv *v)
{
	sign_off(v);

	if (!term_input_confirm("write a plain-text report? [y/N] ", false, false))
		return;
	char def[64], *path = NULL;
	snprintf(def, sizeof(def), "msktriage-%s.txt", session_code(v->s));
	char err[512];
	bool created;
	FILE *f = ask_file(v, def, &path, &created);
	/* An export that cannot be audited is not written. */
	if (f && db_audit_add(v->d, session_id(v->s), "report_exported", NULL, "text")
		 != DB_OK) {
		char msg[1024];
		SAY(v, "no report written: its export cannot be recorded in the "
		    "audit trail: %s\n", TERM_SAFE(msg, db_errmsg(v->d)));
		cli_file_abandon(f, path, created);
		f = NULL;
	}
	if (f) {
		int rc = cli_file_begin(f) == 0
			 ? cli_report_text(f, v->d, session_id(v->s), v->e, err, sizeof(err))
			 : (snprintf(err, sizeof(err), "%s", strerror(errno)), -1);
		if (fclose(f) != 0 && rc == 0) {
			snprintf(err, sizeof(err), "%s", strerror(errno));
			rc = -1;
		}
		char shown[1024], msg[1024];
		TERM_SAFE(shown, path);
		if (rc != 0)
			SAY(v, "cannot write '%s': %s\n", shown, TERM_SAFE(msg, err));
		else
			SAY(v, "report written to '%s'\n", shown);
	}
	free(path);
}

/*
 * Keep the conclusions and show the summary. A finished session resumed
 * and left without a change keeps its status and its conclusions. Sets
 * *status to the session's status; FAILED when they could not be kept.
 */
static enum outcome conclude(struct iv *v, bool emergency, const char **status)
{
	/* An assessment continued after a stop ends stopped, never
	 * complete. */
	*status = emergency || session_is_continued(v->s)
		? "emergency_stopped" : "complete";
	const char *now = session_status(v->s);
	bool unchanged = strcmp(now, "complete") == 0 ||
			 strcmp(now, "emergency_stopped") == 0;
	int rc = SESSION_OK;
	if (unchanged)
		*status = now;
	while (!unchanged &&
	       (rc = session_finish(v->s, *status)) == SESSION_ESTORE) {
		if (!store_retry(v, "the conclusions", session_errmsg(v->s))) {
			SAY(v, "the conclusions were not saved; the answers are: "
			    "resume with 'msktriage resume %s'\n", session_code(v->s));
			return FAILED;
		}
	}
	json_t *c = rc == SESSION_OK ? session_result_json(v->s) : NULL;
	if (!c) {
		fprintf(stderr, "msktriage: %s\n", rc == SESSION_OK
			? "out of memory" : session_errmsg(v->s));
		return FAILED;
	}
	SAY(v, "\n%s== Summary of session %s ==%s\n", term_sgr(&v->out, TERM_BOLD),
	    session_code(v->s), term_sgr(&v->out, TERM_RESET));
	cli_conclusions_print(&v->out, c, v->e,
			      CLI_SHOW_RECOMMENDATIONS | CLI_SHOW_SAFETY_NET);
	if (unchanged)
		SAY(v, "\nsession %s unchanged: %s\n", session_code(v->s), *status);
	else
		SAY(v, "\nsession %s saved as %s\n", session_code(v->s), *status);
	json_decref(c);
	return GO_ON;
}

/* The end: conclusions kept, summary, sign-off, report. */
static enum outcome finish(struct iv *v, bool emergency)
{
	const char *status;
	enum outcome r = conclude(v, emergency, &status);
	if (r != GO_ON)
		return r;
	sign_off_and_report(v);
	SAY(v, "\nsession %s: %s. Goodbye.\n", session_code(v->s), status);
	return GO_ON;
}

/* Go on with the assessment for the record after an emergency stop.
 * True once it goes on. */
static bool go_on_after_stop(struct iv *v)
{
	int rc;
	while ((rc = session_continue(v->s)) == SESSION_ESTORE)
		if (!store_retry(v, "the record of the stop",
				 session_errmsg(v->s)))
			return false;
	if (rc != SESSION_OK) {
		SAY(v, "%s%s%s\n", term_sgr(&v->out, TERM_YELLOW),
		    session_errmsg(v->s), term_sgr(&v->out, TERM_RESET));
		return false;
	}
	const struct engine_level *l = engine_level(v->e);
	char line[512];
	snprintf(line, sizeof(line), "continuing the assessment for the record. "
		 "The emergency stands: the level stays at least %s whatever is "
		 "answered or changed now, and the stop with the answers that "
		 "made it stays in the record.", l->id);
	term_wrap(&v->out, 0, 0, TERM_BOLD, line);
	v->shown = NULL;
	return true;
}

static void stop_choices(struct iv *v)
{
	SAY(v, "\nthe session is stopped. Next:\n");
	SAY(v, "  note TEXT   add a note to the session\n");
	SAY(v, "  signoff     sign the session off (closes the record)\n");
	SAY(v, "  continue    go on with the assessment for the record;\n"
	       "              the emergency and its level stand\n");
	SAY(v, "  quit        leave it stopped (resume later to sign off)\n");
}

/*
 * The interview stopped on an emergency (the stop screen shown): keep the
 * conclusions as emergency_stopped, then the clinician's choice: notes,
 * sign-off, going on for the record, or leaving. *going_on is set when
 * the assessment goes on.
 */
static enum outcome after_stop(struct iv *v, bool *going_on)
{
	const char *status;
	enum outcome r = conclude(v, true, &status);
	*going_on = false;
	if (r != GO_ON)
		return r;
	stop_choices(v);
	for (;;) {
		char *line = NULL;
		if (term_input_read("stop> ", &line) != TERM_LINE) {
			free(line);
			break;
		}
		char *t = trim(line);
		size_t wl = strcspn(t, " \t");
		char *arg = trim(t + wl);
		t[wl] = '\0';
		lower(t);
		if (strcmp(t, "note") == 0) {
			char *text = NULL;
			if (!*arg && term_input_read("note (Enter: none): ",
						     &text) == TERM_LINE)
				arg = trim(text);
			if (*arg)
				cmd_note(v, arg);
			free(text);
		} else if (strcmp(t, "signoff") == 0 || strcmp(t, "sign") == 0) {
			free(line);
			sign_off_and_report(v);
			SAY(v, "\nsession %s: %s. Goodbye.\n", session_code(v->s),
			    session_status(v->s));
			return GO_ON;
		} else if (strcmp(t, "continue") == 0) {
			if (go_on_after_stop(v)) {
				free(line);
				*going_on = true;
				return GO_ON;
			}
		} else if (strcmp(t, "quit") == 0 || strcmp(t, "exit") == 0) {
			free(line);
			break;
		} else if (strcmp(t, "summary") == 0) {
			cmd_summary(v, 0);
		} else if (strcmp(t, "how") == 0) {
			cmd_how(v, arg);
		} else if (!*t || strcmp(t, "help") == 0) {
			stop_choices(v);
		} else {
			char shown[128], msg[256];
			snprintf(msg, sizeof(msg), "'%s' is not a choice here: "
				 "type note TEXT, signoff, continue or quit",
				 term_escape(shown, sizeof(shown), t, 20));
			term_wrap(&v->out, 0, 2, TERM_RESET, msg);
		}
		free(line);
	}
	char bye[256];
	snprintf(bye, sizeof(bye), "session %s left %s: resume it with "
		 "'msktriage resume %s' to sign off or continue. Goodbye.",
		 session_code(v->s), session_status(v->s), session_code(v->s));
	SAY(v, "\n");
	term_wrap(&v->out, 0, 0, TERM_RESET, bye);
	return GO_ON;
}

static enum outcome interview_loop(struct iv *v, bool resumed)
{
	/* A stop already in the answers (a resumed session) is reviewed, not
	 * acted on again until the clinician finishes. */
	bool review_stop = resumed && engine_stop_reason(v->e) &&
			   engine_is_complete(v->e);
	term_input_set_completer(complete, v);
	for (;;) {
		/* A stop waits for a red-flag question that could make the
		 * case more urgent still (the engine's next question); the
		 * level already counts meanwhile. */
		const char *stop = engine_stop_reason(v->e);
		if (stop && engine_is_complete(v->e) && !review_stop &&
		    !v->changing) {
			if (!is_emergency(v->e, stop)) {
				SAY(v, "\nthe interview ends here: %s\n",
				    engine_finding_find(v->e, stop)
					    ? engine_finding_find(v->e, stop)->title
					    : stop);
				return finish(v, false);
			}
			show_stop(v, stop);
			bool going_on;
			enum outcome r = after_stop(v, &going_on);
			if (!going_on)
				return r;
			continue;
		}
		const struct engine_question *q =
			v->changing ? v->changing
			: (review_stop ? NULL : session_next_question(v->s));
		char prompt[96];
		if (q) {
			if (v->shown != q)
				show_question(v, q);
			snprintf(prompt, sizeof(prompt), "%s> ", q->id);
		} else {
			if (v->shown != NULL || session_answered_count(v->s) == 0 ||
			    resumed) {
				const char *s = engine_stop_reason(v->e);
				const struct engine_finding *f =
					s ? engine_finding_find(v->e, s) : NULL;
				SAY(v, "\n");
				show_stop_banner(v);
				say_in(v, TERM_BOLD, "%s%s\n",
				       review_stop ? "the interview was stopped by: "
						   : "all questions are answered",
				       review_stop ? (f ? f->title : s) : "");
				if (review_stop)
					SAY(v, "'change ID' corrects an answer given "
					    "in error; 'continue' goes on with the "
					    "assessment for the record\n");
				SAY(v, "press Enter to finish, or 'change ID', 'back', "
				    "'how', 'summary', 'note TEXT'\n");
				v->shown = NULL;
				resumed = false;
			}
			snprintf(prompt, sizeof(prompt), "finish> ");
		}
		char *line = NULL;
		enum term_read rd = term_input_read(prompt, &line);
		enum outcome r;
		if (rd == TERM_STOP) {
			r = QUIT;
		} else if (rd == TERM_EOF) {
			r = on_eof();
			v->shown = NULL;
		} else if (!q && !*trim(line)) {
			free(line);
			if (review_stop) {
				const char *s = engine_stop_reason(v->e);
				if (s)
					return finish(v, is_emergency(v->e, s));
			}
			return finish(v, false);
		} else {
			const struct engine_question *before = v->changing;
			r = dispatch(v, q, line);
			if ((before && !v->changing) || session_is_continued(v->s))
				review_stop = false;
		}
		free(line);
		/* Left while going on after a stop: the session is kept as
		 * stopped again, with what was answered since. */
		if ((r == QUIT || r == INPUT_ENDED) && session_is_continued(v->s) &&
		    strcmp(session_status(v->s), "in_progress") == 0 &&
		    session_finish(v->s, "emergency_stopped") != SESSION_OK)
			SAY(v, "%swarning:%s %s\n", term_sgr(&v->out, TERM_YELLOW),
			    term_sgr(&v->out, TERM_RESET), session_errmsg(v->s));
		if (r != GO_ON)
			return r;
	}
}

/* --------------------------------------------------------------- set-up */

static int iv_open(struct iv *v, const struct cli_options *opt)
{
	memset(v, 0, sizeof(*v));
	v->opt = opt;
	term_out_init(&v->out, stdout);
	if (!(v->e = cli_engine_open(opt)))
		return -1;
	if (!(v->d = cli_store_open(opt, "clinician")))
		return -1;
	if (!(v->s = session_new(v->e, v->d, SESSION_CLINICIAN)) ||
	    term_input_open() != 0) {
		fprintf(stderr, "msktriage: out of memory\n");
		return -1;
	}
	term_input_history_load("msktriage");
	return 0;
}

static void iv_close(struct iv *v)
{
	term_input_close();
	session_free(v->s);
	free(v->cands);
	free(v->clinician);
	db_close(v->d);
	/* The command ends here, and the process with it. */
	engine_free_at_exit(v->e);
}

static int exit_status(struct iv *v, enum outcome r)
{
	const char *status = session_status(v->s);
	if ((r == QUIT || r == INPUT_ENDED) && !session_is_stored(v->s)) {
		SAY(v, "\nnothing was answered: no session saved.\n");
		if (r == INPUT_ENDED)
			fprintf(stderr, "msktriage: input ended\n");
	} else if ((r == QUIT || r == INPUT_ENDED) &&
		   session_is_continued(v->s) &&
		   strcmp(status, "in_progress") != 0) {
		char saved[256];
		snprintf(saved, sizeof(saved), "session %s saved as %s "
			 "(continued for the record after the stop). Continue "
			 "with: msktriage resume %s", session_code(v->s), status,
			 session_code(v->s));
		SAY(v, "\n");
		term_wrap(&v->out, 0, 0, TERM_GREEN, saved);
	} else if ((r == QUIT || r == INPUT_ENDED) &&
	    strcmp(status, "in_progress") != 0) {
		SAY(v, "\n");
		say_in(v, TERM_GREEN, "session %s left unchanged (%s).\n",
		       session_code(v->s), status);
		if (r == INPUT_ENDED)
			fprintf(stderr, "msktriage: input ended\n");
	} else if (r == QUIT || r == INPUT_ENDED) {
		SAY(v, "\n");
		say_in(v, TERM_GREEN, "session %s saved (in progress). Continue "
		       "with: msktriage resume %s\n", session_code(v->s),
		       session_code(v->s));
		if (r == INPUT_ENDED)
			fprintf(stderr, "msktriage: input ended before the interview "
				"was complete\n");
	}
	fflush(stdout);
	return r == GO_ON || r == QUIT ? 0 : 1;
}

static const char interview_usage[] =
	"usage: msktriage [--rules DIR] [--db PATH] [interview] [--label TEXT] [--clinician NAME]\n"
	"       msktriage [--rules DIR] [--db PATH] resume [ID|CODE]\n"
	"       msktriage [--rules DIR] [--db PATH] resume [ID|CODE] --answers FILE\n"
	"\n"
	"Interview a patient at the terminal: the rule base's questions in order,\n"
	"red flags first, with 'why', 'how', 'whynot', 'back', 'change ID',\n"
	"'set ID VALUE', 'skip', 'summary', 'note TEXT', 'help' and 'quit' at\n"
	"any prompt. Every answer is saved as it is given; 'quit' (or Ctrl-D)\n"
	"leaves a session to resume.\n"
	"One interview at a time holds a session; resuming a finished session and\n"
	"leaving without a change keeps its status; a signed-off one no longer\n"
	"changes, and resuming it at a terminal offers addenda instead.\n"
	"The session is saved from its first answer. 'resume' without an id, at\n"
	"a terminal, lists the sessions in progress and asks which to go on with.\n"
	"'resume --answers FILE' puts the answers saved to FILE (when the store\n"
	"would not take them) back into their session.\n"
	"\n"
	"  --label TEXT      a patient label for the session (asked when omitted)\n"
	"  --clinician NAME  who is interviewing (notes and sign-off)\n"
	"\n"
	"Exit status: 0 ok or saved to resume, 1 runtime failure or input ended\n"
	"early, 2 bad usage.\n";

int cli_interview(int argc, char **argv, const struct cli_options *opt)
{
	const char *label = NULL, *clinician = NULL;
	struct iv v;
	int status = 1;
	char *typed = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(interview_usage, stdout);
			return 0;
		} else if (i + 1 < argc && strcmp(a, "--label") == 0) {
			label = argv[++i];
		} else if (i + 1 < argc && strcmp(a, "--clinician") == 0) {
			clinician = argv[++i];
		} else {
			char shown[512];
			fprintf(stderr, "msktriage: unknown or incomplete option '%s' for interview\n%s",
				term_escape(shown, sizeof(shown), a, 64),
				interview_usage);
			return 2;
		}
	}
	if (label && !term_utf8_valid(label)) {
		fprintf(stderr, "msktriage: 'label' is not valid UTF-8\n");
		return 2;
	}
	if (clinician && !term_utf8_valid(clinician)) {
		fprintf(stderr, "msktriage: 'clinician' is not valid UTF-8\n");
		return 2;
	}
	if (iv_open(&v, opt) != 0)
		goto out_free;
	if (clinician && !(v.clinician = strdup(clinician)))
		goto out_free;

	say_in(&v, TERM_BOLD, "msktriage %s: clinician interview (rule base %s)\n",
	       cli_version, engine_rulebase_version(v.e));
	while (!label && term_input_is_tty()) {
		char fitted[160];
		enum term_read rd = term_input_read(FIT(&v,
			"patient label (optional, no names needed; Enter to skip): ",
			fitted), &typed);
		if (rd != TERM_LINE) {
			status = 0;
			goto out_free;
		}
		if (!*trim(typed))
			break;
		if (term_utf8_valid(typed)) {
			label = trim(typed);
			break;
		}
		SAY(&v, "'label' is not valid UTF-8; type it again\n");
		free(typed);
		typed = NULL;
	}
	struct db_session_new s = {
		.mode = "clinician",
		.program_version = cli_version,
		.patient_label = label,
		.clinician = clinician,
	};
	if (session_start_later(v.s, &s) != SESSION_OK) {
		char msg_s[1024];
		fprintf(stderr, "msktriage: cannot start a session: %s\n",
			TERM_SAFE(msg_s, session_errmsg(v.s)));
		goto out_free;
	}
	SAY(&v, "the session is saved from the first answer. Type 'help' "
	    "for commands.\n");
	enum outcome r = interview_loop(&v, false);
	status = exit_status(&v, r);
out_free:
	free(typed);
	iv_close(&v);
	return status;
}

/* ---------------------------------------------------------------- resume */

/* Where a resumed session stands: its level so far and its findings with
 * their certainty factors (scope findings aside). */
static void recap(struct iv *v)
{
	const struct engine_level *l = engine_level(v->e);
	char line[1024];
	/* the level's wording under it, as in the summary: it starts with
	 * the level's name, which a colon after the id would say twice */
	snprintf(line, sizeof(line), "level so far: %s%s", l->id,
		 engine_red_flags_screened(v->e) ? ""
		 : " (interim: red-flag screening not finished)");
	term_wrap(&v->out, 0, 2, TERM_BOLD, line);
	term_wrap(&v->out, 2, 2, TERM_RESET, l->clinician_text);
	size_t shown = 0;
	for (size_t i = 0; i < engine_finding_count(v->e); i++) {
		const struct engine_finding *f = engine_finding_at(v->e, i);
		if (strcmp(f->kind, "scope") == 0)
			continue;
		if (!shown++)
			SAY(v, "findings so far:\n");
		snprintf(line, sizeof(line), "%s [%s] (%s, confidence %.2f)",
			 f->title, f->id, f->level, f->confidence);
		term_wrap(&v->out, 2, 4, TERM_RESET, line);
	}
	if (!shown)
		SAY(v, "findings so far: none\n");
}

/*
 * Another interview holds the session: say who, and offer to take a stale
 * lease over. True if this interview holds the lease now.
 */
static bool take_lease(struct iv *v, int64_t sid)
{
	struct db_lease h;
	char msg[1024];
	int rc = db_lease_take(v->d, sid, false, &h);
	if (rc == DB_OK)
		return true;
	/* The holder's host name is read back from the store: escaped. */
	fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, db_errmsg(v->d)));
	if (rc != DB_EHELD)
		return false;
	if (!h.stale) {
		fprintf(stderr, "msktriage: one interview at a time: finish or "
			"quit the other one first\n");
		return false;
	}
	if (!term_input_is_tty()) {
		fprintf(stderr, "msktriage: its process is gone or it has been "
			"idle for more than %d minutes; resume it at a terminal to "
			"take it over\n", DB_LEASE_IDLE_LIMIT / 60);
		return false;
	}
	SAY(v, "its process is gone or it has been idle for more than %d "
	    "minutes.\n", DB_LEASE_IDLE_LIMIT / 60);
	if (!term_input_confirm("take the session over? [y/N] ", false, false))
		return false;
	if (db_lease_take(v->d, sid, true, &h) != DB_OK) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, db_errmsg(v->d)));
		return false;
	}
	return true;
}

/* The answers file save_elsewhere() wrote: {"session": CODE, "answers"}. */
static json_t *answers_file_read(const char *path, const char **code)
{
	json_error_t jerr;
	char shown[1024], why[256], msg_s[1024];
	TERM_SAFE(shown, path);
	errno = 0;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
	if (!j) {
		/* In the program's words, not the JSON parser's. */
		if (json_error_code(&jerr) == json_error_cannot_open_file)
			snprintf(why, sizeof(why), "%s", strerror(errno));
		else
			cli_json_error(&jerr, why, sizeof(why));
		fprintf(stderr, "msktriage: cannot read '%s': %s\n", shown,
			TERM_SAFE(msg_s, why));
		return NULL;
	}
	*code = json_string_value(json_object_get(j, "session"));
	if (!json_is_object(j) || !*code ||
	    !json_is_object(json_object_get(j, "answers"))) {
		fprintf(stderr, "msktriage: '%s' is not a file of saved answers: it "
			"needs 'session' (a reference code) and 'answers'\n", shown);
		json_decref(j);
		return NULL;
	}
	return j;
}

/*
 * Put the answers of a saved answers file back into its session (resumed
 * in v), as new revisions of those answers; all of them are validated
 * first. Returns the exit status.
 */
static int restore_answers(struct iv *v, const char *path, json_t *answers)
{
	char err[512], msg[1024], shown[1024];
	const char *id;
	json_t *value;
	size_t n = 0, total = json_object_size(answers);
	if (cli_answers_apply(v->e, answers, err, sizeof(err)) != 0) {
		fprintf(stderr, "msktriage: %s; nothing was restored\n",
			TERM_SAFE(msg, err));
		return 2;
	}
	if (session_reopen(v->s) != SESSION_OK) {
		fprintf(stderr, "msktriage: %s\n", session_errmsg(v->s));
		return 1;
	}
	json_object_foreach(answers, id, value) {
		if (db_answer_put(v->d, session_id(v->s), id,
				  engine_answer_text(v->e, id)) != DB_OK) {
			fprintf(stderr, "msktriage: %s\nmsktriage: %zu of %zu answer%s "
				"restored; run the same command again for the "
				"rest\n", TERM_SAFE(msg, db_errmsg(v->d)), n, total,
				total == 1 ? "" : "s");
			return 1;
		}
		n++;
	}
	if (engine_run(v->e) != 0) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(msg, engine_errmsg(v->e)));
		return 1;
	}
	/* A session continued after a stop keeps its stop record, which
	 * only the core writes. */
	if (session_is_continued(v->s)
	    ? session_finish(v->s, "emergency_stopped") != SESSION_OK
	    : cli_store_conclusions(v->d, session_id(v->s), v->e) != DB_OK) {
		fprintf(stderr, "msktriage: the answers are restored, the "
			"conclusions not: %s\n", TERM_SAFE(msg, db_errmsg(v->d)));
		return 1;
	}
	printf("%zu answer%s from '%s' restored to session %s (%s); continue "
	       "with 'msktriage resume %s'\n", n, n == 1 ? "" : "s",
	       TERM_SAFE(shown, path), session_code(v->s),
	       cli_session_status(v->e), session_code(v->s));
	return 0;
}

/*
 * A signed-off session at a terminal: it cannot change, but a clinician
 * may add addenda (dated, audited). Returns the exit status.
 */
static int addendum_prompt(struct iv *v, const struct db_session *s)
{
	char at[32], signer[256], shown[1024];
	term_escape(signer, sizeof(signer), s->signed_off_by, 60);
	SAY(v, "session %s was signed off by %s at %s and can no longer change.\n"
	    "An addendum is kept beside it, dated, in the audit trail.\n",
	    s->code, signer, cli_time(s->signed_off_at, at, sizeof(at)));
	for (;;) {
		char *text = NULL, *author = NULL;
		if (term_input_read("addendum (Enter to leave): ", &text)
		    != TERM_LINE || !*trim(text)) {
			free(text);
			return 0;
		}
		if (!term_utf8_valid(text)) {
			SAY(v, "'addendum' is not valid UTF-8; type it again\n");
			free(text);
			continue;
		}
		char prompt[280];
		snprintf(prompt, sizeof(prompt), "by (Enter: %s): ", signer);
		char fitted[280];
		if (term_input_read(FIT(v, prompt, fitted), &author) != TERM_LINE) {
			free(text);
			free(author);
			return 0;
		}
		const char *by = *trim(author) ? trim(author) : s->signed_off_by;
		if (!term_utf8_valid(by)) {
			SAY(v, "'by' is not valid UTF-8; the addendum was not "
			    "saved\n");
			free(text);
			free(author);
			continue;
		}
		int rc;
		while ((rc = db_addendum_add(v->d, s->id, by, trim(text))) != DB_OK)
			if (!store_retry(v, "the addendum", db_errmsg(v->d)))
				break;
		if (rc == DB_OK)
			SAY(v, "addendum by %s added to session %s\n",
			    TERM_SAFE(shown, by), s->code);
		else
			SAY(v, "the addendum was not saved\n");
		free(text);
		free(author);
	}
}

/* ------------------------------------------------------ pick a session */

struct pick {
	FILE *f;
	size_t n;
	char codes[20][DB_CODE_SIZE];
};

static int pick_one(const struct db_session *s, void *ctx)
{
	struct pick *p = ctx;
	if (p->n >= 20)
		return 0;
	snprintf(p->codes[p->n], DB_CODE_SIZE, "%s", s->code);
	p->n++;
	char at[32];
	fprintf(p->f, "  %2zu  %s  %-9s %s  %3d answer%s  ", p->n, s->code,
		s->mode, cli_time(s->updated_at, at, sizeof(at)), s->answer_count,
		s->answer_count == 1 ? " " : "s");
	char t[256];
	if (s->patient_label)
		fputs(term_escape(t, sizeof(t), s->patient_label, 30), p->f);
	if (s->clinician)
		fprintf(p->f, "%s%s", s->patient_label ? ", " : "",
			term_escape(t, sizeof(t), s->clinician, 30));
	fputc('\n', p->f);
	return 0;
}

/*
 * resume without an id at a terminal: list the sessions in progress and
 * ask which. Writes the code chosen to code; false when none was.
 */
static bool pick_session(struct iv *v, char code[DB_CODE_SIZE])
{
	struct pick p = { .f = v->out.f };
	SAY(v, "sessions in progress (most recent first):\n");
	if (db_session_list(v->d, "in_progress", 0, pick_one, &p) != DB_OK) {
		fprintf(stderr, "msktriage: %s\n", db_errmsg(v->d));
		return false;
	}
	if (p.n == 0) {
		SAY(v, "  none: start one with 'msktriage interview'\n");
		return false;
	}
	for (;;) {
		char *line = NULL;
		char fitted[160];
		if (term_input_read(FIT(v, "resume which? (number or code; "
					"Enter: none) ", fitted),
				    &line) != TERM_LINE || !*trim(line)) {
			free(line);
			return false;
		}
		char *t = trim(line);
		char *end = NULL;
		long k = strtol(t, &end, 10);
		if (end != t && !*end && k >= 1 && (size_t)k <= p.n) {
			snprintf(code, DB_CODE_SIZE, "%s", p.codes[k - 1]);
			free(line);
			return true;
		}
		if (strlen(t) < DB_CODE_SIZE && end == t) {
			snprintf(code, DB_CODE_SIZE, "%s", t);
			free(line);
			return true;
		}
		SAY(v, "the choice must be a number from 1 to %zu or a session "
		    "code\n", p.n);
		free(line);
	}
}

int cli_resume(int argc, char **argv, const struct cli_options *opt)
{
	const char *which = NULL, *answers_path = NULL, *file_code = NULL;
	struct iv v;
	struct db_session *s = NULL;
	json_t *file = NULL;
	int status = 1;
	bool opened = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(interview_usage, stdout);
			return 0;
		} else if (strcmp(argv[i], "--answers") == 0 && i + 1 < argc) {
			answers_path = argv[++i];
		} else if (argv[i][0] != '-' && !which) {
			which = argv[i];
		} else {
			char shown[512];
			fprintf(stderr, "msktriage: unknown or incomplete option '%s' for resume\n%s",
				term_escape(shown, sizeof(shown), argv[i], 64),
				interview_usage);
			return 2;
		}
	}
	if (answers_path && !(file = answers_file_read(answers_path, &file_code)))
		return 2;
	if (!which)
		which = file_code;
	if (!which && !isatty(STDIN_FILENO)) {
		fprintf(stderr, "msktriage: resume needs a session id or code\n%s",
			interview_usage);
		return 2;
	}
	char msg[1024];
	opened = true;
	if (iv_open(&v, opt) != 0)
		goto out_free;
	char picked[DB_CODE_SIZE];
	if (!which) {
		if (!pick_session(&v, picked)) {
			status = 0;
			goto out_free;
		}
		which = picked;
	}
	int rc = cli_session_find(v.d, which, &s);
	if (rc != 0) {
		status = rc;
		goto out_free;
	}
	if (file_code) {
		struct db_session *fs = NULL;
		if (db_session_find(v.d, file_code, &fs) != DB_OK ||
		    fs->id != s->id) {
			char shown[1024], code_s[64];
			fprintf(stderr, "msktriage: '%s' holds the answers of session "
				"'%s', not of %s\n", TERM_SAFE(shown, answers_path),
				term_escape(code_s, sizeof(code_s), file_code, 16),
				s->code);
			db_session_free(fs);
			status = 2;
			goto out_free;
		}
		db_session_free(fs);
	}
	if (s->signed_off_by && (file || !term_input_is_tty())) {
		fprintf(stderr, "msktriage: session %s has been signed off by %s and "
			"can no longer change; add an addendum with 'msktriage "
			"sessions addendum %s --author NAME --text TEXT'\n", s->code,
			TERM_SAFE(msg, s->signed_off_by), s->code);
		status = 2;
		goto out_free;
	}
	if (s->signed_off_by) {
		status = addendum_prompt(&v, s);
		goto out_free;
	}
	if (s->clinician && !(v.clinician = strdup(s->clinician)))
		goto out_free;
	if (!take_lease(&v, s->id))
		goto out_free;
	rc = session_resume(v.s, s->id);
	if (rc != SESSION_OK) {
		fprintf(stderr, "msktriage: cannot resume: %s\n",
			session_errmsg(v.s));
		status = rc == SESSION_EINVAL ? 2 : 1;
		goto out_free;
	}
	if (file) {
		status = restore_answers(&v, answers_path,
					 json_object_get(file, "answers"));
		goto out_free;
	}
	say_in(&v, TERM_BOLD, "msktriage %s: clinician interview (rule base %s)\n",
	       cli_version, engine_rulebase_version(v.e));
	if (!s->rulebase_sha256 ||
	    strcmp(s->rulebase_sha256, engine_rulebase_sha256(v.e)) != 0)
		say_in(&v, TERM_YELLOW, "warning: session %s was started on "
		       "another rule base (sha256 %s..., now %.12s...); its "
		       "conclusions may differ\n", session_code(v.s), s->rulebase_sha256
			    ? term_escape(msg, sizeof(msg), s->rulebase_sha256, 12)
			    : "unknown",
		    engine_rulebase_sha256(v.e));
	for (size_t i = 0; i < session_dropped_count(v.s); i++) {
		const struct session_dropped *b = session_dropped_at(v.s, i);
		char q[512], why[1024];
		say_in(&v, TERM_YELLOW, "warning: the stored answer to '%s' no "
		       "longer fits the rule base (%s); it will be asked again\n",
		       term_escape(q, sizeof(q), b->question, 64), TERM_SAFE(why, b->why));
	}
	size_t n_answers = engine_answer_count(v.e);
	char label[1024];
	SAY(&v, "session %s resumed%s%s, %zu answer%s so far. Type 'help' for "
	    "commands.\n", session_code(v.s), s->patient_label ? ": " : "",
	    s->patient_label ? term_escape(label, sizeof(label),
					   s->patient_label, 200) : "",
	    n_answers, n_answers == 1 ? "" : "s");
	recap(&v);
	for (size_t i = 0; i < engine_finding_count(v.e); i++) {
		const struct engine_finding *f = engine_finding_at(v.e, i);
		if (strcmp(f->kind, "red_flag") == 0)
			announce_red_flag(&v, f);
	}
	enum outcome r = interview_loop(&v, true);
	status = exit_status(&v, r);
out_free:
	json_decref(file);
	db_session_free(s);
	if (opened)
		iv_close(&v);
	return status;
}
