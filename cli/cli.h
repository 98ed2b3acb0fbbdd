/*
 * cli.h — the commands of the msktriage program.
 *
 * main() parses the global options into struct cli_options, then hands the
 * remaining arguments (argv[0] is the command name) to one command. Each
 * command returns the process exit status: 0 ok, 1 runtime failure, 2 bad
 * usage or bad input. Only cli/ prints or reads a terminal.
 */
#ifndef MSKTRIAGE_CLI_H
#define MSKTRIAGE_CLI_H

#include <stdbool.h>

struct cli_options {
	const char *rules_dir;  /* --rules DIR, NULL: the built-in rule base */
	const char *db_path;    /* --db PATH, NULL: the default store */
	bool store_create;      /* the command may create a missing store
	                           (set by main's command table) */
};

int cli_assess(int argc, char **argv, const struct cli_options *opt);
int cli_rules(int argc, char **argv, const struct cli_options *opt);
int cli_interview(int argc, char **argv, const struct cli_options *opt);
int cli_resume(int argc, char **argv, const struct cli_options *opt);
int cli_kiosk(int argc, char **argv, const struct cli_options *opt);
int cli_report(int argc, char **argv, const struct cli_options *opt);
int cli_export(int argc, char **argv, const struct cli_options *opt);
int cli_sessions(int argc, char **argv, const struct cli_options *opt);
int cli_store(int argc, char **argv, const struct cli_options *opt);

/* The program's version string. */
extern const char cli_version[];

#endif
