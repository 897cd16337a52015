package org.sotto

/**
 * The handles of calls, as the JNI layer numbers them
 * (`ffi/src/jni/calls.rs`). They are not kinds of [Kind]: nothing in them
 * is exported or stored.
 */
internal object CallHandle {
    const val SIGNAL = 1
    const val OFFER_GUARD = 2
    const val SFRAME_ENCRYPTOR = 3
    const val SFRAME_DECRYPTOR = 4
    const val GROUP_CALL = 5
}

/** A native object of calls, freed (and wiped) by its [call] handle number. */
abstract class CallObject internal constructor(internal val call: Int, handle: Long) : NativeObject(0, handle) {
    override fun free(h: Long) = Native.callFree(call, h)
}

private val EMPTY = ByteArray(0)

/** The bytes of a call id. */
const val CALL_ID_LEN = 16

/** The most participants of a group call. */
const val MAX_CALL_PARTICIPANTS = 32

/** An SFrame cipher suite (RFC 9605, `SOTTO_SFRAME_*`). */
enum class SframeSuite(internal val code: Int) {
    /** AES-128-CTR with HMAC-SHA256, 10-byte tag. */
    AES_128_CTR_HMAC_SHA256_80(1),

    /** AES-128-CTR with HMAC-SHA256, 8-byte tag. */
    AES_128_CTR_HMAC_SHA256_64(2),

    /** AES-128-CTR with HMAC-SHA256, 4-byte tag. */
    AES_128_CTR_HMAC_SHA256_32(3),

    /** AES-128-GCM, 16-byte tag. */
    AES_128_GCM_SHA256_128(4),

    /** AES-256-GCM (keys from SHA-512), 16-byte tag. */
    AES_256_GCM_SHA512_128(5);

    companion object {
        /** The longest SFrame header: a frame grows by at most this plus 16. */
        const val MAX_HEADER_LEN = 17
    }
}

/** What a call message says (`SOTTO_CALL_*`). */
enum class CallSignalKind(internal val code: Int) {
    /** A call starts: it carries the secret for the device it is sent to. */
    OFFER(1),

    /** The callee accepts. */
    ANSWER(2),

    /** A group call's new epoch: its secret and participants. */
    KEY_UPDATE(3),

    /** The sender leaves the call. */
    LEAVE(4),

    /** The call ends for everyone. */
    END(5);

    internal companion object {
        fun of(code: Int): CallSignalKind = entries.firstOrNull { it.code == code } ?: throw SottoException(SottoError.MALFORMED)
    }
}

/** An SRTP protection profile (`SOTTO_SRTP_*`) and its master key and salt lengths. */
enum class SrtpProfile(internal val code: Int, val keyLength: Int, val saltLength: Int) {
    /** SRTP_AES128_CM_HMAC_SHA1_80: 16-byte key, 14-byte salt. */
    AES128_CM_HMAC_SHA1_80(1, 16, 14),

    /** SRTP_AEAD_AES_256_GCM: 32-byte key, 12-byte salt. */
    AEAD_AES_256_GCM(2, 32, 12),
}

/** Whose media a 1:1 call's SRTP keys protect (`SOTTO_CALL_DIRECTION_*`). */
enum class CallDirection(internal val code: Int) {
    /** The caller's media. */
    CALLER(1),

    /** The callee's media. */
    CALLEE(2),
}

/**
 * The SRTP master [key] and [salt] of one direction of a 1:1 call, for
 * the app's WebRTC stack. Secret: [wipe] them when the call ends.
 */
class SrtpKeys internal constructor(key: ByteArray, salt: ByteArray) {
    private val keyValue = key.copyOf().also { key.fill(0) }
    private val saltValue = salt.copyOf().also { salt.fill(0) }

    /** The master key (a copy; `fill(0)` it when done). */
    val key: ByteArray get() = keyValue.copyOf()

    /** The master salt (a copy; `fill(0)` it when done). */
    val salt: ByteArray get() = saltValue.copyOf()

    /** Wipes this object's copies. */
    fun wipe() {
        keyValue.fill(0)
        saltValue.fill(0)
    }

    /** No key in it. */
    override fun toString(): String = "SrtpKeys(${keyValue.size} B key, ${saltValue.size} B salt)"
}

