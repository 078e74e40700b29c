// Throughput of representational geometry (docs/ANALYSES.md §4) on generated trials:
// - crossnobis: kernels::crossnobis_rdm (Ledoit–Wolf noise precision, all folds) on K
//   conditions × N units × P trials (default 64 × 2 000 × 6 400, 5 folds);
// - few-shot: kernels::manifold_geometry on 21 manifolds (conditions) of S samples × U units
//   (default 100 × 300): radii, dimensions, the pair overlaps, the predicted m-shot error and
//   the empirical error of `episodes` prototype episodes per (a, b, m).
// Each part prints one line per thread count (1 and all), with its peak memory beyond its
// input, and fails when the thread counts differ in any bit. Lines:
// `bench=geometry_<what> threads=<n> seconds=<best> cpu_seconds=<best> ...`.
// With data=DIR it writes the inputs and our outputs as raw little-endian float64 so
// benchmarks/peers/geometry.py can time numpy on the same numbers and compare.
//
// usage: neuropop_bench_geometry [conditions=64] [units=2000] [trials=6400] [folds=5]
//        [fs_conditions=21] [fs_samples=100] [fs_units=300] [episodes=50] [repeats=2]
//        [data=DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iomanip>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <tbb/global_control.h>
#include <tbb/info.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/crossnobis.hpp"
#include "kernels/gaussian.hpp"
#include "kernels/manifold.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::Timing;
using neuropop::bench::write_raw;

namespace {

namespace k = neuropop::kernels;
using Eigen::Index;
using Eigen::MatrixXd;

// Row-major copy, the layout numpy reads with reshape(rows, cols).
void write_matrix(const std::filesystem::path& file, const MatrixXd& m) {
    const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
    write_raw(file, rm.data(), static_cast<std::size_t>(rm.size()));
}

// Trials of K conditions: condition means of spread 0.3 plus noise with a shared 20-dimensional
// component and unit-specific variances (so the Ledoit–Wolf precision is not the identity).
// Condition of trial t: t mod K; fold: (t div K) mod F.
MatrixXd crossnobis_trials(Index k_conditions, Index units, Index trials) {
    k::CounterRng rng(31, 0);
    MatrixXd means(k_conditions, units), loading(20, units);
    for (auto& v : means.reshaped())
        v = 0.3 * k::standard_normal(rng);
    for (auto& v : loading.reshaped())
        v = 0.5 * k::standard_normal(rng);
    Eigen::RowVectorXd sd(units);
    for (auto& v : sd)
        v = std::exp(0.3 * k::standard_normal(rng));
    MatrixXd x(trials, units);
    Eigen::RowVectorXd shared(20);
    for (Index t = 0; t < trials; ++t) {
        for (auto& v : shared)
            v = k::standard_normal(rng);
        x.row(t) = means.row(t % k_conditions) + shared * loading;
        for (Index u = 0; u < units; ++u)
            x(t, u) += sd[u] * k::standard_normal(rng);
    }
    return x;
}

// Manifolds of 21 conditions: centroids of spread 1.5 (norm) in U units, close enough for
// 1-shot errors of a few to ~30 %, each manifold a Gaussian of
// its own random 20-dimensional subspace (decaying variances) plus isotropic noise 0.2.
std::vector<MatrixXd> manifolds(int conditions, Index samples, Index units) {
    k::CounterRng rng(37, 0);
    std::vector<MatrixXd> out;
    for (int a = 0; a < conditions; ++a) {
        Eigen::RowVectorXd centre(units);
        for (auto& v : centre)
            v = k::standard_normal(rng) / std::sqrt(static_cast<double>(units)) * 1.5;
        MatrixXd axes(20, units);
        for (Index i = 0; i < 20; ++i)
            for (Index u = 0; u < units; ++u)
                axes(i, u) = k::standard_normal(rng) / std::sqrt(static_cast<double>(units)) /
                             std::sqrt(1.0 + static_cast<double>(i));
        MatrixXd x(samples, units);
        Eigen::RowVectorXd z(20);
        for (Index s = 0; s < samples; ++s) {
            for (auto& v : z)
                v = k::standard_normal(rng);
            x.row(s) = centre + z * axes;
            for (Index u = 0; u < units; ++u)
                x(s, u) += 0.2 / std::sqrt(static_cast<double>(units)) * k::standard_normal(rng);
        }
        out.push_back(std::move(x));
    }
    return out;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const Index conditions = static_cast<Index>(get_size(args, "conditions", 64)),
                units = static_cast<Index>(get_size(args, "units", 2000)),
                trials = static_cast<Index>(get_size(args, "trials", 6400)),
                folds = static_cast<Index>(get_size(args, "folds", 5)),
                fs_samples = static_cast<Index>(get_size(args, "fs_samples", 100)),
                fs_units = static_cast<Index>(get_size(args, "fs_units", 300));
    const int fs_conditions = static_cast<int>(get_size(args, "fs_conditions", 21)),
              episodes = static_cast<int>(get_size(args, "episodes", 50)),
              repeats = std::max(1, static_cast<int>(get_size(args, "repeats", 2)));
    if (conditions < 2 || trials < conditions * folds || folds < 2 || fs_conditions < 2 ||
        fs_samples < 11)
        throw std::invalid_argument("need conditions >= 2, folds >= 2, trials >= conditions x "
                                    "folds, fs_conditions >= 2 and fs_samples > 10 (m = 10)");
    std::filesystem::path dir;
    if (auto it = args.find("data"); it != args.end()) {
        dir = it->second;
        std::filesystem::create_directories(dir);
    }

    // One line per thread count (1 and all) for each part. Few-shot runs first: its peak
    // memory beyond the RSS at the reset is then not hidden by heap pages crossnobis touched.
    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());

