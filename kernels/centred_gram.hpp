#pragma once
// The inner loop of Moments::of: accumulate the lower triangle of Σ (x − a)(x − a)ᵀ and the
// column sums Σ (x − a) over blocks of rows of a column-major sample matrix.
//
// Why not Eigen's product: `C.triangularView<Lower>() += Bᵀ B` reached ~30 GFLOP/s (useful
// flops n p (p+1)) with AVX-512 on the benchmark machine (Zen 4), against ~44 for OpenBLAS's
// dsyrk under numpy, and a portable build (no -march=native) gets Eigen's SSE2 code (~15).
// This is a small GotoBLAS-style kernel for the symmetric case only:
//  - a row block (256 rows) is centred and packed in one pass into panels of W features
//    (W = doubles per SIMD vector), each panel row-major with W lanes, so the block stays in L2;
//  - a register tile of (MV·W) × W entries of C is updated from MV packed panels and one
//    broadcast panel, for the tiles on and below the diagonal only (half the flops of BᵀB).
// add_rows_gathered packs rows picked by index, each centred on its own row of a shift matrix
// (crossnobis: trials of one fold, each minus its condition's mean), so that no centred copy of
// the data is needed; the tiles are the same.
// The same source is compiled for AVX-512F (W = 8), AVX2+FMA (W = 4) and plain 2-wide vectors
// (SSE2), and the widest one the CPU supports is chosen once per process at run time, so a
// portable build runs the wide kernel too. Measured: ~50 GFLOP/s useful with AVX-512 on Zen 4.
//
// Determinism: a fixed loop order and no threads here, so the bits depend only on the input
// and on the instruction set chosen. Machines with different instruction sets (e.g. a mixed
// cluster) sum in different orders and can differ in the last bits.

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include <Eigen/Core>

#include "kernels/large_buffer.hpp"

namespace neuropop::kernels::detail {

class CentredGram {
public:
    static constexpr Eigen::Index block_rows = 256; // rows packed at once (fits L2 for p ≲ 500)

    explicit CentredGram(Eigen::Index features);

    // The kernel in use: "avx512", "avx2" or "generic" (the widest the CPU supports).
    static const char* instruction_set();
    // For tests and benchmarks: switch every later computation in the process to the named
    // kernel; false (and no change) when the CPU lacks it. An empty name restores the widest.
    static bool use_instruction_set(std::string_view name);

    // Adds rows [first, first + count) of x, centred on `shift`. count <= block_rows.
    void add_rows(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Index first,
                  Eigen::Index count, const Eigen::RowVectorXd& shift);
    // Adds rows rows[k] of x (k < count = rows.size() <= block_rows), row rows[k] centred on
    // row shift_row[k] of `shifts`: the Gram matrix of a centred copy of x without the copy.
    void add_rows_gathered(const Eigen::Ref<const Eigen::MatrixXd>& x,
                           std::span<const Eigen::Index> rows, std::span<const int> shift_row,
                           const Eigen::Ref<const Eigen::MatrixXd>& shifts);
    // Adds another accumulator of the same size (lower triangle and sums).
    void add(const CentredGram& other);

    // Lower triangle of the accumulated Gram matrix (features × features; upper part undefined).
    Eigen::MatrixXd lower() const;
    // The same lower triangle read in place (column stride = features rounded up to 8), valid
    // while this accumulator lives: no copy and no fresh pages for a large matrix.
    Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> lower_view() const;
    // Frees the packing buffer (features × block_rows) once every row has been added; add_rows
    // throws afterwards.
    void release_packing();
    // Column sums of the centred rows.
    Eigen::VectorXd sums() const;

private:
    using Buffer = LargeBuffer; // 2 MB pages when large (kernels/large_buffer.hpp)

    Eigen::Index features_, padded_; // padded: features rounded up to a multiple of 8
    Buffer gram_;                    // padded × padded, column-major, lower tiles valid
    Buffer sums_;                    // padded
    Buffer packed_; // padded × block_rows: panels of W features, row-major within a panel
};

} // namespace neuropop::kernels::detail
