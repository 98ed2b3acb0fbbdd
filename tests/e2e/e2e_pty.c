/*
 * e2e_pty.c — the pseudo-terminal the end-to-end tests drive the binary in
 * (see e2e_pty.h).
 */
#include "e2e_pty.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ctype.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void pty_spawn(struct pty *p, int cols, int rows, pty_child_fn *child,
	       void *ctx)
{
	memset(p, 0, sizeof(*p));
	struct winsize ws = { .ws_row = (unsigned short)rows,
			      .ws_col = (unsigned short)cols };
	p->pid = forkpty(&p->fd, NULL, NULL, &ws);
	assert_true(p->pid >= 0);
	if (p->pid == 0) {
		child(ctx);
		_exit(127);
	}
	p->cap = 1 << 16;
	p->raw = malloc(p->cap);
	assert_non_null(p->raw);
	p->raw[0] = '\0';
}

void pty_pump(struct pty *p, int ms)
{
	struct pollfd pfd = { .fd = p->fd, .events = POLLIN };
	while (!p->eof && poll(&pfd, 1, ms) > 0) {
		if (p->len + 4096 > p->cap) {
			p->cap *= 2;
			p->raw = realloc(p->raw, p->cap);
			assert_non_null(p->raw);
		}
		ssize_t n = read(p->fd, p->raw + p->len, p->cap - p->len - 1);
		if (n <= 0) {
			p->eof = true; /* EIO once the program has gone */
			break;
		}
		p->len += (size_t)n;
		ms = 0;
	}
	p->raw[p->len] = '\0';
}

/* The length of the escape sequence at s[i] (CSI, OSC or two bytes). */
static size_t escape_len(const char *s, size_t i, size_t len)
{
	size_t j = i + 1;
	if (j < len && s[j] == '[') {
		for (j++; j < len && !isalpha((unsigned char)s[j]); j++)
			;
		return j < len ? j - i + 1 : len - i;
	}
	if (j < len && s[j] == ']') {
		for (; j < len && s[j] != '\a'; j++)
			;
		return j < len ? j - i + 1 : len - i;
	}
	return j < len ? 2 : 1;
}

char *pty_normalise(const char *s, size_t len)
{
	char *out = malloc(len + 1);
	size_t n = 0;
	bool space = false;
	assert_non_null(out);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x1b) {
			i += escape_len(s, i, len) - 1;
			continue;
		}
		if (c == '\r' || c == '\a' || c == '\b')
			continue;
		if (isspace(c)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = false;
		out[n++] = (char)c;
	}
	out[n] = '\0';
	return out;
}

void pty_dump(const struct pty *p)
{
	size_t from = p->len > 3000 ? p->len - 3000 : 0;
	fprintf(stderr, "---- screen (last %zu bytes) ----\n%s\n---- end ----\n",
		p->len - from, p->raw + from);
}

void pty_expect(struct pty *p, const char *text)
{
	char *want = pty_normalise(text, strlen(text));
	time_t end = time(NULL) + PTY_WAIT_S;
	for (;;) {
		char *norm = pty_normalise(p->raw, p->len);
		char *hit = p->mark <= strlen(norm) ? strstr(norm + p->mark, want)
						    : NULL;
		if (hit) {
			p->mark = (size_t)(hit - norm) + strlen(want);
			free(norm);
			free(want);
			return;
		}
		free(norm);
		if (p->eof || time(NULL) > end) {
			pty_dump(p);
			fail_msg("'%s' did not appear%s", text,
				 p->eof ? " (the program ended)" : "");
		}
		pty_pump(p, 200);
	}
}

bool pty_seen(struct pty *p, const char *text)
{
	pty_pump(p, 0);
	char *want = pty_normalise(text, strlen(text));
	char *norm = pty_normalise(p->raw, p->len);
	bool hit = p->mark <= strlen(norm) && strstr(norm + p->mark, want);
	free(norm);
	free(want);
	return hit;
}

void pty_type(struct pty *p, const char *keys)
{
	pty_pump(p, 0);
	p->typed_at = p->len;
	char *norm = pty_normalise(p->raw, p->len);
	p->mark = strlen(norm);
	free(norm);
	for (const char *k = keys; *k; k++) {
		assert_int_equal(write(p->fd, k, 1), 1);
		usleep(1000);
	}
}

