// The final merge on its own, at a dataset count no test job reaches: `items` synthetic item
// files shaped like a decoding item of the demo job (per item: a time coordinate, accuracy and
// p_value [time], confusion [time, true_class, predicted_class], null_accuracy [permutation,
// time] of 80 KB (the one collective dataset), class labels (strings), fold ids [repeat, trial]
// and a scalar; the merge adds six index scales per item: 14 results datasets per item), merged
// as `neuropop run` merges. Run it under mpirun at 1, 2 and 4 ranks:
//
//   mpirun --oversubscribe -np 2 neuropop_bench_merge datasets=20000 dir=/tmp/m
//
// Prints one line per rank count: merge seconds (best of `repeats`; per phase, wall and every
// rank's CPU seconds) and every rank's peak RSS
// during the merge (VmHWM reset through /proc/self/clear_refs just before it), both the peak
// and the growth over the RSS at the reset. Item files are written once per process count by
// all ranks (item i by rank i % ranks) and removed afterwards unless keep=1.

#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <numeric>
#include <string>
#include <sys/resource.h>
#include <vector>

#include "benchmarks/bench_args.hpp"
#include "benchmarks/bench_util.hpp"
#include "engine/runtime/mpi_context.hpp"
#include "io/result_store.hpp"

namespace io = neuropop::io;
namespace bench = neuropop::bench;
namespace fs = std::filesystem;
using neuropop::engine::Context;

namespace {

constexpr std::size_t datasets_per_item = 14;

io::ResultBlock synthetic_item(std::size_t i) {
    const std::uint64_t time = 50, classes = 4, permutations = 200, trials = 300;
    const std::string g = "/sessions/s" + std::to_string(i / 40) + "/item" + std::to_string(i);
    io::ResultBlock b;
    b.group(g, {{"item", static_cast<std::int64_t>(i)}, {"target", std::string("stimulus")}});
    auto ramp = [&](std::size_t n, double scale) {
        std::vector<double> v(n);
        for (std::size_t k = 0; k < n; ++k)
            v[k] = scale * static_cast<double>(k) + static_cast<double>(i);
        return v;
    };
    b.add_f64(g + "/time", {time}, ramp(time, 0.01), "s", "bin centre", {{"time", "time"}});
    b.add_f64(g + "/accuracy", {time}, ramp(time, 0.001), "1", "held-out accuracy",
              {{"time", "time"}});
    b.add_f64(g + "/p_value", {time}, ramp(time, 1e-4), "1", "permutation p", {{"time", "time"}});
    b.add_f64(g + "/confusion", {time, classes, classes}, ramp(time * classes * classes, 0.5),
              "trials", "confusion counts",
              {{"time", "time"}, {"true_class", ""}, {"predicted_class", ""}});
    b.add_f64(g + "/null_accuracy", {permutations, time}, ramp(permutations * time, 1e-5), "1",
              "accuracy under shuffled labels", {{"permutation", ""}, {"time", "time"}});
    b.add_strings(g + "/class_labels", {"a", "bb", "ccc", "dddd"}, "class names", {{"class", ""}});
    std::vector<std::int64_t> folds(trials);
    std::iota(folds.begin(), folds.end(), static_cast<std::int64_t>(i));
    b.add_i64(g + "/fold_ids", {1, trials}, std::move(folds), "1", "fold of each trial",
              {{"repeat", ""}, {"trial", ""}});
    b.add_scalar(g + "/chance", 0.25, "1", "chance accuracy");
    return b;
}

// The steps of the merge in engine/drivers/run.cpp, without its error reporting.
// Seconds of its phases (plan on rank 0, collective create and write with the layout broadcast
// in chunks, serial pass) go to `phases`.
double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// CPU seconds of this process (all threads): on a loaded machine the wall time of a phase
// mostly measures the other jobs, its CPU time does not (the ranks wait without spinning).
double cpu_now() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto s = [](const timeval& t) {
        return static_cast<double>(t.tv_sec) + 1e-6 * static_cast<double>(t.tv_usec);
    };
    return s(u.ru_utime) + s(u.ru_stime);
}

std::size_t merge(const std::string& out, const std::vector<std::string>& files,
                  std::vector<io::ResultBlock>& inline_blocks, const io::Attributes& root,
                  const Context& ctx, std::vector<double>& phases, std::vector<double>& cpu) {
    const int rank = ctx.rank();
    double t = now(), c = cpu_now();
    const auto lap = [&] {
        const double used = cpu_now();
        cpu.push_back(used - c);
        ctx.barrier();
        const double at = now();
        phases.push_back(at - t);
        t = at;
        c = cpu_now();
    };
    // The layout stays on rank 0, which sends it to the others a chunk at a time.
    io::MergeLayout layout;
    if (rank == 0) layout = io::plan_merge(files, inline_blocks, root, ctx.size());
    lap();
    const auto counts =
        io::write_collective(out, ctx.comm(), layout, inline_blocks,
                             [&ctx](std::vector<std::uint8_t>& b) { ctx.broadcast(b); });
    lap();
    if (rank == 0)
        io::write_serial_pass(out, layout, inline_blocks,
                              {{"mpio_collective_writes", counts.collective}});
    lap();
    return layout.dataset_count();
}

} // namespace

