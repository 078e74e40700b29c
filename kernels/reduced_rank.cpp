#include "kernels/reduced_rank.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>
#include <Eigen/QR>
#include <Eigen/SVD>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "kernels/folds.hpp"
#include "kernels/parallel.hpp"

namespace neuropop::kernels {

namespace {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::RowVectorXd;
using Eigen::VectorXd;

void check_pair(const Eigen::Ref<const MatrixXd>& source, const Eigen::Ref<const MatrixXd>& target,
                const char* who) {
    if (source.rows() != target.rows() || source.rows() < 2 || source.cols() < 1 ||
        target.cols() < 1)
        throw std::invalid_argument(std::string(who) + ": source " + std::to_string(source.rows()) +
                                    "×" + std::to_string(source.cols()) + " and target " +
                                    std::to_string(target.rows()) + "×" +
                                    std::to_string(target.cols()) +
                                    " need the same rows (≥ 2) and at least one column each");
}

int fold_count(std::span<const int> folds, Index rows) {
    if (static_cast<Index>(folds.size()) != rows)
        throw std::invalid_argument("folds: " + std::to_string(folds.size()) + " ids for " +
                                    std::to_string(rows) + " rows");
    int k = 0;
    for (int f : folds) {
        if (f < 0) throw std::invalid_argument("folds: negative fold id");
        k = std::max(k, f + 1);
    }
    std::vector<int> size(static_cast<std::size_t>(k), 0);
    for (int f : folds)
        ++size[static_cast<std::size_t>(f)];
    for (int f = 0; f < k; ++f)
        if (size[static_cast<std::size_t>(f)] == 0 || size[static_cast<std::size_t>(f)] == rows)
            throw std::invalid_argument("folds: fold " + std::to_string(f) +
                                        " is empty or holds every row");
    if (k < 2) throw std::invalid_argument("folds: need at least 2 folds");
    return k;
}

MatrixXd rows_of(const Eigen::Ref<const MatrixXd>& m, const std::vector<int>& rows) {
    MatrixXd out(static_cast<Index>(rows.size()), m.cols());
    for (std::size_t i = 0; i < rows.size(); ++i)
        out.row(static_cast<Index>(i)) = m.row(rows[i]);
    return out;
}

// Flip each column so that its entry of largest magnitude is positive (first such on ties).
void fix_signs(MatrixXd& v) {
    for (Index j = 0; j < v.cols(); ++j) {
        Index best = 0;
        v.col(j).cwiseAbs().maxCoeff(&best);
        if (v(best, j) < 0) v.col(j) = -v.col(j);
    }
}

// 1 − RSS / TSS with TSS about the rows' own mean, pooled over columns. A constant test target
// has no variance to explain: NaN.
double performance(const MatrixXd& residual, const Eigen::Ref<const MatrixXd>& truth) {
    const double tss = (truth.rowwise() - truth.colwise().mean()).squaredNorm();
    if (!(tss > 0)) return std::numeric_limits<double>::quiet_NaN();
    return 1.0 - residual.squaredNorm() / tss;
}

void check_fold_range(int first, int last, int k, const char* who) {
    if (first < 0 || first >= last || last > k)
        throw std::invalid_argument(std::string(who) + ": fold range [" + std::to_string(first) +
                                    ", " + std::to_string(last) + ") is not inside [0, " +
                                    std::to_string(k) + ")");
}

// Largest rank every training fold supports.
int rank_limit(const Eigen::Ref<const MatrixXd>& source, Index targets, std::span<const int> folds,
               int k) {
    int limit = static_cast<int>(std::min<Index>(source.cols(), targets));
    for (int f = 0; f < k; ++f) {
        const auto train = fold_complement(folds, f);
        limit = std::min(limit, static_cast<int>(train.size()) - 1);
    }
    return limit;
}

} // namespace

MatrixXd subtract_condition_means(const Eigen::Ref<const MatrixXd>& data,
                                  std::span<const int> conditions) {
    if (static_cast<Index>(conditions.size()) != data.rows())
        throw std::invalid_argument(
            "subtract_condition_means: " + std::to_string(conditions.size()) + " labels for " +
            std::to_string(data.rows()) + " rows");
    int n_conditions = 0;
    for (int c : conditions) {
        if (c < 0) throw std::invalid_argument("subtract_condition_means: negative label");
        n_conditions = std::max(n_conditions, c + 1);
    }
    MatrixXd sums = MatrixXd::Zero(n_conditions, data.cols());
    VectorXd counts = VectorXd::Zero(n_conditions);
    for (Index i = 0; i < data.rows(); ++i) {
        sums.row(conditions[static_cast<std::size_t>(i)]) += data.row(i);
        counts(conditions[static_cast<std::size_t>(i)]) += 1.0;
    }
    MatrixXd out(data.rows(), data.cols());
    for (Index i = 0; i < data.rows(); ++i) {
        const int c = conditions[static_cast<std::size_t>(i)];
        out.row(i) = data.row(i) - sums.row(c) / counts(c);
    }
    return out;
}

std::vector<int> informative_columns(const Eigen::Ref<const MatrixXd>& data) {
    if (data.rows() < 2) throw std::invalid_argument("informative_columns: fewer than 2 rows");
    const double floor = std::sqrt(std::numeric_limits<double>::epsilon());
    const RowVectorXd mean = data.colwise().mean();
    std::vector<int> kept;
    for (Index j = 0; j < data.cols(); ++j) {
        const double var =
            (data.col(j).array() - mean(j)).square().sum() / static_cast<double>(data.rows() - 1);
        if (std::sqrt(var) >= floor) kept.push_back(static_cast<int>(j));
    }
    return kept;
}

ReducedRankFit fit_reduced_rank(const Eigen::Ref<const MatrixXd>& source,
                                const Eigen::Ref<const MatrixXd>& target) {
    check_pair(source, target, "fit_reduced_rank");
    const Index n = source.rows(), p = source.cols(), k = target.cols();
    const std::vector<int> kept = informative_columns(source);
    ReducedRankFit fit;
    fit.source_mean = source.colwise().mean();
    fit.target_mean = target.colwise().mean();
    fit.b_ols = MatrixXd::Zero(p, k);
    fit.max_rank = static_cast<int>(std::min<Index>({static_cast<Index>(kept.size()), k, n - 1}));
    MatrixXd yhat = MatrixXd::Zero(n, k);
    if (!kept.empty()) {
        MatrixXd z(n, static_cast<Index>(kept.size()));
        for (std::size_t j = 0; j < kept.size(); ++j)
            z.col(static_cast<Index>(j)) = source.col(kept[j]).array() - fit.source_mean(kept[j]);
        // Z is centred, so Y need not be: the least-squares map is the same.
        const MatrixXd b = z.completeOrthogonalDecomposition().solve(target);
        for (std::size_t j = 0; j < kept.size(); ++j)
            fit.b_ols.row(kept[j]) = b.row(static_cast<Index>(j));
        yhat.noalias() = z * b;
    }
    MatrixXd gram(k, k);
    gram.noalias() = yhat.transpose() * yhat;
    Eigen::SelfAdjointEigenSolver<MatrixXd> solver(gram);
    if (solver.info() != Eigen::Success)
        throw std::runtime_error("fit_reduced_rank: eigensolver failed (non-finite input?)");
    fit.eigenvalues = solver.eigenvalues().reverse();
    fit.v = solver.eigenvectors().rowwise().reverse();
    fix_signs(fit.v);
    return fit;
}

MatrixXd ReducedRankFit::map(int rank) const {
    if (rank < 0 || rank > max_rank)
        throw std::invalid_argument("ReducedRankFit: rank " + std::to_string(rank) +
                                    " outside [0, " + std::to_string(max_rank) + "]");
    const auto vm = v.leftCols(rank);
    return (b_ols * vm) * vm.transpose();
}

RowVectorXd ReducedRankFit::intercept(int rank) const {
    return target_mean - source_mean * map(rank);
}

MatrixXd ReducedRankFit::predict(const Eigen::Ref<const MatrixXd>& source, int rank) const {
    if (source.cols() != b_ols.rows())
        throw std::invalid_argument("ReducedRankFit::predict: source columns differ");
    MatrixXd out = (source.rowwise() - source_mean) * map(rank);
    out.rowwise() += target_mean;
    return out;
}

CvCurve cv_curve(MatrixXd fold_performance) {
    if (fold_performance.rows() < 2 || fold_performance.cols() < 1)
        throw std::invalid_argument("cv_curve: need at least 2 folds and 1 model");
    CvCurve curve;
    const auto k = static_cast<double>(fold_performance.rows());
    curve.mean_performance = fold_performance.colwise().mean().transpose();
    curve.sem.resize(fold_performance.cols());
    for (Index j = 0; j < fold_performance.cols(); ++j) {
        const double ss =
            (fold_performance.col(j).array() - curve.mean_performance(j)).square().sum();
        curve.sem(j) = std::sqrt(ss / (k - 1.0)) / std::sqrt(k);
    }
    curve.selected = one_sem_choice(curve.mean_performance, curve.sem);
    curve.selected_performance = curve.mean_performance(curve.selected);
    curve.peak_performance = curve.mean_performance.maxCoeff();
    curve.fold_performance = std::move(fold_performance);
    return curve;
}

int one_sem_choice(const VectorXd& mean_performance, const VectorXd& sem) {
    if (mean_performance.size() == 0 || sem.size() != mean_performance.size())
        throw std::invalid_argument("one_sem_choice: empty or mismatched curve");
    // Loss = 1 − performance; the minimum loss is the maximum performance (first on ties).
    Index best = 0;
    for (Index j = 1; j < mean_performance.size(); ++j)
        if (mean_performance(j) > mean_performance(best)) best = j;
    const double threshold = (1.0 - mean_performance(best)) + sem(best);
    for (Index j = 0; j < mean_performance.size(); ++j)
        if (1.0 - mean_performance(j) <= threshold) return static_cast<int>(j);
    return static_cast<int>(best);
}

std::vector<int> rrr_folds(std::size_t n, int k, CounterRng& rng) {
    return shuffled_folds(n, k, rng);
}

int rrr_curve_rank(const Eigen::Ref<const MatrixXd>& source, Index targets,
                   std::span<const int> folds, int max_rank) {
    const int k = fold_count(folds, source.rows());
    int ranks = rank_limit(source, targets, folds, k);
    if (max_rank >= 0) ranks = std::min(ranks, max_rank);
    return ranks;
}

MatrixXd rrr_fold_performance(const Eigen::Ref<const MatrixXd>& source,
                              const Eigen::Ref<const MatrixXd>& target, std::span<const int> folds,
                              int max_rank, int first, int last) {
    check_pair(source, target, "rrr_fold_performance");
    const int k = fold_count(folds, source.rows());
    check_fold_range(first, last, k, "rrr_fold_performance");
    // Over every fold, not just [first, last): each block of a split curve has the same columns.
    const int ranks = rrr_curve_rank(source, target.cols(), folds, max_rank);
    MatrixXd fold_performance(last - first, ranks + 1);
    for_each_task(static_cast<std::size_t>(last - first), [&](std::size_t row) {
        const int f = first + static_cast<int>(row);
        const auto r = static_cast<Index>(row);
        const auto train = fold_complement(folds, f), test = fold_members(folds, f);
        const MatrixXd x_train = rows_of(source, train), y_train = rows_of(target, train);
        const MatrixXd x_test = rows_of(source, test), y_test = rows_of(target, test);
        const ReducedRankFit fit = fit_reduced_rank(x_train, y_train);
        // Residual of rank m: R_m = R_{m−1} − (Z_test B_ols v_m) v_mᵀ, starting from the
        // training-mean prediction.
        MatrixXd residual = y_test.rowwise() - fit.target_mean;
        const MatrixXd projected =
            ((x_test.rowwise() - fit.source_mean) * fit.b_ols) * fit.v.leftCols(ranks);
        fold_performance(r, 0) = performance(residual, y_test);
        for (int m = 1; m <= ranks; ++m) {
            residual.noalias() -= projected.col(m - 1) * fit.v.col(m - 1).transpose();
            fold_performance(r, m) = performance(residual, y_test);
        }
    });
    return fold_performance;
}

CvCurve cross_validate_rrr(const Eigen::Ref<const MatrixXd>& source,
                           const Eigen::Ref<const MatrixXd>& target, std::span<const int> folds,
                           int max_rank) {
    check_pair(source, target, "cross_validate_rrr");
    const int k = fold_count(folds, source.rows());
    return cv_curve(rrr_fold_performance(source, target, folds, max_rank, 0, k));
}

std::vector<double> default_ridge_shrinkage() {
    std::vector<double> s;
    for (int i = 50; i <= 100; ++i)
        s.push_back(static_cast<double>(i) / 100.0);
    return s;
}

namespace {

// Z-scored (ddof 1) informative columns, with the mean and sd used.
struct Zscored {
    MatrixXd z;
    std::vector<int> kept;
    RowVectorXd mean, sd;
};

Zscored zscore(const Eigen::Ref<const MatrixXd>& x) {
    Zscored out;
    out.kept = informative_columns(x);
    const auto p = static_cast<Index>(out.kept.size());
    out.z.resize(x.rows(), p);
    out.mean.resize(p);
    out.sd.resize(p);
    for (Index j = 0; j < p; ++j) {
        const auto col = x.col(out.kept[static_cast<std::size_t>(j)]);
        out.mean(j) = col.mean();
        out.sd(j) = std::sqrt((col.array() - out.mean(j)).square().sum() /
                              static_cast<double>(x.rows() - 1));
        out.z.col(j) = (col.array() - out.mean(j)) / out.sd(j);
    }
    return out;
}

} // namespace

std::vector<double> ridge_lambdas(const Eigen::Ref<const MatrixXd>& source,
                                  std::span<const double> shrinkage) {
    const Zscored zs = zscore(source);
    double d_max = 0;
    if (zs.z.cols() > 0) {
        const MatrixXd gram = zs.z.transpose() * zs.z;
        d_max = Eigen::SelfAdjointEigenSolver<MatrixXd>(gram, Eigen::EigenvaluesOnly)
                    .eigenvalues()
                    .maxCoeff();
    }
    std::vector<double> lambdas;
    for (double s : shrinkage) {
        if (!(s > 0 && s <= 1))
            throw std::invalid_argument("ridge_lambdas: shrinkage outside (0, 1]");
        lambdas.push_back(d_max * (1.0 - s) / s);
    }
    return lambdas;
}

MatrixXd ridge_fold_performance(const Eigen::Ref<const MatrixXd>& source,
                                const Eigen::Ref<const MatrixXd>& target,
                                std::span<const int> folds, std::span<const double> lambdas,
                                int first, int last) {
    check_pair(source, target, "ridge_fold_performance");
    const int k = fold_count(folds, source.rows());
    check_fold_range(first, last, k, "ridge_fold_performance");
    if (lambdas.empty()) throw std::invalid_argument("ridge_fold_performance: no λ");
    for (double l : lambdas)
        if (!(l >= 0) || !std::isfinite(l))
            throw std::invalid_argument("ridge_fold_performance: λ must be finite and ≥ 0");
    const auto n_models = static_cast<Index>(lambdas.size());
    MatrixXd fold_performance(last - first, n_models);
    for_each_task(static_cast<std::size_t>(last - first), [&](std::size_t row) {
        const int f = first + static_cast<int>(row);
        const auto r = static_cast<Index>(row);
        const auto train = fold_complement(folds, f), test = fold_members(folds, f);
        const MatrixXd x_train = rows_of(source, train), y_train = rows_of(target, train);
        const MatrixXd y_test = rows_of(target, test);
        const Zscored zs = zscore(x_train);
        const RowVectorXd y_mean = y_train.colwise().mean();
        const MatrixXd base = y_test.rowwise() - y_mean; // residual of the mean prediction
        if (zs.z.cols() == 0) {
            for (Index j = 0; j < n_models; ++j)
                fold_performance(r, j) = performance(base, y_test);
            return;
        }
        MatrixXd z_test(static_cast<Index>(test.size()), zs.z.cols());
        for (Index j = 0; j < zs.z.cols(); ++j)
            for (std::size_t i = 0; i < test.size(); ++i)
                z_test(static_cast<Index>(i), j) =
                    (source(test[i], zs.kept[static_cast<std::size_t>(j)]) - zs.mean(j)) / zs.sd(j);
        // ZᵀZ = Q D Qᵀ: B_λ = Q (D + λ)⁻¹ Qᵀ Zᵀ Y for every λ; directions with D + λ at
        // rounding level are left out (λ = 0 then gives the minimum-norm OLS).
        Eigen::SelfAdjointEigenSolver<MatrixXd> solver(zs.z.transpose() * zs.z);
        const VectorXd d = solver.eigenvalues();
        const MatrixXd& q = solver.eigenvectors();
        const MatrixXd qty = q.transpose() * (zs.z.transpose() * y_train);
        const MatrixXd test_q = z_test * q;
        const double floor = std::max(d.maxCoeff(), 0.0) * static_cast<double>(d.size()) *
                             std::numeric_limits<double>::epsilon();
        for (Index j = 0; j < n_models; ++j) {
            const double lambda = lambdas[static_cast<std::size_t>(j)];
            VectorXd inv(d.size());
            for (Index i = 0; i < d.size(); ++i)
                inv(i) = d(i) + lambda > floor ? 1.0 / (d(i) + lambda) : 0.0;
            const MatrixXd residual = base - test_q * (inv.asDiagonal() * qty);
            fold_performance(r, j) = performance(residual, y_test);
        }
    });
    return fold_performance;
}

CvCurve cross_validate_ridge(const Eigen::Ref<const MatrixXd>& source,
                             const Eigen::Ref<const MatrixXd>& target, std::span<const int> folds,
                             std::span<const double> lambdas) {
    check_pair(source, target, "cross_validate_ridge");
    const int k = fold_count(folds, source.rows());
    return cv_curve(ridge_fold_performance(source, target, folds, lambdas, 0, k));
}

SubspaceAlignment predictive_alignment(const Eigen::Ref<const MatrixXd>& source,
                                       const ReducedRankFit& fit, int r, int k) {
    const Index p = source.cols();
    if (fit.b_ols.rows() != p) throw std::invalid_argument("predictive_alignment: shapes differ");
    if (r < 1 || r > fit.max_rank || k < 1 || k > p)
        throw std::invalid_argument("predictive_alignment: need 1 ≤ r ≤ max rank, 1 ≤ k ≤ p");
    const MatrixXd centred = source.rowwise() - source.colwise().mean();
    const MatrixXd cov = centred.transpose() * centred / static_cast<double>(source.rows() - 1);
    Eigen::SelfAdjointEigenSolver<MatrixXd> pca(cov);
    const VectorXd lambda = pca.eigenvalues().reverse();
    const MatrixXd pcs = pca.eigenvectors().rowwise().reverse().leftCols(k);
    const MatrixXd dims = fit.predictive_dimensions().leftCols(r);
    const MatrixXd q =
        Eigen::HouseholderQR<MatrixXd>(dims).householderQ() * MatrixXd::Identity(p, r);
    const MatrixXd overlap = q.transpose() * pcs;
    SubspaceAlignment out;
    out.cosines = Eigen::JacobiSVD<MatrixXd>(overlap).singularValues();
    out.captured = overlap.squaredNorm() / static_cast<double>(r);
    const double top = lambda.head(r).sum();
    out.variance_ratio = top > 0 ? (q.transpose() * cov * q).trace() / top : 0.0;
    return out;
}

UnitSplit split_units(int n_units, int n_predictor, CounterRng& rng) {
    if (n_predictor < 1 || n_predictor >= n_units)
        throw std::invalid_argument("split_units: need 1 ≤ predictor units < units");
    std::vector<int> order(static_cast<std::size_t>(n_units));
    for (int i = 0; i < n_units; ++i)
        order[static_cast<std::size_t>(i)] = i;
    partial_shuffle(order.begin(), order.end(), static_cast<std::uint64_t>(n_predictor), rng);
    UnitSplit split;
    split.predictor.assign(order.begin(), order.begin() + n_predictor);
    split.target.assign(order.begin() + n_predictor, order.end());
    std::sort(split.predictor.begin(), split.predictor.end());
    std::sort(split.target.begin(), split.target.end());
    return split;
}

MatrixXd rrr_null_fold_performance(const Eigen::Ref<const MatrixXd>& source,
                                   const Eigen::Ref<const MatrixXd>& target,
                                   std::span<const int> conditions, std::span<const int> folds,
                                   int permutations, std::uint64_t seed, std::uint64_t item,
                                   std::uint64_t first_stream, int max_rank, int first, int last) {
    check_pair(source, target, "rrr_null_fold_performance");
    const int k = fold_count(folds, source.rows());
    check_fold_range(first, last, k, "rrr_null_fold_performance");
    if (static_cast<Index>(conditions.size()) != source.rows())
        throw std::invalid_argument("rrr_null_fold_performance: one condition label per row");
    if (permutations < 1) throw std::invalid_argument("rrr_null_fold_performance: no permutations");
    int n_conditions = 0;
    for (int c : conditions) {
        if (c < 0) throw std::invalid_argument("rrr_null_fold_performance: negative label");
        n_conditions = std::max(n_conditions, c + 1);
    }
    std::vector<std::vector<int>> members(static_cast<std::size_t>(n_conditions));
    for (std::size_t i = 0; i < conditions.size(); ++i)
        members[static_cast<std::size_t>(conditions[i])].push_back(static_cast<int>(i));
    const Index rows = last - first;
    const int ranks = rrr_curve_rank(source, target.cols(), folds, max_rank);
    MatrixXd out(static_cast<Index>(permutations) * rows, ranks + 1);
    // Each permutation is one task writing its own rows; the CV inside it runs its folds on the
    // same pool. Permutation b's shuffle does not depend on the fold range, so every block of a
    // split null sees the same shuffled targets.
    for_each_task(static_cast<std::size_t>(permutations), [&](std::size_t b) {
        CounterRng rng(seed, item, first_stream + b);
        MatrixXd shuffled(target.rows(), target.cols());
        for (const auto& rows_of_condition : members) {
            std::vector<int> order = rows_of_condition;
            shuffle(order.begin(), order.end(), rng);
            for (std::size_t i = 0; i < rows_of_condition.size(); ++i)
                shuffled.row(rows_of_condition[i]) = target.row(order[i]);
        }
        out.middleRows(static_cast<Index>(b) * rows, rows) =
            rrr_fold_performance(source, shuffled, folds, max_rank, first, last);
    });
    return out;
}

VectorXd rrr_null_peaks(std::span<const MatrixXd> blocks, int permutations) {
    if (permutations < 1 || blocks.empty())
        throw std::invalid_argument("rrr_null_peaks: no permutations or no fold blocks");
    Index folds = 0;
    for (const auto& block : blocks) {
        if (block.rows() == 0 || block.rows() % permutations != 0 ||
            block.cols() != blocks.front().cols())
            throw std::invalid_argument(
                "rrr_null_peaks: a block of " + std::to_string(block.rows()) + "×" +
                std::to_string(block.cols()) + " is not " + std::to_string(permutations) +
                " permutations × folds × " + std::to_string(blocks.front().cols()) + " ranks");
        folds += block.rows() / permutations;
    }
    VectorXd peaks(permutations);
    for (int b = 0; b < permutations; ++b) {
        MatrixXd fold_performance(folds, blocks.front().cols());
        Index at = 0;
        for (const auto& block : blocks) {
            const Index rows = block.rows() / permutations;
            fold_performance.middleRows(at, rows) = block.middleRows(b * rows, rows);
            at += rows;
        }
        peaks(b) = cv_curve(std::move(fold_performance)).peak_performance;
    }
    return peaks;
}

VectorXd rrr_permutation_null(const Eigen::Ref<const MatrixXd>& source,
                              const Eigen::Ref<const MatrixXd>& target,
                              std::span<const int> conditions, std::span<const int> folds,
                              int permutations, std::uint64_t seed, std::uint64_t item,
                              std::uint64_t first_stream, int max_rank) {
    check_pair(source, target, "rrr_permutation_null");
    const int k = fold_count(folds, source.rows());
    const MatrixXd all = rrr_null_fold_performance(source, target, conditions, folds, permutations,
                                                   seed, item, first_stream, max_rank, 0, k);
    return rrr_null_peaks(std::span<const MatrixXd>(&all, 1), permutations);
}

double permutation_p_value(double observed, const VectorXd& null) {
    const auto exceed = (null.array() >= observed).count();
    return (1.0 + static_cast<double>(exceed)) / (1.0 + static_cast<double>(null.size()));
}

} // namespace neuropop::kernels
