#pragma once
// Z-scoring fitted on a training fold only (docs/ANALYSES.md §3), identical to scikit-learn 1.2's
// StandardScaler: population variance (ddof 0), and a feature that is constant up to rounding
// keeps scale 1 so it maps to 0 instead of dividing by ~0.

#include <Eigen/Core>

namespace neuropop::kernels {

struct Standardizer {
    Eigen::RowVectorXd mean;  // per feature
    Eigen::RowVectorXd scale; // per feature: sd, or 1 for a (near-)constant feature

    // Fits on the rows of `samples` (rows = trials, cols = features). At least one row.
    static Standardizer fit(const Eigen::Ref<const Eigen::MatrixXd>& samples);

    // (x - mean) / scale for every row.
    Eigen::MatrixXd transform(const Eigen::Ref<const Eigen::MatrixXd>& samples) const;
    void transform_in_place(Eigen::Ref<Eigen::MatrixXd> samples) const;
};

} // namespace neuropop::kernels
