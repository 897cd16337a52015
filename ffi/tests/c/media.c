/* Attachments and backups through the C ABI: a 1 MiB attachment streamed
 * through caller buffers in odd pieces, its descriptor through the
 * envelope codec, a seek by chunks the caller reads, every refusal (wrong
 * key, wrong hash, trailing data, short buffers, a closed stream), and a
 * store backed up under a key typed in as digits, restored into a new
 * store that talks again; a wrong key changes nothing. */

static size_t stream_through(sotto_attachment_encryptor *enc, sotto_attachment_decryptor *dec, const uint8_t *in, size_t len, size_t piece,
                             uint8_t *out, size_t cap, sotto_status *last) {
    size_t at = 0, total = 0, need = 0, n = 0;
    *last = SOTTO_STATUS_OK;
    while (at < len) {
        size_t take = len - at < piece ? len - at : piece;
        *last = enc ? sotto_attachment_encryptor_update_len(enc, take, &need)
                    : sotto_attachment_decryptor_update_len(dec, take, &need);
        if (*last != SOTTO_STATUS_OK || total + need > cap) return total;
        *last = enc ? sotto_attachment_encryptor_update(enc, in + at, take, out + total, need, &n)
                    : sotto_attachment_decryptor_update(dec, in + at, take, out + total, need, &n);
        if (*last != SOTTO_STATUS_OK) return total;
        total += n;
        at += take;
    }
    return total;
}

