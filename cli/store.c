/*
 * store.c — the glue between a command, the engine's conclusions and the
 * session store (see store.h).
 */
#include "cli/store.h"
#include "cli/result.h"
#include "cli/term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

engine *cli_engine_open(const struct cli_options *opt)
{
	char *msg = NULL;
	engine *e = engine_new(opt->rules_dir, &msg);
	char shown[1024];
	if (!e)
		fprintf(stderr, "msktriage: %s\n",
			msg ? TERM_SAFE(shown, msg) : "cannot load the rule base");
	free(msg);
	return e;
}

int cli_session_find(db *d, const char *ref, struct db_session **out)
{
	int rv = db_session_find(d, ref, out);
	char shown[1024];
	if (rv == DB_OK)
		return 0;
	fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, db_errmsg(d)));
	return rv == DB_ENOTFOUND || rv == DB_EINVAL ? 2 : 1;
}

db *cli_store_open(const struct cli_options *opt, const char *mode)
{
	char *path = opt->db_path ? strdup(opt->db_path) : db_default_path();
	if (!path) {
		fprintf(stderr, "msktriage: cannot find a place for the session "
			"store: set MSKTRIAGE_DB or use --db PATH\n");
		return NULL;
	}
	char *msg = NULL, shown[1024], shown_msg[1024];
	db *d = db_open(path, &msg);
	if (!d) {
		fprintf(stderr, "msktriage: cannot open the session store '%s': "
			"%s\n", TERM_SAFE(shown, path),
			msg ? TERM_SAFE(shown_msg, msg) : "unknown error");
		free(msg);
		free(path);
		return NULL;
	}
	free(path);
	if (mode && db_mode_set(d, mode) != DB_OK) {
		fprintf(stderr, "msktriage: %s\n", TERM_SAFE(shown, db_errmsg(d)));
		db_close(d);
		return NULL;
	}
	return d;
}

const char *cli_session_status(const engine *e)
{
	if (!engine_is_complete(e))
		return "in_progress";
	const char *stop = engine_stop_reason(e);
	const struct engine_finding *f = stop ? engine_finding_find(e, stop) : NULL;
	const struct engine_level *l = f ? engine_level_find(e, f->level) : NULL;
	/* Stopped by a finding whose level itself ends the interview (the
	 * emergency levels), not by one that only closes it (out of scope). */
	if (l && l->stops)
		return "emergency_stopped";
	return "complete";
}

int cli_store_conclusions(db *d, int64_t session, const engine *e)
{
	const char *status = cli_session_status(e);
	if (strcmp(status, "in_progress") == 0)
		return DB_OK;
	json_t *j = cli_result_json(e);
	char *text = j ? json_dumps(j, JSON_COMPACT | CLI_JSON_REAL) : NULL;
	json_decref(j);
	if (!text)
		return DB_ENOMEM;
	int rv = db_session_finish(d, session, status, engine_level(e)->id, text);
	free(text);
	return rv;
}

const char *cli_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t <= 0 || !localtime_r(&tt, &tm) ||
	    strftime(buf, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(buf, size, "-");
	return buf;
}
