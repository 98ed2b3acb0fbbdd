/*
 * term_out.c — the output half of term.h: colour, wrapping, and text that
 * did not come from the program shown so that it cannot drive a terminal
 * or forge a line of a report.
 *
 * Text is handled one unit at a time: a well-formed UTF-8 character shown
 * as itself, or an escape standing for one character or one byte:
 *
 *   \n \r \t \xNN      C0 controls and DEL (0x7f)
 *   \uNNNN             C1 controls in UTF-8 (U+0080..U+009F), line and
 *                      paragraph separators (U+2028, U+2029) and the
 *                      bidirectional marks, embeddings, overrides and
 *                      isolates (U+061C, U+200E, U+200F, U+202A..U+202E,
 *                      U+2066..U+2069)
 *   \xNN               each byte that is not part of well-formed UTF-8
 *                      (a raw 0x9b, 0xff, an overlong form, a surrogate)
 *   \\                 a backslash, so that an escape is never ambiguous
 *
 * A unit is never split: truncation and wrapping happen between units. A
 * character takes the columns wcwidth() gives it in a UTF-8 locale (two
 * for East Asian wide characters, none for a combining mark), whatever the
 * process's own locale; an escape as many as it has characters.
 */
/* wcwidth() is X/Open. */
#define _XOPEN_SOURCE 700
#include "cli/term.h"

#include <locale.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <wchar.h>

/* ------------------------------------------------------------- colour */

void term_out_plain(struct term_out *o, FILE *f)
{
	o->f = f;
	o->colour = false;
	o->width = 80;
}

int term_width(FILE *f)
{
	int fd = f ? fileno(f) : -1;
	struct winsize ws;
	long cols = 0;
	if (fd >= 0 && isatty(fd)) {
		if (ioctl(fd, TIOCGWINSZ, &ws) == 0)
			cols = ws.ws_col;
	} else {
		const char *env = getenv("COLUMNS");
		char *end;
		if (env && *env) {
			cols = strtol(env, &end, 10);
			if (*end != '\0')
				cols = 0;
		}
	}
	if (cols <= 0 || cols > TERM_WIDTH_MAX)
		return cols > TERM_WIDTH_MAX ? TERM_WIDTH_MAX : 80;
	return cols < TERM_WIDTH_MIN ? TERM_WIDTH_MIN : (int)cols;
}

void term_out_init(struct term_out *o, FILE *f)
{
	term_out_plain(o, f);
	o->width = term_width(f);
	int fd = fileno(f);
	if (fd < 0 || !isatty(fd))
		return;
	const char *no_colour = getenv("NO_COLOR");
	const char *term = getenv("TERM");
	o->colour = !(no_colour && *no_colour) && term && *term &&
		    strcmp(term, "dumb") != 0;
}

const char *term_sgr(const struct term_out *o, enum term_attr a)
{
	if (!o->colour)
		return "";
	switch (a) {
	case TERM_BOLD: return "\033[1m";
	case TERM_DIM: return "\033[2m";
	case TERM_RED: return "\033[1;31m";
	case TERM_YELLOW: return "\033[33m";
	case TERM_GREEN: return "\033[32m";
	case TERM_CYAN: return "\033[1;36m";
	case TERM_RESET: return "\033[0m";
	}
	return "";
}

/* -------------------------------------------------------------- units */

struct unit {
	char text[12];  /* what is shown, NUL-terminated */
	size_t len;     /* bytes of text */
	size_t used;    /* bytes of the source it stands for */
	int cols;
};

/*
 * The length of the well-formed UTF-8 sequence at p (the Unicode
 * standard's table 3-7: no overlong forms, no surrogates, nothing above
 * U+10FFFF) and its code point in *cp; 0 when p starts no such sequence.
 * Reads no further than a NUL, which is never a continuation byte.
 */
static size_t utf8_seq(const unsigned char *p, uint32_t *cp)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xBF;
	size_t n;
	uint32_t v;
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xC2 && c <= 0xDF) {
		n = 2;
		v = c & 0x1F;
	} else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		v = c & 0x0F;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		v = c & 0x07;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned char b = p[i];
		if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF))
			return 0;
		v = (v << 6) | (b & 0x3F);
	}
	*cp = v;
	return n;
}

