// Jobs whose work items could not fit in memory are refused before any work: exit 2, one line
// per kind of item naming the largest one, the MB it needs and how that follows from the job
// (bins per trial, trials x units x bins x bytes), the limit and the key that raises it; and
// nothing is written (no results file, no PATH.partial, no PATH.partial.d).

#include <catch2/catch.hpp>

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "tests/e2e/run_helpers.hpp"
#include "tests/e2e/session_edits.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

// The IT session's 420 trials x 4 units x `bins` uint32 counts, as the message prints them.
std::string counts_mb(double bins) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.1f MB", 420.0 * 4.0 * bins * 4.0 / (1024.0 * 1024.0));
    return buf;
}

void check_nothing_written(const fs::path& out) {
    CHECK_FALSE(fs::exists(out));
    CHECK_FALSE(fs::exists(fs::path(out.string() + ".partial")));
    CHECK_FALSE(fs::exists(fs::path(out.string() + ".partial.d")));
}

} // namespace

TEST_CASE("a 1e-9 s bin width (10^9 bins per trial) is refused before any work with the figures",
          "[e2e][limits]") {
    TempDir tmp("limits-bins");
    const auto out = tmp / "results.h5";
    auto r = run::neuropop_run(
        0, run::it_args(out, {"--quiet", "--data.sessions", edits::it_session().string(),
                              "--align.bin_width", "1e-9"}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    check_nothing_written(out);
    CHECK_THAT(r.err, Catch::Contains("problems, nothing was run") ||
                          Catch::Contains("problem, nothing was run"));
    // The bin item: 420 trials x 4 units x 10^9 bins of uint32 counts (about 6.3 TB).
    std::string bin_line;
    std::istringstream lines(r.err);
    for (std::string line; std::getline(lines, line);)
        if (line.find("a bin item") != std::string::npos) bin_line = line;
    REQUIRE_FALSE(bin_line.empty());
    CHECK_THAT(bin_line, Catch::StartsWith("  run.max_item_mb = "));
    CHECK_THAT(bin_line, Catch::Contains("(the default: min(4096, physical memory / 4))"));
    CHECK_THAT(bin_line, Catch::Contains("a bin item (zhang-desimone-it-1001/IT) needs"));
    CHECK_THAT(bin_line, Catch::Contains("1000000000 bins per trial"));
    CHECK_THAT(bin_line, Catch::Contains("counts 420 trials x 4 units x 1000000000 bins x 4 bytes "
                                         "= " +
                                         counts_mb(1e9)));
    CHECK_THAT(bin_line, Catch::Contains("1 of 1 bin items exceed the limit"));
    CHECK_THAT(bin_line, Catch::Contains("raise run.max_item_mb"));
    // The analyses that read those counts are refused on the same grounds.
    CHECK_THAT(r.err, Catch::Contains("a pca item (zhang-desimone-it-1001/IT) needs"));
    CHECK_THAT(r.err, Catch::Contains("a cvpca item (zhang-desimone-it-1001/IT) needs"));
}

TEST_CASE("run.max_item_mb sets the limit; items above it are refused with their figures",
          "[e2e][limits]") {
    // --help lists the key with its default.
    auto help = run::neuropop_run(0, {"--help"});
    CHECK_THAT(help.out, Catch::Contains("max_item_mb"));

    TempDir tmp("limits-key");
    const auto out = tmp / "results.h5";
    // 1 ms bins: 420 x 4 x 1000 x 4 bytes = 6.4 MB of counts, above a 1 MB limit; decoding
    // every bin with 40 permutations per item adds its fits.
    auto r = run::neuropop_run(
        0,
        run::it_args(out, {"--quiet", "--data.sessions", edits::it_session().string(),
                           "--align.bin_width", "0.001", "--run.max_item_mb", "1",
                           "--decode.enabled", "true", "--decode.windows", "",
                           "--decode.permutations", "40", "--decode.permutations_per_item", "40"}));
    INFO(r.err);
    CHECK(r.exit_code == 2);
    check_nothing_written(out);
    CHECK_THAT(r.err, Catch::Contains("run.max_item_mb = 1: a bin item "
                                      "(zhang-desimone-it-1001/IT) needs"));
    CHECK_THAT(r.err, Catch::Contains("counts 420 trials x 4 units x 1000 bins x 4 bytes = " +
                                      counts_mb(1000)));
    // The null block: 40 permutations x 5 folds x 1000 bins = 200000 fits.
    CHECK_THAT(r.err, Catch::Contains("a decode_null item (zhang-desimone-it-1001/IT/stimulus_ID) "
                                      "needs"));
    CHECK_THAT(r.err, Catch::Contains("fit scores 40 permutations x 5 splits x 1000 bins = 200000 "
                                      "fits x 4 bytes"));
    CHECK(r.err.find("(the default") == std::string::npos);
}
