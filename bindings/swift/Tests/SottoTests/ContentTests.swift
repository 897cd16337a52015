import Foundation
import Sotto
import XCTest

final class ContentTests: XCTestCase {
    let now: UInt64 = 1_800_000_000
    let nowMs: UInt64 = 1_800_000_000_000
    let dayMs: UInt64 = 86_400_000

    /// A new directory for this test's store files, removed at the end.
    private func directory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// A store for `identity` on a new file, with `prekeys` as its device's.
    private func deviceStore(_ dir: URL, _ name: String, _ identity: Identity, _ prekeys: PrekeyStore) throws -> Store {
        let store = try Store(
            path: dir.appendingPathComponent("\(name).db").path, key: Data(repeating: UInt8(name.count), count: 32),
            durable: false)
        try store.setDevice(identity: identity, prekeys: prekeys)
        return store
    }

    func testContentWithADisappearingTimerThroughTwoStores() throws {
        let dir = try directory("content")
        let (aliceName, bobName) = (Data("alice".utf8), Data("bob".utf8))
        let aliceId = try Identity()
        let bobId = try Identity()
        let bobPrekeys = try PrekeyStore(identity: bobId, now: now)
        try bobPrekeys.generateOneTimePrekeys(1)
        let alice = try deviceStore(dir, "alice", aliceId, try PrekeyStore(identity: aliceId, now: now))
        let bob = try deviceStore(dir, "bob", bobId, bobPrekeys)
        XCTAssertEqual(try alice.initiate(contact: bobName, bundle: try bobPrekeys.bundle(identity: bobId), now: now), .new)

        // Text, with no timer yet: the same timestamp on both sides.
        let hello = try alice.send(to: bobName, content: .text("hello"), nowMs: nowMs)
        XCTAssertGreaterThan(hello.id, 0)
        XCTAssertEqual(hello.sentAtMs, nowMs)
        XCTAssertNil(hello.expiresAtMs)
        try alice.ackOutgoing(hello.id)
        let got = try bob.receive(from: aliceName, message: hello.message, nowMs: nowMs)
        XCTAssertGreaterThan(got.id, 0)
        XCTAssertEqual(got.content, .text("hello"))
        XCTAssertEqual(got.sentAtMs, hello.sentAtMs)
        XCTAssertNil(got.expiresAtMs)
        XCTAssertFalse(got.expired)
        XCTAssertEqual(got.timerSeconds, 0)
        try bob.ackIncoming(got.id)
        XCTAssertEqual(try bob.disappearingTimer(.contact(aliceName)).seconds, 0)

        // Alice turns on 24-hour messages; Bob gets the change and the timer.
        let change = try alice.setDisappearingTimer(.contact(bobName), seconds: 86400, nowMs: nowMs + 1000)
        XCTAssertEqual(change.expiresAtMs, change.sentAtMs + dayMs)
        XCTAssertEqual(try alice.disappearingTimer(.contact(bobName)).seconds, 86400)
        let changed = try bob.receive(from: aliceName, message: change.message, nowMs: nowMs + 1000)
        XCTAssertEqual(changed.content, .timerChange(seconds: 86400))
        XCTAssertEqual(changed.timerSeconds, 86400)
        XCTAssertEqual(changed.expiresAtMs, change.expiresAtMs)
        XCTAssertEqual(
            try bob.disappearingTimer(.contact(aliceName)),
            DisappearingTimer(seconds: 86400, setAtMs: change.sentAtMs))

        // The next message disappears at the same instant on both sides.
        let bytes = try alice.send(to: bobName, content: .appBytes(Data([1, 2, 3])), nowMs: nowMs + 2000)
        XCTAssertEqual(bytes.expiresAtMs, bytes.sentAtMs + dayMs)
        let late = try alice.send(to: bobName, content: .text("too late"), nowMs: nowMs + 3000)
        let gotBytes = try bob.receive(from: aliceName, message: bytes.message, nowMs: nowMs + 2500)
        XCTAssertEqual(gotBytes.content, .appBytes(Data([1, 2, 3])))
        XCTAssertEqual(gotBytes.sentAtMs, bytes.sentAtMs)
        XCTAssertEqual(gotBytes.expiresAtMs, bytes.expiresAtMs)
        XCTAssertEqual(gotBytes.expiresAtMs, bytes.sentAtMs + 86_400_000)
        XCTAssertEqual(gotBytes.timerSeconds, 86400)

        // A message that arrives after its expiry: nothing to show or keep,
        // and a second delivery is a replay.
        let expired = try bob.receive(from: aliceName, message: late.message, nowMs: nowMs + 2 * dayMs)
        XCTAssertTrue(expired.expired)
        XCTAssertEqual(expired.id, 0)
        XCTAssertNil(expired.content)
        XCTAssertEqual(expired.expiresAtMs, late.expiresAtMs)
        XCTAssertThrowsError(try bob.receive(from: aliceName, message: late.message, nowMs: nowMs + 2 * dayMs)) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }

        // The scheduler's next wake-up is the earliest expiry; the purge then
        // deletes the inbox entries.
        XCTAssertEqual(try bob.pendingIncoming().count, 2)
        XCTAssertEqual(try bob.nextExpiry(), change.expiresAtMs)
        XCTAssertEqual(try bob.purgeExpired(nowMs: nowMs), Purged(messages: 0, keptKeys: 0))
        XCTAssertEqual(try bob.purgeExpired(nowMs: nowMs + 2 * dayMs), Purged(messages: 2, keptKeys: 0))
        XCTAssertEqual(try bob.pendingIncoming().count, 0)
        XCTAssertNil(try bob.nextExpiry())

