//! Constant-time evidence: `ffi/examples/ct_check.rs`, built with the
//! release profile (debug info added, code unchanged), runs under valgrind
//! memcheck with every secret marked undefined. Memcheck reports any branch
//! or memory address computed from a secret; the verdicts the library must
//! branch on are declassified, one source line each, in
//! `ffi/ct/declassify.supp`. The test requires zero errors, every listed
//! declassification used (none stale), and a control run with a
//! deliberately variable-time comparison that memcheck does report.
//!
//! Skipped loudly without valgrind or a C compiler, unless
//! `SOTTO_REQUIRE_C_TOOLCHAIN` is set (CI sets it).
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

#[path = "support/toolchain.rs"]
mod toolchain;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Builds the harness with the release profile in the workspace's own
/// target directory, so its dependencies are the ones every release build
/// (the demo, the benchmarks) shares.
fn harness() -> PathBuf {
    let target = toolchain::target_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "build",
            "--quiet",
            "--locked",
            "--release",
            "-p",
            "sotto-ffi",
        ])
        .args(["--features", "ct-check", "--example", "ct_check"])
        .arg("--target-dir")
        .arg(&target)
        // Line tables for the suppressions, in our two crates only (the
        // dependencies stay the shared release build); the code is the same.
        .args([
            "--config",
            "profile.release.package.sotto-e2ee.debug=\"line-tables-only\"",
            "--config",
            "profile.release.package.sotto-ffi.debug=\"line-tables-only\"",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "building the harness failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    target.join("release/examples/ct_check")
}

/// `ffi/ct/declassify.supp` with each `{name}` replaced by the line that
/// follows the marker `// ct-declassify: name` in the named source file.
fn suppressions() -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template = std::fs::read_to_string(crate_dir.join("ct/declassify.supp")).unwrap();
    let mut out = String::new();
    for line in template.lines() {
        let resolved = match line.trim().strip_prefix("src:") {
            Some(spec) if spec.contains('{') => {
                let (file, rest) = spec.split_once(':').unwrap();
                let name = rest.trim_matches(['{', '}']);
                let source = std::fs::read_to_string(crate_dir.join("../src").join(file))
                    .unwrap_or_else(|e| panic!("{file}: {e}"));
                let marker = format!("// ct-declassify: {name} (the next line)");
                let at = source
                    .lines()
                    .position(|l| l.trim() == marker)
                    .unwrap_or_else(|| panic!("no marker `{marker}` in src/{file}"));
                // Valgrind matches a source file by its name alone.
                let base = file.rsplit('/').next().unwrap_or(file);
                format!("   src:{base}:{}", at.saturating_add(2))
            }
            _ => line.to_string(),
        };
        out.push_str(&resolved);
        out.push('\n');
    }
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("declassify.supp");
    std::fs::write(&path, out).unwrap();
    path
}

fn memcheck(bin: &Path, args: &[&str]) -> (Output, String) {
    let supp = suppressions();
    let out = Command::new("valgrind")
        .args(["-v", "--error-exitcode=9", "--num-callers=20"])
        .arg(format!("--suppressions={}", supp.display()))
        .arg(bin)
        .args(args)
        .output()
        .expect("valgrind runs");
    let mut text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&out.stderr));
    (out, text)
}

fn error_count(log: &str) -> u64 {
    let line = log
        .lines()
        .rev()
        .find(|l| l.contains("ERROR SUMMARY:"))
        .unwrap_or_else(|| panic!("no error summary:\n{log}"));
    let after = line.split("ERROR SUMMARY:").nth(1).unwrap_or_default();
    after
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("unreadable summary: {line}"))
}

#[test]
fn secrets_never_reach_a_branch_or_an_address() {
    if !toolchain::available("valgrind", "the constant-time check")
        || !toolchain::available("cc", "the constant-time check")
    {
        return;
    }
    let bin = harness();

    let (out, log) = memcheck(&bin, &[]);
    let errors = error_count(&log);
    assert!(
        out.status.success() && errors == 0,
        "memcheck found secret-dependent branches or addresses ({errors}):\n{log}"
    );
    let ops = log
        .lines()
        .find(|l| l.starts_with("constant-time harness:"))
        .unwrap_or_else(|| panic!("the harness did not finish:\n{log}"));

    // Every declassification listed is used: none is stale or misspelt.
    let supp =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("ct/declassify.supp"))
            .expect("suppressions readable");
    let names: Vec<&str> = supp
        .lines()
        .zip(supp.lines().skip(1))
        .filter(|(open, _)| open.trim() == "{")
        .map(|(_, name)| name.trim())
        .collect();
    assert!(!names.is_empty());
    let mut used_total = 0u64;
    for name in &names {
        let used: u64 = log
            .lines()
            .filter(|l| l.contains("used_suppression:") && l.contains(&format!(" {name} ")))
            .filter_map(|l| l.split_whitespace().nth(2)?.parse::<u64>().ok())
            .sum();
        assert!(used > 0, "declassification {name} was never used:\n{log}");
        used_total = used_total.saturating_add(used);
    }
    println!(
        "{ops}; 0 errors; {used_total} branches on {} declassified verdicts",
        names.len()
    );

    // The control: an early-exit comparison of a secret is caught.
    let (out, log) = memcheck(&bin, &["--control"]);
    let caught = error_count(&log);
    assert!(
        out.status.code() == Some(9) && caught > 0,
        "memcheck missed the variable-time control:\n{log}"
    );
    println!("control: memcheck reported the early-exit comparison ({caught} errors)");
}
