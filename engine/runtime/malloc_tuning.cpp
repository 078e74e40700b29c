#include "engine/runtime/malloc_tuning.hpp"

#include <cstdlib> // defines __GLIBC__ on glibc (through <features.h>)

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace neuropop::engine {

namespace {
// glibc's DEFAULT_MMAP_THRESHOLD_MAX on 64-bit (4 * 1024 * 1024 * sizeof(long)) and the trim
// threshold its dynamic rule pairs with it (twice the mmap threshold).
constexpr int mmap_threshold = 32 * 1024 * 1024;
constexpr int trim_threshold = 2 * mmap_threshold;
} // namespace

bool tune_malloc() {
#if defined(__GLIBC__)
    static const bool done = mallopt(M_MMAP_THRESHOLD, mmap_threshold) == 1 &&
                             mallopt(M_TRIM_THRESHOLD, trim_threshold) == 1;
    return done;
#else
    return false;
#endif
}

} // namespace neuropop::engine
