// Throughput of kernels::bin_spikes on synthetic sorted Poisson spike trains, 1 thread and all
// threads. Prints one `bench=binning key=value...` line per thread count. With data=DIR it also
// writes the spikes, alignment times, window and the counts as raw little-endian arrays, so
// benchmarks/peers/binning.py can time numpy's searchsorted on the same data and compare counts.
//
// usage: neuropop_bench_binning [units=400] [spikes=20000000] [trials=400] [bins=50]
//                               [repeats=5] [data=DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <time.h>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "kernels/binning.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;
using neuropop::bench::write_raw;

namespace {

using neuropop::kernels::BinWindow;
using neuropop::kernels::CountTensor;
using neuropop::kernels::SpikeTrains;

// Unit u has n_u spikes with exponential gaps of mean duration / n_u, from one CounterRng item
// per unit, so the data do not depend on the thread count.
SpikeTrains make_spikes(std::size_t units, std::size_t total, double duration) {
    SpikeTrains s;
    for (std::size_t u = 0; u < units; ++u)
        s.offsets.push_back(s.offsets.back() + total / units + (u < total % units ? 1 : 0));
    s.times.resize(total);
    tbb::parallel_for(std::size_t{0}, units, [&](std::size_t u) {
        neuropop::kernels::CounterRng rng(20240601, u);
        const std::size_t n = s.offsets[u + 1] - s.offsets[u];
        const double mean_gap = duration / static_cast<double>(n);
        double t = 0.0;
        for (std::size_t i = s.offsets[u]; i < s.offsets[u + 1]; ++i) {
            t -= std::log1p(-rng.uniform()) * mean_gap;
            s.times[i] = t;
        }
    });
    return s;
}

// CPU seconds of the whole process: on a shared machine wall time also measures the load.
double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

// Position-weighted sum mod 2^64: catches counts moved between bins, not only changed totals.
// benchmarks/peers/binning.py computes the same.
std::uint64_t checksum(const std::vector<std::uint32_t>& v) {
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
        sum += static_cast<std::uint64_t>(v[i]) * (i % 1000003 + 1);
    return sum;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const std::size_t units = get_size(args, "units", 400),
                      total = get_size(args, "spikes", 20'000'000),
                      trials = get_size(args, "trials", 400), bins = get_size(args, "bins", 50),
                      repeats = std::max<std::size_t>(1, get_size(args, "repeats", 5));
    if (units == 0 || trials == 0 || bins == 0)
        throw std::invalid_argument("units, trials and bins must be > 0");

    // Trials every second, windows [-0.5, 0.5) around them: the windows tile the session, so
    // binning reads (nearly) every spike once, like the streaming limit it is compared with.
    const BinWindow window{-0.5, 0.5, 1.0 / static_cast<double>(bins)};
    if (auto why = window.validate(); !why.empty()) throw std::invalid_argument(why);
    std::vector<double> align(trials);
    for (std::size_t t = 0; t < trials; ++t)
        align[t] = 1.5 + static_cast<double>(t);
    const SpikeTrains spikes = make_spikes(units, total, static_cast<double>(trials) + 2.0);

    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());
    CountTensor counts;
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        double best = 1e300, best_cpu = 1e300;
        for (std::size_t r = 0; r < repeats; ++r) {
            counts = CountTensor{}; // the allocation of the result is part of the work timed
            const double c0 = process_cpu_seconds();
            auto t0 = std::chrono::steady_clock::now();
            counts = neuropop::kernels::bin_spikes(spikes, align, window);
            auto t1 = std::chrono::steady_clock::now();
            best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
            best_cpu = std::min(best_cpu, process_cpu_seconds() - c0);
        }
        std::printf("bench=binning threads=%d seconds=%.6g cpu_seconds=%.6g spikes=%zu bytes=%zu "
                    "units=%zu trials=%zu bins=%zu checksum=%llu\n",
                    threads, best, best_cpu, total, total * sizeof(double), units, trials, bins,
                    static_cast<unsigned long long>(checksum(counts.values)));
        std::fflush(stdout);
    }

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        std::vector<std::uint64_t> offsets(spikes.offsets.begin(), spikes.offsets.end());
        write_raw(dir / "spikes.f64", spikes.times);
        write_raw(dir / "offsets.u64", offsets);
        write_raw(dir / "align.f64", align);
        write_raw(dir / "counts.u32", counts.values);
        std::ofstream meta(dir / "meta.txt");
        char line[256];
        std::snprintf(line, sizeof line,
                      "units=%zu trials=%zu bins=%zu start=%.17g stop=%.17g "
                      "width=%.17g\n",
                      units, trials, bins, window.start, window.stop, window.width);
        meta << line;
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_binning: %s\n", e.what());
    return 1;
}
