// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * Feed files to a fuzz harness without libFuzzer: every file named on the
 * command line, and every file of the directories named, in name order.
 * make check links it with each harness to run the seed corpus as a
 * regression test; a broken invariant aborts, which fails the test.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t size = 0, cap = 0;

	if (!f) {
		fprintf(stderr, "run-corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (size == cap) {
			cap = cap ? cap * 2 : 4096;
			data = realloc(data, cap);
			if (!data)
				abort();
		}
		size_t n = fread(data + size, 1, cap - size, f);

		size += n;
		if (n == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "run-corpus: %s: cannot read\n", path);
		fclose(f);
		free(data);
		return -1;
	}
	fclose(f);
	/* named before the run, so that an abort says which file it was */
	fprintf(stderr, "%s\n", path);
	LLVMFuzzerTestOneInput(data, size);
	free(data);
	return 0;
}

static int run_dir(const char *dir, unsigned int *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), err = 0;

	if (n < 0) {
		fprintf(stderr, "run-corpus: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (names[i]->d_name[0] != '.' && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				err = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return err;
}

static int run_path(const char *path, unsigned int *count)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "run-corpus: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode))
		return run_dir(path, count);
	if (run_file(path) < 0)
		return -1;
	(*count)++;
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	unsigned int count = 0;
	int status = 0;

	if (argc < 2) {
		fprintf(stderr, "Usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) < 0)
			status = 1;
	printf("%s: %u inputs run%s\n", name, count,
	       status ? ", some could not be read" : ", every invariant held");
	return status;
}