        // The account report: JSON naming the contact, without any message.
        let report = try bob.accountReport(nowMs: nowMs)
        XCTAssertTrue(report.contains("report_version"))
        XCTAssertTrue(report.contains("alice"))
        XCTAssertFalse(report.contains("hello"))
        XCTAssertFalse(report.contains("too late"))
        let json = try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any]
        XCTAssertNotNil(json?["report_version"])

        // Junk is refused with a typed error, nothing changed.
        XCTAssertThrowsError(try bob.receive(from: aliceName, message: Data("junk".utf8), nowMs: nowMs)) { error in
            XCTAssertNotNil(error as? SottoError)
        }
        XCTAssertThrowsError(try alice.send(to: bobName, content: .text(""), nowMs: nowMs)) { error in
            XCTAssertNotNil(error as? SottoError)
        }
        XCTAssertThrowsError(try alice.send(to: Data("nobody".utf8), content: .text("x"), nowMs: nowMs)) { error in
            XCTAssertEqual(error as? SottoError, .notFound)
        }
    }

    func testGroupContentAndTimerThroughStores() throws {
        let dir = try directory("group-content")
        let ids = [try Identity(), try Identity()]
        let keys = ids.map { $0.publicKey }
        let gid = Data("team".utf8)
        let a = try Group(identity: ids[0], id: gid, members: [keys[1]])
        let b = try Group(identity: ids[1], id: gid, members: [keys[0]])
        try b.processDistribution(from: keys[0], try a.distribution())
        let sa = try Store(path: dir.appendingPathComponent("a.db").path, key: Data(repeating: 1, count: 32), durable: false)
        let sb = try Store(path: dir.appendingPathComponent("b.db").path, key: Data(repeating: 2, count: 32), durable: false)
        try sa.save(group: a, id: gid)
        try sb.save(group: b, id: gid)

        let hi = try sa.groupSend(group: gid, content: .text("to the team"), nowMs: nowMs)
        let got = try sb.groupReceive(group: gid, from: keys[0], message: hi.message, nowMs: nowMs)
        XCTAssertEqual(got.content, .text("to the team"))
        XCTAssertEqual(got.sentAtMs, hi.sentAtMs)
        XCTAssertThrowsError(try sb.groupReceive(group: gid, from: keys[0], message: hi.message, nowMs: nowMs)) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }

        let change = try sa.setDisappearingTimer(.group(gid), seconds: 3600, nowMs: nowMs + 1000)
        let changed = try sb.groupReceive(group: gid, from: keys[0], message: change.message, nowMs: nowMs + 1000)
        XCTAssertEqual(changed.content, .timerChange(seconds: 3600))
        XCTAssertEqual(try sb.disappearingTimer(.group(gid)).seconds, 3600)

        // A content type this release does not read travels whole.
        let newer = try sa.groupSend(group: gid, content: .other(type: 900, body: Data([9, 9])), nowMs: nowMs + 2000)
        XCTAssertEqual(newer.expiresAtMs, newer.sentAtMs + 3_600_000)
        let gotNewer = try sb.groupReceive(group: gid, from: keys[0], message: newer.message, nowMs: nowMs + 2000)
        XCTAssertEqual(gotNewer.content, .other(type: 900, body: Data([9, 9])))
        XCTAssertEqual(gotNewer.expiresAtMs, newer.expiresAtMs)
    }

    func testEnvelopeCodec() throws {
        let bytes = try Envelope.encode(.text("hi"), sentAtMs: nowMs, timerSeconds: 60, timerSetAtMs: nowMs - 1)
        let envelope = try Envelope.decode(bytes)
        XCTAssertEqual(envelope.content, .text("hi"))
        XCTAssertEqual(envelope.sentAtMs, nowMs)
        XCTAssertEqual(envelope.timerSeconds, 60)
        XCTAssertEqual(envelope.timerSetAtMs, nowMs - 1)
        XCTAssertEqual(envelope.expiresAtMs, nowMs + 60_000)
        for content: Content in [.appBytes(Data([0, 255])), .other(type: 1234, body: Data("newer".utf8))] {
            XCTAssertEqual(try Envelope.decode(try Envelope.encode(content, sentAtMs: nowMs)).content, content)
        }
        // A timer change carries its own setting, set when it is sent, whatever the timer given.
        for seconds: UInt32 in [0, 86400, UInt32.max] {
            let change = try Envelope.decode(
                try Envelope.encode(.timerChange(seconds: seconds), sentAtMs: nowMs, timerSeconds: 60, timerSetAtMs: nowMs - 5))
            XCTAssertEqual(change.content, .timerChange(seconds: seconds))
            XCTAssertEqual(change.timerSeconds, seconds)
            XCTAssertEqual(change.timerSetAtMs, nowMs)
        }
        XCTAssertNil(try Envelope.decode(try Envelope.encode(.text("x"), sentAtMs: nowMs)).expiresAtMs)

        // Junk is the typed error, never a crash.
        XCTAssertThrowsError(try Envelope.decode(bytes.dropLast())) { error in
            XCTAssertEqual(error as? SottoError, .malformed)
        }
        for junk in [Data(), Data("junk".utf8), Data(repeating: 0xff, count: 64)] {
            XCTAssertThrowsError(try Envelope.decode(junk)) { error in
                XCTAssertNotNil(error as? SottoError)
            }
        }
        XCTAssertThrowsError(try Envelope.encode(.other(type: ContentType.text, body: Data([0xff])), sentAtMs: nowMs)) { error in
            XCTAssertEqual(error as? SottoError, .malformed)
        }
        XCTAssertThrowsError(try Envelope.encode(.text("x"), sentAtMs: nowMs, timerSeconds: 60, timerSetAtMs: nowMs + 1)) { error in
            XCTAssertEqual(error as? SottoError, .malformed)
        }
    }
}
