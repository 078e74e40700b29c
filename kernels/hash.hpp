#pragma once
// The one 64-bit string hash of the project: FNV-1a 64 with the published offset basis
// 14695981039346656037 and prime 1099511628211 (checked below on the reference vectors). It keys
// counter-based random streams (kernels/rng.hpp) by name: a work item's rng_key (jobs/plan.cpp)
// and a generated file's object ids (io/nwb_writer.cpp). Stable across platforms and runs, which
// std::hash is not.

#include <cstdint>
#include <string_view>

namespace neuropop::kernels {

constexpr std::uint64_t fnv1a64(std::string_view text) {
    std::uint64_t h = 14695981039346656037ULL;
    for (char c : text) {
        h ^= static_cast<unsigned char>(c); // the byte's value: char may be signed
        h *= 1099511628211ULL;
    }
    return h;
}

// Reference vectors of FNV-1a 64: a wrong offset basis or prime fails the build.
static_assert(fnv1a64("") == 14695981039346656037ULL);
static_assert(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
static_assert(fnv1a64("foobar") == 0x85944171f73967e8ULL);

} // namespace neuropop::kernels
