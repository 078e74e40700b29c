#pragma once
// Cross-validated decoding per time bin (docs/ANALYSES.md §3): stratified k-fold with repeats,
// units z-scored on the training fold, a multinomial logistic or shrinkage-LDA decoder, accuracy
// and balanced accuracy per bin, temporal generalisation (King & Dehaene 2014), a permutation null
// (NullScheme: why the default permutes all labels rather than only the training labels), and
// ridge regression for numeric targets.
//
// Input layout: one matrix per time bin, trials × units (bin_matrices() converts a binned
// CountTensor [trials, units, bins]). Each decoder fit reads one bin's training rows, so a
// per-bin matrix keeps them contiguous per unit, as Eigen's products want.
//
// Randomness (kernels/rng.hpp), keyed by the work item's (seed, item):
// - folds: stream `fold_stream`, repeats drawn one after another;
// - permutation b: its own stream `permutation_stream + b` (see NullScheme for what it draws),
//   so a permutation's null does not depend on how the permutations are split into blocks,
//   ranks or threads.
// Work runs in parallel with TBB over (permutation, repeat, fold, bin) fits; each fit writes its
// own slots and integer counts are summed afterwards, so results are bitwise independent of the
// thread count.

#include <cstdint>
#include <span>
#include <vector>

#include <Eigen/Core>

#include "kernels/binning.hpp"
#include "kernels/linear_classifier.hpp"
#include "kernels/standardize.hpp"

