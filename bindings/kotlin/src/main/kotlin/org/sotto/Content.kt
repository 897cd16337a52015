package org.sotto

/** The content types of the envelope (`SOTTO_CONTENT_*`). */
object ContentType {
    /** UTF-8 text ([Content.Text]). */
    const val TEXT = 1

    /** Bytes in the app's own format ([Content.AppBytes]). */
    const val APP_BYTES = 2

    /** An attachment descriptor (arrives as [Content.Other] for now). */
    const val ATTACHMENT = 3

    /** A 48-byte location payload (arrives as [Content.Other] for now). */
    const val LOCATION = 4

    /** Call signalling: a [CallSignal]'s encoding (arrives as [Content.Other]; read it with [CallSignal.decode]). */
    const val CALL = 5

    /** A disappearing-timer change ([Content.TimerChange]). */
    const val TIMER_CHANGE = 6

    /** A receipt (arrives as [Content.Other] for now). */
    const val RECEIPT = 7

    /**
     * A new device's history: the descriptor of a blob encrypted with
     * [AttachmentEncryptor.forHistory] (arrives as [Content.Other]).
     */
    const val DEVICE_HISTORY = 8
}

/**
 * What a content message carries. It crosses to the library as a type and a
 * body in that type's encoding: [Text], [AppBytes] and [TimerChange] are
 * read here; every other type (attachments, locations, receipts, and types
 * newer than this release: show "update to see this message") arrives as
 * [Other] with its type and body as they came.
 */
sealed class Content {
    /** UTF-8 text. */
    data class Text(val text: String) : Content() {
        override val type: Int get() = ContentType.TEXT
    }

    /** Bytes in the app's own format. */
    class AppBytes(bytes: ByteArray) : Content() {
        internal val value = bytes.copyOf()

        override val type: Int get() = ContentType.APP_BYTES

        /** The bytes (a copy). */
        val bytes: ByteArray get() = value.copyOf()

        override fun equals(other: Any?): Boolean = other is AppBytes && other.value.contentEquals(value)

        override fun hashCode(): Int = value.contentHashCode()

        override fun toString(): String = "AppBytes(${value.size} B)"
    }

    /** The conversation's disappearing timer becomes [seconds] (0: off; at most 4294967295). */
    data class TimerChange(val seconds: Long) : Content() {
        override val type: Int get() = ContentType.TIMER_CHANGE
    }

    /** Content of [type] with its [body] in that type's encoding. */
    class Other(override val type: Int, body: ByteArray) : Content() {
        internal val value = body.copyOf()

        /** The body (a copy). */
        val body: ByteArray get() = value.copyOf()

        override fun equals(other: Any?): Boolean = other is Other && other.type == type && other.value.contentEquals(value)

        override fun hashCode(): Int = 31 * type + value.contentHashCode()

        override fun toString(): String = "Other(type=$type, ${value.size} B)"
    }

    /** The content type (a [ContentType] constant, or a newer one). */
    abstract val type: Int

    /** The body in this content type's encoding. */
    internal fun body(): ByteArray = when (this) {
        is Text -> text.toByteArray(Charsets.UTF_8)
        is AppBytes -> value
        is TimerChange -> {
            if (seconds !in 0..0xFFFF_FFFFL) throw SottoException(SottoError.INVALID_ARGUMENT)
            ByteArray(4) { i -> (seconds ushr (8 * (3 - i))).toByte() }
        }
        is Other -> value
    }

    internal companion object {
        /** Reads a (type, body) pair as the library gives it (already validated). */
        fun of(type: Int, body: ByteArray): Content = when {
            type == ContentType.TEXT -> Text(body.toString(Charsets.UTF_8))
            type == ContentType.APP_BYTES -> AppBytes(body)
            type == ContentType.TIMER_CHANGE && body.size == 4 ->
                TimerChange(body.fold(0L) { acc, b -> (acc shl 8) or (b.toLong() and 0xFF) })
            else -> Other(type, body)
        }
    }
}

/**
 * A decoded content envelope: the [content], the sender's timestamp
 * [sentAtMs], the disappearing timer it was sent under ([timerSeconds], 0:
 * off, set at [timerSetAtMs]) and when it disappears ([expiresAtMs], null:
 * never). Times are milliseconds since the epoch. For hosts that encrypt
 * with sessions and groups themselves; a [Store] does this for its messages.
 */
