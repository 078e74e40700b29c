// trials.where ([trials] where = ...): the trials a filter keeps are exactly those numpy selects
// from the NWB trials table, rows that fail it are counted apart from non-finite alignment
// times, a bad filter stops the job before any work with one line per problem naming the key,
// and results with a filter are bitwise identical on 1 and 2 ranks.

#include <catch2/catch.hpp>

#include <filesystem>

#include "tests/e2e/run_helpers.hpp"
#include "tests/e2e/session_edits.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

std::string it_session(int s) {
    return (it_sessions_dir() / ("zhang-desimone-it-" + std::to_string(s) + ".nwb")).string();
}

// numpy's selection on the NWB table next to what the results file kept, per session:
// "<session>: same|differs kept filtered_out dropped_nonfinite filtered_out_nan where".
const char* const compare_rows = R"(import sys, h5py, numpy as np
results, files = sys.argv[1], sys.argv[2:]
with h5py.File(results, "r") as r:
    for path in files:
        with h5py.File(path, "r") as n:
            t = n["intervals/trials"]
            key = n["identifier"][()].decode()
            pos = t["stimulus_position"][:].astype(str)
            ident = t["stimulus_ID"][:].astype(str)
            start = t["start_time"][:]
            event = t["stim_on_time"][:]
        passes = np.isin(pos, ["upper", "lower"]) & (ident != "kiwi") & (start >= 0)
        passes &= ~np.isnan(start)
        keep = np.flatnonzero(passes & np.isfinite(event))
        g = r["binned/%s/IT" % key]
        got = g["trial_index"][:]
        same = np.array_equal(got, keep) and g["counts"].shape[0] == len(keep)
        print(key, "same" if same else "differs", len(keep), g.attrs["filtered_out"],
              g.attrs["dropped_nonfinite"], g.attrs["filtered_out_nan"],
              int((~passes).sum()), int((passes & ~np.isfinite(event)).sum()),
              int(np.isnan(start).sum()), g.attrs["trials_where"])
)";

const char* const where =
    "stimulus_position in (upper, 'lower') and stimulus_ID != \"kiwi\" and start_time >= 0";

} // namespace

