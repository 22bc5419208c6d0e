/*
 * resolve.c - host name lookups on libuv's thread pool; see resolve.h.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "net/resolve.h"
#include "net/sock.h"

struct lookup {
	uv_getaddrinfo_t req;
	resolve_cb *cb;
	void *arg;
	int af;
	unsigned gen;		/* resolve_cancel_all() generation */
	char *vpn, *host;
};

static unsigned generation;

static void
done(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct lookup *l = req->data;
	struct ike_addr a;
	const char *err = NULL;
	int found = 0;

	memset(&a, 0, sizeof(a));
	for (struct addrinfo *ai = res; status == 0 && ai && !found;
	    ai = ai->ai_next) {
		found = ai->ai_family == (l->af == 6 ? AF_INET6 : AF_INET) &&
		    sock_addr_from_sa(ai->ai_addr, &a) == 0;
	}
	if (status != 0) {
		err = uv_strerror(status);
	} else if (!found) {
		err = l->af == 4 ? "no IPv4 address" : "no IPv6 address";
	}
	if (l->gen == generation) {
		l->cb(l->arg, l->vpn, l->host, found ? &a : NULL, err);
	}
	uv_freeaddrinfo(res);
	free(l->vpn);
	free(l->host);
	free(l);
}

/* see resolve.h */
int
resolve_start(uv_loop_t *uv, const char *vpn, const char *host, int af,
    resolve_cb *cb, void *arg)
{
	struct lookup *l = calloc(1, sizeof(*l));
	struct addrinfo hints;
	int rc;

	if (l == NULL || (l->vpn = strdup(vpn)) == NULL ||
	    (l->host = strdup(host)) == NULL) {
		if (l != NULL) {
			free(l->vpn);
		}
		free(l);
		return -ENOMEM;
	}
	l->req.data = l;
	l->cb = cb;
	l->arg = arg;
	l->af = af;
	l->gen = generation;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af == 6 ? AF_INET6 : AF_INET;
	hints.ai_socktype = SOCK_DGRAM;
	rc = uv_getaddrinfo(uv, &l->req, done, host, NULL, &hints);
	if (rc != 0) {
		free(l->vpn);
		free(l->host);
		free(l);
		return rc;	/* libuv errors are negative errnos */
	}
	return 0;
}

/* see resolve.h */
void
resolve_cancel_all(void)
{
	generation++;
}