data class Envelope(
    val content: Content,
    val sentAtMs: Long,
    val timerSeconds: Long,
    val timerSetAtMs: Long,
    val expiresAtMs: Long?,
) {
    companion object {
        /**
         * Encodes [content] sent at [sentAtMs] under the timer ([timerSeconds], set at
         * [timerSetAtMs]; a [Content.TimerChange] carries its own setting, set at
         * [sentAtMs], whatever the timer given). Content the decoder would refuse is refused
         * ([SottoError.MALFORMED], [SottoError.LIMIT_EXCEEDED]).
         */
        @JvmStatic
        @JvmOverloads
        fun encode(content: Content, sentAtMs: Long, timerSeconds: Long = 0, timerSetAtMs: Long = 0): ByteArray =
            Native.envelopeEncode(content.type, content.body(), sentAtMs, timerSeconds, timerSetAtMs)

        /** Decodes an envelope; bytes that are not one are [SottoError.MALFORMED]. */
        @JvmStatic
        fun decode(bytes: ByteArray): Envelope {
            val info = LongArray(MessageInfo.LEN)
            val body = Native.envelopeDecode(bytes, info)
            val m = MessageInfo(info)
            return Envelope(Content.of(m.type, body), m.sentAtMs, m.timerSeconds, m.timerSetAtMs, m.expiresAtMs)
        }
    }
}

/**
 * What the library writes about a content message:
 * `[content_type, expired, has_expiry, sent_at_ms, expires_at_ms, timer_secs, timer_set_at_ms]`.
 */
internal class MessageInfo(l: LongArray) {
    val type = l[0].toInt()
    val expired = l[1] == 1L
    val expiresAtMs: Long? = if (l[2] == 1L) l[4] else null
    val sentAtMs = l[3]
    val timerSeconds = l[5]
    val timerSetAtMs = l[6]

    companion object {
        const val LEN = 7
    }
}

/**
 * A content message committed to the outbox: send [message], then
 * [Store.ackOutgoing] its [id]. [sentAtMs] is the envelope's timestamp (it
 * names the message in receipts); [expiresAtMs] is when it disappears
 * (null: never), the same instant on the receiving side.
 */
class Sent(val id: Long, message: ByteArray, val sentAtMs: Long, val expiresAtMs: Long?) {
    private val value = message.copyOf()

    /** The encrypted message to send (a copy). */
    val message: ByteArray get() = value.copyOf()

    override fun equals(other: Any?): Boolean =
        other is Sent && other.id == id && other.sentAtMs == sentAtMs && other.expiresAtMs == expiresAtMs &&
            other.value.contentEquals(value)

    override fun hashCode(): Int = listOf(id, sentAtMs, expiresAtMs, value.contentHashCode()).hashCode()

    override fun toString(): String = "Sent(id=$id, sentAtMs=$sentAtMs, expiresAtMs=$expiresAtMs, ${value.size} B)"
}

/**
 * A content message received and committed to the inbox: show [content],
 * then [Store.ackIncoming] its [id]. [sentAtMs] is the sender's timestamp,
 * [expiresAtMs] when it disappears (null: never), [timerSeconds] the
 * disappearing timer it was sent under (0: off). A message that had already
 * expired when it arrived is [expired], with [id] 0, no [content], and
 * nothing kept: there is nothing to show or acknowledge.
 */
data class Received(
    val id: Long,
    val content: Content?,
    val sentAtMs: Long,
    val expiresAtMs: Long?,
    val expired: Boolean,
    val timerSeconds: Long,
) {
    internal companion object {
        fun of(id: Long, info: LongArray, body: ByteArray): Received {
            val m = MessageInfo(info)
            val content = if (m.expired) null else Content.of(m.type, body)
            return Received(id, content, m.sentAtMs, m.expiresAtMs, m.expired, m.timerSeconds)
        }
    }
}

/** A conversation of a [Store], which has its own disappearing timer. */
sealed class Conversation {
    internal abstract val code: Int
    internal abstract val raw: ByteArray

    /** A 1:1 conversation, by the app's name for the contact. */
    class Contact(name: ByteArray) : Conversation() {
        override val code = 0
        override val raw: ByteArray = name.copyOf()

        /** The contact's name (a copy). */
        val name: ByteArray get() = raw.copyOf()
    }

    /** A group, by group id. */
    class Group(id: ByteArray) : Conversation() {
        override val code = 1
        override val raw: ByteArray = id.copyOf()

        /** The group id (a copy). */
        val id: ByteArray get() = raw.copyOf()
    }

    override fun equals(other: Any?): Boolean =
        other is Conversation && other.code == code && other.raw.contentEquals(raw)

    override fun hashCode(): Int = 31 * code + raw.contentHashCode()

    override fun toString(): String = "${javaClass.simpleName}(${raw.toString(Charsets.UTF_8)})"
}

/** A conversation's disappearing timer: [seconds] (0: off), set at [setAtMs] (0: never). */
data class DisappearingTimer(val seconds: Long, val setAtMs: Long)

/** What [Store.purgeExpired] deleted: inbox and outbox [messages], and [keptKeys] of messages that never arrived. */
data class Purged(val messages: Long, val keptKeys: Long)
