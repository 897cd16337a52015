//! The C tests (`ffi/tests/c/`), built and run from `cargo test`: the
//! program is compiled as C11 and as C++17 with `-Wall -Wextra -Werror`,
//! run plain, run built with AddressSanitizer and UndefinedBehaviorSanitizer,
//! and run under valgrind's memcheck with full leak checking. Each run must
//! print `N passed, 0 failed` and exit cleanly.
//!
//! A tool that is not installed (`gcc`, `g++`, `valgrind`) skips its part
//! with a loud message, unless `SOTTO_REQUIRE_C_TOOLCHAIN` is set, as CI
//! does, which makes a missing tool a failure.
#![allow(clippy::panic)]

#[path = "support/toolchain.rs"]
mod toolchain;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The link flags Rust's standard library needs in a C program on Linux.
const NATIVE_LIBS: &[&str] = &[
    "-lgcc_s",
    "-lutil",
    "-lrt",
    "-lpthread",
    "-lm",
    "-ldl",
    "-lc",
];

/// Builds the static library (`cargo test` builds only the rlib) in the
/// workspace's own target directory, reusing the dependencies the test
/// build compiled (cargo has released its lock by the time tests run), and
/// returns its path.
fn static_library() -> PathBuf {
    let target = toolchain::target_dir();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args([
        "build",
        "--quiet",
        "--offline",
        "--locked",
        "-p",
        "sotto-ffi",
        "--lib",
    ])
    .arg("--target-dir")
    .arg(&target)
    .current_dir(env!("CARGO_MANIFEST_DIR"));
    run(&mut cmd, "building the static library");
    target.join("debug/libsotto_ffi.a")
}

fn run(cmd: &mut Command, what: &str) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: cannot run {cmd:?}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
    stdout + &stderr
}

fn compile(lib: &Path, compiler: &str, lang: &[&str], extra: &[&str], out: &Path) {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = Command::new(compiler);
    cmd.args(lang)
        .args(["-Wall", "-Wextra", "-Werror", "-g"])
        .args(extra)
        .arg("-I")
        .arg(crate_dir.join("../include"))
        .arg(crate_dir.join("tests/c/main.c"))
        .args(["-x", "none"])
        .arg(lib)
        .args(NATIVE_LIBS)
        .arg("-o")
        .arg(out);
    run(
        &mut cmd,
        &format!("compiling with {compiler} {lang:?} {extra:?}"),
    );
}

fn check_summary(output: &str, what: &str) {
    let line = output
        .lines()
        .find(|l| l.ends_with(" failed"))
        .unwrap_or_else(|| panic!("{what}: no summary line in:\n{output}"));
    println!("{what}: {line}");
    assert!(line.ends_with(" passed, 0 failed"), "{what}: {line}");
}

#[test]
fn c_tests_pass_clean_under_sanitizers_and_valgrind() {
    if !toolchain::available("gcc", "its part of the C tests") {
        return;
    }
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("c_abi");
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));

    let lib = static_library();
    let c = dir.join("test_c");
    compile(&lib, "gcc", &["-std=c11"], &[], &c);
    check_summary(&run(Command::new(&c).current_dir(&dir), "C11"), "C11");

    if toolchain::available("g++", "its part of the C tests") {
        let cpp = dir.join("test_cpp");
        compile(&lib, "g++", &["-x", "c++", "-std=c++17"], &[], &cpp);
        check_summary(&run(Command::new(&cpp).current_dir(&dir), "C++17"), "C++17");
    }

    let asan = dir.join("test_asan");
    compile(
        &lib,
        "gcc",
        &["-std=c11"],
        &[
            "-fsanitize=address,undefined",
            "-fno-omit-frame-pointer",
            "-fno-sanitize-recover=all",
        ],
        &asan,
    );
    let mut cmd = Command::new(&asan);
    cmd.current_dir(&dir)
        .env("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=1")
        .env("UBSAN_OPTIONS", "halt_on_error=1:print_stacktrace=1");
    check_summary(&run(&mut cmd, "ASan+UBSan"), "ASan+UBSan");

    if toolchain::available("valgrind", "its part of the C tests") {
        let mut cmd = Command::new("valgrind");
        cmd.current_dir(&dir)
            .args([
                "-q",
                "--leak-check=full",
                "--errors-for-leak-kinds=definite,possible",
                "--error-exitcode=1",
            ])
            .arg(&c);
        check_summary(&run(&mut cmd, "valgrind"), "valgrind memcheck");
    }
}
