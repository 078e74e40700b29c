#include "kernels/correlation_descent.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

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

// Vector registers: 16 below AVX-512. A kernel keeps V row vectors of K columns (plus a few)
// in them; beyond that the compiler spills and the blocking gains nothing.
constexpr int registers = simd_lanes == 8 ? 32 : 16;

// For the V·simd_lanes rows from i0 and every ν: b_μν = a_μν / (d_μ d_ν) into b, and
// e[μ] = Σ_ν a_μν b_μν (in order of ν), with c̃_μ in registers. Arrays column-major with leading
// dimension ld; ν runs over the p real rows.
template <int K, int V>
void cost_rows(const double* gram, const double* c, const double* w, Index ld, Index p, Index i0,
               double* b, double* e) {
    vec ci[K][V], wi[V], ei[V] = {};
    for (int v = 0; v < V; ++v) {
        for (int k = 0; k < K; ++k)
            ci[k][v] = load(c + k * ld + i0 + v * simd_lanes);
        wi[v] = load(w + i0 + v * simd_lanes);
    }
    for (Index j = 0; j < p; ++j) {
        double cj[K];
        for (int k = 0; k < K; ++k)
            cj[k] = c[k * ld + j];
        const double wj = w[j];
        for (int v = 0; v < V; ++v) {
            vec s = ci[0][v] * cj[0];
            for (int k = 1; k < K; ++k)
                s += ci[k][v] * cj[k];
            const vec a = load(gram + j * ld + i0 + v * simd_lanes) - s;
            const vec bj = a * (wi[v] * wj);
            store(b + j * ld + i0 + v * simd_lanes, bj);
            ei[v] += a * bj;
        }
    }
    for (int v = 0; v < V; ++v)
        store(e + i0 + v * simd_lanes, ei[v]);
}

// All rows (ld, a multiple of simd_lanes): blocks of V vectors, then single vectors.
template <int K>
void cost_all_rows(const double* gram, const double* c, const double* w, Index ld, Index p,
                   double* b, double* e) {
    constexpr int V = std::max(1, std::min(4, (registers - 3) / (K + 2)));
    Index i0 = 0;
    for (; i0 + V * simd_lanes <= ld; i0 += V * simd_lanes)
        cost_rows<K, V>(gram, c, w, ld, p, i0, b, e);
    for (; i0 < ld; i0 += simd_lanes)
        cost_rows<K, 1>(gram, c, w, ld, p, i0, b, e);
}

// The same arithmetic in the same order for any number of columns kk, c̃_μ read from memory.
void cost_rows_any(const double* gram, const double* c, const double* w, Index ld, Index p,
                   Index kk, Index i0, double* b, double* e) {
    const vec wi = load(w + i0);
    vec ei = {};
    for (Index j = 0; j < p; ++j) {
        vec s = load(c + i0) * c[j];
        for (Index k = 1; k < kk; ++k)
            s += load(c + k * ld + i0) * c[k * ld + j];
        const vec a = load(gram + j * ld + i0) - s;
        const vec bj = a * (wi * w[j]);
        store(b + j * ld + i0, bj);
        ei += a * bj;
    }
    store(e + i0, ei);
}

// Which entries of A a product may skip: none, those right of the diagonal (a_ij = 0 for
// j > i) or left of it (a_ij = 0 for j < i). Skipped terms are exact zeros at the end or the
// start of each sum, so the result has the bits of the full sum.
enum class Shape { dense, lower, upper };

// C (rows × K) = A (rows × inner) · B (inner × K) as detail::small_product (the same sums in
// the same order), with as many row vectors per block as the registers hold for this K.
template <int K>
void blocked_product(Shape shape, const double* a, Index lda, Index rows, Index inner,
                     const double* bm, Index ldb, double* c, Index ldc) {
    constexpr int V = std::max(1, std::min(4, (registers - 1) / (K + 1)));
    // The terms j of rows [r, r + n) that can be nonzero: [first, last).
    auto range = [&](Index r, Index n) {
        const Index first = shape == Shape::upper ? std::min(r, inner) : 0;
        const Index last = shape == Shape::lower ? std::min(r + n, inner) : inner;
        return std::pair{first, last};
    };
    Index r = 0;
    for (; r + V * simd_lanes <= rows; r += V * simd_lanes) {
        const auto [first, last] = range(r, V * simd_lanes);
        product_rows<K, V>(a + r + first * lda, lda, last - first, bm + first, ldb, c + r, ldc);
    }
    for (; r + simd_lanes <= rows; r += simd_lanes) {
        const auto [first, last] = range(r, simd_lanes);
        product_rows<K, 1>(a + r + first * lda, lda, last - first, bm + first, ldb, c + r, ldc);
    }
    for (; r < rows; ++r) {
        const auto [first, last] = range(r, 1);
        product_row<K>(a + r + first * lda, lda, last - first, bm + first, ldb, c + r, ldc);
    }
}

