package org.sotto

import java.io.ByteArrayOutputStream
import java.nio.ByteBuffer

/** What a device of an account is (`SOTTO_DEVICE_*`), as its account signed it. */
enum class DeviceKind(internal val code: Int) {
    /** The account's primary device, index 0: its identity is the account key. */
    PRIMARY(1),

    /** A linked companion (a laptop, a tablet). */
    COMPANION(2),

    /** Run by a service provider for a business: label the conversation. */
    HOSTED(3);

    internal companion object {
        fun of(code: Int): DeviceKind = entries.firstOrNull { it.code == code } ?: throw SottoException(SottoError.MALFORMED)
    }
}

/**
 * One verified device of an account: its [index] (0: the primary; at most
 * 4294967295), [kind], when it was added ([addedAt], seconds since the
 * epoch) and its [identity].
 */
data class DeviceInfo(val index: Long, val kind: DeviceKind, val addedAt: Long, val identity: IdentityKey) {
    internal companion object {
        /** The bytes of one device as the JNI layer writes it (`put_info` in `ffi/src/jni/devices.rs`). */
        const val LEN = 77

        fun read(b: ByteBuffer): DeviceInfo {
            val index = b.getInt().toLong() and 0xFFFF_FFFFL
            val kind = DeviceKind.of(b.get().toInt())
            val addedAt = b.getLong()
            val identity = ByteArray(IdentityKey.IDENTITY_KEY_LEN).also { b.get(it) }
            return DeviceInfo(index, kind, addedAt, IdentityKey(identity))
        }

        fun list(bytes: ByteArray): List<DeviceInfo> {
            val b = ByteBuffer.wrap(bytes)
            return List(bytes.size / LEN) { read(b) }
        }
    }
}

/** A device that [joined] (or left) an account, as the store learned it [at] (seconds since the epoch). */
data class DeviceChange(val joined: Boolean, val at: Long, val device: DeviceInfo) {
    internal companion object {
        /** The bytes of one change as the JNI layer writes it. */
        const val LEN = 86

        fun list(bytes: ByteArray): List<DeviceChange> {
            val b = ByteBuffer.wrap(bytes)
            return List(bytes.size / LEN) {
                val joined = b.get().toInt() == 1
                val at = b.getLong()
                DeviceChange(joined, at, DeviceInfo.read(b))
            }
        }
    }
}

/**
 * What [Store.setDevices] found and did: the list's [version], how many
 * [devices] the user has now, how many [joined] and [left] (their sessions
 * are gone). [codeChanged]: the security code changed (tell the user; the
 * contact is no longer verified). [hosted]: a device is run by a service
 * provider (label the conversation). [own]: the list is our own account's.
 * [rotatedGroups]: groups whose sender key of ours rotated because a device
 * that left was a member (send each its distribution); [joinedGroups]:
 * groups a joining device was added to (send it our distribution).
 */
class DeviceUpdate internal constructor(
    val version: Long,
    val devices: Int,
    val joined: Int,
    val left: Int,
    val codeChanged: Boolean,
    val hosted: Boolean,
    val own: Boolean,
    val rotatedGroups: List<ByteArray>,
    val joinedGroups: List<ByteArray>,
) {
    override fun toString(): String =
        "DeviceUpdate(version=$version, devices=$devices, joined=$joined, left=$left, codeChanged=$codeChanged, " +
            "hosted=$hosted, own=$own, rotatedGroups=${rotatedGroups.size}, joinedGroups=${joinedGroups.size})"

    internal companion object {
        /** A name list: `count × (len u8 ‖ name)`. */
        fun names(bytes: ByteArray?): List<ByteArray> {
            if (bytes == null) return emptyList()
            val out = ArrayList<ByteArray>()
            var at = 0
            while (at < bytes.size) {
                val n = bytes[at].toInt() and 0xFF
                if (at + 1 + n > bytes.size) throw SottoException(SottoError.INTERNAL)
                out.add(bytes.copyOfRange(at + 1, at + 1 + n))
                at += 1 + n
            }
            return out
        }
    }
}

/** Device [index] of [user]: where a device message goes, or a device a send needs a session with. */
class DeviceAddress(user: ByteArray, val index: Long) {
    private val value = user.copyOf()

