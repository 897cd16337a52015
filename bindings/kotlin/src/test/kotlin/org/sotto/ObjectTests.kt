package org.sotto

import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

val objectTests = listOf(
    "every status code maps to an error and back, with its own description" to {
        // The codes the library describes are exactly the binding's entries.
        val all = (1..999).toList()
        val codes = all.filter { Native.statusMessage(it) != "unknown status" }
        val errors = codes.map { SottoError.of(it) }
        assertEquals(codes, errors.map { it.code })
        assertTrue(SottoError.UNKNOWN !in errors, "every code is known")
        assertEquals(codes.size, errors.map { it.description }.toSet().size)
        all.filter { it !in codes }.forEach { assertEquals(SottoError.UNKNOWN, SottoError.of(it)) }
        assertTrue(codes.size > 30, "the library describes its codes")
        assertEquals(SottoError.entries.size, codes.size + 1)
        assertEquals(Native.ABI_VERSION, Native.abiVersion())
    },
    "a closed object refuses calls; closing twice is harmless" to {
        val p = pair()
        p.b.close()
        p.b.close()
        assertTrue(p.b.isClosed, "closed")
        assertThrows<IllegalStateException> { p.b.encrypt(bytes("x")) }
        assertThrows<IllegalStateException> { p.prekeys.accept(p.bob.also { it.close() }, ByteArray(0), NOW) }
        assertError(SottoError.INVALID_ARGUMENT) { Native.free(99, 1) }
    },
    "one session shared by eight threads: every message decrypts once" to {
        val p = pair()
        val pool = Executors.newFixedThreadPool(8)
        val sent = (0 until 400).map { i -> pool.submit<ByteArray> { p.a.encrypt(bytes("t$i")) } }.map { it.get() }
        val got = sent.map { m -> pool.submit<String> { String(p.b.decrypt(m)) } }.map { it.get() }
        pool.shutdown()
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS), "pool finished")
        assertEquals((0 until 400).map { "t$it" }.toSet(), got.toSet())
    },
)

/** One object of every stateful kind, with a check that a copy still works. */
private fun everyKind(): List<kotlin.Pair<StatefulObject, (StatefulObject) -> Unit>> {
    val p = pair()
    val m = p.a.encrypt(bytes("for the copy"))
    val key = p.bob.publicKey
    val group = Group(p.alice, bytes("g"), listOf(key))
    val share = LocationShare(p.alice, bytes("c"), listOf(key), NOW + 60, Precision.EXACT)
    val viewer = LocationViewer(bytes("c"), p.alice.publicKey, share.distribution())
    val trust = TrustStore().also { it.observe(bytes("bob"), key, NOW) }
    val spot = Location(latitudeE7 = 1, longitudeE7 = 2, accuracyCm = 3, timestampMs = NOW * 1000, sequence = 1)
    val update = share.encrypt(spot, NOW)
    return listOf(
        p.alice to { c -> assertEquals(p.alice.publicKey, (c as Identity).publicKey) },
        p.prekeys to { c -> assertEquals(2, (c as PrekeyStore).oneTimePrekeyCount) },
        trust to { c -> (c as TrustStore).check(bytes("bob"), key) },
        p.b to { c -> assertEquals(bytes("for the copy"), (c as Session).decrypt(m)) },
        group to { c -> assertEquals(group.distribution(), (c as Group).distribution()) },
        share to { c -> assertEquals(share.distribution(), (c as LocationShare).distribution()) },
        viewer to { c -> assertEquals(spot, (c as LocationViewer).decrypt(update, NOW)) },
    )
}

private fun restore(kind: Int, how: String, obj: StatefulObject, key: ByteArray, store: Store): StatefulObject = when (how) {
    "exported" -> restoreFrom(kind, Native.import(kind, obj.exported()))
    "sealed" -> restoreFrom(kind, Native.open(kind, key, obj.sealed(key)))
    else -> {
        store.save(obj, bytes("name"))
        restoreFrom(kind, Native.storeLoad(kind, store.handle, bytes("name")))
    }
}

private fun restoreFrom(kind: Int, h: Long): StatefulObject = when (kind) {
    Kind.IDENTITY -> Identity.adopt(h)
    Kind.PREKEYS -> PrekeyStore.adopt(h)
    Kind.TRUST -> TrustStore.adopt(h)
    Kind.SESSION -> Session.adopt(h)
    Kind.GROUP -> Group.adopt(h)
    Kind.SHARE -> LocationShare.adopt(h)
    else -> LocationViewer.adopt(h)
}

val kindTests = listOf(
    "every stateful kind: exported, sealed and stored copies work; a wrong key is refused" to {
        val dir = java.nio.file.Files.createTempDirectory("sotto-kinds").toFile()
        val key = ByteArray(32) { 5 }
        Store(java.io.File(dir, "s.db").path, key, durable = false).use { store ->
            for (how in listOf("exported", "sealed", "stored")) {
                for ((obj, works) in everyKind()) {
                    restore(obj.handleKind, how, obj, key, store).use(works)
                    assertError(SottoError.DECRYPT_FAILED) { Native.open(obj.handleKind, ByteArray(32), obj.sealed(key)) }
                }
            }
            // The typed loaders find what save stored under a name.
            Identity.generate().use { id ->
                store.save(id, bytes("me"))
                store.loadIdentity(bytes("me")).use { assertEquals(id.publicKey, it.publicKey) }
            }
        }
        dir.deleteRecursively()
    },
)
