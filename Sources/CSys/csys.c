#define _GNU_SOURCE 1
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include "csys.h"

int csys_pin_self_to_cpu(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

int csys_current_cpu(void) { return sched_getcpu(); }

static volatile sig_atomic_t interrupted = 0;

/* What a second Ctrl-C repairs before the process dies: temporary files in flight are removed,
   and a prepared final image of one file (run.json marked interrupted) is put in place. Only
   async-signal-safe calls (unlink, open, write, close, rename) run in the handler. */
#define CSYS_MAX_TEMPS 64
static char *volatile temps[CSYS_MAX_TEMPS];
static pthread_mutex_t temps_lock = PTHREAD_MUTEX_INITIALIZER;

struct kill_image { char *path, *tmp, *bytes; size_t count; };
static struct kill_image images[2];
static volatile sig_atomic_t image_current = -1;

int csys_temp_register(const char *path) {
    char *copy = strdup(path);
    if (!copy) return -1;
    pthread_mutex_lock(&temps_lock);
    for (int i = 0; i < CSYS_MAX_TEMPS; i++) {
        if (!temps[i]) { temps[i] = copy; pthread_mutex_unlock(&temps_lock); return i; }
    }
    pthread_mutex_unlock(&temps_lock);
    free(copy);
    return -1;
}

void csys_temp_release(int slot) {
    if (slot < 0 || slot >= CSYS_MAX_TEMPS) return;
    pthread_mutex_lock(&temps_lock);
    char *p = temps[slot];
    temps[slot] = NULL;
    pthread_mutex_unlock(&temps_lock);
    free(p);
}

void csys_set_kill_image(const char *path, const char *tmp, const void *bytes, size_t count) {
    int next = image_current == 0 ? 1 : 0;
    struct kill_image *im = &images[next];
    free(im->path); free(im->tmp); free(im->bytes);
    im->path = strdup(path);
    im->tmp = strdup(tmp);
    im->bytes = malloc(count ? count : 1);
    if (im->bytes) memcpy(im->bytes, bytes, count);
    im->count = count;
    if (im->path && im->tmp && im->bytes) image_current = next;
}

static void write_kill_image(void) {
    int i = image_current;
    if (i < 0) return;
    struct kill_image *im = &images[i];
    int fd = open(im->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    size_t done = 0;
    while (done < im->count) {
        ssize_t n = write(fd, im->bytes + done, im->count - done);
        if (n <= 0) break;
        done += (size_t)n;
    }
    close(fd);
    if (done == im->count) rename(im->tmp, im->path); else unlink(im->tmp);
}

static void on_signal(int sig) {
    if (interrupted) {
        /* A second Ctrl-C: the user insists. Leave the results folder consistent, then die of
           the signal as the shell expects. */
        for (int i = 0; i < CSYS_MAX_TEMPS; i++) {
            char *p = temps[i];
            if (p) unlink(p);
        }
        write_kill_image();
        signal(sig, SIG_DFL);
        raise(sig);
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

static uint32_t crc32_table[256];

__attribute__((constructor)) static void crc32_make_table(void) {
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = (c & 1u) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
        crc32_table[i] = c;
    }
}

uint32_t csys_crc32(uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = (const uint8_t *)data;
    uint32_t c = crc ^ 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) c = crc32_table[(c ^ p[i]) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

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