/**
 * A call message (`PROTOCOL.md` §19.3), sent as content of type
 * [ContentType.CALL], one message per recipient device: make one with
 * [offer], [keyUpdate], [answer], [leave] or [end] and send [encode]'s
 * bytes; read a received body with [decode]. An offer or key update holds
 * a secret that never leaves the library but as the keys derived from it
 * ([srtp], or a [GroupCall]); closing the message wipes it.
 */
class CallSignal private constructor(handle: Long) : CallObject(CallHandle.SIGNAL, handle) {
    private val info = LongArray(5)
    private val id: ByteArray = locked { Native.callSignalInfo(it, info) }

    /** What it says. */
    val kind: CallSignalKind = CallSignalKind.of(info[0].toInt())

    /** The call's id, 16 bytes (a copy). */
    val callId: ByteArray get() = id.copyOf()

    /** The epoch (0 for a 1:1 call). */
    val epoch: Long = info[1]

    /** A video call. */
    val video: Boolean = info[2] == 1L

    /** Whether it carries a secret (offers and key updates). */
    val hasSecret: Boolean = info[3] == 1L

    /** The participants' indices (for offers and key updates; else empty). */
    val participants: List<Long> by lazy { locked { Native.callSignalParticipants(it).toList() } }

    /**
     * The body to send as [ContentType.CALL] (it holds the secret: pass it
     * to the store's send and drop it).
     */
    fun encode(): ByteArray = locked { Native.callSignalEncode(it) }

    /**
     * The SRTP master key and salt of a 1:1 call's [direction] for
     * [profile], from the offer's secret: the same on both sides, different
     * per direction. A message without a secret is
     * [SottoError.INVALID_ARGUMENT].
     */
    fun srtp(profile: SrtpProfile, direction: CallDirection): SrtpKeys {
        val salt = arrayOfNulls<ByteArray>(1)
        val key = locked { Native.callSignalSrtp(it, profile.code, direction.code, salt) }
        return SrtpKeys(key, salt[0]!!)
    }

    override fun toString(): String = "CallSignal($kind, epoch=$epoch, video=$video, participants=${info[4]})"

    companion object {
        /** Owns the new handle [h], freed if reading it fails. */
        private fun adopt(h: Long): CallSignal =
            try {
                CallSignal(h)
            } catch (e: Throwable) {
                Native.callFree(CallHandle.SIGNAL, h)
                throw e
            }

        private fun make(kind: CallSignalKind, callId: ByteArray, epoch: Long, video: Boolean, participants: List<Long>) =
            adopt(Native.callSignalNew(kind.code, callId, epoch, video, participants.toLongArray()))

        /**
         * An offer of call [callId] (16 bytes), with a fresh secret: a new
         * one per recipient device. [participants] are the call's indices
         * (none for a 1:1 call).
         */
        @JvmStatic
        @JvmOverloads
        fun offer(callId: ByteArray, video: Boolean, participants: List<Long> = emptyList()): CallSignal =
            make(CallSignalKind.OFFER, callId, 0, video, participants)

        /**
         * A group call's new [epoch] (above the current one) with a fresh
         * secret, for [participants] (at most [MAX_CALL_PARTICIPANTS],
         * distinct): send it to each of them.
         */
        @JvmStatic
        fun keyUpdate(callId: ByteArray, epoch: Long, participants: List<Long>): CallSignal =
            make(CallSignalKind.KEY_UPDATE, callId, epoch, false, participants)

        /** The callee accepts call [callId]. */
        @JvmStatic
        fun answer(callId: ByteArray): CallSignal = make(CallSignalKind.ANSWER, callId, 0, false, emptyList())

        /** The sender leaves call [callId]. */
        @JvmStatic
        fun leave(callId: ByteArray): CallSignal = make(CallSignalKind.LEAVE, callId, 0, false, emptyList())

        /** Call [callId] ends for everyone. */
        @JvmStatic
        fun end(callId: ByteArray): CallSignal = make(CallSignalKind.END, callId, 0, false, emptyList())

        /** Decodes a received [ContentType.CALL] body (it holds the secret: drop it after). */
        @JvmStatic
        fun decode(body: ByteArray): CallSignal = adopt(Native.callSignalDecode(body))
    }
}

