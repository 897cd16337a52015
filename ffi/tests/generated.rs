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
//! - `ffi/abi/kinds.txt`: the handle kinds (number, Kotlin name, C suffix,
//!   core type, noun, stateful, what the state holds, feature) →
//!   `ffi/src/families.rs` (every kind's `_free`, and each stateful kind's
//!   `_export`, `_import`, `_seal`, `_open` and `sotto_store_save_` /
//!   `sotto_store_load_`, as plain Rust so that cbindgen sees them),
//!   `ffi/src/jni/kinds.rs` (the JNI dispatch on the kind number) and
//!   `bindings/kotlin/src/main/kotlin/org/sotto/Kind.kt` (the numbers).
//! - the `Java_org_sotto_Native_*` functions of `ffi/src/jni/*.rs` → the
//!   `external fun` declarations of `bindings/kotlin/.../Native.kt`, between
//!   its markers (name, parameters in lowerCamelCase, JNI types as Kotlin
//!   types).
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

/// Swift's reserved words that a case name may collide with.
const SWIFT_KEYWORDS: &[&str] = &[
    "associatedtype",
    "break",
    "case",
    "catch",
    "class",
    "continue",
    "default",
    "defer",
    "deinit",
    "do",
    "else",
    "enum",
    "extension",
    "fallthrough",
    "false",
    "fileprivate",
    "for",
    "func",
    "guard",
    "if",
    "import",
    "in",
    "init",
    "inout",
    "internal",
    "is",
    "let",
    "nil",
    "open",
    "operator",
    "private",
    "protocol",
    "public",
    "repeat",
    "rethrows",
    "return",
    "self",
    "static",
    "struct",
    "subscript",
    "super",
    "switch",
    "throw",
    "throws",
    "true",
    "try",
    "typealias",
    "var",
    "where",
    "while",
];

/// A status name as a Swift case: lowerCamelCase, in backticks where it is a
/// reserved word (`internal`).
fn swift_case(name: &str) -> String {
    let case = lower_camel(name);
    if SWIFT_KEYWORDS.contains(&case.as_str()) {
        format!("`{case}`")
    } else {
        case
    }
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
        writeln!(s, "    /// {}\n    case {}", st.doc, swift_case(&st.name)).unwrap();
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
            swift_case(&st.name)
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
            swift_case(&st.name),
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
            // Through a rename, so that a test reading the file meanwhile
            // never sees it half written.
            let tmp = full.with_extension("regenerating");
            std::fs::write(&tmp, text).unwrap_or_else(|e| panic!("{path}: {e}"));
            std::fs::rename(&tmp, &full).unwrap_or_else(|e| panic!("{path}: {e}"));
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

/// One declared handle kind.
struct Kind {
    number: u32,
    kotlin: String,
    suffix: String,
    rust: String,
    noun: String,
    stateful: bool,
    holds: Option<String>,
    feature: Option<String>,
}

impl Kind {
    /// The C handle type.
    fn ty(&self) -> String {
        format!("sotto_{}", self.suffix)
    }

    /// The name of the handle parameter in C: the suffix's last word.
    fn param(&self) -> &str {
        self.suffix.rsplit('_').next().unwrap()
    }

    /// The noun with its article.
    fn a(&self) -> String {
        let article = if self.noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        format!("{article} {}", self.noun)
    }

    /// Whether freeing it wipes keys.
    fn wiped(&self) -> bool {
        self.holds.as_deref().is_some_and(|h| h.ends_with("keys"))
    }

    /// The `#[cfg]` line of its feature, if any.
    fn cfg(&self) -> String {
        self.feature
            .as_ref()
            .map(|f| format!("#[cfg(feature = \"{f}\")]\n"))
            .unwrap_or_default()
    }
}

const KINDS_NOTICE: &str = "Generated from ffi/abi/kinds.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.";

fn kinds() -> Vec<Kind> {
    let text = std::fs::read_to_string(root().join("ffi/abi/kinds.txt")).unwrap();
    let mut out: Vec<Kind> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('|').map(str::trim).collect();
        let [number, kotlin, suffix, rust, noun, stateful, holds, feature] = fields[..] else {
            panic!("kinds.txt line {}: expected 8 fields separated by |", n + 1);
        };
        let number: u32 = number
            .parse()
            .unwrap_or_else(|_| panic!("kinds.txt line {}: bad number", n + 1));
        assert!(
            !kotlin.is_empty() && kotlin.chars().all(|c| c.is_ascii_uppercase() || c == '_'),
            "kinds.txt line {}: Kotlin names are SCREAMING_SNAKE",
            n + 1
        );
        assert!(
            !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
            "kinds.txt line {}: C suffixes are snake_case",
            n + 1
        );
        assert!(
            rust.contains("::") && !noun.is_empty(),
            "kinds.txt line {}: a core type path and a noun are required",
            n + 1
        );
        let stateful = match stateful {
            "yes" => true,
            "no" => false,
            _ => panic!("kinds.txt line {}: stateful is yes or no", n + 1),
        };
        let optional = |f: &str| (f != "-").then(|| f.to_string());
        assert!(
            out.iter()
                .all(|k| k.number != number && k.kotlin != kotlin && k.suffix != suffix),
            "kinds.txt line {}: number, Kotlin name or suffix declared twice",
            n + 1
        );
        assert!(
            out.last().is_none_or(|k| k.number < number),
            "kinds.txt line {}: numbers in increasing order",
            n + 1
        );
        out.push(Kind {
            number,
            kotlin: kotlin.into(),
            suffix: suffix.into(),
            rust: rust.into(),
            noun: noun.into(),
            stateful,
            holds: optional(holds),
            feature: optional(feature),
        });
    }
    assert!(
        out.first().is_some_and(|k| k.number == 1),
        "kinds.txt: numbers start at 1 (0 is no handle)"
    );
    out
}

