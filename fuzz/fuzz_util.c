/* fuzz_util.c - fixed random numbers and a scratch folder (fuzz.h). */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz/fuzz.h"

int __wrap_cr_rand(void *out, size_t n);

static uint64_t rnd_state[4];
static int rnd_cur;

/* see fuzz.h */
void
fuzz_rand_reset(int stream)
{
	rnd_state[stream & 3] = 0x9e3779b97f4a7c15ull * (uint64_t)(stream + 1);
	rnd_cur = stream & 3;
}

/* see fuzz.h */
void
fuzz_rand_use(int stream)
{
	rnd_cur = stream & 3;
}

/* splitmix64: every call to cr_rand() in the library lands here. */
int
__wrap_cr_rand(void *out, size_t n)
{
	uint8_t *p = out;

	while (n > 0) {
		uint64_t z = (rnd_state[rnd_cur] += 0x9e3779b97f4a7c15ull);
		size_t k = n < 8 ? n : 8;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		z ^= z >> 31;
		memcpy(p, &z, k);
		p += k;
		n -= k;
	}
	return 0;
}

static char tmpdir[64];

static void
rm_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[512];

	if (d == NULL) {
		return;
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode)) {
			rm_tree(p);
			rmdir(p);
		} else {
			unlink(p);
		}
	}
	closedir(d);
}

static void
tmpdir_gone(void)
{
	rm_tree(tmpdir);
	rmdir(tmpdir);
}

/* see fuzz.h */
const char *
fuzz_tmpdir(void)
{
	if (tmpdir[0] == 0) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/ikebox-fuzz-XXXXXX");
		if (mkdtemp(tmpdir) == NULL) {
			perror("mkdtemp");
			abort();
		}
		atexit(tmpdir_gone);
	}
	return tmpdir;
}

/* see fuzz.h */
const char *
fuzz_write(const char *name, const void *data, size_t len)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", fuzz_tmpdir(), name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		return NULL;
	}
	if (len > 0 && write(fd, data, len) != (ssize_t)len) {
		close(fd);
		return NULL;
	}
	close(fd);
	return path;
}

/* see fuzz.h */
void
fuzz_clean(const char *sub)
{
	char p[256];

	snprintf(p, sizeof(p), "%s%s%s", fuzz_tmpdir(), sub ? "/" : "",
	    sub ? sub : "");
	rm_tree(p);
}

/* see fuzz.h */
int
fuzz_names_path(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < size; i++) {
		if (data[i] != '/') {
			continue;
		}
		if (i == 0 || i + 1 >= size || data[i - 1] < '0' ||
		    data[i - 1] > '9' || data[i + 1] < '0' ||
		    data[i + 1] > '9') {
			return 1;
		}
	}
	return 0;
}
