#pragma once
// Cross-validated Mahalanobis ("crossnobis") RDM, Walther et al. 2016 (docs/ANALYSES.md §4).
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
// Computation. Only M = A Λ Bᵀ (K × K) is needed per fold, since
// d_ij = M_ii + M_jj − M_ij − M_ji. The data are first centred on each condition's mean over all
// trials (y = x − m_c): every fold's training residuals are unchanged by that, and the per-fold
// corrections below become small, so nothing large cancels (raw XᵀX − Σ n_c a_c a_cᵀ would lose
// ε·(|x̄|/σ)² relative). Gram products are formed ONCE for all folds, not once per fold:
// - N ≤ P_train: per-fold Gram matrices H_g = Σ_{t in g} y_t y_tᵀ (N × N, symmetric kernel of
//   kernels/centred_gram.hpp; one pass over the data, P N² flops in all; the kernel centres
//   each trial while it packs it, so y is never stored on this route). Fold f's training
//   scatter is Σ_{g≠f} H_g − Σ_c n_c a'_c a'_cᵀ (a' = training condition means of y); the
//   Ledoit–Wolf statistics come from it and from Σ_t ‖y_t − a'_c‖⁴ (O(P N) per fold), so the
//   residual matrix is never formed. Σ̂ is factorised by Cholesky and M = A Σ̂⁻¹ Bᵀ by two
//   triangular solves with K columns (no inverse).
// - N > P_train: everything through G = E Eᵀ (P_train × P_train), itself taken from the one
//   trial Gram matrix Q = Y Yᵀ (all trials): G = Q_RR − U Cᵀ − C Uᵀ + C a'a'ᵀ Cᵀ, U = Y_R a'ᵀ
//   (R the training trials, C their condition indicators). With P = P_train from here on:
//   μ = tr G / (P N), ‖S‖²_F = ‖G‖²_F / P²,
//   Σ_t ‖e_t‖⁴ = Σ_t G_tt², and by Woodbury, with α = δμ, c = (1 − δ) / P:
//   Λ = I/α − (c/α²) Eᵀ (I_P + (c/α) G)⁻¹ E, so
//   M = A Bᵀ/α − (c/α²) (A Eᵀ)(I + (c/α) G)⁻¹ (E Bᵀ), A Eᵀ and E Bᵀ again from products with Y.
//   No N × N matrix and no residual matrix is ever formed. δ = 0 with N > P leaves Σ̂ singular:
//   std::invalid_argument.
// scikit-learn centres the residuals before its estimate; their column means are zero in exact
// arithmetic, so skipping that changes rounding only.
//
// Threads (oneTBB, inside the caller's arena): the Gram matrices fold by fold and the folds'
// factorisations run in parallel; every number is computed by one task with a fixed order, and
// folds are combined in fold order, so the bits do not depend on the thread count.
// Cost and memory, measured (2-core Zen 4 VM shared with other jobs, Release, -march=native),
// 64 conditions × 2 000 units × 6 400 trials, 5 folds: 0.85–1.07 s of CPU on 1 thread (main
// before 2026-12-07: 1.67–1.73 s in the same minutes; the saving is page faults, see
// kernels/large_buffer.hpp, and the centred copy no longer made); the work is the Gram matrices
// (P N² flops) and five N³/3 Cholesky factorisations, about equal shares, then the per-fold
// assembly and fourth moments (numpy/OpenBLAS on 2 threads, benchmarks/peers/geometry.py:
// 6.15 s idle). Memory on top of the input: F per-fold Gram matrices (N² each, 160 MB) and per
// thread one N² buffer for the fold being factorised (its scatter, then its Cholesky factor
// in place); measured peak beyond the 98 MB input (benchmarks/bench_geometry.cpp,
// extra_rss_mb): 213 MB on 1 thread, 255 MB on 2 (before: 302–329 MB and 446–531 MB, with the
// P N centred copy).
// 1 800 trials × 7 000 units, 36 conditions, 5 folds (N > P_train): 1.8 s of CPU on 1 thread
// (before: 6.2 s), peak RSS 290 MB including the 100 MB input: the centred copy, Q (26 MB), per
// fold G (17 MB) and K × P products.
// A fold whose training trials do not outnumber the conditions also throws.

#include <span>

#include <Eigen/Core>

namespace neuropop::kernels {

enum class CrossnobisNoise {
    LedoitWolf, // Λ = shrunk noise precision as above (crossnobis)
    Identity,   // Λ = I: cross-validated squared Euclidean distance per unit
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
                                CrossnobisNoise noise = CrossnobisNoise::LedoitWolf);

} // namespace neuropop::kernels
