/* The C ABI as an app uses it: 1:1 with out-of-order delivery and a restart
 * from exported state, a three-member group with a removal, a live-location
 * share with a late viewer, security codes and an identity change. */
#include "harness.h"

static void identity_key(const sotto_identity *id, uint8_t out[SOTTO_IDENTITY_KEY_LEN]) {
    OK(sotto_identity_public_key(id, out, SOTTO_IDENTITY_KEY_LEN));
}

static void one_to_one(void) {
    sotto_identity *alice = NULL, *bob = NULL;
    sotto_prekey_store *store = NULL;
    sotto_session *a = NULL, *b = NULL;
    sotto_buffer bundle = empty_buffer(), m[3], pt = empty_buffer();
    size_t count = 0;
    int i;

    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_prekey_store_new(bob, NOW, &store));
    OK(sotto_prekey_store_generate_one_time_prekeys(store, 5));
    OK(sotto_prekey_store_one_time_prekey_count(store, &count));
    CHECK(count == 5);
    OK(sotto_prekey_store_bundle(store, bob, 0, &bundle));
    OK(sotto_session_initiate(alice, bundle.data, bundle.len, &a));

    /* Three messages while Bob is offline, delivered in reverse order. */
    const char *texts[3] = {"first", "second", "third"};
    for (i = 0; i < 3; i++) {
        m[i] = empty_buffer();
        OK(sotto_session_encrypt(a, (const uint8_t *)texts[i], strlen(texts[i]), &m[i]));
    }
    sotto_message_kind kind = SOTTO_MESSAGE_KIND_NORMAL;
    OK(sotto_message_kind_of(m[2].data, m[2].len, &kind));
    CHECK(kind == SOTTO_MESSAGE_KIND_PREKEY);
    OK(sotto_prekey_store_accept(store, bob, m[2].data, m[2].len, NOW, &b, &pt));
    CHECK(buffer_is(&pt, "third"));
    sotto_buffer_free(&pt);
    OK(sotto_prekey_store_one_time_prekey_count(store, &count));
    CHECK(count == 4);
    for (i = 1; i >= 0; i--) {
        OK(sotto_session_decrypt(b, m[i].data, m[i].len, &pt));
        CHECK(buffer_is(&pt, texts[i]));
        sotto_buffer_free(&pt);
    }
    IS(sotto_session_decrypt(b, m[0].data, m[0].len, &pt), SOTTO_STATUS_DUPLICATE_MESSAGE);
    CHECK(pt.data == NULL);

    /* Bob replies with three; Alice reads them out of order. */
    sotto_buffer r[3];
    for (i = 0; i < 3; i++) {
        r[i] = empty_buffer();
        OK(sotto_session_encrypt(b, (const uint8_t *)texts[i], strlen(texts[i]), &r[i]));
    }
    int order[3] = {2, 0, 1};
    for (i = 0; i < 3; i++) {
        OK(sotto_session_decrypt(a, r[order[i]].data, r[order[i]].len, &pt));
        CHECK(buffer_is(&pt, texts[order[i]]));
        sotto_buffer_free(&pt);
    }

    /* Alice restarts from her sealed state; Bob from his plain export. */
    sotto_buffer sealed = empty_buffer(), plain = empty_buffer();
    OK(sotto_session_seal(a, HOST_KEY, &sealed));
    OK(sotto_session_export(b, &plain));
    sotto_session_free(&a);
    sotto_session_free(&b);
    CHECK(a == NULL && b == NULL);
    OK(sotto_session_open(HOST_KEY, sealed.data, sealed.len, &a));
    OK(sotto_session_import(plain.data, plain.len, &b));
    sotto_buffer next = empty_buffer();
    OK(sotto_session_encrypt(a, (const uint8_t *)"after restart", 13, &next));
    OK(sotto_session_decrypt(b, next.data, next.len, &pt));
    CHECK(buffer_is(&pt, "after restart"));
    sotto_buffer_free(&pt);

    /* The identity and store survive a restart too. */
    sotto_buffer id_sealed = empty_buffer(), store_sealed = empty_buffer();
    sotto_identity *bob2 = NULL;
    sotto_prekey_store *store2 = NULL;
    uint8_t k1[64], k2[64];
    OK(sotto_identity_seal(bob, HOST_KEY, &id_sealed));
    OK(sotto_identity_open(HOST_KEY, id_sealed.data, id_sealed.len, &bob2));
    identity_key(bob, k1);
    identity_key(bob2, k2);
    CHECK(memcmp(k1, k2, 64) == 0);
    OK(sotto_prekey_store_seal(store, HOST_KEY, &store_sealed));
    OK(sotto_prekey_store_open(HOST_KEY, store_sealed.data, store_sealed.len, &store2));
    OK(sotto_prekey_store_one_time_prekey_count(store2, &count));
    CHECK(count == 4);
    OK(sotto_prekey_store_rotate_signed_prekey(store2, bob2, NOW + 86400));

    uint8_t remote[64];
    OK(sotto_session_remote_identity(a, remote, sizeof remote));
    CHECK(memcmp(remote, k1, 64) == 0);

    for (i = 0; i < 3; i++) {
        sotto_buffer_free(&m[i]);
        sotto_buffer_free(&r[i]);
    }
    sotto_buffer_free(&bundle);
    sotto_buffer_free(&sealed);
    sotto_buffer_free(&plain);
    sotto_buffer_free(&next);
    sotto_buffer_free(&id_sealed);
    sotto_buffer_free(&store_sealed);
    sotto_session_free(&a);
    sotto_session_free(&b);
    sotto_prekey_store_free(&store);
    sotto_prekey_store_free(&store2);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&bob2);
}

