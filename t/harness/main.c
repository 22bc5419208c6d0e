/*
 * main.c - the unit/simulation runner: runs every registered T_CASE in
 * suite order, prints a result line per case or table row, and a summary.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "t/harness/t.h"

static struct t_case *cases;
static const struct t_case *cur;
static char row_label[160];
static int row_open, row_failed, any_row;
static int n_pass, n_fail;

/* see t.h */
void
t_register(struct t_case *c)
{
	struct t_case **p = &cases;

	/* Keep them sorted by suite then name: a stable, readable order. */
	while (*p && (strcmp((*p)->suite, c->suite) < 0 ||
	    (strcmp((*p)->suite, c->suite) == 0 &&
	    strcmp((*p)->name, c->name) < 0))) {
		p = &(*p)->next;
	}
	c->next = *p;
	*p = c;
}

static void
report(const char *label)
{
	if (row_failed) {
		n_fail++;
		printf("FAIL %s.%s%s%s\n", cur->suite, cur->name,
		    label[0] ? " " : "", label);
	} else {
		n_pass++;
		printf("ok %s.%s%s%s\n", cur->suite, cur->name,
		    label[0] ? " " : "", label);
	}
	row_failed = 0;
}

/* see t.h */
void
t_row(const char *fmt, ...)
{
	va_list ap;

	if (row_open) {
		report(row_label);
	}
	va_start(ap, fmt);
	vsnprintf(row_label, sizeof(row_label), fmt, ap);
	va_end(ap);
	row_open = 1;
	any_row = 1;
}

/* see t.h */
void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("#   %s:%d: %s.%s%s%s: ", file, line, cur->suite, cur->name,
	    row_open ? " " : "", row_open ? row_label : "");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	row_failed = 1;
}

/* see t.h */
const char *
t_tmpfile(const char *name, const char *content)
{
	static char path[256];
	FILE *f;

	if (mkdir("t/out", 0755) != 0 && errno != EEXIST) {
		perror("t/out");
		abort();
	}
	snprintf(path, sizeof(path), "t/out/%s", name);
	f = fopen(path, "w");
	if (f == NULL || fputs(content, f) < 0 || fclose(f) != 0) {
		perror(path);
		abort();
	}
	return path;
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	char full[128];

	if (argc == 3 && strcmp(argv[1], "-s") == 0) {
		only = argv[2];
	}
	for (cur = cases; cur; cur = cur->next) {
		snprintf(full, sizeof(full), "%s.%s", cur->suite, cur->name);
		if (only && strstr(full, only) == NULL) {
			continue;
		}
		row_open = any_row = row_failed = 0;
		row_label[0] = '\0';
		cur->fn();
		if (row_open || !any_row) {
			report(row_open ? row_label : "");
		}
		fflush(stdout);
	}
	printf("# unit: %d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
