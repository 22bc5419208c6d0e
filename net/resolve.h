/*
 * resolve.h - host name lookups for `peer = HOST`, off the event loop.
 *
 * getaddrinfo() blocks (a DNS server that does not answer holds it for
 * seconds), so the lookup runs on libuv's thread pool (uv_getaddrinfo) and
 * the answer comes back on the loop, where the engine may be called.
 */
#ifndef IKEBOX_NET_RESOLVE_H
#define IKEBOX_NET_RESOLVE_H

#include <uv.h>

#include "core/ike/ike.h"

/*
 * Called on the loop with the first address of family af (port 0), or
 * addr NULL and err the reason ("unknown node or service", ...).  vpn and
 * host are the strings given to resolve_start().
 */
typedef void resolve_cb(void *arg, const char *vpn, const char *host,
    const struct ike_addr *addr, const char *err);

/* Starts a lookup of host for an address of family af (4 or 6).
 * Returns 0, or a negative errno (then cb is not called). */
int resolve_start(uv_loop_t *uv, const char *vpn, const char *host, int af,
    resolve_cb *cb, void *arg);

/* Lookups not answered yet drop their answers instead of calling cb (the
 * daemon is going away). */
void resolve_cancel_all(void);

#endif
