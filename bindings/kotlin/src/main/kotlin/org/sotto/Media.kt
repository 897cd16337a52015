package org.sotto

import java.io.InputStream
import java.io.OutputStream
import java.nio.ByteBuffer

/**
 * The handles of attachments and backups, as the JNI layer numbers them
 * (`ffi/src/jni/media.rs`). They are not kinds of [Kind]: nothing in them
 * is exported or stored.
 */
internal object StreamKind {
    const val ATTACHMENT_ENCRYPTOR = 1
    const val ATTACHMENT_DECRYPTOR = 2
    const val ATTACHMENT_READER = 3
    const val BACKUP_WRITER = 4
    const val BACKUP_READER = 5
}

/** A native object of attachments or backups, freed (and wiped) by its [stream] kind. */
abstract class MediaObject internal constructor(internal val stream: Int, handle: Long) : NativeObject(0, handle) {
    override fun free(h: Long) = Native.streamFree(stream, h)
}

/**
 * An encrypting or decrypting stream: each [update] takes the next piece of
 * the input, of any size, and gives what it completes; the end comes out of
 * the class's `finish`. Give it arrays of your own to write into (the
 * five-argument [update]) to stream a large file through two arrays reused
 * for every piece. After `finish`, or after an error while decrypting, every
 * call is [SottoError.STREAM_CLOSED] or the error again.
 */
abstract class ChunkedStream internal constructor(stream: Int, handle: Long) : MediaObject(stream, handle) {
    /**
     * How many bytes [update] writes for [inputLength] more bytes: exactly,
     * when encrypting; at most, when decrypting.
     */
    fun updateLength(inputLength: Int): Int = locked { Native.streamUpdateLen(stream, it, inputLength) }

    /** How many bytes finishing writes: exactly, when encrypting; at most, when decrypting. */
    fun finishLength(): Int = locked { Native.streamFinishLen(stream, it) }

    /** Takes [length] bytes of [input] from [offset] and returns what they complete. */
    @JvmOverloads
    fun update(input: ByteArray, offset: Int = 0, length: Int = input.size - offset): ByteArray = locked {
        val out = ByteArray(Native.streamUpdateLen(stream, it, length))
        val n = Native.streamUpdate(stream, it, input, offset, length, out, 0)
        trimmed(out, n)
    }

