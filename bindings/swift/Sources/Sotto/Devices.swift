import CSotto
import Foundation

/// What a device of an account is (`SOTTO_DEVICE_*`), as its account signed it.
public enum DeviceKind: UInt8, Sendable {
    /// The account's primary device, index 0: its identity is the account key.
    case primary = 1
    /// A linked companion (a laptop, a tablet).
    case companion = 2
    /// Run by a service provider for a business: label the conversation.
    case hosted = 3
}

/// One verified device of an account.
public struct DeviceInfo: Equatable, Hashable {
    /// Its index in the account (0: the primary).
    public let index: UInt32
    public let kind: DeviceKind
    /// When it was added, seconds since the epoch.
    public let addedAt: UInt64
    public let identity: IdentityKey

    public init(index: UInt32, kind: DeviceKind, addedAt: UInt64, identity: IdentityKey) {
        self.index = index
        self.kind = kind
        self.addedAt = addedAt
        self.identity = identity
    }

    init(_ d: sotto_device_info) throws {
        guard let kind = DeviceKind(rawValue: d.kind) else { throw SottoError.malformed }
        var key = d.identity
        let bytes = withUnsafeBytes(of: &key) { Data($0) }
        self.init(index: d.index, kind: kind, addedAt: d.added_at, identity: try IdentityKey(bytes: bytes))
    }
}

/// A device that joined (or left) an account, as the store learned it.
public struct DeviceChange: Equatable {
    /// True if it joined, false if it left.
    public let joined: Bool
    /// When the store learned it, seconds since the epoch.
    public let at: UInt64
    public let device: DeviceInfo
}

/// What `Store.setDevices` found and did.
public struct DeviceUpdate: Equatable, Sendable {
    /// The list's version.
    public let version: UInt64
    /// How many devices the user has now.
    public let devices: UInt32
    /// How many devices joined.
    public let joined: UInt32
    /// How many devices left (their sessions are gone).
    public let left: UInt32
    /// The security code changed: tell the user; the contact is no longer verified.
    public let codeChanged: Bool
    /// A device is run by a service provider: label the conversation.
    public let hosted: Bool
    /// The list is our own account's.
    public let own: Bool
    /// Groups whose sender key of ours rotated because a device that left
    /// was a member: send each its distribution.
    public let rotatedGroups: [Data]
    /// Groups a joining device was added to: send it our distribution.
    public let joinedGroups: [Data]

    /// A name list: `count × (len u8 ‖ name)`.
    static func names(_ bytes: Data) throws -> [Data] {
        let b = [UInt8](bytes)
        var out: [Data] = []
        var at = 0
        while at < b.count {
            let n = Int(b[at])
            guard at + 1 + n <= b.count else { throw SottoError.internal }
            out.append(Data(b[(at + 1)..<(at + 1 + n)]))
            at += 1 + n
        }
        return out
    }
}

/// Device `index` of `user`: where a device message goes, or a device a
/// send needs a session with.
public struct DeviceAddress: Equatable, Hashable, Sendable {
    public let user: Data
    public let index: UInt32

    public init(user: Data, index: UInt32) {
        self.user = user
        self.index = index
    }

    /// An address list: `count × (user len u8 ‖ user ‖ index u32 big-endian)`.
    static func list(_ bytes: Data) throws -> [DeviceAddress] {
        var r = ByteReader(bytes)
        var out: [DeviceAddress] = []
        while !r.atEnd {
            let user = try r.bytes(Int(try r.u8()))
            out.append(DeviceAddress(user: user, index: try r.u32()))
        }
        return out
    }
}

/// One message of a `Store.sendToUser`, committed to the outbox: send
/// `message` to `address`, then `ackOutgoing(outboxId)`. `sentAtMs` and
/// `expiresAtMs` (nil: never) are the send's, the same for every device.
public struct DeviceMessage: Equatable, Sendable {
    public let outboxId: Int64
    public let address: DeviceAddress
    public let message: Data
    public let sentAtMs: UInt64
    public let expiresAtMs: UInt64?

