#include "kernels/moments.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/parallel_reduce.h>

#include "kernels/centred_gram.hpp"

namespace neuropop::kernels {

namespace {

using detail::CentredGram;
using Eigen::Index;

// Row blocks per reduction leaf (64 × 256 rows): amortises each leaf's features² accumulator
// while leaving enough leaves to keep every thread busy on large inputs.
constexpr Index blocks_per_leaf = 64;

// Σ (x − a)(x − a)ᵀ (lower triangle) and Σ (x − a) over a range of row blocks.
class GramBody {
public:
    GramBody(const Eigen::Ref<const Eigen::MatrixXd>& x, const Eigen::RowVectorXd& shift)
        : x_(&x), shift_(&shift) {}
    GramBody(GramBody& other, tbb::split) : x_(other.x_), shift_(other.shift_) {}

    void operator()(const tbb::blocked_range<Index>& blocks) {
        if (!gram_) gram_.emplace(x_->cols());
        for (Index b = blocks.begin(); b < blocks.end(); ++b) {
            const Index first = b * CentredGram::block_rows;
            gram_->add_rows(*x_, first, std::min(CentredGram::block_rows, x_->rows() - first),
                            *shift_);
        }
    }

    void join(GramBody& right) {
        if (!right.gram_) return;
        if (!gram_)
            gram_.swap(right.gram_);
        else
            gram_->add(*right.gram_);
    }

    const std::optional<CentredGram>& gram() const { return gram_; }

private:
    const Eigen::Ref<const Eigen::MatrixXd>* x_;
    const Eigen::RowVectorXd* shift_;
    std::optional<CentredGram> gram_;
};

// Mean of the first block, except where a column is constant there: then its exact value, so a
// constant column centres to exact zeros.
Eigen::RowVectorXd shift_of(const Eigen::Ref<const Eigen::MatrixXd>& x) {
    const Index m = std::min(CentredGram::block_rows, x.rows());
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

    const Eigen::RowVectorXd shift = shift_of(samples);
    const Index blocks = (n + CentredGram::block_rows - 1) / CentredGram::block_rows;
    GramBody body(samples, shift);
    if (blocks <= blocks_per_leaf) {
        body(tbb::blocked_range<Index>(0, blocks));
    } else {
        // A fixed split tree (simple_partitioner, fixed grain): the same sums in the same order
        // for any number of threads.
        tbb::parallel_deterministic_reduce(tbb::blocked_range<Index>(0, blocks, blocks_per_leaf),
                                           body, tbb::simple_partitioner());
    }

    const Eigen::VectorXd s = body.gram()->sums();
    const double nd = static_cast<double>(n);
    out.m2 = body.gram()->lower();
    for (Index j = 0; j < p; ++j)
        for (Index i = j; i < p; ++i)
            out.m2(i, j) -= (s(i) * s(j)) / nd;
    mirror_lower(out.m2);
    out.mean = shift.transpose() + s / nd;
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
