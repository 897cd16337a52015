/* The store through the C ABI: a conversation between two store files, a
 * restart with the inbox intact, the outbox, loading objects back, a wrong
 * key and a damaged file, and NULL arguments. Files are created in the
 * working directory (the test runs the program in a scratch directory). */

static const uint8_t BOB_STORE_KEY[32] = {
    9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
    9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9};

static void remove_store(const char *path) {
    char extra[256];
    remove(path);
    snprintf(extra, sizeof extra, "%s-wal", path);
    remove(extra);
    snprintf(extra, sizeof extra, "%s-shm", path);
    remove(extra);
}

static sotto_status open_store(const char *path, const uint8_t *key, uint32_t durable,
                               sotto_store **out) {
    return sotto_store_open((const uint8_t *)path, strlen(path), key, durable, out);
}

#define NAME(s) (const uint8_t *)(s), strlen(s)

static void store_conversation(void) {
    const char *ap = "sotto_c_alice.db", *bp = "sotto_c_bob.db", *jp = "sotto_c_junk.db";
    sotto_store *as = NULL, *bs = NULL, *none = NULL;
    sotto_identity *alice = NULL, *bob = NULL;
    sotto_prekey_store *prekeys = NULL;
    sotto_session *session = NULL, *loaded = NULL;
    sotto_buffer bundle = empty_buffer(), msg = empty_buffer(), pt = empty_buffer();
    sotto_buffer conv = empty_buffer(), body = empty_buffer();
    int64_t out_id = 0, in_id = 0, pending = 0;

    remove_store(ap);
    remove_store(bp);
    OK(open_store(ap, HOST_KEY, 1, &as));
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));

    /* Bob registers; Alice starts a session from his bundle. */
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_prekey_store_new(bob, NOW, &prekeys));
    OK(sotto_prekey_store_generate_one_time_prekeys(prekeys, 2));
    OK(sotto_prekey_store_bundle(prekeys, bob, 0, &bundle));
    OK(sotto_session_initiate(alice, bundle.data, bundle.len, &session));
    OK(sotto_store_save_session(as, NAME("bob"), session));

    /* Before Bob's store holds his identity, a first message says so and
     * changes nothing; prekeys signed by another identity are refused; the
     * empty name (the device's own row) and a 256-byte name are refused by
     * the generic save and load. */
    OK(sotto_store_encrypt(as, NAME("bob"), NAME("hello Bob"), &out_id, &msg));
    IS(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &in_id, &pt),
       SOTTO_STATUS_NO_DEVICE_IDENTITY);
    CHECK(pt.data == NULL);
    {
        sotto_identity *got = NULL;
        sotto_prekey_store *got_prekeys = NULL;
        uint8_t long_name[256];
        memset(long_name, 'x', sizeof long_name);
        IS(sotto_store_device_identity(bs, &got), SOTTO_STATUS_NO_DEVICE_IDENTITY);
        IS(sotto_store_set_device_prekeys(bs, prekeys), SOTTO_STATUS_NO_DEVICE_IDENTITY);
        IS(sotto_store_set_device(bs, alice, prekeys), SOTTO_STATUS_DEVICE_MISMATCH);
        IS(sotto_store_device_identity(bs, &got), SOTTO_STATUS_NO_DEVICE_IDENTITY);
        IS(sotto_store_save_identity(bs, NULL, 0, bob), SOTTO_STATUS_INVALID_NAME);
        IS(sotto_store_load_identity(bs, NULL, 0, &got), SOTTO_STATUS_INVALID_NAME);
        IS(sotto_store_save_session(bs, long_name, sizeof long_name, session), SOTTO_STATUS_INVALID_NAME);
        IS(sotto_store_set_device(bs, NULL, prekeys), SOTTO_STATUS_NULL_PARAMETER);
        IS(sotto_store_device_prekeys(bs, NULL), SOTTO_STATUS_NULL_PARAMETER);
        OK(sotto_store_set_device(bs, bob, prekeys));
        OK(sotto_store_device_identity(bs, &got));
        OK(sotto_store_device_prekeys(bs, &got_prekeys));
        OK(sotto_store_set_device_prekeys(bs, got_prekeys));
        sotto_identity_free(&got);
        sotto_prekey_store_free(&got_prekeys);
    }
    OK(sotto_store_ack_outgoing(as, out_id));
    sotto_buffer_free(&msg);

    /* The first message is a prekey message: Bob's store accepts it. */
    OK(sotto_store_encrypt(as, NAME("bob"), NAME("hello Bob"), &out_id, &msg));
    OK(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &in_id, &pt));
    CHECK(buffer_is(&pt, "hello Bob"));
    sotto_buffer_free(&pt);
    IS(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &in_id, &pt),
       SOTTO_STATUS_DUPLICATE_MESSAGE);
    CHECK(pt.data == NULL);

    /* The outbox holds the message until it is acknowledged. */
    IS(sotto_store_next_outgoing(as, 0, &pending, &conv, &conv), SOTTO_STATUS_INVALID_ARGUMENT);
    CHECK(conv.data == NULL);
    OK(sotto_store_next_outgoing(as, 0, &pending, &conv, &body));
    CHECK(pending == out_id);
    CHECK(buffer_is(&conv, "bob"));
    CHECK(body.len == msg.len && memcmp(body.data, msg.data, msg.len) == 0);
    sotto_buffer_free(&conv);
    sotto_buffer_free(&body);
    OK(sotto_store_ack_outgoing(as, out_id));
    IS(sotto_store_next_outgoing(as, 0, &pending, &conv, &body), SOTTO_STATUS_NOT_FOUND);
    sotto_buffer_free(&msg);

    /* Bob restarts: a wrong key is refused, the right one finds the inbox. */
    sotto_store_free(&bs);
    CHECK(bs == NULL);
    IS(open_store(bp, HOST_KEY, 1, &bs), SOTTO_STATUS_STORE_KEY_MISMATCH);
    CHECK(bs == NULL);
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));
    OK(sotto_store_next_incoming(bs, 0, &pending, &conv, &body));
    CHECK(pending == in_id);
    CHECK(buffer_is(&conv, "alice"));
    CHECK(buffer_is(&body, "hello Bob"));
    sotto_buffer_free(&conv);
    sotto_buffer_free(&body);
    OK(sotto_store_ack_incoming(bs, in_id));
    IS(sotto_store_next_incoming(bs, 0, &pending, &conv, &body), SOTTO_STATUS_NOT_FOUND);

    /* Bob replies from his stored session; Alice reads it. */
    OK(sotto_store_encrypt(bs, NAME("alice"), NAME("hi Alice"), &out_id, &msg));
    OK(sotto_store_decrypt(as, NAME("bob"), msg.data, msg.len, NOW, &in_id, &pt));
    CHECK(buffer_is(&pt, "hi Alice"));
    sotto_buffer_free(&pt);
    sotto_buffer_free(&msg);

    /* Objects load back; a missing one is NOT_FOUND. */
    OK(sotto_store_load_session(bs, NAME("alice"), &loaded));
    CHECK(loaded != NULL);
    sotto_session_free(&loaded);
    IS(sotto_store_load_session(bs, NAME("nobody"), &loaded), SOTTO_STATUS_NOT_FOUND);
    CHECK(loaded == NULL);

    /* A file that is not a store; a bad durability value; NULL arguments. */
    {
        FILE *f = fopen(jp, "wb");
        uint8_t junk[4096];
        memset(junk, 0x41, sizeof junk);
        CHECK(f != NULL);
        if (f) {
            fwrite(junk, 1, sizeof junk, f);
            fclose(f);
        }
    }
    IS(open_store(jp, HOST_KEY, 1, &none), SOTTO_STATUS_STORE_CORRUPT);
    IS(open_store(ap, HOST_KEY, 2, &none), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_store_open(NULL, 3, HOST_KEY, 1, &none), SOTTO_STATUS_NULL_PARAMETER);
    IS(open_store(ap, NULL, 1, &none), SOTTO_STATUS_NULL_PARAMETER);
    IS(open_store(ap, HOST_KEY, 1, NULL), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(none == NULL);
    IS(sotto_store_encrypt(NULL, NAME("bob"), NAME("x"), &out_id, &msg), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_encrypt(as, NAME("bob"), NAME("x"), NULL, &msg), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_decrypt(as, NAME("bob"), NULL, 5, NOW, &in_id, &pt), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_ack_incoming(NULL, 1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_next_outgoing(as, 0, &pending, NULL, &body), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_save_session(as, NAME("bob"), NULL), SOTTO_STATUS_NULL_PARAMETER);
    sotto_store_free(NULL);

    sotto_buffer_free(&bundle);
    sotto_session_free(&session);
    sotto_prekey_store_free(&prekeys);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_store_free(&as);
    sotto_store_free(&bs);
    remove_store(ap);
    remove_store(bp);
    remove(jp);
}

/* A stranger's prekey message filed under a contact's name: refused under
 * block with the change held as pending, the sender of every entry, the
 * change accepted, the trust record, warn, and the commit counter. */
static void store_identity_change(void) {
    const char *bp = "sotto_c_bob2.db", *ap = "sotto_c_alice2.db", *mp = "sotto_c_mallory.db";
    sotto_store *bs = NULL, *as = NULL, *ms = NULL;
    sotto_identity *alice = NULL, *bob = NULL, *mallory = NULL;
    sotto_prekey_store *prekeys = NULL, *other_prekeys = NULL;
    sotto_buffer bundle = empty_buffer(), msg = empty_buffer(), forged = empty_buffer();
    sotto_buffer pt = empty_buffer();
    sotto_identity_status status;
    sotto_sender sender;
    sotto_trust_record record;
    uint8_t alice_key[64], mallory_key[64];
    int64_t id = 0, in_id = 0;
    uint64_t g1 = 0, g2 = 0;
    uint32_t policy = 9;

    remove_store(bp);
    remove_store(ap);
    remove_store(mp);
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));
    OK(open_store(ap, HOST_KEY, 1, &as));
    OK(open_store(mp, HOST_KEY, 1, &ms));
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&mallory));
    OK(sotto_identity_public_key(alice, alice_key, sizeof alice_key));
    OK(sotto_identity_public_key(mallory, mallory_key, sizeof mallory_key));
    OK(sotto_prekey_store_new(bob, NOW, &prekeys));
    OK(sotto_prekey_store_bundle(prekeys, bob, SIZE_MAX, &bundle));
    OK(sotto_store_set_device(bs, bob, prekeys));
    OK(sotto_prekey_store_new(alice, NOW, &other_prekeys));
    OK(sotto_store_set_device(as, alice, other_prekeys));
    sotto_prekey_store_free(&other_prekeys);
    OK(sotto_prekey_store_new(mallory, NOW, &other_prekeys));
    OK(sotto_store_set_device(ms, mallory, other_prekeys));

    /* Alice starts under the store's trust: Bob is new to her. */
    OK(sotto_store_initiate(as, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    CHECK(status.kind == SOTTO_IDENTITY_STATUS_KIND_NEW);
    OK(sotto_store_encrypt(as, NAME("bob"), NAME("hi Bob"), &id, &msg));
    OK(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &in_id, &pt));
    OK(sotto_store_incoming_sender(bs, in_id, &sender));
    CHECK(sender.has_identity == 1 && memcmp(sender.identity, alice_key, 64) == 0);
    CHECK(sender.identity_changed == 0);
    IS(sotto_store_incoming_sender(bs, in_id + 100, &sender), SOTTO_STATUS_NOT_FOUND);
    sotto_buffer_free(&pt);
    sotto_buffer_free(&msg);
    OK(sotto_store_set_verified(bs, NAME("alice"), alice_key, 1));
    IS(sotto_store_set_verified(bs, NAME("alice"), alice_key, 2), SOTTO_STATUS_INVALID_ARGUMENT);

    /* Mallory's message, filed under "alice": refused, pending. */
    OK(sotto_store_initiate(ms, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    OK(sotto_store_encrypt(ms, NAME("bob"), NAME("new phone"), &id, &forged));
    OK(sotto_store_generation(bs, &g1));
    IS(sotto_store_decrypt(bs, NAME("alice"), forged.data, forged.len, NOW, &in_id, &pt),
       SOTTO_STATUS_IDENTITY_CHANGED);
    CHECK(pt.data == NULL);
    OK(sotto_store_trust_record(bs, NAME("alice"), &record));
    CHECK(memcmp(record.identity, alice_key, 64) == 0 && record.verified == 1);
    CHECK(record.has_pending == 1 && memcmp(record.pending, mallory_key, 64) == 0);
    IS(sotto_store_trust_record(bs, NAME("nobody"), &record), SOTTO_STATUS_UNKNOWN_CONTACT);

    /* Accepted: the same message now decrypts, and says who it is from. */
    IS(sotto_store_accept_identity_change(bs, NAME("alice"), alice_key, NOW),
       SOTTO_STATUS_UNTRUSTED_IDENTITY);
    OK(sotto_store_accept_identity_change(bs, NAME("alice"), mallory_key, NOW));
    OK(sotto_store_decrypt(bs, NAME("alice"), forged.data, forged.len, NOW, &in_id, &pt));
    CHECK(buffer_is(&pt, "new phone"));
    OK(sotto_store_incoming_sender(bs, in_id, &sender));
    CHECK(memcmp(sender.identity, mallory_key, 64) == 0);
    sotto_buffer_free(&pt);
    OK(sotto_store_generation(bs, &g2));
    CHECK(g2 > g1);

    /* Warn: Alice's new first message is accepted and reported. */
    OK(sotto_store_trust_policy(bs, &policy));
    CHECK(policy == 0);
    OK(sotto_store_set_trust_policy(bs, 1));
    IS(sotto_store_set_trust_policy(bs, 2), SOTTO_STATUS_INVALID_ARGUMENT);
    OK(sotto_store_trust_policy(bs, &policy));
    CHECK(policy == 1);
    sotto_store_free(&as);
    remove_store(ap);
    OK(open_store(ap, HOST_KEY, 1, &as));
    IS(sotto_store_set_device(as, alice, prekeys), SOTTO_STATUS_DEVICE_MISMATCH);
    sotto_prekey_store_free(&other_prekeys);
    OK(sotto_prekey_store_new(alice, NOW, &other_prekeys));
    OK(sotto_store_set_device(as, alice, other_prekeys));
    OK(sotto_store_initiate(as, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    OK(sotto_store_encrypt(as, NAME("bob"), NAME("it's Alice"), &id, &msg));
    OK(sotto_store_decrypt(bs, NAME("alice"), msg.data, msg.len, NOW, &in_id, &pt));
    OK(sotto_store_incoming_sender(bs, in_id, &sender));
    CHECK(memcmp(sender.identity, alice_key, 64) == 0);
    CHECK(sender.identity_changed == 1 && memcmp(sender.previous, mallory_key, 64) == 0);
    sotto_buffer_free(&pt);
    sotto_buffer_free(&msg);

    /* NULL arguments. */
    IS(sotto_store_initiate(bs, NAME("x"), NULL, 3, NOW, &status), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_initiate(bs, NAME("x"), bundle.data, bundle.len, NOW, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_incoming_sender(NULL, 1, &sender), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_trust_record(bs, NAME("alice"), NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_accept_identity_change(bs, NAME("alice"), NULL, NOW), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_generation(NULL, &g1), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_set_trust_policy(NULL, 0), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_trust_policy(NULL, &policy), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_trust_policy(bs, NULL), SOTTO_STATUS_NULL_PARAMETER);

    sotto_buffer_free(&bundle);
    sotto_buffer_free(&forged);
    sotto_prekey_store_free(&prekeys);
    sotto_prekey_store_free(&other_prekeys);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&mallory);
    sotto_store_free(&as);
    sotto_store_free(&bs);
    sotto_store_free(&ms);
    remove_store(ap);
    remove_store(bp);
    remove_store(mp);
}
