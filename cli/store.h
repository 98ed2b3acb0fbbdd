/*
 * store.h — what a command opens: the rule engine, the session store, a
 * session in it.
 *
 * The rule base is --rules DIR, else the built-in one; the store is --db
 * PATH, else db_default_path() (SPEC §6). Failures are printed here, once,
 * in the program's voice.
 */
#ifndef MSKTRIAGE_CLI_STORE_H
#define MSKTRIAGE_CLI_STORE_H

#include "cli/cli.h"
#include "db/db.h"
#include "engine/engine.h"

#include <stdbool.h>
#include <stdio.h>

/* Load the rule engine for opt. Prints why on failure and returns NULL.
 * Free with engine_free(). */
engine *cli_engine_open(const struct cli_options *opt);

/* Find a session by id or reference code as typed. Returns 0 with *out set
 * (free with db_session_free), or prints why and returns the exit status:
 * 2 for no such session or a malformed reference, 1 for a store failure. */
int cli_session_find(db *d, const char *ref, struct db_session **out);

/* Open the store for opt (creating it when missing if opt->store_create;
 * otherwise a missing store is "no session store at '...'"), with mode
 * recorded in audit rows ("clinician", "kiosk", "api"). Prints why on
 * failure and returns NULL. Free with db_close(). */
db *cli_store_open(const struct cli_options *opt, const char *mode);

/* "complete", "emergency_stopped" (stopped by a finding at a level that
 * ends the interview) or "in_progress"
 * for e's last run: the status a session with these conclusions has. */
const char *cli_session_status(const engine *e);

/* Store e's conclusions as the session's: finish it with
 * cli_session_status(e), unless it is still in progress. Returns a DB_E*
 * code (DB_OK when there was nothing to store). */
int cli_store_conclusions(db *d, int64_t session, const engine *e);

/*
 * Open path for writing a file that holds patient data (a report, saved
 * answers): never through a symbolic link, only a regular file of the
 * user's, set to mode 0600 whatever it had. *created tells whether this
 * call created it. The content is left as it was until cli_file_begin()
 * empties it, so a caller can first record the export and, if that
 * fails, give the file up with cli_file_abandon() (which removes it if
 * it was created here). Returns the stream, or NULL with a message naming
 * the file in err.
 */
FILE *cli_file_create(const char *path, bool *created, char *err,
		      size_t errsize);
int cli_file_begin(FILE *f);
void cli_file_abandon(FILE *f, const char *path, bool created);

/* "2026-11-21 10:05" in local time, into buf. */
const char *cli_time(int64_t t, char *buf, size_t size);

/* A date "2026-11-21" as its local midnight into *out; false when s is not
 * such a date. */
bool cli_date_parse(const char *s, int64_t *out);

#endif
