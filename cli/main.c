/*
 * main.c — msktriage's entry point: global options, then one command.
 */
#include "cli/cli.h"
#include "cli/store.h"
#include "cli/term.h"
#include "engine/engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef MSKTRIAGE_VERSION
#define MSKTRIAGE_VERSION "0.0.0"
#endif

const char cli_version[] = MSKTRIAGE_VERSION;

static const char usage[] =
	"usage: msktriage [--rules DIR] [--db STORE] <command> [<args>]\n"
	"       msktriage [--rules DIR] [--db STORE] [--clinician NAME] [--label TEXT]\n"
	"\n"
	"Musculoskeletal symptom triage: knee pain and its links to the hip,\n"
	"the lower back and the thigh and hip muscles, with red-flag screening.\n"
	"\n"
	"Commands:\n"
	"  assess     evaluate answers given as JSON, without a terminal\n"
	"  rules      check or list the rule base (rules check | rules list)\n"
	"  sessions   list, show, resume or delete stored sessions\n"
	"  interview  interview a patient at the terminal (the default command)\n"
	"  resume     go on with an interrupted interview (resume [ID|CODE];\n"
	"             without one, pick from the sessions in progress)\n"
	"  kiosk      the patient self-check on a shared terminal\n"
	"  report     write a session as a report (text, markdown, json, html, fhir)\n"
	"  export     every session as CSV or JSON Lines, for audit and research\n"
	"  store      create a store, or copy one elsewhere (store init STORE |\n"
	"             store copy FROM TO)\n"
	"\n"
	"Options:\n"
	"  --rules DIR  load the rule base from DIR instead of the built-in one\n"
	"  --db STORE   the session store: a file, or a postgresql:// URI\n"
	"               (default $MSKTRIAGE_DB, else\n"
	"               $XDG_DATA_HOME/msktriage/sessions.db)\n"
	"  --version    print the program and rule-base versions\n"
	"  --help       this text; '<command> --help' for a command\n";

static int print_version(const struct cli_options *opt)
{
	engine *e = cli_engine_open(opt);
	if (!e)
		return 1;
	printf("msktriage %s\nrule base %s (sha256 %s)\n", MSKTRIAGE_VERSION,
	       engine_rulebase_version(e), engine_rulebase_sha256(e));
	engine_free_at_exit(e);
	return 0;
}

int main(int argc, char **argv)
{
	struct cli_options opt = { 0 };
	int i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--clinician") == 0 || strcmp(a, "--label") == 0) {
			/* the interview's own options: the default command */
			opt.store_create = true;
			char **args = calloc((size_t)(argc - i) + 2, sizeof(*args));
			if (!args) {
				fputs("msktriage: out of memory\n", stderr);
				return 1;
			}
			args[0] = "interview";
			for (int k = i; k < argc; k++)
				args[1 + k - i] = argv[k];
			int rc = cli_interview(argc - i + 1, args, &opt);
			free(args);
			return rc;
		}
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			fputs(usage, stdout);
			return 0;
		} else if (strcmp(a, "--version") == 0) {
			return print_version(&opt);
		} else if (strcmp(a, "--rules") == 0 && i + 1 < argc) {
			opt.rules_dir = argv[++i];
		} else if (strcmp(a, "--db") == 0 && i + 1 < argc) {
			opt.db_path = argv[++i];
		} else {
			char shown[512];
			fprintf(stderr, "msktriage: unknown or incomplete option '%s'\n%s",
				term_escape(shown, sizeof(shown), a, 64), usage);
			return 2;
		}
	}
	if (i >= argc) {
		opt.store_create = true;
		return cli_interview(1, (char *[]){ "interview", NULL }, &opt);
	}
	/*
	 * Only commands that start sessions may create a missing store; the
	 * others (reading, resuming, reporting, deleting) refuse with "no
	 * session store at ..." and leave nothing behind.
	 */
	static const struct {
		const char *name;
		int (*run)(int, char **, const struct cli_options *);
		bool store_create;
	} commands[] = {
		{ "assess", cli_assess, true },      /* with --save */
		{ "rules", cli_rules, false },
		{ "sessions", cli_sessions, false },
		{ "interview", cli_interview, true },
		{ "resume", cli_resume, false },
		{ "report", cli_report, false },
		{ "kiosk", cli_kiosk, true },        /* --set-pin */
		{ "export", cli_export, false },
		{ "store", cli_store, false },        /* creates TO itself */
	};
	const char *cmd = argv[i];
	for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++)
		if (strcmp(cmd, commands[k].name) == 0) {
			opt.store_create = commands[k].store_create;
			return commands[k].run(argc - i, argv + i, &opt);
		}
	if (strcmp(cmd, "help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	char shown[512];
	fprintf(stderr, "msktriage: unknown command '%s'\n%s",
		term_escape(shown, sizeof(shown), cmd, 64), usage);
	return 2;
}
