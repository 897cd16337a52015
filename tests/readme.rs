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

/// Every table in the Markdown docs renders: each run of `|` lines starts
/// with a header and a `|---|` separator of the same number of columns.
#[test]
fn every_table_in_the_docs_renders() {
    for doc in [
        "README.md",
        "TESTING.md",
        "INTEGRATION.md",
        "CONTRIBUTING.md",
        "docs/PROTOCOL.md",
    ] {
        let text = read(doc);
        let lines: Vec<&str> = text.lines().collect();
        let mut in_code = false;
        let mut i = 0;
        while i < lines.len() {
            if lines[i].starts_with("```") {
                in_code = !in_code;
            }
            if in_code || !lines[i].starts_with('|') {
                i += 1;
                continue;
            }
            let sep = lines.get(i + 1).copied().unwrap_or("");
            assert!(
                sep.starts_with("|---") || sep.starts_with("| ---") || sep.starts_with("|:--"),
                "{doc}:{}: a table without a header and separator row",
                i + 1
            );
            let header = lines[i].matches('|').count();
            assert_eq!(
                sep.matches('|').count(),
                header,
                "{doc}:{}: separator columns differ from the header's",
                i + 2
            );
            while i < lines.len() && lines[i].starts_with('|') {
                i += 1;
            }
        }
    }
}

/// The visible lines of the doc test (a `//! ` or `/// ` example in
/// `path`) that contains `first`.
fn doc_test_lines(path: &str, first: &str) -> String {
    let src = read(path);
    let mut blocks: Vec<Vec<String>> = Vec::new();
    let mut inside = false;
    for line in src.lines() {
        let t = line.trim_start();
        let Some(text) = t.strip_prefix("//!").or_else(|| t.strip_prefix("///")) else {
            continue;
        };
        let text = text.strip_prefix(' ').unwrap_or(text);
        if text.starts_with("```") {
            inside = !inside;
            if inside {
                blocks.push(Vec::new());
            }
            continue;
        }
        if inside && !(text.starts_with("# ") || text == "#") {
            blocks.last_mut().unwrap().push(text.to_string());
        }
    }
    let block = blocks
        .iter()
        .map(|b| b.join("\n"))
        .find(|b| b.contains(first))
        .unwrap_or_else(|| panic!("no doc test with {first} in {path}"));
    block.trim().to_string() + "\n"
}

#[test]
fn the_attachments_and_backups_example_is_a_doc_test_that_runs() {
    let readme = read("README.md");
    assert_eq!(
        block(&readme, "## Attachments and backups (Rust", "rust,ignore"),
        doc_test_lines("store/src/backup.rs", "attachment::encrypt"),
        "README's attachments and backups example differs from the doc test in store/src/backup.rs"
    );
}

#[test]
fn the_multi_device_example_is_a_doc_test_that_runs() {
    let readme = read("README.md");
    assert_eq!(
        block(&readme, "## Multi-device (Rust", "rust,ignore"),
        doc_test_lines("store/src/devices.rs", "LinkingRequest::new"),
        "README's multi-device example differs from the doc test in store/src/devices.rs"
    );
}

#[test]
fn the_calls_example_is_a_doc_test_that_runs() {
    let readme = read("README.md");
    assert_eq!(
        block(&readme, "## Calls (Rust", "rust,ignore"),
        doc_test_lines("src/calls/mod.rs", "GroupCall::new"),
        "README's calls example differs from the doc test in src/calls/mod.rs"
    );
}
