// Throughput of cross-validated decoding (kernels/decode.hpp) on generated spike counts:
// 7 classes, 420 trials × 132 units × 50 bins (the size of the Zhang–Desimone IT
// pseudo-population at 20 ms bins), 5-fold stratified CV per bin with the multinomial logistic
// decoder and with shrinkage LDA, and the 50 × 50 temporal generalisation matrix (logistic).
// Prints one `bench=decode_<what> threads=<t> seconds=<best> cpu_seconds=<best> ...` line per
// measurement, at 1 thread and at all threads. With data=DIR it writes the counts, labels,
// fold ids and our per-bin accuracies as raw little-endian arrays so benchmarks/peers/decode.py
// can time scikit-learn (and MNE's GeneralizingEstimator) on the same folds and compare.
//
// usage: neuropop_bench_decode [trials=420] [units=132] [bins=50] [classes=7] [folds=5]
//                              [repeats=3] [tolerance=1e-8] [generalization=1] [data=DIR]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "benchmarks/decode_data.hpp"
#include "kernels/decode.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_double;
using neuropop::bench::mean;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::Timing;
using neuropop::bench::write_raw;

namespace {

namespace k = neuropop::kernels;
using neuropop::bench::Dataset;
using neuropop::bench::make_data;

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const int trials = static_cast<int>(get_double(args, "trials", 420)),
              units = static_cast<int>(get_double(args, "units", 132)),
              n_bins = static_cast<int>(get_double(args, "bins", 50)),
              classes = static_cast<int>(get_double(args, "classes", 7)),
              folds = static_cast<int>(get_double(args, "folds", 5)),
              repeats = std::max(1, static_cast<int>(get_double(args, "repeats", 3)));
    const bool generalization = get_double(args, "generalization", 1) != 0;
    if (trials < 1 || units < 1 || n_bins < 1 || classes < 2)
        throw std::invalid_argument("trials, units, bins must be > 0 and classes >= 2");
    const Dataset data = make_data(trials, units, n_bins, classes);

    k::CrossValidation cv;
    cv.folds = folds;
    cv.seed = 7;
    k::DecoderOptions logistic, lda;
    logistic.tolerance = get_double(args, "tolerance", logistic.tolerance);
    lda.kind = k::DecoderKind::Lda;

    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());
    k::DecodeResult res_logistic, res_lda, res_tg;
    const char* shape = "trials=%d units=%d bins=%d classes=%d folds=%d";
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        struct Run {
            const char* name;
            const k::DecoderOptions* options;
            bool tg;
            k::DecodeResult* result;
        };
        std::vector<Run> runs{{"decode_logistic", &logistic, false, &res_logistic},
                              {"decode_lda", &lda, false, &res_lda}};
        if (generalization) runs.push_back({"decode_generalization", &logistic, true, &res_tg});
        for (const Run& run : runs) {
            const Timing t = time_best(repeats, [&] {
                *run.result =
                    k::decode_bins(data.bins, data.labels, classes, *run.options, cv, run.tg);
            });
            std::printf("bench=%s threads=%d seconds=%.6g cpu_seconds=%.6g fits=%d ", run.name,
                        threads, t.seconds, t.cpu_seconds, n_bins * folds);
            std::printf(shape, trials, units, n_bins, classes, folds);
            std::printf(" mean_accuracy=%.6f max_accuracy=%.6f unconverged=%zu",
                        mean(run.result->accuracy),
                        *std::max_element(run.result->accuracy.begin(), run.result->accuracy.end()),
                        run.result->unconverged_fits);
            if (run.options->kind == k::DecoderKind::Logistic)
                std::printf(" tolerance=%g", run.options->tolerance);
            std::printf("\n");
            std::fflush(stdout);
        }
    }

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        std::vector<double> x; // [bin][trial][unit]
        for (const auto& m : data.bins) {
            const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rm = m;
            x.insert(x.end(), rm.data(), rm.data() + rm.size());
        }
        write_raw(dir / "x.f64", x.data(), x.size());
        write_raw(dir / "labels.i32", data.labels.data(), data.labels.size());
        write_raw(dir / "folds.i32", res_logistic.fold_ids[0].data(),
                  res_logistic.fold_ids[0].size());
        write_raw(dir / "accuracy_logistic.f64", res_logistic.accuracy.data(),
                  res_logistic.accuracy.size());
        write_raw(dir / "accuracy_lda.f64", res_lda.accuracy.data(), res_lda.accuracy.size());
        if (generalization)
            write_raw(dir / "generalization_logistic.f64", res_tg.generalization.data(),
                      res_tg.generalization.size());
        std::ofstream meta(dir / "meta.txt");
        meta << "trials=" << trials << " units=" << units << " bins=" << n_bins
             << " classes=" << classes << " folds=" << folds
             << " generalization=" << (generalization ? 1 : 0)
             << " tolerance=" << logistic.tolerance << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_decode: %s\n", e.what());
    return 1;
}
