//! Builds the valgrind client-request shim when the `ct-check` feature is on;
//! otherwise does nothing.

fn main() {
    #[cfg(feature = "ct-check")]
    {
        println!("cargo::rerun-if-changed=ct/shim.c");
        cc::Build::new().file("ct/shim.c").compile("sotto_ct_shim");
    }
}
