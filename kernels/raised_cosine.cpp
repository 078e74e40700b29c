#include "kernels/raised_cosine.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

namespace neuropop::kernels {

using Eigen::Index;
using Eigen::MatrixXd;

double raised_cosine(double x, double centre, double spacing) {
    const double pi = std::numbers::pi;
    const double phase = std::max(-pi, std::min(pi, (x - centre) * pi / spacing / 2.0));
    return (std::cos(phase) + 1.0) / 2.0;
}

MatrixXd post_spike_basis(const PostSpikeBasisSpec& spec) {
    if (spec.n_basis < 2 || !(spec.last_peak > spec.first_peak) ||
        !(spec.first_peak + spec.b > 0) || !(spec.dt > 0) || !(spec.history >= 0) ||
        !std::isfinite(spec.last_peak + spec.b))
        throw std::invalid_argument("post_spike_basis: need n_basis ≥ 2, last_peak > first_peak, "
                                    "first_peak + b > 0, dt > 0 and history ≥ 0");
    // The 1e-20 of GLMspiketools' nlin/invnl is kept so the lattice ends exactly where its does.
    const auto nlin = [](double x) { return std::log(x + 1e-20); };
    const double y0 = nlin(spec.first_peak + spec.b), y1 = nlin(spec.last_peak + spec.b);
    const double spacing = (y1 - y0) / static_cast<double>(spec.n_basis - 1);
    const double mxt = std::exp(y1 + 2.0 * spacing) - 1e-20 - spec.b;
    // MATLAB's colon dt:dt:mxt has floor(mxt / dt + tolerance) elements; the tolerance is a few
    // ulps of the ratio (colon's own rule), which decides only exact multiples.
    const double ratio = mxt / spec.dt;
    auto natural = static_cast<Index>(std::floor(ratio + 4.0 * ratio * 2.220446049250313e-16));
    const Index lags =
        spec.history > 0 ? static_cast<Index>(std::llround(spec.history / spec.dt)) : natural;
    if (lags < 1) throw std::invalid_argument("post_spike_basis: the basis has no lags");
    MatrixXd basis = MatrixXd::Zero(lags, spec.n_basis);
    for (Index i = 0; i < std::min(lags, natural); ++i) {
        const double x = nlin(static_cast<double>(i + 1) * spec.dt + spec.b);
        for (int j = 0; j < spec.n_basis; ++j)
            basis(i, j) = raised_cosine(x, y0 + static_cast<double>(j) * spacing, spacing);
    }
    return basis;
}

MatrixXd trial_basis(int bins, int n_basis) {
    if (bins < 2 || n_basis < 1)
        throw std::invalid_argument("trial_basis: need bins ≥ 2 and n_basis ≥ 1");
    if (n_basis == 1) return MatrixXd::Ones(bins, 1);
    const double spacing = static_cast<double>(bins - 1) / static_cast<double>(n_basis - 1);
    MatrixXd basis(bins, n_basis);
    for (int t = 0; t < bins; ++t)
        for (int j = 0; j < n_basis; ++j)
            basis(t, j) = raised_cosine(static_cast<double>(t), static_cast<double>(j) * spacing,
                                        spacing / 2.0);
    return basis;
}

MatrixXd stimulus_design(std::span<const int> conditions, int n_conditions,
                         const Eigen::Ref<const MatrixXd>& trial_basis) {
    const Index bins = trial_basis.rows(), nb = trial_basis.cols();
    MatrixXd design = MatrixXd::Zero(static_cast<Index>(conditions.size()) * bins,
                                     static_cast<Index>(n_conditions) * nb);
    for (std::size_t trial = 0; trial < conditions.size(); ++trial) {
        const int c = conditions[trial];
        if (c < 0 || c >= n_conditions)
            throw std::invalid_argument("stimulus_design: condition " + std::to_string(c) +
                                        " outside [0, " + std::to_string(n_conditions) + ")");
        design.block(static_cast<Index>(trial) * bins, c * nb, bins, nb) = trial_basis;
    }
    return design;
}

MatrixXd history_design(const Eigen::Ref<const MatrixXd>& counts,
                        const Eigen::Ref<const MatrixXd>& basis, int bins_per_trial) {
    const Index rows = counts.rows(), units = counts.cols(), lags = basis.rows(), nb = basis.cols();
    const Index segment = bins_per_trial > 0 ? bins_per_trial : rows;
    if (bins_per_trial < 0 || (rows > 0 && rows % segment != 0))
        throw std::invalid_argument("history_design: " + std::to_string(rows) +
                                    " rows are not whole trials of " +
                                    std::to_string(bins_per_trial) + " bins");
    MatrixXd design = MatrixXd::Zero(rows, units * nb);
    for (Index u = 0; u < units; ++u)
        for (Index t = 0; t < rows; ++t) {
            const double c = counts(t, u);
            if (c == 0) continue; // spikes are sparse: scatter each count forward
            const Index end = std::min((t / segment + 1) * segment, t + 1 + lags);
            for (Index s = t + 1; s < end; ++s)
                design.block(s, u * nb, 1, nb) += c * basis.row(s - t - 1);
        }
    return design;
}

} // namespace neuropop::kernels
