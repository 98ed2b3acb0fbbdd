/*
 * store.c — the glue between a command, the engine's conclusions and the
 * session store (see store.h).
 */
#include "cli/store.h"
#include "cli/result.h"
#include "cli/term.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

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
	char *msg = NULL, shown[1024];
	struct db_options o = { .must_exist = !opt->store_create };
	db *d = db_open(path, &o, &msg);
	if (!d) {
		/* The store's messages name the store. */
		fprintf(stderr, "msktriage: %s\n", msg ? TERM_SAFE(shown, msg)
			: "cannot open the session store");
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
	if ((l && l->stops) || engine_stop_held_level(e))
		return "emergency_stopped";
	return "complete";
}

int cli_store_conclusions(db *d, int64_t session, const engine *e)
{
	const char *status = cli_session_status(e);
	if (strcmp(status, "in_progress") == 0)
		return DB_OK;
	json_t *j = cli_result_stored_json(e);
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

FILE *cli_file_create(const char *path, bool *created, char *err,
		      size_t errsize)
{
	/* O_NONBLOCK: a FIFO planted at path must not hang the program. */
	const int flags = O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
			  O_CLOEXEC;
	int fd = open(path, flags | O_CREAT | O_EXCL, 0600);
	struct stat st;
	FILE *f = NULL;
	*created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, flags);
	if (fd < 0) {
		if (errno == ELOOP || errno == EEXIST)
			snprintf(err, errsize, "'%s' is a symbolic link; a file "
				 "with patient data is never written through "
				 "one", path);
		else
			snprintf(err, errsize, "cannot write '%s': %s", path,
				 strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errsize, "cannot write '%s': %s", path,
			 strerror(errno));
		goto out_close;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errsize, "'%s' is not a regular file", path);
		goto out_close;
	}
	if (st.st_uid != geteuid()) {
		snprintf(err, errsize, "'%s' belongs to another user; choose "
			 "another file name", path);
		goto out_close;
	}
	/* Mode 0600 before a byte is written, whatever the file had. */
	if (fchmod(fd, 0600) != 0 || fcntl(fd, F_SETFL, 0) != 0 ||
	    !(f = fdopen(fd, "w"))) {
		snprintf(err, errsize, "cannot write '%s': %s", path,
			 strerror(errno));
		goto out_close;
	}
	return f;
out_close:
	close(fd);
	if (*created)
		unlink(path);
	return NULL;
}

int cli_file_begin(FILE *f)
{
	return fflush(f) == 0 && ftruncate(fileno(f), 0) == 0 ? 0 : -1;
}

void cli_file_abandon(FILE *f, const char *path, bool created)
{
	fclose(f);
	if (created)
		unlink(path);
}

bool cli_date_parse(const char *s, int64_t *out)
{
	struct tm tm = { 0 };
	int y, m, d;
	char extra;
	if (sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3 || m < 1 ||
	    m > 12 || d < 1 || d > 31)
		return false;
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = d;
	tm.tm_isdst = -1;
	time_t t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	*out = (int64_t)t;
	return true;
}
