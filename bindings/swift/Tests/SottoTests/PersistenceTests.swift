import Foundation
import Sotto
import XCTest

final class PersistenceTests: XCTestCase {
    let now: UInt64 = 1_800_000_000
    let key = Data(repeating: 5, count: 32)

    func tempDir() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-p\(getpid())-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    func testEveryStatefulClassExportsSealsAndStores() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try Store(path: dir.appendingPathComponent("s.db").path, key: key, durable: false)
        let bob = try Identity()
        let prekeys = try PrekeyStore(identity: bob, now: now)
        try prekeys.generateOneTimePrekeys(2)
        let a = try Session(identity: try Identity(), bundle: try prekeys.bundle(identity: bob))
        let first = try a.encrypt(Data("first".utf8))
        XCTAssertTrue(try Session.isPrekeyMessage(first))
        let (b, _) = try prekeys.accept(identity: bob, message: first, now: now)
        XCTAssertEqual(try Session.prekeyMessageIdentity(first), b.remoteIdentity)
        let m = try a.encrypt(Data("for the copy".utf8))
        let trust = try TrustStore()
        _ = try trust.observe(Data("bob".utf8), bob.publicKey, now: now)
        let sharer = try Identity()
        let group = try Group(identity: sharer, id: Data("g".utf8), members: [bob.publicKey])
        let share = try LocationShare(identity: sharer, context: Data("c".utf8), viewers: [bob.publicKey], expiresAt: now + 60, precision: .exact)
        let viewer = try LocationViewer(context: Data("c".utf8), sender: sharer.publicKey, distribution: try share.distribution())
        let name = Data("n".utf8)

        XCTAssertEqual(try Identity(exported: try bob.exported()).publicKey, bob.publicKey)
        XCTAssertEqual(try Identity(sealed: try bob.sealed(key: key), key: key).publicKey, bob.publicKey)
        try store.save(identity: bob, name: name)
        XCTAssertEqual(try store.identity(name: name).publicKey, bob.publicKey)

        for p in [try PrekeyStore(exported: try prekeys.exported()), try PrekeyStore(sealed: try prekeys.sealed(key: key), key: key)] {
            XCTAssertEqual(p.oneTimePrekeyCount, 1)
        }
        try store.save(prekeys: prekeys, name: name)
        XCTAssertEqual(try store.prekeys(name: name).oneTimePrekeyCount, 1)

        try store.save(trust: trust, name: name)
        for t in [try TrustStore(exported: try trust.exported()), try TrustStore(sealed: try trust.sealed(key: key), key: key), try store.trust(name: name)] {
            XCTAssertNoThrow(try t.check(Data("bob".utf8), bob.publicKey))
        }

        try store.save(session: b, contact: name)
        for s in [try Session(exported: try b.exported()), try Session(sealed: try b.sealed(key: key), key: key), try store.session(contact: name)] {
            XCTAssertEqual(try s.decrypt(m), Data("for the copy".utf8))
        }

        try store.save(group: group, id: name)
        for g in [try Group(exported: try group.exported()), try Group(sealed: try group.sealed(key: key), key: key), try store.group(id: name)] {
            XCTAssertEqual(try g.distribution(), try group.distribution())
        }

        try store.save(share: share, name: name)
        for s in [try LocationShare(exported: try share.exported()), try LocationShare(sealed: try share.sealed(key: key), key: key), try store.share(name: name)] {
            XCTAssertEqual(try s.distribution(), try share.distribution())
        }

        let spot = Location(latitudeE7: 1, longitudeE7: 2, accuracyCm: 3, timestampMs: now * 1000, sequence: 1)
        let update = try share.encrypt(spot, now: now)
        try store.save(viewer: viewer, name: name)
        for v in [try LocationViewer(exported: try viewer.exported()), try LocationViewer(sealed: try viewer.sealed(key: key), key: key), try store.viewer(name: name)] {
            XCTAssertEqual(try v.decrypt(update, now: now), spot)
        }

