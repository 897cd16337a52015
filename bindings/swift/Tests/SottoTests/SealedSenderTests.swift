import Foundation
import Sotto
import XCTest

final class SealedSenderTests: XCTestCase {
    let now: UInt64 = 1_800_000_000
    let nowMs: UInt64 = 1_800_000_000_000
    let dayMs: UInt64 = 86_400_000
    var expiresMs: UInt64 { nowMs + dayMs }

    private func assertThrows(_ expected: SottoError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? SottoError, expected, line: line) }
    }

    /// A service: its trust root, and its server key certified by the root.
    private struct Service {
        let root: Identity
        let server: Identity
        let serverCertificate: Data

        init() throws {
            root = try Identity()
            server = try Identity()
            serverCertificate = try SealedSender.issueServerCertificate(root: root, keyId: 1, serverKey: server.publicKey)
        }

        func certify(_ user: String, _ identity: IdentityKey, device: UInt32, expiresMs: UInt64) throws -> Data {
            try SealedSender.issueSenderCertificate(
                server: server, serverCertificate: serverCertificate, sender: Data(user.utf8), identity: identity,
                device: device, expiresMs: expiresMs)
        }
    }

    func testAServiceCertifiesAliceWhoSealsToBob() throws {
        let service = try Service()
        let alice = try Identity()
        let bob = try Identity()
        let certificate = try service.certify("alice", alice.publicKey, device: 3, expiresMs: expiresMs)
        try SealedSender.verifySenderCertificate(certificate, trustRoot: service.root.publicKey, nowMs: nowMs)
        let sealed = try SealedSender.seal(
            sender: alice, certificate: certificate, recipient: bob.publicKey, message: Data("inner message".utf8))
        XCTAssertNil(sealed.range(of: Data("alice".utf8)), "the envelope names no sender")
        XCTAssertNil(sealed.range(of: alice.publicKey.bytes.prefix(32)), "nor the sender's key")
        let got = try SealedSender.open(recipient: bob, trustRoot: service.root.publicKey, sealed: sealed, nowMs: nowMs)
        XCTAssertEqual(got.identity, alice.publicKey)
        XCTAssertEqual(got.device, 3)
        XCTAssertEqual(got.expiresMs, expiresMs)
        XCTAssertEqual(got.sender, Data("alice".utf8))
        XCTAssertEqual(got.message, Data("inner message".utf8))
        // Only the key the server certificate names issues under it.
        assertThrows(.wrongType) {
            _ = try SealedSender.issueSenderCertificate(
                server: alice, serverCertificate: service.serverCertificate, sender: Data("alice".utf8),
                identity: alice.publicKey, device: 3, expiresMs: self.expiresMs)
        }
        // Alice cannot seal with a certificate for Bob.
        let bobCertificate = try service.certify("bob", bob.publicKey, device: 1, expiresMs: expiresMs)
        assertThrows(.wrongType) {
            _ = try SealedSender.seal(sender: alice, certificate: bobCertificate, recipient: bob.publicKey, message: Data("x".utf8))
        }
        assertThrows(.malformed) {
            try SealedSender.verifySenderCertificate(
                certificate.prefix(certificate.count - 1), trustRoot: service.root.publicKey, nowMs: self.nowMs)
        }
    }

    func testRefusalsAnotherRootAnExpiredCertificateATamperedEnvelope() throws {
        let service = try Service()
        let other = try Identity()
        let alice = try Identity()
        let bob = try Identity()
        let root = service.root.publicKey
        let certificate = try service.certify("alice", alice.publicKey, device: 3, expiresMs: expiresMs)
        let sealed = try SealedSender.seal(
            sender: alice, certificate: certificate, recipient: bob.publicKey, message: Data("inner message".utf8))
        // Another trust root.
        assertThrows(.invalidSignature) {
            try SealedSender.verifySenderCertificate(certificate, trustRoot: other.publicKey, nowMs: self.nowMs)
        }
        assertThrows(.invalidSignature) {
            _ = try SealedSender.open(recipient: bob, trustRoot: other.publicKey, sealed: sealed, nowMs: self.nowMs)
        }
        // Expired: at and after its expiry, and a certificate issued already expired.
        assertThrows(.expired) { try SealedSender.verifySenderCertificate(certificate, trustRoot: root, nowMs: self.expiresMs) }
        assertThrows(.expired) { _ = try SealedSender.open(recipient: bob, trustRoot: root, sealed: sealed, nowMs: self.expiresMs) }
        let late = try SealedSender.seal(
            sender: alice, certificate: try service.certify("alice", alice.publicKey, device: 3, expiresMs: nowMs),
            recipient: bob.publicKey, message: Data("late".utf8))
        assertThrows(.expired) { _ = try SealedSender.open(recipient: bob, trustRoot: root, sealed: late, nowMs: self.nowMs) }
        // Tampered: any byte after the prefix flipped, or the envelope cut short.
        for i in [2, 40, sealed.count / 2, sealed.count - 1] {
            var tampered = sealed
            tampered[i] ^= 0x80
            assertThrows(.decryptFailed) { _ = try SealedSender.open(recipient: bob, trustRoot: root, sealed: tampered, nowMs: self.nowMs) }
        }
        assertThrows(.decryptFailed) {
            _ = try SealedSender.open(recipient: bob, trustRoot: root, sealed: sealed.prefix(sealed.count - 1), nowMs: self.nowMs)
        }
        // An envelope for Bob is not Carol's to open.
        let carol = try Identity()
        assertThrows(.decryptFailed) { _ = try SealedSender.open(recipient: carol, trustRoot: root, sealed: sealed, nowMs: self.nowMs) }
        // The genuine envelope still opens.
        XCTAssertEqual(
            try SealedSender.open(recipient: bob, trustRoot: root, sealed: sealed, nowMs: nowMs).message, Data("inner message".utf8))
    }

    func testSealedContentThroughTwoStoresFiledUnderTheSenderAndAReplayIsADuplicate() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-sealed-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let service = try Service()
        let root = service.root.publicKey
        let aliceId = try Identity()
        let bobId = try Identity()
        let bobPrekeys = try PrekeyStore(identity: bobId, now: now)
        try bobPrekeys.generateOneTimePrekeys(1)
        let alice = try Store(path: dir.appendingPathComponent("alice.db").path, key: Data(repeating: 1, count: 32), durable: false)
        let bob = try Store(path: dir.appendingPathComponent("bob.db").path, key: Data(repeating: 2, count: 32), durable: false)
        try alice.setDevice(identity: aliceId, prekeys: try PrekeyStore(identity: aliceId, now: now))
        try bob.setDevice(identity: bobId, prekeys: bobPrekeys)
        let aliceCertificate = try service.certify("alice", aliceId.publicKey, device: 1, expiresMs: expiresMs)
        let bobCertificate = try service.certify("bob", bobId.publicKey, device: 2, expiresMs: expiresMs)

        // Alice starts a session from Bob's bundle and sends sealed.
        XCTAssertEqual(try alice.initiate(contact: Data("bob".utf8), bundle: try bobPrekeys.bundle(identity: bobId), now: now), .new)
        assertThrows(.wrongType) {
            _ = try alice.sendSealed(to: Data("bob".utf8), content: .text("x"), certificate: bobCertificate, nowMs: self.nowMs)
        }
        let sent = try alice.sendSealed(
            to: Data("bob".utf8), content: .text("sealed hello"), certificate: aliceCertificate, nowMs: nowMs)
        XCTAssertGreaterThan(sent.id, 0)
        XCTAssertEqual(sent.sentAtMs, nowMs)
        XCTAssertNil(sent.message.range(of: Data("alice".utf8)), "the message names no sender")
        try alice.ackOutgoing(sent.id)

        // Bob: refused under another root, expired, or tampered, with nothing committed.
        assertThrows(.invalidSignature) { _ = try bob.receiveSealed(trustRoot: bobId.publicKey, sealed: sent.message, nowMs: self.nowMs) }
        assertThrows(.expired) { _ = try bob.receiveSealed(trustRoot: root, sealed: sent.message, nowMs: self.expiresMs) }
        var tampered = sent.message
        tampered[tampered.count - 1] ^= 1
        assertThrows(.decryptFailed) { _ = try bob.receiveSealed(trustRoot: root, sealed: tampered, nowMs: self.nowMs) }
        XCTAssertEqual(try bob.pendingIncoming().count, 0)

        // The genuine reception, filed under Alice's id.
        let got = try bob.receiveSealed(trustRoot: root, sealed: sent.message, nowMs: nowMs)
        XCTAssertEqual(got.contact, Data("alice".utf8))
        XCTAssertGreaterThan(got.received.id, 0)
        XCTAssertEqual(got.received.content, .text("sealed hello"))
        XCTAssertEqual(got.received.sentAtMs, nowMs)
        XCTAssertEqual(try bob.pendingIncoming().map(\.conversation), [Data("alice".utf8)])
        try bob.ackIncoming(got.received.id)
        assertThrows(.duplicateMessage) { _ = try bob.receiveSealed(trustRoot: root, sealed: sent.message, nowMs: self.nowMs) }

        // Bob replies sealed on the session; Alice reads it as from Bob.
        let reply = try bob.sendSealed(
            to: Data("alice".utf8), content: .text("sealed reply"), certificate: bobCertificate, nowMs: nowMs + 1)
        let back = try alice.receiveSealed(trustRoot: root, sealed: reply.message, nowMs: nowMs + 1)
        XCTAssertEqual(back.contact, Data("bob".utf8))
        XCTAssertEqual(back.received.content, .text("sealed reply"))
    }
}
