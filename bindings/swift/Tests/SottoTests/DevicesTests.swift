import Foundation
import Sotto
import XCTest

final class DevicesTests: XCTestCase {
    let now: UInt64 = 1_800_000_000
    let nowMs: UInt64 = 1_800_000_000_000

    /// One device: its identity, prekeys and store.
    struct Device {
        let identity: Identity
        let prekeys: PrekeyStore
        let store: Store
        var key: IdentityKey { identity.publicKey }
    }

    /// A new directory for this test's store files, removed at the end.
    private func directory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    private func device(_ dir: URL, _ name: String) throws -> Device {
        let identity = try Identity()
        let prekeys = try PrekeyStore(identity: identity, now: now)
        try prekeys.generateOneTimePrekeys(2)
        let store = try Store(
            path: dir.appendingPathComponent("\(name).db").path, key: Data(repeating: UInt8(name.count), count: 32),
            durable: false)
        try store.setDevice(identity: identity, prekeys: prekeys)
        return Device(identity: identity, prekeys: prekeys, store: store)
    }

    private func primaryRecord(_ d: Device) throws -> Data {
        try Devices.countersign(
            device: d.identity,
            signed: try Devices.signRecord(account: d.identity, device: d.key, index: 0, addedAt: now, kind: .primary))
    }

    private func assertThrows(_ expected: SottoError, _ body: () throws -> Void, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { XCTAssertEqual($0 as? SottoError, expected, line: line) }
    }

