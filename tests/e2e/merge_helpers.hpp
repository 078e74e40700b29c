#pragma once
// Helpers for the tests of `neuropop run --shard` and `neuropop merge` (e2e and mpi tiers): a
// small generated job split into shards, and the comparison of a merged file with the single
// run's (tests/slurm/results_diff.py).

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

namespace neuropop::test::merge {

// Four generated sessions of two regions, so three shards get two, one and one sessions.
// 20 units x 80 trials x 16 bins of uint32 counts are 100 kB per population: above the merge's
// 64 kB threshold, so the counts go through collective writes.
// `extra`: further job text appended (e.g. a [decode] section).
inline std::filesystem::path write_job(const TempDir& tmp, const std::string& extra = "") {
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote((tmp / "nwb").string()) +
                           " --sessions 4 --subjects 2 --regions VISp,CA1 --units 20 --trials 80 "
                           "--conditions 3 --seed 5");
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    const auto job = tmp / "job.ini";
    std::ofstream(job) << "[data]\nsessions = nwb\n"
                          "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                          "bin_width = 0.05\n"
                          "[conditions]\ncolumns = stimulus, control\n"
                          "[run]\nseed = 7\n"
                          "[pca]\ncomponents = 3\nwindows = response:0.05:0.45\n"
                          "[cvpca]\nshuffles = 2\n"
                          "[fa]\nfactors = 2\nwindow = response:0.05:0.45\n"
                       << extra;
    return job;
}

// `[mpirun -np N] neuropop run JOB --shard I/N --output OUT` (np 0: no mpirun).
inline CommandResult run_shard(int np, const std::filesystem::path& job, int shard, int shards,
                               const std::filesystem::path& out, const std::string& env = "") {
    return run::neuropop_run(np,
                             {job.string(), "--shard",
                              std::to_string(shard) + "/" + std::to_string(shards), "--output",
                              out.string(), "--threads", "1", "--quiet"},
                             env);
}

// Runs the job's shards 0 .. shards-1 one after another (no mpirun), each into
// DIR/out.shard-<i>.h5; the test fails unless each succeeds. Returns their paths in order.
inline std::vector<std::string> run_shards(const TempDir& dir, const std::filesystem::path& job,
                                           int shards) {
    std::vector<std::string> out;
    for (int i = 0; i < shards; ++i) {
        out.push_back((dir / ("out.shard-" + std::to_string(i) + ".h5")).string());
        const auto r = run_shard(0, job, i, shards, out.back());
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    return out;
}

// `[env] [mpirun -np N] neuropop merge ARGS...`.
inline CommandResult neuropop_merge(int np, const std::vector<std::string>& args,
                                    const std::string& env = "") {
    std::string cmd = (env.empty() ? "" : env + " ") + run::launcher(np) +
                      shell_quote(binary().string()) + " merge";
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    return run_command(cmd);
}

// Every difference between results files A and B (tests/slurm/results_diff.py), one per element.
inline std::set<std::string> differences(const std::filesystem::path& a,
                                         const std::filesystem::path& b) {
    auto r =
        run_command(std::string(NEUROPOP_PYTHON) + " " +
                    shell_quote(std::string(NEUROPOP_SOURCE_DIR) + "/tests/slurm/results_diff.py") +
                    " " + shell_quote(a.string()) + " " + shell_quote(b.string()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::set<std::string> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.insert(line);
    return out;
}

// What may differ between the single run's file (A) and a merge of its shards (B), and nothing
// else (engine/drivers/merge.hpp): root attributes that describe the invocation, each item's
// rank, wall time and bytes in /progress (a rank's cache decides what it reads), and the
// totals of what the ranks read and wrote (the merge sums its shards': their summaries are the
// merge's and write no item file, their caches were their own, and a resumed item reads nothing).
inline const std::set<std::string>& allowed_differences() {
    static const std::set<std::string> allowed{"/@created",
                                               "/@job(run flags)",
                                               "/@ranks",
                                               "/@threads",
                                               "/@mpio_collective_writes",
                                               "/@mpio_independent_writes",
                                               "/progress/rank",
                                               "/progress/seconds",
                                               "/progress/bytes_read",
                                               "/progress/bytes_written",
                                               "/@bytes_read",
                                               "/@bytes_read_item_files",
                                               "/@bytes_read_populations",
                                               "/@bytes_read_sources",
                                               "/@bytes_written",
                                               "/@cache_hits",
                                               "/@cache_misses",
                                               "/@cache_evictions",
                                               "/@cache_mb_per_rank",
                                               "/@items_on_holding_rank",
                                               "only in B: /@merged_shards"};
    return allowed;
}

// Fails unless `merged` differs from `single` only where allowed, and in the two places it
// always must (the output path in the job text; the merge's own attribute).
inline void require_merge_identical(const std::filesystem::path& single,
                                    const std::filesystem::path& merged) {
    const auto diffs = differences(single, merged);
    for (const auto& d : diffs) {
        INFO(single.filename().string() << " vs " << merged.filename().string() << ": " << d);
        CHECK(allowed_differences().count(d) == 1);
    }
    CHECK(diffs.count("/@job(run flags)") == 1);
    CHECK(diffs.count("only in B: /@merged_shards") == 1);
    std::vector<std::string> groups{"/binned", "/sessions", "/inventory"};
    for (const char* optional : {"summary", "pseudo"})
        if (run_python("import sys, h5py\nprint(sys.argv[2] in h5py.File(sys.argv[1], 'r'))\n",
                       {single.string(), optional}) == "True\n")
            groups.push_back(std::string("/") + optional);
    for (const auto& group : groups) {
        std::string report;
        const int rc = run::h5diff(single, merged, group, report);
        INFO(group << ": " << report);
        REQUIRE(rc == 0);
    }
    REQUIRE(run::count_datasets(merged, "/binned") > 0);
    REQUIRE(run::count_datasets(merged, "/sessions") > 0);
}

} // namespace neuropop::test::merge