namespace neuropop::kernels {

// The decoders of docs/ANALYSES.md §3 (the job key decode.decoder). Logistic and Lda classify
// (fit_decoder, decode_bins, decode_null); Ridge regresses a numeric target (regress_bins), so the
// classifying functions refuse it.
enum class DecoderKind { Logistic, Lda, Ridge };

struct DecoderOptions {
    DecoderKind kind = DecoderKind::Logistic;
    double C = 1.0;             // logistic: inverse L2 strength (scikit-learn's C)
    double tolerance = 1e-8;    // logistic: relative gradient norm at which L-BFGS stops
    int max_iterations = 10000; // logistic: L-BFGS iteration cap
};

// How decode_null builds a permutation's labels.
enum class NullScheme {
    // Permutation b permutes all trial labels and redraws the stratified folds for them (both
    // from its own stream), then cross-validates as for the real labels — scikit-learn's
    // permutation_test_score. Under H0 the real statistic is exchangeable with the B null
    // ones, so P(p ≤ α) ≤ α (test_decode.cpp checks the rate over 200 null datasets).
    PermuteAll,
    // Labels shuffled within each training fold; folds and test labels are the real ones (the
    // wording of docs/ANALYSES.md §3 and the IBL Brain Wide Map). Measured here: NOT calibrated —
    // cross-validated accuracy with the real labels is over-dispersed under H0 (sd 0.034 vs
    // 0.025 for 400 trials, as scikit-learn's cross_val_predict also shows), while this null
    // keeps the binomial width, so P(p ≤ 0.05) = 0.079 (2000 null datasets of 400 trials, LDA,
    // B = 39; PermuteAll gave 0.044 on the same datasets).
    WithinTraining,
};

struct CrossValidation {
    int folds = 5;
    int repeats = 1;
    std::uint64_t seed = 0;               // the job's seed
    std::uint64_t item = 0;               // the work item's id
    std::uint64_t fold_stream = 0;        // stream of the fold draws
    std::uint64_t permutation_stream = 1; // permutation b uses stream permutation_stream + b
    NullScheme null_scheme = NullScheme::PermuteAll;
};

// Per-bin matrices [bin] of trials × units (as double) from counts [trials, units, bins].
std::vector<Eigen::MatrixXd> bin_matrices(const CountTensor& counts);

// Stratified fold ids [repeat][trial] (kernels/folds.hpp), as decode_bins draws them.
std::vector<std::vector<int>> draw_folds(std::span<const int> labels, const CrossValidation& cv);

// One fold's pipeline: a z-scorer fitted on the training rows, then the decoder.
struct FittedDecoder {
    Standardizer scaler;
    LinearClassifier model;
    bool converged = true; // logistic: the solver met its tolerance
};
FittedDecoder fit_decoder(const Eigen::MatrixXd& bin, std::span<const int> train_rows,
                          std::span<const int> train_labels, int n_classes,
                          const DecoderOptions& options);
// Predicted class of each of `rows` of `bin`, into `out`.
void predict_rows(const FittedDecoder& decoder, const Eigen::MatrixXd& bin,
                  std::span<const int> rows, std::span<int> out);

struct DecodeResult {
    std::size_t bins = 0, classes = 0, folds = 0, repeats = 0;
    // Pooled over folds and repeats: correct predictions / (repeats · trials).
    std::vector<double> accuracy; // [bin]
    // Mean over classes of the recall (sklearn's balanced_accuracy_score on the pooled
    // out-of-fold predictions).
    std::vector<double> balanced_accuracy; // [bin]
    std::vector<double> fold_accuracy;     // [bin][repeat · folds + fold]
    std::vector<std::int64_t> confusion;   // [bin][true class][predicted class]
    // [train bin][test bin]: the pipeline fitted on a bin's training trials, scored on the same
    // held-out trials at every bin; pooled like `accuracy` (its diagonal equals `accuracy`).
    // Empty unless asked for.
    std::vector<double> generalization;
    std::size_t unconverged_fits = 0;       // logistic fits that hit max_iterations
    std::vector<std::vector<int>> fold_ids; // [repeat][trial]
};

// `bins`: per-bin matrices, all trials × units with the same shape, finite. `labels` in
// [0, n_classes), n_classes ≥ 2, every class with at least `folds` trials. Throws
// std::invalid_argument naming the problem otherwise (a class by its index).
DecodeResult decode_bins(std::span<const Eigen::MatrixXd> bins, std::span<const int> labels,
                         int n_classes, const DecoderOptions& decoder, const CrossValidation& cv,
                         bool generalization = false);

// Null accuracy per bin (pooled like DecodeResult::accuracy) for permutations b in
// [first, last): [(b − first) · bins + bin], built as cv.null_scheme says. A permutation draws
// only from stream permutation_stream + b, so a block's rows equal the same rows of any other
// split into blocks.
std::vector<double> decode_null(std::span<const Eigen::MatrixXd> bins, std::span<const int> labels,
                                int n_classes, const DecoderOptions& decoder,
                                const CrossValidation& cv, std::size_t first, std::size_t last);

struct RegressionResult {
    std::size_t bins = 0, folds = 0, repeats = 0;
    // R² of the out-of-fold predictions of all trials, averaged over repeats.
    std::vector<double> r2;      // [bin]
    std::vector<double> fold_r2; // [bin][repeat · folds + fold], R² within each test fold
};

// Ridge regression (kernels/ridge.hpp) of a numeric target per bin, units z-scored on the
// training fold, shuffled (unstratified) k-fold drawn from `fold_stream`.
RegressionResult regress_bins(std::span<const Eigen::MatrixXd> bins,
                              std::span<const double> targets, double alpha,
                              const CrossValidation& cv);

// The ridge permutation null: R² per bin [(b − first) · bins + bin] of permutations b in
// [first, last), permutation b the targets shuffled from stream permutation_stream + b and
// cross-validated on the real folds — the numbers regress_bins gives for each shuffled target
// vector, bit for bit. The permutations share their training rows (the folds do not depend on
// the targets), so each (fold, bin) builds its z-scorer, centred samples and Cholesky factor of
// XcᵀXc + αI once (kernels/ridge.hpp, RidgeSolver) and solves every permutation of a batch against
// it: per permutation a fit costs two products with the samples instead of a Gram matrix and a
// factorisation. `batch` bounds the permutations solved together (0: all of [first, last)); each
// one in a batch holds (1 + repeats · bins) · trials doubles (its shuffled targets and out-of-fold
// predictions). Results do not depend on `batch` or the thread count.
std::vector<double> regress_null(std::span<const Eigen::MatrixXd> bins,
                                 std::span<const double> targets, double alpha,
                                 const CrossValidation& cv, std::size_t first, std::size_t last,
                                 std::size_t batch = 0);

} // namespace neuropop::kernels
