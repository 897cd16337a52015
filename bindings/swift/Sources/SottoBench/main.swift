// A 64 B encrypt plus decrypt through the Swift API, the figure to set next
// to `cargo bench -p sotto-benches --bench overhead` (Rust API and C ABI).
// Run by `bindings/run-tests --bench`.
import Foundation
import Sotto

let now: UInt64 = 1_800_000_000
let alice = try Identity()
let bob = try Identity()
let prekeys = try PrekeyStore(identity: bob, now: now)
try prekeys.generateOneTimePrekeys(1)
let a = try Session(identity: alice, bundle: try prekeys.bundle(identity: bob))
let (b, _) = try prekeys.accept(identity: bob, message: try a.encrypt(Data("hi".utf8)), now: now)
_ = try a.decrypt(try b.encrypt(Data("hi".utf8)))
let plaintext = Data(repeating: 0x5a, count: 64)

func round(_ n: Int) throws -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    for _ in 0..<n {
        let m = try a.encrypt(plaintext)
        _ = try b.decrypt(m)
    }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / Double(n) / 1000
}

_ = try round(2_000)  // warm-up
var samples: [Double] = []
for _ in 0..<21 {
    samples.append(try round(2_000))
}
samples.sort()
print(String(format: "swift: 64 B encrypt + decrypt %.2f µs (median of 21 rounds of 2000; fastest %.2f)", samples[10], samples[0]))
