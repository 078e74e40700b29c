#include "kernels/nnls.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <vector>

namespace neuropop::kernels {

namespace {

using Eigen::Index;

// Upper triangular R with RᵀR = A_PᵀA_P for the passive columns P, in the order they entered.
class PassiveFactor {
public:
    explicit PassiveFactor(Index capacity) : r_(capacity, capacity) {}

    Index size() const { return k_; }

    // Appends column j; false (and no change) when it is numerically in the span of the
    // passive columns: its distance from that span is below 1e-7 of its norm, where the
    // normal-equation factor would have lost all accuracy.
    bool append(const Eigen::Ref<const Eigen::MatrixXd>& a, const std::vector<Index>& passive,
                Index j) {
        if (k_ == r_.rows()) return false;
        Eigen::VectorXd cross(k_);
        for (Index p = 0; p < k_; ++p)
            cross(p) = a.col(passive[static_cast<std::size_t>(p)]).dot(a.col(j));
        const Eigen::VectorXd r =
            r_.topLeftCorner(k_, k_).triangularView<Eigen::Upper>().transpose().solve(cross);
        const double norm2 = a.col(j).squaredNorm();
        const double rho2 = norm2 - r.squaredNorm();
        if (!(rho2 > 1e-14 * norm2)) return false;
        r_.col(k_).head(k_) = r;
        r_(k_, k_) = std::sqrt(rho2);
        ++k_;
        return true;
    }

    // Removes the column at position i and restores the triangle with Givens rotations.
    void remove(Index i) {
        for (Index c = i; c + 1 < k_; ++c)
            r_.col(c).head(k_) = r_.col(c + 1).head(k_);
        for (Index c = i; c + 1 < k_; ++c) {
            const double x = r_(c, c), y = r_(c + 1, c);
            const double rr = std::hypot(x, y);
            if (rr == 0.0) continue;
            const double cs = x / rr, sn = y / rr;
            for (Index col = c; col + 1 < k_; ++col) {
                const double u = r_(c, col), v = r_(c + 1, col);
                r_(c, col) = cs * u + sn * v;
                r_(c + 1, col) = -sn * u + cs * v;
            }
            r_(c + 1, c) = 0.0;
        }
        --k_;
    }

