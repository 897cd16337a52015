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
class SecurityCode private constructor(handle: Long) : NativeObject(Kind.SECURITY_CODE, handle) {
    /** The code for our identity and user id and theirs (for multi-device accounts: [Store.securityCode]). */
    constructor(local: IdentityKey, localId: ByteArray, remote: IdentityKey, remoteId: ByteArray) :
        this(Native.securityCodeNew(local.raw, localId, remote.raw, remoteId))

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

    internal companion object {
        fun adopt(handle: Long) = SecurityCode(handle)
    }
}

/**
 * What a trust store (or a [Store] starting a session) found when it saw a
 * contact's identity.
 */
sealed class IdentityStatus {
    /** First time: trusted on first use, not verified. */
    object New : IdentityStatus()

    /** The identity on record. */
    data class Known(val verified: Boolean) : IdentityStatus()

    /**
     * Another identity than the one on record: [blocked] if it is held as
     * pending until accepted (the one on record stays trusted), otherwise
     * it replaced it, unverified.
     */
    data class Changed(val previous: IdentityKey, val wasVerified: Boolean, val blocked: Boolean) : IdentityStatus()

    internal companion object {
        /** Reads `[kind, verified, was_verified, blocked]` and the 64-byte previous identity. */
        fun unpack(s: ByteArray): IdentityStatus = when (s[0].toInt()) {
            0 -> New
            1 -> Known(s[1].toInt() == 1)
            else -> Changed(IdentityKey(s.copyOfRange(4, 68)), s[2].toInt() == 1, s[3].toInt() == 1)
        }
    }
}

/** What to do when a contact presents another identity than the one trusted. */
enum class TrustPolicy(internal val code: Int) {
    /** Refuse it ([SottoError.IDENTITY_CHANGED]) and hold it as pending until the user accepts it (recommended). */
    BLOCK(0),

    /** Take it at once, unverified, and report the change. */
    WARN(1),
}

/** An identity seen for a contact, waiting for the user to accept it. */
data class PendingChange(val identity: IdentityKey, val seenAt: Long)

/**
 * What a [Store] trusts for one contact: the [identity] (first seen at
 * [firstSeen], seconds since the epoch), whether the users [verified] it,
 * and a [pending] change under [TrustPolicy.BLOCK].
 */
data class TrustRecord(val identity: IdentityKey, val firstSeen: Long, val verified: Boolean, val pending: PendingChange?) {
    internal companion object {
        /** Reads `[verified, has_pending]`, two identities and two big-endian times. */
        fun unpack(r: ByteArray): TrustRecord {
            val times = java.nio.ByteBuffer.wrap(r, 130, 16)
            val firstSeen = times.getLong()
            val seenAt = times.getLong()
            val pending = if (r[1].toInt() == 1) PendingChange(IdentityKey(r.copyOfRange(66, 130)), seenAt) else null
            return TrustRecord(IdentityKey(r.copyOfRange(2, 66)), firstSeen, r[0].toInt() == 1, pending)
        }
    }
}

/**
 * Who is who: one identity per contact, verified or not. Identity changes
 * are caught and, under the blocking policy, refused until accepted.
 */
class TrustStore private constructor(handle: Long) : StatefulObject(Kind.TRUST, handle) {
    /** [blockChanges]: refuse a changed identity until the user accepts it (recommended); otherwise warn and take the new one. */
    constructor(blockChanges: Boolean = true) : this(Native.trustNew(blockChanges))

    /** Records the identity a bundle or a first message claims for [contact]. */
    fun observe(contact: ByteArray, identity: IdentityKey, now: Long): IdentityStatus =
        IdentityStatus.unpack(locked { Native.trustObserve(it, contact, identity.raw, now) })

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
