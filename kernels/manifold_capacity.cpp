#include "kernels/manifold_capacity.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "kernels/correlation_descent.hpp"
#include "kernels/gaussian.hpp"
#include "kernels/nnls.hpp"

namespace neuropop::kernels {

namespace {

using Eigen::Index;
constexpr double nan = std::numeric_limits<double>::quiet_NaN();

double normal_pdf(double x) {
    return std::exp(-0.5 * x * x) / std::sqrt(2.0 * std::numbers::pi);
}
double normal_cdf(double x) {
    return 0.5 * std::erfc(-x / std::numbers::sqrt2);
}

// The bracket of ball_capacity for one |t_D| = r: touching plus embedded regimes.
double ball_integrand(double r, double radius) {
    const double a = -radius * r, b = r / radius, c = radius * r;
    const double i0 = normal_cdf(b) - normal_cdf(a);
    const double i1 = normal_pdf(a) - normal_pdf(b);
    const double i2 = i0 + a * normal_pdf(a) - b * normal_pdf(b);
    const double touching = (c * c * i0 + 2.0 * c * i1 + i2) / (1.0 + radius * radius);
    const double tail = 1.0 - normal_cdf(b);
    const double embedded = r * r * tail + tail + b * normal_pdf(b);
    return touching + embedded;
}

// Thin Q (rows × cols) of a matrix with full column rank, columns signed so diag(R) > 0.
Eigen::MatrixXd thin_q(const Eigen::MatrixXd& m) {
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(m);
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(m.rows(), m.cols());
    const auto& r = qr.matrixQR();
    for (Index j = 0; j < m.cols(); ++j)
        if (r(j, j) < 0.0) q.col(j) = -q.col(j);
    return q;
}

// Mean |off-diagonal correlation| of the rows of x (mftma's res_coeff).
double mean_abs_correlation(const Eigen::MatrixXd& x) {
    const Index p = x.rows();
    const Eigen::VectorXd norms = x.rowwise().norm();
    const Eigen::MatrixXd c = x * x.transpose();
    double sum = 0.0;
    for (Index i = 0; i < p; ++i)
        for (Index j = 0; j < p; ++j)
            if (i != j) sum += std::abs(c(i, j) / (norms(i) * norms(j)));
    return sum / static_cast<double>(p * (p - 1));
}

struct CentreRemoval {
    Eigen::MatrixXd basis; // N × K, orthonormal
    double before = nan, after = nan;
};

// Step 2 of the header (mftma's fun_FA and the choice of K).
CentreRemoval centre_correlation_basis(const Eigen::MatrixXd& centres /* P × N */, int restarts,
                                       std::uint64_t seed) {
    const Index p = centres.rows(), n = centres.cols();
    const Eigen::MatrixXd xb = centres.rowwise() - centres.colwise().mean();
    const Index r = std::min(n, p - 1);
    CentreRemoval out;
    out.basis.resize(n, 0);
    if (r < 2) return out;
    // xbᵀ = QR (Householder, signed so diag(R) > 0): q = Q's first r columns and the centres'
    // coordinates X = xb q = (R's first r rows)ᵀ, taken from R so that X is exactly lower
    // trapezoidal (the descent skips its zeros; xb q would leave rounding noise there).
    const Eigen::HouseholderQR<Eigen::MatrixXd> qr(xb.transpose());
    const Eigen::MatrixXd& qr_r = qr.matrixQR();
    Eigen::MatrixXd q = qr.householderQ() * Eigen::MatrixXd::Identity(n, r); // N × r
    Eigen::MatrixXd x = Eigen::MatrixXd::Zero(p, r);                         // P × r
    for (Index j = 0; j < r; ++j) {
        const double sign = qr_r(j, j) < 0.0 ? -1.0 : 1.0;
        q.col(j) *= sign;
        for (Index i = j; i < p; ++i)
            x(i, j) = sign * qr_r(j, i);
    }
    out.before = mean_abs_correlation(x);

    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(xb);
    const Eigen::VectorXd s2 = svd.singularValues().array().square();
    Index below = 0; // mftma: argmax of the cumulative fractions that are < 0.95 (0 if none)
    double cumulative = 0.0;
    for (Index i = 0; i < s2.size(); ++i) {
        cumulative += s2(i) / s2.sum();
        if (cumulative < 0.95) below = i;
    }
    const Index max_k = std::min<Index>(below + 11, r - 1);

    const detail::CorrelationData data(x); // read by every descent, written by none
    const Eigen::VectorXd x_norms = x.rowwise().norm();
    std::vector<Eigen::MatrixXd> solutions;
    std::vector<double> residual;
    Eigen::MatrixXd previous(r, 0);
    for (Index k = 1; k <= max_k; ++k) {
        std::vector<Eigen::MatrixXd> found(static_cast<std::size_t>(restarts));
        std::vector<double> stability(static_cast<std::size_t>(restarts));
        tbb::parallel_for(0, restarts, [&](int j) {
            CounterRng rng(seed, static_cast<std::uint64_t>(k), static_cast<std::uint64_t>(j));
            Eigen::VectorXd s(p);
            for (Index i = 0; i < p; ++i)
                s(i) = standard_normal(rng);
            Eigen::MatrixXd start(r, k);
            start.col(0) = x.transpose() * s;
            start.rightCols(k - 1) = previous;
            const Eigen::MatrixXd v = detail::minimise_on_stiefel(data, thin_q(start));
            const Eigen::MatrixXd left = x - (x * v) * v.transpose();
            found[static_cast<std::size_t>(j)] = v;
            stability[static_cast<std::size_t>(j)] =
                (left.rowwise().norm().array() / x_norms.array()).minCoeff();
        });
        std::size_t best = 0;
        for (std::size_t j = 1; j < found.size(); ++j)
            if (stability[j] > stability[best]) best = j;
        previous = found[best];
        solutions.push_back(previous);
        residual.push_back(mean_abs_correlation(x - (x * previous) * previous.transpose()));
        const std::size_t i = residual.size(); // mftma's stopping rule, i = K
        if (i > 4 && residual[i - 1] > residual[i - 2] && residual[i - 2] > residual[i - 3] &&
            residual[i - 3] > residual[i - 4])
            break;
    }
    if (solutions.empty()) return out;
    const auto best = static_cast<std::size_t>(std::min_element(residual.begin(), residual.end()) -
                                               residual.begin());
    out.basis = q * solutions[best];
    out.after = residual[best];
    return out;
}

} // namespace

double ball_capacity(double radius, int dimension) {
    if (dimension < 0 || !(radius >= 0.0))
        throw std::invalid_argument("ball capacity needs R >= 0 and D >= 0");
    if (dimension == 0 || radius == 0.0) return 2.0;
    const double d = static_cast<double>(dimension);
    // χ_D is concentrated within a few units of √(D − 1); ±12 leaves < 1e-30 of its mass out.
    const double lo = std::max(0.0, std::sqrt(d) - 12.0), hi = std::sqrt(d) + 12.0;
    const int intervals = 8000; // even, for Simpson
    const double h = (hi - lo) / intervals;
    const double log_norm = (d / 2.0 - 1.0) * std::log(2.0) + std::lgamma(d / 2.0);
    double sum = 0.0;
    for (int i = 0; i <= intervals; ++i) {
        const double r = lo + h * i;
        const double density = r > 0.0 ? std::exp((d - 1.0) * std::log(r) - 0.5 * r * r - log_norm)
                                       : (dimension == 1 ? std::exp(-log_norm) : 0.0);
        const double weight = (i == 0 || i == intervals) ? 1.0 : (i % 2 ? 4.0 : 2.0);
        sum += weight * density * ball_integrand(r, radius);
    }
    return 1.0 / (sum * h / 3.0);
}

AnchorGeometry anchor_geometry(const Eigen::Ref<const Eigen::MatrixXd>& points,
                               const Eigen::Ref<const Eigen::MatrixXd>& t, double margin) {
    const Index m = points.rows(), d = points.cols(), samples = t.rows();
    if (m < 1 || t.cols() != d + 1 || samples < 1)
        throw std::invalid_argument("anchor geometry needs m >= 1 points and t of D + 1 columns");
    Eigen::MatrixXd s(d + 1, m);
    s.topRows(d) = points.transpose();
    s.row(d).setOnes();

    Eigen::MatrixXd anchors(d + 1, samples);
    Eigen::VectorXd contribution(samples);
    tbb::parallel_for(Index{0}, samples, [&](Index i) {
        const Eigen::VectorXd ti = t.row(i).transpose();
        Index best = 0;
        (s.transpose() * ti).maxCoeff(&best);
        Eigen::VectorXd anchor = s.col(best);
        if (ti.dot(anchor) + margin >= 0.0) {
            Eigen::VectorXd rhs = ti;
            rhs(d) += margin;
            const NnlsResult z = nnls(s, rhs);
            const Eigen::VectorXd sz = s * z.x;
            if (sz.norm() >= 1e-8) anchor = sz / z.x.sum();
        }
        const double field = std::max(ti.dot(anchor) + margin, 0.0);
        contribution(i) = field * field / anchor.squaredNorm();
        anchors.col(i) = anchor;
    });

    AnchorGeometry out;
    out.capacity = 1.0 / contribution.mean();
    const Eigen::MatrixXd sd = anchors.topRows(d);
    out.radius = std::sqrt(sd.colwise().squaredNorm().mean());
    const Eigen::MatrixXd deviation = sd.colwise() - sd.rowwise().mean();
    out.radius_mftma = std::sqrt(deviation.colwise().squaredNorm().mean());
    double dim = 0.0, cosine = 0.0;
    for (Index i = 0; i < samples; ++i) {
        const double sn = sd.col(i).norm();
        const Eigen::VectorXd td = t.row(i).head(d).transpose();
        const double proj = sn > 0.0 ? td.dot(sd.col(i)) / sn : 0.0;
        dim += proj * proj;
        const double tn = td.norm();
        if (tn > 0.0) cosine += td.dot(sd.col(i)) / (tn * std::sqrt(sn * sn + 1e-12));
    }
    const auto dn = static_cast<double>(samples);
    out.dimension = dim / dn;
    out.dimension_mftma = static_cast<double>(d) * (cosine / dn) * (cosine / dn);
    return out;
}

namespace {

// The points of all manifolds together, after checking every manifold has at least one point in
// the same N > 0 dimensions.
Index total_points(const std::vector<Eigen::MatrixXd>& manifolds) {
    const Index n = manifolds[0].cols();
    Index total = 0;
    for (const auto& x : manifolds) {
        if (x.cols() != n || x.rows() < 1 || n < 1)
            throw std::invalid_argument("every manifold needs >= 1 point in the same N dimensions");
        total += x.rows();
    }
    return total;
}

} // namespace

ManifoldCapacity manifold_capacity(const std::vector<Eigen::MatrixXd>& manifolds,
                                   const ManifoldCapacityOptions& options, CounterRng& rng) {
    const auto p = static_cast<Index>(manifolds.size());
    if (p < 2) throw std::invalid_argument("manifold capacity needs at least two manifolds");
    const Index n = manifolds[0].cols();
    const Index total = total_points(manifolds);
    if (options.samples < 1 || options.correlation_restarts < 1 || !(options.margin >= 0.0))
        throw std::invalid_argument("manifold capacity needs samples >= 1, restarts >= 1, κ >= 0");

    Eigen::RowVectorXd origin = Eigen::RowVectorXd::Zero(n);
    Eigen::MatrixXd centres(p, n);
    for (Index i = 0; i < p; ++i) {
        const auto& x = manifolds[static_cast<std::size_t>(i)];
        origin += x.colwise().sum();
        centres.row(i) = x.colwise().mean();
    }
    origin /= static_cast<double>(total);
    const std::uint64_t correlation_seed = rng.next(), sample_seed = rng.next();

    ManifoldCapacity out;
    Eigen::MatrixXd basis(n, 0);
    if (options.remove_centre_correlations) {
        CentreRemoval removal =
            centre_correlation_basis(centres, options.correlation_restarts, correlation_seed);
        basis = std::move(removal.basis);
        out.centre_correlation_before = removal.before;
        out.centre_correlation_after = removal.after;
        out.removed_rank = static_cast<int>(basis.cols());
    }

    // The m × N working copies, reused by each thread across its manifolds: allocating them per
    // manifold cost a fresh mapping and its page faults every time (N = 1 000: 800 kB each).
    struct Workspace {
        Eigen::MatrixXd x;
        Eigen::HouseholderQR<Eigen::MatrixXd> qr;
    };
    tbb::enumerable_thread_specific<Workspace> workspaces;
    std::vector<AnchorGeometry> each(static_cast<std::size_t>(p));
    tbb::parallel_for(Index{0}, p, [&](Index i) {
        Workspace& work = workspaces.local();
        Eigen::MatrixXd& x = work.x;
        x = manifolds[static_cast<std::size_t>(i)].rowwise() - origin;
        if (basis.cols() > 0) x.noalias() -= (x * basis) * basis.transpose(); // no N-wide temporary
        const Eigen::RowVectorXd centre = x.colwise().mean();
        const double norm = centre.norm();
        if (!(norm > 0.0)) {
            each[static_cast<std::size_t>(i)] = {nan, nan, nan, nan, nan};
            return;
        }
        x = (x.rowwise() - centre) / norm;
        const Index m = x.rows();
        // mftma's reduction: the coordinates of the points in the QR basis of their span.
        Eigen::MatrixXd coords;
        if (n > m) {
            const auto& qr = work.qr.compute(x.transpose());
            coords =
                qr.matrixQR().topRows(m).triangularView<Eigen::Upper>().toDenseMatrix().transpose();
        } else {
            coords = x;
        }
        const Index d = coords.cols();
        CounterRng draws(sample_seed, static_cast<std::uint64_t>(i));
        Eigen::MatrixXd t(options.samples, d + 1);
        for (Index r = 0; r < t.rows(); ++r)
            for (Index c = 0; c < t.cols(); ++c)
                t(r, c) = standard_normal(draws);
        each[static_cast<std::size_t>(i)] = anchor_geometry(coords, t, options.margin);
    });

    out.capacity_each.resize(p);
    out.radius_each.resize(p);
    out.dimension_each.resize(p);
    out.radius_mftma_each.resize(p);
    out.dimension_mftma_each.resize(p);
    for (Index i = 0; i < p; ++i) {
        const auto& g = each[static_cast<std::size_t>(i)];
        out.capacity_each(i) = g.capacity;
        out.radius_each(i) = g.radius;
        out.dimension_each(i) = g.dimension;
        out.radius_mftma_each(i) = g.radius_mftma;
        out.dimension_mftma_each(i) = g.dimension_mftma;
    }
    out.capacity = 1.0 / out.capacity_each.cwiseInverse().mean();
    out.radius = out.radius_each.mean();
    out.dimension = out.dimension_each.mean();
    out.radius_mftma = out.radius_mftma_each.mean();
    out.dimension_mftma = out.dimension_mftma_each.mean();
    return out;
}

bool separable_through_origin(const Eigen::Ref<const Eigen::MatrixXd>& points,
                              const Eigen::Ref<const Eigen::VectorXd>& labels) {
    if (labels.size() != points.rows())
        throw std::invalid_argument("separability needs one label per point");
    const Eigen::MatrixXd g = labels.asDiagonal() * points;
    return least_distance(g, Eigen::VectorXd::Ones(points.rows())).feasible;
}

SimulationCapacity simulation_capacity(const std::vector<Eigen::MatrixXd>& manifolds,
                                       const SimulationCapacityOptions& options, CounterRng& rng) {
    const auto p = static_cast<Index>(manifolds.size());
    if (p < 2) throw std::invalid_argument("simulation capacity needs at least two manifolds");
    if (options.dichotomies < 1) throw std::invalid_argument("dichotomies must be >= 1");
    const Index n = manifolds[0].cols();
    const Index total = total_points(manifolds);
    Eigen::MatrixXd all(total, n);
    std::vector<Index> owner(static_cast<std::size_t>(total));
    for (Index i = 0, row = 0; i < p; ++i) {
        const auto& x = manifolds[static_cast<std::size_t>(i)];
        all.middleRows(row, x.rows()) = x;
        for (Index r = 0; r < x.rows(); ++r)
            owner[static_cast<std::size_t>(row + r)] = i;
        row += x.rows();
    }
    all.rowwise() -= all.colwise().mean();
    const std::uint64_t seed = rng.next();

    SimulationCapacity out;
    auto fraction = [&](Index dims) {
        std::vector<char> separable(static_cast<std::size_t>(options.dichotomies));
        tbb::parallel_for(0, options.dichotomies, [&](int trial) {
            CounterRng draws(seed, static_cast<std::uint64_t>(dims),
                             static_cast<std::uint64_t>(trial));
            Eigen::VectorXd sign(p);
            for (Index i = 0; i < p; ++i)
                sign(i) = (draws.next() >> 63) ? 1.0 : -1.0;
            Eigen::MatrixXd projection(n, dims);
            for (Index c = 0; c < dims; ++c)
                for (Index r = 0; r < n; ++r)
                    projection(r, c) = standard_normal(draws);
            const Eigen::MatrixXd x = all * projection;
            Eigen::VectorXd labels(total);
            for (Index r = 0; r < total; ++r)
                labels(r) = sign(owner[static_cast<std::size_t>(r)]);
            separable[static_cast<std::size_t>(trial)] = separable_through_origin(x, labels);
        });
        int count = 0;
        for (const char s : separable)
            count += s;
        const double f = static_cast<double>(count) / options.dichotomies;
        out.dimensions.push_back(static_cast<int>(dims));
        out.separable_fraction.push_back(f);
        return f;
    };
    if (fraction(n) < 0.5) return out;
    Index lo = 0, hi = n; // fraction(lo) < 1/2 (n = 0 separates nothing), fraction(hi) >= 1/2
    while (hi - lo > 1) {
        const Index mid = lo + (hi - lo) / 2;
        (fraction(mid) >= 0.5 ? hi : lo) = mid;
    }
    out.critical_dimension = static_cast<int>(hi);
    out.capacity = static_cast<double>(p) / static_cast<double>(hi);
    return out;
}

} // namespace neuropop::kernels
