#pragma once
// Communication subspace between two populations by reduced-rank regression (Semedo,
// Zandvakili, Machens, Yu & Kohn 2019, Neuron 102:249), with the conventions of the authors'
// MATLAB pack `communication-subspace` (ReducedRankRegress, RidgeRegress, GetRidgeLambda,
// CrossVal, ModelSelect). docs/analyses/interactions.md states the method.
//
// Data: X (n × p) source and Y (n × K) target, rows = datapoints (trials, or trials × bins) of
// residual counts — the per-condition mean subtracted (subtract_condition_means).
//
// Fit (fit_reduced_rank): source columns with sd (ddof 1) < √ε are dropped (their rows of every
// map are 0); Z = X − mean(X); B_ols = least squares of Y on Z (minimum norm when Z is rank
// deficient); Ŷ = Z B_ols; V = eigenvectors of ŶᵀŶ, eigenvalues descending. The rank-m map is
// B_m = B_ols V_m V_mᵀ with intercept mean(Y) − mean(X) B_m, so m = 0 predicts the training
// mean and m = min(p, K) is OLS. One least-squares solve and one K × K eigendecomposition give
// every rank. Predictive dimensions (source space): the columns of B_ols V, in that order.
//
// Cross-validation: K-fold over datapoints, folds given by the caller (rrr_folds draws
// scikit-learn-style shuffled, non-stratified k-fold — the MATLAB pack's cvpartition KFold is
// also shuffled and non-stratified, with a different generator). Loss per fold = normalised
// squared error RSS / TSS pooled over target units, TSS about the test fold's own mean;
// performance = 1 − loss. SEM = sd over folds (ddof 1) / √folds. The optimal dimensionality is
// the smallest m whose mean loss ≤ min loss + SEM at the minimum (ModelSelect's 1-SEM rule).
//
// Full model: ridge on the z-scored source (training-fold mean and sd, ddof 1, as the pack's
// zscore), λ = d_max (1 − s) / s for s = 0.50, 0.51, …, 1.00 with d_max the largest eigenvalue
// of ZᵀZ of the z-scored full source (GetRidgeLambda); λ chosen by the same 1-SEM rule, scanning
// from the simplest model (largest λ).
//
// Randomness only from kernels/rng.hpp; threaded parts write per-task slots, so results are
// bitwise identical for any thread count.

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

// Residual counts: each row minus the mean of the rows sharing its condition label (labels
// ≥ 0). Throws std::invalid_argument for a size mismatch or a negative label.
Eigen::MatrixXd subtract_condition_means(const Eigen::Ref<const Eigen::MatrixXd>& data,
                                         std::span<const int> conditions);

// Indices of the columns whose sd (ddof 1) is at least √ε (at least 2 rows).
std::vector<int> informative_columns(const Eigen::Ref<const Eigen::MatrixXd>& data);

struct ReducedRankFit {
    Eigen::MatrixXd b_ols;          // p × K, rows of dropped source columns 0
    Eigen::MatrixXd v;              // K × K, eigenvectors of ŶᵀŶ by descending eigenvalue
    Eigen::VectorXd eigenvalues;    // K, descending (squared singular values of Ŷ)
    Eigen::RowVectorXd source_mean; // p
    Eigen::RowVectorXd target_mean; // K
    int max_rank = 0;               // min(#kept source columns, K, n − 1)

    Eigen::MatrixXd map(int rank) const;          // B_m (p × K), 0 ≤ rank ≤ max_rank
    Eigen::RowVectorXd intercept(int rank) const; // mean(Y) − mean(X) B_m
    Eigen::MatrixXd predict(const Eigen::Ref<const Eigen::MatrixXd>& source, int rank) const;
    // B_ols V (p × K): column j is the j-th predictive dimension, not normalised. Columns past
    // max_rank carry no signal (their eigenvalues are rounding-level).
    Eigen::MatrixXd predictive_dimensions() const { return b_ols * v; }
};

