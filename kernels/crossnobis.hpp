#pragma once
// Cross-validated Mahalanobis ("crossnobis") RDM, Walther et al. 2016 (ANALYSES.md §4).
//
// For each fold f: A = condition means over the trials outside f, B = condition means over the
// trials in f, d_ij(f) = (a_i − a_j)ᵀ Λ (b_i − b_j) / N; the RDM is the mean over ALL folds
// (rsatoolbox's poisson_cv keeps only the last fold; we do not). Dividing by N follows
// rsatoolbox. Noise from the two halves is independent, so E[d] is the true distance and a
// distance can be negative (for identical conditions E[d] = 0).
//
// Λ (one per fold) is the inverse of Σ̂ = (1 − δ) S + δ μ I, the Ledoit–Wolf shrinkage
// (exactly as kernels/ledoit_wolf.hpp, i.e. scikit-learn's ledoit_wolf) of the fold's TRAINING
// residuals E = training trial minus its condition mean over the training trials (= its row of
// A; P_train × N), rescaled by P_train / (P_train − K) so that its scale uses the residuals'
// P_train − K degrees of freedom (δ is scale-free, so it is scikit-learn's δ; without this every
// distance would be inflated by P_train / (P_train − K)).
//
// Why per fold: an earlier version estimated Λ once from the residuals of ALL trials, the
// held-out fold included. Λ then depends on the noise of B, which couples the two halves and
// biases the distances upwards (roughly in proportion to N / (n_c P), n_c trials per
// condition): on data with no condition differences, 8 conditions × 20 trials, 5 folds,
// correlated noise, the mean distance over 300 draws was 0.0141 ± 0.0006 with 40 units and
// 0.0241 ± 0.0003 with 150; per fold it is 0.0008 ± 0.0006 and 0.0003 ± 0.0003 (the unit test
// "identical conditions is zero on average"). With Λ from the training trials only, B is
// independent of both A and Λ, so E[d_ij] = E[(a_i − a_j)ᵀ Λ] (μ_i − μ_j) = 0 for identical
// conditions (tests/unit/test_crossnobis.cpp checks this). Cost: one noise estimate (and
// factorisation) per fold instead of one in total. CrossnobisResult::shrinkage is the mean of
// the folds' δ.
//
// Computation, per fold (P below is P_train). Only M = A Λ Bᵀ (K × K) is needed, since
// d_ij = M_ii + M_jj − M_ij − M_ji.
// - N ≤ P: S = EᵀE / P (N × N), Σ̂ factorised by Cholesky, M = A Σ̂⁻¹ Bᵀ by solves.
// - N > P: everything through the Gram matrix G = E Eᵀ (P × P): μ = tr G / (P N),
//   ‖S‖²_F = ‖G‖²_F / P², Σ_t ‖e_t‖⁴ = Σ_t G_tt², and by Woodbury, with α = δμ,
//   c = (1 − δ) / P:  Λ = I/α − (c/α²) Eᵀ (I_P + (c/α) G)⁻¹ E, so
//   M = A Bᵀ/α − (c/α²) (A Eᵀ)(I + (c/α) G)⁻¹ (E Bᵀ). No N × N matrix is ever formed.
//   Memory (one fold at a time): E (P_train N doubles) + G (P_train²) + K × P products — for
//   1 800 trials, 5 folds (P_train = 1 440) and N = 7 000 units about 81 MB + 17 MB on top of
//   the 100 MB input; time is dominated by forming G, F · P_train² N flops (≈ 7.3·10¹⁰ there,
//   3.2 × the single all-trial Gram matrix of the earlier version, which took 12 s on one
//   core: expect roughly 35–40 s).
//   δ = 0 with N > P leaves Σ̂ singular: std::invalid_argument.
// A fold whose training trials do not outnumber the conditions also throws.

#include <span>

#include <Eigen/Core>

namespace neuropop::kernels {

enum class CrossnobisNoise {
    ledoit_wolf, // Λ = shrunk noise precision as above (crossnobis)
    identity,    // Λ = I: cross-validated squared Euclidean distance per unit
};

struct CrossnobisResult {
    Eigen::MatrixXd rdm;    // K × K, mean over folds, zero diagonal
    double shrinkage = 0.0; // mean Ledoit–Wolf δ over the folds (0 for identity noise)
};

// `trials`: P × N; `labels` in [0, K) per trial (K = max label + 1); `folds` in [0, F) per
// trial (F = max fold + 1 ≥ 2). Every condition needs at least one trial in every fold (so that
// both A and B exist); throws std::invalid_argument otherwise, or on mismatched sizes.
CrossnobisResult crossnobis_rdm(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds,
                                CrossnobisNoise noise = CrossnobisNoise::ledoit_wolf);

} // namespace neuropop::kernels