/// `text` as `///` lines of at most 80 columns after `indent`.
fn doc(indent: &str, text: &str) -> String {
    let mut s = String::new();
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            writeln!(s, "{indent}///").unwrap();
        }
        let mut line = format!("{indent}///");
        for word in para.split_whitespace() {
            if line.len() + 1 + word.len() > 80 && line.len() > indent.len() + 3 {
                writeln!(s, "{line}").unwrap();
                line = format!("{indent}///");
            }
            line.push(' ');
            line.push_str(word);
        }
        writeln!(s, "{line}").unwrap();
    }
    s
}

/// An exported C function: its doc, `# Safety` section and signature laid
/// out as rustfmt does (one line when it fits in 100 columns), then `body`.
fn export_fn(
    cfg: &str,
    summary: &str,
    safety: &str,
    name: &str,
    params: &[(&str, String)],
    ret: Option<&str>,
    body: &str,
) -> String {
    let ret = ret.map(|r| format!(" -> {r}")).unwrap_or_default();
    let one_line = format!(
        "pub unsafe extern \"C\" fn {name}({}){ret} {{",
        params
            .iter()
            .map(|(p, t)| format!("{p}: {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let signature = if one_line.len() <= 100 {
        one_line
    } else {
        let mut s = format!("pub unsafe extern \"C\" fn {name}(\n");
        for (p, t) in params {
            writeln!(s, "    {p}: {t},").unwrap();
        }
        format!("{s}){ret} {{")
    };
    format!(
        "\n{}///\n/// # Safety\n///\n{}{cfg}#[unsafe(no_mangle)]\n{signature}\n{body}}}\n",
        doc("", summary),
        doc("", safety)
    )
}

/// `ffi/src/families.rs`: the functions every handle kind has.
fn families(kinds: &[Kind]) -> String {
    let mut s = format!(
        "//! The functions every handle kind of `ffi/abi/kinds.txt` has: `_free`,\n\
         //! and for the stateful kinds `_export`, `_import`, `_seal`, `_open` and\n\
         //! the store's `sotto_store_save_*` and `sotto_store_load_*` (thin\n\
         //! wrappers over the helpers in `objects.rs` and `store.rs`).\n//!\n//! {KINDS_NOTICE}\n\n\
         use crate::*;\n\n#[cfg(feature = \"store\")]\nuse crate::store::{{load_object, save_object}};\n"
    );
    let forwarded = "    // SAFETY: caller contract, forwarded.\n";
    for k in kinds {
        let (ty, p, a, rust, cfg) = (k.ty(), k.param(), k.a(), &k.rust, k.cfg());
        if k.stateful {
            let holds = k.holds.as_deref().unwrap_or("no secrets");
            s += &export_fn(
                &cfg,
                &format!("The plain state encoding of {a} (holds {holds}: store it only sealed)."),
                &format!("`{p}` is NULL or live; `out` is NULL or writable."),
                &format!("{ty}_export"),
                &[
                    (p, format!("*const {ty}")),
                    ("out", "*mut sotto_buffer".into()),
                ],
                Some("sotto_status"),
                &format!(
                    "{forwarded}    unsafe {{ objects::export({p}, out, |h| h.inner.to_bytes().to_vec()) }}\n"
                ),
            );
            s += &export_fn(
                &cfg,
                &format!("Restores {a} from its plain state encoding."),
                "`data` is NULL or has `len` readable bytes; `out` is NULL or writable.",
                &format!("{ty}_import"),
                &[
                    ("data", "*const u8".into()),
                    ("len", "usize".into()),
                    ("out", format!("*mut *mut {ty}")),
                ],
                Some("sotto_status"),
                &format!(
                    "{forwarded}    unsafe {{\n        objects::import(data, len, out, |b| {{\n            \
                     let inner = {rust}::from_bytes(b)?;\n            Ok({ty} {{ inner }})\n        }})\n    }}\n"
                ),
            );
            s += &export_fn(
                &cfg,
                &format!("The state encoding of {a} encrypted under the host's 32-byte key."),
                &format!(
                    "`{p}` is NULL or live; `key` is NULL or 32 readable bytes; `out` is NULL or writable."
                ),
                &format!("{ty}_seal"),
                &[
                    (p, format!("*const {ty}")),
                    ("key", "*const u8".into()),
                    ("out", "*mut sotto_buffer".into()),
                ],
                Some("sotto_status"),
                &format!(
                    "{forwarded}    unsafe {{ objects::seal({p}, key, out, |h, k, rng| h.inner.seal(k, rng)) }}\n"
                ),
            );
            s += &export_fn(
                &cfg,
                &format!("Restores {a} from its encrypted state encoding."),
                "`key` is NULL or 32 readable bytes; `data` is NULL or has `len` readable bytes; \
                 `out` is NULL or writable.",
                &format!("{ty}_open"),
                &[
                    ("key", "*const u8".into()),
                    ("data", "*const u8".into()),
                    ("len", "usize".into()),
                    ("out", format!("*mut *mut {ty}")),
                ],
                Some("sotto_status"),
                &format!(
                    "{forwarded}    unsafe {{\n        objects::open(key, data, len, out, |k, b| {{\n            \
                     let inner = {rust}::open(k, b)?;\n            Ok({ty} {{ inner }})\n        }})\n    }}\n"
                ),
            );
        }
        let wiping = if k.wiped() { " (wiping its keys)" } else { "" };
        s += &export_fn(
            &cfg,
            &format!("Frees {a}{wiping} and sets `*{p}` to NULL."),
            &format!("`{p}` is NULL or points to NULL or a live handle."),
            &format!("{ty}_free"),
            &[(p, format!("*mut *mut {ty}"))],
            None,
            &format!(
                "    // SAFETY: caller contract.\n    crate::panic::boundary_void(|| unsafe {{ ptr::free_handle({p}) }});\n"
            ),
        );
        if k.stateful {
            let cfg = format!("{cfg}#[cfg(feature = \"store\")]\n");
            s += &export_fn(
                &cfg,
                &format!(
                    "Saves {a} under `name` (1 to 255 bytes, else `SOTTO_STATUS_INVALID_NAME`; \
                     this device's own identity and prekeys go through `sotto_store_set_device`), \
                     replacing the one saved there before, in one committed transaction."
                ),
                "`store` and `object` are NULL or live; `name` is NULL (with `name_len` 0) or has \
                 `name_len` readable bytes.",
                &format!("sotto_store_save_{}", k.suffix),
                &[
                    ("store", "*mut sotto_store".into()),
                    ("name", "*const u8".into()),
                    ("name_len", "usize".into()),
                    ("object", format!("*const {ty}")),
                ],
                Some("sotto_status"),
                &format!(
                    "{forwarded}    unsafe {{ save_object(store, name, name_len, object, |o| &o.inner) }}\n"
                ),
            );
            s += &export_fn(
                &cfg,
                &format!(
                    "Loads {a} saved under `name` (1 to 255 bytes) into a new handle; none is \
                     `SOTTO_STATUS_NOT_FOUND`."
                ),
                "`store` is NULL or live; `name` is NULL (with `name_len` 0) or has `name_len` \
                 readable bytes; `out` is NULL or writable.",
                &format!("sotto_store_load_{}", k.suffix),
                &[
                    ("store", "*const sotto_store".into()),
                    ("name", "*const u8".into()),
                    ("name_len", "usize".into()),
                    ("out", format!("*mut *mut {ty}")),
                ],
                Some("sotto_status"),
                &format!(
                    "    let wrap = |inner| {ty} {{ inner }};\n{forwarded}    \
                     unsafe {{ load_object(store, name, name_len, out, wrap) }}\n"
                ),
            );
        }
    }
    s
}

/// `ffi/src/jni/kinds.rs`: the JNI dispatch on the kind number.
fn jni_kinds(kinds: &[Kind]) -> String {
    let mut s = format!(
        "//! The handle kinds of `ffi/abi/kinds.txt` for the JNI natives of\n\
         //! `objects.rs`: the C functions of each stateful kind, and the dispatch\n\
         //! on the number the Kotlin classes pass (`Kind`).\n//!\n//! {KINDS_NOTICE}\n\n\
         use jni_sys::{{jint, jlong}};\n\n\
         use super::env::Res;\n\
         use super::objects::{{ExportFn, ImportFn, OpenFn, SealFn, Stateful, free_with}};\n\
         #[cfg(feature = \"store\")]\n\
         use super::objects::{{LoadFn, SaveFn}};\n\
         use crate::status::sotto_status;\n\
         use crate::*;\n"
    );
    for k in kinds.iter().filter(|k| k.stateful) {
        let (ty, sfx) = (k.ty(), &k.suffix);
        write!(
            s,
            "\n{}impl Stateful for {ty} {{\n    \
             const EXPORT: ExportFn<Self> = {ty}_export;\n    \
             const IMPORT: ImportFn<Self> = {ty}_import;\n    \
             const SEAL: SealFn<Self> = {ty}_seal;\n    \
             const OPEN: OpenFn<Self> = {ty}_open;\n    \
             #[cfg(feature = \"store\")]\n    const SAVE: SaveFn<Self> = sotto_store_save_{sfx};\n    \
             #[cfg(feature = \"store\")]\n    const LOAD: LoadFn<Self> = sotto_store_load_{sfx};\n}}\n",
            k.cfg()
        )
        .unwrap();
    }
    s.push_str(
        "\n/// Runs `$body` with `$T` bound to the stateful type of `$kind`, or\n\
         /// fails with `InvalidArgument` for another number.\n\
         macro_rules! stateful_kind {\n    ($kind:expr, $T:ident => $body:expr) => {\n        match $kind {\n",
    );
    for k in kinds.iter().filter(|k| k.stateful) {
        let cfg = k.cfg().replace('#', "            #");
        write!(
            s,
            "{cfg}            {} => {{\n                type $T = {};\n                $body\n            }}\n",
            k.number,
            k.ty()
        )
        .unwrap();
    }
    s.push_str(
        "            _ => Err(sotto_status::InvalidArgument),\n        }\n    };\n}\n\
         pub(super) use stateful_kind;\n\n\
         /// Frees `handle`, a handle of kind `kind`; another number is\n\
         /// `InvalidArgument`.\n\
         pub(super) fn free(kind: jint, handle: jlong) -> Res<()> {\n    match kind {\n",
    );
    for k in kinds {
        let cfg = k.cfg().replace('#', "        #");
        writeln!(
            s,
            "{cfg}        {} => free_with(handle, {}_free),",
            k.number,
            k.ty()
        )
        .unwrap();
    }
    s.push_str("        _ => Err(sotto_status::InvalidArgument),\n    }\n}\n");
    s
}

fn capitalized(text: &str) -> String {
    let mut c = text.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// `Kind.kt`: the numbers the Kotlin classes pass.
fn kotlin_kinds(kinds: &[Kind]) -> String {
    let mut s = format!(
        "// {KINDS_NOTICE}\n\npackage org.sotto\n\n\
         /** The kinds of native object, as the JNI layer numbers them. */\n\
         internal object Kind {{\n"
    );
    for k in kinds {
        let feature = k
            .feature
            .as_ref()
            .map(|f| format!("; only with the library's feature `{f}`"))
            .unwrap_or_default();
        writeln!(
            s,
            "    /** {} (`{}`){feature}. */\n    const val {} = {}",
            capitalized(&k.a()),
            k.ty(),
            k.kotlin,
            k.number
        )
        .unwrap();
    }
    s.push_str("}\n");
    s
}

/// The JNI source files with natives, in the order `Native.kt` lists them.
const JNI_FILES: [&str; 15] = [
    "library.rs",
    "objects.rs",
    "session.rs",
    "group.rs",
    "verify.rs",
    "envelope.rs",
    "store.rs",
    "store_trust.rs",
    "store_content.rs",
    "media.rs",
    "backup.rs",
    "devices.rs",
    "calls.rs",
    "sealed_sender.rs",
    "pqxdh.rs",
];

/// The Kotlin type of a JNI parameter or result type.
fn kotlin_type(native: &str, rust: &str) -> &'static str {
    match rust {
        "jlong" => "Long",
        "jint" => "Int",
        "bool" | "jboolean" => "Boolean",
        "jbyteArray" => "ByteArray",
        "jlongArray" => "LongArray",
        // A `byte[][]` whose elements the native sets (or leaves null).
        "jobjectArray" => "Array<ByteArray?>",
        "jobject" => {
            assert_eq!(
                native, "statusMessage",
                "{native}: only statusMessage returns a jobject (a String)"
            );
            "String"
        }
        _ => panic!("{native}: no Kotlin type for the JNI type `{rust}`"),
    }
}

fn lower_camel_snake(name: &str) -> String {
    let mut out = String::new();
    for (i, part) in name.split('_').enumerate() {
        let mut c = part.chars();
        if i == 0 {
            out.push_str(part);
        } else if let Some(f) = c.next() {
            out.push(f.to_ascii_uppercase());
            out.push_str(c.as_str());
        }
    }
    out
}

/// The `external fun` lines for the natives of one JNI source file.
fn natives_of(text: &str, file: &str) -> Vec<String> {
    const PREFIX: &str = "extern \"system\" fn Java_org_sotto_Native_";
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = text[at..].find(PREFIX) {
        let start = at + i + PREFIX.len();
        let open = start + text[start..].find('(').unwrap();
        let close = open + text[open..].find(')').unwrap();
        let brace = close + text[close..].find('{').unwrap();
        let name = &text[start..open];
        let params: Vec<&str> = text[open + 1..close]
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .collect();
        assert!(
            params.len() >= 2 && params[0] == "env: *mut JNIEnv" && params[1] == "_: jclass",
            "{file}: {name} must start with (env: *mut JNIEnv, _: jclass)"
        );
        let params: Vec<String> = params[2..]
            .iter()
            .map(|p| {
                let (n, t) = p
                    .split_once(':')
                    .unwrap_or_else(|| panic!("{file}: {name}: parameter `{p}`"));
                format!(
                    "{}: {}",
                    lower_camel_snake(n.trim()),
                    kotlin_type(name, t.trim())
                )
            })
            .collect();
        let ret = text[close + 1..brace].trim();
        let ret = match ret.strip_prefix("->") {
            Some(r) => format!(": {}", kotlin_type(name, r.trim())),
            None => {
                assert!(ret.is_empty(), "{file}: {name}: result `{ret}`");
                String::new()
            }
        };
        out.push(format!(
            "    @JvmStatic external fun {name}({}){ret}",
            params.join(", ")
        ));
        at = brace;
    }
    out
}

const NATIVES_BEGIN: &str = "    // Generated from the Java_org_sotto_Native_* functions of ffi/src/jni/ by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit: begin";
const NATIVES_END: &str = "    // generated: end";

/// `Native.kt` with its `external fun` declarations regenerated from the
/// Rust natives, one group per JNI source file.
fn native_kt() -> String {
    let dir = root().join("ffi/src/jni");
    let mut with_natives: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|f| {
            std::fs::read_to_string(dir.join(f))
                .unwrap()
                .contains("fn Java_org_sotto_Native_")
        })
        .collect();
    with_natives.sort();
    let mut listed = JNI_FILES.map(String::from).to_vec();
    listed.sort();
    assert_eq!(
        with_natives, listed,
        "the JNI files with natives must be the ones JNI_FILES lists"
    );
    let mut block = String::new();
    for file in JNI_FILES {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let about: String = text
            .lines()
            .map_while(|l| l.strip_prefix("//!"))
            .map(str::trim)
            .collect::<Vec<_>>()
            .join(" ");
        let about = about
            .strip_prefix("Natives for ")
            .unwrap_or_else(|| panic!("{file}: its doc starts with `Natives for `"));
        let end = [about.find("; "), about.find(". ")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(about.len());
        let about = capitalized(about[..end].trim_end_matches('.'));
        write!(block, "\n    // {about} (ffi/src/jni/{file})\n").unwrap();
        for line in natives_of(&text, file) {
            writeln!(block, "{line}").unwrap();
        }
    }
    let path = root().join("bindings/kotlin/src/main/kotlin/org/sotto/Native.kt");
    let text = std::fs::read_to_string(path).unwrap();
    let (head, rest) = text
        .split_once(NATIVES_BEGIN)
        .expect("Native.kt has the natives' begin marker");
    let (_, tail) = rest
        .split_once(NATIVES_END)
        .expect("Native.kt has the natives' end marker");
    format!("{head}{NATIVES_BEGIN}\n{block}\n{NATIVES_END}{tail}")
}

#[test]
fn kinds_and_natives_are_generated_from_one_declaration() {
    let k = kinds();
    check(&[
        ("ffi/src/families.rs", families(&k)),
        ("ffi/src/jni/kinds.rs", jni_kinds(&k)),
        (
            "bindings/kotlin/src/main/kotlin/org/sotto/Kind.kt",
            kotlin_kinds(&k),
        ),
        (
            "bindings/kotlin/src/main/kotlin/org/sotto/Native.kt",
            native_kt(),
        ),
    ]);
}