/**
 * Refuses old and replayed offers: an offer sent more than 60 s ago
 * ([SottoError.EXPIRED]), more than 30 s ahead ([SottoError.STALE]), or
 * whose call id it let through among the last 256
 * ([SottoError.DUPLICATE_MESSAGE]).
 */
class OfferGuard : CallObject(CallHandle.OFFER_GUARD, Native.offerGuardNew()) {
    /**
     * Lets an offer for [callId] sent at [sentAtMs] (its envelope's time)
     * through at [nowMs], once; nothing changes on error.
     */
    fun admit(callId: ByteArray, sentAtMs: Long, nowMs: Long): Unit =
        locked { Native.offerGuardAdmit(it, callId, sentAtMs, nowMs) }
}

/** What a decrypted SFrame was: its key id [kid] (64 bits), [counter] and the frame's [length]. */
data class SframeInfo(val kid: Long, val counter: Long, val length: Int)

/**
 * One sender's SFrame encryption (RFC 9605) under key id [kid] (its 64
 * bits) from [baseKey] (1 to 64 bytes). Each frame goes into an array of
 * the caller's with the seven-argument [encrypt], so a media pipeline
 * reuses its buffers; the two-argument one returns a new array.
 */
class SframeEncryptor(suite: SframeSuite, kid: Long, baseKey: ByteArray) :
    CallObject(CallHandle.SFRAME_ENCRYPTOR, Native.sframeEncryptorNew(suite.code, kid, baseKey)) {
    /** Exactly how many bytes the next frame of [frameLength] bytes takes once encrypted. */
    fun sframeLength(frameLength: Int): Int = locked { Native.sframeEncryptorSframeLen(it, frameLength) }

    /**
     * Encrypts [length] bytes of [frame] from [offset], with [metadata] (at
     * most 1,007 bytes) as associated data, into [output] from
     * [outputOffset], which needs [sframeLength] bytes of room
     * ([SottoError.BUFFER_TOO_SMALL] otherwise, and nothing changes).
     * Returns the SFrame's length.
     */
    fun encrypt(metadata: ByteArray, frame: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int =
        locked { Native.sframeEncryptorEncrypt(it, metadata, frame, offset, length, output, outputOffset) }

    /** Encrypts [frame] with [metadata]: the SFrame. */
    @JvmOverloads
    fun encrypt(frame: ByteArray, metadata: ByteArray = EMPTY): ByteArray = locked {
        val out = ByteArray(Native.sframeEncryptorSframeLen(it, frame.size))
        val n = Native.sframeEncryptorEncrypt(it, metadata, frame, 0, frame.size, out, 0)
        if (n == out.size) out else out.copyOf(n)
    }
}

/**
 * SFrame decryption of every key it holds (at most 256), with a replay
 * window of 128 counters per key. A frame under a key it does not hold is
 * [SottoError.UNKNOWN_SENDER_KEY], a replay [SottoError.DUPLICATE_MESSAGE],
 * a tampered frame [SottoError.DECRYPT_FAILED]; nothing is written then.
 */
class SframeDecryptor(suite: SframeSuite) : CallObject(CallHandle.SFRAME_DECRYPTOR, Native.sframeDecryptorNew(suite.code)) {
    /** Adds the key of [kid] from its [baseKey] (a key id already held is [SottoError.DUPLICATE_MESSAGE]). */
    fun addKey(kid: Long, baseKey: ByteArray): Unit = locked { Native.sframeDecryptorAddKey(it, kid, baseKey) }

    /** Forgets the key of [kid] ([SottoError.NOT_FOUND] if not held): its frames are refused from now on. */
    fun removeKey(kid: Long): Unit = locked { Native.sframeDecryptorRemoveKey(it, kid) }

    /**
     * Decrypts [length] bytes of [sframe] from [offset], with [metadata],
     * into [output] from [outputOffset] (room for the whole SFrame is
     * always enough; less than the frame is [SottoError.BUFFER_TOO_SMALL]).
     */
    fun decrypt(metadata: ByteArray, sframe: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): SframeInfo {
        val info = LongArray(2)
        val n = locked { Native.sframeDecryptorDecrypt(it, metadata, sframe, offset, length, output, outputOffset, info) }
        return SframeInfo(info[0], info[1], n)
    }

    /** Decrypts [sframe] with [metadata]: what it was, and the frame. */
    @JvmOverloads
    fun decrypt(sframe: ByteArray, metadata: ByteArray = EMPTY): kotlin.Pair<SframeInfo, ByteArray> {
        val out = ByteArray(sframe.size)
        val info = decrypt(metadata, sframe, 0, sframe.size, out, 0)
        return kotlin.Pair(info, out.copyOf(info.length).also { out.fill(0) })
    }
}

/** What a decrypted group-call frame was: the [epoch] it was sent in, its [sender]'s index and its [length]. */
data class CallFrame(val epoch: Long, val sender: Long, val length: Int)

/**
 * One device's side of the group call [callId] (16 bytes) as participant
 * [me], with [suite]: [install] each epoch a key update brings (and the
 * offer that starts it), [encrypt] our frames, [decrypt] everyone else's.
 * A participant who left never gets the next epoch's secret; one who joined
 * never had the earlier ones. Frames go into arrays of the caller's with
 * the seven-argument [encrypt] and the eight-argument [decrypt].
 */
class GroupCall(callId: ByteArray, suite: SframeSuite, me: Long) :
    CallObject(CallHandle.GROUP_CALL, Native.groupCallNew(callId, suite.code, me)) {
    /**
     * Installs the epoch that [signal] (an offer or key update) carries, at
     * [nowMs]: its epoch must be above the current one ([SottoError.STALE]),
     * this device among its participants ([SottoError.NOT_A_MEMBER]), for
     * this call ([SottoError.WRONG_TYPE]). The previous epoch's frames play
     * for 2 s more. Nothing changes on error.
     */
    fun install(signal: CallSignal, nowMs: Long): Unit = locked { c -> signal.locked { s -> Native.groupCallInstall(c, s, nowMs) } }

    /** How many bytes our next frame of [frameLength] bytes takes (no epoch yet: [SottoError.UNKNOWN_SENDER_KEY]). */
    fun sframeLength(frameLength: Int): Int = locked { Native.groupCallSframeLen(it, frameLength) }

    /** Encrypts one of our frames under the current epoch, as [SframeEncryptor.encrypt]. */
    fun encrypt(metadata: ByteArray, frame: ByteArray, offset: Int, length: Int, output: ByteArray, outputOffset: Int): Int =
        locked { Native.groupCallEncrypt(it, metadata, frame, offset, length, output, outputOffset) }

    /** Encrypts [frame] with [metadata] under the current epoch: the SFrame. */
    @JvmOverloads
    fun encrypt(frame: ByteArray, metadata: ByteArray = EMPTY): ByteArray = locked {
        val out = ByteArray(Native.groupCallSframeLen(it, frame.size))
        val n = Native.groupCallEncrypt(it, metadata, frame, 0, frame.size, out, 0)
        if (n == out.size) out else out.copyOf(n)
    }

    /**
     * Decrypts a participant's frame at [nowMs], as
     * [SframeDecryptor.decrypt]. A frame of an epoch whose keys are gone (or
     * never came) is [SottoError.UNKNOWN_SENDER_KEY].
     */
    fun decrypt(
        metadata: ByteArray,
        sframe: ByteArray,
        offset: Int,
        length: Int,
        output: ByteArray,
        outputOffset: Int,
        nowMs: Long,
    ): CallFrame {
        val info = LongArray(2)
        val n = locked { Native.groupCallDecrypt(it, metadata, sframe, offset, length, output, outputOffset, nowMs, info) }
        return CallFrame(info[0], info[1], n)
    }

    /** Decrypts [sframe] with [metadata] at [nowMs]: what it was, and the frame. */
    @JvmOverloads
    fun decrypt(sframe: ByteArray, nowMs: Long, metadata: ByteArray = EMPTY): kotlin.Pair<CallFrame, ByteArray> {
        val out = ByteArray(sframe.size)
        val frame = decrypt(metadata, sframe, 0, sframe.size, out, 0, nowMs)
        return kotlin.Pair(frame, out.copyOf(frame.length).also { out.fill(0) })
    }
}
