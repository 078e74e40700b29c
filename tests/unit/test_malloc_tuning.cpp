#include <catch2/catch.hpp>

#include <cstdlib>
#include <vector>

#include "engine/runtime/malloc_tuning.hpp"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

// AddressSanitizer (the NEUROPOP_SANITIZE build) and the other allocator-replacing sanitizers
// intercept mallopt: glibc's thresholds do not exist there and tune_malloc reports false.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define NEUROPOP_SANITIZER_ALLOCATOR 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) ||                         \
    __has_feature(memory_sanitizer)
#define NEUROPOP_SANITIZER_ALLOCATOR 1
#endif
#endif

// engine/runtime/malloc_tuning.hpp: on glibc the thresholds must really be set (a version that
// compiled to `return false` cost the few-shot bench 5x its CPU time), and then a freed 8 MB block
// stays in the heap instead of going back to the kernel through munmap.
TEST_CASE("tune_malloc fixes glibc's mmap and trim thresholds", "[malloc_tuning]") {
#if defined(NEUROPOP_SANITIZER_ALLOCATOR)
    CHECK_FALSE(neuropop::engine::tune_malloc());
#elif defined(__GLIBC__)
    REQUIRE(neuropop::engine::tune_malloc());
    CHECK(neuropop::engine::tune_malloc()); // idempotent
    // Below the 32 MB mmap threshold a block comes from the heap: mallinfo2's hblkhd (bytes in
    // mmapped blocks) does not grow by it.
    const auto mmapped = mallinfo2().hblkhd;
    std::vector<char> block(8u << 20, 1);
    CHECK(mallinfo2().hblkhd < mmapped + (8u << 20));
#else
    CHECK_FALSE(neuropop::engine::tune_malloc());
#endif
}
