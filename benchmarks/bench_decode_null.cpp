// Throughput of permutation nulls (kernels/decode.hpp: decode_bins + decode_null for the
// classifiers, regress_bins + regress_null for ridge) on one bin of the generated counts of
// bench_decode (benchmarks/decode_data.hpp): 420 trials × 132 units, 7 classes, 5-fold CV, the
// real labels plus `permutations` permuted ones — the work of scikit-learn's
// permutation_test_score, which benchmarks/peers/decode_null.py times on the same data. The
// classifiers' null permutes every label and redraws the stratified folds per permutation
// (NullScheme::PermuteAll); the ridge null shuffles the numeric target (here the class index)
// and keeps the real folds. Prints one `bench=null_<decoder> threads=<t> seconds=<best> ...` line
// per decoder and thread count (1 and all).
//
// usage: neuropop_bench_decode_null [trials=420] [units=132] [classes=7] [folds=5]
//                                   [permutations=100] [bin=25] [repeats=3] [tolerance=1e-8]
//                                   [alpha=1] [data=DIR]

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <tbb/global_control.h>
#include <tbb/info.h>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "benchmarks/decode_data.hpp"
#include "kernels/decode.hpp"
#include "kernels/folds.hpp"
#include "kernels/rng.hpp"

using neuropop::bench::get_double;
using neuropop::bench::mean;
using neuropop::bench::parse_args;
using neuropop::bench::time_best;
using neuropop::bench::Timing;
using neuropop::bench::write_raw;

namespace {

namespace k = neuropop::kernels;

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const int trials = static_cast<int>(get_double(args, "trials", 420)),
              units = static_cast<int>(get_double(args, "units", 132)),
              classes = static_cast<int>(get_double(args, "classes", 7)),
              folds = static_cast<int>(get_double(args, "folds", 5)),
              bin = static_cast<int>(get_double(args, "bin", 25)),
              repeats = std::max(1, static_cast<int>(get_double(args, "repeats", 3)));
    const auto permutations = static_cast<std::size_t>(get_double(args, "permutations", 100));
    const double alpha = get_double(args, "alpha", 1.0);
    if (trials < 1 || units < 1 || bin < 0 || classes < 2)
        throw std::invalid_argument("trials, units must be > 0, bin >= 0 and classes >= 2");
    const neuropop::bench::Dataset data =
        neuropop::bench::make_data(trials, units, bin + 1, classes);
    const std::vector<Eigen::MatrixXd> bins{data.bins[static_cast<std::size_t>(bin)]};
    const std::vector<double> targets(data.labels.begin(), data.labels.end());

    k::CrossValidation cv;
    cv.folds = folds;
    cv.seed = 7;
    k::DecoderOptions logistic, lda;
    logistic.tolerance = get_double(args, "tolerance", logistic.tolerance);
    lda.kind = k::DecoderKind::Lda;

    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());
    struct Outcome {
        double score = 0;         // real labels: accuracy or R²
        std::vector<double> null; // [permutation]
        std::vector<int> folds;   // real labels' fold ids
    };
    Outcome out_logistic, out_lda, out_ridge;
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        struct Run {
            const char* name;
            const k::DecoderOptions* options; // nullptr: ridge
            Outcome* out;
        };
        for (const Run& run :
             {Run{"null_logistic", &logistic, &out_logistic}, Run{"null_lda", &lda, &out_lda},
              Run{"null_ridge", nullptr, &out_ridge}}) {
            const Timing t = time_best(repeats, [&] {
                if (run.options != nullptr) {
                    const auto r = k::decode_bins(bins, data.labels, classes, *run.options, cv);
                    run.out->score = r.accuracy[0];
                    run.out->folds = r.fold_ids[0];
                    run.out->null = k::decode_null(bins, data.labels, classes, *run.options, cv, 0,
                                                   permutations);
                } else {
                    run.out->score = k::regress_bins(bins, targets, alpha, cv).r2[0];
                    run.out->null = k::regress_null(bins, targets, alpha, cv, 0, permutations);
                }
            });
            std::printf("bench=%s threads=%d seconds=%.6g cpu_seconds=%.6g fits=%zu trials=%d "
                        "units=%d classes=%d folds=%d permutations=%zu score=%.6f "
                        "null_mean=%.6f",
                        run.name, threads, t.seconds, t.cpu_seconds,
                        (permutations + 1) * static_cast<std::size_t>(folds), trials, units,
                        classes, folds, permutations, run.out->score, mean(run.out->null));
            if (run.options != nullptr && run.options->kind == k::DecoderKind::Logistic)
                std::printf(" tolerance=%g", run.options->tolerance);
            std::printf("\n");
            std::fflush(stdout);
        }
    }

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> x = bins[0];
        write_raw(dir / "x.f64", x.data(), static_cast<std::size_t>(x.size()));
        write_raw(dir / "labels.i32", data.labels.data(), data.labels.size());
        write_raw(dir / "folds.i32", out_logistic.folds.data(), out_logistic.folds.size());
        // regress_bins' unstratified folds: the first draw of the fold stream.
        k::CounterRng rng(cv.seed, cv.item, cv.fold_stream);
        write_raw(dir / "ridge_folds.i32", k::shuffled_folds(targets.size(), cv.folds, rng));
        std::ofstream meta(dir / "meta.txt");
        meta.precision(17); // the peer compares the scores to 1e-8
        meta << "trials=" << trials << " units=" << units << " classes=" << classes
             << " folds=" << folds << " permutations=" << permutations << " alpha=" << alpha
             << " tolerance=" << logistic.tolerance << " score_logistic=" << out_logistic.score
             << " score_lda=" << out_lda.score << " score_ridge=" << out_ridge.score << "\n";
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_decode_null: %s\n", e.what());
    return 1;
}
