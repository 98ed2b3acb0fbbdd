/*
 * test_term.c — unit tests of term_out.c: untrusted text made visible
 * (every class of byte and character that could drive a terminal or forge
 * a line), truncation that never cuts a character or an escape, wrapping
 * (between words only, at 20 to 120 columns, counting display columns of
 * wide characters and combining marks, hanging indents, composed with
 * escaping, long multi-byte words), the width of a stream, UTF-8 checks
 * and repair.
 */
#include "cli/term.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What term_put_untrusted() prints for s. Caller frees. */
static char *put(const char *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	term_put_untrusted(f, s);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* No byte that a terminal acts on: C0, DEL, 0x80..0x9f, nor the UTF-8 C1
 * forms (which need 0xc2 followed by 0x80..0x9f). */
static void assert_inert(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fail_msg("control byte 0x%02x in \"%s\"", *p, s);
		if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fail_msg("C1 control in \"%s\"", s);
	}
	assert_true(term_utf8_valid(s));
}

static const struct {
	const char *in, *out;
} cases[] = {
	{ "plain text", "plain text" },
	{ "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe6\x97\xa5 \xf0\x9f\x98\x80" },
	/* C0, by name where it has one */
	{ "a\nLevel: self_care", "a\\nLevel: self_care" },
	{ "a\r\nb", "a\\r\\nb" },
	{ "a\tb", "a\\tb" },
	{ "\x01\x07\x08\x0b\x0c\x1f", "\\x01\\x07\\x08\\x0b\\x0c\\x1f" },
	/* ESC: a title change and a screen clear */
	{ "\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07" },
	{ "\x1b[2J", "\\x1b[2J" },
	/* DEL */
	{ "x\x7fy", "x\\x7fy" },
	/* C1 in UTF-8, both ends and the CSI; U+00A0 is no control */
	{ "\xc2\x80", "\\u0080" },
	{ "\xc2\x9b" "31m", "\\u009b31m" },
	{ "\xc2\x9f", "\\u009f" },
	{ "\xc2\xa0", "\xc2\xa0" },
	/* C1 as raw bytes: not UTF-8 at all */
	{ "\x9b" "2J", "\\x9b2J" },
	{ "\x80\x9f", "\\x80\\x9f" },
	/* other ill-formed UTF-8: byte by byte */
	{ "\xff\xfe", "\\xff\\xfe" },
	{ "\xc0\xaf", "\\xc0\\xaf" },                  /* overlong '/' */
	{ "\xe0\x80\xaf", "\\xe0\\x80\\xaf" },         /* overlong */
	{ "\xed\xa0\x80", "\\xed\\xa0\\x80" },         /* surrogate */
	{ "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80" }, /* above U+10FFFF */
	{ "ab\xe2\x82", "ab\\xe2\\x82" },              /* cut short */
	{ "\xe2\x82" "A", "\\xe2\\x82A" },
	/* line and paragraph separators, bidirectional controls */
	{ "\xe2\x80\xa8", "\\u2028" },
	{ "\xe2\x80\xa9", "\\u2029" },
	{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad\xe2\x80\xae",
	  "\\u202a\\u202b\\u202c\\u202d\\u202e" },
	{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
	  "\\u2066\\u2067\\u2068\\u2069" },
	{ "\xe2\x80\x8e\xe2\x80\x8f\xd8\x9c", "\\u200e\\u200f\\u061c" },
	{ "\xe2\x80\xaf\xe2\x81\xa0", "\xe2\x80\xaf\xe2\x81\xa0" }, /* U+202F, U+2060 */
	/* a backslash is escaped, so "\x1b" typed is not ESC shown */
	{ "\\x1b", "\\\\x1b" },
	{ "", "" },
};

static void test_escape_classes(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = put(cases[i].in);
		if (strcmp(got, cases[i].out) != 0)
			fail_msg("case %zu: got \"%s\", want \"%s\"", i, got,
				 cases[i].out);
		assert_inert(got);
		char buf[256];
		assert_string_equal(term_escape(buf, sizeof(buf), cases[i].in, 0),
				    cases[i].out);
		free(got);
	}
	char *got = put(NULL);
	assert_string_equal(got, "");
	free(got);
}

/* Every byte value in every position: the output is always inert. */
static void test_escape_every_byte(void **state)
{
	(void)state;
	char in[4], buf[64];
	for (int a = 1; a < 256; a++)
		for (int b = 0; b < 256; b++) {
			in[0] = (char)a;
			in[1] = (char)b;
			in[2] = b ? (char)0x9b : 0;
			in[3] = 0;
			char *got = put(in);
			assert_inert(got);
			assert_string_equal(term_escape(buf, sizeof(buf), in, 0), got);
			free(got);
		}
}

