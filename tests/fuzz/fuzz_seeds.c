/*
 * fuzz_seeds.c — the fuzzers' seed corpora from the clinical cases.
 *
 * Usage: fuzz_seeds CASES_DIR OUT_DIR
 *
 * Writes OUT_DIR/request/<case>-<side> (a request: the case's answers, and
 * mode when it has one) and OUT_DIR/assess/<case>-<side> (an options byte,
 * then that request; see fuzz_assess.c), for each of the case's answers,
 * stronger and weaker sides, and OUT_DIR/assess/batch-<n>: batches of ten
 * requests with ids, blank and bad lines among them.
 */
#include <jansson.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void put(const char *dir, const char *name, int sel, const char *text)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f) {
		fprintf(stderr, "fuzz_seeds: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	if (sel >= 0)
		fputc(sel, f);
	fputs(text, f);
	if (fclose(f) != 0)
		exit(1);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: fuzz_seeds CASES_DIR OUT_DIR\n");
		return 2;
	}
	char req_dir[4096], assess_dir[4096];
	snprintf(req_dir, sizeof(req_dir), "%s/request", argv[2]);
	snprintf(assess_dir, sizeof(assess_dir), "%s/assess", argv[2]);
	mkdir(argv[2], 0700);
	mkdir(req_dir, 0700);
	mkdir(assess_dir, 0700);
	DIR *d = opendir(argv[1]);
	if (!d) {
		fprintf(stderr, "fuzz_seeds: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	struct dirent *de;
	size_t n = 0, batches = 0;
	char *batch = NULL;
	size_t batch_len = 0;
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);
		if (len < 6 || strcmp(de->d_name + len - 5, ".json") != 0)
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", argv[1], de->d_name);
		json_t *c = json_load_file(path, 0, NULL);
		if (!c)
			continue;
		static const char *const sides[] = { "answers", "stronger", "weaker" };
		for (size_t k = 0; k < 3; k++) {
			json_t *a = json_object_get(c, sides[k]);
			if (!json_is_object(a))
				continue;
			json_t *req = json_pack("{s:O}", "answers", a);
			json_t *mode = json_object_get(c, "mode");
			if (mode)
				json_object_set(req, "mode", mode);
			char *text = json_dumps(req, JSON_COMPACT);
			char name[512];
			snprintf(name, sizeof(name), "%.*s-%s", (int)(len - 5),
				 de->d_name, sides[k]);
			put(req_dir, name, -1, text);
			put(assess_dir, name, (int)(n % 32) & ~1, text);
			/* batch lines: with an id, and now and then a blank or
			 * bad line */
			char id[64];
			snprintf(id, sizeof(id), "c%zu", n);
			json_object_set_new(req, "id", json_string(id));
			char *line = json_dumps(req, JSON_COMPACT);
			const char *extra = n % 7 == 3 ? "\n" : n % 7 == 5
					    ? "{\"answers\":{\"age\":\"x\"}}\n" : "";
			size_t need = strlen(line) + strlen(extra) + 2;
			char *p = realloc(batch, batch_len + need);
			if (!p)
				return 1;
			batch = p;
			batch_len += (size_t)sprintf(batch + batch_len, "%s\n%s",
						     line, extra);
			free(line);
			free(text);
			json_decref(req);
			if (++n % 10 == 0) {
				snprintf(name, sizeof(name), "batch-%zu", batches);
				put(assess_dir, name, (int)(batches++ % 32) | 1, batch);
				batch_len = 0;
			}
		}
		json_decref(c);
	}
	closedir(d);
	free(batch);
	printf("fuzz_seeds: %zu requests, %zu batches in %s\n", n, batches, argv[2]);
	return 0;
}
