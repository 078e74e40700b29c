#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

#include <tbb/global_control.h>

#include "kernels/centred_gram.hpp"
#include "kernels/moments.hpp"
#include "kernels/rng.hpp"
#include "tests/unit/reference_data.hpp"

using neuropop::kernels::CounterRng;
using neuropop::kernels::Moments;

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();

// Data with a large common offset (1e3 · sd) so that a naive XᵀX − n x̄ x̄ᵀ would lose ~12 digits,
// and correlated columns (a random mixing) so M2 is not diagonal.
Eigen::MatrixXd offset_data(Eigen::Index rows, Eigen::Index cols, std::uint64_t item) {
    CounterRng rng(11, item);
    Eigen::MatrixXd mixing = neuropop::test::gaussian_matrix(cols, cols, rng);
    Eigen::MatrixXd x = neuropop::test::gaussian_matrix(rows, cols, rng) * mixing;
    for (Eigen::Index j = 0; j < cols; ++j)
        x.col(j).array() += 1e3 * static_cast<double>(j + 1);
    return x;
}

// Two-pass reference in long double: exact to far below double rounding for these sizes.
void reference_moments(const Eigen::MatrixXd& x, Eigen::VectorXd& mean, Eigen::MatrixXd& m2) {
    const Eigen::Index n = x.rows(), p = x.cols();
    std::vector<long double> mu(static_cast<std::size_t>(p), 0.0L);
    for (Eigen::Index j = 0; j < p; ++j) {
        long double s = 0;
        for (Eigen::Index i = 0; i < n; ++i)
            s += x(i, j);
        mu[static_cast<std::size_t>(j)] = s / static_cast<long double>(n);
    }
    mean.resize(p);
    m2.resize(p, p);
    for (Eigen::Index j = 0; j < p; ++j) {
        mean(j) = static_cast<double>(mu[static_cast<std::size_t>(j)]);
        for (Eigen::Index k = 0; k < p; ++k) {
            long double s = 0;
            for (Eigen::Index i = 0; i < n; ++i)
                s += (x(i, j) - mu[static_cast<std::size_t>(j)]) *
                     (x(i, k) - mu[static_cast<std::size_t>(k)]);
            m2(j, k) = static_cast<double>(s);
        }
    }
}

// |a_jk − b_jk| <= tol · sqrt(M2_jj M2_kk): entries are compared on the scale of their variances
// (Cauchy–Schwarz bounds |M2_jk| by it), the natural scale of rounding in centred sums.
void check_m2_close(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b, double tol) {
    REQUIRE(a.rows() == b.rows());
    REQUIRE(a.cols() == b.cols());
    for (Eigen::Index j = 0; j < a.rows(); ++j)
        for (Eigen::Index k = 0; k < a.cols(); ++k) {
            const double scale = std::sqrt(b(j, j) * b(k, k));
            INFO("entry (" << j << ", " << k << "): " << a(j, k) << " vs " << b(j, k));
            CHECK(std::abs(a(j, k) - b(j, k)) <= tol * scale);
        }
}

bool same_bits(const Moments& a, const Moments& b) {
    return a.count == b.count && a.mean.size() == b.mean.size() && a.m2.size() == b.m2.size() &&
           std::memcmp(a.mean.data(), b.mean.data(),
                       sizeof(double) * static_cast<std::size_t>(a.mean.size())) == 0 &&
           std::memcmp(a.m2.data(), b.m2.data(),
                       sizeof(double) * static_cast<std::size_t>(a.m2.size())) == 0;
}

Moments merged_chunks(const Eigen::MatrixXd& x, const std::vector<Eigen::Index>& cuts) {
    Moments total;
    Eigen::Index begin = 0;
    for (Eigen::Index end : cuts) {
        total.merge(Moments::of(x.middleRows(begin, end - begin)));
        begin = end;
    }
    return total;
}

} // namespace

