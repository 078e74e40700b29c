#pragma once
// Small statistics for the decoding results (docs/ANALYSES.md §3): permutation p-values, Fisher's
// combination of p-values across sessions, Benjamini–Hochberg FDR across regions.

#include <cstddef>
#include <span>
#include <vector>

namespace neuropop::kernels {

// Survival function of χ² with an even number of degrees of freedom 2n (n ≥ 1), in closed form:
// sf(x; 2n) = e^{−x/2} Σ_{i<n} (x/2)^i / i!, summed in log space so that neither e^{−x/2} nor
// (x/2)^i under- or overflows. x ≤ 0 gives 1, x = +∞ gives 0. Throws std::invalid_argument
// for n < 1 or NaN x.
double chi2_sf_even(double x, std::size_t n);

// Fisher's method: −2 Σ ln p_i ~ χ²(2m) under the null; returns its survival value (as
// scipy.stats.combine_pvalues(p, method='fisher').pvalue). A p of 0 gives 0. Throws
// std::invalid_argument for an empty list or a p outside [0, 1] (or NaN).
double fisher_combined(std::span<const double> p);

// Benjamini–Hochberg adjusted p-values in the input order, as
// scipy.stats.false_discovery_control(p, method='bh') and statsmodels' fdr_bh: p_(i) · m / i
// over the sorted p, made monotone from the largest down (running minimum), capped at 1. Throws
// std::invalid_argument for a p outside [0, 1] (or NaN).
std::vector<double> benjamini_hochberg(std::span<const double> p);

// Permutation p-value with the +1 correction: (1 + #{null ≥ observed}) / (1 + B) for each
// column: `observed` has `columns` entries, `null` is [B, columns] row-major.
std::vector<double> permutation_p_values(std::span<const double> observed,
                                         std::span<const double> null);

} // namespace neuropop::kernels