int pty_finish(struct pty *p)
{
	time_t end = time(NULL) + PTY_WAIT_S;
	while (!p->eof && time(NULL) <= end)
		pty_pump(p, 200);
	int st = 0;
	if (!p->eof) {
		kill(p->pid, SIGKILL);
		pty_dump(p);
	}
	waitpid(p->pid, &st, 0);
	close(p->fd);
	pty_assert_one_prefix("the screen", p->raw, p->len);
	free(p->raw);
	p->raw = NULL;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* ------------------------------------------------------------ checkers */

static bool holds_typed(const char *line, size_t n, const char *const *typed)
{
	for (size_t i = 0; typed && typed[i]; i++) {
		size_t k = strlen(typed[i]);
		for (size_t j = 0; k && j + k <= n; j++)
			if (memcmp(line + j, typed[i], k) == 0)
				return true;
	}
	return false;
}

void pty_assert_fits(const char *what, const char *out, size_t len,
		     int columns, const char *const *typed)
{
	size_t start = 0;
	int col = 0, widest = 0;
	for (size_t i = 0; i <= len; i++) {
		unsigned char c = i < len ? (unsigned char)out[i] : '\n';
		if (c == '\n') {
			if (widest > columns &&
			    !holds_typed(out + start, i - start, typed))
				fail_msg("%s: a line is %d columns wide, more than "
					 "%d: \"%.*s\"", what, widest, columns,
					 (int)(i - start), out + start);
			start = i + 1;
			col = widest = 0;
		} else if (c == 0x1b) {
			i += escape_len(out, i, len) - 1;
		} else if (c == '\r') {
			col = 0;
		} else if (c == '\b') {
			col -= col > 0;
		} else if (c >= 0x20 && (c & 0xC0) != 0x80) {
			if (++col > widest)
				widest = col;
		}
	}
}

void pty_assert_whole(const char *what, const char *out, size_t len,
		      const char *text)
{
	char *norm = pty_normalise(out, len);
	char *want = pty_normalise(text, strlen(text));
	if (!strstr(norm, want))
		fail_msg("%s: \"%s\" is not shown whole (a word broken across "
			 "lines?)", what, want);
	free(want);
	free(norm);
}

static bool is_word(const char *const *words, const char *w)
{
	for (size_t i = 0; words[i]; i++)
		if (strcmp(words[i], w) == 0)
			return true;
	return false;
}

/* The word of s[0..n) that ends at its end (last) or starts at its
 * start (!last), letters, digits, '_' and '-' only; "" if none. */
static void edge_word(const char *s, size_t n, bool last, char *buf,
		      size_t size)
{
	size_t a = 0, b = n;
	while (b > 0 && (s[b - 1] == ' ' || s[b - 1] == '\r'))
		b--;
	while (a < b && s[a] == ' ')
		a++;
	size_t from = a, to = b;
	if (last)
		for (from = b; from > a && !isspace((unsigned char)s[from - 1]);
		     from--)
			;
	else
		for (to = a; to < b && !isspace((unsigned char)s[to]); to++)
			;
	while (from < to && !isalnum((unsigned char)s[from]) &&
	       !((unsigned char)s[from] & 0x80))
		from++;
	while (to > from && !isalnum((unsigned char)s[to - 1]) &&
	       !((unsigned char)s[to - 1] & 0x80))
		to--;
	size_t k = to - from < size - 1 ? to - from : size - 1;
	memcpy(buf, s + from, k);
	buf[k] = '\0';
}

void pty_assert_no_split(const char *what, const char *out, size_t len,
			 const char *const *words)
{
	const char *prev = NULL;
	size_t prev_n = 0;
	for (const char *l = out; l < out + len;) {
		const char *nl = memchr(l, '\n', (size_t)(out + len - l));
		size_t n = nl ? (size_t)(nl - l) : (size_t)(out + len - l);
		if (prev && n && prev_n) {
			char a[128], b[128], joined[256];
			edge_word(prev, prev_n, true, a, sizeof(a));
			edge_word(l, n, false, b, sizeof(b));
			snprintf(joined, sizeof(joined), "%s%s", a, b);
			if (*a && *b && is_word(words, joined) &&
			    !(is_word(words, a) && is_word(words, b)))
				fail_msg("%s: the word \"%s\" is broken across "
					 "lines: \"%.*s\" / \"%.*s\"", what, joined,
					 (int)prev_n, prev, (int)n, l);
		}
		prev = l;
		prev_n = n;
		l = nl ? nl + 1 : out + len;
	}
}

/* Up to max words of s (lower case, letters and digits) into w[]. */
static size_t words_in(const char *s, size_t n, char w[][32], size_t max)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k < max;) {
		/* what is quoted is a name, not words of the message */
		if (s[i] == '\'') {
			const char *q = memchr(s + i + 1, '\'', n - i - 1);
			i = q ? (size_t)(q - s) + 1 : n;
			continue;
		}
		if (!isalnum((unsigned char)s[i])) {
			i++;
			continue;
		}
		size_t j = 0;
		while (i < n && isalnum((unsigned char)s[i])) {
			if (j + 1 < 32)
				w[k][j++] = (char)tolower((unsigned char)s[i]);
			i++;
		}
		if (j) {
			w[k][j] = '\0';
			k++;
		}
	}
	return k;
}

