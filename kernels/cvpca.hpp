#pragma once
// Cross-validated PCA (Stringer, Pachitariu et al. 2019, Nature 571:361), following the MATLAB
// original `shuffledSpectrum` of MouseLand/stringer-pachitariu-et-al-2018b (docs/ANALYSES.md §2).
//
// Inputs: two repeats R1, R2 (stimuli × units) of the same stimuli. Each unit is centred by its
// mean over all responses of both repeats (MATLAB's loadProc2800 centres each neuron before it
// splits the repeats; the Python port centres each stimulus across units instead — not done).
// For each shuffle, the rows of a random subset of stimuli are swapped between R1 and R2: each
// stimulus independently with probability 1/2 (MATLAB's `rand(nstims,1) < .5`); with a single
// shuffle nothing is swapped, as in MATLAB. Then the stimulus Gram K = R1·R1ᵀ = A·B·Aᵀ (Eigen's
// SelfAdjointEigenSolver, descending), unit axes W = R1ᵀ·A·B^{-1/2}, and the signal variance
// along axis k is ss_k = Σ_stim (R1 W)_{stim,k} (R2 W)_{stim,k}. Spectra are averaged over
// shuffles.
//
// The spectrum has min(#stimuli, #units) entries. An axis whose eigenvalue B_k is numerically
// zero (B_k <= B_1 · #stimuli · ε) has no direction: its ss_k is 0 (MATLAB divides by zero
// there and gets NaN).
//
// Power-law exponent α: weighted least squares of log(ss_k / Σss) on log k with weights 1/k
// over the 1-based range k = fit_first … fit_last, α = −slope (MATLAB get_powerlaw). fit_last is
// clipped to min(fit_last, #units − 2, #stimuli − 1, spectrum length), and fit_first to 1 when
// the range would otherwise hold fewer than 2 components (cvpca_fit_range). Entries with ss_k <= 0
// are left out of the fit (their log is undefined; MATLAB takes log|ss|). α is NaN when fewer
// than two points remain.

#include <cstddef>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

struct CvPcaResult {
    Eigen::VectorXd spectrum; // ss_k averaged over shuffles, k = 1 … min(#stimuli, #units)
    double alpha;             // power-law exponent; NaN when the fit range is empty
    std::size_t fit_first,
        fit_last; // 1-based k range used (cvpca_fit_range); fit_last < fit_first when empty
    bool fit_first_clipped = false; // the requested fit_first left fewer than 2 components
};

// Swap masks: column s says which stimuli are swapped in shuffle s (stimuli × shuffles). Draws
// rng.uniform() once per stimulus and shuffle, shuffle by shuffle, unless shuffles == 1 (no draws).
Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>
cvpca_swap_masks(std::size_t stimuli, std::size_t shuffles, CounterRng& rng);

// cvPCA with given swap masks (stimuli × shuffles, at least one column).
CvPcaResult cvpca(const Eigen::Ref<const Eigen::MatrixXd>& r1,
                  const Eigen::Ref<const Eigen::MatrixXd>& r2,
                  const Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>& swap_masks,
                  std::size_t fit_first = 11, std::size_t fit_last = 500);

// r1, r2: stimuli × units (two repeats). shuffles >= 1. Throws std::invalid_argument for shapes
// that differ, fewer than 2 stimuli, or no units.
CvPcaResult cvpca(const Eigen::Ref<const Eigen::MatrixXd>& r1,
                  const Eigen::Ref<const Eigen::MatrixXd>& r2, std::size_t shuffles,
                  CounterRng& rng, std::size_t fit_first = 11, std::size_t fit_last = 500);

// The 1-based k range the power law is fitted over: fit_last clipped to min(fit_last,
// stimuli - 1, units - 2, min(stimuli, units)); when that leaves fewer than 2 components from
// fit_first on but at least 2 from k = 1, the fit starts at k = 1 (first_clipped). Stringer's
// fit_first = 11 would otherwise leave nothing to fit, and alpha NaN, for 13 or fewer units.
struct CvPcaFitRange {
    std::size_t first, last; // last < first + 1: fewer than 2 components (alpha NaN)
    bool first_clipped;
};
CvPcaFitRange cvpca_fit_range(std::size_t fit_first, std::size_t fit_last, std::size_t stimuli,
                              std::size_t units);

// The weighted least-squares exponent alone, over the 1-based range [first, last] of `spectrum`
// (last is clipped to the spectrum's length; non-positive entries are skipped).
double power_law_alpha(const Eigen::VectorXd& spectrum, std::size_t first, std::size_t last);

} // namespace neuropop::kernels
