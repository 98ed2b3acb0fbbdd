/*
 * rules_source.h — the rule base compiled into the program.
 *
 * Generated at build time from rules/<name>.clp by engine/embed_rules.cmake:
 * schema.clp first, then the other files in name order, which is also the
 * order engine_new() loads a rules directory in. rules_source_sha256 is the
 * SHA-256 of the concatenated texts, the same digest engine_new() computes
 * for a directory.
 */
#ifndef MSKTRIAGE_RULES_SOURCE_H
#define MSKTRIAGE_RULES_SOURCE_H

#include <stddef.h>

struct rules_source_file {
	const char *name;
	const char *text;  /* NUL-terminated */
	size_t len;
};

extern const struct rules_source_file rules_source[];
extern const size_t rules_source_count;
extern const char rules_source_sha256[];

#endif
