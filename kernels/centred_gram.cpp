#include "kernels/centred_gram.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <iterator>
#include <new>
#include <stdexcept>

// GCC's target pragmas build the wide kernels; other compilers get the portable one only.
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__) && !defined(__clang__)
#include <immintrin.h>
#define NEUROPOP_GRAM_X86 1
#endif

namespace neuropop::kernels::detail {

namespace {

using Eigen::Index;
using AddBlock = void (*)(const double*, Index, Index, Index, Index, const double*, Index, Index,
                          double*, double*, double*);
using AddBlockGathered = void (*)(const double*, Index, Index, const Index*, const int*, Index,
                                  const double*, Index, Index, Index, double*, double*, double*);

// Portable fallback: 2-wide vectors (SSE2 on x86-64), separate multiply and add.
namespace generic {
constexpr int W = 2, MV = 4; // 8 accumulators + 4 loads + 1 broadcast of 16 registers
using vec = double __attribute__((vector_size(W * sizeof(double)), may_alias));
using vec_unaligned =
    double __attribute__((vector_size(W * sizeof(double)), aligned(sizeof(double)), may_alias));
inline vec fused_multiply_add(vec a, vec b, vec c) {
    return a * b + c;
}
#include "kernels/centred_gram_simd.inc"
} // namespace generic

#ifdef NEUROPOP_GRAM_X86
// The same source compiled for AVX2 + FMA and for AVX-512F (GCC target pragmas), chosen at run
// time, so that a portable build (no -march=native) still runs the wide kernel.
#pragma GCC push_options
#pragma GCC target("avx2,fma")
namespace avx2 {
constexpr int W = 4, MV = 3; // 12 accumulators + 3 loads + 1 broadcast of 16 ymm registers
using vec = double __attribute__((vector_size(W * sizeof(double)), may_alias));
using vec_unaligned =
    double __attribute__((vector_size(W * sizeof(double)), aligned(sizeof(double)), may_alias));
inline vec fused_multiply_add(vec a, vec b, vec c) {
    return _mm256_fmadd_pd(a, b, c);
}
#include "kernels/centred_gram_simd.inc"
} // namespace avx2
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target("avx512f")
namespace avx512 {
constexpr int W = 8, MV = 3; // 24 accumulators + 3 loads + 1 broadcast of 32 zmm registers
using vec = double __attribute__((vector_size(W * sizeof(double)), may_alias));
using vec_unaligned =
    double __attribute__((vector_size(W * sizeof(double)), aligned(sizeof(double)), may_alias));
inline vec fused_multiply_add(vec a, vec b, vec c) {
    return _mm512_fmadd_pd(a, b, c);
}
#include "kernels/centred_gram_simd.inc"
} // namespace avx512
#pragma GCC pop_options
#endif

struct Kernel {
    AddBlock add_block;
    AddBlockGathered add_block_gathered;
    const char* name;
    bool (*supported)();
};

bool always() {
    return true;
}

#ifdef NEUROPOP_GRAM_X86
// libgcc's checks include the OS's support for the wider register state (XCR0).
bool has_avx2() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
bool has_avx512() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f");
}
#endif

// Widest first.
constexpr Kernel kernels[] = {
#ifdef NEUROPOP_GRAM_X86
    {avx512::add_block, avx512::add_block_gathered, "avx512", has_avx512},
    {avx2::add_block, avx2::add_block_gathered, "avx2", has_avx2},
#endif
    {generic::add_block, generic::add_block_gathered, "generic", always},
};

const Kernel* widest_supported() {
    for (const Kernel& k : kernels)
        if (k.supported()) return &k;
    return &kernels[std::size(kernels) - 1];
}

std::atomic<const Kernel*>& current() {
    static std::atomic<const Kernel*> k{widest_supported()};
    return k;
}

const Kernel& kernel() {
    return *current().load(std::memory_order_relaxed);
}

// Every instruction set packs into the same padded layout: a multiple of the widest vector.
constexpr Index pad_to = 8;

} // namespace

const char* CentredGram::instruction_set() {
    return kernel().name;
}

bool CentredGram::use_instruction_set(std::string_view name) {
    if (name.empty()) {
        current().store(widest_supported());
        return true;
    }
    for (const Kernel& k : kernels)
        if (name == k.name && k.supported()) {
            current().store(&k);
            return true;
        }
    return false;
}

CentredGram::CentredGram(Index features)
    : features_(features), padded_((features + pad_to - 1) / pad_to * pad_to),
      gram_(allocate_large(static_cast<std::size_t>(padded_ * padded_))),
      sums_(allocate_large(static_cast<std::size_t>(padded_))),
      packed_(allocate_large(static_cast<std::size_t>(padded_ * block_rows))) {}

void CentredGram::add_rows(const Eigen::Ref<const Eigen::MatrixXd>& x, Index first, Index count,
                           const Eigen::RowVectorXd& shift) {
    if (!packed_ || count > block_rows || first + count > x.rows() || x.cols() != features_ ||
        shift.size() != features_)
        throw std::logic_error(
            "CentredGram::add_rows: block out of range, wrong width or packing released");
    kernel().add_block(x.data(), x.outerStride(), features_, first, count, shift.data(), block_rows,
                       padded_, packed_.get(), gram_.get(), sums_.get());
}

void CentredGram::add_rows_gathered(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                    std::span<const Index> rows, std::span<const int> shift_row,
                                    const Eigen::Ref<const Eigen::MatrixXd>& shifts) {
    const auto count = static_cast<Index>(rows.size());
    if (!packed_ || count > block_rows || shift_row.size() != rows.size() ||
        x.cols() != features_ || shifts.cols() != features_)
        throw std::logic_error(
            "CentredGram::add_rows_gathered: block too large, wrong width or packing released");
    kernel().add_block_gathered(x.data(), x.outerStride(), features_, rows.data(), shift_row.data(),
                                count, shifts.data(), shifts.outerStride(), block_rows, padded_,
                                packed_.get(), gram_.get(), sums_.get());
}

void CentredGram::add(const CentredGram& other) {
    if (other.padded_ != padded_) throw std::logic_error("CentredGram::add: sizes differ");
    for (Index j = 0; j < padded_; ++j)
        for (Index i = j; i < padded_; ++i)
            gram_[static_cast<std::size_t>(j * padded_ + i)] +=
                other.gram_[static_cast<std::size_t>(j * padded_ + i)];
    for (Index i = 0; i < padded_; ++i)
        sums_[static_cast<std::size_t>(i)] += other.sums_[static_cast<std::size_t>(i)];
}

Eigen::MatrixXd CentredGram::lower() const {
    const Eigen::Map<const Eigen::MatrixXd> all(gram_.get(), padded_, padded_);
    return all.topLeftCorner(features_, features_);
}

Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> CentredGram::lower_view() const {
    return {gram_.get(), features_, features_, Eigen::OuterStride<>(padded_)};
}

void CentredGram::release_packing() {
    packed_.reset();
}

Eigen::VectorXd CentredGram::sums() const {
    return Eigen::Map<const Eigen::VectorXd>(sums_.get(), features_);
}

} // namespace neuropop::kernels::detail