static void media_attachments(void) {
    const size_t len = (1u << 20) + 123;
    size_t cap = len + 4096, n = 0, need = 0, total = 0;
    uint8_t *plain = (uint8_t *)malloc(len), *blob = (uint8_t *)malloc(cap),
            *back = (uint8_t *)malloc(cap);
    sotto_attachment_encryptor *enc = NULL;
    sotto_attachment_decryptor *dec = NULL;
    sotto_attachment_reader *reader = NULL;
    sotto_attachment att, got;
    sotto_buffer desc = empty_buffer(), media = empty_buffer(), thumb = empty_buffer();
    sotto_buffer env = empty_buffer(), body = empty_buffer();
    sotto_message_info info;
    sotto_chunk_location loc;
    sotto_status st;
    uint8_t chunk_out[SOTTO_CHUNK_LEN];

    for (size_t i = 0; i < len; i++) plain[i] = (uint8_t)(i * 31 + (i >> 9));
    OK(sotto_attachment_encryptor_new(&enc));
    total = stream_through(enc, NULL, plain, len, 7777, blob, cap, &st);
    IS(st, SOTTO_STATUS_OK);
    OK(sotto_attachment_encryptor_finish_len(enc, &need));
    IS(sotto_attachment_encryptor_finish(enc, blob + total, need - 1, &n, &att),
       SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_attachment_encryptor_finish(enc, blob + total, need, &n, &att));
    total += n;
    CHECK(att.plaintext_len == len && att.ciphertext_len == total);
    IS(sotto_attachment_encryptor_finish(enc, blob + total, need, &n, &att),
       SOTTO_STATUS_STREAM_CLOSED);
    sotto_attachment_encryptor_free(&enc);
    CHECK(enc == NULL);

    /* The descriptor, in an envelope and back. */
    att.has_dimensions = 1;
    att.width = 640;
    att.height = 480;
    OK(sotto_attachment_descriptor_encode(&att, NAME("image/png"), NAME("thumb"), &desc));
    OK(sotto_envelope_encode(SOTTO_CONTENT_ATTACHMENT, desc.data, desc.len, NOW, 0, 0, &env));
    OK(sotto_envelope_decode(env.data, env.len, &info, &body));
    CHECK(info.content_type == SOTTO_CONTENT_ATTACHMENT && body.len == desc.len &&
          memcmp(body.data, desc.data, desc.len) == 0);
    OK(sotto_attachment_descriptor_decode(body.data, body.len, &got, &media, &thumb));
    CHECK(memcmp(got.key, att.key, 32) == 0 && got.width == 640 && got.height == 480 &&
          got.has_duration == 0 && got.ciphertext_len == total);
    CHECK(media.len == 9 && memcmp(media.data, "image/png", 9) == 0 && thumb.len == 5);
    IS(sotto_attachment_descriptor_encode(&att, NAME("image png"), NULL, 0, &env),
       SOTTO_STATUS_MALFORMED);

    /* Whole, in other pieces. */
    OK(sotto_attachment_decryptor_new(desc.data, desc.len, &dec));
    n = stream_through(NULL, dec, blob, total, 40000, back, cap, &st);
    IS(st, SOTTO_STATUS_OK);
    OK(sotto_attachment_decryptor_finish_len(dec, &need));
    OK(sotto_attachment_decryptor_finish(dec, back + n, need, &need));
    CHECK(n + need == len && memcmp(back, plain, len) == 0);
    sotto_attachment_decryptor_free(&dec);

    /* Wrong hash: refused at the end. Trailing data: refused at once. */
    got = att;
    got.ciphertext_sha256[0] ^= 1;
    sotto_buffer_free(&body);
    OK(sotto_attachment_descriptor_encode(&got, NAME("image/png"), NULL, 0, &body));
    OK(sotto_attachment_decryptor_new(body.data, body.len, &dec));
    n = stream_through(NULL, dec, blob, total, 100000, back, cap, &st);
    IS(st, SOTTO_STATUS_OK);
    IS(sotto_attachment_decryptor_finish(dec, back + n, SOTTO_CHUNK_LEN, &need),
       SOTTO_STATUS_DECRYPT_FAILED);
    IS(sotto_attachment_decryptor_finish(dec, back + n, SOTTO_CHUNK_LEN, &need),
       SOTTO_STATUS_DECRYPT_FAILED);
    sotto_attachment_decryptor_free(&dec);
    OK(sotto_attachment_decryptor_new(desc.data, desc.len, &dec));
    blob[total] = 0;
    n = stream_through(NULL, dec, blob, total + 1, total + 1, back, cap, &st);
    IS(st, SOTTO_STATUS_MALFORMED);
    sotto_attachment_decryptor_free(&dec);
    /* Wrong key: refused by the commitment, nothing written. */
    got = att;
    got.key[7] ^= 1;
    sotto_buffer_free(&body);
    OK(sotto_attachment_descriptor_encode(&got, NAME("image/png"), NULL, 0, &body));
    OK(sotto_attachment_decryptor_new(body.data, body.len, &dec));
    n = stream_through(NULL, dec, blob, total, total, back, cap, &st);
    IS(st, SOTTO_STATUS_WRONG_KEY);
    CHECK(n == 0);
    sotto_attachment_decryptor_free(&dec);
    IS(sotto_attachment_reader_new(body.data, body.len, blob, SOTTO_CHUNK_HEADER_LEN, total, &reader),
       SOTTO_STATUS_WRONG_KEY);

    /* Seek to the middle: one chunk read and decrypted. */
    OK(sotto_attachment_reader_new(desc.data, desc.len, blob, SOTTO_CHUNK_HEADER_LEN, total, &reader));
    OK(sotto_attachment_reader_locate(reader, len / 2, &loc));
    CHECK(loc.plaintext_offset <= len / 2 && len / 2 < loc.plaintext_offset + loc.plaintext_len);
    OK(sotto_attachment_reader_decrypt(reader, loc.index, blob + loc.blob_offset, loc.blob_len,
                                       chunk_out, sizeof chunk_out, &n));
    CHECK(n == loc.plaintext_len &&
          memcmp(chunk_out, plain + loc.plaintext_offset, n) == 0);
    IS(sotto_attachment_reader_decrypt(reader, loc.index + 1, blob + loc.blob_offset, loc.blob_len,
                                       chunk_out, sizeof chunk_out, &n),
       SOTTO_STATUS_DECRYPT_FAILED);
    IS(sotto_attachment_reader_locate(reader, len, &loc), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_attachment_reader_new(desc.data, desc.len, blob, SOTTO_CHUNK_HEADER_LEN, total - 1, &reader),
       SOTTO_STATUS_MALFORMED);
    sotto_attachment_reader_free(&reader);
    IS(sotto_attachment_encryptor_update(NULL, plain, 1, blob, cap, &n), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_attachment_decryptor_new(NAME("junk"), &dec), SOTTO_STATUS_MALFORMED);

    memset(&att, 0, sizeof att);
    memset(&got, 0, sizeof got);
    sotto_buffer_free(&desc);
    sotto_buffer_free(&media);
    sotto_buffer_free(&thumb);
    sotto_buffer_free(&env);
    sotto_buffer_free(&body);
    free(plain);
    free(blob);
    free(back);
}

