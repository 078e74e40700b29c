#include "kernels/crossnobis.hpp"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Cholesky>
#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "kernels/centred_gram.hpp"
#include "kernels/large_buffer.hpp"
#include "kernels/ledoit_wolf.hpp"

namespace neuropop::kernels {

namespace {

using Index = Eigen::Index;
using Eigen::MatrixXd;

// Trials grouped by fold (ascending within a fold) and the per-(condition, fold) counts.
struct Layout {
    int k = 0, n_folds = 0;
    std::vector<Index> order;      // trial indices, fold by fold, ascending within a fold
    std::vector<Index> fold_start; // n_folds + 1 offsets into `order`
    MatrixXd counts;               // K × F: trials of condition c in fold g
    Index rows_in(int g) const {
        return fold_start[static_cast<std::size_t>(g) + 1] -
               fold_start[static_cast<std::size_t>(g)];
    }
};

Layout layout_of(std::span<const int> labels, std::span<const int> folds, int k, int n_folds) {
    Layout l;
    l.k = k;
    l.n_folds = n_folds;
    l.counts = MatrixXd::Zero(k, n_folds);
    l.fold_start.assign(static_cast<std::size_t>(n_folds) + 1, 0);
    for (std::size_t t = 0; t < labels.size(); ++t) {
        l.counts(labels[t], folds[t]) += 1.0;
        ++l.fold_start[static_cast<std::size_t>(folds[t]) + 1];
    }
    for (std::size_t g = 0; g < static_cast<std::size_t>(n_folds); ++g)
        l.fold_start[g + 1] += l.fold_start[g];
    l.order.resize(labels.size());
    std::vector<Index> next(l.fold_start.begin(), l.fold_start.end() - 1);
    for (std::size_t t = 0; t < labels.size(); ++t)
        l.order[static_cast<std::size_t>(next[static_cast<std::size_t>(folds[t])]++)] =
            static_cast<Index>(t);
    return l;
}

// Row c + K g: the sum of the rows of `x` of condition c in fold g. Rows of x are in `order`
// when `sorted` (then row r is trial order[r]), else in trial order.
MatrixXd cell_sums(const Eigen::Ref<const MatrixXd>& x, std::span<const int> labels,
                   std::span<const int> folds, const Layout& l, bool sorted) {
    const auto p = static_cast<Index>(labels.size());
    std::vector<Index> cell(static_cast<std::size_t>(p));
    for (Index r = 0; r < p; ++r) {
        const auto t = static_cast<std::size_t>(sorted ? l.order[static_cast<std::size_t>(r)] : r);
        cell[static_cast<std::size_t>(r)] = labels[t] + l.k * folds[t];
    }
    MatrixXd sums = MatrixXd::Zero(static_cast<Index>(l.k) * l.n_folds, x.cols());
    for (Index j = 0; j < x.cols(); ++j)
        for (Index r = 0; r < p; ++r)
            sums(cell[static_cast<std::size_t>(r)], j) += x(r, j);
    return sums;
}

// Condition means over the trials outside (A) or inside (B) fold f, from the cell sums.
MatrixXd outside_means(const MatrixXd& sums, const Layout& l, int f) {
    MatrixXd a = MatrixXd::Zero(l.k, sums.cols());
    for (int g = 0; g < l.n_folds; ++g)
        if (g != f) a += sums.middleRows(static_cast<Index>(l.k) * g, l.k);
    const Eigen::VectorXd n = l.counts.rowwise().sum() - l.counts.col(f);
    return n.cwiseInverse().asDiagonal() * a;
}

MatrixXd inside_means(const MatrixXd& sums, const Layout& l, int f) {
    return l.counts.col(f).cwiseInverse().asDiagonal() *
           sums.middleRows(static_cast<Index>(l.k) * f, l.k);
}

// Lower Cholesky factor in place (the strict upper triangle is neither read nor written); false
// when not positive definite. Recursive halving puts most flops into large triangular solves and
// rank updates: ~10 % faster than Eigen::LLT's fixed 128-column panels at N = 2 000.
bool cholesky_in_place(Eigen::Ref<MatrixXd> a) {
    const Index n = a.rows();
    if (n <= 256) return Eigen::LLT<Eigen::Ref<MatrixXd>>(a).info() == Eigen::Success;
    const Index h = n / 2;
    if (!cholesky_in_place(a.topLeftCorner(h, h))) return false;
    a.topLeftCorner(h, h)
        .triangularView<Eigen::Lower>()
        .transpose()
        .solveInPlace<Eigen::OnTheRight>(a.bottomLeftCorner(n - h, h));
    a.bottomRightCorner(n - h, n - h)
        .selfadjointView<Eigen::Lower>()
        .rankUpdate(a.bottomLeftCorner(n - h, h), -1.0);
    return cholesky_in_place(a.bottomRightCorner(n - h, n - h));
}

// The trials centred on their condition's overall mean (y, rows in fold order: computed on the
// fly, stored only for the N > P_train route), and the Gram matrices both routes need, formed
// once for all folds. Centring on a per-condition constant leaves every
// fold's training residuals unchanged (their training means move by the same constant) and makes
// the per-fold corrections below small, so nothing large cancels.
class CentredTrials {
public:
    // `direct`: some fold has N ≤ P_train (per-fold unit Gram matrices); `woodbury`: some fold
    // has N > P_train (one trial Gram matrix).
    CentredTrials(const Eigen::Ref<const MatrixXd>& trials, std::span<const int> labels,
                  std::span<const int> folds, const Layout& l, const MatrixXd& sums, bool direct,
                  bool woodbury)
        : l_(&l), x_(trials) {
        const Index p = trials.rows(), n = trials.cols();
        const Eigen::VectorXd n_c = l.counts.rowwise().sum();
        mean_ = MatrixXd::Zero(l.k, n); // overall condition means
        for (int g = 0; g < l.n_folds; ++g)
            mean_ += sums.middleRows(static_cast<Index>(l.k) * g, l.k);
        mean_ = n_c.cwiseInverse().asDiagonal() * mean_;
        row_condition_.resize(static_cast<std::size_t>(p));
        for (std::size_t r = 0; r < row_condition_.size(); ++r)
            row_condition_[r] = labels[static_cast<std::size_t>(l.order[r])];
        // Cell sums of y, row by row in fold order (as cell_sums of the centred copy would).
        y_sums_ = MatrixXd::Zero(static_cast<Index>(l.k) * l.n_folds, n);
        for (Index j = 0; j < n; ++j)
            for (Index r = 0; r < p; ++r)
                y_sums_(
                    row_condition_[static_cast<std::size_t>(r)] +
                        l.k * folds[static_cast<std::size_t>(l.order[static_cast<std::size_t>(r)])],
                    j) += centred(r, j);
        if (woodbury) {
            // The centred copy (P N doubles) only for this route: Q = Y Yᵀ (P × P, trials in fold
            // order), one product of fixed shape on one thread.
            y_store_ = detail::LargeMatrix(p, n);
            auto y = y_store_.view();
            tbb::parallel_for(tbb::blocked_range<Index>(0, n, 64),
                              [&](const tbb::blocked_range<Index>& js) {
                                  for (Index j = js.begin(); j < js.end(); ++j)
                                      for (Index r = 0; r < p; ++r)
                                          y(r, j) = centred(r, j);
                              });
            q_.setZero(p, p);
            q_.selfadjointView<Eigen::Lower>().rankUpdate(y);
            q_.triangularView<Eigen::StrictlyUpper>() = q_.transpose();
        }
        if (!direct) return;

        // Σ_{t in g} ‖y_t − a'_c(f)‖⁴ for every fold f ≠ g (a'(f): training means of y for fold
        // f), from the residuals directly (no cancellation): each fold's trials are gathered
        // and centred once per unit and serve the other F − 1 folds' sums.
        fourth_parts_ = MatrixXd::Zero(l.n_folds, l.n_folds);
        std::vector<MatrixXd> train_means;
        for (int f = 0; f < l.n_folds; ++f)
            train_means.push_back(outside_means(y_sums_, l, f));
        tbb::parallel_for(
            tbb::blocked_range<int>(0, l.n_folds, 1), [&](const tbb::blocked_range<int>& gs) {
                for (int g = gs.begin(); g < gs.end(); ++g) {
                    const Index r0 = l.fold_start[static_cast<std::size_t>(g)], rows = l.rows_in(g);
                    // The fold's rows by condition (stable): a'_c(f) is then one value per run
                    // of rows and the inner loops vectorise. norms row i is fold row perm[i].
                    std::vector<Index> perm(static_cast<std::size_t>(rows));
                    for (Index i = 0; i < rows; ++i)
                        perm[static_cast<std::size_t>(i)] = i;
                    const int* cond = row_condition_.data() + r0;
                    std::stable_sort(perm.begin(), perm.end(),
                                     [&](Index u, Index v) { return cond[u] < cond[v]; });
                    std::vector<Index> run_start{0}; // runs of one condition in perm order
                    for (Index i = 1; i < rows; ++i)
                        if (cond[perm[static_cast<std::size_t>(i)]] !=
                            cond[perm[static_cast<std::size_t>(i) - 1]])
                            run_start.push_back(i);
                    run_start.push_back(rows);
                    MatrixXd norms = MatrixXd::Zero(rows, l.n_folds);
                    Eigen::VectorXd yj(rows);
                    for (Index j = 0; j < n; ++j) {
                        for (Index i = 0; i < rows; ++i)
                            yj(i) = centred(r0 + perm[static_cast<std::size_t>(i)], j);
                        for (int f = 0; f < l.n_folds; ++f) {
                            if (f == g) continue;
                            const double* aj =
                                train_means[static_cast<std::size_t>(f)].col(j).data();
                            double* nf = norms.col(f).data();
                            for (std::size_t run = 0; run + 1 < run_start.size(); ++run) {
                                const Index i0 = run_start[run], i1 = run_start[run + 1];
                                const double a = aj[cond[perm[static_cast<std::size_t>(i0)]]];
                                for (Index i = i0; i < i1; ++i) {
                                    const double d = yj(i) - a;
                                    nf[i] += d * d;
                                }
                            }
                        }
                    }
                    // Back to fold row order for the sum of squares (the order of its terms).
                    MatrixXd by_row(rows, l.n_folds);
                    for (Index i = 0; i < rows; ++i)
                        by_row.row(perm[static_cast<std::size_t>(i)]) = norms.row(i);
                    norms = std::move(by_row);
                    for (int f = 0; f < l.n_folds; ++f)
                        if (f != g) fourth_parts_(g, f) = norms.col(f).squaredNorm();
                }
            });

        // H_g (lower triangle) = Y_gᵀ Y_g, by the symmetric register-tiled kernel
        // (kernels/centred_gram.hpp, half the flops of a GEMM), which centres fold g's trials
        // on their condition means while it packs them: no centred copy of the trials (P N
        // doubles, and as many fresh pages). One task per fold, its blocks in row order: the
        // bits do not depend on the thread count.
        // Each accumulator is kept and read in place (lower_view): copying its N × N result
        // out would cost a pass over N² doubles and as many fresh pages per fold.
        grams_.resize(static_cast<std::size_t>(l.n_folds));
        tbb::parallel_for(
            tbb::blocked_range<int>(0, l.n_folds, 1), [&](const tbb::blocked_range<int>& gs) {
                for (int g = gs.begin(); g < gs.end(); ++g) {
                    auto gram = std::make_unique<detail::CentredGram>(n);
                    const Index end = l.fold_start[static_cast<std::size_t>(g) + 1];
                    for (Index r = l.fold_start[static_cast<std::size_t>(g)]; r < end;
                         r += detail::CentredGram::block_rows) {
                        const auto count = static_cast<std::size_t>(
                            std::min(detail::CentredGram::block_rows, end - r));
                        const auto first = static_cast<std::size_t>(r);
                        gram->add_rows_gathered(
                            x_, std::span<const Index>(l.order).subspan(first, count),
                            std::span<const int>(row_condition_).subspan(first, count), mean_);
                    }
                    gram->release_packing();
                    grams_[static_cast<std::size_t>(g)] = std::move(gram);
                }
            });
    }