int main(int argc, char** argv) {
    const neuropop::engine::MpiSession session;
    const Context ctx;
    const int rank = ctx.rank(), size = ctx.size();
    try {
        const auto args = bench::parse_args(argc, argv);
        const std::size_t datasets = bench::get_size(args, "datasets", 20000);
        const std::size_t items = std::max<std::size_t>(1, datasets / datasets_per_item);
        const int repeats = static_cast<int>(bench::get_size(args, "repeats", 1));
        const fs::path dir =
            args.count("dir") ? fs::path(args.at("dir")) : fs::temp_directory_path() / "merge";
        const fs::path item_dir = dir / ("items-" + std::to_string(items));
        fs::create_directories(item_dir);
        std::vector<std::string> files;
        for (std::size_t i = 0; i < items; ++i) {
            files.push_back((item_dir / (std::to_string(i) + ".h5")).string());
            if (static_cast<int>(i % static_cast<std::size_t>(size)) == rank &&
                io::check_item_file(files.back()).has_value())
                io::write_item_file(files.back(), {i, "item" + std::to_string(i), rank, 0.0},
                                    synthetic_item(i));
        }
        ctx.barrier();
        const std::string out = (dir / ("results-" + std::to_string(size) + ".h5")).string();
        double best = 1e300, peak = 0, growth = 0;
        std::vector<double> phases, best_phases, cpu, best_cpu;
        std::size_t written = 0;
        for (int r = 0; r < repeats; ++r) {
            ctx.barrier();
            const double at_reset = bench::reset_peak_rss();
            const double t0 = now();
            std::vector<io::ResultBlock> inline_blocks;
            const io::Attributes root{{"description", std::string("merge benchmark")}};
            phases.clear();
            cpu.clear();
            const std::size_t n = merge(out, files, inline_blocks, root, ctx, phases, cpu);
            ctx.barrier();
            const double seconds = now() - t0;
            if (seconds < best) {
                best_phases = phases;
                best_cpu = cpu;
            }
            best = std::min(best, seconds);
            peak = bench::peak_rss_mb();
            growth = peak - at_reset;
            written = n;
        }
        // Every rank's figures on rank 0, in kB: a sum where only rank k adds its own.
        std::vector<double> peaks(static_cast<std::size_t>(size)), growths(peaks.size());
        // CPU seconds of each phase on each rank, in ms: [phase][rank].
        std::vector<std::vector<double>> cpus(3, std::vector<double>(peaks.size()));
        for (int k = 0; k < size; ++k) {
            const auto kb = [&](double mb) {
                return k == rank ? static_cast<std::int64_t>(mb * 1024.0) : std::int64_t{0};
            };
            peaks[static_cast<std::size_t>(k)] = static_cast<double>(ctx.sum(kb(peak))) / 1024.0;
            growths[static_cast<std::size_t>(k)] =
                static_cast<double>(ctx.sum(kb(growth))) / 1024.0;
            for (std::size_t p = 0; p < cpus.size(); ++p) {
                const std::int64_t ms =
                    k == rank ? static_cast<std::int64_t>(best_cpu.at(p) * 1000.0) : 0;
                cpus[p][static_cast<std::size_t>(k)] = static_cast<double>(ctx.sum(ms)) / 1000.0;
            }
        }
        if (rank == 0) {
            std::cout << std::fixed << std::setprecision(3) << "bench=merge ranks=" << size
                      << " items=" << items << " datasets=" << written << " seconds=" << best
                      << " plan_s=" << best_phases.at(0) << " create_write_s=" << best_phases.at(1)
                      << " serial_pass_s=" << best_phases.at(2);
            const char* names[] = {"plan_cpu_s", "create_write_cpu_s", "serial_pass_cpu_s"};
            for (std::size_t p = 0; p < cpus.size(); ++p) {
                std::cout << " " << names[p] << "=";
                for (std::size_t k = 0; k < cpus[p].size(); ++k)
                    std::cout << (k ? "," : "") << cpus[p][k];
            }
            std::cout << std::setprecision(1) << " peak_rss_mb=";
            for (std::size_t k = 0; k < peaks.size(); ++k)
                std::cout << (k ? "," : "") << peaks[k];
            std::cout << " merge_rss_growth_mb=";
            for (std::size_t k = 0; k < growths.size(); ++k)
                std::cout << (k ? "," : "") << growths[k];
            std::cout << "\n";
        }
        ctx.barrier();
        if (rank == 0 && !(args.count("keep") && args.at("keep") == "1")) {
            fs::remove_all(item_dir);
            fs::remove(out);
        }
    } catch (const std::exception& e) {
        neuropop::engine::abort_all(std::string("bench_merge: ") + e.what());
    }
    return 0;
}
