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

    /**
     * A plaintext committed to the inbox, to show and then [ackIncoming].
     * [sender] is the identity the message is cryptographically from (the
     * contact's session identity, whatever name the server filed it under;
     * for a group message the member's). [identityChanged], for a 1:1
     * message that set up a session with another identity than the one
     * trusted (under [TrustPolicy.WARN]), is the identity trusted until
     * then: tell the user the contact's security code changed.
     */
    class Incoming(
        val id: Long,
        val plaintext: ByteArray,
        val sender: IdentityKey?,
        val identityChanged: IdentityKey?,
    )

    /**
     * An entry still in the inbox (a plaintext) or outbox (a message) after
     * a restart. An inbox entry has its [sender] and [identityChanged] as in
     * [Incoming]; an outbox entry has neither.
     */
    class Pending(
        val id: Long,
        val conversation: ByteArray,
        val body: ByteArray,
        val sender: IdentityKey? = null,
        val identityChanged: IdentityKey? = null,
    )

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
        locked { s -> obj.locked { o -> Native.storeSave(obj.handleKind, s, name, o) } }

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

    /**
     * Starts a session with [contact] from its serialized prekey [bundle],
     * with this device's identity ([setDevice]), once the store's trust
     * records accept the bundle's identity, and says what they found: a
     * first identity is [IdentityStatus.New] (recorded, unverified). Under
     * [TrustPolicy.BLOCK] another identity than the trusted one is
     * [SottoError.IDENTITY_CHANGED], held as pending ([trustRecord]) until
     * [acceptIdentityChange]; under [TrustPolicy.WARN] it is
     * [IdentityStatus.Changed]. Committed before it returns.
     */
    fun initiate(contact: ByteArray, bundle: ByteArray, now: Long): IdentityStatus =
        IdentityStatus.unpack(locked { Native.storeInitiate(it, contact, bundle, now) })

    /** Encrypts for [contact] with its saved session; committed (outbox) before it returns. */
    fun encrypt(contact: ByteArray, plaintext: ByteArray): Outgoing =
        committed({ s, id -> Native.storeEncrypt(s, contact, plaintext, id) }, ::Outgoing)

    /**
     * Decrypts a message from [contact] (accepting a first message with the
     * saved identity and prekeys); committed with the plaintext (inbox),
     * with the identity it is from ([Incoming.sender]). A first message
     * from another identity than the one trusted for [contact] is, under
     * [TrustPolicy.BLOCK] (the default), [SottoError.IDENTITY_CHANGED] with
     * only the pending change committed: show it, [acceptIdentityChange],
     * then decrypt the same message again. Under [TrustPolicy.WARN] it is
     * accepted and [Incoming.identityChanged] says so.
     */
    fun decrypt(contact: ByteArray, message: ByteArray, now: Long): Incoming = locked { s ->
        val id = LongArray(1)
        val from = arrayOfNulls<ByteArray>(2)
        val plaintext = Native.storeDecrypt(s, contact, message, now, id, from)
        Incoming(id[0], plaintext, from[0]?.let(::IdentityKey), from[1]?.let(::IdentityKey))
    }

    /** Encrypts for the group saved under [groupId]; committed (outbox) before it returns. */
    fun groupEncrypt(groupId: ByteArray, plaintext: ByteArray): Outgoing =
        committed({ s, id -> Native.storeGroupEncrypt(s, groupId, plaintext, id) }, ::Outgoing)

    /** Decrypts a group message from [from]; committed with the plaintext (inbox). */
    fun groupDecrypt(groupId: ByteArray, from: IdentityKey, message: ByteArray): Incoming =
        committed({ s, id -> Native.storeGroupDecrypt(s, groupId, from.raw, message, id) }) { id, plaintext ->
            Incoming(id, plaintext, from, null)
        }

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
        val from = arrayOfNulls<ByteArray>(2)
        while (true) {
            val conversation = try {
                Native.storeNext(it, incoming, out.lastOrNull()?.id ?: 0, id, body)
            } catch (e: SottoException) {
                if (e.error == SottoError.NOT_FOUND) break else throw e
            }
            if (incoming) Native.storeIncomingSender(it, id[0], from)
            out.add(Pending(id[0], conversation, body[0] ?: ByteArray(0), from[0]?.let(::IdentityKey), from[1]?.let(::IdentityKey)))
        }
        out
    }

    /**
     * What the store trusts for [contact] (the identity, whether it was
     * verified, a pending change); null for a contact it has no record of.
     */
    fun trustRecord(contact: ByteArray): TrustRecord? = locked {
        try {
            TrustRecord.unpack(Native.storeTrustRecord(it, contact))
        } catch (e: SottoException) {
            if (e.error == SottoError.UNKNOWN_CONTACT) null else throw e
        }
    }

    /** Sets the policy for identity changes (committed). */
    fun setTrustPolicy(policy: TrustPolicy): Unit = locked { Native.storeSetTrustPolicy(it, policy.code) }

    /** The policy for identity changes; [TrustPolicy.BLOCK] until set. */
    fun trustPolicy(): TrustPolicy = locked {
        val code = Native.storeTrustPolicy(it)
        TrustPolicy.entries.first { p -> p.code == code }
    }

    /**
     * Sets this device's post-quantum policy (committed, kept by
     * [setDevicePrekeys]): under [PqPolicy.REQUIRE], [initiate] refuses a
     * bundle without a post-quantum prekey and [decrypt] a first message set
     * up without one, both with [SottoError.POST_QUANTUM_REQUIRED].
     * Before [setDevice] it is [SottoError.NO_DEVICE_IDENTITY].
     */
    fun setPqPolicy(policy: PqPolicy): Unit = locked { Native.storeSetPqPolicy(it, policy.code) }

    /** This device's post-quantum policy; [PqPolicy.PREFER] until set. */
    fun pqPolicy(): PqPolicy = locked { PqPolicy.of(Native.storePqPolicy(it)) }

    /**
     * Whether the current session with [contact] was set up with PQXDH (show
     * it as quantum-resistant). No session is [SottoError.NOT_FOUND].
     */
    fun isPostQuantum(contact: ByteArray): Boolean = locked { Native.storeIsPostQuantum(it, contact) }

    /**
     * Accepts [contact]'s pending identity change to [identity], after the
     * user saw the notice: it becomes trusted, unverified, and a message
     * refused with [SottoError.IDENTITY_CHANGED] then decrypts. Another
     * identity than the pending one is [SottoError.UNTRUSTED_IDENTITY].
     */
    fun acceptIdentityChange(contact: ByteArray, identity: IdentityKey, now: Long): Unit =
        locked { Native.storeAcceptIdentityChange(it, contact, identity.raw, now) }

    /**
     * Marks [contact]'s trusted [identity] verified (after the users
     * compared security codes) or not. Another identity than the trusted
     * one is [SottoError.UNTRUSTED_IDENTITY].
     */
    fun setVerified(contact: ByteArray, identity: IdentityKey, verified: Boolean): Unit =
        locked { Native.storeSetVerified(it, contact, identity.raw, verified) }

    // Content messages: typed envelopes with the conversation's disappearing
    // timer, committed like encrypt and decrypt. Times are milliseconds since
    // the epoch (`nowMs`); a negative time is [SottoError.INVALID_ARGUMENT].

    /**
     * Sends [content] to [contact] at [nowMs] under the conversation's
     * disappearing timer, committed (outbox) before it returns like
     * [encrypt]. A [Content.TimerChange] also sets the conversation's timer.
     */
    fun send(contact: ByteArray, content: Content, nowMs: Long): Sent =
        sending { s, sent -> Native.storeSend(s, contact, content.type, content.body(), nowMs, sent) }

    /** Sends [content] to the group saved under [groupId], as [send]. */
    fun groupSend(groupId: ByteArray, content: Content, nowMs: Long): Sent =
        sending { s, sent -> Native.storeGroupSend(s, groupId, content.type, content.body(), nowMs, sent) }

    /**
     * Sets the disappearing timer of [conversation] to [seconds] (0: off)
     * and sends the change to it (a [Content.TimerChange]).
     */
    fun setDisappearingTimer(conversation: Conversation, seconds: Long, nowMs: Long): Sent = sending { s, sent ->
        Native.storeSetDisappearingTimer(s, conversation.code, conversation.raw, seconds, nowMs, sent)
    }

    /** Runs a send, which reports `[id, sent_at_ms, expires_at_ms]` (0: never) in `sent`. */
    private inline fun sending(call: (Long, LongArray) -> ByteArray): Sent = locked { s ->
        val sent = LongArray(3)
        val message = call(s, sent)
        Sent(sent[0], message, sent[1], sent[2].takeIf { it != 0L })
    }

    /**
     * Receives a content message from [contact] at [nowMs], committed
     * (inbox) like [decrypt], with the same trust rules and errors; the
     * envelope's timer becomes the conversation's if it is newer. A message
     * that had already expired comes back [Received.expired] with id 0 and
     * no content, and nothing kept. A plaintext that is not an envelope is
     * [SottoError.MALFORMED], with nothing changed.
     */
    fun receive(contact: ByteArray, message: ByteArray, nowMs: Long): Received =
        receiving { s, id, info -> Native.storeReceive(s, contact, message, nowMs, id, info) }

    /** Receives a content message from member [from] of the group saved under [groupId], as [receive]. */
    fun groupReceive(groupId: ByteArray, from: IdentityKey, message: ByteArray, nowMs: Long): Received =
        receiving { s, id, info -> Native.storeGroupReceive(s, groupId, from.raw, message, nowMs, id, info) }

    /**
     * Sends [content] to [contact] as [send] does, sealed with our sender
     * [certificate] ([SealedSender.issueSenderCertificate]): the message is
     * an envelope that names no sender. A certificate for another identity
     * is [SottoError.WRONG_TYPE], with nothing sent.
     */
    fun sendSealed(contact: ByteArray, content: Content, certificate: ByteArray, nowMs: Long): Sent =
        sending { s, sent -> Native.storeSendSealed(s, contact, content.type, content.body(), certificate, nowMs, sent) }

    /**
     * Receives a sealed envelope at [nowMs] with the pinned [trustRoot], as
     * [receive] does for the contact its certificate names (its sender's
     * user id, [ReceivedSealed.contact]). The inner message must come from
     * the identity that sealed it ([SottoError.UNTRUSTED_IDENTITY]
     * otherwise); the other refusals are [SealedSender.open]'s. Nothing is
     * committed on error.
     */
    fun receiveSealed(trustRoot: IdentityKey, sealed: ByteArray, nowMs: Long): ReceivedSealed {
        val contact = arrayOfNulls<ByteArray>(1)
        val received = receiving { s, id, info -> Native.storeReceiveSealed(s, trustRoot.raw, sealed, nowMs, id, info, contact) }
        return ReceivedSealed(contact[0]!!, received)
    }

    /** Runs a receive, which reports the inbox id in `id[0]` and what the message carries in `info`. */
    private inline fun receiving(call: (Long, LongArray, LongArray) -> ByteArray): Received = locked { s ->
        val id = LongArray(1)
        val info = LongArray(MessageInfo.LEN)
        val body = call(s, id, info)
        Received.of(id[0], info, body)
    }

    /** The disappearing timer of [conversation] (off, never set, until a change is sent or received). */
    fun disappearingTimer(conversation: Conversation): DisappearingTimer = locked {
        val t = Native.storeDisappearingTimer(it, conversation.code, conversation.raw)
        DisappearingTimer(t[0], t[1])
    }

    /**
     * Deletes what expired at or before [nowMs] (inbox and outbox entries,
     * and the keys kept for messages that never arrived and would have
     * expired), then erases them from the file.
     */
    fun purgeExpired(nowMs: Long): Purged = locked {
        val p = Native.storePurgeExpired(it, nowMs)
        Purged(p[0], p[1])
    }

    /** When something kept next expires (milliseconds since the epoch): call [purgeExpired] then; null if nothing expires. */
    fun nextExpiry(): Long? = locked {
        try {
            Native.storeNextExpiry(it)
        } catch (e: SottoException) {
            if (e.error == SottoError.NOT_FOUND) null else throw e
        }
    }

    /**
     * The account report ("download your data") at [nowMs]: a JSON
     * document of what this device holds about the account (identities as
     * fingerprints, contacts, groups, timer settings, message counts), with
     * no key and no message content.
     */
    fun accountReport(nowMs: Long): String = locked { String(Native.storeAccountReport(it, nowMs), Charsets.UTF_8) }

    /**
     * Takes [user]'s published device [list] and [records] at [now]
     * (seconds), in one transaction: verified, never older than the version
     * last taken for that account (nor the same version with other devices:
     * [SottoError.STALE_DEVICE_LIST]), the account key trusted as a
     * contact's identity is (a new one is [SottoError.IDENTITY_CHANGED]
     * under [TrustPolicy.BLOCK], held as pending). Devices that left lose
     * their sessions and group memberships; see [DeviceUpdate] for what to
     * do next. A list holding this device is also kept as our own
     * account's, whose other devices every [sendToUser] reaches.
     */
    fun setDevices(user: ByteArray, list: ByteArray, records: List<ByteArray>, now: Long): DeviceUpdate = locked {
        val groups = arrayOfNulls<ByteArray>(2)
        val u = Native.storeSetDevices(it, user, list, Devices.concat(records), now, groups)
        DeviceUpdate(
            u[0], u[1].toInt(), u[2].toInt(), u[3].toInt(), u[4] == 1L, u[5] == 1L, u[6] == 1L,
            DeviceUpdate.names(groups[0]), DeviceUpdate.names(groups[1]),
        )
    }

    /** [user]'s verified devices as the store last took them, by index; none taken is [SottoError.NOT_FOUND]. */
    fun devices(user: ByteArray): List<DeviceInfo> = locked { DeviceInfo.list(Native.storeDevices(it, user)) }

    /** The newest device changes of [user] (at most 32), oldest first. */
    fun deviceChanges(user: ByteArray): List<DeviceChange> = locked { DeviceChange.list(Native.storeDeviceChanges(it, user)) }

    /** Whether a device of [user] is run by a service provider (its account signed it so): label the conversation. */
    fun isHosted(user: ByteArray): Boolean = locked { Native.storeIsHosted(it, user) }

    /**
     * Whether a member of the group saved under [groupId] is a device its
     * account's signed list marks as run by a service provider: label the
     * group. A group not saved is [SottoError.NOT_FOUND].
     */
    fun isGroupHosted(groupId: ByteArray): Boolean = locked { Native.storeGroupIsHosted(it, groupId) }

    /**
     * The devices of [user] and of our own account that [sendToUser] needs
     * a session with and has none: fetch their bundles and [initiateDevice].
     */
    fun devicesWithoutSession(user: ByteArray): List<DeviceAddress> =
        locked { DeviceAddress.list(Native.storeDevicesWithoutSession(it, user)) }

    /**
     * Starts a session with device [index] of [user] from its serialized
     * prekey [bundle], which must carry the identity the account signed for
     * that device ([SottoError.UNTRUSTED_IDENTITY] otherwise, and for a
     * device not on the list).
     */
    fun initiateDevice(user: ByteArray, index: Long, bundle: ByteArray, now: Long): Unit =
        locked { Native.storeInitiateDevice(it, user, index, bundle, now) }

    /**
     * Sends [content] to every device of [user] and to our own other
     * devices at [nowMs], under the conversation's timer, in one
     * transaction: one outbox entry per device, to send and acknowledge. A
     * pending account change is [SottoError.UNTRUSTED_IDENTITY], a list
     * older than [Devices.LIST_TTL_SECS] [SottoError.STALE_DEVICE_LIST]
     * (fetch it again), a device without a session
     * [SottoError.SESSION_MISMATCH] ([devicesWithoutSession]); nothing is
     * sent then.
     */
    fun sendToUser(user: ByteArray, content: Content, nowMs: Long): List<DeviceMessage> = locked { s ->
        val sent = LongArray(3)
        val fanOut = Native.storeSendToUser(s, user, content.type, content.body(), nowMs, sent)
        DeviceMessage.list(fanOut, sent)
    }

    /**
     * Where the outbox entry [id] goes when it is for one device (after a
     * restart, with [pendingOutgoing]); an entry that is not for a device,
     * or no longer in the outbox, is [SottoError.NOT_FOUND].
     */
    fun outgoingDevice(id: Long): DeviceAddress = locked {
        val index = LongArray(1)
        val user = Native.storeOutgoingDevice(it, id, index)
        DeviceAddress(user, index[0])
    }

    /**
     * Receives a content message the server says is from device [index] of
     * [user], as [receive]: the device must be on the user's verified list
     * and the message from the identity its account signed
     * ([SottoError.UNTRUSTED_IDENTITY] otherwise, nothing changed).
     */
    fun receiveFromDevice(user: ByteArray, index: Long, message: ByteArray, nowMs: Long): Received =
        receiving { s, id, info -> Native.storeReceiveFromDevice(s, user, index, message, nowMs, id, info) }

    /**
     * The security code between our account ([localId]: our stable user
     * id) and [user] ([remoteId]), over every device of both accounts but
     * hosted ones: it changes whenever a device joins or leaves. [user]
     * without a list is [SottoError.NOT_FOUND].
     */
    fun securityCode(localId: ByteArray, user: ByteArray, remoteId: ByteArray): SecurityCode =
        SecurityCode.adopt(locked { Native.storeSecurityCode(it, localId, user, remoteId) })

    /**
     * How many transactions the store file has committed: it only grows.
     * Keep the latest value where the file's backups and copies do not
     * reach (the Android Keystore or encrypted preferences excluded from
     * backup); a smaller value when the store is opened means it was
     * restored from an older copy, which accepts again messages it had
     * already decrypted.
     */
    fun generation(): Long = locked { Native.storeGeneration(it) }
}
