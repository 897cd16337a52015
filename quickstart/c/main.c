/* Two devices that have never met, through the C ABI: Bob registers, Alice
 * starts a session from his bundle, and they exchange messages through
 * their stores. Every call returns a status; this program stops at the
 * first one that is not SOTTO_STATUS_OK. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sotto.h"

static void check(sotto_status status, const char *what) {
    if (status != SOTTO_STATUS_OK) {
        fprintf(stderr, "%s: %s\n", what, sotto_status_message(status));
        exit(1);
    }
}

static sotto_store *open_store(const char *path, uint8_t key_byte) {
    uint8_t key[SOTTO_HOST_KEY_LEN]; /* from the platform keychain in a real app */
    sotto_store *store = NULL;
    memset(key, key_byte, sizeof key);
    remove(path);
    check(sotto_store_open((const uint8_t *)path, strlen(path), key, 1, &store), "open");
    return store;
}

int main(void) {
    const uint64_t now_ms = 1800000000000ull; /* the app's clock, ms since the epoch */
    const uint64_t now = now_ms / 1000;       /* seconds, for session setup */
    sotto_identity *alice_id = NULL, *bob_id = NULL;
    sotto_prekey_store *alice_prekeys = NULL, *bob_prekeys = NULL;
    sotto_buffer bundle = {NULL, 0}, message = {NULL, 0}, body = {NULL, 0};
    sotto_identity_status trust;
    sotto_message_info info;
    sotto_sent sent;
    int64_t id = 0;

    if (sotto_abi_version() != SOTTO_ABI_VERSION) {
        fprintf(stderr, "header and library differ\n");
        return 1;
    }

    /* Bob registers: an identity and prekeys in his store; the bundle goes
     * to the server (index 0: with his first one-time prekey). */
    sotto_store *bob = open_store("quickstart-bob.db", 2);
    check(sotto_identity_generate(&bob_id), "identity");
    check(sotto_prekey_store_new(bob_id, now, &bob_prekeys), "prekeys");
    check(sotto_prekey_store_generate_one_time_prekeys(bob_prekeys, 10), "one-time prekeys");
    check(sotto_store_set_device(bob, bob_id, bob_prekeys), "set device");
    check(sotto_prekey_store_bundle(bob_prekeys, bob_id, 0, &bundle), "bundle");

    /* Alice registers too and starts a session from Bob's bundle. */
    sotto_store *alice = open_store("quickstart-alice.db", 1);
    check(sotto_identity_generate(&alice_id), "identity");
    check(sotto_prekey_store_new(alice_id, now, &alice_prekeys), "prekeys");
    check(sotto_store_set_device(alice, alice_id, alice_prekeys), "set device");
    check(sotto_store_initiate(alice, (const uint8_t *)"bob", 3, bundle.data, bundle.len, now, &trust),
          "initiate");

    /* Alice sends text; the message is committed to her outbox first. */
    check(sotto_store_send(alice, (const uint8_t *)"bob", 3, SOTTO_CONTENT_TEXT,
                           (const uint8_t *)"Hi Bob", 6, now_ms, &sent, &message),
          "send");
    /* ... the server delivers message.data to Bob ... */
    check(sotto_store_ack_outgoing(alice, sent.id), "ack");

    /* Bob receives under the name the server gives; the store checks who
     * really sent it and keeps the text in his inbox until shown. */
    check(sotto_store_receive(bob, (const uint8_t *)"alice", 5, message.data, message.len, now_ms,
                              &id, &info, &body),
          "receive");
    if (info.content_type == SOTTO_CONTENT_TEXT) {
        printf("Bob reads: %.*s\n", (int)body.len, (const char *)body.data);
    }
    check(sotto_store_ack_incoming(bob, id), "ack");

    sotto_buffer_free(&body);
    sotto_buffer_free(&message);
    sotto_buffer_free(&bundle);
    sotto_prekey_store_free(&alice_prekeys);
    sotto_prekey_store_free(&bob_prekeys);
    sotto_identity_free(&alice_id);
    sotto_identity_free(&bob_id);
    sotto_store_free(&alice);
    sotto_store_free(&bob);
    remove("quickstart-alice.db");
    remove("quickstart-bob.db");
    return 0;
}
