//! Every list that crosses languages is declared once, in `ffi/abi/`, and
//! the files that repeat it in Rust, Swift and Kotlin are generated from
//! that declaration. This test regenerates them in memory and fails when a
//! committed file differs; `SOTTO_REGENERATE=1 cargo test -p sotto-ffi
//! --test generated` writes them.
//!
//! - `ffi/abi/status.txt`: the status codes (number, name, message, doc) →
//!   `ffi/src/status_codes.rs` (the C enum, which cbindgen puts in
//!   `include/sotto.h`), `bindings/swift/Sources/Sotto/Status.swift`,
//!   `bindings/kotlin/src/main/kotlin/org/sotto/SottoError.kt`, and the
//!   error table of `docs/PROTOCOL.md` §8, which also names the Rust error
//!   behind each code as `ffi/src/status.rs` maps it (so the table and the
//!   `sotto::Error` enum cannot drift apart: that match is exhaustive).
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::arithmetic_side_effects,
    clippy::indexing_slicing
)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One declared status code.
struct Status {
    code: u32,
    name: String,
    message: String,
    doc: String,
}

const NOTICE: &str = "Generated from ffi/abi/status.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn statuses() -> Vec<Status> {
    let text = std::fs::read_to_string(root().join("ffi/abi/status.txt")).unwrap();
    let mut out: Vec<Status> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [code, name, message, doc] = fields[..] else {
            panic!(
                "status.txt line {}: expected 4 fields separated by |",
                n + 1
            );
        };
        let code: u32 = code
            .parse()
            .unwrap_or_else(|_| panic!("status.txt line {}: bad code", n + 1));
        assert!(
            name.chars().all(|c| c.is_ascii_alphanumeric())
                && name.starts_with(|c: char| c.is_ascii_uppercase()),
            "status.txt line {}: names are CamelCase",
            n + 1
        );
        assert!(
            !message.is_empty() && !doc.is_empty() && !message.contains('"'),
            "status.txt line {}: a message (no quotes) and a doc are required",
            n + 1
        );
        assert!(
            out.iter().all(|s| s.code != code && s.name != name),
            "status.txt line {}: code or name declared twice",
            n + 1
        );
        assert!(
            out.last().is_none_or(|s| s.code < code),
            "status.txt line {}: codes in increasing order",
            n + 1
        );
        out.push(Status {
            code,
            name: name.into(),
            message: message.into(),
            doc: doc.into(),
        });
    }
    assert_eq!(
        out.first().map(|s| (s.code, s.name.as_str())),
        Some((0, "Ok"))
    );
    out
}

fn lower_camel(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn screaming_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_uppercase());
    }
    out
}

fn rust(statuses: &[Status]) -> String {
    let mut s = format!(
        "//! The status codes of the C ABI.\n//!\n//! {NOTICE}\n\n\
         /// The result of every fallible function. `SOTTO_STATUS_OK` is 0; the\n\
         /// values are stable across releases of this ABI version and grouped\n\
         /// in ranges: 100-199 input, 200-299 protocol, 300-399 state, 400-499\n\
         /// store, 500-599 internal, 600 panic.\n\
         #[allow(non_camel_case_types)]\n#[repr(u32)]\n\
         #[derive(Clone, Copy, Debug, PartialEq, Eq)]\npub enum sotto_status {{\n"
    );
    for st in statuses {
        writeln!(s, "    /// {}\n    {} = {},", st.doc, st.name, st.code).unwrap();
    }
    s.push_str("}\n\nimpl sotto_status {\n    /// Every status, in the order declared.\n");
    writeln!(
        s,
        "    pub(crate) const ALL: [sotto_status; {}] = [",
        statuses.len()
    )
    .unwrap();
    for st in statuses {
        writeln!(s, "        sotto_status::{},", st.name).unwrap();
    }
    s.push_str(
        "    ];\n\n    /// The status with this value, if any.\n    \
         pub(crate) fn from_code(code: u32) -> Option<Self> {\n        \
         Self::ALL.into_iter().find(|s| *s as u32 == code)\n    }\n\n    \
         /// A short description, safe to log.\n    \
         pub(crate) fn message(self) -> &'static core::ffi::CStr {\n        match self {\n",
    );
    for st in statuses {
        writeln!(
            s,
            "            sotto_status::{} => c\"{}\",",
            st.name, st.message
        )
        .unwrap();
    }
    s.push_str("        }\n    }\n}\n");
    s
}

fn swift(statuses: &[Status]) -> String {
    let errors: Vec<&Status> = statuses.iter().filter(|s| s.code != 0).collect();
    let mut s = format!(
        "// {NOTICE}\n\nimport CSotto\n\n\
         /// Every error the SDK reports, one case per C status code. A failed call\n\
         /// changes nothing and writes no output.\n\
         public enum SottoError: Error, Equatable, CustomStringConvertible {{\n"
    );
    for st in &errors {
        writeln!(s, "    /// {}\n    case {}", st.doc, lower_camel(&st.name)).unwrap();
    }
    s.push_str(
        "    /// A status this version of the bindings does not know.\n    case unknown(UInt32)\n\n    \
         /// The error a C status code stands for.\n    public init(code: UInt32) {\n        switch code {\n",
    );
    for st in &errors {
        writeln!(
            s,
            "        case {}: self = .{}",
            st.code,
            lower_camel(&st.name)
        )
        .unwrap();
    }
    s.push_str(
        "        default: self = .unknown(code)\n        }\n    }\n\n    \
         /// The C status code.\n    public var code: UInt32 {\n        switch self {\n",
    );
    for st in &errors {
        writeln!(
            s,
            "        case .{}: return {}",
            lower_camel(&st.name),
            st.code
        )
        .unwrap();
    }
    s.push_str(
        "        case .unknown(let c): return c\n        }\n    }\n\n    \
         /// The library's description of the error.\n    public var description: String {\n        \
         String(cString: sotto_status_message(code))\n    }\n}\n",
    );
    s
}

