// Sessions with too few trials for an analysis: the analysis is skipped and listed with the
// reason (/inventory@skipped), the way a region with too few units is, instead of failing its
// item (exit 3). Decoding is the exception: too few trials of a class for decode.folds refuses
// the job (exit 2, as the other decode.targets rules do) with the figures, here for the trials a
// pseudo-population draws per label.

#include <catch2/catch.hpp>

#include <filesystem>
#include <sstream>

#include "tests/e2e/run_helpers.hpp"
#include "tests/e2e/session_edits.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

const std::string population = "zhang-desimone-it-1001/IT: ";

// Whether `text` has a line equal to `line`.
bool has_line(const std::string& text, const std::string& line) {
    std::istringstream in(text);
    for (std::string l; std::getline(in, l);)
        if (l == line) return true;
    return false;
}

} // namespace

TEST_CASE("a session with a single alignable trial is binned, and the analyses it cannot feed are "
          "skipped and listed",
          "[e2e][few-trials]") {
    TempDir tmp("few-trials-one");
    const auto session = tmp / "session.nwb";
    // Every trial but the first loses its alignment time: one trial of one condition remains.
    edits::edit_trials(session, "    t = f['stim_on_time'][:]; t[1:] = np.nan\n"
                                "    f['stim_on_time'][:] = t\n");
    const auto out = tmp / "results.h5";
    auto r =
        run::neuropop_run(0, run::it_args(out, {"--quiet", "--data.sessions", session.string()}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto skipped = edits::read_attribute(out, "/inventory", "skipped");
    INFO(skipped);
    CHECK(has_line(skipped, population +
                                "cvpca: 1 aligned trial: no condition has the 2 aligned trials "
                                "cvPCA splits into two halves"));
    CHECK(has_line(skipped, population +
                                "fa: 1 aligned trial; factor analysis needs 2 (one sample per "
                                "trial)"));
    // PCA of the condition means still has its 8 bins per window: it ran.
    CHECK(skipped.find(population + "pca:") == std::string::npos);
    CHECK(edits::read_attribute(out, "/binned/zhang-desimone-it-1001/IT", "dropped_nonfinite") ==
          "419\n");
    CHECK(run::count_datasets(out, "/sessions/zhang-desimone-it-1001/IT/pca") > 0);

    // Single-trial PCA samples in a one-bin window: 1 sample, so PCA is skipped too.
    const auto out2 = tmp / "results-trials.h5";
    r = run::neuropop_run(
        0, run::it_args(out2, {"--quiet", "--data.sessions", session.string(), "--pca.samples",
                               "trials", "--pca.windows", "first:0:0.05"}));
    REQUIRE(r.exit_code == 0);
    CHECK(has_line(edits::read_attribute(out2, "/inventory", "skipped"),
                   population + "pca: 1 aligned trial: window 'first' has 1 sample(s) (1 trial(s) "
                                "x 1 bin(s), pca.samples = trials); a covariance needs 2"));
}

TEST_CASE("pseudo-population decoding that would draw fewer trials per label than decode.folds is "
          "refused before any work",
          "[e2e][few-trials][pseudo]") {
    TempDir tmp("few-trials-pseudo");
    const auto data = tmp / "data";
    // 2 sessions of 24 trials in 4 conditions: 6 trials of each stimulus per session.
    auto g = run_command(shell_quote(binary().string()) + " generate --out " +
                         shell_quote(data.string()) +
                         " --sessions 2 --subjects 1 --regions VISp --units 8 --trials 24 "
                         "--conditions 4 --seed 3");
    REQUIRE(g.exit_code == 0);
    const auto out = tmp / "results.h5";
    const std::vector<std::string> common{std::string(NEUROPOP_SOURCE_DIR) +
                                              "/examples/jobs/demo.ini",
                                          "--output",
                                          out.string(),
                                          "--quiet",
                                          "--data.sessions",
                                          data.string(),
                                          "--geometry.enabled",
                                          "false",
                                          "--models.enabled",
                                          "false",
                                          "--decode.targets",
                                          "stimulus",
                                          "--decode.folds",
                                          "6",
                                          "--pseudo.min_trials",
                                          "2",
                                          "--pseudo.resamples",
                                          "2",
                                          "--pseudo.nulls",
                                          "2",
                                          "--pseudo.analyses",
                                          "decode",
                                          "--cvpca.shuffles",
                                          "2"};
    auto args = common;
    args.insert(args.end(), {"--pseudo.trials", "5"});
    auto r = run::neuropop_run(0, args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(fs::path(out.string() + ".partial.d")));
    CHECK_THAT(r.err, Catch::Contains("pseudo decode:stimulus VISp (all): 5 trials of each label "
                                      "per resample (pseudo.trials = 5), fewer than "
                                      "decode.folds = 6; every fold must hold every class"));
    // Six per label, as many as the folds: it runs (each training fold holds 5 of every label).
    args = common;
    args.insert(args.end(), {"--pseudo.trials", "6"});
    r = run::neuropop_run(0, args);
    CHECK(r.exit_code == 0);
}