// out (rows × K) = A (rows × inner, leading dimension lda) · m (inner × K): blocked_product
// for K ≤ 8, Eigen's (dense) product above.
void product(Shape shape, const double* a, Index lda, Index rows, Index inner,
             const Eigen::MatrixXd& m, Index ldm, Eigen::MatrixXd& out) {
    const Index k = m.cols();
    switch (k) {
    case 1:
        return blocked_product<1>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 2:
        return blocked_product<2>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 3:
        return blocked_product<3>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 4:
        return blocked_product<4>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 5:
        return blocked_product<5>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 6:
        return blocked_product<6>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 7:
        return blocked_product<7>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    case 8:
        return blocked_product<8>(shape, a, lda, rows, inner, m.data(), ldm, out.data(),
                                  out.rows());
    default:
        out.topRows(rows).noalias() = Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>(
                                          a, rows, inner, Eigen::OuterStride<>(lda)) *
                                      Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>>(
                                          m.data(), inner, k, Eigen::OuterStride<>(ldm));
    }
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
    lower = true;
    for (Index j = 1; j < r; ++j)
        lower = lower && (x_in.col(j).head(std::min(j, p)).array() == 0.0).all();
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
      bc_(Eigen::MatrixXd::Zero(data.padded, k)), b_(Eigen::MatrixXd::Zero(data.padded, data.p)),
      w_(Eigen::VectorXd::Zero(data.padded)), e_(Eigen::VectorXd::Zero(data.padded)) {}

double CorrelationCost::value(const Eigen::MatrixXd& v) {
    product(data_.lower ? Shape::lower : Shape::dense, data_.x.data(), data_.padded, data_.padded,
            data_.r, v, v.rows(), c_);
    return value();
}

double CorrelationCost::value() {
    const Index p = data_.p, ld = data_.padded;
    for (Index i = 0; i < p; ++i) {
        double norm2 = c_(i, 0) * c_(i, 0);
        for (Index k = 1; k < k_; ++k)
            norm2 += c_(i, k) * c_(i, k);
        const double d = data_.gram(i, i) - norm2;
        if (!(d > 0.0)) return infinity;
        w_(i) = 1.0 / d;
    }
    const double* gram = data_.gram.data();
    switch (k_) {
    case 1:
        cost_all_rows<1>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 2:
        cost_all_rows<2>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 3:
        cost_all_rows<3>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 4:
        cost_all_rows<4>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 5:
        cost_all_rows<5>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 6:
        cost_all_rows<6>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 7:
        cost_all_rows<7>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    case 8:
        cost_all_rows<8>(gram, c_.data(), w_.data(), ld, p, b_.data(), e_.data());
        break;
    default:
        for (Index i0 = 0; i0 < ld; i0 += simd_lanes)
            cost_rows_any(gram, c_.data(), w_.data(), ld, p, k_, i0, b_.data(), e_.data());
    }
    double f = 0.0;
    for (Index i = 0; i < p; ++i)
        f += e_(i);
    return 0.5 * f;
}

void CorrelationCost::gradient(Eigen::MatrixXd& g) {
    const Index p = data_.p, ld = data_.padded;
    product(Shape::dense, b_.data(), ld, ld, p, c_, ld, bc_); // Σ_ν b_μν c̃_ν
    for (Index i = 0; i < p; ++i) {
        const double scaled = e_(i) * w_(i) * 2.0; // 2 e_μ / d_μ
        for (Index k = 0; k < k_; ++k)
            bc_(i, k) = -2.0 * bc_(i, k) + scaled * c_(i, k);
    }
    product(data_.lower ? Shape::upper : Shape::dense, data_.xt.data(), data_.r, data_.r, p, bc_,
            ld, g);
}

Eigen::MatrixXd minimise_on_stiefel(const CorrelationData& data, Eigen::MatrixXd v) {
    const Index r = v.rows(), k = v.cols();
    CorrelationCost cost(data, k);
    Eigen::MatrixXd g(r, k), xi(r, k), trial(r, k), vs(r, k), sym(k, k), rs(k, k);
    Eigen::MatrixXd xxi = Eigen::MatrixXd::Zero(data.padded, k);
    double f = cost.value(v);
    if (f == infinity) return v;
    cost.gradient(g);
    Eigen::MatrixXd c = cost.c(); // X V
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
        // The trial point Q = (V − tξ) R⁻¹ has X Q = (XV − t Xξ) R⁻¹: one product X ξ per step
        // instead of X Q per trial (K² P per trial).
        product(data.lower ? Shape::lower : Shape::dense, data.x.data(), data.padded, data.padded,
                r, xi, r, xxi);
        bool accepted = false;
        for (; step > 1e-10; step *= 0.5) {
            // Retraction: Q of the thin QR Y = V − tξ = QR with diag(R) > 0 (unique, so the
            // same Q as a Householder QR's up to rounding), by Cholesky of YᵀY = RᵀR and
            // Q = Y R⁻¹: 2rK² flops and no allocation. As ξ ⊥ V, YᵀY = I + t²ξᵀξ and cond(Y)²
            // stays near 1, so Q loses orthonormality by ~ε cond(Y)² only.
            trial = v - step * xi;
            for (Index j = 0; j < k; ++j) {
                for (Index i = 0; i <= j; ++i) {
                    double dot = trial.col(i).dot(trial.col(j));
                    for (Index l = 0; l < i; ++l)
                        dot -= rs(l, i) * rs(l, j);
                    rs(i, j) = i < j ? dot / rs(i, i) : std::sqrt(dot);
                }
            }
            Eigen::MatrixXd& ct = cost.c();
            for (Index j = 0; j < k; ++j) {
                ct.col(j) = c.col(j) - step * xxi.col(j);
                for (Index i = 0; i < j; ++i) {
                    trial.col(j) -= trial.col(i) * rs(i, j);
                    ct.col(j) -= ct.col(i) * rs(i, j);
                }
                trial.col(j) /= rs(j, j);
                ct.col(j) /= rs(j, j);
            }
            const double ft = cost.value();
            if (ft <= f - 1e-4 * step * norm2) {
                cost.gradient(g);
                std::swap(v, trial);
                std::swap(c, ct);
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
