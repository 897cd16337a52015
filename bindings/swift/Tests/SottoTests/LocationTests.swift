import Foundation
import Sotto
import XCTest

final class LocationTests: XCTestCase {
    let now: UInt64 = 1_800_000_000

    func fix(_ i: UInt32) -> Location {
        Location(
            latitudeE7: 515_007_286 + Int32(i) * 90, longitudeE7: -1_246_361 + Int32(i) * 140,
            accuracyCm: 500, altitudeCm: i % 2 == 0 ? 3_500 : nil, timestampMs: now * 1000 + UInt64(i),
            sequence: i)
    }

    func testLiveLocationWithLossAndALateViewer() throws {
        let aliceIdentity = try Identity()
        let alice = aliceIdentity.publicKey
        let bob = try Identity().publicKey
        let carol = try Identity().publicKey
        let share = try LocationShare(identity: aliceIdentity, context: Data("trip".utf8), viewers: [bob], expiresAt: now + 900, precision: .exact)
        let atBob = try LocationViewer(context: Data("trip".utf8), sender: alice, distribution: try share.distribution())
        let updates = try (0..<500).map { try share.encrypt(fix(UInt32($0)), now: now) }
        XCTAssertTrue(updates.allSatisfy { $0.count == 138 })
        for i in [0, 3, 250, 499] {
            XCTAssertEqual(try atBob.decrypt(updates[i], now: now), fix(UInt32(i)))
        }
        XCTAssertThrowsError(try atBob.decrypt(updates[100], now: now)) { error in
            XCTAssertEqual(error as? SottoError, .stale)
        }
        let atCarol = try LocationViewer(context: Data("trip".utf8), sender: alice, distribution: try share.addViewer(carol))
        XCTAssertThrowsError(try atCarol.decrypt(updates[499], now: now)) { error in
            XCTAssertEqual(error as? SottoError, .stale)
        }
        let next = try share.encrypt(fix(500), now: now)
        XCTAssertEqual(try atCarol.decrypt(next, now: now).sequence, 500)
        XCTAssertThrowsError(try share.encrypt(fix(501), now: now + 901)) { error in
            XCTAssertEqual(error as? SottoError, .expired)
        }
    }
}
