#include "kernels/decode.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "kernels/folds.hpp"
#include "kernels/lda.hpp"
#include "kernels/logistic.hpp"
#include "kernels/parallel.hpp"
#include "kernels/ridge.hpp"
#include "kernels/rng.hpp"
#include "kernels/small_product.hpp"

namespace neuropop::kernels {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;

void check_bins(std::span<const MatrixXd> bins, std::size_t trials) {
    if (bins.empty()) throw std::invalid_argument("decoding needs at least one time bin");
    const Index units = bins[0].cols();
    if (units < 1) throw std::invalid_argument("decoding needs at least one unit");
    for (std::size_t b = 0; b < bins.size(); ++b) {
        if (bins[b].rows() != static_cast<Index>(trials) || bins[b].cols() != units)
            throw std::invalid_argument(
                "bin " + std::to_string(b) + " is " + std::to_string(bins[b].rows()) + " x " +
                std::to_string(bins[b].cols()) + ", expected " + std::to_string(trials) +
                " trials x " + std::to_string(units) + " units");
        if (!bins[b].allFinite())
            throw std::invalid_argument("bin " + std::to_string(b) + " holds a non-finite value");
    }
}

void check_cv(const CrossValidation& cv) {
    if (cv.folds < 2) throw std::invalid_argument("cross-validation needs folds >= 2");
    if (cv.repeats < 1) throw std::invalid_argument("cross-validation needs repeats >= 1");
}

void check_classifier(const DecoderOptions& decoder) {
    if (decoder.kind == DecoderKind::Ridge)
        throw std::invalid_argument("ridge decodes numeric targets (regress_bins), not classes");
}

void check_classes(std::span<const int> labels, int n_classes, int folds) {
    if (n_classes < 2) throw std::invalid_argument("decoding needs at least 2 classes");
    const auto counts = class_counts(labels, n_classes);
    for (std::size_t c = 0; c < counts.size(); ++c)
        if (counts[c] < folds)
            throw std::invalid_argument("class " + std::to_string(c) + " has " +
                                        std::to_string(counts[c]) + " trials, fewer than the " +
                                        std::to_string(folds) + " folds");
}

struct Split {
    std::vector<int> train, test;
};

// [repeat · folds + fold]
std::vector<Split> make_splits(const std::vector<std::vector<int>>& fold_ids, int folds) {
    std::vector<Split> splits;
    for (const auto& ids : fold_ids)
        for (int f = 0; f < folds; ++f)
            splits.push_back({fold_complement(ids, f), fold_members(ids, f)});
    return splits;
}

MatrixXd gather_rows(const MatrixXd& bin, std::span<const int> rows) {
    MatrixXd out(static_cast<Index>(rows.size()), bin.cols());
    for (Index j = 0; j < bin.cols(); ++j)
        for (std::size_t i = 0; i < rows.size(); ++i)
            out(static_cast<Index>(i), j) = bin(rows[i], j);
    return out;
}

std::vector<int> labels_of(std::span<const int> labels, std::span<const int> rows) {
    std::vector<int> out(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i)
        out[i] = labels[static_cast<std::size_t>(rows[i])];
    return out;
}

// The rows `rows` of every bin, stacked bin after bin: [bin · rows + i] × units.
MatrixXd stack_test_rows(std::span<const MatrixXd> bins, std::span<const int> rows) {
    const auto n = static_cast<Index>(rows.size());
    MatrixXd out(static_cast<Index>(bins.size()) * n, bins[0].cols());
    for (std::size_t b = 0; b < bins.size(); ++b)
        out.middleRows(static_cast<Index>(b) * n, n) = gather_rows(bins[b], rows);
    return out;
}

// Predicted class of every row of raw (unscaled) `rows`, with the z-scorer folded into the
// weights — ((x − μ)/σ) Wᵀ + c = x (W/σ)ᵀ + (c − (μ/σ) Wᵀ) — so the temporal generalisation
// scores all bins' held-out trials in one product instead of scaling a copy per bin. Ties go
// to the first class, as LinearClassifier::predict.
std::vector<int> predict_stacked(const FittedDecoder& decoder, const MatrixXd& rows) {
    const MatrixXd w = decoder.model.coef.array().rowwise() / decoder.scaler.scale.array();
    const Eigen::VectorXd c = decoder.model.intercept - w * decoder.scaler.mean.transpose();
    // The register-blocked K-column product streams the stacked rows once; Eigen's general
    // product would repack all of them (bins × test trials × units) for every fit.
    MatrixXd scores(rows.rows(), w.rows());
    if (const auto product = detail::small_product_for(w.rows())) {
        const MatrixXd wt = w.transpose(); // units × classes, the kernel's right-hand side
        product(rows.data(), rows.outerStride(), rows.rows(), rows.cols(), wt.data(),
                wt.outerStride(), scores.data(), scores.outerStride());
    } else {
        scores.noalias() = rows * w.transpose();
    }
    scores.rowwise() += c.transpose();
    std::vector<int> out(static_cast<std::size_t>(rows.rows()));
    for (Index i = 0; i < scores.rows(); ++i) {
        Index best = 0;
        for (Index j = 1; j < scores.cols(); ++j)
            if (scores(i, j) > scores(i, best)) best = j;
        out[static_cast<std::size_t>(i)] = static_cast<int>(best);
    }
    return out;
}

// The unstratified folds of regress_bins, [repeat · folds + fold]; they do not depend on the
// targets, so a ridge null cross-validates every permutation on the same splits.
std::vector<Split> regression_splits(std::size_t n_trials, const CrossValidation& cv) {
    CounterRng rng(cv.seed, cv.item, cv.fold_stream);
    std::vector<std::vector<int>> fold_ids;
    for (int r = 0; r < cv.repeats; ++r)
        fold_ids.push_back(shuffled_folds(n_trials, cv.folds, rng));
    return make_splits(fold_ids, cv.folds);
}

void check_targets(std::span<const double> targets) {
    for (double v : targets)
        if (!std::isfinite(v)) throw std::invalid_argument("regression target is not finite");
}

// R² of each repeat's out-of-fold predictions [(repeat · bins + bin) · trials + trial] at bin
// `b`, averaged over repeats.
double pooled_r2(std::span<const double> targets, const std::vector<double>& predicted,
                 std::size_t b, std::size_t n_bins, std::size_t repeats) {
    const std::size_t n_trials = targets.size();
    double sum = 0.0;
    for (std::size_t r = 0; r < repeats; ++r)
        sum += r2_score(targets, std::span<const double>(
                                     predicted.data() + (r * n_bins + b) * n_trials, n_trials));
    return sum / static_cast<double>(repeats);
}

int count_correct(std::span<const int> predicted, std::span<const int> truth) {
    int correct = 0;
    for (std::size_t i = 0; i < predicted.size(); ++i)
        correct += predicted[i] == truth[i] ? 1 : 0;
    return correct;
}

} // namespace

