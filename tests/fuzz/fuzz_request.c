/*
 * fuzz_request.c — libFuzzer harness: one request (the JSON object that
 * `assess` reads) parsed, applied to an engine and run, and its result
 * written as JSON. One engine serves every input, as a batch worker's
 * does, so requests are applied as differences from the one before.
 *
 * The batch's fast paths are checked against jansson on every input: a
 * request the scanner accepts must give the same result on a second engine
 * as jansson's reading gives on the first, and the result line written
 * from prepared fragments must equal jansson's serialisation byte for byte.
 */
#include "cli/render.h"
#include "cli/result.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* The command refuses larger requests before parsing them. */
#define MAX_REQUEST (1024 * 1024)

static engine *e, *e2;
static struct cli_render *r;

/* What the batch writes with jansson for line 1. */
static char *reference_line(const engine *en)
{
	json_t *res = cli_result_json(en);
	json_t *j = json_object();
	char *s = NULL;
	if (res && j && json_object_set_new(j, "line", json_integer(1)) == 0 &&
	    json_object_update(j, res) == 0)
		s = json_dumps(j, JSON_COMPACT | CLI_JSON_REAL);
	json_decref(res);
	json_decref(j);
	return s;
}

static void check_fast_paths(const uint8_t *data, size_t size, int rv)
{
	if (!r && !(r = cli_render_new(e)))
		abort();
	if (rv == 0) {
		char *want = reference_line(e);
		char *got = cli_render_line(r, e, 1, NULL);
		if (want && got && strcmp(want, got) != 0)
			abort();
		free(want);
		free(got);
	}
	char *copy = malloc(size + 1);
	if (!copy)
		return;
	memcpy(copy, data, size);
	copy[size] = '\0';
	struct cli_request req;
	if (cli_request_scan(copy, size, 128, &req) == 1) {
		char err[512];
		int rv2 = cli_request_apply_scanned(e2, ENGINE_MODE_CLINICIAN, &req,
						    err, sizeof(err));
		if (rv2 != rv && !engine_is_out_of_memory(e2))
			abort();
		if (rv == 0 && rv2 == 0) {
			char *a = cli_render_line(r, e, 1, NULL);
			char *b = cli_render_line(r, e2, 1, NULL);
			if (a && b && strcmp(a, b) != 0)
				abort();
			free(a);
			free(b);
		}
		cli_request_release(&req);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > MAX_REQUEST)
		return 0;
	if (!e && !(e = engine_new(NULL, NULL)))
		abort();
	if (!e2 && !(e2 = engine_new(NULL, NULL)))
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
	if (!engine_is_out_of_memory(e))
		check_fast_paths(data, size, rv);
	if (engine_is_out_of_memory(e)) {
		engine_free(e);
		e = NULL;
	}
	if (e2 && engine_is_out_of_memory(e2)) {
		engine_free(e2);
		e2 = NULL;
	}
	return 0;
}
