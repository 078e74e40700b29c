#include "kernels/pca.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>
#include <Eigen/SVD>

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

bool pca_uses_svd(Eigen::Index samples, Eigen::Index features, std::size_t k) {
    return samples >= 2 && samples <= features &&
           std::min<std::size_t>(k, static_cast<std::size_t>(features)) <=
               static_cast<std::size_t>(samples - 1);
}

PcaResult pca_of_samples(const Eigen::Ref<const Eigen::MatrixXd>& samples, std::size_t k) {
    const Eigen::Index n = samples.rows(), p = samples.cols();
    if (n < 2)
        throw std::invalid_argument("pca: " + std::to_string(n) + " samples; a covariance needs 2");
    if (!pca_uses_svd(n, p, k)) return pca(Moments::of(samples), k);
    const auto kept =
        static_cast<Eigen::Index>(std::min<std::size_t>(k, static_cast<std::size_t>(p)));

    PcaResult out;
    out.mean = samples.colwise().mean().transpose();
    const Eigen::MatrixXd centred = samples.rowwise() - out.mean.transpose();
    if (!centred.allFinite()) throw std::runtime_error("pca: the samples are not finite");
    // Singular values come out descending; the columns of V past the rank are not needed
    // (kept ≤ n − 1, the centred samples' largest possible rank).
    const Eigen::BDCSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
    if (svd.info() != Eigen::Success) throw std::runtime_error("pca: the SVD did not converge");
    out.eigenvalues = Eigen::VectorXd::Zero(p);
    const Eigen::VectorXd& s = svd.singularValues();
    out.eigenvalues.head(s.size()) = s.array().square() / static_cast<double>(n - 1);
    const double total = out.eigenvalues.sum();
    out.explained_ratio = total > 0 ? Eigen::VectorXd(out.eigenvalues / total)
                                    : Eigen::VectorXd(Eigen::VectorXd::Zero(p));
    out.components = svd.matrixV().leftCols(kept);
    flip_signs(out.components);
    return out;
}

Eigen::MatrixXd project(const PcaResult& p, const Eigen::Ref<const Eigen::MatrixXd>& samples) {
    if (samples.cols() != p.mean.size())
        throw std::invalid_argument("project: samples have " + std::to_string(samples.cols()) +
                                    " features, the PCA has " + std::to_string(p.mean.size()));
    return (samples.rowwise() - p.mean.transpose()) * p.components;
}

} // namespace neuropop::kernels
