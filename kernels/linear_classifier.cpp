#include "kernels/linear_classifier.hpp"

#include <stdexcept>
#include <string>

namespace neuropop::kernels {

Eigen::MatrixXd LinearClassifier::decision(const Eigen::Ref<const Eigen::MatrixXd>& samples) const {
    if (samples.cols() != features())
        throw std::invalid_argument("LinearClassifier: feature count differs from the fitted one");
    Eigen::MatrixXd scores = samples * coef.transpose();
    scores.rowwise() += intercept.transpose();
    return scores;
}

void LinearClassifier::predict(const Eigen::Ref<const Eigen::MatrixXd>& samples,
                               std::span<int> out) const {
    if (static_cast<Eigen::Index>(out.size()) != samples.rows())
        throw std::invalid_argument("LinearClassifier::predict: output size differs from rows");
    const Eigen::MatrixXd scores = decision(samples);
    for (Eigen::Index i = 0; i < scores.rows(); ++i) {
        Eigen::Index best = 0;
        for (Eigen::Index k = 1; k < scores.cols(); ++k)
            if (scores(i, k) > scores(i, best)) best = k;
        out[static_cast<std::size_t>(i)] = static_cast<int>(best);
    }
}

std::vector<int> LinearClassifier::predict(const Eigen::Ref<const Eigen::MatrixXd>& samples) const {
    std::vector<int> out(static_cast<std::size_t>(samples.rows()));
    predict(samples, out);
    return out;
}

std::vector<int> class_counts(std::span<const int> labels, int n_classes) {
    if (n_classes < 1) throw std::invalid_argument("class count must be at least 1");
    std::vector<int> counts(static_cast<std::size_t>(n_classes), 0);
    for (int y : labels) {
        if (y < 0 || y >= n_classes)
            throw std::invalid_argument("label " + std::to_string(y) + " outside [0, " +
                                        std::to_string(n_classes) + ")");
        ++counts[static_cast<std::size_t>(y)];
    }
    return counts;
}

} // namespace neuropop::kernels
