#ifndef CSYS_H
#define CSYS_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Cycle counter: invariant TSC on x86-64, the virtual counter on AArch64, else 0 (no counter).
   Fenced on both sides, so a timestamp is taken only after every earlier instruction (and its
   cache misses) has completed and before any later one starts: without the fences an
   out-of-order core reads the end timestamp while the timed operation's loads are still in
   flight, and latencies come out too short (2x on a 10 M-key ART lookup). */
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
static inline uint64_t csys_cycles(void) {
    _mm_lfence();
    uint64_t t = __rdtsc();
    _mm_lfence();
    return t;
}
static inline int csys_has_cycle_counter(void) { return 1; }
#elif defined(__aarch64__)
static inline uint64_t csys_cycles(void) {
    uint64_t v;
    __asm__ volatile("isb; mrs %0, cntvct_el0" : "=r"(v)::"memory");
    return v;
}
static inline int csys_has_cycle_counter(void) { return 1; }
#else
static inline uint64_t csys_cycles(void) { return 0; }
static inline int csys_has_cycle_counter(void) { return 0; }
#endif

/* CLOCK_MONOTONIC in nanoseconds. */
static inline uint64_t csys_mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Relaxed atomic access to 64-bit counters shared between a worker and the monitor thread. */
static inline void csys_store_relaxed(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELAXED); }
static inline uint64_t csys_load_relaxed(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }

/* Atomics on 64-bit words in raw memory, for optimistic latches and epochs. A seqlock-style
   reader reads its data with plain loads, then calls csys_validate_load (acquire fence, then
   the version), so the data loads are ordered before the version re-read. */
static inline uint64_t csys_load_acquire(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline uint64_t csys_validate_load(const uint64_t *p) {
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    return __atomic_load_n(p, __ATOMIC_RELAXED);
}
static inline void csys_store_release(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
static inline uint32_t csys_load_acquire32(const uint32_t *p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
static inline void csys_store_release32(uint32_t *p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }
/* A store ordered before every later load (an xchg on x86-64): an epoch announcement. */
static inline void csys_store_seq_cst(uint64_t *p, uint64_t v) { __atomic_store_n(p, v, __ATOMIC_SEQ_CST); }
static inline int csys_cas(uint64_t *p, uint64_t expected, uint64_t desired) {
    return __atomic_compare_exchange_n(p, &expected, desired, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}
static inline uint64_t csys_fetch_add_release(uint64_t *p, uint64_t v) { return __atomic_fetch_add(p, v, __ATOMIC_RELEASE); }
static inline uint64_t csys_fetch_or(uint64_t *p, uint64_t v) { return __atomic_fetch_or(p, v, __ATOMIC_ACQ_REL); }
/* A spin-wait hint. */
#if defined(__x86_64__) || defined(__i386__)
static inline void csys_pause(void) { _mm_pause(); }
#elif defined(__aarch64__)
static inline void csys_pause(void) { __asm__ volatile("yield" ::: "memory"); }
#else
static inline void csys_pause(void) {}
#endif

/* A small index for the calling thread, unique among live threads and reused after a thread
   exits: 0 ... CSYS_MAX_THREADS - 1. Per-thread state in engines (epochs, tallies) is an array
   indexed by it. Assigned on first use; aborts when more threads than that are alive. */
#define CSYS_MAX_THREADS 1024
extern _Thread_local int csys_thread_index_plus1;
int csys_thread_index_assign(void);
static inline int csys_thread_index(void) {
    int i = csys_thread_index_plus1;
    return i ? i - 1 : csys_thread_index_assign();
}
/* One more than the highest index handed out so far (indexes below it may be in use). */
int csys_thread_index_bound(void);

/* A read prefetch of the cache line at `p` (a hint; no fault on any address). */
static inline void csys_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/* Index of the first of the first `count` bytes at `keys` (16 readable bytes) equal to `b`, or -1:
   SSE2 compare + movemask on x86-64, a scalar loop elsewhere. */
#if defined(__SSE2__)
#include <emmintrin.h>
static inline int csys_find_byte16(const void *keys, uint8_t b, int count) {
    __m128i k = _mm_loadu_si128((const __m128i *)keys);
    unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(k, _mm_set1_epi8((char)b)));
    mask &= (1u << count) - 1u;
    return mask ? __builtin_ctz(mask) : -1;
}
#else
static inline int csys_find_byte16(const void *keys, uint8_t b, int count) {
    const uint8_t *k = (const uint8_t *)keys;
    for (int i = 0; i < count; i++) if (k[i] == b) return i;
    return -1;
}
#endif

/* CRC32C (Castagnoli) of `n` bytes continuing `crc` (0 to start; pass a result on to checksum
   several ranges as one): SSE4.2 instructions when the CPU has them, else bitwise. */
uint32_t csys_crc32c(uint32_t crc, const void *data, size_t n);

/* CRC-32 (IEEE 802.3 / zlib polynomial 0xEDB88320, reflected) of `n` bytes continuing `crc`,
   computed a byte at a time through one 256-entry table, as reddb 1.1.0's `crc32` does (its
   cost, not the fastest way). csys_crc32(0, "123456789", 9) == 0xCBF43926. */
uint32_t csys_crc32(uint32_t crc, const void *data, size_t n);

/* Pin the calling thread to one CPU; returns 0 or an errno value. */
int csys_pin_self_to_cpu(int cpu);
/* The CPU the calling thread runs on, or -1. */
int csys_current_cpu(void);
/* Installs SIGINT/SIGTERM handlers that set the flag read by csys_interrupted(). */
void csys_install_interrupt_handler(void);
int csys_interrupted(void);
void csys_clear_interrupt(void);
/* Temporary files in flight (removed if a second Ctrl-C kills the process): register returns a
   slot (or -1 when the table is full), release forgets it. */
int csys_temp_register(const char *path);
void csys_temp_release(int slot);
/* The bytes to write to `path` (through `tmp`, then rename) if a second Ctrl-C kills the
   process: run.json as it stands, marked interrupted. Copied; call again to replace. */
void csys_set_kill_image(const char *path, const char *tmp, const void *bytes, size_t count);
/* Starts a joinable pthread running fn(arg); returns 0 or an errno value. */
int csys_thread_start(void *(*fn)(void *), void *arg, uint64_t *handle);
int csys_thread_join(uint64_t handle);
#endif
