/* Post-quantum session setup (PQXDH) through the C ABI: sessions over a
 * one-time and over the last-resort post-quantum prekey, both post-quantum
 * on each side; a one-time post-quantum prekey used twice; a bundle
 * stripped of its post-quantum prekey (a downgrade) refused under the
 * require policy and taken as X3DH under prefer; a prekey store and a
 * store that require PQXDH refusing a classical first message, changing
 * nothing; the policies set, read, kept and refused when out of range; the
 * misuse matrix (NULLs, bad indices, limits, another identity); then the
 * same through two stores. */

/* Where a bundle's flags byte is (version, type, identity, signed prekey
 * id, time, key and signature before it), its post-quantum flag, and the
 * length of its post-quantum section (kind, id, time, ML-KEM-1024 key,
 * signature), which ends the bundle. */
#define BUNDLE_FLAGS_AT (2 + 64 + 4 + 8 + 32 + 64)
#define BUNDLE_FLAG_PQ 0x02
#define BUNDLE_PQ_LEN (1 + 4 + 8 + 1568 + 64)

/* A copy of `b` without its post-quantum prekey, as a server that
 * downgrades would hand it out. */
static bytes strip_pq(const sotto_buffer *b) {
    bytes c = copy_bytes(b);
    if (c.len > BUNDLE_FLAGS_AT + BUNDLE_PQ_LEN) {
        c.len -= BUNDLE_PQ_LEN;
        c.data[BUNDLE_FLAGS_AT] = (uint8_t)(c.data[BUNDLE_FLAGS_AT] & ~BUNDLE_FLAG_PQ);
    }
    return c;
}

/* 1 if the session says it is post-quantum, 0 if not, -1 on error. */
static int is_pq(const sotto_session *s) {
    uint8_t pq = 7;
    if (sotto_session_is_post_quantum(s, &pq) != SOTTO_STATUS_OK) return -1;
    return pq;
}

static size_t pq_count(const sotto_prekey_store *p) {
    size_t n = 12345;
    if (sotto_prekey_store_pq_one_time_prekey_count(p, &n) != SOTTO_STATUS_OK) return 12345;
    return n;
}

static uint32_t prekeys_policy(const sotto_prekey_store *p) {
    uint32_t code = 99;
    if (sotto_prekey_store_pq_policy(p, &code) != SOTTO_STATUS_OK) return 99;
    return code;
}

static uint32_t store_policy(const sotto_store *s) {
    uint32_t code = 99;
    if (sotto_store_pq_policy(s, &code) != SOTTO_STATUS_OK) return 99;
    return code;
}

/* 1 if the store's current session with `contact` is post-quantum, 0 if
 * not, -1 with no session, -2 on another error. */
static int store_is_pq(const sotto_store *s, const char *contact) {
    uint8_t pq = 7;
    sotto_status st = sotto_store_is_post_quantum(s, NAME(contact), &pq);
    if (st == SOTTO_STATUS_NOT_FOUND) return pq == 7 ? -1 : -2;
    if (st != SOTTO_STATUS_OK) return -2;
    return pq;
}

/* 1 if the prekey store's plain state equals `before`. */
static int prekeys_unchanged(const sotto_prekey_store *p, const bytes *before) {
    sotto_buffer now = empty_buffer();
    int same;
    if (sotto_prekey_store_export(p, &now) != SOTTO_STATUS_OK) return 0;
    same = same_bytes(before, &now);
    sotto_buffer_free(&now);
    return same;
}

/* Alice's first message over a new session from `bundle` (prefer), or an
 * empty buffer if it could not start. */
static sotto_buffer first_message(const sotto_identity *from, const uint8_t *bundle, size_t len) {
    sotto_session *s = NULL;
    sotto_buffer m = empty_buffer();
    if (sotto_session_initiate(from, bundle, len, &s) == SOTTO_STATUS_OK) {
        (void)sotto_session_encrypt(s, NAME("hello"), &m);
    }
    sotto_session_free(&s);
    return m;
}

