#pragma once
// Zero-initialised, 64-byte aligned arrays of doubles for large working matrices.
//
// Why: a fresh N × N matrix of doubles is first touched one 4 kB page at a time, and each first
// touch is a page fault. On the benchmark VM (paravirtualised page faults) the faults on the
// ~300 MB that one crossnobis RDM of 2 000 units touches took about a third of its CPU time
// (perf: pvm_irq_enable under exc_page_fault). Buffers of 2 MB and more are therefore aligned
// to 2 MB and marked for transparent huge pages (madvise, Linux only; the system's setting
// decides whether it has an effect), which cuts the faults by up to 512×. Smaller ones are
// plain aligned allocations.

#include <cstddef>
#include <memory>

#include <Eigen/Core>

namespace neuropop::kernels::detail {

struct LargeBufferFree {
    void operator()(double* p) const;
};
using LargeBuffer = std::unique_ptr<double[], LargeBufferFree>;

// `count` doubles, all zero.
LargeBuffer allocate_large(std::size_t count);

// A rows × cols column-major matrix (leading dimension `rows`) in its own large buffer.
class LargeMatrix {
public:
    LargeMatrix() = default;
    LargeMatrix(Eigen::Index rows, Eigen::Index cols)
        : rows_(rows), cols_(cols),
          data_(allocate_large(static_cast<std::size_t>(rows) * static_cast<std::size_t>(cols))) {}
    Eigen::Map<Eigen::MatrixXd, Eigen::Aligned64> view() { return {data_.get(), rows_, cols_}; }
    Eigen::Map<const Eigen::MatrixXd, Eigen::Aligned64> view() const {
        return {data_.get(), rows_, cols_};
    }

private:
    Eigen::Index rows_ = 0, cols_ = 0;
    LargeBuffer data_;
};

} // namespace neuropop::kernels::detail
