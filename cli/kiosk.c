/*
 * kiosk.c — the patient self-check kiosk on a shared terminal:
 *
 *   msktriage kiosk [--idle-timeout S] [--idle-grace S]
 *   msktriage kiosk --set-pin
 *
 * Patients use it alone, one after another. Each patient gets a welcome
 * screen, then one question per screen in the rule base's patient wording
 * (numbered answers, typed numbers, `back`, `help`, a progress line), then
 * a thank-you screen with the session's reference code in large characters
 * and the patient-level advice; or, the moment the level reaches one that
 * ends the interview, an emergency screen that stays until staff clear it
 * with the PIN. The interview core (cli/session.h) keeps the engine and the
 * store in step; this file only shows and reads.
 *
 * It cannot be escaped: the terminal is in raw mode with signals from the
 * keyboard off (Ctrl-C, Ctrl-Z, Ctrl-\ and Ctrl-D arrive as bytes and are
 * ignored), SIGINT, SIGQUIT, SIGTSTP, SIGTTIN and SIGTTOU are ignored, and
 * there is no readline (no history file, no inputrc, no completion of file
 * names), no pager, no editor and no file prompt. Leaving needs the staff
 * PIN, kept in the store only as a crypto_pwhash_str() hash; wrong PINs
 * wait longer each time and every attempt is recorded in the kiosk trail.
 * SIGTERM or SIGHUP (shutdown, the terminal gone) abandon the session in
 * hand and end the program.
 *
 * A patient who stops answering is asked after --idle-timeout seconds
 * whether they are still there, and given --idle-grace seconds to press a
 * key; then the session is saved as abandoned, the screen, its scrollback
 * and the title are cleared, and the kiosk starts again. Nothing of one
 * patient is left for the next: every screen starts from a cleared screen
 * and scrollback, and each patient gets a new session over an engine whose
 * answers were cleared.
 */
#include "cli/cli.h"
#include "cli/term.h"
#include "cli/session.h"
#include "cli/store.h"
#include "db/db.h"
#include "engine/engine.h"

#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#define WIDTH_MAX 78      /* text columns at most: on 80 columns or more */
#define ROWS 24
#define LINE_MAX_IN 40    /* what a patient may type on one line */
#define PIN_MIN 4
#define PIN_MAX 64
#define DELAY_CAP_S 120   /* the longest wait after wrong PINs */
#define STORE_TRIES 3

/* Whether the terminal takes a title (xterm-like); the Linux console would
 * misread the sequence. Set once at start. */

/* A store message, which may quote a path, printed escaped (term.h). */
static void say_store_error(const char *msg)
{
	fputs("msktriage: ", stderr);
	term_put_untrusted(stderr, msg);
	fputc('\n', stderr);
}

static bool title_ok;

enum key {
	KEY_IDLE = -1,    /* nothing typed in time */
	KEY_STOP = -2,    /* SIGTERM, SIGHUP or the terminal gone */
};

enum next {
	NEXT_PATIENT,
	LEAVE,            /* staff left kiosk mode with the PIN */
	STOP,             /* SIGTERM, SIGHUP: abandon and end */
	FAILED,
};

struct kiosk {
	const struct cli_options *opt;
	engine *e;
	db *d;
	session *s;             /* the patient in hand, or NULL */
	int idle_ms;
	int grace_ms;
	struct termios saved;
	bool raw;
	/* The screen being built: wrapped lines of at most width columns
	 * (the terminal's, less two, at most WIDTH_MAX). */
	int width;
	char lines[64][WIDTH_MAX * 4 + 8];   /* UTF-8: up to 4 bytes a column */
	int n_lines;
};

static volatile sig_atomic_t got_stop;

static void on_stop(int sig)
{
	(void)sig;
	got_stop = 1;
}

/* ------------------------------------------------------------ terminal */

static int term_raw(struct kiosk *k)
{
	struct termios t;
	if (tcgetattr(STDIN_FILENO, &k->saved) != 0)
		return -1;
	t = k->saved;
	/* No line editing, no echo, no keyboard signals (Ctrl-C, Ctrl-Z,
	 * Ctrl-\ arrive as bytes), no Ctrl-V literal, no flow control. */
	t.c_lflag &= ~(tcflag_t)(ICANON | ECHO | ECHONL | ISIG | IEXTEN);
	t.c_iflag &= ~(tcflag_t)(IXON | IXOFF | ICRNL | INLCR | IGNCR | BRKINT);
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) != 0)
		return -1;
	k->raw = true;
	return 0;
}

static void term_restore(struct kiosk *k)
{
	if (k->raw)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &k->saved);
	k->raw = false;
}

static void signals_set(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigaction(SIGTSTP, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sigaction(SIGPIPE, &sa, NULL);
	sa.sa_handler = on_stop;   /* no SA_RESTART: poll() sees EINTR */
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

static void out(const char *s)
{
	fputs(s, stdout);
}

/* Clear the screen and its scrollback, home the cursor, and put a neutral
 * title back where the terminal has one. */
static void clear_all(void)
{
	out("\033[H\033[2J\033[3J");
	if (title_ok)
		out("\033]2;Self-check\007");
}

static void flush(void)
{
	fflush(stdout);
}

/*
 * One key within timeout_ms (-1: no limit): a byte, KEY_IDLE or KEY_STOP.
 * An escape sequence (arrow keys, function keys) is read whole and
 * dropped; the caller gets the next key.
 */
static int key_get(int timeout_ms)
{
	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (got_stop)
			return KEY_STOP;
		int wait = timeout_ms;
		if (timeout_ms >= 0) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long spent = (now.tv_sec - start.tv_sec) * 1000 +
				     (now.tv_nsec - start.tv_nsec) / 1000000;
			if (spent >= timeout_ms)
				return KEY_IDLE;
			wait = (int)(timeout_ms - spent);
		}
		struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
		int r = poll(&p, 1, wait);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return KEY_STOP;
		if (r == 0)
			return KEY_IDLE;
		unsigned char c;
		ssize_t n = read(STDIN_FILENO, &c, 1);
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n <= 0)
			return KEY_STOP;   /* hung up: nobody is there */
		if (c != 0x1b)
			return c;
		/* ESC: drop the sequence that follows, if one comes at once. */
		struct pollfd q = { .fd = STDIN_FILENO, .events = POLLIN };
		if (poll(&q, 1, 30) <= 0 || read(STDIN_FILENO, &c, 1) != 1)
			continue;
		if (c != '[' && c != 'O')
			continue;
		while (poll(&q, 1, 30) > 0 && read(STDIN_FILENO, &c, 1) == 1)
			if (c >= 0x40 && c <= 0x7e)
				break;
	}
}