TEST_CASE("trials.where keeps exactly the rows numpy selects, counted apart from non-finite "
          "times",
          "[e2e][trial_filter]") {
    TempDir tmp("trial-filter-rows");
    // A copy of session 1001 with NaN start times (a compared column: dropped and counted) and a
    // NaN alignment time (dropped_nonfinite when the row passes the filter).
    const auto edited = tmp / "edited.nwb";
    edits::edit_trials(edited, "    s = f['start_time'][:]; s[[0, 3]] = np.nan\n"
                               "    f['start_time'][:] = s\n"
                               "    e = f['stim_on_time'][:]; e[[1, 2, 4]] = np.nan\n"
                               "    f['stim_on_time'][:] = e\n");
    const auto out = tmp / "results.h5";
    auto r = run::neuropop_run(
        0, run::it_args(out, {"--quiet", "--data.sessions",
                              edited.string() + ", " + it_session(1002), "--trials.where", where}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // The edited file keeps session 1001's identifier; 1002 is unedited.
    const auto lines = run_python(compare_rows, {out.string(), edited.string(), it_session(1002)});
    INFO(lines);
    // Per session: kept, filtered_out, dropped_nonfinite, filtered_out_nan equal numpy's
    // (~passes, passes & non-finite event, NaN start times).
    const auto fields = [&](const std::string& line) {
        std::vector<std::string> f;
        std::size_t a = 0;
        for (std::size_t b; (b = line.find(' ', a)) != std::string::npos && f.size() < 10;
             a = b + 1)
            f.push_back(line.substr(a, b - a));
        return f;
    };
    std::size_t begin = 0;
    int sessions = 0;
    for (std::size_t end; (end = lines.find('\n', begin)) != std::string::npos; begin = end + 1) {
        const auto line = lines.substr(begin, end - begin);
        INFO(line);
        const auto f = fields(line);
        REQUIRE(f.size() == 10);
        CHECK(f[1] == "same");
        CHECK(f[3] == f[6]); // filtered_out
        CHECK(f[4] == f[7]); // dropped_nonfinite
        CHECK(f[5] == f[8]); // filtered_out_nan
        CHECK(line.substr(line.find("stimulus_position")) == where);
        ++sessions;
    }
    CHECK(sessions == 2);
    // The edited session's two NaN start times are counted as filtered (NaN), whatever else.
    CHECK(fields(lines.substr(0, lines.find('\n')))[5] == "2");
}

TEST_CASE("a bad trials.where exits 2 before any work with one line per problem naming the key",
          "[e2e][trial_filter][bad-input]") {
    TempDir tmp("trial-filter-bad");
    const auto out = tmp / "results.h5";
    const auto run_with = [&](const std::string& filter) {
        return run::neuropop_run(0, run::it_args(out, {"--quiet", "--data.sessions",
                                                       it_session(1001) + ", " + it_session(1002),
                                                       "--trials.where", filter}));
    };
    const auto has_line = [](const std::string& err, std::initializer_list<std::string> parts) {
        std::size_t begin = 0;
        for (std::size_t end; (end = err.find('\n', begin)) != std::string::npos; begin = end + 1) {
            const auto line = err.substr(begin, end - begin);
            bool all = true;
            for (const auto& p : parts)
                all = all && line.find(p) != std::string::npos;
            if (all) return true;
        }
        return false;
    };
    SECTION("syntax: says where") {
        auto r = run_with("stimulus_position in upper");
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(has_line(r.err, {"trials.where", "at character 22: expected '(' after 'in', found "
                                               "'upper'"}));
    }
    SECTION("a missing column, a value in no session, a numeric comparison on strings and a "
            "word for a number: all at once") {
        auto r = run_with("nope == 1 and stimulus_position in (upper, lowr) and stimulus_ID < 3 "
                          "and start_time == early");
        INFO(r.err);
        CHECK(r.exit_code == 2);
        CHECK(has_line(r.err, {"trials.where: 'nope == 1': no trials column 'nope' in 2 of 2 "
                               "sessions"}));
        CHECK(has_line(r.err, {"trials.where: 'stimulus_position in (upper, lowr)': value 'lowr' "
                               "of stimulus_position occurs in no session (values: lower, middle, "
                               "upper)"}));
        CHECK(has_line(r.err, {"trials.where: 'stimulus_ID < 3': '<' compares numbers, but "
                               "stimulus_ID is a string column"}));
        CHECK(has_line(r.err, {"trials.where: 'start_time == early': 'early' is not a number, but "
                               "start_time is numeric (float64)"}));
    }
    CHECK(!fs::exists(out));
    CHECK(!fs::exists(out.string() + ".partial"));
    CHECK(!fs::exists(out.string() + ".partial.d"));
}

TEST_CASE("trials.where: results bitwise identical on 1 and 2 ranks", "[e2e][trial_filter][mpi]") {
    TempDir tmp("trial-filter-ranks");
    std::vector<fs::path> outs;
    for (int np : {1, 2}) {
        const auto out = tmp / ("np" + std::to_string(np) + ".h5");
        auto r =
            run::neuropop_run(np, run::it_args(out, {"--quiet", "--threads", "1", "--data.sessions",
                                                     it_session(1001) + ", " + it_session(1002),
                                                     "--trials.where", where}));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        outs.push_back(out);
    }
    REQUIRE(run::count_datasets(outs[0], "/binned") > 0);
    REQUIRE(run::count_datasets(outs[0], "/sessions") > 0);
    for (const char* group : {"/binned", "/sessions"}) {
        std::string report;
        const int rc = run::h5diff(outs[0], outs[1], group, report);
        INFO(group << ": " << report);
        CHECK(rc == 0);
    }
}