static void group_with_removal(void) {
    sotto_identity *ids[3] = {NULL, NULL, NULL};
    uint8_t keys[3][64];
    sotto_group *groups[3] = {NULL, NULL, NULL};
    sotto_buffer d = empty_buffer(), msg = empty_buffer(), pt = empty_buffer();
    int i, j;
    const uint8_t gid[] = "friday trip";

    for (i = 0; i < 3; i++) {
        OK(sotto_identity_generate(&ids[i]));
        identity_key(ids[i], keys[i]);
    }
    for (i = 0; i < 3; i++) {
        uint8_t others[2 * 64];
        int n = 0;
        for (j = 0; j < 3; j++) {
            if (j != i) memcpy(others + 64 * n++, keys[j], 64);
        }
        OK(sotto_group_new(ids[i], gid, sizeof gid - 1, others, 2, &groups[i]));
    }
    /* Every member's distribution reaches the others (over 1:1 sessions in a
     * real app). */
    for (i = 0; i < 3; i++) {
        OK(sotto_group_distribution(groups[i], &d));
        for (j = 0; j < 3; j++) {
            if (j != i) OK(sotto_group_process_distribution(groups[j], keys[i], d.data, d.len));
        }
        /* Forwarded by another member as their own: refused. */
        IS(sotto_group_process_distribution(groups[(i + 1) % 3], keys[(i + 2) % 3], d.data, d.len),
           SOTTO_STATUS_INVALID_SIGNATURE);
        sotto_buffer_free(&d);
    }
    for (i = 0; i < 3; i++) {
        OK(sotto_group_encrypt(groups[i], (const uint8_t *)"hello group", 11, &msg));
        for (j = 0; j < 3; j++) {
            if (j == i) continue;
            OK(sotto_group_decrypt(groups[j], keys[i], msg.data, msg.len, &pt));
            CHECK(buffer_is(&pt, "hello group"));
            sotto_buffer_free(&pt);
        }
        IS(sotto_group_decrypt(groups[(i + 1) % 3], keys[i], msg.data, msg.len, &pt),
           SOTTO_STATUS_DUPLICATE_MESSAGE);
        sotto_buffer_free(&msg);
    }

    /* Carol (2) is removed: Alice and Bob rotate and exchange new keys. */
    sotto_buffer rot[2];
    for (i = 0; i < 2; i++) {
        rot[i] = empty_buffer();
        OK(sotto_group_remove_member(groups[i], keys[2], &rot[i]));
    }
    OK(sotto_group_process_distribution(groups[1], keys[0], rot[0].data, rot[0].len));
    OK(sotto_group_process_distribution(groups[0], keys[1], rot[1].data, rot[1].len));
    OK(sotto_group_encrypt(groups[0], (const uint8_t *)"without carol", 13, &msg));
    OK(sotto_group_decrypt(groups[1], keys[0], msg.data, msg.len, &pt));
    CHECK(buffer_is(&pt, "without carol"));
    sotto_buffer_free(&pt);
    IS(sotto_group_decrypt(groups[2], keys[0], msg.data, msg.len, &pt),
       SOTTO_STATUS_UNKNOWN_SENDER_KEY);
    sotto_buffer_free(&msg);
    OK(sotto_group_encrypt(groups[2], (const uint8_t *)"still here?", 11, &msg));
    IS(sotto_group_decrypt(groups[0], keys[2], msg.data, msg.len, &pt), SOTTO_STATUS_NOT_A_MEMBER);
    sotto_buffer_free(&msg);

    /* Persistence, plain and sealed. */
    sotto_buffer plain = empty_buffer(), sealed = empty_buffer();
    sotto_group *restored = NULL, *opened = NULL;
    OK(sotto_group_export(groups[1], &plain));
    OK(sotto_group_import(plain.data, plain.len, &restored));
    OK(sotto_group_seal(groups[1], HOST_KEY, &sealed));
    OK(sotto_group_open(HOST_KEY, sealed.data, sealed.len, &opened));
    OK(sotto_group_encrypt(groups[0], (const uint8_t *)"restored", 8, &msg));
    OK(sotto_group_decrypt(restored, keys[0], msg.data, msg.len, &pt));
    CHECK(buffer_is(&pt, "restored"));
    sotto_buffer_free(&pt);
    OK(sotto_group_decrypt(opened, keys[0], msg.data, msg.len, &pt));
    sotto_buffer_free(&pt);

    /* A member added later. */
    sotto_identity *dave = NULL;
    uint8_t dave_key[64];
    OK(sotto_identity_generate(&dave));
    identity_key(dave, dave_key);
    sotto_buffer to_dave = empty_buffer();
    OK(sotto_group_add_member(groups[0], dave_key, &to_dave));
    sotto_group *at_dave = NULL;
    OK(sotto_group_new(dave, gid, sizeof gid - 1, keys[0], 1, &at_dave));
    OK(sotto_group_process_distribution(at_dave, keys[0], to_dave.data, to_dave.len));
    IS(sotto_group_decrypt(at_dave, keys[0], msg.data, msg.len, &pt), SOTTO_STATUS_DUPLICATE_MESSAGE);
    sotto_buffer_free(&msg);
    OK(sotto_group_encrypt(groups[0], (const uint8_t *)"hi dave", 7, &msg));
    OK(sotto_group_decrypt(at_dave, keys[0], msg.data, msg.len, &pt));
    CHECK(buffer_is(&pt, "hi dave"));

    sotto_buffer_free(&pt);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&to_dave);
    sotto_buffer_free(&plain);
    sotto_buffer_free(&sealed);
    sotto_buffer_free(&rot[0]);
    sotto_buffer_free(&rot[1]);
    sotto_group_free(&restored);
    sotto_group_free(&opened);
    sotto_group_free(&at_dave);
    sotto_identity_free(&dave);
    for (i = 0; i < 3; i++) {
        sotto_group_free(&groups[i]);
        sotto_identity_free(&ids[i]);
    }
}

