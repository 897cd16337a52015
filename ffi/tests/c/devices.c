/* Multi-device accounts through the C ABI: Alice (a phone, then a laptop
 * linked by QR code, later removed) and Bob (one phone); signed records and
 * lists taken by every store; the sessions a fan-out lacks started; one
 * send from Alice's phone reaching Bob's phone and Alice's laptop, read
 * from the fan-out buffer; Bob's security code for Alice changing as the
 * laptop joins and leaves; a hosted device labelled; a new device's
 * history blob; and the misuse matrix (NULLs, a records buffer of a wrong
 * length, an unknown kind, a tampered linking answer, a second accept, a
 * device not on the list, a short capacity). */

/* One device: its store, identity, prekeys and public key. */
typedef struct {
    sotto_store *store;
    sotto_identity *id;
    sotto_prekey_store *prekeys;
    uint8_t key[64];
    const char *path;
} dev_device;

static void dev_open(dev_device *d, const char *path, const uint8_t *store_key) {
    d->path = path;
    d->store = NULL;
    d->id = NULL;
    d->prekeys = NULL;
    remove_store(path);
    OK(open_store(path, store_key, 0, &d->store));
    OK(sotto_identity_generate(&d->id));
    OK(sotto_identity_public_key(d->id, d->key, sizeof d->key));
    OK(sotto_prekey_store_new(d->id, NOW, &d->prekeys));
    OK(sotto_store_set_device(d->store, d->id, d->prekeys));
}

static void dev_close(dev_device *d) {
    sotto_store_free(&d->store);
    sotto_identity_free(&d->id);
    sotto_prekey_store_free(&d->prekeys);
    remove_store(d->path);
}

static void dev_put_u32(uint8_t *out, uint32_t v) {
    out[0] = (uint8_t)(v >> 24);
    out[1] = (uint8_t)(v >> 16);
    out[2] = (uint8_t)(v >> 8);
    out[3] = (uint8_t)v;
}