std::vector<MatrixXd> bin_matrices(const CountTensor& counts) {
    std::vector<MatrixXd> out(counts.n_bins, MatrixXd(static_cast<Index>(counts.n_trials),
                                                      static_cast<Index>(counts.n_units)));
    for (std::size_t t = 0; t < counts.n_trials; ++t)
        for (std::size_t u = 0; u < counts.n_units; ++u)
            for (std::size_t b = 0; b < counts.n_bins; ++b)
                out[b](static_cast<Index>(t), static_cast<Index>(u)) = counts.at(t, u, b);
    return out;
}

std::vector<std::vector<int>> draw_folds(std::span<const int> labels, const CrossValidation& cv) {
    check_cv(cv);
    CounterRng rng(cv.seed, cv.item, cv.fold_stream);
    std::vector<std::vector<int>> out;
    for (int r = 0; r < cv.repeats; ++r)
        out.push_back(stratified_folds(labels, cv.folds, rng));
    return out;
}

FittedDecoder fit_decoder(const MatrixXd& bin, std::span<const int> train_rows,
                          std::span<const int> train_labels, int n_classes,
                          const DecoderOptions& options) {
    check_classifier(options);
    MatrixXd x = gather_rows(bin, train_rows);
    FittedDecoder out;
    out.scaler = Standardizer::fit(x);
    out.scaler.transform_in_place(x);
    if (options.kind == DecoderKind::Logistic) {
        LogisticOptions lo;
        lo.C = options.C;
        lo.tolerance = options.tolerance;
        lo.max_iterations = options.max_iterations;
        LogisticFit fit = fit_logistic(x, train_labels, n_classes, lo);
        out.model = std::move(fit.model);
        out.converged = fit.converged;
    } else {
        out.model = fit_lda(x, train_labels, n_classes).model;
    }
    return out;
}

