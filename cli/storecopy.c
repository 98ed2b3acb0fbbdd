/*
 * storecopy.c — `msktriage store copy FROM TO`: moves a whole session store
 * from one place to another (a SQLite file, a postgresql:// URI), e.g. when
 * a clinic moves from one machine to a database server; `store init STORE`
 * creates a store (on a server: as the owner of its tables).
 */
#include "cli/cli.h"
#include "db/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char store_usage[] =
	"usage: msktriage store copy FROM TO\n"
	"       msktriage store init STORE\n"
	"\n"
	"init creates the store STORE (a file path or a postgresql:// URI) with\n"
	"its tables, or brings an existing one up to this version's schema.\n"
	"\n"
	"Copies every session (reference codes kept), answer revision,\n"
	"conclusion, note, sign-off, addendum, the audit trail, the kiosk's\n"
	"settings and its trail from the store FROM to the store TO, each a\n"
	"file path or a postgresql:// URI. TO must be empty (it is created\n"
	"if it does not exist); the\n"
	"rows are counted in both stores afterwards. Stop the programs that\n"
	"write to FROM first.\n";

static db *open_store(const char *where, bool create)
{
	char *msg = NULL;
	struct db_options o = { .must_exist = !create };
	db *d = db_open(where, &o, &msg);

	if (!d) {
		fprintf(stderr, "msktriage: %s\n",
			msg ? msg : "cannot open the session store");
		free(msg);
	}
	return d;
}

int cli_store(int argc, char **argv, const struct cli_options *opt)
{
	struct db_copy_counts n = { 0 };
	db *from, *to;
	int rv;

	(void)opt;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		fputs(store_usage, stdout);
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "init") == 0) {
		db *d = open_store(argv[2], true);

		if (!d)
			return 1;
		printf("the session store '%s' is ready\n", db_path(d));
		db_close(d);
		return 0;
	}
	if (argc != 4 || strcmp(argv[1], "copy") != 0) {
		fputs(store_usage, stderr);
		return 2;
	}
	from = open_store(argv[2], false);
	if (!from)
		return 1;
	to = open_store(argv[3], true);
	if (!to) {
		db_close(from);
		return 1;
	}
	rv = db_copy(from, to, &n);
	if (rv == DB_OK) {
		printf("copied %lld sessions, %lld answers, %lld answer "
		       "revisions, %lld conclusions, %lld notes, %lld addenda, "
		       "%lld audit rows, %lld settings and %lld kiosk events "
		       "from '%s' to '%s'; the counts agree\n",
		       (long long)n.sessions, (long long)n.answers,
		       (long long)n.revisions, (long long)n.conclusions,
		       (long long)n.notes, (long long)n.addenda,
		       (long long)n.audit, (long long)n.settings,
		       (long long)n.kiosk_events, db_path(from), db_path(to));
	} else {
		fprintf(stderr, "msktriage: %s\n", db_errmsg(to));
	}
	db_close(from);
	db_close(to);
	return rv == DB_OK ? 0 : rv == DB_EEXIST || rv == DB_EINVAL ? 2 : 1;
}
