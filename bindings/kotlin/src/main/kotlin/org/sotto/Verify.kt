package org.sotto

/** The result of comparing a scanned QR payload. */
enum class ScanResult {
    /** Same identities on both sides: mark the contact verified. */
    MATCH,

    /** Another pair of identities: do not trust this conversation. */
    MISMATCH,

    /** The other app uses another payload version. */
    VERSION_MISMATCH,
}

/** A security code (60 digits and a QR payload) for two identities. Closing it wipes nothing secret. */
class SecurityCode(local: IdentityKey, localId: ByteArray, remote: IdentityKey, remoteId: ByteArray) :
    NativeObject(Kind.SECURITY_CODE, Native.securityCodeNew(local.raw, localId, remote.raw, remoteId)) {
    /** The 60 digits, to show in twelve groups of five. */
    val digits: String get() = locked { String(Native.securityCodeBytes(it, false), Charsets.US_ASCII) }

    /** The payload to show as a QR code. */
    val scannable: ByteArray get() = locked { Native.securityCodeBytes(it, true) }

    /** Compares a payload scanned from the other device, in constant time. */
    fun compare(scanned: ByteArray): ScanResult = locked {
        when (Native.securityCodeCompare(it, scanned)) {
            0 -> ScanResult.MATCH
            1 -> ScanResult.MISMATCH
            else -> ScanResult.VERSION_MISMATCH
        }
    }
}

/** What a trust store found when it saw a contact's identity. */
sealed class IdentityStatus {
    /** First time: trusted on first use, not verified. */
    object New : IdentityStatus()

    /** The identity on record. */
    data class Known(val verified: Boolean) : IdentityStatus()

    /** Another identity than the one on record; [blocked] if refused until accepted. */
    data class Changed(val previous: IdentityKey, val wasVerified: Boolean, val blocked: Boolean) : IdentityStatus()
}

/**
 * Who is who: one identity per contact, verified or not. Identity changes
 * are caught and, under the blocking policy, refused until accepted.
 */
class TrustStore private constructor(handle: Long) : StatefulObject(Kind.TRUST, handle) {
    /** [blockChanges]: refuse a changed identity until the user accepts it (recommended); otherwise warn and take the new one. */
    constructor(blockChanges: Boolean = true) : this(Native.trustNew(blockChanges))

    /** Records the identity a bundle or a first message claims for [contact]. */
    fun observe(contact: ByteArray, identity: IdentityKey, now: Long): IdentityStatus = locked {
        val s = Native.trustObserve(it, contact, identity.raw, now)
        when (s[0].toInt()) {
            0 -> IdentityStatus.New
            1 -> IdentityStatus.Known(s[1].toInt() == 1)
            else -> IdentityStatus.Changed(IdentityKey(s.copyOfRange(4, 68)), s[2].toInt() == 1, s[3].toInt() == 1)
        }
    }

    /** Throws [SottoError.UNTRUSTED_IDENTITY] unless [identity] is the one trusted for [contact]. */
    fun check(contact: ByteArray, identity: IdentityKey): Unit = locked { Native.trustCheck(it, contact, identity.raw) }

    /** Marks the identity verified (after comparing security codes) or not. */
    fun setVerified(contact: ByteArray, identity: IdentityKey, verified: Boolean): Unit =
        locked { Native.trustSetVerified(it, contact, identity.raw, verified) }

    /** Accepts a changed identity (the contact is then unverified). */
    fun acceptChange(contact: ByteArray, identity: IdentityKey, now: Long): Unit =
        locked { Native.trustAcceptChange(it, contact, identity.raw, now) }

    companion object {
        /** Restores a trust store from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = TrustStore(Native.import(Kind.TRUST, data))

        /** Restores a trust store from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = TrustStore(Native.open(Kind.TRUST, key, sealed))

        internal fun adopt(handle: Long) = TrustStore(handle)
    }
}