static void test_truncation(void **state)
{
	(void)state;
	char buf[64];
	const char *e4 = "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"; /* éééé */

	/* by bytes: never half a character */
	assert_string_equal(term_escape(buf, 6, e4, 0), "\xc3\xa9\xc3\xa9");
	assert_string_equal(term_escape(buf, 5, e4, 0), "\xc3\xa9\xc3\xa9");
	assert_string_equal(term_escape(buf, 4, e4, 0), "\xc3\xa9");
	assert_string_equal(term_escape(buf, 2, e4, 0), "");
	assert_string_equal(term_escape(buf, 5, "a\xf0\x9f\x98\x80", 0), "a");
	assert_string_equal(term_escape(buf, 6, "a\xf0\x9f\x98\x80", 0),
			    "a\xf0\x9f\x98\x80");
	/* by columns */
	assert_string_equal(term_escape(buf, sizeof(buf), e4, 3),
			    "\xc3\xa9\xc3\xa9\xc3\xa9");
	assert_int_equal(term_columns(buf), 3);
	/* never half an escape */
	assert_string_equal(term_escape(buf, sizeof(buf), "ab\x1b[2J", 5), "ab");
	assert_string_equal(term_escape(buf, sizeof(buf), "ab\x1b[2J", 6),
			    "ab\\x1b");
	assert_string_equal(term_escape(buf, 7, "ab\xc2\x9b", 0), "ab");
	assert_string_equal(term_escape(buf, 9, "ab\xc2\x9b", 0), "ab\\u009b");
	assert_string_equal(term_escape(buf, 5, "\x1b", 0), "\\x1b");
	assert_string_equal(term_escape(buf, 4, "\x1b", 0), "");
	assert_string_equal(term_escape(buf, 0, "x", 0), "");
}

/* Wrap into a string at width columns. */
static char *wrapped(int width, int indent, int hang, const char *text,
		     bool untrusted)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	assert_non_null(f);
	struct term_out o;
	term_out_plain(&o, f);
	o.width = width;
	if (untrusted)
		term_wrap_untrusted(&o, indent, hang, TERM_RESET, text);
	else
		term_wrap(&o, indent, hang, TERM_RESET, text);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* Each line at most max columns and well-formed UTF-8; returns the text
 * with the line breaks and the leading spaces taken out. */
static char *check_lines(char *out, int max)
{
	char *joined = calloc(strlen(out) + 1, 1);
	assert_non_null(joined);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		if (term_columns(l) > max)
			fail_msg("a line is %d columns: \"%s\"", term_columns(l), l);
		assert_true(term_utf8_valid(l));
		while (*l == ' ')
			l++;
		strcat(joined, l);
	}
	return joined;
}

static void test_wrap_long_multibyte_word(void **state)
{
	(void)state;
	/* 200 characters, 2 and 3 bytes each, with no space to break at */
	char word[1024] = "";
	for (int i = 0; i < 100; i++)
		strcat(word, "\xc3\xa9\xe6\x97\xa5");
	char *out = wrapped(80, 2, 4, word, true);
	size_t lines = 0;
	for (char *p = out; *p; p++)
		lines += *p == '\n';
	assert_true(lines >= 3);
	char *joined = check_lines(out, 79);
	assert_string_equal(joined, word);
	free(joined);
	free(out);

	/* the rule base's own text wraps the same way */
	out = wrapped(80, 0, 0, word, false);
	joined = check_lines(out, 79);
	assert_string_equal(joined, word);
	free(joined);
	free(out);

	/* a long word of escapes breaks between escapes, never inside one */
	char esc[512] = "";
	for (int i = 0; i < 60; i++)
		strcat(esc, "\x1b");
	out = wrapped(80, 2, 2, esc, true);
	for (char *l = strtok(out, "\n"); l; l = strtok(NULL, "\n")) {
		while (*l == ' ')
			l++;
		assert_true(term_columns(l) <= 79);
		assert_int_equal(strlen(l) % 4, 0);
		for (size_t i = 0; l[i]; i += 4)
			assert_memory_equal(l + i, "\\x1b", 4);
	}
	free(out);
}

