package org.sotto

private fun fix(seq: Long) = Location(
    latitudeE7 = 515_007_000 + seq.toInt(), longitudeE7 = -1_246_000, accuracyCm = 500,
    speedCmS = 140, timestampMs = NOW * 1000 + seq, sequence = seq,
)

val locationTests = listOf(
    "live location: gaps, a late viewer, staleness and the end time" to {
        val sharer = Identity.generate()
        val viewer = Identity.generate()
        val late = Identity.generate()
        val ctx = bytes("chat-42")
        val share = LocationShare(sharer, ctx, listOf(viewer.publicKey), NOW + 3600, Precision.EXACT)
        // Only with the sharer's identity: the viewer's own is refused.
        assertError(SottoError.INVALID_SIGNATURE) { LocationViewer(ctx, viewer.publicKey, share.distribution()) }
        val v = LocationViewer(ctx, sharer.publicKey, share.distribution())
        val first = share.encrypt(fix(1), NOW)
        assertEquals(fix(1), v.decrypt(first, NOW))
        // 2000 updates lost: the viewer catches up from the next one.
        repeat(2000) { share.encrypt(fix(2L + it), NOW) }
        val u = share.encrypt(fix(5000), NOW + 10)
        assertEquals(first.size, u.size)
        assertEquals(fix(5000), v.decrypt(u, NOW + 10))
        assertError(SottoError.STALE) { v.decrypt(first, NOW + 10) }
        // A viewer added now reads from here on.
        val l = LocationViewer(ctx, sharer.publicKey, share.addViewer(late.publicKey))
        assertEquals(fix(5001), l.decrypt(share.encrypt(fix(5001), NOW + 11), NOW + 11))
        // Altitude and heading survive; the share ends at its end time.
        val full = fix(5002).copy(altitudeCm = 3_500, headingCentideg = 27_000)
        assertEquals(full, v.decrypt(share.encrypt(full, NOW + 12), NOW + 12))
        assertError(SottoError.EXPIRED) { share.encrypt(fix(5003), NOW + 3601) }
        assertError(SottoError.INVALID_LOCATION) { share.encrypt(fix(5004).copy(latitudeE7 = 910_000_000), NOW + 13) }
        LocationViewer.fromExported(v.exported()).use { assertError(SottoError.STALE) { it.decrypt(u, NOW + 12) } }
        // The late viewer is removed: the share rekeys, the other viewer follows, the removed one cannot.
        v.processDistribution(share.removeViewer(late.publicKey))
        val rekeyed = share.encrypt(fix(5005), NOW + 14)
        assertEquals(fix(5005), v.decrypt(rekeyed, NOW + 14))
        assertError(SottoError.UNKNOWN_SENDER_KEY) { l.decrypt(rekeyed, NOW + 14) }
        assertError(SottoError.NOT_A_MEMBER) { share.removeViewer(late.publicKey) }
        listOf(share, v, l, sharer, viewer, late).forEach { it.close() }
    },
)
