/* Calls through the C ABI: the RFC 9605 vector for AES_128_GCM_SHA256_128
 * (key id 0x123, counter 0x4567) reproduced byte for byte, every suite
 * round-tripped with replays, tampering, unknown keys and short buffers
 * refused; a 1:1 offer through its encoding with the same SRTP keys on
 * both sides; a group call whose epochs follow joins and leaves; the
 * offer guard; misuse. */

static int hex_to(const char *hex, uint8_t *out, size_t cap) {
    size_t n = strlen(hex) / 2, i;
    if (n > cap) return -1;
    for (i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
        out[i] = (uint8_t)v;
    }
    return (int)n;
}

static void calls_sframe(void) {
    /* RFC 9605's vector for suite 4. */
    uint8_t base[16], meta[64], pt[64], want[128], out[256], back[256];
    int bl = hex_to("000102030405060708090a0b0c0d0e0f", base, sizeof base);
    int ml = hex_to("4945544620534672616d65205747", meta, sizeof meta);
    int pl = hex_to("64726166742d696574662d736672616d652d656e63", pt, sizeof pt);
    int wl = hex_to("9901234567b7412c2513a1b66dbb48841bbaf17f598751176ad847681a69c6d0b091c07018ce4adb34eb", want, sizeof want);
    sotto_sframe_encryptor *enc = NULL;
    sotto_sframe_decryptor *dec = NULL;
    sotto_sframe_info info;
    size_t n = 0, need = 0;
    uint32_t i;
    uint16_t suite;
    OK(sotto_sframe_encryptor_new(SOTTO_SFRAME_AES_128_GCM_SHA256_128, 0x123, base, (size_t)bl, &enc));
    for (i = 0; i < 0x4567; i++) {
        if (sotto_sframe_encryptor_encrypt(enc, NULL, 0, NULL, 0, out, sizeof out, &n) != SOTTO_STATUS_OK) break;
    }
    CHECK(i == 0x4567);
    OK(sotto_sframe_encryptor_sframe_len(enc, (size_t)pl, &need));
    CHECK(need == (size_t)wl);
    OK(sotto_sframe_encryptor_encrypt(enc, meta, (size_t)ml, pt, (size_t)pl, out, sizeof out, &n));
    CHECK(n == (size_t)wl && memcmp(out, want, n) == 0);
    OK(sotto_sframe_decryptor_new(SOTTO_SFRAME_AES_128_GCM_SHA256_128, &dec));
    OK(sotto_sframe_decryptor_add_key(dec, 0x123, base, (size_t)bl));
    IS(sotto_sframe_decryptor_add_key(dec, 0x123, base, (size_t)bl), SOTTO_STATUS_DUPLICATE_MESSAGE);
    OK(sotto_sframe_decryptor_decrypt(dec, meta, (size_t)ml, want, (size_t)wl, back, sizeof back, &info));
    CHECK(info.kid == 0x123 && info.ctr == 0x4567 && info.len == (size_t)pl && memcmp(back, pt, info.len) == 0);
    IS(sotto_sframe_decryptor_decrypt(dec, meta, (size_t)ml, want, (size_t)wl, back, sizeof back, &info), SOTTO_STATUS_DUPLICATE_MESSAGE);
    sotto_sframe_encryptor_free(&enc);
    sotto_sframe_decryptor_free(&dec);
    CHECK(enc == NULL && dec == NULL);

    for (suite = 1; suite <= 5; suite++) {
        uint8_t frame[1200], sf[1300], plain[1300];
        size_t len = 0;
        memset(frame, (int)suite, sizeof frame);
        OK(sotto_sframe_encryptor_new(suite, 7, base, 16, &enc));
        OK(sotto_sframe_decryptor_new(suite, &dec));
        OK(sotto_sframe_decryptor_add_key(dec, 7, base, 16));
        OK(sotto_sframe_encryptor_encrypt(enc, meta, 4, frame, sizeof frame, sf, sizeof sf, &len));
        IS(sotto_sframe_encryptor_encrypt(enc, meta, 4, frame, sizeof frame, sf, 100, &n), SOTTO_STATUS_BUFFER_TOO_SMALL);
        sf[len - 1] ^= 1;
        IS(sotto_sframe_decryptor_decrypt(dec, meta, 4, sf, len, plain, sizeof plain, &info), SOTTO_STATUS_DECRYPT_FAILED);
        sf[len - 1] ^= 1;
        IS(sotto_sframe_decryptor_decrypt(dec, meta, 3, sf, len, plain, sizeof plain, &info), SOTTO_STATUS_DECRYPT_FAILED);
        IS(sotto_sframe_decryptor_decrypt(dec, meta, 4, sf, len, plain, 10, &info), SOTTO_STATUS_BUFFER_TOO_SMALL);
        OK(sotto_sframe_decryptor_decrypt(dec, meta, 4, sf, len, plain, sizeof plain, &info));
        CHECK(info.len == sizeof frame && memcmp(plain, frame, sizeof frame) == 0);
        OK(sotto_sframe_decryptor_remove_key(dec, 7));
        IS(sotto_sframe_decryptor_remove_key(dec, 7), SOTTO_STATUS_NOT_FOUND);
        OK(sotto_sframe_encryptor_encrypt(enc, meta, 4, frame, sizeof frame, sf, sizeof sf, &len));
        IS(sotto_sframe_decryptor_decrypt(dec, meta, 4, sf, len, plain, sizeof plain, &info), SOTTO_STATUS_UNKNOWN_SENDER_KEY);
        sotto_sframe_encryptor_free(&enc);
        sotto_sframe_decryptor_free(&dec);
    }
    /* Misuse. */
    IS(sotto_sframe_encryptor_new(9, 1, base, 16, &enc), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_sframe_encryptor_new(4, 1, base, 0, &enc), SOTTO_STATUS_INVALID_KEY);
    IS(sotto_sframe_encryptor_new(4, 1, NULL, 16, &enc), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sframe_decryptor_decrypt(NULL, NULL, 0, want, (size_t)wl, back, sizeof back, &info), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sframe_decryptor_new(0, &dec), SOTTO_STATUS_INVALID_ARGUMENT);
    sotto_sframe_encryptor_free(NULL);
    sotto_sframe_decryptor_free(NULL);
}

