#pragma once
// Multinomial logistic regression with an L2 penalty on the weights only (docs/ANALYSES.md §3), the
// objective of scikit-learn 1.2's LogisticRegression(solver='lbfgs', multi_class='multinomial'):
//
//     minimise  C · Σ_i [ log Σ_k exp(z_ik) − z_i,y_i ] + ½ ‖W‖²,   z_i = W x_i + b,
//
// with K weight vectors (the over-complete parameterisation that the penalty makes identifiable:
// at the optimum Σ_k w_k = 0) and an unpenalised intercept b, reported with Σ_k b_k = 0 (the
// representative scikit-learn's L-BFGS reaches from its zero start). scikit-learn's liblinear
// solver penalises the intercept; this does not.
//
// Solver: L-BFGS written here (Eigen only) with a backtracking Armijo line search, started at
// zero, stopped when ‖∇‖_∞ ≤ tolerance · ‖∇ at zero‖_∞ — much tighter than scikit-learn's
// default (gtol 1e-4 absolute, and a relative-decrease stop of 2.2e-9 on the objective).

#include <span>

#include <Eigen/Core>

#include "kernels/linear_classifier.hpp"

namespace neuropop::kernels {

struct LogisticOptions {
    double C = 1.0;          // inverse penalty strength, > 0 (scikit-learn's C)
    double tolerance = 1e-8; // relative gradient norm at which the solver stops
    int max_iterations = 10000;
    int memory = 20; // L-BFGS correction pairs
};

struct LogisticFit {
    LinearClassifier model;
    int iterations = 0;        // L-BFGS iterations
    int evaluations = 0;       // objective + gradient evaluations
    bool converged = false;    // gradient criterion met within max_iterations
    double gradient_ratio = 0; // final ‖∇‖_∞ / ‖∇ at zero‖_∞
};

// `samples` rows = trials, cols = features (already standardised by the caller); labels in
// [0, n_classes), every class present (its intercept would otherwise diverge to −∞). Throws
// std::invalid_argument for inconsistent sizes, C ≤ 0 or non-finite, a label outside the range
// or a class without samples (naming its index). Deterministic: the same input gives the same
// bits. Cost per iteration: two products of the samples with a features × classes matrix (for
// ≤ 8 classes a register-blocked kernel, which keeps a transposed copy of the samples).
LogisticFit fit_logistic(const Eigen::Ref<const Eigen::MatrixXd>& samples,
                         std::span<const int> labels, int n_classes,
                         const LogisticOptions& options = {});

} // namespace neuropop::kernels
