#define _GNU_SOURCE 1
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "csys.h"

int csys_pin_self_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int csys_current_cpu(void) { return sched_getcpu(); }

static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig) {
    (void)sig;
    if (interrupted) {
        /* A second Ctrl-C: the user insists; restore the default and re-raise. */
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
    }
    interrupted = 1;
}

void csys_install_interrupt_handler(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A parent (a test runner, a CI shell) may have left these blocked; we want them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
}

int csys_interrupted(void) { return interrupted; }
void csys_clear_interrupt(void) { interrupted = 0; }

int csys_thread_start(void *(*fn)(void *), void *arg, uint64_t *handle) {
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, 8u << 20);
    int rc = pthread_create(&t, &attr, fn, arg);
    pthread_attr_destroy(&attr);
    if (rc == 0) *handle = (uint64_t)t;
    return rc;
}

int csys_thread_join(uint64_t handle) { return pthread_join((pthread_t)handle, NULL); }

_Thread_local int csys_thread_index_plus1 = 0;
static pthread_mutex_t index_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned char index_taken[CSYS_MAX_THREADS];
static int index_bound = 0;
static pthread_key_t index_key;
static pthread_once_t index_once = PTHREAD_ONCE_INIT;

/* Runs at thread exit (the key's value is the index + 1): the index becomes free again. */
static void index_release(void *value) {
    pthread_mutex_lock(&index_lock);
    index_taken[(int)(intptr_t)value - 1] = 0;
    pthread_mutex_unlock(&index_lock);
}

static void index_init(void) { pthread_key_create(&index_key, index_release); }

int csys_thread_index_assign(void) {
    pthread_once(&index_once, index_init);
    pthread_mutex_lock(&index_lock);
    int i = 0;
    while (i < CSYS_MAX_THREADS && index_taken[i]) i++;
    if (i == CSYS_MAX_THREADS) {
        fprintf(stderr, "error: more than %d threads use an engine at once\n", CSYS_MAX_THREADS);
        abort();
    }
    index_taken[i] = 1;
    if (i + 1 > index_bound) __atomic_store_n(&index_bound, i + 1, __ATOMIC_RELEASE);
    pthread_mutex_unlock(&index_lock);
    pthread_setspecific(index_key, (void *)(intptr_t)(i + 1));
    csys_thread_index_plus1 = i + 1;
    return i;
}

int csys_thread_index_bound(void) { return __atomic_load_n(&index_bound, __ATOMIC_ACQUIRE); }

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const uint8_t *p, size_t n) {
    uint64_t c = crc ^ 0xFFFFFFFFu;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        c = __builtin_ia32_crc32di(c, w);
    }
    uint32_t c32 = (uint32_t)c;
    for (; n > 0; n--, p++) c32 = __builtin_ia32_crc32qi(c32, *p);
    return c32 ^ 0xFFFFFFFFu;
}
#endif

uint32_t csys_crc32c(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
#if defined(__x86_64__)
    if (__builtin_cpu_supports("sse4.2")) return crc32c_sse42(crc, p, n);
#endif
    uint32_t c = crc ^ 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0x82F63B78u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}