static void calls_signals(void) {
    uint8_t id[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    uint32_t parts[2] = {0, 1}, got_parts[2] = {0, 0};
    sotto_call_signal *offer = NULL, *got = NULL, *answer = NULL;
    sotto_call_signal_info info;
    sotto_buffer body = empty_buffer();
    uint8_t k1[32], s1[12], k2[32], s2[12], k3[16], s3[14];
    sotto_offer_guard *guard = NULL;
    OK(sotto_call_signal_new(SOTTO_CALL_OFFER, id, 0, 1, parts, 2, &offer));
    OK(sotto_call_signal_encode(offer, &body));
    OK(sotto_call_signal_decode(body.data, body.len, &got));
    sotto_buffer_free(&body);
    OK(sotto_call_signal_info_get(got, &info));
    CHECK(info.kind == SOTTO_CALL_OFFER && info.has_secret == 1 && info.video == 1 && info.participants == 2 &&
          memcmp(info.call_id, id, 16) == 0);
    IS(sotto_call_signal_participants(got, got_parts, 1), SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_call_signal_participants(got, got_parts, 2));
    CHECK(got_parts[0] == 0 && got_parts[1] == 1);
    OK(sotto_call_signal_srtp(offer, SOTTO_SRTP_AEAD_AES_256_GCM, SOTTO_CALL_DIRECTION_CALLER, k1, 32, s1, 12));
    OK(sotto_call_signal_srtp(got, SOTTO_SRTP_AEAD_AES_256_GCM, SOTTO_CALL_DIRECTION_CALLER, k2, 32, s2, 12));
    CHECK(memcmp(k1, k2, 32) == 0 && memcmp(s1, s2, 12) == 0);
    OK(sotto_call_signal_srtp(got, SOTTO_SRTP_AEAD_AES_256_GCM, SOTTO_CALL_DIRECTION_CALLEE, k2, 32, s2, 12));
    CHECK(memcmp(k1, k2, 32) != 0);
    OK(sotto_call_signal_srtp(got, SOTTO_SRTP_AES128_CM_HMAC_SHA1_80, SOTTO_CALL_DIRECTION_CALLER, k3, 16, s3, 14));
    IS(sotto_call_signal_srtp(got, SOTTO_SRTP_AES128_CM_HMAC_SHA1_80, SOTTO_CALL_DIRECTION_CALLER, k3, 16, s3, 12), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_call_signal_srtp(got, 9, SOTTO_CALL_DIRECTION_CALLER, k3, 16, s3, 14), SOTTO_STATUS_INVALID_ARGUMENT);
    OK(sotto_call_signal_new(SOTTO_CALL_ANSWER, id, 0, 1, NULL, 0, &answer));
    IS(sotto_call_signal_srtp(answer, SOTTO_SRTP_AEAD_AES_256_GCM, SOTTO_CALL_DIRECTION_CALLER, k1, 32, s1, 12), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_call_signal_new(SOTTO_CALL_ANSWER, id, 0, 1, parts, 2, &got), SOTTO_STATUS_MALFORMED);
    IS(sotto_call_signal_new(9, id, 0, 1, NULL, 0, &got), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_call_signal_decode((const uint8_t *)"\x01\x02", 2, &got), SOTTO_STATUS_MALFORMED);
    sotto_call_signal_free(&offer);
    sotto_call_signal_free(&got);
    sotto_call_signal_free(&answer);
    CHECK(offer == NULL && got == NULL && answer == NULL);

    OK(sotto_offer_guard_new(&guard));
    OK(sotto_offer_guard_admit(guard, id, NOW * 1000, NOW * 1000 + 500));
    IS(sotto_offer_guard_admit(guard, id, NOW * 1000, NOW * 1000 + 600), SOTTO_STATUS_DUPLICATE_MESSAGE);
    id[0] = 99;
    IS(sotto_offer_guard_admit(guard, id, NOW * 1000 - 120000, NOW * 1000), SOTTO_STATUS_EXPIRED);
    IS(sotto_offer_guard_admit(guard, id, NOW * 1000 + 120000, NOW * 1000), SOTTO_STATUS_STALE);
    IS(sotto_offer_guard_admit(NULL, id, 0, 0), SOTTO_STATUS_NULL_PARAMETER);
    sotto_offer_guard_free(&guard);
}

static void calls_group(void) {
    uint8_t id[16] = {7};
    uint32_t e1[3] = {0, 1, 2}, e2[2] = {0, 1};
    sotto_group_call *a = NULL, *b = NULL, *c = NULL;
    sotto_call_signal *k1 = NULL, *k2 = NULL, *got = NULL;
    sotto_buffer body = empty_buffer();
    sotto_call_frame f;
    uint8_t frame[1200], sf[1300], plain[1300];
    size_t len = 0, need = 0;
    memset(frame, 0x5C, sizeof frame);
    OK(sotto_group_call_new(id, SOTTO_SFRAME_AES_256_GCM_SHA512_128, 0, &a));
    OK(sotto_group_call_new(id, SOTTO_SFRAME_AES_256_GCM_SHA512_128, 1, &b));
    OK(sotto_group_call_new(id, SOTTO_SFRAME_AES_256_GCM_SHA512_128, 2, &c));
    IS(sotto_group_call_sframe_len(a, 10, &need), SOTTO_STATUS_UNKNOWN_SENDER_KEY);
    OK(sotto_call_signal_new(SOTTO_CALL_KEY_UPDATE, id, 1, 1, e1, 3, &k1));
    OK(sotto_group_call_install(a, k1, NOW * 1000));
    /* b and c get it through its encoding, as over their sessions. */
    OK(sotto_call_signal_encode(k1, &body));
    OK(sotto_call_signal_decode(body.data, body.len, &got));
    sotto_buffer_free(&body);
    OK(sotto_group_call_install(b, got, NOW * 1000));
    OK(sotto_group_call_install(c, got, NOW * 1000));
    IS(sotto_group_call_install(c, got, NOW * 1000), SOTTO_STATUS_STALE);
    sotto_call_signal_free(&got);
    OK(sotto_group_call_sframe_len(a, sizeof frame, &need));
    IS(sotto_group_call_sframe_len(a, SIZE_MAX, &need), SOTTO_STATUS_LIMIT_EXCEEDED);
    OK(sotto_group_call_encrypt(a, NULL, 0, frame, sizeof frame, sf, sizeof sf, &len));
    CHECK(len == need);
    OK(sotto_group_call_decrypt(b, NULL, 0, sf, len, plain, sizeof plain, NOW * 1000, &f));
    CHECK(f.epoch == 1 && f.sender == 0 && f.len == sizeof frame && memcmp(plain, frame, sizeof frame) == 0);
    OK(sotto_group_call_decrypt(c, NULL, 0, sf, len, plain, sizeof plain, NOW * 1000, &f));
    IS(sotto_group_call_decrypt(c, NULL, 0, sf, len, plain, sizeof plain, NOW * 1000, &f), SOTTO_STATUS_DUPLICATE_MESSAGE);
    /* c leaves: epoch 2 for a and b only. */
    OK(sotto_call_signal_new(SOTTO_CALL_KEY_UPDATE, id, 2, 1, e2, 2, &k2));
    OK(sotto_group_call_install(a, k2, NOW * 1000 + 10));
    OK(sotto_group_call_install(b, k2, NOW * 1000 + 10));
    IS(sotto_group_call_install(c, k2, NOW * 1000 + 10), SOTTO_STATUS_NOT_A_MEMBER);
    OK(sotto_group_call_encrypt(a, NULL, 0, frame, sizeof frame, sf, sizeof sf, &len));
    OK(sotto_group_call_decrypt(b, NULL, 0, sf, len, plain, sizeof plain, NOW * 1000 + 20, &f));
    CHECK(f.epoch == 2);
    IS(sotto_group_call_decrypt(c, NULL, 0, sf, len, plain, sizeof plain, NOW * 1000 + 20, &f), SOTTO_STATUS_UNKNOWN_SENDER_KEY);
    /* A key update for another call. */
    id[0] = 8;
    sotto_call_signal_free(&k1);
    OK(sotto_call_signal_new(SOTTO_CALL_KEY_UPDATE, id, 3, 1, e2, 2, &k1));
    IS(sotto_group_call_install(a, k1, NOW * 1000), SOTTO_STATUS_WRONG_TYPE);
    IS(sotto_group_call_install(a, NULL, NOW * 1000), SOTTO_STATUS_NULL_PARAMETER);
    sotto_call_signal_free(&k1);
    sotto_call_signal_free(&k2);
    sotto_group_call_free(&a);
    sotto_group_call_free(&b);
    sotto_group_call_free(&c);
    CHECK(a == NULL && b == NULL && c == NULL);
}