    /**
     * Takes [length] bytes of [input] from [offset] and writes what they
     * complete into [output] from [outputOffset], which needs
     * [updateLength] bytes of room ([SottoError.BUFFER_TOO_SMALL] otherwise,
     * and nothing happens). Returns how many bytes it wrote.
     */
    fun update(input: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int =
        locked { Native.streamUpdate(stream, it, input, offset, length, output, outputOffset) }

    /** The `_finish` of the decrypting streams and the backup writer, into [output] at [offset]. */
    internal fun finishInto(output: ByteArray, offset: Int): Int =
        locked { Native.streamFinish(stream, it, output, offset) }

    internal companion object {
        /** The first [n] bytes of [out]; a longer array is wiped once copied. */
        fun trimmed(out: ByteArray, n: Int): ByteArray =
            if (n == out.size) out else out.copyOf(n).also { out.fill(0) }
    }
}

/** An image's or a video's size in pixels (each at most 4294967295). */
data class Dimensions(val width: Long, val height: Long)

/**
 * What an encrypted attachment's descriptor holds besides its media type
 * and thumbnail: the blob's [key] (secret: it opens the attachment), the
 * SHA-256 of the blob as uploaded, the plaintext's and the blob's lengths,
 * and optionally the [dimensions] of an image or video and the
 * [durationMs] of a video or voice note (at most 4294967295). Set those
 * with [copy] before making the descriptor.
 */
class Attachment(
    key: ByteArray,
    ciphertextSha256: ByteArray,
    val plaintextLength: Long,
    val ciphertextLength: Long,
    val dimensions: Dimensions? = null,
    val durationMs: Long? = null,
) {
    private val keyValue = key.copyOf()
    private val hashValue = ciphertextSha256.copyOf()

    init {
        if (keyValue.size != 32 || hashValue.size != 32) throw SottoException(SottoError.INVALID_ARGUMENT)
    }

    /** The blob's key, 32 bytes (a copy; `fill(0)` it when done). */
    val key: ByteArray get() = keyValue.copyOf()

    /** The SHA-256 of the blob, 32 bytes (a copy). */
    val ciphertextSha256: ByteArray get() = hashValue.copyOf()

    /** This attachment with other [dimensions] or [durationMs]. */
    fun copy(dimensions: Dimensions? = this.dimensions, durationMs: Long? = this.durationMs): Attachment =
        Attachment(keyValue, hashValue, plaintextLength, ciphertextLength, dimensions, durationMs)

    /**
     * The descriptor to send (the body of a [ContentType.ATTACHMENT]
     * content): this attachment, its [mediaType] (1 to 127 printable ASCII
     * characters, for example `image/jpeg`, else [SottoError.MALFORMED]) and
     * an optional [thumbnail] (at most 64 KiB).
     */
    @JvmOverloads
    fun descriptor(mediaType: String, thumbnail: ByteArray? = null): ByteArray =
        AttachmentDescriptor(this, mediaType, thumbnail).encoded()

    /** The layout the JNI layer reads (`pack` in `ffi/src/jni/media.rs`); it holds the key. */
    internal fun pack(): ByteArray {
        fun u32(v: Long) = if (v in 0..0xFFFF_FFFFL) v.toInt() else throw SottoException(SottoError.INVALID_ARGUMENT)
        val b = ByteBuffer.allocate(PACKED_LEN)
        b.put(keyValue).put(hashValue).putLong(plaintextLength).putLong(ciphertextLength)
        b.put(if (dimensions != null) 1 else 0)
        b.putInt(u32(dimensions?.width ?: 0)).putInt(u32(dimensions?.height ?: 0))
        b.put(if (durationMs != null) 1 else 0).putInt(u32(durationMs ?: 0))
        return b.array()
    }

    override fun equals(other: Any?): Boolean =
        other is Attachment && other.keyValue.contentEquals(keyValue) && other.hashValue.contentEquals(hashValue) &&
            other.plaintextLength == plaintextLength && other.ciphertextLength == ciphertextLength &&
            other.dimensions == dimensions && other.durationMs == durationMs

    override fun hashCode(): Int = listOf(hashValue.contentHashCode(), plaintextLength, dimensions, durationMs).hashCode()

    /** No key in it. */
    override fun toString(): String =
        "Attachment(plaintextLength=$plaintextLength, ciphertextLength=$ciphertextLength, " +
            "dimensions=$dimensions, durationMs=$durationMs)"

    companion object {
        internal const val PACKED_LEN = 94

        /** The attachment a descriptor holds (its media type and thumbnail: [AttachmentDescriptor.decode]). */
        @JvmStatic
        fun fromDescriptor(descriptor: ByteArray): Attachment = AttachmentDescriptor.decode(descriptor).attachment

        /** Reads [pack]'s layout (as the library wrote it). */
        internal fun unpack(p: ByteArray): Attachment {
            val b = ByteBuffer.wrap(p)
            val key = ByteArray(32).also { b.get(it) }
            val hash = ByteArray(32).also { b.get(it) }
            val plaintextLength = b.getLong()
            val ciphertextLength = b.getLong()
            val hasDimensions = b.get().toInt() == 1
            val width = b.getInt().toLong() and 0xFFFF_FFFFL
            val height = b.getInt().toLong() and 0xFFFF_FFFFL
            val hasDuration = b.get().toInt() == 1
            val duration = b.getInt().toLong() and 0xFFFF_FFFFL
            p.fill(0)
            return Attachment(
                key, hash, plaintextLength, ciphertextLength,
                if (hasDimensions) Dimensions(width, height) else null, if (hasDuration) duration else null,
            ).also { key.fill(0) }
        }
    }
}

/**
 * A decoded descriptor: the [attachment], its [mediaType] and its
 * [thumbnail] (null if none). [encoded] is the body of a
 * [ContentType.ATTACHMENT] content (`Content.Other(ContentType.ATTACHMENT,
 * descriptor)`); [decode] reads one received.
 */
class AttachmentDescriptor @JvmOverloads constructor(
    val attachment: Attachment,
    val mediaType: String,
    thumbnail: ByteArray? = null,
) {
    private val thumb: ByteArray? = thumbnail?.takeIf { it.isNotEmpty() }?.copyOf()

    /** The thumbnail (a copy), null if none. */
    val thumbnail: ByteArray? get() = thumb?.copyOf()

    /** The descriptor's encoding; a media type or thumbnail the decoder would refuse is refused. */
    fun encoded(): ByteArray {
        val packed = attachment.pack()
        try {
            return Native.attachmentDescriptorEncode(packed, mediaType.toByteArray(Charsets.UTF_8), thumb ?: ByteArray(0))
        } finally {
            packed.fill(0)
        }
    }

    override fun equals(other: Any?): Boolean =
        other is AttachmentDescriptor && other.attachment == attachment && other.mediaType == mediaType &&
            other.thumb.contentEquals(thumb)

    override fun hashCode(): Int = 31 * attachment.hashCode() + mediaType.hashCode()

    override fun toString(): String = "AttachmentDescriptor($mediaType, $attachment, thumbnail=${thumb?.size ?: 0} B)"

    companion object {
        /** Decodes a descriptor; bytes that are not one are [SottoError.MALFORMED]. */
        @JvmStatic
        fun decode(bytes: ByteArray): AttachmentDescriptor {
            val parts = arrayOfNulls<ByteArray>(2)
            val a = Attachment.unpack(Native.attachmentDescriptorDecode(bytes, parts))
            return AttachmentDescriptor(a, String(parts[0]!!, Charsets.US_ASCII), parts[1])
        }
    }
}

/**
 * Encrypts one attachment as a stream, under a fresh random key: feed the
 * file with [update] (the blob's first bytes come out of the first call),
 * then [finish] for its last bytes and the [Attachment] to describe it.
 * Upload the blob; send the descriptor. [Attachments.encrypt] does it all
 * from an `InputStream` to an `OutputStream`.
 */
class AttachmentEncryptor private constructor(handle: Long) :
    ChunkedStream(StreamKind.ATTACHMENT_ENCRYPTOR, handle) {
    /** Starts an attachment under a fresh random key. */
    constructor() : this(Native.attachmentEncryptorNew())

    companion object {
        /**
         * Starts a new device's history blob (under the history context, a
         * fresh random key): send its descriptor as
         * [ContentType.DEVICE_HISTORY]; the new device reads it with
         * [AttachmentDecryptor.forHistory].
         */
        @JvmStatic
        fun forHistory(): AttachmentEncryptor = AttachmentEncryptor(Native.historyEncryptorNew())
    }

    /** The blob's last bytes and the attachment (no dimensions or duration: [Attachment.copy] sets them). */
    fun finish(): kotlin.Pair<ByteArray, Attachment> = locked {
        val out = ByteArray(Native.streamFinishLen(stream, it))
        val (n, attachment) = finish(out, 0)
        kotlin.Pair(trimmed(out, n), attachment)
    }

    /**
     * Writes the blob's last bytes into [output] from [outputOffset] (which
     * needs [finishLength] bytes of room); returns their count and the attachment.
     */
    fun finish(output: ByteArray, outputOffset: Int): kotlin.Pair<Int, Attachment> = locked {
        val packed = arrayOfNulls<ByteArray>(1)
        val n = Native.attachmentEncryptorFinish(it, output, outputOffset, packed)
        kotlin.Pair(n, Attachment.unpack(packed[0]!!))
    }
}

/**
 * Decrypts one attachment's blob as it downloads, against its descriptor:
 * each chunk comes out of [update] once authenticated, but the blob is
 * whole, of the right length and hash, only when [finish] succeeds. On any
 * error, discard what came out. A wrong key is [SottoError.WRONG_KEY]
 * before anything is decrypted; data beyond the descriptor's length
 * [SottoError.MALFORMED]; a damaged chunk or a blob of another hash
 * [SottoError.DECRYPT_FAILED].
 */
class AttachmentDecryptor private constructor(handle: Long) : ChunkedStream(StreamKind.ATTACHMENT_DECRYPTOR, handle) {
    /** Starts decrypting the blob [descriptor] describes. */
    constructor(descriptor: ByteArray) : this(Native.attachmentDecryptorNew(descriptor))

