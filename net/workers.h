/*
 * workers.h - a fixed set of threads for CPU-bound items (the engine's
 * Diffie-Hellman work, env->work), their results given back on the loop.
 *
 * Not libuv's thread pool: host name lookups run there, and a lookup that
 * hangs on a silent DNS server would hold a pool thread for seconds; DH
 * must not wait behind it.  Here `workers = N` means N threads computing,
 * nothing else.  Items are taken in order of submission; results come back
 * in order of completion, through one uv_async_t.
 */
#ifndef IKEBOX_NET_WORKERS_H
#define IKEBOX_NET_WORKERS_H

#include <pthread.h>
#include <uv.h>

#define WORKERS_MAX 64
#define WORKERS_STACK (256 * 1024)

struct workers_job;

struct workers {
	uv_async_t async;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct workers_job *todo, **todo_tail;	/* waiting for a thread */
	struct workers_job *done, **done_tail;	/* computed, for the loop */
	pthread_t th[WORKERS_MAX];
	int n;			/* threads running */
	int stop;
	int open;
	int started;		/* workers_start() was called */
	void (*run)(void *item);		/* on a worker thread */
	void (*finish)(void *arg, void *item);	/* on the loop */
	void (*discard)(void *item);		/* never run, or stopping */
	void *arg;
};

/* Sets up the queue on loop uv (no thread yet).  0 or a negative errno. */
int workers_init(struct workers *w, uv_loop_t *uv, void (*run)(void *),
    void (*finish)(void *, void *), void (*discard)(void *), void *arg);

/* Starts n threads (1..WORKERS_MAX); items submitted before wait for
 * them.  Returns how many started (a failure is logged by the caller). */
int workers_start(struct workers *w, int n);

/* Queues item; finish(arg, item) is called on the loop once run.  0 or
 * -ENOMEM. */
int workers_submit(struct workers *w, void *item);

/* Lets the threads finish the item in hand, joins them, discards what was
 * not given back, closes the async handle (uv_run then ends it). */
void workers_stop(struct workers *w);

/* The number of threads `workers = auto` means here: one per CPU this
 * process may run on (its affinity: taskset, a cgroup's cpuset), none
 * when that is one (handing over costs more than it gains there). */
int workers_auto(void);

#endif
