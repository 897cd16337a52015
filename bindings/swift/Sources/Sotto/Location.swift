import CSotto
import Foundation

/// How precisely a shared location is revealed; coarser levels snap the
/// coordinates to a grid before encryption.
public enum Precision: UInt32 {
    case exact = 0
    case street = 1
    case neighbourhood = 2
    case city = 3
}

/// One location fix. Every fix encrypts to the same size, whatever is set.
public struct Location: Equatable {
    public var latitudeE7: Int32
    public var longitudeE7: Int32
    public var accuracyCm: UInt32
    public var altitudeCm: Int32?
    public var headingCentideg: UInt16?
    public var speedCmS: UInt32?
    public var timestampMs: UInt64
    public var sequence: UInt32
    public var precision: Precision

    public init(
        latitudeE7: Int32, longitudeE7: Int32, accuracyCm: UInt32, altitudeCm: Int32? = nil,
        headingCentideg: UInt16? = nil, speedCmS: UInt32? = nil, timestampMs: UInt64,
        sequence: UInt32, precision: Precision = .exact
    ) {
        self.latitudeE7 = latitudeE7
        self.longitudeE7 = longitudeE7
        self.accuracyCm = accuracyCm
        self.altitudeCm = altitudeCm
        self.headingCentideg = headingCentideg
        self.speedCmS = speedCmS
        self.timestampMs = timestampMs
        self.sequence = sequence
        self.precision = precision
    }

    var c: sotto_location {
        var l = sotto_location()
        l.latitude_e7 = latitudeE7
        l.longitude_e7 = longitudeE7
        l.accuracy_cm = accuracyCm
        l.has_altitude = altitudeCm == nil ? 0 : 1
        l.altitude_cm = altitudeCm ?? 0
        l.has_heading = headingCentideg == nil ? 0 : 1
        l.heading_centideg = headingCentideg ?? 0
        l.has_speed = speedCmS == nil ? 0 : 1
        l.speed_cm_s = speedCmS ?? 0
        l.timestamp_ms = timestampMs
        l.sequence = sequence
        l.precision = precision.rawValue
        return l
    }

    init(_ l: sotto_location) {
        self.init(
            latitudeE7: l.latitude_e7, longitudeE7: l.longitude_e7, accuracyCm: l.accuracy_cm,
            altitudeCm: l.has_altitude == 1 ? l.altitude_cm : nil,
            headingCentideg: l.has_heading == 1 ? l.heading_centideg : nil,
            speedCmS: l.has_speed == 1 ? l.speed_cm_s : nil, timestampMs: l.timestamp_ms,
            sequence: l.sequence, precision: Precision(rawValue: l.precision) ?? .exact)
    }
}

/// The sending side of a live-location share. Wiped when released.
public final class LocationShare: NativeObject, @unchecked Sendable {
    /// Starts sharing in conversation `context` with `viewers` until
    /// `expiresAt` (seconds since the epoch). `identity` is this device's
    /// own: the distributions name it as the sharer, and viewers accept them
    /// only over a session with it.
    public convenience init(identity: Identity, context: Data, viewers: [IdentityKey], expiresAt: UInt64, precision: Precision) throws {
        var h: OpaquePointer?
        let packed = viewers.reduce(Data()) { $0 + $1.bytes }
        try identity.locked { me in
            try context.withCBytes { c, cn in
                try packed.withCBytes { v, _ in
                    try check(sotto_location_share_new(me, c, cn, v, viewers.count, expiresAt, precision.rawValue, &h))
                }
            }
        }
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_location_share_free(&h)
    }

    /// The key to send each viewer over their pairwise session.
    public func distribution() throws -> Data {
        return try locked { handle in
            try takeBuffer { sotto_location_share_distribution(handle, $0) }
        }
    }

    /// Adds a viewer; returns the distribution to send them (the current
    /// position only: they cannot read earlier updates).
    public func addViewer(_ viewer: IdentityKey) throws -> Data {
        return try locked { handle in
            try withIdentity(viewer) { v in try takeBuffer { sotto_location_share_add_viewer(handle, v, $0) } }
        }
    }

    /// Encrypts one update (always 138 bytes).
    public func encrypt(_ location: Location, now: UInt64) throws -> Data {
        return try locked { handle in
            var l = location.c
            return try takeBuffer { sotto_location_share_encrypt(handle, &l, now, $0) }
        }
    }

    /// Removes a viewer and rekeys; returns the distribution for the
    /// viewers who remain.
    public func removeViewer(_ viewer: IdentityKey) throws -> Data {
        return try locked { handle in
            try withIdentity(viewer) { v in try takeBuffer { sotto_location_share_remove_viewer(handle, v, $0) } }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_location_share_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_location_share_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_location_share_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_location_share_open))
    }
}

/// The receiving side of a live-location share: keeps only the latest
/// position. Wiped when released.
public final class LocationViewer: NativeObject, @unchecked Sendable {
    /// From the sharer's distribution, received over their session.
    public convenience init(context: Data, sender: IdentityKey, distribution: Data) throws {
        var h: OpaquePointer?
        try context.withCBytes { c, cn in
            try withIdentity(sender) { s in
                try distribution.withCBytes { d, dn in
                    try check(sotto_location_viewer_new(c, cn, s, d, dn, &h))
                }
            }
        }
        self.init(handle: h!)
    }

    deinit {
        var h: OpaquePointer? = handle
        sotto_location_viewer_free(&h)
    }

    /// Decrypts an update, catching up over any gap; older updates are
    /// `SottoError.stale`.
    public func decrypt(_ update: Data, now: UInt64) throws -> Location {
        return try locked { handle in
            var out = sotto_location()
            try update.withCBytes { p, n in try check(sotto_location_viewer_decrypt(handle, p, n, now, &out)) }
            return Location(out)
        }
    }

    /// Takes in a new distribution after the sharer rekeyed.
    public func processDistribution(_ distribution: Data) throws {
        return try locked { handle in
            try distribution.withCBytes { p, n in try check(sotto_location_viewer_process_distribution(handle, p, n)) }
        }
    }

    /// The plain state encoding (it holds keys: store it only encrypted).
    public func exported() throws -> Data { try locked { try exportState($0, sotto_location_viewer_export) } }

    /// The state encrypted under a 32-byte key from the platform keychain.
    public func sealed(key: Data) throws -> Data { try locked { try sealState($0, key, sotto_location_viewer_seal) } }

    /// Restores from `exported()`.
    public convenience init(exported: Data) throws { self.init(handle: try importState(exported, sotto_location_viewer_import)) }

    /// Restores from `sealed(key:)` under the same key.
    public convenience init(sealed: Data, key: Data) throws {
        self.init(handle: try openState(sealed, key, sotto_location_viewer_open))
    }
}
