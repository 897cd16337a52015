package org.sotto

/**
 * Signed prekey and one-time prekeys: what a device publishes so that others
 * can start sessions with it, and what accepts their first message.
 */
class PrekeyStore private constructor(handle: Long) : StatefulObject(Kind.PREKEYS, handle) {
    /** A new store with a signed prekey created at [now] (seconds since the epoch). */
    constructor(identity: Identity, now: Long) : this(identity.locked { Native.prekeysNew(it, now) })

    /** Adds [count] one-time prekeys (at most the documented limit per store). */
    fun generateOneTimePrekeys(count: Int): Unit = locked { Native.prekeysGenerate(it, count) }

    /** How many one-time prekeys are left. */
    val oneTimePrekeyCount: Int get() = locked { Native.prekeysCount(it) }

    /** Replaces the signed prekey (the previous one is kept for late messages). */
    fun rotateSignedPrekey(identity: Identity, now: Long): Unit =
        locked { p -> identity.locked { i -> Native.prekeysRotate(p, i, now) } }

    /**
     * The bundle to publish, with the one-time prekey at [oneTimeIndex] and
     * the last-resort post-quantum prekey (so sessions from it use PQXDH).
     */
    fun bundle(identity: Identity, oneTimeIndex: Int = 0): ByteArray =
        locked { p -> identity.locked { i -> Native.prekeysBundle(p, i, oneTimeIndex) } }

    /**
     * The bundle to publish, with the one-time prekey at [oneTimeIndex]
     * (null: none) and the one-time post-quantum prekey at [pqOneTimeIndex]
     * (null: the last-resort one). An index past the last, or negative, is
     * [SottoError.INVALID_ARGUMENT].
     */
    fun bundle(identity: Identity, oneTimeIndex: Int?, pqOneTimeIndex: Int?): ByteArray {
        if ((oneTimeIndex ?: 0) < 0 || (pqOneTimeIndex ?: 0) < 0) throw SottoException(SottoError.INVALID_ARGUMENT)
        return locked { p ->
            identity.locked { i -> Native.prekeysBundlePq(p, i, oneTimeIndex ?: -1, pqOneTimeIndex ?: -1) }
        }
    }

    /**
     * Adds [count] one-time post-quantum (ML-KEM-1024) prekeys signed by
     * [identity], created at [now] (seconds since the epoch): at most 100
     * held ([SottoError.LIMIT_EXCEEDED]), and only under the identity that
     * signed this store's signed prekey ([SottoError.INVALID_SIGNATURE]).
     * A failure adds none.
     */
    fun generatePqOneTimePrekeys(identity: Identity, count: Int, now: Long): Unit =
        locked { p -> identity.locked { i -> Native.prekeysGeneratePq(p, i, count, now) } }

    /** How many one-time post-quantum prekeys are left. */
    val pqOneTimePrekeyCount: Int get() = locked { Native.prekeysPqCount(it) }

    /**
     * Whether [accept] requires a first message set up with a post-quantum
     * prekey ([PqPolicy.REQUIRE]: otherwise [SottoError.POST_QUANTUM_REQUIRED]).
     * Kept in this store's state; [PqPolicy.PREFER] by default.
     */
    var pqPolicy: PqPolicy
        get() = locked { PqPolicy.of(Native.prekeysPqPolicy(it)) }
        set(policy) = locked { Native.prekeysSetPqPolicy(it, policy.code) }

    /**
     * Accepts a first (prekey) message: the new session and the plaintext.
     * The one-time prekey it used is consumed; save this store afterwards.
     */
    fun accept(identity: Identity, message: ByteArray, now: Long): Accepted = locked { p ->
        identity.locked { i ->
            val session = LongArray(1)
            val plaintext = Native.prekeysAccept(p, i, message, now, session)
            Accepted(Session.adopt(session[0]), plaintext)
        }
    }

