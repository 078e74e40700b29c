#pragma once
// Factor analysis with k factors and diagonal noise (docs/ANALYSES.md §2): x = μ + L z + ε,
// z ~ N(0, I_k), ε ~ N(0, Ψ). Maximum likelihood by the iteration of
// sklearn.decomposition.FactorAnalysis(svd_method='lapack') (Barber, BRML, Algorithm 21.1),
// which is the reference:
//
//   S = Xcᵀ Xc / n (biased, like sklearn), Ψ = 1 initially; repeat
//     d = 1 / (√Ψ + 1e-12);  eigen-decompose D S D = V diag(s) Vᵀ (descending)
//     L = diag(√Ψ + 1e-12) V_k diag(√max(s_k − 1, 0))
//     ℓ = −n/2 (p log 2π + k + Σ_{i≤k} log s_i + Σ_{i>k} s_i + Σ log Ψ)
//     stop when ℓ − ℓ_previous < tol, else Ψ = max(diag(S) − diag(LLᵀ), 1e-12).
//
// sklearn takes the SVD of X / (√Ψ √n) every iteration; its squared singular values are the
// eigenvalues of D S D, so here S is formed once (Moments, O(n p²)) and each iteration costs one
// p × p eigen-decomposition instead of an n × p SVD. L is defined up to a rotation: compare LLᵀ.
//
// Zero-variance units (all samples equal): sklearn's floor keeps Ψ = 1e-12 there; so do we. Such
// a unit has no shared variance: its loading row is set to exactly 0 and its shared fraction to
// 0 (instead of a rounding-level ratio of two numbers near 1e-12).

#include <cstddef>

#include <Eigen/Core>

namespace neuropop::kernels {

struct FactorAnalysisOptions {
    std::size_t factors = 0; // required: 1 … units (0 is rejected)
    std::size_t max_iter = 1000;
    double tol = 1e-2; // like sklearn: on the change of the total log-likelihood ℓ
};

struct FactorAnalysisResult {
    Eigen::MatrixXd loadings;        // units × k
    Eigen::VectorXd noise_variance;  // Ψ
    Eigen::VectorXd shared_fraction; // diag(LLᵀ) / (diag(LLᵀ) + Ψ)
    Eigen::VectorXd mean;
    double log_likelihood;  // ℓ of the last iteration (sklearn's loglike_[-1])
    std::size_t iterations; // sklearn's n_iter_
    bool converged;         // false when max_iter ran out (sklearn warns)
};

// samples: rows = samples, cols = units. Throws std::invalid_argument unless there are at least
// 2 samples, 1 <= factors <= units and max_iter >= 1.
FactorAnalysisResult factor_analysis(const Eigen::Ref<const Eigen::MatrixXd>& samples,
                                     const FactorAnalysisOptions& opt);

} // namespace neuropop::kernels
