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

double participation_ratio_split_half_samples(const Eigen::Ref<const Eigen::MatrixXd>& x,
                                              const Eigen::Ref<const Eigen::MatrixXd>& a,
                                              const Eigen::Ref<const Eigen::MatrixXd>& b) {
    if (a.cols() != x.cols() || b.cols() != x.cols())
        throw std::invalid_argument("participation_ratio: the halves have " +
                                    std::to_string(a.cols()) + " and " + std::to_string(b.cols()) +
                                    " features, the samples " + std::to_string(x.cols()));
    if (x.rows() < 2 || a.rows() < 2 || b.rows() < 2)
        return std::numeric_limits<double>::quiet_NaN();
    const auto centred = [](const Eigen::Ref<const Eigen::MatrixXd>& m) {
        return Eigen::MatrixXd(m.rowwise() - m.colwise().mean());
    };
    const Eigen::MatrixXd xa = centred(a), xb = centred(b);
    const double trace = centred(x).squaredNorm() / static_cast<double>(x.rows() - 1);
    const double cross = (xa * xb.transpose()).squaredNorm() /
                         (static_cast<double>(a.rows() - 1) * static_cast<double>(b.rows() - 1));
    return ratio(trace * trace, cross);
}

} // namespace neuropop::kernels
