// PCA of a large sample matrix: kernels::Moments::of (blocked, centred GEMM into the lower
// triangle, TBB over row blocks) + kernels::pca (Eigen's SelfAdjointEigenSolver), the work a
// numpy user does as `Xc = X - X.mean(0); C = Xc.T @ Xc / (n-1); np.linalg.eigh(C)`.
// Prints one `bench=pca` line per thread count (1 and all), best of `repeats`, and one
// `bench=pca_gemm` line: Eigen's plain Xᵀ·X on one thread for the same X, the machine's
// GEMM rate as neuropop sees it.
//
// With data=DIR (or --data DIR) it also writes X as raw little-endian float64 in row-major
// (C) order, `pca_X.f64`, neuropop's eigenvalues (descending) `pca_eigenvalues.f64` and
// `pca_meta.txt` (rows, cols, the timings), so benchmarks/peers/pca.py times numpy and
// scikit-learn on the same numbers and compares eigenvalues.
//
// usage: neuropop_bench_pca [rows=360000] [cols=384] [repeats=3] [data=DIR] [--quick]
//                           [--data DIR] [isa=avx512|avx2|generic]   (--quick: rows=60000)
// isa= forces one of the covariance kernels (default: the widest this CPU supports); the line
// reports it as gram_kernel=.
//
// X = Z · diag(j^-1/2) · Q + offsets, Z Gaussian (Box–Muller from CounterRng, one stream per
// column), Q a fixed random orthogonal matrix: a spread spectrum with well-separated top
// eigenvalues and a non-zero mean (which the centring must remove).

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include <Eigen/Core>
#include <Eigen/QR>
#include <tbb/global_control.h>
#include <tbb/info.h>
#include <tbb/parallel_for.h>

#include "benchmarks/bench_util.hpp"
#include "kernels/centred_gram.hpp"
#include "kernels/moments.hpp"
#include "kernels/pca.hpp"
#include "kernels/rng.hpp"

namespace {

using neuropop::bench::write_raw;

using Eigen::Index;

std::map<std::string, std::string> parse_args(int argc, char** argv) {
    std::map<std::string, std::string> args;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--quick") {
            args.emplace("quick", "1");
            continue;
        }
        if (a.rfind("--", 0) == 0) a = a.substr(2);
        auto eq = a.find('=');
        if (eq == std::string::npos) {
            if (i + 1 >= argc) throw std::invalid_argument("expected a value after " + a);
            args[a] = argv[++i];
        } else {
            args[a.substr(0, eq)] = a.substr(eq + 1);
        }
    }
    return args;
}

std::size_t get(const std::map<std::string, std::string>& args, const std::string& key,
                std::size_t fallback) {
    auto it = args.find(key);
    return it == args.end() ? fallback : std::stoull(it->second);
}

double process_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void fill_gaussian(double* v, Index n, neuropop::kernels::CounterRng& rng) {
    for (Index i = 0; i < n; i += 2) {
        const double radius = std::sqrt(-2.0 * std::log(1.0 - rng.uniform()));
        const double angle = 2.0 * std::numbers::pi * rng.uniform();
        v[i] = radius * std::cos(angle);
        if (i + 1 < n) v[i + 1] = radius * std::sin(angle);
    }
}

Eigen::MatrixXd make_data(Index rows, Index cols) {
    Eigen::MatrixXd mixing(cols, cols);
    neuropop::kernels::CounterRng mix_rng(360384, 0, 1);
    fill_gaussian(mixing.data(), mixing.size(), mix_rng);
    Eigen::HouseholderQR<Eigen::MatrixXd> qr(mixing);
    mixing = qr.householderQ() * Eigen::MatrixXd::Identity(cols, cols);
    for (Index j = 0; j < cols; ++j)
        mixing.row(j) /= std::sqrt(static_cast<double>(j + 1));

    Eigen::MatrixXd z(rows, cols);
    tbb::parallel_for(Index{0}, cols, [&](Index j) {
        neuropop::kernels::CounterRng rng(360384, static_cast<std::uint64_t>(j) + 1);
        fill_gaussian(z.col(j).data(), rows, rng);
    });
    Eigen::MatrixXd x(rows, cols);
    const Index block = 8192;
    tbb::parallel_for(Index{0}, (rows + block - 1) / block, [&](Index b) {
        const Index first = b * block, m = std::min(block, rows - first);
        x.middleRows(first, m).noalias() = z.middleRows(first, m) * mixing;
    });
    for (Index j = 0; j < cols; ++j)
        x.col(j).array() += 10.0 + static_cast<double>(j % 17);
    return x;
}