void predict_rows(const FittedDecoder& decoder, const MatrixXd& bin, std::span<const int> rows,
                  std::span<int> out) {
    MatrixXd x = gather_rows(bin, rows);
    decoder.scaler.transform_in_place(x);
    decoder.model.predict(x, out);
}

DecodeResult decode_bins(std::span<const MatrixXd> bins, std::span<const int> labels, int n_classes,
                         const DecoderOptions& decoder, const CrossValidation& cv,
                         bool generalization) {
    check_classifier(decoder);
    check_cv(cv);
    check_bins(bins, labels.size());
    check_classes(labels, n_classes, cv.folds);
    const std::size_t n_bins = bins.size(), n_trials = labels.size(),
                      k = static_cast<std::size_t>(cv.folds),
                      repeats = static_cast<std::size_t>(cv.repeats),
                      classes = static_cast<std::size_t>(n_classes);

    DecodeResult result;
    result.bins = n_bins;
    result.classes = classes;
    result.folds = k;
    result.repeats = repeats;
    result.fold_ids = draw_folds(labels, cv);
    const std::vector<Split> splits = make_splits(result.fold_ids, cv.folds);

    // predicted[(repeat · bins + bin) · trials + trial]; every trial is in exactly one test fold
    std::vector<int> predicted(repeats * n_bins * n_trials, -1);
    // correct[(split · bins + train bin) · bins + test bin]
    std::vector<int> correct(generalization ? splits.size() * n_bins * n_bins : 0);
    std::vector<char> converged(splits.size() * n_bins, 1);
    // One fit per (split, bin); with generalisation it also scores the split's held-out trials
    // at every bin from `test_rows` (all bins' held-out rows stacked, see stack_test_rows).
    const auto fit_and_score = [&](std::size_t s, std::size_t b, const MatrixXd* test_rows) {
        const std::size_t r = s / k;
        const Split& split = splits[s];
        const std::vector<int> train_labels = labels_of(labels, split.train);
        const FittedDecoder fd =
            fit_decoder(bins[b], split.train, train_labels, n_classes, decoder);
        converged[s * n_bins + b] = fd.converged ? 1 : 0;
        std::vector<int> out(split.test.size());
        predict_rows(fd, bins[b], split.test, out);
        for (std::size_t i = 0; i < out.size(); ++i)
            predicted[(r * n_bins + b) * n_trials + static_cast<std::size_t>(split.test[i])] =
                out[i];
        if (test_rows == nullptr) return;
        const std::vector<int> test_labels = labels_of(labels, split.test);
        const std::vector<int> other = predict_stacked(fd, *test_rows);
        const std::size_t n_test = split.test.size();
        for (std::size_t t = 0; t < n_bins; ++t)
            correct[(s * n_bins + b) * n_bins + t] =
                t == b ? count_correct(out, test_labels)
                       : count_correct(std::span<const int>(other).subspan(t * n_test, n_test),
                                       test_labels);
    };
    if (generalization) {
        // Split by split, so one split's stacked held-out rows (bins × test trials × units)
        // are held at a time rather than a second copy of all the data.
        for (std::size_t s = 0; s < splits.size(); ++s) {
            const MatrixXd test_rows = stack_test_rows(bins, splits[s].test);
            for_each_task(n_bins, [&](std::size_t b) { fit_and_score(s, b, &test_rows); });
        }
    } else {
        for_each_task(splits.size() * n_bins, [&](std::size_t task) {
            fit_and_score(task / n_bins, task % n_bins, nullptr);
        });
    }

    result.accuracy.assign(n_bins, 0.0);
    result.balanced_accuracy.assign(n_bins, 0.0);
    result.fold_accuracy.assign(n_bins * splits.size(), 0.0);
    result.confusion.assign(n_bins * classes * classes, 0);
    const auto class_n = class_counts(labels, n_classes);
    for (std::size_t b = 0; b < n_bins; ++b) {
        std::int64_t total_correct = 0;
        std::int64_t* conf = result.confusion.data() + b * classes * classes;
        for (std::size_t r = 0; r < repeats; ++r)
            for (std::size_t i = 0; i < n_trials; ++i) {
                const int p = predicted[(r * n_bins + b) * n_trials + i];
                const auto y = static_cast<std::size_t>(labels[i]);
                ++conf[y * classes + static_cast<std::size_t>(p)];
                total_correct += static_cast<std::size_t>(p) == y ? 1 : 0;
            }
        result.accuracy[b] =
            static_cast<double>(total_correct) / static_cast<double>(repeats * n_trials);
        double recall = 0.0;
        for (std::size_t c = 0; c < classes; ++c)
            recall += static_cast<double>(conf[c * classes + c]) /
                      static_cast<double>(repeats * static_cast<std::size_t>(class_n[c]));
        result.balanced_accuracy[b] = recall / static_cast<double>(classes);
        for (std::size_t s = 0; s < splits.size(); ++s) {
            const std::size_t r = s / k;
            int c = 0;
            for (int i : splits[s].test)
                c += predicted[(r * n_bins + b) * n_trials + static_cast<std::size_t>(i)] ==
                             labels[static_cast<std::size_t>(i)]
                         ? 1
                         : 0;
            result.fold_accuracy[b * splits.size() + s] =
                static_cast<double>(c) / static_cast<double>(splits[s].test.size());
        }
    }
    if (generalization) {
        result.generalization.assign(n_bins * n_bins, 0.0);
        for (std::size_t b = 0; b < n_bins; ++b)
            for (std::size_t t = 0; t < n_bins; ++t) {
                std::int64_t c = 0;
                for (std::size_t s = 0; s < splits.size(); ++s)
                    c += correct[(s * n_bins + b) * n_bins + t];
                result.generalization[b * n_bins + t] =
                    static_cast<double>(c) / static_cast<double>(repeats * n_trials);
            }
    }
    for (char c : converged)
        result.unconverged_fits += c ? 0 : 1;
    return result;
}

