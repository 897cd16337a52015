import Foundation
import Sotto
import XCTest

final class CallsTests: XCTestCase {
    let nowMs: UInt64 = 1_800_000_000_000
    let callId = Data((1...16).map { UInt8($0) })

    private func assertThrows(_ expected: SottoError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? SottoError, expected, line: line) }
    }

    func testOneToOneOfferSrtpKeysAgreeAndDifferPerDirection() throws {
        let offer = try CallSignal.offer(callId: callId, video: true)
        XCTAssertEqual(offer.kind, .offer)
        XCTAssertTrue(offer.video && offer.hasSecret)
        XCTAssertEqual(offer.epoch, 0)
        XCTAssertEqual(offer.callId, callId)
        XCTAssertEqual(offer.participants, [])
        let got = try CallSignal(decoding: try offer.encode())
        XCTAssertEqual(got.kind, .offer)
        XCTAssertEqual(got.callId, callId)
        XCTAssertTrue(got.video && got.hasSecret)
        for profile in SrtpProfile.allCases {
            let caller = try offer.srtp(profile: profile, direction: .caller)
            let callee = try offer.srtp(profile: profile, direction: .callee)
            XCTAssertEqual(caller.key.count, profile.keyLength)
            XCTAssertEqual(caller.salt.count, profile.saltLength)
            let theirs = try got.srtp(profile: profile, direction: .caller)
            XCTAssertEqual(caller.key, theirs.key)
            XCTAssertEqual(caller.salt, theirs.salt)
            XCTAssertEqual(callee.key, try got.srtp(profile: profile, direction: .callee).key)
            XCTAssertNotEqual(caller.key, callee.key, "each direction its own key")
        }
        // Another offer (another device) has another secret.
        let other = try CallSignal.offer(callId: callId, video: true)
        XCTAssertNotEqual(
            try other.srtp(profile: .aeadAes256Gcm, direction: .caller).key,
            try offer.srtp(profile: .aeadAes256Gcm, direction: .caller).key)

        let answer = try CallSignal(decoding: try CallSignal.answer(callId: callId).encode())
        XCTAssertEqual(answer.kind, .answer)
        XCTAssertFalse(answer.hasSecret || answer.video)
        assertThrows(.invalidArgument) { _ = try answer.srtp(profile: .aes128CmHmacSha1_80, direction: .caller) }
        XCTAssertEqual(try CallSignal(decoding: try CallSignal.leave(callId: callId).encode()).kind, .leave)
        XCTAssertEqual(try CallSignal(decoding: try CallSignal.end(callId: callId).encode()).kind, .end)

        // Misuse.
        assertThrows(.invalidArgument) { _ = try CallSignal.offer(callId: Data(count: 15), video: false) }
        assertThrows(.malformed) { _ = try CallSignal.keyUpdate(callId: self.callId, epoch: 1, participants: [1, 1]) }
        assertThrows(.limitExceeded) {
            _ = try CallSignal.keyUpdate(callId: self.callId, epoch: 1, participants: Array(0...32))
        }
        XCTAssertThrowsError(try CallSignal(decoding: Data("junk".utf8)))
        let body = try CallSignal.offer(callId: callId, video: false).encode()
        assertThrows(.malformed) { _ = try CallSignal(decoding: body.prefix(body.count - 1)) }
    }

    /// Participants 0, 1 and 2 start a call; 3 joins (epoch 2); 1 leaves
    /// (epoch 3): 1 gets no key update and cannot read epoch 3's frames.
    func testGroupCallJoinAndLeave() throws {
        let m = Data("m".utf8)
        let calls = try (0..<4).map { try GroupCall(callId: callId, suite: .aes128GcmSha256_128, me: UInt32($0)) }
        let t0 = nowMs
        assertThrows(.unknownSenderKey) { _ = try calls[0].encrypt(Data("too early".utf8)) }

        // Epoch 1.
        let first = try CallSignal.keyUpdate(callId: callId, epoch: 1, participants: [0, 1, 2])
        let body = try first.encode()
        for i in 0...2 { try calls[i].install(try CallSignal(decoding: body), nowMs: t0) }
        assertThrows(.notAMember) { try calls[3].install(try CallSignal(decoding: body), nowMs: t0) }
        assertThrows(.stale) { try calls[0].install(first, nowMs: t0) }
        let hello = try calls[1].encrypt(Data("hello from 1".utf8), metadata: m)
        for r in [0, 2] {
            let (info, frame) = try calls[r].decrypt(hello, metadata: m, nowMs: t0)
            XCTAssertEqual(info, CallFrame(epoch: 1, sender: 1, length: 12))
            XCTAssertEqual(frame, Data("hello from 1".utf8))
        }
        assertThrows(.duplicateMessage) { _ = try calls[0].decrypt(hello, metadata: m, nowMs: t0) }
        assertThrows(.unknownSenderKey) { _ = try calls[3].decrypt(hello, metadata: m, nowMs: t0) }
        let inFlight = try calls[2].encrypt(Data("late".utf8))

        // Epoch 2: participant 3 joins.
        let second = try CallSignal.keyUpdate(callId: callId, epoch: 2, participants: [0, 1, 2, 3])
        for c in calls { try c.install(second, nowMs: t0 + 1_000) }
        let fromJoiner = try calls[3].encrypt(Data("hi, I'm 3".utf8))
        for r in 0...2 {
            XCTAssertEqual(try calls[r].decrypt(fromJoiner, nowMs: t0 + 1_000).info, CallFrame(epoch: 2, sender: 3, length: 9))
        }
        // A frame of epoch 1 still in flight plays during the overlap.
        XCTAssertEqual(try calls[0].decrypt(inFlight, nowMs: t0 + 1_500).info, CallFrame(epoch: 1, sender: 2, length: 4))

        // Epoch 3: participant 1 leaves, and gets no key update.
        XCTAssertEqual(try CallSignal.leave(callId: callId).kind, .leave)
        let third = try CallSignal.keyUpdate(callId: callId, epoch: 3, participants: [0, 2, 3])
        for i in [0, 2, 3] { try calls[i].install(third, nowMs: t0 + 2_000) }
        assertThrows(.notAMember) { try calls[1].install(third, nowMs: t0 + 2_000) }
        let secret = try calls[0].encrypt(Data("after 1 left".utf8))
        for r in [2, 3] {
            let (info, frame) = try calls[r].decrypt(secret, nowMs: t0 + 2_000)
            XCTAssertEqual(info, CallFrame(epoch: 3, sender: 0, length: 12))
            XCTAssertEqual(frame, Data("after 1 left".utf8))
        }
        assertThrows(.unknownSenderKey) { _ = try calls[1].decrypt(secret, nowMs: t0 + 2_000) }

        // Zero-copy: caller buffers, through raw pointers and through inout Data.
        let frame = Data("zero copy".utf8)
        var sframe = Data(count: try calls[3].sframeLength(frame.count))
        let n = try frame.withUnsafeBytes { f in
            try sframe.withUnsafeMutableBytes { o in
                try calls[3].encrypt(f, metadata: UnsafeRawBufferPointer(start: nil, count: 0), into: o)
            }
        }
        XCTAssertEqual(n, sframe.count)
        var plain = Data(count: 100)
        let info = try calls[0].decrypt(sframe, into: &plain, nowMs: t0 + 2_000)
        XCTAssertEqual(info, CallFrame(epoch: 3, sender: 3, length: 9))
        XCTAssertEqual(plain.prefix(info.length), frame)
        // The old epoch's keys are gone once the overlap ends.
        let old = try calls[1].encrypt(Data("stale".utf8))
        assertThrows(.unknownSenderKey) { _ = try calls[0].decrypt(old, nowMs: t0 + 10_000) }

        // Another call's key update is refused; so is a message with no secret.
        let otherCall = try CallSignal.keyUpdate(callId: Data(count: 16), epoch: 9, participants: [0])
        assertThrows(.wrongType) { try calls[0].install(otherCall, nowMs: t0) }
        assertThrows(.invalidArgument) { try calls[0].install(try CallSignal.answer(callId: self.callId), nowMs: t0) }
        assertThrows(.invalidArgument) { _ = try GroupCall(callId: Data(count: 3), suite: .aes128GcmSha256_128, me: 0) }
    }

    func testSframeReplayTamperAndCallerBuffers() throws {
        let key = Data((0..<16).map { UInt8($0) })
        let meta = Data("rtp header".utf8)
        let frame = Data((0..<1200).map { UInt8(truncatingIfNeeded: $0 * 3) })
        for suite in SframeSuite.allCases {
            let e = try SframeEncryptor(suite: suite, kid: 7, baseKey: key)
            let d = try SframeDecryptor(suite: suite)
            try d.addKey(kid: 7, baseKey: key)
            assertThrows(.duplicateMessage) { try d.addKey(kid: 7, baseKey: key) }
            let need = try e.sframeLength(frame.count)
            XCTAssertTrue(need > frame.count && need <= frame.count + SframeSuite.maxHeaderLength + 16)
            var small = Data(count: need - 1)
            assertThrows(.bufferTooSmall) { _ = try e.encrypt(frame, metadata: meta, into: &small) }
            var out = Data(count: need + 10)
            let n = try e.encrypt(frame, metadata: meta, into: &out)
            XCTAssertEqual(n, need)
            let sframe = out.prefix(n)
            var plain = Data(count: 2000)
            let info = try d.decrypt(sframe, metadata: meta, into: &plain)
            XCTAssertEqual(info, SframeInfo(kid: 7, counter: 0, length: frame.count))
            XCTAssertEqual(plain.prefix(info.length), frame)
            assertThrows(.duplicateMessage) { _ = try d.decrypt(sframe, metadata: meta) }
            let next = try e.encrypt(frame, metadata: meta)
            var tampered = next
            tampered[tampered.count - 1] ^= 1
            assertThrows(.decryptFailed) { _ = try d.decrypt(tampered, metadata: meta) }
            assertThrows(.decryptFailed) { _ = try d.decrypt(next, metadata: Data("other metadata".utf8)) }
            var tiny = Data(count: 10)
            assertThrows(.bufferTooSmall) { _ = try d.decrypt(next, metadata: meta, into: &tiny) }
            // Nothing moved: the real frame still decrypts, once.
            let (got, bytes) = try d.decrypt(next, metadata: meta)
            XCTAssertEqual(got.counter, 1)
            XCTAssertEqual(bytes, frame)
            try d.removeKey(kid: 7)
            assertThrows(.notFound) { try d.removeKey(kid: 7) }
            assertThrows(.unknownSenderKey) { _ = try d.decrypt(try e.encrypt(frame, metadata: meta), metadata: meta) }
        }
        assertThrows(.invalidKey) { _ = try SframeEncryptor(suite: .aes128GcmSha256_128, kid: 1, baseKey: Data()) }
    }

    func testOfferGuardRefusesReplays() throws {
        let guard_ = try OfferGuard()
        try guard_.admit(callId: callId, sentAtMs: nowMs - 1_000, nowMs: nowMs)
        assertThrows(.duplicateMessage) { try guard_.admit(callId: self.callId, sentAtMs: self.nowMs - 1_000, nowMs: self.nowMs) }
        let other = Data(repeating: 9, count: 16)
        assertThrows(.expired) { try guard_.admit(callId: other, sentAtMs: self.nowMs - 61_000, nowMs: self.nowMs) }
        assertThrows(.stale) { try guard_.admit(callId: other, sentAtMs: self.nowMs + 31_000, nowMs: self.nowMs) }
        try guard_.admit(callId: other, sentAtMs: nowMs, nowMs: nowMs)
    }

    func testPlainGroupIsNotHosted() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-calls-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let alice = try Identity()
        let bob = try Identity()
        let store = try Store(path: dir.appendingPathComponent("a.db").path, key: Data(repeating: 3, count: 32), durable: false)
        let gid = Data("team".utf8)
        try store.save(group: try Group(identity: alice, id: gid, members: [bob.publicKey]), id: gid)
        XCTAssertFalse(try store.isGroupHosted(groupId: gid))
        assertThrows(.notFound) { _ = try store.isGroupHosted(groupId: Data("other".utf8)) }
    }
}