/* Characters that are invisible or move text about: shown as \uNNNN. */
static bool format_char(uint32_t cp)
{
	return (cp >= 0x80 && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
	       cp == 0x200F || (cp >= 0x2028 && cp <= 0x202E) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

static locale_t utf8;
static pthread_once_t utf8_once = PTHREAD_ONCE_INIT;

static void utf8_open(void)
{
	utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
}

/*
 * Columns cp takes on a terminal: wcwidth() under a C.UTF-8 locale of this
 * thread's own (the process's locale may be "C", which knows no character
 * above 0x7f). Without that locale, or for a character wcwidth() does not
 * know, one column.
 */
static int char_width(uint32_t cp)
{
	if (cp < 0x300)
		return 1;
	pthread_once(&utf8_once, utf8_open);
	if (!utf8)
		return 1;
	locale_t old = uselocale(utf8);
	int w = wcwidth((wchar_t)cp);
	uselocale(old);
	return w < 0 ? 1 : w;
}

/* The unit at p (not at its end). backslash: escape '\' too. */
static void next_unit(const unsigned char *p, bool backslash, struct unit *u)
{
	uint32_t cp = 0;
	size_t n = utf8_seq(p, &cp);
	u->used = n ? n : 1;
	if (n == 0)
		snprintf(u->text, sizeof(u->text), "\\x%02x", p[0]);
	else if (cp == '\n')
		snprintf(u->text, sizeof(u->text), "\\n");
	else if (cp == '\r')
		snprintf(u->text, sizeof(u->text), "\\r");
	else if (cp == '\t')
		snprintf(u->text, sizeof(u->text), "\\t");
	else if (cp < 0x20 || cp == 0x7F)
		snprintf(u->text, sizeof(u->text), "\\x%02x", (unsigned)cp);
	else if (format_char(cp))
		snprintf(u->text, sizeof(u->text), "\\u%04x", (unsigned)cp);
	else if (cp == '\\' && backslash)
		snprintf(u->text, sizeof(u->text), "\\\\");
	else {
		memcpy(u->text, p, n);
		u->text[n] = '\0';
		u->len = n;
		u->cols = char_width(cp);
		return;
	}
	u->len = strlen(u->text);
	u->cols = (int)u->len;
}

/* ---------------------------------------------------- untrusted text */

void term_put_untrusted(FILE *f, const char *s)
{
	struct unit u;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	for (; *p; p += u.used) {
		next_unit(p, true, &u);
		fwrite(u.text, 1, u.len, f);
	}
}

const char *term_escape(char *buf, size_t size, const char *s, int max_cols)
{
	struct unit u;
	size_t n = 0;
	int cols = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	if (size == 0)
		return "";
	for (; *p; p += u.used) {
		next_unit(p, true, &u);
		if (n + u.len >= size || (max_cols > 0 && cols + u.cols > max_cols))
			break;
		memcpy(buf + n, u.text, u.len);
		n += u.len;
		cols += u.cols;
	}
	buf[n] = '\0';
	return buf;
}

int term_columns(const char *s)
{
	struct unit u;
	int c = 0;
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;
	     p += u.used) {
		next_unit(p, false, &u);
		c += u.cols;
	}
	return c;
}

bool term_utf8_valid(const char *s)
{
	uint32_t cp;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = utf8_seq(p, &cp);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

char *term_utf8_repair(const char *s)
{
	static const char fffd[] = "\xef\xbf\xbd";
	uint32_t cp;
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	/* At worst each byte becomes three. */
	char *out = malloc(strlen((const char *)p) * 3 + 1);
	size_t n = 0;
	if (!out)
		return NULL;
	while (*p) {
		size_t k = utf8_seq(p, &cp);
		if (k == 0) {
			memcpy(out + n, fffd, 3);
			n += 3;
			p++;
		} else {
			memcpy(out + n, p, k);
			n += k;
			p += k;
		}
	}
	out[n] = '\0';
	return out;
}

/* ------------------------------------------------------------ wrapping */

/*
 * Print text as a paragraph, word by word; a word longer than a line is
 * broken between units. The spaces between two words on one line are kept
 * as they are (the padding of a table's columns); where a line breaks they
 * go, as do the spaces a paragraph or a line starts with. Untrusted text has every newline and tab escaped
 * and so is one paragraph; the program's own text keeps its newlines as
 * line breaks and takes tabs as spaces, but has its other control
 * characters escaped all the same.
 */
static void wrap(FILE *f, int width, const char *on, const char *off,
		 int indent, int hang, const char *text, bool untrusted)
{
	/* Leave the last column free: some terminals wrap on it. */
	int limit = width - 1;
	int col = 0, start = 0, gap = 0;
	bool first = true, line_start = true;
	const unsigned char *p = (const unsigned char *)(text ? text : "");
	struct unit u;

	fputs(on, f);
	while (*p) {
		if (*p == '\n' && !untrusted) {
			fputc('\n', f);
			line_start = true;
			gap = 0;
			p++;
			continue;
		}
		if (*p == ' ' || (*p == '\t' && !untrusted)) {
			gap++;
			p++;
			continue;
		}
		const unsigned char *end = p;
		int w = 0;
		while (*end && *end != ' ' &&
		       (untrusted || (*end != '\n' && *end != '\t'))) {
			next_unit(end, untrusted, &u);
			w += u.cols;
			end += u.used;
		}
		if (line_start) {
			start = first ? indent : hang;
			fprintf(f, "%*s", start, "");
			col = start;
			first = line_start = false;
		} else if (col + gap + w > limit) {
			fprintf(f, "\n%*s", hang, "");
			col = start = hang;
		} else {
			fprintf(f, "%*s", gap, "");
			col += gap;
		}
		gap = 0;
		for (; p < end; p += u.used) {
			next_unit(p, untrusted, &u);
			if (col + u.cols > limit && col > start) {
				fprintf(f, "\n%*s", hang, "");
				col = start = hang;
			}
			fwrite(u.text, 1, u.len, f);
			col += u.cols;
		}
	}
	fputs(off, f);
	fputc('\n', f);
}

/* wrap() for a term_out: its width, and colour when it has colour. */
static void wrap_out(const struct term_out *o, int indent, int hang,
		     enum term_attr attr, const char *text, bool untrusted)
{
	const char *on = attr == TERM_RESET ? "" : term_sgr(o, attr);
	const char *off = *on ? term_sgr(o, TERM_RESET) : "";
	wrap(o->f, o->width, on, off, indent, hang, text, untrusted);
}

char *term_wrap_text(int width, int indent, int hang, const char *text)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	wrap(f, width, "", "", indent, hang, text, false);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

void term_wrap(const struct term_out *o, int indent, int hang,
	       enum term_attr attr, const char *text)
{
	wrap_out(o, indent, hang, attr, text, false);
}

void term_wrap_untrusted(const struct term_out *o, int indent, int hang,
			 enum term_attr attr, const char *text)
{
	wrap_out(o, indent, hang, attr, text, true);
}
