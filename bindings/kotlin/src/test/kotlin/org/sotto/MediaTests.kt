package org.sotto

import java.io.ByteArrayInputStream
import java.io.ByteArrayOutputStream
import java.io.File
import java.io.FilterInputStream
import java.io.InputStream
import java.nio.file.Files

/** 1 MiB and odd bytes, no two chunks alike. */
private val plain = ByteArray((1 shl 20) + 123) { i -> (i * 31 + (i shr 9)).toByte() }

/** An input stream that hands out at most [piece] bytes a read, as a socket does. */
private class Trickle(bytes: ByteArray, private val piece: Int) : FilterInputStream(ByteArrayInputStream(bytes)) {
    override fun read(b: ByteArray, off: Int, len: Int): Int = super.read(b, off, minOf(len, piece))
}

/** The plaintext encrypted through the stream adapter: the blob and its attachment. */
private fun encrypted(): kotlin.Pair<ByteArray, Attachment> {
    val blob = ByteArrayOutputStream()
    val attachment = Attachments.encrypt(Trickle(plain, 7777), blob)
    return kotlin.Pair(blob.toByteArray(), attachment)
}

/** Decrypts [blob] against [descriptor] through the stream adapter. */
private fun decrypted(descriptor: ByteArray, blob: InputStream, into: ByteArrayOutputStream = ByteArrayOutputStream()): ByteArray {
    Attachments.decrypt(descriptor, blob, into)
    return into.toByteArray()
}

/** [a] with one bit of its key or hash flipped. */
private fun flipped(a: Attachment, key: Boolean): Attachment {
    val k = a.key
    val h = a.ciphertextSha256
    (if (key) k else h)[7] = ((if (key) k else h)[7].toInt() xor 1).toByte()
    return Attachment(k, h, a.plaintextLength, a.ciphertextLength, a.dimensions, a.durationMs)
}

