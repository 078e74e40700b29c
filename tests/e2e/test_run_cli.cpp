// `neuropop run` as users meet it: help, existing output, bad jobs, failing items, progress, and
// engine::run called as a library function (mlpack style: a command is a function of its spec).

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "engine/drivers/run.hpp"
#include "jobs/job_parser.hpp"
#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;
namespace fs = std::filesystem;

TEST_CASE("neuropop run --help prints the job keys", "[e2e]") {
    auto r = run::neuropop_run(0, {"--help"});
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.out, Catch::Contains("usage: neuropop run JOB.ini"));
    REQUIRE_THAT(r.out, Catch::Contains(neuropop::jobs::job_help()));
}

TEST_CASE("an existing results file is not overwritten without --force", "[e2e]") {
    TempDir tmp("run-force");
    auto out = tmp / "it.h5";
    std::ofstream(out) << "precious";
    auto r = run::neuropop_run(2, run::it_args(out, {"--quiet"}));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("exists; pass --force"));
    REQUIRE(slurp(out) == "precious");
    REQUIRE_FALSE(fs::exists(with_suffix(out, ".partial.d")));

    r = run::neuropop_run(0, run::it_args(out, {"--quiet", "--force"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(slurp(out).substr(1, 3) == "HDF"); // the HDF5 signature \x89HDF
}

TEST_CASE("a bad job exits 2 on every rank and lists every problem once before any work", "[e2e]") {
    TempDir tmp("run-bad-job");
    auto out = tmp / "it.h5";
    auto r = run::neuropop_run(
        2, run::it_args(out, {"--pca.componets", "3", "--align.event", "no_such_column"}));
    REQUIRE(r.exit_code == 2);
    INFO(r.err);
    // Flag problems are found while parsing; the unknown key is reported with a suggestion.
    REQUIRE_THAT(r.err, Catch::Contains("componets"));
    // Printed by rank 0 only: the count line appears once although two ranks ran.
    const auto first = r.err.find("problem");
    REQUIRE(first != std::string::npos);
    REQUIRE(r.err.find("nothing was run", first) != std::string::npos);
    REQUIRE(r.err.find("nothing was run", r.err.find("nothing was run") + 1) == std::string::npos);
    REQUIRE_FALSE(fs::exists(out));
    REQUIRE_FALSE(fs::exists(with_suffix(out, ".partial.d")));

    // Data problems (a column no session has) are all listed too, one per session file.
    r = run::neuropop_run(1, run::it_args(out, {"--align.event", "no_such_column"}));
    REQUIRE(r.exit_code == 2);
    REQUIRE_THAT(r.err, Catch::Contains("21 problems"));
    REQUIRE_THAT(r.err, Catch::Contains("zhang-desimone-it-1021.nwb"));
    REQUIRE_FALSE(fs::exists(with_suffix(out, ".partial.d")));
}

TEST_CASE("a failing item exits 3 naming it and its dependents while the rest reach PATH.partial "
          "and --resume retries it",
          "[e2e]") {
    TempDir tmp("run-fail");
    auto out = tmp / "it.h5";
    const std::string env = "NEUROPOP_TEST_FAIL_ITEMS=bin/zhang-desimone-it-1003/IT/0,"
                            "cvpca/zhang-desimone-it-1010/IT/0";
    auto r = run::neuropop_run(2, run::it_args(out, {"--quiet"}), env);
    INFO(r.err);
    REQUIRE(r.exit_code == 3);
    REQUIRE_THAT(r.err, Catch::Contains("5 work items failed"));
    REQUIRE_THAT(r.err, Catch::Contains("bin/zhang-desimone-it-1003/IT/0: injected failure"));
    REQUIRE_THAT(r.err, Catch::Contains("pca/zhang-desimone-it-1003/IT/0: not run: needs "
                                        "bin/zhang-desimone-it-1003/IT/0, which failed"));
    REQUIRE_THAT(r.err, Catch::Contains("cvpca/zhang-desimone-it-1010/IT/0: injected failure"));
    const auto partial = with_suffix(out, ".partial");
    REQUIRE_THAT(r.err, Catch::Contains(partial.string()));
    REQUIRE_FALSE(fs::exists(out));
    REQUIRE(fs::exists(partial));
    auto status = run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    s = [x.decode() if isinstance(x, bytes) else x for x in f["/progress/status"][...]]
    print(s.count("failed"), s.count("done"), "/binned/zhang-desimone-it-1003" in f,
          "/binned/zhang-desimone-it-1004/IT/counts" in f, int(f.attrs["items_failed"]))
)",
                             {partial.string()});
    REQUIRE(status == "5 79 False True 5\n");

    r = run::neuropop_run(1, run::it_args(out, {"--resume"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("79 from the interrupted run"));
    REQUIRE(fs::exists(out));
    REQUIRE_FALSE(fs::exists(partial));
}

TEST_CASE("progress goes to stderr as plain lines off a terminal and --quiet silences it",
          "[e2e]") {
    TempDir tmp("run-progress");
    auto r = run::neuropop_run(0, run::it_args((tmp / "a.h5")));
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("/84 items"));
    REQUIRE_THAT(r.err, Catch::Contains("84 items, 0 failed, 1 rank x"));
    REQUIRE(r.err.find('\r') == std::string::npos);
    r = run::neuropop_run(0, run::it_args((tmp / "b.h5"), {"--quiet"}));
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.err.empty());
}

TEST_CASE("engine::run as a library function takes a spec and writes a results file", "[e2e]") {
    TempDir tmp("run-library");
    auto out = tmp / "it.h5";
    auto args = run::it_args(out, {"--quiet", "--threads", "2"});
    auto spec = neuropop::jobs::parse_job(args.front(), {args.begin() + 1, args.end()});
    auto r = neuropop::engine::run(spec);
    INFO((r.problems.empty() ? "" : r.problems.front()));
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.items == 84);
    REQUIRE(r.threads == 2);
    REQUIRE(r.failed.empty());
    REQUIRE(fs::exists(out));
    REQUIRE(r.mpio.independent == 0);
    REQUIRE(r.mpio.collective > 0);

    // Called again, the existing file is a problem returned, not printed or thrown.
    r = neuropop::engine::run(spec);
    REQUIRE(r.exit_code == 2);
    REQUIRE(r.problems.size() == 1);
    REQUIRE_THAT(r.problems.front(), Catch::Contains("exists; pass --force"));
}
