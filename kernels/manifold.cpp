#include "kernels/manifold.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>

namespace neuropop::kernels {

namespace {

using Index = Eigen::Index;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

struct Manifold {
    Eigen::VectorXd centroid;
    Eigen::MatrixXd factor; // N × r with factor · factorᵀ = C
    double total = 0.0;     // Σλ = tr C
    double squares = 0.0;   // Σλ² = tr C²
    double split = nan;     // tr(C_A C_B) from the even / odd halves
};

Eigen::MatrixXd centred(const Eigen::Ref<const Eigen::MatrixXd>& x) {
    return x.rowwise() - x.colwise().mean();
}

// tr(C_A C_B) for two sample sets, through whichever product is smaller.
double trace_product(const Eigen::MatrixXd& xa, const Eigen::MatrixXd& xb) {
    const Eigen::MatrixXd ca = centred(xa), cb = centred(xb);
    const double scale = static_cast<double>(xa.rows() - 1) * static_cast<double>(xb.rows() - 1);
    if (xa.cols() * xa.cols() < xa.rows() * xb.rows()) {
        const Eigen::MatrixXd sa = ca.transpose() * ca, sb = cb.transpose() * cb;
        return sa.cwiseProduct(sb).sum() / scale;
    }
    return (ca * cb.transpose()).squaredNorm() / scale;
}

Manifold describe(const Eigen::MatrixXd& x) {
    Manifold out;
    const Index p = x.rows(), n = x.cols();
    out.centroid = x.colwise().mean().transpose();
    const Eigen::MatrixXd xc = x.rowwise() - out.centroid.transpose();
    const double dof = static_cast<double>(p - 1);
    Eigen::VectorXd lambda;
    if (p > n) {
        const Eigen::MatrixXd cov = xc.transpose() * xc / dof;
        const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
        lambda = eig.eigenvalues().cwiseMax(0.0); // rounding can leave tiny negatives
        out.factor = eig.eigenvectors() * lambda.cwiseSqrt().asDiagonal();
    } else {
        // The non-zero eigenvalues of C are those of the Gram matrix; any factor of C serves
        // for the overlaps, and X_cᵀ/√(P − 1) is one without forming N × N.
        const Eigen::MatrixXd gram = xc * xc.transpose() / dof;
        lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(gram, Eigen::EigenvaluesOnly)
                     .eigenvalues()
                     .cwiseMax(0.0);
        out.factor = xc.transpose() / std::sqrt(dof);
    }
    out.total = lambda.sum();
    out.squares = lambda.squaredNorm();
    if (p >= 4) {
        Eigen::MatrixXd even((p + 1) / 2, n), odd(p / 2, n);
        for (Index t = 0; t < p; ++t)
            (t % 2 == 0 ? even.row(t / 2) : odd.row(t / 2)) = x.row(t);
        out.split = trace_product(even, odd);
    }
    return out;
}

double gaussian_tail(double x) {
    return 0.5 * std::erfc(x / std::sqrt(2.0));
}

} // namespace

double predicted_prototype_error(double signal, double bias, double csa, double csb, double ss,
                                 double dim_a, double dim_b, double radius_ratio_ba, double m) {
    const double mean = 0.5 * signal + 0.5 * bias / m;
    const double noise2 = 1.0 / (dim_a * m) + 1.0 / (2.0 * dim_a * m * m) +
                          radius_ratio_ba / (2.0 * dim_b * m * m) + csa * signal +
                          csb * signal / m + ss / m;
    return gaussian_tail(mean / std::sqrt(noise2));
}

ManifoldGeometry manifold_geometry(const std::vector<Eigen::MatrixXd>& manifolds,
                                   const ManifoldOptions& options, CounterRng& rng) {
    const int k = static_cast<int>(manifolds.size());
    if (k < 2) throw std::invalid_argument("manifold geometry needs at least two conditions");
    const Index n = manifolds[0].cols();
    for (int a = 0; a < k; ++a) {
        const auto& x = manifolds[static_cast<std::size_t>(a)];
        if (x.cols() != n || n < 1 || x.rows() < 2)
            throw std::invalid_argument("manifold " + std::to_string(a) +
                                        ": needs >= 2 samples and the same units as the others");
        for (int m : options.shots)
            if (m < 1 || m >= x.rows())
                throw std::invalid_argument("manifold " + std::to_string(a) + ": m = " +
                                            std::to_string(m) + " needs 1 <= m < samples");
    }
    if (options.episodes < 0) throw std::invalid_argument("episodes must be >= 0");

    std::vector<Manifold> mf;
    mf.reserve(manifolds.size());
    for (const auto& x : manifolds)
        mf.push_back(describe(x));

    ManifoldGeometry g;
    g.conditions = k;
    g.shots = options.shots;
    const Index kk = Index{k} * k, n_shots = static_cast<Index>(options.shots.size());
    g.radius2.resize(k);
    g.dimension.resize(k);
    g.dimension_split.resize(k);
    for (int a = 0; a < k; ++a) {
        const Manifold& m = mf[static_cast<std::size_t>(a)];
        g.radius2(a) = m.total;
        g.dimension(a) = m.total * m.total / m.squares;
        g.dimension_split(a) = m.split > 0.0 ? m.total * m.total / m.split : nan;
    }
    const Eigen::VectorXd& dims = options.split_half_dimension ? g.dimension_split : g.dimension;
    for (Eigen::VectorXd* v : {&g.signal, &g.bias, &g.csa, &g.csb, &g.ss})
        *v = Eigen::VectorXd::Constant(kk, nan);
    g.predicted_error = Eigen::VectorXd::Constant(kk * n_shots, nan);
    g.empirical_error = Eigen::VectorXd::Constant(kk * n_shots, nan);

    for (int a = 0; a < k; ++a) {
        for (int b = 0; b < k; ++b) {
            if (a == b) continue;
            const Manifold& ma = mf[static_cast<std::size_t>(a)];
            const Manifold& mb = mf[static_cast<std::size_t>(b)];
            const Index ab = Index{a} * k + b;
            const Eigen::VectorXd dx = (ma.centroid - mb.centroid) / std::sqrt(ma.total);
            const double signal = dx.squaredNorm();
            const Eigen::VectorXd unit = dx / std::sqrt(signal);
            g.signal(ab) = signal;
            g.bias(ab) = mb.total / ma.total - 1.0;
            g.csa(ab) = (ma.factor.transpose() * unit).squaredNorm() / ma.total;
            g.csb(ab) = (mb.factor.transpose() * unit).squaredNorm() / ma.total;
            g.ss(ab) = (ma.factor.transpose() * mb.factor).squaredNorm() / (ma.total * ma.total);
            for (Index s = 0; s < n_shots; ++s)
                g.predicted_error(ab * n_shots + s) = predicted_prototype_error(
                    signal, g.bias(ab), g.csa(ab), g.csb(ab), g.ss(ab), dims(a), dims(b),
                    mb.total / ma.total, options.shots[static_cast<std::size_t>(s)]);
        }
    }

    if (options.episodes == 0) return g;
    for (int a = 0; a < k; ++a) {
        const Eigen::MatrixXd& xa = manifolds[static_cast<std::size_t>(a)];
        std::vector<Index> order_a(static_cast<std::size_t>(xa.rows()));
        for (int b = 0; b < k; ++b) {
            if (a == b) continue;
            const Eigen::MatrixXd& xb = manifolds[static_cast<std::size_t>(b)];
            std::vector<Index> order_b(static_cast<std::size_t>(xb.rows()));
            const Index ab = Index{a} * k + b;
            for (Index s = 0; s < n_shots; ++s) {
                const int m = options.shots[static_cast<std::size_t>(s)];
                // All episodes' prototype differences first (the draws in the same order as one
                // episode at a time), then one product X_a W for every episode's test scores:
                // a GEMM instead of one matrix-vector product per episode.
                const auto episodes = static_cast<Index>(options.episodes);
                Eigen::MatrixXd w(n, episodes);
                Eigen::VectorXd offset(episodes);
                std::vector<std::vector<Index>> orders(static_cast<std::size_t>(episodes));
                for (Index e = 0; e < episodes; ++e) {
                    std::iota(order_a.begin(), order_a.end(), Index{0});
                    std::iota(order_b.begin(), order_b.end(), Index{0});
                    shuffle(order_a.begin(), order_a.end(), rng);
                    shuffle(order_b.begin(), order_b.end(), rng);
                    Eigen::VectorXd proto_a = Eigen::VectorXd::Zero(n);
                    Eigen::VectorXd proto_b = Eigen::VectorXd::Zero(n);
                    for (int t = 0; t < m; ++t) {
                        proto_a += xa.row(order_a[static_cast<std::size_t>(t)]).transpose();
                        proto_b += xb.row(order_b[static_cast<std::size_t>(t)]).transpose();
                    }
                    proto_a /= m;
                    proto_b /= m;
                    w.col(e) = 2.0 * (proto_a - proto_b);
                    offset(e) = proto_b.squaredNorm() - proto_a.squaredNorm();
                    orders[static_cast<std::size_t>(e)] = order_a;
                }
                // ‖x − x̄_b‖² − ‖x − x̄_a‖² = 2 x·(x̄_a − x̄_b) + ‖x̄_b‖² − ‖x̄_a‖²
                const Eigen::MatrixXd h = xa * w;
                double errors = 0.0, tests = 0.0;
                for (Index e = 0; e < episodes; ++e) {
                    const auto& order = orders[static_cast<std::size_t>(e)];
                    for (std::size_t t = static_cast<std::size_t>(m); t < order.size(); ++t)
                        errors += h(order[t], e) + offset(e) < 0.0 ? 1.0 : 0.0;
                    tests += static_cast<double>(order.size()) - m;
                }
                g.empirical_error(ab * n_shots + s) = errors / tests;
            }
        }
    }
    return g;
}

} // namespace neuropop::kernels
