#include "kernels/participation_ratio.hpp"

#include <limits>
#include <stdexcept>
#include <string>

namespace neuropop::kernels {

namespace {

void require_square(const Eigen::MatrixXd& m, const char* what, Eigen::Index n) {
    if (m.rows() != n || m.cols() != n)
        throw std::invalid_argument(std::string("participation_ratio: ") + what + " is " +
                                    std::to_string(m.rows()) + "×" + std::to_string(m.cols()) +
                                    ", expected " + std::to_string(n) + "×" + std::to_string(n));
}

// tr(A B) = Σ_ij A_ij B_ji without forming the product.
double trace_of_product(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) {
    return a.cwiseProduct(b.transpose()).sum();
}

double ratio(double numerator, double denominator) {
    if (!(denominator > 0)) return std::numeric_limits<double>::quiet_NaN();
    return numerator / denominator;
}

} // namespace

double participation_ratio(const Eigen::VectorXd& eigenvalues) {
    const double sum = eigenvalues.sum();
    return ratio(sum * sum, eigenvalues.squaredNorm());
}

double participation_ratio(const Eigen::MatrixXd& cov) {
    require_square(cov, "covariance", cov.rows());
    const double trace = cov.trace();
    return ratio(trace * trace, trace_of_product(cov, cov));
}

double participation_ratio_split_half(const Eigen::MatrixXd& cov, const Eigen::MatrixXd& cov_a,
                                      const Eigen::MatrixXd& cov_b) {
    require_square(cov, "covariance", cov.rows());
    require_square(cov_a, "first-half covariance", cov.rows());
    require_square(cov_b, "second-half covariance", cov.rows());
    const double trace = cov.trace();
    return ratio(trace * trace, trace_of_product(cov_a, cov_b));
}

} // namespace neuropop::kernels
