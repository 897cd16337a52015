// A 64 B encrypt plus decrypt through the Kotlin API, timed like
// bindings/c-bench.c (median of 21 rounds of 2000, after JIT warm-up), to
// set next to the Rust API and the C ABI. Run by `bindings/run-tests --bench`.
package org.sotto

fun main() {
    val now = 1_800_000_000L
    val alice = Identity.generate()
    val bob = Identity.generate()
    val prekeys = PrekeyStore(bob, now)
    prekeys.generateOneTimePrekeys(1)
    val a = Session.initiate(alice, prekeys.bundle(bob))
    val (b, _) = prekeys.accept(bob, a.encrypt("hi".toByteArray()), now)
    a.decrypt(b.encrypt("hi".toByteArray()))
    val plaintext = ByteArray(64) { 0x5a }

    fun round(n: Int): Double {
        val start = System.nanoTime()
        repeat(n) { b.decrypt(a.encrypt(plaintext)) }
        return (System.nanoTime() - start).toDouble() / n / 1000
    }

    repeat(10) { round(2_000) } // JIT warm-up
    val samples = List(21) { round(2_000) }.sorted()
    println("kotlin: 64 B encrypt + decrypt %.2f µs (median of 21 rounds of 2000; fastest %.2f)".format(samples[10], samples[0]))
    listOf(a, b, prekeys, alice, bob).forEach { it.close() }
}