static void pqxdh_sessions(void) {
    sotto_identity *alice = NULL, *bob = NULL, *carol = NULL;
    sotto_prekey_store *prekeys = NULL, *restored = NULL;
    sotto_session *a = NULL, *b = NULL, *c = NULL, *none = NULL;
    sotto_buffer one_time = empty_buffer(), last_resort = empty_buffer(), plain = empty_buffer();
    sotto_buffer msg = empty_buffer(), pt = empty_buffer(), reply = empty_buffer();
    sotto_buffer again = empty_buffer(), classic_msg = empty_buffer(), state = empty_buffer();
    sotto_buffer out = empty_buffer();
    bytes stripped, before;
    size_t n = 12345;
    uint32_t code = 99;
    uint8_t pq = 7;

    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&carol));
    OK(sotto_prekey_store_new(bob, NOW, &prekeys));

    /* One-time post-quantum prekeys: generated, counted, limited, only
     * under the store's own identity; a refusal generates nothing. */
    CHECK(pq_count(prekeys) == 0);
    OK(sotto_prekey_store_generate_pq_one_time_prekeys(prekeys, bob, 3, NOW));
    CHECK(pq_count(prekeys) == 3);
    IS(sotto_prekey_store_generate_pq_one_time_prekeys(prekeys, alice, 1, NOW),
       SOTTO_STATUS_INVALID_SIGNATURE);
    IS(sotto_prekey_store_generate_pq_one_time_prekeys(prekeys, bob, 98, NOW),
       SOTTO_STATUS_LIMIT_EXCEEDED);
    IS(sotto_prekey_store_generate_pq_one_time_prekeys(prekeys, bob, SIZE_MAX, NOW),
       SOTTO_STATUS_LIMIT_EXCEEDED);
    IS(sotto_prekey_store_generate_pq_one_time_prekeys(NULL, bob, 1, NOW),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_generate_pq_one_time_prekeys(prekeys, NULL, 1, NOW),
       SOTTO_STATUS_NULL_PARAMETER);
    CHECK(pq_count(prekeys) == 3);
    IS(sotto_prekey_store_pq_one_time_prekey_count(NULL, &n), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_pq_one_time_prekey_count(prekeys, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(n == 12345);

    /* Bundles: a one-time post-quantum prekey, or the last-resort one
     * (what sotto_prekey_store_bundle hands out); indices past the end and
     * NULLs are refused and write nothing. */
    OK(sotto_prekey_store_bundle_pq(prekeys, bob, SIZE_MAX, 0, &one_time));
    OK(sotto_prekey_store_bundle_pq(prekeys, bob, SIZE_MAX, SIZE_MAX, &last_resort));
    OK(sotto_prekey_store_bundle(prekeys, bob, SIZE_MAX, &plain));
    CHECK(one_time.len == BUNDLE_FLAGS_AT + 1 + BUNDLE_PQ_LEN);
    CHECK(last_resort.len == one_time.len);
    CHECK(plain.len == last_resort.len && memcmp(plain.data, last_resort.data, plain.len) == 0);
    CHECK(memcmp(one_time.data, last_resort.data, one_time.len) != 0);
    IS(sotto_prekey_store_bundle_pq(prekeys, bob, SIZE_MAX, 3, &out), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_bundle_pq(prekeys, bob, SIZE_MAX - 1, 0, &out),
       SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_bundle_pq(prekeys, bob, 0, 0, &out), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_bundle_pq(NULL, bob, SIZE_MAX, 0, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_bundle_pq(prekeys, NULL, SIZE_MAX, 0, &out), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_bundle_pq(prekeys, bob, SIZE_MAX, 0, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(out.data == NULL && out.len == 0);

    /* PQXDH over the one-time post-quantum prekey, required by Alice:
     * both sides are post-quantum, and the key is consumed. */
    OK(sotto_session_initiate_with_policy(alice, one_time.data, one_time.len, 1, &a));
    CHECK(is_pq(a) == 1);
    OK(sotto_session_encrypt(a, NAME("post-quantum hello"), &msg));
    OK(sotto_prekey_store_accept(prekeys, bob, msg.data, msg.len, NOW, &b, &pt));
    CHECK(buffer_is(&pt, "post-quantum hello"));
    CHECK(is_pq(b) == 1);
    CHECK(pq_count(prekeys) == 2);
    OK(sotto_session_encrypt(b, NAME("reply"), &reply));
    sotto_buffer_free(&pt);
    OK(sotto_session_decrypt(a, reply.data, reply.len, &pt));
    CHECK(buffer_is(&pt, "reply") && is_pq(a) == 1);
    sotto_buffer_free(&pt);

    /* The same one-time post-quantum prekey again (a server handing it out
     * twice): refused, and the prekey store is unchanged. */
    again = first_message(carol, one_time.data, one_time.len);
    CHECK(again.len > 0);
    OK(sotto_prekey_store_export(prekeys, &state));
    before = copy_bytes(&state);
    IS(sotto_prekey_store_accept(prekeys, bob, again.data, again.len, NOW, &c, &pt),
       SOTTO_STATUS_ONE_TIME_PREKEY_REUSED);
    CHECK(c == NULL && pt.data == NULL);
    CHECK(prekeys_unchanged(prekeys, &before));
    free_bytes(&before);
    sotto_buffer_free(&state);
    sotto_buffer_free(&again);

    /* PQXDH over the last-resort prekey (the default bundle and
     * sotto_session_initiate): post-quantum, nothing one-time consumed. */
    sotto_session_free(&a);
    sotto_session_free(&b);
    sotto_buffer_free(&msg);
    OK(sotto_session_initiate(alice, last_resort.data, last_resort.len, &a));
    CHECK(is_pq(a) == 1);
    OK(sotto_session_encrypt(a, NAME("last resort"), &msg));
    OK(sotto_prekey_store_accept(prekeys, bob, msg.data, msg.len, NOW, &b, &pt));
    CHECK(buffer_is(&pt, "last resort") && is_pq(b) == 1);
    CHECK(pq_count(prekeys) == 2);
    sotto_buffer_free(&pt);

    /* The bundle stripped of its post-quantum prekey: refused under
     * require (nothing written), X3DH under prefer and by
     * sotto_session_initiate. */
    stripped = strip_pq(&last_resort);
    CHECK(stripped.len == BUNDLE_FLAGS_AT + 1);
    IS(sotto_session_initiate_with_policy(alice, stripped.data, stripped.len, 1, &none),
       SOTTO_STATUS_POST_QUANTUM_REQUIRED);
    CHECK(none == NULL);
    OK(sotto_session_initiate_with_policy(carol, stripped.data, stripped.len, 0, &c));
    CHECK(is_pq(c) == 0);
    OK(sotto_session_encrypt(c, NAME("classical"), &classic_msg));
    sotto_session_free(&c);
    OK(sotto_session_initiate(carol, stripped.data, stripped.len, &c));
    CHECK(is_pq(c) == 0);
    sotto_session_free(&c);

    /* Bad policy codes and NULLs: refused, nothing written. */
    IS(sotto_session_initiate_with_policy(alice, one_time.data, one_time.len, 2, &none),
       SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_session_initiate_with_policy(alice, one_time.data, one_time.len, UINT32_MAX, &none),
       SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_session_initiate_with_policy(NULL, one_time.data, one_time.len, 1, &none),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_initiate_with_policy(alice, NULL, one_time.len, 1, &none),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_initiate_with_policy(alice, one_time.data, one_time.len, 1, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_initiate_with_policy(alice, one_time.data, one_time.len - 1, 1, &none),
       SOTTO_STATUS_MALFORMED);
    CHECK(none == NULL);
    IS(sotto_session_is_post_quantum(NULL, &pq), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_session_is_post_quantum(a, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(pq == 7);

    /* The prekey store's policy: prefer by default; bad codes and NULLs
     * change nothing; under require a classical first message is refused
     * and the store is unchanged; the policy is kept in its state; under
     * prefer again the same message is accepted, as X3DH. */
    CHECK(prekeys_policy(prekeys) == 0);
    IS(sotto_prekey_store_set_pq_policy(prekeys, 2), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_set_pq_policy(prekeys, UINT32_MAX), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_prekey_store_set_pq_policy(NULL, 1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_pq_policy(NULL, &code), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_prekey_store_pq_policy(prekeys, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(code == 99);
    CHECK(prekeys_policy(prekeys) == 0);
    OK(sotto_prekey_store_set_pq_policy(prekeys, 1));
    CHECK(prekeys_policy(prekeys) == 1);
    OK(sotto_prekey_store_export(prekeys, &state));
    before = copy_bytes(&state);
    IS(sotto_prekey_store_accept(prekeys, bob, classic_msg.data, classic_msg.len, NOW, &c, &pt),
       SOTTO_STATUS_POST_QUANTUM_REQUIRED);
    CHECK(c == NULL && pt.data == NULL);
    CHECK(prekeys_unchanged(prekeys, &before));
    free_bytes(&before);
    OK(sotto_prekey_store_import(state.data, state.len, &restored));
    CHECK(prekeys_policy(restored) == 1);
    sotto_buffer_free(&state);
    OK(sotto_prekey_store_set_pq_policy(prekeys, 0));
    CHECK(prekeys_policy(prekeys) == 0);
    OK(sotto_prekey_store_accept(prekeys, bob, classic_msg.data, classic_msg.len, NOW, &c, &pt));
    CHECK(buffer_is(&pt, "classical") && is_pq(c) == 0);
    sotto_buffer_free(&pt);

    free_bytes(&stripped);
    sotto_buffer_free(&one_time);
    sotto_buffer_free(&last_resort);
    sotto_buffer_free(&plain);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&reply);
    sotto_buffer_free(&classic_msg);
    sotto_session_free(&a);
    sotto_session_free(&b);
    sotto_session_free(&c);
    sotto_prekey_store_free(&prekeys);
    sotto_prekey_store_free(&restored);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&carol);
}

static void pqxdh_stores(void) {
    const char *ap = "sotto_c_pq_alice.db", *bp = "sotto_c_pq_bob.db";
    sotto_store *as = NULL, *bs = NULL;
    sotto_identity *alice = NULL, *bob = NULL, *carol = NULL;
    sotto_prekey_store *aprekeys = NULL, *bprekeys = NULL;
    sotto_buffer bundle = empty_buffer(), last_resort = empty_buffer();
    sotto_buffer msg = empty_buffer(), pt = empty_buffer(), classic_msg = empty_buffer();
    sotto_identity_status status;
    sotto_trust_record record;
    bytes stripped;
    int64_t id = 0;
    uint32_t code = 99;
    uint8_t pq = 7;

    remove_store(ap);
    remove_store(bp);
    OK(open_store(ap, HOST_KEY, 1, &as));
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&carol));
    OK(sotto_prekey_store_new(alice, NOW, &aprekeys));
    OK(sotto_prekey_store_new(bob, NOW, &bprekeys));

    /* No policy before the device is set. */
    IS(sotto_store_pq_policy(bs, &code), SOTTO_STATUS_NO_DEVICE_IDENTITY);
    IS(sotto_store_set_pq_policy(bs, 1), SOTTO_STATUS_NO_DEVICE_IDENTITY);
    CHECK(code == 99);
    OK(sotto_store_set_device(as, alice, aprekeys));
    OK(sotto_store_set_device(bs, bob, bprekeys));

    /* Policy round trip; bad codes and NULLs change nothing. */
    CHECK(store_policy(as) == 0);
    IS(sotto_store_set_pq_policy(as, 2), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_store_set_pq_policy(as, UINT32_MAX), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_store_set_pq_policy(NULL, 1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_pq_policy(NULL, &code), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_pq_policy(as, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(code == 99);
    CHECK(store_policy(as) == 0);
    OK(sotto_store_set_pq_policy(as, 1));
    CHECK(store_policy(as) == 1);
    CHECK(store_is_pq(as, "bob") == -1);
    IS(sotto_store_is_post_quantum(NULL, NAME("bob"), &pq), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_is_post_quantum(as, NULL, 3, &pq), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_is_post_quantum(as, NAME("bob"), NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(pq == 7);

    /* Bob publishes one-time post-quantum prekeys; his store keeps its own
     * policy (require) when he saves them. */
    OK(sotto_store_set_pq_policy(bs, 1));
    OK(sotto_prekey_store_generate_pq_one_time_prekeys(bprekeys, bob, 2, NOW));
    OK(sotto_store_set_device_prekeys(bs, bprekeys));
    CHECK(store_policy(bs) == 1);
    OK(sotto_prekey_store_bundle_pq(bprekeys, bob, SIZE_MAX, 1, &bundle));
    OK(sotto_prekey_store_bundle(bprekeys, bob, SIZE_MAX, &last_resort));

    /* Alice requires PQXDH: the stripped bundle is refused before anything
     * is recorded (no session, no trust record). */
    stripped = strip_pq(&last_resort);
    IS(sotto_store_initiate(as, NAME("bob"), stripped.data, stripped.len, NOW, &status),
       SOTTO_STATUS_POST_QUANTUM_REQUIRED);
    CHECK(store_is_pq(as, "bob") == -1);
    IS(sotto_store_trust_record(as, NAME("bob"), &record), SOTTO_STATUS_UNKNOWN_CONTACT);

    /* The genuine bundle: PQXDH on both sides. */
    OK(sotto_store_initiate(as, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    CHECK(store_is_pq(as, "bob") == 1);
    OK(sotto_store_encrypt(as, NAME("bob"), NAME("pq via stores"), &id, &msg));
    OK(sotto_store_ack_outgoing(as, id));
    OK(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &id, &pt));
    CHECK(buffer_is(&pt, "pq via stores"));
    OK(sotto_store_ack_incoming(bs, id));
    sotto_buffer_free(&pt);
    CHECK(store_is_pq(bs, "alice") == 1);

    /* Carol's classical first message (from the stripped bundle): Bob's
     * store requires PQXDH and refuses it with nothing committed; under
     * prefer the same message is accepted, as X3DH. */
    classic_msg = first_message(carol, stripped.data, stripped.len);
    CHECK(classic_msg.len > 0);
    IS(sotto_store_decrypt(bs, NAME("carol"), classic_msg.data, classic_msg.len, NOW, &id, &pt),
       SOTTO_STATUS_POST_QUANTUM_REQUIRED);
    CHECK(pt.data == NULL);
    CHECK(store_is_pq(bs, "carol") == -1);
    IS(sotto_store_trust_record(bs, NAME("carol"), &record), SOTTO_STATUS_UNKNOWN_CONTACT);
    OK(sotto_store_set_pq_policy(bs, 0));
    CHECK(store_policy(bs) == 0);
    OK(sotto_store_decrypt(bs, NAME("carol"), classic_msg.data, classic_msg.len, NOW, &id, &pt));
    CHECK(buffer_is(&pt, "hello"));
    OK(sotto_store_ack_incoming(bs, id));
    sotto_buffer_free(&pt);
    CHECK(store_is_pq(bs, "carol") == 0);

    /* Alice under prefer takes the stripped bundle: a new, classical
     * session becomes current. */
    OK(sotto_store_set_pq_policy(as, 0));
    OK(sotto_store_initiate(as, NAME("bob"), stripped.data, stripped.len, NOW, &status));
    CHECK(store_is_pq(as, "bob") == 0);

    free_bytes(&stripped);
    sotto_buffer_free(&bundle);
    sotto_buffer_free(&last_resort);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&classic_msg);
    sotto_prekey_store_free(&aprekeys);
    sotto_prekey_store_free(&bprekeys);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&carol);
    sotto_store_free(&as);
    sotto_store_free(&bs);
    remove_store(ap);
    remove_store(bp);
}
