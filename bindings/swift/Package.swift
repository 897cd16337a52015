// swift-tools-version:5.9
// The Swift API of sotto over its C ABI. Build the static library first
// (`cargo build --profile ffi-release -p sotto-ffi`) and pass its folder to
// the linker: `swift build -Xlinker -L<folder>` (bindings/run-tests does this).
import PackageDescription

let package = Package(
    name: "Sotto",
    products: [.library(name: "Sotto", targets: ["Sotto"])],
    targets: [
        .systemLibrary(name: "CSotto", path: "Sources/CSotto"),
        .target(
            name: "Sotto",
            dependencies: ["CSotto"],
            linkerSettings: [
                .linkedLibrary("pthread"),
                .linkedLibrary("dl"),
                .linkedLibrary("m"),
            ]
        ),
        .testTarget(name: "SottoTests", dependencies: ["Sotto"]),
        .executableTarget(name: "SottoBench", dependencies: ["Sotto"]),
    ]
)
