/*
 * fuzz_assess.c — libFuzzer harness: the `assess` command's whole input
 * path. The first byte chooses the options (batch or single, --jobs 2,
 * --format text, --mode kiosk, --save into a private in-memory store); the
 * rest is the input, read through --answers from a memory file. Results go
 * to /dev/null; run with -close_fd_mask=3 to silence the messages too.
 */
#define _GNU_SOURCE /* memfd_create */
#include "cli/cli.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

const char cli_version[] = "fuzz";

static int fd = -1;
static char path[64];

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!freopen("/dev/null", "w", stdout))
		abort();
	fd = memfd_create("fuzz-assess", MFD_CLOEXEC);
	if (fd < 0)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	unsigned sel = data[0];
	data++;
	size--;
	if (ftruncate(fd, 0) != 0)
		abort();
	size_t off = 0;
	while (off < size) {
		ssize_t w = pwrite(fd, data + off, size - off, (off_t)off);
		if (w <= 0)
			abort();
		off += (size_t)w;
	}
	char *argv[16];
	int argc = 0;
	argv[argc++] = "assess";
	argv[argc++] = "--answers";
	argv[argc++] = path;
	if (sel & 1) {
		argv[argc++] = "--batch";
		if (sel & 2) {
			argv[argc++] = "--jobs";
			argv[argc++] = "2";
		}
	} else if (sel & 4) {
		argv[argc++] = "--format";
		argv[argc++] = "text";
	}
	if (sel & 8) {
		argv[argc++] = "--mode";
		argv[argc++] = "kiosk";
	}
	struct cli_options opt = { 0 };
	if (sel & 16) {
		argv[argc++] = "--save";
		opt.db_path = ":memory:";
	}
	argv[argc] = NULL;
	(void)cli_assess(argc, argv, &opt);
	fflush(stdout);
	return 0;
}
