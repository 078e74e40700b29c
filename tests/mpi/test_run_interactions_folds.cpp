// interactions.folds_per_item (docs/ANALYSES.md §7): a pair's folds computed in separate
// interactions_folds items give /sessions and /summary bitwise identical to the unsplit pair
// items, on 1, 2 and 3 ranks and through `neuropop run --shard` + `neuropop merge`; a bad value
// is one line and exit 2. h5diff without tolerance compares values and attributes.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/e2e/merge_helpers.hpp"
#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

// Two sessions (two animals) of three regions: 6 ordered pairs per session, 12 pair items; 10
// folds in blocks of 3 make 4 fold items per pair ([0,3) [3,6) [6,9) [9,10)), 48 in all.
// Residual counts of 60 trials, 12 units per region, 5 permutations, the within-area control.
std::filesystem::path write_job(const TempDir& tmp) {
    run::generate(tmp / "nwb",
                  "--sessions 2 --subjects 2 --regions VISp,CA1,LGd --units 12 "
                  "--trials 60 --conditions 3 --channel-rank 'VISp>CA1:2:1.5' --seed 8");
    const auto job = tmp / "job.ini";
    std::ofstream(job) << "[data]\nsessions = nwb\n"
                          "[align]\nevent = stim_on_time\nstart = 0\nstop = 0.5\n"
                          "bin_width = 0.05\n"
                          "[conditions]\ncolumns = stimulus\n"
                          "[run]\nseed = 11\n"
                          "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                          "[fa]\nenabled = false\n"
                          "[interactions]\nenabled = true\nwindow = response:0:0.5\n"
                          "ranks = 5\nfolds = 10\npermutations = 5\n";
    return job;
}

std::vector<std::string> args(const std::filesystem::path& job, const std::filesystem::path& out,
                              int folds_per_item, std::vector<std::string> extra = {}) {
    std::vector<std::string> a{job.string(),
                               "--output",
                               out.string(),
                               "--interactions.folds_per_item",
                               std::to_string(folds_per_item),
                               "--quiet"};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
}

// Items of each kind the run recorded in /progress.
std::string kinds(const std::filesystem::path& file) {
    return run_python(R"(import sys, h5py, collections
with h5py.File(sys.argv[1], "r") as f:
    a = [x.decode() if isinstance(x, bytes) else x for x in f["progress/analysis"][()]]
c = collections.Counter(a)
print(c["interactions"], c["interactions_folds"], c["interactions_summary"])
)",
                      {file.string()});
}

void require_same(const std::filesystem::path& a, const std::filesystem::path& b) {
    for (const char* group : {"/sessions", "/summary"}) {
        std::string report;
        const int rc = run::h5diff(a, b, group, report);
        INFO(a.filename().string()
             << " vs " << b.filename().string() << " " << group << ": " << report);
        REQUIRE(rc == 0);
    }
}

} // namespace

TEST_CASE("interactions.folds_per_item gives the unsplit /sessions and /summary bitwise on 1, 2 "
          "and 3 ranks",
          "[mpi][interactions][folds_per_item]") {
    TempDir tmp("interactions-folds");
    const auto job = write_job(tmp);
    const auto whole = tmp / "whole.h5";
    auto r = run::neuropop_run(1, args(job, whole, 0));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(kinds(whole) == "12 0 6\n");
    // Something to compare: every pair's curves, nulls and within-area control.
    REQUIRE(run::count_datasets(whole, "/sessions") > 12 * 20);
    REQUIRE(run::count_datasets(whole, "/summary") > 0);
    for (int ranks : {1, 2, 3}) {
        const auto split = tmp / ("split-np" + std::to_string(ranks) + ".h5");
        r = run::neuropop_run(ranks, args(job, split, 3, {"--threads", "1"}));
        INFO("np " << ranks << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(kinds(split) == "12 48 6\n");
        require_same(whole, split);
    }
    // Uneven blocks of 4 (4, 4, 2), two threads.
    const auto four = tmp / "split-4.h5";
    r = run::neuropop_run(2, args(job, four, 4, {"--threads", "2"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(kinds(four) == "12 36 6\n");
    require_same(whole, four);
}

TEST_CASE("interactions fold items run in their pair's shard and merge to the single run",
          "[mpi][interactions][folds_per_item]") {
    TempDir tmp("interactions-folds-merge");
    const auto job = write_job(tmp);
    const auto single = tmp / "single.h5";
    auto r = run::neuropop_run(2, args(job, single, 3));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto whole = tmp / "whole.h5";
    r = run::neuropop_run(1, args(job, whole, 0));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> merge_args{(tmp / "merged.h5").string()};
    for (int i = 0; i < 2; ++i) {
        merge_args.push_back((tmp / ("out.shard-" + std::to_string(i) + ".h5")).string());
        r = run::neuropop_run(0, args(job, merge_args.back(), 3,
                                      {"--shard", std::to_string(i) + "/2", "--threads", "1"}));
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        // One session per shard: its 6 pairs and their 24 fold items, no summary.
        CHECK(kinds(merge_args.back()) == "6 24 0\n");
    }
    r = merge::neuropop_merge(2, merge_args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("(6 summaries run here)"));
    merge::require_merge_identical(single, merge_args.front());
    require_same(whole, merge_args.front());
}

TEST_CASE("a bad interactions.folds_per_item is one line and exit 2", "[mpi][interactions]") {
    TempDir tmp("interactions-folds-bad");
    const auto job = write_job(tmp);
    for (const char* bad : {"-3", "two"}) {
        auto r = run::neuropop_run(0, {job.string(), "--output", (tmp / "x.h5").string(),
                                       "--interactions.folds_per_item", bad});
        INFO(r.err);
        REQUIRE(r.exit_code == 2);
        std::istringstream lines(r.err);
        int mentions = 0;
        for (std::string line; std::getline(lines, line);)
            if (line.find("interactions.folds_per_item") != std::string::npos) {
                ++mentions;
                CHECK(line.find(std::string("'") + bad + "'") != std::string::npos);
                CHECK(line.find("not a whole number") != std::string::npos);
            }
        CHECK(mentions == 1);
        CHECK_FALSE(std::filesystem::exists(tmp / "x.h5"));
    }
}
