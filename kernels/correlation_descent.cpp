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

// Σ_i a_i b_i: one vector of partial sums, then its lanes and the tail in order.
double dot(const double* a, const double* b, Index n) {
    vec acc = {};
    Index i = 0;
    for (; i + simd_lanes <= n; i += simd_lanes)
        acc += load(a + i) * load(b + i);
    double sum = 0.0;
    for (int l = 0; l < simd_lanes; ++l)
        sum += acc[l];
    for (; i < n; ++i)
        sum += a[i] * b[i];
    return sum;
}

// dup[(j K + k) simd_lanes + l] = m[k ldm + j] for every lane l: the kernels below then load
// whole vectors instead of broadcasting a scalar at each use (SSE2 has no broadcast load, and
// the broadcasts cost as much as the arithmetic at K ≤ 5).
void broadcast(const double* m, Index ldm, Index rows, Index k, double* dup) {
    for (Index j = 0; j < rows; ++j)
        for (Index kk = 0; kk < k; ++kk)
            for (int l = 0; l < simd_lanes; ++l)
                dup[(j * k + kk) * simd_lanes + l] = m[kk * ldm + j];
}

// For the V·simd_lanes rows μ from i0 (a block) and every ν up to the block's end:
// b_μν = a_μν / (d_μ d_ν) into b, with c̃_μ in registers. a and b are symmetric, so each
// (μ, ν) with ν before the block is computed once, for both b_μν and b_νμ, and a_μν b_μν goes
// to both e[μ] and e[ν]; pairs with ν after the block are left to the later blocks. e[μ] is
// stored at the block's end, and the later blocks add their terms to it (in block order).
// gram, c, w, b, e: column-major, leading dimension ld (b is ld × ld); cdup, wdup: c̃ and w
// broadcast; ν runs over the p real rows.
template <int K, int V>
void cost_rows(const double* gram, const double* c, const double* w, const double* cdup,
               const double* wdup, Index ld, Index p, Index i0, double* __restrict b,
               double* __restrict e) {
    vec ci[K][V], wi[V], ei[V] = {};
    for (int v = 0; v < V; ++v) {
        for (int k = 0; k < K; ++k)
            ci[k][v] = load(c + k * ld + i0 + v * simd_lanes);
        wi[v] = load(w + i0 + v * simd_lanes);
    }
    auto column = [&]<bool Mirror>(Index j) {
        const double* cj = cdup + j * K * simd_lanes;
        const vec wj = load(wdup + j * simd_lanes);
        double ej = 0.0;
        for (int v = 0; v < V; ++v) {
            vec s = ci[0][v] * load(cj);
            for (int k = 1; k < K; ++k)
                s += ci[k][v] * load(cj + k * simd_lanes);
            const vec a = load(gram + j * ld + i0 + v * simd_lanes) - s;
            const vec bj = a * (wi[v] * wj);
            store(b + j * ld + i0 + v * simd_lanes, bj);
            const vec ab = a * bj;
            ei[v] += ab;
            if constexpr (Mirror)
                for (int l = 0; l < simd_lanes; ++l) {
                    b[(i0 + v * simd_lanes + l) * ld + j] = bj[l];
                    ej += ab[l];
                }
        }
        if constexpr (Mirror) e[j] += ej;
    };
    for (Index j = 0; j < i0; ++j)
        column.template operator()<true>(j);
    for (Index j = i0; j < std::min<Index>(i0 + V * simd_lanes, p); ++j)
        column.template operator()<false>(j);
    for (int v = 0; v < V; ++v)
        store(e + i0 + v * simd_lanes, ei[v]);
}

