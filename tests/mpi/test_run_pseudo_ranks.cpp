// Pseudo-populations are bitwise identical for any number of ranks, and for any split of the
// null resamples into work items (docs/ANALYSES.md §5; docs/DESIGN.md determinism): resample r and
// null b draw only from their own counter-based streams.

#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

std::filesystem::path generated(const TempDir& tmp) {
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote((tmp / "nwb").string()) +
                           " --sessions 4 --subjects 2 --regions A,B --units 10 --trials 60 "
                           "--conditions 3 --encoding-regions A --seed 11");
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    return tmp / "nwb";
}

// A job over the generated folder: PCA pooled per region, three resamples, six nulls.
std::filesystem::path pseudo_job(const TempDir& tmp, const std::filesystem::path& data) {
    const auto job = tmp / "pseudo.ini";
    std::ofstream(job) << "[data]\nsessions = " << data.string()
                       << "\n[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                          "bin_width = 0.1\n[conditions]\ncolumns = stimulus\n"
                          "[pca]\nwindows = resp:0:0.6\n[cvpca]\nenabled = false\n"
                          "[fa]\nenabled = false\n[pseudo]\nenabled = true\nanalyses = pca\n"
                          "trials = 8\nresamples = 3\nnulls = 6\nbootstrap = 20\n";
    return job;
}

// The job on 1, 2 and 3 ranks with 6, 2 and 4 null resamples per item; the results files.
std::vector<std::filesystem::path> run_ranks(const TempDir& tmp, const std::filesystem::path& job) {
    struct Run {
        int ranks;
        std::string per_item;
    };
    std::vector<std::filesystem::path> outs;
    for (const auto& r : {Run{1, "6"}, Run{2, "2"}, Run{3, "4"}}) {
        auto out = tmp / ("np" + std::to_string(r.ranks) + ".h5");
        auto res = run::neuropop_run(r.ranks, {job.string(), "--output", out.string(),
                                               "--pseudo.nulls_per_item", r.per_item, "--quiet"});
        INFO(res.err);
        REQUIRE(res.exit_code == 0);
        outs.push_back(out);
    }
    return outs;
}

// /pseudo and /summary of every run h5diff-identical to the first's.
void require_identical(const std::vector<std::filesystem::path>& outs) {
    for (std::size_t i = 1; i < outs.size(); ++i)
        for (const char* g : {"/pseudo", "/summary"}) {
            std::string report;
            const int rc = run::h5diff(outs[0], outs[i], g, report);
            INFO(outs[i].filename() << " " << g << ": " << report);
            REQUIRE(rc == 0);
        }
}

} // namespace

TEST_CASE("pseudo-populations and their summary are identical for 1, 2 or 3 ranks and any null "
          "split",
          "[mpi]") {
    TempDir tmp("pseudo-ranks");
    const auto job = pseudo_job(tmp, generated(tmp));
    const auto outs = run_ranks(tmp, job);
    REQUIRE(run::count_datasets(outs[0], "/pseudo") > 0);
    REQUIRE(run::count_datasets(outs[0], "/summary") > 0);
    require_identical(outs);
}

// Pooled models comparisons (pseudo.analyses = models): the resamples read the model_layers
// items' Grams and RDMs; their stimulus-permutation RSA p, the nulls and the layer profile are
// the same bits for any number of ranks and any null split.
TEST_CASE("pooled models comparisons are identical for 1, 2 or 3 ranks and any null split",
          "[mpi][models]") {
    TempDir tmp("pseudo-models-ranks");
    run::generate(tmp / "nwb", "--sessions 4 --subjects 2 --regions A,B --units 10 --trials 96 "
                               "--conditions 12 --encoding-regions A --seed 11 --quiet "
                               "--model-file " +
                                   shell_quote((tmp / "model.h5").string()));
    const auto job = tmp / "pseudo-models.ini";
    std::ofstream(job) << "[data]\nsessions = nwb\n"
                          "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                          "bin_width = 0.1\n[conditions]\ncolumns = stimulus\n"
                          "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                          "[fa]\nenabled = false\n"
                          "[models]\nenabled = true\nfile = model.h5\ncolumn = stimulus\n"
                          "window = response:0:0.6\npermutations = 10\nbootstrap = 20\n"
                          "layers_per_item = 2\n"
                          "[pseudo]\nenabled = true\nanalyses = models\nmin_trials = 4\n"
                          "trials = 4\nresamples = 3\nnulls = 6\nbootstrap = 20\n";
    const auto outs = run_ranks(tmp, job);
    REQUIRE(run::count_datasets(outs[0], "/pseudo/A/models/profile") > 0);
    REQUIRE(run::count_datasets(outs[0], "/summary/A/pseudo/models") > 0);
    require_identical(outs);
}
