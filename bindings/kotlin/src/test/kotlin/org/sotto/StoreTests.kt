package org.sotto

import java.io.File
import java.nio.file.Files

val storeTests = listOf(
    "a conversation through two stores survives a restart" to {
        val dir = Files.createTempDirectory("sotto-kotlin").toFile()
        try {
            conversationThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
    "the store refuses a changed identity until it is accepted, and reports who each message is from" to {
        val dir = Files.createTempDirectory("sotto-kotlin-trust").toFile()
        try {
            identityChangeThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
)

/** A store for [identity] on a new file, with its own prekeys. */
private fun deviceStore(dir: File, name: String, identity: Identity): Store {
    val store = Store(File(dir, "$name.db").path, ByteArray(32) { name.length.toByte() }, durable = false)
    PrekeyStore(identity, NOW).use { store.setDevice(identity, it) }
    return store
}

private fun identityChangeThroughStores(dir: File) {
    val aliceId = Identity.generate()
    val bobId = Identity.generate()
    val malloryId = Identity.generate()
    val aliceKey = aliceId.publicKey
    val malloryKey = malloryId.publicKey
    val prekeys = PrekeyStore(bobId, NOW).apply { generateOneTimePrekeys(3) }
    val bob = Store(File(dir, "bob.db").path, ByteArray(32) { 2 }, durable = false)
    bob.setDevice(bobId, prekeys)
    val alice = deviceStore(dir, "alice", aliceId)
    val mallory = deviceStore(dir, "mallory", malloryId)

    // Alice starts under her store's trust: Bob is new to her.
    assertEquals(IdentityStatus.New, alice.initiate(bytes("bob"), prekeys.bundle(bobId, 0), NOW))
    val hi = alice.encrypt(bytes("bob"), bytes("hi Bob"))
    val got = bob.decrypt(bytes("alice"), hi.message, NOW)
    assertEquals(bytes("hi Bob"), got.plaintext)
    assertEquals(aliceKey, got.sender)
    assertEquals(null, got.identityChanged)
    assertEquals(aliceKey, bob.pendingIncoming().single().sender)
    bob.ackIncoming(got.id)
    assertEquals(null, bob.trustRecord(bytes("alice"))!!.pending)
    bob.setVerified(bytes("alice"), aliceKey, true)
    assertError(SottoError.UNTRUSTED_IDENTITY) { bob.setVerified(bytes("alice"), malloryKey, true) }
    // A bundle from another identity than Bob's, under "bob", is refused too.
    PrekeyStore(malloryId, NOW).use { other ->
        other.generateOneTimePrekeys(1)
        assertError(SottoError.IDENTITY_CHANGED) { alice.initiate(bytes("bob"), other.bundle(malloryId, 0), NOW) }
    }
    assertEquals(malloryKey, alice.trustRecord(bytes("bob"))!!.pending!!.identity)

    // Mallory's first message, filed under "alice": refused, held as pending.
    assertEquals(IdentityStatus.New, mallory.initiate(bytes("bob"), prekeys.bundle(bobId, 1), NOW))
    val forged = mallory.encrypt(bytes("bob"), bytes("new phone")).message
    val before = bob.generation()
    assertError(SottoError.IDENTITY_CHANGED) { bob.decrypt(bytes("alice"), forged, NOW) }
    assertEquals(0, bob.pendingIncoming().size)
    val record = bob.trustRecord(bytes("alice"))!!
    assertEquals(aliceKey, record.identity)
    assertEquals(NOW, record.firstSeen)
    assertTrue(record.verified, "Alice stays verified while the change is pending")
    assertEquals(PendingChange(malloryKey, NOW), record.pending)
    assertEquals(null, bob.trustRecord(bytes("nobody")))

    // Accepted: the same message now decrypts, and says who it is from.
    assertError(SottoError.UNTRUSTED_IDENTITY) { bob.acceptIdentityChange(bytes("alice"), aliceKey, NOW) }
    bob.acceptIdentityChange(bytes("alice"), malloryKey, NOW + 1)
    val accepted = bob.trustRecord(bytes("alice"))!!
    assertEquals(TrustRecord(malloryKey, NOW + 1, false, null), accepted)
    val taken = bob.decrypt(bytes("alice"), forged, NOW)
    assertEquals(bytes("new phone"), taken.plaintext)
    assertEquals(malloryKey, taken.sender)
    assertEquals(null, taken.identityChanged)
    bob.ackIncoming(taken.id)
    assertTrue(bob.generation() > before, "the commit counter grows")

    // Warn: Alice's new first message (from a reinstalled app) is taken and reported.
    assertEquals(TrustPolicy.BLOCK, bob.trustPolicy())
    bob.setTrustPolicy(TrustPolicy.WARN)
    assertEquals(TrustPolicy.WARN, bob.trustPolicy())
    val reinstalled = deviceStore(dir, "reinstalled alice", aliceId)
    assertEquals(IdentityStatus.New, reinstalled.initiate(bytes("bob"), prekeys.bundle(bobId, 2), NOW))
    val back = reinstalled.encrypt(bytes("bob"), bytes("it's Alice")).message
    val warned = bob.decrypt(bytes("alice"), back, NOW)
    assertEquals(bytes("it's Alice"), warned.plaintext)
    assertEquals(aliceKey, warned.sender)
    assertEquals(malloryKey, warned.identityChanged)
    // The inbox, as listed after a restart, says so too.
    val pending = bob.pendingIncoming().single()
    assertEquals(warned.id, pending.id)
    assertEquals(aliceKey, pending.sender)
    assertEquals(malloryKey, pending.identityChanged)
    assertEquals(null, reinstalled.pendingOutgoing().single().sender)
    assertEquals(TrustRecord(aliceKey, NOW, false, null), bob.trustRecord(bytes("alice")))
    // The time is checked before anything is read.
    assertError(SottoError.INVALID_ARGUMENT) { bob.acceptIdentityChange(bytes("alice"), aliceKey, -1) }
    assertError(SottoError.INVALID_ARGUMENT) { alice.initiate(bytes("carol"), prekeys.bundle(bobId, 0), -1) }

    listOf(alice, reinstalled, bob, mallory, prekeys, aliceId, bobId, malloryId).forEach { it.close() }
}

private fun conversationThroughStores(dir: File) {
    val alicePath = File(dir, "alice.db").path
    val bobPath = File(dir, "bob.db").path
    val aliceKey = ByteArray(32) { 1 }
    val bobKey = ByteArray(32) { 2 }
    val bobId = Identity.generate()
    val prekeys = PrekeyStore(bobId, NOW)
    prekeys.generateOneTimePrekeys(1)
    val bob = Store(bobPath, bobKey)
    assertError(SottoError.NO_DEVICE_IDENTITY) { bob.deviceIdentity() }
    Identity.generate().use { other -> assertError(SottoError.DEVICE_MISMATCH) { bob.setDevice(other, prekeys) } }
    assertError(SottoError.INVALID_NAME) { bob.save(bobId, ByteArray(0)) }
    bob.setDevice(bobId, prekeys)
    val alice = Store(alicePath, aliceKey, durable = false)
    Identity.generate().use { a -> Session.initiate(a, prekeys.bundle(bobId)).use { alice.save(it, bytes("bob")) } }

    val out = alice.encrypt(bytes("bob"), bytes("hi Bob"))
    assertEquals(1, alice.pendingOutgoing().size)
    alice.ackOutgoing(out.id)
    assertEquals(0, alice.pendingOutgoing().size)
    val got = bob.decrypt(bytes("alice"), out.message, NOW)
    assertEquals(bytes("hi Bob"), got.plaintext)
    assertError(SottoError.DUPLICATE_MESSAGE) { bob.decrypt(bytes("alice"), out.message, NOW) }

    // Bob's app is killed before it showed the message: it is still in the inbox.
    bob.close()
    assertError(SottoError.STORE_KEY_MISMATCH) { Store(bobPath, aliceKey) }
    Store(bobPath, bobKey).use { reopened ->
        val pending = reopened.pendingIncoming()
        assertEquals(1, pending.size)
        assertEquals(bytes("alice"), pending[0].conversation)
        assertEquals(bytes("hi Bob"), pending[0].body)
        reopened.ackIncoming(pending[0].id)
        assertEquals(0, reopened.pendingIncoming().size)
        assertError(SottoError.NOT_FOUND) { reopened.loadSession(bytes("nobody")) }
        reopened.deviceIdentity().use { assertEquals(bobId.publicKey, it.publicKey) }
        assertEquals(0, reopened.devicePrekeys().use { it.oneTimePrekeyCount })
        val reply = reopened.encrypt(bytes("alice"), bytes("hi Alice"))
        assertEquals(bytes("hi Alice"), alice.decrypt(bytes("bob"), reply.message, NOW).plaintext)
    }
    File(dir, "junk.db").writeText("not a database, not at all; long enough to look like a header")
    assertError(SottoError.STORE_CORRUPT) { Store(File(dir, "junk.db").path, aliceKey) }
    listOf(alice, bobId, prekeys).forEach { it.close() }
}

val groupStoreTests = listOf(
    "a group through stores, with a member added later" to {
        val dir = Files.createTempDirectory("sotto-kotlin-group").toFile()
        try {
            val ids = List(3) { Identity.generate() }
            val keys = ids.map { it.publicKey }
            val gid = bytes("team")
            val a = Group(ids[0], gid, listOf(keys[1]))
            val b = Group(ids[1], gid, listOf(keys[0]))
            b.processDistribution(keys[0], a.distribution())
            val sa = Store(File(dir, "a.db").path, ByteArray(32) { 1 }, durable = false)
            val sb = Store(File(dir, "b.db").path, ByteArray(32) { 2 }, durable = false)
            sa.save(a, gid)
            sb.save(b, gid)
            val out = sa.groupEncrypt(gid, bytes("to the team"))
            val got = sb.groupDecrypt(gid, keys[0], out.message)
            assertEquals(bytes("to the team"), got.plaintext)
            assertEquals(1, sb.pendingIncoming().size)
            assertError(SottoError.DUPLICATE_MESSAGE) { sb.groupDecrypt(gid, keys[0], out.message) }
            // Carol joins: Alice's stored group adds her and hands over its key.
            val c = Group(ids[2], gid, listOf(keys[0], keys[1]))
            sa.loadGroup(gid).use { g ->
                c.processDistribution(keys[0], g.addMember(keys[2]))
                sa.save(g, gid)
            }
            val next = sa.groupEncrypt(gid, bytes("welcome Carol"))
            assertEquals(bytes("welcome Carol"), c.decrypt(keys[0], next.message))
            assertEquals(bytes("welcome Carol"), sb.groupDecrypt(gid, keys[0], next.message).plaintext)
            assertError(SottoError.NOT_FOUND) { sa.groupEncrypt(bytes("other"), bytes("x")) }
            (listOf(a, b, c, sa, sb) + ids).forEach { it.close() }
        } finally {
            dir.deleteRecursively()
        }
    },
)
