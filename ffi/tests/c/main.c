/* The C ABI test program: the scenarios an app runs, the misuse matrix and
 * the store, in one translation unit. Prints "N passed, M failed". */
#include "harness.h"
#include "scenarios.c"
#include "misuse.c"
#include "store.c"
#include "content.c"
#include "media.c"
#include "calls.c"
#include "devices.c"
#include "sealed.c"
#include "pqxdh.c"

int main(void) {
    run_scenarios();
    run_misuse();
    store_conversation();
    store_identity_change();
    store_content();
    media_attachments();
    media_backup();
    calls_sframe();
    calls_signals();
    calls_group();
    devices_multi();
    devices_history();
    sealed_sender_open_close();
    sealed_sender_stores();
    pqxdh_sessions();
    pqxdh_stores();
    return report();
}
