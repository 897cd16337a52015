package org.sotto

import java.io.File
import java.nio.file.Files

private val CALL_ID = ByteArray(CALL_ID_LEN) { (it + 1).toByte() }

val callsTests = listOf(
    "a 1:1 offer through its encoding: the same SRTP keys on both sides, different per direction" to {
        CallSignal.offer(CALL_ID, video = true).use { offer ->
            assertEquals(CallSignalKind.OFFER, offer.kind)
            assertTrue(offer.video && offer.hasSecret && offer.epoch == 0L, "an offer: $offer")
            assertEquals(CALL_ID, offer.callId)
            assertEquals(emptyList<Long>(), offer.participants)
            val body = offer.encode()
            CallSignal.decode(body).use { got ->
                assertEquals(CallSignalKind.OFFER, got.kind)
                assertEquals(CALL_ID, got.callId)
                assertTrue(got.video && got.hasSecret, "decoded: $got")
                for (profile in SrtpProfile.entries) {
                    val caller = offer.srtp(profile, CallDirection.CALLER)
                    val callee = offer.srtp(profile, CallDirection.CALLEE)
                    assertEquals(profile.keyLength, caller.key.size)
                    assertEquals(profile.saltLength, caller.salt.size)
                    assertEquals(caller.key, got.srtp(profile, CallDirection.CALLER).key)
                    assertEquals(caller.salt, got.srtp(profile, CallDirection.CALLER).salt)
                    assertEquals(callee.key, got.srtp(profile, CallDirection.CALLEE).key)
                    assertTrue(!caller.key.contentEquals(callee.key), "each direction its own key")
                    caller.wipe()
                    assertEquals(ByteArray(profile.keyLength), caller.key)
                }
            }
            // Another offer (another device) has another secret.
            CallSignal.offer(CALL_ID, video = true).use { other ->
                assertTrue(
                    !other.srtp(SrtpProfile.AEAD_AES_256_GCM, CallDirection.CALLER).key
                        .contentEquals(offer.srtp(SrtpProfile.AEAD_AES_256_GCM, CallDirection.CALLER).key),
                    "a secret per offer",
                )
            }
        }
        CallSignal.answer(CALL_ID).use { answer ->
            val back = CallSignal.decode(answer.encode())
            back.use {
                assertEquals(CallSignalKind.ANSWER, it.kind)
                assertTrue(!it.hasSecret && !it.video, "an answer has no secret")
                assertError(SottoError.INVALID_ARGUMENT) { it.srtp(SrtpProfile.AES128_CM_HMAC_SHA1_80, CallDirection.CALLER) }
            }
            assertThrows<IllegalStateException> { back.encode() }
        }
        for ((signal, kind) in listOf(CallSignal.leave(CALL_ID) to CallSignalKind.LEAVE, CallSignal.end(CALL_ID) to CallSignalKind.END)) {
            signal.use { assertEquals(kind, CallSignal.decode(it.encode()).use { s -> s.kind }) }
        }
        // Misuse.
        assertError(SottoError.INVALID_ARGUMENT) { CallSignal.offer(ByteArray(15), false) }
        assertError(SottoError.MALFORMED) { CallSignal.keyUpdate(CALL_ID, 1, listOf(1L, 1L)) }
        assertError(SottoError.LIMIT_EXCEEDED) { CallSignal.keyUpdate(CALL_ID, 1, (0L..32L).toList()) }
        assertError(SottoError.INVALID_ARGUMENT) { CallSignal.keyUpdate(CALL_ID, 1, listOf(-1L)) }
        assertError(SottoError.INVALID_ARGUMENT) { CallSignal.keyUpdate(CALL_ID, -1, listOf(0L)) }
        assertThrows<SottoException> { CallSignal.decode(bytes("junk")) }
        val truncated = CallSignal.offer(CALL_ID, false).use { it.encode() }.let { it.copyOf(it.size - 1) }
        assertError(SottoError.MALFORMED) { CallSignal.decode(truncated) }
    },
    "a group call: three parties, a fourth joins, one leaves and cannot read the new epoch" to {
        groupCall()
    },
    "SFrame: a replayed frame is a duplicate, a tampered one refused, into caller arrays" to {
        val key = ByteArray(16) { it.toByte() }
        for (suite in SframeSuite.entries) {
            SframeEncryptor(suite, 7, key).use { e ->
                SframeDecryptor(suite).use { d ->
                    d.addKey(7, key)
                    assertError(SottoError.DUPLICATE_MESSAGE) { d.addKey(7, key) }
                    val frame = ByteArray(1200) { (it * 3).toByte() }
                    val meta = bytes("rtp header")
                    // Zero-copy: from an offset of one array into another.
                    val input = ByteArray(1300).also { frame.copyInto(it, 50) }
                    val need = e.sframeLength(frame.size)
                    assertTrue(need > frame.size && need <= frame.size + SframeSuite.MAX_HEADER_LEN + 16, "grows a little: $need")
                    val out = ByteArray(need + 10)
                    assertError(SottoError.BUFFER_TOO_SMALL) { e.encrypt(meta, input, 50, frame.size, ByteArray(need - 1), 0) }
                    val n = e.encrypt(meta, input, 50, frame.size, out, 10)
                    assertEquals(need, n)
                    val sframe = out.copyOfRange(10, 10 + n)
                    val plain = ByteArray(2000)
                    val info = d.decrypt(meta, out, 10, n, plain, 100)
                    assertEquals(SframeInfo(7, 0, frame.size), info)
                    assertEquals(frame, plain.copyOfRange(100, 100 + info.length))
                    assertError(SottoError.DUPLICATE_MESSAGE) { d.decrypt(sframe, meta) }
                    val next = e.encrypt(frame, meta)
                    val tampered = next.copyOf().also { it[it.size - 1] = (it[it.size - 1].toInt() xor 1).toByte() }
                    assertError(SottoError.DECRYPT_FAILED) { d.decrypt(tampered, meta) }
                    assertError(SottoError.DECRYPT_FAILED) { d.decrypt(next, bytes("other metadata")) }
                    assertError(SottoError.BUFFER_TOO_SMALL) { d.decrypt(meta, next, 0, next.size, ByteArray(10), 0) }
                    // Nothing moved: the real frame still decrypts, once.
                    val (got, bytes) = d.decrypt(next, meta)
                    assertEquals(1L, got.counter)
                    assertEquals(frame, bytes)
                    d.removeKey(7)
                    assertError(SottoError.NOT_FOUND) { d.removeKey(7) }
                    assertError(SottoError.UNKNOWN_SENDER_KEY) { d.decrypt(e.encrypt(frame, meta), meta) }
                }
            }
        }
        // A key id crosses as its 64 bits.
        val kid = -2L
        SframeEncryptor(SframeSuite.AES_128_GCM_SHA256_128, kid, key).use { e ->
            SframeDecryptor(SframeSuite.AES_128_GCM_SHA256_128).use { d ->
                d.addKey(kid, key)
                assertEquals(kid, d.decrypt(e.encrypt(bytes("x"))).first.kid)
            }
        }
        assertError(SottoError.INVALID_KEY) { SframeEncryptor(SframeSuite.AES_128_GCM_SHA256_128, 1, ByteArray(0)) }
    },
    "the offer guard refuses a replayed offer, and old or future ones" to {
        OfferGuard().use { g ->
            val now = NOW_MS
            g.admit(CALL_ID, now - 1_000, now)
            assertError(SottoError.DUPLICATE_MESSAGE) { g.admit(CALL_ID, now - 1_000, now) }
            val other = ByteArray(CALL_ID_LEN) { 9 }
            assertError(SottoError.EXPIRED) { g.admit(other, now - 61_000, now) }
            assertError(SottoError.STALE) { g.admit(other, now + 31_000, now) }
            assertError(SottoError.INVALID_ARGUMENT) { g.admit(other, -1, now) }
            g.admit(other, now, now)
        }
    },
    "a plain group is not hosted" to {
        val dir = Files.createTempDirectory("sotto-kotlin-calls").toFile()
        try {
            Identity.generate().use { alice ->
                Identity.generate().use { bob ->
                    Store(File(dir, "a.db").path, ByteArray(32) { 3 }, durable = false).use { store ->
                        val gid = bytes("team")
                        Group(alice, gid, listOf(bob.publicKey)).use { store.save(it, gid) }
                        assertEquals(false, store.isGroupHosted(gid))
                        assertError(SottoError.NOT_FOUND) { store.isGroupHosted(bytes("other")) }
                    }
                }
            }
        } finally {
            dir.deleteRecursively()
        }
    },
)

