//! The JNI environment, wrapped: the only code that calls through the JVM's
//! function table. Arguments are copied in (`byte[]` into wiped Rust
//! buffers) and results copied out, so no Java array is pinned while the
//! library works (store calls may block on disk).

use core::ffi::CStr;

use jni_sys::{
    JNIEnv, JNINativeInterface__1_2, jbyte, jbyteArray, jclass, jint, jlong, jlongArray, jobject,
    jobjectArray, jsize, jvalue,
};
use zeroize::Zeroizing;

use crate::buffer::{sotto_buffer, sotto_buffer_free};
use crate::panic::boundary;
use crate::status::sotto_status;

/// Results inside the glue: an error is a status to throw (unless the JVM
/// already has an exception pending, such as an `OutOfMemoryError`).
pub(crate) type Res<T> = Result<T, sotto_status>;

/// The class every status other than OK is thrown as.
const EXCEPTION_CLASS: &CStr = c"org/sotto/SottoException";
/// Its constructor: `SottoException(int code, String message)`.
const EXCEPTION_INIT: &CStr = c"(ILjava/lang/String;)V";

/// The environment of one native call.
pub(crate) struct Env(*mut JNIEnv);

/// Runs the body of a native method inside the crate's panic boundary.
/// A status other than OK (or a caught panic) is thrown as a
/// `SottoException` and the method returns `fallback`, which the JVM
/// ignores because an exception is pending.
pub(crate) fn entry<R: Copy>(env: *mut JNIEnv, fallback: R, f: impl FnOnce(&Env) -> Res<R>) -> R {
    let env = Env(env);
    let mut out = fallback;
    let status = boundary(|| {
        out = f(&env)?;
        Ok(())
    });
    if status == sotto_status::Ok {
        return out;
    }
    if !env.pending() {
        env.throw(status);
    }
    fallback
}

/// Turns a C status into a result.
pub(crate) fn ok(status: sotto_status) -> Res<()> {
    match status {
        sotto_status::Ok => Ok(()),
        s => Err(s),
    }
}

/// A handle as Kotlin holds it (the C pointer's address) and back. On
/// 32-bit targets the value came from a 32-bit pointer and round-trips.
pub(crate) fn handle<T>(raw: jlong) -> *mut T {
    raw as usize as *mut T
}

/// The `long` Kotlin keeps for a new handle.
pub(crate) fn raw<T>(handle: *mut T) -> jlong {
    handle as usize as jlong
}

/// A time (seconds since the epoch, or milliseconds in the content API),
/// which Kotlin passes as a `long`: a negative time is `INVALID_ARGUMENT`.
pub(crate) fn time(now: jlong) -> Res<u64> {
    u64::try_from(now).map_err(|_| sotto_status::InvalidArgument)
}

/// A library buffer that is wiped and freed however the call ends.
pub(crate) struct Buffer(pub(crate) sotto_buffer);

impl Buffer {
    pub(crate) fn new() -> Self {
        Buffer(sotto_buffer {
            data: core::ptr::null_mut(),
            len: 0,
        })
    }

    fn bytes(&self) -> &[u8] {
        if self.0.data.is_null() {
            return &[];
        }
        // SAFETY: a buffer the library filled: `len` bytes at `data`, owned
        // by this guard until it is dropped.
        unsafe { core::slice::from_raw_parts(self.0.data, self.0.len) }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        // SAFETY: a buffer the library filled, or empty.
        unsafe { sotto_buffer_free(&mut self.0) }
    }
}

impl Env {
    fn table(&self) -> &JNINativeInterface__1_2 {
        // SAFETY: the JVM passes a valid environment for the duration of
        // the native call, and every JVM this binding supports (JNI 1.6 and
        // later) has the 1.2 function table.
        unsafe { &(**self.0).v1_2 }
    }

    /// Whether a Java exception is pending.
    fn pending(&self) -> bool {
        // SAFETY: valid environment (see `table`).
        unsafe { (self.table().ExceptionCheck)(self.0) }
    }

