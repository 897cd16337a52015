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
)

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
