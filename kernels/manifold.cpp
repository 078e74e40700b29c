#include "kernels/manifold.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>

#include <Eigen/Eigenvalues>
#include <tbb/parallel_for.h>

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

// The empirical m-shot prototype error of a against b for every m: per episode, m random
// samples of each manifold make the prototypes and a's other samples are the tests. A test x
// is scored through Gram products, ‖x − x̄_b‖² − ‖x − x̄_a‖² = 2 x·x̄_a − 2 x·x̄_b + ‖x̄_b‖² −
// ‖x̄_a‖², with x·x̄_a a mean of m entries of X_a X_aᵀ (`gram_a`) and x·x̄_b of X_a X_bᵀ: one
// P_a × P_b product per pair instead of a P_a × N product per episode.
// `column_b` is manifolds[b] transposed, so that a sample is a contiguous column.
void simulate_episodes(const Eigen::MatrixXd& xa, const Eigen::MatrixXd& gram_a,
                       const Eigen::MatrixXd& column_b, Index ab, const ManifoldOptions& options,
                       std::uint64_t seed, ManifoldGeometry& g) {
    const Index pa = xa.rows(), pb = column_b.cols(), n = xa.cols();
    const Index n_shots = static_cast<Index>(options.shots.size());
    const Eigen::MatrixXd cross = xa * column_b; // P_a × P_b
    std::vector<Index> order_a(static_cast<std::size_t>(pa)), order_b(static_cast<std::size_t>(pb));
    std::iota(order_a.begin(), order_a.end(), Index{0});
    std::iota(order_b.begin(), order_b.end(), Index{0});
    Eigen::VectorXd score(pa), proto_b(n);
    for (Index s = 0; s < n_shots; ++s) {
        const int m = options.shots[static_cast<std::size_t>(s)];
        const auto chosen_a = std::span(order_a).first(static_cast<std::size_t>(m));
        const auto chosen_b = std::span(order_b).first(static_cast<std::size_t>(m));
        CounterRng rng(seed, static_cast<std::uint64_t>(ab), static_cast<std::uint64_t>(s));
        double errors = 0.0;
        for (int e = 0; e < options.episodes; ++e) {
            partial_shuffle(order_a.begin(), order_a.end(), static_cast<std::uint64_t>(m), rng);
            partial_shuffle(order_b.begin(), order_b.end(), static_cast<std::uint64_t>(m), rng);
            score.setZero();
            proto_b.setZero();
            double norm_a = 0.0;
            for (const Index j : chosen_a) {
                score += gram_a.col(j);
                for (const Index l : chosen_a)
                    norm_a += gram_a(j, l);
            }
            for (const Index j : chosen_b) {
                score -= cross.col(j);
                proto_b += column_b.col(j);
            }
            const double dm = m;
            const double offset = proto_b.squaredNorm() / (dm * dm) - norm_a / (dm * dm);
            score = (2.0 / dm) * score.array() + offset;
            // Every sample of a is scored; the m prototype samples are taken out again.
            errors += static_cast<double>((score.array() < 0.0).count());
            for (const Index j : chosen_a)
                errors -= score(j) < 0.0 ? 1.0 : 0.0;
        }
        const double tests = static_cast<double>(options.episodes) * static_cast<double>(pa - m);
        g.empirical_error(ab * n_shots + s) = errors / tests;
    }
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
    mf.resize(manifolds.size());
    tbb::parallel_for(std::size_t{0}, manifolds.size(),
                      [&](std::size_t a) { mf[a] = describe(manifolds[a]); });

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

    // ‖F_aᵀ F_b‖² is symmetric in (a, b): one product per unordered pair.
    Eigen::MatrixXd overlap2 = Eigen::MatrixXd::Zero(k, k);
    tbb::parallel_for(0, k, [&](int a) {
        for (int b = a + 1; b < k; ++b)
            overlap2(a, b) = (mf[static_cast<std::size_t>(a)].factor.transpose() *
                              mf[static_cast<std::size_t>(b)].factor)
                                 .squaredNorm();
    });
    tbb::parallel_for(0, k, [&](int a) {
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
            g.ss(ab) = overlap2(std::min(a, b), std::max(a, b)) / (ma.total * ma.total);
            for (Index s = 0; s < n_shots; ++s)
                g.predicted_error(ab * n_shots + s) = predicted_prototype_error(
                    signal, g.bias(ab), g.csa(ab), g.csb(ab), g.ss(ab), dims(a), dims(b),
                    mb.total / ma.total, options.shots[static_cast<std::size_t>(s)]);
        }
    });

    if (options.episodes == 0) return g;
    // Each (a, b, m) draws from its own stream keyed by one value of the caller's RNG, so the
    // episodes can run on any thread in any order and give the same bits.
    const std::uint64_t episode_seed = rng.next();
    std::vector<Eigen::MatrixXd> columns(manifolds.size());
    tbb::parallel_for(0, k, [&](int a) {
        columns[static_cast<std::size_t>(a)] = manifolds[static_cast<std::size_t>(a)].transpose();
    });
    tbb::parallel_for(0, k, [&](int a) {
        const Eigen::MatrixXd& xa = manifolds[static_cast<std::size_t>(a)];
        const Eigen::MatrixXd gram_a = xa * columns[static_cast<std::size_t>(a)];
        for (int b = 0; b < k; ++b)
            if (a != b)
                simulate_episodes(xa, gram_a, columns[static_cast<std::size_t>(b)],
                                  Index{a} * k + b, options, episode_seed, g);
    });
    return g;
}

} // namespace neuropop::kernels