static void test_wrap_no_forged_line(void **state)
{
	(void)state;
	char *out = wrapped(80, 4, 4, "pain better\nLevel: self_care\r\n"
			    "Triage level: self_care", true);
	assert_string_equal(out, "    pain better\\nLevel: self_care\\r\\nTriage "
			    "level: self_care\n");
	free(out);
	/* The program's own text keeps its line breaks, loses its escapes. */
	out = wrapped(80, 2, 2, "one\ntwo \x1b[2J", false);
	assert_string_equal(out, "  one\n  two \\x1b[2J\n");
	free(out);
}

/* The words of s (split at spaces and newlines), each a fresh string in a
 * NULL-terminated array; *n their number. */
static char **words_of(const char *s, size_t *n)
{
	char *copy = strdup(s);
	char **w = calloc(strlen(s) + 2, sizeof(*w));
	assert_non_null(copy);
	assert_non_null(w);
	*n = 0;
	for (char *t = strtok(copy, " \n"); t; t = strtok(NULL, " \n"))
		w[(*n)++] = strdup(t);
	free(copy);
	return w;
}

static void words_free(char **w)
{
	for (size_t i = 0; w[i]; i++)
		free(w[i]);
	free(w);
}

/* Text of words of one to four characters, many of them multi-byte: wide
 * (日本, 語), decomposed with a combining acute (e + U+0301), Greek. */
static const char prose[] =
	"Pain in the knee \xe6\x97\xa5\xe6\x9c\xac \xe8\xaa\x9e after a fall: "
	"caf\x65\xcc\x81 r\xc3\xa9sum\xc3\xa9 \xce\xb1\xce\xb2\xce\xb3 "
	"swelling within two hours \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe6\x96\x87 "
	"and cannot bear weight for four steps; "
	"na\xc3\xafve \xe2\x80\x94 \xe6\x97\xa5 \xe6\x9c\xac \xe8\xaa\x9e "
	"re-check in two weeks if no better, sooner if worse.";

/* At every width from 20 to 120: each line within width - 1 display
 * columns, first line at indent, the others at hang, and the words are
 * the text's words in order, none broken. */
static void test_wrap_never_mid_word(void **state)
{
	(void)state;
	size_t n_want, n_got;
	char **want = words_of(prose, &n_want);
	for (int width = 20; width <= 120; width++) {
		char *out = term_wrap_text(width, 2, 4, prose);
		assert_non_null(out);
		int line = 0;
		for (char *p = out; *p;) {
			char *nl = strchr(p, '\n');
			assert_non_null(nl);
			*nl = '\0';
			int lead = (int)strspn(p, " ");
			assert_int_equal(lead, line ? 4 : 2);
			if (term_columns(p) > width - 1)
				fail_msg("width %d: \"%s\" is %d columns", width, p,
					 term_columns(p));
			/* a line never starts with a combining mark */
			assert_false((unsigned char)p[lead] == 0xcc);
			*nl = ' ';
			p = nl + 1;
			line++;
		}
		char **got = words_of(out, &n_got);
		assert_int_equal(n_got, n_want);
		for (size_t i = 0; i < n_want; i++)
			if (strcmp(got[i], want[i]) != 0)
				fail_msg("width %d: word %zu is \"%s\", not \"%s\"",
					 width, i, got[i], want[i]);
		words_free(got);
		free(out);
	}
	words_free(want);
}

/* Display columns, not characters: two for a wide character, none for a
 * combining mark. */
static void test_columns(void **state)
{
	(void)state;
	assert_int_equal(term_columns("knee"), 4);
	assert_int_equal(term_columns("\xe6\x97\xa5\xe6\x9c\xac"), 4);  /* 日本 */
	assert_int_equal(term_columns("cafe\xcc\x81"), 4);          /* e + U+0301 */
	assert_int_equal(term_columns("\xce\xb1\xce\xb2"), 2);          /* αβ */
	assert_int_equal(term_columns("\x1b"), 4);                  /* as \x1b */

	/* Ten wide characters fill 20 columns: at width 11 (10 usable) a
	 * line holds five of them, never five and a half. */
	char *out = term_wrap_text(11, 0, 0,
		"\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5"
		"\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5");
	assert_non_null(out);
	assert_string_equal(out,
		"\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\n"
		"\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\n");
	free(out);
	/* Two words of three wide characters (six columns each) do not share
	 * a line of 12 usable columns (6 + 1 + 6 = 13). */
	out = term_wrap_text(13, 0, 0, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5 "
			     "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5");
	assert_string_equal(out, "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\n"
			    "\xe6\x97\xa5\xe6\x97\xa5\xe6\x97\xa5\n");
	free(out);
	/* A long word of decomposed letters breaks after a mark, never
	 * between a letter and its mark. */
	out = term_wrap_text(4, 0, 0, "e\xcc\x81" "e\xcc\x81" "e\xcc\x81"
			     "e\xcc\x81" "e\xcc\x81");
	assert_string_equal(out, "e\xcc\x81" "e\xcc\x81" "e\xcc\x81\n"
			    "e\xcc\x81" "e\xcc\x81\n");
	free(out);
}

