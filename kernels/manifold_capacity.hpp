#pragma once
// Linear separability of object manifolds: mean-field (replica) manifold capacity with the
// anchor-point radius and dimension, and the simulated capacity it predicts.
//
// References: Chung, Lee & Sompolinsky 2018, Phys. Rev. X 8:031003, "Classification and geometry
// of general perceptual manifolds" (PRX); Cohen, Chung, Lee & Sompolinsky 2020, Nat. Commun.
// 11:746, "Separability and geometry of object manifolds in deep neural networks" (Methods), and
// its public code `mftma` (manifold_analysis_correlation.py), whose algorithm is reproduced here.
//
// Capacity α = P/N at which P manifolds in N dimensions, given random ±1 labels (dichotomies),
// stop being separable by a hyperplane through the origin with margin κ (default 0). Points:
// α = 2 (Cover 1965). L2 balls of radius R in D dimensions (ball_capacity below, PRX §IV):
//   α⁻¹ = ∫ χ_D(r) dr [ ∫_{−Rr}^{r/R} Dt₀ (Rr + t₀)²/(1 + R²) + ∫_{r/R}^∞ Dt₀ (r² + t₀²) ]
// (interior / touching / embedded regimes); R = 1 gives exactly 2/(D + 1) (the cone of the ball
// is self-dual, so E‖proj‖² splits D + 1 in halves), and large D gives (1 + R²)/(R² D).
//
// Numerical mean-field theory on point clouds (manifold_capacity), step by step as mftma:
//  1. Origin: the mean of all points of all manifolds is subtracted.
//  2. Centre correlations (mftma's fun_FA, Cohen et al. Methods "Center correlation"): the P
//     centres c_μ, minus their mean, are written in an orthonormal basis of their span
//     (X: P × r, r = min(N, P − 1)). For K = 1, 2, …, K_max an orthonormal V (r × K) minimises
//       F(V) = ½ Σ_{μν} (C_μν − c̃_μ·c̃_ν)² / (d_μ d_ν),  C = XXᵀ, c̃ = XV, d_μ = C_μμ − ‖c̃_μ‖²,
//     the summed squared correlation of the centres left after projecting V out. Each K starts
//     from `correlation_restarts` random orthonormal frames [X ᵀs, V_{K−1}] (s ~ N(0, I_P),
//     counter-based draws) and keeps the solution whose smallest kept fraction of a centre's
//     norm (mftma's "stability") is largest. The residual correlation of K is the mean |off-
//     diagonal correlation| of the projected centres; K stops growing after three consecutive
//     increases (K > 4), K_max = 11 + the number of principal components of the centres whose
//     cumulative variance stays below 95 % (mftma's rule; capped at r − 1), and the K with the
//     smallest residual correlation is used. mftma minimises F with pymanopt's conjugate
//     gradient on the Stiefel manifold; here it is Riemannian gradient descent with Armijo
//     backtracking and a QR retraction (same optimum; stops at gradient norm 1e-6 or 1000
//     steps, pymanopt's defaults; kernels/correlation_descent.hpp). The span of V is removed
//     from every point.
//  3. Each manifold is centred on its own (projected) centre and divided by the centre's norm,
//     then written in an orthonormal basis of its m points when N > m (D = m; else D = N), and
//     the centre direction is appended as a last coordinate equal to 1: s_μ = (ŝ_μ, 1).
//  4. Anchor points, for `samples` Gaussian t ∈ R^{D+1}: if max_μ t·s_μ + κ < 0 the anchor is
//     that maximising point (interior regime; it contributes 0). Otherwise the anchor comes
//     from the projection of t onto the cone {v : v·s_μ ≤ −κ ∀μ}: its dual is exactly the NNLS
//     problem z = argmin_{z ≥ 0} ‖S z − (t + κ e_{D+1})‖ (the last row of S is all ones, so κ
//     moves into the right-hand side), v = t − S z, and s̃ = S z / Σz (a point of the convex
//     hull; mftma solves the same QP with cvxopt and uses its multipliers z). When ‖S z‖ < 1e-8
//     (t already satisfies the constraints) the maximising point is used, as in mftma.
//  5. Per manifold (PRX eqs. 16–17, 28–29):
//       α⁻¹ = ⟨ max(t·s̃ + κ, 0)² / ‖s̃‖² ⟩_t          (‖s̃‖² includes the centre coordinate 1)
//       R_M = √⟨‖s̃_D‖²⟩_t,  D_M = ⟨(t_D·ŝ_D)²⟩_t        (s̃_D: the D manifold coordinates)
//     and over manifolds α_M = 1/⟨1/α_μ⟩, R_M and D_M their means (Cohen et al.).
//
// Which radius and dimension: `radius` and `dimension` are the PRX definitions above, the ones
// for which the theory's ball approximation α_M ≈ α_ball(R_M, D_M) holds and which do not depend
// on the basis chosen for the manifold (D_M only reads t inside the anchors' span). mftma
// reports R = √⟨‖s̃_D − ⟨s̃_D⟩‖²⟩ and D = D·⟨t̂_D·ŝ_D⟩² (mean cosine, squared, times the basis
// size D = m, so it changes with the number of points); those are given too (`*_mftma`) to
// compare with published numbers.
//
// Simulation capacity (simulation_capacity): the points, minus their global mean, are
// projected to n dimensions by a Gaussian matrix; a random dichotomy of the P manifolds is
// separable when some w has y_μ w·x > 0 for every point x of manifold μ. That is decided
// exactly (no perceptron or SVM iteration bound) by least-distance programming: min ‖w‖ s.t.
// y_μ w·x ≥ 1 is infeasible iff its NNLS dual has zero residual (nnls.hpp), and a "separable"
// answer is certified by checking the recovered w on every point. The critical n is found by
// bisection on n ∈ [1, N] as the smallest n with a separable fraction ≥ 1/2 (assuming the
// fraction grows with n), α_sim = P / n_c.
//
// Randomness: all draws come from counter-based streams keyed by one draw of the caller's rng
// and by (manifold, sample) or (n, trial), so results are bitwise identical for any thread
// count (manifolds, samples, restarts and trials run in parallel; reductions run in order).
// Cost: step 2 O(K_max · restarts · steps · P (P + r) K); step 4 per manifold `samples` NNLS
// problems of (D + 1) × m; simulation per trial O(M N n) for the projection plus an NNLS of
// (n + 1) × M (M = all points), ~log₂ N bisection steps.

