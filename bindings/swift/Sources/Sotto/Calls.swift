import CSotto
import Foundation

/// The bytes of a call id.
public let callIdLength = 16

/// The most participants of a group call.
public let maxCallParticipants = 32

/// An SFrame cipher suite (RFC 9605, `SOTTO_SFRAME_*`).
public enum SframeSuite: UInt16, CaseIterable, Sendable {
    /// AES-128-CTR with HMAC-SHA256, 10-byte tag.
    case aes128CtrHmacSha256_80 = 1
    /// AES-128-CTR with HMAC-SHA256, 8-byte tag.
    case aes128CtrHmacSha256_64 = 2
    /// AES-128-CTR with HMAC-SHA256, 4-byte tag.
    case aes128CtrHmacSha256_32 = 3
    /// AES-128-GCM, 16-byte tag.
    case aes128GcmSha256_128 = 4
    /// AES-256-GCM (keys from SHA-512), 16-byte tag.
    case aes256GcmSha512_128 = 5

    /// The longest SFrame header: a frame grows by at most this plus 16.
    public static let maxHeaderLength = Int(SOTTO_SFRAME_MAX_HEADER_LEN)
}

/// What a call message says (`SOTTO_CALL_*`).
public enum CallSignalKind: UInt8, Sendable {
    /// A call starts: it carries the secret for the device it is sent to.
    case offer = 1
    /// The callee accepts.
    case answer = 2
    /// A group call's new epoch: its secret and participants.
    case keyUpdate = 3
    /// The sender leaves the call.
    case leave = 4
    /// The call ends for everyone.
    case end = 5
}

/// An SRTP protection profile (`SOTTO_SRTP_*`).
public enum SrtpProfile: UInt8, CaseIterable, Sendable {
    /// SRTP_AES128_CM_HMAC_SHA1_80: 16-byte key, 14-byte salt.
    case aes128CmHmacSha1_80 = 1
    /// SRTP_AEAD_AES_256_GCM: 32-byte key, 12-byte salt.
    case aeadAes256Gcm = 2

    /// The master key's length.
    public var keyLength: Int { self == .aes128CmHmacSha1_80 ? 16 : 32 }
    /// The master salt's length.
    public var saltLength: Int { self == .aes128CmHmacSha1_80 ? 14 : 12 }
}

/// Whose media a 1:1 call's SRTP keys protect (`SOTTO_CALL_DIRECTION_*`).
public enum CallDirection: UInt8, Sendable {
    /// The caller's media.
    case caller = 1
    /// The callee's media.
    case callee = 2
}

/// A call message (`PROTOCOL.md` §19.3), sent as content of type
/// `ContentType.call`, one message per recipient device: make one with
/// `offer`, `keyUpdate`, `answer`, `leave` or `end` and send `encode()`'s
/// bytes; read a received body with `init(decoding:)`. An offer or key
/// update holds a secret that never leaves the library but as the keys
/// derived from it (`srtp`, or a `GroupCall`); released, the message wipes
/// it. One thread at a time.
public final class CallSignal: NativeObject, @unchecked Sendable {
    /// What it says.
    public let kind: CallSignalKind
    /// The call's id, 16 bytes.
    public let callId: Data
    /// The epoch (0 for a 1:1 call).
    public let epoch: UInt32
    /// A video call.
    public let video: Bool
    /// Whether it carries a secret (offers and key updates).
    public let hasSecret: Bool
    /// The participants' indices (for offers and key updates; else empty).
    public let participants: [UInt32]

    private init(adopting h: OpaquePointer) throws {
        var info = sotto_call_signal_info()
        var list: [UInt32] = []
        do {
            try check(sotto_call_signal_info_get(h, &info))
            list = [UInt32](repeating: 0, count: Int(info.participants))
            try list.withUnsafeMutableBufferPointer { try check(sotto_call_signal_participants(h, $0.baseAddress, $0.count)) }
            guard let k = CallSignalKind(rawValue: info.kind) else { throw SottoError.malformed }
            kind = k
        } catch {
            var p: OpaquePointer? = h
            sotto_call_signal_free(&p)
            throw error
        }
        callId = withUnsafeBytes(of: info.call_id) { Data($0) }
        epoch = info.epoch
        video = info.video == 1
        hasSecret = info.has_secret == 1
        participants = list
        super.init(handle: h)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_call_signal_free(&h)
    }

