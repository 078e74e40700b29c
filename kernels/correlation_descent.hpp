#pragma once
// The inner loop of the centre-correlation removal (manifold_capacity.hpp, step 2): the cost
//   F(V) = ½ Σ_{μν} a_μν² / (d_μ d_ν),  a = C − c̃c̃ᵀ,  c̃ = XV,  d_μ = C_μμ − ‖c̃_μ‖²,  C = XXᵀ,
// its Euclidean gradient ∂F/∂V = Xᵀ(−2 b c̃ + 2 diag(e) c̃) (b_μν = a_μν / (d_μ d_ν),
// e_μ = Σ_ν a_μν b_μν / d_μ), and the Riemannian gradient descent on the Stiefel manifold that
// minimises it (Armijo backtracking, QR retraction, at most 1 000 steps, gradient norm 1e-6).
//
// Why a file of its own: at mftma's sizes (P ≈ 50 centres, r = P − 1, K ≤ 5 removed directions)
// one evaluation is a dozen operations on 50 × 49 matrices, repeated ~10⁵ times per layer, and
// written as Eigen expressions most of its time went to heap allocations per temporary, the
// general product's packing and a Householder QR per trial (benchmarks/README.md, capacity).
// Here nothing is allocated inside the descent, and:
//  - F needs only c̃: one pass over C per evaluation, for a block of rows μ (SIMD vectors,
//    c̃_μ in registers) and every ν before the block's end, forms a_μν and b_μν once per
//    symmetric pair (writing b_μν and b_νμ) and the row sums e; b is kept for the gradient,
//    which the descent forms only at accepted points (b c̃, then Xᵀ);
//  - a trial Q = (V − tξ) R⁻¹ has X Q = (XV − t Xξ) R⁻¹, so a step costs one product X ξ and a
//    trial K²(P + K); R is the Cholesky factor of YᵀY (Y = V − tξ) from K × K Grams;
//  - the products (K ≤ 8 columns) are register-blocked as detail::small_product, with the
//    right-hand factor broadcast beforehand; with X lower trapezoidal they skip its zeros.
// Every output element is one sum in a fixed order (over k for c̃_μ·c̃_ν, over ν for the row
// sums, in block order for the mirrored terms), so results depend on the inputs only, not on
// threads. b uses 1/d_μ · 1/d_ν instead of a division per element; the reference below
// divides and sums in another order, so the two differ by rounding only.

#include <Eigen/Core>

namespace neuropop::kernels::detail {

// The fixed data of one removal, laid out for the evaluation: X with its rows padded to a
// multiple of the SIMD width (the padding rows are zero, so their a, b and sums are zero), Xᵀ
// and C = XXᵀ (padded rows zero as well).
struct CorrelationData {
    explicit CorrelationData(const Eigen::MatrixXd& x /* P × r */);
    Eigen::Index p = 0, r = 0, padded = 0;
    Eigen::MatrixXd x;    // padded × r
    Eigen::MatrixXd xt;   // r × P
    Eigen::MatrixXd gram; // padded × P
    // X lower trapezoidal (x_μj = 0 for j > μ, as manifold_capacity's coordinates are): the
    // products with X and Xᵀ skip the zeros (half the terms; the same bits as with them).
    bool lower = false;
};

// F(V) and ∂F/∂V written directly as matrix expressions (the formula above, a and b stored):
// what the fast evaluation is tested against. +∞ (gradient untouched) when some d_μ ≤ 0.
double correlation_cost_reference(const Eigen::MatrixXd& x, const Eigen::MatrixXd& v,
                                  Eigen::MatrixXd* gradient);

// The allocation-free evaluation for V of `k` columns (any k ≥ 1; k ≤ 8 keep c̃_μ in registers
// and use small_product, larger k the same pass through memory and Eigen's product). F needs
// only c̃ = XV; the gradient, which the descent needs only at accepted points, reuses the b of
// the last evaluation.
class CorrelationCost {
public:
    CorrelationCost(const CorrelationData& data, Eigen::Index k);
    // c̃ of the point to evaluate (padded × K, padding rows zero).
    Eigen::MatrixXd& c() { return c_; }
    // F at c(); +∞ when some d_μ ≤ 0.
    double value();
    // c() = X V, then F.
    double value(const Eigen::MatrixXd& v);
    // ∂F/∂V (r × K) at the point of the last finite value().
    void gradient(Eigen::MatrixXd& g);

private:
    const CorrelationData& data_;
    Eigen::Index k_;
    Eigen::MatrixXd c_;     // padded × K: X V
    Eigen::MatrixXd bc_;    // padded × K: Σ_ν b_μν c̃_ν, then the gradient in c̃
    Eigen::MatrixXd b_;     // padded × padded: b_μν of the last evaluation
    Eigen::VectorXd w_, e_; // padded: 1/d_μ, Σ_ν a_μν b_μν
    Eigen::VectorXd dup_, cdup_, wdup_; // broadcast copies for the SIMD kernels
};

// Riemannian gradient descent from the orthonormal `v` (r × K): Armijo backtracking (sufficient
// decrease 1e-4, step halved down to 1e-10, doubled after each accepted step), retraction by
// the Q factor of the thin QR with diag(R) > 0 (by Cholesky QR); stops at Riemannian gradient norm
// < 1e-6, after 1 000 steps, or when no step decreases F. Returns `v` itself if F(v) is +∞.
Eigen::MatrixXd minimise_on_stiefel(const CorrelationData& data, Eigen::MatrixXd v);

} // namespace neuropop::kernels::detail
