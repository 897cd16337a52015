/* A minimal test harness for the C ABI tests: counts checks, reports
 * failures with their line, and prints "N passed, M failed". */
#ifndef SOTTO_TEST_HARNESS_H
#define SOTTO_TEST_HARNESS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sotto.h"

static int passed = 0;
static int failed = 0;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (cond) {                                                              \
            passed++;                                                            \
        } else {                                                                 \
            failed++;                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

/* The call returns the expected status. */
#define IS(call, status) CHECK((sotto_status)(call) == (sotto_status)(status))
#define OK(call) IS(call, SOTTO_STATUS_OK)

static const uint64_t NOW = 1800000000u;
static const uint8_t HOST_KEY[SOTTO_HOST_KEY_LEN] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static sotto_buffer empty_buffer(void) {
    sotto_buffer b;
    b.data = NULL;
    b.len = 0;
    return b;
}

/* True if the buffer holds exactly the bytes of `text`. */
static int buffer_is(const sotto_buffer *b, const char *text) {
    size_t n = strlen(text);
    return b->len == n && (n == 0 || memcmp(b->data, text, n) == 0);
}

/* A sotto_buffer copied into memory the test owns, for comparisons. */
typedef struct {
    uint8_t *data;
    size_t len;
} bytes;

static bytes copy_bytes(const sotto_buffer *b) {
    bytes c;
    c.len = b->len;
    c.data = (uint8_t *)malloc(b->len ? b->len : 1);
    if (b->len) memcpy(c.data, b->data, b->len);
    return c;
}

static int same_bytes(const bytes *a, const sotto_buffer *b) {
    return a->len == b->len && (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void free_bytes(bytes *b) {
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

static int report(void) {
    printf("%d passed, %d failed\n", passed, failed);
    return failed == 0 ? 0 : 1;
}

#endif
