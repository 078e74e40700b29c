#include "kernels/pca.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

namespace neuropop::kernels {

void flip_signs(Eigen::MatrixXd& axes) {
    for (Eigen::Index j = 0; j < axes.cols(); ++j) {
        Eigen::Index largest = 0;
        double best = -1;
        for (Eigen::Index i = 0; i < axes.rows(); ++i) {
            if (std::abs(axes(i, j)) > best) {
                best = std::abs(axes(i, j));
                largest = i;
            }
        }
        if (axes.rows() > 0 && axes(largest, j) < 0) axes.col(j) = -axes.col(j);
    }
}

PcaResult pca_from_covariance(const Eigen::MatrixXd& cov, const Eigen::VectorXd& mean,
                              std::size_t k) {
    if (cov.rows() != cov.cols())
        throw std::invalid_argument("pca: covariance is " + std::to_string(cov.rows()) + "×" +
                                    std::to_string(cov.cols()) + ", not square");
    if (mean.size() != cov.rows())
        throw std::invalid_argument("pca: mean has " + std::to_string(mean.size()) +
                                    " entries for " + std::to_string(cov.rows()) + " features");
    const Eigen::Index p = cov.rows();
    const auto kept =
        static_cast<Eigen::Index>(std::min<std::size_t>(k, static_cast<std::size_t>(p)));

    PcaResult out;
    out.mean = mean;
    if (p == 0) {
        out.components.resize(0, 0);
        return out;
    }
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(cov, Eigen::ComputeEigenvectors);
    if (solver.info() != Eigen::Success)
        throw std::runtime_error("pca: the eigen-solver did not converge (non-finite covariance?)");
    // Eigen sorts ascending; a covariance is PSD, so values below zero are rounding.
    out.eigenvalues = solver.eigenvalues().reverse().cwiseMax(0.0);
    const double total = out.eigenvalues.sum();
    out.explained_ratio = total > 0 ? Eigen::VectorXd(out.eigenvalues / total)
                                    : Eigen::VectorXd(Eigen::VectorXd::Zero(p));
    out.components = solver.eigenvectors().rowwise().reverse().leftCols(kept);
    flip_signs(out.components);
    return out;
}

PcaResult pca(const Moments& m, std::size_t k) {
    return pca_from_covariance(m.covariance(), m.mean, k);
}

Eigen::MatrixXd project(const PcaResult& p, const Eigen::Ref<const Eigen::MatrixXd>& samples) {
    if (samples.cols() != p.mean.size())
        throw std::invalid_argument("project: samples have " + std::to_string(samples.cols()) +
                                    " features, the PCA has " + std::to_string(p.mean.size()));
    return (samples.rowwise() - p.mean.transpose()) * p.components;
}

} // namespace neuropop::kernels