enum rd { RD_LINE, RD_IDLE, RD_STOP };

/*
 * Read a line of at most size - 1 printable ASCII characters, echoed
 * (as '*' when masked). Backspace erases, Ctrl-U clears, Enter ends; every
 * other control key is ignored. idle_ms counts from the last key (-1: no
 * limit).
 */
static enum rd line_get(char *buf, size_t size, bool masked, int idle_ms)
{
	size_t n = 0;
	buf[0] = '\0';
	flush();
	for (;;) {
		int c = key_get(idle_ms);
		if (c == KEY_IDLE)
			return RD_IDLE;
		if (c == KEY_STOP)
			return RD_STOP;
		if (c == '\r' || c == '\n') {
			out("\n");
			flush();
			return RD_LINE;
		}
		if ((c == 0x7f || c == 0x08) && n > 0) {
			buf[--n] = '\0';
			out("\b \b");
		} else if (c == 0x15) {
			for (; n > 0; n--)
				out("\b \b");
			buf[0] = '\0';
		} else if (c >= 0x20 && c < 0x7f && n + 1 < size) {
			buf[n++] = (char)c;
			buf[n] = '\0';
			putchar(masked ? '*' : c);
		}
		flush();
	}
}

/* ---------------------------------------------------------- the screen */

/* Start a new screen, as wide as the terminal is now. */
static void screen_clear(struct kiosk *k)
{
	int w = term_width(stdout) - 2;
	k->width = w > WIDTH_MAX ? WIDTH_MAX : w;
	k->n_lines = 0;
}

static void screen_add(struct kiosk *k, const char *text)
{
	if (k->n_lines >= (int)(sizeof(k->lines) / sizeof(k->lines[0])))
		return;
	size_t n = strlen(text);
	if (n >= sizeof(k->lines[0]))
		n = sizeof(k->lines[0]) - 1;
	memcpy(k->lines[k->n_lines], text, n);
	k->lines[k->n_lines++][n] = '\0';
}

/*
 * One line of the screen; wider than the screen, it is wrapped between
 * words (term_wrap_text()), its continuation lines under its text: under
 * the text of a numbered answer ("  2   Yes"), else at its indent.
 */
static void screen_line(struct kiosk *k, const char *text)
{
	if (term_columns(text) <= k->width) {
		screen_add(k, text);
		return;
	}
	int lead = (int)strspn(text, " ");
	int hang = lead;
	size_t digits = strspn(text + lead, "0123456789");
	if (digits && text[lead + digits] == ' ')
		hang += (int)(digits + strspn(text + lead + digits, " "));
	char *lines = term_wrap_text(k->width + 1, lead, hang, text + lead);
	if (!lines)
		return;
	for (char *p = lines, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		screen_add(k, p);
	}
	free(lines);
}

