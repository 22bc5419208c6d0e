/*
 * fuzz_ctl.c - the control protocol: the input as command text
 * (ctl_cmd_parse), as a request frame the daemon serves (ctl_serve, with
 * a handler that answers a line), and as a reply/event frame ikectl reads
 * (ctl_reply_parse).  A parsed command's strings must be terminated.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "net/ctl.h"

static int
handler(void *ctx, const struct ctl_cmd *cmd, FILE *out)
{
	fprintf(out, "op %d name '%s' path '%s'\n", cmd->op, cmd->name,
	    cmd->path);
	return cmd->op % 2 ? -1 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_cmd cmd;
	char err[512];
	uint8_t *reply = NULL;
	size_t rlen = 0;
	const uint8_t *body;
	size_t blen;
	int status;

	if (ctl_cmd_parse((const char *)data, size, &cmd, err,
	    sizeof(err)) == 0) {
		if (memchr(cmd.name, 0, sizeof(cmd.name)) == NULL ||
		    memchr(cmd.path, 0, sizeof(cmd.path)) == NULL) {
			abort();
		}
	}
	if (ctl_serve(data, size, handler, NULL, &reply, &rlen) == 1) {
		if (ctl_reply_parse(reply, rlen, &status, &body, &blen) != 0) {
			abort();	/* the daemon's own reply must parse */
		}
	}
	free(reply);
	(void)ctl_reply_parse(data, size, &status, &body, &blen);
	return 0;
}
