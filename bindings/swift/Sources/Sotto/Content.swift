import CSotto
import Foundation

/// The content types of the envelope (`SOTTO_CONTENT_*`).
public enum ContentType {
    /// UTF-8 text (`Content.text`).
    public static let text = UInt16(SOTTO_CONTENT_TEXT)
    /// Bytes in the app's own format (`Content.appBytes`).
    public static let appBytes = UInt16(SOTTO_CONTENT_APP_BYTES)
    /// An attachment descriptor (arrives as `Content.other` for now).
    public static let attachment = UInt16(SOTTO_CONTENT_ATTACHMENT)
    /// A 48-byte location payload (arrives as `Content.other` for now).
    public static let location = UInt16(SOTTO_CONTENT_LOCATION)
    /// Call signalling: a `CallSignal`'s encoding (arrives as `Content.other`;
    /// read it with `CallSignal(decoding:)`).
    public static let call = UInt16(SOTTO_CONTENT_CALL)
    /// A disappearing-timer change (`Content.timerChange`).
    public static let timerChange = UInt16(SOTTO_CONTENT_TIMER_CHANGE)
    /// A receipt (arrives as `Content.other` for now).
    public static let receipt = UInt16(SOTTO_CONTENT_RECEIPT)
    /// A new device's history: the descriptor of a blob encrypted with
    /// `AttachmentEncryptor.forHistory()` (arrives as `Content.other`).
    public static let deviceHistory = UInt16(SOTTO_CONTENT_DEVICE_HISTORY)
}

/// What a content message carries. It crosses to the library as a type and
/// a body in that type's encoding: `.text`, `.appBytes` and `.timerChange`
/// are read here; every other type (attachments, locations, receipts, and
/// types newer than this release: show "update to see this message")
/// arrives as `.other` with its type and body as they came.
public enum Content: Equatable, Sendable {
    /// UTF-8 text.
    case text(String)
    /// Bytes in the app's own format.
    case appBytes(Data)
    /// The conversation's disappearing timer becomes `seconds` (0: off).
    case timerChange(seconds: UInt32)
    /// Content of `type` with its `body` in that type's encoding.
    case other(type: UInt16, body: Data)

    /// The content type (a `ContentType` constant, or a newer one).
    public var type: UInt16 {
        switch self {
        case .text: return ContentType.text
        case .appBytes: return ContentType.appBytes
        case .timerChange: return ContentType.timerChange
        case .other(let type, _): return type
        }
    }

    /// The body in this content type's encoding.
    var body: Data {
        switch self {
        case .text(let text): return Data(text.utf8)
        case .appBytes(let bytes): return bytes
        case .timerChange(let seconds): return withUnsafeBytes(of: seconds.bigEndian) { Data($0) }
        case .other(_, let body): return body
        }
    }

    /// Reads a (type, body) pair as the library gives it (already validated).
    init(type: UInt16, body: Data) {
        switch type {
        case ContentType.text:
            self = .text(String(decoding: body, as: UTF8.self))
        case ContentType.appBytes:
            self = .appBytes(body)
        case ContentType.timerChange where body.count == 4:
            self = .timerChange(seconds: body.reduce(0) { $0 << 8 | UInt32($1) })
        default:
            self = .other(type: type, body: body)
        }
    }
}

/// A decoded content envelope: the content, the sender's timestamp, the
/// disappearing timer it was sent under and when it disappears. Times are
/// milliseconds since the epoch. For hosts that encrypt with sessions and
/// groups themselves; a `Store` does this for its messages.
public struct Envelope: Equatable, Sendable {
    public let content: Content
    /// The sender's timestamp.
    public let sentAtMs: UInt64
    /// The disappearing timer it was sent under, seconds (0: off).
    public let timerSeconds: UInt32
    /// When that timer was set.
    public let timerSetAtMs: UInt64
    /// When the message disappears; nil: never.
    public let expiresAtMs: UInt64?

    /// Encodes `content` sent at `sentAtMs` under the timer (`timerSeconds`,
    /// set at `timerSetAtMs`; a `.timerChange` carries its own setting, set
    /// at `sentAtMs`, whatever the timer given). Content the decoder would refuse is refused
    /// (`SottoError.malformed`, `SottoError.limitExceeded`).
    public static func encode(
        _ content: Content, sentAtMs: UInt64, timerSeconds: UInt32 = 0, timerSetAtMs: UInt64 = 0
    ) throws -> Data {
        try content.body.withCBytes { b, bn in
            try takeBuffer { sotto_envelope_encode(content.type, b, bn, sentAtMs, timerSeconds, timerSetAtMs, $0) }
        }
    }

    /// Decodes an envelope; bytes that are not one throw `SottoError.malformed`.
    public static func decode(_ bytes: Data) throws -> Envelope {
        var info = sotto_message_info()
        let body = try bytes.withCBytes { p, n in
            try takeBuffer { sotto_envelope_decode(p, n, &info, $0) }
        }
        return Envelope(
            content: Content(type: info.content_type, body: body), sentAtMs: info.sent_at_ms,
            timerSeconds: info.timer_secs, timerSetAtMs: info.timer_set_at_ms,
            expiresAtMs: info.has_expiry == 1 ? info.expires_at_ms : nil)
    }
}
