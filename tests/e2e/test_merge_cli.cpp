// `neuropop run --shard I/N` and `neuropop merge` as users meet them without Slurm: what a shard
// holds, and every kind of bad merge input refused with exit 2 before anything is written.

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "engine/items/executor.hpp"
#include "tests/e2e/merge_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

// The root attribute `shard` and the session keys of /inventory of a results file.
std::string shard_and_keys(const fs::path& file) {
    return run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    keys = [k.decode() for k in f["inventory/sessions/key"][()]]
    print(f.attrs.get("shard", "none"), " ".join(keys))
)",
                      {file.string()});
}

} // namespace

TEST_CASE("a shard plans sessions p with p % N == i, records i/N and no other session", "[e2e]") {
    TempDir tmp("shard-sessions");
    const auto job = merge::write_job(tmp);
    const auto whole = tmp / "whole.h5";
    auto r = run::neuropop_run(0, {job.string(), "--output", whole.string(), "--quiet"});
    REQUIRE(r.exit_code == 0);
    const auto all = shard_and_keys(whole);
    // The generated sessions' keys, in key order, from the single run's inventory.
    std::istringstream words(all);
    std::string none;
    std::vector<std::string> keys;
    words >> none;
    REQUIRE(none == "none");
    for (std::string k; words >> k;)
        keys.push_back(k);
    REQUIRE(keys.size() == 4);
    const auto shard = tmp / "s0.h5";
    r = merge::run_shard(0, job, 0, 3, shard);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(shard_and_keys(shard) == "0/3 " + keys[0] + " " + keys[3] + "\n");
    r = merge::run_shard(0, job, 2, 3, tmp / "s2.h5");
    REQUIRE(r.exit_code == 0);
    CHECK(shard_and_keys(tmp / "s2.h5") == "2/3 " + keys[2] + "\n");
    // Items of a shard's sessions are the single run's, bitwise.
    std::string report;
    const auto g = "/sessions/" + keys[2];
    const int rc = run::h5diff(whole, tmp / "s2.h5", g, report);
    INFO(report);
    CHECK(rc == 0);
}

TEST_CASE("bad --shard values and a shard without sessions exit 2 before any work", "[e2e]") {
    TempDir tmp("shard-bad");
    const auto job = merge::write_job(tmp);
    for (const char* bad : {"3/3", "1/0", "-1/2", "a/b", "2"}) {
        auto r = run::neuropop_run(
            0, {job.string(), "--shard", bad, "--output", (tmp / "x.h5").string()});
        INFO(bad << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains("--shard '" + std::string(bad) + "': not a shard"));
    }
    auto r = merge::run_shard(0, job, 4, 5, tmp / "x.h5");
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("no session falls in this shard (the job has 4 sessions"));
    CHECK_FALSE(fs::exists(tmp / "x.h5"));
}

TEST_CASE("neuropop merge refuses bad shard sets with exit 2 and writes nothing", "[e2e]") {
    TempDir tmp("merge-bad");
    const auto job = merge::write_job(tmp);
    const auto s = merge::run_shards(tmp, job, 3);
    const auto out = (tmp / "out.h5").string();
    const auto expect_bad = [&out](const std::vector<std::string>& args, const std::string& msg) {
        auto r = merge::neuropop_merge(0, args);
        INFO("merge " << args.size() << " args: " << r.err);
        CHECK(r.exit_code == 2);
        CHECK_THAT(r.err, Catch::Contains(msg));
        CHECK_FALSE(fs::exists(out));
        CHECK_FALSE(fs::exists(out + ".partial"));
    };
    expect_bad({out, s[0], s[2]}, "shard 1/3 missing");
    expect_bad({out, s[0], s[1], s[2], s[0]}, "shard 0/3 given twice: " + s[0] + " and " + s[0]);
    expect_bad({out, s[0], s[1], s[2], (tmp / "none.h5").string()}, "none.h5: no such file");
    expect_bad({out}, "usage: neuropop merge OUT SHARD...");
    expect_bad({out, s[0], "--bogus"}, "unknown option --bogus");

    // A shard of another job (another seed) and a file that is not a shard.
    const auto other = (tmp / "other.shard-1.h5").string();
    auto r = run::neuropop_run(
        0, {job.string(), "--shard", "1/3", "--output", other, "--quiet", "--run.seed", "8"});
    REQUIRE(r.exit_code == 0);
    expect_bad({out, s[0], other, s[2]}, other + ": /@job: another job than " + s[0] + " (line ");
    const auto whole = (tmp / "whole.h5").string();
    r = run::neuropop_run(0, {job.string(), "--output", whole, "--quiet"});
    REQUIRE(r.exit_code == 0);
    expect_bad({out, whole}, whole + ": /@shard: missing: not a shard's results file");
    // A shard of 2 among shards of 3.
    const auto half = (tmp / "half.h5").string();
    REQUIRE(merge::run_shard(0, job, 0, 2, half).exit_code == 0);
    expect_bad({out, s[0], s[1], s[2], half}, half + ": shard 0/2, but");

    // A shard with a failed item stays OUT.partial, which the merge refuses.
    const auto failing = (tmp / "failing.h5").string();
    const auto key = run_python(R"(import sys, h5py
print(h5py.File(sys.argv[1], "r")["inventory/sessions/key"][0].decode())
)",
                                {s[1]});
    const std::string item = "fa/" + key.substr(0, key.size() - 1) + "/CA1/0";
    r = merge::run_shard(0, job, 1, 3, failing,
                         std::string(neuropop::engine::fail_items_env) + "=" + item);
    INFO(r.err);
    REQUIRE(r.exit_code == 3);
    expect_bad({out, s[0], failing + ".partial", s[2]},
               "/@items_failed: 1 (work items of shard 1/3 that failed)");

    // An existing OUT is kept without --force, replaced with it.
    std::ofstream(out) << "precious";
    r = merge::neuropop_merge(0, {out, s[0], s[1], s[2]});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("exists; pass --force"));
    r = merge::neuropop_merge(0, {out, s[0], s[1], s[2], "--force", "--quiet"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    merge::require_merge_identical(whole, out);
}