// Sign convention of V (for reproducible predictive dimensions; maps do not depend on it): each
// eigenvector's entry of largest magnitude is positive. Cost O(n p (p + K) + K³).
// Throws std::invalid_argument for fewer than 2 rows, differing row counts or no columns.
ReducedRankFit fit_reduced_rank(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                const Eigen::Ref<const Eigen::MatrixXd>& target);

struct CvCurve {
    Eigen::MatrixXd fold_performance; // folds × models (per-fold 1 − NSE)
    Eigen::VectorXd mean_performance; // models
    Eigen::VectorXd sem;              // models: sd over folds (ddof 1) / √folds
    int selected = 0;                 // model chosen by the 1-SEM rule
    double selected_performance = 0;  // mean_performance(selected)
    double peak_performance = 0;      // max of mean_performance
};

// Index of the first model (in the given order, simplest first) whose mean loss is within one
// SEM of the minimum mean loss; loss = 1 − performance.
int one_sem_choice(const Eigen::VectorXd& mean_performance, const Eigen::VectorXd& sem);

// Shuffled non-stratified k-fold over n datapoints (kernels/folds.hpp shuffled_folds).
std::vector<int> rrr_folds(std::size_t n, int k, CounterRng& rng);

// A curve from its per-fold performances (folds × models, at least 2 folds): mean, SEM, the
// 1-SEM choice and the peak. Every CV function below ends here, so a curve assembled from fold
// blocks computed apart is the one the one-call function returns, bit for bit.
CvCurve cv_curve(Eigen::MatrixXd fold_performance);

// Columns − 1 of every RRR fold row: min(p, K, smallest training fold − 1), clipped to max_rank
// when max_rank ≥ 0. Computed over all folds, so every fold block agrees.
int rrr_curve_rank(const Eigen::Ref<const Eigen::MatrixXd>& source, Eigen::Index targets,
                   std::span<const int> folds, int max_rank);

// The rows [first, last) of cross_validate_rrr's fold_performance: (last − first) × (ranks + 1),
// ranks = rrr_curve_rank. Work items of one pair split the folds into blocks with this
// (interactions.folds_per_item); cv_curve of the stacked blocks is cross_validate_rrr.
Eigen::MatrixXd rrr_fold_performance(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                     const Eigen::Ref<const Eigen::MatrixXd>& target,
                                     std::span<const int> folds, int max_rank, int first, int last);

// CV curve over ranks 0 … max_rank (models = ranks; selected = optimal dimensionality).
// max_rank < 0 means min(p, K); it is clipped to the rank every training fold allows. Folds:
// fold id in [0, k) per row, every fold non-empty. Each fold costs one fit plus
// O(n_test K²). Folds run in parallel (TBB).
CvCurve cross_validate_rrr(const Eigen::Ref<const Eigen::MatrixXd>& source,
                           const Eigen::Ref<const Eigen::MatrixXd>& target,
                           std::span<const int> folds, int max_rank = -1);

// s = 0.50, 0.51, …, 1.00 (51 values, s = k / 100 computed exactly).
std::vector<double> default_ridge_shrinkage();

// λ = d_max (1 − s) / s for each s, d_max the largest eigenvalue of ZᵀZ, Z the z-scored
// (ddof 1) informative columns of `source`. Descending λ for ascending s.
std::vector<double> ridge_lambdas(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                  std::span<const double> shrinkage);

// Ridge CV curve over `lambdas` in the given order (pass them largest first so that the 1-SEM
// rule starts from the simplest model); selected = index of the chosen λ. Per fold one p × p
// eigendecomposition serves every λ (λ = 0 is the minimum-norm OLS).
CvCurve cross_validate_ridge(const Eigen::Ref<const Eigen::MatrixXd>& source,
                             const Eigen::Ref<const Eigen::MatrixXd>& target,
                             std::span<const int> folds, std::span<const double> lambdas);

