/* The misuse matrix: NULL for every pointer argument, short buffers,
 * truncated and random inputs, wrong keys, invalid enum values, and handles
 * used after they were freed. Every call must return its status, write
 * nothing on failure and leave every object unchanged. */
#include "harness.h"

/* A NULL handle or out-parameter of any type. */
#define NUL NULL

static uint8_t rnd_state = 7;
static void random_bytes(uint8_t *out, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) {
        rnd_state = (uint8_t)(rnd_state * 37u + 11u);
        out[i] = rnd_state;
    }
}

/* A session pair past its first round trip, with a message to tamper with. */
typedef struct {
    sotto_identity *alice, *bob;
    sotto_prekey_store *store;
    sotto_session *a, *b;
    sotto_buffer bundle, msg;
} fixture;

static fixture make_fixture(void) {
    fixture f;
    sotto_buffer m = empty_buffer(), pt = empty_buffer(), r = empty_buffer();
    memset(&f, 0, sizeof f);
    OK(sotto_identity_generate(&f.alice));
    OK(sotto_identity_generate(&f.bob));
    OK(sotto_prekey_store_new(f.bob, NOW, &f.store));
    OK(sotto_prekey_store_generate_one_time_prekeys(f.store, 2));
    f.bundle = empty_buffer();
    OK(sotto_prekey_store_bundle(f.store, f.bob, 0, &f.bundle));
    OK(sotto_session_initiate(f.alice, f.bundle.data, f.bundle.len, &f.a));
    OK(sotto_session_encrypt(f.a, (const uint8_t *)"x", 1, &m));
    OK(sotto_prekey_store_accept(f.store, f.bob, m.data, m.len, NOW, &f.b, &pt));
    OK(sotto_session_encrypt(f.b, (const uint8_t *)"y", 1, &r));
    sotto_buffer_free(&pt);
    OK(sotto_session_decrypt(f.a, r.data, r.len, &pt));
    f.msg = empty_buffer();
    OK(sotto_session_encrypt(f.a, (const uint8_t *)"tamper with me", 14, &f.msg));
    sotto_buffer_free(&m);
    sotto_buffer_free(&pt);
    sotto_buffer_free(&r);
    return f;
}

static void free_fixture(fixture *f) {
    sotto_buffer_free(&f->bundle);
    sotto_buffer_free(&f->msg);
    sotto_session_free(&f->a);
    sotto_session_free(&f->b);
    sotto_prekey_store_free(&f->store);
    sotto_identity_free(&f->alice);
    sotto_identity_free(&f->bob);
}