/**
 * Participants 0, 1 and 2 start a call; 3 joins (epoch 2); 1 leaves
 * (epoch 3): 1 gets no key update and cannot read epoch 3's frames.
 */
private fun groupCall() {
    val suite = SframeSuite.AES_128_GCM_SHA256_128
    val calls = List(4) { GroupCall(CALL_ID, suite, it.toLong()) }
    val t0 = NOW_MS
    try {
        assertError(SottoError.UNKNOWN_SENDER_KEY) { calls[0].encrypt(bytes("too early")) }
        // Epoch 1: the offer, one per device (here one message decoded by each).
        CallSignal.keyUpdate(CALL_ID, 1, listOf(0L, 1L, 2L)).use { update ->
            val body = update.encode()
            for (i in 0..2) CallSignal.decode(body).use { calls[i].install(it, t0) }
            assertError(SottoError.NOT_A_MEMBER) { CallSignal.decode(body).use { calls[3].install(it, t0) } }
            assertError(SottoError.STALE) { calls[0].install(update, t0) }
        }
        val hello = calls[1].encrypt(bytes("hello from 1"), bytes("m"))
        for (r in listOf(0, 2)) {
            val (frame, plain) = calls[r].decrypt(hello, t0, bytes("m"))
            assertEquals(CallFrame(1, 1, 12), frame)
            assertEquals(bytes("hello from 1"), plain)
        }
        assertError(SottoError.DUPLICATE_MESSAGE) { calls[0].decrypt(hello, t0, bytes("m")) }
        assertError(SottoError.UNKNOWN_SENDER_KEY) { calls[3].decrypt(hello, t0, bytes("m")) }

        val late = ByteArray(64)
        val inFlight = late.copyOf(calls[2].encrypt(ByteArray(0), bytes("late"), 0, 4, late, 0))

        // Epoch 2: participant 3 joins.
        CallSignal.keyUpdate(CALL_ID, 2, listOf(0L, 1L, 2L, 3L)).use { update ->
            for (c in calls) c.install(update, t0 + 1_000)
        }
        val fromJoiner = calls[3].encrypt(bytes("hi, I'm 3"))
        for (r in 0..2) assertEquals(CallFrame(2, 3, 9), calls[r].decrypt(fromJoiner, t0 + 1_000).first)
        // A frame of epoch 1 still in flight plays during the overlap.
        assertEquals(CallFrame(1, 2, 4), calls[0].decrypt(inFlight, t0 + 1_500).first)

        // Epoch 3: participant 1 leaves, and gets no key update.
        CallSignal.leave(CALL_ID).use { assertEquals(CallSignalKind.LEAVE, it.kind) }
        CallSignal.keyUpdate(CALL_ID, 3, listOf(0L, 2L, 3L)).use { update ->
            for (i in listOf(0, 2, 3)) calls[i].install(update, t0 + 2_000)
            assertError(SottoError.NOT_A_MEMBER) { calls[1].install(update, t0 + 2_000) }
        }
        val secret = calls[0].encrypt(bytes("after 1 left"))
        for (r in listOf(2, 3)) {
            val (frame, plain) = calls[r].decrypt(secret, t0 + 2_000)
            assertEquals(CallFrame(3, 0, 12), frame)
            assertEquals(bytes("after 1 left"), plain)
        }
        assertError(SottoError.UNKNOWN_SENDER_KEY) { calls[1].decrypt(secret, t0 + 2_000) }
        // Zero-copy into a caller array, from an offset.
        val buf = ByteArray(100)
        val next = calls[3].encrypt(bytes("zero copy"))
        val f = calls[0].decrypt(ByteArray(0), next, 0, next.size, buf, 5, t0 + 2_000)
        assertEquals(CallFrame(3, 3, 9), f)
        assertEquals(bytes("zero copy"), buf.copyOfRange(5, 5 + f.length))
        // The old epoch's keys are gone once the overlap ends.
        val old = calls[1].encrypt(bytes("stale"))
        assertError(SottoError.UNKNOWN_SENDER_KEY) { calls[0].decrypt(old, t0 + 10_000) }

        // Another call's key update is refused; so is one with no secret.
        CallSignal.keyUpdate(ByteArray(CALL_ID_LEN), 9, listOf(0L)).use { other ->
            assertError(SottoError.WRONG_TYPE) { calls[0].install(other, t0) }
        }
        CallSignal.answer(CALL_ID).use { assertError(SottoError.INVALID_ARGUMENT) { calls[0].install(it, t0) } }
        assertError(SottoError.INVALID_ARGUMENT) { GroupCall(CALL_ID, suite, -1) }
        assertError(SottoError.INVALID_ARGUMENT) { GroupCall(ByteArray(3), suite, 0) }
    } finally {
        calls.forEach { it.close() }
    }
}
