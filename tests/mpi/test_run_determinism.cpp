// docs/DESIGN.md "Determinism": every dataset under /binned and /sessions is bitwise identical
// whatever the number of ranks and threads. h5diff without tolerance compares values and
// attributes.

#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

struct Config {
    int ranks;
    int threads;
};

void require_identical(const std::filesystem::path& reference, const std::filesystem::path& other,
                       const std::string& label, const std::vector<std::string>& groups) {
    for (const auto& group : groups) {
        std::string report;
        int rc = run::h5diff(reference, other, group, report);
        INFO(label << " " << group << ": " << report);
        REQUIRE(rc == 0);
    }
}

// Runs a job (`args(output)` gives its arguments) in each configuration and compares every run
// to the first.
template <typename Args>
void check_configurations(Args args, const std::vector<Config>& configs, const TempDir& tmp,
                          const std::vector<std::string>& groups = {"/binned", "/sessions"}) {
    std::vector<std::filesystem::path> outputs;
    for (const auto& c : configs) {
        auto out =
            tmp / ("np" + std::to_string(c.ranks) + "-t" + std::to_string(c.threads) + ".h5");
        auto r = run::neuropop_run(c.ranks, args(out, c.threads));
        INFO("mpirun -np " << c.ranks << " --threads " << c.threads << "\n" << r.err);
        REQUIRE(r.exit_code == 0);
        outputs.push_back(out);
    }
    // The comparison must have something to compare.
    for (const auto& group : groups)
        REQUIRE(run::count_datasets(outputs.front(), group) > 0);
    for (std::size_t i = 1; i < outputs.size(); ++i)
        require_identical(outputs.front(), outputs[i], outputs[i].filename().string(), groups);
}

std::vector<std::string> it_run(const std::filesystem::path& out, int threads) {
    return run::it_args(out, {"--threads", std::to_string(threads), "--quiet"});
}

} // namespace

// Two cases of three runs each keep every case well under 20 s.
TEST_CASE("IT job /binned and /sessions are bitwise identical for 1 or 2 or 3 ranks", "[mpi]") {
    TempDir tmp("determinism-it-ranks");
    check_configurations(it_run, {{1, 1}, {2, 1}, {3, 1}}, tmp);
}

TEST_CASE("IT job /binned and /sessions are bitwise identical for 1 or 2 threads on 1 or 2 ranks",
          "[mpi]") {
    TempDir tmp("determinism-it-threads");
    check_configurations(it_run, {{1, 1}, {1, 2}, {2, 2}}, tmp);
}

// A generated dataset with two regions and two subjects, PCA on single-trial bins
// (pca.samples = trials) and two condition columns, and the communication subspaces between
// the regions (folds, unit splits and permutations drawn per pair, the bootstrap over animals in
// /summary), so the paths the IT job does not take are compared too.
TEST_CASE("generated sessions give bitwise identical /binned and /sessions for 1 or 2 or 3 ranks "
          "and 1 or 2 threads",
          "[mpi]") {
    TempDir tmp("determinism-generated");
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote((tmp / "nwb").string()) +
                           " --sessions 3 --subjects 2 --regions VISp,CA1 --units 20 --trials 80 "
                           "--conditions 4 --seed 5");
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    const auto job = tmp / "generated.ini";
    std::ofstream(job) << "[data]\nsessions = nwb\n"
                          "[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                          "bin_width = 0.05\n"
                          "[conditions]\ncolumns = stimulus, control\n"
                          "[run]\nseed = 7\n"
                          "[pca]\ncomponents = 5\nsamples = trials\n"
                          "windows = response:0.05:0.45\n"
                          "[cvpca]\nshuffles = 3\n"
                          "[fa]\nfactors = 2\nwindow = response:0.05:0.45\n"
                          "[interactions]\nenabled = true\nwindow = response:0.05:0.45\n"
                          "ranks = 4\nfolds = 5\npermutations = 10\n";
    check_configurations(
        [&job](const std::filesystem::path& out, int threads) {
            return std::vector<std::string>{
                job.string(), "--output", out.string(), "--threads", std::to_string(threads),
                "--quiet"};
        },
        {{1, 1}, {2, 1}, {3, 1}, {1, 2}, {3, 2}}, tmp, {"/binned", "/sessions", "/summary"});
}

// The coupled GLM on generated coupled units (two sessions, two regions coupled across, so items
// spread over ranks), per region and per ordered region pair (coupling.pairs = all): per-unit
// fits run in parallel over TBB threads and the folds come from the item's own stream, so ranks
// and threads must not change a bit.
TEST_CASE("coupling gives bitwise identical /sessions for 1 or 2 or 3 ranks and 1 or 2 threads",
          "[mpi]") {
    TempDir tmp("determinism-coupling");
    run::generate(tmp / "nwb", "--sessions 2 --regions VISp,CA1 --units 5 --trials 40 "
                               "--conditions 2 --latent-noise 0 --baseline-median 20 "
                               "--coupling 0.6 --coupling-bin 0.01 --coupling-history 0.05 "
                               "--coupling-basis 3 --coupling-across --seed 9");
    const auto job = tmp / "coupling.ini";
    std::ofstream(job) << "[data]\nsessions = nwb\n"
                          "[align]\nevent = stim_on_time\nstart = 0\nstop = 0.4\n"
                          "bin_width = 0.01\n"
                          "[conditions]\ncolumns = stimulus\n"
                          "[run]\nseed = 3\n"
                          "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                          "[fa]\nenabled = false\n"
                          "[coupling]\nenabled = true\nwindow = 0:0.4\nbin = 0.02\n"
                          "history = 0.06\nhistory_basis = 3\nstimulus_basis = 4\n"
                          "lambdas = 10, 1\nfolds = 3\npairs = all\n";
    check_configurations(
        [&job](const std::filesystem::path& out, int threads) {
            return std::vector<std::string>{
                job.string(), "--output", out.string(), "--threads", std::to_string(threads),
                "--quiet"};
        },
        {{1, 1}, {2, 1}, {3, 1}, {1, 2}, {3, 2}}, tmp);
}
