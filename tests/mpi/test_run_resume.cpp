// docs/DESIGN.md "Reliability rules": a killed run resumes with --resume and gives the same bytes
// as an uninterrupted run. The kill is a real SIGKILL of rank 0 (mpirun then takes the job down),
// placed deterministically by the test-only hooks of engine/drivers/run.hpp.

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

std::size_t item_files(const fs::path& output) {
    fs::path items = output;
    items += ".partial.d";
    items /= "items";
    std::size_t n = 0;
    if (!fs::exists(items)) return 0;
    for (const auto& e : fs::directory_iterator(items))
        if (e.path().extension() == ".h5") ++n;
    return n;
}

// Statuses of /progress, counted: "done resumed failed".
std::string progress_counts(const fs::path& file) {
    return run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    s = [x.decode() if isinstance(x, bytes) else x for x in f["/progress/status"][...]]
print(s.count("done"), s.count("resumed"), s.count("failed"))
)",
                      {file.string()});
}

} // namespace

TEST_CASE("kill -9 after some items then --resume on 2 ranks gives an uninterrupted run's results",
          "[mpi]") {
    TempDir tmp("resume-items");
    const auto reference = tmp / "reference.h5";
    const auto out = tmp / "killed.h5";
    auto r = run::neuropop_run(1, run::it_args(reference, {"--quiet"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    r = run::neuropop_run(2, run::it_args(out, {"--quiet"}), "NEUROPOP_TEST_KILL_AFTER_ITEMS=30");
    INFO(r.err);
    REQUIRE(r.exit_code != 0);
    REQUIRE_FALSE(fs::exists(out));
    const auto done_before = item_files(out);
    REQUIRE(done_before >= 30);
    REQUIRE(done_before < 84); // 21 sessions x (bin, pca, cvpca, fa): the run was cut short

    // Without --resume the interrupted run is in the way, and says how to continue.
    r = run::neuropop_run(0, run::it_args(out, {"--quiet"}));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("--resume"));

    r = run::neuropop_run(2, run::it_args(out, {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("from the interrupted run"));
    REQUIRE(fs::exists(out));
    REQUIRE_FALSE(fs::exists(with_suffix(out, ".partial")));
    REQUIRE_FALSE(fs::exists(with_suffix(out, ".partial.d")));
    run::require_same_results(reference, out);
    auto counts = parse_doubles(progress_counts(out));
    REQUIRE(counts.size() == 3);
    REQUIRE(counts[1] == static_cast<double>(done_before)); // resumed
    REQUIRE(counts[0] + counts[1] == 84);
    REQUIRE(counts[2] == 0);
}

TEST_CASE("kill -9 during the collective merge then --resume gives identical results", "[mpi]") {
    TempDir tmp("resume-merge");
    const auto reference = tmp / "reference.h5";
    const auto out = tmp / "killed.h5";
    auto r = run::neuropop_run(1, run::it_args(reference, {"--quiet"}));
    REQUIRE(r.exit_code == 0);

    r = run::neuropop_run(2, run::it_args(out, {"--quiet"}), "NEUROPOP_TEST_KILL_IN_MERGE=1");
    REQUIRE(r.exit_code != 0);
    REQUIRE_FALSE(fs::exists(out));
    REQUIRE(item_files(out) == 84); // every item was done; only the merge was cut

    r = run::neuropop_run(3, run::it_args(out, {"--resume", "--quiet"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    run::require_same_results(reference, out);
}

TEST_CASE("resume refuses the work folder of a different job and names the difference", "[mpi]") {
    TempDir tmp("resume-other-job");
    const auto out = tmp / "killed.h5";
    auto r =
        run::neuropop_run(1, run::it_args(out, {"--quiet"}), "NEUROPOP_TEST_KILL_AFTER_ITEMS=5");
    REQUIRE(r.exit_code != 0);
    r = run::neuropop_run(1, run::it_args(out, {"--resume", "--fa.tol", "0.02"}));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("different job"));
    REQUIRE_THAT(r.err, Catch::Contains("fa.tol: '0.01' then, '0.02' now"));
    REQUIRE_FALSE(fs::exists(out));
}
