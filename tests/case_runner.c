/*
 * case_runner.c — runs clinical case files against a rule directory.
 *
 *   case_runner RULES_DIR CASE.json|CASES_DIR ...
 *
 * Exit 0 when every expectation holds, 1 otherwise (each failure named on
 * stderr), 2 on bad usage or an unloadable rule base.
 */
#include "cli/cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: case_runner RULES_DIR CASE.json|DIR ...\n");
		return 2;
	}
	char *msg = NULL;
	engine *e = engine_new(argv[1], &msg);
	if (!e) {
		fprintf(stderr, "case_runner: %s\n", msg ? msg : "cannot load rules");
		free(msg);
		return 2;
	}
	struct cli_case_ctx c = { .out = stderr };
	int status = 0;
	for (int i = 2; i < argc; i++) {
		struct stat st;
		int rv = stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)
				 ? cli_cases_run_dir(&c, e, argv[i])
				 : cli_case_run(&c, e, argv[i]);
		if (rv != 0)
			status = 1;
	}
	printf("%zu cases, %zu failed expectations\n", c.cases, c.failures);
	engine_free(e);
	return status;
}