    /** Checks the blob's length and hash and returns the last plaintext bytes. */
    fun finish(): ByteArray = locked {
        val out = ByteArray(Native.streamFinishLen(stream, it))
        trimmed(out, finishInto(out, 0))
    }

    /** [finish] into [output] from [outputOffset] (which needs [finishLength] bytes of room); returns the count. */
    fun finish(output: ByteArray, outputOffset: Int): Int = finishInto(output, outputOffset)

    companion object {
        /**
         * Starts decrypting a new device's history blob from the descriptor
         * a [ContentType.DEVICE_HISTORY] message carries. Once imported,
         * acknowledge the message: its key is deleted with it.
         */
        @JvmStatic
        fun forHistory(descriptor: ByteArray): AttachmentDecryptor =
            AttachmentDecryptor(Native.historyDecryptorNew(descriptor))
    }
}

/**
 * Random access to an attachment's blob: any range of the plaintext, from
 * the chunks that cover it, read by the app (from a file, or with HTTP
 * range requests). Opened from the [descriptor], the blob's first
 * [Attachments.CHUNK_HEADER_LEN] bytes ([header]) and its length
 * [blobLength] (which must be the descriptor's: [SottoError.MALFORMED]
 * otherwise); a wrong key is [SottoError.WRONG_KEY]. Each chunk is
 * authenticated at its position; the blob's hash is not checked (it needs
 * the whole blob).
 */
class AttachmentReader(descriptor: ByteArray, header: ByteArray, blobLength: Long) :
    MediaObject(StreamKind.ATTACHMENT_READER, Native.attachmentReaderNew(descriptor, header, blobLength)) {
    /** The plaintext's length, from the descriptor. */
    val plaintextLength: Long = try {
        Attachment.fromDescriptor(descriptor).plaintextLength
    } catch (e: Throwable) {
        close()
        throw e
    }

    /**
     * Where one chunk lies: its [index], its bytes at [blobOffset] (length
     * [blobLength]) in the blob, and the plaintext it holds from
     * [plaintextOffset] (length [plaintextLength]).
     */
    data class ChunkLocation(
        val index: Long,
        val blobOffset: Long,
        val blobLength: Int,
        val plaintextOffset: Long,
        val plaintextLength: Int,
    )

    /** The chunk holding plaintext byte [offset]; at or past the end, [SottoError.INVALID_ARGUMENT]. */
    fun locate(offset: Long): ChunkLocation = locked {
        val l = Native.attachmentReaderLocate(it, offset)
        ChunkLocation(l[0], l[1], l[2].toInt(), l[3], l[4].toInt())
    }

    /**
     * Decrypts chunk [index] from the bytes read where [locate] said into
     * [output] from [outputOffset] (room for [Attachments.CHUNK_LEN] bytes
     * is always enough); returns the plaintext's length. Bytes that do not
     * verify at this index are [SottoError.DECRYPT_FAILED].
     */
    @JvmOverloads
    fun decryptChunk(index: Long, chunk: ByteArray, output: ByteArray, outputOffset: Int = 0): Int =
        locked { Native.attachmentReaderDecrypt(it, index, chunk, output, outputOffset) }

    /**
     * Up to [count] plaintext bytes from [offset] (fewer at the end, none at
     * or past it), decrypted from the chunks they lie in: [readChunk] is
     * called with the blob offset and length of each, and returns those
     * bytes of the blob.
     */
    fun read(offset: Long, count: Int, readChunk: (Long, Int) -> ByteArray): ByteArray {
        if (offset < 0 || count < 0) throw SottoException(SottoError.INVALID_ARGUMENT)
        val end = minOf(plaintextLength, offset + count)
        if (offset >= end) return ByteArray(0)
        val out = ByteArray((end - offset).toInt())
        val plain = ByteArray(Attachments.CHUNK_LEN)
        try {
            var at = offset
            while (at < end) {
                val where = locate(at)
                val n = decryptChunk(where.index, readChunk(where.blobOffset, where.blobLength), plain)
                val from = (at - where.plaintextOffset).toInt()
                val take = minOf((n - from).toLong(), end - at).toInt()
                if (take <= 0) throw SottoException(SottoError.INTERNAL)
                plain.copyInto(out, (at - offset).toInt(), from, from + take)
                at += take
            }
            return out
        } catch (e: Throwable) {
            out.fill(0)
            throw e
        } finally {
            plain.fill(0)
        }
    }
}

/**
 * Attachments streamed from an `InputStream` to an `OutputStream` in pieces
 * of [PIECE_LEN] bytes, through two arrays reused for every piece (and
 * wiped at the end): a file of any size in a fixed amount of memory. The
 * streams are neither opened nor closed here.
 */
object Attachments {
    /** The plaintext bytes of every chunk but the last. */
    const val CHUNK_LEN = 16384

