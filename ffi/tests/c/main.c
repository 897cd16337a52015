/* The C ABI test program: the scenarios an app runs and the misuse matrix,
 * in one translation unit. Prints "N passed, M failed". */
#include "harness.h"
#include "scenarios.c"
#include "misuse.c"

int main(void) {
    run_scenarios();
    run_misuse();
    return report();
}