    // N > P_train: M = A Λ Bᵀ for fold f through the training residuals' Gram matrix
    // G = E Eᵀ (P_train × P_train) and Woodbury (see the header); `shrinkage` receives δ. With
    // E = Y_R − C a' (R: training rows, C: their condition indicators, a': training means of y),
    // G = Q_RR − U Cᵀ − C Uᵀ + C a'a'ᵀ Cᵀ with U = Y_R a'ᵀ; A Eᵀ and E Bᵀ likewise from Y products.
    MatrixXd woodbury_between(int f, const MatrixXd& a_x, const MatrixXd& b_x,
                              double& shrinkage) const {
        const Layout& l = *l_;
        const Index n = y().cols();
        const MatrixXd a = outside_means(y_sums_, l, f);
        std::vector<Index> rows; // training rows of y_ / Q
        for (Index r = 0; r < y().rows(); ++r)
            if (r < l.fold_start[static_cast<std::size_t>(f)] ||
                r >= l.fold_start[static_cast<std::size_t>(f) + 1])
                rows.push_back(r);
        const auto pt = static_cast<Index>(rows.size());
        std::vector<int> cond(rows.size());
        for (std::size_t r = 0; r < rows.size(); ++r)
            cond[r] = row_condition_[static_cast<std::size_t>(rows[r])];
        const MatrixXd u = y() * a.transpose();    // P × K (all rows; training ones used)
        const MatrixXd v = a * a.transpose();      // K × K
        const MatrixXd ay = a_x * y().transpose(); // K × P
        const MatrixXd yb = y() * b_x.transpose(); // P × K
        const MatrixXd aa = a_x * a.transpose();   // K × K: A a'ᵀ
        const MatrixXd ab = a * b_x.transpose();   // K × K: a' Bᵀ
        MatrixXd g(pt, pt), ae(a_x.rows(), pt), eb(pt, b_x.rows());
        for (Index s = 0; s < pt; ++s) {
            const Index rs = rows[static_cast<std::size_t>(s)];
            const int cs = cond[static_cast<std::size_t>(s)];
            for (Index r = 0; r < pt; ++r) {
                const Index rr = rows[static_cast<std::size_t>(r)];
                const int cr = cond[static_cast<std::size_t>(r)];
                g(r, s) = q_(rr, rs) - u(rr, cs) - u(rs, cr) + v(cr, cs);
            }
            ae.col(s) = ay.col(rs) - aa.col(cs);
            eb.row(s) = yb.row(rs) - ab.row(cs);
        }
        // E's column means are zero in exact arithmetic (scikit-learn's centring: rounding).
        const double dp = static_cast<double>(pt), dn = static_cast<double>(n);
        const LedoitWolfShrinkage lw = ledoit_wolf_shrinkage(
            g.trace() / dp, g.squaredNorm() / (dp * dp), g.diagonal().squaredNorm(), dp, dn);
        shrinkage = lw.shrinkage;
        const double alpha = shrinkage * lw.mu;
        if (!(alpha > 0.0))
            throw std::invalid_argument(
                "crossnobis: noise covariance is singular (more units than trials, no shrinkage)");
        const double c = (1.0 - shrinkage) / dp;
        g *= c / alpha;
        g.diagonal().array() += 1.0;
        const Eigen::LLT<MatrixXd> woodbury(g);
        return (a_x * b_x.transpose()) / alpha - (c / (alpha * alpha)) * ae * woodbury.solve(eb);
    }

