/*
 * term.h — terminal manners shared by the interactive front ends.
 *
 * Two halves, usable apart:
 *
 *   output   struct term_out: colour only on a terminal and never with
 *            NO_COLOR or TERM=dumb; paragraphs wrapped to the terminal width
 *            between words so long rule-base wording stays readable;
 *            and term_put_untrusted() and its forms, through which every
 *            text a person typed, everything read back from the store that
 *            a person typed, and every id or value echoed in a message is
 *            printed (term_out.c).
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
	int width;      /* columns to wrap at (term_width()) */
};

#define TERM_WIDTH_MIN 20
#define TERM_WIDTH_MAX 1000

/*
 * The columns to write f at: a terminal's own width; for anything else
 * (a pipe, a file) $COLUMNS when it is a number, else 80. Kept within
 * TERM_WIDTH_MIN..TERM_WIDTH_MAX.
 */
int term_width(FILE *f);

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
 * and TERM is not "dumb"; width from term_width(). */
void term_out_init(struct term_out *o, FILE *f);

/* A plain description of f: no colour, 80 columns (reports, files). */
void term_out_plain(struct term_out *o, FILE *f);

/* The escape sequence for a, or "" without colour. Borrowed, static. */
const char *term_sgr(const struct term_out *o, enum term_attr a);

/*
 * Print text as a paragraph wrapped at o->width: no line takes more than
 * o->width - 1 columns (the last is left free), counted as a terminal
 * shows them (wide characters two, combining marks none). The first line
 * starts with indent spaces, following lines with hang spaces (the hanging
 * indent of a list item or a table cell). Lines break between words only;
 * a word longer than a line is the one exception, broken between
 * characters (never inside a UTF-8 sequence or an escape, never before a
 * combining mark). Existing newlines in text are kept, other control
 * characters escaped (see below). Ends with a newline. attr TERM_RESET
 * means no colour. For the program's own text and the rule base's
 * wording: text from a person goes through term_wrap_untrusted(), or is
 * escaped first (TERM_SAFE, term_escape) and the result wrapped here.
 */
void term_wrap(const struct term_out *o, int indent, int hang,
	       enum term_attr attr, const char *text);

/* term_wrap() into a string at width columns, without colour: every line
 * ends with a newline. The caller frees it; NULL when out of memory. */
char *term_wrap_text(int width, int indent, int hang, const char *text);

/*
 * Untrusted text: anything a person typed (patient label, note, clinician
 * and sign-off names, an id or a file name given on the command line),
 * anything read back from the store that a person typed, any message that
 * may quote such text (db_errmsg(), engine_errmsg(), a JSON parser's).
 * It is shown so that it cannot drive the terminal or forge a line: C0
 * controls, DEL and bytes that are not well-formed UTF-8 as \xNN (\n, \r
 * and \t by name: a newline never starts a new line), the C1 controls
 * U+0080..U+009F, U+2028/U+2029 and the bidirectional controls as \uNNNN,
 * a backslash as \\. Everything else is shown as it is.
 */

/* Print s (NULL: nothing) to f as above. */
void term_put_untrusted(FILE *f, const char *s);

/*
 * s as above into buf of size bytes, at most max_cols columns (0: no
 * limit); ends before the first character or escape that would not fit
 * whole, so a UTF-8 character or an escape is never cut. Always
 * NUL-terminated when size > 0. Returns buf, for use in printf().
 */
const char *term_escape(char *buf, size_t size, const char *s, int max_cols);

/* term_escape() into an array buf, no column limit: for one message. */
#define TERM_SAFE(buf, s) term_escape((buf), sizeof(buf), (s), 0)

/* term_wrap() for untrusted text: escaped as above, so one paragraph. */
void term_wrap_untrusted(const struct term_out *o, int indent, int hang,
			 enum term_attr attr, const char *text);

/* Columns text takes on a terminal (as term_wrap() counts them), with
 * whatever would be escaped counted as its escape. */
int term_columns(const char *s);

/* True if s is well-formed UTF-8 (no overlong forms, no surrogates). */
bool term_utf8_valid(const char *s);

/*
 * A copy of s with every byte that is not part of well-formed UTF-8
 * replaced by U+FFFD, for JSON, which holds UTF-8 only. The caller frees
 * it; NULL when out of memory.
 */
char *term_utf8_repair(const char *s);

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
