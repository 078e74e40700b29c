#include "kernels/factor_analysis.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

#include "kernels/moments.hpp"

namespace neuropop::kernels {

namespace {
// sklearn's SMALL: keeps √Ψ and Ψ away from zero.
constexpr double small = 1e-12;
} // namespace

FactorAnalysisResult factor_analysis(const Eigen::Ref<const Eigen::MatrixXd>& samples,
                                     const FactorAnalysisOptions& opt) {
    using Eigen::Index;
    const Index n = samples.rows(), p = samples.cols();
    const auto k = static_cast<Index>(opt.factors);
    if (n < 2)
        throw std::invalid_argument("factor_analysis: needs at least 2 samples, have " +
                                    std::to_string(n));
    if (k < 1 || k > p)
        throw std::invalid_argument("factor_analysis: factors must be in 1.." + std::to_string(p) +
                                    ", got " + std::to_string(opt.factors));
    if (opt.max_iter < 1) throw std::invalid_argument("factor_analysis: max_iter must be >= 1");

    const Moments moments = Moments::of(samples);
    const double nd = static_cast<double>(n);
    const Eigen::MatrixXd cov = moments.m2 / nd;
    const Eigen::VectorXd var = cov.diagonal();
    const double constant =
        static_cast<double>(p) * std::log(2.0 * std::numbers::pi) + static_cast<double>(k);

    Eigen::VectorXd psi = Eigen::VectorXd::Ones(p);
    Eigen::MatrixXd loadings(p, k);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(p);
    double ll = 0, previous = -std::numeric_limits<double>::infinity();
    std::size_t iter = 0;
    bool converged = false;
    while (iter < opt.max_iter) {
        ++iter;
        const Eigen::VectorXd sqrt_psi = psi.cwiseSqrt().array() + small;
        const Eigen::VectorXd d = sqrt_psi.cwiseInverse();
        const Eigen::MatrixXd scaled = d.asDiagonal() * cov * d.asDiagonal();
        solver.compute(scaled, Eigen::ComputeEigenvectors);
        if (solver.info() != Eigen::Success)
            throw std::runtime_error("factor_analysis: the eigen-solver did not converge");
        // Squared singular values are >= 0: clamp rounding below zero.
        const Eigen::VectorXd s = solver.eigenvalues().reverse().cwiseMax(0.0);
        const Eigen::MatrixXd v = solver.eigenvectors().rowwise().reverse().leftCols(k);
        const Eigen::VectorXd scale = (s.head(k).array() - 1.0).cwiseMax(0.0).sqrt();
        loadings = sqrt_psi.asDiagonal() * v * scale.asDiagonal();

        ll = constant + s.head(k).array().log().sum() + s.tail(p - k).sum() +
             psi.array().log().sum();
        ll *= -nd / 2.0;
        if (ll - previous < opt.tol) {
            converged = true;
            break;
        }
        previous = ll;
        psi = (var - loadings.rowwise().squaredNorm()).cwiseMax(small);
    }

    FactorAnalysisResult out;
    const Eigen::VectorXd shared = loadings.rowwise().squaredNorm();
    out.shared_fraction.resize(p);
    for (Index i = 0; i < p; ++i) {
        if (var(i) == 0) {
            loadings.row(i).setZero();
            out.shared_fraction(i) = 0;
        } else {
            out.shared_fraction(i) = shared(i) / (shared(i) + psi(i));
        }
    }
    out.loadings = std::move(loadings);
    out.noise_variance = psi;
    out.mean = moments.mean;
    out.log_likelihood = ll;
    out.iterations = iter;
    out.converged = converged;
    return out;
}

} // namespace neuropop::kernels
