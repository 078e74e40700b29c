// Every group of a results file opens with xarray (engine "h5netcdf", Debian's python3-xarray and
// python3-h5netcdf): every axis of every dataset has a dimension scale, so no dataset mixes
// labelled and unlabelled axes. Checked on a generated study with every analysis (per session,
// pseudo-populations and summaries) and on the real IT data.

#include <fstream>

#include <catch2/catch.hpp>

#include "tests/e2e/run_helpers.hpp"

using namespace neuropop::test;

namespace {

// Opens every group of `file` with xarray; prints "opened N of M", then one line per failure, and
// the dims and sizes of `probe` (a dataset path) as xarray names them.
std::string open_every_group(const std::filesystem::path& file, const std::string& probe) {
    return run_python(R"(import sys, h5py, xarray as xr
path, probe = sys.argv[1], sys.argv[2]
groups = ["/"]
with h5py.File(path, "r") as f:
    f.visititems(lambda n, o: groups.append("/" + n) if isinstance(o, h5py.Group) else None)
failed = []
for g in groups:
    try:
        xr.open_dataset(path, engine="h5netcdf", group=g).close()
    except Exception as e:
        failed.append(g + ": " + str(e).splitlines()[0])
print("opened", len(groups) - len(failed), "of", len(groups))
for line in failed[:20]:
    print(line)
group, name = probe.rsplit("/", 1)
with xr.open_dataset(path, engine="h5netcdf", group=group) as ds:
    print(name, dict(ds[name].sizes))
)",
                      {file.string(), probe});
}

void require_all_open(const std::string& report, int at_least) {
    INFO(report);
    const auto first = report.substr(0, report.find('\n'));
    int opened = 0, total = 0;
    REQUIRE(std::sscanf(first.c_str(), "opened %d of %d", &opened, &total) == 2);
    CHECK(total >= at_least);
    CHECK(opened == total);
}

} // namespace

TEST_CASE("every group of a generated study's results opens in xarray with named axes",
          "[e2e][xarray]") {
    TempDir tmp("xarray-generated");
    auto gen = run_command(shell_quote(binary().string()) + " generate --out " +
                           shell_quote((tmp / "nwb").string()) +
                           " --sessions 4 --subjects 2 --regions A,B --units 12 --trials 60 "
                           "--conditions 3 --control-levels 2 --seed 5 --quiet");
    INFO(gen.err);
    REQUIRE(gen.exit_code == 0);
    const auto job = tmp / "job.ini";
    std::ofstream(job)
        << "[data]\nsessions = " << (tmp / "nwb").string()
        << "\n[align]\nevent = stim_on_time\nstart = -0.2\nstop = 0.6\nbin_width = 0.1\n"
           "[conditions]\ncolumns = stimulus\n[pca]\nwindows = resp:0:0.6\n"
           "[cvpca]\nenabled = true\nshuffles = 2\n[fa]\nenabled = true\nfactors = 2\n"
           "window = resp:0:0.6\n"
           "[decode]\nenabled = true\ntargets = stimulus\ndecoder = lda\nfolds = 3\n"
           "permutations = 4\npermutations_per_item = 2\n"
           "[geometry]\nenabled = true\nconditions = stimulus, stimulus*control\n"
           "windows = resp:0:0.6\nfolds = 3\nmodels = control\npermutations = 20\n"
           "shots = 1, 2\nepisodes = 10\n"
           "[pseudo]\nenabled = true\nanalyses = decode, geometry, pca\ntrials = 6\n"
           "min_trials = 6\nresamples = 2\nnulls = 3\nbootstrap = 20\n";
    const auto out = tmp / "out.h5";
    auto r = run::neuropop_run(0, {job.string(), "--output", out.string(), "--quiet"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto report = open_every_group(out, "/pseudo/A/decode/stimulus/fold_accuracy");
    require_all_open(report, 100);
    // The fold axis had no coordinate: it now has an index scale named after its label.
    CHECK_THAT(report, Catch::Contains("fold_accuracy {'resample': 2"));
    CHECK_THAT(report, Catch::Contains("'fold': 3"));
}

TEST_CASE("every group of the IT results opens in xarray", "[e2e][xarray][it]") {
    TempDir tmp("xarray-it");
    const auto out = tmp / "it.h5";
    auto r = run::neuropop_run(
        0, run::it_args(out, {"--quiet", "--geometry.enabled", "true", "--geometry.permutations",
                              "20", "--geometry.episodes", "10", "--decode.enabled", "true",
                              "--decode.permutations", "0", "--decode.generalization", "false"}));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_all_open(open_every_group(out, "/binned/zhang-desimone-it-1001/IT/counts"), 200);
}