static void media_backup(void) {
    const char *ap = "sotto_c_backup_alice.db", *np = "sotto_c_backup_new.db",
               *bp = "sotto_c_backup_bob.db";
    sotto_store *as = NULL, *ns = NULL, *bs = NULL;
    sotto_identity *alice = NULL, *bob = NULL;
    sotto_prekey_store *aprekeys = NULL, *bprekeys = NULL;
    sotto_backup_writer *w = NULL;
    sotto_backup_reader *r = NULL;
    sotto_buffer bundle = empty_buffer(), msg = empty_buffer(), body = empty_buffer(),
                 names = empty_buffer();
    sotto_identity_status status;
    sotto_sent sent;
    sotto_message_info info;
    int64_t id = 0;
    uint8_t key[SOTTO_BACKUP_KEY_LEN], typed[SOTTO_BACKUP_KEY_LEN], wrong[SOTTO_BACKUP_KEY_LEN];
    char digits[SOTTO_BACKUP_KEY_DIGITS_LEN];
    const char export_data[] = "the app's message history";
    static uint8_t backup[65536], exported[65536];
    size_t len = 0, n = 0, need = 0, got = 0;

    remove_store(ap);
    remove_store(np);
    remove_store(bp);
    OK(open_store(ap, HOST_KEY, 1, &as));
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_prekey_store_new(alice, NOW, &aprekeys));
    OK(sotto_prekey_store_new(bob, NOW, &bprekeys));
    OK(sotto_store_set_device(as, alice, aprekeys));
    OK(sotto_store_set_device(bs, bob, bprekeys));
    OK(sotto_prekey_store_bundle(bprekeys, bob, SIZE_MAX, &bundle));
    OK(sotto_store_initiate(as, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    OK(sotto_store_send(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("before"), NOW_MS, &sent, &msg));
    OK(sotto_store_receive(bs, NAME("alice"), msg.data, msg.len, NOW_MS, &id, &info, &body));
    sotto_buffer_free(&msg);
    sotto_buffer_free(&body);

    /* The key, shown as digits and typed back. */
    OK(sotto_backup_key_generate(key, sizeof key));
    OK(sotto_backup_key_to_digits(key, digits, sizeof digits));
    CHECK(strlen(digits) == SOTTO_BACKUP_KEY_DIGITS_LEN - 1);
    OK(sotto_backup_key_from_digits((const uint8_t *)digits, strlen(digits), typed, sizeof typed));
    CHECK(memcmp(key, typed, sizeof key) == 0);
    digits[0] = digits[0] == '0' ? '1' : '0';
    IS(sotto_backup_key_from_digits((const uint8_t *)digits, strlen(digits), typed, sizeof typed),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_backup_key_to_digits(key, digits, 10), SOTTO_STATUS_BUFFER_TOO_SMALL);

    /* Back up: the store's state and the app's export. */
    IS(sotto_store_backup_new(as, NULL, NULL, 0, NULL, &w), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_backup_new(as, key, NAME("pw"), NULL, &w), SOTTO_STATUS_INVALID_ARGUMENT);
    OK(sotto_store_backup_new(as, key, NULL, 0, NULL, &w));
    OK(sotto_backup_writer_update_len(w, sizeof export_data, &need));
    CHECK(need > 0 && need < sizeof backup);
    OK(sotto_backup_writer_update(w, (const uint8_t *)export_data, sizeof export_data, backup, need, &n));
    len = n;
    OK(sotto_backup_writer_finish_len(w, &need));
    OK(sotto_backup_writer_finish(w, backup + len, need, &n));
    len += n;
    sotto_backup_writer_free(&w);
    sotto_store_free(&as); /* the phone is lost */

    /* A wrong key: refused before any output; the new store stays empty. */
    OK(open_store(np, BOB_STORE_KEY, 1, &ns));
    memcpy(wrong, key, sizeof key);
    wrong[0] ^= 1;
    OK(sotto_backup_reader_new(wrong, NULL, 0, &r));
    IS(sotto_backup_reader_update(r, backup, len, exported, sizeof exported, &n), SOTTO_STATUS_WRONG_KEY);
    IS(sotto_store_restore(ns, r, NOW, &names), SOTTO_STATUS_INVALID_ARGUMENT);
    sotto_backup_reader_free(&r);

    /* The right key: the export back, then the restore. */
    OK(sotto_backup_reader_new(key, NULL, 0, &r));
    OK(sotto_backup_reader_update_len(r, len, &need));
    CHECK(need <= sizeof exported);
    OK(sotto_backup_reader_update(r, backup, len, exported, sizeof exported, &n));
    got = n;
    OK(sotto_backup_reader_finish_len(r, &need));
    OK(sotto_backup_reader_finish(r, exported + got, sizeof exported - got, &n));
    got += n;
    CHECK(got == sizeof export_data && memcmp(exported, export_data, got) == 0);
    IS(sotto_store_restore(bs, r, NOW, &names), SOTTO_STATUS_STORE_NOT_EMPTY);
    OK(sotto_store_restore(ns, r, NOW, &names));
    CHECK(names.len == 5 && names.data[0] == SOTTO_RESTORED_CONTACT && names.data[1] == 3 &&
          memcmp(names.data + 2, "bob", 3) == 0);
    IS(sotto_store_restore(ns, r, NOW, &names), SOTTO_STATUS_INVALID_ARGUMENT);
    sotto_backup_reader_free(&r);

    /* The restored store talks to Bob again, from the same identity. */
    OK(sotto_store_initiate(ns, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    CHECK(status.kind == SOTTO_IDENTITY_STATUS_KIND_KNOWN);
    OK(sotto_store_send(ns, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("after"), NOW_MS, &sent, &msg));
    OK(sotto_store_receive(bs, NAME("alice"), msg.data, msg.len, NOW_MS, &id, &info, &body));
    CHECK(body.len == 5 && memcmp(body.data, "after", 5) == 0);

    memset(key, 0, sizeof key);
    memset(typed, 0, sizeof typed);
    sotto_buffer_free(&names);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&body);
    sotto_buffer_free(&bundle);
    sotto_prekey_store_free(&aprekeys);
    sotto_prekey_store_free(&bprekeys);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_store_free(&ns);
    sotto_store_free(&bs);
    remove_store(ap);
    remove_store(np);
    remove_store(bp);
}
