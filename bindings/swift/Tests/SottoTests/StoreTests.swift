import Foundation
import Sotto
import XCTest

final class StoreTests: XCTestCase {
    let now: UInt64 = 1_800_000_000

    func testConversationThroughStoresSurvivesARestart() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alicePath = dir.appendingPathComponent("alice.db").path
        let bobPath = dir.appendingPathComponent("bob.db").path
        let aliceKey = Data(repeating: 1, count: 32)
        let bobKey = Data(repeating: 2, count: 32)

        let bobId = try Identity()
        let prekeys = try PrekeyStore(identity: bobId, now: now)
        try prekeys.generateOneTimePrekeys(1)
        var bob: Store? = try Store(path: bobPath, key: bobKey)
        XCTAssertThrowsError(try bob!.deviceIdentity()) { error in
            XCTAssertEqual(error as? SottoError, .noDeviceIdentity)
        }
        XCTAssertThrowsError(try bob!.setDevice(identity: try Identity(), prekeys: prekeys)) { error in
            XCTAssertEqual(error as? SottoError, .deviceMismatch)
        }
        XCTAssertThrowsError(try bob!.save(identity: bobId, name: Data())) { error in
            XCTAssertEqual(error as? SottoError, .invalidName)
        }
        try bob!.setDevice(identity: bobId, prekeys: prekeys)
        let alice = try Store(path: alicePath, key: aliceKey)
        try alice.save(session: try Session(identity: try Identity(), bundle: try prekeys.bundle(identity: bobId)), contact: Data("bob".utf8))

