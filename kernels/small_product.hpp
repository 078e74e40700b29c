#pragma once
// C (rows × K) = A (rows × inner) · B (inner × K) for K ≤ 8 columns, column-major: the
// register-blocked product of the logistic fits (kernels/logistic.cpp) and of the temporal
// generalisation's scoring (kernels/decode.cpp).

#include <Eigen/Core>

namespace neuropop::kernels::detail {

using Index = Eigen::Index;

// The two products of every logistic evaluation, X·W (samples × classes) and Xᵀ·R (features ×
// classes), have only K ≤ 8 columns: Eigen's general product repacks all of X on each call and its
// register blocking does not fit K columns (~15 GFLOP/s here). The kernel below keeps a block
// of rows × all K columns of the result in registers and streams A once per block: the two
// products of a 336 × 132 × 7 fit took 21 µs instead of 46 µs (AVX-512; 30 vs 48 with AVX2).
// Each output element is one sum in a fixed order, so the result depends on the inputs only.
// Vectors per row block: K·V accumulators + V loads must fit the register file (32 with
// AVX-512, 16 below).
#if defined(__AVX512F__)
constexpr int simd_lanes = 8, block_vectors = 3;
#elif defined(__AVX__)
constexpr int simd_lanes = 4, block_vectors = 1;
#else
constexpr int simd_lanes = 2, block_vectors = 1;
#endif

// GCC vector of simd_lanes doubles; the unaligned variant loads from any double.
using vec = double __attribute__((vector_size(simd_lanes * sizeof(double))));
using vec_unaligned = double
    __attribute__((vector_size(simd_lanes * sizeof(double)), aligned(sizeof(double)), may_alias));

// C[r, k] = Σ_j A[r, j] B[j, k] for the V·simd_lanes rows starting at A and C (column-major).
template <int K, int V>
inline void product_rows(const double* a, Index lda, Index inner, const double* b, Index ldb,
                         double* c, Index ldc) {
    vec acc[K][V] = {};
    for (Index j = 0; j < inner; ++j) {
        vec col[V];
        for (int v = 0; v < V; ++v)
            col[v] = *reinterpret_cast<const vec_unaligned*>(a + j * lda + v * simd_lanes);
        for (int k = 0; k < K; ++k) {
            const double bk = b[k * ldb + j];
            for (int v = 0; v < V; ++v)
                acc[k][v] += col[v] * bk;
        }
    }
    for (int k = 0; k < K; ++k)
        for (int v = 0; v < V; ++v)
            *reinterpret_cast<vec_unaligned*>(c + k * ldc + v * simd_lanes) = acc[k][v];
}

// One row: C[0, k] = Σ_j A[0, j] B[j, k].
template <int K>
inline void product_row(const double* a, Index lda, Index inner, const double* b, Index ldb,
                        double* c, Index ldc) {
    double acc[K] = {};
    for (Index j = 0; j < inner; ++j)
        for (int k = 0; k < K; ++k)
            acc[k] += a[j * lda] * b[k * ldb + j];
    for (int k = 0; k < K; ++k)
        c[k * ldc] = acc[k];
}

// C (rows × K) = A (rows × inner) · B (inner × K): blocks of block_vectors vectors of rows,
// then one vector, then single rows.
template <int K>
inline void small_product(const double* a, Index lda, Index rows, Index inner, const double* b,
                          Index ldb, double* c, Index ldc) {
    Index r = 0;
    for (; r + block_vectors * simd_lanes <= rows; r += block_vectors * simd_lanes)
        product_rows<K, block_vectors>(a + r, lda, inner, b, ldb, c + r, ldc);
    for (; r + simd_lanes <= rows; r += simd_lanes)
        product_rows<K, 1>(a + r, lda, inner, b, ldb, c + r, ldc);
    for (; r < rows; ++r)
        product_row<K>(a + r, lda, inner, b, ldb, c + r, ldc);
}

using SmallProduct = void (*)(const double*, Index, Index, Index, const double*, Index, double*,
                              Index);

// The kernel for K classes, or nullptr above 8 (more accumulators than registers: Eigen then).
inline SmallProduct small_product_for(Index k) {
    switch (k) {
    case 2:
        return &small_product<2>;
    case 3:
        return &small_product<3>;
    case 4:
        return &small_product<4>;
    case 5:
        return &small_product<5>;
    case 6:
        return &small_product<6>;
    case 7:
        return &small_product<7>;
    case 8:
        return &small_product<8>;
    default:
        return nullptr;
    }
}

} // namespace neuropop::kernels::detail
