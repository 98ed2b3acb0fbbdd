/*
 * e2e_pty.h — the real binary in a pseudo-terminal, for the end-to-end tests
 * of the interview, the kiosk and terminal safety: started in a terminal
 * of a given size, typed at one key at a time like a person, its screen
 * read back as text and checked.
 *
 *     pty_spawn()       fork in a new terminal of cols x rows; the child
 *                       runs the test's function (environment, exec)
 *     pty_expect()      wait for text on the screen after the mark
 *     pty_type()        send keys; the mark moves to the end of the screen
 *     pty_finish()      wait for the end; its exit status
 *
 * Text is compared as the screen shows it (pty_normalise()): escape
 * sequences, carriage returns and bells gone, every run of white space one
 * space, so a line a program wrapped reads as the sentence it was. A wait
 * that times out is a failure (the end of the screen is printed), not a
 * measurement. cmocka's assertions report failures.
 */
#ifndef MSKTRIAGE_TESTS_E2E_PTY_H
#define MSKTRIAGE_TESTS_E2E_PTY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PTY_WAIT_S 30   /* generous: the sanitizer build is slow */

struct pty {
	pid_t pid;
	int fd;
	char *raw;          /* everything the program wrote */
	size_t len, cap;
	size_t mark;        /* pty_expect() searches normalised text from here */
	size_t typed_at;    /* raw length when we last typed */
	bool eof;
};

/* In the child: set the environment up and exec; never returns. */
typedef void pty_child_fn(void *ctx);

/* Start child(ctx) in a new pseudo-terminal of cols x rows. */
void pty_spawn(struct pty *p, int cols, int rows, pty_child_fn *child,
	       void *ctx);

/* Read what is there, waiting up to ms for the first byte. */
void pty_pump(struct pty *p, int ms);

/* s as the screen shows it (see above). The caller frees it. */
char *pty_normalise(const char *s, size_t len);

/* The last 3000 bytes of output, to stderr. */
void pty_dump(const struct pty *p);

/* Wait until text shows after the mark; move the mark past it. */
void pty_expect(struct pty *p, const char *text);

/* True if text shows between the mark and now. */
bool pty_seen(struct pty *p, const char *text);

/* Type keys one at a time; the mark moves to the end of the screen. */
void pty_type(struct pty *p, const char *keys);

/* Wait for the program to end (at most PTY_WAIT_S, then SIGKILL); check
 * that no message on the screen repeats its prefix (pty_assert_one_prefix());
 * free the output. Returns the exit status, or 128 + the signal. */
int pty_finish(struct pty *p);

/*
 * Every line of out (len bytes, as a terminal draws it: \r back to the
 * first column, \b one back, escape sequences take no room) fits in
 * columns. Lines holding one of the strings of typed[] (NULL-terminated,
 * may be NULL) are skipped: what a person typed after a prompt is theirs.
 * what names the output in the failure message.
 */
void pty_assert_fits(const char *what, const char *out, size_t len,
		     int columns, const char *const *typed);

/*
 * text shows whole somewhere in out: as the screen shows it, so a line
 * break inside text is fine but a break inside one of its words (which
 * adds a space) is not.
 */
void pty_assert_whole(const char *what, const char *out, size_t len,
		      const char *text);

/*
 * No word of words[] (NULL-terminated) is split across two lines of out:
 * for each line break, the last word before it and the first after it do
 * not join into one of words[] unless both are words of words[] already.
 */
void pty_assert_no_split(const char *what, const char *out, size_t len,
			 const char *const *words);

/*
 * No line of out says the same prefix twice, as "msktriage: msktriage: ",
 * "error: error: ", "answer: invalid answer: ..." or "cannot save the
 * answer to 'age': cannot save the answer: ..." would: of the prefixes
 * ending in ": " before a line's message, no two are the same, no two
 * start with the same two words, and no one-word prefix comes back as a
 * word of a later one. pty_finish() checks every screen with it.
 */
void pty_assert_one_prefix(const char *what, const char *out, size_t len);

/*
 * Waits for the program to ask for input after what was typed last: a last
 * line ending in "> " (a question's "id> " or "finish> ") or "]: "/"): ".
 * Returns that line without the trailing space (static buffer); fails the
 * test when none comes within PTY_WAIT_S.
 */
const char *pty_next_prompt(struct pty *p);

/* The question id of a prompt line "id>" (static buffer), or NULL. */
const char *pty_prompt_id(const char *line);

#endif
