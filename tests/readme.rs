//! The README's quick starts are the files CI builds and runs: the README
//! shows each file whole, and the commands it gives are the ones CI runs:
//! `scripts/quickstarts` for Rust and C, `bindings/run-tests` for Swift and
//! Kotlin.
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    missing_docs
)]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The lines of the README's fenced block that follows `heading`, with
/// the fence `fence`.
fn block(readme: &str, heading: &str, fence: &str) -> String {
    let from = readme
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading}"));
    let open = format!("```{fence}\n");
    let start = readme[from..]
        .find(&open)
        .unwrap_or_else(|| panic!("no {fence} block under {heading}"))
        + from
        + open.len();
    let end = readme[start..].find("```\n").unwrap() + start;
    readme[start..end].to_string()
}

#[test]
fn the_quick_starts_in_the_readme_are_the_files_ci_runs() {
    let readme = read("README.md");
    let script = read("scripts/quickstarts");
    assert_eq!(
        block(&readme, "## Quick start (Rust)", "rust,ignore"),
        read("quickstart/rust/src/main.rs"),
        "README's Rust quick start differs from quickstart/rust/src/main.rs"
    );
    assert_eq!(
        block(&readme, "## Quick start (C)", "c"),
        read("quickstart/c/main.c"),
        "README's C quick start differs from quickstart/c/main.c"
    );
    for heading in ["## Quick start (Rust)", "## Quick start (C)"] {
        for command in block(&readme, heading, "sh").lines() {
            assert!(
                script.lines().any(|l| l == command),
                "scripts/quickstarts does not run `{command}`"
            );
        }
    }
}

#[test]
fn the_mobile_quick_starts_in_the_readme_are_the_files_ci_runs() {
    let readme = read("README.md");
    // bindings/run-tests runs each README command as a line of its own,
    // indented inside the function (or, for Swift, the chroot's script)
    // that runs it.
    let script = read("bindings/run-tests");
    assert_eq!(
        block(&readme, "## Quick start (Swift)", "swift"),
        read("quickstart/swift/QuickStart/Sources/QuickStart/main.swift"),
        "README's Swift quick start differs from quickstart/swift/QuickStart/Sources/QuickStart/main.swift"
    );
    assert_eq!(
        block(&readme, "## Quick start (Kotlin)", "kotlin"),
        read("quickstart/kotlin/Main.kt"),
        "README's Kotlin quick start differs from quickstart/kotlin/Main.kt"
    );
    for heading in ["## Quick start (Swift)", "## Quick start (Kotlin)"] {
        let commands = block(&readme, heading, "sh");
        assert!(!commands.trim().is_empty(), "no commands under {heading}");
        for command in commands.lines() {
            assert!(
                script.lines().any(|l| l.trim() == command),
                "bindings/run-tests does not run `{command}`"
            );
        }
    }
}
