package org.sotto

/**
 * A native object owned by this Kotlin object. [close] frees it and wipes
 * its secrets; call it when done (`use { }`), since the garbage collector
 * does not. Every call holds this object's lock, so an object may be shared
 * between threads (calls on it run one at a time) and is never freed while
 * a call uses it. A call after [close] throws [IllegalStateException].
 *
 * Lock order, for calls that take two objects: a [Store] before what it
 * saves; an object before the [Identity] or [TrustStore] it reads; a
 * [GroupCall] before the [CallSignal] it installs.
 */
abstract class NativeObject internal constructor(internal val handleKind: Int, handle: Long) : AutoCloseable {
    internal var handle: Long = handle
        private set

    /** Whether [close] was called. */
    val isClosed: Boolean get() = synchronized(this) { handle == 0L }

    /** Frees the native object and wipes its secrets; a second call does nothing. */
    override fun close() {
        synchronized(this) {
            val h = handle
            handle = 0
            if (h != 0L) free(h)
        }
    }

    /** Frees the live handle [h] by its kind; the classes outside `Kind` free their own. */
    internal open fun free(h: Long) = Native.free(handleKind, h)

    /** Runs [block] with the live handle, under this object's lock. */
    internal inline fun <R> locked(block: (Long) -> R): R = synchronized(this) {
        check(handle != 0L) { "${javaClass.simpleName} is closed" }
        block(handle)
    }
}

/**
 * A native object with state that can be exported (plain, for the app's own
 * encrypted storage) or sealed (encrypted under a 32-byte key from the
 * platform keystore), and restored with its class's `fromExported` or
 * `fromSealed`.
 */
abstract class StatefulObject internal constructor(kind: Int, handle: Long) : NativeObject(kind, handle) {
    /** The plain state encoding. It holds keys: store it only encrypted. */
    fun exported(): ByteArray = locked { Native.export(handleKind, it) }

    /** The state encrypted under [key] (32 bytes). */
    fun sealed(key: ByteArray): ByteArray = locked { Native.seal(handleKind, it, key) }
}
