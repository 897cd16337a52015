/* The baseline for the binding benchmarks: a 64 B encrypt plus decrypt
 * through the C ABI of the same static library the bindings link
 * (profile ffi-release), timed the same way (median of 21 rounds of 2000).
 * Built and run by `bindings/run-tests --bench`. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sotto.h"

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

#define MUST(call) do { if ((call) != SOTTO_STATUS_OK) { fprintf(stderr, "failed: %s\n", #call); exit(1); } } while (0)

int main(void) {
    const uint64_t now = 1800000000u;
    sotto_identity *alice = NULL, *bob = NULL;
    sotto_prekey_store *store = NULL;
    sotto_session *a = NULL, *b = NULL;
    sotto_buffer bundle = {NULL, 0}, m = {NULL, 0}, pt = {NULL, 0};
    uint8_t plaintext[64];
    double samples[21];
    int r, i;

    memset(plaintext, 0x5a, sizeof plaintext);
    MUST(sotto_identity_generate(&alice));
    MUST(sotto_identity_generate(&bob));
    MUST(sotto_prekey_store_new(bob, now, &store));
    MUST(sotto_prekey_store_generate_one_time_prekeys(store, 1));
    MUST(sotto_prekey_store_bundle(store, bob, 0, &bundle));
    MUST(sotto_session_initiate(alice, bundle.data, bundle.len, &a));
    MUST(sotto_session_encrypt(a, (const uint8_t *)"hi", 2, &m));
    MUST(sotto_prekey_store_accept(store, bob, m.data, m.len, now, &b, &pt));
    sotto_buffer_free(&m);
    sotto_buffer_free(&pt);
    MUST(sotto_session_encrypt(b, (const uint8_t *)"hi", 2, &m));
    MUST(sotto_session_decrypt(a, m.data, m.len, &pt));
    sotto_buffer_free(&m);
    sotto_buffer_free(&pt);

    for (r = -1; r < 21; r++) {
        double start = now_us();
        for (i = 0; i < 2000; i++) {
            MUST(sotto_session_encrypt(a, plaintext, sizeof plaintext, &m));
            MUST(sotto_session_decrypt(b, m.data, m.len, &pt));
            sotto_buffer_free(&m);
            sotto_buffer_free(&pt);
        }
        if (r >= 0) samples[r] = (now_us() - start) / 2000;
    }
    qsort(samples, 21, sizeof samples[0], cmp);
    printf("C, same library: 64 B encrypt + decrypt %.2f µs (median of 21 rounds of 2000; fastest %.2f)\n",
           samples[10], samples[0]);
    sotto_buffer_free(&bundle);
    sotto_session_free(&a);
    sotto_session_free(&b);
    sotto_prekey_store_free(&store);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    return 0;
}