    /** The user (a copy). */
    val user: ByteArray get() = value.copyOf()

    override fun equals(other: Any?): Boolean = other is DeviceAddress && other.index == index && other.value.contentEquals(value)

    override fun hashCode(): Int = 31 * value.contentHashCode() + index.hashCode()

    override fun toString(): String = "DeviceAddress(${value.toString(Charsets.UTF_8)}, $index)"

    internal companion object {
        /** An address list: `count × (user len u8 ‖ user ‖ index u32 big-endian)`. */
        fun list(bytes: ByteArray): List<DeviceAddress> {
            val b = ByteBuffer.wrap(bytes)
            val out = ArrayList<DeviceAddress>()
            while (b.hasRemaining()) {
                val user = ByteArray(b.get().toInt() and 0xFF).also { b.get(it) }
                out.add(DeviceAddress(user, b.getInt().toLong() and 0xFFFF_FFFFL))
            }
            return out
        }
    }
}

/**
 * One message of a [Store.sendToUser], committed to the outbox: send
 * [message] to device [index] of [user], then [Store.ackOutgoing] its
 * [outboxId]. [sentAtMs] and [expiresAtMs] (null: never) are the send's,
 * the same for every device.
 */
class DeviceMessage internal constructor(
    val outboxId: Long,
    user: ByteArray,
    val index: Long,
    message: ByteArray,
    val sentAtMs: Long,
    val expiresAtMs: Long?,
) {
    private val userValue = user.copyOf()
    private val value = message.copyOf()

    /** The user the device belongs to (a copy). */
    val user: ByteArray get() = userValue.copyOf()

    /** The encrypted message to send (a copy). */
    val message: ByteArray get() = value.copyOf()

    /** Where it goes. */
    val address: DeviceAddress get() = DeviceAddress(userValue, index)

    override fun toString(): String =
        "DeviceMessage(outboxId=$outboxId, ${userValue.toString(Charsets.UTF_8)}, $index, ${value.size} B)"

    internal companion object {
        /** A fan-out: `count u16 ‖ count × (outbox id i64 ‖ user len u8 ‖ user ‖ index u32 ‖ message len u32 ‖ message)`. */
        fun list(bytes: ByteArray, sent: LongArray): List<DeviceMessage> {
            val b = ByteBuffer.wrap(bytes)
            val count = b.getShort().toInt() and 0xFFFF
            val expires = sent[2].takeIf { it != 0L }
            return List(count) {
                val id = b.getLong()
                val user = ByteArray(b.get().toInt() and 0xFF).also { b.get(it) }
                val index = b.getInt().toLong() and 0xFFFF_FFFFL
                val message = ByteArray(b.getInt()).also { b.get(it) }
                DeviceMessage(id, user, index, message, sent[1], expires)
            }
        }
    }
}

/**
 * Device records and lists, signed by the account key (the primary
 * device's identity), and the primary's side of linking a companion
 * ([LinkingRequest] is the companion's). Publish each device's record and
 * the account's list; every store takes them with [Store.setDevices].
 */
object Devices {
    /** The bytes of a device record (account-signed and countersigned). */
    const val RECORD_LEN = 271

    /** The most devices one account lists, the primary included. */
    const val MAX_DEVICES = 16

    /** How long a device list is trusted after it was issued (35 days), seconds. */
    const val LIST_TTL_SECS = 3_024_000L

    /** The bytes of a linking QR code's payload. */
    const val LINK_QR_LEN = 98

    /**
     * The [account] signs that [device] belongs to it at [index], added at
     * [addedAt] (seconds), of [kind]: the part the device countersigns
     * ([countersign]). The primary is index 0 and its own device; any other
     * kind has an index above 0.
     */
    @JvmStatic
    fun signRecord(account: Identity, device: IdentityKey, index: Long, addedAt: Long, kind: DeviceKind): ByteArray =
        account.locked { Native.deviceRecordSign(it, device.raw, index, addedAt, kind.code) }

    /**
     * The [device] checks the account's signature on [signed] and
     * countersigns it: the [RECORD_LEN]-byte record to publish. A record for
     * another device is [SottoError.WRONG_TYPE].
     */
    @JvmStatic
    fun countersign(device: Identity, signed: ByteArray): ByteArray =
        device.locked { Native.deviceRecordCountersign(it, signed) }