val mediaTests = listOf(
    "an attachment of 1 MiB and odd bytes through the stream adapters and back" to {
        val (blob, attachment) = encrypted()
        assertEquals(plain.size.toLong(), attachment.plaintextLength)
        assertEquals(blob.size.toLong(), attachment.ciphertextLength)
        assertTrue(blob.size > plain.size + Attachments.CHUNK_HEADER_LEN, "every chunk has its tag")
        val descriptor = attachment.copy(dimensions = Dimensions(640, 480)).descriptor("image/png", bytes("thumb"))
        assertEquals(plain, decrypted(descriptor, Trickle(blob, 40000)))
        // Another key each time.
        val (other, again) = encrypted()
        assertTrue(!again.key.contentEquals(attachment.key) && !other.contentEquals(blob), "a fresh key")
    },
    "the encryptor and decryptor in caller-sized pieces, and a closed stream" to {
        val e = AttachmentEncryptor()
        val blob = ByteArrayOutputStream()
        var at = 0
        while (at < plain.size) {
            val n = minOf(5000, plain.size - at)
            assertEquals(e.updateLength(n), e.update(plain, at, n).also { blob.write(it) }.size)
            at += n
        }
        val short = ByteArray(e.finishLength() - 1)
        assertError(SottoError.BUFFER_TOO_SMALL) { e.finish(short, 0) }
        val (last, attachment) = e.finish()
        blob.write(last)
        assertError(SottoError.STREAM_CLOSED) { e.finish() }
        e.close()
        assertThrows<IllegalStateException> { e.update(plain) }
        val bytes = blob.toByteArray()
        assertEquals(attachment.ciphertextLength, bytes.size.toLong())
        AttachmentDecryptor(attachment.descriptor("application/octet-stream")).use { d ->
            val out = ByteArrayOutputStream()
            out.write(d.update(bytes, 0, 100))
            out.write(d.update(bytes, 100, bytes.size - 100))
            out.write(d.finish())
            assertEquals(plain, out.toByteArray())
        }
        // Arrays too short, ranges outside them, and kinds that do not exist are refused, changing nothing.
        AttachmentEncryptor().use { f ->
            assertEquals(Attachments.CHUNK_HEADER_LEN, f.updateLength(100))
            assertError(SottoError.BUFFER_TOO_SMALL) { f.update(plain, 0, 100, ByteArray(100), 50) }
            assertError(SottoError.INVALID_ARGUMENT) { f.update(plain, 0, 100, ByteArray(100), 101) }
            assertError(SottoError.INVALID_ARGUMENT) { f.update(plain, 10, plain.size) }
            assertError(SottoError.INVALID_ARGUMENT) { f.finishInto(ByteArray(100), 0) }
            assertEquals(Attachments.CHUNK_HEADER_LEN, f.update(plain, 0, 100, ByteArray(100), 44))
        }
        assertError(SottoError.INVALID_ARGUMENT) { Native.streamFree(99, 1) }
        assertError(SottoError.MALFORMED) { AttachmentDecryptor(bytes("junk")) }
    },
    "the descriptor through an envelope and back" to {
        val (_, attachment) = encrypted()
        val sized = attachment.copy(dimensions = Dimensions(640, 480), durationMs = 1500)
        val descriptor = sized.descriptor("video/mp4", bytes("thumb"))
        val envelope = Envelope.encode(Content.Other(ContentType.ATTACHMENT, descriptor), NOW * 1000)
        val content = Envelope.decode(envelope).content
        assertEquals(Content.Other(ContentType.ATTACHMENT, descriptor), content)
        val got = AttachmentDescriptor.decode((content as Content.Other).body)
        assertEquals(sized, got.attachment)
        assertEquals("video/mp4", got.mediaType)
        assertEquals(bytes("thumb"), got.thumbnail)
        assertEquals(AttachmentDescriptor(sized, "video/mp4", bytes("thumb")), got)
        assertEquals(attachment, Attachment.fromDescriptor(attachment.descriptor("image/png")))
        assertEquals(null, AttachmentDescriptor.decode(attachment.descriptor("image/png")).thumbnail)
        assertError(SottoError.MALFORMED) { attachment.descriptor("image png") }
        assertError(SottoError.INVALID_ARGUMENT) { attachment.copy(durationMs = -1).descriptor("audio/ogg") }
        assertTrue(!sized.toString().contains(attachment.key.joinToString()), "no key in toString")
    },
    "a read in the middle through the reader, by chunks the app reads" to {
        val (blob, attachment) = encrypted()
        val descriptor = attachment.descriptor("image/png")
        val header = blob.copyOf(Attachments.CHUNK_HEADER_LEN)
        AttachmentReader(descriptor, header, blob.size.toLong()).use { r ->
            assertEquals(plain.size.toLong(), r.plaintextLength)
            val reads = ArrayList<Long>()
            val readChunk = { offset: Long, length: Int ->
                reads.add(offset)
                blob.copyOfRange(offset.toInt(), offset.toInt() + length)
            }
            // Across a chunk boundary in the middle: two chunks read.
            val from = 32L * Attachments.CHUNK_LEN - 100
            assertEquals(plain.copyOfRange(from.toInt(), from.toInt() + 5000), r.read(from, 5000, readChunk))
            assertEquals(2, reads.size)
            // The end: what is left, then nothing.
            assertEquals(plain.copyOfRange(plain.size - 10, plain.size), r.read(plain.size - 10L, 100, readChunk))
            assertEquals(0, r.read(plain.size.toLong(), 10, readChunk).size)
            // A chunk at another index does not verify.
            val where = r.locate(plain.size / 2L)
            assertTrue(where.plaintextOffset <= plain.size / 2 && plain.size / 2 < where.plaintextOffset + where.plaintextLength, "located")
            val chunk = blob.copyOfRange(where.blobOffset.toInt(), where.blobOffset.toInt() + where.blobLength)
            assertError(SottoError.DECRYPT_FAILED) { r.decryptChunk(where.index + 1, chunk, ByteArray(Attachments.CHUNK_LEN)) }
            assertError(SottoError.INVALID_ARGUMENT) { r.locate(plain.size.toLong()) }
        }
        assertError(SottoError.MALFORMED) { AttachmentReader(descriptor, header, blob.size - 1L) }
    },
    "a wrong key, a wrong hash and trailing data are refused" to {
        val (blob, attachment) = encrypted()
        // Wrong key: refused by the commitment, before anything is written.
        val wrongKey = flipped(attachment, key = true).descriptor("image/png")
        val out = ByteArrayOutputStream()
        assertError(SottoError.WRONG_KEY) { decrypted(wrongKey, ByteArrayInputStream(blob), out) }
        assertEquals(0, out.size())
        assertError(SottoError.WRONG_KEY) {
            AttachmentReader(wrongKey, blob.copyOf(Attachments.CHUNK_HEADER_LEN), blob.size.toLong())
        }
        // Wrong hash: every chunk verifies, the blob as a whole does not.
        val wrongHash = flipped(attachment, key = false).descriptor("image/png")
        assertError(SottoError.DECRYPT_FAILED) { decrypted(wrongHash, ByteArrayInputStream(blob)) }
        // Trailing data: refused as it arrives.
        val descriptor = attachment.descriptor("image/png")
        assertError(SottoError.MALFORMED) { decrypted(descriptor, ByteArrayInputStream(blob + byteArrayOf(0))) }
        // Cut short: refused at the end.
        assertError(SottoError.MALFORMED) { decrypted(descriptor, ByteArrayInputStream(blob.copyOf(blob.size - 1))) }
    },
    "a store backed up under a key typed back from its digits, restored into a new store that talks again" to {
        withDir("sotto-kotlin-backup") { dir -> backupAndRestore(dir) }
    },
    "a wrong password is refused and leaves the new store empty" to {
        withDir("sotto-kotlin-password") { dir -> wrongPassword(dir) }
    },
)