static uint32_t dev_u32(const uint8_t *p) {
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* A record the account signs for `device` at `index` and the device
 * countersigns, appended to `records` (SOTTO_DEVICE_RECORD_LEN bytes). */
static void dev_record(const sotto_identity *account, const sotto_identity *device,
                       const uint8_t *device_key, uint32_t index, uint8_t kind, uint8_t *records) {
    sotto_buffer signed_part = empty_buffer(), record = empty_buffer();
    OK(sotto_device_record_sign(account, device_key, index, NOW, kind, &signed_part));
    OK(sotto_device_record_countersign(device, signed_part.data, signed_part.len, &record));
    CHECK(record.len == SOTTO_DEVICE_RECORD_LEN);
    if (record.len == SOTTO_DEVICE_RECORD_LEN) memcpy(records, record.data, record.len);
    sotto_buffer_free(&signed_part);
    sotto_buffer_free(&record);
}

/* The list `account` signs over `n` devices (index, 64-byte key). */
static void dev_list(const sotto_identity *account, uint64_t version, size_t n,
                     const uint32_t *indexes, const uint8_t *const *keys, sotto_buffer *out) {
    uint8_t entries[SOTTO_MAX_DEVICES * SOTTO_DEVICE_ENTRY_LEN];
    for (size_t i = 0; i < n; i++) {
        dev_put_u32(entries + i * SOTTO_DEVICE_ENTRY_LEN, indexes[i]);
        memcpy(entries + i * SOTTO_DEVICE_ENTRY_LEN + 4, keys[i], 64);
    }
    OK(sotto_device_list_sign(account, version, NOW, entries, n * SOTTO_DEVICE_ENTRY_LEN, out));
}

/* `user`'s list and records taken by a store: the update it reports. */
static sotto_device_update dev_take(sotto_store *s, const char *user, const sotto_buffer *list,
                                    const uint8_t *records, size_t n) {
    sotto_device_update u;
    sotto_buffer rotated = empty_buffer(), joined = empty_buffer();
    memset(&u, 0, sizeof u);
    OK(sotto_store_set_devices(s, NAME(user), list->data, list->len, records,
                               n * SOTTO_DEVICE_RECORD_LEN, NOW, &u, &rotated, &joined));
    /* No groups: both name lists are empty. */
    CHECK(rotated.len == 0 && joined.len == 0);
    sotto_buffer_free(&rotated);
    sotto_buffer_free(&joined);
    return u;
}

/* The 60 digits of `s`'s security code between `local` and `user`. */
static void dev_code(const sotto_store *s, const char *local, const char *user,
                     uint8_t digits[SOTTO_SECURITY_CODE_DIGITS]) {
    sotto_security_code *code = NULL;
    memset(digits, 0, SOTTO_SECURITY_CODE_DIGITS);
    OK(sotto_store_security_code(s, NAME(local), NAME(user), NAME(user), &code));
    OK(sotto_security_code_digits(code, digits, SOTTO_SECURITY_CODE_DIGITS));
    sotto_security_code_free(&code);
}

/* Starts every session `from` lacks for a send to `user`: the devices are
 * read from the address list, each bundle from `devices` by its key. */
static size_t dev_connect(dev_device *from, const char *user, dev_device *const *devices,
                          const char *const *users, const uint32_t *indexes, size_t n) {
    sotto_buffer missing = empty_buffer(), bundle = empty_buffer();
    size_t at = 0, count = 0;
    OK(sotto_store_devices_without_session(from->store, NAME(user), &missing));
    while (at < missing.len) {
        size_t len = missing.data[at];
        const uint8_t *name = missing.data + at + 1;
        uint32_t index;
        int found = 0;
        if (at + 1 + len + 4 > missing.len) {
            CHECK(0);
            break;
        }
        index = dev_u32(name + len);
        for (size_t i = 0; i < n; i++) {
            if (indexes[i] == index && strlen(users[i]) == len && memcmp(users[i], name, len) == 0) {
                OK(sotto_prekey_store_bundle(devices[i]->prekeys, devices[i]->id, SIZE_MAX, &bundle));
                OK(sotto_store_initiate_device(from->store, name, len, index, bundle.data, bundle.len, NOW));
                sotto_buffer_free(&bundle);
                found = 1;
            }
        }
        CHECK(found);
        count++;
        at += 1 + len + 4;
    }
    sotto_buffer_free(&missing);
    return count;
}

/* One message of a fan-out buffer. */
typedef struct {
    int64_t id;
    const uint8_t *user;
    size_t user_len;
    uint32_t index;
    const uint8_t *message;
    size_t len;
} dev_out;

/* Parses a fan-out buffer: up to `cap` entries into `out`, their number
 * returned (or -1 if the buffer is not well formed). */
static int dev_fan_out(const sotto_buffer *b, dev_out *out, int cap) {
    size_t at = 2;
    int count, i;
    if (b->len < 2) return -1;
    count = (b->data[0] << 8) | b->data[1];
    if (count > cap) return -1;
    for (i = 0; i < count; i++) {
        uint64_t id = 0;
        if (at + 9 > b->len) return -1;
        for (int k = 0; k < 8; k++) id = (id << 8) | b->data[at + k];
        out[i].id = (int64_t)id;
        out[i].user_len = b->data[at + 8];
        out[i].user = b->data + at + 9;
        at += 9 + out[i].user_len;
        if (at + 8 > b->len) return -1;
        out[i].index = dev_u32(b->data + at);
        out[i].len = dev_u32(b->data + at + 4);
        out[i].message = b->data + at + 8;
        at += 8 + out[i].len;
        if (at > b->len) return -1;
    }
    return at == b->len ? count : -1;
}

static int dev_is(const dev_out *o, const char *user, uint32_t index) {
    return o->user_len == strlen(user) && memcmp(o->user, user, o->user_len) == 0 && o->index == index;
}

static void devices_multi(void) {
    dev_device phone, laptop, bob, host;
    sotto_buffer alice_list = empty_buffer(), bob_list = empty_buffer(), qr = empty_buffer();
    sotto_buffer answer = empty_buffer(), laptop_record = empty_buffer(), fan = empty_buffer();
    sotto_buffer body = empty_buffer(), user = empty_buffer(), junk = empty_buffer();
    sotto_linking_request *request = NULL, *none = NULL;
    sotto_device_update u;
    sotto_device_info infos[SOTTO_MAX_DEVICES];
    sotto_device_change changes[8];
    sotto_message_info info;
    sotto_sent sent;
    dev_out outs[4];
    uint8_t alice_records[3 * SOTTO_DEVICE_RECORD_LEN], bob_records[2 * SOTTO_DEVICE_RECORD_LEN];
    uint8_t code1[SOTTO_SECURITY_CODE_DIGITS], code2[SOTTO_SECURITY_CODE_DIGITS],
        code3[SOTTO_SECURITY_CODE_DIGITS];
    uint32_t count = 0, index = 0;
    uint8_t hosted = 9;
    int64_t id = 0;
    int n;

    dev_open(&phone, "sotto_c_dev_phone.db", HOST_KEY);
    dev_open(&laptop, "sotto_c_dev_laptop.db", HOST_KEY);
    dev_open(&bob, "sotto_c_dev_bob.db", BOB_STORE_KEY);
    dev_open(&host, "sotto_c_dev_host.db", BOB_STORE_KEY);

    /* Each account lists its primary; every store takes both lists. */
    {
        const uint32_t idx[1] = {0};
        const uint8_t *akeys[1] = {phone.key}, *bkeys[1] = {bob.key};
        dev_record(phone.id, phone.id, phone.key, 0, SOTTO_DEVICE_PRIMARY, alice_records);
        dev_record(bob.id, bob.id, bob.key, 0, SOTTO_DEVICE_PRIMARY, bob_records);
        dev_list(phone.id, 1, 1, idx, akeys, &alice_list);
        dev_list(bob.id, 1, 1, idx, bkeys, &bob_list);
    }
    u = dev_take(phone.store, "alice", &alice_list, alice_records, 1);
    CHECK(u.version == 1 && u.devices == 1 && u.joined == 1 && u.left == 0 && u.own == 1);
    CHECK(u.code_changed == 0 && u.hosted == 0);
    u = dev_take(phone.store, "bob", &bob_list, bob_records, 1);
    CHECK(u.own == 0 && u.devices == 1);
    u = dev_take(bob.store, "bob", &bob_list, bob_records, 1);
    CHECK(u.own == 1);
    u = dev_take(bob.store, "alice", &alice_list, alice_records, 1);
    CHECK(u.own == 0 && u.code_changed == 0);
    dev_code(bob.store, "bob", "alice", code1);

    /* The same list again changes nothing. */
    u = dev_take(bob.store, "alice", &alice_list, alice_records, 1);
    CHECK(u.joined == 0 && u.left == 0 && u.code_changed == 0);

    /* The laptop shows a QR code; the phone answers; a tampered answer is
     * refused and changes nothing; the real one is accepted once. */
    OK(sotto_linking_request_new(laptop.id, &request, &qr));
    CHECK(request != NULL && qr.len == SOTTO_LINK_QR_LEN);
    OK(sotto_link_answer(phone.id, qr.data, qr.len, 1, NOW, SOTTO_DEVICE_COMPANION, &answer));
    {
        bytes tampered = copy_bytes(&answer);
        tampered.data[tampered.len - 1] ^= 1;
        IS(sotto_linking_request_accept(request, laptop.id, tampered.data, tampered.len, phone.key,
                                        &laptop_record),
           SOTTO_STATUS_DECRYPT_FAILED);
        CHECK(laptop_record.data == NULL);
        free_bytes(&tampered);
    }
    IS(sotto_linking_request_accept(request, laptop.id, answer.data, answer.len, bob.key, &laptop_record),
       SOTTO_STATUS_WRONG_TYPE);
    OK(sotto_linking_request_accept(request, laptop.id, answer.data, answer.len, phone.key, &laptop_record));
    CHECK(laptop_record.len == SOTTO_DEVICE_RECORD_LEN);
    {
        sotto_buffer again = empty_buffer();
        IS(sotto_linking_request_accept(request, laptop.id, answer.data, answer.len, NULL, &again),
           SOTTO_STATUS_DUPLICATE_MESSAGE);
        CHECK(again.data == NULL);
    }
    IS(sotto_link_answer(phone.id, qr.data, qr.len, 1, NOW, 9, &junk), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_link_answer(phone.id, qr.data, qr.len - 1, 1, NOW, SOTTO_DEVICE_COMPANION, &junk),
       SOTTO_STATUS_MALFORMED);
    CHECK(junk.data == NULL);
    sotto_linking_request_free(&request);
    CHECK(request == NULL);
    sotto_linking_request_free(&request);
    sotto_linking_request_free(NULL);
    if (laptop_record.len == SOTTO_DEVICE_RECORD_LEN)
        memcpy(alice_records + SOTTO_DEVICE_RECORD_LEN, laptop_record.data, SOTTO_DEVICE_RECORD_LEN);

    /* Alice's list, version 2: phone and laptop. */
    sotto_buffer_free(&alice_list);
    {
        const uint32_t idx[2] = {0, 1};
        const uint8_t *keys[2] = {phone.key, laptop.key};
        dev_list(phone.id, 2, 2, idx, keys, &alice_list);
    }
    OK(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            2 * SOTTO_DEVICE_RECORD_LEN, NOW, 1, &count, NULL, 0));
    CHECK(count == 2);
    IS(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            2 * SOTTO_DEVICE_RECORD_LEN, NOW, 1, &count, infos, 1),
       SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            2 * SOTTO_DEVICE_RECORD_LEN, NOW, 0, &count, infos, SOTTO_MAX_DEVICES));
    CHECK(count == 2 && infos[0].index == 0 && infos[0].kind == SOTTO_DEVICE_PRIMARY &&
          infos[1].index == 1 && infos[1].kind == SOTTO_DEVICE_COMPANION &&
          infos[1].added_at == NOW && memcmp(infos[1].identity, laptop.key, 64) == 0);
    IS(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            2 * SOTTO_DEVICE_RECORD_LEN, NOW, 3, &count, NULL, 0),
       SOTTO_STATUS_STALE_DEVICE_LIST);
    CHECK(sotto_devices_verify(bob.key, alice_list.data, alice_list.len, alice_records,
                               2 * SOTTO_DEVICE_RECORD_LEN, NOW, 0, &count, NULL, 0) != SOTTO_STATUS_OK);
    IS(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            2 * SOTTO_DEVICE_RECORD_LEN, NOW + SOTTO_DEVICE_LIST_TTL_SECS + 1, 0, &count,
                            NULL, 0),
       SOTTO_STATUS_STALE_DEVICE_LIST);

    u = dev_take(phone.store, "alice", &alice_list, alice_records, 2);
    CHECK(u.version == 2 && u.devices == 2 && u.joined == 1 && u.left == 0 && u.own == 1);
    u = dev_take(laptop.store, "alice", &alice_list, alice_records, 2);
    CHECK(u.own == 1 && u.devices == 2);
    u = dev_take(laptop.store, "bob", &bob_list, bob_records, 1);
    u = dev_take(bob.store, "alice", &alice_list, alice_records, 2);
    CHECK(u.joined == 1 && u.code_changed == 1 && u.own == 0 && u.hosted == 0);
    dev_code(bob.store, "bob", "alice", code2);
    CHECK(memcmp(code1, code2, sizeof code1) != 0);

    /* What Bob's store holds about Alice. */
    OK(sotto_store_devices(bob.store, NAME("alice"), &count, NULL, 0));
    CHECK(count == 2);
    IS(sotto_store_devices(bob.store, NAME("alice"), &count, infos, 1), SOTTO_STATUS_BUFFER_TOO_SMALL);
    OK(sotto_store_devices(bob.store, NAME("alice"), &count, infos, SOTTO_MAX_DEVICES));
    CHECK(count == 2 && memcmp(infos[1].identity, laptop.key, 64) == 0);
    IS(sotto_store_devices(bob.store, NAME("carol"), &count, infos, SOTTO_MAX_DEVICES),
       SOTTO_STATUS_NOT_FOUND);
    OK(sotto_store_device_changes(bob.store, NAME("alice"), &count, changes, 8));
    CHECK(count == 2 && changes[0].joined == 1 && changes[0].device.index == 0 &&
          changes[1].joined == 1 && changes[1].device.index == 1 && changes[1].at == NOW);

    /* Without sessions, nothing is sent; then the phone starts the two it
     * lacks (Bob's phone, Alice's laptop) and sends once. */
    IS(sotto_store_send_to_user(phone.store, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, &sent, &fan),
       SOTTO_STATUS_SESSION_MISMATCH);
    CHECK(fan.data == NULL);
    {
        dev_device *devs[3] = {&bob, &laptop, &phone};
        const char *users[3] = {"bob", "alice", "alice"};
        const uint32_t idx[3] = {0, 1, 0};
        CHECK(dev_connect(&phone, "bob", devs, users, idx, 3) == 2);
        CHECK(dev_connect(&phone, "bob", devs, users, idx, 3) == 0);
        IS(sotto_prekey_store_bundle(laptop.prekeys, laptop.id, SIZE_MAX, &body), SOTTO_STATUS_OK);
        /* The laptop's bundle is not Bob's device's. */
        IS(sotto_store_initiate_device(phone.store, NAME("bob"), 0, body.data, body.len, NOW),
           SOTTO_STATUS_UNTRUSTED_IDENTITY);
        IS(sotto_store_initiate_device(phone.store, NAME("bob"), 7, body.data, body.len, NOW),
           SOTTO_STATUS_UNTRUSTED_IDENTITY);
        sotto_buffer_free(&body);
    }
    OK(sotto_store_send_to_user(phone.store, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("hi from the phone"),
                                NOW_MS, &sent, &fan));
    n = dev_fan_out(&fan, outs, 4);
    CHECK(n == 2);
    CHECK(sent.id > 0 && sent.sent_at_ms == NOW_MS && sent.expires_at_ms == 0);
    if (n == 2) {
        const dev_out *to_bob = dev_is(&outs[0], "bob", 0) ? &outs[0] : &outs[1];
        const dev_out *to_laptop = dev_is(&outs[0], "alice", 1) ? &outs[0] : &outs[1];
        CHECK(dev_is(to_bob, "bob", 0) && dev_is(to_laptop, "alice", 1));
        CHECK(outs[0].id == sent.id && outs[1].id != outs[0].id);

        /* Where an entry goes, after a crash. */
        OK(sotto_store_outgoing_device(phone.store, to_laptop->id, &user, &index));
        CHECK(buffer_is(&user, "alice") && index == 1);
        sotto_buffer_free(&user);

        /* Not from a device on the list: refused, nothing changed. */
        IS(sotto_store_receive_from_device(bob.store, NAME("alice"), 5, to_bob->message, to_bob->len,
                                           NOW_MS, &id, &info, &body),
           SOTTO_STATUS_UNTRUSTED_IDENTITY);
        CHECK(body.data == NULL);
        /* From the laptop's index: another identity than the phone's. */
        IS(sotto_store_receive_from_device(bob.store, NAME("alice"), 1, to_bob->message, to_bob->len,
                                           NOW_MS, &id, &info, &body),
           SOTTO_STATUS_UNTRUSTED_IDENTITY);
        OK(sotto_store_receive_from_device(bob.store, NAME("alice"), 0, to_bob->message, to_bob->len,
                                           NOW_MS, &id, &info, &body));
        CHECK(id > 0 && info.content_type == SOTTO_CONTENT_TEXT && buffer_is(&body, "hi from the phone"));
        OK(sotto_store_ack_incoming(bob.store, id));
        sotto_buffer_free(&body);
        OK(sotto_store_receive_from_device(laptop.store, NAME("alice"), 0, to_laptop->message,
                                           to_laptop->len, NOW_MS, &id, &info, &body));
        CHECK(buffer_is(&body, "hi from the phone") && info.sent_at_ms == NOW_MS);
        sotto_buffer_free(&body);
        OK(sotto_store_ack_outgoing(phone.store, outs[0].id));
        OK(sotto_store_ack_outgoing(phone.store, outs[1].id));
        IS(sotto_store_outgoing_device(phone.store, outs[0].id, &user, &index), SOTTO_STATUS_NOT_FOUND);
        CHECK(user.data == NULL);
    }
    sotto_buffer_free(&fan);

    /* The laptop is removed: version 3, the phone alone. */
    sotto_buffer_free(&alice_list);
    {
        const uint32_t idx[1] = {0};
        const uint8_t *keys[1] = {phone.key};
        dev_list(phone.id, 3, 1, idx, keys, &alice_list);
    }
    u = dev_take(phone.store, "alice", &alice_list, alice_records, 1);
    CHECK(u.version == 3 && u.devices == 1 && u.left == 1 && u.joined == 0 && u.own == 1);
    u = dev_take(bob.store, "alice", &alice_list, alice_records, 1);
    CHECK(u.left == 1 && u.code_changed == 1);
    dev_code(bob.store, "bob", "alice", code3);
    CHECK(memcmp(code3, code2, sizeof code3) != 0);
    OK(sotto_store_device_changes(bob.store, NAME("alice"), &count, changes, 8));
    CHECK(count == 3 && changes[2].joined == 0 && changes[2].device.index == 1);
    /* An older list is refused now. */
    {
        sotto_buffer old = empty_buffer();
        const uint32_t idx[2] = {0, 1};
        const uint8_t *keys[2] = {phone.key, laptop.key};
        sotto_device_update stale;
        dev_list(phone.id, 2, 2, idx, keys, &old);
        IS(sotto_store_set_devices(bob.store, NAME("alice"), old.data, old.len, alice_records,
                                   2 * SOTTO_DEVICE_RECORD_LEN, NOW, &stale, NULL, NULL),
           SOTTO_STATUS_STALE_DEVICE_LIST);
        sotto_buffer_free(&old);
    }

    /* Both directions now reach the phone alone: nothing new for the laptop. */
    OK(sotto_store_devices_without_session(phone.store, NAME("bob"), &body));
    CHECK(body.len == 0);
    sotto_buffer_free(&body);
    OK(sotto_store_send_to_user(phone.store, NAME("bob"), SOTTO_CONTENT_TEXT, NAME("laptop gone"), NOW_MS + 1,
                                &sent, &fan));
    n = dev_fan_out(&fan, outs, 4);
    CHECK(n == 1 && dev_is(&outs[0], "bob", 0));
    if (n == 1) {
        OK(sotto_store_receive_from_device(bob.store, NAME("alice"), 0, outs[0].message, outs[0].len,
                                           NOW_MS + 1, &id, &info, &body));
        CHECK(buffer_is(&body, "laptop gone"));
        sotto_buffer_free(&body);
    }
    sotto_buffer_free(&fan);
    OK(sotto_store_send_to_user(bob.store, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("hi Alice"), NOW_MS + 2,
                                &sent, &fan));
    n = dev_fan_out(&fan, outs, 4);
    CHECK(n == 1 && dev_is(&outs[0], "alice", 0));
    if (n == 1) {
        CHECK(sotto_store_receive_from_device(laptop.store, NAME("bob"), 0, outs[0].message, outs[0].len,
                                              NOW_MS + 2, &id, &info, &body) != SOTTO_STATUS_OK);
        CHECK(body.data == NULL);
        OK(sotto_store_receive_from_device(phone.store, NAME("bob"), 0, outs[0].message, outs[0].len,
                                           NOW_MS + 2, &id, &info, &body));
        CHECK(buffer_is(&body, "hi Alice"));
        sotto_buffer_free(&body);
    }
    sotto_buffer_free(&fan);

    /* Bob adds a device a service provider hosts: labelled, and the code
     * (which leaves hosted devices out) unchanged. */
    OK(sotto_store_is_hosted(phone.store, NAME("bob"), &hosted));
    CHECK(hosted == 0);
    OK(sotto_store_is_hosted(phone.store, NAME("nobody"), &hosted));
    CHECK(hosted == 0);
    dev_record(bob.id, host.id, host.key, 1, SOTTO_DEVICE_HOSTED, bob_records + SOTTO_DEVICE_RECORD_LEN);
    sotto_buffer_free(&bob_list);
    {
        const uint32_t idx[2] = {0, 1};
        const uint8_t *keys[2] = {bob.key, host.key};
        dev_list(bob.id, 2, 2, idx, keys, &bob_list);
    }
    dev_code(phone.store, "alice", "bob", code1);
    u = dev_take(phone.store, "bob", &bob_list, bob_records, 2);
    CHECK(u.hosted == 1 && u.joined == 1 && u.code_changed == 0);
    OK(sotto_store_is_hosted(phone.store, NAME("bob"), &hosted));
    CHECK(hosted == 1);
    dev_code(phone.store, "alice", "bob", code2);
    CHECK(memcmp(code1, code2, sizeof code1) == 0);

    /* Misuse. */
    IS(sotto_device_record_sign(NULL, bob.key, 1, NOW, SOTTO_DEVICE_COMPANION, &junk),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_device_record_sign(phone.id, NULL, 1, NOW, SOTTO_DEVICE_COMPANION, &junk),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_device_record_sign(phone.id, bob.key, 1, NOW, SOTTO_DEVICE_COMPANION, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_device_record_sign(phone.id, laptop.key, 1, NOW, 0, &junk), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_device_record_sign(phone.id, laptop.key, 1, NOW, 4, &junk), SOTTO_STATUS_INVALID_ARGUMENT);
    IS(sotto_device_record_countersign(laptop.id, NULL, 5, &junk), SOTTO_STATUS_NULL_PARAMETER);
    {
        sotto_buffer signed_part = empty_buffer();
        OK(sotto_device_record_sign(phone.id, laptop.key, 1, NOW, SOTTO_DEVICE_COMPANION, &signed_part));
        IS(sotto_device_record_countersign(laptop.id, signed_part.data, signed_part.len - 1, &junk),
           SOTTO_STATUS_MALFORMED);
        /* A record for another device. */
        IS(sotto_device_record_countersign(bob.id, signed_part.data, signed_part.len, &junk),
           SOTTO_STATUS_WRONG_TYPE);
        sotto_buffer_free(&signed_part);
    }
    CHECK(sotto_device_record_countersign(laptop.id, NAME("junk"), &junk) != SOTTO_STATUS_OK);
    IS(sotto_device_list_sign(phone.id, 4, NOW, alice_records, SOTTO_DEVICE_ENTRY_LEN - 1, &junk),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_device_list_sign(NULL, 4, NOW, NULL, 0, &junk), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records,
                            SOTTO_DEVICE_RECORD_LEN + 1, NOW, 0, &count, NULL, 0),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_devices_verify(NULL, alice_list.data, alice_list.len, alice_records, SOTTO_DEVICE_RECORD_LEN,
                            NOW, 0, &count, NULL, 0),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_devices_verify(phone.key, alice_list.data, alice_list.len, alice_records, SOTTO_DEVICE_RECORD_LEN,
                            NOW, 0, NULL, NULL, 0),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_set_devices(bob.store, NAME("alice"), alice_list.data, alice_list.len, alice_records,
                               2 * SOTTO_DEVICE_RECORD_LEN - 1, NOW, &u, NULL, NULL),
       SOTTO_STATUS_MALFORMED);
    IS(sotto_store_set_devices(NULL, NAME("alice"), alice_list.data, alice_list.len, alice_records,
                               SOTTO_DEVICE_RECORD_LEN, NOW, &u, NULL, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_set_devices(bob.store, NAME("alice"), alice_list.data, alice_list.len, alice_records,
                               SOTTO_DEVICE_RECORD_LEN, NOW, NULL, NULL, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_set_devices(bob.store, NAME("alice"), NULL, 10, alice_records, SOTTO_DEVICE_RECORD_LEN, NOW,
                               &u, NULL, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_devices(NULL, NAME("alice"), &count, NULL, 0), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_devices(bob.store, NAME("alice"), NULL, NULL, 0), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_device_changes(bob.store, NAME("alice"), NULL, changes, 8), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_device_changes(bob.store, NAME("alice"), &count, changes, 1), SOTTO_STATUS_BUFFER_TOO_SMALL);
    IS(sotto_store_is_hosted(bob.store, NAME("alice"), NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_devices_without_session(NULL, NAME("alice"), &junk), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_devices_without_session(bob.store, NAME("alice"), NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_devices_without_session(bob.store, NAME("carol"), &junk), SOTTO_STATUS_NOT_FOUND);
    IS(sotto_store_initiate_device(bob.store, NAME("alice"), 0, NULL, 3, NOW), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send_to_user(bob.store, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, NULL, &fan),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send_to_user(bob.store, NAME("alice"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, &sent, NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_send_to_user(bob.store, NAME("carol"), SOTTO_CONTENT_TEXT, NAME("x"), NOW_MS, &sent, &fan),
       SOTTO_STATUS_NOT_FOUND);
    IS(sotto_store_outgoing_device(bob.store, 1, NULL, &index), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_outgoing_device(bob.store, 99999, &user, &index), SOTTO_STATUS_NOT_FOUND);
    IS(sotto_store_receive_from_device(bob.store, NAME("alice"), 0, NULL, 4, NOW_MS, &id, &info, &body),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_store_security_code(bob.store, NAME("bob"), NAME("carol"), NAME("carol"), NULL),
       SOTTO_STATUS_NULL_PARAMETER);
    {
        sotto_security_code *code = NULL;
        IS(sotto_store_security_code(bob.store, NAME("bob"), NAME("carol"), NAME("carol"), &code),
           SOTTO_STATUS_NOT_FOUND);
        CHECK(code == NULL);
    }
    IS(sotto_linking_request_new(NULL, &none, &qr), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_linking_request_new(laptop.id, NULL, &junk), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_linking_request_accept(NULL, laptop.id, answer.data, answer.len, NULL, &junk),
       SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_link_answer(NULL, qr.data, qr.len, 1, NOW, SOTTO_DEVICE_COMPANION, &junk),
       SOTTO_STATUS_NULL_PARAMETER);
    CHECK(none == NULL && junk.data == NULL && user.data == NULL && fan.data == NULL && body.data == NULL);

    sotto_buffer_free(&alice_list);
    sotto_buffer_free(&bob_list);
    sotto_buffer_free(&qr);
    sotto_buffer_free(&answer);
    sotto_buffer_free(&laptop_record);
    dev_close(&phone);
    dev_close(&laptop);
    dev_close(&bob);
    dev_close(&host);
}

/* A new device's history blob: an attachment stream under the history
 * context, its descriptor sent as SOTTO_CONTENT_DEVICE_HISTORY. */
static void devices_history(void) {
    const char history[] = "every conversation, exported for the new laptop";
    sotto_attachment_encryptor *enc = NULL;
    sotto_attachment_decryptor *dec = NULL;
    sotto_attachment att;
    sotto_buffer desc = empty_buffer(), env = empty_buffer(), body = empty_buffer();
    sotto_message_info info;
    uint8_t blob[4096], back[4096];
    size_t need = 0, n = 0, total = 0, got = 0;

    OK(sotto_history_encryptor_new(&enc));
    OK(sotto_attachment_encryptor_update_len(enc, sizeof history, &need));
    CHECK(need <= sizeof blob);
    OK(sotto_attachment_encryptor_update(enc, (const uint8_t *)history, sizeof history, blob, sizeof blob, &n));
    total = n;
    OK(sotto_attachment_encryptor_finish_len(enc, &need));
    OK(sotto_attachment_encryptor_finish(enc, blob + total, sizeof blob - total, &n, &att));
    total += n;
    sotto_attachment_encryptor_free(&enc);
    CHECK(att.plaintext_len == sizeof history && att.ciphertext_len == total);
    OK(sotto_attachment_descriptor_encode(&att, NAME("application/octet-stream"), NULL, 0, &desc));
    OK(sotto_envelope_encode(SOTTO_CONTENT_DEVICE_HISTORY, desc.data, desc.len, NOW_MS, 0, 0, &env));
    OK(sotto_envelope_decode(env.data, env.len, &info, &body));
    CHECK(info.content_type == SOTTO_CONTENT_DEVICE_HISTORY && body.len == desc.len);

    OK(sotto_history_decryptor_new(body.data, body.len, &dec));
    OK(sotto_attachment_decryptor_update(dec, blob, total, back, sizeof back, &n));
    got = n;
    OK(sotto_attachment_decryptor_finish(dec, back + got, sizeof back - got, &n));
    got += n;
    CHECK(got == sizeof history && memcmp(back, history, got) == 0);
    sotto_attachment_decryptor_free(&dec);

    /* The same blob is not an attachment: the contexts differ. */
    OK(sotto_attachment_decryptor_new(body.data, body.len, &dec));
    CHECK(sotto_attachment_decryptor_update(dec, blob, total, back, sizeof back, &n) != SOTTO_STATUS_OK);
    sotto_attachment_decryptor_free(&dec);
    IS(sotto_history_encryptor_new(NULL), SOTTO_STATUS_NULL_PARAMETER);
    IS(sotto_history_decryptor_new(NAME("junk"), &dec), SOTTO_STATUS_MALFORMED);
    IS(sotto_history_decryptor_new(NULL, 4, &dec), SOTTO_STATUS_NULL_PARAMETER);
    CHECK(dec == NULL);

    memset(&att, 0, sizeof att);
    memset(back, 0, sizeof back);
    sotto_buffer_free(&desc);
    sotto_buffer_free(&env);
    sotto_buffer_free(&body);
}
