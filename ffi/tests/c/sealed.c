/* Sealed sender through the C ABI: the service issues a server certificate
 * (signed by the pinned trust root) and a sender certificate; Alice seals a
 * message to Bob, who opens it and learns who sent it; every refusal with
 * its status (another root, an expired certificate, a tampered envelope, an
 * envelope for someone else, a certificate for another identity, NULLs, one
 * buffer for two outputs); then the same through two stores. */

/* 1 if `needle` (n bytes) occurs in `hay`. */
static int contains(const sotto_buffer *hay, const uint8_t *needle, size_t n) {
    size_t i;
    if (hay->len < n) return 0;
    for (i = 0; i + n <= hay->len; i++) {
        if (memcmp(hay->data + i, needle, n) == 0) return 1;
    }
    return 0;
}

static void sealed_sender_open_close(void) {
    sotto_identity *root = NULL, *other_root = NULL, *server = NULL;
    sotto_identity *alice = NULL, *bob = NULL, *carol = NULL;
    uint8_t root_pub[64], other_root_pub[64], server_pub[64];
    uint8_t alice_pub[64], bob_pub[64], carol_pub[64];
    sotto_buffer server_cert = empty_buffer(), cert = empty_buffer(), carol_cert = empty_buffer();
    sotto_buffer other_cert = empty_buffer(), sealed = empty_buffer(), to_carol = empty_buffer();
    sotto_buffer sender = empty_buffer(), message = empty_buffer();
    sotto_unsealed from;
    const uint64_t expires = NOW_MS + DAY_MS;
    size_t i;
    int wrong = 0;

    OK(sotto_identity_generate(&root));
    OK(sotto_identity_generate(&other_root));
    OK(sotto_identity_generate(&server));
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_generate(&carol));
    OK(sotto_identity_public_key(root, root_pub, 64));
    OK(sotto_identity_public_key(other_root, other_root_pub, 64));
    OK(sotto_identity_public_key(server, server_pub, 64));
    OK(sotto_identity_public_key(alice, alice_pub, 64));
    OK(sotto_identity_public_key(bob, bob_pub, 64));
    OK(sotto_identity_public_key(carol, carol_pub, 64));

    /* The service: its key under the root, then Alice's certificate. */
    OK(sotto_server_certificate_issue(root, 1, server_pub, &server_cert));
    CHECK(server_cert.len == 134 && contains(&server_cert, server_pub, 64));
    OK(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("alice"),
                                      alice_pub, 3, expires, &cert));
    CHECK(cert.len == 2 + 1 + 5 + 64 + 4 + 8 + 2 + 134 + 64);
    OK(sotto_sender_certificate_verify(cert.data, cert.len, root_pub, NOW_MS));
    IS(sotto_sender_certificate_verify(cert.data, cert.len, other_root_pub, NOW_MS),
       SOTTO_STATUS_INVALID_SIGNATURE);
    IS(sotto_sender_certificate_verify(cert.data, cert.len, root_pub, expires),
       SOTTO_STATUS_EXPIRED);
    IS(sotto_sender_certificate_verify(cert.data, cert.len - 1, root_pub, NOW_MS),
       SOTTO_STATUS_MALFORMED);
    /* Only the key the server certificate names can issue under it. */
    IS(sotto_sender_certificate_issue(alice, server_cert.data, server_cert.len, NAME("alice"),
                                      alice_pub, 3, expires, &other_cert),
       SOTTO_STATUS_WRONG_TYPE);
    CHECK(other_cert.data == NULL);

    /* Alice seals to Bob; the envelope names neither her id nor her key. */
    OK(sotto_sealed_sender_seal(alice, cert.data, cert.len, bob_pub, NAME("inner message"),
                                &sealed));
    CHECK(sealed.len == 2 + 32 + 80 + 2 + cert.len + strlen("inner message") + 16);
    CHECK(!contains(&sealed, alice_pub, 32) && !contains(&sealed, (const uint8_t *)"alice", 5));

    /* Bob opens it: Alice's identity, device and user id, and the message. */
    OK(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from, &sender,
                                &message));
    CHECK(memcmp(from.identity, alice_pub, 64) == 0);
    CHECK(from.device == 3 && from.expires_ms == expires);
    CHECK(buffer_is(&sender, "alice"));
    CHECK(buffer_is(&message, "inner message"));
    sotto_buffer_free(&sender);
    sotto_buffer_free(&message);

    /* Refusals, each leaving the outputs unwritten. */
    IS(sotto_sealed_sender_open(bob, other_root_pub, sealed.data, sealed.len, NOW_MS, &from,
                                &sender, &message),
       SOTTO_STATUS_INVALID_SIGNATURE);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, expires, &from, &sender,
                                &message),
       SOTTO_STATUS_EXPIRED);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, expires + DAY_MS, &from,
                                &sender, &message),
       SOTTO_STATUS_EXPIRED);
    CHECK(sender.data == NULL && message.data == NULL);
    /* Every byte after the prefix flipped: the envelope fails to decrypt. */
    for (i = 2; i < sealed.len; i++) {
        sealed.data[i] ^= 0x80;
        if (sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from,
                                     &sender, &message) != SOTTO_STATUS_DECRYPT_FAILED)
            wrong++;
        sealed.data[i] ^= 0x80;
    }
    CHECK(wrong == 0);
    CHECK(sender.data == NULL && message.data == NULL);
    sealed.data[0] ^= 1;
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from, &sender,
                                &message),
       SOTTO_STATUS_UNSUPPORTED_VERSION);
    sealed.data[0] ^= 1;
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, 2 + 32 + 79, NOW_MS, &from, &sender,
                                &message),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len - 1, NOW_MS, &from,
                                &sender, &message),
       SOTTO_STATUS_DECRYPT_FAILED);
    /* An envelope for Carol: Bob cannot open it, Carol can. */
    OK(sotto_sealed_sender_seal(alice, cert.data, cert.len, carol_pub, NAME("for carol"),
                                &to_carol));
    IS(sotto_sealed_sender_open(bob, root_pub, to_carol.data, to_carol.len, NOW_MS, &from,
                                &sender, &message),
       SOTTO_STATUS_DECRYPT_FAILED);
    OK(sotto_sealed_sender_open(carol, root_pub, to_carol.data, to_carol.len, NOW_MS, &from,
                                &sender, &message));
    CHECK(buffer_is(&message, "for carol") && memcmp(from.identity, alice_pub, 64) == 0);
    sotto_buffer_free(&sender);
    sotto_buffer_free(&message);
    /* Alice cannot seal with Carol's certificate, nor with junk. */
    OK(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("carol"),
                                      carol_pub, 1, expires, &carol_cert));
    IS(sotto_sealed_sender_seal(alice, carol_cert.data, carol_cert.len, bob_pub, NAME("x"),
                                &other_cert),
       SOTTO_STATUS_WRONG_TYPE);
    IS(sotto_sealed_sender_seal(alice, cert.data, cert.len - 1, bob_pub, NAME("x"), &other_cert),
       SOTTO_STATUS_MALFORMED);
    CHECK(other_cert.data == NULL);
    /* A certificate issued already expired seals, and is refused on open. */
    OK(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("alice"),
                                      alice_pub, 3, NOW_MS, &other_cert));
    IS(sotto_sender_certificate_verify(other_cert.data, other_cert.len, root_pub, NOW_MS),
       SOTTO_STATUS_EXPIRED);
    sotto_buffer_free(&to_carol);
    OK(sotto_sealed_sender_seal(alice, other_cert.data, other_cert.len, bob_pub, NAME("late"),
                                &to_carol));
    IS(sotto_sealed_sender_open(bob, root_pub, to_carol.data, to_carol.len, NOW_MS, &from,
                                &sender, &message),
       SOTTO_STATUS_EXPIRED);
    CHECK(sender.data == NULL && message.data == NULL);

    /* NULLs and one buffer for two outputs. */
    IS(sotto_server_certificate_issue(NULL, 1, server_pub, &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_server_certificate_issue(root, 1, NULL, &other_cert), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_server_certificate_issue(root, 1, server_pub, NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sender_certificate_issue(NULL, server_cert.data, server_cert.len, NAME("alice"),
                                      alice_pub, 3, expires, &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sender_certificate_issue(server, NULL, server_cert.len, NAME("alice"), alice_pub, 3,
                                      expires, &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("alice"),
                                      NULL, 3, expires, &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sender_certificate_verify(NULL, cert.len, root_pub, NOW_MS),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sender_certificate_verify(cert.data, cert.len, NULL, NOW_MS),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_seal(NULL, cert.data, cert.len, bob_pub, NAME("x"), &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_seal(alice, NULL, cert.len, bob_pub, NAME("x"), &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_seal(alice, cert.data, cert.len, NULL, NAME("x"), &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_seal(alice, cert.data, cert.len, bob_pub, NULL, 1, &other_cert),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_seal(alice, cert.data, cert.len, bob_pub, NAME("x"), NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(NULL, root_pub, sealed.data, sealed.len, NOW_MS, &from, &sender,
                                &message),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, NULL, sealed.data, sealed.len, NOW_MS, &from, &sender,
                                &message),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, root_pub, NULL, sealed.len, NOW_MS, &from, &sender,
                                &message),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, NULL, &sender,
                                &message),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from, NULL,
                                &message),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from, &sender,
                                NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_sealed_sender_open(bob, root_pub, sealed.data, sealed.len, NOW_MS, &from, &message,
                                &message),
       SOTTO_STATUS_INVALID_ARGUMENT);
    CHECK(sender.data == NULL && message.data == NULL);

    sotto_buffer_free(&server_cert);
    sotto_buffer_free(&cert);
    sotto_buffer_free(&carol_cert);
    sotto_buffer_free(&other_cert);
    sotto_buffer_free(&sealed);
    sotto_buffer_free(&to_carol);
    sotto_identity_free(&root);
    sotto_identity_free(&other_root);
    sotto_identity_free(&server);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_identity_free(&carol);
}

static void sealed_sender_stores(void) {
    const char *ap = "sotto_c_sealed_alice.db", *bp = "sotto_c_sealed_bob.db";
    sotto_store *as = NULL, *bs = NULL;
    sotto_identity *root = NULL, *other_root = NULL, *server = NULL, *alice = NULL, *bob = NULL;
    sotto_prekey_store *aprekeys = NULL, *bprekeys = NULL;
    uint8_t root_pub[64], other_root_pub[64], server_pub[64], alice_pub[64], bob_pub[64];
    sotto_buffer server_cert = empty_buffer(), acert = empty_buffer(), bcert = empty_buffer();
    sotto_buffer bundle = empty_buffer(), msg = empty_buffer(), reply = empty_buffer();
    sotto_buffer body = empty_buffer(), contact = empty_buffer();
    sotto_identity_status status;
    sotto_sent sent;
    sotto_message_info info;
    int64_t id = 0;
    const uint64_t expires = NOW_MS + DAY_MS;

    remove_store(ap);
    remove_store(bp);
    OK(open_store(ap, HOST_KEY, 1, &as));
    OK(open_store(bp, BOB_STORE_KEY, 1, &bs));
    OK(sotto_identity_generate(&root));
    OK(sotto_identity_generate(&other_root));
    OK(sotto_identity_generate(&server));
    OK(sotto_identity_generate(&alice));
    OK(sotto_identity_generate(&bob));
    OK(sotto_identity_public_key(root, root_pub, 64));
    OK(sotto_identity_public_key(other_root, other_root_pub, 64));
    OK(sotto_identity_public_key(server, server_pub, 64));
    OK(sotto_identity_public_key(alice, alice_pub, 64));
    OK(sotto_identity_public_key(bob, bob_pub, 64));
    OK(sotto_prekey_store_new(alice, NOW, &aprekeys));
    OK(sotto_prekey_store_new(bob, NOW, &bprekeys));
    OK(sotto_store_set_device(as, alice, aprekeys));
    OK(sotto_store_set_device(bs, bob, bprekeys));
    OK(sotto_server_certificate_issue(root, 7, server_pub, &server_cert));
    OK(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("alice"),
                                      alice_pub, 1, expires, &acert));
    OK(sotto_sender_certificate_issue(server, server_cert.data, server_cert.len, NAME("bob"),
                                      bob_pub, 2, expires, &bcert));

    /* Alice starts a session from Bob's bundle and sends sealed. */
    OK(sotto_prekey_store_bundle(bprekeys, bob, SIZE_MAX, &bundle));
    OK(sotto_store_initiate(as, NAME("bob"), bundle.data, bundle.len, NOW, &status));
    IS(sotto_store_send_sealed(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("x"), bcert.data,
                               bcert.len, NOW_MS, &sent, &msg),
       SOTTO_STATUS_WRONG_TYPE);
    CHECK(msg.data == NULL);
    OK(sotto_store_send_sealed(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("sealed hello"),
                               acert.data, acert.len, NOW_MS, &sent, &msg));
    CHECK(sent.id > 0 && sent.sent_at_ms == NOW_MS);
    CHECK(!contains(&msg, alice_pub, 32) && !contains(&msg, (const uint8_t *)"alice", 5));

    /* Bob: another root, an expired certificate, one buffer twice, NULLs;
     * then the genuine reception, filed under the certificate's sender. */
    IS(sotto_store_receive_sealed(bs, other_root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_INVALID_SIGNATURE);
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, expires, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_EXPIRED);
    msg.data[msg.len - 1] ^= 1;
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_DECRYPT_FAILED);
    msg.data[msg.len - 1] ^= 1;
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &body),
       SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_store_receive_sealed(NULL, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_receive_sealed(bs, NULL, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, NULL,
                                  &contact),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    CHECK(body.data == NULL && contact.data == NULL);
    OK(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact));
    CHECK(id > 0 && info.content_type == SOTTO_CONTENT_TEXT && info.sent_at_ms == NOW_MS);
    CHECK(buffer_is(&body, "sealed hello") && buffer_is(&contact, "alice"));
    OK(sotto_store_ack_incoming(bs, id));
    sotto_buffer_free(&body);
    sotto_buffer_free(&contact);
    IS(sotto_store_receive_sealed(bs, root_pub, msg.data, msg.len, NOW_MS, &id, &info, &body,
                                  &contact),
       SOTTO_STATUS_DUPLICATE_MESSAGE);
    CHECK(body.data == NULL && contact.data == NULL);

    /* Bob replies sealed on the session; Alice reads it as from Bob. */
    OK(sotto_store_send_sealed(bs, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("sealed reply"),
                               bcert.data, bcert.len, NOW_MS + 1, &sent, &reply));
    OK(sotto_store_receive_sealed(as, root_pub, reply.data, reply.len, NOW_MS + 1, &id, &info,
                                  &body, &contact));
    CHECK(buffer_is(&body, "sealed reply") && buffer_is(&contact, "bob"));
    sotto_buffer_free(&body);
    sotto_buffer_free(&contact);
    IS(sotto_store_send_sealed(NULL, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("x"), bcert.data,
                               bcert.len, NOW_MS, &sent, &reply),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send_sealed(bs, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("x"), NULL, bcert.len,
                               NOW_MS, &sent, &reply),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send_sealed(bs, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("x"), bcert.data,
                               bcert.len, NOW_MS, NULL, &reply),
       SOTTO_STATUS_NULL_PARAMETER);

    sotto_buffer_free(&server_cert);
    sotto_buffer_free(&acert);
    sotto_buffer_free(&bcert);
    sotto_buffer_free(&bundle);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&reply);
    sotto_prekey_store_free(&aprekeys);
    sotto_prekey_store_free(&bprekeys);
    sotto_identity_free(&root);
    sotto_identity_free(&other_root);
    sotto_identity_free(&server);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_store_free(&as);
    sotto_store_free(&bs);
    remove_store(ap);
    remove_store(bp);
}
