// Generated from ffi/abi/kinds.txt by `SOTTO_REGENERATE=1 cargo test -p sotto-ffi --test generated`; do not edit.

package org.sotto

/** The kinds of native object, as the JNI layer numbers them. */
internal object Kind {
    /** An identity (`sotto_identity`). */
    const val IDENTITY = 1
    /** A prekey store (`sotto_prekey_store`). */
    const val PREKEYS = 2
    /** A trust store (`sotto_trust_store`). */
    const val TRUST = 3
    /** A session (`sotto_session`). */
    const val SESSION = 4
    /** A group (`sotto_group`). */
    const val GROUP = 5
    /** A location share (`sotto_location_share`). */
    const val SHARE = 6
    /** A location viewer (`sotto_location_viewer`). */
    const val VIEWER = 7
    /** A security code (`sotto_security_code`). */
    const val SECURITY_CODE = 8
    /** A store (`sotto_store`); only with the library's feature `store`. */
    const val STORE = 9
}
