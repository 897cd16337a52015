package org.sotto

/** A device's public identity: 64 bytes (Ed25519 and X25519 public keys). */
class IdentityKey(bytes: ByteArray) {
    private val value: ByteArray = bytes.copyOf()

    init {
        if (value.size != IDENTITY_KEY_LEN) throw SottoException(SottoError.MALFORMED)
    }

    /** The 64-byte encoding (a copy). */
    val bytes: ByteArray get() = value.copyOf()

    override fun equals(other: Any?): Boolean = other is IdentityKey && other.value.contentEquals(value)

    override fun hashCode(): Int = value.contentHashCode()

    override fun toString(): String =
        "IdentityKey(" + value.take(8).joinToString("") { "%02x".format(it) } + "…)"

    companion object {
        /** The length of an encoded identity. */
        const val IDENTITY_KEY_LEN = 64

        internal fun concat(keys: List<IdentityKey>): ByteArray {
            val out = ByteArray(keys.size * IDENTITY_KEY_LEN)
            keys.forEachIndexed { i, k -> k.value.copyInto(out, i * IDENTITY_KEY_LEN) }
            return out
        }
    }

    internal val raw: ByteArray get() = value
}

/** This device's identity key pair. Wiped when closed. */
class Identity private constructor(handle: Long) : StatefulObject(Kind.IDENTITY, handle) {
    /** The public half, to publish and to compare. */
    val publicKey: IdentityKey get() = locked { IdentityKey(Native.identityPublicKey(it)) }

    companion object {
        /** Generates a new identity from the system's random number generator. */
        @JvmStatic
        fun generate(): Identity = Identity(Native.identityGenerate())

        /** Restores an identity from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray): Identity = Identity(Native.import(Kind.IDENTITY, data))

        /** Restores an identity from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray): Identity = Identity(Native.open(Kind.IDENTITY, key, sealed))

        internal fun adopt(handle: Long) = Identity(handle)
    }
}
