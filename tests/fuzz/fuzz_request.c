/*
 * fuzz_request.c — libFuzzer harness: one request (the JSON object that
 * `assess` reads) parsed, applied to an engine and run, and its result
 * written as JSON. One engine serves every input, as a batch worker's
 * does, so requests are applied as differences from the one before.
 */
#include "cli/result.h"

#include <stdint.h>
#include <stdlib.h>

/* The command refuses larger requests before parsing them. */
#define MAX_REQUEST (1024 * 1024)

static engine *e;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_REQUEST)
		return 0;
	if (!e && !(e = engine_new(NULL, NULL)))
		abort();
	char err[512];
	int rv = cli_request_run(e, ENGINE_MODE_CLINICIAN, (const char *)data,
				 size, err, sizeof(err));
	if (rv == 0) {
		json_t *j = cli_result_json(e);
		char *s = j ? json_dumps(j, JSON_COMPACT | CLI_JSON_REAL) : NULL;
		free(s);
		json_decref(j);
	}
	if (engine_is_out_of_memory(e)) {
		engine_free(e);
		e = NULL;
	}
	return 0;
}
