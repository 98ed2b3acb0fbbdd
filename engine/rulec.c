/*
 * rulec.c — build tool: compile the embedded rule sources into a CLIPS
 * binary image (see rules_image.h).
 *
 *   rulec OUT.img
 */
#include "engine/engine.h"
#include "engine/rules_image.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: rulec OUT.img\n");
		return 2;
	}
	char *msg = NULL;
	engine *e = engine_new(NULL, &msg);
	if (!e) {
		fprintf(stderr, "rulec: %s\n", msg ? msg : "cannot load the rules");
		free(msg);
		return 1;
	}
	int rv = engine_image_save(e, argv[1]);
	if (rv != 0)
		fprintf(stderr, "rulec: %s\n", engine_errmsg(e));
	engine_free(e);
	return rv == 0 ? 0 : 1;
}
