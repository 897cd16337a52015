import Foundation
import Sotto
import XCTest

final class GroupTests: XCTestCase {
    func testGroupWithARemoval() throws {
        let identities = try (0..<3).map { _ in try Identity() }
        let ids = identities.map { $0.publicKey }
        let groups = try (0..<3).map { i in
            try Group(identity: identities[i], id: Data("family".utf8), members: ids.enumerated().filter { $0.offset != i }.map { $0.element })
        }
        for i in 0..<3 {
            let d = try groups[i].distribution()
            for j in 0..<3 where j != i {
                try groups[j].processDistribution(from: ids[i], d)
            }
        }
        // Member 1 forwarding member 0's distribution to member 2 as its own is refused.
        XCTAssertThrowsError(try groups[2].processDistribution(from: ids[1], try groups[0].distribution())) { error in
            XCTAssertEqual(error as? SottoError, .invalidSignature)
        }
        let m = try groups[0].encrypt(Data("dinner at 8".utf8))
        XCTAssertEqual(try groups[1].decrypt(from: ids[0], m), Data("dinner at 8".utf8))
        XCTAssertEqual(try groups[2].decrypt(from: ids[0], m), Data("dinner at 8".utf8))
        XCTAssertThrowsError(try groups[1].decrypt(from: ids[0], m)) { error in
            XCTAssertEqual(error as? SottoError, .duplicateMessage)
        }
        // Member 2 leaves: 0 and 1 rotate and exchange their new keys.
        let d0 = try groups[0].removeMember(ids[2])
        let d1 = try groups[1].removeMember(ids[2])
        try groups[1].processDistribution(from: ids[0], d0)
        try groups[0].processDistribution(from: ids[1], d1)
        let secret = try groups[0].encrypt(Data("surprise".utf8))
        XCTAssertEqual(try groups[1].decrypt(from: ids[0], secret), Data("surprise".utf8))
        XCTAssertThrowsError(try groups[2].decrypt(from: ids[0], secret)) { error in
            XCTAssertEqual(error as? SottoError, .unknownSenderKey)
        }
        let fromRemoved = try groups[2].encrypt(Data("hello?".utf8))
        XCTAssertThrowsError(try groups[0].decrypt(from: ids[2], fromRemoved)) { error in
            XCTAssertEqual(error as? SottoError, .notAMember)
        }
    }

    func testSecurityCodes() throws {
        let a = try Identity().publicKey
        let b = try Identity().publicKey
        let ours = try SecurityCode(local: a, localId: Data("alice".utf8), remote: b, remoteId: Data("bob".utf8))
        let theirs = try SecurityCode(local: b, localId: Data("bob".utf8), remote: a, remoteId: Data("alice".utf8))
        XCTAssertEqual(ours.digits.count, 60)
        XCTAssertEqual(ours.digits, theirs.digits)
        XCTAssertEqual(try ours.compare(scanned: theirs.scannable), .match)
        var wrong = theirs.scannable
        wrong[10] ^= 1
        XCTAssertEqual(try ours.compare(scanned: wrong), .mismatch)
        XCTAssertThrowsError(try ours.compare(scanned: Data([1, 2]))) { error in
            XCTAssertEqual(error as? SottoError, .malformed)
        }
    }
}
