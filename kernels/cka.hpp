#pragma once
// Centred kernel alignment between two representations of the same n stimuli: a brain region
// (n × p condition means) and a network layer (n × q activations), Kornblith et al. 2019 (ICML),
// "Similarity of neural network representations revisited".
//
// Linear kernels K = X_c X_cᵀ, L = Y_c Y_cᵀ on the condition means centred over stimuli
// (X_c = H X, H = I − 11ᵀ/n; centring the features is the same as double-centring the Gram).
//   biased   HSIC₀(K, L) = tr(K̄ L̄)/(n − 1)²,  K̄ = H K H
//   debiased HSIC₁(K, L) = [tr(K̃L̃) + 1ᵀK̃1 1ᵀL̃1/((n−1)(n−2)) − 2/(n−2) 1ᵀK̃L̃1] / (n(n−3)),
//            K̃ = K with its diagonal zeroed (Song et al. 2012, JMLR, "Feature selection via
//            dependence maximization", Theorem 2; the unbiased estimator)
//   CKA = HSIC(K, L) / √(HSIC(K, K) HSIC(L, L)).
// Both are cosines of centred Gram matrices: the biased one of the double-centred K̄, L̄; the
// debiased one of the U-centred matrices (Székely & Rizzo 2014, Ann. Stat., "Partial distance
// correlation", §4.1): U_ij = K̃_ij − K̃_i·/(n−2) − K̃_·j/(n−2) + K̃_··/((n−1)(n−2)) off the
// diagonal, U_ii = 0, and ⟨U_K, U_L⟩ = n(n−3) HSIC₁(K, L). So each Gram is centred and
// normalised once and every pair of representations costs one n²-long dot product.
//
// Why the debiased estimator matters: with few stimuli the biased CKA of independent data is
// large (n = 50, p = q = 200 Gaussian: ≈ 0.80, tested), the debiased one is ≈ 0 (its
// expectation under independence is 0). The debiased CKA may be negative, and needs n ≥ 4.
//
// Wide layers: the Gram is accumulated from feature blocks (GramAccumulator), so a layer of
// 10⁵ features is never copied whole; each block is centred over stimuli and added as B Bᵀ.
// Cost: n² p flops per Gram (lower triangle only), n² per pair, memory n² per representation.
// Determinism: the Gram is summed over fixed 128 × 128 tiles (one Eigen product per tile,
// tiles in parallel with TBB), so the bits do not depend on the number of threads; they do
// depend on how the caller splits the features into blocks (different sums).

#include <vector>

#include <Eigen/Core>

namespace neuropop::kernels {

enum class CkaEstimator {
    Biased,   // HSIC₀, Kornblith et al.'s linear CKA
    Debiased, // HSIC₁ of Song et al. 2012
};

// Σ over added blocks of B_c B_cᵀ, B_c a block of features centred over the stimuli.
class GramAccumulator {
public:
    explicit GramAccumulator(Eigen::Index stimuli);
    // `block`: stimuli × b, b ≥ 0 features (columns) of the representation.
    void add(const Eigen::Ref<const Eigen::MatrixXd>& block);
    Eigen::Index stimuli() const { return gram_.rows(); }
    Eigen::Index features() const { return features_; }
    // The centred Gram X_c X_cᵀ (stimuli × stimuli, symmetric).
    Eigen::MatrixXd gram() const;

private:
    Eigen::MatrixXd gram_; // lower triangle accumulated
    Eigen::Index features_ = 0;
};

// X_c X_cᵀ of a whole n × p matrix, through GramAccumulator in blocks of `block` features.
Eigen::MatrixXd centred_gram(const Eigen::Ref<const Eigen::MatrixXd>& x, Eigen::Index block = 512);

// HSIC₀ or HSIC₁ of two n × n Gram matrices (centred or not: both estimators are invariant to
// centring the features). Throws std::invalid_argument on shape mismatch, n < 2 (biased) or
// n < 4 (debiased).
double hsic(const Eigen::Ref<const Eigen::MatrixXd>& k, const Eigen::Ref<const Eigen::MatrixXd>& l,
            CkaEstimator how);

// CKA of two n × n Gram matrices; NaN when either representation is constant over stimuli.
double cka(const Eigen::Ref<const Eigen::MatrixXd>& k, const Eigen::Ref<const Eigen::MatrixXd>& l,
           CkaEstimator how);

// CKA of two data matrices (n × p and n × q), via their Gram matrices.
double linear_cka(const Eigen::Ref<const Eigen::MatrixXd>& x,
                  const Eigen::Ref<const Eigen::MatrixXd>& y, CkaEstimator how);

// All pairs: out(a, b) = cka(grams_a[a], grams_b[b]) (|A| × |B|), each Gram centred and
// normalised once. Every Gram must be n × n with the same n.
Eigen::MatrixXd cka_matrix(const std::vector<Eigen::MatrixXd>& grams_a,
                           const std::vector<Eigen::MatrixXd>& grams_b, CkaEstimator how);

} // namespace neuropop::kernels
