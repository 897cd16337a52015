// Two devices that have never met, in Swift: Bob registers, Alice starts a
// session from his bundle, and they exchange messages through their stores.
import Foundation
import Sotto

let nowMs: UInt64 = 1_800_000_000_000  // the app's clock, milliseconds since the epoch
let now = nowMs / 1000  // seconds, for session setup
let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-quickstart-\(getpid())")
try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: dir) }

// Bob registers: an identity and prekeys, kept in his store (its key comes
// from the platform keychain in a real app). The public bundle goes to the
// server (with his first one-time prekey).
let bob = try Store(path: dir.appendingPathComponent("bob.db").path, key: Data(repeating: 2, count: 32))
let bobIdentity = try Identity()
let bobPrekeys = try PrekeyStore(identity: bobIdentity, now: now)
try bobPrekeys.generateOneTimePrekeys(10)
try bob.setDevice(identity: bobIdentity, prekeys: bobPrekeys)
let bundle = try bobPrekeys.bundle(identity: bobIdentity)

// Alice registers too, fetches Bob's bundle and starts a session.
let alice = try Store(path: dir.appendingPathComponent("alice.db").path, key: Data(repeating: 1, count: 32))
let aliceIdentity = try Identity()
try alice.setDevice(identity: aliceIdentity, prekeys: try PrekeyStore(identity: aliceIdentity, now: now))
_ = try alice.initiate(contact: Data("bob".utf8), bundle: bundle, now: now)

// Alice sends; the message is committed to her outbox before she gets it.
let sent = try alice.send(to: Data("bob".utf8), content: .text("Hi Bob"), nowMs: nowMs)
// ... the server delivers sent.message to Bob ...
try alice.ackOutgoing(sent.id)

// Bob receives under the name the server gives; the store checks who really
// sent it, and keeps the text in his inbox until shown.
let got = try bob.receive(from: Data("alice".utf8), message: sent.message, nowMs: nowMs)
if case .text(let text)? = got.content {
    print("Bob reads: \(text)")
}
try bob.ackIncoming(got.id)

// And replies.
let reply = try bob.send(to: Data("alice".utf8), content: .text("Hi Alice"), nowMs: nowMs + 1000)
try bob.ackOutgoing(reply.id)
let answer = try alice.receive(from: Data("bob".utf8), message: reply.message, nowMs: nowMs + 2000)
if case .text(let text)? = answer.content {
    print("Alice reads: \(text)")
}
try alice.ackIncoming(answer.id)
