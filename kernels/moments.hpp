#pragma once
// Mergeable first and second moments of a sample matrix (docs/ANALYSES.md §2): (count, mean, M2)
// with M2 = Σ (x − x̄)(x − x̄)ᵀ. Chunks of samples processed anywhere merge exactly by the pairwise
// update of Chan, Golub & LeVeque (1979); merging the same chunks in the same order gives the same
// bits, so results do not depend on how work was split across ranks or threads.

#include <Eigen/Core>

namespace neuropop::kernels {

struct Moments {
    double count = 0;     // number of samples
    Eigen::VectorXd mean; // features
    Eigen::MatrixXd m2;   // features × features, sum of centred outer products (exactly symmetric)

    // Moments of `samples` (rows = samples, cols = features); 0 rows gives count 0 with zero
    // mean and M2. Parallel over row blocks with TBB, reduced in a fixed tree (64 blocks of 256
    // rows per leaf): the bits do not depend on the thread count. Never copies the whole
    // matrix; memory is one features² accumulator and one packed 256-row block per live
    // reduction leaf.
    //
    // Numerics: shifted-data algorithm. Each row block is centred on a shift a (the mean of the
    // first block, or the exact value for a column that is constant there) while it is packed,
    // the lower triangle of its Gram matrix is accumulated by a register-tiled kernel
    // (kernels/centred_gram.hpp, half the flops of BᵀB), and the column sums s = Σ (x − a)
    // correct it: M2 = Σ (x − a)(x − a)ᵀ − s sᵀ / n, mean = a + s / n. Because a is within a
    // few standard errors of x̄, the correction is tiny and nothing cancels (unlike
    // XᵀX − n x̄ x̄ᵀ when |x̄| >> sd); a constant column gets exactly zero variance and its exact
    // mean.
    static Moments of(const Eigen::Ref<const Eigen::MatrixXd>& samples);

    // Exact pairwise update. Merging with an empty Moments (count 0) is the identity. Throws
    // std::invalid_argument when the feature counts differ.
    void merge(const Moments& other);

    // M2 / (count − 1). Throws std::invalid_argument when count < 2.
    Eigen::MatrixXd covariance() const;

    Eigen::Index features() const { return mean.size(); }
};

} // namespace neuropop::kernels
