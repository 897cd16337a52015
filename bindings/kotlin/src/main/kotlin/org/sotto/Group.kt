package org.sotto

/**
 * One member's view of a group (Sender Keys): its own sender key and the
 * keys the other members distributed. One encryption per message for any
 * group size. Wiped when closed.
 */
class Group private constructor(handle: Long) : StatefulObject(Kind.GROUP, handle) {
    /**
     * A group with [id] (1 to 64 bytes, the same for every member) and the other [members].
     * [identity] is this device's own: the distributions name it as their owner, and members
     * accept them only over a session with it.
     */
    constructor(identity: Identity, id: ByteArray, members: List<IdentityKey>) :
        this(identity.locked { Native.groupNew(it, id, IdentityKey.concat(members)) })

    /** This member's sender key, to send to each member over their pairwise session (never in the clear). */
    fun distribution(): ByteArray = locked { Native.groupDistribution(it) }

    /** Takes in a member's sender key, received over their session; one bound to another member is refused. */
    fun processDistribution(from: IdentityKey, distribution: ByteArray): Unit =
        locked { Native.groupProcessDistribution(it, from.raw, distribution) }

    /** Encrypts once for the whole group. */
    fun encrypt(plaintext: ByteArray): ByteArray = locked { Native.groupEncrypt(it, plaintext) }

    /** Verifies and decrypts a member's message; on any error nothing changes. */
    fun decrypt(from: IdentityKey, message: ByteArray): ByteArray = locked { Native.groupDecrypt(it, from.raw, message) }

    /** Adds a member; returns this member's distribution to send them. */
    fun addMember(member: IdentityKey): ByteArray = locked { Native.groupChangeMember(it, member.raw, true) }

    /**
     * Removes a member and rotates this member's sender key; returns the new
     * distribution for the members who remain.
     */
    fun removeMember(member: IdentityKey): ByteArray = locked { Native.groupChangeMember(it, member.raw, false) }

    companion object {
        /** Restores a group from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = Group(Native.import(Kind.GROUP, data))

        /** Restores a group from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = Group(Native.open(Kind.GROUP, key, sealed))

        internal fun adopt(handle: Long) = Group(handle)
    }
}
