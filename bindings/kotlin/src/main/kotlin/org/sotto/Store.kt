package org.sotto

/**
 * A crash-safe store file: every object sealed under the host's key, and
 * encrypt and decrypt as single transactions with an outbox and an inbox.
 * Store objects on one file (one per thread, or one shared) serialize.
 */
class Store private constructor(handle: Long) : NativeObject(Kind.STORE, handle) {
    /**
     * Opens or creates the store at [path] under a 32-byte [key] from the
     * platform keystore. [durable] flushes every commit (survives power loss).
     */
    constructor(path: String, key: ByteArray, durable: Boolean = true) :
        this(Native.storeOpen(path.toByteArray(Charsets.UTF_8), key, durable))

    /** A message committed to the outbox, to send and then [ackOutgoing]. */
    class Outgoing(val id: Long, val message: ByteArray)

    /** A plaintext committed to the inbox, to show and then [ackIncoming]. */
    class Incoming(val id: Long, val plaintext: ByteArray)

    /** An entry still in the inbox (a plaintext) or outbox (a message) after a restart. */
    class Pending(val id: Long, val conversation: ByteArray, val body: ByteArray)

    /**
     * Sets this device's [identity] and [prekeys] in one committed
     * transaction (once, at registration, before the first message
     * arrives: [decrypt] answers a first message with them). Prekeys signed
     * by another identity are [SottoError.DEVICE_MISMATCH].
     */
    fun setDevice(identity: Identity, prekeys: PrekeyStore): Unit =
        locked { s -> identity.locked { i -> prekeys.locked { p -> Native.storeSetDevice(s, i, p) } } }

    /** Replaces this device's prekeys (after a rotation or new one-time prekeys). */
    fun setDevicePrekeys(prekeys: PrekeyStore): Unit =
        locked { s -> prekeys.locked { p -> Native.storeSetDevicePrekeys(s, p) } }

    /** This device's identity; before [setDevice], [SottoError.NO_DEVICE_IDENTITY]. */
    fun deviceIdentity(): Identity = Identity.adopt(locked { Native.storeDeviceIdentity(it) })

    /** This device's prekeys; before [setDevice], [SottoError.NO_DEVICE_IDENTITY]. */
    fun devicePrekeys(): PrekeyStore = PrekeyStore.adopt(locked { Native.storeDevicePrekeys(it) })

    /**
     * Saves [obj] under [name] (1 to 255 bytes; sessions under the contact,
     * groups under the group id) in one committed transaction. This
     * device's own identity and prekeys go through [setDevice].
     */
    fun save(obj: StatefulObject, name: ByteArray): Unit =
        locked { s -> obj.locked { o -> Native.storeSave(obj.kind, s, name, o) } }

    private fun load(kind: Int, name: ByteArray): Long = locked { Native.storeLoad(kind, it, name) }

    /** The identity saved under [name]; none is [SottoError.NOT_FOUND]. */
    fun loadIdentity(name: ByteArray) = Identity.adopt(load(Kind.IDENTITY, name))

    /** The prekey store saved under [name]. */
    fun loadPrekeys(name: ByteArray) = PrekeyStore.adopt(load(Kind.PREKEYS, name))

    /** The trust store saved under [name]. */
    fun loadTrust(name: ByteArray) = TrustStore.adopt(load(Kind.TRUST, name))

    /** The session saved for [contact]. */
    fun loadSession(contact: ByteArray) = Session.adopt(load(Kind.SESSION, contact))

    /** The group saved under [id]. */
    fun loadGroup(id: ByteArray) = Group.adopt(load(Kind.GROUP, id))

    /** The location share saved under [name]. */
    fun loadShare(name: ByteArray) = LocationShare.adopt(load(Kind.SHARE, name))

    /** The location viewer saved under [name]. */
    fun loadViewer(name: ByteArray) = LocationViewer.adopt(load(Kind.VIEWER, name))

    /** Encrypts for [contact] with its saved session; committed (outbox) before it returns. */
    fun encrypt(contact: ByteArray, plaintext: ByteArray): Outgoing =
        committed({ s, id -> Native.storeEncrypt(s, contact, plaintext, id) }, ::Outgoing)

    /**
     * Decrypts a message from [contact] (accepting a first message with the
     * saved identity and prekeys); committed with the plaintext (inbox).
     */
    fun decrypt(contact: ByteArray, message: ByteArray, now: Long): Incoming =
        committed({ s, id -> Native.storeDecrypt(s, contact, message, now, id) }, ::Incoming)

    /** Encrypts for the group saved under [groupId]; committed (outbox) before it returns. */
    fun groupEncrypt(groupId: ByteArray, plaintext: ByteArray): Outgoing =
        committed({ s, id -> Native.storeGroupEncrypt(s, groupId, plaintext, id) }, ::Outgoing)

    /** Decrypts a group message from [from]; committed with the plaintext (inbox). */
    fun groupDecrypt(groupId: ByteArray, from: IdentityKey, message: ByteArray): Incoming =
        committed({ s, id -> Native.storeGroupDecrypt(s, groupId, from.raw, message, id) }, ::Incoming)

    /** Runs a committed call, which reports its outbox or inbox id in `id[0]`. */
    private inline fun <T> committed(call: (Long, LongArray) -> ByteArray, entry: (Long, ByteArray) -> T): T =
        locked { s ->
            val id = LongArray(1)
            val bytes = call(s, id)
            entry(id[0], bytes)
        }

    /** The message [id] was sent: drop it from the outbox. */
    fun ackOutgoing(id: Long): Unit = locked { Native.storeAck(it, false, id) }

    /** The plaintext [id] was shown: drop it from the inbox. */
    fun ackIncoming(id: Long): Unit = locked { Native.storeAck(it, true, id) }

    /** Plaintexts decrypted but not yet acknowledged (after a crash), oldest first. */
    fun pendingIncoming(): List<Pending> = pending(true)

    /** Messages committed but not yet acknowledged as sent, oldest first. */
    fun pendingOutgoing(): List<Pending> = pending(false)

    private fun pending(incoming: Boolean): List<Pending> = locked {
        val out = ArrayList<Pending>()
        val id = LongArray(1)
        val body = arrayOfNulls<ByteArray>(1)
        while (true) {
            val conversation = try {
                Native.storeNext(it, incoming, out.lastOrNull()?.id ?: 0, id, body)
            } catch (e: SottoException) {
                if (e.error == SottoError.NOT_FOUND) break else throw e
            }
            out.add(Pending(id[0], conversation, body[0] ?: ByteArray(0)))
        }
        out
    }
}
