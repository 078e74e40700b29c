// Communication subspace (docs/ANALYSES.md §7): the cross-validated reduced-rank regression
// curve (ranks 0..R) and the full-rank ridge curve over the 51-value λ grid, on one thread —
// the per-item work of `[interactions]` without the null and within-area curves, the work a
// numpy / scikit-learn user does fold by fold with numpy.linalg and sklearn.linear_model.Ridge.
// Prints one `bench=rrr threads=1` line, best of `repeats`.
//
// With data=DIR it writes the source X and target Y (raw little-endian float64, row-major,
// rrr_X.f64 and rrr_Y.f64), the folds (int32, rrr_folds.i32), the λ grid (rrr_lambdas.f64), our
// mean performance curves (rrr_curve.f64, rrr_ridge.f64) and rrr_meta.txt, so
// benchmarks/peers/rrr.py times the peer on the same numbers and compares the curves.
//
// usage: neuropop_bench_rrr [n=4000] [p=100] [k=60] [ranks=20] [folds=10] [repeats=3]
//                           [data=DIR]
//
// Data: Y = X B + noise with B of rank 3 (Semedo et al.'s regime: a few predictive dimensions,
// R^2 about 0.35 per target unit: signal variance (1 + 0.64 + 0.36) / 60 against noise sd 0.25),
// X and the noise Gaussian from CounterRng streams.

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>
#include <tbb/global_control.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/reduced_rank.hpp"
#include "kernels/rng.hpp"

namespace {

using Eigen::Index;
using Eigen::MatrixXd;

MatrixXd gaussian(Index rows, Index cols, neuropop::kernels::CounterRng& rng) {
    MatrixXd m(rows, cols);
    double* v = m.data();
    for (Index i = 0; i < m.size(); i += 2) {
        const double radius = std::sqrt(-2.0 * std::log(1.0 - rng.uniform()));
        const double angle = 2.0 * std::numbers::pi * rng.uniform();
        v[i] = radius * std::cos(angle);
        if (i + 1 < m.size()) v[i + 1] = radius * std::sin(angle);
    }
    return m;
}

MatrixXd orthonormal(Index rows, Index cols, neuropop::kernels::CounterRng& rng) {
    Eigen::HouseholderQR<MatrixXd> qr(gaussian(rows, cols, rng));
    return qr.householderQ() * MatrixXd::Identity(rows, cols);
}

void write_row_major(const std::filesystem::path& file, const MatrixXd& m) {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> r = m;
    neuropop::bench::write_raw(file, r.data(), static_cast<std::size_t>(r.size()));
}

} // namespace

int main(int argc, char** argv) try {
    namespace b = neuropop::bench;
    namespace k = neuropop::kernels;
    const auto args = b::parse_args(argc, argv);
    const auto n = static_cast<Index>(b::get_size(args, "n", 4000));
    const auto p = static_cast<Index>(b::get_size(args, "p", 100));
    const auto q = static_cast<Index>(b::get_size(args, "k", 60));
    const int ranks = static_cast<int>(b::get_size(args, "ranks", 20));
    const int folds = static_cast<int>(b::get_size(args, "folds", 10));
    const int repeats = static_cast<int>(std::max<std::size_t>(1, b::get_size(args, "repeats", 3)));
    if (n < 2 * folds || p < 3 || q < 3)
        throw std::invalid_argument("need n >= 2 folds, p, k >= 3");

    k::CounterRng rng(17, 0, 1);
    const MatrixXd u = orthonormal(p, 3, rng), w = orthonormal(q, 3, rng);
    const Eigen::Vector3d s(1.0, 0.8, 0.6);
    const MatrixXd x = gaussian(n, p, rng);
    const MatrixXd y = x * (u * s.asDiagonal() * w.transpose()) + 0.25 * gaussian(n, q, rng);
    k::CounterRng fold_rng(17, 0, 2);
    const auto fold_of = k::rrr_folds(static_cast<std::size_t>(n), folds, fold_rng);
    const auto lambdas = k::ridge_lambdas(x, k::default_ridge_shrinkage());

    // One thread: the comparison is per core (the items of a job run one per thread).
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    k::CvCurve rrr, ridge;
    const auto t = b::time_best(repeats, [&] {
        rrr = k::cross_validate_rrr(x, y, fold_of, ranks);
        ridge = k::cross_validate_ridge(x, y, fold_of, lambdas);
    });
    std::printf("bench=rrr threads=1 seconds=%.6g cpu_seconds=%.6g n=%ld p=%ld k=%ld ranks=%d "
                "folds=%d lambdas=%zu optimal_rank=%d peak=%.6g\n",
                t.seconds, t.cpu_seconds, static_cast<long>(n), static_cast<long>(p),
                static_cast<long>(q), static_cast<int>(rrr.mean_performance.size()) - 1, folds,
                lambdas.size(), rrr.selected, rrr.peak_performance);
    std::fflush(stdout);

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        write_row_major(dir / "rrr_X.f64", x);
        write_row_major(dir / "rrr_Y.f64", y);
        b::write_raw(dir / "rrr_folds.i32", fold_of);
        b::write_raw(dir / "rrr_lambdas.f64", lambdas);
        b::write_raw(dir / "rrr_curve.f64", rrr.mean_performance.data(),
                     static_cast<std::size_t>(rrr.mean_performance.size()));
        b::write_raw(dir / "rrr_ridge.f64", ridge.mean_performance.data(),
                     static_cast<std::size_t>(ridge.mean_performance.size()));
        std::ofstream(dir / "rrr_meta.txt")
            << "n=" << n << "\np=" << p << "\nk=" << q
            << "\nranks=" << rrr.mean_performance.size() - 1 << "\nfolds=" << folds
            << "\nseconds=" << t.seconds << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_rrr: %s\n", e.what());
    return 1;
}
