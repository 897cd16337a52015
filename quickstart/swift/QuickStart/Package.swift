// swift-tools-version:5.9
// The README's Swift quick start as a complete program, over the local
// Sotto package. (The package sits one folder down, in QuickStart/: a root
// package in a folder named swift would share its identity, "swift", with
// bindings/swift.) Build the library first, then pass its folder to the
// linker (from the repository's root):
//   cargo build --profile ffi-release -p sotto-ffi
//   swift run --package-path quickstart/swift/QuickStart -Xlinker -L"$PWD/target/ffi-release" \
//       -Xlinker -rpath -Xlinker "$PWD/target/ffi-release"
import PackageDescription

let package = Package(
    name: "QuickStart",
    dependencies: [.package(path: "../../../bindings/swift")],
    targets: [
        .executableTarget(name: "QuickStart", dependencies: [.product(name: "Sotto", package: "swift")])
    ]
)
