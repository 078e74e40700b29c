// Alignment times that are not finite: NaN, +Inf and -Inf trials are all dropped when binning
// and counted in the population's dropped_nonfinite attribute; none is kept as a trial of zero
// counts (which would look like a silent trial).

#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/e2e/run_helpers.hpp"
#include "tests/e2e/session_edits.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

TEST_CASE("NaN and infinite alignment times are dropped and counted alike", "[e2e][alignment]") {
    TempDir tmp("alignment-nonfinite");
    const auto session = tmp / "session.nwb";
    edits::edit_trials(session, "    t = f['stim_on_time'][:]\n"
                                "    t[2] = np.inf; t[5] = -np.inf; t[7] = np.nan\n"
                                "    f['stim_on_time'][:] = t\n");
    const auto out = tmp / "results.h5";
    auto r =
        run::neuropop_run(0, run::it_args(out, {"--quiet", "--data.sessions", session.string()}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string group = "/binned/zhang-desimone-it-1001/IT";
    CHECK(edits::read_attribute(out, group, "dropped_nonfinite") == "3\n");
    const auto kept = run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    g = f[sys.argv[2]]
    rows = list(g["trial_index"][:])
    print(g["counts"].shape[0], len(rows), [r for r in (2, 5, 7) if r in rows], rows[:4])
)",
                                 {out.string(), group});
    // 420 trials in the table, 417 kept; rows 2, 5 and 7 are not among them.
    CHECK(kept == "417 417 [] [0, 1, 3, 4]\n");
}