    /// The JVM failed (an exception is pending) if `failed`.
    fn check(&self, failed: bool) -> Res<()> {
        if failed || self.pending() {
            Err(sotto_status::Panic)
        } else {
            Ok(())
        }
    }

    /// Copies a `byte[]` argument into a buffer that is wiped when dropped
    /// (it may be a plaintext or a key). A `null` array is
    /// `NULL_PARAMETER`.
    pub(crate) fn bytes(&self, array: jbyteArray) -> Res<Zeroizing<Vec<u8>>> {
        if array.is_null() {
            return Err(sotto_status::NullParameter);
        }
        let t = self.table();
        // SAFETY: valid environment; `array` is a live `byte[]` reference
        // the JVM passed to this call.
        let len = unsafe { (t.GetArrayLength)(self.0, array) };
        let n = usize::try_from(len).map_err(|_| sotto_status::InvalidArgument)?;
        let mut out = Zeroizing::new(vec![0u8; n]);
        // SAFETY: as above; `out` has `len` writable bytes, and jbyte is i8.
        unsafe {
            (t.GetByteArrayRegion)(self.0, array, 0, len, out.as_mut_ptr().cast::<jbyte>());
        }
        self.check(false)?;
        Ok(out)
    }

    /// Like [`Env::bytes`], for an argument of exactly `N` bytes (a 32-byte
    /// key, a 64-byte identity): another length is `INVALID_ARGUMENT`.
    pub(crate) fn exact<const N: usize>(&self, array: jbyteArray) -> Res<Zeroizing<Vec<u8>>> {
        let b = self.bytes(array)?;
        if b.len() == N {
            Ok(b)
        } else {
            Err(sotto_status::InvalidArgument)
        }
    }

    /// The length of a live array (`null` is `NULL_PARAMETER`).
    fn length(&self, array: jobject) -> Res<usize> {
        if array.is_null() {
            return Err(sotto_status::NullParameter);
        }
        // SAFETY: valid environment; a live array reference.
        let len = unsafe { (self.table().GetArrayLength)(self.0, array) };
        usize::try_from(len).map_err(|_| sotto_status::InvalidArgument)
    }

    /// Copies `length` bytes of a `byte[]` argument from `offset` into a
    /// buffer that is wiped when dropped (a piece of a plaintext, say). A
    /// range outside the array is `INVALID_ARGUMENT`, a `null` array
    /// `NULL_PARAMETER`.
    pub(crate) fn bytes_in(
        &self,
        array: jbyteArray,
        offset: jint,
        length: jint,
    ) -> Res<Zeroizing<Vec<u8>>> {
        let len = self.length(array)?;
        let at = usize::try_from(offset).map_err(|_| sotto_status::InvalidArgument)?;
        let n = usize::try_from(length).map_err(|_| sotto_status::InvalidArgument)?;
        if at.checked_add(n).is_none_or(|end| end > len) {
            return Err(sotto_status::InvalidArgument);
        }
        let mut out = Zeroizing::new(vec![0u8; n]);
        // SAFETY: valid environment; `offset..offset + length` lies in the
        // array; `out` has `length` writable bytes, and jbyte is i8.
        unsafe {
            (self.table().GetByteArrayRegion)(
                self.0,
                array,
                offset,
                length,
                out.as_mut_ptr().cast::<jbyte>(),
            );
        }
        self.check(false)?;
        Ok(out)
    }

    /// How many bytes a `byte[]` out-parameter has from `offset` on: an
    /// offset outside `0..=length` is `INVALID_ARGUMENT`, a `null` array
    /// `NULL_PARAMETER`.
    pub(crate) fn room(&self, array: jbyteArray, offset: jint) -> Res<usize> {
        let len = self.length(array)?;
        let at = usize::try_from(offset).map_err(|_| sotto_status::InvalidArgument)?;
        len.checked_sub(at).ok_or(sotto_status::InvalidArgument)
    }

