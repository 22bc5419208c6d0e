/*
 * ike_work.c - Diffie-Hellman off the engine's thread (env->work).
 *
 * A responder's IKE_SA_INIT costs one key generation and one shared
 * secret: all of its CPU, next to which parsing and key derivation are
 * noise.  With env->work the engine hands that computation out as an
 * item holding everything it needs (ike_int.h), so the daemon can run
 * several on as many cores while the engine goes on answering others; the
 * result comes back through ike_work_done() (ike.c), in whatever order the
 * daemon finishes them.  Without env->work (tests, single-core builds) the
 * exchange computes the same item in place, so both ways share one code
 * path.
 *
 * What may change while an item is out: the SA may expire, be deleted
 * or be freed by a reload, and a new one may even take its SPI.  The item
 * names the SA by SPI and creation number; a result that finds neither
 * is dropped (st.dh_stale).
 */
#include <stdlib.h>
#include <string.h>

#include "core/ike/ike_int.h"

/* see ike_int.h */
struct ike_work *
ike_work_new(struct ike_sa *sa, uint8_t kind)
{
	struct ike_work *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		return NULL;
	}
	w->kind = kind;
	memcpy(w->spi, sa->initiator ? sa->spi_i : sa->spi_r, 8);
	w->seq = sa->seq;
	return w;
}

/* see ike.h */
void
ike_work_run(struct ike_work *w)
{
	size_t plen = 0, glen = 0;

	w->rc = cr_dh_public_of(&w->dhc, w->pub, &plen);
	if (w->rc == 0) {
		w->rc = cr_dh_shared(&w->dhc, w->peer, w->peer_len, w->gir,
		    &glen);
	}
	w->pub_len = (uint16_t)plen;
	w->gir_len = (uint16_t)glen;
	cr_dh_wipe(&w->dhc);
}

/* see ike.h */
void
ike_work_discard(struct ike_work *w)
{
	if (w != NULL) {
		cr_wipe(w, sizeof(*w));
		free(w);
	}
}

/* see ike_int.h */
int
ike_work_start(struct ike_engine *eng, struct ike_work *w)
{
	if (eng->env.work == NULL) {
		return -1;
	}
	eng->st.dh_offloaded++;
	eng->env.work(eng->env.ctx, w);
	return 0;
}

/* see ike_int.h */
struct ike_sa *
ike_work_sa(struct ike_engine *eng, const struct ike_work *w)
{
	struct ike_sa *sa = ike_sa_by_spi(eng, w->spi);

	if (sa == NULL || sa->seq != w->seq) {
		return NULL;
	}
	switch (w->kind) {
	case IKE_WORK_INIT_R:
		return sa->state == SA_INIT_WORK ? sa : NULL;
	default:
		return NULL;
	}
}
