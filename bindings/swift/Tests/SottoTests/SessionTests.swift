import Foundation
import Sotto
import XCTest

final class SessionTests: XCTestCase {
    let now: UInt64 = 1_800_000_000

    func pair() throws -> (Session, Session, PrekeyStore) {
        let alice = try Identity()
        let bob = try Identity()
        let store = try PrekeyStore(identity: bob, now: now)
        try store.generateOneTimePrekeys(3)
        let a = try Session(identity: alice, bundle: try store.bundle(identity: bob))
        let first = try a.encrypt(Data("hello".utf8))
        let (b, text) = try store.accept(identity: bob, message: first, now: now)
        XCTAssertEqual(text, Data("hello".utf8))
        return (a, b, store)
    }

    func testOneSessionSharedByEightThreadsDecryptsEveryMessageOnce() throws {
        let (a, b, _) = try pair()
        let lock = NSLock()
        var sent: [Data] = []
        var got: [String] = []
        var failures = 0
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for i in 0..<100 {
                do {
                    let m = try a.encrypt(Data("t\(t).\(i)".utf8))
                    lock.lock(); sent.append(m); lock.unlock()
                } catch {
                    lock.lock(); failures += 1; lock.unlock()
                }
            }
        }
        let messages = sent
        XCTAssertEqual(failures, 0)
        guard messages.count == 800 else { return XCTFail("\(messages.count) of 800 messages encrypted") }
        DispatchQueue.concurrentPerform(iterations: 8) { t in
            for m in messages[(t * 100)..<(t * 100 + 100)] {
                do {
                    let text = String(decoding: try b.decrypt(m), as: UTF8.self)
                    lock.lock(); got.append(text); lock.unlock()
                } catch {
                    lock.lock(); failures += 1; lock.unlock()
                }
            }
        }
        XCTAssertEqual(failures, 0)
        let expected = Set((0..<8).flatMap { t in (0..<100).map { "t\(t).\($0)" } })
        XCTAssertEqual(Set(got), expected)
        XCTAssertEqual(got.count, 800)
    }

    func testOutOfOrderDeliveryAndReplay() throws {
        let (a, b, store) = try pair()
        XCTAssertEqual(store.oneTimePrekeyCount, 2)
        let messages = try (0..<5).map { try a.encrypt(Data("m\($0)".utf8)) }
        for i in [4, 0, 3, 1, 2] {
            XCTAssertEqual(try b.decrypt(messages[i]), Data("m\(i)".utf8))
        }
        XCTAssertThrowsError(try b.decrypt(messages[2])) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }
        let reply = try b.encrypt(Data("reply".utf8))
        XCTAssertEqual(try a.decrypt(reply), Data("reply".utf8))
    }

    func testRestartFromExportedState() throws {
        let (a, b, _) = try pair()
        let saved = try b.exported()
        let m = try a.encrypt(Data("after restart".utf8))
        let restored = try Session(exported: saved)
        XCTAssertEqual(try restored.decrypt(m), Data("after restart".utf8))
    }

    func testTamperingIsRejectedAndChangesNothing() throws {
        let (a, b, _) = try pair()
        let m = try a.encrypt(Data("genuine".utf8))
        var bad = m
        bad[bad.count - 1] ^= 1
        XCTAssertThrowsError(try b.decrypt(bad)) { error in
            XCTAssertEqual(error as? SottoError, .decryptFailed)
        }
        XCTAssertEqual(try b.decrypt(m), Data("genuine".utf8))
        XCTAssertThrowsError(try Session(exported: Data([1, 2, 3]))) { error in
            XCTAssertNotNil(error as? SottoError)
        }
    }

    func testSealedIdentityNeedsItsKey() throws {
        let id = try Identity()
        let key = Data(repeating: 7, count: 32)
        let sealed = try id.sealed(key: key)
        XCTAssertEqual(try Identity(sealed: sealed, key: key).publicKey, id.publicKey)
        XCTAssertThrowsError(try Identity(sealed: sealed, key: Data(repeating: 8, count: 32))) { error in
            XCTAssertEqual(error as? SottoError, .decryptFailed)
        }
        XCTAssertEqual(SottoError.decryptFailed.description, "decryption failed")
    }

    func testEveryStatusCodeMapsBothWays() {
        // The codes the library describes are exactly the binding's cases.
        let all = (1...999).map { UInt32($0) }
        let codes = all.filter { SottoError.unknown($0).description != "unknown status" }
        let errors = codes.map { SottoError(code: $0) }
        XCTAssertEqual(errors.map { $0.code }, codes)
        XCTAssertEqual(Set(errors.map { $0.description }).count, codes.count)
        XCTAssertFalse(errors.contains { if case .unknown = $0 { return true } else { return false } })
        for c in all where !codes.contains(c) {
            XCTAssertEqual(SottoError(code: c), .unknown(c))
        }
        XCTAssertGreaterThan(codes.count, 30)
    }
}
