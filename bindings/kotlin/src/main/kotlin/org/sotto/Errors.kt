package org.sotto

// SottoError, one entry per status code, is generated: SottoError.kt.

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