private fun withDir(name: String, body: (File) -> Unit) {
    val dir = Files.createTempDirectory(name).toFile()
    try {
        body(dir)
    } finally {
        dir.deleteRecursively()
    }
}

/** Alice's store, talking to Bob's: both with devices, one message each way set up. */
private class Peers(dir: File) : AutoCloseable {
    val aliceId = Identity.generate()
    val bobId = Identity.generate()
    val bobPrekeys = PrekeyStore(bobId, NOW).apply { generateOneTimePrekeys(2) }
    val alice = Store(File(dir, "alice.db").path, ByteArray(32) { 1 }, durable = false)
    val bob = Store(File(dir, "bob.db").path, ByteArray(32) { 2 }, durable = false)

    init {
        PrekeyStore(aliceId, NOW).use { alice.setDevice(aliceId, it) }
        bob.setDevice(bobId, bobPrekeys)
        assertEquals(IdentityStatus.New, alice.initiate(bytes("bob"), bobPrekeys.bundle(bobId, 0), NOW))
        val hi = alice.send(bytes("bob"), Content.Text("before"), NOW * 1000)
        assertEquals(Content.Text("before"), bob.receive(bytes("alice"), hi.message, NOW * 1000).content)
    }

    /** [store], restored, talks to Bob again from Alice's identity. */
    fun talksAgain(store: Store) {
        store.deviceIdentity().use { assertEquals(aliceId.publicKey, it.publicKey) }
        assertEquals(IdentityStatus.Known(false), store.initiate(bytes("bob"), bobPrekeys.bundle(bobId, 1), NOW))
        val after = store.send(bytes("bob"), Content.Text("after"), NOW * 1000 + 1)
        val got = bob.receive(bytes("alice"), after.message, NOW * 1000 + 1)
        assertEquals(Content.Text("after"), got.content)
    }

    override fun close() = listOf(alice, bob, bobPrekeys, aliceId, bobId).forEach { it.close() }
}

private val export = bytes("the app's message history")