#include <limits>
#include <vector>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::kernels {

// Mean-field capacity of L2 balls (or spheres: same convex hull) of radius R in D dimensions at
// margin 0, by the integral above (Simpson over r, the t₀ integrals in closed form; relative
// error < 1e-9). D = 0 or R = 0 gives 2.
double ball_capacity(double radius, int dimension);

struct AnchorGeometry {
    double capacity = 0.0;        // α for this manifold
    double radius = 0.0;          // PRX R_M
    double dimension = 0.0;       // PRX D_M
    double radius_mftma = 0.0;    // mftma's mean-subtracted radius
    double dimension_mftma = 0.0; // mftma's D · ⟨t̂·ŝ⟩²
};

// Steps 4–5 for one manifold already centred and scaled: `points` m × D (rows are the points'
// D manifold coordinates; the centre coordinate 1 is appended here), `t` samples × (D + 1)
// Gaussian vectors (last column: the centre coordinate). Samples run in parallel.
AnchorGeometry anchor_geometry(const Eigen::Ref<const Eigen::MatrixXd>& points,
                               const Eigen::Ref<const Eigen::MatrixXd>& t, double margin = 0.0);

struct ManifoldCapacityOptions {
    int samples = 200;   // Gaussian vectors t per manifold (mftma's n_t)
    double margin = 0.0; // κ ≥ 0
    bool remove_centre_correlations = true;
    int correlation_restarts = 10; // random starts per K (mftma's n_reps)
};

struct ManifoldCapacity {
    double capacity = 0.0;                                      // α_M = 1 / mean(1/α_μ)
    double radius = 0.0;                                        // mean PRX R_M
    double dimension = 0.0;                                     // mean PRX D_M
    double radius_mftma = 0.0, dimension_mftma = 0.0;           // means of mftma's definitions
    Eigen::VectorXd capacity_each, radius_each, dimension_each; // [μ]
    Eigen::VectorXd radius_mftma_each, dimension_mftma_each;    // [μ]
    int removed_rank = 0;                                       // K (0 when the removal is off)
    double centre_correlation_before = std::numeric_limits<double>::quiet_NaN(); // mean |corr|
    double centre_correlation_after = std::numeric_limits<double>::quiet_NaN();  // at K
};

// `manifolds[μ]`: m_μ × N points of manifold μ (P ≥ 2 manifolds, the same N, m_μ ≥ 1). Throws
// std::invalid_argument on bad shapes or options. A manifold whose centre coincides with the
// global origin after step 2 has no defined scale: its values are NaN.
ManifoldCapacity manifold_capacity(const std::vector<Eigen::MatrixXd>& manifolds,
                                   const ManifoldCapacityOptions& options, CounterRng& rng);

// True when some w has labels(i) · w·points.row(i) > 0 for every row (hyperplane through the
// origin), decided by least-distance programming as above. labels: ±1 per row.
bool separable_through_origin(const Eigen::Ref<const Eigen::MatrixXd>& points,
                              const Eigen::Ref<const Eigen::VectorXd>& labels);

struct SimulationCapacityOptions {
    int dichotomies = 100; // random dichotomies (each with its own projection) per tested n
};

struct SimulationCapacity {
    double capacity = std::numeric_limits<double>::quiet_NaN(); // P / n_c; NaN if even n = N fails
    int critical_dimension = 0;                                 // n_c
    std::vector<int> dimensions;            // every n evaluated, in evaluation order
    std::vector<double> separable_fraction; // [same order]
};

// `manifolds[μ]`: m_μ × N points (the layout of manifold_capacity). Trials run in parallel.
SimulationCapacity simulation_capacity(const std::vector<Eigen::MatrixXd>& manifolds,
                                       const SimulationCapacityOptions& options, CounterRng& rng);

} // namespace neuropop::kernels
