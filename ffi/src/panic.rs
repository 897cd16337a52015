//! The boundary every export runs inside: panics are caught and become
//! `SOTTO_STATUS_PANIC` (or `SOTTO_STATUS_RNG_FAILURE` when the operating
//! system's random number generator failed), and the status of the last
//! call is kept per thread for `sotto_last_error_message`.

use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::rng;
use crate::status::sotto_status;

thread_local! {
    static LAST: Cell<sotto_status> = const { Cell::new(sotto_status::Ok) };
}

/// The result type of the bodies run inside [`boundary`].
pub(crate) type Outcome = Result<(), sotto_status>;

/// Runs `f`, converting its outcome, or a panic, into a status, and records
/// it as the thread's last status.
pub(crate) fn boundary(f: impl FnOnce() -> Outcome) -> sotto_status {
    rng::reset_failure();
    let status = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => sotto_status::Ok,
        Ok(Err(s)) => s,
        Err(_) if rng::failed() => sotto_status::RngFailure,
        Err(_) => sotto_status::Panic,
    };
    LAST.with(|l| l.set(status));
    status
}

/// Runs `f` for a function with no status to return (the `_free`
/// functions): a panic is caught and dropped.
pub(crate) fn boundary_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// The status of the calling thread's last fallible call.
pub(crate) fn last() -> sotto_status {
    LAST.with(Cell::get)
}
