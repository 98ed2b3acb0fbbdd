/*
 * term.c — line input for the interactive front ends (see term.h; the
 * output half is term_out.c).
 *
 * Input on a terminal uses readline's callback interface inside a select()
 * loop, with readline's own signal handling off: our SIGINT handler only
 * sets a flag, select() returns EINTR, and the line being typed is dropped
 * and the prompt shown again, like a shell. SIGTERM and SIGHUP end the read
 * with TERM_STOP so the caller can leave with everything saved and the
 * terminal restored.
 */
#include "cli/term.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#define HISTORY_MAX 500

/* ----------------------------------------------------------------- input */

static volatile sig_atomic_t got_int;
static volatile sig_atomic_t got_stop;

static struct {
	bool open;
	bool tty;
	char *history_path;
	term_complete_cb *complete;
	void *complete_ctx;
	const char *const *cands;  /* candidates of the completion under way */
	size_t cand_i;
	char *line;                /* from the readline callback */
	bool done;
	struct sigaction old_int, old_term, old_hup;
} in;

static void on_signal(int sig)
{
	if (sig == SIGINT)
		got_int = 1;
	else
		got_stop = 1;
}

static char *candidate(const char *word, int state)
{
	if (state == 0)
		in.cand_i = 0;
	size_t len = strlen(word);
	while (in.cands && in.cands[in.cand_i]) {
		const char *c = in.cands[in.cand_i++];
		if (strncmp(c, word, len) == 0)
			return strdup(c);
	}
	return NULL;
}

static char **complete(const char *word, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1; /* never file names */
	if (!in.complete)
		return NULL;
	in.cands = in.complete(in.complete_ctx, rl_line_buffer, start);
	char **m = rl_completion_matches(word, candidate);
	in.cands = NULL;
	return m;
}

int term_input_open(void)
{
	memset(&in, 0, sizeof(in));
	in.open = true;
	in.tty = isatty(STDIN_FILENO) == 1;
	got_int = got_stop = 0;
	if (!in.tty)
		return 0;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: select() must see EINTR */
	sigaction(SIGINT, &sa, &in.old_int);
	sigaction(SIGTERM, &sa, &in.old_term);
	sigaction(SIGHUP, &sa, &in.old_hup);
	rl_catch_signals = 0;
	rl_readline_name = "msktriage";
	rl_attempted_completion_function = complete;
	rl_completer_word_break_characters = " \t";
	/* One Tab lists the candidates when several fit (the second Tab
	 * of readline's default does not list in the callback interface);
	 * an inputrc may still say otherwise. */
	rl_variable_bind("show-all-if-ambiguous", "on");
	using_history();
	stifle_history(HISTORY_MAX);
	return 0;
}

bool term_input_is_tty(void)
{
	return in.tty;
}

static void on_line(char *line)
{
	in.line = line;
	in.done = true;
	rl_callback_handler_remove();
}

static enum term_read read_plain(const char *prompt, char **line)
{
	fputs(prompt, stdout);
	fflush(stdout);
	char *buf = NULL;
	size_t cap = 0;
	ssize_t n = getline(&buf, &cap, stdin);
	if (n < 0) {
		free(buf);
		fputc('\n', stdout);
		return TERM_EOF;
	}
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	/* The input is not echoed by a terminal: show it, for transcripts,
	 * escaped like anything else a person typed. */
	term_put_untrusted(stdout, buf);
	fputc('\n', stdout);
	*line = buf;
	return TERM_LINE;
}

enum term_read term_input_read(const char *prompt, char **line)
{
	*line = NULL;
	if (!in.tty)
		return read_plain(prompt, line);
	fflush(stdout);
	fflush(stderr);
	in.done = false;
	in.line = NULL;
	got_int = 0;
	rl_callback_handler_install(prompt, on_line);
	while (!in.done) {
		if (got_stop) {
			rl_callback_handler_remove();
			fputc('\n', rl_outstream);
			return TERM_STOP;
		}
		if (got_int) {
			/* Ctrl-C: drop the line, prompt again. */
			got_int = 0;
			rl_free_line_state();
			rl_callback_sigcleanup();
			rl_replace_line("", 0);
			fputs("^C", rl_outstream);
			rl_crlf();
			rl_on_new_line();
			rl_redisplay();
			continue;
		}
		fd_set fds;
		FD_ZERO(&fds);
		FD_SET(fileno(rl_instream), &fds);
		int r = select(fileno(rl_instream) + 1, &fds, NULL, NULL, NULL);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rl_callback_handler_remove();
			return TERM_EOF;
		}
		rl_callback_read_char();
	}
	if (!in.line) {
		fputc('\n', rl_outstream);
		return TERM_EOF;
	}
	*line = in.line;
	return TERM_LINE;
}

bool term_input_confirm(const char *prompt, bool def, bool def_eof)
{
	for (;;) {
		char *line = NULL;
		enum term_read r = term_input_read(prompt, &line);
		if (r != TERM_LINE)
			return def_eof;
		char *p = line;
		while (*p == ' ' || *p == '\t')
			p++;
		bool answer = def;
		bool ok = true;
		if (*p == '\0')
			answer = def;
		else if (strcasecmp(p, "y") == 0 || strcasecmp(p, "yes") == 0)
			answer = true;
		else if (strcasecmp(p, "n") == 0 || strcasecmp(p, "no") == 0)
			answer = false;
		else
			ok = false;
		free(line);
		if (ok)
			return answer;
		fputs("please answer y or n\n", stdout);
	}
}

static int mkdirs(char *path)
{
	/* path is a directory; create each missing component 0700. */
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		int rc = mkdir(path, 0700);
		*p = '/';
		if (rc != 0 && errno != EEXIST)
			return -1;
	}
	if (mkdir(path, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

int term_input_history_load(const char *app)
{
	if (!in.tty)
		return 0;
	const char *state = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char dir[4096];
	int n;
	if (state && state[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/%s", state, app);
	else if (home && home[0] == '/')
		n = snprintf(dir, sizeof(dir), "%s/.local/state/%s", home, app);
	else
		return -1;
	if (n < 0 || (size_t)n >= sizeof(dir) - 16 || mkdirs(dir) != 0)
		return -1;
	free(in.history_path);
	in.history_path = malloc(strlen(dir) + sizeof("/history"));
	if (!in.history_path)
		return -1;
	strcpy(in.history_path, dir);
	strcat(in.history_path, "/history");
	read_history(in.history_path); /* a missing file is no error */
	return 0;
}

void term_input_history_add(const char *line)
{
	if (!in.tty || !line || !*line)
		return;
	HIST_ENTRY *last = history_length > 0
				   ? history_get(history_base + history_length - 1)
				   : NULL;
	if (last && strcmp(last->line, line) == 0)
		return;
	add_history(line);
}

void term_input_set_completer(term_complete_cb *cb, void *ctx)
{
	in.complete = cb;
	in.complete_ctx = ctx;
}

void term_input_close(void)
{
	if (!in.open)
		return;
	if (in.tty) {
		if (in.history_path) {
			/* write_history creates the file 0600. */
			if (write_history(in.history_path) == 0)
				history_truncate_file(in.history_path, HISTORY_MAX);
			chmod(in.history_path, 0600);
		}
		rl_callback_handler_remove();
		rl_clear_history();
		sigaction(SIGINT, &in.old_int, NULL);
		sigaction(SIGTERM, &in.old_term, NULL);
		sigaction(SIGHUP, &in.old_hup, NULL);
	}
	free(in.history_path);
	memset(&in, 0, sizeof(in));
}