        XCTAssertThrowsError(try Session(sealed: try b.sealed(key: key), key: Data(repeating: 6, count: 32))) { error in
            XCTAssertEqual(error as? SottoError, .decryptFailed)
        }
        XCTAssertThrowsError(try b.sealed(key: Data(count: 31))) { error in
            XCTAssertEqual(error as? SottoError, .invalidArgument)
        }
        XCTAssertThrowsError(try store.group(id: Data("none".utf8))) { error in
            XCTAssertEqual(error as? SottoError, .notFound)
        }
    }

    func testGroupThroughStoresWithALateMember() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let identities = try (0..<3).map { _ in try Identity() }
        let ids = identities.map { $0.publicKey }
        let gid = Data("team".utf8)
        let a = try Group(identity: identities[0], id: gid, members: [ids[1]])
        let b = try Group(identity: identities[1], id: gid, members: [ids[0]])
        try b.processDistribution(from: ids[0], try a.distribution())
        let sa = try Store(path: dir.appendingPathComponent("a.db").path, key: key, durable: false)
        let sb = try Store(path: dir.appendingPathComponent("b.db").path, key: Data(repeating: 6, count: 32), durable: false)
        try sa.save(group: a, id: gid)
        try sb.save(group: b, id: gid)
        let out = try sa.groupEncrypt(groupId: gid, Data("to the team".utf8))
        XCTAssertEqual(try sa.pendingOutgoing().map { $0.message }, [out.message])
        try sa.ackOutgoing(out.id)
        XCTAssertEqual(try sa.pendingOutgoing().count, 0)
        XCTAssertEqual(try sb.groupDecrypt(groupId: gid, from: ids[0], out.message).plaintext, Data("to the team".utf8))
        XCTAssertThrowsError(try sb.groupDecrypt(groupId: gid, from: ids[0], out.message)) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }
        // Carol joins: Alice's stored group adds her and hands over its key.
        let c = try Group(identity: identities[2], id: gid, members: [ids[0], ids[1]])
        let stored = try sa.group(id: gid)
        try c.processDistribution(from: ids[0], try stored.addMember(ids[2]))
        try sa.save(group: stored, id: gid)
        let next = try sa.groupEncrypt(groupId: gid, Data("welcome Carol".utf8))
        XCTAssertEqual(try c.decrypt(from: ids[0], next.message), Data("welcome Carol".utf8))
    }

    func testRotationTrustCheckedSendingAndViewerRemoval() throws {
        let bob = try Identity()
        let prekeys = try PrekeyStore(identity: bob, now: now)
        try prekeys.generateOneTimePrekeys(1)
        try prekeys.rotateSignedPrekey(identity: bob, now: now + 86_400)
        let a = try Session(identity: try Identity(), bundle: try prekeys.bundle(identity: bob))
        let trust = try TrustStore()
        _ = try trust.observe(Data("bob".utf8), try Identity().publicKey, now: now)
        XCTAssertThrowsError(try a.encryptChecked(trust: trust, contact: Data("bob".utf8), Data("x".utf8))) { error in
            XCTAssertEqual(error as? SottoError, .untrustedIdentity)
        }
        _ = try trust.observe(Data("bob".utf8), bob.publicKey, now: now)
        try trust.acceptChange(Data("bob".utf8), bob.publicKey, now: now)
        let m = try a.encryptChecked(trust: trust, contact: Data("bob".utf8), Data("checked".utf8))
        XCTAssertEqual(try prekeys.accept(identity: bob, message: m, now: now + 86_400).1, Data("checked".utf8))

        let sharerIdentity = try Identity()
        let sharer = sharerIdentity.publicKey
        let v1 = try Identity().publicKey
        let v2 = try Identity().publicKey
        let share = try LocationShare(identity: sharerIdentity, context: Data("c".utf8), viewers: [v1, v2], expiresAt: now + 600, precision: .exact)
        let first = try LocationViewer(context: Data("c".utf8), sender: sharer, distribution: try share.distribution())
        let second = try LocationViewer(context: Data("c".utf8), sender: sharer, distribution: try share.distribution())
        try first.processDistribution(try share.removeViewer(v2))
        let spot = Location(latitudeE7: 1, longitudeE7: 2, accuracyCm: 3, timestampMs: now * 1000, sequence: 1)
        let u = try share.encrypt(spot, now: now)
        XCTAssertEqual(try first.decrypt(u, now: now), spot)
        XCTAssertThrowsError(try second.decrypt(u, now: now)) { error in
            XCTAssertEqual(error as? SottoError, .unknownSenderKey)
        }
    }
}