    func testALaptopLinkedFanOutCodesRemovalAndAHostedDevice() throws {
        let dir = try directory("devices")
        let (alice, bob) = (Data("alice".utf8), Data("bob".utf8))
        let phone = try device(dir, "phone")
        let laptop = try device(dir, "laptop")
        let bobPhone = try device(dir, "bob")
        let host = try device(dir, "host")

        let phoneRecord = try primaryRecord(phone)
        let bobRecord = try primaryRecord(bobPhone)
        let aliceV1 = try Devices.signList(account: phone.identity, version: 1, issuedAt: now, devices: [(0, phone.key)])
        let bobV1 = try Devices.signList(account: bobPhone.identity, version: 1, issuedAt: now, devices: [(0, bobPhone.key)])
        for d in [phone, bobPhone] {
            _ = try d.store.setDevices(user: alice, list: aliceV1, records: [phoneRecord], now: now)
            _ = try d.store.setDevices(user: bob, list: bobV1, records: [bobRecord], now: now)
        }
        XCTAssertTrue(try phone.store.setDevices(user: alice, list: aliceV1, records: [phoneRecord], now: now).own)
        let code1 = try bobPhone.store.securityCode(localId: bob, user: alice, remoteId: alice).digits

        // The laptop links by QR code: a tampered answer and a second accept are refused.
        let request = try LinkingRequest(companion: laptop.identity)
        XCTAssertEqual(request.qrCode.count, Devices.linkQRLength)
        let answer = try Devices.answerLink(account: phone.identity, qr: request.qrCode, index: 1, now: now)
        var tampered = answer
        tampered[tampered.count - 1] ^= 1
        assertThrows(.decryptFailed) { _ = try request.accept(companion: laptop.identity, answer: tampered) }
        let laptopRecord = try request.accept(companion: laptop.identity, answer: answer, account: phone.key)
        XCTAssertEqual(laptopRecord.count, Devices.recordLength)
        assertThrows(.duplicateMessage) { _ = try request.accept(companion: laptop.identity, answer: answer) }

        let aliceRecords = [phoneRecord, laptopRecord]
        let aliceV2 = try Devices.signList(
            account: phone.identity, version: 2, issuedAt: now, devices: [(0, phone.key), (1, laptop.key)])
        let verified = try Devices.verify(account: phone.key, list: aliceV2, records: aliceRecords, now: now)
        XCTAssertEqual(verified.map(\.index), [0, 1])
        XCTAssertEqual(verified[1], DeviceInfo(index: 1, kind: .companion, addedAt: now, identity: laptop.key))
        assertThrows(.staleDeviceList) {
            _ = try Devices.verify(account: phone.key, list: aliceV2, records: aliceRecords, now: now, knownVersion: 3)
        }
        assertThrows(.malformed) {
            _ = try Devices.verify(account: phone.key, list: aliceV2, records: [phoneRecord, laptopRecord.prefix(9)], now: now)
        }
        for d in [phone, laptop] {
            _ = try d.store.setDevices(user: alice, list: aliceV2, records: aliceRecords, now: now)
        }
        _ = try laptop.store.setDevices(user: bob, list: bobV1, records: [bobRecord], now: now)
        let update = try bobPhone.store.setDevices(user: alice, list: aliceV2, records: aliceRecords, now: now)
        XCTAssertEqual(update.version, 2)
        XCTAssertEqual(update.devices, 2)
        XCTAssertEqual(update.joined, 1)
        XCTAssertTrue(update.codeChanged)
        XCTAssertFalse(update.hosted || update.own)
        XCTAssertEqual(update.rotatedGroups, [])
        let code2 = try bobPhone.store.securityCode(localId: bob, user: alice, remoteId: alice).digits
        XCTAssertNotEqual(code1, code2)
        XCTAssertEqual(try bobPhone.store.devices(user: alice).map(\.identity), [phone.key, laptop.key])
        XCTAssertEqual(try bobPhone.store.deviceChanges(user: alice).map(\.joined), [true, true])
        assertThrows(.notFound) { _ = try bobPhone.store.devices(user: Data("carol".utf8)) }

        // The phone starts the sessions it lacks, then sends once.
        assertThrows(.sessionMismatch) { _ = try phone.store.sendToUser(user: bob, content: .text("x"), nowMs: nowMs) }
        let missing = try phone.store.devicesWithoutSession(user: bob)
        XCTAssertEqual(Set(missing), [DeviceAddress(user: bob, index: 0), DeviceAddress(user: alice, index: 1)])
        for a in missing {
            let d = a.user == bob ? bobPhone : laptop
            try phone.store.initiateDevice(
                user: a.user, index: a.index, bundle: try d.prekeys.bundle(identity: d.identity), now: now)
        }
        XCTAssertEqual(try phone.store.devicesWithoutSession(user: bob), [])
        let sent = try phone.store.sendToUser(user: bob, content: .text("hi from the phone"), nowMs: nowMs)
        XCTAssertEqual(Set(sent.map(\.address)), [DeviceAddress(user: bob, index: 0), DeviceAddress(user: alice, index: 1)])
        XCTAssertTrue(sent.allSatisfy { $0.sentAtMs == nowMs && $0.expiresAtMs == nil })
        let toBob = try XCTUnwrap(sent.first { $0.address.user == bob })
        let toLaptop = try XCTUnwrap(sent.first { $0.address.user == alice })
        XCTAssertEqual(try phone.store.outgoingDevice(toLaptop.outboxId), DeviceAddress(user: alice, index: 1))
        assertThrows(.untrustedIdentity) {
            _ = try bobPhone.store.receiveFromDevice(user: alice, index: 5, message: toBob.message, nowMs: nowMs)
        }
        XCTAssertEqual(
            try bobPhone.store.receiveFromDevice(user: alice, index: 0, message: toBob.message, nowMs: nowMs).content,
            .text("hi from the phone"))
        XCTAssertEqual(
            try laptop.store.receiveFromDevice(user: alice, index: 0, message: toLaptop.message, nowMs: nowMs).content,
            .text("hi from the phone"))
        for m in sent { try phone.store.ackOutgoing(m.outboxId) }
        assertThrows(.notFound) { _ = try phone.store.outgoingDevice(toBob.outboxId) }

        // The laptop is removed: the code changes again, and only Bob gets the next message.
        let aliceV3 = try Devices.signList(account: phone.identity, version: 3, issuedAt: now, devices: [(0, phone.key)])
        _ = try phone.store.setDevices(user: alice, list: aliceV3, records: [phoneRecord], now: now)
        let removed = try bobPhone.store.setDevices(user: alice, list: aliceV3, records: [phoneRecord], now: now)
        XCTAssertEqual(removed.left, 1)
        XCTAssertTrue(removed.codeChanged)
        XCTAssertNotEqual(try bobPhone.store.securityCode(localId: bob, user: alice, remoteId: alice).digits, code2)
        XCTAssertEqual(try bobPhone.store.deviceChanges(user: alice).last?.joined, false)
        let next = try phone.store.sendToUser(user: bob, content: .text("laptop gone"), nowMs: nowMs + 1)
        XCTAssertEqual(next.map(\.address), [DeviceAddress(user: bob, index: 0)])
        XCTAssertEqual(
            try bobPhone.store.receiveFromDevice(user: alice, index: 0, message: next[0].message, nowMs: nowMs + 1).content,
            .text("laptop gone"))
        let reply = try bobPhone.store.sendToUser(user: alice, content: .text("hi Alice"), nowMs: nowMs + 2)
        XCTAssertEqual(reply.map(\.address), [DeviceAddress(user: alice, index: 0)])

        // Bob adds a hosted device: labelled; the code leaves it out.
        XCTAssertFalse(try phone.store.isHosted(user: bob))
        let hostRecord = try Devices.countersign(
            device: host.identity,
            signed: try Devices.signRecord(account: bobPhone.identity, device: host.key, index: 1, addedAt: now, kind: .hosted))
        let bobV2 = try Devices.signList(
            account: bobPhone.identity, version: 2, issuedAt: now, devices: [(0, bobPhone.key), (1, host.key)])
        let before = try phone.store.securityCode(localId: alice, user: bob, remoteId: bob).digits
        let hosted = try phone.store.setDevices(user: bob, list: bobV2, records: [bobRecord, hostRecord], now: now)
        XCTAssertTrue(hosted.hosted)
        XCTAssertFalse(hosted.codeChanged)
        XCTAssertTrue(try phone.store.isHosted(user: bob))
        XCTAssertEqual(try phone.store.securityCode(localId: alice, user: bob, remoteId: bob).digits, before)

        // Misuse.
        assertThrows(.malformed) {
            _ = try phone.store.setDevices(user: bob, list: bobV2, records: [bobRecord, hostRecord.prefix(100)], now: now)
        }
        assertThrows(.staleDeviceList) {
            _ = try bobPhone.store.setDevices(user: alice, list: aliceV2, records: aliceRecords, now: now)
        }
        assertThrows(.notFound) {
            _ = try phone.store.securityCode(localId: alice, user: Data("carol".utf8), remoteId: Data("carol".utf8))
        }
        let signed = try Devices.signRecord(account: phone.identity, device: laptop.key, index: 1, addedAt: now, kind: .companion)
        assertThrows(.malformed) { _ = try Devices.countersign(device: laptop.identity, signed: signed.prefix(signed.count - 1)) }
        assertThrows(.wrongType) { _ = try Devices.countersign(device: bobPhone.identity, signed: signed) }
    }

    func testAHistoryBlobIsAnAttachmentStreamUnderItsOwnContext() throws {
        let history = Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let encryptor = try AttachmentEncryptor.forHistory()
        var blob = try encryptor.update(history)
        let (last, attachment) = try encryptor.finish()
        blob.append(last)
        let descriptor = try attachment.descriptor(mediaType: "application/octet-stream")
        let envelope = try Envelope.decode(
            try Envelope.encode(.other(type: ContentType.deviceHistory, body: descriptor), sentAtMs: nowMs))
        XCTAssertEqual(envelope.content.type, ContentType.deviceHistory)
        let decryptor = try AttachmentDecryptor.forHistory(descriptor: descriptor)
        var back = try decryptor.update(blob)
        back.append(try decryptor.finish())
        XCTAssertEqual(back, history)
        // Not an attachment: the contexts differ.
        XCTAssertThrowsError(try {
            let d = try AttachmentDecryptor(descriptor: descriptor)
            _ = try d.update(blob)
            _ = try d.finish()
        }())
        assertThrows(.malformed) { _ = try AttachmentDecryptor.forHistory(descriptor: Data("junk".utf8)) }
    }
}
