package org.sotto

/**
 * Every error the SDK reports, one per status code of the C ABI. A call that
 * throws changed nothing and returned nothing.
 */
enum class SottoError(val code: Int) {
    NULL_PARAMETER(1),
    BUFFER_TOO_SMALL(2),
    INVALID_ARGUMENT(3),
    MALFORMED(4),
    UNSUPPORTED_VERSION(5),
    WRONG_TYPE(6),
    /** A message or stored state failed authentication: tampered, or the wrong key. */
    DECRYPT_FAILED(7),
    INVALID_SIGNATURE(8),
    INVALID_KEY(9),
    NON_CONTRIBUTORY(10),
    /** Already decrypted (a replay), or its key expired. */
    DUPLICATE_MESSAGE(11),
    TOO_FAR_AHEAD(12),
    COUNTER_EXHAUSTED(13),
    UNKNOWN_SIGNED_PREKEY(14),
    UNKNOWN_ONE_TIME_PREKEY(15),
    ONE_TIME_PREKEY_REUSED(16),
    SESSION_MISMATCH(17),
    LIMIT_EXCEEDED(18),
    NOT_A_MEMBER(19),
    UNKNOWN_SENDER_KEY(20),
    GROUP_MISMATCH(21),
    /** The contact's identity changed and the change was not accepted yet. */
    UNTRUSTED_IDENTITY(22),
    UNKNOWN_CONTACT(23),
    /** A live-location update older than the newest one read. */
    STALE(24),
    EXPIRED(25),
    INVALID_LOCATION(26),
    RNG_FAILURE(27),
    NOT_FOUND(28),
    STORE_KEY_MISMATCH(29),
    STORE_CORRUPT(30),
    STORE_BUSY(31),
    STORAGE_FAILED(32),
    /** An internal error caught at the library's boundary. */
    PANIC(255),
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

/**
 * Thrown by every call that fails, with the C ABI's status [code] and its
 * description. Thrown from the native layer with this constructor.
 */
class SottoException(val code: Int, message: String) : Exception(message) {
    /** Throws the same error from Kotlin. */
    constructor(error: SottoError) : this(error.code, error.description)

    /** What went wrong. */
    val error: SottoError get() = SottoError.of(code)
}
