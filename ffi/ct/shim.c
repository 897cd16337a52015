/* Valgrind client requests for the constant-time check (ffi/examples/ct_check.rs).
 * Outside valgrind both are a few no-op instructions. */
#include <stddef.h>
#include <valgrind/memcheck.h>

/* Marks bytes as secret: memcheck reports any branch or memory address that depends on them. */
void sotto_ct_secret(const void *p, size_t n) { (void)VALGRIND_MAKE_MEM_UNDEFINED(p, n); }

/* Declassifies bytes that are public by design (a verdict, a length, a public key). */
void sotto_ct_public(const void *p, size_t n) { (void)VALGRIND_MAKE_MEM_DEFINED(p, n); }