static void null_arguments(fixture *f) {
    sotto_buffer out = empty_buffer();
    uint8_t key64[64], buf[128];
    size_t n = 0;
    sotto_identity *id = NULL;
    sotto_prekey_store *st = NULL;
    sotto_session *se = NULL;
    sotto_group *g = NULL;
    sotto_location_share *sh = NULL;
    sotto_location_viewer *vw = NULL;
    sotto_security_code *sc = NULL;
    sotto_trust_store *ts = NULL;
    sotto_message_kind kind;
    sotto_scan_result scan;
    sotto_identity_status status;
    sotto_location loc;
    memset(&loc, 0, sizeof loc);
    OK(sotto_identity_public_key(f->bob, key64, 64));

    /* identity */
    IS(sotto_identity_generate(NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_public_key(NUL, buf, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_public_key(f->alice, NUL, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_export(f->alice, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_import(NUL, 5, &id), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_import(buf, 5, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_seal(NUL, HOST_KEY, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_seal(f->alice, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_seal(f->alice, HOST_KEY, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_open(NUL, buf, 5, &id), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_open(HOST_KEY, NUL, 5, &id), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_identity_open(HOST_KEY, buf, 5, NUL), SOTTO_STATUS_NULL_PARAMETER);
    /* (NULL, 0) is an empty input: well-formed pointers, malformed content. */
    IS(sotto_identity_import(NUL, 0, &id), SOTTO_STATUS_MALFORMED);

    /* prekey store */
    IS(sotto_prekey_store_new(NUL, NOW, &st), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_new(f->bob, NOW, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_generate_one_time_prekeys(NUL, 1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_one_time_prekey_count(NUL, &n), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_one_time_prekey_count(f->store, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_rotate_signed_prekey(NUL, f->bob, NOW), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_rotate_signed_prekey(f->store, NUL, NOW), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_bundle(NUL, f->bob, 0, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_bundle(f->store, NUL, 0, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_bundle(f->store, f->bob, 0, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_accept(NUL, f->bob, f->msg.data, f->msg.len, NOW, &se, &out),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_accept(f->store, NUL, f->msg.data, f->msg.len, NOW, &se, &out),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_accept(f->store, f->bob, NUL, 3, NOW, &se, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_accept(f->store, f->bob, f->msg.data, f->msg.len, NOW, NUL, &out),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_accept(f->store, f->bob, f->msg.data, f->msg.len, NOW, &se, NUL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_import(NUL, 1, &st), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_seal(f->store, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_open(HOST_KEY, buf, 5, NUL), SOTTO_STATUS_NULL_PARAMETER);

    /* session */
    IS(sotto_session_initiate(NUL, f->bundle.data, f->bundle.len, &se), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_initiate(f->alice, NUL, 9, &se), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_initiate(f->alice, f->bundle.data, f->bundle.len, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_encrypt(NUL, buf, 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_encrypt(f->a, NUL, 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_encrypt(f->a, buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_decrypt(NUL, f->msg.data, f->msg.len, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_decrypt(f->b, NUL, f->msg.len, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_decrypt(f->b, f->msg.data, f->msg.len, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_encrypt_checked(f->a, NUL, buf, 1, buf, 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_remote_identity(NUL, buf, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_remote_identity(f->a, NUL, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_message_kind_of(NUL, 3, &kind), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_message_kind_of(f->msg.data, f->msg.len, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_message_identity(NUL, 3, buf, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_message_identity(f->msg.data, f->msg.len, NUL, 64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_import(buf, 3, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_seal(f->a, HOST_KEY, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_open(NUL, buf, 3, &se), SOTTO_STATUS_NULL_PARAMETER);

    /* group */
    IS(sotto_group_new(NUL, buf, 3, key64, 1, &g), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_new(f->bob, NUL, 3, key64, 1, &g), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_new(f->bob, buf, 3, NUL, 1, &g), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_new(f->bob, buf, 3, key64, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    OK(sotto_group_new(f->bob, (const uint8_t *)"g", 1, key64, 1, &g));
    IS(sotto_group_distribution(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_distribution(g, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_process_distribution(NUL, key64, buf, 3), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_process_distribution(g, NUL, buf, 3), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_process_distribution(g, key64, NUL, 3), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_encrypt(NUL, buf, 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_encrypt(g, NUL, 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_encrypt(g, buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_decrypt(NUL, key64, buf, 3, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_decrypt(g, NUL, buf, 3, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_decrypt(g, key64, NUL, 3, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_decrypt(g, key64, buf, 3, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_add_member(NUL, key64, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_add_member(g, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_add_member(g, key64, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_remove_member(NUL, key64, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_remove_member(g, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_remove_member(g, key64, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_import(NUL, 1, &g), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_seal(g, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_group_open(HOST_KEY, NUL, 1, &g), SOTTO_STATUS_NULL_PARAMETER);

    /* location */
    IS(sotto_location_encode(NUL, buf, 48), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_encode(&loc, NUL, 48), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_decode(NUL, 48, &loc), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_decode(buf, 48, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_new(NUL, buf, 1, key64, 1, NOW, 0, &sh), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_new(f->bob, NUL, 1, key64, 1, NOW, 0, &sh), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_new(f->bob, buf, 1, NUL, 1, NOW, 0, &sh), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_new(f->bob, buf, 1, key64, 1, NOW, 0, NUL), SOTTO_STATUS_NULL_PARAMETER);
    OK(sotto_location_share_new(f->bob, (const uint8_t *)"c", 1, key64, 1, NOW + 60, 0, &sh));
    IS(sotto_location_share_distribution(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_distribution(sh, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_encrypt(NUL, &loc, NOW, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_encrypt(sh, NUL, NOW, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_encrypt(sh, &loc, NOW, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_add_viewer(NUL, key64, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_add_viewer(sh, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_remove_viewer(sh, key64, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_new(NUL, 1, key64, buf, 3, &vw), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_new(buf, 1, NUL, buf, 3, &vw), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_new(buf, 1, key64, NUL, 3, &vw), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_new(buf, 1, key64, buf, 3, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_process_distribution(NUL, buf, 3), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_decrypt(NUL, buf, 3, NOW, &loc), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_share_import(buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_location_viewer_open(NUL, buf, 1, &vw), SOTTO_STATUS_NULL_PARAMETER);

    /* verification */
    IS(sotto_security_code_new(NUL, buf, 1, key64, buf, 1, &sc), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_security_code_new(key64, buf, 1, NUL, buf, 1, &sc), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_security_code_new(key64, buf, 1, key64, buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_security_code_digits(NUL, buf, 60), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_security_code_scannable(NUL, buf, 66), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_security_code_compare_scanned(NUL, buf, 66, &scan), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_new(0, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_observe(NUL, buf, 1, key64, NOW, &status), SOTTO_STATUS_NULL_PARAMETER);
    OK(sotto_trust_store_new(0, &ts));
    IS(sotto_trust_store_observe(ts, NUL, 1, key64, NOW, &status), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_observe(ts, buf, 1, NUL, NOW, &status), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_observe(ts, buf, 1, key64, NOW, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_check(NUL, buf, 1, key64), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_accept_change(ts, buf, 1, NUL, NOW), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_set_verified(ts, NUL, 1, key64, 1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_export(NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_seal(ts, NUL, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_import(buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_trust_store_open(HOST_KEY, buf, 1, NUL), SOTTO_STATUS_NULL_PARAMETER);

    /* Nothing was written by any failed call. */
    CHECK(out.data == NULL && out.len == 0);
    CHECK(id == NULL && st == NULL && se == NULL && vw == NULL && sc == NULL);

    /* The last status of this thread, and the static descriptions. */
    char text[128];
    size_t needed = 0;
    IS(sotto_identity_generate(NUL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_last_error_message(NUL, 0, &needed), SOTTO_STATUS_BUFFER_TOO_SMALL);
    CHECK(needed == strlen("a required pointer argument was NULL") + 1);
    IS(sotto_last_error_message(text, 4, NUL), SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_last_error_message(text, sizeof text, &needed));
    CHECK(strcmp(text, "a required pointer argument was NULL") == 0);
    CHECK(strcmp(sotto_status_message(SOTTO_STATUS_DECRYPT_FAILED), "decryption failed") == 0);
    CHECK(strcmp(sotto_status_message(1000), "unknown status") == 0);

    /* Freeing NULL, and a NULL handle, does nothing. */
    sotto_identity_free(NUL);
    sotto_identity_free(&id);
    sotto_buffer_free(NUL);
    sotto_buffer_free(&out);
    sotto_group_free(&g);
    sotto_location_share_free(&sh);
    sotto_trust_store_free(&ts);
}

static void short_buffers_and_bad_values(fixture *f) {
    uint8_t buf[128];
    sotto_security_code *sc = NULL;
    sotto_location_share *sh = NULL;
    sotto_trust_store *ts = NULL;
    sotto_buffer out = empty_buffer();
    uint8_t key64[64];
    OK(sotto_identity_public_key(f->bob, key64, 64));
    memset(buf, 0xEE, sizeof buf);
    IS(sotto_identity_public_key(f->alice, buf, 63), SOTTO_STATUS_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 0xEE && buf[62] == 0xEE);
    IS(sotto_session_remote_identity(f->a, buf, 10), SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_security_code_new(key64, (const uint8_t *)"a", 1, key64, (const uint8_t *)"b", 1, &sc));
    IS(sotto_security_code_digits(sc, buf, 59), SOTTO_STATUS_BUFFER_TOO_SMALL);
    IS(sotto_security_code_scannable(sc, buf, 65), SOTTO_STATUS_BUFFER_TOO_SMALL);
    CHECK(buf[0] == 0xEE);
    sotto_location loc;
    memset(&loc, 0, sizeof loc);
    IS(sotto_location_encode(&loc, buf, 47), SOTTO_STATUS_BUFFER_TOO_SMALL);
    /* Invalid values from C: rejected, never trusted. */
    loc.has_altitude = 2;
    IS(sotto_location_encode(&loc, buf, 48), SOTTO_STATUS_INVALID_ARGUMENT);
    loc.has_altitude = 0;
    loc.precision = 9;
    IS(sotto_location_encode(&loc, buf, 48), SOTTO_STATUS_INVALID_ARGUMENT);
    loc.precision = 0;
    loc.latitude_e7 = 900000001;
    IS(sotto_location_encode(&loc, buf, 48), SOTTO_STATUS_INVALID_LOCATION);
    IS(sotto_location_share_new(f->bob, (const uint8_t *)"c", 1, key64, 1, NOW, 7, &sh), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_trust_store_new(2, &ts), SOTTO_STATUS_INVALID_ARGUMENT);
    OK(sotto_trust_store_new(1, &ts));
    OK(sotto_trust_store_observe(ts, (const uint8_t *)"b", 1, key64, NOW, (sotto_identity_status *)buf));
    IS(sotto_trust_store_set_verified(ts, (const uint8_t *)"b", 1, key64, 2), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_trust_store_check(ts, (const uint8_t *)"nobody", 6, key64), SOTTO_STATUS_UNKNOWN_CONTACT);
    IS(sotto_prekey_store_bundle(f->store, f->bob, 99, &out), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_generate_one_time_prekeys(f->store, 5000), SOTTO_STATUS_LIMIT_EXCEEDED);
    IS(sotto_group_new(f->bob, (const uint8_t *)"", 0, key64, 1, (sotto_group **)&sh), SOTTO_STATUS_LIMIT_EXCEEDED);
    IS(sotto_group_new(f->bob, (const uint8_t *)"g", 1, key64, SIZE_MAX, (sotto_group **)&sh), SOTTO_STATUS_LIMIT_EXCEEDED);
    CHECK(sh == NULL);
    /* A 64-byte identity whose Ed25519 half (y = 2) is not a curve point. */
    uint8_t bad_key[64];
    memset(bad_key, 0, sizeof bad_key);
    bad_key[0] = 2;
    sotto_group *g = NULL;
    IS(sotto_group_new(f->bob, (const uint8_t *)"g", 1, bad_key, 1, &g), SOTTO_STATUS_INVALID_KEY);
    /* A valid identity with its X25519 half replaced: the halves of two keys. */
    uint8_t spliced[64];
    memcpy(spliced, key64, 64);
    spliced[40] ^= 1;
    IS(sotto_group_new(f->bob, (const uint8_t *)"g", 1, spliced, 1, &g), SOTTO_STATUS_INVALID_KEY);
    CHECK(g == NULL && out.data == NULL);
    sotto_security_code_free(&sc);
    sotto_trust_store_free(&ts);
}

/* Truncated, bit-flipped and random inputs: never OK, never a change. */
static void hostile_inputs(fixture *f) {
    sotto_buffer before = empty_buffer(), after = empty_buffer(), out = empty_buffer();
    uint8_t junk[400];
    size_t len, i;
    OK(sotto_session_export(f->b, &before));
    bytes saved = copy_bytes(&before);
    sotto_buffer_free(&before);
    int all_failed = 1;
    for (len = 0; len < f->msg.len; len++) {
        all_failed &= sotto_session_decrypt(f->b, f->msg.data, len, &out) != SOTTO_STATUS_OK;
    }
    for (i = 0; i < f->msg.len; i++) {
        f->msg.data[i] ^= 0x10;
        all_failed &= sotto_session_decrypt(f->b, f->msg.data, f->msg.len, &out) != SOTTO_STATUS_OK;
        f->msg.data[i] ^= 0x10;
    }
    for (i = 0; i < 200; i++) {
        len = (size_t)(i * 2);
        random_bytes(junk, len);
        if (len > 1) {
            junk[0] = 2; /* the wire version (src/wire.rs) */
            junk[1] = (uint8_t)(i % 9);
        }
        all_failed &= sotto_session_decrypt(f->b, junk, len, &out) != SOTTO_STATUS_OK;
        sotto_session *s = NULL;
        sotto_buffer pt = empty_buffer();
        all_failed &= sotto_prekey_store_accept(f->store, f->bob, junk, len, NOW, &s, &pt) != SOTTO_STATUS_OK;
        all_failed &= s == NULL && pt.data == NULL;
        sotto_identity *id = NULL;
        all_failed &= sotto_identity_import(junk, len, &id) != SOTTO_STATUS_OK;
        all_failed &= sotto_session_open(HOST_KEY, junk, len, &s) != SOTTO_STATUS_OK;
        sotto_group *g = NULL;
        all_failed &= sotto_group_import(junk, len, &g) != SOTTO_STATUS_OK;
        sotto_location_viewer *v = NULL;
        all_failed &= sotto_location_viewer_import(junk, len, &v) != SOTTO_STATUS_OK;
        sotto_trust_store *t = NULL;
        all_failed &= sotto_trust_store_import(junk, len, &t) != SOTTO_STATUS_OK;
        sotto_location l;
        all_failed &= sotto_location_decode(junk, len, &l) != SOTTO_STATUS_OK;
        all_failed &= id == NULL && g == NULL && v == NULL && t == NULL;
    }
    CHECK(all_failed);
    CHECK(out.data == NULL);
    OK(sotto_session_export(f->b, &after));
    CHECK(same_bytes(&saved, &after));
    sotto_buffer_free(&after);
    free_bytes(&saved);
    /* The genuine message still decrypts. */
    OK(sotto_session_decrypt(f->b, f->msg.data, f->msg.len, &out));
    CHECK(buffer_is(&out, "tamper with me"));
    sotto_buffer_free(&out);
}

static void wrong_keys(fixture *f) {
    uint8_t other_key[32];
    sotto_buffer sealed = empty_buffer(), plain = empty_buffer();
    sotto_session *s = NULL;
    sotto_identity *id = NULL;
    memset(other_key, 0x33, sizeof other_key);
    OK(sotto_session_seal(f->a, HOST_KEY, &sealed));
    IS(sotto_session_open(other_key, sealed.data, sealed.len, &s), SOTTO_STATUS_DECRYPT_FAILED);
    CHECK(s == NULL);
    /* Another object's state is not this object's. */
    IS(sotto_identity_open(HOST_KEY, sealed.data, sealed.len, &id), SOTTO_STATUS_WRONG_TYPE);
    OK(sotto_session_export(f->a, &plain));
    IS(sotto_identity_import(plain.data, plain.len, &id), SOTTO_STATUS_WRONG_TYPE);
    CHECK(id == NULL);
    /* A message for another session. */
    sotto_buffer out = empty_buffer();
    IS(sotto_session_decrypt(f->a, f->msg.data, f->msg.len, &out), SOTTO_STATUS_DECRYPT_FAILED);
    sotto_buffer_free(&sealed);
    sotto_buffer_free(&plain);
}

static void freed_handles(void) {
    fixture f = make_fixture();
    sotto_session *a = f.a;
    sotto_buffer out = empty_buffer();
    /* _free clears the caller's pointer: any later use is a NULL parameter,
     * and freeing again does nothing. */
    sotto_session_free(&f.a);
    CHECK(f.a == NULL);
    IS(sotto_session_encrypt(f.a, (const uint8_t *)"x", 1, &out), SOTTO_STATUS_NULL_PARAMETER);
    sotto_session_free(&f.a);
    (void)a;
    sotto_buffer b = empty_buffer();
    OK(sotto_session_encrypt(f.b, (const uint8_t *)"x", 1, &b));
    sotto_buffer_free(&b);
    CHECK(b.data == NULL && b.len == 0);
    sotto_buffer_free(&b);
    free_fixture(&f);
    CHECK(f.a == NULL && f.b == NULL && f.store == NULL && f.alice == NULL && f.bob == NULL);
}

void run_misuse(void);
void run_misuse(void) {
    fixture f = make_fixture();
    null_arguments(&f);
    short_buffers_and_bad_values(&f);
    hostile_inputs(&f);
    wrong_keys(&f);
    free_fixture(&f);
    freed_handles();
}