TEST_CASE("moments match a long-double two-pass reference despite a large offset", "[moments]") {
    // 10 007 rows: 40 blocks of 256 rows with a ragged last block (one reduction leaf).
    const Eigen::MatrixXd x = offset_data(10007, 6, 1);
    Eigen::VectorXd mean;
    Eigen::MatrixXd m2;
    reference_moments(x, mean, m2);
    const Moments m = Moments::of(x);
    CHECK(m.count == 10007);
    // Rounding bound: each M2 entry is a running sum over the rows of a reduction leaf (tile
    // sums of 256 centred products added block by block) plus a short tree of leaf sums, so
    // the worst case is about (256 + n/256 + a few) ε ≈ 300 ε relative to
    // Σ|x_j − a_j||x_k − a_k| ≤ the M2 scale (the shift a is within a few standard errors of the
    // mean, so the s sᵀ/n correction adds no cancellation). 4096 ε leaves a wide margin.
    check_m2_close(m.m2, m2, 4096 * eps);
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const double sd = std::sqrt(m2(j, j) / 10006.0);
        // mean = a + s/n: ulp-level error of |a| plus the relative error of s, on the sd scale.
        CHECK(std::abs(m.mean(j) - mean(j)) <= 4 * eps * std::abs(mean(j)) + 4096 * eps * sd);
    }
    CHECK(m.m2 == m.m2.transpose()); // exactly symmetric by construction
    const Eigen::MatrixXd cov = m.covariance();
    CHECK(cov.isApprox(m2 / 10006.0, 4096 * eps));
}

TEST_CASE("moments are right for every feature count and kernel", "[moments]") {
    // The Gram kernel packs features in panels of the SIMD width (2, 4 or 8) and tiles up to
    // 4 panels: 1 … 40 features cover every remainder and tile shape; 600 rows give two full
    // 256-row blocks and a ragged one. Each kernel the CPU supports is checked (the widest is
    // the one in use by default). Same bound as above (≈ 260 ε worst case here).
    using neuropop::kernels::detail::CentredGram;
    for (const char* isa : {"generic", "avx2", "avx512"}) {
        if (!CentredGram::use_instruction_set(isa)) {
            WARN("kernel " << isa << " not supported by this CPU: not checked");
            continue;
        }
        for (Eigen::Index p = 1; p <= 40; ++p) {
            INFO(isa << ", " << p << " features");
            const Eigen::MatrixXd x = offset_data(600, p, 100 + static_cast<std::uint64_t>(p));
            Eigen::VectorXd mean;
            Eigen::MatrixXd m2;
            reference_moments(x, mean, m2);
            const Moments m = Moments::of(x);
            check_m2_close(m.m2, m2, 4096 * eps);
            CHECK(m.m2 == m.m2.transpose());
        }
    }
    CentredGram::use_instruction_set("");
}

TEST_CASE("gathered rows with per-row shifts equal the Gram of the centred copy, bit for bit",
          "[moments][crossnobis]") {
    // kernels/crossnobis.cpp packs each fold's trials straight from the data, each centred on
    // its condition's mean (add_rows_gathered), instead of building a centred copy and calling
    // add_rows on it. Both must give the same bits: the same differences, summed in the same
    // order. Rows in a scrambled order with repeats, 3 shift rows, every kernel, 1 … 21
    // features (every panel remainder), blocks of 256 rows and a ragged one.
    using neuropop::kernels::detail::CentredGram;
    const Eigen::Index n_rows = 300, block = CentredGram::block_rows;
    std::vector<Eigen::Index> rows(static_cast<std::size_t>(n_rows));
    std::vector<int> shift_row(rows.size());
    for (std::size_t k = 0; k < rows.size(); ++k) {
        rows[k] = static_cast<Eigen::Index>((k * 37 + 11) % 200);
        shift_row[k] = static_cast<int>((k * 7) % 3);
    }
    for (const char* isa : {"generic", "avx2", "avx512"}) {
        if (!CentredGram::use_instruction_set(isa)) continue;
        for (Eigen::Index p = 1; p <= 21; ++p) {
            INFO(isa << ", " << p << " features");
            const Eigen::MatrixXd x = offset_data(200, p, 300 + static_cast<std::uint64_t>(p));
            CounterRng rng(13, static_cast<std::uint64_t>(p));
            const Eigen::MatrixXd shifts =
                neuropop::test::gaussian_matrix(3, p, rng) + x.topRows(3);
            Eigen::MatrixXd copy(n_rows, p);
            for (Eigen::Index k = 0; k < n_rows; ++k)
                for (Eigen::Index j = 0; j < p; ++j)
                    copy(k, j) = x(rows[static_cast<std::size_t>(k)], j) -
                                 shifts(shift_row[static_cast<std::size_t>(k)], j);
            CentredGram direct(p), gathered(p);
            const Eigen::RowVectorXd zero = Eigen::RowVectorXd::Zero(p);
            for (Eigen::Index r = 0; r < n_rows; r += block) {
                const Eigen::Index count = std::min(block, n_rows - r);
                direct.add_rows(copy, r, count, zero);
                gathered.add_rows_gathered(
                    x,
                    std::span<const Eigen::Index>(rows).subspan(static_cast<std::size_t>(r),
                                                                static_cast<std::size_t>(count)),
                    std::span<const int>(shift_row).subspan(static_cast<std::size_t>(r),
                                                            static_cast<std::size_t>(count)),
                    shifts);
            }
            const Eigen::MatrixXd a = direct.lower(), b = gathered.lower();
            CHECK(std::memcmp(a.data(), b.data(),
                              sizeof(double) * static_cast<std::size_t>(a.size())) == 0);
            const Eigen::VectorXd sa = direct.sums(), sb = gathered.sums();
            CHECK(std::memcmp(sa.data(), sb.data(), sizeof(double) * static_cast<std::size_t>(p)) ==
                  0);
            // and right, not merely consistent: within 1e-12 of the largest entry (300 terms
            // summed in a different order than Eigen: at most ~300 ε of it)
            Eigen::MatrixXd truth = copy.transpose() * copy;
            CHECK((b.triangularView<Eigen::Lower>().toDenseMatrix() -
                   truth.triangularView<Eigen::Lower>().toDenseMatrix())
                      .cwiseAbs()
                      .maxCoeff() <= 1e-12 * truth.cwiseAbs().maxCoeff());
        }
    }
    CentredGram::use_instruction_set("");
}

