package org.sotto

import java.io.File
import java.nio.file.Files

const val NOW_MS = 1_800_000_000_000L
const val DAY_MS = 86_400_000L

val contentTests = listOf(
    "content with a disappearing timer through two stores: the same times on both sides, expiry, purge, report" to {
        val dir = Files.createTempDirectory("sotto-kotlin-content").toFile()
        try {
            contentThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
    "group content and the group's timer through stores; a newer content type travels whole" to {
        val dir = Files.createTempDirectory("sotto-kotlin-group-content").toFile()
        try {
            groupContentThroughStores(dir)
        } finally {
            dir.deleteRecursively()
        }
    },
    "the envelope codec: every content round-trips, junk is the typed error" to {
        val bytes = Envelope.encode(Content.Text("hi"), NOW_MS, 60, NOW_MS - 1)
        assertEquals(Envelope(Content.Text("hi"), NOW_MS, 60, NOW_MS - 1, NOW_MS + 60_000), Envelope.decode(bytes))
        for (content in listOf(Content.AppBytes(byteArrayOf(0, -1)), Content.Other(1234, bytes("newer")))) {
            assertEquals(content, Envelope.decode(Envelope.encode(content, NOW_MS)).content)
        }
        // A timer change carries its own setting, set when it is sent, whatever the timer given.
        for (seconds in listOf(0L, 86400L, 0xFFFF_FFFFL)) {
            val change = Envelope.decode(Envelope.encode(Content.TimerChange(seconds), NOW_MS, 60, NOW_MS - 5))
            assertEquals(Content.TimerChange(seconds), change.content)
            assertEquals(seconds, change.timerSeconds)
            assertEquals(NOW_MS, change.timerSetAtMs)
        }
        assertEquals(null, Envelope.decode(Envelope.encode(Content.Text("x"), NOW_MS)).expiresAtMs)
        // A known type given as Other is read as that type.
        assertEquals(Content.Text("x"), Envelope.decode(Envelope.encode(Content.Other(ContentType.TEXT, bytes("x")), NOW_MS)).content)

        assertError(SottoError.MALFORMED) { Envelope.decode(bytes.copyOf(bytes.size - 1)) }
        for (junk in listOf(ByteArray(0), bytes("junk"), ByteArray(64) { -1 })) {
            assertThrows<SottoException> { Envelope.decode(junk) }
        }
        assertError(SottoError.MALFORMED) { Envelope.encode(Content.Other(ContentType.TEXT, byteArrayOf(-1)), NOW_MS) }
        assertError(SottoError.MALFORMED) { Envelope.encode(Content.Text("x"), NOW_MS, 60, NOW_MS + 1) }
        // Out of the C types' ranges: refused before anything is encoded.
        assertError(SottoError.INVALID_ARGUMENT) { Envelope.encode(Content.TimerChange(-1), NOW_MS) }
        assertError(SottoError.INVALID_ARGUMENT) { Envelope.encode(Content.TimerChange(1L shl 32), NOW_MS) }
        assertError(SottoError.INVALID_ARGUMENT) { Envelope.encode(Content.Other(70_000, bytes("x")), NOW_MS) }
        assertError(SottoError.INVALID_ARGUMENT) { Envelope.encode(Content.Text("x"), -1) }
        assertError(SottoError.INVALID_ARGUMENT) { Envelope.encode(Content.Text("x"), NOW_MS, 1L shl 32, 0) }
    },
)

/** A store for [identity] on a new file, with [prekeys] as its device's. */
private fun contentStore(dir: File, name: String, identity: Identity, prekeys: PrekeyStore): Store {
    val store = Store(File(dir, "$name.db").path, ByteArray(32) { name.length.toByte() }, durable = false)
    store.setDevice(identity, prekeys)
    return store
}

private fun contentThroughStores(dir: File) {
    val (aliceName, bobName) = bytes("alice") to bytes("bob")
    val aliceId = Identity.generate()
    val bobId = Identity.generate()
    val alicePrekeys = PrekeyStore(aliceId, NOW)
    val bobPrekeys = PrekeyStore(bobId, NOW).apply { generateOneTimePrekeys(1) }
    val alice = contentStore(dir, "alice", aliceId, alicePrekeys)
    val bob = contentStore(dir, "bob", bobId, bobPrekeys)
    assertEquals(IdentityStatus.New, alice.initiate(bobName, bobPrekeys.bundle(bobId), NOW))

    // Text, with no timer yet: the same timestamp on both sides.
    val hello = alice.send(bobName, Content.Text("hello"), NOW_MS)
    assertTrue(hello.id > 0, "an outbox id")
    assertEquals(NOW_MS, hello.sentAtMs)
    assertEquals(null, hello.expiresAtMs)
    alice.ackOutgoing(hello.id)
    val got = bob.receive(aliceName, hello.message, NOW_MS)
    assertTrue(got.id > 0, "an inbox id")
    assertEquals(Received(got.id, Content.Text("hello"), hello.sentAtMs, null, false, 0), got)
    bob.ackIncoming(got.id)
    assertEquals(DisappearingTimer(0, 0), bob.disappearingTimer(Conversation.Contact(aliceName)))

    // Alice turns on 24-hour messages; Bob gets the change and the timer.
    val change = alice.setDisappearingTimer(Conversation.Contact(bobName), 86400, NOW_MS + 1000)
    assertEquals(change.sentAtMs + DAY_MS, change.expiresAtMs)
    assertEquals(86400L, alice.disappearingTimer(Conversation.Contact(bobName)).seconds)
    val changed = bob.receive(aliceName, change.message, NOW_MS + 1000)
    assertEquals(Content.TimerChange(86400), changed.content)
    assertEquals(86400L, changed.timerSeconds)
    assertEquals(change.expiresAtMs, changed.expiresAtMs)
    assertEquals(DisappearingTimer(86400, change.sentAtMs), bob.disappearingTimer(Conversation.Contact(aliceName)))

    // The next message disappears at the same instant on both sides.
    val sent = alice.send(bobName, Content.AppBytes(byteArrayOf(1, 2, 3)), NOW_MS + 2000)
    assertEquals(sent.sentAtMs + 86_400_000, sent.expiresAtMs)
    val late = alice.send(bobName, Content.Text("too late"), NOW_MS + 3000)
    val gotBytes = bob.receive(aliceName, sent.message, NOW_MS + 2500)
    assertEquals(Content.AppBytes(byteArrayOf(1, 2, 3)), gotBytes.content)
    assertEquals(sent.sentAtMs, gotBytes.sentAtMs)
    assertEquals(sent.expiresAtMs, gotBytes.expiresAtMs)
    assertEquals(86400L, gotBytes.timerSeconds)

    // A message that arrives after its expiry: nothing to show or keep, and
    // a second delivery is a replay.
    val expired = bob.receive(aliceName, late.message, NOW_MS + 2 * DAY_MS)
    assertTrue(expired.expired, "arrived expired")
    assertEquals(0L, expired.id)
    assertEquals(null, expired.content)
    assertEquals(late.expiresAtMs, expired.expiresAtMs)
    assertError(SottoError.DUPLICATE_MESSAGE) { bob.receive(aliceName, late.message, NOW_MS + 2 * DAY_MS) }

    // The scheduler's next wake-up is the earliest expiry; the purge then
    // deletes the inbox entries.
    assertEquals(2, bob.pendingIncoming().size)
    assertEquals(change.expiresAtMs, bob.nextExpiry())
    assertEquals(Purged(0, 0), bob.purgeExpired(NOW_MS))
    assertEquals(Purged(2, 0), bob.purgeExpired(NOW_MS + 2 * DAY_MS))
    assertEquals(0, bob.pendingIncoming().size)
    assertEquals(null, bob.nextExpiry())

    // The account report: JSON naming the contact, without any message.
    val report = bob.accountReport(NOW_MS).trim()
    assertTrue(report.startsWith("{") && report.endsWith("}"), "a JSON object")
    assertTrue(report.contains("\"report_version\""), "the report's version")
    assertTrue(report.contains("alice"), "the contact")
    assertTrue(!report.contains("hello") && !report.contains("too late"), "no message content")

    // Junk and misuse are typed errors, with nothing changed.
    assertThrows<SottoException> { bob.receive(aliceName, bytes("junk"), NOW_MS) }
    assertError(SottoError.MALFORMED) { alice.send(bobName, Content.Text(""), NOW_MS) }
    assertError(SottoError.NOT_FOUND) { alice.send(bytes("nobody"), Content.Text("x"), NOW_MS) }
    assertError(SottoError.INVALID_ARGUMENT) { alice.send(bobName, Content.Text("x"), -1) }
    assertError(SottoError.INVALID_ARGUMENT) { alice.setDisappearingTimer(Conversation.Contact(bobName), -1, NOW_MS) }
    assertError(SottoError.INVALID_ARGUMENT) { bob.purgeExpired(-1) }

    listOf(alice, bob, alicePrekeys, bobPrekeys, aliceId, bobId).forEach { it.close() }
    assertThrows<IllegalStateException> { bob.nextExpiry() }
}

private fun groupContentThroughStores(dir: File) {
    val ids = List(2) { Identity.generate() }
    val keys = ids.map { it.publicKey }
    val gid = bytes("team")
    val a = Group(ids[0], gid, listOf(keys[1]))
    val b = Group(ids[1], gid, listOf(keys[0]))
    b.processDistribution(keys[0], a.distribution())
    val sa = Store(File(dir, "a.db").path, ByteArray(32) { 1 }, durable = false)
    val sb = Store(File(dir, "b.db").path, ByteArray(32) { 2 }, durable = false)
    sa.save(a, gid)
    sb.save(b, gid)

    val hi = sa.groupSend(gid, Content.Text("to the team"), NOW_MS)
    val got = sb.groupReceive(gid, keys[0], hi.message, NOW_MS)
    assertEquals(Content.Text("to the team"), got.content)
    assertEquals(hi.sentAtMs, got.sentAtMs)
    assertError(SottoError.DUPLICATE_MESSAGE) { sb.groupReceive(gid, keys[0], hi.message, NOW_MS) }

    val change = sa.setDisappearingTimer(Conversation.Group(gid), 3600, NOW_MS + 1000)
    val changed = sb.groupReceive(gid, keys[0], change.message, NOW_MS + 1000)
    assertEquals(Content.TimerChange(3600), changed.content)
    assertEquals(3600L, sb.disappearingTimer(Conversation.Group(gid)).seconds)
    assertEquals(Conversation.Group(bytes("team")), Conversation.Group(gid))
    assertTrue(Conversation.Group(gid) != Conversation.Contact(gid), "a group is not a contact of the same name")

    // A content type this release does not read travels whole.
    val newer = sa.groupSend(gid, Content.Other(900, byteArrayOf(9, 9)), NOW_MS + 2000)
    assertEquals(newer.sentAtMs + 3_600_000, newer.expiresAtMs)
    val gotNewer = sb.groupReceive(gid, keys[0], newer.message, NOW_MS + 2000)
    assertEquals(Content.Other(900, byteArrayOf(9, 9)), gotNewer.content)
    assertEquals(newer.expiresAtMs, gotNewer.expiresAtMs)
    Identity.generate().use { stranger ->
        assertThrows<SottoException> { sb.groupReceive(gid, stranger.publicKey, newer.message, NOW_MS + 2000) }
    }

    (listOf(a, b, sa, sb) + ids).forEach { it.close() }
}
