#include "kernels/correlation_descent.hpp"

#include <cmath>
#include <limits>
#include <utility>

#include <Eigen/QR>

#include "kernels/small_product.hpp"

namespace neuropop::kernels::detail {

namespace {

constexpr double infinity = std::numeric_limits<double>::infinity();

vec load(const double* p) {
    return *reinterpret_cast<const vec_unaligned*>(p);
}
void store(double* p, vec v) {
    *reinterpret_cast<vec_unaligned*>(p) = v;
}

// For the simd_lanes rows from i0: bc[μ, k] = Σ_ν b_μν c̃_νk and e[μ] = Σ_ν a_μν b_μν, the sums
// over ν in order, c̃_μ and the sums in registers. All arrays column-major with leading
// dimension ld; ν runs over the p real rows.
template <int K>
void correlation_rows(const double* gram, const double* c, const double* w, Index ld, Index p,
                      Index i0, double* bc, double* e) {
    vec ci[K];
    for (int k = 0; k < K; ++k)
        ci[k] = load(c + k * ld + i0);
    const vec wi = load(w + i0);
    vec acc[K] = {};
    vec ei = {};
    for (Index j = 0; j < p; ++j) {
        vec s = ci[0] * c[j];
        for (int k = 1; k < K; ++k)
            s += ci[k] * c[k * ld + j];
        const vec a = load(gram + j * ld + i0) - s;
        const vec b = a * (wi * w[j]);
        ei += a * b;
        for (int k = 0; k < K; ++k)
            acc[k] += b * c[k * ld + j];
    }
    for (int k = 0; k < K; ++k)
        store(bc + k * ld + i0, acc[k]);
    store(e + i0, ei);
}

// The same arithmetic in the same order for any number of columns, c̃_μ and the sums in memory.
void correlation_rows_any(const double* gram, const double* c, const double* w, Index ld, Index p,
                          Index kk, Index i0, double* bc, double* e) {
    const vec wi = load(w + i0);
    vec ei = {};
    for (Index k = 0; k < kk; ++k)
        store(bc + k * ld + i0, vec{});
    for (Index j = 0; j < p; ++j) {
        vec s = load(c + i0) * c[j];
        for (Index k = 1; k < kk; ++k)
            s += load(c + k * ld + i0) * c[k * ld + j];
        const vec a = load(gram + j * ld + i0) - s;
        const vec b = a * (wi * w[j]);
        ei += a * b;
        for (Index k = 0; k < kk; ++k)
            store(bc + k * ld + i0, load(bc + k * ld + i0) + b * c[k * ld + j]);
    }
    store(e + i0, ei);
}

// One evaluation for K columns (K = 0: any number, kk). c, bc, w, e: the workspaces.
template <int K>
double evaluate(const CorrelationData& data, Index kk, const Eigen::MatrixXd& v, Eigen::MatrixXd& c,
                Eigen::MatrixXd& bc, Eigen::VectorXd& w, Eigen::VectorXd& e,
                Eigen::MatrixXd& gradient) {
    const Index p = data.p, r = data.r, ld = data.padded;
    if constexpr (K > 0)
        small_product<K>(data.x.data(), ld, ld, r, v.data(), r, c.data(), ld);
    else
        c.noalias() = data.x * v;
    for (Index i = 0; i < p; ++i) {
        double norm2 = c(i, 0) * c(i, 0);
        for (Index k = 1; k < kk; ++k)
            norm2 += c(i, k) * c(i, k);
        const double d = data.gram(i, i) - norm2;
        if (!(d > 0.0)) return infinity;
        w(i) = 1.0 / d;
    }
    for (Index i0 = 0; i0 < ld; i0 += simd_lanes) {
        if constexpr (K > 0)
            correlation_rows<K>(data.gram.data(), c.data(), w.data(), ld, p, i0, bc.data(),
                                e.data());
        else
            correlation_rows_any(data.gram.data(), c.data(), w.data(), ld, p, kk, i0, bc.data(),
                                 e.data());
    }
    double f = 0.0;
    for (Index i = 0; i < p; ++i) {
        f += e(i);
        const double scaled = e(i) * w(i) * 2.0; // 2 e_μ / d_μ
        for (Index k = 0; k < kk; ++k)
            bc(i, k) = -2.0 * bc(i, k) + scaled * c(i, k);
    }
    if constexpr (K > 0)
        small_product<K>(data.xt.data(), r, r, p, bc.data(), ld, gradient.data(), r);
    else
        gradient.noalias() = data.xt * bc.topRows(p);
    return 0.5 * f;
}

} // namespace

CorrelationData::CorrelationData(const Eigen::MatrixXd& x_in)
    : p(x_in.rows()), r(x_in.cols()),
      padded((x_in.rows() + simd_lanes - 1) / simd_lanes * simd_lanes) {
    x = Eigen::MatrixXd::Zero(padded, r);
    x.topRows(p) = x_in;
    xt = x_in.transpose();
    gram = Eigen::MatrixXd::Zero(padded, p);
    gram.topRows(p) = x_in * x_in.transpose();
}

double correlation_cost_reference(const Eigen::MatrixXd& x, const Eigen::MatrixXd& v,
                                  Eigen::MatrixXd* gradient) {
    const Eigen::MatrixXd gram = x * x.transpose();
    const Eigen::MatrixXd c = x * v;
    const Eigen::MatrixXd a = gram - c * c.transpose();
    const Eigen::VectorXd d = gram.diagonal() - c.rowwise().squaredNorm();
    if ((d.array() <= 0.0).any()) return infinity;
    const Eigen::MatrixXd b = a.array() / (d * d.transpose()).array();
    const double f = 0.5 * (a.array() * b.array()).sum();
    if (gradient) {
        const Eigen::VectorXd e = (a.array() * b.array()).rowwise().sum().matrix().cwiseQuotient(d);
        const Eigen::MatrixXd gc = -2.0 * b * c + 2.0 * e.asDiagonal() * c;
        *gradient = x.transpose() * gc;
    }
    return f;
}

CorrelationCost::CorrelationCost(const CorrelationData& data, Eigen::Index k)
    : data_(data), k_(k), c_(Eigen::MatrixXd::Zero(data.padded, k)),
      bc_(Eigen::MatrixXd::Zero(data.padded, k)), w_(Eigen::VectorXd::Zero(data.padded)),
      e_(Eigen::VectorXd::Zero(data.padded)) {}

double CorrelationCost::value(const Eigen::MatrixXd& v, Eigen::MatrixXd& gradient) {
    switch (k_) {
    case 1:
        return evaluate<1>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 2:
        return evaluate<2>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 3:
        return evaluate<3>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 4:
        return evaluate<4>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 5:
        return evaluate<5>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 6:
        return evaluate<6>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 7:
        return evaluate<7>(data_, k_, v, c_, bc_, w_, e_, gradient);
    case 8:
        return evaluate<8>(data_, k_, v, c_, bc_, w_, e_, gradient);
    default:
        return evaluate<0>(data_, k_, v, c_, bc_, w_, e_, gradient);
    }
}

Eigen::MatrixXd minimise_on_stiefel(const CorrelationData& data, Eigen::MatrixXd v) {
    const Index r = v.rows(), k = v.cols();
    CorrelationCost cost(data, k);
    Eigen::MatrixXd g(r, k), trial_g(r, k), xi(r, k), trial(r, k), vs(r, k), sym(k, k);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(r, k);
    Eigen::RowVectorXd workspace(k);
    double f = cost.value(v, g);
    if (f == infinity) return v;
    double step = 1.0;
    for (int iter = 0; iter < 1000; ++iter) {
        // ξ = G − V sym(VᵀG): the projection of the gradient on the tangent space at V.
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b < k; ++b)
                sym(a, b) = v.col(a).dot(g.col(b));
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b < a; ++b)
                sym(a, b) = sym(b, a) = 0.5 * (sym(a, b) + sym(b, a));
        for (Index a = 0; a < k; ++a) {
            vs.col(a) = v.col(0) * sym(0, a);
            for (Index b = 1; b < k; ++b)
                vs.col(a) += v.col(b) * sym(b, a);
        }
        xi = g - vs;
        const double norm2 = xi.squaredNorm();
        if (std::sqrt(norm2) < 1e-6) break;
        bool accepted = false;
        for (; step > 1e-10; step *= 0.5) {
            qr.compute(v - step * xi);
            trial.setIdentity();
            qr.householderQ().applyThisOnTheLeft(trial, workspace);
            for (Index j = 0; j < k; ++j)
                if (qr.matrixQR()(j, j) < 0.0) trial.col(j) = -trial.col(j);
            const double ft = cost.value(trial, trial_g);
            if (ft <= f - 1e-4 * step * norm2) {
                std::swap(v, trial);
                std::swap(g, trial_g);
                f = ft;
                accepted = true;
                break;
            }
        }
        if (!accepted) break;
        step *= 2.0;
    }
    return v;
}

} // namespace neuropop::kernels::detail
