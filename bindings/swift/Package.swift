// swift-tools-version:5.9
// The Swift API of sotto over its C ABI. The module map in Sources/CSotto
// names the repository's include/sotto.h, so no header is copied. Build the
// library first (`cargo build --profile ffi-release -p sotto-ffi`) and pass
// its folder to the linker: `swift build -Xlinker -L<folder>`, with
// `-Xlinker -rpath -Xlinker <folder>` if the folder also holds the shared
// library (README.md, "Building an app against it").
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
