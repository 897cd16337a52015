//! The shape every streaming handle shares (attachments, backups): an
//! exact or bounding `_update_len`, `_update` into the caller's buffer, a
//! `_finish_len`, and `_finish`. Each handle's C functions are one call to
//! these, so the pointer checks and buffer rules are written once.

use crate::panic::boundary;
use crate::ptr;
use crate::status::sotto_status;

/// A streaming handle.
pub(crate) trait Stream {
    /// How many bytes `update` writes (exactly, or at most) for `input_len`
    /// more bytes; `None` if that overflows.
    fn update_len(&self, input_len: usize) -> Option<usize>;
    /// Takes `input`, writes into `out`, returns the bytes written.
    fn update(&mut self, input: &[u8], out: &mut [u8]) -> sotto::Result<usize>;
    /// How many bytes `finish` writes (exactly, or at most).
    fn finish_len(&self) -> usize;
}

/// Implements [`Stream`] for handles whose `inner` stream has the same
/// three methods (the SDK's encryptors and decryptors).
macro_rules! inner_stream {
    ($($handle:ty),*) => {$(
        impl $crate::stream::Stream for $handle {
            fn update_len(&self, input_len: usize) -> Option<usize> {
                self.inner.update_len(input_len)
            }
            fn update(&mut self, input: &[u8], out: &mut [u8]) -> sotto::Result<usize> {
                self.inner.update(input, out)
            }
            fn finish_len(&self) -> usize {
                self.inner.finish_len()
            }
        }
    )*};
}
pub(crate) use inner_stream;

/// `*out_len = stream.update_len(input_len)`.
///
/// # Safety
///
/// `stream` is NULL or live; `out_len` is NULL or writable.
pub(crate) unsafe fn update_len<S: Stream>(
    stream: *const S,
    input_len: usize,
    out_len: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(stream) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out_len) }?;
        *out = s.update_len(input_len).ok_or(sotto_status::LimitExceeded)?;
        Ok(())
    })
}

/// `*written = stream.update(input, out)`.
///
/// # Safety
///
/// `stream` is NULL or live; `input` is NULL or has `input_len` readable
/// bytes; `out` is NULL or has `out_cap` writable bytes; `written` is NULL
/// or writable.
pub(crate) unsafe fn update<S: Stream>(
    stream: *mut S,
    input: *const u8,
    input_len: usize,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(stream) }?;
        // SAFETY: caller contract.
        let input = unsafe { ptr::slice(input, input_len) }?;
        // SAFETY: caller contract.
        let written = unsafe { ptr::out(written) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes_or_empty(out, out_cap) }?;
        *written = s.update(input, out)?;
        Ok(())
    })
}

/// `*out_len = stream.finish_len()`.
///
/// # Safety
///
/// `stream` is NULL or live; `out_len` is NULL or writable.
pub(crate) unsafe fn finish_len<S: Stream>(stream: *const S, out_len: *mut usize) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle(stream) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out(out_len) }?;
        *out = s.finish_len();
        Ok(())
    })
}

/// `*written = finish(stream, out)`, the handle's own finishing call
/// (which may write outputs of its own).
///
/// # Safety
///
/// `stream` is NULL or live; `out` is NULL or has `out_cap` writable bytes;
/// `written` is NULL or writable.
pub(crate) unsafe fn finish<S>(
    stream: *mut S,
    out: *mut u8,
    out_cap: usize,
    written: *mut usize,
    finish: impl FnOnce(&mut S, &mut [u8]) -> Result<usize, sotto_status>,
) -> sotto_status {
    boundary(|| {
        // SAFETY: caller contract.
        let s = unsafe { ptr::handle_mut(stream) }?;
        // SAFETY: caller contract.
        let written = unsafe { ptr::out(written) }?;
        // SAFETY: caller contract.
        let out = unsafe { ptr::out_bytes_or_empty(out, out_cap) }?;
        *written = finish(s, out)?;
        Ok(())
    })
}