    /** The bytes of a blob's header, its first: what [AttachmentReader] opens with. */
    const val CHUNK_HEADER_LEN = 56

    /** The size of the pieces the adapters read. */
    const val PIECE_LEN = 64 * 1024

    /**
     * Encrypts everything [input] has, under a fresh key, into [output] (the
     * blob to upload) and returns the attachment to describe it.
     */
    @JvmStatic
    fun encrypt(input: InputStream, output: OutputStream): Attachment = AttachmentEncryptor().use { e ->
        val pump = Pump(e)
        try {
            pump.feed(input, output)
            val out = pump.room(e.finishLength())
            val (n, attachment) = e.finish(out, 0)
            output.write(out, 0, n)
            attachment
        } finally {
            pump.wipe()
        }
    }

    /**
     * Decrypts the blob [descriptor] describes from [input] into [output].
     * Only when it returns is the plaintext whole and authentic: on an
     * error, discard what [output] got (see [AttachmentDecryptor]).
     */
    @JvmStatic
    fun decrypt(descriptor: ByteArray, input: InputStream, output: OutputStream): Unit =
        AttachmentDecryptor(descriptor).use { d ->
            val pump = Pump(d)
            try {
                pump.feed(input, output)
                val out = pump.room(d.finishLength())
                output.write(out, 0, d.finish(out, 0))
            } finally {
                pump.wipe()
            }
        }
}

/** Feeds a stream from an `InputStream` in pieces, through two reused arrays. */
internal class Pump(private val stream: ChunkedStream) {
    private val input = ByteArray(Attachments.PIECE_LEN)
    private var output = ByteArray(0)

    /** The output array, grown (the old one wiped) to at least [n] bytes. */
    fun room(n: Int): ByteArray {
        if (output.size < n) {
            output.fill(0)
            output = ByteArray(n)
        }
        return output
    }

    /** Everything [source] has, through the stream, into [sink] (null: dropped). */
    fun feed(source: InputStream?, sink: OutputStream?) {
        if (source == null) return
        while (true) {
            val n = source.read(input, 0, input.size)
            if (n < 0) return
            if (n == 0) continue
            val out = room(stream.updateLength(n))
            val m = stream.update(input, 0, n, out, 0)
            sink?.write(out, 0, m)
        }
    }

    fun wipe() {
        input.fill(0)
        output.fill(0)
    }
}
