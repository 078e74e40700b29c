// `neuropop merge` of a job's shards (`neuropop run --shard I/N`) gives the single run's results
// file, up to the documented differences (engine/drivers/merge.hpp), whether the shards and the
// merge run on one rank or several.

#include <catch2/catch.hpp>

#include "tests/e2e/merge_helpers.hpp"

using namespace neuropop::test;

TEST_CASE("merging the 3 shards of a job with 1 or 2 ranks gives the single run's file", "[mpi]") {
    TempDir tmp("merge-ranks");
    const auto job = merge::write_job(tmp);
    const auto single = tmp / "single.h5";
    auto r = run::neuropop_run(2, {job.string(), "--output", single.string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Shards on 1 and 2 ranks: a shard is an ordinary run of its sessions.
    std::vector<std::string> shards;
    for (int i = 0; i < 3; ++i) {
        shards.push_back((tmp / ("out.shard-" + std::to_string(i) + ".h5")).string());
        r = merge::run_shard(i == 1 ? 2 : 1, job, i, 3, shards.back());
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    for (int np : {1, 2}) {
        const auto merged = tmp / ("merged-np" + std::to_string(np) + ".h5");
        // Shards in any order on the command line: the merge orders them by their shard index.
        r = merge::neuropop_merge(np, {merged.string(), shards[2], shards[0], shards[1]});
        INFO("merge -np " << np << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE_THAT(r.err, Catch::Contains("3 shards"));
        merge::require_merge_identical(single, merged);
        REQUIRE_FALSE(std::filesystem::exists(merged.string() + ".partial"));
        // The counts (100 kB per population) went through collective writes.
        const auto written = run_python(R"(import sys, h5py
print(int(h5py.File(sys.argv[1], "r").attrs["mpio_collective_writes"]))
)",
                                        {merged.string()});
        CHECK(std::stoi(written) > 0);
    }
}

// Decoding: each shard decodes its sessions (permutation nulls included); the merge runs the
// decode_summary across every session and region (Fisher, Benjamini–Hochberg), which must equal
// the single run's /summary bitwise.
TEST_CASE("merged shards of a decoding job give the single run's decode summary", "[mpi]") {
    TempDir tmp("merge-decode");
    const auto job = merge::write_job(tmp, "[decode]\nenabled = true\ntargets = stimulus\n"
                                           "permutations = 4\nfolds = 3\n"
                                           "windows = early:0:0.2, late:0.2:0.4\n");
    const auto single = tmp / "single.h5";
    auto r = run::neuropop_run(
        2, {job.string(), "--output", single.string(), "--quiet", "--cvpca.enabled", "false"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> args{(tmp / "merged.h5").string()};
    for (int i = 0; i < 3; ++i) {
        args.push_back((tmp / ("out.shard-" + std::to_string(i) + ".h5")).string());
        r = run::neuropop_run(0, {job.string(), "--shard", std::to_string(i) + "/3", "--output",
                                  args.back(), "--quiet", "--threads", "1", "--cvpca.enabled",
                                  "false"});
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    r = merge::neuropop_merge(2, args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("(1 summaries run here)"));
    REQUIRE(run::count_datasets(single, "/summary") > 0);
    merge::require_merge_identical(single, args.front());
}

// Communication subspaces: each shard computes its sessions' pairs; the merge builds the
// interactions_summary of each ordered pair (bootstrap over the 2 animals) from the shards'
// groups, which must equal the single run's /summary bitwise.
TEST_CASE("merged shards of an interactions job give the single run's interactions summary",
          "[mpi]") {
    TempDir tmp("merge-interactions");
    const auto job = merge::write_job(tmp, "[interactions]\nenabled = true\n"
                                           "window = response:0.05:0.45\nranks = 4\nfolds = 5\n"
                                           "permutations = 4\n");
    const auto single = tmp / "single.h5";
    const std::vector<std::string> off{"--quiet", "--cvpca.enabled", "false", "--pca.enabled",
                                       "false",   "--fa.enabled",    "false"};
    std::vector<std::string> single_args{job.string(), "--output", single.string()};
    single_args.insert(single_args.end(), off.begin(), off.end());
    auto r = run::neuropop_run(2, single_args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<std::string> args{(tmp / "merged.h5").string()};
    for (int i = 0; i < 3; ++i) {
        args.push_back((tmp / ("out.shard-" + std::to_string(i) + ".h5")).string());
        std::vector<std::string> shard_args{job.string(), "--shard",   std::to_string(i) + "/3",
                                            "--output",   args.back(), "--threads",
                                            "1"};
        shard_args.insert(shard_args.end(), off.begin(), off.end());
        r = run::neuropop_run(0, shard_args);
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
    }
    r = merge::neuropop_merge(2, args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Two ordered pairs (VISp>CA1, CA1>VISp), one summary each.
    REQUIRE_THAT(r.err, Catch::Contains("(2 summaries run here)"));
    REQUIRE(run::count_datasets(single, "/summary/interactions") > 0);
    merge::require_merge_identical(single, args.front());
}