std::vector<double> decode_null(std::span<const MatrixXd> bins, std::span<const int> labels,
                                int n_classes, const DecoderOptions& decoder,
                                const CrossValidation& cv, std::size_t first, std::size_t last) {
    check_classifier(decoder);
    check_cv(cv);
    check_bins(bins, labels.size());
    check_classes(labels, n_classes, cv.folds);
    if (last < first) throw std::invalid_argument("permutation block [first, last) is reversed");
    const std::size_t n_bins = bins.size(), n_perm = last - first, n_trials = labels.size();
    const std::vector<Split> splits = make_splits(draw_folds(labels, cv), cv.folds);

    // Per permutation: the labels its test trials are scored against, its splits, and the
    // labels each split trains on.
    struct Permutation {
        std::vector<int> labels;
        std::vector<Split> splits;
        std::vector<std::vector<int>> train_labels; // [split]
    };
    std::vector<Permutation> perms(n_perm);
    for (std::size_t p = 0; p < n_perm; ++p) {
        CounterRng rng(cv.seed, cv.item, cv.permutation_stream + first + p);
        Permutation& perm = perms[p];
        perm.labels.assign(labels.begin(), labels.end());
        if (cv.null_scheme == NullScheme::PermuteAll) {
            shuffle(perm.labels.begin(), perm.labels.end(), rng);
            std::vector<std::vector<int>> fold_ids;
            for (int r = 0; r < cv.repeats; ++r)
                fold_ids.push_back(stratified_folds(perm.labels, cv.folds, rng));
            perm.splits = make_splits(fold_ids, cv.folds);
            for (const Split& s : perm.splits)
                perm.train_labels.push_back(labels_of(perm.labels, s.train));
        } else {
            perm.splits = splits;
            for (const Split& s : perm.splits) {
                perm.train_labels.push_back(labels_of(labels, s.train));
                shuffle(perm.train_labels.back().begin(), perm.train_labels.back().end(), rng);
            }
        }
    }
    const std::size_t n_splits = splits.size();
    std::vector<int> correct(n_perm * n_splits * n_bins, 0);
    for_each_task(correct.size(), [&](std::size_t task) {
        const std::size_t b = task % n_bins, ps = task / n_bins, s = ps % n_splits,
                          p = ps / n_splits;
        const Permutation& perm = perms[p];
        const Split& split = perm.splits[s];
        const FittedDecoder fd =
            fit_decoder(bins[b], split.train, perm.train_labels[s], n_classes, decoder);
        std::vector<int> out(split.test.size());
        predict_rows(fd, bins[b], split.test, out);
        correct[task] = count_correct(out, labels_of(perm.labels, split.test));
    });
    std::vector<double> null(n_perm * n_bins, 0.0);
    const double total = static_cast<double>(static_cast<std::size_t>(cv.repeats) * n_trials);
    for (std::size_t p = 0; p < n_perm; ++p)
        for (std::size_t b = 0; b < n_bins; ++b) {
            std::int64_t c = 0;
            for (std::size_t s = 0; s < n_splits; ++s)
                c += correct[(p * n_splits + s) * n_bins + b];
            null[p * n_bins + b] = static_cast<double>(c) / total;
        }
    return null;
}