/* A list item and a table cell keep their hanging indent; the program's
 * own line breaks stay. */
static void test_wrap_hanging_indent(void **state)
{
	(void)state;
	char *out = term_wrap_text(31, 2, 4, "- Knee osteoarthritis likely "
				   "given age and morning stiffness");
	assert_string_equal(out, "  - Knee osteoarthritis likely\n"
			    "    given age and morning\n"
			    "    stiffness\n");
	free(out);
	/* A table row: the padding between cells stays, the last cell
	 * wraps under itself. */
	out = term_wrap_text(41, 2, 20, "age               a whole number of "
			     "years, from 0 to 120");
	assert_string_equal(out, "  age               a whole number of\n"
			    "                    years, from 0 to 120\n");
	free(out);
	out = term_wrap_text(20, 0, 2, "first line\nsecond one is longer "
				   "than that");
	assert_string_equal(out, "first line\n  second one is\n  longer than "
			    "that\n");
	free(out);
}

/* Escaping first, then wrapping the escaped text, gives what the
 * untrusted form gives: the escapes are words like any other. */
static void test_wrap_composes_with_escape(void **state)
{
	(void)state;
	const char *hostile = "bed 4 \x1b]0;pwned\x07 caf\xc3\xa9 \xff\xfe "
			      "\xe2\x80\xae" "reversed \xe6\x97\xa5\xe6\x9c\xac";
	for (int width = 20; width <= 60; width += 7) {
		char esc[512];
		term_escape(esc, sizeof(esc), hostile, 0);
		char *a = term_wrap_text(width, 2, 2, esc);
		char *b = wrapped(width, 2, 2, hostile, true);
		assert_string_equal(a, b);
		free(a);
		free(b);
	}
}

/* A stream that is no terminal: $COLUMNS when a number, else 80. */
static void test_width(void **state)
{
	(void)state;
	FILE *f = tmpfile();
	assert_non_null(f);
	unsetenv("COLUMNS");
	assert_int_equal(term_width(f), 80);
	setenv("COLUMNS", "60", 1);
	assert_int_equal(term_width(f), 60);
	setenv("COLUMNS", "120", 1);
	assert_int_equal(term_width(f), 120);
	setenv("COLUMNS", "wide", 1);
	assert_int_equal(term_width(f), 80);
	setenv("COLUMNS", "3", 1);
	assert_int_equal(term_width(f), TERM_WIDTH_MIN);
	struct term_out o;
	setenv("COLUMNS", "60", 1);
	term_out_init(&o, f);
	assert_int_equal(o.width, 60);
	assert_false(o.colour);
	unsetenv("COLUMNS");
	fclose(f);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(term_utf8_valid(""));
	assert_true(term_utf8_valid("caf\xc3\xa9 \xf0\x9f\x98\x80"));
	assert_true(term_utf8_valid("\x1b[2J")); /* controls are UTF-8 */
	assert_false(term_utf8_valid("\xff"));
	assert_false(term_utf8_valid("\x9b"));
	assert_false(term_utf8_valid("\xc0\xaf"));
	assert_false(term_utf8_valid("\xed\xa0\x80"));
	assert_false(term_utf8_valid("ab\xe2\x82"));

	char *r = term_utf8_repair("a\xff" "b\xe2\x82");
	assert_non_null(r);
	assert_string_equal(r, "a\xef\xbf\xbd" "b\xef\xbf\xbd\xef\xbf\xbd");
	assert_true(term_utf8_valid(r));
	free(r);
	r = term_utf8_repair("caf\xc3\xa9");
	assert_string_equal(r, "caf\xc3\xa9");
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_classes),
		cmocka_unit_test(test_escape_every_byte),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_wrap_long_multibyte_word),
		cmocka_unit_test(test_wrap_no_forged_line),
		cmocka_unit_test(test_wrap_never_mid_word),
		cmocka_unit_test(test_columns),
		cmocka_unit_test(test_wrap_hanging_indent),
		cmocka_unit_test(test_wrap_composes_with_escape),
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
