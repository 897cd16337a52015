//! # The JNI glue of the Kotlin binding (feature `jni`)
//!
//! `bindings/kotlin` declares `org.sotto.Native`; this module implements
//! its methods as `Java_org_sotto_Native_*`. Each one copies its `byte[]`
//! arguments into buffers that are wiped when dropped, calls the C function
//! it is named after, and copies the output into a new `byte[]` (the
//! library buffer is wiped and freed). So the JNI layer only marshals: every
//! rule of the C ABI (validation, status codes, wiping, writing outputs
//! only on success) holds for Kotlin as it does for C.
//!
//! * Every native runs inside the crate's panic boundary; a status other
//!   than OK is thrown as `org.sotto.SottoException(code, message)`.
//! * Handles are `long`s holding the C pointer. The Kotlin classes own
//!   them, hold their object's lock during each call (so a handle is never
//!   used by two threads at once or freed while in use), and free them in
//!   `close`. A closed handle never reaches this layer.
//! * Fixed-size outputs (identities, location fixes) are new arrays; a
//!   second output (a new session, a message id) goes to element 0 of an
//!   array the caller passes, several numbers (what a content message
//!   carries, a send's id and times) to its first elements.
//! * Streams (attachments and backups) write into a `byte[]` the caller
//!   passes, from an offset, and return how many bytes they wrote, so that
//!   a large file streams through two arrays reused for every piece.

#[cfg(feature = "store")]
mod backup;
mod calls;
mod devices;
mod env;
mod envelope;
mod group;
mod kinds;
mod library;
mod media;
mod objects;
mod pqxdh;
mod sealed_sender;
mod session;
#[cfg(feature = "store")]
mod store;
#[cfg(feature = "store")]
mod store_content;
#[cfg(feature = "store")]
mod store_trust;
mod verify;
