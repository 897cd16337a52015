import Foundation
import Sotto
import XCTest

/// 1 MiB and odd bytes, no two chunks alike.
private let plain = Data((0..<((1 << 20) + 123)).map { i in UInt8(truncatingIfNeeded: i &* 31 &+ (i >> 9)) })

final class MediaTests: XCTestCase {
    let now: UInt64 = 1_800_000_000
    let nowMs: UInt64 = 1_800_000_000_000
    let export = Data("the app's message history".utf8)

    /// A new directory for this test's files, removed at the end.
    private func directory(_ name: String) throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-swift-\(name)-\(getpid())")
        try? FileManager.default.removeItem(at: dir)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    /// The plaintext encrypted through the stream adapter: the blob and its attachment.
    private func encrypted() throws -> (Data, Attachment) {
        let output = OutputStream.toMemory()
        let attachment = try Attachments.encrypt(from: InputStream(data: plain), to: output)
        let blob = try XCTUnwrap(output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data)
        return (blob, attachment)
    }

    /// Decrypts `blob` against `descriptor` through the stream adapter.
    private func decrypted(_ descriptor: Data, _ blob: Data) throws -> Data {
        let output = OutputStream.toMemory()
        defer { written = output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data() }
        try Attachments.decrypt(descriptor: descriptor, from: InputStream(data: blob), to: output)
        return output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    /// What the last `decrypted` wrote, also when it threw.
    private var written = Data()

    /// `a` with one bit of its key or hash flipped.
    private func flipped(_ a: Attachment, key: Bool) throws -> Attachment {
        var k = a.key
        var h = a.ciphertextSHA256
        if key { k[7] ^= 1 } else { h[7] ^= 1 }
        return try Attachment(
            key: k, ciphertextSHA256: h, plaintextLength: a.plaintextLength, ciphertextLength: a.ciphertextLength,
            dimensions: a.dimensions, durationMs: a.durationMs)
    }

    private func assertError<T>(_ expected: SottoError, _ body: @autoclosure () throws -> T, line: UInt = #line) {
        XCTAssertThrowsError(try body(), line: line) { error in
            XCTAssertEqual(error as? SottoError, expected, line: line)
        }
    }

    func testAnAttachmentOf1MiBAndOddBytesThroughTheStreamAdaptersAndBack() throws {
        let (blob, attachment) = try encrypted()
        XCTAssertEqual(attachment.plaintextLength, UInt64(plain.count))
        XCTAssertEqual(attachment.ciphertextLength, UInt64(blob.count))
        XCTAssertGreaterThan(blob.count, plain.count + Attachments.headerLength)
        var sized = attachment
        sized.dimensions = Dimensions(width: 640, height: 480)
        let descriptor = try sized.descriptor(mediaType: "image/png", thumbnail: Data("thumb".utf8))
        XCTAssertEqual(try decrypted(descriptor, blob), plain)
        // Another key each time.
        let (other, again) = try encrypted()
        XCTAssertNotEqual(again.key, attachment.key)
        XCTAssertNotEqual(other, blob)
    }

    func testFilesAndFileHandles() throws {
        let dir = try directory("files")
        let (file, blob, back) = (
            dir.appendingPathComponent("photo"), dir.appendingPathComponent("blob"), dir.appendingPathComponent("back")
        )
        try plain.write(to: file)
        let attachment = try Attachments.encrypt(file: file, to: blob)
        XCTAssertEqual(try Data(contentsOf: blob).count, Int(attachment.ciphertextLength))
        let descriptor = try attachment.descriptor(mediaType: "image/png")
        try Attachments.decrypt(descriptor: descriptor, blob: blob, to: back)
        XCTAssertEqual(try Data(contentsOf: back), plain)
        // A wrong key leaves no file behind.
        try FileManager.default.removeItem(at: back)
        assertError(.wrongKey, try Attachments.decrypt(
            descriptor: try flipped(attachment, key: true).descriptor(mediaType: "image/png"), blob: blob, to: back))
        XCTAssertFalse(FileManager.default.fileExists(atPath: back.path))
        // File handles, from and to where they are.
        let input = try FileHandle(forReadingFrom: blob)
        XCTAssertTrue(FileManager.default.createFile(atPath: back.path, contents: Data("x".utf8)))
        let output = try FileHandle(forWritingTo: back)
        _ = output.seekToEndOfFile()
        try Attachments.decrypt(descriptor: descriptor, from: input, to: output)
        output.closeFile()
        input.closeFile()
        XCTAssertEqual(try Data(contentsOf: back), Data("x".utf8) + plain)
    }

    func testTheEncryptorAndDecryptorInCallerSizedPiecesAndAClosedStream() throws {
        let e = try AttachmentEncryptor()
        var blob = Data()
        var at = 0
        while at < plain.count {
            let n = min(5000, plain.count - at)
            let need = try e.updateLength(n)
            let out = try e.update(plain.subdata(in: at..<at + n))
            XCTAssertEqual(out.count, need)
            blob += out
            at += n
        }
        let need = try e.finishLength()
        let short = UnsafeMutableRawBufferPointer.allocate(byteCount: need - 1, alignment: 1)
        defer { short.deallocate() }
        assertError(.bufferTooSmall, try e.finish(into: short))
        let (last, attachment) = try e.finish()
        blob += last
        assertError(.streamClosed, try e.finish())
        XCTAssertEqual(attachment.ciphertextLength, UInt64(blob.count))

        let d = try AttachmentDecryptor(descriptor: try attachment.descriptor(mediaType: "application/octet-stream"))
        var back = try d.update(blob.prefix(100))
        back += try d.update(blob.suffix(from: 100))
        back += try d.finish()
        XCTAssertEqual(back, plain)
        assertError(.malformed, try AttachmentDecryptor(descriptor: Data("junk".utf8)))
    }

    func testTheDescriptorThroughAnEnvelopeAndBack() throws {
        let (_, attachment) = try encrypted()
        var sized = attachment
        sized.dimensions = Dimensions(width: 640, height: 480)
        sized.durationMs = 1500
        let descriptor = try sized.descriptor(mediaType: "video/mp4", thumbnail: Data("thumb".utf8))
        let envelope = try Envelope.encode(.other(type: ContentType.attachment, body: descriptor), sentAtMs: nowMs)
        let content = try Envelope.decode(envelope).content
        XCTAssertEqual(content, .other(type: ContentType.attachment, body: descriptor))
        guard case .other(_, let body) = content else { return XCTFail("an attachment arrives as .other") }
        let got = try AttachmentDescriptor(decoding: body)
        XCTAssertEqual(got.attachment, sized)
        XCTAssertEqual(got.mediaType, "video/mp4")
        XCTAssertEqual(got.thumbnail, Data("thumb".utf8))
        XCTAssertEqual(got, AttachmentDescriptor(attachment: sized, mediaType: "video/mp4", thumbnail: Data("thumb".utf8)))
        XCTAssertEqual(try Attachment(descriptor: try attachment.descriptor(mediaType: "image/png")), attachment)
        XCTAssertNil(try AttachmentDescriptor(decoding: try attachment.descriptor(mediaType: "image/png")).thumbnail)
        assertError(.malformed, try attachment.descriptor(mediaType: "image png"))
    }

    func testAReadInTheMiddleThroughTheReaderByChunksTheAppReads() throws {
        let (blob, attachment) = try encrypted()
        let descriptor = try attachment.descriptor(mediaType: "image/png")
        let header = blob.prefix(Attachments.headerLength)
        let reader = try AttachmentReader(descriptor: descriptor, header: header, blobLength: UInt64(blob.count))
        XCTAssertEqual(reader.plaintextLength, UInt64(plain.count))
        var reads: [UInt64] = []
        let readChunk = { (offset: UInt64, length: Int) -> Data in
            reads.append(offset)
            return blob.subdata(in: Int(offset)..<Int(offset) + length)
        }
        // Across a chunk boundary in the middle: two chunks read.
        let from = 32 * Attachments.chunkLength - 100
        XCTAssertEqual(try reader.read(at: UInt64(from), count: 5000, from: readChunk), plain.subdata(in: from..<from + 5000))
        XCTAssertEqual(reads.count, 2)
        // The end: what is left, then nothing.
        XCTAssertEqual(try reader.read(at: UInt64(plain.count - 10), count: 100, from: readChunk), plain.suffix(10))
        XCTAssertEqual(try reader.read(at: UInt64(plain.count), count: 10, from: readChunk), Data())
        // A chunk at another index does not verify.
        let whereAt = try reader.locate(UInt64(plain.count / 2))
        let middle = plain.count / 2
        XCTAssertTrue(Int(whereAt.plaintextOffset) <= middle && middle < Int(whereAt.plaintextOffset) + whereAt.plaintextLength)
        let chunk = blob.subdata(in: Int(whereAt.blobOffset)..<Int(whereAt.blobOffset) + whereAt.blobLength)
        let out = UnsafeMutableRawBufferPointer.allocate(byteCount: Attachments.chunkLength, alignment: 1)
        defer { out.deallocate() }
        assertError(.decryptFailed, try reader.decryptChunk(index: whereAt.index + 1, chunk, into: out))
        assertError(.invalidArgument, try reader.locate(UInt64(plain.count)))
        assertError(.malformed, try AttachmentReader(descriptor: descriptor, header: header, blobLength: UInt64(blob.count - 1)))
    }

    func testAWrongKeyAWrongHashAndTrailingDataAreRefused() throws {
        let (blob, attachment) = try encrypted()
        // Wrong key: refused by the commitment, before anything is written.
        let wrongKey = try flipped(attachment, key: true).descriptor(mediaType: "image/png")
        assertError(.wrongKey, try decrypted(wrongKey, blob))
        XCTAssertEqual(written.count, 0)
        assertError(.wrongKey, try AttachmentReader(
            descriptor: wrongKey, header: blob.prefix(Attachments.headerLength), blobLength: UInt64(blob.count)))
        // Wrong hash: every chunk verifies, the blob as a whole does not.
        let wrongHash = try flipped(attachment, key: false).descriptor(mediaType: "image/png")
        assertError(.decryptFailed, try decrypted(wrongHash, blob))
        // Trailing data: refused as it arrives. Cut short: refused at the end.
        let descriptor = try attachment.descriptor(mediaType: "image/png")
        assertError(.malformed, try decrypted(descriptor, blob + Data([0])))
        assertError(.malformed, try decrypted(descriptor, blob.prefix(blob.count - 1)))
    }

    // ------------------------------------------------------------ backups

    /// Alice's store, talking to Bob's: both with devices, one message sent.
    private struct Peers {
        let aliceId: Identity
        let bobId: Identity
        let bobPrekeys: PrekeyStore
        let alice: Store
        let bob: Store
    }

    private func peers(_ dir: URL) throws -> Peers {
        let aliceId = try Identity()
        let bobId = try Identity()
        let bobPrekeys = try PrekeyStore(identity: bobId, now: now)
        try bobPrekeys.generateOneTimePrekeys(2)
        let alice = try Store(path: dir.appendingPathComponent("alice.db").path, key: Data(repeating: 1, count: 32), durable: false)
        let bob = try Store(path: dir.appendingPathComponent("bob.db").path, key: Data(repeating: 2, count: 32), durable: false)
        try alice.setDevice(identity: aliceId, prekeys: try PrekeyStore(identity: aliceId, now: now))
        try bob.setDevice(identity: bobId, prekeys: bobPrekeys)
        XCTAssertEqual(
            try alice.initiate(contact: Data("bob".utf8), bundle: try bobPrekeys.bundle(identity: bobId, oneTimeIndex: 0), now: now), .new)
        let hi = try alice.send(to: Data("bob".utf8), content: .text("before"), nowMs: nowMs)
        XCTAssertEqual(try bob.receive(from: Data("alice".utf8), message: hi.message, nowMs: nowMs).content, .text("before"))
        return Peers(aliceId: aliceId, bobId: bobId, bobPrekeys: bobPrekeys, alice: alice, bob: bob)
    }

    /// `store`, restored, talks to Bob again from Alice's identity.
    private func talksAgain(_ p: Peers, _ store: Store) throws {
        XCTAssertEqual(try store.deviceIdentity().publicKey, p.aliceId.publicKey)
        XCTAssertEqual(
            try store.initiate(contact: Data("bob".utf8), bundle: try p.bobPrekeys.bundle(identity: p.bobId, oneTimeIndex: 1), now: now),
            .known(verified: false))
        let after = try store.send(to: Data("bob".utf8), content: .text("after"), nowMs: nowMs + 1)
        XCTAssertEqual(try p.bob.receive(from: Data("alice".utf8), message: after.message, nowMs: nowMs + 1).content, .text("after"))
    }

    private func newStore(_ dir: URL, _ name: String) throws -> Store {
        try Store(path: dir.appendingPathComponent("\(name).db").path, key: Data(repeating: 3, count: 32), durable: false)
    }

    private func backedUp(_ write: (OutputStream) throws -> Void) rethrows -> Data {
        let output = OutputStream.toMemory()
        try write(output)
        return output.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
    }

    func testAStoreBackedUpUnderAKeyTypedBackFromItsDigitsRestoredIntoANewStoreThatTalksAgain() throws {
        let dir = try directory("backup")
        let p = try peers(dir)
        // The key, shown as digits and typed back.
        let key = try BackupKey.generate()
        let digits = key.digits
        XCTAssertEqual(digits.count, 68 + 16)
        let typed = try BackupKey(digits: digits.lowercased().replacingOccurrences(of: " ", with: "-"))
        XCTAssertEqual(typed, key)
        let mistyped = (digits.hasPrefix("0") ? "1" : "0") + digits.dropFirst()
        assertError(.malformed, try BackupKey(digits: mistyped))
        XCTAssertFalse(key.description.contains(String(digits.prefix(4))))

        let backup = try backedUp { try p.alice.backup(key: key, export: InputStream(data: export), to: $0) }

        // The phone is lost; a new one restores with the typed key.
        let fresh = try newStore(dir, "new")
        let exported = OutputStream.toMemory()
        let restored = try fresh.restore(from: InputStream(data: backup), key: typed, export: exported, now: now)
        XCTAssertEqual(exported.property(forKey: .dataWrittenToMemoryStreamKey) as? Data, export)
        XCTAssertEqual(restored, Restored(contacts: [Data("bob".utf8)], groups: []))
        try talksAgain(p, fresh)

        // A store that is not new is refused; a backup without an export restores too.
        assertError(.storeNotEmpty, try p.bob.restore(from: InputStream(data: backup), key: key, export: nil, now: now))
        let bare = try backedUp { try p.alice.backup(key: key, export: Data(), to: $0) }
        XCTAssertEqual(
            try newStore(dir, "bare").restore(from: InputStream(data: bare), key: key, export: nil, now: now).contacts,
            [Data("bob".utf8)])
        // A backup cut short, and what is not a backup, are refused.
        let cut = try newStore(dir, "cut")
        assertError(.decryptFailed, try cut.restore(from: InputStream(data: backup.prefix(backup.count - 1)), key: key, export: nil, now: now))
        assertError(.malformed, try cut.restore(from: InputStream(data: backup.prefix(8)), key: key, export: nil, now: now))
        assertError(.wrongType, try cut.restore(from: InputStream(data: export), key: key, export: nil, now: now))
        assertError(.noDeviceIdentity, try cut.deviceIdentity())
    }

    func testAWrongPasswordIsRefusedAndLeavesTheNewStoreEmpty() throws {
        let dir = try directory("password")
        let p = try peers(dir)
        let password = Data("correct horse battery staple".utf8)
        let backup = try backedUp {
            try p.alice.backup(password: password, params: .minimum, export: InputStream(data: export), to: $0)
        }
        assertError(.limitExceeded, try backedUp {
            try p.alice.backup(password: password, params: Argon2Params(memoryKiB: 1024, passes: 1, lanes: 1), export: nil, to: $0)
        })
        assertError(.limitExceeded, try backedUp { try p.alice.backup(password: Data(), params: .minimum, export: nil, to: $0) })

        let fresh = try newStore(dir, "new")
        let exported = OutputStream.toMemory()
        assertError(.wrongKey, try fresh.restore(from: InputStream(data: backup), password: Data("wrong".utf8), export: exported, now: now))
        XCTAssertEqual((exported.property(forKey: .dataWrittenToMemoryStreamKey) as? Data)?.count ?? 0, 0)
        // Nothing was written: the store is still new, and the right password restores into it.
        assertError(.noDeviceIdentity, try fresh.deviceIdentity())
        XCTAssertNil(try fresh.trustRecord(contact: Data("bob".utf8)))
        assertError(.wrongKey, try fresh.restore(from: InputStream(data: backup), key: try BackupKey.generate(), export: nil, now: now))
        let again = OutputStream.toMemory()
        let restored = try fresh.restore(from: InputStream(data: backup), password: password, export: again, now: now)
        XCTAssertEqual(again.property(forKey: .dataWrittenToMemoryStreamKey) as? Data, export)
        XCTAssertEqual(restored.contacts, [Data("bob".utf8)])
        try talksAgain(p, fresh)
    }
}
