package org.sotto

/** Bob's prekeys with three one-time prekeys, and a session each way after Alice's first message. */
class Pair(val alice: Identity, val bob: Identity, val prekeys: PrekeyStore, val a: Session, val b: Session)

fun pair(): Pair {
    val alice = Identity.generate()
    val bob = Identity.generate()
    val prekeys = PrekeyStore(bob, NOW)
    prekeys.generateOneTimePrekeys(3)
    val a = Session.initiate(alice, prekeys.bundle(bob))
    val first = a.encrypt(bytes("hello"))
    assertEquals(MessageKind.PREKEY, Session.kindOf(first))
    assertEquals(alice.publicKey, Session.prekeyMessageIdentity(first))
    val (b, text) = prekeys.accept(bob, first, NOW)
    assertEquals(bytes("hello"), text)
    assertEquals(alice.publicKey, b.remoteIdentity)
    return Pair(alice, bob, prekeys, a, b)
}

val sessionTests = listOf(
    "1:1 out-of-order delivery, then a replay is refused" to {
        val p = pair()
        assertEquals(2, p.prekeys.oneTimePrekeyCount)
        val messages = (0 until 5).map { p.a.encrypt(bytes("m$it")) }
        // Alice's messages can start a session until she hears back.
        assertEquals(MessageKind.PREKEY, Session.kindOf(messages[0]))
        for (i in listOf(4, 0, 3, 1, 2)) assertEquals(bytes("m$i"), p.b.decrypt(messages[i]))
        assertError(SottoError.DUPLICATE_MESSAGE) { p.b.decrypt(messages[2]) }
        val reply = p.b.encrypt(bytes("reply"))
        assertEquals(MessageKind.NORMAL, Session.kindOf(reply))
        assertEquals(bytes("reply"), p.a.decrypt(reply))
        assertEquals(MessageKind.NORMAL, Session.kindOf(p.a.encrypt(bytes("now normal"))))
    },
    "1:1 restart from exported and sealed state" to {
        val p = pair()
        val saved = p.b.exported()
        val key = ByteArray(32) { 9 }
        val sealed = p.b.sealed(key)
        p.b.close()
        val m = p.a.encrypt(bytes("after restart"))
        Session.fromExported(saved).use { assertEquals(bytes("after restart"), it.decrypt(m)) }
        Session.fromSealed(sealed, key).use { assertEquals(bytes("after restart"), it.decrypt(m)) }
        assertError(SottoError.DECRYPT_FAILED) { Session.fromSealed(sealed, ByteArray(32) { 8 }) }
        // The prekey store survives a restart too, without the used one-time prekey,
        // and a rotated signed prekey starts new sessions.
        PrekeyStore.fromExported(p.prekeys.exported()).use { assertEquals(2, it.oneTimePrekeyCount) }
        p.prekeys.rotateSignedPrekey(p.bob, NOW + 86_400)
        Identity.generate().use { carol ->
            val s = Session.initiate(carol, p.prekeys.bundle(p.bob, 1))
            assertEquals(bytes("new prekey"), p.prekeys.accept(p.bob, s.encrypt(bytes("new prekey")), NOW + 86_400).plaintext)
        }
    },
    "1:1 tampering is refused and changes nothing" to {
        val p = pair()
        val m = p.a.encrypt(bytes("genuine"))
        val bad = m.copyOf()
        bad[bad.size - 1] = (bad[bad.size - 1].toInt() xor 1).toByte()
        assertError(SottoError.DECRYPT_FAILED) { p.b.decrypt(bad) }
        assertEquals(bytes("genuine"), p.b.decrypt(m))
        assertError(SottoError.MALFORMED) { Session.fromExported(p.b.exported().copyOf(40)) }
        assertError(SottoError.WRONG_TYPE) { Session.fromExported(p.prekeys.exported()) }
        assertError(SottoError.MALFORMED) { p.b.decrypt(m.copyOf(20)) }
        assertError(SottoError.MALFORMED) { p.b.decrypt(ByteArray(0)) }
    },
    "sealed identity needs its key; bad arguments are typed errors" to {
        Identity.generate().use { id ->
            val key = ByteArray(32) { 7 }
            val sealed = id.sealed(key)
            Identity.fromSealed(sealed, key).use { assertEquals(id.publicKey, it.publicKey) }
            assertError(SottoError.DECRYPT_FAILED) { Identity.fromSealed(sealed, ByteArray(32) { 8 }) }
            assertError(SottoError.INVALID_ARGUMENT) { id.sealed(ByteArray(31)) }
            assertError(SottoError.INVALID_ARGUMENT) { PrekeyStore(id, -1) }
            assertError(SottoError.MALFORMED) { IdentityKey(ByteArray(63)) }
            assertEquals("decryption failed", SottoError.DECRYPT_FAILED.description)
        }
    },
)
