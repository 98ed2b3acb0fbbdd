/*
 * term.h — terminal manners shared by the interactive front ends.
 *
 * Two halves, usable apart:
 *
 *   output   struct term_out: colour only on a terminal and never with
 *            NO_COLOR or TERM=dumb; paragraphs wrapped to the terminal width
 *            (at most 80 columns) so long rule-base wording stays readable.
 *   input    term_input_*(): one line at a time, on GNU readline when stdin
 *            is a terminal (history, completion, Ctrl-C cancels the line,
 *            Ctrl-D is end of input), or plain getline otherwise so a script
 *            or a closed pipe ends cleanly instead of looping.
 *
 * Call order for input:
 *
 *     term_input_open()            once; sets up readline and signals
 *     term_input_history_load()    optional: the per-user history file
 *     term_input_set_completer()   optional
 *     term_input_read() ...        each prompt
 *     term_input_history_add()     only for lines that hold no patient data
 *     term_input_close()           saves history, restores the terminal
 *
 * readline is process-global, so there is one input at a time. Nothing here
 * knows about questions or findings.
 */
#ifndef MSKTRIAGE_CLI_TERM_H
#define MSKTRIAGE_CLI_TERM_H

#include <stdbool.h>
#include <stdio.h>

/* Where and how to print. f is borrowed. */
struct term_out {
	FILE *f;
	bool colour;
	int width;      /* columns to wrap at, 40..80 */
};

enum term_attr {
	TERM_BOLD,
	TERM_DIM,
	TERM_RED,       /* red flags, emergencies: bold red */
	TERM_YELLOW,    /* warnings */
	TERM_GREEN,     /* done, saved */
	TERM_CYAN,      /* the question being asked */
	TERM_RESET,
};

/* Describe f: colour only if f is a terminal, NO_COLOR is unset or empty
 * and TERM is not "dumb"; width from the terminal, capped at 80. */
void term_out_init(struct term_out *o, FILE *f);

/* A plain description of f: no colour, 80 columns (reports, files). */
void term_out_plain(struct term_out *o, FILE *f);

/* The escape sequence for a, or "" without colour. Borrowed, static. */
const char *term_sgr(const struct term_out *o, enum term_attr a);

/*
 * Print text as a paragraph wrapped at o->width: the first line starts with
 * indent spaces, following lines with hang spaces. Existing newlines in text
 * are kept. Ends with a newline. attr TERM_RESET means no colour.
 */
void term_wrap(const struct term_out *o, int indent, int hang,
	       enum term_attr attr, const char *text);

/* What term_input_read() got. */
enum term_read {
	TERM_LINE,      /* *line holds a line, without its newline */
	TERM_EOF,       /* Ctrl-D on an empty line, or end of input */
	TERM_STOP,      /* SIGTERM or SIGHUP: save and leave */
};

/* Set up input on stdin. Returns 0, or -1 when out of memory. */
int term_input_open(void);

/* True when input comes from a terminal (readline in use). */
bool term_input_is_tty(void);

/*
 * Read one line after prompt. On TERM_LINE *line is the caller's to free.
 * On a terminal Ctrl-C cancels the line being typed and prompts again.
 * Nothing read is added to the history: see term_input_history_add().
 */
enum term_read term_input_read(const char *prompt, char **line);

/* Ask a yes/no question; def is the answer for an empty line. End of input
 * gives def_eof. */
bool term_input_confirm(const char *prompt, bool def, bool def_eof);

/*
 * Load the history of app from $XDG_STATE_HOME/<app>/history (an absolute
 * XDG_STATE_HOME), else ~/.local/state/<app>/history, creating the
 * directories 0700. The file is written back, mode 0600, on close. Does
 * nothing without a terminal. Returns 0, or -1 when no place was found.
 */
int term_input_history_load(const char *app);

/* Add line to the history (never patient answers or notes). */
void term_input_history_add(const char *line);

/*
 * Completion: for the word being typed, at offset start in line (the whole
 * line typed so far), cb returns a NULL-terminated array of candidate words
 * (borrowed until the next call); candidates not starting with the word are
 * dropped here.
 */
typedef const char *const *term_complete_cb(void *ctx, const char *line,
					    int start);
void term_input_set_completer(term_complete_cb *cb, void *ctx);

/* Save the history, free readline's memory, restore signal handlers. */
void term_input_close(void);

#endif