    private static func make(
        _ kind: CallSignalKind, _ callId: Data, epoch: UInt32 = 0, video: Bool = false, participants: [UInt32] = []
    ) throws -> CallSignal {
        guard callId.count == callIdLength else { throw SottoError.invalidArgument }
        var h: OpaquePointer?
        try callId.withCBytes { id, _ in
            try participants.withUnsafeBufferPointer { p in
                try check(sotto_call_signal_new(kind.rawValue, id, epoch, video ? 1 : 0, p.baseAddress, p.count, &h))
            }
        }
        return try CallSignal(adopting: h!)
    }

    /// An offer of call `callId` (16 bytes), with a fresh secret: a new one
    /// per recipient device. `participants` are the call's indices (none
    /// for a 1:1 call).
    public static func offer(callId: Data, video: Bool, participants: [UInt32] = []) throws -> CallSignal {
        try make(.offer, callId, video: video, participants: participants)
    }

    /// A group call's new `epoch` (above the current one) with a fresh
    /// secret, for `participants` (at most `maxCallParticipants`, distinct):
    /// send it to each of them.
    public static func keyUpdate(callId: Data, epoch: UInt32, participants: [UInt32]) throws -> CallSignal {
        try make(.keyUpdate, callId, epoch: epoch, participants: participants)
    }

    /// The callee accepts call `callId`.
    public static func answer(callId: Data) throws -> CallSignal { try make(.answer, callId) }

    /// The sender leaves call `callId`.
    public static func leave(callId: Data) throws -> CallSignal { try make(.leave, callId) }

    /// Call `callId` ends for everyone.
    public static func end(callId: Data) throws -> CallSignal { try make(.end, callId) }

    /// Decodes a received `ContentType.call` body (it holds the secret: drop
    /// it after).
    public convenience init(decoding body: Data) throws {
        var h: OpaquePointer?
        try body.withCBytes { p, n in try check(sotto_call_signal_decode(p, n, &h)) }
        try self.init(adopting: h!)
    }

    /// The body to send as `ContentType.call` (it holds the secret: pass it
    /// to the store's send and drop it).
    public func encode() throws -> Data {
        try locked { h in try takeBuffer { sotto_call_signal_encode(h, $0) } }
    }

    /// The SRTP master key and salt of a 1:1 call's `direction` for
    /// `profile`, from the offer's secret: the same on both sides, different
    /// per direction. A message without a secret throws
    /// `SottoError.invalidArgument`. Wipe both when the call ends.
    public func srtp(profile: SrtpProfile, direction: CallDirection) throws -> (key: Data, salt: Data) {
        var key = Data(count: profile.keyLength)
        var salt = Data(count: profile.saltLength)
        try locked { h in
            try key.withUnsafeMutableBytes { k in
                try salt.withUnsafeMutableBytes { s in
                    try check(sotto_call_signal_srtp(h, profile.rawValue, direction.rawValue, k.cBytes, k.count, s.cBytes, s.count))
                }
            }
        }
        return (key, salt)
    }
}

/// Refuses old and replayed offers: an offer sent more than 60 s ago
/// (`SottoError.expired`), more than 30 s ahead (`SottoError.stale`), or
/// whose call id it let through among the last 256
/// (`SottoError.duplicateMessage`). One thread at a time.
public final class OfferGuard: NativeObject, @unchecked Sendable {
    public init() throws {
        var h: OpaquePointer?
        try check(sotto_offer_guard_new(&h))
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_offer_guard_free(&h)
    }

    /// Lets an offer for `callId` sent at `sentAtMs` (its envelope's time)
    /// through at `nowMs`, once; nothing changes on error.
    public func admit(callId: Data, sentAtMs: UInt64, nowMs: UInt64) throws {
        guard callId.count == callIdLength else { throw SottoError.invalidArgument }
        try locked { h in
            try callId.withCBytes { id, _ in try check(sotto_offer_guard_admit(h, id, sentAtMs, nowMs)) }
        }
    }
}

/// What a decrypted SFrame was.
public struct SframeInfo: Equatable, Sendable {
    /// The key id.
    public let kid: UInt64
    /// The frame counter.
    public let counter: UInt64
    /// The frame's length, at the front of the output.
    public let length: Int

    public init(kid: UInt64, counter: UInt64, length: Int) {
        self.kid = kid
        self.counter = counter
        self.length = length
    }
}

/// Runs `body` with the bytes of `data` (possibly empty).
private func withRaw<R>(_ data: Data, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try data.withUnsafeBytes(body)
}

/// One sender's SFrame encryption (RFC 9605) under key id `kid` from a
/// base key (1 to 64 bytes). Each frame goes into a buffer of the caller's
/// (`encrypt(_:metadata:into:)`), so a media pipeline reuses its buffers;
/// `encrypt(_:metadata:)` returns new bytes. One thread at a time.
public final class SframeEncryptor: NativeObject, @unchecked Sendable {
    public init(suite: SframeSuite, kid: UInt64, baseKey: Data) throws {
        var h: OpaquePointer?
        try baseKey.withCBytes { k, n in try check(sotto_sframe_encryptor_new(suite.rawValue, kid, k, n, &h)) }
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_sframe_encryptor_free(&h)
    }