fn kotlin(statuses: &[Status]) -> String {
    let mut s = format!(
        "// {NOTICE}\n\npackage org.sotto\n\n\
         /**\n * Every error the SDK reports, one per status code of the C ABI. A call that\n \
         * throws changed nothing and returned nothing.\n */\n\
         enum class SottoError(val code: Int) {{\n"
    );
    for st in statuses.iter().filter(|s| s.code != 0) {
        writeln!(
            s,
            "    /** {} */\n    {}({}),",
            st.doc,
            screaming_snake(&st.name),
            st.code
        )
        .unwrap();
    }
    s.push_str(
        "    /** A status this version of the binding does not know. */\n    UNKNOWN(-1);\n\n    \
         /** The library's description of the error. */\n    \
         val description: String get() = Native.statusMessage(code)\n\n    \
         companion object {\n        /** The error a status code stands for ([UNKNOWN] if none). */\n        \
         @JvmStatic\n        \
         fun of(code: Int): SottoError = entries.firstOrNull { it.code == code && it != UNKNOWN } ?: UNKNOWN\n    \
         }\n}\n",
    );
    s
}

/// Compares (or, with `SOTTO_REGENERATE`, writes) each generated file.
fn check(files: &[(&str, String)]) {
    let write = std::env::var_os("SOTTO_REGENERATE").is_some();
    let mut stale = Vec::new();
    for (path, text) in files {
        let full = root().join(path);
        if write {
            std::fs::write(&full, text).unwrap_or_else(|e| panic!("{path}: {e}"));
        }
        if std::fs::read_to_string(&full).unwrap_or_default() != *text {
            stale.push(*path);
        }
    }
    assert!(
        stale.is_empty(),
        "generated files out of date: {stale:?}; run SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated --test header"
    );
}

/// The Rust errors `ffi/src/status.rs` maps to each status name, read from
/// its match arms (`E::Variant => sotto_status::Name`).
fn rust_errors_by_status() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(root().join("ffi/src/status.rs")).unwrap();
    let mut owner = "";
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with("impl From<sotto::Error>") {
            owner = "sotto::Error";
        } else if line.starts_with("impl From<::sotto_store::Error>") {
            owner = "sotto_store::Error";
        }
        if let Some((lhs, rhs)) = line.split_once(" => sotto_status::") {
            let variant = lhs.trim_start_matches("E::");
            let status = rhs.trim_end_matches(',');
            out.push((status.to_string(), format!("`{owner}::{variant}`")));
        }
    }
    assert!(out.len() > 20, "no mapping read from ffi/src/status.rs");
    out
}

const TABLE_BEGIN: &str = "<!-- generated from ffi/abi/status.txt and ffi/src/status.rs: begin -->";
const TABLE_END: &str = "<!-- generated: end -->";

/// `docs/PROTOCOL.md` with its error table regenerated.
fn protocol(statuses: &[Status]) -> String {
    let path = root().join("docs/PROTOCOL.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let (head, rest) = text
        .split_once(TABLE_BEGIN)
        .expect("PROTOCOL.md has the table's begin marker");
    let (_, tail) = rest
        .split_once(TABLE_END)
        .expect("PROTOCOL.md has the table's end marker");
    let map = rust_errors_by_status();
    let mut table =
        String::from("\n| code | C status | Rust error | meaning |\n|---|---|---|---|\n");
    for st in statuses {
        let rust: Vec<&str> = map
            .iter()
            .filter(|(s, _)| *s == st.name)
            .map(|(_, r)| r.as_str())
            .collect();
        let rust = if rust.is_empty() {
            "(C only)".to_string()
        } else {
            rust.join(", ")
        };
        writeln!(
            table,
            "| {} | `SOTTO_STATUS_{}` | {} | {} |",
            st.code,
            screaming_snake(&st.name),
            rust,
            st.doc
        )
        .unwrap();
    }
    format!("{head}{TABLE_BEGIN}{table}{TABLE_END}{tail}")
}

#[test]
fn status_codes_are_generated_from_one_declaration() {
    let st = statuses();
    check(&[
        ("docs/PROTOCOL.md", protocol(&st)),
        ("ffi/src/status_codes.rs", rust(&st)),
        ("bindings/swift/Sources/Sotto/Status.swift", swift(&st)),
        (
            "bindings/kotlin/src/main/kotlin/org/sotto/SottoError.kt",
            kotlin(&st),
        ),
    ]);
}

#[test]
fn status_ranges_are_respected() {
    // The documented ranges: an app may branch on code / 100.
    for st in statuses() {
        let ok = match st.code {
            0 => st.name == "Ok",
            600 => st.name == "Panic",
            100..=599 => true,
            _ => false,
        };
        assert!(
            ok,
            "{} = {} is outside the documented ranges",
            st.name, st.code
        );
    }
}

#[test]
fn kotlin_names_the_library_abi_version() {
    let native =
        std::fs::read_to_string(root().join("bindings/kotlin/src/main/kotlin/org/sotto/Native.kt"))
            .unwrap();
    let line = format!("const val ABI_VERSION = {}", sotto_ffi::SOTTO_ABI_VERSION);
    assert!(
        native.contains(&line),
        "Native.kt must declare `{line}` (SOTTO_ABI_VERSION)"
    );
}
