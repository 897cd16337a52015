package org.sotto

/**
 * Who sent a sealed envelope, once [SealedSender.open] verified it, and the
 * inner [message]: an ordinary session message, to decrypt with the
 * session of the contact [sender] names. [identity] is the sender's,
 * proved by the envelope's key agreement; [device] and [expiresMs] come
 * from its certificate.
 */
class Unsealed internal constructor(
    val identity: IdentityKey,
    val device: Long,
    val expiresMs: Long,
    sender: ByteArray,
    message: ByteArray,
) {
    private val senderValue = sender.copyOf()
    private val value = message.copyOf()

    /** The sender's user id, from the certificate (a copy). */
    val sender: ByteArray get() = senderValue.copyOf()

    /** The inner message (a copy). */
    val message: ByteArray get() = value.copyOf()

    override fun toString(): String =
        "Unsealed($identity, device=$device, expiresMs=$expiresMs, ${senderValue.size} B sender, ${value.size} B)"
}

/**
 * A sealed content message received by [Store.receiveSealed]: [received]
 * as [Store.receive] returns it, filed under [contact], the sender's user
 * id its certificate names.
 */
class ReceivedSealed internal constructor(contact: ByteArray, val received: Received) {
    private val value = contact.copyOf()

    /** The contact the message was filed under (a copy). */
    val contact: ByteArray get() = value.copyOf()

    override fun equals(other: Any?): Boolean =
        other is ReceivedSealed && other.received == received && other.value.contentEquals(value)

    override fun hashCode(): Int = 31 * value.contentHashCode() + received.hashCode()

    override fun toString(): String = "ReceivedSealed(${value.toString(Charsets.UTF_8)}, $received)"
}

/**
 * Sealed sender (`PROTOCOL.md` §20.2): envelopes the server routes knowing
 * only the recipient. The service's trust root certifies its server key
 * ([issueServerCertificate]); that key certifies each sender's user id,
 * identity and device until an expiry ([issueSenderCertificate]); a sender
 * [seal]s session messages under its certificate, and the recipient
 * [open]s them against the pinned trust root. [Store.sendSealed] and
 * [Store.receiveSealed] do the same for content messages.
 */
object SealedSender {
    /**
     * The service's side: the trust [root] signs the service key
     * [serverKey] under [keyId] (0..4294967295): the server certificate.
     */
    @JvmStatic
    fun issueServerCertificate(root: Identity, keyId: Long, serverKey: IdentityKey): ByteArray =
        root.locked { Native.serverCertificateIssue(it, keyId, serverKey.raw) }

    /**
     * The service's side: its key ([server], the one [serverCertificate]
     * names) vouches for [sender]'s [identity] and [device] until
     * [expiresMs]: the sender certificate to hand to that device. Another
     * key than the one the server certificate names is
     * [SottoError.WRONG_TYPE].
     */
    @JvmStatic
    fun issueSenderCertificate(
        server: Identity,
        serverCertificate: ByteArray,
        sender: ByteArray,
        identity: IdentityKey,
        device: Long,
        expiresMs: Long,
    ): ByteArray = server.locked {
        Native.senderCertificateIssue(it, serverCertificate, sender, identity.raw, device, expiresMs)
    }

    /**
     * Checks a sender [certificate] against the pinned [trustRoot] at
     * [nowMs]: [SottoError.INVALID_SIGNATURE] for either signature,
     * [SottoError.EXPIRED] once expired.
     */
    @JvmStatic
    fun verifySenderCertificate(certificate: ByteArray, trustRoot: IdentityKey, nowMs: Long): Unit =
        Native.senderCertificateVerify(certificate, trustRoot.raw, nowMs)

    /**
     * Seals [message] (a session message) from [sender], whose certificate
     * is [certificate], to [recipient]: the envelope to send, which names
     * no sender. A certificate for another identity is
     * [SottoError.WRONG_TYPE].
     */
    @JvmStatic
    fun seal(sender: Identity, certificate: ByteArray, recipient: IdentityKey, message: ByteArray): ByteArray =
        sender.locked { Native.sealedSenderSeal(it, certificate, recipient.raw, message) }

    /**
     * Opens [sealed], addressed to [recipient], at [nowMs] with the pinned
     * [trustRoot]: who sent it and the inner message. A tampered envelope,
     * or one for someone else, is [SottoError.DECRYPT_FAILED], a forged or
     * foreign-rooted certificate [SottoError.INVALID_SIGNATURE], an expired
     * one [SottoError.EXPIRED], one naming another identity than the sealer
     * [SottoError.UNTRUSTED_IDENTITY].
     */
    @JvmStatic
    fun open(recipient: Identity, trustRoot: IdentityKey, sealed: ByteArray, nowMs: Long): Unsealed = recipient.locked {
        val from = LongArray(2)
        val who = arrayOfNulls<ByteArray>(2)
        val message = Native.sealedSenderOpen(it, trustRoot.raw, sealed, nowMs, from, who)
        Unsealed(IdentityKey(who[0]!!), from[0], from[1], who[1]!!, message)
    }
}