    /// Writes `bytes` into a `byte[]` out-parameter from `offset` on (one
    /// without the room is `BUFFER_TOO_SMALL`, nothing written).
    pub(crate) fn write_at(&self, array: jbyteArray, offset: jint, bytes: &[u8]) -> Res<()> {
        if self.room(array, offset)? < bytes.len() {
            return Err(sotto_status::BufferTooSmall);
        }
        let len = jsize::try_from(bytes.len()).map_err(|_| sotto_status::LimitExceeded)?;
        // SAFETY: valid environment; the array has `len` elements from
        // `offset` on; `bytes` has `len` readable bytes.
        unsafe {
            (self.table().SetByteArrayRegion)(
                self.0,
                array,
                offset,
                len,
                bytes.as_ptr().cast::<jbyte>(),
            );
        }
        self.check(false)
    }

    /// A new `byte[]` holding `bytes`.
    pub(crate) fn array(&self, bytes: &[u8]) -> Res<jbyteArray> {
        let len = jsize::try_from(bytes.len()).map_err(|_| sotto_status::LimitExceeded)?;
        let t = self.table();
        // SAFETY: valid environment.
        let array = unsafe { (t.NewByteArray)(self.0, len) };
        self.check(array.is_null())?;
        // SAFETY: `array` has `len` elements; `bytes` has `len` readable bytes.
        unsafe { (t.SetByteArrayRegion)(self.0, array, 0, len, bytes.as_ptr().cast::<jbyte>()) };
        self.check(false)?;
        Ok(array)
    }

    /// A new `byte[]` with a library buffer's bytes (the buffer is wiped
    /// and freed when the guard drops).
    pub(crate) fn take(&self, buffer: Buffer) -> Res<jbyteArray> {
        self.array(buffer.bytes())
    }

    /// Writes `value` into element 0 of a `long[]` out-parameter.
    pub(crate) fn set_long(&self, array: jlongArray, value: jlong) -> Res<()> {
        self.set_longs(array, &[value])
    }

    /// Writes `values` into the first elements of a `long[]` out-parameter
    /// (one that is too short is `BUFFER_TOO_SMALL`, nothing written).
    pub(crate) fn set_longs(&self, array: jlongArray, values: &[jlong]) -> Res<()> {
        self.at_least(array, values.len())?;
        let len = jsize::try_from(values.len()).map_err(|_| sotto_status::LimitExceeded)?;
        // SAFETY: valid environment; `array` has at least `len` elements and
        // `values` has `len` readable elements.
        unsafe { (self.table().SetLongArrayRegion)(self.0, array, 0, len, values.as_ptr()) };
        self.check(false)
    }

    /// Writes `value` into element 0 of an `Object[]` out-parameter.
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn set_object(&self, array: jobjectArray, value: jobject) -> Res<()> {
        self.set_objects(array, &[value])
    }

    /// Writes `values` into the first elements of an `Object[]`
    /// out-parameter (one that is too short is `BUFFER_TOO_SMALL`, nothing
    /// written).
    #[cfg_attr(not(feature = "store"), allow(dead_code))]
    pub(crate) fn set_objects(&self, array: jobjectArray, values: &[jobject]) -> Res<()> {
        self.at_least(array, values.len())?;
        for (i, value) in (0..).zip(values) {
            // SAFETY: valid environment; `array` has more than `i` elements.
            unsafe { (self.table().SetObjectArrayElement)(self.0, array, i, *value) };
            self.check(false)?;
        }
        Ok(())
    }

    /// A `null` array is `NULL_PARAMETER`, one with fewer than `n` elements
    /// `BUFFER_TOO_SMALL`.
    fn at_least(&self, array: jobject, n: usize) -> Res<()> {
        if array.is_null() {
            return Err(sotto_status::NullParameter);
        }
        // SAFETY: valid environment; a live array reference.
        let len = unsafe { (self.table().GetArrayLength)(self.0, array) };
        if usize::try_from(len).map_or(true, |len| len < n) {
            return Err(sotto_status::BufferTooSmall);
        }
        Ok(())
    }