static sotto_location fix(uint32_t i) {
    sotto_location l;
    memset(&l, 0, sizeof l);
    l.latitude_e7 = 515007286 + (int32_t)i * 90;
    l.longitude_e7 = -1246361 + (int32_t)i * 140;
    l.accuracy_cm = 500;
    l.has_altitude = 1;
    l.altitude_cm = 3500;
    l.timestamp_ms = NOW * 1000u + i * 250u;
    l.sequence = i;
    l.precision = 0;
    return l;
}

static void live_location(void) {
    sotto_identity *alice = NULL, *bob = NULL, *carol = NULL;
    uint8_t ka[64], kb[64], kc[64];
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&carol));
    identity_key(alice, ka);
    identity_key(bob, kb);
    identity_key(carol, kc);
    const uint8_t ctx[] = "chat 7";

    sotto_location_share *share = NULL;
    sotto_location_viewer *at_bob = NULL, *at_carol = NULL;
    sotto_buffer d = empty_buffer(), updates[12];
    OK(sotto_location_share_new(alice, ctx, sizeof ctx - 1, kb, 1, NOW + 600, 0, &share));
    OK(sotto_location_share_distribution(share, &d));
    /* Only as Alice's: passed off as Carol's, it is refused. */
    IS(sotto_location_viewer_new(ctx, sizeof ctx - 1, kc, d.data, d.len, &at_bob),
       SOTTO_STATUS_INVALID_SIGNATURE);
    CHECK(at_bob == NULL);
    OK(sotto_location_viewer_new(ctx, sizeof ctx - 1, ka, d.data, d.len, &at_bob));
    sotto_buffer_free(&d);
    uint32_t i;
    for (i = 0; i < 10; i++) {
        sotto_location l = fix(i);
        updates[i] = empty_buffer();
        OK(sotto_location_share_encrypt(share, &l, NOW, &updates[i]));
        CHECK(updates[i].len == SOTTO_LOCATION_UPDATE_LEN);
    }
    /* Most updates are lost: Bob gets #9, then a late #3. */
    sotto_location seen;
    memset(&seen, 0, sizeof seen);
    OK(sotto_location_viewer_decrypt(at_bob, updates[9].data, updates[9].len, NOW, &seen));
    CHECK(seen.sequence == 9 && seen.latitude_e7 == fix(9).latitude_e7 && seen.has_altitude == 1);
    IS(sotto_location_viewer_decrypt(at_bob, updates[3].data, updates[3].len, NOW, &seen),
       SOTTO_STATUS_STALE);
    CHECK(seen.sequence == 9);

    /* Carol joins late: nothing from before. */
    OK(sotto_location_share_add_viewer(share, kc, &d));
    OK(sotto_location_viewer_new(ctx, sizeof ctx - 1, ka, d.data, d.len, &at_carol));
    sotto_buffer_free(&d);
    IS(sotto_location_viewer_decrypt(at_carol, updates[9].data, updates[9].len, NOW, &seen),
       SOTTO_STATUS_STALE);
    sotto_location l10 = fix(10);
    updates[10] = empty_buffer();
    OK(sotto_location_share_encrypt(share, &l10, NOW, &updates[10]));
    OK(sotto_location_viewer_decrypt(at_carol, updates[10].data, updates[10].len, NOW, &seen));
    CHECK(seen.sequence == 10);
    OK(sotto_location_viewer_decrypt(at_bob, updates[10].data, updates[10].len, NOW, &seen));

    /* Removing Carol rotates; Bob takes the new key, Carol cannot follow. */
    OK(sotto_location_share_remove_viewer(share, kc, &d));
    OK(sotto_location_viewer_process_distribution(at_bob, d.data, d.len));
    sotto_buffer_free(&d);
    sotto_location l11 = fix(11);
    updates[11] = empty_buffer();
    OK(sotto_location_share_encrypt(share, &l11, NOW, &updates[11]));
    OK(sotto_location_viewer_decrypt(at_bob, updates[11].data, updates[11].len, NOW, &seen));
    IS(sotto_location_viewer_decrypt(at_carol, updates[11].data, updates[11].len, NOW, &seen),
       SOTTO_STATUS_UNKNOWN_SENDER_KEY);

    /* After the end time. */
    sotto_buffer late = empty_buffer();
    IS(sotto_location_share_encrypt(share, &l11, NOW + 601, &late), SOTTO_STATUS_EXPIRED);
    CHECK(late.data == NULL);

    /* One-shot location and persistence. */
    uint8_t payload[SOTTO_LOCATION_PAYLOAD_LEN];
    sotto_location back;
    OK(sotto_location_encode(&l11, payload, sizeof payload));
    OK(sotto_location_decode(payload, sizeof payload, &back));
    CHECK(back.latitude_e7 == l11.latitude_e7 && back.altitude_cm == l11.altitude_cm);
    sotto_buffer s1 = empty_buffer(), s2 = empty_buffer(), s3 = empty_buffer(), s4 = empty_buffer();
    sotto_location_share *share2 = NULL, *share3 = NULL;
    sotto_location_viewer *viewer2 = NULL, *viewer3 = NULL;
    OK(sotto_location_share_export(share, &s1));
    OK(sotto_location_share_import(s1.data, s1.len, &share2));
    OK(sotto_location_share_seal(share, HOST_KEY, &s2));
    OK(sotto_location_share_open(HOST_KEY, s2.data, s2.len, &share3));
    OK(sotto_location_viewer_export(at_bob, &s3));
    OK(sotto_location_viewer_import(s3.data, s3.len, &viewer2));
    OK(sotto_location_viewer_seal(at_bob, HOST_KEY, &s4));
    OK(sotto_location_viewer_open(HOST_KEY, s4.data, s4.len, &viewer3));
    IS(sotto_location_viewer_decrypt(viewer2, updates[11].data, updates[11].len, NOW, &seen),
       SOTTO_STATUS_STALE);

    for (i = 0; i < 12; i++) sotto_buffer_free(&updates[i]);
    sotto_buffer_free(&s1);
    sotto_buffer_free(&s2);
    sotto_buffer_free(&s3);
    sotto_buffer_free(&s4);
    sotto_location_share_free(&share);
    sotto_location_share_free(&share2);
    sotto_location_share_free(&share3);
    sotto_location_viewer_free(&at_bob);
    sotto_location_viewer_free(&at_carol);
    sotto_location_viewer_free(&viewer2);
    sotto_location_viewer_free(&viewer3);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&carol);
}