    /// Exactly how many bytes the next frame of `frameLength` bytes takes
    /// once encrypted.
    public func sframeLength(_ frameLength: Int) throws -> Int {
        try locked { h in
            var n = 0
            try check(sotto_sframe_encryptor_sframe_len(h, frameLength, &n))
            return n
        }
    }

    /// Encrypts `frame` with `metadata` (at most 1,007 bytes) as associated
    /// data into `output` (at least `sframeLength(frame.count)` bytes, else
    /// `SottoError.bufferTooSmall` and nothing changes; not overlapping
    /// `frame`). Returns the SFrame's length. Allocates nothing.
    public func encrypt(
        _ frame: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws -> Int {
        try locked { h in
            var written = 0
            try check(sotto_sframe_encryptor_encrypt(
                h, metadata.cBytes, metadata.count, frame.cBytes, frame.count, output.cBytes, output.count, &written))
            return written
        }
    }

    /// Encrypts `frame` with `metadata` into the front of `output`; returns
    /// the SFrame's length.
    public func encrypt(_ frame: Data, metadata: Data = Data(), into output: inout Data) throws -> Int {
        try output.withUnsafeMutableBytes { o in
            try withRaw(frame) { f in try withRaw(metadata) { m in try encrypt(f, metadata: m, into: o) } }
        }
    }

    /// Encrypts `frame` with `metadata`: the SFrame.
    public func encrypt(_ frame: Data, metadata: Data = Data()) throws -> Data {
        var out = Data(count: try sframeLength(frame.count))
        let n = try encrypt(frame, metadata: metadata, into: &out)
        return out.prefix(n)
    }
}

/// SFrame decryption of every key it holds (at most 256), with a replay
/// window of 128 counters per key. A frame under a key it does not hold
/// throws `SottoError.unknownSenderKey`, a replay
/// `SottoError.duplicateMessage`, a tampered frame `SottoError.decryptFailed`;
/// nothing is written then. One thread at a time.
public final class SframeDecryptor: NativeObject, @unchecked Sendable {
    public init(suite: SframeSuite) throws {
        var h: OpaquePointer?
        try check(sotto_sframe_decryptor_new(suite.rawValue, &h))
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_sframe_decryptor_free(&h)
    }

    /// Adds the key of `kid` from its base key (a key id already held
    /// throws `SottoError.duplicateMessage`).
    public func addKey(kid: UInt64, baseKey: Data) throws {
        try locked { h in
            try baseKey.withCBytes { k, n in try check(sotto_sframe_decryptor_add_key(h, kid, k, n)) }
        }
    }

    /// Forgets the key of `kid` (`SottoError.notFound` if not held): its
    /// frames are refused from now on.
    public func removeKey(kid: UInt64) throws {
        try locked { h in try check(sotto_sframe_decryptor_remove_key(h, kid)) }
    }

    /// Decrypts `sframe` with `metadata` into `output` (as long as the
    /// SFrame is always enough; shorter than the frame throws
    /// `SottoError.bufferTooSmall`; not overlapping `sframe`). Allocates
    /// nothing.
    public func decrypt(
        _ sframe: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws -> SframeInfo {
        try locked { h in
            var info = sotto_sframe_info()
            try check(sotto_sframe_decryptor_decrypt(
                h, metadata.cBytes, metadata.count, sframe.cBytes, sframe.count, output.cBytes, output.count, &info))
            return SframeInfo(kid: info.kid, counter: info.ctr, length: info.len)
        }
    }

    /// Decrypts `sframe` with `metadata` into the front of `output`.
    public func decrypt(_ sframe: Data, metadata: Data = Data(), into output: inout Data) throws -> SframeInfo {
        try output.withUnsafeMutableBytes { o in
            try withRaw(sframe) { s in try withRaw(metadata) { m in try decrypt(s, metadata: m, into: o) } }
        }
    }

    /// Decrypts `sframe` with `metadata`: what it was, and the frame.
    public func decrypt(_ sframe: Data, metadata: Data = Data()) throws -> (info: SframeInfo, frame: Data) {
        var out = Data(count: sframe.count)
        let info = try decrypt(sframe, metadata: metadata, into: &out)
        return (info, out.prefix(info.length))
    }
}

/// What a decrypted group-call frame was.
public struct CallFrame: Equatable, Sendable {
    /// The epoch it was sent in.
    public let epoch: UInt32
    /// Its sender's index.
    public let sender: UInt32
    /// The frame's length, at the front of the output.
    public let length: Int