void pty_assert_one_prefix(const char *what, const char *out, size_t len)
{
	char *norm = malloc(len + 1);
	assert_non_null(norm);
	/* as shown: escapes and carriage returns gone */
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		if (out[i] == 0x1b) {
			i += escape_len(out, i, len) - 1;
			continue;
		}
		if (out[i] != '\r')
			norm[n++] = out[i];
	}
	norm[n] = '\0';
	for (char *l = norm; l && *l;) {
		char *nl = strchr(l, '\n');
		if (nl)
			*nl = '\0';
		/* the prefixes: what ends in ": " before the message */
		const char *pre[8];
		size_t pre_len[8], n_pre = 0;
		for (const char *s = l, *c; n_pre < 8 && (c = strstr(s, ": "));
		     s = c + 2) {
			pre[n_pre] = s;
			pre_len[n_pre++] = (size_t)(c - s);
		}
		for (size_t i = 0; i < n_pre; i++) {
			char wi[8][32];
			size_t ni = words_in(pre[i], pre_len[i], wi, 8);
			for (size_t j = i + 1; j < n_pre && ni; j++) {
				char wj[8][32];
				size_t nj = words_in(pre[j], pre_len[j], wj, 8);
				bool same = ni == nj;
				for (size_t k = 0; same && k < ni; k++)
					same = strcmp(wi[k], wj[k]) == 0;
				bool two = ni >= 2 && nj >= 2 &&
					   strcmp(wi[0], wj[0]) == 0 &&
					   strcmp(wi[1], wj[1]) == 0;
				bool back = false;
				for (size_t k = 0; ni == 1 && k < nj; k++)
					back |= strcmp(wi[0], wj[k]) == 0;
				if (same || two || back)
					fail_msg("%s: a repeated prefix: \"%s\"", what, l);
			}
		}
		l = nl ? nl + 1 : NULL;
	}
	free(norm);
}

/*
 * Wait for the program to ask for input after what we typed last: a last
 * line ending in "> " (a question's "id> " or "finish> ") or "]: "/"): ".
 * Returns that line without the trailing space (static buffer).
 */
const char *pty_next_prompt(struct pty *p)
{
	static char line[256];
	time_t end = time(NULL) + PTY_WAIT_S;
	for (;;) {
		pty_pump(p, 100);
		if (p->len > p->typed_at) {
			char *norm_tail;
			const char *tail = p->raw + p->typed_at;
			const char *nl = strrchr(tail, '\n');
			const char *last = nl ? nl + 1 : tail;
			norm_tail = pty_normalise(last, strlen(last));
			size_t n = strlen(p->raw + p->typed_at);
			bool ends = n >= 2 && p->raw[p->len - 1] == ' ' &&
				    (p->raw[p->len - 2] == '>' ||
				     p->raw[p->len - 2] == ':' ||
				     p->raw[p->len - 2] == ']');
			if (ends && *norm_tail && nl) {
				snprintf(line, sizeof(line), "%s", norm_tail);
				free(norm_tail);
				return line;
			}
			free(norm_tail);
		}
		if (p->eof || time(NULL) > end) {
			pty_dump(p);
			fail_msg("no prompt appeared%s",
				 p->eof ? " (the program ended)" : "");
		}
	}
}

/* The question id of a prompt line "id>", or NULL. */
const char *pty_prompt_id(const char *line)
{
	static char id[128];
	size_t n = strlen(line);
	if (n < 2 || line[n - 1] != '>' || n - 1 >= sizeof(id))
		return NULL;
	for (size_t i = 0; i + 1 < n; i++)
		if (!islower((unsigned char)line[i]) && !isdigit((unsigned char)line[i]) &&
		    line[i] != '_')
			return NULL;
	memcpy(id, line, n - 1);
	id[n - 1] = '\0';
	return id;
}