static void verification(void) {
    sotto_identity *alice = NULL, *bob = NULL, *bob_new = NULL;
    uint8_t ka[64], kb[64], kn[64];
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&bob_new));
    identity_key(alice, ka);
    identity_key(bob, kb);
    identity_key(bob_new, kn);

    sotto_security_code *mine = NULL, *his = NULL;
    OK(sotto_security_code_new(ka, (const uint8_t *)"alice", 5, kb, (const uint8_t *)"bob", 3, &mine));
    OK(sotto_security_code_new(kb, (const uint8_t *)"bob", 3, ka, (const uint8_t *)"alice", 5, &his));
    uint8_t d1[SOTTO_SECURITY_CODE_DIGITS], d2[SOTTO_SECURITY_CODE_DIGITS];
    OK(sotto_security_code_digits(mine, d1, sizeof d1));
    OK(sotto_security_code_digits(his, d2, sizeof d2));
    CHECK(memcmp(d1, d2, sizeof d1) == 0);
    int all_digits = 1;
    size_t i;
    for (i = 0; i < sizeof d1; i++) all_digits &= d1[i] >= '0' && d1[i] <= '9';
    CHECK(all_digits);
    uint8_t qr[SOTTO_SCANNABLE_LEN];
    OK(sotto_security_code_scannable(his, qr, sizeof qr));
    sotto_scan_result scan = SOTTO_SCAN_RESULT_MISMATCH;
    OK(sotto_security_code_compare_scanned(mine, qr, sizeof qr, &scan));
    CHECK(scan == SOTTO_SCAN_RESULT_MATCH);
    qr[10] ^= 1;
    OK(sotto_security_code_compare_scanned(mine, qr, sizeof qr, &scan));
    CHECK(scan == SOTTO_SCAN_RESULT_MISMATCH);
    qr[0] = 9;
    OK(sotto_security_code_compare_scanned(mine, qr, sizeof qr, &scan));
    CHECK(scan == SOTTO_SCAN_RESULT_VERSION_MISMATCH);

    /* Trust: first use, verified, then Bob's identity changes. */
    sotto_trust_store *trust = NULL;
    sotto_identity_status st;
    const uint8_t contact[] = "bob";
    OK(sotto_trust_store_new(0, &trust));
    OK(sotto_trust_store_observe(trust, contact, 3, kb, NOW, &st));
    CHECK(st.kind == SOTTO_IDENTITY_STATUS_KIND_NEW);
    OK(sotto_trust_store_set_verified(trust, contact, 3, kb, 1));
    OK(sotto_trust_store_observe(trust, contact, 3, kb, NOW, &st));
    CHECK(st.kind == SOTTO_IDENTITY_STATUS_KIND_KNOWN && st.verified == 1);
    OK(sotto_trust_store_observe(trust, contact, 3, kn, NOW + 9, &st));
    CHECK(st.kind == SOTTO_IDENTITY_STATUS_KIND_CHANGED && st.blocked == 1 && st.was_verified == 1);
    CHECK(memcmp(st.previous, kb, 64) == 0);
    IS(sotto_trust_store_check(trust, contact, 3, kn), SOTTO_STATUS_UNTRUSTED_IDENTITY);

    /* A session to the new identity cannot send until the change is accepted. */
    sotto_prekey_store *store = NULL;
    sotto_session *s = NULL;
    sotto_buffer bundle = empty_buffer(), out = empty_buffer();
    OK(sotto_prekey_store_new(bob_new, NOW, &store));
    OK(sotto_prekey_store_bundle(store, bob_new, SIZE_MAX, &bundle));
    OK(sotto_session_initiate(alice, bundle.data, bundle.len, &s));
    IS(sotto_session_encrypt_checked(s, trust, contact, 3, (const uint8_t *)"hi", 2, &out),
       SOTTO_STATUS_UNTRUSTED_IDENTITY);
    CHECK(out.data == NULL);
    OK(sotto_trust_store_accept_change(trust, contact, 3, kn, NOW + 60));
    OK(sotto_session_encrypt_checked(s, trust, contact, 3, (const uint8_t *)"hi", 2, &out));
    uint8_t claimed[64];
    OK(sotto_prekey_message_identity(out.data, out.len, claimed, sizeof claimed));
    CHECK(memcmp(claimed, ka, 64) == 0);

    sotto_buffer sealed = empty_buffer();
    sotto_trust_store *trust2 = NULL;
    OK(sotto_trust_store_seal(trust, HOST_KEY, &sealed));
    OK(sotto_trust_store_open(HOST_KEY, sealed.data, sealed.len, &trust2));
    OK(sotto_trust_store_check(trust2, contact, 3, kn));

    sotto_buffer_free(&sealed);
    sotto_buffer_free(&bundle);
    sotto_buffer_free(&out);
    sotto_trust_store_free(&trust);
    sotto_trust_store_free(&trust2);
    sotto_session_free(&s);
    sotto_prekey_store_free(&store);
    sotto_security_code_free(&mine);
    sotto_security_code_free(&his);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&bob_new);
}

void run_scenarios(void);
void run_scenarios(void) {
    CHECK(sotto_abi_version() == SOTTO_ABI_VERSION);
    one_to_one();
    group_with_removal();
    live_location();
    verification();
}
