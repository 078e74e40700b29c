// Throughput of the Poisson GLM Newton fit (kernels/poisson_glm.hpp) on the uncoupled design the
// coupling analysis fits as its stimulus-only model (docs/ANALYSES.md §7): one-hot condition ×
// trial raised-cosine basis, one fit per unit, L2 penalty λ on the summed log-likelihood, on 1
// thread (the per-unit fits of the analysis run one per thread).
//
// Timed: kernels::fit_stimulus_glm on the rows pooled by (condition, bin), the pooling of each
// unit's counts included; once, for information, fit_poisson_glm on the dense design.
// Prints `bench=poisson_glm threads=1 seconds=<best> cpu_seconds=<best> fits=<units> rows=<n>
// cols=<d> ... dense_seconds=<s> dense_max_abs_diff=<pooled vs dense coefficients>`. With data=DIR
// it writes x.f64 [row, column], y.f64 [unit, row], ours.f64 [unit, intercept + weights] and
// meta.txt for benchmarks/peers/poisson_glm.py, which fits the same problems with scikit-learn's
// PoissonRegressor(alpha = λ / rows).

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <numbers>
#include <vector>

#include <Eigen/Core>
#include <tbb/global_control.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/poisson_glm.hpp"
#include "kernels/raised_cosine.hpp"
#include "kernels/rng.hpp"

namespace k = neuropop::kernels;
using neuropop::bench::get_double;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::Timing;
using neuropop::bench::write_raw;

namespace {

// Knuth's multiplication method; rates stay below a few spikes per bin.
double poisson(double rate, k::CounterRng& rng) {
    const double limit = std::exp(-rate);
    double product = rng.uniform(), count = 0;
    while (product > limit) {
        product *= rng.uniform();
        count += 1;
    }
    return count;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const int trials = static_cast<int>(get_double(args, "trials", 400)),
              bins = static_cast<int>(get_double(args, "bins", 50)),
              conditions = static_cast<int>(get_double(args, "conditions", 8)),
              basis = static_cast<int>(get_double(args, "basis", 8)),
              units = static_cast<int>(get_double(args, "units", 40)),
              repeats = std::max(1, static_cast<int>(get_double(args, "repeats", 3)));
    const double lambda = get_double(args, "lambda", 10.0);
    if (trials < 1 || bins < 2 || conditions < 1 || basis < 1 || units < 1)
        throw std::invalid_argument("trials, conditions, basis, units must be > 0, bins > 1");

    k::CounterRng rng(11, 0, 0);
    std::vector<int> labels(static_cast<std::size_t>(trials));
    for (auto& c : labels)
        c = static_cast<int>(rng.below(static_cast<std::uint64_t>(conditions)));
    const Eigen::MatrixXd x = k::stimulus_design(labels, conditions, k::trial_basis(bins, basis));
    const Eigen::Index n = x.rows(), d = x.cols();
    // Each unit: baseline 0.1 spikes per bin, condition × time modulation with sd 0.5.
    Eigen::MatrixXd y(n, units);
    for (int u = 0; u < units; ++u) {
        Eigen::VectorXd w(d);
        for (Eigen::Index j = 0; j < d; ++j)
            w(j) = 0.5 * std::sqrt(-2.0 * std::log(1.0 - rng.uniform())) *
                   std::cos(2.0 * std::numbers::pi * rng.uniform());
        const Eigen::VectorXd eta = (x * w).array() + std::log(0.1);
        for (Eigen::Index i = 0; i < n; ++i)
            y(i, u) = poisson(std::exp(eta(i)), rng);
    }

    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    // As the coupling analysis fits its stimulus-only model: the design's rows repeat per
    // (condition, bin), so each unit's counts are summed over the trials of a condition (timed)
    // and the same objective is minimised on the pooled rows, one condition's block at a time
    // (kernels/poisson_glm.hpp fit_stimulus_glm). The pooled design depends only on the labels and
    // is built once, as the dense design x is for the peer.
    const k::PooledStimulus pooled =
        k::pool_stimulus(labels, conditions, k::trial_basis(bins, basis));
    std::vector<k::PoissonGlmFit> fits(static_cast<std::size_t>(units));
    const Timing t = time_best(repeats, [&] {
        for (int u = 0; u < units; ++u)
            fits[static_cast<std::size_t>(u)] =
                k::fit_stimulus_glm(pooled, pooled.pool(y.col(u)), lambda);
    });
    // For information: the Newton fit on the dense n × d design (what the peer is given).
    std::vector<k::PoissonGlmFit> dense(static_cast<std::size_t>(units));
    const Timing t_dense = time_best(1, [&] {
        for (int u = 0; u < units; ++u)
            dense[static_cast<std::size_t>(u)] = k::fit_poisson_glm(x, y.col(u), lambda);
    });
    double dense_diff = 0;
    for (int u = 0; u < units; ++u) {
        const auto& a = fits[static_cast<std::size_t>(u)];
        const auto& b = dense[static_cast<std::size_t>(u)];
        dense_diff = std::max({dense_diff, std::abs(a.intercept - b.intercept),
                               (a.weights - b.weights).cwiseAbs().maxCoeff()});
    }
    int iterations = 0, unconverged = 0;
    for (const auto& f : fits) {
        iterations += f.iterations;
        unconverged += f.converged ? 0 : 1;
    }
    std::printf("bench=poisson_glm threads=1 seconds=%.6g cpu_seconds=%.6g fits=%d rows=%lld "
                "cols=%lld lambda=%g mean_iterations=%.2f unconverged=%d dense_seconds=%.6g "
                "dense_max_abs_diff=%.3g\n",
                t.seconds, t.cpu_seconds, units, static_cast<long long>(n),
                static_cast<long long>(d), lambda, static_cast<double>(iterations) / units,
                unconverged, t_dense.seconds, dense_diff);
    std::fflush(stdout);

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> xr = x;
        write_raw(dir / "x.f64", xr.data(), static_cast<std::size_t>(xr.size()));
        const Eigen::MatrixXd yt = y; // column-major: unit after unit
        write_raw(dir / "y.f64", yt.data(), static_cast<std::size_t>(yt.size()));
        std::vector<double> ours;
        for (const auto& f : fits) {
            ours.push_back(f.intercept);
            ours.insert(ours.end(), f.weights.data(), f.weights.data() + f.weights.size());
        }
        write_raw(dir / "ours.f64", ours);
        std::ofstream(dir / "meta.txt")
            << "rows=" << n << " cols=" << d << " units=" << units << " lambda=" << lambda << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_poisson_glm: %s\n", e.what());
    return 1;
}