    // Fold f's shrunk noise covariance Σ̂ (lower triangle of `cov`, N × N) and δ.
    double shrunk_covariance(int f, Eigen::Map<MatrixXd, Eigen::Aligned64> cov) const {
        const Layout& l = *l_;
        const Index n = x_.cols();
        // a' = training condition means of y; the training scatter about them is
        // Σ_{g≠f} H_g − Σ_c n_c a'_c a'_cᵀ.
        const MatrixXd a = outside_means(y_sums_, l, f);
        const Eigen::VectorXd n_c = l.counts.rowwise().sum() - l.counts.col(f);
        // Column by column, so that each column of `cov` stays in cache while the folds add up.
        for (Index j = 0; j < n; ++j) {
            bool first = true;
            for (int g = 0; g < l.n_folds; ++g) {
                if (g == f) continue;
                const auto h = grams_[static_cast<std::size_t>(g)]->lower_view().col(j).tail(n - j);
                if (first)
                    cov.col(j).tail(n - j) = h;
                else
                    cov.col(j).tail(n - j) += h;
                first = false;
            }
        }
        const MatrixXd weighted = n_c.asDiagonal() * a;
        cov.triangularView<Eigen::Lower>() -= a.transpose() * weighted;

        // Σ_t ‖e_t‖⁴ over the training trials (fourth_parts_, in fold order).
        double fourth = 0.0;
        Index p_train = 0;
        for (int g = 0; g < l.n_folds; ++g) {
            if (g == f) continue;
            fourth += fourth_parts_(g, f);
            p_train += l.rows_in(g);
        }

        // S = scatter / P_train (ddof 0, as scikit-learn). Its column means are zero in exact
        // arithmetic, so scikit-learn's centring only changes rounding. Statistics of the
        // scatter W, then one pass Σ̂ = W (1 − δ) / P_train + δ μ I.
        const double dp = static_cast<double>(p_train), dn = static_cast<double>(n);
        double trace = 0.0, off = 0.0, diag = 0.0;
        for (Index j = 0; j < n; ++j) {
            const double d = cov(j, j);
            trace += d;
            diag += d * d;
            off += cov.col(j).tail(n - j - 1).squaredNorm();
        }
        const LedoitWolfShrinkage lw =
            ledoit_wolf_shrinkage(trace / dp, (2.0 * off + diag) / (dp * dp), fourth, dp, dn);
        const double scale = (1.0 - lw.shrinkage) / dp;
        for (Index j = 0; j < n; ++j)
            cov.col(j).tail(n - j) *= scale;
        cov.diagonal().array() += lw.shrinkage * lw.mu;
        return lw.shrinkage;
    }

private:
    Eigen::Map<const MatrixXd, Eigen::Aligned64> y() const { return y_store_.view(); }
    // Row r (fold order) of the trials centred on their condition's overall mean.
    double centred(Index r, Index j) const {
        const auto rs = static_cast<std::size_t>(r);
        return x_(l_->order[rs], j) - mean_(row_condition_[rs], j);
    }

