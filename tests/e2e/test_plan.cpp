// `neuropop plan`: the cost of a job before it runs, checked against a measured run of the demo
// job (examples/jobs/demo.ini on the generated demo dataset, fewer permutations and resamples).

#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

namespace {

// The demo job at a size a test can afford, over `data`.
// [models] is off: this data has no model file (its items' rates in jobs/plan_rates.inc come
// from a separate run).
std::vector<std::string> demo_flags(const fs::path& data) {
    return {"--data.sessions",
            data.string(),
            "--decode.permutations",
            "20",
            "--pseudo.nulls",
            "10",
            "--pseudo.resamples",
            "5",
            "--models.enabled",
            "false",
            "--quiet"};
}

std::string plan_json(const std::vector<std::string>& args) {
    std::string cmd = shell_quote(binary().string()) + " plan";
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    auto r = run_command(cmd);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

double json_number(const std::string& json, const std::string& key) {
    return std::stod(
        run_python("import json, sys\nprint(json.loads(sys.argv[1])[sys.argv[2]])\n", {json, key}));
}

} // namespace

TEST_CASE("plan estimates the demo job's CPU time within a factor of 4 of a measured run, and its "
          "item counts exactly",
          "[e2e][plan]") {
    TempDir tmp("plan-demo");
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote((tmp / "data").string()) +
                           " --sessions 4 --subjects 2 --regions VISp,CA1,MOs --units 30 "
                           "--trials 160 --conditions 4 --seed 7 --quiet");
    REQUIRE(gen.exit_code == 0);
    const std::string job = std::string(NEUROPOP_SOURCE_DIR) + "/examples/jobs/demo.ini";
    auto args = demo_flags(tmp / "data");
    std::vector<std::string> plan_args{job, "--json", "--ranks", "2", "--threads", "1"};
    plan_args.insert(plan_args.end(), args.begin(), args.end() - 1); // not --quiet
    const auto json = plan_json(plan_args);
    INFO(json);
    const double core_seconds = json_number(json, "core_hours") * 3600.0;
    const double items = json_number(json, "items");
    CHECK(json_number(json, "rank_memory_bytes") >= 80.0 * 1024 * 1024);
    CHECK(json_number(json, "wall_seconds") >= core_seconds / 2.0);

    const auto out = tmp / "demo.h5";
    std::vector<std::string> run_args{job, "--output", out.string()};
    run_args.insert(run_args.end(), args.begin(), args.end());
    auto r = run::neuropop_run(0, run_args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto measured = run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    p = f["/progress"]
    print(len(p["seconds"]), float(p["seconds"][:].sum()))
)",
                                     {out.string()});
    double n = 0, seconds = 0;
    REQUIRE(std::sscanf(measured.c_str(), "%lf %lf", &n, &seconds) == 2);
    // The plan is the run's plan: the same items.
    CHECK(items == n);
    // Rates were measured on the 2-core development VM under load; a test machine runs other
    // tests beside this one. A factor of 4 either way is what the estimate promises.
    INFO("estimated " << core_seconds << " s, measured " << seconds << " s");
    CHECK(core_seconds <= 4.0 * seconds);
    CHECK(core_seconds >= seconds / 4.0);
    const double file_bytes = static_cast<double>(fs::file_size(out));
    const double estimated_bytes = json_number(json, "results_bytes");
    INFO("results: estimated " << estimated_bytes << " bytes, written " << file_bytes);
    CHECK(estimated_bytes <= 2.0 * file_bytes);
    CHECK(estimated_bytes >= file_bytes / 2.0);
}

TEST_CASE("plan prints a table, and refuses what run refuses with exit 2", "[e2e][plan]") {
    const std::string job =
        std::string(NEUROPOP_SOURCE_DIR) + "/examples/jobs/zhang-desimone-it.ini";
    auto r = run_command(shell_quote(binary().string()) + " plan " + shell_quote(job) +
                         " --ranks 4 --threads 2");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("21 sessions"));
    CHECK_THAT(r.out, Catch::Contains("core-hours"));
    CHECK_THAT(r.out, Catch::Contains("on 4 ranks x 2 threads: wall time about"));
    r = run_command(shell_quote(binary().string()) + " plan " + shell_quote(job) +
                    " --align.bin_width 1e-9");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("run.max_item_mb"));
    r = run_command(shell_quote(binary().string()) + " plan " + shell_quote(job) + " --ranks 0");
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--ranks '0'"));
}