// All rows (ld, a multiple of simd_lanes): blocks of V vectors, then single vectors.
template <int K>
void cost_all_rows(const double* gram, const double* c, const double* w, const double* cdup,
                   const double* wdup, Index ld, Index p, double* b, double* e) {
    constexpr int V = std::max(1, std::min(4, (registers - 3) / (K + 2)));
    Index i0 = 0;
    for (; i0 + V * simd_lanes <= ld; i0 += V * simd_lanes)
        cost_rows<K, V>(gram, c, w, cdup, wdup, ld, p, i0, b, e);
    for (; i0 < ld; i0 += simd_lanes)
        cost_rows<K, 1>(gram, c, w, cdup, wdup, ld, p, i0, b, e);
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

// C[r, k] = Σ_{j ∈ [first, last)} A[r, j] B[j, k] for the V·simd_lanes rows from A and C, B
// broadcast (bdup); the sums of detail::product_rows, in the same order.
template <int K, int V>
void product_rows_dup(const double* a, Index lda, Index first, Index last, const double* bdup,
                      double* c, Index ldc) {
    vec acc[K][V] = {};
    for (Index j = first; j < last; ++j) {
        vec col[V];
        for (int v = 0; v < V; ++v)
            col[v] = load(a + j * lda + v * simd_lanes);
        for (int k = 0; k < K; ++k) {
            const vec bk = load(bdup + (j * K + k) * simd_lanes);
            for (int v = 0; v < V; ++v)
                acc[k][v] += col[v] * bk;
        }
    }
    for (int k = 0; k < K; ++k)
        for (int v = 0; v < V; ++v)
            store(c + k * ldc + v * simd_lanes, acc[k][v]);
}

// C (rows × K) = A (rows × inner) · B (inner × K) as detail::small_product (the same sums in
// the same order), with as many row vectors per block as the registers hold for this K and B
// broadcast into bdup (inner · K · simd_lanes doubles).
template <int K>
void blocked_product(Shape shape, const double* a, Index lda, Index rows, Index inner,
                     const double* bm, Index ldb, double* c, Index ldc, double* bdup) {
    constexpr int V = std::max(1, std::min(4, (registers - 1) / (K + 1)));
    broadcast(bm, ldb, inner, K, bdup);
    // The terms j of rows [r, r + n) that can be nonzero: [first, last).
    auto range = [&](Index r, Index n) {
        const Index first = shape == Shape::upper ? std::min(r, inner) : 0;
        const Index last = shape == Shape::lower ? std::min(r + n, inner) : inner;
        return std::pair{first, last};
    };
    Index r = 0;
    for (; r + V * simd_lanes <= rows; r += V * simd_lanes) {
        const auto [first, last] = range(r, V * simd_lanes);
        product_rows_dup<K, V>(a + r, lda, first, last, bdup, c + r, ldc);
    }
    for (; r + simd_lanes <= rows; r += simd_lanes) {
        const auto [first, last] = range(r, simd_lanes);
        product_rows_dup<K, 1>(a + r, lda, first, last, bdup, c + r, ldc);
    }
    for (; r < rows; ++r) {
        const auto [first, last] = range(r, 1);
        product_row<K>(a + r + first * lda, lda, last - first, bm + first, ldb, c + r, ldc);
    }
}

// out (rows × K) = A (rows × inner, leading dimension lda) · m (inner × K): blocked_product
// for K ≤ 8 (dup: its broadcast workspace), Eigen's (dense) product above.
void product(Shape shape, const double* a, Index lda, Index rows, Index inner,
             const Eigen::MatrixXd& m, Index ldm, Eigen::MatrixXd& out, Eigen::VectorXd& dup) {
    const Index k = m.cols();
    double* const o = out.data();
    const Index ldo = out.rows();
    switch (k) {
    case 1:
        return blocked_product<1>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 2:
        return blocked_product<2>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 3:
        return blocked_product<3>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 4:
        return blocked_product<4>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 5:
        return blocked_product<5>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 6:
        return blocked_product<6>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 7:
        return blocked_product<7>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
    case 8:
        return blocked_product<8>(shape, a, lda, rows, inner, m.data(), ldm, o, ldo, dup.data());
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
      bc_(Eigen::MatrixXd::Zero(data.padded, k)),
      b_(Eigen::MatrixXd::Zero(data.padded, data.padded)), w_(Eigen::VectorXd::Zero(data.padded)),
      e_(Eigen::VectorXd::Zero(data.padded)), dup_(data.padded * k * simd_lanes),
      cdup_(data.padded * k * simd_lanes), wdup_(data.padded * simd_lanes) {}

double CorrelationCost::value(const Eigen::MatrixXd& v) {
    product(data_.lower ? Shape::lower : Shape::dense, data_.x.data(), data_.padded, data_.padded,
            data_.r, v, v.rows(), c_, dup_);
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
    const double *cdup = cdup_.data(), *wdup = wdup_.data();
    if (k_ <= 8) {
        broadcast(c_.data(), ld, p, k_, cdup_.data());
        broadcast(w_.data(), ld, p, 1, wdup_.data());
    }
    switch (k_) {
    case 1:
        cost_all_rows<1>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 2:
        cost_all_rows<2>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 3:
        cost_all_rows<3>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 4:
        cost_all_rows<4>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 5:
        cost_all_rows<5>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 6:
        cost_all_rows<6>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 7:
        cost_all_rows<7>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
        break;
    case 8:
        cost_all_rows<8>(gram, c_.data(), w_.data(), cdup, wdup, ld, p, b_.data(), e_.data());
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
    product(Shape::dense, b_.data(), ld, ld, p, c_, ld, bc_, dup_); // Σ_ν b_μν c̃_ν
    for (Index i = 0; i < p; ++i) {
        const double scaled = e_(i) * w_(i) * 2.0; // 2 e_μ / d_μ
        for (Index k = 0; k < k_; ++k)
            bc_(i, k) = -2.0 * bc_(i, k) + scaled * c_(i, k);
    }
    product(data_.lower ? Shape::upper : Shape::dense, data_.xt.data(), data_.r, data_.r, p, bc_,
            ld, g, dup_);
}

Eigen::MatrixXd minimise_on_stiefel(const CorrelationData& data, Eigen::MatrixXd v) {
    const Index r = v.rows(), k = v.cols(), ld = data.padded;
    CorrelationCost cost(data, k);
    Eigen::MatrixXd g(r, k), xi(r, k), trial(r, k), sym(k, k), rs(k, k);
    Eigen::MatrixXd vtg(k, k), vv(k, k), vx(k, k), xx(k, k); // VᵀG, VᵀV, Vᵀξ, ξᵀξ
    Eigen::MatrixXd xxi = Eigen::MatrixXd::Zero(ld, k);
    Eigen::VectorXd dup(ld * k * simd_lanes); // X ξ's broadcast workspace
    double f = cost.value(v);
    if (f == infinity) return v;
    cost.gradient(g);
    Eigen::MatrixXd c = cost.c(); // X V
    // Column j of M (rows × K, leading dimension ldm) ← (column j − Σ_{i<j} column i R_ij) / R_jj
    // for j = 0, 1, …: M ← M R⁻¹ with R upper triangular.
    auto solve_right = [&](double* m, Index rows, Index ldm) {
        for (Index j = 0; j < k; ++j) {
            double* mj = m + j * ldm;
            for (Index i = 0; i < j; ++i) {
                const double* mi = m + i * ldm;
                const double rij = rs(i, j);
                for (Index q = 0; q < rows; ++q)
                    mj[q] -= mi[q] * rij;
            }
            const double rjj = rs(j, j);
            for (Index q = 0; q < rows; ++q)
                mj[q] /= rjj;
        }
    };
    double step = 1.0;
    for (int iter = 0; iter < 1000; ++iter) {
        // ξ = G − V sym(VᵀG): the projection of the gradient on the tangent space at V.
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b < k; ++b) {
                vtg(a, b) = dot(v.col(a).data(), g.col(b).data(), r);
                if (b <= a) vv(a, b) = vv(b, a) = dot(v.col(a).data(), v.col(b).data(), r);
            }
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b <= a; ++b)
                sym(a, b) = sym(b, a) = 0.5 * (vtg(a, b) + vtg(b, a));
        for (Index a = 0; a < k; ++a) {
            const double* ga = g.col(a).data();
            double* xa = xi.col(a).data();
            for (Index q = 0; q < r; ++q)
                xa[q] = v(q, 0) * sym(0, a);
            for (Index b = 1; b < k; ++b) {
                const double* vb = v.col(b).data();
                const double sba = sym(b, a);
                for (Index q = 0; q < r; ++q)
                    xa[q] += vb[q] * sba;
            }
            for (Index q = 0; q < r; ++q)
                xa[q] = ga[q] - xa[q];
        }
        double norm2 = 0.0; // ‖ξ‖² = tr ξᵀξ
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b <= a; ++b) {
                xx(a, b) = xx(b, a) = dot(xi.col(a).data(), xi.col(b).data(), r);
                if (a == b) norm2 += xx(a, a);
            }
        if (std::sqrt(norm2) < 1e-6) break;
        // Retraction: Q of the thin QR Y = V − tξ = QR with diag(R) > 0 (unique, so the same Q
        // as a Householder QR's up to rounding), by Cholesky of YᵀY = RᵀR and Q = Y R⁻¹.
        // YᵀY = VᵀV − t(Vᵀξ + ξᵀV) + t²ξᵀξ from K × K Grams formed once per step (≈ I + t²ξᵀξ,
        // as ξ ⊥ V: cond(Y)² stays near 1, so Q loses orthonormality by ~ε cond(Y)² only;
        // Vᵀξ = VᵀG − VᵀV sym), and XQ = (XV − t Xξ) R⁻¹ from one product X ξ per step: a
        // trial costs K²(P + K), and Q itself is formed only for the accepted one.
        for (Index a = 0; a < k; ++a)
            for (Index b = 0; b < k; ++b) {
                double vs = vv(a, 0) * sym(0, b);
                for (Index l = 1; l < k; ++l)
                    vs += vv(a, l) * sym(l, b);
                vx(a, b) = vtg(a, b) - vs;
            }
        product(data.lower ? Shape::lower : Shape::dense, data.x.data(), ld, ld, r, xi, r, xxi,
                dup);
        bool accepted = false;
        for (; step > 1e-10; step *= 0.5) {
            for (Index j = 0; j < k; ++j)
                for (Index i = 0; i <= j; ++i) {
                    double d = vv(i, j) - step * (vx(i, j) + vx(j, i)) + step * step * xx(i, j);
                    for (Index l = 0; l < i; ++l)
                        d -= rs(l, i) * rs(l, j);
                    rs(i, j) = i < j ? d / rs(i, i) : std::sqrt(d);
                }
            Eigen::MatrixXd& ct = cost.c();
            for (Index j = 0; j < k; ++j)
                for (Index q = 0; q < ld; ++q)
                    ct(q, j) = c(q, j) - step * xxi(q, j);
            solve_right(ct.data(), ld, ld);
            const double ft = cost.value();
            if (ft <= f - 1e-4 * step * norm2) {
                for (Index j = 0; j < k; ++j)
                    for (Index q = 0; q < r; ++q)
                        trial(q, j) = v(q, j) - step * xi(q, j);
                solve_right(trial.data(), r, r);
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
