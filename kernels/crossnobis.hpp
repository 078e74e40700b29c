#pragma once
// Cross-validated Mahalanobis ("crossnobis") RDM, Walther et al. 2016 (ANALYSES.md §4).
//
// For each fold f: A = condition means over the trials outside f, B = condition means over the
// trials in f, d_ij(f) = (a_i − a_j)ᵀ Λ (b_i − b_j) / N; the RDM is the mean over ALL folds
// (rsatoolbox's poisson_cv keeps only the last fold; we do not). Dividing by N follows
// rsatoolbox. Noise from the two halves is independent, so E[d] is the true distance and a
// distance can be negative (for identical conditions E[d] = 0).
//
// Λ is the inverse of Σ̂ = (1 − δ) S + δ μ I, the Ledoit–Wolf shrinkage (exactly as
// kernels/ledoit_wolf.hpp, i.e. scikit-learn's ledoit_wolf) of the residuals E = trial minus
// its condition mean over all trials (P × N), rescaled by P / (P − K) so that its scale uses the
// residuals' P − K degrees of freedom (δ is scale-free, so it is scikit-learn's δ; without this
// every distance would be inflated by P / (P − K)). Λ is estimated once from all trials: its
// dependence on the fold means is second order (O(1/P)), and it keeps Λ identical across folds.
//
// Computation. Only M = A Λ Bᵀ (K × K) is needed, since d_ij = M_ii + M_jj − M_ij − M_ji.
// - N ≤ P: S = EᵀE / P (N × N), Σ̂ factorised by Cholesky, M = A Σ̂⁻¹ Bᵀ by solves.
// - N > P: everything through the Gram matrix G = E Eᵀ (P × P): μ = tr G / (P N),
//   ‖S‖²_F = ‖G‖²_F / P², Σ_t ‖e_t‖⁴ = Σ_t G_tt², and by Woodbury, with α = δμ,
//   c = (1 − δ) / P:  Λ = I/α − (c/α²) Eᵀ (I_P + (c/α) G)⁻¹ E, so
//   M = A Bᵀ/α − (c/α²) (A Eᵀ)(I + (c/α) G)⁻¹ (E Bᵀ). No N × N matrix is ever formed.
//   Memory: E (P N doubles) + G (P²) + K × P products — for P = 1 800 trials and N = 7 000
//   units about 100 MB + 26 MB; time is dominated by forming G (P² N ≈ 2.3·10¹⁰ flops).
//   Measured for that case (60 conditions, 5 folds, one core): 12 s and 356 MB peak resident
//   memory, the 100 MB input included (the residuals exist twice while Λ is set up).
//   δ = 0 with N > P leaves Σ̂ singular: std::invalid_argument.

#include <span>

#include <Eigen/Core>

namespace neuropop::kernels {

enum class CrossnobisNoise {
    ledoit_wolf, // Λ = shrunk noise precision as above (crossnobis)
    identity,    // Λ = I: cross-validated squared Euclidean distance per unit
};

struct CrossnobisResult {
    Eigen::MatrixXd rdm;    // K × K, mean over folds, zero diagonal
    double shrinkage = 0.0; // Ledoit–Wolf δ (0 for identity noise)
};

// `trials`: P × N; `labels` in [0, K) per trial (K = max label + 1); `folds` in [0, F) per
// trial (F = max fold + 1 ≥ 2). Every condition needs at least one trial in every fold (so that
// both A and B exist); throws std::invalid_argument otherwise, or on mismatched sizes.
CrossnobisResult crossnobis_rdm(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds,
                                CrossnobisNoise noise = CrossnobisNoise::ledoit_wolf);

} // namespace neuropop::kernels