    /// A fan-out: `count u16 ‖ count × (outbox id i64 ‖ user len u8 ‖ user
    /// ‖ index u32 ‖ message len u32 ‖ message)`, numbers big-endian.
    static func list(_ bytes: Data, _ sent: sotto_sent) throws -> [DeviceMessage] {
        var r = ByteReader(bytes)
        let high = Int(try r.u8())
        let count = high << 8 | Int(try r.u8())
        var out: [DeviceMessage] = []
        for _ in 0..<count {
            let idHigh = UInt64(try r.u32())
            let id = Int64(bitPattern: idHigh << 32 | UInt64(try r.u32()))
            let user = try r.bytes(Int(try r.u8()))
            let index = try r.u32()
            let message = try r.bytes(Int(try r.u32()))
            out.append(DeviceMessage(
                outboxId: id, address: DeviceAddress(user: user, index: index), message: message,
                sentAtMs: sent.sent_at_ms, expiresAtMs: sent.expires_at_ms == 0 ? nil : sent.expires_at_ms))
        }
        guard r.atEnd else { throw SottoError.internal }
        return out
    }
}

/// Reads the library's big-endian encodings.
struct ByteReader {
    private let b: [UInt8]
    private var at = 0

    init(_ data: Data) { b = [UInt8](data) }

    var atEnd: Bool { at == b.count }

    mutating func bytes(_ n: Int) throws -> Data {
        guard n <= b.count - at else { throw SottoError.internal }
        defer { at += n }
        return Data(b[at..<(at + n)])
    }

    mutating func u8() throws -> UInt8 { try bytes(1).first! }

    mutating func u32() throws -> UInt32 { try bytes(4).reduce(0) { $0 << 8 | UInt32($1) } }
}

/// Runs a C function that writes a count and up to a capacity of items:
/// once for the count, then into room for that many.
func counted<T, S: BinaryInteger>(
    _ empty: T, _ f: (UnsafeMutablePointer<UInt32>, UnsafeMutablePointer<T>?, Int) -> S
) throws -> [T] {
    var count: UInt32 = 0
    try check(f(&count, nil, 0))
    var items = [T](repeating: empty, count: Int(count))
    try items.withUnsafeMutableBufferPointer { buf in
        try check(f(&count, buf.baseAddress, buf.count))
    }
    return Array(items.prefix(Int(count)))
}

/// Device records and lists, signed by the account key (the primary
/// device's identity), and the primary's side of linking a companion
/// (`LinkingRequest` is the companion's). Publish each device's record and
/// the account's list; every store takes them with `Store.setDevices`.
public enum Devices {
    /// The bytes of a device record (account-signed and countersigned).
    public static let recordLength = Int(SOTTO_DEVICE_RECORD_LEN)
    /// The most devices one account lists, the primary included.
    public static let maxDevices = Int(SOTTO_MAX_DEVICES)
    /// How long a device list is trusted after it was issued (35 days), seconds.
    public static let listTTLSeconds = UInt64(SOTTO_DEVICE_LIST_TTL_SECS)
    /// The bytes of a linking QR code's payload.
    public static let linkQRLength = Int(SOTTO_LINK_QR_LEN)

    /// The `account` signs that `device` belongs to it at `index`, added at
    /// `addedAt` (seconds), of `kind`: the part the device countersigns. The
    /// primary is index 0 and its own device; any other kind has an index
    /// above 0.
    public static func signRecord(
        account: Identity, device: IdentityKey, index: UInt32, addedAt: UInt64, kind: DeviceKind
    ) throws -> Data {
        try account.locked { a in
            try withIdentity(device) { d in
                try takeBuffer { sotto_device_record_sign(a, d, index, addedAt, kind.rawValue, $0) }
            }
        }
    }

    /// The `device` checks the account's signature on `signed` and
    /// countersigns it: the record to publish. A record for another device
    /// throws `SottoError.wrongType`.
    public static func countersign(device: Identity, signed: Data) throws -> Data {
        try device.locked { d in
            try signed.withCBytes { s, n in try takeBuffer { sotto_device_record_countersign(d, s, n, $0) } }
        }
    }

