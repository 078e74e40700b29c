// The merge sends rank 0's layout to the other ranks in chunks (io::layout_chunk), so that they
// never hold all of it. Cut into many chunks (NEUROPOP_TEST_MERGE_CHUNK, engine/drivers/run.hpp)
// on several ranks, the results file must be the one-chunk run's in every dataset, attribute and
// attached scale (tests/slurm/results_diff.py), apart from what describes the invocation. The
// demo-sized jobs of the other tests fit in one chunk of the default size. Likewise when the
// merged file is closed and reopened every 3 objects (NEUROPOP_TEST_MERGE_REOPEN) instead of every
// 500: the group and scale handles the merge keeps open are dropped at each reopening (and the
// small datasets are written by their owners between them), which the IT job never reaches at
// the default interval.

#include <tuple>

#include <catch2/catch.hpp>

#include "tests/e2e/merge_helpers.hpp"

using namespace neuropop::test;

TEST_CASE("a run's merge layout sent in chunks of 5 or 7 entries on 2 or 3 ranks, or reopening "
          "the merged file every 3 objects, writes the file one chunk writes",
          "[mpi]") {
    TempDir tmp("merge-layout-chunks");
    const auto reference = tmp / "np1.h5";
    auto r = run::neuropop_run(1, run::it_args(reference, {"--quiet"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Many chunks per pass: the IT job's file has hundreds of groups and datasets.
    REQUIRE(run::count_datasets(reference, "/") > 100);
    for (const auto& [np, name, env] : {std::tuple{2, "c5", "NEUROPOP_TEST_MERGE_CHUNK=5"},
                                        std::tuple{3, "c7", "NEUROPOP_TEST_MERGE_CHUNK=7"},
                                        std::tuple{2, "reopen3", "NEUROPOP_TEST_MERGE_REOPEN=3"}}) {
        const auto out = tmp / ("np" + std::to_string(np) + "-" + name + ".h5");
        r = run::neuropop_run(np, run::it_args(out, {"--quiet"}), env);
        INFO("mpirun -np " << np << " " << env << "\n" << r.err);
        REQUIRE(r.exit_code == 0);
        // The invocation (ranks, output path, time), each item's rank, seconds and bytes, and
        // what the ranks read may differ (merge_helpers.hpp); nothing the items computed, no
        // scale, no object.
        for (const auto& d : merge::differences(reference, out)) {
            INFO(out.filename().string() << ": " << d);
            CHECK(merge::allowed_differences().count(d) == 1);
        }
    }
}
