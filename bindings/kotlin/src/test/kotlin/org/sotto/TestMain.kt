package org.sotto

import kotlin.system.exitProcess

/**
 * The test runner: no JUnit is needed to build or run the suite. Each test
 * is a named function; a failure is any exception. Prints one line per test
 * and "N passed, M failed"; exits 1 if any failed.
 */
fun main() {
    val all = sessionTests + groupTests + locationTests + verifyTests + storeTests + groupStoreTests + contentTests + mediaTests + devicesTests + callsTests + sealedSenderTests + pqxdhTests + objectTests + kindTests
    var passed = 0
    var failed = 0
    for ((name, test) in all) {
        try {
            test()
            passed++
            println("ok   $name")
        } catch (e: Throwable) {
            failed++
            println("FAIL $name: $e")
            e.printStackTrace(System.out)
        }
    }
    println("$passed passed, $failed failed")
    exitProcess(if (failed == 0 && passed > 0) 0 else 1)
}

class AssertionFailed(message: String) : Exception(message)

fun assertTrue(condition: Boolean, what: String) {
    if (!condition) throw AssertionFailed(what)
}

fun assertEquals(expected: Any?, actual: Any?) {
    val same = if (expected is ByteArray && actual is ByteArray) expected.contentEquals(actual) else expected == actual
    if (!same) throw AssertionFailed("expected ${show(expected)}, got ${show(actual)}")
}

private fun show(v: Any?): String = if (v is ByteArray) v.toString(Charsets.UTF_8) + " (${v.size} B)" else v.toString()

/** Runs [block], which must throw a [SottoException] with [error]. */
fun assertError(error: SottoError, block: () -> Unit) {
    try {
        block()
    } catch (e: SottoException) {
        if (e.error != error) throw AssertionFailed("expected $error, got ${e.error} (${e.message})")
        return
    }
    throw AssertionFailed("expected $error, nothing was thrown")
}

/** Runs [block], which must throw [T]. */
inline fun <reified T : Throwable> assertThrows(block: () -> Unit): T {
    try {
        block()
    } catch (e: Throwable) {
        if (e is T) return e
        throw AssertionFailed("expected ${T::class.simpleName}, got $e")
    }
    throw AssertionFailed("expected ${T::class.simpleName}, nothing was thrown")
}

fun bytes(s: String): ByteArray = s.toByteArray(Charsets.UTF_8)

const val NOW = 1_800_000_000L