RegressionResult regress_bins(std::span<const MatrixXd> bins, std::span<const double> targets,
                              double alpha, const CrossValidation& cv) {
    check_cv(cv);
    check_bins(bins, targets.size());
    check_targets(targets);
    const std::size_t n_bins = bins.size(), n_trials = targets.size(),
                      repeats = static_cast<std::size_t>(cv.repeats);
    const std::vector<Split> splits = regression_splits(n_trials, cv);
    const std::size_t k = static_cast<std::size_t>(cv.folds);

    RegressionResult result;
    result.bins = n_bins;
    result.folds = k;
    result.repeats = repeats;
    result.fold_r2.assign(n_bins * splits.size(), 0.0);
    std::vector<double> predicted(repeats * n_bins * n_trials, 0.0);
    for_each_task(splits.size() * n_bins, [&](std::size_t task) {
        const std::size_t s = task / n_bins, b = task % n_bins, r = s / k;
        const Split& split = splits[s];
        MatrixXd x = gather_rows(bins[b], split.train);
        const Standardizer scaler = Standardizer::fit(x);
        scaler.transform_in_place(x);
        std::vector<double> y(split.train.size()), truth(split.test.size());
        for (std::size_t i = 0; i < y.size(); ++i)
            y[i] = targets[static_cast<std::size_t>(split.train[i])];
        for (std::size_t i = 0; i < truth.size(); ++i)
            truth[i] = targets[static_cast<std::size_t>(split.test[i])];
        const RidgeModel model = fit_ridge(x, y, alpha);
        MatrixXd test = gather_rows(bins[b], split.test);
        scaler.transform_in_place(test);
        const Eigen::VectorXd pred = model.predict(test);
        for (std::size_t i = 0; i < split.test.size(); ++i)
            predicted[(r * n_bins + b) * n_trials + static_cast<std::size_t>(split.test[i])] =
                pred[static_cast<Index>(i)];
        result.fold_r2[b * splits.size() + s] =
            r2_score(truth, std::span<const double>(pred.data(), truth.size()));
    });
    result.r2.assign(n_bins, 0.0);
    for (std::size_t b = 0; b < n_bins; ++b)
        result.r2[b] = pooled_r2(targets, predicted, b, n_bins, repeats);
    return result;
}

