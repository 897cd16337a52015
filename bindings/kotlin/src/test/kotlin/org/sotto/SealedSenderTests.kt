package org.sotto

import java.io.File
import java.nio.file.Files

private const val EXPIRES_MS = NOW_MS + DAY_MS

/** A service: its trust root, and its server key certified by the root. */
private class Service : AutoCloseable {
    val root = Identity.generate()
    val server = Identity.generate()
    val serverCertificate = SealedSender.issueServerCertificate(root, 1, server.publicKey)

    fun certify(user: String, identity: IdentityKey, device: Long, expiresMs: Long = EXPIRES_MS): ByteArray =
        SealedSender.issueSenderCertificate(server, serverCertificate, bytes(user), identity, device, expiresMs)

    override fun close() {
        root.close()
        server.close()
    }
}

val sealedSenderTests = listOf(
    "a service certifies Alice; Alice seals to Bob, who opens it and learns who sent it" to {
        Service().use { service ->
            Identity.generate().use { alice ->
                Identity.generate().use { bob ->
                    val certificate = service.certify("alice", alice.publicKey, 3)
                    SealedSender.verifySenderCertificate(certificate, service.root.publicKey, NOW_MS)
                    val sealed = SealedSender.seal(alice, certificate, bob.publicKey, bytes("inner message"))
                    assertTrue(!contains(sealed, bytes("alice")), "the envelope names no sender")
                    assertTrue(!contains(sealed, alice.publicKey.bytes.copyOf(32)), "nor the sender's key")
                    val got = SealedSender.open(bob, service.root.publicKey, sealed, NOW_MS)
                    assertEquals(alice.publicKey, got.identity)
                    assertEquals(3L, got.device)
                    assertEquals(EXPIRES_MS, got.expiresMs)
                    assertEquals(bytes("alice"), got.sender)
                    assertEquals(bytes("inner message"), got.message)
                    // Only the key the server certificate names issues under it.
                    assertError(SottoError.WRONG_TYPE) {
                        SealedSender.issueSenderCertificate(alice, service.serverCertificate, bytes("alice"), alice.publicKey, 3, EXPIRES_MS)
                    }
                    // Alice cannot seal with a certificate for Bob.
                    val bobCertificate = service.certify("bob", bob.publicKey, 1)
                    assertError(SottoError.WRONG_TYPE) { SealedSender.seal(alice, bobCertificate, bob.publicKey, bytes("x")) }
                    // Out of the C types' ranges: refused before anything is signed.
                    assertError(SottoError.INVALID_ARGUMENT) { SealedSender.issueServerCertificate(service.root, -1, service.server.publicKey) }
                    assertError(SottoError.INVALID_ARGUMENT) { SealedSender.issueServerCertificate(service.root, 1L shl 32, service.server.publicKey) }
                    assertError(SottoError.INVALID_ARGUMENT) { service.certify("alice", alice.publicKey, -1) }
                    assertError(SottoError.INVALID_ARGUMENT) { service.certify("alice", alice.publicKey, 3, -1) }
                    assertError(SottoError.INVALID_ARGUMENT) { SealedSender.open(bob, service.root.publicKey, sealed, -1) }
                    assertError(SottoError.MALFORMED) { SealedSender.verifySenderCertificate(certificate.copyOf(certificate.size - 1), service.root.publicKey, NOW_MS) }
                }
            }
        }
    },
    "sealed sender refusals: another trust root, an expired certificate, a tampered envelope" to {
        Service().use { service ->
            Identity.generate().use { other ->
                Identity.generate().use { alice ->
                    Identity.generate().use { bob ->
                        val certificate = service.certify("alice", alice.publicKey, 3)
                        val sealed = SealedSender.seal(alice, certificate, bob.publicKey, bytes("inner message"))
                        // Another trust root.
                        assertError(SottoError.INVALID_SIGNATURE) { SealedSender.verifySenderCertificate(certificate, other.publicKey, NOW_MS) }
                        assertError(SottoError.INVALID_SIGNATURE) { SealedSender.open(bob, other.publicKey, sealed, NOW_MS) }
                        // Expired: at and after its expiry, and a certificate issued already expired.
                        assertError(SottoError.EXPIRED) { SealedSender.verifySenderCertificate(certificate, service.root.publicKey, EXPIRES_MS) }
                        assertError(SottoError.EXPIRED) { SealedSender.open(bob, service.root.publicKey, sealed, EXPIRES_MS) }
                        val late = SealedSender.seal(alice, service.certify("alice", alice.publicKey, 3, NOW_MS), bob.publicKey, bytes("late"))
                        assertError(SottoError.EXPIRED) { SealedSender.open(bob, service.root.publicKey, late, NOW_MS) }
                        // Tampered: any byte after the prefix flipped, or the envelope cut short.
                        for (i in listOf(2, 40, sealed.size / 2, sealed.size - 1)) {
                            val tampered = sealed.copyOf().also { it[i] = (it[i].toInt() xor 0x80).toByte() }
                            assertError(SottoError.DECRYPT_FAILED) { SealedSender.open(bob, service.root.publicKey, tampered, NOW_MS) }
                        }
                        assertError(SottoError.DECRYPT_FAILED) { SealedSender.open(bob, service.root.publicKey, sealed.copyOf(sealed.size - 1), NOW_MS) }
                        // An envelope for Bob is not Carol's to open.
                        Identity.generate().use { carol ->
                            assertError(SottoError.DECRYPT_FAILED) { SealedSender.open(carol, service.root.publicKey, sealed, NOW_MS) }
                        }
                        // The genuine envelope still opens.
                        assertEquals(bytes("inner message"), SealedSender.open(bob, service.root.publicKey, sealed, NOW_MS).message)
                    }
                }
            }
        }
    },
    "sealed content through two stores: filed under the certificate's sender, a replay is a duplicate" to {
        val dir = Files.createTempDirectory("sotto-kotlin-sealed").toFile()
        try {
            sealedThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
)

/** Whether [needle] occurs in [hay]. */
private fun contains(hay: ByteArray, needle: ByteArray): Boolean =
    (0..hay.size - needle.size).any { i -> needle.indices.all { hay[i + it] == needle[it] } }

private fun sealedThroughStores(dir: File) {
    Service().use { service ->
        val root = service.root.publicKey
        val aliceId = Identity.generate()
        val bobId = Identity.generate()
        val bobPrekeys = PrekeyStore(bobId, NOW).apply { generateOneTimePrekeys(1) }
        val alice = Store(File(dir, "alice.db").path, ByteArray(32) { 1 }, durable = false)
        val bob = Store(File(dir, "bob.db").path, ByteArray(32) { 2 }, durable = false)
        PrekeyStore(aliceId, NOW).use { alice.setDevice(aliceId, it) }
        bob.setDevice(bobId, bobPrekeys)
        val aliceCertificate = service.certify("alice", aliceId.publicKey, 1)
        val bobCertificate = service.certify("bob", bobId.publicKey, 2)

        // Alice starts a session from Bob's bundle and sends sealed.
        assertEquals(IdentityStatus.New, alice.initiate(bytes("bob"), bobPrekeys.bundle(bobId), NOW))
        assertError(SottoError.WRONG_TYPE) { alice.sendSealed(bytes("bob"), Content.Text("x"), bobCertificate, NOW_MS) }
        val sent = alice.sendSealed(bytes("bob"), Content.Text("sealed hello"), aliceCertificate, NOW_MS)
        assertTrue(sent.id > 0, "an outbox id")
        assertEquals(NOW_MS, sent.sentAtMs)
        assertTrue(!contains(sent.message, bytes("alice")), "the message names no sender")
        alice.ackOutgoing(sent.id)

        // Bob: refused under another root, expired, or tampered, with nothing committed.
        assertError(SottoError.INVALID_SIGNATURE) { bob.receiveSealed(bobId.publicKey, sent.message, NOW_MS) }
        assertError(SottoError.EXPIRED) { bob.receiveSealed(root, sent.message, EXPIRES_MS) }
        val tampered = sent.message.also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
        assertError(SottoError.DECRYPT_FAILED) { bob.receiveSealed(root, tampered, NOW_MS) }
        assertEquals(0, bob.pendingIncoming().size)

        // The genuine reception, filed under Alice's id.
        val got = bob.receiveSealed(root, sent.message, NOW_MS)
        assertEquals(bytes("alice"), got.contact)
        assertTrue(got.received.id > 0, "an inbox id")
        assertEquals(Content.Text("sealed hello"), got.received.content)
        assertEquals(NOW_MS, got.received.sentAtMs)
        assertEquals(bytes("alice"), bob.pendingIncoming().single().conversation)
        bob.ackIncoming(got.received.id)
        assertError(SottoError.DUPLICATE_MESSAGE) { bob.receiveSealed(root, sent.message, NOW_MS) }

        // Bob replies sealed on the session; Alice reads it as from Bob.
        val reply = bob.sendSealed(bytes("alice"), Content.Text("sealed reply"), bobCertificate, NOW_MS + 1)
        val back = alice.receiveSealed(root, reply.message, NOW_MS + 1)
        assertEquals(bytes("bob"), back.contact)
        assertEquals(Content.Text("sealed reply"), back.received.content)
        assertError(SottoError.INVALID_ARGUMENT) { alice.receiveSealed(root, reply.message, -1) }

        for (o in listOf(alice, bob, bobPrekeys, aliceId, bobId)) o.close()
    }
}
