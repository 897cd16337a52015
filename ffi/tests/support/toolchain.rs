//! Whether an external tool (gcc, g++, valgrind) can run. A missing tool
//! fails the test when `SOTTO_REQUIRE_C_TOOLCHAIN` is set, as CI does, and is
//! reported as skipped otherwise.
#![allow(clippy::panic)]

use std::path::PathBuf;
use std::process::Command;

/// The workspace's target directory (the parent of `CARGO_TARGET_TMPDIR`),
/// where the C and constant-time tests build their artifacts: cargo has
/// released its lock on it before any test runs.
pub fn target_dir() -> PathBuf {
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    tmp.parent().map(PathBuf::from).unwrap_or(tmp)
}

/// `part` names what a missing tool skips, for the message.
pub fn available(tool: &str, part: &str) -> bool {
    let present = Command::new(tool).arg("--version").output().is_ok();
    if !present {
        assert!(
            std::env::var_os("SOTTO_REQUIRE_C_TOOLCHAIN").is_none(),
            "{tool} is required (SOTTO_REQUIRE_C_TOOLCHAIN) but not installed"
        );
        println!("!!! {tool} is not installed: {part} was SKIPPED");
    }
    present
}