TEST_CASE("merged chunks equal the one-shot moments", "[moments]") {
    const Eigen::MatrixXd x = offset_data(9000, 5, 2);
    const Moments whole = Moments::of(x);
    // Uneven chunks, including one row and one chunk larger than a block.
    const Moments merged = merged_chunks(x, {1, 700, 701, 3500, 6000, 9000});
    CHECK(merged.count == whole.count);
    // Chan's update is exact algebra; rounding adds ~ε per merge on the M2 scale on top of the
    // two one-shot computations' own bounds (see the reference test): 2 × 4096 ε.
    check_m2_close(merged.m2, whole.m2, 8192 * eps);
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
        const double sd = std::sqrt(whole.m2(j, j) / 8999.0);
        CHECK(std::abs(merged.mean(j) - whole.mean(j)) <=
              8 * eps * std::abs(whole.mean(j)) + 8192 * eps * sd);
    }
    CHECK(merged.m2 == merged.m2.transpose());
}

TEST_CASE("merging in a fixed order is bitwise reproducible", "[moments]") {
    const Eigen::MatrixXd x = offset_data(5000, 4, 3);
    const std::vector<Eigen::Index> cuts{999, 2500, 2501, 5000};
    const Moments a = merged_chunks(x, cuts), b = merged_chunks(x, cuts);
    CHECK(same_bits(a, b));
}

TEST_CASE("one-shot moments do not depend on the thread count", "[moments]") {
    // 40 000 rows = 157 blocks of 256 = 3 reduction leaves of ≤ 64 blocks: the TBB path.
    const Eigen::MatrixXd x = offset_data(40000, 7, 4);
    Moments one, many;
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
        one = Moments::of(x);
    }
    {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 4);
        many = Moments::of(x);
    }
    CHECK(same_bits(one, many));
}

TEST_CASE("moments edge cases", "[moments]") {
    SECTION("a constant column has exactly zero variance and its exact mean") {
        Eigen::MatrixXd x = offset_data(3000, 3, 5);
        x.col(1).setConstant(0.1); // 0.1 is inexact in binary: a computed mean could round
        const Moments m = Moments::of(x);
        CHECK(m.mean(1) == 0.1);
        CHECK(m.m2.row(1).isZero(0.0));
        CHECK(m.m2.col(1).isZero(0.0));
    }
    SECTION("merging with empty moments is the identity") {
        const Eigen::MatrixXd x = offset_data(100, 3, 6);
        const Moments m = Moments::of(x);
        Moments left;
        left.merge(m);
        CHECK(same_bits(left, m));
        Moments right = m;
        right.merge(Moments::of(x.topRows(0)));
        CHECK(same_bits(right, m));
    }
    SECTION("mismatched features and too few samples are rejected") {
        Moments a = Moments::of(offset_data(10, 3, 7));
        CHECK_THROWS_AS(a.merge(Moments::of(offset_data(10, 4, 8))), std::invalid_argument);
        CHECK_THROWS_AS(Moments::of(offset_data(1, 3, 9)).covariance(), std::invalid_argument);
    }
    SECTION("a single sample has zero M2") {
        const Moments m = Moments::of(offset_data(1, 3, 10));
        CHECK(m.count == 1);
        CHECK(m.m2.isZero(0.0));
    }
}
