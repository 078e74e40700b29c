#include "kernels/cka.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

#include <tbb/parallel_for.h>

namespace neuropop::kernels {

namespace {

using Eigen::Index;

constexpr Index tile = 128;

void check_gram(const Eigen::Ref<const Eigen::MatrixXd>& k, Index n, CkaEstimator how) {
    if (k.rows() != k.cols() || k.rows() != n)
        throw std::invalid_argument("CKA needs square Gram matrices of the same size");
    if (n < (how == CkaEstimator::Debiased ? 4 : 2))
        throw std::invalid_argument("CKA needs at least 2 stimuli (4 for the debiased estimator)");
}

// H K H (biased) or the U-centred matrix (debiased), scaled so that ⟨·,·⟩ is the HSIC.
Eigen::MatrixXd centre(const Eigen::Ref<const Eigen::MatrixXd>& k, CkaEstimator how) {
    const Index n = k.rows();
    const auto dn = static_cast<double>(n);
    if (how == CkaEstimator::Biased) {
        const Eigen::VectorXd row = k.rowwise().mean();
        const Eigen::RowVectorXd col = k.colwise().mean();
        const double all = row.mean();
        Eigen::MatrixXd c = k;
        c.colwise() -= row;
        c.rowwise() -= col;
        c.array() += all;
        return c / (dn - 1.0);
    }
    Eigen::MatrixXd c = k;
    c.diagonal().setZero();
    const Eigen::VectorXd row = c.rowwise().sum();
    const Eigen::RowVectorXd col = c.colwise().sum();
    const double all = row.sum();
    c.colwise() -= row / (dn - 2.0);
    c.rowwise() -= col / (dn - 2.0);
    c.array() += all / ((dn - 1.0) * (dn - 2.0));
    c.diagonal().setZero();
    return c / std::sqrt(dn * (dn - 3.0));
}

double dot(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return a.reshaped().dot(b.reshaped());
}

} // namespace

GramAccumulator::GramAccumulator(Index stimuli) : gram_(Eigen::MatrixXd::Zero(stimuli, stimuli)) {}

void GramAccumulator::add(const Eigen::Ref<const Eigen::MatrixXd>& block) {
    const Index n = gram_.rows();
    if (block.rows() != n)
        throw std::invalid_argument("a feature block must have one row per stimulus");
    if (block.cols() == 0) return;
    Eigen::MatrixXd centred = block;
    centred.rowwise() -= centred.colwise().mean();
    const Index tiles = (n + tile - 1) / tile;
    // Lower-triangular tiles (i ≥ j), each one fixed product: thread-count independent bits.
    tbb::parallel_for(Index{0}, tiles * (tiles + 1) / 2, [&](Index t) {
        Index i = 0;
        while ((i + 1) * (i + 2) / 2 <= t)
            ++i;
        const Index j = t - i * (i + 1) / 2;
        const Index r0 = i * tile, c0 = j * tile;
        const Index rows = std::min(tile, n - r0), cols = std::min(tile, n - c0);
        gram_.block(r0, c0, rows, cols).noalias() +=
            centred.middleRows(r0, rows) * centred.middleRows(c0, cols).transpose();
    });
    features_ += block.cols();
}

Eigen::MatrixXd GramAccumulator::gram() const {
    Eigen::MatrixXd g = gram_;
    g.triangularView<Eigen::StrictlyUpper>() = g.transpose();
    return g;
}

Eigen::MatrixXd centred_gram(const Eigen::Ref<const Eigen::MatrixXd>& x, Index block) {
    if (block < 1) throw std::invalid_argument("the feature block must hold at least one feature");
    GramAccumulator acc(x.rows());
    for (Index c = 0; c < x.cols(); c += block)
        acc.add(x.middleCols(c, std::min(block, x.cols() - c)));
    return acc.gram();
}

double hsic(const Eigen::Ref<const Eigen::MatrixXd>& k, const Eigen::Ref<const Eigen::MatrixXd>& l,
            CkaEstimator how) {
    check_gram(k, k.rows(), how);
    check_gram(l, k.rows(), how);
    return dot(centre(k, how), centre(l, how));
}

double cka(const Eigen::Ref<const Eigen::MatrixXd>& k, const Eigen::Ref<const Eigen::MatrixXd>& l,
           CkaEstimator how) {
    check_gram(k, k.rows(), how);
    check_gram(l, k.rows(), how);
    const Eigen::MatrixXd ck = centre(k, how), cl = centre(l, how);
    return dot(ck, cl) / std::sqrt(ck.squaredNorm() * cl.squaredNorm());
}

double linear_cka(const Eigen::Ref<const Eigen::MatrixXd>& x,
                  const Eigen::Ref<const Eigen::MatrixXd>& y, CkaEstimator how) {
    if (x.rows() != y.rows())
        throw std::invalid_argument("CKA needs the same stimuli (rows) in both representations");
    return cka(centred_gram(x), centred_gram(y), how);
}

Eigen::MatrixXd cka_matrix(const std::vector<Eigen::MatrixXd>& grams_a,
                           const std::vector<Eigen::MatrixXd>& grams_b, CkaEstimator how) {
    const Index n = grams_a.empty() ? (grams_b.empty() ? 0 : grams_b[0].rows()) : grams_a[0].rows();
    // Each Gram centred and normalised once, as one column of n² entries.
    auto normalised = [&](const std::vector<Eigen::MatrixXd>& grams) {
        for (const auto& g : grams)
            check_gram(g, n, how);
        Eigen::MatrixXd out(n * n, static_cast<Index>(grams.size()));
        tbb::parallel_for(std::size_t{0}, grams.size(), [&](std::size_t i) {
            const Eigen::MatrixXd c = centre(grams[i], how);
            const double norm = c.norm();
            // A constant representation gives 0/0 = NaN, as cka() does.
            out.col(static_cast<Index>(i)) = c.reshaped() / norm;
        });
        return out;
    };
    const Eigen::MatrixXd a = normalised(grams_a), b = normalised(grams_b);
    const Index na = a.cols(), nb = b.cols();
    Eigen::MatrixXd out(na, nb);
    // All pairs as one product Aᵀ B instead of one n²-long dot product per pair: each normalised
    // Gram is streamed from memory once per block rather than once per pair (at n = 1 000 a pair's
    // dot product reads 16 MB). Fixed blocks of B's columns, so the bits do not depend on the
    // number of threads.
    constexpr Index block = 8;
    tbb::parallel_for(Index{0}, (nb + block - 1) / block, [&](Index t) {
        const Index c0 = t * block, w = std::min(block, nb - c0);
        out.middleCols(c0, w).noalias() = a.transpose() * b.middleCols(c0, w);
    });
    return out;
}

} // namespace neuropop::kernels
