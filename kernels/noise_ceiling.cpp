#include "kernels/noise_ceiling.hpp"

#include <stdexcept>

namespace neuropop::kernels {

NoiseCeiling rsa_noise_ceiling(const std::vector<Eigen::MatrixXd>& rdms, RdmComparison how) {
    if (rdms.size() < 2) throw std::invalid_argument("a noise ceiling needs at least two RDMs");
    const Eigen::Index k = rdms[0].rows();
    for (const auto& r : rdms)
        if (r.rows() != k || r.cols() != k || k < 2)
            throw std::invalid_argument("a noise ceiling needs RDMs of one K × K shape, K >= 2");
    const auto s = static_cast<Eigen::Index>(rdms.size());
    Eigen::MatrixXd tri(k * (k - 1) / 2, s);
    for (Eigen::Index i = 0; i < s; ++i)
        tri.col(i) = upper_triangle(rdms[static_cast<std::size_t>(i)]);
    const Eigen::VectorXd sum = tri.rowwise().sum();
    const Eigen::VectorXd mean = sum / static_cast<double>(s);

    NoiseCeiling out;
    out.lower_each.resize(s);
    out.upper_each.resize(s);
    for (Eigen::Index i = 0; i < s; ++i) {
        const Eigen::VectorXd others = (sum - tri.col(i)) / static_cast<double>(s - 1);
        out.upper_each(i) = compare_vectors(tri.col(i), mean, how);
        out.lower_each(i) = compare_vectors(tri.col(i), others, how);
    }
    out.upper = out.upper_each.mean();
    out.lower = out.lower_each.mean();
    return out;
}

} // namespace neuropop::kernels
