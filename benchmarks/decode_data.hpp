#pragma once
// The generated spike counts of the decoding benchmarks (bench_decode, bench_decode_null): 7
// classes, trials × units per 20 ms bin, shaped like the Zhang–Desimone IT pseudo-population.

#include <cmath>
#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "kernels/rng.hpp"

namespace neuropop::bench {

inline double normal(kernels::CounterRng& rng) { // Box–Muller
    const double u = 1.0 - rng.uniform(), v = rng.uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * M_PI * v);
}

inline std::uint32_t poisson(double lambda, kernels::CounterRng& rng) { // Knuth; λ stays small here
    const double limit = std::exp(-lambda);
    std::uint32_t n = 0;
    for (double p = rng.uniform(); p > limit; p *= rng.uniform())
        ++n;
    return n;
}

struct Dataset {
    std::vector<Eigen::MatrixXd> bins; // [bin] trials × units
    std::vector<int> labels;
};

// Poisson counts per 20 ms bin: unit u has a base rate (log-normal, median 0.4 spikes/bin) and
// a tuning value per class; the class signal is off in the first 10 bins ("baseline"), rises
// to full strength at bin 20 and decays to half by the last bin; a per-trial gain adds shared
// variability. Tuned so decoding accuracy spans chance (first 10 bins) to ~0.95 at the peak,
// not a saturated 1.0.
inline Dataset make_data(int trials, int units, int bins, int classes) {
    kernels::CounterRng rng(20240611, 0);
    std::vector<double> base(static_cast<std::size_t>(units));
    std::vector<double> tuning(static_cast<std::size_t>(units * classes));
    for (auto& b : base)
        b = 0.4 * std::exp(0.5 * normal(rng));
    for (auto& t : tuning)
        t = normal(rng);
    Dataset d;
    d.labels.resize(static_cast<std::size_t>(trials));
    for (int i = 0; i < trials; ++i)
        d.labels[static_cast<std::size_t>(i)] = i % classes;
    kernels::shuffle(d.labels.begin(), d.labels.end(), rng);
    d.bins.assign(static_cast<std::size_t>(bins), Eigen::MatrixXd(trials, units));
    for (int i = 0; i < trials; ++i) {
        kernels::CounterRng trial_rng(20240611, 1 + static_cast<std::uint64_t>(i));
        const double gain = std::exp(0.2 * normal(trial_rng));
        const int c = d.labels[static_cast<std::size_t>(i)];
        for (int b = 0; b < bins; ++b) {
            const double t = b < 10 ? 0.0 : b < 20 ? (b - 10) / 10.0 : 1.0 - 0.5 * (b - 20) / 30.0;
            for (int u = 0; u < units; ++u) {
                const double rate =
                    base[static_cast<std::size_t>(u)] * gain *
                    std::exp(0.5 * t * tuning[static_cast<std::size_t>(u * classes + c)]);
                d.bins[static_cast<std::size_t>(b)](i, u) = poisson(rate, trial_rng);
            }
        }
    }
    return d;
}

} // namespace neuropop::bench