        let out = try alice.encrypt(contact: Data("bob".utf8), Data("hi Bob".utf8))
        try alice.ackOutgoing(out.id)
        let got = try bob!.decrypt(contact: Data("alice".utf8), out.message, now: now)
        XCTAssertEqual(got.plaintext, Data("hi Bob".utf8))
        XCTAssertThrowsError(try bob!.decrypt(contact: Data("alice".utf8), out.message, now: now)) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }
        // Bob's app is killed before it showed the message: it is still in the inbox.
        bob = nil
        XCTAssertThrowsError(try Store(path: bobPath, key: aliceKey)) { error in
            XCTAssertEqual(error as? SottoError, .storeKeyMismatch)
        }
        let reopened = try Store(path: bobPath, key: bobKey)
        let pending = try reopened.pendingIncoming()
        XCTAssertEqual(pending.count, 1)
        XCTAssertEqual(pending[0].conversation, Data("alice".utf8))
        XCTAssertEqual(pending[0].plaintext, Data("hi Bob".utf8))
        try reopened.ackIncoming(pending[0].id)
        XCTAssertEqual(try reopened.pendingIncoming().count, 0)
        XCTAssertThrowsError(try reopened.session(contact: Data("nobody".utf8))) { error in
            XCTAssertEqual(error as? SottoError, .notFound)
        }
        XCTAssertEqual(try reopened.deviceIdentity().publicKey, bobId.publicKey)
        XCTAssertEqual(try reopened.devicePrekeys().oneTimePrekeyCount, 0)
    }

    func testAStoreSharedByThreadsListsItsOutboxWhileSending() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-threads-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let bobId = try Identity()
        let prekeys = try PrekeyStore(identity: bobId, now: now)
        try prekeys.generateOneTimePrekeys(1)
        let store = try Store(path: dir.appendingPathComponent("a.db").path, key: Data(repeating: 3, count: 32), durable: false)
        try store.save(session: try Session(identity: try Identity(), bundle: try prekeys.bundle(identity: bobId)), contact: Data("bob".utf8))
        let lock = NSLock()
        var failures = 0
        DispatchQueue.concurrentPerform(iterations: 4) { t in
            for _ in 0..<50 {
                do {
                    if t % 2 == 0 {
                        let out = try store.encrypt(contact: Data("bob".utf8), Data("x".utf8))
                        try store.ackOutgoing(out.id)
                    } else {
                        _ = try store.pendingOutgoing()
                    }
                } catch {
                    lock.lock(); failures += 1; lock.unlock()
                }
            }
        }
        XCTAssertEqual(failures, 0)
        XCTAssertEqual(try store.pendingOutgoing().count, 0)
    }

    /// A store for `identity` on a new file, with its own prekeys.
    private func deviceStore(_ dir: URL, _ name: String, _ identity: Identity) throws -> Store {
        let store = try Store(
            path: dir.appendingPathComponent("\(name).db").path, key: Data(repeating: UInt8(name.count), count: 32),
            durable: false)
        try store.setDevice(identity: identity, prekeys: try PrekeyStore(identity: identity, now: now))
        return store
    }

    func testTheStoreRefusesAChangedIdentityUntilAcceptedAndReportsTheSender() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-trust-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let (aliceName, bobName) = (Data("alice".utf8), Data("bob".utf8))
        let aliceId = try Identity()
        let bobId = try Identity()
        let malloryId = try Identity()
        let aliceKey = aliceId.publicKey
        let malloryKey = malloryId.publicKey
        let prekeys = try PrekeyStore(identity: bobId, now: now)
        try prekeys.generateOneTimePrekeys(3)
        let bob = try Store(path: dir.appendingPathComponent("bob.db").path, key: Data(repeating: 2, count: 32), durable: false)
        try bob.setDevice(identity: bobId, prekeys: prekeys)
        let alice = try deviceStore(dir, "alice", aliceId)
        let mallory = try deviceStore(dir, "mallory", malloryId)

        // Alice starts under her store's trust: Bob is new to her.
        XCTAssertEqual(try alice.initiate(contact: bobName, bundle: try prekeys.bundle(identity: bobId, oneTimeIndex: 0), now: now), .new)
        let hi = try alice.encrypt(contact: bobName, Data("hi Bob".utf8))
        let got = try bob.decrypt(contact: aliceName, hi.message, now: now)
        XCTAssertEqual(got.plaintext, Data("hi Bob".utf8))
        XCTAssertEqual(got.sender, aliceKey)
        XCTAssertNil(got.identityChanged)
        XCTAssertEqual(try bob.pendingIncoming().map { $0.sender }, [aliceKey])
        try bob.ackIncoming(got.id)
        XCTAssertNil(try bob.trustRecord(contact: aliceName)?.pending)
        try bob.setVerified(contact: aliceName, aliceKey, true)
        XCTAssertThrowsError(try bob.setVerified(contact: aliceName, malloryKey, true)) { error in
            XCTAssertEqual(error as? SottoError, .untrustedIdentity)
        }
        // A bundle from another identity than Bob's, under "bob", is refused too.
        let other = try PrekeyStore(identity: malloryId, now: now)
        try other.generateOneTimePrekeys(1)
        XCTAssertThrowsError(
            try alice.initiate(contact: bobName, bundle: try other.bundle(identity: malloryId, oneTimeIndex: 0), now: now)
        ) { error in
            XCTAssertEqual(error as? SottoError, .identityChanged)
        }
        XCTAssertEqual(try alice.trustRecord(contact: bobName)?.pending?.identity, malloryKey)

        // Mallory's first message, filed under "alice": refused, held as pending.
        XCTAssertEqual(try mallory.initiate(contact: bobName, bundle: try prekeys.bundle(identity: bobId, oneTimeIndex: 1), now: now), .new)
        let forged = try mallory.encrypt(contact: bobName, Data("new phone".utf8)).message
        let before = try bob.generation()
        XCTAssertThrowsError(try bob.decrypt(contact: aliceName, forged, now: now)) { error in
            XCTAssertEqual(error as? SottoError, .identityChanged)
        }
        XCTAssertEqual(try bob.pendingIncoming().count, 0)
        let record = try XCTUnwrap(try bob.trustRecord(contact: aliceName))
        XCTAssertEqual(record.identity, aliceKey)
        XCTAssertEqual(record.firstSeen, now)
        XCTAssertTrue(record.verified, "Alice stays verified while the change is pending")
        XCTAssertEqual(record.pending?.identity, malloryKey)
        XCTAssertEqual(record.pending?.seenAt, now)
        XCTAssertNil(try bob.trustRecord(contact: Data("nobody".utf8)))

        // Accepted: the same message now decrypts, and says who it is from.
        XCTAssertThrowsError(try bob.acceptIdentityChange(contact: aliceName, aliceKey, now: now)) { error in
            XCTAssertEqual(error as? SottoError, .untrustedIdentity)
        }
        try bob.acceptIdentityChange(contact: aliceName, malloryKey, now: now + 1)
        let accepted = try XCTUnwrap(try bob.trustRecord(contact: aliceName))
        XCTAssertEqual(accepted.identity, malloryKey)
        XCTAssertEqual(accepted.firstSeen, now + 1)
        XCTAssertFalse(accepted.verified)
        XCTAssertNil(accepted.pending)
        let taken = try bob.decrypt(contact: aliceName, forged, now: now)
        XCTAssertEqual(taken.plaintext, Data("new phone".utf8))
        XCTAssertEqual(taken.sender, malloryKey)
        XCTAssertNil(taken.identityChanged)
        try bob.ackIncoming(taken.id)
        XCTAssertGreaterThan(try bob.generation(), before)

        // Warn: Alice's new first message (from a reinstalled app) is taken and reported.
        XCTAssertEqual(try bob.trustPolicy(), .block)
        try bob.setTrustPolicy(.warn)
        XCTAssertEqual(try bob.trustPolicy(), .warn)
        let reinstalled = try deviceStore(dir, "reinstalled alice", aliceId)
        XCTAssertEqual(try reinstalled.initiate(contact: bobName, bundle: try prekeys.bundle(identity: bobId, oneTimeIndex: 2), now: now), .new)
        let back = try reinstalled.encrypt(contact: bobName, Data("it's Alice".utf8)).message
        let warned = try bob.decrypt(contact: aliceName, back, now: now)
        XCTAssertEqual(warned.plaintext, Data("it's Alice".utf8))
        XCTAssertEqual(warned.sender, aliceKey)
        XCTAssertEqual(warned.identityChanged, malloryKey)
        // The inbox, as listed after a restart, says so too.
        let pending = try bob.pendingIncoming()
        XCTAssertEqual(pending.count, 1)
        XCTAssertEqual(pending.first?.id, warned.id)
        XCTAssertEqual(pending.first?.sender, aliceKey)
        XCTAssertEqual(pending.first?.identityChanged, malloryKey)
        let record2 = try XCTUnwrap(try bob.trustRecord(contact: aliceName))
        XCTAssertEqual(record2.identity, aliceKey)
        XCTAssertFalse(record2.verified)
    }

    func testTrustCatchesAChangedIdentity() throws {
        let trust = try TrustStore()
        let first = try Identity().publicKey
        let second = try Identity().publicKey
        XCTAssertEqual(try trust.observe(Data("bob".utf8), first, now: now), .new)
        try trust.setVerified(Data("bob".utf8), first, true)
        XCTAssertEqual(try trust.observe(Data("bob".utf8), first, now: now), .known(verified: true))
        XCTAssertEqual(
            try trust.observe(Data("bob".utf8), second, now: now),
            .changed(previous: first, wasVerified: true, blocked: true))
        XCTAssertThrowsError(try trust.check(Data("bob".utf8), second)) { error in
            XCTAssertEqual(error as? SottoError, .untrustedIdentity)
        }
        try trust.acceptChange(Data("bob".utf8), second, now: now)
        XCTAssertNoThrow(try trust.check(Data("bob".utf8), second))
    }
}
