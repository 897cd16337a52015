import Foundation
import Sotto
import XCTest

final class PqxdhTests: XCTestCase {
    let now: UInt64 = 1_800_000_000

    private func assertThrows(_ expected: SottoError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? SottoError, expected, line: line) }
    }

    /// `bundle` without its post-quantum prekey, as a server that downgrades
    /// would hand it out: the post-quantum section (kind, id, time,
    /// ML-KEM-1024 key, signature) ends the bundle, and its flag is in the
    /// flags byte after the signed prekey.
    private func stripPq(_ bundle: Data) -> Data {
        let flagsAt = 2 + 64 + 4 + 8 + 32 + 64
        var out = Data(bundle.prefix(bundle.count - (1 + 4 + 8 + 1568 + 64)))
        out[out.startIndex + flagsAt] &= ~0x02
        return out
    }

    func testPqxdhOverOneTimeAndLastResortPrekeysIsPostQuantumOnBothSides() throws {
        let alice = try Identity()
        let bob = try Identity()
        let prekeys = try PrekeyStore(identity: bob, now: now)
        XCTAssertEqual(prekeys.pqOneTimePrekeyCount, 0)
        try prekeys.generatePqOneTimePrekeys(2, identity: bob, now: now)
        XCTAssertEqual(prekeys.pqOneTimePrekeyCount, 2)
        try prekeys.generateOneTimePrekeys(3)
        // Refused, adding none: another identity, past the limit, bad indices.
        assertThrows(.invalidSignature) { try prekeys.generatePqOneTimePrekeys(1, identity: alice, now: self.now) }
        assertThrows(.limitExceeded) { try prekeys.generatePqOneTimePrekeys(99, identity: bob, now: self.now) }
        assertThrows(.invalidArgument) { _ = try prekeys.bundle(identity: bob, oneTimeIndex: 0, pqOneTimeIndex: 2) }
        assertThrows(.invalidArgument) { _ = try prekeys.bundle(identity: bob, oneTimeIndex: 0, pqOneTimeIndex: -1) }
        assertThrows(.invalidArgument) { _ = try prekeys.bundle(identity: bob, oneTimeIndex: 3, pqOneTimeIndex: 0) }
        assertThrows(.invalidArgument) { _ = try prekeys.bundle(identity: bob, oneTimeIndex: -1, pqOneTimeIndex: 0) }
        XCTAssertEqual(prekeys.pqOneTimePrekeyCount, 2)
        for pqIndex in [1, nil] as [Int?] {
            let bundle = try prekeys.bundle(identity: bob, oneTimeIndex: 0, pqOneTimeIndex: pqIndex)
            let a = try Session(identity: alice, bundle: bundle, policy: .require)
            XCTAssertTrue(a.isPostQuantum)
            let (b, text) = try prekeys.accept(identity: bob, message: try a.encrypt(Data("pq hello".utf8)), now: now)
            XCTAssertEqual(text, Data("pq hello".utf8))
            XCTAssertTrue(b.isPostQuantum)
            XCTAssertEqual(try a.decrypt(try b.encrypt(Data("reply".utf8))), Data("reply".utf8))
        }
        // The one-time post-quantum prekey was used; the last-resort one stays,
        // and the plain bundle carries it.
        XCTAssertEqual(prekeys.pqOneTimePrekeyCount, 1)
        XCTAssertTrue(try Session(identity: alice, bundle: try prekeys.bundle(identity: bob)).isPostQuantum)
    }

    func testRequireRefusesAStrippedBundleAndAClassicalFirstMessage() throws {
        let alice = try Identity()
        let bob = try Identity()
        let prekeys = try PrekeyStore(identity: bob, now: now)
        let stripped = stripPq(try prekeys.bundle(identity: bob, oneTimeIndex: nil, pqOneTimeIndex: nil))
        assertThrows(.postQuantumRequired) { _ = try Session(identity: alice, bundle: stripped, policy: .require) }
        let a = try Session(identity: alice, bundle: stripped, policy: .prefer)
        XCTAssertFalse(a.isPostQuantum)
        let first = try a.encrypt(Data("classical".utf8))
        XCTAssertEqual(prekeys.pqPolicy, .prefer)
        prekeys.pqPolicy = .require
        XCTAssertEqual(prekeys.pqPolicy, .require)
        let before = try prekeys.exported()
        assertThrows(.postQuantumRequired) { _ = try prekeys.accept(identity: bob, message: first, now: self.now) }
        XCTAssertEqual(try prekeys.exported(), before)
        // The policy is kept in the store's state.
        XCTAssertEqual(try PrekeyStore(exported: before).pqPolicy, .require)
        prekeys.pqPolicy = .prefer
        let (b, _) = try prekeys.accept(identity: bob, message: first, now: now)
        XCTAssertFalse(b.isPostQuantum)
    }

    func testStorePolicyRoundTripGuardsInitiate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-pqxdh-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let aliceId = try Identity()
        let bobId = try Identity()
        let bobPrekeys = try PrekeyStore(identity: bobId, now: now)
        let alice = try Store(path: dir.appendingPathComponent("alice.db").path, key: Data(repeating: 1, count: 32), durable: false)
        let bob = try Store(path: dir.appendingPathComponent("bob.db").path, key: Data(repeating: 2, count: 32), durable: false)
        assertThrows(.noDeviceIdentity) { _ = try alice.pqPolicy() }
        try alice.setDevice(identity: aliceId, prekeys: try PrekeyStore(identity: aliceId, now: now))
        try bob.setDevice(identity: bobId, prekeys: bobPrekeys)

        XCTAssertEqual(try alice.pqPolicy(), .prefer)
        try alice.setPqPolicy(.require)
        XCTAssertEqual(try alice.pqPolicy(), .require)
        assertThrows(.notFound) { _ = try alice.isPostQuantum(contact: Data("bob".utf8)) }

        // A downgraded bundle is refused before anything is recorded.
        let bundle = try bobPrekeys.bundle(identity: bobId, oneTimeIndex: nil, pqOneTimeIndex: nil)
        assertThrows(.postQuantumRequired) {
            _ = try alice.initiate(contact: Data("bob".utf8), bundle: self.stripPq(bundle), now: self.now)
        }
        assertThrows(.notFound) { _ = try alice.isPostQuantum(contact: Data("bob".utf8)) }

        // The genuine bundle: PQXDH on both sides.
        XCTAssertEqual(try alice.initiate(contact: Data("bob".utf8), bundle: bundle, now: now), .new)
        XCTAssertTrue(try alice.isPostQuantum(contact: Data("bob".utf8)))
        let out = try alice.encrypt(contact: Data("bob".utf8), Data("pq via stores".utf8))
        XCTAssertEqual(try bob.decrypt(contact: Data("alice".utf8), out.message, now: now).plaintext, Data("pq via stores".utf8))
        XCTAssertTrue(try bob.isPostQuantum(contact: Data("alice".utf8)))

        // Under prefer, the stripped bundle starts a classical session.
        try alice.setPqPolicy(.prefer)
        XCTAssertEqual(try alice.pqPolicy(), .prefer)
        _ = try alice.initiate(contact: Data("bob".utf8), bundle: stripPq(bundle), now: now)
        XCTAssertFalse(try alice.isPostQuantum(contact: Data("bob".utf8)))
    }
}