    /// The `account` signs its device list: `version` (every change
    /// publishes a higher one), issued at `issuedAt` (seconds), and the
    /// current `devices`, the primary first at index 0, then by increasing
    /// index, at most `maxDevices`.
    public static func signList(
        account: Identity, version: UInt64, issuedAt: UInt64, devices: [(index: UInt32, identity: IdentityKey)]
    ) throws -> Data {
        var entries = Data()
        for d in devices {
            withUnsafeBytes(of: d.index.bigEndian) { entries.append(contentsOf: $0) }
            entries.append(d.identity.bytes)
        }
        return try account.locked { a in
            try entries.withCBytes { e, n in try takeBuffer { sotto_device_list_sign(a, version, issuedAt, e, n, $0) } }
        }
    }

    /// Verifies `account`'s published `list` and `records` at `now`
    /// (seconds): its devices, by index. `knownVersion` is the version last
    /// verified for this account (an older list throws
    /// `SottoError.staleDeviceList`), or 0. Any refusal (a forged signature,
    /// a record moved to another account, a list older than
    /// `listTTLSeconds`) refuses the whole list.
    public static func verify(
        account: IdentityKey, list: Data, records: [Data], now: UInt64, knownVersion: UInt64 = 0
    ) throws -> [DeviceInfo] {
        let all = records.reduce(Data(), +)
        let infos = try withIdentity(account) { a in
            try list.withCBytes { l, ln in
                try all.withCBytes { r, rn in
                    try counted(sotto_device_info()) { count, out, capacity in
                        sotto_devices_verify(a, l, ln, r, rn, now, knownVersion, count, out, capacity)
                    }
                }
            }
        }
        return try infos.map(DeviceInfo.init)
    }

    /// The primary reads a companion's `qr` code and answers with the
    /// account-signed record for it at `index` (above 0), of `kind`
    /// (`.companion` or `.hosted`), added at `now`, authenticated under the
    /// QR code's secret: send it to the companion (`LinkingRequest.accept`).
    public static func answerLink(
        account: Identity, qr: Data, index: UInt32, now: UInt64, kind: DeviceKind = .companion
    ) throws -> Data {
        try account.locked { a in
            try qr.withCBytes { q, n in try takeBuffer { sotto_link_answer(a, q, n, index, now, kind.rawValue, $0) } }
        }
    }
}

/// A companion's link in progress: start it with the companion's identity,
/// show `qrCode` for the primary to scan (it holds a one-time secret: show
/// it, never send it), then `accept` the primary's answer for the record to
/// publish. Released, it wipes the secret. One thread at a time.
public final class LinkingRequest: NativeObject, @unchecked Sendable {
    /// The bytes to show as a QR code (`Devices.linkQRLength`).
    public let qrCode: Data

    /// Starts linking `companion`.
    public init(companion: Identity) throws {
        var h: OpaquePointer?
        let qr = try companion.locked { c in try takeBuffer { sotto_linking_request_new(c, &h, $0) } }
        qrCode = qr
        super.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_linking_request_free(&h)
    }

    /// Checks the primary's `answer` and countersigns the record it carries
    /// with `companion` (the identity the request started with): the record
    /// to publish. `account`, if the companion knows which account it joins,
    /// must be the one that signed. A wrong secret (or an answer changed on
    /// the way) throws `SottoError.decryptFailed`, another device or account
    /// `SottoError.wrongType`, a second answer `SottoError.duplicateMessage`;
    /// on any error the request is unchanged.
    public func accept(companion: Identity, answer: Data, account: IdentityKey? = nil) throws -> Data {
        try locked { r in
            try companion.locked { c in
                try answer.withCBytes { p, n in
                    if let account {
                        return try withIdentity(account) { a in
                            try takeBuffer { sotto_linking_request_accept(r, c, p, n, a, $0) }
                        }
                    }
                    return try takeBuffer { sotto_linking_request_accept(r, c, p, n, nil, $0) }
                }
            }
        }
    }
}

extension AttachmentEncryptor {
    /// Starts a new device's history blob (under the history context, a
    /// fresh random key): send its descriptor as `ContentType.deviceHistory`;
    /// the new device reads it with `AttachmentDecryptor.forHistory`.
    public static func forHistory() throws -> AttachmentEncryptor {
        var h: OpaquePointer?
        try check(sotto_history_encryptor_new(&h))
        return AttachmentEncryptor(adopting: h!)
    }
}

