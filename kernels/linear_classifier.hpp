#pragma once
// A fitted linear classifier in scikit-learn's layout, shared by the logistic and LDA decoders:
// class scores = X coefᵀ + intercept, prediction = the first class with the highest score (as
// numpy's argmax breaks ties).

#include <span>
#include <vector>

#include <Eigen/Core>

namespace neuropop::kernels {

struct LinearClassifier {
    Eigen::MatrixXd coef;      // classes × features
    Eigen::VectorXd intercept; // classes

    Eigen::Index classes() const { return coef.rows(); }
    Eigen::Index features() const { return coef.cols(); }

    // Scores [sample, class].
    Eigen::MatrixXd decision(const Eigen::Ref<const Eigen::MatrixXd>& samples) const;
    // Predicted class per row of `samples`, written to `out` (size = rows).
    void predict(const Eigen::Ref<const Eigen::MatrixXd>& samples, std::span<int> out) const;
    std::vector<int> predict(const Eigen::Ref<const Eigen::MatrixXd>& samples) const;
};

// Checks labels against a class count and returns per-class counts; throws
// std::invalid_argument when a label is outside [0, n_classes) or the sizes differ.
std::vector<int> class_counts(std::span<const int> labels, int n_classes);

} // namespace neuropop::kernels
