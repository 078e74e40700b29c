// The machine's GEMM limit as neuropop sees it: Eigen's double-precision n x n product on one
// thread (kernels build Eigen with EIGEN_DONT_PARALLELIZE; TBB owns the cores). Covariance work
// is compared with this rate; benchmarks/peers/gemm.py measures numpy/OpenBLAS on the same n.
// Prints `bench=gemm threads=1 n=<n> seconds=<best> gflops=<2 n^3 / s / 1e9>`.
//
// usage: neuropop_bench_gemm [n=1536] [repeats=3]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <string>

#include <Eigen/Core>

#include "benchmarks/bench_args.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;

namespace {

Eigen::MatrixXd random_matrix(Eigen::Index n, std::uint64_t item) {
    neuropop::kernels::CounterRng rng(7, item);
    Eigen::MatrixXd m(n, n);
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i)
            m(i, j) = rng.uniform() - 0.5;
    return m;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const auto n = static_cast<Eigen::Index>(get_size(args, "n", 1536));
    const std::size_t repeats = std::max<std::size_t>(1, get_size(args, "repeats", 3));
    if (n < 1) throw std::invalid_argument("n must be > 0");
    const Eigen::MatrixXd a = random_matrix(n, 0), b = random_matrix(n, 1);
    Eigen::MatrixXd c(n, n);
    double best = 1e300;
    for (std::size_t r = 0; r < repeats; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        c.noalias() = a * b;
        auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    }
    const double flops =
        2.0 * static_cast<double>(n) * static_cast<double>(n) * static_cast<double>(n);
    // "SSE, SSE2" -> "SSE+SSE2": values in key=value lines hold no spaces.
    std::string simd = Eigen::SimdInstructionSetsInUse();
    simd.erase(std::remove(simd.begin(), simd.end(), ' '), simd.end());
    std::replace(simd.begin(), simd.end(), ',', '+');
    // The trace is printed so the product cannot be optimised away.
    std::printf("bench=gemm threads=1 n=%ld seconds=%.6g gflops=%.4g simd=%s trace=%.6g\n",
                static_cast<long>(n), best, flops / best / 1e9, simd.c_str(), c.trace());
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_gemm: %s\n", e.what());
    return 1;
}
