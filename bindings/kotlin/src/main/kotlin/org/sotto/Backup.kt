@file:JvmName("Backups")

package org.sotto

import java.io.InputStream
import java.io.OutputStream

/**
 * A backup key: 32 random bytes that only the user holds, shown once as
 * [digits] to write down and typed back with [fromDigits]. It opens the
 * backups made under it; keep it out of them.
 */
class BackupKey private constructor(bytes: ByteArray) {
    private val value = bytes.copyOf()

    init {
        if (value.size != LEN) throw SottoException(SottoError.INVALID_ARGUMENT)
    }

    /** The 32 bytes (a copy; `fill(0)` it when done). */
    val bytes: ByteArray get() = value.copyOf()

    /**
     * The key as the user writes it down: 68 hex digits (the last 4 a
     * checksum) in 17 groups of 4 separated by spaces.
     */
    val digits: String get() = String(Native.backupKeyToDigits(value), Charsets.US_ASCII)

    internal val raw: ByteArray get() = value

    override fun equals(other: Any?): Boolean = other is BackupKey && other.value.contentEquals(value)

    override fun hashCode(): Int = value.contentHashCode()

    /** No digit of the key in it. */
    override fun toString(): String = "BackupKey(…)"

    companion object {
        /** The length of a backup key. */
        const val LEN = 32

        /** A new random key. */
        @JvmStatic
        fun generate(): BackupKey = BackupKey(Native.backupKeyGenerate())

        /**
         * The key the user typed back from its [digits] (case, spaces and
         * hyphens ignored); a mistyped digit fails the checksum:
         * [SottoError.MALFORMED].
         */
        @JvmStatic
        fun fromDigits(digits: String): BackupKey = BackupKey(Native.backupKeyFromDigits(digits.toByteArray(Charsets.UTF_8)))

        /** A key kept as its 32 bytes. */
        @JvmStatic
        fun fromBytes(bytes: ByteArray): BackupKey = BackupKey(bytes)
    }
}

/**
 * Argon2id's cost for a password backup: [memoryKib] of memory, [passes]
 * over it, [lanes] (bounds in `docs/PROTOCOL.md` §17: 19 MiB to 1 GiB, 2 to
 * 16 passes, 1 to 8 lanes; beyond them [SottoError.LIMIT_EXCEEDED]). A
 * restore reads the cost from the backup.
 */
data class Argon2Params(val memoryKib: Int, val passes: Int, val lanes: Int) {
    companion object {
        /** The library's default: 64 MiB, 3 passes, 1 lane. */
        @JvmField
        val DEFAULT = Argon2Params(64 * 1024, 3, 1)

        /** The least the library accepts (OWASP's minimum): 19 MiB, 2 passes, 1 lane. */
        @JvmField
        val MINIMUM = Argon2Params(19 * 1024, 2, 1)
    }
}

/**
 * What a restore brought back: the [contacts] whose trust records came
 * back and the [groups] (each with a fresh sender key of ours), by the
 * names they had. Then publish a new prekey bundle (the signed prekey was
 * rotated and no one-time prekey is left), send each group's distribution
 * to its members, and start a session with each contact: restored contacts
 * keep their verified identities, never a session.
 */
class Restored(val contacts: List<ByteArray>, val groups: List<ByteArray>) {
    override fun equals(other: Any?): Boolean =
        other is Restored && same(other.contacts, contacts) && same(other.groups, groups)

    override fun hashCode(): Int = (contacts + groups).sumOf { it.contentHashCode() }

    override fun toString(): String =
        "Restored(contacts=${contacts.map { it.toString(Charsets.UTF_8) }}, groups=${groups.map { it.toString(Charsets.UTF_8) }})"