    /**
     * The [account] signs its device list: [version] (every change
     * publishes a higher one), issued at [issuedAt] (seconds), and the
     * current [devices] as (index, identity), the primary first at index 0,
     * then by increasing index, at most [MAX_DEVICES].
     */
    @JvmStatic
    fun signList(account: Identity, version: Long, issuedAt: Long, devices: List<kotlin.Pair<Long, IdentityKey>>): ByteArray {
        val entries = ByteBuffer.allocate(devices.size * (4 + IdentityKey.IDENTITY_KEY_LEN))
        for ((index, key) in devices) {
            if (index !in 0..0xFFFF_FFFFL) throw SottoException(SottoError.INVALID_ARGUMENT)
            entries.putInt(index.toInt()).put(key.raw)
        }
        return account.locked { Native.deviceListSign(it, version, issuedAt, entries.array()) }
    }

    /**
     * Verifies [account]'s published [list] and [records] at [now]
     * (seconds): its devices, by index. [knownVersion] is the version last
     * verified for this account (an older list is
     * [SottoError.STALE_DEVICE_LIST]), or 0. Any refusal (a forged
     * signature, a record moved to another account, a list older than
     * [LIST_TTL_SECS]) refuses the whole list.
     */
    @JvmStatic
    @JvmOverloads
    fun verify(account: IdentityKey, list: ByteArray, records: List<ByteArray>, now: Long, knownVersion: Long = 0): List<DeviceInfo> =
        DeviceInfo.list(Native.devicesVerify(account.raw, list, concat(records), now, knownVersion))

    /**
     * The primary reads a companion's [qr] code and answers with the
     * account-signed record for it at [index] (above 0), of [kind]
     * ([DeviceKind.COMPANION] or [DeviceKind.HOSTED]), added at [now],
     * authenticated under the QR code's secret: send it to the companion
     * ([LinkingRequest.accept]).
     */
    @JvmStatic
    @JvmOverloads
    fun answerLink(account: Identity, qr: ByteArray, index: Long, now: Long, kind: DeviceKind = DeviceKind.COMPANION): ByteArray =
        account.locked { Native.linkAnswer(it, qr, index, now, kind.code) }

    internal fun concat(records: List<ByteArray>): ByteArray {
        val out = ByteArrayOutputStream(records.size * RECORD_LEN)
        for (r in records) out.write(r)
        return out.toByteArray()
    }
}

/**
 * A companion's link in progress: [start] it with the companion's
 * identity, show [qrCode] for the primary to scan (it holds a one-time
 * secret: show it, never send it), then [accept] the primary's answer for
 * the record to publish. Closing it wipes the secret.
 */
class LinkingRequest private constructor(handle: Long, qr: ByteArray) : NativeObject(0, handle) {
    private val qr = qr.copyOf().also { qr.fill(0) }

    /** The bytes to show as a QR code ([Devices.LINK_QR_LEN]; a copy). */
    val qrCode: ByteArray get() = locked { qr.copyOf() }

    override fun free(h: Long) {
        qr.fill(0)
        Native.linkingRequestFree(h)
    }

    /**
     * Checks the primary's [answer] and countersigns the record it carries
     * with [companion] (the identity the request started with): the record
     * to publish. [account], if the companion knows which account it joins,
     * must be the one that signed. A wrong secret (or an answer changed on
     * the way) is [SottoError.DECRYPT_FAILED], another device or account
     * [SottoError.WRONG_TYPE], a second answer [SottoError.DUPLICATE_MESSAGE];
     * on any error the request is unchanged.
     */
    @JvmOverloads
    fun accept(companion: Identity, answer: ByteArray, account: IdentityKey? = null): ByteArray = locked { r ->
        companion.locked { c -> Native.linkingRequestAccept(r, c, answer, account?.raw ?: ByteArray(0)) }
    }

    companion object {
        /** Starts linking [companion]: a new request with its QR code. */
        @JvmStatic
        fun start(companion: Identity): LinkingRequest {
            val qr = arrayOfNulls<ByteArray>(1)
            val h = companion.locked { Native.linkingRequestNew(it, qr) }
            return LinkingRequest(h, qr[0]!!)
        }
    }
}
