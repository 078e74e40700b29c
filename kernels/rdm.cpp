#include "kernels/rdm.hpp"

#include <stdexcept>

namespace neuropop::kernels {

namespace {
void check_shape(const Eigen::Ref<const Eigen::MatrixXd>& means) {
    if (means.rows() < 1 || means.cols() < 1)
        throw std::invalid_argument("an RDM needs at least one condition and one unit");
}
} // namespace

Eigen::MatrixXd euclidean_rdm(const Eigen::Ref<const Eigen::MatrixXd>& means) {
    check_shape(means);
    const Eigen::Index k = means.rows();
    Eigen::MatrixXd d = Eigen::MatrixXd::Zero(k, k);
    // Differences, not the Gram identity ‖a‖² + ‖b‖² − 2a·b, which cancels for close patterns.
    for (Eigen::Index i = 0; i < k; ++i)
        for (Eigen::Index j = i + 1; j < k; ++j)
            d(i, j) = d(j, i) = (means.row(i) - means.row(j)).squaredNorm();
    return d / static_cast<double>(means.cols());
}

Eigen::MatrixXd correlation_rdm(const Eigen::Ref<const Eigen::MatrixXd>& means) {
    check_shape(means);
    const Eigen::Index k = means.rows();
    Eigen::MatrixXd centred = means.colwise() - means.rowwise().mean();
    const Eigen::VectorXd norms = centred.rowwise().norm();
    for (Eigen::Index i = 0; i < k; ++i)
        centred.row(i) /= norms(i); // 0 / 0 = NaN on purpose
    Eigen::MatrixXd d = Eigen::MatrixXd::Ones(k, k) - centred * centred.transpose();
    d.diagonal().setZero();
    return d;
}

} // namespace neuropop::kernels
