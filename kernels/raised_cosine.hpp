#pragma once
// Raised-cosine bases and the design-matrix blocks of the coupled Poisson GLM
// (kernels/poisson_glm.hpp; Pillow et al. 2008, Nature 454:995; GLMspiketools by J. Pillow).
//
// Bump: ff(x, c, Δ) = (cos(max(−π, min(π, (x − c) π / (2Δ)))) + 1) / 2, a raised cosine of
// half-width 2Δ centred at c. GLMspiketools spaces its bumps Δ apart, so four overlap at any
// point and they sum to 2 between the second and the second-to-last centre (less at the ends).
//
// Post-spike (history / coupling) basis, GLMspiketools' makeBasis_PostSpike without the
// absolute-refractory column: nlin(t) = log(t + 1e-20) stretches time; y = nlin(peaks + b);
// Δ = (y_last − y_first) / (n − 1); centres y_first + jΔ, j = 0 … n − 1; the lattice is
// t = dt, 2dt, … up to mxt = exp(y_last + 2Δ) − 1e-20 − b (MATLAB's dt:dt:mxt); column j is
// ff(nlin(t + b), centre_j, Δ). Row i is the weight of the count i + 1 bins in the past: the
// filter is strictly causal, as GLMspiketools applies it to spikes after the current bin. The
// non-orthogonalised basis is used (makeBasis_PostSpike's `ihbasis`), so filter = basis × weights.
//
// Trial (stimulus) basis: n bumps on a linear time axis over the bins of a trial, centres
// c_j = j (T − 1) / (n − 1) and half-width one spacing (ff with Δ = spacing / 2), so two
// overlap at any bin and they sum to exactly 1 over the whole trial (a partition of unity:
// the intercept is the sum of a condition's columns); with the one-hot condition this gives a
// smooth per-condition PSTH in the log rate.

#include <span>

#include <Eigen/Core>

namespace neuropop::kernels {

// ff(x, c, Δ) above.
double raised_cosine(double x, double centre, double spacing);

struct PostSpikeBasisSpec {
    int n_basis = 5;         // ≥ 2
    double first_peak = 0.0; // seconds; first_peak + b > 0
    double last_peak = 0.1;  // seconds, > first_peak
    double b = 0.02;         // stretch offset, seconds: larger → closer to linear spacing
    double dt = 0.01;        // bin width, seconds
    double history = 0.0;    // > 0: truncate or zero-pad the lattice to round(history / dt)
                             // bins (makeBasis_PostSpike's iht0); 0 keeps dt … mxt
};

// Lags × n_basis; lag i (0-based row) is time (i + 1) dt. Throws std::invalid_argument for an
// invalid spec. Cost O(lags × n_basis).
Eigen::MatrixXd post_spike_basis(const PostSpikeBasisSpec& spec);

// Bins × n_basis linear raised cosines tiling a trial of `bins` bins (n_basis ≥ 2, bins ≥ 2);
// n_basis = 1 gives a constant column.
Eigen::MatrixXd trial_basis(int bins, int n_basis);

// Stimulus block: rows = trials × bins (trial-major: row = trial · bins + bin), columns =
// conditions × trial-basis columns (column = condition · n_basis + j): the trial basis placed
// in the columns of the trial's condition, zeros elsewhere. conditions: one label in
// [0, n_conditions) per trial.
Eigen::MatrixXd stimulus_design(std::span<const int> conditions, int n_conditions,
                                const Eigen::Ref<const Eigen::MatrixXd>& trial_basis);

// History / coupling block from counts (rows = trials × bins trial-major as above, columns =
// units): column u · n_basis + j at row t is Σ_{i=0}^{lags−1} basis(i, j) · counts(t − 1 − i, u),
// summing only over bins of the same trial (earlier trials are not carried over; bins before a
// trial's start count as zero). bins_per_trial = 0 treats all rows as one continuous recording.
// Cost O(rows × units × lags × n_basis).
Eigen::MatrixXd history_design(const Eigen::Ref<const Eigen::MatrixXd>& counts,
                               const Eigen::Ref<const Eigen::MatrixXd>& basis, int bins_per_trial);

} // namespace neuropop::kernels