    internal companion object {
        private fun same(a: List<ByteArray>, b: List<ByteArray>) = a.size == b.size && a.indices.all { a[it].contentEquals(b[it]) }

        /** Reads the names the library lists: kind (1 contact, 2 group), length (one byte), name. */
        fun of(names: ByteArray): Restored {
            val contacts = ArrayList<ByteArray>()
            val groups = ArrayList<ByteArray>()
            var at = 0
            while (at < names.size) {
                if (at + 2 > names.size) throw SottoException(SottoError.INTERNAL)
                val kind = names[at].toInt()
                val len = names[at + 1].toInt() and 0xFF
                if (at + 2 + len > names.size) throw SottoException(SottoError.INTERNAL)
                val name = names.copyOfRange(at + 2, at + 2 + len)
                when (kind) {
                    1 -> contacts.add(name)
                    2 -> groups.add(name)
                    else -> throw SottoException(SottoError.INTERNAL)
                }
                at += 2 + len
            }
            return Restored(contacts, groups)
        }
    }
}

/** A backup being written, freed (wiped) when closed. */
internal class BackupWriter(handle: Long) : ChunkedStream(StreamKind.BACKUP_WRITER, handle)

/** A backup being read; once finished, it holds the state a restore writes. */
internal class BackupReader(handle: Long) : ChunkedStream(StreamKind.BACKUP_READER, handle)

// Encrypted backups of a store: what it can restore safely (this device's
// identity and prekeys, the trust records, group memberships and every
// conversation's settings, never a session or a sender key), followed by
// the app's own export (its message history, say), under a backup key or a
// password. Written and read as streams, in pieces through two reused
// arrays; the streams are neither opened nor closed here.

/**
 * Writes a backup of this store under [key] into [output]: the store's
 * restorable state, taken now, then everything [export] has (null: none).
 */
fun Store.backup(key: BackupKey, export: InputStream?, output: OutputStream): Unit =
    writeBackup(locked { Native.storeBackupNew(it, key.raw, false, 0, 0, 0) }, export, output)

/**
 * Writes a backup of this store under [password] into [output], as
 * [backup] with a key. The password is stretched with Argon2id at
 * [params]; pass the same bytes at the restore, on every platform (the
 * app normalizes what the user typed, for example to NFC UTF-8).
 */
@JvmOverloads
fun Store.backup(
    password: ByteArray,
    export: InputStream?,
    output: OutputStream,
    params: Argon2Params = Argon2Params.DEFAULT,
): Unit = writeBackup(
    locked { Native.storeBackupNew(it, password, true, params.memoryKib, params.passes, params.lanes) },
    export,
    output,
)

private fun writeBackup(writer: Long, export: InputStream?, output: OutputStream): Unit = BackupWriter(writer).use { w ->
    val pump = Pump(w)
    try {
        pump.feed(export, output)
        val out = pump.room(w.finishLength())
        output.write(out, 0, w.finishInto(out, 0))
    } finally {
        pump.wipe()
    }
}

/**
 * Reads the backup [input] has with its [key], writes the app's export
 * into [export] (null: dropped) and restores the store's state into this
 * store, which must be new ([SottoError.STORE_NOT_EMPTY] otherwise, checked
 * once the whole backup is read, and nothing is restored). [now] is the
 * time (seconds) of the new signed prekey. A wrong key is
 * [SottoError.WRONG_KEY] before any export is written; what is not a
 * backup [SottoError.WRONG_TYPE]; a damaged backup
 * [SottoError.DECRYPT_FAILED]; one cut short [SottoError.MALFORMED], or
 * [SottoError.DECRYPT_FAILED] where what is left of its last chunk no
 * longer verifies. On any error nothing is restored: discard what [export]
 * got.
 */
fun Store.restore(input: InputStream, key: BackupKey, export: OutputStream?, now: Long): Restored =
    readBackup(Native.backupReaderNew(key.raw, false), input, export, now)

/** [restore] with the [password] the backup was written under (its cost comes from the backup). */
fun Store.restore(input: InputStream, password: ByteArray, export: OutputStream?, now: Long): Restored =
    readBackup(Native.backupReaderNew(password, true), input, export, now)

private fun Store.readBackup(reader: Long, input: InputStream, export: OutputStream?, now: Long): Restored =
    BackupReader(reader).use { r ->
        val pump = Pump(r)
        try {
            pump.feed(input, export)
            val out = pump.room(r.finishLength())
            val n = r.finishInto(out, 0)
            export?.write(out, 0, n)
        } finally {
            pump.wipe()
        }
        Restored.of(locked { s -> r.locked { Native.storeRestore(s, it, now) } })
    }
