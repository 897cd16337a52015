// Two devices that have never met, in Kotlin: Bob registers, Alice starts a
// session from his bundle, and they exchange messages through their stores.
import java.io.File
import java.nio.file.Files
import org.sotto.Content
import org.sotto.Identity
import org.sotto.PrekeyStore
import org.sotto.Store

fun main() {
    val nowMs = 1_800_000_000_000L // the app's clock, milliseconds since the epoch
    val now = nowMs / 1000 // seconds, for session setup
    val dir: File = Files.createTempDirectory("sotto-quickstart").toFile()
    try {
        // Bob registers: an identity and prekeys, kept in his store (its key
        // comes from the platform keychain in a real app). The public bundle
        // goes to the server (with his first one-time prekey).
        val bob = Store(File(dir, "bob.db").path, ByteArray(32) { 2 })
        val bobIdentity = Identity.generate()
        val bobPrekeys = PrekeyStore(bobIdentity, now)
        bobPrekeys.generateOneTimePrekeys(10)
        bob.setDevice(bobIdentity, bobPrekeys)
        val bundle = bobPrekeys.bundle(bobIdentity)

        // Alice registers too, fetches Bob's bundle and starts a session.
        val alice = Store(File(dir, "alice.db").path, ByteArray(32) { 1 })
        val aliceIdentity = Identity.generate()
        val alicePrekeys = PrekeyStore(aliceIdentity, now)
        alice.setDevice(aliceIdentity, alicePrekeys)
        alice.initiate("bob".toByteArray(), bundle, now)

        // Alice sends; the message is committed to her outbox before she gets it.
        val sent = alice.send("bob".toByteArray(), Content.Text("Hi Bob"), nowMs)
        // ... the server delivers sent.message to Bob ...
        alice.ackOutgoing(sent.id)

        // Bob receives under the name the server gives; the store checks who
        // really sent it, and keeps the text in his inbox until shown.
        val got = bob.receive("alice".toByteArray(), sent.message, nowMs)
        (got.content as? Content.Text)?.let { println("Bob reads: ${it.text}") }
        bob.ackIncoming(got.id)

        // And replies.
        val reply = bob.send("alice".toByteArray(), Content.Text("Hi Alice"), nowMs + 1000)
        bob.ackOutgoing(reply.id)
        val answer = alice.receive("bob".toByteArray(), reply.message, nowMs + 2000)
        (answer.content as? Content.Text)?.let { println("Alice reads: ${it.text}") }
        alice.ackIncoming(answer.id)

        listOf(alice, bob, aliceIdentity, bobIdentity, alicePrekeys, bobPrekeys).forEach { it.close() }
    } finally {
        dir.deleteRecursively()
    }
}
