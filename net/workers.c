/*
 * workers.c - CPU-bound items on a fixed set of threads; see workers.h.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "net/workers.h"

struct workers_job {
	struct workers_job *next;
	void *item;
};

/* The next item waiting, or NULL (w->mu held). */
static struct workers_job *
todo_pop(struct workers *w)
{
	struct workers_job *j = w->todo;

	if (j != NULL && (w->todo = j->next) == NULL) {
		w->todo_tail = &w->todo;
	}
	return j;
}

/* j computed: for the loop (w->mu held). */
static void
done_push(struct workers *w, struct workers_job *j)
{
	j->next = NULL;
	*w->done_tail = j;
	w->done_tail = &j->next;
	(void)uv_async_send(&w->async);
}

/* Computes every waiting item on the caller's thread (no thread could
 * start); they are still given back later, from the loop. */
static void
run_here(struct workers *w)
{
	struct workers_job *j;

	pthread_mutex_lock(&w->mu);
	while ((j = todo_pop(w)) != NULL) {
		w->run(j->item);
		done_push(w, j);
	}
	pthread_mutex_unlock(&w->mu);
}

static void *
thread_main(void *arg)
{
	struct workers *w = arg;
	struct workers_job *j;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (w->todo == NULL && !w->stop) {
			pthread_cond_wait(&w->cv, &w->mu);
		}
		if (w->stop) {
			break;
		}
		j = todo_pop(w);
		pthread_mutex_unlock(&w->mu);
		w->run(j->item);
		pthread_mutex_lock(&w->mu);
		done_push(w, j);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* On the loop: every computed item goes to finish(). */
static void
async_cb(uv_async_t *a)
{
	struct workers *w = a->data;
	struct workers_job *list;

	pthread_mutex_lock(&w->mu);
	list = w->done;
	w->done = NULL;
	w->done_tail = &w->done;
	pthread_mutex_unlock(&w->mu);
	while (list != NULL) {
		struct workers_job *j = list;

		list = j->next;
		w->finish(w->arg, j->item);
		free(j);
	}
}

/* see workers.h */
int
workers_init(struct workers *w, uv_loop_t *uv, void (*run)(void *),
    void (*finish)(void *, void *), void (*discard)(void *), void *arg)
{
	int rc;

	memset(w, 0, sizeof(*w));
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->run = run;
	w->finish = finish;
	w->discard = discard;
	w->arg = arg;
	if ((rc = pthread_mutex_init(&w->mu, NULL)) != 0) {
		return -rc;
	}
	if ((rc = pthread_cond_init(&w->cv, NULL)) != 0) {
		pthread_mutex_destroy(&w->mu);
		return -rc;
	}
	if ((rc = uv_async_init(uv, &w->async, async_cb)) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return rc;
	}
	w->async.data = w;
	w->open = 1;
	return 0;
}

/* see workers.h */
int
workers_start(struct workers *w, int n)
{
	sigset_t all, old;
	pthread_attr_t attr;

	if (n > WORKERS_MAX) {
		n = WORKERS_MAX;
	}
	/* A MODP exponentiation takes about 20 KiB of stack (crypto/dh.c);
	 * musl's default thread stack is 128 KiB, glibc's 8 MiB of address
	 * space: the same room everywhere, and no more. */
	pthread_attr_init(&attr);
	(void)pthread_attr_setstacksize(&attr, WORKERS_STACK);
	/* Signals stay with the loop's thread (libuv's handlers). */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	while (w->n < n && pthread_create(&w->th[w->n], &attr, thread_main,
	    w) == 0) {
		w->n++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	w->started = 1;
	if (w->n == 0) {
		run_here(w);	/* what waited for a thread */
	}
	return w->n;
}

/* see workers.h */
int
workers_submit(struct workers *w, void *item)
{
	struct workers_job *j = malloc(sizeof(*j));

	if (j == NULL) {
		return -ENOMEM;
	}
	j->next = NULL;
	j->item = item;
	pthread_mutex_lock(&w->mu);
	*w->todo_tail = j;
	w->todo_tail = &j->next;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->started && w->n == 0) {
		run_here(w);
	}
	return 0;
}

static void
discard_list(struct workers *w, struct workers_job *list)
{
	while (list != NULL) {
		struct workers_job *j = list;

		list = j->next;
		w->discard(j->item);
		free(j);
	}
}

/* see workers.h */
void
workers_stop(struct workers *w)
{
	if (!w->open) {
		return;
	}
	pthread_mutex_lock(&w->mu);
	w->stop = 1;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	for (int i = 0; i < w->n; i++) {
		pthread_join(w->th[i], NULL);
	}
	w->n = 0;
	discard_list(w, w->todo);
	discard_list(w, w->done);
	w->todo = w->done = NULL;
	w->todo_tail = &w->todo;
	w->done_tail = &w->done;
	w->open = 0;
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	uv_close((uv_handle_t *)&w->async, NULL);
}

/* see workers.h */
int
workers_auto(void)
{
	cpu_set_t set;
	long n = -1;

	/* The CPUs this process may run on (taskset, a cgroup's cpuset),
	 * not all the machine has: pinned to one, threads only cost. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		n = CPU_COUNT(&set);
	}
	if (n <= 0) {
		n = sysconf(_SC_NPROCESSORS_ONLN);
	}
	if (n <= 1) {
		return 0;
	}
	return n > WORKERS_MAX ? WORKERS_MAX : (int)n;
}