// The rows [first, last) of cross_validate_ridge's fold_performance: (last − first) × λs.
Eigen::MatrixXd ridge_fold_performance(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                       const Eigen::Ref<const Eigen::MatrixXd>& target,
                                       std::span<const int> folds, std::span<const double> lambdas,
                                       int first, int last);

// Alignment of the top-r predictive dimensions with the top-k principal components of the
// source (covariance eigenvectors of the informative columns, full source space).
//   cosines: cosines of the principal angles between span(B_ols V_1..r) and span(PC_1..k),
//     descending (min(r, k) values; 1 = shared direction).
//   captured: ‖QᵀU‖²_F / r with Q an orthonormal basis of the predictive subspace and U the PCs
//     — the fraction of the predictive subspace lying in the top-k PC subspace (mean squared
//     cosine; 1 if contained, k / p on average for a random subspace).
//   variance_ratio: source variance along the predictive subspace over the variance along the
//     top-r PCs, tr(QᵀCQ) / Σ_{i≤r} λ_i ∈ [0, 1] (Semedo et al. Fig. 6: predictive dimensions
//     are not the dominant ones when this is well below 1).
struct SubspaceAlignment {
    Eigen::VectorXd cosines;
    double captured = 0;
    double variance_ratio = 0;
};
SubspaceAlignment predictive_alignment(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                       const ReducedRankFit& fit, int r, int k);

// Within-area control: units 0 … n_units − 1 split at random into a predictor group of
// n_predictor units (chosen to match the size of the other area's source population) and a
// target group of the rest; both ascending. One partial Fisher–Yates shuffle from `rng`.
struct UnitSplit {
    std::vector<int> predictor, target;
};
UnitSplit split_units(int n_units, int n_predictor, CounterRng& rng);

// Permutation null of the peak CV performance (max over ranks of mean performance): permutation
// b shuffles the target rows among the datapoints of each condition (conditions ascending, a
// Fisher–Yates shuffle per condition) with CounterRng(seed, item, first_stream + b), breaking
// the source–target pairing while keeping each condition's target distribution; the folds stay
// the same. Permutations run in parallel (TBB). Returns one peak per permutation.
Eigen::VectorXd rrr_permutation_null(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                     const Eigen::Ref<const Eigen::MatrixXd>& target,
                                     std::span<const int> conditions, std::span<const int> folds,
                                     int permutations, std::uint64_t seed, std::uint64_t item,
                                     std::uint64_t first_stream, int max_rank = -1);

// The null's fold rows [first, last): permutation b's target shuffled as in
// rrr_permutation_null (stream first_stream + b, whatever the range), then its
// rrr_fold_performance rows. Returns (permutations · (last − first)) × (ranks + 1), row
// b · (last − first) + (f − first) for fold f (row-major, a [permutation, fold, rank] array).
Eigen::MatrixXd rrr_null_fold_performance(const Eigen::Ref<const Eigen::MatrixXd>& source,
                                          const Eigen::Ref<const Eigen::MatrixXd>& target,
                                          std::span<const int> conditions,
                                          std::span<const int> folds, int permutations,
                                          std::uint64_t seed, std::uint64_t item,
                                          std::uint64_t first_stream, int max_rank, int first,
                                          int last);

// The peaks of rrr_permutation_null from the blocks of rrr_null_fold_performance given in fold
// order (together every fold once): per permutation the blocks' rows are stacked into its full
// fold matrix and summarised by cv_curve. Throws std::invalid_argument for a block whose rows
// are not a multiple of `permutations` or whose columns differ.
Eigen::VectorXd rrr_null_peaks(std::span<const Eigen::MatrixXd> blocks, int permutations);

// The permutation p-value with the +1 correction: (1 + #{null ≥ observed}) / (1 + #null).
double permutation_p_value(double observed, const Eigen::VectorXd& null);

} // namespace neuropop::kernels
