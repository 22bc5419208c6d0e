/*
 * replay_main.c - runs a fuzz target without libFuzzer: each argument is
 * a file, or a folder whose files are all fed, one by one, to
 * LLVMFuzzerTestOneInput().  Prints "ran N inputs"; a crash is the
 * sanitizer's report and a non-zero exit.  Built by `make test` with gcc.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz/fuzz.h"

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
		perror(path);
		return -1;
	}
	rewind(f);
	buf = malloc((size_t)n + 1);	/* + 1: malloc(0) may give NULL */
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		perror(path);
		return -1;
	}
	fclose(f);
	if (getenv("FUZZ_REPLAY_VERBOSE")) {
		fprintf(stderr, "%s\n", path);
	}
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	free(buf);
	return 0;
}

int
main(int argc, char **argv)
{
	int ran = 0;

	for (int i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *e;

		if (stat(argv[i], &st) != 0) {
			continue;	/* an absent regress folder: nothing */
		}
		if (!S_ISDIR(st.st_mode)) {
			if (run_file(argv[i]) != 0) {
				return 1;
			}
			ran++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL) {
			perror(argv[i]);
			return 1;
		}
		while ((e = readdir(d)) != NULL) {
			char p[1024];

			if (e->d_name[0] == '.') {
				continue;
			}
			snprintf(p, sizeof(p), "%s/%s", argv[i], e->d_name);
			if (run_file(p) != 0) {
				closedir(d);
				return 1;
			}
			ran++;
		}
		closedir(d);
	}
	printf("ran %d inputs\n", ran);
	return 0;
}
