/* Content messages through the C ABI: typed envelopes, a disappearing
 * timer set by one side and applied by both, the same expiry on both
 * sides, a message that arrives expired, the purge, the account report, and
 * the envelope codec on its own with hostile input. */

static const uint64_t NOW_MS = 1800000000000ull;
static const uint64_t DAY_MS = 86400000ull;

static void store_content(void) {
    const char *ap = "sotto_c_content_alice.db", *bp = "sotto_c_content_bob.db";
    sotto_store *as = NULL, *bs = NULL;
    sotto_identity *alice = NULL, *bob = NULL;
    sotto_prekey_store *aprekeys = NULL, *bprekeys = NULL;
    sotto_buffer bundle = empty_buffer(), msg = empty_buffer(), body = empty_buffer();
    sotto_buffer late = empty_buffer(), json = empty_buffer(), env = empty_buffer();
    sotto_identity_status status;
    sotto_sent sent, sent2;
    sotto_message_info info;
    int64_t id = 0;
    uint32_t secs = 7;
    uint64_t set_at = 7, at = 0, purged = 9, keys = 9;
    const uint8_t timer_body[4] = {0, 1, 0x51, 0x80}; /* 86400, big-endian */

    remove_store(ap);
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

    /* Text, with no timer yet. */
    OK(sotto_store_send(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("hello"), NOW_MS, &sent, &msg));
    CHECK(sent.id > 0 && sent.sent_at_ms == NOW_MS && sent.expires_at_ms == 0);
    OK(sotto_store_receive(bs, NAME("alice"), msg.data, msg.len, NOW_MS, &id, &info, &body));
    CHECK(id > 0 && info.content_type == SOTTO_CONTENT_TEXT && buffer_is(&body, "hello"));
    CHECK(info.sent_at_ms == NOW_MS && info.has_expiry == 0 && info.expired == 0);
    OK(sotto_store_ack_incoming(bs, id));
    sotto_buffer_free(&msg);
    sotto_buffer_free(&body);

    /* Alice turns on 24-hour messages; Bob gets the change and the timer. */
    OK(sotto_store_set_disappearing_timer(as, SOTTO_CONVERSATION_CONTACT, NAME("bob"), 86400,
                                          NOW_MS + 1000, &sent, &msg));
    CHECK(sent.expires_at_ms == sent.sent_at_ms + DAY_MS);
    OK(sotto_store_receive(bs, NAME("alice"), msg.data, msg.len, NOW_MS + 1000, &id, &info, &body));
    CHECK(info.content_type == SOTTO_CONTENT_TIMER_CHANGE && info.timer_secs == 86400);
    CHECK(body.len == 4 && memcmp(body.data, timer_body, 4) == 0);
    CHECK(info.has_expiry == 1 && info.expires_at_ms == sent.expires_at_ms);
    OK(sotto_store_disappearing_timer(bs, SOTTO_CONVERSATION_CONTACT, NAME("alice"), &secs, &set_at));
    CHECK(secs == 86400 && set_at == sent.sent_at_ms);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&body);

    /* A message both sides expire at the same instant, and one that
     * arrives after it expired. */
    OK(sotto_store_send(as, NAME("bob"), SOTTO_CONTENT_APP_BYTES, NAME("\x01\x02"), NOW_MS + 2000,
                        &sent, &msg));
    OK(sotto_store_send(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("too late"), NOW_MS + 3000, &sent2,
                        &late));
    OK(sotto_store_receive(bs, NAME("alice"), msg.data, msg.len, NOW_MS + 2500, &id, &info, &body));
    CHECK(info.content_type == SOTTO_CONTENT_APP_BYTES && info.expires_at_ms == sent.expires_at_ms);
    sotto_buffer_free(&body);
    OK(sotto_store_receive(bs, NAME("alice"), late.data, late.len, NOW_MS + 2 * DAY_MS, &id, &info,
                           &body));
    CHECK(id == 0 && info.expired == 1 && body.len == 0);
    sotto_buffer_free(&body);
    IS(sotto_store_receive(bs, NAME("alice"), late.data, late.len, NOW_MS + 2 * DAY_MS, &id, &info,
                           &body),
       SOTTO_STATUS_DUPLICATE_MESSAGE);

    /* The scheduler's next wake-up, and the purge. */
    OK(sotto_store_next_expiry(bs, &at));
    CHECK(at == NOW_MS + 1000 + DAY_MS);
    OK(sotto_store_purge_expired(bs, NOW_MS + 2 * DAY_MS, &purged, &keys));
    CHECK(purged == 2 && keys == 0);
    IS(sotto_store_next_expiry(bs, &at), SOTTO_STATUS_NOT_FOUND);

    /* The account report: JSON, with the contact and no plaintext. */
    OK(sotto_store_account_report(bs, NOW_MS, &json));
    CHECK(json.len > 0 && json.data[0] == '{');
    {
        char *text = (char *)malloc(json.len + 1);
        memcpy(text, json.data, json.len);
        text[json.len] = 0;
        CHECK(strstr(text, "\"report_version\": 2") != NULL);
        CHECK(strstr(text, "\"id\": \"alice\"") != NULL);
        CHECK(strstr(text, "hello") == NULL && strstr(text, "too late") == NULL);
        free(text);
    }

    /* The envelope codec alone. */
    OK(sotto_envelope_encode(SOTTO_CONTENT_TEXT, NAME("hi"), NOW_MS, 0, 0, &env));
    OK(sotto_envelope_decode(env.data, env.len, &info, &body));
    CHECK(info.content_type == SOTTO_CONTENT_TEXT && buffer_is(&body, "hi"));
    sotto_buffer_free(&body);
    IS(sotto_envelope_decode(env.data, env.len - 1, &info, &body), SOTTO_STATUS_MALFORMED);
    CHECK(body.data == NULL);
    IS(sotto_envelope_encode(SOTTO_CONTENT_TEXT, NAME("\xff"), NOW_MS, 0, 0, &body),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_envelope_encode(SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, 60, NOW_MS + 1, &body),
       SOTTO_STATUS_MALFORMED);

    /* Misuse: NULLs, a bad conversation kind, junk as a message. */
    IS(sotto_store_send(NULL, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, &sent, &msg),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send(as, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, NULL, &msg),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_set_disappearing_timer(as, 7, NAME("bob"), 60, NOW_MS, &sent, &msg),
       SOTTO_STATUS_INVALID_ARGUMENT);
    body = empty_buffer();
    CHECK(sotto_store_receive(bs, NAME("alice"), NAME("junk"), NOW_MS, &id, &info, &body) !=
          SOTTO_STATUS_OK);
    CHECK(body.data == NULL);
    IS(sotto_store_purge_expired(bs, NOW_MS, NULL, &keys), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_next_expiry(NULL, &at), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_account_report(bs, NOW_MS, NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_envelope_decode(NULL, 3, &info, &body), SOTTO_STATUS_NULL_PARAMETER);

    sotto_buffer_free(&env);
    sotto_buffer_free(&json);
    sotto_buffer_free(&msg);
    sotto_buffer_free(&late);
    sotto_buffer_free(&bundle);
    sotto_prekey_store_free(&aprekeys);
    sotto_prekey_store_free(&bprekeys);
    sotto_identity_free(&alice);
    sotto_identity_free(&bob);
    sotto_store_free(&as);
    sotto_store_free(&bs);
    remove_store(ap);
    remove_store(bp);
}
