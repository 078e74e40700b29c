// Mean-field manifold capacity (kernels::manifold_capacity, docs/analyses/brain-network.md) on
// generated class manifolds, 1 thread: P clouds of m points in N dimensions around correlated
// centres (each centre a Gaussian vector plus a shared direction, so the centre-correlation
// removal has something to remove), `samples` Gaussian vectors per manifold and `restarts`
// random starts per rank of the removal, as the models item calls it for a layer's classes.
// Prints `bench=capacity threads=1 seconds=<best> cpu_seconds=<best> manifolds= points= dims=
// samples= restarts= capacity= radius= dimension= removed_rank=`. With data=DIR it writes the
// points, the random draws the kernel makes (so that benchmarks/peers/capacity.py, a numpy port
// of the same algorithm, uses the same numbers) and our results.
//
// The draws are reproduced here from the kernel's documented streams (manifold_capacity.hpp:
// one draw of the caller's rng seeds the removal's starts, keyed by (rank K, restart), the next
// the Gaussian vectors, keyed by manifold); the peer's agreement checks that this stays true.
//
// usage: neuropop_bench_capacity [manifolds=50] [points=50] [dims=1000] [samples=200]
//        [restarts=10] [repeats=1] [data=DIR]

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include <Eigen/Core>
#include <tbb/global_control.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/gaussian.hpp"
#include "kernels/manifold_capacity.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::write_raw;

namespace {

namespace k = neuropop::kernels;
using Eigen::Index;
using Eigen::MatrixXd;
using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// Cloud radius 0.6 √N around centres of norm ~√N (α ≈ 0.4 at 50 x 50 in 1 000 dimensions,
// docs/analyses/brain-network.md), the centres sharing one direction with weight ~1.
std::vector<MatrixXd> clouds(Index p, Index m, Index n) {
    k::CounterRng rng(53, 0);
    Eigen::RowVectorXd shared(n);
    for (auto& v : shared)
        v = k::standard_normal(rng);
    std::vector<MatrixXd> out;
    for (Index i = 0; i < p; ++i) {
        Eigen::RowVectorXd centre = (1.0 + 0.3 * k::standard_normal(rng)) * shared;
        for (auto& v : centre)
            v += k::standard_normal(rng);
        MatrixXd x(m, n);
        for (auto& v : x.reshaped())
            v = 0.6 * k::standard_normal(rng);
        x.rowwise() += centre;
        out.push_back(std::move(x));
    }
    return out;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const Index p = static_cast<Index>(get_size(args, "manifolds", 50)),
                m = static_cast<Index>(get_size(args, "points", 50)),
                n = static_cast<Index>(get_size(args, "dims", 1000));
    k::ManifoldCapacityOptions options;
    options.samples = static_cast<int>(get_size(args, "samples", 200));
    options.correlation_restarts = static_cast<int>(get_size(args, "restarts", 10));
    const int repeats = std::max(1, static_cast<int>(get_size(args, "repeats", 1)));
    if (p < 3 || m < 2 || n < 2) throw std::invalid_argument("need manifolds >= 3, points >= 2");
    std::filesystem::path dir;
    if (auto it = args.find("data"); it != args.end()) {
        dir = it->second;
        std::filesystem::create_directories(dir);
    }
    tbb::global_control one(tbb::global_control::max_allowed_parallelism, 1);
    const auto data = clouds(p, m, n);
    const k::CounterRng seed_rng(59, 0);

    k::ManifoldCapacity result;
    const auto t = time_best(repeats, [&] {
        k::CounterRng rng = seed_rng;
        result = k::manifold_capacity(data, options, rng);
    });
    std::printf("bench=capacity threads=1 seconds=%.6g cpu_seconds=%.6g manifolds=%ld points=%ld "
                "dims=%ld samples=%d restarts=%d capacity=%.6g radius=%.6g dimension=%.6g "
                "removed_rank=%d\n",
                t.seconds, t.cpu_seconds, static_cast<long>(p), static_cast<long>(m),
                static_cast<long>(n), options.samples, options.correlation_restarts,
                result.capacity, result.radius, result.dimension, result.removed_rank);
    if (!dir.empty()) {
        std::vector<double> points;
        for (const auto& x : data) {
            const RowMajor r = x;
            points.insert(points.end(), r.data(), r.data() + r.size());
        }
        write_raw(dir / "points.f64", points);
        // The kernel's draws: starts s ~ N(0, I_P) for every rank K < r and restart, Gaussian
        // vectors of D + 1 coordinates (D = m when N > m, else N) for every manifold.
        k::CounterRng rng = seed_rng;
        const std::uint64_t correlation_seed = rng.next(), sample_seed = rng.next();
        const Index r = std::min(n, p - 1), d = n > m ? m : n;
        std::vector<double> starts, gauss;
        for (Index kk = 1; kk < std::max<Index>(r, 1); ++kk)
            for (int j = 0; j < options.correlation_restarts; ++j) {
                k::CounterRng s(correlation_seed, static_cast<std::uint64_t>(kk),
                                static_cast<std::uint64_t>(j));
                for (Index i = 0; i < p; ++i)
                    starts.push_back(k::standard_normal(s));
            }
        for (Index i = 0; i < p; ++i) {
            k::CounterRng s(sample_seed, static_cast<std::uint64_t>(i));
            for (Index v = 0; v < options.samples * (d + 1); ++v)
                gauss.push_back(k::standard_normal(s));
        }
        write_raw(dir / "starts.f64", starts);
        write_raw(dir / "samples.f64", gauss);
        std::vector<double> ours = {
            result.capacity,     result.radius,          result.dimension,
            result.radius_mftma, result.dimension_mftma, static_cast<double>(result.removed_rank)};
        ours.insert(ours.end(), result.capacity_each.data(),
                    result.capacity_each.data() + result.capacity_each.size());
        write_raw(dir / "capacity.f64", ours);
        std::ofstream(dir / "capacity_meta.txt")
            << "manifolds=" << p << " points=" << m << " dims=" << n
            << " samples=" << options.samples << " restarts=" << options.correlation_restarts
            << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_capacity: %s\n", e.what());
    return 1;
}
