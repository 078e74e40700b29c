#include "kernels/moments.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_reduce.h>

namespace neuropop::kernels {

namespace {

using Eigen::Index;

// 2048 rows × a few hundred features keeps the centred block in L2/L3 while each GEMM is deep
// enough to run near Eigen's peak; measured on the benchmark machine (benchmarks/bench_pca.cpp).
constexpr Index block_rows = 2048;
// Row blocks per reduction leaf: amortises the features² accumulator of each leaf.
constexpr Index blocks_per_leaf = 4;

struct Shared {
    const Eigen::Ref<const Eigen::MatrixXd>& x;
    Eigen::RowVectorXd shift;
    tbb::enumerable_thread_specific<Eigen::MatrixXd>* buffers = nullptr;
};

// Lower triangle of Σ (x − a)(x − a)ᵀ and the column sums Σ (x − a) over a range of row blocks.
class GramBody {
public:
    explicit GramBody(const Shared& shared) : shared_(&shared) {}
    GramBody(GramBody& other, tbb::split) : shared_(other.shared_) {}

    void operator()(const tbb::blocked_range<Index>& blocks) {
        const auto& x = shared_->x;
        const Index p = x.cols();
        if (!used_) {
            gram_.setZero(p, p);
            sums_.setZero(p);
            used_ = true;
        }
        Eigen::MatrixXd local;
        Eigen::MatrixXd& buffer = shared_->buffers ? shared_->buffers->local() : local;
        if (buffer.rows() < std::min(block_rows, x.rows()) || buffer.cols() != p)
            buffer.resize(std::min(block_rows, x.rows()), p);
        for (Index b = blocks.begin(); b < blocks.end(); ++b) {
            const Index first = b * block_rows;
            const Index m = std::min(block_rows, x.rows() - first);
            auto centred = buffer.topRows(m);
            centred.noalias() = x.middleRows(first, m).rowwise() - shared_->shift;
            sums_.noalias() += centred.colwise().sum().transpose();
            // Only the lower triangle: Eigen's triangular GEMM does half the flops of B^T B.
            gram_.triangularView<Eigen::Lower>() += centred.transpose() * centred;
        }
    }

    void join(GramBody& right) {
        if (!right.used_) return;
        if (!used_) {
            gram_.swap(right.gram_);
            sums_.swap(right.sums_);
            used_ = true;
            return;
        }
        gram_.triangularView<Eigen::Lower>() += right.gram_;
        sums_ += right.sums_;
    }

    bool used() const { return used_; }
    const Eigen::MatrixXd& gram() const { return gram_; }
    const Eigen::VectorXd& sums() const { return sums_; }

private:
    const Shared* shared_;
    Eigen::MatrixXd gram_;
    Eigen::VectorXd sums_;
    bool used_ = false;
};

// Mean of the first block, except where a column is constant there: then its exact value, so a
// constant column centres to exact zeros.
Eigen::RowVectorXd shift_of(const Eigen::Ref<const Eigen::MatrixXd>& x) {
    const Index m = std::min(block_rows, x.rows());
    Eigen::RowVectorXd shift = x.topRows(m).colwise().mean();
    for (Index j = 0; j < x.cols(); ++j)
        if ((x.col(j).head(m).array() == x(0, j)).all()) shift(j) = x(0, j);
    return shift;
}

void mirror_lower(Eigen::MatrixXd& m) {
    m.triangularView<Eigen::StrictlyUpper>() = m.transpose();
}

} // namespace

Moments Moments::of(const Eigen::Ref<const Eigen::MatrixXd>& samples) {
    const Index n = samples.rows(), p = samples.cols();
    Moments out;
    out.count = static_cast<double>(n);
    out.mean.setZero(p);
    out.m2.setZero(p, p);
    if (n == 0 || p == 0) return out;

    Shared shared{samples, shift_of(samples)};
    const Index blocks = (n + block_rows - 1) / block_rows;
    GramBody body(shared);
    if (blocks <= blocks_per_leaf) {
        body(tbb::blocked_range<Index>(0, blocks));
    } else {
        tbb::enumerable_thread_specific<Eigen::MatrixXd> buffers;
        shared.buffers = &buffers;
        // A fixed split tree (simple_partitioner, fixed grain): same sums in the same order for
        // any number of threads.
        tbb::parallel_deterministic_reduce(tbb::blocked_range<Index>(0, blocks, blocks_per_leaf),
                                           body, tbb::simple_partitioner());
    }

    const Eigen::VectorXd& s = body.sums();
    const double nd = static_cast<double>(n);
    out.m2 = body.gram();
    for (Index j = 0; j < p; ++j)
        for (Index i = j; i < p; ++i)
            out.m2(i, j) -= (s(i) * s(j)) / nd;
    mirror_lower(out.m2);
    out.mean = shared.shift.transpose() + s / nd;
    return out;
}

void Moments::merge(const Moments& other) {
    if (other.count == 0) return;
    if (count == 0) {
        *this = other;
        return;
    }
    if (other.mean.size() != mean.size())
        throw std::invalid_argument("Moments::merge: feature counts differ (" +
                                    std::to_string(mean.size()) + " vs " +
                                    std::to_string(other.mean.size()) + ")");
    const double n = count + other.count;
    const Eigen::VectorXd delta = other.mean - mean;
    const double weight = count * other.count / n;
    mean += delta * (other.count / n);
    m2 += other.m2;
    // (δ_i δ_j) w is the same product for (i, j) and (j, i): M2 stays exactly symmetric.
    const Index p = mean.size();
    for (Index j = 0; j < p; ++j)
        for (Index i = 0; i < p; ++i)
            m2(i, j) += (delta(i) * delta(j)) * weight;
    count = n;
}

Eigen::MatrixXd Moments::covariance() const {
    if (count < 2)
        throw std::invalid_argument("Moments::covariance: needs at least 2 samples, have " +
                                    std::to_string(count));
    return m2 / (count - 1);
}

} // namespace neuropop::kernels