    // (RᵀR)⁻¹ rhs.
    Eigen::VectorXd solve(const Eigen::VectorXd& rhs) const {
        const auto r = r_.topLeftCorner(k_, k_).triangularView<Eigen::Upper>();
        return r.solve(r.transpose().solve(rhs));
    }

private:
    Eigen::MatrixXd r_;
    Index k_ = 0;
};

// Least squares on the passive columns: the semi-normal solution plus one refinement step.
Eigen::VectorXd passive_solve(const Eigen::Ref<const Eigen::MatrixXd>& a,
                              const Eigen::Ref<const Eigen::VectorXd>& b,
                              const std::vector<Index>& passive, const PassiveFactor& factor) {
    const auto k = static_cast<Index>(passive.size());
    Eigen::VectorXd rhs(k);
    for (Index p = 0; p < k; ++p)
        rhs(p) = a.col(passive[static_cast<std::size_t>(p)]).dot(b);
    Eigen::VectorXd z = factor.solve(rhs);
    Eigen::VectorXd res = b;
    for (Index p = 0; p < k; ++p)
        res -= z(p) * a.col(passive[static_cast<std::size_t>(p)]);
    for (Index p = 0; p < k; ++p)
        rhs(p) = a.col(passive[static_cast<std::size_t>(p)]).dot(res);
    z += factor.solve(rhs);
    return z;
}

} // namespace

NnlsResult nnls(const Eigen::Ref<const Eigen::MatrixXd>& a,
                const Eigen::Ref<const Eigen::VectorXd>& b, int max_iterations) {
    const Index m = a.rows(), n = a.cols();
    if (b.size() != m) throw std::invalid_argument("nnls: b must have as many rows as A");
    const int limit = max_iterations > 0 ? max_iterations : static_cast<int>(3 * n);
    NnlsResult out;
    out.x = Eigen::VectorXd::Zero(n);
    out.residual = b;
    if (n == 0 || m == 0) return out;

    const double max_col = a.colwise().norm().maxCoeff();
    const double tol = 10.0 * static_cast<double>(std::max(m, n)) *
                       std::numeric_limits<double>::epsilon() * max_col * b.norm();
    std::vector<Index> passive; // in the order of the factor's columns
    std::vector<char> in_passive(static_cast<std::size_t>(n), 0),
        refused(static_cast<std::size_t>(n), 0);
    PassiveFactor factor(std::min(m, n));
    Eigen::VectorXd w = a.transpose() * out.residual;

    for (;;) {
        Index enter = -1;
        for (Index j = 0; j < n; ++j) {
            const auto js = static_cast<std::size_t>(j);
            if (in_passive[js] || refused[js] || !(w(j) > tol)) continue;
            if (enter < 0 || w(j) > w(enter)) enter = j;
        }
        if (enter < 0) break;
        if (out.iterations >= limit) {
            out.converged = false;
            break;
        }
        if (!factor.append(a, passive, enter)) {
            refused[static_cast<std::size_t>(enter)] = 1;
            continue;
        }
        passive.push_back(enter);
        in_passive[static_cast<std::size_t>(enter)] = 1;
        ++out.iterations;

        bool first = true;
        for (;;) {
            const Eigen::VectorXd z = passive_solve(a, b, passive, factor);
            const auto k = static_cast<Index>(passive.size());
            if (first && z(k - 1) <= 0.0) {
                // The entering variable cannot grow (a rounding-level gradient): refuse it
                // rather than cycle.
                factor.remove(k - 1);
                in_passive[static_cast<std::size_t>(enter)] = 0;
                refused[static_cast<std::size_t>(enter)] = 1;
                passive.pop_back();
                break;
            }
            first = false;
            if ((z.array() > 0.0).all()) {
                for (Index p = 0; p < k; ++p)
                    out.x(passive[static_cast<std::size_t>(p)]) = z(p);
                std::fill(refused.begin(), refused.end(), 0);
                break;
            }
            // Step from x towards z until the first passive variable reaches zero.
            double alpha = std::numeric_limits<double>::infinity();
            Index blocking = -1;
            for (Index p = 0; p < k; ++p) {
                if (z(p) > 0.0) continue;
                const double xp = out.x(passive[static_cast<std::size_t>(p)]);
                const double step = xp / (xp - z(p));
                if (step < alpha) {
                    alpha = step;
                    blocking = p;
                }
            }
            for (Index p = 0; p < k; ++p) {
                double& xp = out.x(passive[static_cast<std::size_t>(p)]);
                xp += alpha * (z(p) - xp);
            }
            out.x(passive[static_cast<std::size_t>(blocking)]) = 0.0;
            for (Index p = k - 1; p >= 0; --p) {
                const Index j = passive[static_cast<std::size_t>(p)];
                if (out.x(j) > 0.0) continue;
                out.x(j) = 0.0;
                factor.remove(p);
                in_passive[static_cast<std::size_t>(j)] = 0;
                passive.erase(passive.begin() + p);
            }
            if (passive.empty()) break;
        }
        out.residual = b;
        for (const Index j : passive)
            out.residual -= out.x(j) * a.col(j);
        w.noalias() = a.transpose() * out.residual;
    }
    return out;
}

LdpResult least_distance(const Eigen::Ref<const Eigen::MatrixXd>& g,
                         const Eigen::Ref<const Eigen::VectorXd>& h) {
    if (h.size() != g.rows())
        throw std::invalid_argument("least_distance: h must have one entry per row of G");
    const Index n = g.cols();
    Eigen::MatrixXd e(n + 1, g.rows());
    e.topRows(n) = g.transpose();
    e.row(n) = h.transpose();
    Eigen::VectorXd f = Eigen::VectorXd::Zero(n + 1);
    f(n) = 1.0;
    const NnlsResult u = nnls(e, f);
    const Eigen::VectorXd r = -u.residual; // E u − f
    LdpResult out;
    if (!(r(n) < 0.0)) return out;
    Eigen::VectorXd w = -r.head(n) / r(n);
    const Eigen::VectorXd gw = g * w;
    for (Index i = 0; i < g.rows(); ++i)
        if (gw(i) < h(i) - 1e-9 * std::max(1.0, std::abs(h(i)))) return out;
    out.feasible = true;
    out.w = std::move(w);
    return out;
}

} // namespace neuropop::kernels
