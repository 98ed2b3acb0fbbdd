/*
 * render.h — a result line written from fragments prepared once.
 *
 * cli_result_json() builds the conclusions as a jansson tree, which the
 * batch then serialises: most of that work is escaping the same wording
 * again for every case. A renderer escapes every static text of the rule
 * base once (with jansson, so escaping is jansson's own) when it is made,
 * and per case writes only ids, numbers and order. Its output is byte for
 * byte what json_dumps(JSON_COMPACT | CLI_JSON_REAL) gives for the same
 * line built with jansson; a test compares both over every clinical case
 * and generated ones.
 */
#ifndef MSKTRIAGE_CLI_RENDER_H
#define MSKTRIAGE_CLI_RENDER_H

#include "engine/engine.h"

struct cli_render;

/* Prepare the fragments of e's rule base. NULL when out of memory or when
 * a text cannot be encoded (then use jansson). Valid for any engine loaded
 * from the same rule base as e. */
struct cli_render *cli_render_new(const engine *e);
void cli_render_free(struct cli_render *r);

/*
 * The batch's result line for e's last run: {"line": line, "id": id (left
 * out when NULL), then the members of cli_result_json(e)}, compact, with
 * no newline. Returns a string to free(), or NULL (out of memory, or a
 * value only jansson can judge): the caller then builds the line with
 * jansson.
 */
char *cli_render_line(const struct cli_render *r, const engine *e,
		      unsigned long line, const char *id);

#endif
