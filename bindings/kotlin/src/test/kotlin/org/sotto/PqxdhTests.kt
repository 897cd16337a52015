package org.sotto

import java.io.File
import java.nio.file.Files

/** Where a bundle's flags byte is, its post-quantum flag, and the length of its post-quantum section (at its end). */
private const val FLAGS_AT = 2 + 64 + 4 + 8 + 32 + 64
private const val FLAG_PQ = 0x02
private const val PQ_SECTION_LEN = 1 + 4 + 8 + 1568 + 64

/** [bundle] without its post-quantum prekey, as a server that downgrades would hand it out. */
fun stripPq(bundle: ByteArray): ByteArray {
    val out = bundle.copyOf(bundle.size - PQ_SECTION_LEN)
    out[FLAGS_AT] = (out[FLAGS_AT].toInt() and FLAG_PQ.inv()).toByte()
    return out
}

val pqxdhTests = listOf(
    "PQXDH over a one-time and the last-resort post-quantum prekey: both sides are post-quantum" to {
        Identity.generate().use { alice ->
            Identity.generate().use { bob ->
                PrekeyStore(bob, NOW).use { prekeys ->
                    assertEquals(0, prekeys.pqOneTimePrekeyCount)
                    prekeys.generatePqOneTimePrekeys(bob, 2, NOW)
                    assertEquals(2, prekeys.pqOneTimePrekeyCount)
                    prekeys.generateOneTimePrekeys(3)
                    // Refused, adding none: another identity, past the limit, a negative index.
                    assertError(SottoError.INVALID_SIGNATURE) { prekeys.generatePqOneTimePrekeys(alice, 1, NOW) }
                    assertError(SottoError.LIMIT_EXCEEDED) { prekeys.generatePqOneTimePrekeys(bob, 99, NOW) }
                    assertError(SottoError.INVALID_ARGUMENT) { prekeys.generatePqOneTimePrekeys(bob, -1, NOW) }
                    assertError(SottoError.INVALID_ARGUMENT) { prekeys.bundle(bob, 0, 2) }
                    assertError(SottoError.INVALID_ARGUMENT) { prekeys.bundle(bob, 0, -1) }
                    assertError(SottoError.INVALID_ARGUMENT) { prekeys.bundle(bob, 3, 0) }
                    assertError(SottoError.INVALID_ARGUMENT) { prekeys.bundle(bob, -1, 0) }
                    assertEquals(2, prekeys.pqOneTimePrekeyCount)
                    for (pqIndex in listOf(1, null)) {
                        val bundle = prekeys.bundle(bob, 0, pqIndex)
                        Session.initiate(alice, bundle, PqPolicy.REQUIRE).use { a ->
                            assertTrue(a.isPostQuantum, "the initiator's session is post-quantum")
                            val (b, text) = prekeys.accept(bob, a.encrypt(bytes("post-quantum hello")), NOW)
                            b.use {
                                assertEquals(bytes("post-quantum hello"), text)
                                assertTrue(it.isPostQuantum, "the responder's session is post-quantum")
                                assertEquals(bytes("reply"), a.decrypt(it.encrypt(bytes("reply"))))
                            }
                        }
                    }
                    // The one-time post-quantum prekey was used; the last-resort one stays.
                    assertEquals(1, prekeys.pqOneTimePrekeyCount)
                    // The plain bundle carries the last-resort one.
                    Session.initiate(alice, prekeys.bundle(bob, 0)).use { assertTrue(it.isPostQuantum, "the default bundle is post-quantum") }
                }
            }
        }
    },
    "require refuses a stripped bundle and a classical first message; prefer takes them as X3DH" to {
        Identity.generate().use { alice ->
            Identity.generate().use { bob ->
                PrekeyStore(bob, NOW).use { prekeys ->
                    val stripped = stripPq(prekeys.bundle(bob, null, null))
                    assertError(SottoError.POST_QUANTUM_REQUIRED) { Session.initiate(alice, stripped, PqPolicy.REQUIRE) }
                    Session.initiate(alice, stripped, PqPolicy.PREFER).use { a ->
                        assertTrue(!a.isPostQuantum, "a session from a stripped bundle is classical")
                        val first = a.encrypt(bytes("classical"))
                        assertEquals(PqPolicy.PREFER, prekeys.pqPolicy)
                        prekeys.pqPolicy = PqPolicy.REQUIRE
                        assertEquals(PqPolicy.REQUIRE, prekeys.pqPolicy)
                        val before = prekeys.exported()
                        assertError(SottoError.POST_QUANTUM_REQUIRED) { prekeys.accept(bob, first, NOW) }
                        assertEquals(before, prekeys.exported())
                        // The policy is kept in the store's state.
                        PrekeyStore.fromExported(before).use { assertEquals(PqPolicy.REQUIRE, it.pqPolicy) }
                        prekeys.pqPolicy = PqPolicy.PREFER
                        prekeys.accept(bob, first, NOW).session.use { assertTrue(!it.isPostQuantum, "accepted as X3DH") }
                    }
                }
            }
        }
    },
    "a store's post-quantum policy round-trips and guards initiate; isPostQuantum per contact" to {
        val dir = Files.createTempDirectory("sotto-kotlin-pqxdh").toFile()
        try {
            pqxdhThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
)

private fun pqxdhThroughStores(dir: File) {
    val aliceId = Identity.generate()
    val bobId = Identity.generate()
    val bobPrekeys = PrekeyStore(bobId, NOW)
    val alice = Store(File(dir, "alice.db").path, ByteArray(32) { 1 }, durable = false)
    val bob = Store(File(dir, "bob.db").path, ByteArray(32) { 2 }, durable = false)
    assertError(SottoError.NO_DEVICE_IDENTITY) { alice.pqPolicy() }
    PrekeyStore(aliceId, NOW).use { alice.setDevice(aliceId, it) }
    bob.setDevice(bobId, bobPrekeys)

    assertEquals(PqPolicy.PREFER, alice.pqPolicy())
    alice.setPqPolicy(PqPolicy.REQUIRE)
    assertEquals(PqPolicy.REQUIRE, alice.pqPolicy())
    assertError(SottoError.NOT_FOUND) { alice.isPostQuantum(bytes("bob")) }

    // A downgraded bundle is refused before anything is recorded.
    val bundle = bobPrekeys.bundle(bobId, null, null)
    assertError(SottoError.POST_QUANTUM_REQUIRED) { alice.initiate(bytes("bob"), stripPq(bundle), NOW) }
    assertEquals(null, alice.trustRecord(bytes("bob")))
    assertError(SottoError.NOT_FOUND) { alice.isPostQuantum(bytes("bob")) }

    // The genuine bundle: PQXDH on both sides.
    assertEquals(IdentityStatus.New, alice.initiate(bytes("bob"), bundle, NOW))
    assertTrue(alice.isPostQuantum(bytes("bob")), "Alice's session is post-quantum")
    val out = alice.encrypt(bytes("bob"), bytes("pq via stores"))
    assertEquals(bytes("pq via stores"), bob.decrypt(bytes("alice"), out.message, NOW).plaintext)
    assertTrue(bob.isPostQuantum(bytes("alice")), "Bob's session is post-quantum")

    // Under prefer, the stripped bundle starts a classical session.
    alice.setPqPolicy(PqPolicy.PREFER)
    assertEquals(PqPolicy.PREFER, alice.pqPolicy())
    alice.initiate(bytes("bob"), stripPq(bundle), NOW)
    assertTrue(!alice.isPostQuantum(bytes("bob")), "the new session is classical")

    listOf(alice, bob, bobPrekeys, aliceId, bobId).forEach { it.close() }
}