static void screen_printf(struct kiosk *k, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void screen_printf(struct kiosk *k, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	screen_line(k, buf);
}

/* Wrap text into screen lines indent columns in, the screen's width wide,
 * with term_wrap_text(): between words, a word longer than a line cut on
 * a character boundary. */
static void screen_wrap(struct kiosk *k, int indent, const char *text)
{
	char *lines = term_wrap_text(k->width + 1, indent, indent, text);
	if (!lines)
		return;
	for (char *p = lines, *nl; (nl = strchr(p, '\n')); p = nl + 1) {
		*nl = '\0';
		if (p[strspn(p, " ")])
			screen_add(k, p);
	}
	free(lines);
}

/* Clear everything, then draw the lines built, at most ROWS - 1 of them
 * (the last row is the prompt's). */
static void screen_show(struct kiosk *k)
{
	clear_all();
	int n = k->n_lines < ROWS - 1 ? k->n_lines : ROWS - 1;
	for (int i = 0; i < n; i++) {
		out(k->lines[i]);
		out("\n");
	}
	flush();
}

/* The top of every patient screen: a title and, during the questions,
 * where the patient is. */
static void screen_head(struct kiosk *k, const char *right)
{
	char rule[WIDTH_MAX + 1];
	int pad = k->width - 1 - 10 - (int)strlen(right ? right : "");
	screen_printf(k, " Self-check%*s%s", pad > 1 ? pad : 1, "",
		      right ? right : "");
	memset(rule, '-', (size_t)k->width);
	rule[k->width] = '\0';
	screen_line(k, rule);
	screen_line(k, "");
}

/* ------------------------------------------------------------ the code */

/* Five-row glyphs for the reference code's alphabet and its dash. */
static const struct glyph {
	char c;
	const char *row[5];
} glyphs[] = {
	{ '2', { "#### ", "    #", " ### ", "#    ", "#####" } },
	{ '3', { "#### ", "    #", " ### ", "    #", "#### " } },
	{ '4', { "#   #", "#   #", "#####", "    #", "    #" } },
	{ '5', { "#####", "#    ", "#### ", "    #", "#### " } },
	{ '6', { " ### ", "#    ", "#### ", "#   #", " ### " } },
	{ '7', { "#####", "    #", "   # ", "  #  ", "  #  " } },
	{ '8', { " ### ", "#   #", " ### ", "#   #", " ### " } },
	{ '9', { " ### ", "#   #", " ####", "    #", " ### " } },
	{ 'A', { " ### ", "#   #", "#####", "#   #", "#   #" } },
	{ 'B', { "#### ", "#   #", "#### ", "#   #", "#### " } },
	{ 'C', { " ####", "#    ", "#    ", "#    ", " ####" } },
	{ 'D', { "#### ", "#   #", "#   #", "#   #", "#### " } },
	{ 'E', { "#####", "#    ", "#### ", "#    ", "#####" } },
	{ 'F', { "#####", "#    ", "#### ", "#    ", "#    " } },
	{ 'G', { " ####", "#    ", "#  ##", "#   #", " ####" } },
	{ 'H', { "#   #", "#   #", "#####", "#   #", "#   #" } },
	{ 'J', { "  ###", "    #", "    #", "#   #", " ### " } },
	{ 'K', { "#   #", "#  # ", "###  ", "#  # ", "#   #" } },
	{ 'M', { "#   #", "## ##", "# # #", "#   #", "#   #" } },
	{ 'N', { "#   #", "##  #", "# # #", "#  ##", "#   #" } },
	{ 'P', { "#### ", "#   #", "#### ", "#    ", "#    " } },
	{ 'Q', { " ### ", "#   #", "# # #", "#  # ", " ## #" } },
	{ 'R', { "#### ", "#   #", "#### ", "#  # ", "#   #" } },
	{ 'S', { " ####", "#    ", " ### ", "    #", "#### " } },
	{ 'T', { "#####", "  #  ", "  #  ", "  #  ", "  #  " } },
	{ 'V', { "#   #", "#   #", "#   #", " # # ", "  #  " } },
	{ 'W', { "#   #", "#   #", "# # #", "## ##", "#   #" } },
	{ 'X', { "#   #", " # # ", "  #  ", " # # ", "#   #" } },
	{ 'Y', { "#   #", " # # ", "  #  ", "  #  ", "  #  " } },
	{ 'Z', { "#####", "   # ", "  #  ", " #   ", "#####" } },
	{ '-', { "     ", "     ", " ### ", "     ", "     " } },
};

static const struct glyph *glyph_find(char c)
{
	for (size_t i = 0; i < sizeof(glyphs) / sizeof(glyphs[0]); i++)
		if (glyphs[i].c == c)
			return &glyphs[i];
	return NULL;
}

/* The code in large characters (5 rows, one or two columns apart, as the
 * screen's width allows), then spaced out on one line. */
static void screen_code(struct kiosk *k, const char *code)
{
	int n = (int)strlen(code);
	int gap = 3 + n * 7 - 2 <= k->width ? 2 : 1;
	for (int r = 0; r < 5 && 3 + n * 6 - 1 <= k->width; r++) {
		char line[WIDTH_MAX + 8];
		size_t used = 0;
		used += (size_t)snprintf(line, sizeof(line), "   ");
		for (const char *c = code; *c && used + 8 < sizeof(line); c++) {
			const struct glyph *g = glyph_find(*c);
			used += (size_t)snprintf(line + used, sizeof(line) - used,
						 "%s%s", g ? g->row[r] : "     ",
						 c[1] ? (gap == 2 ? "  " : " ") : "");
		}
		screen_line(k, line);
	}
	char spaced[64];
	size_t used = (size_t)snprintf(spaced, sizeof(spaced), "   ");
	for (const char *c = code; *c && used + 3 < sizeof(spaced); c++)
		used += (size_t)snprintf(spaced + used, sizeof(spaced) - used,
					 "%c ", *c);
	screen_line(k, "");
	screen_line(k, spaced);
}

/* -------------------------------------------------------------- the PIN */

/* Seconds to wait after failures refused PIN attempts in a row. */
static int delay_after(int failures)
{
	if (failures < 2)
		return 0;
	long d = 5L << (failures - 2 < 8 ? failures - 2 : 8);
	return d > DELAY_CAP_S ? DELAY_CAP_S : (int)d;
}

enum pin { PIN_OK, PIN_WRONG, PIN_WAIT, PIN_ERROR };

/*
 * Check an attempt at the staff PIN, recorded in the kiosk trail whatever
 * the outcome. While the wait after earlier wrong attempts has not passed
 * the attempt is refused unchecked (and counts as wrong). *wait_s is the
 * wait now in force.
 */
static enum pin pin_check(db *d, const char *pin, int64_t session, int *wait_s)
{
	int failures = 0;
	int64_t last = 0;
	char *hash = NULL;
	enum pin r = PIN_ERROR;
	*wait_s = 0;
	if (db_kiosk_failures(d, &failures, &last) != DB_OK ||
	    db_setting_get(d, DB_SETTING_KIOSK_PIN, &hash) != DB_OK)
		goto out_free;
	int64_t left = (int64_t)delay_after(failures) - ((int64_t)time(NULL) - last);
	if (left > 0) {
		r = PIN_WAIT;
		db_kiosk_event_add(d, "pin_refused", session, "before the wait ended");
	} else if (crypto_pwhash_str_verify(hash, pin, strlen(pin)) == 0) {
		r = db_kiosk_event_add(d, "pin_accepted", session, NULL) == DB_OK
			    ? PIN_OK : PIN_ERROR;
		goto out_free;
	} else {
		r = PIN_WRONG;
		db_kiosk_event_add(d, "pin_refused", session, "wrong PIN");
	}
	if (db_kiosk_failures(d, &failures, &last) == DB_OK)
		*wait_s = delay_after(failures);
out_free:
	if (hash)
		sodium_memzero(hash, strlen(hash));
	free(hash);
	return r;
}

/*
 * Ask for the staff PIN under the screen built so far, until it is right
 * (true) or the screen is left: an empty line, or no key within idle_ms
 * (-1: wait for ever) gives false. *stop is set on SIGTERM/SIGHUP.
 */
static bool pin_ask(struct kiosk *k, const char *prompt, int idle_ms,
		    int64_t session, bool *stop)
{
	char pin[PIN_MAX + 1];
	int base = k->n_lines;
	*stop = false;
	for (;;) {
		screen_show(k);
		out(prompt);
		enum rd rd = line_get(pin, sizeof(pin), true, idle_ms);
		if (rd == RD_STOP)
			*stop = true;
		if (rd != RD_LINE || !*pin)
			break;
		int wait_s = 0;
		enum pin r = pin_check(k->d, pin, session, &wait_s);
		sodium_memzero(pin, sizeof(pin));
		k->n_lines = base;
		if (r == PIN_OK)
			return true;
		screen_line(k, "");
		if (r == PIN_ERROR)
			screen_line(k, " The PIN cannot be checked now (the store "
				    "is not answering).");
		else if (r == PIN_WAIT)
			screen_printf(k, " Too many wrong PINs. Wait %d seconds, "
				      "then try again.", wait_s);
		else if (wait_s)
			screen_printf(k, " Wrong PIN. Wait %d seconds before the "
				      "next try.", wait_s);
		else
			screen_line(k, " Wrong PIN.");
	}
	sodium_memzero(pin, sizeof(pin));
	k->n_lines = base;
	return false;
}

/* --------------------------------------------------------- the patient */

static const char *choice_label(const struct engine_question *q, size_t i,
				char *buf, size_t size)
{
	const char *l = q->choice_labels ? q->choice_labels[i] : NULL;
	if (l && *l)
		return l;
	/* No plain words in the rule base: the choice's own name. */
	snprintf(buf, size, "%s", q->choices[i]);
	for (char *c = buf; *c; c++)
		if (*c == '_')
			*c = ' ';
	if (*buf)
		*buf = (char)toupper((unsigned char)*buf);
	return buf;
}

static bool has_unsure_choice(const struct engine_question *q)
{
	for (size_t i = 0; i < q->n_choices; i++)
		if (strcmp(q->choices[i], "unsure") == 0)
			return true;
	return false;
}

static const char *const yesno_labels[] = { "Yes", "No", "Not sure" };
static const char *const yesno_values[] = { "yes", "no", "unsure" };

static bool numeric(const struct engine_question *q)
{
	return q->type == ENGINE_TYPE_INTEGER || q->type == ENGINE_TYPE_NUMBER ||
	       q->type == ENGINE_TYPE_SCALE;
}

/* What the patient may type, in plain words. */
static void how_to_answer(struct kiosk *k, const struct engine_question *q)
{
	char line[256];
	if (q->type == ENGINE_TYPE_SCALE) {
		snprintf(line, sizeof(line), "Type a number from %g to %g: %g means "
			 "no pain, %g the worst pain you can imagine. Then press "
			 "Enter.", q->min, q->max, q->min, q->max);
	} else if (numeric(q)) {
		snprintf(line, sizeof(line), "Type a %snumber from %g to %g%s%s, "
			 "then press Enter. If you do not know, type skip.",
			 q->type == ENGINE_TYPE_INTEGER ? "whole " : "", q->min,
			 q->max, *q->unit ? " " : "", q->unit);
	} else {
		snprintf(line, sizeof(line), "Type the number of your answer, then "
			 "press Enter.");
	}
	screen_wrap(k, 1, line);
}

static void question_screen(struct kiosk *k, const struct engine_question *q,
			    const char *note)
{
	size_t done = 0, left = 0;
	char progress[64], label[128];
	session_progress(k->s, &done, &left);
	snprintf(progress, sizeof(progress), "question %zu of about %zu",
		 done + 1, done + (left ? left : 1));
	screen_clear(k);
	screen_head(k, progress);
	screen_wrap(k, 2, q->patient_text);
	screen_line(k, "");
	if (q->type == ENGINE_TYPE_YESNO) {
		for (size_t i = 0; i < 3; i++)
			screen_printf(k, "     %zu   %s", i + 1, yesno_labels[i]);
	} else if (q->type == ENGINE_TYPE_CHOICE) {
		for (size_t i = 0; i < q->n_choices && i < 9; i++)
			screen_printf(k, "     %zu   %s", i + 1,
				      choice_label(q, i, label, sizeof(label)));
		if (!has_unsure_choice(q) && q->n_choices < 9)
			screen_printf(k, "     %zu   Not sure, or I would rather "
				      "not say", q->n_choices + 1);
	} else if (*q->unit) {
		screen_printf(k, "     (in %s)", q->unit);
	}
	screen_line(k, "");
	how_to_answer(k, q);
	screen_line(k, " Type back to go to the last question, or help for help.");
	if (note) {
		screen_line(k, "");
		screen_wrap(k, 1, note);
	}
	screen_line(k, "");
	screen_show(k);
	out(" Your answer: ");
}

/*
 * The canonical answer text for what was typed to q, or NULL when it is not
 * one of the offered answers. buf holds numbers.
 */
static const char *answer_text(const struct engine_question *q, const char *in,
			       char *buf, size_t size)
{
	char *end;
	if (strcmp(in, "skip") == 0)
		return "skip";
	if (q->type == ENGINE_TYPE_YESNO) {
		long n = strtol(in, &end, 10);
		if (*in && *end == '\0' && n >= 1 && n <= 3)
			return yesno_values[n - 1];
		if (strcmp(in, "y") == 0 || strcmp(in, "yes") == 0)
			return "yes";
		if (strcmp(in, "n") == 0 || strcmp(in, "no") == 0)
			return "no";
		if (strcmp(in, "not sure") == 0 || strcmp(in, "unsure") == 0)
			return "unsure";
		return NULL;
	}
	if (q->type == ENGINE_TYPE_CHOICE) {
		long n = strtol(in, &end, 10);
		size_t shown = q->n_choices < 9 ? q->n_choices : 9;
		if (*in && *end == '\0' && n >= 1 && (size_t)n <= shown)
			return q->choices[n - 1];
		if (*in && *end == '\0' && (size_t)n == shown + 1 &&
		    !has_unsure_choice(q) && shown < 9)
			return "skip";
		return NULL;
	}
	/* A number: digits (a point for decimals), a unit after it is fine. */
	size_t n = strspn(in, "0123456789.");
	if (n == 0 || n >= size)
		return NULL;
	memcpy(buf, in, n);
	buf[n] = '\0';
	const char *rest = in + n;
	while (*rest == ' ')
		rest++;
	if (*rest && !(*q->unit && strcasecmp(rest, q->unit) == 0))
		return NULL;
	return buf;
}

/* Plain words for an answer that was not one of those offered. */
static void not_allowed(const struct engine_question *q, char *buf,
			size_t size)
{
	if (q->type == ENGINE_TYPE_YESNO)
		snprintf(buf, size, "Please type 1, 2 or 3, then press Enter.");
	else if (q->type == ENGINE_TYPE_CHOICE)
		snprintf(buf, size, "Please type the number of one of the answers "
			 "above, then press Enter.");
	else
		snprintf(buf, size, "Please type a %snumber from %g to %g.",
			 q->type == ENGINE_TYPE_NUMBER ? "" : "whole ", q->min,
			 q->max);
}

/* Help for q: its plain wording again and how to answer (the rule base
 * has no separate help text for patients). */
static enum rd help_screen(struct kiosk *k, const struct engine_question *q)
{
	char typed[LINE_MAX_IN + 1];
	screen_clear(k);
	screen_head(k, "help");
	screen_line(k, " The question is:");
	screen_line(k, "");
	screen_wrap(k, 2, q->patient_text);
	screen_line(k, "");
	how_to_answer(k, q);
	if (q->type == ENGINE_TYPE_YESNO)
		screen_wrap(k, 1, "If you are not sure what it means, or whether "
			    "it is true for you, choose 3 (Not sure).");
	screen_line(k, "");
	screen_wrap(k, 1, "Type back at any question to go to the question "
		    "before and answer it again.");
	screen_wrap(k, 1, "If you need help, a member of staff at the desk "
		    "will help you.");
	screen_line(k, "");
	screen_show(k);
	out(" Press Enter to go back to the question. ");
	return line_get(typed, sizeof(typed), false, k->idle_ms);
}

/* "Are you still there?": true when a key came within the grace time. */
static bool still_there(struct kiosk *k, bool *stop)
{
	screen_clear(k);
	screen_head(k, NULL);
	screen_line(k, "");
	screen_line(k, "   Are you still there?");
	screen_line(k, "");
	screen_printf(k, "   Press any key within %d seconds to carry on.",
		      k->grace_ms / 1000 ? k->grace_ms / 1000 : 1);
	screen_line(k, "   If you do not, your answers so far are put away and "
		    "the screen is cleared");
	screen_line(k, "   for the next person.");
	screen_show(k);
	int c = key_get(k->grace_ms);
	*stop = c == KEY_STOP;
	return c >= 0;
}

/* A message to the patient when the kiosk cannot go on with them. */
static enum next sorry(struct kiosk *k)
{
	screen_clear(k);
	screen_head(k, NULL);
	screen_wrap(k, 3, "Sorry, the self-check cannot save your answers at "
		    "the moment.");
	screen_line(k, "");
	screen_wrap(k, 3, "Please tell a member of staff at the desk. If your "
		    "pain is severe or you feel unwell, tell them at once.");
	screen_show(k);
	return key_get(k->idle_ms) == KEY_STOP ? STOP : NEXT_PATIENT;
}

/* Put the patient's session away as abandoned, trying a few times. */
static void abandon(struct kiosk *k)
{
	for (int i = 0; i < STORE_TRIES; i++)
		if (session_abandon(k->s) == SESSION_OK)
			return;
}

/*
 * The emergency screen: what to do now, in plain words; it stays until
 * staff clear it with the PIN. The session is already saved.
 */
static enum next emergency_screen(struct kiosk *k, bool saved)
{
	const struct engine_level *l = engine_level(k->e);
	const struct engine_finding *f = NULL;
	for (size_t i = 0; i < engine_finding_count(k->e); i++) {
		const struct engine_finding *g = engine_finding_at(k->e, i);
		if (strcmp(g->level, l->id) == 0) {
			f = g;
			break;
		}
	}
	screen_clear(k);
	screen_line(k, "");
	/* as many marks either side as the screen has room for, up to 20 */
	int marks = (k->width - 3 - 20) / 2;
	marks = marks > 20 ? 20 : marks < 3 ? 3 : marks;
	screen_printf(k, "   %.*s   PLEASE ACT NOW   %.*s", marks,
		      "!!!!!!!!!!!!!!!!!!!!", marks, "!!!!!!!!!!!!!!!!!!!!");
	screen_line(k, "");
	screen_wrap(k, 3, l->patient_text);
	screen_line(k, "");
	screen_wrap(k, 3, "Tell a member of staff now. If you are alone, call "
		    "for help now.");
	screen_line(k, "");
	if (f && f->patient_text && *f->patient_text)
		screen_wrap(k, 3, f->patient_text);
	if (l->safety_net && *l->safety_net) {
		screen_line(k, "");
		screen_wrap(k, 3, l->safety_net);
	}
	screen_line(k, "");
	if (saved)
		screen_printf(k, "   Reference for the staff: %s",
			      session_code(k->s));
	screen_line(k, "   Staff: type the PIN and press Enter to clear this "
		    "screen.");
	bool stop;
	for (;;) {
		if (pin_ask(k, " PIN: ", -1, session_id(k->s), &stop)) {
			db_kiosk_event_add(k->d, "emergency_cleared",
					   session_id(k->s), NULL);
			return NEXT_PATIENT;
		}
		if (stop)
			return STOP;
	}
}

/* Append the wrapped text, then page when the screen is full. Returns
 * false when the patient left (timeout) or a stop came. */
static bool end_page(struct kiosk *k, bool last, bool *stop)
{
	screen_line(k, "");
	screen_show(k);
	out(last ? " Press any key when you have finished. "
		 : " Press any key to read on. ");
	flush();
	int c = key_get(k->idle_ms);
	*stop = c == KEY_STOP;
	return c >= 0;
}

/* One paragraph of the advice, with the heading it opens (or NULL). */
struct para {
	const char *heading;
	const char *text;
};

/*
 * Show paragraphs under a "your advice" head, as many pages as they need
 * (a paragraph never split unless it alone fills a page). False when the
 * patient left (no key in time) or a stop came.
 */
static bool advice_pages(struct kiosk *k, const struct para *paras, size_t n,
			 bool *stop)
{
	screen_clear(k);
	screen_head(k, "your advice");
	int top = k->n_lines;
	for (size_t i = 0; i < n; i++) {
		int before = k->n_lines;
		if (paras[i].heading)
			screen_line(k, paras[i].heading);
		screen_wrap(k, 3, paras[i].text);
		screen_line(k, "");
		if (k->n_lines <= ROWS - 3 || before == top)
			continue;
		k->n_lines = before;
		if (!end_page(k, false, stop))
			return false;
		screen_clear(k);
		screen_head(k, "your advice");
		if (paras[i].heading)
			screen_line(k, paras[i].heading);
		screen_wrap(k, 3, paras[i].text);
		screen_line(k, "");
	}
	k->n_lines--;   /* end_page() adds the blank line */
	return end_page(k, true, stop);
}

/* The thank-you screen with the code, then the advice: the level's, each
 * recommendation's, then what to watch for (the level's, then each
 * finding's own). Any key on the last page or a timeout ends it. */
static enum next end_screens(struct kiosk *k)
{
	const struct engine_level *l = engine_level(k->e);
	bool stop = false;
	screen_clear(k);
	screen_head(k, "finished");
	screen_line(k, "   Thank you. You have answered all the questions.");
	screen_line(k, "");
	screen_line(k, "   Your reference code - please give it to the staff:");
	screen_line(k, "");
	screen_code(k, session_code(k->s));
	screen_line(k, "");
	screen_wrap(k, 3, l->patient_text);
	if (!end_page(k, false, &stop))
		return stop ? STOP : NEXT_PATIENT;

	size_t cap = 2 + engine_recommendation_count(k->e) +
		     engine_finding_count(k->e);
	struct para *paras = calloc(cap, sizeof(*paras));
	size_t n = 0;
	if (!paras)
		return NEXT_PATIENT;
	paras[n++] = (struct para){ NULL, l->patient_text };
	for (size_t i = 0; i < engine_recommendation_count(k->e); i++) {
		const char *t = engine_recommendation_at(k->e, i)->patient_text;
		if (t && *t)
			paras[n++] = (struct para){ NULL, t };
	}
	paras[n++] = (struct para){ "   What to watch for:", l->safety_net };
	for (size_t i = 0; i < engine_finding_count(k->e); i++) {
		const char *t = engine_finding_at(k->e, i)->safety_net;
		if (t && *t)
			paras[n++] = (struct para){ NULL, t };
	}
	advice_pages(k, paras, n, &stop);
	free(paras);
	return stop ? STOP : NEXT_PATIENT;
}

/* Save the conclusions, trying a few times. */
static bool finish(struct kiosk *k, const char *status)
{
	for (int i = 0; i < STORE_TRIES; i++)
		if (session_finish(k->s, status) == SESSION_OK)
			return true;
	return false;
}

/* Staff leaving kiosk mode from a patient's screen or the welcome. */
static enum next staff(struct kiosk *k, int64_t session)
{
	bool stop;
	screen_clear(k);
	screen_head(k, "staff");
	screen_line(k, "   Staff only: type the PIN to leave kiosk mode, or "
		    "just press Enter to go back.");
	screen_line(k, "");
	if (pin_ask(k, " PIN: ", k->idle_ms, session, &stop)) {
		db_kiosk_event_add(k->d, "kiosk_left", session, NULL);
		return LEAVE;
	}
	return stop ? STOP : NEXT_PATIENT;
}

static enum next patient(struct kiosk *k)
{
	char typed[LINE_MAX_IN + 1], buf[64], note[256];
	const char *msg = NULL;
	enum next r = NEXT_PATIENT;
	struct db_session_new info = { .mode = "kiosk",
				       .program_version = cli_version };
	if (!(k->s = session_new(k->e, k->d, SESSION_KIOSK)))
		return FAILED;
	int rc = SESSION_ESTORE;
	for (int i = 0; i < STORE_TRIES && rc == SESSION_ESTORE; i++)
		rc = session_start(k->s, &info);
	if (rc != SESSION_OK) {
		r = sorry(k);
		goto out_free;
	}
	for (;;) {
		if (session_is_emergency(k->s)) {
			bool saved = finish(k, "emergency_stopped");
			r = emergency_screen(k, saved);
			goto out_free;
		}
		const struct engine_question *q = session_next_question(k->s);
		if (!q) {
			r = finish(k, "complete") ? end_screens(k) : sorry(k);
			goto out_free;
		}
		question_screen(k, q, msg);
		msg = NULL;
		enum rd rd = line_get(typed, sizeof(typed), false, k->idle_ms);
		if (rd == RD_STOP) {
			abandon(k);
			r = STOP;
			goto out_free;
		}
		if (rd == RD_IDLE) {
			bool stop;
			if (still_there(k, &stop))
				continue;
			abandon(k);
			r = stop ? STOP : NEXT_PATIENT;
			goto out_free;
		}
		for (char *c = typed; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		char *in = typed;
		while (*in == ' ')
			in++;
		for (size_t n = strlen(in); n && in[n - 1] == ' ';)
			in[--n] = '\0';
		if (!*in) {
			msg = "Please type your answer, then press Enter.";
			continue;
		}
		if (strcmp(in, "help") == 0 || strcmp(in, "?") == 0) {
			if (help_screen(k, q) == RD_STOP) {
				abandon(k);
				r = STOP;
				goto out_free;
			}
			continue;
		}
		if (strcmp(in, "back") == 0) {
			rc = session_back(k->s);
			if (rc == SESSION_EINVAL)
				msg = "This is the first question.";
			else if (rc != SESSION_OK)
				msg = "Sorry, that did not work. Please try again.";
			continue;
		}
		if (strcmp(in, "staff") == 0) {
			r = staff(k, session_id(k->s));
			if (r == LEAVE || r == STOP) {
				abandon(k);
				goto out_free;
			}
			continue;
		}
		const char *text = answer_text(q, in, buf, sizeof(buf));
		if (!text) {
			not_allowed(q, note, sizeof(note));
			msg = note;
			continue;
		}
		rc = SESSION_ESTORE;
		for (int i = 0; i < STORE_TRIES && rc == SESSION_ESTORE; i++)
			rc = session_answer(k->s, q->id, text);
		if (rc == SESSION_EINVAL) {
			not_allowed(q, note, sizeof(note));
			msg = note;
		} else if (rc != SESSION_OK) {
			abandon(k);
			r = sorry(k);
			goto out_free;
		}
	}
out_free:
	session_free(k->s);
	k->s = NULL;
	/* Nothing of this patient stays: the engine forgets the answers and
	 * the screen, its scrollback and the title are cleared. */
	engine_answers_clear(k->e);
	clear_all();
	flush();
	return r;
}

static enum next welcome(struct kiosk *k)
{
	char typed[LINE_MAX_IN + 1];
	for (;;) {
		screen_clear(k);
		screen_head(k, NULL);
		screen_line(k, "");
		screen_line(k, "   Welcome.");
		screen_line(k, "");
		screen_wrap(k, 3, "This self-check asks about pain in your knees, "
			    "hips, back and thigh muscles, one question at a "
			    "time. It takes about 5 to 10 minutes. At the end "
			    "you get a code to give to the staff.");
		screen_line(k, "");
		screen_wrap(k, 3, "If you have severe pain, chest pain or trouble "
			    "breathing, do not use this screen: tell a member "
			    "of staff now.");
		screen_line(k, "");
		screen_show(k);
		out("   Press Enter to start. ");
		enum rd rd = line_get(typed, sizeof(typed), false, -1);
		if (rd == RD_STOP)
			return STOP;
		for (char *c = typed; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		if (strcmp(typed, "staff") == 0) {
			enum next r = staff(k, 0);
			if (r != NEXT_PATIENT)
				return r;
			continue;
		}
		return patient(k);
	}
}

/* ------------------------------------------------------------ set-pin */

/* Read a line from stdin without echo on a terminal. */
static int read_secret(const char *prompt, char *buf, size_t size)
{
	struct termios old, t;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	fputs(prompt, stderr);
	fflush(stderr);
	if (tty) {
		t = old;
		t.c_lflag &= ~(tcflag_t)ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
	}
	bool ok = fgets(buf, (int)size, stdin) != NULL;
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		fputc('\n', stderr);
	}
	if (!ok)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static bool pin_ok(const char *pin)
{
	size_t n = strlen(pin);
	if (n < PIN_MIN || n > PIN_MAX)
		return false;
	for (const char *c = pin; *c; c++)
		if (*c < 0x21 || *c > 0x7e)
			return false;
	return true;
}

static int set_pin(db *d)
{
	char a[PIN_MAX + 2], b[PIN_MAX + 2];
	char hash[crypto_pwhash_STRBYTES];
	char *old = NULL;
	int status = 1;
	int rc = db_setting_get(d, DB_SETTING_KIOSK_PIN, &old);
	if (rc != DB_OK && rc != DB_ENOTFOUND) {
		say_store_error(db_errmsg(d));
		return 1;
	}
	if (old) {
		int wait_s = 0;
		if (read_secret("current staff PIN: ", a, sizeof(a)) != 0) {
			fprintf(stderr, "msktriage: no PIN given\n");
			status = 2;
			goto out_free;
		}
		enum pin r = pin_check(d, a, 0, &wait_s);
		if (r != PIN_OK) {
			fprintf(stderr, "msktriage: %s\n", r == PIN_WAIT
				? "too many wrong PINs: wait, then try again"
				: r == PIN_WRONG ? "wrong PIN"
				: db_errmsg(d));
			status = r == PIN_ERROR ? 1 : 2;
			goto out_free;
		}
	}
	if (read_secret("new staff PIN (4 to 64 characters): ", a, sizeof(a)) != 0 ||
	    read_secret("the same PIN again: ", b, sizeof(b)) != 0) {
		fprintf(stderr, "msktriage: no PIN given\n");
		status = 2;
		goto out_free;
	}
	if (!pin_ok(a)) {
		fprintf(stderr, "msktriage: 'PIN' must be 4 to 64 characters, "
			"letters, digits or punctuation, no spaces\n");
		status = 2;
		goto out_free;
	}
	if (strcmp(a, b) != 0) {
		fprintf(stderr, "msktriage: the two PINs differ; nothing changed\n");
		status = 2;
		goto out_free;
	}
	if (crypto_pwhash_str(hash, a, strlen(a),
			      crypto_pwhash_OPSLIMIT_INTERACTIVE,
			      crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
		fprintf(stderr, "msktriage: out of memory\n");
		goto out_free;
	}
	if (db_setting_put(d, DB_SETTING_KIOSK_PIN, hash) != DB_OK ||
	    db_kiosk_event_add(d, "pin_set", 0, NULL) != DB_OK) {
		say_store_error(db_errmsg(d));
		goto out_free;
	}
	printf("staff PIN set\n");
	status = 0;
out_free:
	sodium_memzero(a, sizeof(a));
	sodium_memzero(b, sizeof(b));
	free(old);
	return status;
}

/* -------------------------------------------------------------- command */

static const char kiosk_usage[] =
	"usage: msktriage [--rules DIR] [--db PATH] kiosk [--idle-timeout S] [--idle-grace S]\n"
	"       msktriage [--rules DIR] [--db PATH] kiosk --set-pin\n"
	"\n"
	"Run the patient self-check on this terminal, one patient after another,\n"
	"until staff leave it with the PIN (type 'staff' at any screen). Patients\n"
	"cannot leave it: Ctrl-C, Ctrl-Z, Ctrl-\\ and Ctrl-D do nothing.\n"
	"\n"
	"  --set-pin          set or change the staff PIN (asks for the current\n"
	"                     one first); kept in the store as a slow salted hash\n"
	"  --idle-timeout S   ask \"are you still there?\" after S seconds without\n"
	"                     a key (default 120)\n"
	"  --idle-grace S     then wait S seconds for a key before the answers\n"
	"                     are put away as abandoned (default 30; keep it at\n"
	"                     20 or more)\n"
	"\n"
	"Staff open a patient's answers with 'msktriage report CODE' and list\n"
	"kiosk sessions with 'msktriage sessions list --mode kiosk'.\n"
	"\n"
	"Exit status: 0 left with the PIN or stopped, 1 runtime failure, 2 bad\n"
	"usage or no PIN set.\n";

static bool seconds_arg(const char *s, int *ms)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < 1 || v > 86400)
		return false;
	*ms = (int)v * 1000;
	return true;
}

int cli_kiosk(int argc, char **argv, const struct cli_options *opt)
{
	struct kiosk k = { .opt = opt, .idle_ms = 120000, .grace_ms = 30000,
			    .width = WIDTH_MAX };
	bool want_pin = false;
	int status = 1;
	char *hash = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(kiosk_usage, stdout);
			return 0;
		} else if (strcmp(a, "--set-pin") == 0) {
			want_pin = true;
		} else if (strcmp(a, "--idle-timeout") == 0 && i + 1 < argc) {
			if (!seconds_arg(argv[++i], &k.idle_ms)) {
				fprintf(stderr, "msktriage: '--idle-timeout' must be "
					"a whole number of seconds from 1 to 86400\n");
				return 2;
			}
		} else if (strcmp(a, "--idle-grace") == 0 && i + 1 < argc) {
			if (!seconds_arg(argv[++i], &k.grace_ms)) {
				fprintf(stderr, "msktriage: '--idle-grace' must be "
					"a whole number of seconds from 1 to 86400\n");
				return 2;
			}
		} else {
			fprintf(stderr, "msktriage: unknown or incomplete option "
				"'%.64s' for kiosk\n%s", a, kiosk_usage);
			return 2;
		}
	}
	/* No readline here, but nothing started from this process may read
	 * an inputrc either. */
	setenv("INPUTRC", "/dev/null", 1);
	if (sodium_init() < 0) {
		fprintf(stderr, "msktriage: cannot start libsodium\n");
		return 1;
	}
	if (!(k.d = cli_store_open(opt, "kiosk")))
		return 1;
	if (want_pin) {
		status = set_pin(k.d);
		goto out_close;
	}
	int rc = db_setting_get(k.d, DB_SETTING_KIOSK_PIN, &hash);
	free(hash);
	if (rc == DB_ENOTFOUND) {
		fprintf(stderr, "msktriage: no staff PIN is set: run 'msktriage "
			"kiosk --set-pin' first (the kiosk cannot be left "
			"without it)\n");
		status = 2;
		goto out_close;
	} else if (rc != DB_OK) {
		say_store_error(db_errmsg(k.d));
		goto out_close;
	}
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "msktriage: the kiosk needs a terminal\n");
		status = 2;
		goto out_close;
	}
	if (!(k.e = cli_engine_open(opt)))
		goto out_close;
	const char *term = getenv("TERM");
	title_ok = term && (strncmp(term, "xterm", 5) == 0 ||
			    strncmp(term, "screen", 6) == 0 ||
			    strncmp(term, "tmux", 4) == 0 ||
			    strncmp(term, "rxvt", 4) == 0);
	signals_set();
	if (term_raw(&k) != 0) {
		fprintf(stderr, "msktriage: cannot set up the terminal\n");
		goto out_close;
	}
	db_kiosk_event_add(k.d, "kiosk_started", 0, NULL);
	enum next r;
	do
		r = welcome(&k);
	while (r == NEXT_PATIENT);
	clear_all();
	flush();
	status = r == FAILED ? 1 : 0;
out_close:
	term_restore(&k);
	engine_free(k.e);
	db_close(k.d);
	return status;
}