private fun backupAndRestore(dir: File) {
    Peers(dir).use { p ->
        // The key, shown as digits and typed back.
        val key = BackupKey.generate()
        val digits = key.digits
        assertEquals(68 + 16, digits.length)
        val typed = BackupKey.fromDigits(digits.lowercase().replace(' ', '-'))
        assertEquals(key, typed)
        val mistyped = (if (digits[0] == '0') "1" else "0") + digits.substring(1)
        assertError(SottoError.MALFORMED) { BackupKey.fromDigits(mistyped) }
        assertTrue(!key.toString().contains(digits.substring(0, 4)), "no digit in toString")

        val backup = ByteArrayOutputStream()
        p.alice.backup(key, Trickle(export, 5), backup)
        val bytes = backup.toByteArray()

        // The phone is lost; a new one restores with the typed key.
        Store(File(dir, "new.db").path, ByteArray(32) { 3 }, durable = false).use { fresh ->
            val exported = ByteArrayOutputStream()
            val restored = fresh.restore(Trickle(bytes, 1000), typed, exported, NOW)
            assertEquals(export, exported.toByteArray())
            assertEquals(Restored(listOf(bytes("bob")), emptyList()), restored)
            p.talksAgain(fresh)
        }
        // A store that is not new is refused; a backup without an export restores too.
        assertError(SottoError.STORE_NOT_EMPTY) { p.bob.restore(ByteArrayInputStream(bytes), key, null, NOW) }
        val bare = ByteArrayOutputStream().also { p.alice.backup(key, null, it) }.toByteArray()
        Store(File(dir, "bare.db").path, ByteArray(32) { 4 }, durable = false).use { fresh ->
            val exported = ByteArrayOutputStream()
            assertEquals(listOf("bob"), fresh.restore(ByteArrayInputStream(bare), key, exported, NOW).contacts.map { String(it) })
            assertEquals(0, exported.size())
        }
        // A backup cut short is refused: in its last chunk, which no longer
        // verifies, or in its header, before any work.
        Store(File(dir, "cut.db").path, ByteArray(32) { 5 }, durable = false).use { fresh ->
            assertError(SottoError.DECRYPT_FAILED) { fresh.restore(ByteArrayInputStream(bytes.copyOf(bytes.size - 1)), key, null, NOW) }
            assertError(SottoError.MALFORMED) { fresh.restore(ByteArrayInputStream(bytes.copyOf(8)), key, null, NOW) }
            assertError(SottoError.WRONG_TYPE) { fresh.restore(ByteArrayInputStream(export), key, null, NOW) }
            assertError(SottoError.NO_DEVICE_IDENTITY) { fresh.deviceIdentity() }
        }
    }
}

private fun wrongPassword(dir: File) {
    Peers(dir).use { p ->
        val password = bytes("correct horse battery staple")
        val backup = ByteArrayOutputStream()
        p.alice.backup(password, ByteArrayInputStream(export), backup, Argon2Params.MINIMUM)
        val bytes = backup.toByteArray()
        assertError(SottoError.LIMIT_EXCEEDED) {
            p.alice.backup(password, null, ByteArrayOutputStream(), Argon2Params(1024, 1, 1))
        }
        Store(File(dir, "new.db").path, ByteArray(32) { 3 }, durable = false).use { fresh ->
            val exported = ByteArrayOutputStream()
            assertError(SottoError.WRONG_KEY) { fresh.restore(ByteArrayInputStream(bytes), bytes("wrong"), exported, NOW) }
            assertEquals(0, exported.size())
            // Nothing was written: the store is still new, and the right password restores into it.
            assertError(SottoError.NO_DEVICE_IDENTITY) { fresh.deviceIdentity() }
            assertEquals(null, fresh.trustRecord(bytes("bob")))
            assertError(SottoError.WRONG_KEY) { fresh.restore(ByteArrayInputStream(bytes), BackupKey.generate(), null, NOW) }
            val restored = fresh.restore(ByteArrayInputStream(bytes), password, exported, NOW)
            assertEquals(export, exported.toByteArray())
            assertEquals(listOf("bob"), restored.contacts.map { String(it) })
            p.talksAgain(fresh)
        }
    }
}