    // Few-shot manifold geometry.
    const std::vector<MatrixXd> mf = manifolds(fs_conditions, fs_samples, fs_units);
    k::ManifoldOptions options;
    options.episodes = episodes;
    // The deterministic part alone (episodes = 0), for the breakdown.
    k::ManifoldOptions no_episodes = options;
    no_episodes.episodes = 0;
    // One line per thread count, as for crossnobis; the episodes draw per (a, b, m) streams, so
    // every thread count must give the same bits.
    k::ManifoldGeometry geo;
    const double rss_before_fewshot = neuropop::bench::reset_peak_rss();
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        k::ManifoldGeometry run;
        const Timing tg = time_best(repeats, [&] {
            k::CounterRng rng(41, 0);
            run = k::manifold_geometry(mf, options, rng);
        });
        const Timing tg0 = time_best(repeats, [&] {
            k::CounterRng rng(41, 0);
            k::manifold_geometry(mf, no_episodes, rng);
        });
        if (threads == 1)
            geo = run;
        else if (std::memcmp(run.empirical_error.data(), geo.empirical_error.data(),
                             sizeof(double) *
                                 static_cast<std::size_t>(geo.empirical_error.size())) ||
                 std::memcmp(run.predicted_error.data(), geo.predicted_error.data(),
                             sizeof(double) * static_cast<std::size_t>(geo.predicted_error.size())))
            throw std::runtime_error("few-shot geometry: results differ between 1 and " +
                                     std::to_string(threads) + " threads");
        std::printf("bench=geometry_fewshot threads=%d seconds=%.6g cpu_seconds=%.6g "
                    "conditions=%d samples=%td units=%td episodes=%d shots=1,2,5,10 "
                    "geometry_seconds=%.6g extra_rss_mb=%.1f\n",
                    threads, tg.seconds, tg.cpu_seconds, fs_conditions, fs_samples, fs_units,
                    episodes, tg0.seconds, neuropop::bench::peak_rss_mb() - rss_before_fewshot);
    }
    std::fflush(stdout);
    if (!dir.empty()) {
        for (int a = 0; a < fs_conditions; ++a)
            write_matrix(dir / ("manifold" + std::to_string(a) + ".f64"),
                         mf[static_cast<std::size_t>(a)]);
        // [a, b] and [a, b, m] arrays in kernels/manifold.hpp's flat layout
        std::vector<double> pairs;
        for (const Eigen::VectorXd* v : {&geo.signal, &geo.bias, &geo.csa, &geo.csb, &geo.ss})
            pairs.insert(pairs.end(), v->data(), v->data() + v->size());
        write_raw(dir / "fewshot_pairs.f64", pairs.data(), pairs.size());
        write_raw(dir / "fewshot_radius2.f64", geo.radius2.data(),
                  static_cast<std::size_t>(geo.radius2.size()));
        write_raw(dir / "fewshot_dimension.f64", geo.dimension.data(),
                  static_cast<std::size_t>(geo.dimension.size()));
        write_raw(dir / "fewshot_predicted.f64", geo.predicted_error.data(),
                  static_cast<std::size_t>(geo.predicted_error.size()));
        write_raw(dir / "fewshot_empirical.f64", geo.empirical_error.data(),
                  static_cast<std::size_t>(geo.empirical_error.size()));
        std::ofstream(dir / "fewshot_meta.txt")
            << "conditions=" << fs_conditions << " samples=" << fs_samples << " units=" << fs_units
            << " episodes=" << episodes << "\n";
    }

    // Crossnobis.
    const MatrixXd x = crossnobis_trials(conditions, units, trials);
    std::vector<int> labels(static_cast<std::size_t>(trials)), fold_ids(labels.size());
    for (Index t = 0; t < trials; ++t) {
        labels[static_cast<std::size_t>(t)] = static_cast<int>(t % conditions);
        fold_ids[static_cast<std::size_t>(t)] = static_cast<int>((t / conditions) % folds);
    }
    // One line per thread count: the kernel is parallel over folds and Gram strips, with the
    // same bits for any thread count (checked here too).
    k::CrossnobisResult rdm;
    const double input_mb = static_cast<double>(x.size()) * 8.0 / (1024.0 * 1024.0);
    // Working memory beyond the input, which was resident before the reset.
    const double rss_before_crossnobis = neuropop::bench::reset_peak_rss();
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        k::CrossnobisResult r;
        const Timing tc = time_best(repeats, [&] { r = k::crossnobis_rdm(x, labels, fold_ids); });
        if (threads == 1)
            rdm = r;
        else if (r.rdm != rdm.rdm || r.shrinkage != rdm.shrinkage)
            throw std::runtime_error("crossnobis: results differ between 1 and " +
                                     std::to_string(threads) + " threads");
        std::printf(
            "bench=geometry_crossnobis threads=%d seconds=%.6g cpu_seconds=%.6g "
            "conditions=%td units=%td trials=%td folds=%td shrinkage=%.6g extra_rss_mb=%.1f "
            "input_mb=%.1f gflop=%.4g\n",
            threads, tc.seconds, tc.cpu_seconds, conditions, units, trials, folds, r.shrinkage,
            neuropop::bench::peak_rss_mb() - rss_before_crossnobis, input_mb,
            // the dominant work (kernels/crossnobis.hpp): the per-fold Gram matrices of
            // all trials, P N (N + 1) flops, and one Cholesky per fold, N³/3 flops
            (static_cast<double>(trials) * static_cast<double>(units * (units + 1)) +
             static_cast<double>(folds) * static_cast<double>(units * units * units) / 3.0) /
                1e9);
    }
    std::fflush(stdout);
    if (!dir.empty()) {
        write_matrix(dir / "crossnobis_x.f64", x);
        write_matrix(dir / "crossnobis_rdm.f64", rdm.rdm);
        std::ofstream(dir / "crossnobis_meta.txt")
            << "conditions=" << conditions << " units=" << units << " trials=" << trials
            << " folds=" << folds << " shrinkage=" << std::setprecision(17) << rdm.shrinkage
            << "\n";
    }

    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_geometry: %s\n", e.what());
    return 1;
}