    /** A session started by a first message, and that message's plaintext. */
    class Accepted(val session: Session, val plaintext: ByteArray) {
        operator fun component1() = session
        operator fun component2() = plaintext
    }

    companion object {
        /** Restores a store from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = PrekeyStore(Native.import(Kind.PREKEYS, data))

        /** Restores a store from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = PrekeyStore(Native.open(Kind.PREKEYS, key, sealed))

        internal fun adopt(handle: Long) = PrekeyStore(handle)
    }
}

/** Whether a session may be set up without a post-quantum KEM (PQXDH). */
enum class PqPolicy(internal val code: Int) {
    /** PQXDH whenever the bundle offers a post-quantum prekey, X3DH otherwise (the default). */
    PREFER(0),

    /** Refuse a bundle or first message without one ([SottoError.POST_QUANTUM_REQUIRED]): no downgrade. */
    REQUIRE(1);

    internal companion object {
        fun of(code: Int): PqPolicy = entries.first { it.code == code }
    }
}

/** The kind of a 1:1 message. */
enum class MessageKind {
    /** Can start a session: give it to [PrekeyStore.accept] if there is none. */
    PREKEY,

    /** For an existing session. */
    NORMAL,
}

/**
 * A Double Ratchet session with one remote device. A failed [decrypt]
 * changes nothing. Wiped when closed.
 */
class Session private constructor(handle: Long) : StatefulObject(Kind.SESSION, handle) {
    /** Encrypts a message for the remote device. */
    fun encrypt(plaintext: ByteArray): ByteArray = locked { Native.sessionEncrypt(it, plaintext) }

    /**
     * Encrypts only if the remote identity is the one [trust] holds for
     * [contact]; otherwise throws [SottoError.UNTRUSTED_IDENTITY].
     */
    fun encryptChecked(trust: TrustStore, contact: ByteArray, plaintext: ByteArray): ByteArray =
        locked { s -> trust.locked { t -> Native.sessionEncryptChecked(s, t, contact, plaintext) } }

    /** Decrypts a message; on any error the session is unchanged. */
    fun decrypt(message: ByteArray): ByteArray = locked { Native.sessionDecrypt(it, message) }

    /** The remote device's identity. */
    val remoteIdentity: IdentityKey get() = locked { IdentityKey(Native.sessionRemoteIdentity(it)) }

    /** Whether the session was set up with PQXDH (its keys rest on ML-KEM-1024 as well as X25519). */
    val isPostQuantum: Boolean get() = locked { Native.sessionIsPostQuantum(it) }

    companion object {
        /** Starts a session from a bundle fetched from the server (its signature is verified). */
        @JvmStatic
        fun initiate(identity: Identity, bundle: ByteArray): Session =
            Session(identity.locked { Native.sessionInitiate(it, bundle) })

        /**
         * Starts a session from a bundle under [policy]: with
         * [PqPolicy.REQUIRE] a bundle without a post-quantum prekey is
         * [SottoError.POST_QUANTUM_REQUIRED] (no downgrade to X3DH).
         */
        @JvmStatic
        fun initiate(identity: Identity, bundle: ByteArray, policy: PqPolicy): Session =
            Session(identity.locked { Native.sessionInitiateWithPolicy(it, bundle, policy.code) })

        /** Restores a session from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = Session(Native.import(Kind.SESSION, data))

        /** Restores a session from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = Session(Native.open(Kind.SESSION, key, sealed))

        /** Whether [message] can start a session, without decrypting it. */
        @JvmStatic
        fun kindOf(message: ByteArray): MessageKind =
            if (Native.messageKind(message) == 1) MessageKind.PREKEY else MessageKind.NORMAL

        /** The sender identity a prekey message claims (check it with a [TrustStore] before accepting). */
        @JvmStatic
        fun prekeyMessageIdentity(message: ByteArray) = IdentityKey(Native.prekeyMessageIdentity(message))

        internal fun adopt(handle: Long) = Session(handle)
    }
}
