#include "kernels/cvpca.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

namespace neuropop::kernels {

namespace {

using Eigen::Index;
using Masks = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>;

std::string shape(const Eigen::Ref<const Eigen::MatrixXd>& m) {
    return std::to_string(m.rows()) + "×" + std::to_string(m.cols());
}

// Signal variance along the cross-validated axes of one shuffled pair of repeats; entries past
// the numerical rank of the stimulus Gram stay 0.
Eigen::VectorXd shuffle_spectrum(const Eigen::MatrixXd& a1, const Eigen::MatrixXd& a2,
                                 Index length) {
    const Index s = a1.rows();
    Eigen::MatrixXd gram(s, s);
    gram.noalias() = a1 * a1.transpose();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(gram, Eigen::ComputeEigenvectors);
    if (solver.info() != Eigen::Success)
        throw std::runtime_error("cvpca: the eigen-solver did not converge (non-finite input?)");
    const Eigen::VectorXd b = solver.eigenvalues().reverse();
    const double floor =
        std::max(b(0), 0.0) * static_cast<double>(s) * std::numeric_limits<double>::epsilon();
    Index kept = 0;
    while (kept < length && b(kept) > floor)
        ++kept;
    Eigen::VectorXd ss = Eigen::VectorXd::Zero(length);
    if (kept == 0) return ss;
    // W = R1ᵀ A B^{-1/2}: unit-space axes, one per stimulus-space eigenvector.
    const Eigen::MatrixXd a = solver.eigenvectors().rowwise().reverse().leftCols(kept);
    const Eigen::VectorXd inv_sqrt = b.head(kept).cwiseSqrt().cwiseInverse();
    Eigen::MatrixXd w(a1.cols(), kept);
    w.noalias() = a1.transpose() * a;
    w = w * inv_sqrt.asDiagonal();
    Eigen::MatrixXd p1(s, kept), p2(s, kept);
    p1.noalias() = a1 * w;
    p2.noalias() = a2 * w;
    ss.head(kept) = p1.cwiseProduct(p2).colwise().sum().transpose();
    return ss;
}

} // namespace

Masks cvpca_swap_masks(std::size_t stimuli, std::size_t shuffles, CounterRng& rng) {
    Masks masks = Masks::Constant(static_cast<Index>(stimuli), static_cast<Index>(shuffles), false);
    if (shuffles == 1) return masks;
    for (Index sh = 0; sh < masks.cols(); ++sh)
        for (Index i = 0; i < masks.rows(); ++i)
            masks(i, sh) = rng.uniform() < 0.5;
    return masks;
}

double power_law_alpha(const Eigen::VectorXd& spectrum, std::size_t first, std::size_t last) {
    first = std::max<std::size_t>(first, 1);
    last = std::min<std::size_t>(last, static_cast<std::size_t>(spectrum.size()));
    // Normalising by Σss only moves the intercept, so the fit uses log ss_k directly.
    double sw = 0, sx = 0, sy = 0;
    std::size_t points = 0;
    for (std::size_t k = first; k <= last; ++k) {
        const double v = spectrum(static_cast<Index>(k - 1));
        if (!(v > 0)) continue;
        const double w = 1.0 / static_cast<double>(k);
        sw += w;
        sx += w * std::log(static_cast<double>(k));
        sy += w * std::log(v);
        ++points;
    }
    if (points < 2) return std::numeric_limits<double>::quiet_NaN();
    const double mx = sx / sw, my = sy / sw;
    double sxx = 0, sxy = 0;
    for (std::size_t k = first; k <= last; ++k) {
        const double v = spectrum(static_cast<Index>(k - 1));
        if (!(v > 0)) continue;
        const double w = 1.0 / static_cast<double>(k);
        const double dx = std::log(static_cast<double>(k)) - mx;
        sxx += w * dx * dx;
        sxy += w * dx * (std::log(v) - my);
    }
    return -sxy / sxx;
}

CvPcaResult cvpca(const Eigen::Ref<const Eigen::MatrixXd>& r1,
                  const Eigen::Ref<const Eigen::MatrixXd>& r2, const Masks& swap_masks,
                  std::size_t fit_first, std::size_t fit_last) {
    if (r1.rows() != r2.rows() || r1.cols() != r2.cols())
        throw std::invalid_argument("cvpca: repeats have different shapes (" + shape(r1) + " vs " +
                                    shape(r2) + ")");
    const Index s = r1.rows(), n = r1.cols();
    if (s < 2 || n < 1)
        throw std::invalid_argument("cvpca: needs at least 2 stimuli and 1 unit, have " +
                                    shape(r1));
    if (swap_masks.rows() != s || swap_masks.cols() < 1)
        throw std::invalid_argument("cvpca: swap masks are " + std::to_string(swap_masks.rows()) +
                                    "×" + std::to_string(swap_masks.cols()) + " for " +
                                    std::to_string(s) + " stimuli (need at least one shuffle)");

    // Each unit centred over both repeats together, as MATLAB centres before splitting repeats.
    const Eigen::RowVectorXd mean =
        (r1.colwise().sum() + r2.colwise().sum()) / static_cast<double>(2 * s);
    const Eigen::MatrixXd c1 = r1.rowwise() - mean, c2 = r2.rowwise() - mean;

    const Index length = std::min(s, n);
    Eigen::VectorXd total = Eigen::VectorXd::Zero(length);
    Eigen::MatrixXd a1(s, n), a2(s, n);
    for (Index sh = 0; sh < swap_masks.cols(); ++sh) {
        for (Index i = 0; i < s; ++i) {
            const bool swap = swap_masks(i, sh);
            a1.row(i) = swap ? c2.row(i) : c1.row(i);
            a2.row(i) = swap ? c1.row(i) : c2.row(i);
        }
        total += shuffle_spectrum(a1, a2, length);
    }

    CvPcaResult out;
    out.spectrum = total / static_cast<double>(swap_masks.cols());
    const auto range = cvpca_fit_range(fit_first, fit_last, static_cast<std::size_t>(s),
                                       static_cast<std::size_t>(n));
    out.fit_first = range.first;
    out.fit_last = range.last;
    out.fit_first_clipped = range.first_clipped;
    out.alpha = power_law_alpha(out.spectrum, range.first, range.last);
    return out;
}

CvPcaFitRange cvpca_fit_range(std::size_t fit_first, std::size_t fit_last, std::size_t stimuli,
                              std::size_t units) {
    CvPcaFitRange r{std::max<std::size_t>(fit_first, 1), fit_last, false};
    r.last = std::min(r.last, stimuli >= 1 ? stimuli - 1 : 0);
    r.last = std::min(r.last, units >= 2 ? units - 2 : 0);
    r.last = std::min(r.last, std::min(stimuli, units));
    if (r.last < r.first + 1 && r.last >= 2 && r.first > 1) {
        r.first = 1;
        r.first_clipped = true;
    }
    return r;
}

CvPcaResult cvpca(const Eigen::Ref<const Eigen::MatrixXd>& r1,
                  const Eigen::Ref<const Eigen::MatrixXd>& r2, std::size_t shuffles,
                  CounterRng& rng, std::size_t fit_first, std::size_t fit_last) {
    if (shuffles < 1) throw std::invalid_argument("cvpca: needs at least one shuffle");
    return cvpca(r1, r2, cvpca_swap_masks(static_cast<std::size_t>(r1.rows()), shuffles, rng),
                 fit_first, fit_last);
}

} // namespace neuropop::kernels
