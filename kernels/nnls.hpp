#pragma once
// Non-negative least squares, min ‖A x − b‖ subject to x ≥ 0, by the active-set algorithm of
// Lawson & Hanson (Solving Least Squares Problems, 1974, ch. 23), which is also what
// scipy.optimize.nnls implements; and least-distance programming (LDP, ch. 23 §4) on top of it.
//
// Why hand-written: Eigen's NNLS module (unsupported/Eigen/NNLS) appeared after 3.4 and is not
// in Debian 12's libeigen3-dev 3.4.0; no other Debian -dev package offers a C++ NNLS that fits
// (the QP solvers in Debian pull in far larger stacks for a 100-line algorithm).
//
// Implementation: the least-squares problem on the passive set is solved from an upper
// triangular R with RᵀR = A_Pᵀ A_P, updated by one column append (O(m k)) when a variable enters
// and by Givens rotations (O(k²)) when one leaves, with one step of iterative refinement
// (corrected semi-normal equations) so the accuracy is that of a QR solve for the conditioning
// met here. Cost per iteration O(m n) for the gradient Aᵀ(b − A x) plus O(m k + k²).
// Deterministic: fixed loop order, no threads.

#include <Eigen/Core>

namespace neuropop::kernels {

struct NnlsResult {
    Eigen::VectorXd x;        // the solution, x ≥ 0
    Eigen::VectorXd residual; // b − A x
    int iterations = 0;       // variables moved into the passive set
    bool converged = true;    // false when the iteration limit stopped it
};

// A: m × n, b: m. `max_iterations` ≤ 0 means 3 n (scipy's default). A variable enters only if
// its gradient component exceeds 10 · max(m, n) · ε · max_j ‖a_j‖ · ‖b‖, and a column that is
// numerically dependent on the passive ones is never entered.
NnlsResult nnls(const Eigen::Ref<const Eigen::MatrixXd>& a,
                const Eigen::Ref<const Eigen::VectorXd>& b, int max_iterations = 0);

struct LdpResult {
    bool feasible = false;
    Eigen::VectorXd w; // the minimum-norm w with G w ≥ h when feasible (empty otherwise)
};

// Least-distance programming: min ‖w‖ subject to G w ≥ h (G: k × n). Solved as
// u = nnls([Gᵀ; hᵀ], e_{n+1}), r = [Gᵀ; hᵀ] u − e_{n+1}: infeasible iff r = 0, else
// w = −r_{1..n} / r_{n+1} (Lawson & Hanson, Theorem 23.27). Feasibility is reported only when
// the recovered w satisfies G w ≥ h to within 1e-9 · max(1, |h|) per row, so a "feasible"
// answer is always certified by w itself.
LdpResult least_distance(const Eigen::Ref<const Eigen::MatrixXd>& g,
                         const Eigen::Ref<const Eigen::VectorXd>& h);

} // namespace neuropop::kernels
