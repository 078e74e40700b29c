// The machine's memory-streaming limit, measured in the same run as the kernels it bounds:
// binning reads its spike array once, so its bytes / second are compared with `sum` here.
// Prints `bench=stream op=<sum|copy> threads=<t> seconds=<best> bytes=<moved> gbps=<GB/s>`;
// copy counts the bytes read plus the bytes written (the STREAM convention).
//
// usage: neuropop_bench_stream [bytes=536870912] [repeats=5]

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_reduce.h>

#include "benchmarks/bench_args.hpp"

using neuropop::bench::get_size;
using neuropop::bench::parse_args;

namespace {

// Eight independent accumulators: one chain of dependent adds would measure the adder's
// latency, not the memory.
double sum_block(const double* p, std::size_t n) {
    double a[8] = {};
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; ++k)
            a[k] += p[i + static_cast<std::size_t>(k)];
    for (; i < n; ++i)
        a[0] += p[i];
    return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
}

constexpr std::size_t grain = std::size_t{1} << 16; // 512 KB of doubles per task

template <typename F>
double best_seconds(std::size_t repeats, F&& f) {
    double best = 1e300;
    for (std::size_t r = 0; r < repeats; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        f();
        auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double>(t1 - t0).count());
    }
    return best;
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const std::size_t bytes = get_size(args, "bytes", std::size_t{512} << 20);
    const std::size_t repeats = std::max<std::size_t>(1, get_size(args, "repeats", 5));
    const std::size_t n = bytes / sizeof(double);
    if (n < grain) throw std::invalid_argument("bytes must be at least 512 KB");

    // Uninitialised storage, first touched in parallel below, so page faults are not timed.
    std::unique_ptr<double[]> src(new double[n]), dst(new double[n]);
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), [&](const auto& r) {
        for (std::size_t i = r.begin(); i != r.end(); ++i) {
            src[i] = static_cast<double>(i & 1023);
            dst[i] = 0.0;
        }
    });

    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());
    double sink = 0.0;
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        const double sum_s = best_seconds(repeats, [&] {
            sink += tbb::parallel_reduce(
                tbb::blocked_range<std::size_t>(0, n, grain), 0.0,
                [&](const auto& r, double acc) {
                    return acc + sum_block(src.get() + r.begin(), r.size());
                },
                [](double x, double y) { return x + y; });
        });
        const double copy_s = best_seconds(repeats, [&] {
            tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, grain), [&](const auto& r) {
                std::memcpy(dst.get() + r.begin(), src.get() + r.begin(),
                            r.size() * sizeof(double));
            });
        });
        const double read = static_cast<double>(n * sizeof(double));
        std::printf("bench=stream op=sum threads=%d seconds=%.6g bytes=%zu gbps=%.4g\n", threads,
                    sum_s, n * sizeof(double), read / sum_s / 1e9);
        std::printf("bench=stream op=copy threads=%d seconds=%.6g bytes=%zu gbps=%.4g\n", threads,
                    copy_s, 2 * n * sizeof(double), 2 * read / copy_s / 1e9);
        std::fflush(stdout);
    }
    // The sums must be used, or the compiler may drop them; src[1] keeps the copy alive.
    if (sink == -1.0 || dst[1] != src[1]) std::printf("unexpected\n");
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_stream: %s\n", e.what());
    return 1;
}
