package org.sotto

val verifyTests = listOf(
    "security codes: same digits on both sides, QR compare" to {
        val a = Identity.generate().publicKey
        val b = Identity.generate().publicKey
        val mine = SecurityCode(a, bytes("+441234"), b, bytes("+445678"))
        val theirs = SecurityCode(b, bytes("+445678"), a, bytes("+441234"))
        assertEquals(60, mine.digits.length)
        assertTrue(mine.digits.all { it in '0'..'9' }, "60 decimal digits")
        assertEquals(mine.digits, theirs.digits)
        assertEquals(ScanResult.MATCH, mine.compare(theirs.scannable))
        val other = SecurityCode(a, bytes("+441234"), Identity.generate().publicKey, bytes("+445678"))
        assertEquals(ScanResult.MISMATCH, mine.compare(other.scannable))
        assertError(SottoError.MALFORMED) { mine.compare(mine.scannable.copyOf(10)) }
        assertError(SottoError.MALFORMED) { mine.compare(ByteArray(0)) }
        assertEquals(ScanResult.VERSION_MISMATCH, mine.compare(ByteArray(66) { 9 }))
        listOf(mine, theirs, other).forEach { it.close() }
    },
    "trust store catches a changed identity and blocks sending" to {
        val trust = TrustStore()
        val first = Identity.generate().publicKey
        val second = Identity.generate().publicKey
        val bob = bytes("bob")
        assertEquals(IdentityStatus.New, trust.observe(bob, first, NOW))
        trust.setVerified(bob, first, true)
        assertEquals(IdentityStatus.Known(verified = true), trust.observe(bob, first, NOW))
        assertEquals(IdentityStatus.Changed(first, wasVerified = true, blocked = true), trust.observe(bob, second, NOW))
        assertError(SottoError.UNTRUSTED_IDENTITY) { trust.check(bob, second) }
        assertError(SottoError.UNKNOWN_CONTACT) { trust.check(bytes("nobody"), second) }
        trust.acceptChange(bob, second, NOW)
        trust.check(bob, second)
        TrustStore.fromExported(trust.exported()).use { it.check(bob, second) }

        // encryptChecked refuses a session whose identity is not the trusted one.
        val p = pair()
        val t = TrustStore()
        t.observe(bob, Identity.generate().publicKey, NOW)
        assertError(SottoError.UNTRUSTED_IDENTITY) { p.a.encryptChecked(t, bob, bytes("x")) }
        assertTrue(t.observe(bob, p.bob.publicKey, NOW) is IdentityStatus.Changed, "changed")
        t.acceptChange(bob, p.bob.publicKey, NOW)
        assertEquals(bytes("ok"), p.b.decrypt(p.a.encryptChecked(t, bob, bytes("ok"))))
    },
)