    /// Copies a `long[]` argument of exactly `N` elements.
    pub(crate) fn longs<const N: usize>(&self, array: jlongArray) -> Res<[jlong; N]> {
        if array.is_null() {
            return Err(sotto_status::NullParameter);
        }
        let t = self.table();
        // SAFETY: valid environment; a live array reference.
        let len = unsafe { (t.GetArrayLength)(self.0, array) };
        if usize::try_from(len).ok() != Some(N) {
            return Err(sotto_status::InvalidArgument);
        }
        let mut out = [0; N];
        // SAFETY: `out` has `len` elements.
        unsafe { (t.GetLongArrayRegion)(self.0, array, 0, len, out.as_mut_ptr()) };
        self.check(false)?;
        Ok(out)
    }

    /// Copies a `long[]` argument of at most `max` elements (more is
    /// `LIMIT_EXCEEDED`, a `null` array `NULL_PARAMETER`).
    pub(crate) fn long_vec(&self, array: jlongArray, max: usize) -> Res<Vec<jlong>> {
        let n = self.length(array)?;
        if n > max {
            return Err(sotto_status::LimitExceeded);
        }
        let mut out = vec![0; n];
        if n > 0 {
            let len = jsize::try_from(n).map_err(|_| sotto_status::LimitExceeded)?;
            // SAFETY: valid environment; a live array of `len` elements;
            // `out` has `len` elements.
            unsafe { (self.table().GetLongArrayRegion)(self.0, array, 0, len, out.as_mut_ptr()) };
            self.check(false)?;
        }
        Ok(out)
    }

    /// A new `long[]` holding `values`.
    pub(crate) fn long_array(&self, values: &[jlong]) -> Res<jlongArray> {
        let len = jsize::try_from(values.len()).map_err(|_| sotto_status::LimitExceeded)?;
        let t = self.table();
        // SAFETY: valid environment.
        let array = unsafe { (t.NewLongArray)(self.0, len) };
        self.check(array.is_null())?;
        // SAFETY: `array` has `len` elements.
        unsafe { (t.SetLongArrayRegion)(self.0, array, 0, len, values.as_ptr()) };
        self.check(false)?;
        Ok(array)
    }

    /// A new Java string from a static message.
    pub(crate) fn string(&self, text: &CStr) -> Res<jobject> {
        // SAFETY: valid environment; `text` is NUL-terminated ASCII.
        let s = unsafe { (self.table().NewStringUTF)(self.0, text.as_ptr()) };
        self.check(s.is_null())?;
        Ok(s)
    }

    /// Throws `SottoException(status, message)`. If the class cannot be
    /// found or built, the JVM's own error (pending after the failed call)
    /// is what the caller sees.
    fn throw(&self, status: sotto_status) {
        let t = self.table();
        // SAFETY: valid environment; NUL-terminated names.
        let class: jclass = unsafe { (t.FindClass)(self.0, EXCEPTION_CLASS.as_ptr()) };
        if class.is_null() {
            return;
        }
        // SAFETY: as above; `class` is a live class reference.
        let init =
            unsafe { (t.GetMethodID)(self.0, class, c"<init>".as_ptr(), EXCEPTION_INIT.as_ptr()) };
        if init.is_null() {
            return;
        }
        let Ok(message) = self.string(status.message()) else {
            return;
        };
        let args = [
            jvalue {
                i: status as u32 as jint,
            },
            jvalue { l: message },
        ];
        // SAFETY: `init` is the (int, String) constructor of `class`, and
        // `args` matches it.
        let exception = unsafe { (t.NewObjectA)(self.0, class, init, args.as_ptr()) };
        if !exception.is_null() {
            // SAFETY: a live Throwable reference.
            unsafe { (t.Throw)(self.0, exception) };
        }
    }
}
