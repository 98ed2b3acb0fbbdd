/*
 * cases.h — run data-driven clinical cases (tests/cases/README.md).
 *
 *   struct cli_case_ctx c = { .out = stderr };
 *   cli_cases_run_dir(&c, e, "tests/cases");   or cli_case_run() per file
 *   c.cases, c.failures
 */
#ifndef MSKTRIAGE_CLI_CASES_H
#define MSKTRIAGE_CLI_CASES_H

#include "engine/engine.h"

#include <stddef.h>
#include <stdio.h>

struct cli_case_ctx {
	FILE *out;              /* failures are described here; NULL: silent */
	void (*after_run)(engine *e, void *hook_ctx); /* after every run */
	void *hook_ctx;
	size_t cases;           /* case files read */
	size_t failures;        /* failed expectations */
};

/* Run one case file. Returns 0 pass, 1 fail, -1 unreadable. */
int cli_case_run(struct cli_case_ctx *c, engine *e, const char *path);

/* Run every *.json in dir in name order. Returns 0 all pass, 1 some failed,
 * -1 when dir cannot be opened. */
int cli_cases_run_dir(struct cli_case_ctx *c, engine *e, const char *dir);

#endif