    public init(epoch: UInt32, sender: UInt32, length: Int) {
        self.epoch = epoch
        self.sender = sender
        self.length = length
    }
}

/// One device's side of the group call `callId` (16 bytes) as participant
/// `me`, with `suite`: `install` each epoch a key update brings (and the
/// offer that starts it), `encrypt` our frames, `decrypt` everyone else's.
/// A participant who left never gets the next epoch's secret; one who
/// joined never had the earlier ones. One thread at a time.
public final class GroupCall: NativeObject, @unchecked Sendable {
    public init(callId: Data, suite: SframeSuite, me: UInt32) throws {
        guard callId.count == callIdLength else { throw SottoError.invalidArgument }
        var h: OpaquePointer?
        try callId.withCBytes { id, _ in try check(sotto_group_call_new(id, suite.rawValue, me, &h)) }
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_group_call_free(&h)
    }

    /// Installs the epoch that `signal` (an offer or key update) carries,
    /// at `nowMs`: its epoch must be above the current one
    /// (`SottoError.stale`), this device among its participants
    /// (`SottoError.notAMember`), for this call (`SottoError.wrongType`).
    /// The previous epoch's frames play for 2 s more. Nothing changes on
    /// error.
    public func install(_ signal: CallSignal, nowMs: UInt64) throws {
        try locked { c in try signal.locked { s in try check(sotto_group_call_install(c, s, nowMs)) } }
    }

    /// How many bytes our next frame of `frameLength` bytes takes (no epoch
    /// yet: `SottoError.unknownSenderKey`).
    public func sframeLength(_ frameLength: Int) throws -> Int {
        try locked { h in
            var n = 0
            try check(sotto_group_call_sframe_len(h, frameLength, &n))
            return n
        }
    }

    /// Encrypts one of our frames under the current epoch, as
    /// `SframeEncryptor.encrypt(_:metadata:into:)`.
    public func encrypt(
        _ frame: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer
    ) throws -> Int {
        try locked { h in
            var written = 0
            try check(sotto_group_call_encrypt(
                h, metadata.cBytes, metadata.count, frame.cBytes, frame.count, output.cBytes, output.count, &written))
            return written
        }
    }

    /// Encrypts `frame` with `metadata` into the front of `output`; returns
    /// the SFrame's length.
    public func encrypt(_ frame: Data, metadata: Data = Data(), into output: inout Data) throws -> Int {
        try output.withUnsafeMutableBytes { o in
            try withRaw(frame) { f in try withRaw(metadata) { m in try encrypt(f, metadata: m, into: o) } }
        }
    }

    /// Encrypts `frame` with `metadata` under the current epoch: the SFrame.
    public func encrypt(_ frame: Data, metadata: Data = Data()) throws -> Data {
        var out = Data(count: try sframeLength(frame.count))
        let n = try encrypt(frame, metadata: metadata, into: &out)
        return out.prefix(n)
    }

    /// Decrypts a participant's frame at `nowMs`, as
    /// `SframeDecryptor.decrypt(_:metadata:into:)`. A frame of an epoch
    /// whose keys are gone (or never came) throws
    /// `SottoError.unknownSenderKey`.
    public func decrypt(
        _ sframe: UnsafeRawBufferPointer, metadata: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
        nowMs: UInt64
    ) throws -> CallFrame {
        try locked { h in
            var f = sotto_call_frame()
            try check(sotto_group_call_decrypt(
                h, metadata.cBytes, metadata.count, sframe.cBytes, sframe.count, output.cBytes, output.count, nowMs, &f))
            return CallFrame(epoch: f.epoch, sender: f.sender, length: f.len)
        }
    }

    /// Decrypts `sframe` with `metadata` at `nowMs` into the front of
    /// `output`.
    public func decrypt(_ sframe: Data, metadata: Data = Data(), into output: inout Data, nowMs: UInt64) throws -> CallFrame {
        try output.withUnsafeMutableBytes { o in
            try withRaw(sframe) { s in try withRaw(metadata) { m in try decrypt(s, metadata: m, into: o, nowMs: nowMs) } }
        }
    }

    /// Decrypts `sframe` with `metadata` at `nowMs`: what it was, and the
    /// frame.
    public func decrypt(_ sframe: Data, metadata: Data = Data(), nowMs: UInt64) throws -> (info: CallFrame, frame: Data) {
        var out = Data(count: sframe.count)
        let info = try decrypt(sframe, metadata: metadata, into: &out, nowMs: nowMs)
        return (info, out.prefix(info.length))
    }
}
