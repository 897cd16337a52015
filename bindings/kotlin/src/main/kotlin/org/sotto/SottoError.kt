// Generated from ffi/abi/status.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

package org.sotto

/**
 * Every error the SDK reports, one per status code of the C ABI. A call that
 * throws changed nothing and returned nothing.
 */
enum class SottoError(val code: Int) {
    /** A required pointer argument was NULL. */
    NULL_PARAMETER(100),
    /** A caller-supplied buffer is smaller than the output. */
    BUFFER_TOO_SMALL(101),
    /** An argument is out of its documented range (an unknown enum value, a non-UTF-8 string, ...). */
    INVALID_ARGUMENT(102),
    /** The input is not a well-formed encoding. */
    MALFORMED(103),
    /** The input's version byte is not supported. */
    UNSUPPORTED_VERSION(104),
    /** The input is another kind of message or object. */
    WRONG_TYPE(105),
    /** A public key is invalid. */
    INVALID_KEY(106),
    /** A location field is out of range. */
    INVALID_LOCATION(107),
    /** A documented limit was exceeded. */
    LIMIT_EXCEEDED(108),
    /** Decryption or authentication failed (no detail, deliberately). */
    DECRYPT_FAILED(200),
    /** A signature did not verify. */
    INVALID_SIGNATURE(201),
    /** A Diffie-Hellman output was all zero (low-order point). */
    NON_CONTRIBUTORY(202),
    /** The message was already decrypted, or its key has expired. */
    DUPLICATE_MESSAGE(203),
    /** The message is too far ahead of its chain. */
    TOO_FAR_AHEAD(204),
    /** The prekey message names an unknown signed prekey. */
    UNKNOWN_SIGNED_PREKEY(205),
    /** The prekey message names an unknown one-time prekey. */
    UNKNOWN_ONE_TIME_PREKEY(206),
    /** The prekey message names a one-time prekey already used. */
    ONE_TIME_PREKEY_REUSED(207),
    /** The prekey message does not belong to this session. */
    SESSION_MISMATCH(208),
    /** The identity is not a member of the group (or viewer of the share). */
    NOT_A_MEMBER(209),
    /** The group message or location update names an unknown key. */
    UNKNOWN_SENDER_KEY(210),
    /** The distribution belongs to another group or conversation. */
    GROUP_MISMATCH(211),
    /** A location update older than the newest one decrypted. */
    STALE(212),
    /** The location share has ended. */
    EXPIRED(213),
    /** The key or password does not open this encrypted stream (attachment or backup): its header's commitment does not match; nothing was decrypted. */
    WRONG_KEY(214),
    /** An account's device list is past its time-to-live or older than the version already seen; fetch a fresh one. */
    STALE_DEVICE_LIST(215),
    /** The policy requires post-quantum session setup (PQXDH) and the bundle or prekey message offers no post-quantum prekey (a downgrade); nothing changed. */
    POST_QUANTUM_REQUIRED(216),
    /** The prekeys given are a copy taken before the saved ones rotated their signed prekey; take a fresh copy (sotto_store_device_prekeys); nothing was written. */
    STALE_PREKEYS(217),
    /** A counter is exhausted: a new session, sender key or share is needed. */
    COUNTER_EXHAUSTED(300),
    /** The identity is not the one trusted for this contact. */
    UNTRUSTED_IDENTITY(301),
    /** The trust store has no record of this contact. */
    UNKNOWN_CONTACT(302),
    /** A message or bundle came from another identity than the one trusted for this contact; under the Block policy it was refused and the new identity is held as pending until the app accepts it. */
    IDENTITY_CHANGED(303),
    /** The encrypted stream was finished, or failed earlier; start a new one. */
    STREAM_CLOSED(304),
    /** Not found in the store. */
    NOT_FOUND(400),
    /** The store holds no identity and prekeys for this device: save them before the first message arrives. */
    NO_DEVICE_IDENTITY(401),
    /** The store was created under another key; nothing was read or written. */
    STORE_KEY_MISMATCH(402),
    /** The store file is damaged or not a store; nothing was written. */
    STORE_CORRUPT(403),
    /** Another writer held the store's lock too long; nothing was written. */
    STORE_BUSY(404),
    /** The storage layer failed; the transaction was rolled back. */
    STORAGE_FAILED(405),
    /** The prekeys given as this device's were signed by another identity; nothing was written. */
    DEVICE_MISMATCH(406),
    /** A store name (contact, group or share id) is empty or longer than 255 bytes; the empty name is the device's own row. */
    INVALID_NAME(407),
    /** A restore needs a new, empty store; this one already holds objects and nothing was written. */
    STORE_NOT_EMPTY(408),
    /** An invariant of the SDK failed (a bug); nothing was written. */
    INTERNAL(500),
    /** The operating system's random number generator failed. */
    RNG_FAILURE(501),
    /** An internal error was caught at the boundary; nothing was written. */
    PANIC(600),
    /** A status this version of the binding does not know. */
    UNKNOWN(-1);

    /** The library's description of the error. */
    val description: String get() = Native.statusMessage(code)

    companion object {
        /** The error a status code stands for ([UNKNOWN] if none). */
        @JvmStatic
        fun of(code: Int): SottoError = entries.firstOrNull { it.code == code && it != UNKNOWN } ?: UNKNOWN
    }
}
