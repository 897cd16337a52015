package org.sotto

import java.util.concurrent.Executors
import java.util.concurrent.TimeUnit

val objectTests = listOf(
    "every status code maps to an error and back, with its own description" to {
        val codes = (1..32).toList() + 255
        val errors = codes.map { SottoError.of(it) }
        assertEquals(codes, errors.map { it.code })
        assertTrue(SottoError.UNKNOWN !in errors, "every code is known")
        assertEquals(codes.size, errors.map { it.description }.toSet().size)
        assertEquals(SottoError.UNKNOWN, SottoError.of(33))
        assertEquals("unknown status", Native.statusMessage(33))
        assertEquals(SottoError.entries.size, codes.size + 1)
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
