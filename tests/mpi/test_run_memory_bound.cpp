// docs/DESIGN.md "Memory per rank": a rank holds the process (MPI, HDF5, TBB, the code, the
// libraries' capped buffers), its population cache (run.cache_mb), at most two work items'
// inputs, the O(units^2) matrices of the kernels and, on rank 0, the merge layout, O(results
// datasets); nothing grows with the number of work items. The job below runs with ~1 800 items and
// ~4 400 results datasets against the same analyses on 3 of its 12 sessions (~1 100 datasets).
//
// The per-dataset term: rank 0 holds the merge layout (each dataset's path, shape, axes and
// attributes) and the inventory and /progress tables: measured 3.4-3.9 KB per dataset on this
// job, 2 ranks; 4 KB is its allowance. The other ranks receive the layout a chunk at a time
// (io::layout_chunk) and hold none of it: from 3 to 12 sessions rank 1 grew by 5.8-8.4 MB, about
// the population cache it fills (8 MB, in the bound), where it grew by 9.6-9.7 MB when it held
// the whole layout (~1.4 KB per dataset). 1 KB per dataset is its allowance, against its
// own baseline. Holding every dataset open through the merge (~25 KB each, as before
// io/result_merge.cpp closed them) or keeping anything per item would exceed either.

#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

// Each rank of `neuropop run` under GNU time (scripts/deps.sh installs `time`), writing its
// peak RSS in kB to DIR/rss.<rank>.
std::vector<double> peak_rss_mb(int ranks, const std::filesystem::path& dir,
                                const std::vector<std::string>& args) {
    for (int r = 0; r < ranks; ++r)
        std::filesystem::remove(dir / ("rss." + std::to_string(r)));
    std::string cmd = run::launcher(ranks) + "sh -c " +
                      shell_quote("exec /usr/bin/time -o " + (dir / "rss.").string() +
                                  "$OMPI_COMM_WORLD_RANK -f %M \"$@\"") +
                      " sh " + shell_quote(binary().string()) + " run";
    for (const auto& a : args)
        cmd += " " + shell_quote(a);
    const auto r = run_command(cmd);
    INFO(cmd << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    std::vector<double> mb;
    for (int k = 0; k < ranks; ++k) {
        std::ifstream in(dir / ("rss." + std::to_string(k)));
        double kb = 0;
        REQUIRE(in >> kb);
        mb.push_back(kb / 1024.0);
    }
    return mb;
}

} // namespace

TEST_CASE("a rank's peak memory stays within baseline + cache + 2 largest items + units^2, "
          "however many items and results datasets the job has",
          "[mpi]") {
    REQUIRE(std::filesystem::exists("/usr/bin/time"));
    TempDir tmp("memory-bound");
    run::generate(tmp / "nwb", "--sessions 12 --subjects 3 --regions A,B,C,D --units 30 "
                               "--trials 160 --conditions 4 --seed 5");
    const auto job = tmp / "job.ini";
    std::ofstream(job) << "[data]\nsessions = " << (tmp / "nwb").string()
                       << "\n[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\n"
                          "bin_width = 0.05\n[conditions]\ncolumns = stimulus\n"
                          "[pca]\nwindows = early:0:0.3,late:0.3:0.6\n[cvpca]\nshuffles = 2\n"
                          "[fa]\nfactors = 2\nwindow = resp:0:0.6\n"
                          "[decode]\nenabled = true\ntargets = stimulus\nwindows = resp:0:0.6\n"
                          "folds = 3\npermutations = 60\npermutations_per_item = 2\n"
                          "[geometry]\nenabled = true\nconditions = stimulus\n"
                          "windows = resp:0:0.6\n";
    constexpr double cache_mb = 8;
    const std::vector<std::string> common{"--quiet", "--threads", "1", "--run.cache_mb", "8"};
    auto args = [&](const std::string& out, std::vector<std::string> extra) {
        std::vector<std::string> a{job.string(), "--output", (tmp / out).string()};
        a.insert(a.end(), common.begin(), common.end());
        a.insert(a.end(), extra.begin(), extra.end());
        return a;
    };
    // The baseline: the same analyses on 3 sessions, also on 2 ranks (MPI's shared-memory
    // transport costs each rank a few MB more than 1 rank alone), so that the libraries'
    // buffers (OMPIO's 4 MB aggregation buffer, HDF5's 4 MB metadata cache) reach their caps.
    std::string three;
    for (const char* f : {"sub-m00_ses-000.nwb", "sub-m01_ses-001.nwb", "sub-m02_ses-002.nwb"}) {
        REQUIRE(std::filesystem::exists(tmp / "nwb" / f));
        three += (three.empty() ? "" : ",") + (tmp / "nwb" / f).string();
    }
    const auto base = peak_rss_mb(2, tmp.path(), args("three.h5", {"--data.sessions", three}));
    const auto full = peak_rss_mb(2, tmp.path(), args("all.h5", {}));

    // The largest item's input: the largest population's counts as float64 (the kernels'
    // working copy); the O(units^2) term: one units x units double matrix; datasets and items.
    const auto shape = [&](const std::string& file) {
        const auto v = parse_doubles(run_python(R"(import sys, h5py
with h5py.File(sys.argv[1], "r") as f:
    biggest, units, datasets = 0, 0, []
    def visit(name, o):
        global biggest, units
        if isinstance(o, h5py.Dataset):
            datasets.append(name)
            if name.startswith("binned/") and name.endswith("/counts"):
                biggest = max(biggest, o.size)
                units = max(units, o.shape[1])
    f.visititems(visit)
    print(biggest, units, len(datasets), len(f["progress/id"]))
)",
                                                {(tmp / file).string()}));
        REQUIRE(v.size() == 4);
        return v;
    };
    const auto small = shape("three.h5"), big = shape("all.h5");
    const double item_mb = big[0] * 8 / 1048576.0, gram_mb = big[1] * big[1] * 8 / 1048576.0;
    // Rank 0's bound starts from the larger baseline (as before the layout was chunked), rank
    // 1's from its own.
    const double root_per_dataset_mb = 4.0 / 1024.0, worker_per_dataset_mb = 1.0 / 1024.0;
    const double added = big[2] - small[2];
    const double fixed = cache_mb + 2 * item_mb + gram_mb;
    const double root_bound = std::max(base[0], base[1]) + fixed + root_per_dataset_mb * added;
    const double worker_bound = base[1] + fixed + worker_per_dataset_mb * added;
    INFO("3 sessions (" << small[3] << " items, " << small[2] << " datasets): " << base[0] << "/"
                        << base[1] << " MB; 12 sessions (" << big[3] << " items, " << big[2]
                        << " datasets): " << full[0] << "/" << full[1] << " MB; bounds "
                        << root_bound << "/" << worker_bound << " MB (item " << item_mb
                        << ", units^2 " << gram_mb << ")");
    REQUIRE(big[2] > 4 * small[2] - 500); // the study grew about 4-fold in datasets
    REQUIRE(big[3] > 1000);
    CHECK(full[0] <= root_bound);
    CHECK(full[1] <= worker_bound);
}
