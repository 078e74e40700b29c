#pragma once
// Manifold geometry and few-shot (prototype) learning: Sorscher, Ganguli & Sompolinsky 2022
// (PNAS), Li, Sorscher & Sompolinsky 2024 (PNAS); formulas exactly as docs/ANALYSES.md §4.
//
// Each condition a gives a manifold of P_a samples (P_a × N) with centroid x0_a and sample
// covariance C_a (ddof 1) = Σ_i λ_{a,i} u_{a,i} u_{a,i}ᵀ. C_a is held as a factor
// F_a = [√λ_i u_i] (N × r, r = min(P_a − 1, N)) from the eigen-decomposition of C_a when
// P_a > N, or of the Gram matrix X_c X_cᵀ/(P_a − 1) when P_a ≤ N (then u_i = X_cᵀ
// v_i/√(λ_i(P_a−1))). Every pair quantity is then a small product:
//   R_a² = Σλ_a (the sum — not divided by N),  D_a = (Σλ_a)² / Σλ_a²,
//   Δx0 = (x0_a − x0_b)/R_a, signal = ‖Δx0‖², bias = R_b²/R_a² − 1,
//   csa = ‖F_aᵀ Δx̂0‖² / Σλ_a,  csb = ‖F_bᵀ Δx̂0‖² / Σλ_a (normalised by a's total),
//   ss = ‖F_aᵀ F_b‖²_F / (Σλ_a)².
// Predicted m-shot error on a against b: H(mean / √noise²), H(x) = ½ erfc(x/√2), with the full
// finite-m form
//   mean   = ½ signal + ½ bias / m
//   noise² = 1/(D_a m) + 1/(2 D_a m²) + (R_b²/R_a²)/(2 D_b m²) + csa signal + csb signal/m + ss/m
// (D_a in the first two terms, D_b only in the third).
//
// The plug-in D is biased low for few samples (Marchenko–Pastur); the split-half dimension
// (Σλ)² / tr(C_A C_B), C_A and C_B from the even- and odd-numbered samples, removes most of
// that bias and can be used for the prediction instead.

#include <vector>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

struct ManifoldOptions {
    std::vector<int> shots{1, 2, 5, 10}; // m values; each needs m < P_a for every a
    int episodes = 100;                  // empirical episodes per (a, b, m); 0 skips simulation
    bool split_half_dimension = false;   // use the split-half D in the prediction
};

// Arrays indexed [a, b, m] are stored flat at (a · K + b) · M + m; [a, b] at a · K + b.
// Entries with a == b are NaN.
struct ManifoldGeometry {
    int conditions = 0;
    std::vector<int> shots;
    Eigen::VectorXd radius2;         // [a] R_a² = Σλ_a
    Eigen::VectorXd dimension;       // [a] plug-in (Σλ)²/Σλ²
    Eigen::VectorXd dimension_split; // [a] split-half; NaN when P_a < 4 or tr(C_A C_B) ≤ 0
    Eigen::VectorXd signal, bias, csa, csb, ss; // [a, b]
    Eigen::VectorXd predicted_error;            // [a, b, m]
    Eigen::VectorXd empirical_error;            // [a, b, m]; NaN when episodes = 0

    double at(const Eigen::VectorXd& pair_array, int a, int b) const {
        return pair_array(a * conditions + b);
    }
    double at(const Eigen::VectorXd& shot_array, int a, int b, int m_index) const {
        return shot_array((a * conditions + b) * static_cast<int>(shots.size()) + m_index);
    }
};

// The predicted error for one pair and one m (the formula above), exposed for tests and reuse.
double predicted_prototype_error(double signal, double bias, double csa, double csb, double ss,
                                 double dim_a, double dim_b, double radius_ratio_ba, double m);

// `manifolds[a]`: P_a × N samples of condition a (all with the same N, P_a ≥ 2, K ≥ 2).
// Empirical error: for each (a, b, m) and episode, m samples of a and m of b are drawn without
// replacement (partial Fisher–Yates; each (a, b, m) has its own counter-based stream keyed by
// one draw of `rng`, so pairs run in parallel with the same bits for any thread count); they
// are the training samples whose means are the prototypes, the other P_a − m samples of a are
// tested, and a test x is an error when ‖x − x̄_b‖² < ‖x − x̄_a‖². The error is the mean over all
// tests of all episodes. Throws std::invalid_argument on bad shapes or m values.
ManifoldGeometry manifold_geometry(const std::vector<Eigen::MatrixXd>& manifolds,
                                   const ManifoldOptions& options, CounterRng& rng);

} // namespace neuropop::kernels
