//! Marks memory secret or public for valgrind memcheck (feature `ct-check`,
//! never in a shipped build).
//!
//! Memcheck tracks, bit by bit, whether memory is defined. Marking a secret
//! *undefined* makes memcheck report every conditional branch and every
//! memory address that depends on it: exactly the timing channels a
//! constant-time implementation must not have. Values that are public by
//! design (a verdict, a length, a derived public key) are marked defined
//! again before the harness looks at them. Outside valgrind both calls do
//! nothing.

unsafe extern "C" {
    fn sotto_ct_secret(p: *const core::ffi::c_void, n: usize);
    fn sotto_ct_public(p: *const core::ffi::c_void, n: usize);
}

/// Marks the bytes of `value` secret (undefined to memcheck).
pub fn secret<T: ?Sized>(value: &T) {
    let n = core::mem::size_of_val(value);
    // SAFETY: the shim only changes valgrind's shadow state for `n` bytes
    // that `value` owns; it neither reads nor writes them.
    unsafe { sotto_ct_secret((value as *const T).cast(), n) }
}

/// Declassifies the bytes of `value` (defined to memcheck).
pub fn public<T: ?Sized>(value: &T) {
    let n = core::mem::size_of_val(value);
    // SAFETY: as for `secret`.
    unsafe { sotto_ct_public((value as *const T).cast(), n) }
}
