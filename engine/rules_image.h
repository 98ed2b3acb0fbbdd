/*
 * rules_image.h — the built-in rule base as a CLIPS binary image.
 *
 * engine/rulec.c loads the embedded rule sources (rules_source.h) as text
 * and writes a binary image of them; the build embeds that image here. An
 * image is tied to the CLIPS library it was made with, so it is always made
 * anew by the same build, never shipped. rules_image_len 0 means "no image":
 * engine_new(NULL) then parses the embedded text (as rulec itself does).
 */
#ifndef MSKTRIAGE_RULES_IMAGE_H
#define MSKTRIAGE_RULES_IMAGE_H

#include <stddef.h>

extern const unsigned char rules_image[];
extern const size_t rules_image_len;

/* For rulec: write e's rule base as a binary image to path. */
struct engine;
int engine_image_save(struct engine *e, const char *path);

#endif