extension AttachmentDecryptor {
    /// Starts decrypting a new device's history blob from the descriptor a
    /// `ContentType.deviceHistory` message carries. Once imported,
    /// acknowledge the message: its key is deleted with it.
    public static func forHistory(descriptor: Data) throws -> AttachmentDecryptor {
        var h: OpaquePointer?
        try descriptor.withCBytes { p, n in try check(sotto_history_decryptor_new(p, n, &h)) }
        return AttachmentDecryptor(adopting: h!)
    }
}

// Multi-device accounts: users' verified device lists, sessions with each
// device, fan-out. Times are seconds, but `nowMs` for content messages.
extension Store {
    /// Takes `user`'s published device `list` and `records` at `now`
    /// (seconds), in one transaction: verified, never older than the version
    /// last taken for that account (nor the same version with other
    /// devices: `SottoError.staleDeviceList`), the account key trusted as a
    /// contact's identity is (a new one throws `SottoError.identityChanged`
    /// under `TrustPolicy.block`, held as pending). Devices that left lose
    /// their sessions and group memberships; see `DeviceUpdate` for what to
    /// do next. A list holding this device is also kept as our own
    /// account's, whose other devices every `sendToUser` reaches.
    public func setDevices(user: Data, list: Data, records: [Data], now: UInt64) throws -> DeviceUpdate {
        let all = records.reduce(Data(), +)
        return try locked { h in
            var u = sotto_device_update()
            var rotated = sotto_buffer(data: nil, len: 0)
            var joined = sotto_buffer(data: nil, len: 0)
            defer {
                sotto_buffer_free(&rotated)
                sotto_buffer_free(&joined)
            }
            try user.withCBytes { un, unl in
                try list.withCBytes { l, ln in
                    try all.withCBytes { r, rn in
                        try check(sotto_store_set_devices(h, un, unl, l, ln, r, rn, now, &u, &rotated, &joined))
                    }
                }
            }
            func data(_ b: sotto_buffer) -> Data {
                guard let p = b.data, b.len > 0 else { return Data() }
                return Data(bytes: p, count: b.len)
            }
            return DeviceUpdate(
                version: u.version, devices: u.devices, joined: u.joined, left: u.left,
                codeChanged: u.code_changed == 1, hosted: u.hosted == 1, own: u.own == 1,
                rotatedGroups: try DeviceUpdate.names(data(rotated)), joinedGroups: try DeviceUpdate.names(data(joined)))
        }
    }

    /// `user`'s verified devices as the store last took them, by index;
    /// none taken throws `SottoError.notFound`.
    public func devices(user: Data) throws -> [DeviceInfo] {
        let infos = try locked { h in
            try user.withCBytes { u, un in
                try counted(sotto_device_info()) { count, out, capacity in
                    sotto_store_devices(h, u, un, count, out, capacity)
                }
            }
        }
        return try infos.map(DeviceInfo.init)
    }

    /// The newest device changes of `user` (at most 32), oldest first.
    public func deviceChanges(user: Data) throws -> [DeviceChange] {
        let changes = try locked { h in
            try user.withCBytes { u, un in
                try counted(sotto_device_change()) { count, out, capacity in
                    sotto_store_device_changes(h, u, un, count, out, capacity)
                }
            }
        }
        return try changes.map { DeviceChange(joined: $0.joined == 1, at: $0.at, device: try DeviceInfo($0.device)) }
    }

    /// Whether a device of `user` is run by a service provider (its account
    /// signed it so): label the conversation.
    public func isHosted(user: Data) throws -> Bool {
        try locked { h in
            var hosted: UInt8 = 0
            try user.withCBytes { u, un in try check(sotto_store_is_hosted(h, u, un, &hosted)) }
            return hosted == 1
        }
    }