    const Layout* l_;
    Eigen::Ref<const MatrixXd> x_; // the trials, in trial order
    MatrixXd mean_;                // K × N: each condition's mean over all trials
    // (g, f): Σ over fold g's trials of ‖e_t‖⁴ about fold f's training means
    MatrixXd fourth_parts_;
    std::vector<int> row_condition_; // condition of each row of y_
    detail::LargeMatrix y_store_;    // y in fold order (the N > P_train route only)
    MatrixXd y_sums_;                // cell sums of y_
    std::vector<std::unique_ptr<detail::CentredGram>> grams_; // per fold (lower_view)
    MatrixXd q_; // trial Gram matrix Y Yᵀ, fold order (when some fold has N > P_train)
};

} // namespace

CrossnobisResult crossnobis_rdm(const Eigen::Ref<const Eigen::MatrixXd>& trials,
                                std::span<const int> labels, std::span<const int> folds,
                                CrossnobisNoise noise) {
    const auto p = static_cast<std::size_t>(trials.rows());
    if (labels.size() != p || folds.size() != p || p == 0 || trials.cols() < 1)
        throw std::invalid_argument("crossnobis: trials, labels and folds must match in length");
    if (*std::min_element(labels.begin(), labels.end()) < 0 ||
        *std::min_element(folds.begin(), folds.end()) < 0)
        throw std::invalid_argument("crossnobis: labels and folds must be non-negative");
    const int k = *std::max_element(labels.begin(), labels.end()) + 1;
    const int n_folds = *std::max_element(folds.begin(), folds.end()) + 1;
    if (n_folds < 2) throw std::invalid_argument("crossnobis: needs at least two folds");

    const Layout l = layout_of(labels, folds, k, n_folds);
    const Eigen::VectorXd n_c = l.counts.rowwise().sum();
    for (int f = 0; f < n_folds; ++f)
        for (int c = 0; c < k; ++c) {
            const bool outside = n_c(c) - l.counts(c, f) > 0.0, inside = l.counts(c, f) > 0.0;
            if (!outside || !inside)
                throw std::invalid_argument("crossnobis: condition " + std::to_string(c) +
                                            " has no trial " + (outside ? "in" : "outside") +
                                            " fold " + std::to_string(f));
        }
    const MatrixXd sums = cell_sums(trials, labels, folds, l, false);
    const Index n = trials.cols();
    const bool lw = noise == CrossnobisNoise::LedoitWolf;
    bool any_direct = false, any_woodbury = false;
    for (int f = 0; f < n_folds; ++f) {
        const auto p_train = static_cast<Index>(p) - l.rows_in(f);
        if (lw && p_train <= k)
            throw std::invalid_argument("crossnobis: fold " + std::to_string(f) +
                                        " leaves no more training trials than conditions");
        any_direct = any_direct || n <= p_train;
        any_woodbury = any_woodbury || n > p_train;
    }

    // Per fold M = A Λ Bᵀ (K × K) and δ; folds in parallel, combined in fold order below.
    std::vector<MatrixXd> m(static_cast<std::size_t>(n_folds));
    std::vector<double> shrinkage(static_cast<std::size_t>(n_folds), 0.0);
    std::optional<CentredTrials> centred;
    // One N × N buffer per thread, reused across its folds (no fresh pages per fold).
    tbb::enumerable_thread_specific<detail::LargeMatrix> covariances;
    if (lw) centred.emplace(trials, labels, folds, l, sums, any_direct, any_woodbury);
    tbb::parallel_for(
        tbb::blocked_range<int>(0, n_folds, 1), [&](const tbb::blocked_range<int>& fs) {
            for (int f = fs.begin(); f < fs.end(); ++f) {
                const auto fi = static_cast<std::size_t>(f);
                const MatrixXd a = outside_means(sums, l, f), b = inside_means(sums, l, f);
                if (!lw) {
                    m[fi] = a * b.transpose();
                    continue;
                }
                const auto p_train = static_cast<double>(static_cast<Index>(p) - l.rows_in(f));
                // The training residuals have P_train − K degrees of freedom: Σ̂ · P_train /
                // (P_train − K), i.e. Λ · (P_train − K) / P_train (δ is scale-free, so unchanged).
                const double dof = (p_train - static_cast<double>(k)) / p_train;
                if (static_cast<double>(n) <= p_train) {
                    detail::LargeMatrix& buffer = covariances.local();
                    if (buffer.view().rows() != n) buffer = detail::LargeMatrix(n, n);
                    auto cov = buffer.view();
                    shrinkage[fi] = centred->shrunk_covariance(f, cov);
                    if (!cholesky_in_place(cov))
                        throw std::invalid_argument("crossnobis: noise covariance is singular");
                    MatrixXd x = b.transpose(); // Σ̂⁻¹ Bᵀ = L⁻ᵀ L⁻¹ Bᵀ
                    cov.triangularView<Eigen::Lower>().solveInPlace(x);
                    cov.triangularView<Eigen::Lower>().transpose().solveInPlace(x);
                    m[fi] = (a * x) * dof;
                } else {
                    m[fi] = centred->woodbury_between(f, a, b, shrinkage[fi]) * dof;
                }
            }
        });

    CrossnobisResult out;
    out.rdm = MatrixXd::Zero(k, k);
    for (int f = 0; f < n_folds; ++f) {
        const MatrixXd& mf = m[static_cast<std::size_t>(f)];
        out.shrinkage += shrinkage[static_cast<std::size_t>(f)];
        for (int i = 0; i < k; ++i)
            for (int j = i + 1; j < k; ++j)
                out.rdm(i, j) += mf(i, i) + mf(j, j) - mf(i, j) - mf(j, i);
    }
    out.rdm.triangularView<Eigen::StrictlyLower>() = out.rdm.transpose(); // exactly symmetric
    out.rdm /= static_cast<double>(n_folds) * static_cast<double>(n);
    out.shrinkage /= static_cast<double>(n_folds);
    return out;
}

} // namespace neuropop::kernels
