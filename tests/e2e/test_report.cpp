// `neuropop report`: figures and index.html from the IT results, from a results file missing
// groups, and from a hand-made file in the agreed decoding / geometry layout (the engine does
// not write those groups yet); bad input ends with exit 2 and one line.

#include <algorithm>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/report_checks.hpp"
#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

// The IT job on two of its sessions (two, so that the per-population grids and overviews are
// drawn), with decoding and geometry on and their permutation counts cut so the case stays in
// seconds: the figures are the same kind whatever the counts.
std::filesystem::path it_results(const TempDir& tmp) {
    auto out = tmp / "it.h5";
    const std::string sessions =
        (it_sessions_dir() / "zhang-desimone-it-100[1-2].nwb").string(); // a glob
    auto r = run::neuropop_run(0, run::it_args(out, {"--quiet",
                                                     "--data.sessions",
                                                     sessions,
                                                     "--decode.enabled",
                                                     "true",
                                                     "--decode.targets",
                                                     "stimulus_ID",
                                                     "--decode.windows",
                                                     "baseline:-0.4:0,response:0.1:0.5",
                                                     "--decode.permutations",
                                                     "25",
                                                     "--geometry.enabled",
                                                     "true",
                                                     "--geometry.conditions",
                                                     "stimulus_ID*stimulus_position",
                                                     "--geometry.windows",
                                                     "response:0.1:0.5",
                                                     "--geometry.models",
                                                     "stimulus_ID,stimulus_position",
                                                     "--geometry.permutations",
                                                     "100",
                                                     "--geometry.episodes",
                                                     "20"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

std::filesystem::path synthetic_results(const TempDir& tmp, const std::string& part) {
    auto out = tmp / ("synthetic-" + part + ".h5");
    auto r = run_command(
        std::string(NEUROPOP_PYTHON) + " " +
        shell_quote(std::string(NEUROPOP_SOURCE_DIR) + "/tests/e2e/report_synthetic_results.py") +
        " " + shell_quote(out.string()) + " " + part);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

int lines(const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

} // namespace

TEST_CASE("report on the IT results writes every expected figure as a PNG and an index of them",
          "[e2e]") {
    TempDir tmp("report-it");
    const auto results = it_results(tmp);
    const auto dir = tmp / "figures";
    auto r = report::neuropop_report({results.string(), "--out", dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == (dir / "index.html").string() + "\n");
    const auto expected = report::expected_figures(results);
    // The IT job (examples/jobs/zhang-desimone-it.ini) runs PCA and cvPCA on region IT, so at least
    // these three figures; the decoding and geometry figures follow from what the engine
    // wrote (expected_figures reads the file).
    for (const char* name : {"dimensionality_participation_ratio", "dimensionality_IT_scree",
                             "dimensionality_IT_cvpca"})
        CHECK(expected.count(name) == 1);
    report::check_report(dir, expected);
    const std::string html = slurp(dir / "index.html");
    CHECK(html.find("stim_on_time") != std::string::npos); // times relative to the event
    CHECK(html.find("2 populations") != std::string::npos);
}

TEST_CASE("report on a results file with groups deleted draws what is left", "[e2e]") {
    TempDir tmp("report-missing");
    const auto results = it_results(tmp);
    // No cvPCA anywhere, no binned cache, no summaries, one session without its PCA and
    // decoding, the other without its few-shot geometry (whichever of these the engine wrote).
    run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r+") as f:
    keys = list(f["sessions"])
    for k in keys:
        del f["sessions/%s/IT/cvpca" % k]
    for path in ["binned", "summary", "sessions/%s/IT/pca" % keys[0],
                 "sessions/%s/IT/decode" % keys[0]]:
        if path in f: del f[path]
    g = f["sessions/%s/IT" % keys[1]]
    if "geometry" in g:
        for s in g["geometry"].values():
            for w in s.values():
                if isinstance(w, h5py.Group) and "manifold" in w: del w["manifold"]
)",
               {results.string()});
    const auto dir = tmp / "figures";
    auto r = report::neuropop_report({results.string(), "--out", dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto expected = report::expected_figures(results);
    CHECK(expected.count("dimensionality_IT_cvpca") == 0);
    CHECK(expected.count("dimensionality_IT_scree") == 1);
    report::check_report(dir, expected);
}

TEST_CASE("report refuses what is not a neuropop results file with exit 2 and one line", "[e2e]") {
    TempDir tmp("report-bad");
    const auto plain = tmp / "plain.h5";
    run_python("import sys, h5py\nh5py.File(sys.argv[1], 'w').create_dataset('x', data=[1, 2])\n",
               {plain.string()});
    const auto text = tmp / "notes.h5";
    std::ofstream(text) << "not HDF5\n";
    struct Case {
        std::vector<std::string> args;
        std::string says;
    };
    const std::vector<Case> cases{
        {{plain.string()}, "not a neuropop results file"},
        {{text.string()}, "not an HDF5 file"},
        {{(tmp / "absent.h5").string()}, "no such file"},
        {{plain.string(), "--format", "jpg"}, "--format must be png or svg"},
        {{}, "no results file given"},
    };
    for (const auto& c : cases) {
        auto args = c.args;
        args.push_back("--out");
        args.push_back((tmp / "figures").string());
        auto r = report::neuropop_report(args);
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(lines(r.err) == 1);
        CHECK(r.err.find(c.says) != std::string::npos);
        CHECK(r.out.empty());
    }
    CHECK_FALSE(std::filesystem::exists(tmp / "figures" / "index.html"));
}

TEST_CASE("report draws decoding and geometry figures and the cross-session summary from the "
          "agreed layout",
          "[e2e]") {
    TempDir tmp("report-synthetic-sessions");
    const auto results = synthetic_results(tmp, "sessions");
    const auto dir = tmp / "figures";
    auto r = report::neuropop_report({results.string(), "--out", dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The layout report_synthetic_results.py documents: VISp in three sessions (decoding of
    // 'stimulus' with generalisation and of 'speed', one geometry set and window with three
    // RDMs, models and few-shot), CA1 in two (PCA and cvPCA only), one cross-session summary.
    const std::string g = "geometry_VISp_stimulus_ID_x_stimulus_position_response_";
    const std::set<std::string> layout{
        "dimensionality_participation_ratio",
        "dimensionality_CA1_scree",
        "dimensionality_CA1_cvpca",
        "dimensionality_VISp_scree",
        "dimensionality_VISp_cvpca",
        "decoding_VISp_stimulus_accuracy",
        "decoding_VISp_stimulus_overview",
        "decoding_VISp_stimulus_generalization",
        "decoding_VISp_speed_accuracy",
        "decoding_VISp_speed_overview",
        g + "rdm",
        g + "rdm_euclidean_populations",
        g + "rdm_correlation_populations",
        g + "rdm_crossnobis_populations",
        g + "models",
        g + "fewshot",
        "summary_VISp_stimulus",
    };
    CHECK(report::expected_figures(results) == layout);
    report::check_report(dir, layout);
    const std::string html = slurp(dir / "index.html");
    for (const char* section :
         {"Dimensionality", "Decoding", "Geometry", "Summaries across sessions and animals"})
        CHECK(html.find(std::string("\">") + section + "</h2>") != std::string::npos);
}

TEST_CASE("report draws pseudo-population and per-animal summary figures from the pooled layout",
          "[e2e]") {
    TempDir tmp("report-synthetic-pooled");
    const auto results = synthetic_results(tmp, "pooled");
    const auto dir = tmp / "figures";
    auto r = report::neuropop_report({results.string(), "--out", dir.string()});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // /pseudo/VISp stacked over resamples (PCA, decoding, geometry; no cvPCA) and two groups
    // of per-animal values under /summary/VISp/pseudo; no /sessions at all.
    const std::string g = "pseudo_geometry_VISp_stimulus_ID_x_stimulus_position_response_";
    const std::set<std::string> layout{
        "pseudo_dimensionality_participation_ratio",
        "pseudo_dimensionality_VISp_scree",
        "pseudo_decoding_VISp_stimulus_accuracy",
        "pseudo_decoding_VISp_stimulus_generalization",
        g + "rdm",
        g + "models",
        g + "fewshot",
        "summary_VISp_pseudo_decode_stimulus",
        "summary_VISp_pseudo_pca_response",
    };
    CHECK(report::expected_figures(results) == layout);
    report::check_report(dir, layout);
    const std::string html = slurp(dir / "index.html");
    CHECK(html.find("\">Pseudo-populations</h2>") != std::string::npos);
    CHECK(html.find("means over resamples") != std::string::npos);
}

TEST_CASE("report --format svg --regions draws only the chosen regions, an unknown region is "
          "exit 2",
          "[e2e]") {
    TempDir tmp("report-options");
    const auto results = synthetic_results(tmp, "sessions");
    const auto dir = tmp / "figures";
    auto r = report::neuropop_report(
        {results.string(), "--out", dir.string(), "--format", "svg", "--regions", "CA1"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto expected = report::expected_figures(results, "CA1");
    CHECK(expected == std::set<std::string>{"dimensionality_participation_ratio",
                                            "dimensionality_CA1_scree",
                                            "dimensionality_CA1_cvpca"});
    report::check_report(dir, expected, ".svg");

    auto bad = report::neuropop_report(
        {results.string(), "--out", (tmp / "other").string(), "--regions", "CA1,V1"});
    CHECK(bad.exit_code == 2);
    CHECK(lines(bad.err) == 1);
    CHECK(bad.err.find("V1") != std::string::npos);
}