    /// Whether a member of the group saved under `groupId` is a device its
    /// account's signed list marks as run by a service provider: label the
    /// group. A group not saved throws `SottoError.notFound`.
    public func isGroupHosted(groupId: Data) throws -> Bool {
        try locked { h in
            var hosted: UInt8 = 0
            try groupId.withCBytes { g, n in try check(sotto_store_group_is_hosted(h, g, n, &hosted)) }
            return hosted == 1
        }
    }

    /// The devices of `user` and of our own account that `sendToUser` needs
    /// a session with and has none: fetch their bundles and `initiateDevice`.
    public func devicesWithoutSession(user: Data) throws -> [DeviceAddress] {
        let bytes = try locked { h in
            try user.withCBytes { u, un in try takeBuffer { sotto_store_devices_without_session(h, u, un, $0) } }
        }
        return try DeviceAddress.list(bytes)
    }

    /// Starts a session with device `index` of `user` from its serialized
    /// prekey `bundle`, which must carry the identity the account signed for
    /// that device (`SottoError.untrustedIdentity` otherwise, and for a
    /// device not on the list).
    public func initiateDevice(user: Data, index: UInt32, bundle: Data, now: UInt64) throws {
        try locked { h in
            try user.withCBytes { u, un in
                try bundle.withCBytes { b, bn in try check(sotto_store_initiate_device(h, u, un, index, b, bn, now)) }
            }
        }
    }

    /// Sends `content` to every device of `user` and to our own other
    /// devices at `nowMs`, under the conversation's timer, in one
    /// transaction: one outbox entry per device, to send and acknowledge. A
    /// pending account change throws `SottoError.untrustedIdentity`, a list
    /// older than `Devices.listTTLSeconds` `SottoError.staleDeviceList`
    /// (fetch it again), a device without a session
    /// `SottoError.sessionMismatch` (`devicesWithoutSession`); nothing is
    /// sent then.
    public func sendToUser(user: Data, content: Content, nowMs: UInt64) throws -> [DeviceMessage] {
        try locked { h in
            var sent = sotto_sent()
            let body = content.body
            let fanOut = try user.withCBytes { u, un in
                try body.withCBytes { b, bn in
                    try takeBuffer { sotto_store_send_to_user(h, u, un, content.type, b, bn, nowMs, &sent, $0) }
                }
            }
            return try DeviceMessage.list(fanOut, sent)
        }
    }

    /// Where the outbox entry `id` goes when it is for one device (after a
    /// restart, with `pendingOutgoing()`); an entry that is not for a
    /// device, or no longer in the outbox, throws `SottoError.notFound`.
    public func outgoingDevice(_ id: Int64) throws -> DeviceAddress {
        try locked { h in
            var index: UInt32 = 0
            let user = try takeBuffer { sotto_store_outgoing_device(h, id, $0, &index) }
            return DeviceAddress(user: user, index: index)
        }
    }

    /// Receives a content message the server says is from device `index`
    /// of `user`, as `receive(from:message:nowMs:)`: the device must be on
    /// the user's verified list and the message from the identity its
    /// account signed (`SottoError.untrustedIdentity` otherwise, nothing
    /// changed).
    public func receiveFromDevice(user: Data, index: UInt32, message: Data, nowMs: UInt64) throws -> Received {
        try locked { h in
            var id: Int64 = 0
            var info = sotto_message_info()
            let body = try user.withCBytes { u, un in
                try message.withCBytes { m, mn in
                    try takeBuffer { sotto_store_receive_from_device(h, u, un, index, m, mn, nowMs, &id, &info, $0) }
                }
            }
            return Received(id: id, info, body: body)
        }
    }

    /// The security code between our account (`localId`: our stable user
    /// id) and `user` (`remoteId`), over every device of both accounts but
    /// hosted ones: it changes whenever a device joins or leaves. `user`
    /// without a list throws `SottoError.notFound`.
    public func securityCode(localId: Data, user: Data, remoteId: Data) throws -> SecurityCode {
        var code: OpaquePointer?
        try locked { h in
            try localId.withCBytes { l, ln in
                try user.withCBytes { u, un in
                    try remoteId.withCBytes { r, rn in
                        try check(sotto_store_security_code(h, l, ln, u, un, r, rn, &code))
                    }
                }
            }
        }
        return SecurityCode(handle: code!)
    }
}
