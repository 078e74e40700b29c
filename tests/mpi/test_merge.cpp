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
    // The third merge sends its layout to the other rank in chunks of 7 groups or datasets, not
    // in one (io::layout_chunk): the same file.
    const std::vector<std::pair<int, std::string>> merges{
        {1, ""}, {2, ""}, {2, "NEUROPOP_TEST_MERGE_CHUNK=7"}};
    for (const auto& [np, env] : merges) {
        const auto merged =
            tmp / ("merged-np" + std::to_string(np) + (env.empty() ? "" : "-c7") + ".h5");
        // Shards in any order on the command line: the merge orders them by their shard index.
        r = merge::neuropop_merge(np, {merged.string(), shards[2], shards[0], shards[1]}, env);
        INFO("merge -np " << np << " " << env << ": " << r.err);
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

// Pseudo-populations pool every session of a region: no shard runs them. The merge runs their
// resamples, nulls, assembly and summary (per region and per animal) over the shards' /binned
// with the run's scheduler and item keys, so /pseudo and /summary equal the single run's bitwise,
// on 1, 2 or 3 merge ranks.
TEST_CASE("merged shards of a pseudo-population job give the single run's /pseudo and /summary on "
          "1, 2 or 3 merge ranks",
          "[mpi]") {
    TempDir tmp("merge-pseudo");
    const auto job = merge::write_job(
        tmp, "[decode]\nenabled = true\ntargets = stimulus\npermutations = 2\nfolds = 3\n"
             "windows = resp:0.05:0.45\n"
             "[pseudo]\nenabled = true\nanalyses = pca, decode\ntrials = 8\nresamples = 3\n"
             "nulls = 4\nnulls_per_item = 2\nper_animal = true\nbootstrap = 20\n");
    const std::vector<std::string> off{"--quiet", "--cvpca.enabled", "false", "--fa.enabled",
                                       "false"};
    const auto single = tmp / "single.h5";
    std::vector<std::string> single_args{job.string(), "--output", single.string()};
    single_args.insert(single_args.end(), off.begin(), off.end());
    auto r = run::neuropop_run(2, single_args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(run::count_datasets(single, "/pseudo") > 0);
    std::vector<std::string> shards;
    for (int i = 0; i < 3; ++i) {
        shards.push_back((tmp / ("out.shard-" + std::to_string(i) + ".h5")).string());
        std::vector<std::string> shard_args{job.string(), "--shard",     std::to_string(i) + "/3",
                                            "--output",   shards.back(), "--threads",
                                            "1"};
        shard_args.insert(shard_args.end(), off.begin(), off.end());
        r = run::neuropop_run(0, shard_args);
        INFO("shard " << i << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        // A shard runs its sessions' items only: nothing pooled.
        CHECK(run_python("import sys, h5py\nprint('pseudo' in h5py.File(sys.argv[1], 'r'))\n",
                         {shards.back()}) == "False\n");
    }
    for (int np : {1, 2, 3}) {
        const auto merged = tmp / ("merged-np" + std::to_string(np) + ".h5");
        std::vector<std::string> args{merged.string()};
        args.insert(args.end(), shards.begin(), shards.end());
        r = merge::neuropop_merge(np, args);
        INFO("merge -np " << np << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE_THAT(r.err, Catch::Contains("items across sessions"));
        merge::require_merge_identical(single, merged);
        REQUIRE_FALSE(std::filesystem::exists(merged.string() + ".partial"));
        REQUIRE_FALSE(std::filesystem::exists(merged.string() + ".partial.d"));
    }
}

namespace {

// Four generated sessions of VISp (encodes the stimulus) and CA1 with a model file, `shape` the
// generator's --units/--trials/--conditions; a [models] job with `extra` job text appended.
std::filesystem::path write_models_job(const TempDir& tmp, const std::string& shape,
                                       const std::string& extra = "") {
    run::generate(tmp / "nwb", "--sessions 4 --subjects 2 --regions VISp,CA1 --encoding-regions "
                               "VISp " +
                                   shape + " --seed 5 --quiet --model-file " +
                                   shell_quote((tmp / "model.h5").string()));
    const auto job = tmp / "job.ini";
    std::ofstream(job)
        << "[data]\nsessions = nwb\n"
           "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
           "bin_width = 0.05\n[conditions]\ncolumns = stimulus\n[run]\nseed = 7\n"
           "[pca]\nenabled = false\n[cvpca]\nenabled = false\n[fa]\nenabled = false\n"
           "[models]\nenabled = true\nfile = model.h5\ncolumn = stimulus\n"
           "window = response:0:0.6\npermutations = 10\nbootstrap = 20\n"
           "layers_per_item = 2\n"
        << extra;
    return job;
}

// `neuropop merge` on 2 ranks of the job's 3 shards into DIR/merged.h5 (the shards run first).
CommandResult merge_three_shards(const TempDir& tmp, const std::filesystem::path& job) {
    std::vector<std::string> args{(tmp / "merged.h5").string()};
    for (auto& shard : merge::run_shards(tmp, job, 3))
        args.push_back(std::move(shard));
    return merge::neuropop_merge(2, args);
}

} // namespace

// Brain <-> network comparisons: each shard compares its sessions' populations with the model's
// layers; the merge runs each region's models_summary (bootstrap over sessions) through the
// scheduler, reading the models groups from the shards, which must equal the single run's.
TEST_CASE("merged shards of a models job give the single run's models summary", "[mpi]") {
    TempDir tmp("merge-models");
    const auto job = write_models_job(tmp, "--units 20 --trials 80 --conditions 4");
    const auto single = tmp / "single.h5";
    auto r = run::neuropop_run(2, {job.string(), "--output", single.string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(run::count_datasets(single, "/summary") > 0);
    r = merge_three_shards(tmp, job);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // One models_summary per region.
    REQUIRE_THAT(r.err, Catch::Contains("2 items across sessions"));
    merge::require_merge_identical(single, tmp / "merged.h5");
}

// Pooled models comparisons: the shards run their sessions' models items and each its own copy
// of the model_layers items (intermediate, in no shard's file); the merge runs the model_layers
// items again with the pooled resamples, nulls and assembly, and must give the single run's
// /pseudo and /summary.
TEST_CASE("merged shards of a pooled models job give the single run's /pseudo", "[mpi][models]") {
    TempDir tmp("merge-pseudo-models");
    const auto job =
        write_models_job(tmp, "--units 10 --trials 96 --conditions 12",
                         "[pseudo]\nenabled = true\nanalyses = models\nmin_trials = 4\n"
                         "trials = 4\nresamples = 2\nnulls = 4\nnulls_per_item = 2\n"
                         "bootstrap = 20\n");
    const auto single = tmp / "single.h5";
    auto r = run::neuropop_run(2, {job.string(), "--output", single.string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(run::count_datasets(single, "/pseudo/VISp/models/profile") > 0);
    r = merge_three_shards(tmp, job);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    merge::require_merge_identical(single, tmp / "merged.h5");
}
