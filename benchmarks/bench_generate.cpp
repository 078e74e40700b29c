// Throughput of the synthetic session generator: spikes per second of the model (parameters
// drawn once, then simulate() timed on 1 thread and on every thread) and of the NWB write.
//
// usage: neuropop_bench_generate [--units N] [--trials T] [--rate-scale S] [--repeats R]
//                                [--write DIR]
// Prints one machine-readable line per measurement, e.g.
//   generate threads=1 units=400 trials=400 spikes=1789331 seconds=0.05 cpu_seconds=0.05
//            spikes_per_s=3.6e+07 spikes_per_cpu_s=3.6e+07
// (best of R repeats: the machine is shared, the minimum is the least disturbed run;
// spikes_per_cpu_s is the per-core figure, spikes_per_s the wall-clock one).

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <time.h>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "io/nwb_writer.hpp"
#include "kernels/generator_model.hpp"

namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

// CPU seconds used by the whole process: on a machine shared with other jobs, wall time
// measures the load, CPU time measures the code.
double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Options {
    std::size_t units = 400, trials = 400, repeats = 3;
    double rate_scale = 1.0;
    std::string write_dir;
};

Options parse(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        std::string key = argv[i];
        if (i + 1 >= argc) {
            std::cerr << "bench_generate: " << key << " needs a value\n";
            std::exit(2);
        }
        std::string value = argv[++i];
        if (key == "--units")
            o.units = std::stoul(value);
        else if (key == "--trials")
            o.trials = std::stoul(value);
        else if (key == "--repeats")
            o.repeats = std::max<std::size_t>(1, std::stoul(value));
        else if (key == "--rate-scale")
            o.rate_scale = std::stod(value);
        else if (key == "--write")
            o.write_dir = value;
        else {
            std::cerr << "bench_generate: unknown option " << key << "\n";
            std::exit(2);
        }
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    namespace k = neuropop::kernels;
    Options opt = parse(argc, argv);
    k::GeneratorConfig cfg;
    cfg.seed = 20240501;
    // Half the units in a region that encodes the stimulus, half in one that does not, so both
    // spike paths are timed.
    cfg.regions = {"VISp", "CA1"};
    cfg.units_per_region = std::max<std::size_t>(1, opt.units / 2);
    cfg.trials = opt.trials;
    cfg.rate_scale = opt.rate_scale;
    const std::size_t units = cfg.units_per_region * cfg.regions.size();

    auto t0 = clock_type::now();
    k::SessionModel model(cfg, 0);
    double param_seconds = seconds_since(t0);
    std::printf("parameters units=%zu trials=%zu seconds=%.4f\n", units, cfg.trials, param_seconds);

    const int all_threads = tbb::info::default_concurrency();
    k::SpikeTrains spikes;
    for (int threads : {1, all_threads}) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        double best = 1e300, best_cpu = 1e300;
        for (std::size_t r = 0; r < opt.repeats; ++r) {
            t0 = clock_type::now();
            double c0 = process_cpu_seconds();
            spikes = model.simulate();
            best_cpu = std::min(best_cpu, process_cpu_seconds() - c0);
            best = std::min(best, seconds_since(t0));
        }
        double n = static_cast<double>(spikes.times.size());
        std::printf("generate threads=%d units=%zu trials=%zu spikes=%zu seconds=%.4f "
                    "cpu_seconds=%.4f spikes_per_s=%.4g spikes_per_cpu_s=%.4g\n",
                    threads, units, cfg.trials, spikes.times.size(), best, best_cpu, n / best,
                    n / best_cpu);
        if (threads == all_threads) break; // one machine thread: nothing more to measure
    }

    if (!opt.write_dir.empty()) {
        std::filesystem::create_directories(opt.write_dir);
        std::string path = (std::filesystem::path(opt.write_dir) / "bench_generate.nwb").string();
        t0 = clock_type::now();
        neuropop::io::write_generated_session(path, model, spikes, /*overwrite=*/true);
        double s = seconds_since(t0);
        double bytes = static_cast<double>(std::filesystem::file_size(path));
        std::printf("write bytes=%.0f seconds=%.4f mb_per_s=%.1f spikes_per_s=%.4g\n", bytes, s,
                    bytes / s / 1e6, static_cast<double>(spikes.times.size()) / s);
        std::filesystem::remove(path);
    }
    return 0;
}
