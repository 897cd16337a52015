package org.sotto

/** How precisely a shared location is revealed; coarser levels snap the coordinates to a grid before encryption. */
enum class Precision(val code: Int) {
    EXACT(0),
    STREET(1),
    NEIGHBOURHOOD(2),
    CITY(3),
}

/**
 * One location fix. Every fix encrypts to the same size, whatever is set.
 * Ranges are those of the protocol (latitude ±90°, longitude ±180°, heading
 * below 360°); a value out of range is [SottoError.INVALID_LOCATION].
 */
data class Location(
    /** Latitude, 1e-7 degree. */
    val latitudeE7: Int,
    /** Longitude, 1e-7 degree. */
    val longitudeE7: Int,
    /** Horizontal accuracy, centimetres. */
    val accuracyCm: Int,
    /** Altitude, centimetres. */
    val altitudeCm: Int? = null,
    /** Heading, 0.01 degree. */
    val headingCentideg: Int? = null,
    /** Speed, centimetres per second. */
    val speedCmS: Int? = null,
    /** Milliseconds since the Unix epoch. */
    val timestampMs: Long,
    /** The app's sequence number. */
    val sequence: Long,
    val precision: Precision = Precision.EXACT,
) {
    internal fun toLongs(): LongArray = longArrayOf(
        latitudeE7.toLong(), longitudeE7.toLong(), accuracyCm.toLong(),
        flag(altitudeCm), (altitudeCm ?: 0).toLong(),
        flag(headingCentideg), (headingCentideg ?: 0).toLong(),
        flag(speedCmS), (speedCmS ?: 0).toLong(),
        timestampMs, sequence, precision.code.toLong(),
    )

    internal companion object {
        private fun flag(v: Int?): Long = if (v == null) 0 else 1

        fun fromLongs(l: LongArray) = Location(
            latitudeE7 = l[0].toInt(), longitudeE7 = l[1].toInt(), accuracyCm = l[2].toInt(),
            altitudeCm = if (l[3] == 1L) l[4].toInt() else null,
            headingCentideg = if (l[5] == 1L) l[6].toInt() else null,
            speedCmS = if (l[7] == 1L) l[8].toInt() else null,
            timestampMs = l[9], sequence = l[10],
            precision = Precision.entries.firstOrNull { it.code.toLong() == l[11] } ?: Precision.EXACT,
        )
    }
}

/**
 * The sending side of a live-location share: one key ratchet for all
 * viewers, so a viewer who missed thousands of updates catches up in a few
 * hashes. Wiped when closed.
 */
class LocationShare private constructor(handle: Long) : StatefulObject(Kind.SHARE, handle) {
    /**
     * Starts sharing in conversation [context] with [viewers] until [expiresAt] (seconds since the
     * epoch). [identity] is this device's own: the distributions name it as the sharer, and viewers
     * accept them only over a session with it.
     */
    constructor(identity: Identity, context: ByteArray, viewers: List<IdentityKey>, expiresAt: Long, precision: Precision) :
        this(identity.locked { Native.shareNew(it, context, IdentityKey.concat(viewers), expiresAt, precision.code) })

    /** The key to send each viewer over their pairwise session. */
    fun distribution(): ByteArray = locked { Native.shareDistribution(it) }

    /** Adds a viewer; returns the distribution to send them (the current position only: they cannot read earlier updates). */
    fun addViewer(viewer: IdentityKey): ByteArray = locked { Native.shareChangeViewer(it, viewer.raw, true) }

    /** Removes a viewer and rekeys; returns the distribution for the viewers who remain. */
    fun removeViewer(viewer: IdentityKey): ByteArray = locked { Native.shareChangeViewer(it, viewer.raw, false) }

    /** Encrypts one update (always the same size). */
    fun encrypt(location: Location, now: Long): ByteArray = locked { Native.shareEncrypt(it, location.toLongs(), now) }

    companion object {
        /** Restores a share from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = LocationShare(Native.import(Kind.SHARE, data))

        /** Restores a share from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = LocationShare(Native.open(Kind.SHARE, key, sealed))

        internal fun adopt(handle: Long) = LocationShare(handle)
    }
}

/** The receiving side of a live-location share: keeps only the latest position. Wiped when closed. */
class LocationViewer private constructor(handle: Long) : StatefulObject(Kind.VIEWER, handle) {
    /** From the sharer's [distribution], received over their session. */
    constructor(context: ByteArray, sender: IdentityKey, distribution: ByteArray) :
        this(Native.viewerNew(context, sender.raw, distribution))

    /** Takes in a new distribution after the sharer rekeyed. */
    fun processDistribution(distribution: ByteArray): Unit = locked { Native.viewerProcessDistribution(it, distribution) }

    /** Decrypts an update, catching up over any gap; an older update is [SottoError.STALE]. */
    fun decrypt(update: ByteArray, now: Long): Location = locked { Location.fromLongs(Native.viewerDecrypt(it, update, now)) }

    companion object {
        /** Restores a viewer from [exported]. */
        @JvmStatic
        fun fromExported(data: ByteArray) = LocationViewer(Native.import(Kind.VIEWER, data))

        /** Restores a viewer from [sealed] under the same [key]. */
        @JvmStatic
        fun fromSealed(sealed: ByteArray, key: ByteArray) = LocationViewer(Native.open(Kind.VIEWER, key, sealed))

        internal fun adopt(handle: Long) = LocationViewer(handle)
    }
}
