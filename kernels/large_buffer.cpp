#include "kernels/large_buffer.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace neuropop::kernels::detail {

namespace {
constexpr std::size_t huge_page = std::size_t{2} << 20;
} // namespace

void LargeBufferFree::operator()(double* p) const {
    std::free(p);
}

LargeBuffer allocate_large(std::size_t count) {
    const std::size_t bytes = std::max<std::size_t>(count, 1) * sizeof(double);
    const bool huge = bytes >= huge_page;
    // aligned_alloc wants a size that is a multiple of the alignment.
    const std::size_t align = huge ? huge_page : 64;
    const std::size_t size = (bytes + align - 1) / align * align;
    auto* p = static_cast<double*>(std::aligned_alloc(align, size));
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (huge) ::madvise(p, size, MADV_HUGEPAGE); // advice only: failure changes nothing
#endif
    std::memset(p, 0, bytes);
    return LargeBuffer(p);
}

} // namespace neuropop::kernels::detail