// Row-major copy, written a row block at a time (no second full-size buffer).
void write_row_major(const std::filesystem::path& file, const Eigen::MatrixXd& x) {
    std::ofstream out(file, std::ios::binary);
    using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
    const Index block = 4096;
    RowMajor buffer;
    for (Index first = 0; first < x.rows(); first += block) {
        const Index m = std::min(block, x.rows() - first);
        buffer = x.middleRows(first, m);
        out.write(reinterpret_cast<const char*>(buffer.data()),
                  static_cast<std::streamsize>(buffer.size()) *
                      static_cast<std::streamsize>(sizeof(double)));
    }
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

} // namespace

int main(int argc, char** argv) try {
    const auto args = parse_args(argc, argv);
    const bool quick = args.count("quick") != 0;
    const auto rows = static_cast<Index>(get(args, "rows", quick ? 60000 : 360000));
    const auto cols = static_cast<Index>(get(args, "cols", 384));
    const std::size_t repeats = std::max<std::size_t>(1, get(args, "repeats", 3));
    if (rows < 2 || cols < 1) throw std::invalid_argument("rows must be >= 2 and cols >= 1");
    using neuropop::kernels::detail::CentredGram;
    if (auto it = args.find("isa");
        it != args.end() && !CentredGram::use_instruction_set(it->second)) {
        std::string why = "isa=";
        why += it->second;
        why += " is not supported by this CPU";
        throw std::invalid_argument(why);
    }

    const Eigen::MatrixXd x = make_data(rows, cols);
    const double n = static_cast<double>(rows), p = static_cast<double>(cols);

    std::vector<int> thread_counts{1};
    if (tbb::info::default_concurrency() > 1)
        thread_counts.push_back(tbb::info::default_concurrency());
    neuropop::kernels::PcaResult result;
    std::string meta;
    for (int threads : thread_counts) {
        tbb::global_control limit(tbb::global_control::max_allowed_parallelism,
                                  static_cast<std::size_t>(threads));
        double best = 1e300, best_cpu = 1e300, best_cov = 1e300, best_eigh = 1e300;
        for (std::size_t r = 0; r < repeats; ++r) {
            const double c0 = process_cpu_seconds();
            const auto t0 = std::chrono::steady_clock::now();
            const auto moments = neuropop::kernels::Moments::of(x);
            const double cov = seconds_since(t0);
            const auto t1 = std::chrono::steady_clock::now();
            result = neuropop::kernels::pca(moments, static_cast<std::size_t>(cols));
            const double eigh = seconds_since(t1);
            best = std::min(best, seconds_since(t0));
            best_cpu = std::min(best_cpu, process_cpu_seconds() - c0);
            best_cov = std::min(best_cov, cov);
            best_eigh = std::min(best_eigh, eigh);
        }
        // Useful flops of the symmetric product: n p (p + 1).
        char line[512];
        std::snprintf(line, sizeof line,
                      "bench=pca threads=%d seconds=%.6g cpu_seconds=%.6g rows=%ld cols=%ld "
                      "cov_seconds=%.6g eigh_seconds=%.6g cov_gflops=%.4g "
                      "top_eigenvalue=%.17g gram_kernel=%s simd=%s",
                      threads, best, best_cpu, static_cast<long>(rows), static_cast<long>(cols),
                      best_cov, best_eigh, n * p * (p + 1) / best_cov / 1e9, result.eigenvalues(0),
                      CentredGram::instruction_set(), Eigen::SimdInstructionSetsInUse());
        std::printf("%s\n", line);
        std::fflush(stdout);
        char entry[64];
        std::snprintf(entry, sizeof entry, "seconds_threads_%d=%.6g\n", threads, best);
        meta += entry;
    }

    {
        // Eigen's plain GEMM on one thread (EIGEN_DONT_PARALLELIZE), same X, no centring.
        Eigen::MatrixXd gram(cols, cols);
        double best = 1e300;
        for (std::size_t r = 0; r < std::min<std::size_t>(repeats, 2); ++r) {
            const auto t0 = std::chrono::steady_clock::now();
            gram.noalias() = x.transpose() * x;
            best = std::min(best, seconds_since(t0));
        }
        std::printf("bench=pca_gemm threads=1 seconds=%.6g gflops=%.4g rows=%ld cols=%ld "
                    "trace=%.6g\n",
                    best, 2.0 * n * p * p / best / 1e9, static_cast<long>(rows),
                    static_cast<long>(cols), gram.trace());
        std::fflush(stdout);
    }

    if (auto it = args.find("data"); it != args.end()) {
        const std::filesystem::path dir = it->second;
        std::filesystem::create_directories(dir);
        write_row_major(dir / "pca_X.f64", x);
        write_raw(dir / "pca_eigenvalues.f64", result.eigenvalues.data(),
                  static_cast<std::size_t>(result.eigenvalues.size()));
        std::ofstream(dir / "pca_meta.txt") << "rows=" << rows << "\ncols=" << cols << "\n" << meta;
    }
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "neuropop_bench_pca: %s\n", e.what());
    return 1;
}
