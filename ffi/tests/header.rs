//! The committed header `include/sotto.h` is what cbindgen generates from
//! this crate: any change to the C ABI must regenerate it
//! (`SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test header`).
#![allow(clippy::panic)]

use std::path::Path;

#[test]
fn committed_header_matches_the_source() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .unwrap_or_else(|e| panic!("cbindgen.toml: {e}"));
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .unwrap_or_else(|e| panic!("cbindgen: {e}"));
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let path = crate_dir.join("../include/sotto.h");
    if std::env::var_os("SOTTO_REGENERATE").is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("write: {e}"));
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "include/sotto.h is out of date: run SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test header"
    );
}
