// Spike times stored out of order within a unit, as the DANDI files in data/nwb-small-real hold
// them: `neuropop run` sorts them on read with one warning line per file and records the count
// in /inventory; data.strict = true refuses the file before any work.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

const char* const dandi = "sub-anm369963_ses-20170228.nwb"; // 1 unit, 21 inversions (h5py)

fs::path write_job(const fs::path& dir, const fs::path& session) {
    const auto job = dir / "job.ini";
    std::ofstream(job) << "[data]\nsessions = " << session.string()
                       << "\n[align]\nevent = start_time\nstart = 0\nstop = 2\nbin_width = 0.1\n"
                          "[conditions]\ncolumns = type\n"
                          "[pca]\nenabled = false\n[cvpca]\nenabled = false\n"
                          "[fa]\nenabled = false\n";
    return job;
}

std::size_t count_of(const std::string& s, const std::string& needle) {
    std::size_t n = 0;
    for (auto p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1))
        ++n;
    return n;
}

} // namespace

TEST_CASE("run: unsorted real spikes are sorted on read with one warning line per file",
          "[e2e][unsorted][real]") {
    TempDir tmp("run-unsorted");
    const auto session = repo_data() / "nwb-small-real" / dandi;
    const auto job = write_job(tmp.path(), session);
    const auto out = tmp / "results.h5";
    for (int np : {0, 2}) {
        INFO("ranks " << np);
        auto r =
            run::neuropop_run(np, {job.string(), "--output", out.string(), "--quiet", "--force"});
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        // Once per file, from rank 0 only.
        CHECK(count_of(r.err, "inversions within units") == 1);
        CHECK(r.err.find(": /units/spike_times: 21 inversions within units; sorted on read "
                         "(data.strict = true refuses)\n") != std::string::npos);
        CHECK(r.err.find("neuropop run: ") != std::string::npos);
    }
    // The counts are those of the sorted spikes (numpy searchsorted on np.sort), and the number
    // of inversions is in the inventory.
    const auto check = run_python(R"(import sys, h5py, numpy as np
with h5py.File(sys.argv[2], "r") as n:
    st = np.sort(n["units/spike_times"][:])
    start = n["intervals/trials/start_time"][:]
with h5py.File(sys.argv[1], "r") as f:
    inv = list(f["inventory/sessions/spike_inversions_sorted"][:])
    g = next(iter(f["binned"].values()))
    g = next(iter(g.values()))
    rows = g["trial_index"][:]
    counts = g["counts"][:]
edges = lambda a: a + np.arange(21) * 0.1
ref = np.array([np.diff(np.searchsorted(st, edges(start[r]), side="left")) for r in rows])
print(inv, counts.shape[0] == len(rows), bool((counts[:, 0, :] == ref).all()), int(counts.sum()) > 0)
)",
                                  {out.string(), session.string()});
    CHECK(check == "[21] True True True\n");
}

TEST_CASE("run: data.strict = true refuses unsorted spikes before any work",
          "[e2e][unsorted][real]") {
    TempDir tmp("run-unsorted-strict");
    const auto session = repo_data() / "nwb-small-real" / dandi;
    const auto job = write_job(tmp.path(), session);
    const auto out = tmp / "results.h5";
    auto r = run::neuropop_run(
        0, {job.string(), "--output", out.string(), "--quiet", "--data.strict", "true"});
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(": /units/spike_times: spike times not sorted within unit row 0 (id 1001)") !=
          std::string::npos);
    CHECK(r.err.find("inversions within units") == std::string::npos);
    CHECK(!fs::exists(out));
    CHECK(!fs::exists(out.string() + ".partial"));
}