std::vector<double> regress_null(std::span<const MatrixXd> bins, std::span<const double> targets,
                                 double alpha, const CrossValidation& cv, std::size_t first,
                                 std::size_t last, std::size_t batch) {
    check_cv(cv);
    check_bins(bins, targets.size());
    check_targets(targets);
    if (last < first) throw std::invalid_argument("permutation block [first, last) is reversed");
    const std::size_t n_bins = bins.size(), n_trials = targets.size(), n_perm = last - first,
                      repeats = static_cast<std::size_t>(cv.repeats),
                      k = static_cast<std::size_t>(cv.folds);
    const std::vector<Split> splits = regression_splits(n_trials, cv);
    if (batch == 0 || batch > n_perm) batch = std::max<std::size_t>(n_perm, 1);

    std::vector<double> null(n_perm * n_bins, 0.0);
    for (std::size_t start = 0; start < n_perm; start += batch) {
        const std::size_t size = std::min(batch, n_perm - start);
        // Permutation b: the targets shuffled from its own stream, as the item shuffles them.
        std::vector<std::vector<double>> shuffled(size);
        for (std::size_t p = 0; p < size; ++p) {
            CounterRng rng(cv.seed, cv.item, cv.permutation_stream + first + start + p);
            shuffled[p].assign(targets.begin(), targets.end());
            shuffle(shuffled[p].begin(), shuffled[p].end(), rng);
        }
        // predicted[p][(repeat · bins + bin) · trials + trial]
        std::vector<std::vector<double>> predicted(
            size, std::vector<double>(repeats * n_bins * n_trials, 0.0));
        // One task per (split, bin): the decomposition once, then every permutation of the
        // batch, each with exactly the operations regress_bins applies to its targets.
        for_each_task(splits.size() * n_bins, [&](std::size_t task) {
            const std::size_t s = task / n_bins, b = task % n_bins, r = s / k;
            const Split& split = splits[s];
            MatrixXd x = gather_rows(bins[b], split.train);
            const Standardizer scaler = Standardizer::fit(x);
            scaler.transform_in_place(x);
            const RidgeSolver solver(x, alpha);
            MatrixXd test = gather_rows(bins[b], split.test);
            scaler.transform_in_place(test);
            std::vector<double> y(split.train.size());
            for (std::size_t p = 0; p < size; ++p) {
                for (std::size_t i = 0; i < y.size(); ++i)
                    y[i] = shuffled[p][static_cast<std::size_t>(split.train[i])];
                const Eigen::VectorXd pred = solver.solve(y).predict(test);
                double* out = predicted[p].data() + (r * n_bins + b) * n_trials;
                for (std::size_t i = 0; i < split.test.size(); ++i)
                    out[static_cast<std::size_t>(split.test[i])] = pred[static_cast<Index>(i)];
            }
        });
        for (std::size_t p = 0; p < size; ++p)
            for (std::size_t b = 0; b < n_bins; ++b)
                null[(start + p) * n_bins + b] =
                    pooled_r2(shuffled[p], predicted[p], b, n_bins, repeats);
    }
    return null;
}

} // namespace neuropop::kernels
