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
